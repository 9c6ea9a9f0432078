"""Convert an official ReCon checkpoint to a recon3d checkpoint.

Example::

    python tools/model_converters/recon_official_to_recon3d.py \
        ckpts/ReCon/pretrain/base.pth checkpoints/recon_base_pretrain.pth

The kind (pretrain | cls | zeroshot | svm | partseg) is detected from the
keys unless ``--kind`` names it. The output ``{'state_dict', 'meta'}`` loads
with ``load_from=...`` or ``model.init_cfg=dict(type='Pretrained',
checkpoint=...)``. See docs/model_zoo.md.
"""
import argparse
import sys
from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.table import Table

KINDS = ('pretrain', 'cls', 'zeroshot', 'svm', 'partseg')


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        description='Convert an official ReCon checkpoint (qizekun/ReCon) '
        'to a recon3d checkpoint.')
    parser.add_argument('src', help='official .pth file')
    parser.add_argument('dst', help='recon3d checkpoint to write')
    parser.add_argument(
        '--kind',
        choices=KINDS,
        help='layout of SRC (default: detected from its keys); a narrower '
        'kind than the file\'s drops the other heads, e.g. --kind svm keeps '
        'only the encoder of a fine-tuned classifier, --kind zeroshot the '
        'encoder and projections of a pretraining file (the official '
        'zero-shot checkpoint is one)')
    parser.add_argument(
        '--unsafe-pickle',
        action='store_true',
        help='if the safe loader refuses SRC (it reads tensors, containers '
        'and numpy scalars), unpickle it fully: runs code from the file, '
        'only for files you trust')
    return parser.parse_args(argv)


def _grouped(keys) -> str:
    counts = Counter(k.split('.')[0] for k in keys)
    return ', '.join(f'{name}.* ({n})' for name, n in counts.items())


def main(argv=None) -> int:
    """Run the conversion and print a summary; returns the exit code."""
    args = parse_args(argv)
    console = Console()
    from recon3d.apis import UnsafePickleRequired, convert_official_checkpoint
    from recon3d.models.utils import OfficialKeyError
    try:
        summary = convert_official_checkpoint(
            args.src, args.dst, kind=args.kind,
            unsafe_pickle=args.unsafe_pickle)
    except (OfficialKeyError, UnsafePickleRequired, FileNotFoundError,
            ValueError, TypeError) as err:
        console.print(f'[bold red]error:[/] {escape(str(err))}',
                      highlight=False)
        return 1
    table = Table(title='official ReCon -> recon3d', show_header=False)
    table.add_row('source', args.src)
    table.add_row('kind', summary['kind'] +
                  ('' if args.kind else ' (detected)'))
    table.add_row('source entry', summary['container'] or 'bare state dict')
    table.add_row('tensors kept', str(summary['kept']))
    table.add_row('parameters kept', f"{summary['params']:,}")
    dropped = summary['dropped']
    table.add_row('tensors dropped',
                  f'{len(dropped)}' + (f': {_grouped(dropped)}'
                                       if dropped else ''))
    table.add_row('written', summary['dst'])
    console.print(table)
    return 0


if __name__ == '__main__':
    sys.exit(main())
