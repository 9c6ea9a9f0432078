"""Keeping mmengine's per-parameter lines at DEBUG.

A log should hold what a user reads: progress, losses, metrics, the final
summary. mmengine writes two kinds of per-parameter lines at INFO:

- ``BaseModule.init_weights`` dumps a table with one entry per parameter
  (thousands of lines for a ReCon with its teachers) straight into the log
  file, or at INFO on the terminal when there is no log file;
- ``DefaultOptimWrapperConstructor`` logs ``paramwise_options -- ...`` for
  every parameter when a ``paramwise_cfg`` is set.

:func:`init_info_at_debug` makes the first a single DEBUG record (with
``log_level='DEBUG'`` it is still there), and :func:`paramwise_at_debug`
demotes the second while an optimizer is built.
"""
import contextlib
import logging
from typing import Iterator, Sequence

from mmengine.dist import master_only
from mmengine.logging import MMLogger
from mmengine.model import BaseModule

__all__ = [
    'init_info_at_debug', 'paramwise_at_debug', 'demote_to_debug',
    'quiet_terminal'
]


class _Demote(logging.Filter):
    """Turn records whose message starts with a prefix into DEBUG ones."""

    def __init__(self, logger: logging.Logger,
                 prefixes: Sequence[str]) -> None:
        super().__init__()
        self.logger = logger
        self.prefixes = tuple(prefixes)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG and str(
                record.msg).startswith(self.prefixes):
            record.levelno, record.levelname = logging.DEBUG, 'DEBUG'
            return self.logger.isEnabledFor(logging.DEBUG)
        return True


@contextlib.contextmanager
def demote_to_debug(prefixes: Sequence[str]) -> Iterator[None]:
    """Inside the block, the current MMLogger's records that start with
    one of ``prefixes`` are DEBUG records."""
    logger = MMLogger.get_current_instance()
    demote = _Demote(logger, prefixes)
    logger.addFilter(demote)
    try:
        yield
    finally:
        logger.removeFilter(demote)


def paramwise_at_debug() -> contextlib.AbstractContextManager:
    """Demote mmengine's ``paramwise_options -- ...`` lines."""
    return demote_to_debug(('paramwise_options',))


@master_only
def _dump_init_info_debug(self: BaseModule) -> None:
    """``BaseModule._dump_init_info`` as one DEBUG record."""
    logger = MMLogger.get_current_instance()
    if not logger.isEnabledFor(logging.DEBUG):
        return
    lines = [
        f'{name} - {tuple(param.shape)}: '
        f"{self._params_init_info[param]['init_info']}"
        for name, param in self.named_parameters()
    ]
    logger.debug('Name of parameter - Initialization information\n' +
                 '\n'.join(lines))


def init_info_at_debug() -> None:
    """Make every module's parameter-init table a DEBUG record (idempotent;
    called when :mod:`recon3d.engine` is imported)."""
    BaseModule._dump_init_info = _dump_init_info_debug


def quiet_terminal(level: int = logging.WARNING) -> None:
    """Raise the current MMLogger's terminal handlers to ``level``; its log
    file keeps every line (for tools that draw their own progress)."""
    logger = MMLogger.get_current_instance()
    for handler in logger.handlers:
        if isinstance(handler, logging.StreamHandler) and not isinstance(
                handler, logging.FileHandler):
            handler.setLevel(level)
