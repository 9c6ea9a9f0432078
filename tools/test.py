"""Test a recon3d classifier checkpoint with mmengine's Runner.

By default one plain pass over the test split (FPS to N points per cloud,
no augmentation). ``--votes V`` runs the official voting: the config's
``tta_model`` (``PointClassifierTTA``; without one, no test-time
augmentation) wraps the model with V votes: per batch, FPS to the pool of
P points (the preprocessor's ``train_fps_points``: 1200 for 1024 points,
2400 for 2048, 8192 for 8192), then V votes, each a random N-point subset
plus the test-time augmentation, logits averaged. ``--vote-repeats R``
repeats the whole test R times and reports the mean ± std over repeats
beside the max (the max over 299 repeats is the paper's protocol).

``--show-dir DIR`` (part segmentation) also writes pictures of the
predicted and true parts of a few test shapes.

The checkpoint must fit the model exactly (missing, unexpected or
mis-shaped keys stop the test, exit status 1); see docs/reliability.md.

Example:
    python tools/test.py configs/recon/finetune_modelnet40.py CKPT --votes 10
    python tools/test.py configs/recon/partseg_shapenetpart.py CKPT \
        --show-dir pictures
"""
import argparse
import json
import os.path as osp
from typing import List

# Only the light parsers here: --help answers before torch loads.
from recon3d.cli.run_args import add_run_args, parse_run_args


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test a recon3d model')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where logs go')
    parser.add_argument('--out', help='write the metrics (JSON) here')
    parser.add_argument(
        '--out-items',
        help='write each sample\'s prediction (label, scores, file) to '
        'this JSON file')
    parser.add_argument(
        '--votes',
        type=int,
        default=0,
        help='votes per cloud (official: 10); 0 = one plain pass')
    parser.add_argument(
        '--vote-repeats',
        type=int,
        default=1,
        help='repeat the whole test R times; reports mean ± std and max '
        '(paper: max over 299)')
    parser.add_argument(
        '--show-dir',
        help='part segmentation: write pictures of predicted vs true parts '
        'of a few test shapes to this folder')
    add_run_args(parser)
    args = parse_run_args(parser, argv)
    if args.votes < 0 or args.vote_repeats < 1:
        parser.error('--votes must be >= 0 and --vote-repeats >= 1')
    return args


def build_test_config(args):
    """The config of the test run (the train config's leaves, the
    checkpoint as ``load_from``, voting from the flags: with ``--votes``,
    the model is the config's ``tta_model`` around its ``model``)."""
    from mmengine.config import ConfigDict

    from recon3d.apis.training import build_train_config
    from recon3d.engine import setup_launcher
    ns = argparse.Namespace(
        config=args.config, cfg_options=args.cfg_options,
        work_dir=args.work_dir, amp=False, resume=None, no_validate=False,
        auto_scale_lr=False, launcher='none',
        unsafe_pickle=args.unsafe_pickle, strict_config=args.strict_config)
    cfg = build_train_config(ns)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.show_dir:
        add_show_hook(cfg, args.show_dir)
    if args.out_items:
        evaluators = cfg.test_evaluator
        evaluators = list(evaluators) if isinstance(
            evaluators, (list, tuple)) else [evaluators]
        cfg.test_evaluator = evaluators + [
            dict(type='DumpPredictions', out_file=args.out_items)
        ]
    # The checkpoint replaces the pretrained trunk.
    cfg.model.init_cfg = None
    if args.votes:
        tta = cfg.get('tta_model') or dict(type='PointClassifierTTA')
        cfg.model = ConfigDict(tta, module=cfg.model, votes=args.votes)
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper',
                'param_scheduler', 'val_dataloader', 'val_cfg',
                'val_evaluator'):
        cfg[key] = None
    setup_launcher(cfg, args.launcher)
    return cfg


def add_show_hook(cfg, show_dir: str) -> None:
    """Add the picture hook of ``--show-dir`` (part segmentation only)."""
    if cfg.model.get('type') != 'PartSegmentor':
        raise SystemExit('--show-dir draws part segmentations; '
                         f'{cfg.model.get("type")} is not a PartSegmentor')
    hooks = [h for h in cfg.get('custom_hooks') or []
             if h.get('type') != 'PartSegVisHook']
    cfg.custom_hooks = hooks + [
        dict(type='PartSegVisHook', show_dir=osp.abspath(show_dir))
    ]


def print_table(title: str, runs: List[dict], votes: int) -> dict:
    """Rich table of the runs; returns the summary."""
    import numpy as np
    from rich.console import Console
    from rich.table import Table
    keys = sorted(runs[0])
    summary = {}
    table = Table(title=title)
    table.add_column('metric')
    if len(runs) == 1:
        table.add_column('value (%)', justify='right')
        for k in keys:
            table.add_row(k, f'{runs[0][k]:.2f}')
            summary[k] = runs[0][k]
    else:
        for col in ('mean ± std over repeats',
                    'max over repeats (paper protocol)'):
            table.add_column(col, justify='right')
        for k in keys:
            values = np.array([r[k] for r in runs])
            summary[k] = dict(
                mean=float(values.mean()), std=float(values.std()),
                max=float(values.max()), runs=values.tolist())
            table.add_row(k, f'{values.mean():.2f} ± {values.std():.2f}',
                          f'{values.max():.2f}')
    table.caption = (f'{votes} votes per cloud' if votes else
                     'no voting (one pass, FPS to N)') + \
        f', {len(runs)} run(s)'
    Console().print(table)
    return summary


def main(argv=None):
    args = parse_args(argv)
    from mmengine.runner import Runner

    from recon3d.utils import find_missing_inputs, register_all_modules
    register_all_modules()
    cfg = build_test_config(args)
    missing = find_missing_inputs(cfg)
    if missing:
        raise SystemExit(f'{args.config} cannot start:\n  - ' +
                         '\n  - '.join(missing))
    runner = Runner.from_cfg(cfg)
    runs = [runner.test()]
    for _ in range(args.vote_repeats - 1):
        runs.append(runner.test_loop.run())
    runs = [{k: float(v) for k, v in r.items()} for r in runs]
    summary = print_table(osp.basename(args.config), runs, args.votes)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(
                dict(config=args.config, checkpoint=args.checkpoint,
                     votes=args.votes, repeats=args.vote_repeats,
                     metrics=summary), f, indent=2)
    return summary


if __name__ == '__main__':
    parse_args()  # --help and bad options answer before torch loads
    from recon3d.engine import RunError
    try:
        main()
    except RunError as err:  # one line, no traceback; exit status 1
        raise SystemExit(f'error: {err}') from None
