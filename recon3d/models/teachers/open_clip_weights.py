"""open_clip models and weights for the CLIP teachers: names, tags,
QuickGELU, OpenAI-format files.

open_clip is imported on first use, not with this module.
"""
import logging
import os.path as osp
from typing import Dict, Optional, Tuple

import torch

from recon3d.utils.hub import find_hf_file, looks_like_path
from .base import is_torchscript_archive
from .tiny import TINY_CLIP_NAME, register_tiny_clip

__all__ = [
    'OPENAI_FORMAT_KEYS', 'import_open_clip', 'normalize_model_name',
    'check_model_name', 'base_model_name', 'quick_gelu_tags',
    'file_of_quick_gelu_tag',
    'resolve_open_clip_weights', 'is_openai_format', 'create_open_clip'
]

#: Entries of OpenAI's CLIP state dicts that open_clip's own files lack.
OPENAI_FORMAT_KEYS = ('input_resolution', 'context_length', 'vocab_size')


def import_open_clip():
    """open_clip, imported on first use."""
    import open_clip
    return open_clip


def normalize_model_name(model_name: str) -> str:
    """``'ViT-B/32'`` -> ``'ViT-B-32'``; the tiny model registered."""
    model_name = model_name.replace('/', '-')
    if model_name == TINY_CLIP_NAME:
        register_tiny_clip()
    return model_name


def check_model_name(model_name: str) -> None:
    """Raise ValueError for a name open_clip does not know."""
    open_clip = import_open_clip()
    if open_clip.get_model_config(model_name) is None:
        raise ValueError(
            f'open_clip has no model {model_name!r}; see '
            'open_clip.list_models() (e.g. ViT-B-32, ViT-B-32-quickgelu, '
            f"ViT-L-14) or {TINY_CLIP_NAME!r} for tests")


def base_model_name(model_name: str) -> str:
    """``'ViT-B-32-quickgelu'`` -> ``'ViT-B-32'``; other names unchanged."""
    return model_name[:-len('-quickgelu')] if model_name.endswith(
        '-quickgelu') else model_name


def quick_gelu_tags(model_name: str) -> Dict[str, dict]:
    """The pretrained tags of ``model_name`` (and of its ``-quickgelu``-less
    name) that open_clip marks as trained with QuickGELU: tag -> config."""
    open_clip = import_open_clip()
    tags = {}
    for name in (model_name, base_model_name(model_name)):
        for tag in open_clip.list_pretrained_tags_by_model(name):
            cfg = open_clip.get_pretrained_cfg(name, tag)
            if cfg.get('quick_gelu'):
                tags[tag] = cfg
    return tags


def file_of_quick_gelu_tag(model_name: str, path: str) -> bool:
    """Whether a local file is one of a QuickGELU tag's: it lies in the
    tag's Hugging Face cache folder, or bears the tag's download file name
    (e.g. OpenAI's ``ViT-B-32.pt``), or ``quickgelu`` is in its name."""
    path = osp.abspath(path)
    name = osp.basename(path)
    if 'quickgelu' in name.lower():
        return True
    for cfg in quick_gelu_tags(model_name).values():
        repo = cfg.get('hf_hub', '').strip('/').split('/')[:2]
        if len(repo) == 2 and \
                f'{osp.sep}models--{"--".join(repo)}{osp.sep}' in path:
            return True
        if cfg.get('url') and name == osp.basename(cfg['url']):
            return True
    return False


def resolve_open_clip_weights(
        model_name: str,
        pretrained: Optional[str],
        download: bool = False,
        probe_only: bool = False) -> Tuple[Optional[str], bool]:
    """Find the local weights file an open_clip teacher will load.

    Args:
        model_name (str): open_clip architecture, e.g. ``'ViT-B-32'``.
        pretrained (str, optional): None (random weights), a local file, or
            an open_clip pretrained tag of ``model_name`` (e.g.
            ``'openai'``), taken from the Hugging Face cache.
        download (bool): Download a tag's file that is not cached. Defaults
            to False.
        probe_only (bool): Check only, without downloading (preflight).

    Returns:
        tuple[str | None, bool]: The file (None for random weights, or
        with ``probe_only`` a tag that would be downloaded) and whether
        open_clip marks the weights as trained with QuickGELU (a tag's
        flag, or a file of such a tag, see :func:`file_of_quick_gelu_tag`).

    Raises:
        FileNotFoundError: ``pretrained`` is neither a file nor a tag.
        WeightsUnavailable: A tag whose file is not cached and is not
            downloaded (not asked, offline, or unreachable).
    """
    if pretrained is None:
        return None, False
    expanded = osp.expanduser(pretrained)
    if osp.isfile(expanded):
        return expanded, file_of_quick_gelu_tag(model_name, expanded)
    open_clip = import_open_clip()
    tag_cfg = open_clip.get_pretrained_cfg(model_name, pretrained)
    if tag_cfg.get('hf_hub') and not looks_like_path(pretrained):
        repo_id, filename = osp.split(tag_cfg['hf_hub'])
        if not filename:
            names = [
                'open_clip_model.safetensors', 'open_clip_pytorch_model.bin'
            ]
        else:
            stem, ext = osp.splitext(filename)
            names = [f'{stem}.safetensors'] if ext in ('.bin', '.pth') \
                else []
            names.append(filename)
        quick = bool(tag_cfg.get('quick_gelu', False))
        note = ''
        if quick and 'quickgelu' not in model_name:
            note = (' (these weights were trained with QuickGELU, which the '
                    'teacher then switches on by itself)')
        path = find_hf_file(
            repo_id,
            names,
            asked=f'open_clip {model_name} pretrained={pretrained!r}',
            note=note,
            download=download,
            probe_only=probe_only)
        return path, quick
    tags = open_clip.list_pretrained_tags_by_model(model_name)
    raise FileNotFoundError(
        f'open_clip {model_name}: pretrained={pretrained!r} is neither a '
        f'file nor a pretrained tag of {model_name} (tags: {tags}). Set it '
        'to a local open_clip or OpenAI checkpoint (.bin, .pt, .pth, '
        '.safetensors), to a tag, or to None for random weights (tests and '
        'demos only).')


def is_openai_format(path: str, state: Dict[str, torch.Tensor]) -> bool:
    """Whether a weights file is in OpenAI's CLIP format (TorchScript
    archive, or a state dict with OpenAI's extra entries)."""
    return is_torchscript_archive(path) or any(k in state
                                               for k in OPENAI_FORMAT_KEYS)


def create_open_clip(model_name: str,
                     quick_gelu: bool,
                     context_length: Optional[int] = None) -> torch.nn.Module:
    """Build an open_clip model with random weights (loaded later)."""
    kwargs = dict(pretrained=None, force_quick_gelu=quick_gelu)
    if context_length is not None:
        kwargs['force_context_length'] = context_length
    # open_clip warns that the model is random; the teacher says so itself
    # when it stays random, and loads its weights right after.
    root = logging.getLogger()

    def quiet(record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(
            'No pretrained weights loaded')

    root.addFilter(quiet)
    try:
        return import_open_clip().create_model(model_name, **kwargs)
    finally:
        root.removeFilter(quiet)
