"""One loading policy for every checkpoint route.

Every route that reads a checkpoint file goes through
:func:`load_checkpoint_file`: the Runner's ``load_from`` and ``resume``
(mmengine's local and ``http(s)://`` loaders are re-registered here), a
``Pretrained`` init_cfg, ``tools/test.py`` and the model converters.

- A file is read with ``torch.load(weights_only=True)``. The Runner's own
  checkpoints pickle a few more types than tensors and containers (the
  message hub's ``HistoryBuffer`` with its numpy arrays and scalars); the
  exact list, :data:`SAFE_GLOBALS`, is allowed for that load only. The
  bound statistics methods of ``HistoryBuffer`` are pickled as
  ``getattr(HistoryBuffer, name)``: ``getattr`` is mapped to
  :func:`_history_buffer_method`, which resolves those names only.
- Anything else the file refers to (a class, a function) is refused with
  :class:`UnsafePickleError`, which names it. The file is unpickled fully
  (``weights_only=False``, which runs whatever code the file carries) only
  when the user opted in: ``--unsafe-pickle`` on the tools,
  ``unsafe_pickle=True`` in a config (read by :class:`RunChecksHook`), the
  ``unsafe_pickle`` argument of the API functions or the
  :func:`allow_unsafe_pickle` context.
- A missing file raises ``FileNotFoundError``; an empty, truncated or
  foreign file :class:`CheckpointFileError`, one line naming the file.
"""
import contextlib
import logging
import os
import os.path as osp
import pickle
import re
import warnings
from typing import Any, Iterator, List, Optional

import numpy as np
import torch
from mmengine.logging import HistoryBuffer, print_log
from mmengine.runner.checkpoint import CheckpointLoader

from .errors import (CheckpointFileError, CheckpointMismatchError,
                     UnsafePickleError)

__all__ = [
    'SAFE_GLOBALS', 'CheckpointFileError', 'UnsafePickleError',
    'CheckpointMismatchError', 'allow_unsafe_pickle', 'unsafe_pickle_allowed',
    'load_checkpoint_file', 'register_checkpoint_loader',
    'checkpoint_mismatch', 'check_checkpoint_fits'
]

UNSAFE_HINT = ('If you trust the file, allow a full unpickling with '
               '--unsafe-pickle (tools) or unsafe_pickle=True (config or '
               'API)')


def _history_buffer_method(owner: Any, name: str) -> Any:
    """``getattr`` as the safe loader allows it: the statistics methods of
    ``HistoryBuffer`` only (pickled as ``getattr(HistoryBuffer, name)``)."""
    names = {'min', 'max', 'mean', 'current'}
    names.update(HistoryBuffer._statistics_methods)
    if owner is HistoryBuffer and name in names:
        return getattr(HistoryBuffer, name)
    raise UnsafePickleError(
        f'the file asks for getattr({owner!r}, {name!r}); only the '
        'statistics methods of mmengine\'s HistoryBuffer are allowed')


def _numpy_globals() -> List[Any]:
    multiarray = getattr(np, '_core', None) or np.core
    reconstruct = multiarray.multiarray._reconstruct
    scalar = multiarray.multiarray.scalar
    names = []
    # numpy 1.x files say numpy.core, numpy 2.x files numpy._core.
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        names += [(reconstruct, f'{module}._reconstruct'),
                  (scalar, f'{module}.scalar')]
    dtype_classes = {type(np.dtype(code)) for code in '?bBhHiIlLqQefdgFDGSUV'}
    return [np.ndarray, np.dtype, *names, *sorted(dtype_classes, key=str)]


#: What the safe loader allows beyond torch's defaults: exactly the types
#: the Runner's checkpoints hold (found by listing the globals of saved
#: pretraining and fine-tuning checkpoints, best checkpoints included).
SAFE_GLOBALS: List[Any] = [
    HistoryBuffer, (_history_buffer_method, 'builtins.getattr'),
    *_numpy_globals()
]

# What torch's weights-only unpickler says when it refuses an object (as
# opposed to bytes that are not a pickle at all).
_REFUSED = re.compile(
    r'(Unsupported global|unsupported GLOBAL|unrecognized function|'
    r'Can only build|unsupported class|getattr\()')

_unsafe_allowed = False


def unsafe_pickle_allowed() -> bool:
    """Whether a full unpickling is currently allowed (off by default)."""
    return _unsafe_allowed


@contextlib.contextmanager
def allow_unsafe_pickle(enabled: bool = True) -> Iterator[None]:
    """Allow (or, with ``enabled=False``, forbid) a full unpickling of
    checkpoint files inside the ``with`` block, on every route.

    Only for files you trust: unpickling runs code the file carries.
    """
    global _unsafe_allowed
    previous = _unsafe_allowed
    _unsafe_allowed = bool(enabled)
    try:
        yield
    finally:
        _unsafe_allowed = previous


