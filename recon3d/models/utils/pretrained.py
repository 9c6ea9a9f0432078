"""Loading pretrained recon3d checkpoints into downstream models.

ReCon and every downstream model name their trunk ``backbone`` and
``neck``, so a pretraining checkpoint, a fine-tuned one or a converted
official file loads without renaming: the other parts of the checkpoint
(``decoder.*``, ``rec_head.*``, ``img_head.*``, ...) are unexpected keys,
the downstream head's keys are missing and keep their init. This module is
the one place that handles ``module.`` prefixes, sub-module ``prefix``
selection and the checks around such a load.
"""
import os.path as osp
from collections import Counter
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model.weight_init import PretrainedInit
from mmengine.runner.checkpoint import CheckpointLoader

from .official_keys import strip_module_prefix

__all__ = ['LoadReport', 'load_pretrained', 'init_with_pretrained']

CONVERTER = 'tools/model_converters/recon_official_to_recon3d.py'
#: Prefixes of the parts every downstream model must get from a checkpoint.
TRUNK_PREFIXES = ('backbone.', 'neck.')
_OFFICIAL_MARKERS = ('MAE_encoder.', 'blocks.blocks.', 'encoder.first_conv.',
                     'cls_head_finetune.')


class LoadReport(NamedTuple):
    """What :func:`load_pretrained` did (sorted key lists)."""
    loaded: List[str]
    missing: List[str]
    unexpected: List[str]
    mismatched: List[str]


def _summary(keys: List[str]) -> str:
    """``'decoder.* (29), rec_head.* (2)'``: keys counted by top module."""
    counts = Counter(k.split('.')[0] for k in keys)
    return ', '.join(f'{name}.* ({n})' for name, n in counts.items())


def _state_dict_of(checkpoint: dict, filename: str) -> Dict[str, torch.Tensor]:
    if not isinstance(checkpoint, dict):
        raise TypeError(f'{filename} holds a {type(checkpoint).__name__}, '
                        'not a checkpoint dict')
    if 'base_model' in checkpoint or 'model_state_dict' in checkpoint:
        raise ValueError(
            f'{filename} is an official ReCon checkpoint; convert it first: '
            f'python {CONVERTER} {filename} CONVERTED.pth')
    state = checkpoint.get('state_dict', checkpoint)
    state = strip_module_prefix(state)
    if any(k.startswith(_OFFICIAL_MARKERS) or k == 'cls_token'
           for k in state):
        raise ValueError(
            f'{filename} has official ReCon key names (e.g. '
            'MAE_encoder.*, blocks.blocks.*); convert it first: '
            f'python {CONVERTER} {filename} CONVERTED.pth')
    return state


