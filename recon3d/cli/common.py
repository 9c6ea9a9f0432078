"""What the ``recon3d`` subcommands share: model options, messages,
progress bars."""
import argparse
import json
import os
import sys
from typing import Any, List, Optional

#: Exit code of bad input (an unusable file, a bad argument).
EXIT_INPUT = 2
#: Exit code of a failure of the run (model, checkpoint, output file).
EXIT_RUN = 1


def add_model_args(parser: argparse.ArgumentParser,
                   default_model: str) -> None:
    """``--model/--config``, ``--checkpoint``, ``--device`` and friends."""
    group = parser.add_argument_group('model')
    group.add_argument(
        '--model', default=None,
        help=f'model-zoo name (default {default_model}; see `recon3d list '
        'models`)')
    group.add_argument('--config', default=None,
                       help='config file instead of a model name')
    group.add_argument('--checkpoint', default=None,
                       help='recon3d checkpoint (official files: convert '
                       'them first with `recon3d convert`)')
    group.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    group.add_argument('--batch-size', type=int, default=32)
    group.add_argument(
        '--cfg-options', nargs='+', default=None, metavar='KEY=VALUE',
        help='override config settings, as in tools/train.py')
    group.add_argument(
        '--unsafe-pickle', action='store_true',
        help='allow a full unpickling of a checkpoint the safe loader '
        'refuses (runs code from the file: only for files you trust)')
    parser.add_argument(
        '--keep-going', action='store_true',
        help='report a bad file and go on with the others (exit code 2 '
        'all the same)')
    parser.add_argument('--json', action='store_true',
                        help='print the results as JSON on stdout')
    parser.set_defaults(default_model=default_model)


def parse_cfg_options(options: Optional[List[str]]) -> Optional[dict]:
    """``['a.b=1', ...]`` -> dict, with mmengine's value parsing."""
    if not options:
        return None
    from mmengine.config import DictAction
    action = DictAction(option_strings=['--cfg-options'], dest='cfg')
    namespace = argparse.Namespace()
    action(None, namespace, options)
    return namespace.cfg


def build_model(args: argparse.Namespace, **kwargs) -> Any:
    """``init_model`` from the command line's model options."""
    os.environ.setdefault('HF_HUB_OFFLINE', '1')
    from recon3d.apis import init_model
    quiet_logs()
    config = args.config or args.model or args.default_model
    return init_model(
        config, args.checkpoint, device=args.device,
        cfg_options=parse_cfg_options(args.cfg_options),
        unsafe_pickle=args.unsafe_pickle, **kwargs)


def quiet_logs() -> None:
    """Keep mmengine's INFO lines (model building, loading) off the
    terminal, and its warnings on stderr: the command prints its own
    summary, and stdout carries only results (``--json``)."""
    import logging

    from mmengine.logging import MMLogger

    from recon3d.engine import quiet_terminal
    quiet_terminal()
    for handler in MMLogger.get_current_instance().handlers:
        if type(handler) is logging.StreamHandler:
            handler.setStream(sys.stderr)


def error_line(message: str) -> None:
    """One line on stderr: ``recon3d: error: <message>``."""
    text = ' '.join(str(message).split())
    print(f'recon3d: error: {text}', file=sys.stderr, flush=True)


def console(stderr: bool = False):
    """A rich console (on stderr when stdout carries JSON)."""
    from rich.console import Console
    return Console(stderr=stderr, highlight=False)


def progress_bar(total: int, description: str, disable: bool = False):
    """A rich progress bar over ``total`` files, on stderr."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress,
                               TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)
    return Progress(
        TextColumn(description), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(),
        console=console(stderr=True), disable=disable, transient=True)


def print_json(obj: Any) -> None:
    """JSON on stdout."""
    print(json.dumps(obj, indent=2))
