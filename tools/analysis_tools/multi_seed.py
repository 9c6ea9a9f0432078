"""Run a config once per seed; report mean ± std and best-of-S side by side.

Each seed trains in-process through tools/train.py (``randomness.seed``
overridden, work dir ``<work-dir>/seed<S>``). Per run, the best and the
last value of the validation metric are read from the message hub.

Example:
    python tools/analysis_tools/multi_seed.py \
        configs/recon/finetune_scanobjectnn_hardest.py --seeds 0 1 2 \
        --cfg-options model.init_cfg.checkpoint=PRETRAINED.pth
"""
import argparse
import csv
import os.path as osp

import numpy as np
from rich.console import Console
from rich.table import Table

# The light parser pieces only: torch loads once a run starts.
from recon3d.cli.run_args import DictAction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument('--metric', default='val/accuracy/top1')
    parser.add_argument('--work-dir', default='work_dirs/multi_seed')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={})
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from recon3d.apis import train
    rows = []
    for seed in args.seeds:
        argv = [args.config, '--work-dir',
                osp.join(args.work_dir, f'seed{seed}'), '--cfg-options',
                f'randomness.seed={seed}']
        argv += [f'{k}={v}' for k, v in args.cfg_options.items()]
        runner = train(argv)
        history = runner.message_hub.get_scalar(args.metric).data[0]
        rows.append(dict(seed=seed, best_epoch=float(np.max(history)),
                         last_epoch=float(history[-1])))
    table = Table(title=f'{osp.basename(args.config)}: {args.metric} over '
                  f'{len(rows)} seeds')
    table.add_column('per run')
    table.add_column('mean ± std', justify='right')
    table.add_column(f'best of {len(rows)} (README protocol)',
                     justify='right')
    summary = {}
    for key in ('best_epoch', 'last_epoch'):
        v = np.array([r[key] for r in rows])
        summary[key] = dict(mean=float(v.mean()), std=float(v.std()),
                            best=float(v.max()))
        table.add_row(key.replace('_', ' '),
                      f'{v.mean():.2f} ± {v.std():.2f}', f'{v.max():.2f}')
    Console().print(table)
    path = osp.join(args.work_dir, 'multi_seed.csv')
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f'per-seed results: {path}')
    return summary


if __name__ == '__main__':
    main()
