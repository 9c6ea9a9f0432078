"""CLIP text and image teachers built with open_clip."""
import logging
import os
import random
import socket
import threading
import urllib.parse
import urllib.request
from typing import Dict, List, Optional, Sequence, Tuple

import open_clip
import torch

from recon3d.registry import TEACHERS
from .base import IMAGENET_MEAN, IMAGENET_STD, BaseTeacher, preprocess_images
from .tiny import TINY_CLIP_NAME, register_tiny_clip

__all__ = [
    'OpenCLIPTextTeacher', 'OpenCLIPImageTeacher', 'PROMPT_PREFIXES',
    'PROMPT_SUFFIXES', 'resolve_open_clip_weights'
]

_PROMPT_OBJECTS = ('model', 'image', '3D model', 'rendering model',
                   'point cloud', 'point cloud model', '3D rendering model',
                   'rendering image', '3D rendering image')
# The official 20 prefixes and 3 suffixes, in the official order (prompt j
# of the zero-shot class embedding uses prefix j % 20 and suffix j // 20).
PROMPT_PREFIXES = ('', 'A ') + tuple(
    prefix for obj in _PROMPT_OBJECTS
    for prefix in (f'A {obj} of ', f'A {obj} of a '))
PROMPT_SUFFIXES = ('.', ' with white background.', ' with black context.')

# Seconds to wait for the Hugging Face endpoint before giving up.
HUB_PROBE_TIMEOUT = 3.0


def _hub_offline() -> bool:
    """Whether HF_HUB_OFFLINE is set, now or when huggingface_hub loaded."""
    from huggingface_hub import constants
    value = os.environ.get('HF_HUB_OFFLINE', '').strip().upper()
    return bool(
        constants.HF_HUB_OFFLINE) or value in ('1', 'ON', 'YES', 'TRUE')