def _first_line(err: BaseException) -> str:
    """The informative line of an error (torch's own reason, without its
    weights-only boilerplate)."""
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
    refused = [ln for ln in lines if _REFUSED.search(ln)]
    marker = 'WeightsUnpickler error:'
    after = [
        ln for i, ln in enumerate(lines)
        if i > 0 and lines[i - 1].endswith(marker)
    ]
    text = (refused or after or lines or [type(err).__name__])[0]
    if len(text) > 120 and '. ' in text:
        text = text.split('. ')[0]
    return text if len(text) < 300 else text[:297] + '...'


def _refused_globals(filename: str) -> List[str]:
    """Globals of a zip checkpoint that the safe loader would refuse."""
    try:
        names = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
    except Exception:  # a legacy (non-zip) file: torch's message tells
        return []
    allowed = {
        g[1] if isinstance(g, tuple) else f'{g.__module__}.{g.__qualname__}'
        for g in SAFE_GLOBALS
    }
    return sorted(n for n in names if n not in allowed)


def load_checkpoint_file(filename: str,
                         map_location: Any = None,
                         unsafe_pickle: Optional[bool] = None) -> Any:
    """Read a checkpoint file under the loading policy (module docstring).

    Args:
        filename (str): A local file.
        map_location: As for ``torch.load``. Defaults to None.
        unsafe_pickle (bool, optional): Allow a full unpickling of a file
            the safe loader refuses. None (default) follows
            :func:`allow_unsafe_pickle` (off unless the user opted in).

    Returns:
        The loaded object.

    Raises:
        FileNotFoundError: ``filename`` does not exist.
        CheckpointFileError: empty, truncated or not a torch file.
        UnsafePickleError: refers to objects a safe load does not allow,
            and no opt-in.
    """
    filename = osp.expanduser(str(filename))
    if osp.isdir(filename):
        raise CheckpointFileError(f'{filename} is a directory, not a '
                                  'checkpoint file')
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    if osp.getsize(filename) == 0:
        raise CheckpointFileError(
            f'{filename} is empty (0 bytes): not a checkpoint (an '
            'interrupted save or copy?)')
    allow = unsafe_pickle_allowed() if unsafe_pickle is None \
        else bool(unsafe_pickle)
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS), \
                warnings.catch_warnings():
            warnings.filterwarnings('ignore', 'Detected pickle protocol')
            return torch.load(
                filename, map_location=map_location, weights_only=True)
    except UnsafePickleError as err:
        safe_error: Exception = err
    except pickle.UnpicklingError as err:
        safe_error = err
    except Exception as err:  # zip/EOF/decoding errors: a damaged file
        raise CheckpointFileError(
            f'{filename} is not a readable checkpoint (truncated or not a '
            f'torch file): {_first_line(err)}') from err
    refused = isinstance(safe_error, UnsafePickleError) or bool(
        _REFUSED.search(str(safe_error)))
    if not allow:
        if refused:
            names = _refused_globals(filename)
            what = ', '.join(names) if names else _first_line(safe_error)
            raise UnsafePickleError(
                f'{filename} refers to Python objects a safe load does not '
                f'allow ({what}); unpickling it would run code from the '
                f'file. {UNSAFE_HINT}.') from safe_error
        raise CheckpointFileError(
            f'{filename} is not a readable checkpoint (truncated or not a '
            f'torch file): {_first_line(safe_error)}') from safe_error
    print_log(
        f'{filename}: the safe load failed ({_first_line(safe_error)}); '
        'unpickling it fully because unsafe_pickle is on',
        logger='current',
        level=logging.WARNING)
    try:
        return torch.load(
            filename, map_location=map_location, weights_only=False)
    except Exception as err:
        raise CheckpointFileError(
            f'{filename} is not a readable checkpoint, even with a full '
            f'unpickling: {_first_line(err)}') from err


def _load_local(filename: str, map_location=None) -> Any:
    return load_checkpoint_file(filename, map_location)


def _load_http(filename: str,
               map_location=None,
               model_dir=None,
               progress: bool = True) -> Any:
    """Download (once, into torch hub's cache) and load under the policy.
    """
    from torch.hub import download_url_to_file, get_dir
    from urllib.parse import urlparse
    model_dir = model_dir or osp.join(get_dir(), 'checkpoints')
    os.makedirs(model_dir, exist_ok=True)
    cached = osp.join(model_dir, osp.basename(urlparse(filename).path))
    if not osp.isfile(cached):
        print_log(f'Downloading {filename} to {cached}', logger='current')
        download_url_to_file(filename, cached, progress=progress)
    return load_checkpoint_file(cached, map_location)


