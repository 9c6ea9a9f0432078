"""Plot the loss and validation curves of a work dir.

Reads the scalars that mmengine's ``LocalVisBackend`` writes
(``<work_dir>/<timestamp>/vis_data/scalars.json``, one JSON object a line:
training lines carry ``iter``, validation lines do not) and draws one PNG:
the losses against the iteration (left) and the validation metrics, e.g.
``svm/accuracy``, against the epoch (right). Several runs of the same work
dir (a resumed run) are joined in time order.

Example::

    python tools/analysis_tools/plot_logs.py work_dirs/demo --out curves.png
"""
import argparse
import glob
import json
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Tuple

#: Training keys drawn besides the losses.
NOT_METRICS = ('lr', 'base_lr', 'time', 'data_time', 'memory', 'grad_norm',
               'epoch', 'iter', 'step')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Plot loss / validation curves of a work dir (PNG)')
    parser.add_argument('work_dir', help='work dir of a run, or a '
                        'scalars.json file')
    parser.add_argument('--out', default=None,
                        help='PNG to write (default: <work_dir>/curves.png)')
    parser.add_argument('--keys', nargs='+', default=None,
                        help='scalars to draw (default: every loss and '
                        'every validation metric)')
    return parser.parse_args(argv)


def find_scalars(path: str) -> List[str]:
    """The ``scalars.json`` files of a work dir, oldest run first."""
    if osp.isfile(path):
        return [path]
    files = sorted(glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
    if not files:
        raise FileNotFoundError(
            f'{path}: no */vis_data/scalars.json (mmengine writes it with '
            'the LocalVisBackend of configs/_base_/default_runtime.py)')
    return files


def read_scalars(files: List[str]) -> Tuple[Dict[str, list], Dict[str,
                                                                  list]]:
    """``({train key: [(iter, value)]}, {val key: [(epoch, value)]})``."""
    train, val = defaultdict(list), defaultdict(list)
    for path in files:
        with open(path) as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as err:
                    raise ValueError(f'{path}, line {number}: not JSON '
                                     f'({err})') from err
                target, x = (train, row.get('iter')) if 'iter' in row \
                    else (val, row.get('step'))
                for key, value in row.items():
                    if key not in NOT_METRICS and isinstance(
                            value, (int, float)):
                        target[key].append((x, value))
    for series in list(train.values()) + list(val.values()):
        series.sort(key=lambda p: p[0])
    return dict(train), dict(val)


def plot(train: Dict[str, list], val: Dict[str, list], out: str,
         keys=None, title: str = '') -> List[str]:
    """Draw the curves; returns the keys drawn."""
    import matplotlib
    matplotlib.use('Agg', force=False)
    import matplotlib.pyplot as plt

    losses = [k for k in train if 'loss' in k and (keys is None or k in keys)]
    metrics = [k for k in val if keys is None or k in keys]
    if not losses and not metrics:
        raise ValueError(f'nothing to draw: training keys {sorted(train)}, '
                         f'validation keys {sorted(val)}')
    panels = [(losses, train, 'iteration', 'loss'),
              (metrics, val, 'epoch', 'validation')]
    panels = [p for p in panels if p[0]]
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4),
                             squeeze=False)
    for ax, (names, source, xlabel, ylabel) in zip(axes[0], panels):
        for name in names:
            xs, ys = zip(*source[name])
            ax.plot(xs, ys, marker='o' if len(xs) < 30 else None,
                    label=name)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return losses + metrics


def main(argv=None) -> int:
    args = parse_args(argv)
    files = find_scalars(args.work_dir)
    train, val = read_scalars(files)
    work_dir = args.work_dir if osp.isdir(args.work_dir) else osp.dirname(
        args.work_dir)
    out = args.out or osp.join(work_dir, 'curves.png')
    drawn = plot(train, val, out, args.keys, title=osp.basename(
        osp.normpath(work_dir)))
    print(f'{len(drawn)} curves ({", ".join(drawn)}) from {len(files)} '
          f'run(s) -> {out}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