def _reachable(url: str, timeout: float) -> bool:
    """Whether a TCP connection to ``url``'s host (or its proxy) opens
    within ``timeout`` seconds, name lookup included."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ''
    port = parts.port or (443 if parts.scheme == 'https' else 80)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(host):
        proxy_parts = urllib.parse.urlsplit(proxy)
        host, port = proxy_parts.hostname or '', proxy_parts.port or 80
    opened = []

    def probe() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            opened.append(True)
        except OSError:
            pass

    # A thread bounds the name lookup too, which has no timeout of its own.
    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(opened)


def _hub_weights(model_name: str, tag: str, tag_cfg: dict) -> str:
    """Local path of an open_clip tag's weights, from the Hugging Face cache
    or downloaded; fails within a few seconds when neither is possible."""
    from huggingface_hub import constants, hf_hub_download
    from huggingface_hub import try_to_load_from_cache
    repo_id, filename = os.path.split(tag_cfg['hf_hub'])
    if filename:
        stem, ext = os.path.splitext(filename)
        names = ([f'{stem}.safetensors'] if ext in ('.bin', '.pth') else [])
        names.append(filename)
    else:
        names = ['open_clip_model.safetensors', 'open_clip_pytorch_model.bin']
    for name in names:
        cached = try_to_load_from_cache(repo_id, name)
        if isinstance(cached, str):
            return cached
    asked = f'open_clip {model_name} pretrained={tag!r}'
    how_to = (f'Download {names[-1]} from https://huggingface.co/{repo_id} '
              'on a machine with internet access, copy it here and set '
              "pretrained='path/to/file'")
    if tag_cfg.get('quick_gelu') and 'quickgelu' not in model_name:
        how_to += (f' and model_name=\'{model_name}-quickgelu\' (these '
                   'weights were trained with QuickGELU)')
    if _hub_offline():
        raise RuntimeError(
            f'{asked}: the weights are not in the Hugging Face cache and '
            f'HF_HUB_OFFLINE is set. {how_to}; or unset HF_HUB_OFFLINE on a '
            'machine that can reach the hub.')
    if not _reachable(constants.ENDPOINT, HUB_PROBE_TIMEOUT):
        raise RuntimeError(
            f'{asked}: the weights are not in the Hugging Face cache and '
            f'{constants.ENDPOINT} cannot be reached. {how_to}.')
    errors = []
    for name in names:
        try:
            return hf_hub_download(repo_id, name)
        except Exception as error:  # try the next file name
            errors.append(f'{name}: {error}')
    raise RuntimeError(
        f'{asked}: download failed ({"; ".join(errors)}). {how_to}.')


def resolve_open_clip_weights(
        model_name: str,
        pretrained: Optional[str]) -> Tuple[Optional[str], bool]:
    """Find the local weights file an open_clip teacher will load.

    Args:
        model_name (str): open_clip architecture, e.g. ``'ViT-B-32'``.
        pretrained (str, optional): None (random weights), a local file, or
            an open_clip pretrained tag of ``model_name`` (e.g.
            ``'openai'``), taken from the Hugging Face cache or downloaded.

    Returns:
        tuple[str | None, bool]: The file (None for random weights) and
        whether the tag's weights were trained with QuickGELU.

    Raises:
        FileNotFoundError: ``pretrained`` is neither a file nor a tag.
        RuntimeError: A tag whose weights are not cached and cannot be
            downloaded (offline, or the hub is unreachable).
    """
    if pretrained is None:
        return None, False
    if os.path.isfile(os.path.expanduser(pretrained)):
        return os.path.expanduser(pretrained), False
    tag_cfg = open_clip.get_pretrained_cfg(model_name, pretrained)
    if tag_cfg.get('hf_hub'):
        return (_hub_weights(model_name, pretrained,
                             tag_cfg), bool(tag_cfg.get('quick_gelu', False)))
    tags = open_clip.list_pretrained_tags_by_model(model_name)
    raise FileNotFoundError(
        f'open_clip {model_name}: pretrained={pretrained!r} is neither a '
        f'file nor a pretrained tag of {model_name} (tags: {tags}). Set it '
        'to a local open_clip checkpoint (.bin, .pt, .pth, .safetensors), '
        'to a tag, or to None for random weights (tests and demos only).')


def _create_open_clip(model_name: str,
                      quick_gelu: bool,
                      context_length: Optional[int] = None) -> torch.nn.Module:
    """Build an open_clip model with random weights (loaded later)."""
    if model_name == TINY_CLIP_NAME:
        register_tiny_clip()
    kwargs = dict(pretrained=None, force_quick_gelu=quick_gelu)
    if context_length is not None:
        kwargs['force_context_length'] = context_length
    # open_clip warns that the model is random; the teacher says so itself
    # when it stays random, and loads its weights in init_weights().
    root = logging.getLogger()

    def quiet(record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(
            'No pretrained weights loaded')

    root.addFilter(quiet)
    try:
        return open_clip.create_model(model_name, **kwargs)
    finally:
        root.removeFilter(quiet)


def _embed_dim(model_name: str) -> int:
    """The joint text-image embedding width of an open_clip model."""
    return int(open_clip.get_model_config(model_name)['embed_dim'])


@TEACHERS.register_module()
class OpenCLIPTextTeacher(BaseTeacher):
    """Frozen CLIP text tower with ReCon's random prompts.

    Each forward turns every category description into a prompt with a
    random prefix and a random suffix (Python's ``random``, which mmengine
    seeds), tokenizes it with the model's open_clip tokenizer and returns
    ``ln_final(x)[EOT] @ text_projection``, the output of open_clip's
    ``encode_text(normalize=False)``: **not** L2-normalized, as in ReCon.
    Only the text tower is kept.

    Weights: ``pretrained='openai'`` (any open_clip tag of ``model_name``)
    is taken from the Hugging Face cache, or downloaded at construction;
    with HF_HUB_OFFLINE set or the hub unreachable it fails within seconds.
    Without network, download the file elsewhere and give its path. A tag
    trained with QuickGELU (OpenAI's) switches it on by itself; a file of
    OpenAI weights needs a ``*-quickgelu`` ``model_name``
    (e.g. ``'ViT-B-32-quickgelu'``). Full open_clip checkpoints,
    text-tower-only ones and OpenAI's TorchScript ``.pt`` files load.
    ``model_name='recon3d-tiny-clip', pretrained=None`` gives a tiny random
    model for tests and demos.

    Args:
        model_name (str): open_clip architecture (``'ViT-B/32'`` is read as
            ``'ViT-B-32'``). Defaults to ``'ViT-B-32'``
            (ReCon's text teacher).
        pretrained (str, optional): open_clip tag, local file, or None for
            random weights. Defaults to ``'openai'``.
        context_length (int, optional): Token length. None follows the
            model config (77 for CLIP, 16 for the tiny model). A shorter one
            truncates the checkpoint's positional embedding; the text
            transformer is causal, so prompts that fit give the same
            features, faster.
        templates (Sequence[str]): Prompt prefixes. Defaults to ReCon's 20.
        suffixes (Sequence[str]): Prompt suffixes. Defaults to ReCon's 3.
        random_prompt (bool): Random prefix and suffix per sample in
            ``forward``; if False, ``forward`` uses prompt 0
            (``templates[0] + text + suffixes[0]``). Defaults to True.
    """

    def __init__(self,
                 model_name: str = 'ViT-B-32',
                 pretrained: Optional[str] = 'openai',
                 context_length: Optional[int] = None,
                 templates: Sequence[str] = PROMPT_PREFIXES,
                 suffixes: Sequence[str] = PROMPT_SUFFIXES,
                 random_prompt: bool = True) -> None:
        model_name = model_name.replace('/', '-')  # 'ViT-B/32' works too
        weights_file, quick_gelu = resolve_open_clip_weights(
            model_name, pretrained)
        super().__init__(
            weights_file, name=f'{type(self).__name__}({model_name})')
        self.model_name = model_name
        self.pretrained = pretrained
        self.templates = tuple(templates)
        self.suffixes = tuple(suffixes)
        self.random_prompt = random_prompt

        clip = _create_open_clip(model_name, quick_gelu, context_length)
        clip.visual = None
        del clip.logit_scale
        if isinstance(clip.logit_bias, torch.nn.Parameter):
            del clip.logit_bias
        self.clip = clip
        self.context_length = int(clip.context_length)
        self.tokenizer = open_clip.get_tokenizer(
            model_name, context_length=self.context_length)
        self.out_channels = _embed_dim(model_name)
        self.freeze()

    @property
    def num_prompts(self) -> int:
        """Number of prompt variants, ``len(templates) * len(suffixes)``."""
        return len(self.templates) * len(self.suffixes)

    def prompt(self, text: str, index: int) -> str:
        """Prompt ``index`` of a description.

        Args:
            text (str): Category description, e.g. ``'chair'``.
            index (int): In ``0 .. num_prompts - 1``.

        Returns:
            str: ``templates[index % T] + text + suffixes[index // T]``,
            T = ``len(templates)``.
        """
        if not 0 <= index < self.num_prompts:
            raise IndexError(
                f'prompt index {index} not in 0..{self.num_prompts - 1}')
        num_templates = len(self.templates)
        return (self.templates[index % num_templates] + text +
                self.suffixes[index // num_templates])

    def random_prompts(self, texts: Sequence[str]) -> List[str]:
        """One random prompt per description (prefix drawn first)."""
        return [
            random.choice(self.templates) + text + random.choice(self.suffixes)
            for text in texts
        ]

    def encode_prompts(self, prompts: Sequence[str]) -> torch.Tensor:
        """Encode finished prompts, as they are.

        Args:
            prompts (Sequence[str]): B prompts.

        Returns:
            Tensor: [B, D] float32 features, not normalized, no gradient.
        """
        self.ensure_weights()
        device = self.clip.token_embedding.weight.device
        tokens = self.tokenizer(list(prompts)).to(device)
        with torch.no_grad():
            return self.clip.encode_text(tokens, normalize=False).float()

    def encode(self, texts: Sequence[str]) -> torch.Tensor:
        """Features of B category descriptions (random prompts if
        ``random_prompt``): list of B str -> [B, D]."""
        if isinstance(texts, str):
            raise TypeError('expected a list of descriptions, got one str')
        if self.random_prompt:
            prompts = self.random_prompts(texts)
        else:
            prompts = [self.prompt(text, 0) for text in texts]
        return self.encode_prompts(prompts)

    def load_pretrained_state(self, state: Dict[str, torch.Tensor]) -> None:
        """Load the text tower from an open_clip (or OpenAI) state dict;
        image tower and logit scale entries are ignored."""
        ignored = ('visual.', 'logit_scale', 'logit_bias', 'input_resolution',
                   'context_length', 'vocab_size')
        state = {k: v for k, v in state.items() if not k.startswith(ignored)}
        pos_embed = state.get('positional_embedding')
        if pos_embed is not None and len(pos_embed) > self.context_length:
            # Causal attention: positions past the context never matter.
            state['positional_embedding'] = pos_embed[:self.context_length]
        result = self.clip.load_state_dict(state, strict=False)
        self._check_keys(result.missing_keys, result.unexpected_keys)


@TEACHERS.register_module()
class OpenCLIPImageTeacher(BaseTeacher):
    """Frozen CLIP image tower: ``ln_post(CLS) @ proj``.

    The feature is open_clip's ``encode_image(normalize=False)``, not
    L2-normalized. Images come as [B, 3, H, W] RGB, uint8 or float on the
    0..255 scale; the teacher scales them to 0..1, resizes them (bicubic,
    antialiased) to the model's size when needed and normalizes them with
    ``mean``/``std``. Only the image tower is kept.

    Weights as for :class:`OpenCLIPTextTeacher`: an open_clip tag (cache or
    download, failing fast offline), a local file (full open_clip
    checkpoint, ``visual.``-only one or OpenAI's TorchScript file; OpenAI
    weights from a file need a ``*-quickgelu`` ``model_name``), or None.

    Args:
        model_name (str): open_clip architecture (``'ViT-B/32'`` is read as
            ``'ViT-B-32'``). Defaults to ``'ViT-B-32'``
            (ReCon's zero-shot image teacher).
        pretrained (str, optional): open_clip tag, local file, or None for
            random weights. Defaults to ``'openai'``.
        mean (Sequence[float]): Per-channel mean on the 0..1 scale. Defaults
            to ImageNet's, which the official code uses for every teacher;
            CLIP's own are ``open_clip.OPENAI_DATASET_MEAN``.
        std (Sequence[float]): Per-channel std on the 0..1 scale. Defaults
            to ImageNet's; CLIP's own are ``open_clip.OPENAI_DATASET_STD``.
    """

    def __init__(self,
                 model_name: str = 'ViT-B-32',
                 pretrained: Optional[str] = 'openai',
                 mean: Sequence[float] = IMAGENET_MEAN,
                 std: Sequence[float] = IMAGENET_STD) -> None:
        model_name = model_name.replace('/', '-')  # 'ViT-B/32' works too
        weights_file, quick_gelu = resolve_open_clip_weights(
            model_name, pretrained)
        super().__init__(
            weights_file, name=f'{type(self).__name__}({model_name})')
        self.model_name = model_name
        self.pretrained = pretrained
        self.visual = _create_open_clip(model_name, quick_gelu).visual
        size = self.visual.image_size
        self.img_size = (size, size) if isinstance(size, int) else tuple(size)
        self.out_channels = _embed_dim(model_name)
        self.register_buffer(
            'mean', torch.tensor(mean, dtype=torch.float32), persistent=False)
        self.register_buffer(
            'std', torch.tensor(std, dtype=torch.float32), persistent=False)
        self.freeze()

    def encode(self, imgs: torch.Tensor) -> torch.Tensor:
        """[B, 3, H, W] 0..255 RGB images -> [B, D] features."""
        return self.visual(
            preprocess_images(imgs, self.img_size, self.mean, self.std))

    def load_pretrained_state(self, state: Dict[str, torch.Tensor]) -> None:
        """Load the image tower from an open_clip (or OpenAI) state dict
        (``visual.*`` keys) or from the tower's own state dict."""
        if any(k.startswith('visual.') for k in state):
            state = {
                k[len('visual.'):]: v
                for k, v in state.items() if k.startswith('visual.')
            }
        result = self.visual.load_state_dict(state, strict=False)
        self._check_keys(result.missing_keys, result.unexpected_keys)
