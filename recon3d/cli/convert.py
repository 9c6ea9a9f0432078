"""``recon3d convert``: official ReCon checkpoints <-> recon3d."""
import argparse
from collections import Counter

from .common import EXIT_INPUT, console, error_line, print_json

KINDS = ('pretrain', 'cls', 'zeroshot', 'svm', 'partseg')


def add_parser(sub) -> None:
    parser = sub.add_parser(
        'convert', help='convert official ReCon checkpoints (and back)',
        description='Convert an official ReCon checkpoint (qizekun/ReCon) '
        'to a recon3d checkpoint, or with --to official back. The layout '
        '(pretrain, cls, zeroshot, svm, partseg) is detected from the keys '
        'unless --kind names it; a narrower kind keeps less (e.g. --kind '
        'zeroshot keeps the encoder and both projections of a pretraining '
        'file). See docs/model_zoo.md.')
    parser.add_argument('src', help='checkpoint to read')
    parser.add_argument('dst', help='checkpoint to write')
    parser.add_argument('--to', choices=('recon3d', 'official'),
                        default='recon3d', help='direction (default: '
                        'official -> recon3d)')
    parser.add_argument('--kind', choices=KINDS, default=None)
    parser.add_argument(
        '--unsafe-pickle', action='store_true',
        help='allow a full unpickling of a file the safe loader refuses '
        '(runs code from the file: only for files you trust)')
    parser.add_argument('--json', action='store_true',
                        help='print the summary as JSON on stdout')


def _grouped(keys) -> str:
    counts = Counter(k.split('.')[0] for k in keys)
    return ', '.join(f'{name}.* ({n})' for name, n in counts.items())


def run(args: argparse.Namespace) -> int:
    from recon3d.apis import (UnsafePickleRequired,
                              convert_official_checkpoint,
                              convert_recon3d_checkpoint)
    from recon3d.models.utils import OfficialKeyError
    convert = convert_official_checkpoint if args.to == 'recon3d' \
        else convert_recon3d_checkpoint
    try:
        summary = convert(args.src, args.dst, kind=args.kind,
                          unsafe_pickle=args.unsafe_pickle)
    except (OfficialKeyError, UnsafePickleRequired, FileNotFoundError,
            ValueError, TypeError, OSError) as err:
        error_line(err)
        return EXIT_INPUT
    left = summary.get('dropped', summary.get('left_out', []))
    if args.json:
        print_json(dict(summary, src=args.src, to=args.to))
        return 0
    from rich.table import Table
    table = Table(title=f'{args.src} -> {args.to}', show_header=False)
    table.add_row('kind', summary['kind'] + ('' if args.kind else
                                             ' (detected)'))
    table.add_row('tensors kept', str(summary['kept']))
    table.add_row('parameters kept', f"{summary['params']:,}")
    table.add_row('tensors left out',
                  f'{len(left)}' + (f': {_grouped(left)}' if left else ''))
    table.add_row('written', summary['dst'])
    console().print(table)
    return 0
