"""The command-line options of the run tools (``tools/train.py``,
``tools/test.py``, the analysis tools that train).

Building and parsing these needs neither torch nor the models, so a tool
parses its arguments first and imports the heavy modules after:
``--help`` and a bad option answer at once. mmengine's ``DictAction``
itself is imported only when ``--cfg-options`` is given.
"""
import argparse
import os
from typing import Optional, Sequence

__all__ = [
    'DictAction', 'train_parser', 'parse_train_args', 'add_run_args',
    'parse_run_args', 'add_reliability_args'
]


class DictAction(argparse.Action):
    """mmengine's ``DictAction`` (``KEY=VALUE`` pairs into a dict, values
    parsed as int, float, bool, None, list or tuple), imported on first
    use."""

    def __call__(self, parser, namespace, values, option_string=None):
        from mmengine.config import DictAction as MMDictAction
        action = MMDictAction(self.option_strings, self.dest, nargs=self.nargs)
        action(parser, namespace, values, option_string)


def train_parser() -> argparse.ArgumentParser:
    """The parser of ``tools/train.py``."""
    parser = argparse.ArgumentParser(description='Train a recon3d model')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the latest checkpoint in the work dir ("auto", '
        'the default when the flag is given alone) or from PATH')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision: AmpOptimWrapper on GPU, bfloat16 autocast '
        'on CPU')
    parser.add_argument(
        '--compile',
        action='store_true',
        help='torch.compile the student (backbone, neck, decoder; '
        'CompileHook) before training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr by total batch size / '
        'auto_scale_lr.base_batch_size')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate during training')
    add_run_args(parser)
    return parser


def parse_train_args(argv: Optional[Sequence[str]] = None
                     ) -> argparse.Namespace:
    """Parse the command line of ``tools/train.py``."""
    return parse_run_args(train_parser(), argv)


def add_run_args(parser: argparse.ArgumentParser) -> None:
    """The options every run tool shares: ``--cfg-options``,
    ``--launcher``, the reliability options and ``--local-rank``."""
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config leaves, e.g. train_dataloader.batch_size=8')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm'],
        default='none',
        help='job launcher')
    add_reliability_args(parser)
    # torchrun sets LOCAL_RANK; older launchers pass --local-rank.
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)


def parse_run_args(parser: argparse.ArgumentParser,
                   argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse ``argv`` with a parser that has :func:`add_run_args`, and set
    ``LOCAL_RANK`` from ``--local-rank`` unless the launcher did."""
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def add_reliability_args(parser: argparse.ArgumentParser) -> None:
    """``--unsafe-pickle`` and ``--strict-config`` (docs/reliability.md)."""
    parser.add_argument(
        '--unsafe-pickle',
        action='store_true',
        help='allow a full unpickling of checkpoint files that the safe '
        'loader refuses (runs code from the file: only for files you '
        'trust); same as unsafe_pickle=True in the config')
    parser.add_argument(
        '--strict-config',
        action='store_true',
        help='fail (instead of warning) on a top-level config key that '
        'looks like a misspelling of one the Runner reads')
