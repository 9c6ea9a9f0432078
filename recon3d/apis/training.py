"""The training entry point behind ``tools/train.py``.

It lives in the package so that every tool that trains (``tools/train.py``,
the few-shot and multi-seed analysis tools) shares one command line and
one config logic.
"""
import argparse
import os.path as osp
from typing import TYPE_CHECKING, Optional, Sequence

# The parsers live in a light module (no torch) so that the tools answer
# ``--help`` at once; they are part of this API too.
from recon3d.cli.run_args import (add_reliability_args, add_run_args,
                                  parse_run_args, parse_train_args)

if TYPE_CHECKING:
    from mmengine.config import Config
    from mmengine.runner import Runner

__all__ = [
    'parse_train_args', 'add_run_args', 'parse_run_args',
    'add_reliability_args', 'build_train_config', 'train'
]


def build_train_config(args: argparse.Namespace) -> 'Config':
    """The config after the command-line overrides of ``tools/train.py``.
    """
    from mmengine.config import Config

    from recon3d.engine import check_config_keys, setup_amp, setup_launcher
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
    if getattr(args, 'compile', False):
        hooks = list(cfg.get('custom_hooks') or [])
        if not any(h.get('type') == 'CompileHook' for h in hooks):
            hooks.append(dict(type='CompileHook'))
        cfg.custom_hooks = hooks
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


def train(argv: Optional[Sequence[str]] = None) -> 'Runner':
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
    from mmengine.runner import Runner

    from recon3d.engine import check_loaders, resume_checkpoint
    from recon3d.utils import find_missing_inputs, register_all_modules
    from recon3d.utils.malloc import keep_freed_memory
    register_all_modules()
    keep_freed_memory()  # no page faults on each step's large tensors
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
