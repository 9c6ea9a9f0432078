"""Converting checkpoint files between the official ReCon layout and
recon3d (the key mapping itself is
:mod:`recon3d.models.utils.official_keys`)."""
import os
import os.path as osp
from typing import Any, Dict, Optional, Tuple

import torch

from recon3d.engine.checkpoint import load_checkpoint_file
from recon3d.engine.errors import UnsafePickleError
from recon3d.models.utils.official_keys import (detect_kind,
                                                detect_recon3d_kind,
                                                official_to_recon3d,
                                                recon3d_to_official,
                                                strip_module_prefix)

__all__ = [
    'UnsafePickleRequired', 'load_torch_file', 'official_state_dict',
    'convert_official_checkpoint', 'convert_recon3d_checkpoint'
]

#: Official containers: pretrain/classification runners save
#: ``base_model``; the part-segmentation runner ``model_state_dict``.
OFFICIAL_CONTAINERS = ('base_model', 'model_state_dict')


#: Raised when a file needs a full unpickling that was not allowed.
UnsafePickleRequired = UnsafePickleError


def load_torch_file(path: str, unsafe_pickle: bool = False) -> Any:
    """Read a file on the CPU under the loading policy of
    :func:`recon3d.engine.load_checkpoint_file`.

    Args:
        path (str): File to read.
        unsafe_pickle (bool): Unpickle fully a file that the safe load
            refuses. Only for files you trust: unpickling runs code.
            Defaults to False.

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        CheckpointFileError: empty, truncated or not a torch file.
        UnsafePickleRequired: the safe load refuses the file and
            ``unsafe_pickle`` is False.
    """
    return load_checkpoint_file(path, map_location='cpu',
                                unsafe_pickle=unsafe_pickle)


def official_state_dict(checkpoint: Any) -> Tuple[Dict[str, torch.Tensor],
                                                   str]:
    """The state dict of a loaded official file, ``module.`` stripped.

    Accepts ``{'base_model': sd}`` (pretrain, classification),
    ``{'model_state_dict': sd}`` (part segmentation) or a bare state dict.

    Returns:
        tuple: ``(state_dict, container)``; container is the key it was
        found under, or ``''`` for a bare state dict.
    """
    if not isinstance(checkpoint, dict):
        raise TypeError(f'expected a dict, got {type(checkpoint).__name__}')
    for key in OFFICIAL_CONTAINERS:
        if isinstance(checkpoint.get(key), dict):
            return strip_module_prefix(checkpoint[key]), key
    if 'state_dict' in checkpoint:
        raise ValueError(
            'this file has a "state_dict" entry (an mmengine / recon3d '
            'checkpoint), not "base_model" or "model_state_dict"')
    if not all(isinstance(v, torch.Tensor) for v in checkpoint.values()):
        raise ValueError(
            'no "base_model" or "model_state_dict" entry, and not a bare '
            f'state dict; top-level keys: {sorted(checkpoint)[:10]}')
    return strip_module_prefix(checkpoint), ''


def _scalar_metrics(value: Any) -> Optional[Dict[str, float]]:
    """``{'acc': tensor(95.2)}`` -> ``{'acc': 95.2}``; None if not scalars."""
    if not isinstance(value, dict):
        return None
    out = {}
    for k, v in value.items():
        try:
            out[str(k)] = float(v)
        except (TypeError, ValueError, RuntimeError):
            return None
    return out


def convert_official_checkpoint(src: str,
                                dst: str,
                                kind: Optional[str] = None,
                                unsafe_pickle: bool = False
                                ) -> Dict[str, Any]:
    """Convert an official ReCon file to a recon3d checkpoint.

    The output is ``{'state_dict': ..., 'meta': {...}}``, loadable with
    mmengine's ``load_checkpoint``, ``load_from`` and a ``Pretrained``
    init_cfg.

    Args:
        src (str): Official ``.pth``.
        dst (str): Output path (parent folders are created).
        kind (str, optional): Source layout (see ``KINDS``); detected when
            None.
        unsafe_pickle (bool): See :func:`load_torch_file`.

    Returns:
        dict: summary: ``kind``, ``container``, ``kept`` (tensor count),
        ``params`` (element count), ``dropped`` (official keys), ``dst``.
    """
    raw = load_torch_file(src, unsafe_pickle)
    sd, container = official_state_dict(raw)
    kind = detect_kind(sd) if kind is None else kind
    new_sd, dropped = official_to_recon3d(sd, kind)
    meta: Dict[str, Any] = dict(
        converted_from=osp.basename(src),
        kind=kind,
        converter='recon_official_to_recon3d',
        source_container=container or 'bare state dict',
        dropped_keys=dropped)
    # What the official runner recorded, as plain numbers.
    if isinstance(raw.get('epoch'), int):
        meta['source_epoch'] = raw['epoch']
    for key in ('metrics', 'best_metrics'):
        metrics = _scalar_metrics(raw.get(key))
        if metrics:
            meta[f'source_{key}'] = metrics
    _save(dict(state_dict=new_sd, meta=meta), dst)
    return dict(
        kind=kind,
        container=container,
        kept=len(new_sd),
        params=sum(v.numel() for v in new_sd.values()),
        dropped=dropped,
        dst=dst)


def _recon3d_state_dict(checkpoint: Any) -> Dict[str, torch.Tensor]:
    if not isinstance(checkpoint, dict):
        raise TypeError(f'expected a dict, got {type(checkpoint).__name__}')
    if any(k in checkpoint for k in OFFICIAL_CONTAINERS):
        raise ValueError('this is an official ReCon file already')
    sd = checkpoint.get('state_dict', checkpoint)
    return strip_module_prefix(sd)


def convert_recon3d_checkpoint(src: str,
                               dst: str,
                               kind: Optional[str] = None,
                               unsafe_pickle: bool = False
                               ) -> Dict[str, Any]:
    """Convert a recon3d checkpoint to the official layout.

    Writes ``{'base_model': sd}`` (``MAE_encoder.`` trunk for pretrain;
    bare trunk for cls/zeroshot/svm), or ``{'model_state_dict': sd}`` for
    partseg, as the official loaders read them.

    Args:
        src (str): recon3d checkpoint (``{'state_dict': ...}`` or bare).
        dst (str): Output path.
        kind (str, optional): Target layout; detected when None.
        unsafe_pickle (bool): See :func:`load_torch_file` (mmengine
            training checkpoints need it).

    Returns:
        dict: summary: ``kind``, ``kept``, ``params``, ``left_out`` (recon3d
        keys the kind does not hold), ``dst``.
    """
    sd = _recon3d_state_dict(load_torch_file(src, unsafe_pickle))
    kind = detect_recon3d_kind(sd) if kind is None else kind
    official = recon3d_to_official(sd, kind)
    # official -> recon3d names again: the keys that were written
    used = set(official_to_recon3d(official, kind)[0])
    left_out = sorted(k for k in sd if k not in used)
    container = 'model_state_dict' if kind == 'partseg' else 'base_model'
    _save({container: official}, dst)
    return dict(
        kind=kind,
        container=container,
        kept=len(official),
        params=sum(v.numel() for v in official.values()),
        left_out=left_out,
        dst=dst)


def _save(obj: dict, dst: str) -> None:
    parent = osp.dirname(osp.abspath(dst))
    os.makedirs(parent, exist_ok=True)
    torch.save(obj, dst)
