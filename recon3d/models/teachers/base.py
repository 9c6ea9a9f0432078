"""Frozen teachers: the base class and helpers shared by all teachers."""
import logging
import os
import warnings
import zipfile
from abc import abstractmethod
from collections import OrderedDict
from typing import Any, Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModule

__all__ = [
    'BaseTeacher', 'IMAGENET_MEAN', 'IMAGENET_STD', 'load_weights_file',
    'check_weights_file', 'preprocess_images'
]

# ImageNet statistics on the 0..1 scale. The official code normalizes the
# images of every image teacher (CLIP included) with them.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def check_weights_file(path: str, what: str, how_to_get: str) -> str:
    """Fail fast when a local weights file is missing.

    Args:
        path (str): The file a teacher was asked to load.
        what (str): What the weights are, for the message
            (e.g. ``'ViT-B-32 weights'``).
        how_to_get (str): How the user can get the file, for the message.

    Returns:
        str: ``path``, expanded (``~``) when it names an existing file.

    Raises:
        FileNotFoundError: When ``path`` is not a file.
    """
    expanded = os.path.expanduser(path)
    if not os.path.isfile(expanded):
        raise FileNotFoundError(
            f'{what}: pretrained={path!r} is not a file. {how_to_get}')
    return expanded


def _is_torchscript_archive(path: str) -> bool:
    """Whether ``path`` is a TorchScript zip (e.g. OpenAI's CLIP ``.pt``)."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(
            name.endswith('constants.pkl') for name in archive.namelist())


def load_weights_file(path: str) -> Dict[str, torch.Tensor]:
    """Read a state dict from a local weights file, on the CPU.

    ``.safetensors`` files are read with safetensors; other files
    (``.bin``/``.pt``/``.pth``) with ``torch.load(weights_only=True)``, or
    ``torch.jit.load`` for TorchScript archives such as OpenAI's original
    CLIP files. A ``'state_dict'`` or ``'model'`` entry is unwrapped and a
    ``module.`` prefix (DataParallel) is stripped.

    Args:
        path (str): The weights file.

    Returns:
        dict[str, Tensor]: Parameter name -> tensor.
    """
    if path.endswith('.safetensors'):
        from safetensors.torch import load_file
        state = load_file(path, device='cpu')
    elif _is_torchscript_archive(path):
        with warnings.catch_warnings():
            # torch 2.14 deprecates TorchScript; reading its weights is fine.
            warnings.simplefilter('ignore', FutureWarning)
            state = torch.jit.load(path, map_location='cpu').state_dict()
    else:
        state = torch.load(path, map_location='cpu', weights_only=True)
    for key in ('state_dict', 'model'):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    if not isinstance(state, dict):
        raise TypeError(f'{path} holds a {type(state).__name__}, '
                        'not a state dict')
    if state and all(k.startswith('module.') for k in state):
        state = {k[len('module.'):]: v for k, v in state.items()}
    return dict(state)


def preprocess_images(imgs: torch.Tensor, size: Tuple[int, int],
                      mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """Turn 0..255 RGB images into a teacher's normalized input.

    Args:
        imgs (Tensor): [B, 3, H, W] uint8, or float on the 0..255 scale.
        size (tuple[int, int]): The model's (H', W').
        mean (Tensor): [3] mean on the 0..1 scale.
        std (Tensor): [3] std on the 0..1 scale.

    Returns:
        Tensor: [B, 3, H', W'] float: ``(imgs / 255 - mean) / std``, resized
        first (bicubic, antialiased, clamped to 0..1 like an image) when
        (H, W) != (H', W').
    """
    if imgs.dim() != 4 or imgs.shape[1] != 3:
        raise ValueError('expected [B, 3, H, W] RGB images, got shape '
                         f'{tuple(imgs.shape)}')
    x = imgs.float() / 255.
    if tuple(x.shape[-2:]) != tuple(size):
        x = F.interpolate(
            x,
            size=tuple(size),
            mode='bicubic',
            align_corners=False,
            antialias=True).clamp_(0., 1.)
    return (x - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)


def _drop_teacher_keys(module: 'BaseTeacher', state_dict: Dict[str, Any],
                       prefix: str, local_metadata: dict) -> None:
    """State-dict hook: remove the teacher from any state dict."""
    if module._state_dict_visible:
        return
    for key in [k for k in state_dict if k.startswith(prefix)]:
        del state_dict[key]
    metadata = getattr(state_dict, '_metadata', None)
    if metadata is not None:
        for key in [
                k for k in metadata if k == prefix[:-1] or k.startswith(prefix)
        ]:
            del metadata[key]


def _keep_teacher_weights(module: 'BaseTeacher', state_dict: Dict[str, Any],
                          prefix: str, *args: Any) -> None:
    """Load pre-hook: the teacher keeps its weights whatever is loaded.

    The teacher's entries of the incoming state dict are replaced by the
    teacher's current tensors, so loading a checkpoint (which never holds
    the teacher) neither reports the teacher as missing nor changes it.
    """
    for key in [k for k in state_dict if k.startswith(prefix)]:
        del state_dict[key]
    for key, value in module.full_state_dict().items():
        state_dict[prefix + key] = value


class BaseTeacher(BaseModule):
    """Base class of the frozen teachers.

    A teacher maps a batch of one modality (images, texts) to a [B, D] float
    feature that a student regresses. It is:

    - frozen: no parameter requires grad, and ``forward`` runs under
      ``torch.no_grad()``;
    - always in eval mode: ``train(True)`` keeps it in eval mode;
    - never saved: a state-dict hook removes its keys from any parent's
      ``state_dict()``, and loading a state dict never changes it;
    - loaded by its own ``init_weights()``, from ``pretrained`` only. mmengine
      first applies a parent's ``init_cfg`` to every submodule, teachers
      included, then calls the children's ``init_weights()``; ``is_init`` is
      therefore always False so that the parent always calls it, and the
      teacher always restores its own weights afterwards. With
      ``pretrained=None`` (random weights) those are the weights drawn at
      construction, kept in a CPU copy. A teacher used before any
      ``init_weights()`` call (e.g. in a test run) loads itself first.

    Subclasses build their network, set ``out_channels``, call
    :meth:`freeze` at the end of ``__init__``, and implement :meth:`encode`
    and :meth:`load_pretrained_state`.

    Args:
        weights_file (str, optional): Local file ``init_weights()`` loads;
            None for random weights, which are logged with a warning.
        name (str): How logs and errors name the teacher.
    """

    out_channels: int

    def __init__(self, weights_file: Optional[str], name: str) -> None:
        super().__init__(init_cfg=None)
        self.weights_file = weights_file
        self.teacher_name = name
        self._state_dict_visible = False
        self._weights_ready = False
        self._random_state: Optional[Dict[str, torch.Tensor]] = None
        self.register_state_dict_post_hook(_drop_teacher_keys)
        self.register_load_state_dict_pre_hook(_keep_teacher_weights)

    @property
    def is_init(self) -> bool:
        """Always False: a parent's ``init_weights()`` must call ours."""
        return False

    @is_init.setter
    def is_init(self, value: bool) -> None:
        pass

    def freeze(self) -> None:
        """Freeze the built network; keep random weights when unloaded."""
        self.requires_grad_(False)
        super().train(False)
        if self.weights_file is None:
            print_log(
                f'{self.teacher_name} has random weights (pretrained=None): '
                'this teacher is UNTRAINED and only good for tests and '
                'demos.',
                logger='current',
                level=logging.WARNING)
            self._random_state = {
                k: v.detach().to('cpu', copy=True)
                for k, v in self.full_state_dict().items()
            }

    def full_state_dict(self) -> Dict[str, torch.Tensor]:
        """The teacher's own state dict (``state_dict()`` is always empty).

        Returns:
            dict[str, Tensor]: Detached parameters and persistent buffers.
        """
        self._state_dict_visible = True
        try:
            return OrderedDict(self.state_dict())
        finally:
            self._state_dict_visible = False

    def train(self, mode: bool = True) -> 'BaseTeacher':
        """Stay in eval mode whatever ``mode`` asks."""
        return super().train(False)

    def init_weights(self) -> None:
        """Load ``weights_file``, or restore the random construction-time
        weights when there is none.

        The file holds either the teacher's own layout
        (:meth:`full_state_dict`, e.g. saved from another teacher) or the
        layout of the original model, see :meth:`load_pretrained_state`.
        """
        if self.weights_file is None:
            self._copy_state(self._random_state)
        else:
            print_log(
                f'{self.teacher_name}: loading {self.weights_file}',
                logger='current',
                level=logging.INFO)
            state = load_weights_file(self.weights_file)
            if set(state) == set(self.full_state_dict()):
                self._copy_state(state)
            else:
                self.load_pretrained_state(state)
        self._weights_ready = True

    def _copy_state(self, state: Dict[str, torch.Tensor]) -> None:
        """Copy a state dict in the :meth:`full_state_dict` layout."""
        with torch.no_grad():
            for key, value in self.full_state_dict().items():
                value.copy_(state[key])

    @abstractmethod
    def load_pretrained_state(self, state: Dict[str, torch.Tensor]) -> None:
        """Load a state dict read from ``weights_file``.

        Args:
            state (dict[str, Tensor]): As read by :func:`load_weights_file`.

        Raises:
            KeyError: When keys are missing or unexpected.
        """

    @abstractmethod
    def encode(self, inputs: Any) -> torch.Tensor:
        """Teacher features of one batch; called by ``forward``.

        Args:
            inputs: The batch (images or texts, see the subclass).

        Returns:
            Tensor: [B, D] features.
        """

    def forward(self, inputs: Any) -> torch.Tensor:
        """Frozen features of one batch (see :meth:`encode`).

        Returns:
            Tensor: [B, D] float32 features, without gradient.
        """
        self.ensure_weights()
        with torch.no_grad():
            return self.encode(inputs).float()

    def ensure_weights(self) -> None:
        """Load the weights if ``init_weights()`` was never called."""
        if not self._weights_ready:
            self.init_weights()

    def _check_keys(self, missing: Sequence[str],
                    unexpected: Sequence[str]) -> None:
        """Raise on a weights file that does not match the network."""
        if missing or unexpected:
            raise KeyError(
                f'{self.teacher_name}: {self.weights_file} does not match '
                f'the network. Missing keys: {sorted(missing)}; '
                f'unexpected keys: {sorted(unexpected)}')
