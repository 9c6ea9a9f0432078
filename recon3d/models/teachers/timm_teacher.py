"""The paper's default image teacher: timm 0.4.5's in21k ViT-B/16.

timm is imported when a teacher is built, not when this module is.
"""
import logging
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.logging import print_log

from recon3d.registry import TEACHERS
from recon3d.utils.hub import find_url_file, local_file, looks_like_path
from .base import IMAGENET_MEAN, IMAGENET_STD, BaseTeacher, preprocess_images

__all__ = ['TimmImageTeacher', 'IN21K_VIT_B16_URL', 'TIMM_TEACHER_TAGS']

IN21K_VIT_B16_URL = (
    'https://github.com/rwightman/pytorch-image-models/releases/download/'
    'v0.1-vitjx/jx_vit_base_patch16_224_in21k-e5005f0a.pth')

#: Known ``pretrained`` tags: tag -> (architecture, URL, SHA-256 prefix).
TIMM_TEACHER_TAGS = {
    'in21k': ('vit_base_patch16_224', IN21K_VIT_B16_URL, 'e5005f0a'),
}


def resolve_timm_weights(model_name: str,
                         pretrained: Optional[str],
                         download: bool = False,
                         probe_only: bool = False) -> Optional[str]:
    """Find the local weights file of a :class:`TimmImageTeacher`.

    Args:
        model_name (str): timm architecture.
        pretrained (str, optional): None, a local file, or a tag of
            :data:`TIMM_TEACHER_TAGS` (its file is kept in torch hub's
            ``checkpoints`` folder; downloaded only with ``download``).
        download (bool): Download a tag's missing file. Defaults to False.
        probe_only (bool): Check only, without downloading (preflight).

    Returns:
        str | None: The file; None for random weights (or a tag that
        would be downloaded, with ``probe_only``).

    Raises:
        FileNotFoundError: Neither a file nor a known tag.
        ValueError: A tag of another architecture.
        WeightsUnavailable: A tag whose file is missing and not downloaded.
    """
    if pretrained is None:
        return None
    path = local_file(pretrained)
    if path is not None:
        return path
    asked = f'TimmImageTeacher({model_name}) pretrained={pretrained!r}'
    if pretrained not in TIMM_TEACHER_TAGS or looks_like_path(pretrained):
        raise FileNotFoundError(
            f'{asked}: not a file, nor a known tag '
            f'({sorted(TIMM_TEACHER_TAGS)}). The paper\'s teacher: '
            "pretrained='in21k' (timm 0.4.5's "
            'jx_vit_base_patch16_224_in21k-e5005f0a.pth, from '
            f'{IN21K_VIT_B16_URL}), or a path to that file.')
    arch, url, hash_prefix = TIMM_TEACHER_TAGS[pretrained]
    if arch != model_name:
        raise ValueError(f'{asked}: the tag holds {arch} weights')
    return find_url_file(
        url,
        asked,
        download=download,
        probe_only=probe_only,
        hash_prefix=hash_prefix)