def load_pretrained(model: nn.Module,
                    checkpoint: Optional[str],
                    prefix: Optional[str] = None,
                    map_location: str = 'cpu',
                    logger: str = 'current') -> LoadReport:
    """Load a recon3d checkpoint into a downstream model, non-strictly.

    The trunk (``backbone.*`` and ``neck.*``) must load completely and with
    matching shapes; other parts load where names and shapes match, and
    the rest keeps its init (e.g. a new classification head, or one with
    another number of classes). Missing, unexpected and mis-shaped keys
    are logged, counted by top-level module.

    Args:
        model (nn.Module): A model with ``backbone`` and ``neck``.
        checkpoint (str): Path (or URL) of a recon3d / mmengine checkpoint
            (``{'state_dict': ...}``) or of a bare state dict.
        prefix (str, optional): Load only the checkpoint's ``prefix`` part,
            with the prefix removed (mmengine's ``Pretrained`` semantics).
        map_location (str): Defaults to ``'cpu'``.
        logger (str): mmengine logger name. Defaults to ``'current'``.

    Returns:
        LoadReport: loaded, missing, unexpected and mis-shaped keys.

    Raises:
        ValueError: if ``checkpoint`` is empty, is an official ReCon file,
            or lacks or mis-shapes trunk weights.
        FileNotFoundError: if a local ``checkpoint`` does not exist.
    """
    if not checkpoint:
        raise ValueError(
            'the Pretrained init_cfg has an empty checkpoint: set it, e.g. '
            '--cfg-options model.init_cfg.checkpoint=PATH, or set '
            'model.init_cfg=None to train from scratch. Official ReCon '
            f'files must be converted first with {CONVERTER}')
    checkpoint = str(checkpoint)
    if '://' not in checkpoint and not osp.exists(
            osp.expanduser(checkpoint)):
        raise FileNotFoundError(
            f'pretrained checkpoint {checkpoint!r} does not exist')
    raw = CheckpointLoader.load_checkpoint(
        checkpoint, map_location=map_location, logger=logger)
    state = _state_dict_of(raw, checkpoint)
    if prefix:
        if not prefix.endswith('.'):
            prefix += '.'
        state = {
            k[len(prefix):]: v
            for k, v in state.items() if k.startswith(prefix)
        }
        if not state:
            raise ValueError(f'{checkpoint} has no key under {prefix!r}')
    own = model.state_dict()
    mismatched = sorted(
        k for k, v in state.items()
        if k in own and tuple(v.shape) != tuple(own[k].shape))
    trunk_own = [k for k in own if k.startswith(TRUNK_PREFIXES)]
    trunk_bad = [k for k in trunk_own if k not in state or k in mismatched]
    if trunk_own and trunk_bad:
        details = [
            f'{k}: {tuple(state[k].shape)} in the checkpoint, '
            f'{tuple(own[k].shape)} in the model'
            if k in state else f'{k}: not in the checkpoint'
            for k in trunk_bad[:10]
        ]
        raise ValueError(
            f'{checkpoint} does not fit the model trunk ({len(trunk_bad)} of '
            f'{len(trunk_own)} backbone/neck tensors missing or mis-shaped; '
            'check embed_dims/depth/num_heads):\n  ' + '\n  '.join(details))
    result = model.load_state_dict(
        {k: v for k, v in state.items() if k not in mismatched},
        strict=False)
    loaded = sorted(k for k in state if k in own and k not in mismatched)
    # From the model's keys: torch does not list a missing BatchNorm
    # ``num_batches_tracked`` as missing.
    missing = sorted(set(own) - set(loaded))
    unexpected = sorted(result.unexpected_keys)
    lines = [f'Loaded {len(loaded)} tensors into '
             f'{type(model).__name__} from {checkpoint}']
    if missing:
        lines.append(f'missing (kept at their init): {_summary(missing)}')
    if mismatched:
        lines.append('shape mismatch (kept at their init): '
                     f'{_summary(mismatched)}: {", ".join(mismatched)}')
    if unexpected:
        lines.append(f'unexpected (ignored): {_summary(unexpected)}')
    print_log('\n  '.join(lines), logger=logger)
    return LoadReport(loaded, missing, unexpected, mismatched)


def _split_init_cfg(init_cfg) -> Tuple[List[dict], List[dict]]:
    cfgs = [] if init_cfg is None else (
        [init_cfg] if isinstance(init_cfg, dict) else list(init_cfg))
    pretrained = [
        c for c in cfgs
        if c['type'] == 'Pretrained' or c['type'] is PretrainedInit
    ]
    return pretrained, [c for c in cfgs if c not in pretrained]


def init_with_pretrained(model: nn.Module,
                         base_init_weights: Callable[[], None]) -> None:
    """``init_weights`` of a downstream model.

    Runs mmengine's usual init (``base_init_weights``, i.e.
    ``super().init_weights``) with every non-``Pretrained`` init_cfg, then
    loads each ``Pretrained`` one with :func:`load_pretrained` instead of
    mmengine's loader, which would silently accept an official file or
    an empty path.

    Args:
        model (BaseModule): The model; its ``init_cfg`` is restored.
        base_init_weights (callable): The parent class's ``init_weights``.
    """
    init_cfg = model.init_cfg
    pretrained, others = _split_init_cfg(init_cfg)
    model.init_cfg = others or None
    try:
        base_init_weights()
    finally:
        model.init_cfg = init_cfg
    for cfg in pretrained:
        cfg = dict(cfg)
        cfg.pop('type')
        load_pretrained(model, **cfg)
