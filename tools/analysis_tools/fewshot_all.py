"""Few-shot ModelNet40: train and evaluate every (way, shot, fold).

For each setting (e.g. ``5w10s``) and fold, the config is trained from the
pretrained checkpoint with the way/shot/fold leaves of both loaders
overridden; the fold's score is its best validation accuracy over epochs
(the official protocol: an epoch selected on the evaluated
items), and the last epoch's accuracy (no selection) is reported beside it.
Prints mean ± std over folds per setting and writes ``fewshot.csv``.

Example:
    python tools/analysis_tools/fewshot_all.py \
        configs/recon/fewshot_modelnet40.py PRETRAINED.pth \
        --settings 5w10s 5w20s 10w10s 10w20s --folds 0 1 2 3 4 5 6 7 8 9
"""
import argparse
import csv
import os.path as osp
import re

import numpy as np
from rich.console import Console
from rich.table import Table

# The light parser pieces only: torch loads once a run starts.
from recon3d.cli.run_args import DictAction


def parse_setting(text: str):
    match = re.fullmatch(r'(\d+)w(\d+)s', text)
    if not match:
        raise argparse.ArgumentTypeError(
            f'a setting looks like 5w10s, got {text!r}')
    return int(match.group(1)), int(match.group(2))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', help='pretrained recon3d checkpoint')
    parser.add_argument(
        '--settings', nargs='+', type=parse_setting,
        default=[(5, 10), (5, 20), (10, 10), (10, 20)],
        help='way-shot settings, e.g. 5w10s 10w20s')
    parser.add_argument('--folds', nargs='+', type=int,
                        default=list(range(10)))
    parser.add_argument('--work-dir', default='work_dirs/fewshot_all')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={})
    return parser.parse_args(argv)


def run_fold(args, way, shot, fold):
    """Train one fold; returns (best, last) validation top-1 (%)."""
    work_dir = osp.join(args.work_dir, f'{way}w{shot}s', f'fold{fold}')
    argv = [args.config, '--work-dir', work_dir, '--cfg-options',
            f'model.init_cfg.checkpoint={args.checkpoint}']
    for loader in ('train_dataloader', 'val_dataloader',
                   'test_dataloader'):
        argv += [f'{loader}.dataset.way={way}',
                 f'{loader}.dataset.shot={shot}',
                 f'{loader}.dataset.fold={fold}']
    argv += [f'{k}={v}' for k, v in args.cfg_options.items()]
    from recon3d.apis import train
    runner = train(argv)
    history = runner.message_hub.get_scalar('val/accuracy/top1').data[0]
    return float(np.max(history)), float(history[-1])


def main(argv=None):
    args = parse_args(argv)
    rows, summary = [], []
    for way, shot in args.settings:
        best, last = [], []
        for fold in args.folds:
            b, l_ = run_fold(args, way, shot, fold)
            best.append(b)
            last.append(l_)
            rows.append(dict(setting=f'{way}w{shot}s', fold=fold,
                             best_epoch_top1=b, last_epoch_top1=l_))
        summary.append((f'{way}w{shot}s', np.array(best), np.array(last)))
    table = Table(title=f'Few-shot {osp.basename(args.config)}')
    table.add_column('setting')
    table.add_column('folds', justify='right')
    table.add_column('best epoch (official) mean ± std', justify='right')
    table.add_column('last epoch mean ± std', justify='right')
    for name, best, last in summary:
        table.add_row(name, str(len(best)),
                      f'{best.mean():.2f} ± {best.std():.2f}',
                      f'{last.mean():.2f} ± {last.std():.2f}')
    Console().print(table)
    path = osp.join(args.work_dir, 'fewshot.csv')
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f'per-fold results: {path}')
    return summary


if __name__ == '__main__':
    main()