@TEACHERS.register_module()
class TimmImageTeacher(BaseTeacher):
    """Frozen timm ViT with timm 0.4.5's tanh pre-logits head.

    ReCon's default image teacher is timm 0.4.5's
    ``vit_base_patch16_224_in21k``, whose feature is
    ``pre_logits(norm(tokens)[:, 0])`` with ``pre_logits = Linear(768, 768)
    + Tanh``, so values lie in (-1, 1). Current timm has no such head (and
    other in21k weights under that name), so the teacher builds current
    timm's ViT trunk (``num_classes=0``) plus a ``pre_logits`` module with
    the old keys (``pre_logits.fc.weight``/``.bias``).

    Getting the weights: ``pretrained='in21k'`` takes
    ``jx_vit_base_patch16_224_in21k-e5005f0a.pth`` (timm 0.4.5's release,
    :data:`IN21K_VIT_B16_URL`) from torch hub's ``checkpoints`` folder
    (downloaded there only with ``download=True``); or download it by hand
    and set ``pretrained`` to its path. Its keys (``cls_token``, ``pos_embed``,
    ``patch_embed.proj.*``, ``blocks.i.{norm1,attn.qkv,attn.proj,norm2,
    mlp.fc1,mlp.fc2}.*``, ``norm.*``) are the trunk keys of timm 1.0's
    ``vit_base_patch16_224`` unchanged; ``pre_logits.fc.*`` load into the
    head and ``head.*`` (the 21843-class classifier) is dropped. Any other
    missing or unexpected key is an error.

    Images come as [B, 3, H, W] RGB, uint8 or float on the 0..255 scale;
    the teacher scales them to 0..1, resizes them (bicubic, antialiased) to
    the ViT's input size when needed and normalizes them with
    ``mean``/``std``.

    Args:
        model_name (str): timm ViT architecture. Defaults to
            ``'vit_base_patch16_224'``.
        pretrained (str, optional): Local weights file in timm 0.4.5's
            layout, a tag of :data:`TIMM_TEACHER_TAGS` (``'in21k'``), or
            None for random weights (tests and demos only). Defaults to
            None.
        download (bool): Download a tag's missing file. Defaults to False.
        representation_size (int, optional): Width of the tanh pre-logits
            head; None drops the head, the feature is then
            ``norm(tokens)[:, 0]``. Defaults to 768 (the in21k model's).
        model_kwargs (dict, optional): Extra ``timm.create_model`` kwargs,
            e.g. ``dict(embed_dim=32, depth=1, num_heads=2, img_size=32,
            patch_size=8)`` for a tiny test ViT.
        mean (Sequence[float]): Per-channel mean on the 0..1 scale. Defaults
            to ImageNet's, as in the official code (timm 0.4.5's own
            config for these weights says 0.5).
        std (Sequence[float]): Per-channel std on the 0..1 scale. Defaults
            to ImageNet's (timm's config: 0.5).
        img_size (int, optional): Run the ViT at this input size (passed to
            timm; a checkpoint's position embedding is resampled to it).
            None keeps the architecture's size (224).
    """

    modality = 'img'

    def __init__(self,
                 model_name: str = 'vit_base_patch16_224',
                 pretrained: Optional[str] = None,
                 download: bool = False,
                 representation_size: Optional[int] = 768,
                 model_kwargs: Optional[dict] = None,
                 mean: Sequence[float] = IMAGENET_MEAN,
                 std: Sequence[float] = IMAGENET_STD,
                 img_size: Optional[int] = None) -> None:
        import timm
        weights_file = resolve_timm_weights(model_name, pretrained, download)
        super().__init__(
            weights_file, name=f'{type(self).__name__}({model_name})')
        self.model_name = model_name
        self.pretrained = pretrained
        kwargs = dict(model_kwargs or {})
        if img_size is not None:
            kwargs['img_size'] = img_size
        self.vit = timm.create_model(
            model_name, pretrained=False, num_classes=0, **kwargs)
        width = self.vit.num_features
        if representation_size:
            self.pre_logits = nn.Sequential(
                OrderedDict(
                    fc=nn.Linear(width, representation_size), act=nn.Tanh()))
        else:
            self.pre_logits = None
        self.out_channels = representation_size or width
        self.img_size = tuple(self.vit.patch_embed.img_size)
        self.register_buffer(
            'mean', torch.tensor(mean, dtype=torch.float32), persistent=False)
        self.register_buffer(
            'std', torch.tensor(std, dtype=torch.float32), persistent=False)
        self.freeze()

    @classmethod
    def find_weights(cls,
                     cfg: dict,
                     probe_only: bool = False) -> Optional[str]:
        """A file, or a known tag's file (see :func:`resolve_timm_weights`).
        """
        return resolve_timm_weights(
            cfg.get('model_name', 'vit_base_patch16_224'),
            cfg.get('pretrained'), cfg.get('download', False), probe_only)

    def encode(self, imgs: torch.Tensor) -> torch.Tensor:
        """[B, 3, H, W] 0..255 RGB images -> [B, D] features."""
        x = preprocess_images(imgs, self.img_size, self.mean, self.std)
        # With num_classes=0 the ViT returns its pooled token, here
        # norm(tokens)[:, 0].
        x = self.vit(x)
        return x if self.pre_logits is None else self.pre_logits(x)

    def load_pretrained_state(self, state: Dict[str, torch.Tensor]) -> None:
        """Load a timm 0.4.5 ViT state dict (classifier ``head.*``
        dropped)."""
        trunk = {k: v for k, v in state.items() if not k.startswith('head.')}
        head = {
            k[len('pre_logits.'):]: trunk.pop(k)
            for k in list(trunk) if k.startswith('pre_logits.')
        }
        patch_weight = trunk.get('patch_embed.proj.weight')
        model_weight = self.vit.patch_embed.proj.weight
        if patch_weight is not None and patch_weight.dim() < 4:
            # Early timm checkpoints store the patch embedding as a Linear.
            trunk['patch_embed.proj.weight'] = patch_weight.reshape(
                model_weight.shape)
        pos_embed = trunk.get('pos_embed')
        if (pos_embed is not None
                and pos_embed.shape != self.vit.pos_embed.shape):
            grid = self.vit.patch_embed.grid_size
            print_log(
                f'{self.teacher_name}: resampling pos_embed '
                f'{tuple(pos_embed.shape)} to the {grid} patch grid',
                logger='current',
                level=logging.INFO)
            from timm.layers import resample_abs_pos_embed
            trunk['pos_embed'] = resample_abs_pos_embed(
                pos_embed,
                new_size=list(grid),
                num_prefix_tokens=self.vit.num_prefix_tokens)
        result = self.vit.load_state_dict(trunk, strict=False)
        missing = list(result.missing_keys)
        unexpected = list(result.unexpected_keys)
        if self.pre_logits is None:
            unexpected += [f'pre_logits.{k}' for k in head]
        else:
            result = self.pre_logits.load_state_dict(head, strict=False)
            missing += [f'pre_logits.{k}' for k in result.missing_keys]
            unexpected += [f'pre_logits.{k}' for k in result.unexpected_keys]
        self._check_keys(missing, unexpected)
