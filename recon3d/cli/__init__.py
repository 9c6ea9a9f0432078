"""The ``recon3d`` command (also ``python -m recon3d``).

::

    recon3d embed PATHS --model recon-base --checkpoint CKPT --out feats.npz
    recon3d zeroshot PATHS --labels chair,table --checkpoint CKPT
    recon3d list [backbones|necks|heads|teachers|losses|datasets|
                  transforms|metrics|hooks|configs|models]
    recon3d show PATH --out cloud.png [--checkpoint CKPT]
    recon3d convert SRC DST [--to official] [--kind KIND]

Exit codes: 0 done; 1 a failure of the run (model, checkpoint, output);
2 bad input (a file that cannot be used, bad arguments): one line each on
stderr; ``--keep-going`` processes the other files and still exits 2.
Heavy modules (torch, the models) load only once a command runs, so
``recon3d --help`` answers at once.
"""
import argparse
import sys
from typing import List, Optional

__all__ = ['main', 'build_parser']

#: Subcommand -> module of recon3d.cli with ``add_parser`` and ``run``.
COMMANDS = {
    'embed': 'embed',
    'zeroshot': 'zeroshot',
    'list': 'listing',
    'show': 'show',
    'convert': 'convert',
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    import importlib
    parser = argparse.ArgumentParser(
        prog='recon3d',
        description='ReCon point-cloud models on your own files: '
        'embeddings, zero-shot labels, pictures, checkpoint conversion.')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    sub.required = True
    for name, module in COMMANDS.items():
        importlib.import_module(f'recon3d.cli.{module}').add_parser(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run ``recon3d``; returns the exit code."""
    import importlib
    parser = build_parser()
    args = parser.parse_args(argv)
    module = importlib.import_module(f'recon3d.cli.{COMMANDS[args.command]}')
    return int(module.run(args) or 0)


if __name__ == '__main__':
    sys.exit(main())
