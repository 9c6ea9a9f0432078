"""Convert a recon3d checkpoint to the official ReCon layout.

Example::

    python tools/model_converters/recon3d_to_recon_official.py \
        work_dirs/pretrain/epoch_300.pth base_official.pth

Writes ``{'base_model': state_dict}`` (``MAE_encoder.`` trunk for
``pretrain``, bare trunk for ``cls``/``zeroshot``/``svm``) or
``{'model_state_dict': ...}`` for ``partseg``, which the official code's
``--ckpts`` loaders read. Official -> recon3d -> official is bit-for-bit.
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
        description='Convert a recon3d checkpoint to the official ReCon '
        '(qizekun/ReCon) layout.')
    parser.add_argument('src', help='recon3d checkpoint')
    parser.add_argument('dst', help='official .pth file to write')
    parser.add_argument(
        '--kind',
        choices=KINDS,
        help='official layout to write (default: detected from the keys: '
        'decoder -> pretrain, cls_head -> cls, seg_head -> partseg, '
        'img/text heads -> zeroshot, else svm); a narrower kind leaves the '
        'other parts out, e.g. --kind svm writes the encoder only')
    parser.add_argument(
        '--unsafe-pickle',
        action='store_true',
        help='if the safe loader refuses SRC (it reads tensors, containers '
        'and the types of mmengine training checkpoints), unpickle it '
        'fully: runs code from the file, only for files you trust')
    return parser.parse_args(argv)


def _grouped(keys) -> str:
    counts = Counter(k.split('.')[0] for k in keys)
    return ', '.join(f'{name}.* ({n})' for name, n in counts.items())


def main(argv=None) -> int:
    """Run the conversion and print a summary; returns the exit code."""
    args = parse_args(argv)
    console = Console()
    from recon3d.apis import UnsafePickleRequired, convert_recon3d_checkpoint
    from recon3d.models.utils import OfficialKeyError
    try:
        summary = convert_recon3d_checkpoint(
            args.src, args.dst, kind=args.kind,
            unsafe_pickle=args.unsafe_pickle)
    except (OfficialKeyError, UnsafePickleRequired, FileNotFoundError,
            ValueError, TypeError) as err:
        console.print(f'[bold red]error:[/] {escape(str(err))}',
                      highlight=False)
        return 1
    table = Table(title='recon3d -> official ReCon', show_header=False)
    table.add_row('source', args.src)
    table.add_row('kind', summary['kind'] +
                  ('' if args.kind else ' (detected)'))
    table.add_row('written as', f"{{'{summary['container']}': state_dict}}")
    table.add_row('tensors written', str(summary['kept']))
    table.add_row('parameters written', f"{summary['params']:,}")
    left = summary['left_out']
    table.add_row('tensors left out',
                  f'{len(left)}' + (f': {_grouped(left)}' if left else ''))
    table.add_row('written', summary['dst'])
    console.print(table)
    return 0


if __name__ == '__main__':
    sys.exit(main())
