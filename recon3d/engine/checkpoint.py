"""Loading mmengine checkpoints under torch >= 2.6.

torch.load defaults to ``weights_only=True`` since torch 2.6, which refuses
the Runner's own checkpoints (their ``message_hub`` pickles mmengine objects
such as ``HistoryBuffer``), so ``--resume`` fails with an UnpicklingError.
recon3d re-registers mmengine's local-file loader: it first tries the safe
``weights_only=True`` load and only falls back to a full unpickling for a
file that the safe loader refuses, saying so in the log. Third-party weights
(official ReCon, CLIP, timm) are loaded elsewhere with ``weights_only=True``
only.
"""
import os.path as osp
import pickle

import torch
from mmengine.logging import print_log
from mmengine.runner.checkpoint import CheckpointLoader


def _load_local(filename: str, map_location=None):
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except pickle.UnpicklingError:
        print_log(
            f'{filename} holds more than tensors (an mmengine training '
            'checkpoint); loading it with weights_only=False. Only load '
            'checkpoints you trust.', logger='current')
        return torch.load(filename, map_location=map_location,
                          weights_only=False)


def register_checkpoint_loader() -> None:
    """Make mmengine's local checkpoint loader work under torch >= 2.6."""
    CheckpointLoader.register_scheme(prefixes='', loader=_load_local,
                                     force=True)
