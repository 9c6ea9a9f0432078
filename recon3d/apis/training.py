"""The training entry point behind ``tools/train.py``.

It lives in the package so that every tool that trains (``tools/train.py``,
the few-shot and multi-seed analysis tools) shares one command line and
one config logic.
"""
import argparse
import os
import os.path as osp
from typing import Optional, Sequence

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from recon3d.engine import (check_config_keys, check_loaders,
                            resume_checkpoint, setup_amp, setup_launcher)
from recon3d.utils import find_missing_inputs, register_all_modules

__all__ = [
    'parse_train_args', 'add_run_args', 'parse_run_args',
    'add_reliability_args', 'build_train_config', 'train'
]


def parse_train_args(argv=None) -> argparse.Namespace:
    """Parse the command line of ``tools/train.py``."""
    parser = argparse.ArgumentParser(description='Train a recon3d model')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the latest checkpoint in the work dir ("auto", '
        'the default when the flag is given alone) or from PATH')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision: AmpOptimWrapper on GPU, bfloat16 autocast '
        'on CPU')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr by total batch size / '
        'auto_scale_lr.base_batch_size')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate during training')
    add_run_args(parser)
    return parse_run_args(parser, argv)


def add_run_args(parser: argparse.ArgumentParser) -> None:
    """The options every run tool shares: ``--cfg-options``,
    ``--launcher``, the reliability options and ``--local-rank``."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config leaves, e.g. train_dataloader.batch_size=8')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm'],
        default='none',
        help='job launcher')
    add_reliability_args(parser)
    # torchrun sets LOCAL_RANK; older launchers pass --local-rank.
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)


def parse_run_args(parser: argparse.ArgumentParser,
                   argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse ``argv`` with a parser that has :func:`add_run_args`, and set
    ``LOCAL_RANK`` from ``--local-rank`` unless the launcher did."""
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def add_reliability_args(parser: argparse.ArgumentParser) -> None:
    """``--unsafe-pickle`` and ``--strict-config`` (docs/reliability.md)."""
    parser.add_argument(
        '--unsafe-pickle',
        action='store_true',
        help='allow a full unpickling of checkpoint files that the safe '
        'loader refuses (runs code from the file: only for files you '
        'trust); same as unsafe_pickle=True in the config')
    parser.add_argument(
        '--strict-config',
        action='store_true',
        help='fail (instead of warning) on a top-level config key that '
        'looks like a misspelling of one the Runner reads')


def build_train_config(args: argparse.Namespace) -> Config:
    """The config after the command-line overrides of ``tools/train.py``.
    """
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        # work_dirs/<path under configs>, e.g. work_dirs/recon/pretrain
        rel = osp.relpath(osp.splitext(osp.abspath(args.config))[0],
                          osp.abspath('configs'))
        if rel.startswith('..'):
            rel = osp.splitext(osp.basename(args.config))[0]
        cfg.work_dir = osp.join('work_dirs', rel)
    if args.amp:
        setup_amp(cfg)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
        ckpt = cfg.get('default_hooks', {}).get('checkpoint')
        if ckpt is not None:
            ckpt.pop('save_best', None)
            ckpt.pop('rule', None)
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if getattr(args, 'unsafe_pickle', False):
        cfg.unsafe_pickle = True
    if getattr(args, 'strict_config', False):
        check_config_keys(cfg, strict=True, source=args.config)
    setup_launcher(cfg, args.launcher)
    return cfg


def train(argv: Optional[Sequence[str]] = None) -> Runner:
    """Run ``tools/train.py`` with ``argv`` (None: ``sys.argv``).

    The analysis tools call this in-process, once per fold or seed.

    Returns:
        Runner: The runner after training (its message hub holds the
        validation history).

    Raises:
        SystemExit: If an input of the config is missing.
        RunError: A checkpoint that cannot be loaded or does not fit,
            ``--resume`` without a checkpoint, a non-finite loss, a config
            typo under ``--strict-config`` (docs/reliability.md).
    """
    args = parse_train_args(argv)
    register_all_modules()
    cfg = build_train_config(args)
    missing = find_missing_inputs(cfg)
    if missing:
        raise SystemExit(f'{args.config} cannot start:\n  - ' +
                         '\n  - '.join(missing))
    if cfg.get('resume') and not cfg.get('load_from'):
        resume_checkpoint(cfg.work_dir)  # fails when there is none
    runner = Runner.from_cfg(cfg)
    runner.train_loop  # builds the training loader: check it first
    check_loaders(runner)
    runner.train()
    return runner
