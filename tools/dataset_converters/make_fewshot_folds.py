"""Draw the ModelNet40 few-shot folds from the ModelNet40 FPS pickles.

Example::

    python tools/dataset_converters/make_fewshot_folds.py \
        --data-root data/ModelNet/modelnet40_normal_resampled \
        --out data/ModelNetFewshot

Writes ``{way}way_{shot}shot/{fold}.pkl`` like the official
``generate_few_shot_data.py``: per fold, ``way`` classes drawn from the
train split, ``shot`` train clouds per class from the train split and
``--test-per-class`` test clouds per class from the test split, both lists
shuffled. Unlike the official script (Python's unseeded ``random``), fold
``f`` of a setting is a function of ``--seed``, way, shot and ``f`` only.
"""
import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn)
from rich.table import Table


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Write ModelNet40 few-shot folds from the FPS pickles.')
    parser.add_argument(
        '--data-root',
        required=True,
        type=Path,
        help='ModelNet40 root holding modelnet40_{train,test}_*pts_fps.dat')
    parser.add_argument(
        '--out', required=True, type=Path, help='few-shot root to create')
    parser.add_argument(
        '--ways', type=int, nargs='+', default=[5, 10], help='classes')
    parser.add_argument(
        '--shots', type=int, nargs='+', default=[10, 20], help='shots')
    parser.add_argument(
        '--folds', type=int, default=10, help='folds per setting')
    parser.add_argument('--seed', type=int, default=0, help='seed')
    parser.add_argument(
        '--test-per-class',
        type=int,
        default=20,
        help='test clouds per class (official: 20)')
    parser.add_argument(
        '--num-points',
        type=int,
        default=8192,
        help='points per cloud of the pickles to read')
    parser.add_argument(
        '--force',
        action='store_true',
        help='replace --out if it exists and is not empty')
    return parser.parse_args()


def main() -> None:
    """Write the folds with a progress bar, then summarise them."""
    args = parse_args()
    from recon3d.datasets.synthetic import write_modelnet40_fewshot
    console = Console()
    if args.out.exists() and any(args.out.iterdir()) and not args.force:
        console.print(f'[red]{args.out} exists and is not empty; '
                      'pass --force to replace it.[/red]')
        raise SystemExit(1)
    start = time.perf_counter()
    columns = (TextColumn('[bold]{task.description}'), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task('few-shot folds', total=None)
        try:
            counts = write_modelnet40_fewshot(
                args.out,
                args.data_root,
                ways=args.ways,
                shots=args.shots,
                folds=args.folds,
                seed=args.seed,
                test_per_class=args.test_per_class,
                num_points=args.num_points,
                progress=lambda done, total: bar.update(
                    task, completed=done, total=total),
                overwrite=args.force)
        except (FileNotFoundError, ValueError) as err:
            bar.stop()
            console.print(f'[red]{err}[/red]')
            raise SystemExit(1)
    table = Table(title=f'Few-shot folds in {args.out}')
    for column in ('setting', 'folds', 'train items', 'test items'):
        table.add_column(column)
    for way in args.ways:
        for shot in args.shots:
            table.add_row(f'{way}way_{shot}shot', str(args.folds),
                          str(way * shot), str(way * args.test_per_class))
    console.print(table)
    console.print(f'{counts["folds"]} files, seed {args.seed}, '
                  f'{time.perf_counter() - start:.1f} s')


if __name__ == '__main__':
    main()