def register_checkpoint_loader() -> None:
    """Route mmengine's local and http(s) checkpoint loading through
    :func:`load_checkpoint_file`."""
    CheckpointLoader.register_scheme(
        prefixes='', loader=_load_local, force=True)
    CheckpointLoader.register_scheme(
        prefixes=('http://', 'https://'), loader=_load_http, force=True)


def _grouped(keys: List[str], limit: int = 8) -> str:
    """``'decoder.* (29): decoder.a, decoder.b, ...'``, by top module."""
    groups: dict = {}
    for key in keys:
        groups.setdefault(key.split('.')[0], []).append(key)
    parts = []
    for top, members in groups.items():
        shown = ', '.join(members[:limit])
        more = f', ... ({len(members) - limit} more)' \
            if len(members) > limit else ''
        parts.append(f'{top}.* ({len(members)}): {shown}{more}')
    return '; '.join(parts)


def checkpoint_mismatch(model: torch.nn.Module, checkpoint: Any) -> dict:
    """Compare a checkpoint's weights with a model's, as a strict load would.

    ``module.`` prefixes are stripped (DDP checkpoints) and a missing
    BatchNorm ``num_batches_tracked`` is tolerated, as mmengine's loader
    does. The model's ``state_dict()`` is the reference, so tensors it
    leaves out (the frozen teachers) are neither expected nor accepted. A
    model with a ``checkpoint_reads`` attribute (key prefixes) reads only
    those parts of a checkpoint: other keys are not unexpected.

    Args:
        model (nn.Module): The model (a wrapper or test-time-augmentation
            model is unwrapped to its ``module``).
        checkpoint: ``{'state_dict': ...}`` or a bare state dict.

    Returns:
        dict: ``missing``, ``unexpected`` (sorted key lists) and
        ``mismatched`` (key -> (checkpoint shape, model shape)).
    """
    from mmengine.model import BaseTTAModel, is_model_wrapper
    while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    state = checkpoint.get('state_dict', checkpoint) \
        if isinstance(checkpoint, dict) else {}
    state = {re.sub(r'^module\.', '', k): v for k, v in state.items()}
    own = model.state_dict()
    missing = sorted(
        k for k in own
        if k not in state and not k.endswith('num_batches_tracked'))
    unexpected = sorted(k for k in state if k not in own)
    # A model that reads part of a checkpoint (the SVM encoder, the
    # zero-shot model from a pretraining file) names the parts it reads.
    reads = getattr(model, 'checkpoint_reads', None)
    if reads:
        unexpected = [k for k in unexpected if k.startswith(tuple(reads))]
    mismatched = {
        k: (tuple(getattr(v, 'shape', ())), tuple(own[k].shape))
        for k, v in state.items()
        if k in own and tuple(getattr(v, 'shape', ())) != tuple(own[k].shape)
    }
    return dict(
        missing=missing,
        unexpected=unexpected,
        mismatched=dict(sorted(mismatched.items())))


def check_checkpoint_fits(model: torch.nn.Module,
                          checkpoint: Any,
                          filename: str = 'the checkpoint') -> None:
    """Raise :class:`CheckpointMismatchError` unless every weight of the
    model is in ``checkpoint`` with its shape and nothing else is.

    Args:
        model (nn.Module): The model.
        checkpoint: ``{'state_dict': ...}`` or a bare state dict.
        filename (str): How to name the checkpoint in the message.
    """
    if not isinstance(checkpoint, dict):
        raise CheckpointMismatchError(
            f'{filename} holds a {type(checkpoint).__name__}, not a '
            'checkpoint dict')
    if 'base_model' in checkpoint or 'model_state_dict' in checkpoint:
        raise CheckpointMismatchError(
            f'{filename} is an official ReCon checkpoint; convert it first: '
            'python tools/model_converters/recon_official_to_recon3d.py '
            f'{filename} CONVERTED.pth')
    diff = checkpoint_mismatch(model, checkpoint)
    if not any(diff.values()):
        return
    lines = [f'{filename} does not fit {type(model).__name__}:']
    if diff['missing']:
        lines.append(f'missing: {_grouped(diff["missing"])}')
    if diff['unexpected']:
        lines.append(f'unexpected: {_grouped(diff["unexpected"])}')
    for key, (got, want) in list(diff['mismatched'].items())[:8]:
        lines.append(f'shape mismatch: {key}: {got} in the checkpoint, '
                     f'{want} in the model')
    if len(diff['mismatched']) > 8:
        lines.append(f'... {len(diff["mismatched"]) - 8} more shape '
                     'mismatches')
    lines.append(
        'Test, resume and load_from need the checkpoint of this very '
        'model (check the config\'s sizes, or the file). To start a '
        'fine-tune from a pretrained trunk, use model.init_cfg='
        "dict(type='Pretrained', checkpoint=...) instead of load_from.")
    raise CheckpointMismatchError('\n  '.join(lines))
