"""CLIP text and image teachers built with open_clip.

open_clip is imported when a teacher is built (or its config checked), not
when this module is (see :mod:`.open_clip_weights`).
"""
import logging
import os.path as osp
import random
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.logging import print_log

from recon3d.registry import TEACHERS
from .base import (IMAGENET_MEAN, IMAGENET_STD, BaseTeacher,
                   load_weights_file, preprocess_images)
from .open_clip_weights import (OPENAI_FORMAT_KEYS, base_model_name,
                                check_model_name, create_open_clip,
                                import_open_clip, is_openai_format,
                                normalize_model_name, quick_gelu_tags,
                                resolve_open_clip_weights)

__all__ = [
    'OpenCLIPTextTeacher', 'OpenCLIPImageTeacher', 'PROMPT_PREFIXES',
    'PROMPT_SUFFIXES', 'draw_prompt_indices'
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


def draw_prompt_indices(num_templates: int, num_suffixes: int,
                        num: int) -> List[int]:
    """Random prompt indices, drawn as ReCon draws its prompts.

    Per sample, Python's ``random.choice`` picks a prefix, then a suffix
    (mmengine seeds ``random``). The live text teacher and its cache both
    call this function, so they consume the same random numbers.

    Args:
        num_templates (int): T prefixes.
        num_suffixes (int): S suffixes.
        num (int): Number of samples.

    Returns:
        list[int]: ``prefix + T * suffix`` per sample, in 0..T·S-1.
    """
    prefixes, suffixes = range(num_templates), range(num_suffixes)
    return [
        random.choice(prefixes) + num_templates * random.choice(suffixes)
        for _ in range(num)
    ]


class _OpenCLIPTeacher(BaseTeacher):
    """What the open_clip teachers share: weights, QuickGELU, checks."""

    def _setup(self, model_name: str, pretrained: Optional[str],
               download: bool) -> Tuple[str, bool, Optional[dict]]:
        """Resolve and read the weights; decide QuickGELU.

        Returns:
            tuple: The normalized model name, whether to force QuickGELU,
            and the weights (None for random weights).
        """
        model_name = normalize_model_name(model_name)
        check_model_name(model_name)
        weights_file, quick = resolve_open_clip_weights(
            model_name, pretrained, download)
        name = f'{type(self).__name__}({model_name})'
        BaseTeacher.__init__(self, weights_file, name=name)
        self.model_name = model_name
        self.pretrained = pretrained
        state = None
        if weights_file is not None:
            state = load_weights_file(weights_file)
            quick = quick or is_openai_format(weights_file, state)
        model_quick = import_open_clip().get_model_config(model_name).get(
            'quick_gelu', False)
        fix = f"model_name='{base_model_name(model_name)}-quickgelu'"
        if quick and not model_quick:
            print_log(
                f'{name}: {weights_file} holds CLIP weights trained with '
                'QuickGELU (OpenAI format, or a file of a tag open_clip '
                f'marks so): building {model_name} with QuickGELU, as {fix} '
                'would.',
                logger='current',
                level=logging.WARNING)
        elif weights_file is not None and not model_quick and \
                weights_file == osp.expanduser(pretrained):
            tags = sorted(quick_gelu_tags(model_name))
            if tags:
                print_log(
                    f'{name}: {weights_file} is used with GELU. If these are '
                    f'the weights of one of the tags {tags} (trained with '
                    f'QuickGELU), set {fix}: with GELU their features '
                    'differ.',
                    logger='current',
                    level=logging.WARNING)
        return model_name, quick and not model_quick, state

    @classmethod
    def find_weights(cls,
                     cfg: dict,
                     probe_only: bool = False) -> Optional[str]:
        """A file, or an open_clip tag's file (see
        :func:`resolve_open_clip_weights`)."""
        model_name = normalize_model_name(cfg.get('model_name', 'ViT-B-32'))
        return resolve_open_clip_weights(model_name, cfg.get('pretrained'),
                                         cfg.get('download', False),
                                         probe_only)[0]

    @classmethod
    def check_config(cls, cfg: dict) -> List[str]:
        """An unknown model name, or weights that are neither a file nor a
        cached (or, with ``download=True``, downloadable) tag."""
        try:
            check_model_name(
                normalize_model_name(cfg.get('model_name', 'ViT-B-32')))
        except ValueError as error:
            return [str(error)]
        return super().check_config(cfg)


@TEACHERS.register_module()
class OpenCLIPTextTeacher(_OpenCLIPTeacher):
    """Frozen CLIP text tower with ReCon's random prompts.

    Each forward turns every category description into a prompt with a
    random prefix and a random suffix (:func:`draw_prompt_indices`),
    tokenizes it with the model's open_clip tokenizer and returns
    ``ln_final(x)[EOT] @ text_projection``, the output of open_clip's
    ``encode_text(normalize=False)``: **not** L2-normalized, as in ReCon.
    Only the text tower is kept.

    Weights (``pretrained``): a local file (full open_clip checkpoint,
    text-tower-only one, or OpenAI's file: TorchScript archive or state
    dict), an open_clip tag of ``model_name`` such as ``'openai'`` (taken
    from the Hugging Face cache; downloaded only with ``download=True``),
    or None for random weights. CLIP weights trained with QuickGELU
    (OpenAI-format files, tags open_clip marks so) switch QuickGELU on,
    with a log line, when ``model_name`` is not a ``*-quickgelu`` one.
    ``model_name='recon3d-tiny-clip', pretrained=None`` gives a tiny random
    model for tests and demos.

    Args:
        model_name (str): open_clip architecture (``'ViT-B/32'`` is read as
            ``'ViT-B-32'``). Defaults to ``'ViT-B-32'``
            (ReCon's text teacher).
        pretrained (str, optional): Local file, open_clip tag, or None for
            random weights. Defaults to None.
        download (bool): Download a tag's weights that are not cached.
            Defaults to False.
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

    modality = 'text'

    def __init__(self,
                 model_name: str = 'ViT-B-32',
                 pretrained: Optional[str] = None,
                 download: bool = False,
                 context_length: Optional[int] = None,
                 templates: Sequence[str] = PROMPT_PREFIXES,
                 suffixes: Sequence[str] = PROMPT_SUFFIXES,
                 random_prompt: bool = True) -> None:
        model_name, quick_gelu, state = self._setup(model_name, pretrained,
                                                    download)
        self.templates = tuple(templates)
        self.suffixes = tuple(suffixes)
        self.random_prompt = random_prompt
        clip = create_open_clip(model_name, quick_gelu, context_length)
        clip.visual = None
        del clip.logit_scale
        if isinstance(clip.logit_bias, torch.nn.Parameter):
            del clip.logit_bias
        self.clip = clip
        self.context_length = int(clip.context_length)
        self.tokenizer = import_open_clip().get_tokenizer(
            model_name, context_length=self.context_length)
        self.out_channels = int(
            import_open_clip().get_model_config(model_name)['embed_dim'])
        self.freeze(state)

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

    def prompt_indices(self, num: int) -> List[int]:
        """The prompt index of each of ``num`` samples in ``forward``:
        random ones (:func:`draw_prompt_indices`) if ``random_prompt``,
        else zeros (no random number drawn)."""
        if self.random_prompt:
            return draw_prompt_indices(
                len(self.templates), len(self.suffixes), num)
        return [0] * num

    def random_prompts(self, texts: Sequence[str]) -> List[str]:
        """One random prompt per description (prefix drawn first)."""
        indices = draw_prompt_indices(
            len(self.templates), len(self.suffixes), len(texts))
        return [self.prompt(t, i) for t, i in zip(texts, indices)]

    def encode_prompts(self, prompts: Sequence[str]) -> torch.Tensor:
        """Encode finished prompts, as they are.

        Args:
            prompts (Sequence[str]): B prompts.

        Returns:
            Tensor: [B, D] float32 features, not normalized, no gradient.
        """
        device = self.clip.token_embedding.weight.device
        tokens = self.tokenizer(list(prompts)).to(device)
        with torch.no_grad():
            return self.clip.encode_text(tokens, normalize=False).float()

    def encode(self, texts: Sequence[str]) -> torch.Tensor:
        """Features of B category descriptions (random prompts if
        ``random_prompt``): list of B str -> [B, D]."""
        if isinstance(texts, str):
            raise TypeError('expected a list of descriptions, got one str')
        indices = self.prompt_indices(len(texts))
        return self.encode_prompts(
            [self.prompt(t, i) for t, i in zip(texts, indices)])

    def load_pretrained_state(self, state: Dict[str, torch.Tensor]) -> None:
        """Load the text tower from an open_clip (or OpenAI) state dict;
        image tower, logit scale and causal mask (``attn_mask``, saved in
        TorchScript archives) entries are ignored."""
        ignored = ('visual.', 'logit_scale', 'logit_bias', 'attn_mask') + \
            OPENAI_FORMAT_KEYS
        state = {
            k[len('clip.'):] if k.startswith('clip.') else k: v
            for k, v in state.items() if not k.startswith(ignored)
        }
        pos_embed = state.get('positional_embedding')
        if pos_embed is not None and len(pos_embed) > self.context_length:
            # Causal attention: positions past the context never matter.
            state['positional_embedding'] = pos_embed[:self.context_length]
        result = self.clip.load_state_dict(state, strict=False)
        self._check_keys(result.missing_keys, result.unexpected_keys)


@TEACHERS.register_module()
class OpenCLIPImageTeacher(_OpenCLIPTeacher):
    """Frozen CLIP image tower: ``ln_post(CLS) @ proj``.

    The feature is open_clip's ``encode_image(normalize=False)``, not
    L2-normalized. Images come as [B, 3, H, W] RGB, uint8 or float on the
    0..255 scale; the teacher scales them to 0..1, resizes them (bicubic,
    antialiased) to the model's size when needed and normalizes them with
    ``mean``/``std``. Only the image tower is kept.

    Weights as for :class:`OpenCLIPTextTeacher` (a file, a tag, or None;
    QuickGELU switched on for weights trained with it); a file may also
    hold the image tower alone (``visual.`` keys or the tower's own keys).

    Args:
        model_name (str): open_clip architecture (``'ViT-B/32'`` is read as
            ``'ViT-B-32'``). Defaults to ``'ViT-B-32'``
            (ReCon's zero-shot image teacher).
        pretrained (str, optional): Local file, open_clip tag, or None for
            random weights. Defaults to None.
        download (bool): Download a tag's weights that are not cached.
            Defaults to False.
        mean (Sequence[float]): Per-channel mean on the 0..1 scale. Defaults
            to ImageNet's, which the official code uses for every teacher;
            CLIP's own are ``open_clip.OPENAI_DATASET_MEAN``.
        std (Sequence[float]): Per-channel std on the 0..1 scale. Defaults
            to ImageNet's; CLIP's own are ``open_clip.OPENAI_DATASET_STD``.
    """

    modality = 'img'

    def __init__(self,
                 model_name: str = 'ViT-B-32',
                 pretrained: Optional[str] = None,
                 download: bool = False,
                 mean: Sequence[float] = IMAGENET_MEAN,
                 std: Sequence[float] = IMAGENET_STD) -> None:
        model_name, quick_gelu, state = self._setup(model_name, pretrained,
                                                    download)
        clip = create_open_clip(model_name, quick_gelu)
        self.visual = clip.visual
        size = self.visual.image_size
        self.img_size = (size, size) if isinstance(size, int) else tuple(size)
        self.out_channels = int(
            import_open_clip().get_model_config(model_name)['embed_dim'])
        self.register_buffer(
            'mean', torch.tensor(mean, dtype=torch.float32), persistent=False)
        self.register_buffer(
            'std', torch.tensor(std, dtype=torch.float32), persistent=False)
        self.freeze(state)

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
