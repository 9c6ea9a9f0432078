"""Frozen teachers: the base class and helpers shared by all teachers."""
import logging
import warnings
import zipfile
from abc import abstractmethod
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModule

from recon3d.utils.hub import local_file

__all__ = [
    'BaseTeacher', 'IMAGENET_MEAN', 'IMAGENET_STD', 'load_weights_file',
    'is_torchscript_archive', 'preprocess_images'
]

# ImageNet statistics on the 0..1 scale. The official code normalizes the
# images of every image teacher (CLIP included) with them.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def is_torchscript_archive(path: str) -> bool:
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

    Raises:
        ValueError: The file cannot be read as weights (the message names
            the file).
    """
    try:
        if path.endswith('.safetensors'):
            from safetensors.torch import load_file
            state = load_file(path, device='cpu')
        elif is_torchscript_archive(path):
            with warnings.catch_warnings():
                # torch 2.14 deprecates TorchScript; reading weights is fine.
                warnings.simplefilter('ignore', FutureWarning)
                state = torch.jit.load(path, map_location='cpu').state_dict()
        else:  # the safe loader; never a full unpickling
            from recon3d.engine.checkpoint import load_checkpoint_file
            state = load_checkpoint_file(path, 'cpu', unsafe_pickle=False)
    except Exception as error:
        raise ValueError(f'{path} cannot be read as a weights file: '
                         f'{type(error).__name__}: {error}') from error
    for key in ('state_dict', 'model'):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    if not isinstance(state, dict):
        raise ValueError(f'{path} holds a {type(state).__name__}, '
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
    if not torch.is_tensor(imgs) or imgs.dim() != 4 or imgs.shape[1] != 3:
        shape = tuple(imgs.shape) if torch.is_tensor(imgs) else \
            type(imgs).__name__
        raise ValueError(f'expected [B, 3, H, W] RGB images, got {shape}')
    x = imgs.float() / 255.
    if tuple(x.shape[-2:]) != tuple(size):
        x = F.interpolate(
            x,
            size=tuple(size),
            mode='bicubic',
            align_corners=False,
            antialias=True).clamp_(0., 1.)
    return (x - mean.view(1, 3, 1, 1)) / std.view(1, 3, 1, 1)


class BaseTeacher(BaseModule):
    """Base class of the frozen teachers.

    A teacher maps a batch of one modality (``modality``: ``'img'`` or
    ``'text'``) to a [B, D] float feature that a student regresses. It
    runs under ``torch.no_grad()`` and its network is always in eval mode.

    **How a teacher stays out of checkpoints.** :meth:`freeze` takes the
    teacher's network out of the module tree: its submodules leave
    ``_modules`` and become plain attributes. Hence, with no other
    mechanism:

    - ``state_dict()`` never holds a teacher tensor, so no checkpoint does,
      and ``load_state_dict()`` expects none (a checkpoint that carries
      some reports them as unexpected keys);
    - ``parameters()``, ``named_modules()``, ``apply()`` and ``train()``
      do not reach the network: no optimizer, no parent ``init_cfg`` and
      no train-mode switch ever touches it;
    - device and dtype moves (``.to()``, ``.cuda()``, ``.half()``) still
      do, through :meth:`_apply`.

    :meth:`full_state_dict` gives the network's own tensors. Weights are
    loaded once, at construction, from a local file
    (``weights_file``); None keeps the random weights drawn at construction
    (logged as a warning: only good for tests and demos).

    Subclasses build their network as ordinary submodules, set
    ``out_channels``, call :meth:`freeze` at the end of ``__init__``, and
    implement :meth:`encode` and :meth:`load_pretrained_state`. Where a
    subclass finds its ``weights_file`` (a path, a known tag, a download
    when asked) is decided by :mod:`recon3d.utils.hub`; :meth:`check_config`
    reports, without building anything, what would stop it (the preflight
    check of ``tools/train.py``).

    Args:
        weights_file (str, optional): Local file to load; None for random
            weights.
        name (str): How logs and errors name the teacher.
    """

    out_channels: int
    #: The input the teacher encodes: ``'img'`` or ``'text'``.
    modality: Optional[str] = None

    def __init__(self, weights_file: Optional[str], name: str) -> None:
        super().__init__(init_cfg=None)
        self.weights_file = weights_file
        self.teacher_name = name
        self._frozen: Dict[str, nn.Module] = OrderedDict()

    @classmethod
    def find_weights(cls,
                     cfg: dict,
                     probe_only: bool = False) -> Optional[str]:
        """The local weights file a teacher config loads, found without
        building the teacher; a download happens only when the config says
        ``download=True`` (and not with ``probe_only``).

        Args:
            cfg (dict): The teacher's config, ``type`` included.
            probe_only (bool): Only check that the file is there or could
                be downloaded (preflight); returns None for a download.

        Returns:
            str | None: The file; None for random weights.

        Raises:
            FileNotFoundError: ``pretrained`` names no file (or tag).
            RuntimeError: A tag's file is not cached and not downloadable.
        """
        pretrained = cfg.get('pretrained')
        if pretrained is None:
            return None
        path = local_file(pretrained)
        if path is None:
            raise FileNotFoundError(
                f'{cfg.get("type", cls.__name__)}: pretrained={pretrained!r} '
                'is not a file')
        return path

    @classmethod
    def check_config(cls, cfg: dict) -> List[str]:
        """What would stop a teacher of this class from being built from
        ``cfg``, found without building it (no download, no weights read):
        the preflight check of ``tools/train.py``.

        Args:
            cfg (dict): The teacher's config, ``type`` included.

        Returns:
            list[str]: One message per problem; empty when none.
        """
        try:
            cls.find_weights(cfg, probe_only=True)
        except (OSError, RuntimeError, ValueError) as error:
            return [str(error)]
        return []

    def freeze(self, state: Optional[Dict[str, torch.Tensor]] = None) -> None:
        """Load the weights, freeze the network and take it out of the
        module tree (see the class docstring).

        Args:
            state (dict, optional): The contents of ``weights_file`` when
                the subclass already read it; read here otherwise.
        """
        if self._parameters:
            raise TypeError(f'{self.teacher_name}: keep the network\'s '
                            'parameters in submodules, not on the teacher '
                            f'itself ({sorted(self._parameters)})')
        for name, module in list(self._modules.items()):
            module.requires_grad_(False)
            module.train(False)
            del self._modules[name]
            object.__setattr__(self, name, module)
            self._frozen[name] = module
        super().train(False)
        if self.weights_file is None:
            print_log(
                f'{self.teacher_name} has random weights (pretrained=None): '
                'this teacher is UNTRAINED and only good for tests and '
                'demos.',
                logger='current',
                level=logging.WARNING)
            return
        print_log(
            f'{self.teacher_name}: loading {self.weights_file}',
            logger='current',
            level=logging.INFO)
        if state is None:
            state = load_weights_file(self.weights_file)
        if set(state) == set(self.full_state_dict()):
            self._copy_state(state)
        else:
            self.load_pretrained_state(state)

    def _apply(self, fn, *args, **kwargs) -> 'BaseTeacher':
        """Device/dtype moves reach the frozen network too."""
        super()._apply(fn, *args, **kwargs)
        for module in self._frozen.values():
            module._apply(fn, *args, **kwargs)
        return self

    def full_state_dict(self) -> Dict[str, torch.Tensor]:
        """The frozen network's tensors (``state_dict()`` is always empty).

        Returns:
            dict[str, Tensor]: ``'<submodule>.<key>'`` -> tensor, sharing
            storage with the network.
        """
        state = OrderedDict()
        for name, module in self._frozen.items():
            for key, value in module.state_dict(keep_vars=True).items():
                state[f'{name}.{key}'] = value.detach()
        return state

    def extra_repr(self) -> str:
        return 'frozen: ' + ', '.join(f'{name}={type(module).__name__}'
                                      for name, module in self._frozen.items())

    def train(self, mode: bool = True) -> 'BaseTeacher':
        """Stay in eval mode whatever ``mode`` asks."""
        return super().train(False)

    def _copy_state(self, state: Dict[str, torch.Tensor]) -> None:
        """Copy a state dict in the :meth:`full_state_dict` layout."""
        with torch.no_grad():
            for key, value in self.full_state_dict().items():
                value.copy_(state[key])

    @abstractmethod
    def load_pretrained_state(self, state: Dict[str, torch.Tensor]) -> None:
        """Load a state dict read from ``weights_file`` in the layout of
        the original model.

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
        with torch.no_grad():
            return self.encode(inputs).float()

    def _check_keys(self, missing: List[str], unexpected: List[str]) -> None:
        """Raise on a weights file that does not match the network."""
        if missing or unexpected:
            raise KeyError(
                f'{self.teacher_name}: {self.weights_file} does not match '
                f'the network. Missing keys: {sorted(missing)}; '
                f'unexpected keys: {sorted(unexpected)}')
