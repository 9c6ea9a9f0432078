"""Write the procedural shapes in a real dataset's on-disk layout.

Example::

    python tools/dataset_converters/make_synthetic.py --format shapenet55 \
        --out data/ShapeNet55-34

The configs then run unchanged on the written folder.
"""
import argparse
import time
from pathlib import Path
from typing import Callable, Dict

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.table import Table

#: Called with (shapes written, total) after each shape.
OnProgress = Callable[[int, int], None]


def _shapenet55(args: argparse.Namespace, progress: OnProgress) -> dict:
    # Imported here: recon3d.datasets loads torch, which --help and the
    # argument checks do not need.
    from recon3d.datasets.synthetic import write_shapenet55
    return write_shapenet55(
        args.out,
        train_per_class=args.train_per_class,
        test_per_class=args.test_per_class,
        seed=args.seed,
        num_points=args.num_points,
        image_size=args.image_size,
        progress=progress,
        overwrite=args.force)


#: --format choice -> writer(args, progress) -> counts written.
WRITERS: Dict[str, Callable[[argparse.Namespace, OnProgress], dict]] = {
    'shapenet55': _shapenet55,
}


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Write the procedural shapes in the on-disk layout of a '
        'real dataset.')
    parser.add_argument(
        '--format',
        required=True,
        choices=sorted(WRITERS),
        help='dataset layout to write')
    parser.add_argument(
        '--out', required=True, type=Path, help='dataset root to create')
    parser.add_argument(
        '--train-per-class',
        type=int,
        default=40,
        help='train shapes per class')
    parser.add_argument(
        '--test-per-class', type=int, default=15, help='test shapes per class')
    parser.add_argument('--seed', type=int, default=0, help='dataset seed')
    parser.add_argument(
        '--num-points', type=int, default=8192, help='points per shape')
    parser.add_argument(
        '--image-size', type=int, default=224, help='image side in pixels')
    parser.add_argument(
        '--force',
        action='store_true',
        help='replace --out if it exists and is not empty')
    return parser.parse_args()


def main() -> None:
    """Write the dataset with a progress bar, then print what was written.
    """
    args = parse_args()
    console = Console()
    if args.out.exists() and any(args.out.iterdir()) and not args.force:
        console.print(f'[red]{args.out} exists and is not empty; '
                      'pass --force to replace it.[/red]')
        raise SystemExit(1)
    start = time.perf_counter()
    columns = (TextColumn('[bold]{task.description}'), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(f'{args.format} shapes', total=None)
        counts = WRITERS[args.format](
            args,
            lambda done, total: bar.update(task, completed=done, total=total))
    table = Table(title=f'Wrote {args.format} to {args.out}')
    table.add_column('item')
    table.add_column('value', justify='right')
    for key, value in counts.items():
        table.add_row(key, str(value))
    table.add_row('points per shape', str(args.num_points))
    table.add_row('image size', f'{args.image_size}×{args.image_size}')
    table.add_row('seed', str(args.seed))
    table.add_row('seconds', f'{time.perf_counter() - start:.1f}')
    console.print(table)
    console.print(_layout(args.out))


def _layout(root: Path) -> str:
    """One line per file or folder under ``root`` (folders: file count)."""
    lines = [f'{root}/']
    for path in sorted(root.rglob('*')):
        if path.is_dir():
            count = sum(1 for p in path.iterdir() if p.is_file())
            lines.append(f'  {path.relative_to(root)}/  ({count} files)')
        elif path.parent == root or path.suffix == '.txt':
            lines.append(f'  {path.relative_to(root)}')
    return '\n'.join(lines)


if __name__ == '__main__':
    main()
