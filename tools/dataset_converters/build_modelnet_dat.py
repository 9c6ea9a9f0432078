"""Build ModelNet's FPS pickles ``modelnet40_{split}_8192pts_fps.dat``.

The official loader builds them silently on first use; recon3d's
``ModelNet40`` dataset asks for them instead. Example::

    python tools/dataset_converters/build_modelnet_dat.py \
        --data-root data/ModelNet/modelnet40_normal_resampled

Each shape of the split list is read from ``<class>/<id>.txt``, reduced to
``--num-points`` points by farthest point sampling from a random start
(seeded by ``--seed``; the official start is unseeded) and pickled with its
label exactly like the official file. The sampling is
``recon3d.ops.farthest_point_sample`` (the official greedy rule), 32 shapes
at a time: about 0.16 s per 10,000-point shape with its compiled CPU kernel
on a busy 2-core CPU, some 30-35 minutes for the 12,311 real shapes
(``--device cuda`` runs the torch loop on a GPU instead).
"""
import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.table import Table


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Build the FPS pickles of a ModelNet root from its txt '
        'files.')
    parser.add_argument(
        '--data-root',
        required=True,
        type=Path,
        help='ModelNet root (modelnet40_normal_resampled)')
    parser.add_argument(
        '--split',
        nargs='+',
        choices=('train', 'test'),
        default=['train', 'test'],
        help='splits to build')
    parser.add_argument(
        '--num-points', type=int, default=8192, help='points per cloud')
    parser.add_argument(
        '--num-category',
        type=int,
        default=40,
        help='10 reads the modelnet10_* files, anything else modelnet40_*')
    parser.add_argument(
        '--seed', type=int, default=0, help='seed of the FPS start points')
    parser.add_argument(
        '--device', default='cpu', help='where the FPS runs (e.g. cuda)')
    parser.add_argument(
        '--force',
        action='store_true',
        help='rebuild pickles that already exist')
    return parser.parse_args()


def main() -> None:
    """Build each split's pickle with a progress bar."""
    args = parse_args()
    # Imported here: recon3d loads torch, which --help does not need.
    from recon3d.datasets.converters import build_modelnet_dat
    from recon3d.datasets.modelnet40 import dat_name, file_prefix
    console = Console()
    if not args.data_root.is_dir():
        console.print(f'[red]{args.data_root} is not a folder.[/red]')
        raise SystemExit(1)
    prefix = file_prefix(args.num_category)
    columns = (TextColumn('[bold]{task.description}'), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn())
    table = Table(title=f'FPS pickles in {args.data_root}')
    for column in ('split', 'file', 'status', 'seconds'):
        table.add_column(column)
    for split in args.split:
        path = args.data_root / dat_name(prefix, split, args.num_points)
        if path.exists() and not args.force:
            table.add_row(split, path.name, 'exists (--force rebuilds)', '-')
            continue
        start = time.perf_counter()
        with Progress(*columns, console=console) as bar:
            task = bar.add_task(f'{split} FPS', total=None)
            try:
                build_modelnet_dat(
                    str(args.data_root),
                    split,
                    num_points=args.num_points,
                    num_category=args.num_category,
                    seed=args.seed,
                    device=args.device,
                    progress=lambda done, total: bar.update(
                        task, completed=done, total=total))
            except (FileNotFoundError, ValueError) as err:
                bar.stop()
                console.print(f'[red]{err}[/red]')
                raise SystemExit(1)
        table.add_row(split, path.name, 'built',
                      f'{time.perf_counter() - start:.1f}')
    console.print(table)


if __name__ == '__main__':
    main()
