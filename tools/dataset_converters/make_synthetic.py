"""Write the procedural shapes in a real dataset's on-disk layout.

Examples::

    python tools/dataset_converters/make_synthetic.py --format shapenet55 \
        --out data/ShapeNet55-34
    python tools/dataset_converters/make_synthetic.py --format modelnet40 \
        --out data/ModelNet/modelnet40_normal_resampled
    python tools/dataset_converters/make_synthetic.py --format scanobjectnn \
        --out data/ScanObjectNN
    python tools/dataset_converters/make_synthetic.py \
        --format modelnet40_fewshot --out data/ModelNetFewshot
    python tools/dataset_converters/make_synthetic.py --format shapenetpart \
        --out data/shapenetcore_partanno_segmentation_benchmark_v0_normal

The configs then run unchanged on the written folder. ``modelnet40`` also
writes the ModelNet10 files that the real folder holds beside ModelNet40's
(``modelnet10_shape_names.txt``, ``modelnet10_{train,test}.txt``: ten of the
classes) and their FPS pickles, which ``zeroshot_modelnet10*.py`` read.
``modelnet40_fewshot`` draws its folds from ``--modelnet-root`` (default:
the ModelNet40 folder beside ``--out``,
``<out>/../ModelNet/modelnet40_normal_resampled``), and writes that
ModelNet40 first if it does not exist.
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


def _modelnet40(args: argparse.Namespace, progress: OnProgress) -> dict:
    from recon3d.datasets.synthetic import write_modelnet40
    return write_modelnet40(
        args.out,
        train_per_class=args.train_per_class,
        test_per_class=args.test_per_class,
        seed=args.seed,
        num_points_txt=args.num_points_txt,
        num_points=args.num_points,
        write_dat=not args.no_dat,
        progress=progress,
        overwrite=args.force)


def _scanobjectnn(args: argparse.Namespace, progress: OnProgress) -> dict:
    from recon3d.datasets.synthetic import write_scanobjectnn
    return write_scanobjectnn(
        args.out,
        train_per_class=args.train_per_class,
        test_per_class=args.test_per_class,
        seed=args.seed,
        variants=args.variants,
        num_points=args.num_points,
        copies=args.copies,
        progress=progress,
        overwrite=args.force)


def _modelnet40_fewshot(args: argparse.Namespace,
                        progress: OnProgress) -> dict:
    from recon3d.datasets.modelnet40 import dat_name
    from recon3d.datasets.synthetic import (write_modelnet40,
                                            write_modelnet40_fewshot)
    root = args.modelnet_root
    if root is None:
        root = args.out.parent / 'ModelNet' / 'modelnet40_normal_resampled'
    counts = {}
    if not all(
        (root / dat_name('modelnet40', split, args.num_points)).is_file()
            for split in ('train', 'test')):
        if root.exists() and any(root.iterdir()):
            raise SystemExit(f'{root} has no modelnet40_{{train,test}}_'
                             f'{args.num_points}pts_fps.dat; build them with '
                             f'tools/dataset_converters/build_modelnet_dat.py '
                             f'--data-root {root}')
        written = write_modelnet40(
            root,
            train_per_class=args.train_per_class,
            test_per_class=args.test_per_class,
            seed=args.seed,
            num_points_txt=args.num_points_txt,
            num_points=args.num_points,
            progress=progress)
        counts.update({f'ModelNet40 {k}': v for k, v in written.items()})
        counts['ModelNet40 root'] = str(root)
    else:
        counts['ModelNet40 root (existing)'] = str(root)
    counts.update(
        write_modelnet40_fewshot(
            args.out,
            root,
            ways=args.ways,
            shots=args.shots,
            folds=args.folds,
            seed=args.seed,
            test_per_class=args.fold_test_per_class,
            num_points=args.num_points,
            progress=progress,
            overwrite=args.force))
    return counts


def _shapenetpart(args: argparse.Namespace, progress: OnProgress) -> dict:
    from recon3d.datasets.synthetic import write_shapenet_part
    return write_shapenet_part(
        args.out,
        train_per_class=args.train_per_class,
        val_per_class=args.val_per_class,
        test_per_class=args.test_per_class,
        seed=args.seed,
        num_points=args.num_points,
        progress=progress,
        overwrite=args.force)


#: --format choice -> writer(args, progress) -> counts written.
WRITERS: Dict[str, Callable[[argparse.Namespace, OnProgress], dict]] = {
    'shapenet55': _shapenet55,
    'modelnet40': _modelnet40,
    'scanobjectnn': _scanobjectnn,
    'modelnet40_fewshot': _modelnet40_fewshot,
    'shapenetpart': _shapenetpart,
}

#: Per-format defaults of the options whose default is None.
DEFAULTS: Dict[str, Dict[str, int]] = {
    'shapenet55': dict(test_per_class=15, num_points=8192),
    # 20 test shapes per class: enough for few-shot folds.
    'modelnet40': dict(test_per_class=20, num_points=8192),
    'scanobjectnn': dict(test_per_class=15, num_points=2048),
    'modelnet40_fewshot': dict(test_per_class=20, num_points=8192),
    # about the size of the real files (2,000-3,000 points)
    'shapenetpart': dict(test_per_class=12, num_points=2500),
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
        '--test-per-class',
        type=int,
        help='test shapes per class (default: 20 for modelnet40 and '
        'modelnet40_fewshot, 12 for shapenetpart, else 15)')
    parser.add_argument(
        '--val-per-class',
        type=int,
        default=8,
        help='shapenetpart: val shapes per category')
    parser.add_argument('--seed', type=int, default=0, help='dataset seed')
    parser.add_argument(
        '--num-points',
        type=int,
        help='points per shape (default: 2048 for scanobjectnn, about 2500 '
        'for shapenetpart, else 8192; for ModelNet40 the points of the .dat '
        'pickles)')
    parser.add_argument(
        '--image-size',
        type=int,
        default=224,
        help='shapenet55: image side in pixels')
    parser.add_argument(
        '--num-points-txt',
        type=int,
        default=10000,
        help='modelnet40: points per txt file')
    parser.add_argument(
        '--no-dat',
        action='store_true',
        help='modelnet40: skip the FPS .dat pickles (build them later with '
        'build_modelnet_dat.py)')
    parser.add_argument(
        '--variants',
        nargs='+',
        choices=('OBJ_BG', 'OBJ_ONLY', 'PB_T50_RS'),
        default=['OBJ_BG', 'OBJ_ONLY', 'PB_T50_RS'],
        help='scanobjectnn: variants to write')
    parser.add_argument(
        '--copies',
        type=int,
        default=5,
        help='scanobjectnn: PB_T50_RS views per object')
    parser.add_argument(
        '--modelnet-root',
        type=Path,
        help='modelnet40_fewshot: ModelNet40 root to draw from (written '
        'first if missing; default: <out>/../ModelNet/'
        'modelnet40_normal_resampled)')
    parser.add_argument(
        '--ways',
        type=int,
        nargs='+',
        default=[5, 10],
        help='modelnet40_fewshot: classes per fold')
    parser.add_argument(
        '--shots',
        type=int,
        nargs='+',
        default=[10, 20],
        help='modelnet40_fewshot: train shapes per class')
    parser.add_argument(
        '--folds',
        type=int,
        default=10,
        help='modelnet40_fewshot: folds per setting')
    parser.add_argument(
        '--fold-test-per-class',
        type=int,
        default=20,
        help='modelnet40_fewshot: test shapes per class of a fold')
    parser.add_argument(
        '--force',
        action='store_true',
        help='replace --out if it exists and is not empty')
    args = parser.parse_args()
    for key, value in DEFAULTS[args.format].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if (args.format == 'modelnet40_fewshot'
            and args.test_per_class < args.fold_test_per_class):
        parser.error(f'--test-per-class {args.test_per_class} is below '
                     f'--fold-test-per-class {args.fold_test_per_class}: a '
                     'fold takes that many ModelNet40 test shapes per class')
    return args


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
    console.print(f'Writing {args.format} to {args.out} ...')
    columns = (TextColumn('[bold]{task.description}'), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn())
    # Not a terminal (a log, CI): a plain line at every tenth instead.
    tenths = [-1]

    def plain(done: int, total: int) -> None:
        tenth = done * 10 // max(total, 1)
        if tenth > tenths[0]:
            tenths[0] = tenth
            console.print(f'  {done}/{total} steps, '
                          f'{time.perf_counter() - start:.0f} s')

    with Progress(*columns, console=console,
                  disable=not console.is_terminal) as bar:
        task = bar.add_task(f'{args.format} shapes', total=None)
        counts = WRITERS[args.format](
            args, (lambda done, total: bar.update(
                task, completed=done, total=total))
            if console.is_terminal else plain)
    table = Table(title=f'Wrote {args.format} to {args.out}')
    table.add_column('item')
    table.add_column('value', justify='right')
    for key, value in counts.items():
        table.add_row(key, str(value))
    table.add_row('points per shape', str(args.num_points))
    if args.format == 'shapenet55':
        table.add_row('image size', f'{args.image_size}×{args.image_size}')
    table.add_row('seed', str(args.seed))
    table.add_row('seconds', f'{time.perf_counter() - start:.1f}')
    console.print(table)
    console.print(_layout(args.out))


def _layout(root: Path) -> str:
    """One line per folder under ``root`` (with its file count) and per
    file at the top or in a folder of at most 4 files."""
    lines = [f'{root}/']
    files = {
        folder: sum(1 for p in folder.iterdir() if p.is_file())
        for folder in [root, *root.rglob('*')] if folder.is_dir()
    }
    for path in sorted(root.rglob('*')):
        if path.is_dir():
            lines.append(f'  {path.relative_to(root)}/  ({files[path]} files)')
        elif path.parent == root or files[path.parent] <= 4:
            lines.append(f'  {path.relative_to(root)}')
    return '\n'.join(lines)


if __name__ == '__main__':
    main()
