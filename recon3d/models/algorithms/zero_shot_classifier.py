"""Zero-shot classification with a ReCon encoder and a CLIP text tower."""
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from recon3d.ops import farthest_point_sample, index_points
from recon3d.registry import BACKBONES, HEADS, MODELS, NECKS
from recon3d.structures import ReConTokens, ReconDataSample
from ..teachers.builder import build_teacher
from ..utils.arch import arch_parts

#: Point features: ``full`` = ratio·text + image, or one projection alone.
FEATURE_TYPES = ('full', 'text', 'image')
#: Prompts encoded by the text teacher per call.
_PROMPT_BATCH = 256
TEACHER_HINT = (
    'zero-shot needs the text tower of the CLIP model that taught the '
    'checkpoint (the official zero-shot checkpoint: ViT-B-32 with OpenAI '
    "weights). Give a local copy of that CLIP's weights, e.g. "
    'open_clip_pytorch_model.bin of huggingface.co/timm/'
    'vit_base_patch32_clip_224.openai: --cfg-options '
    'model.text_teacher.pretrained=PATH (API: init_model(..., '
    'teacher=PATH)); see docs/inference.md')


class ZeroShotTeacherError(RuntimeError):
    """The zero-shot text teacher cannot be built or loaded."""


def _teacher_error(err: Exception) -> ZeroShotTeacherError:
    return ZeroShotTeacherError(f'{err}\n{TEACHER_HINT}')


@MODELS.register_module()
class ZeroShotClassifier(BaseModel):
    """Zero-shot point-cloud classification (the official
    ``PointTransformerZeroShot``).

    ``points → backbone → neck (no stop-gradient)``; the img and text
    global tokens go through the pretraining projections ``img_head`` /
    ``text_head`` into the CLIP embedding space, where

    - the point feature is ``ratio · text_head(text) + img_head(img)``
      (``feature='full'``), or ``text_head(text)`` (``'text'``), or
      ``img_head(img)`` (``'image'``);
    - the embedding of a class is the **sum**, not normalized, of the text
      teacher's features of every prompt variant of its name (with the
      official 20 prefixes and 3 suffixes, 60 prompts ``prefix[j % 20] +
      name + suffix[j // 20]``), computed once per class list and kept;
    - the prediction is the class of highest cosine similarity.

    The parts are named as in :class:`ReCon`, so a ReCon checkpoint (one
    pretrained with CLIP ViT-B/32 as the image teacher, so that both
    projections map to CLIP's space) loads without renaming; its decoder
    is not used. The teacher is never saved nor loaded from checkpoints.

    Class names come from :meth:`set_class_names` (``ZeroShotClassesHook``
    sets those of the evaluated dataset), or ``class_names``.
    ``prompt_names`` maps a class name to the text put in the prompts
    (e.g. ``{'night_stand': 'night stand'}``; the official ScanObjectNN
    prompts say ``'toile'`` for ``'toilet'``).

    Sampling in ``predict`` is the official one: farthest point sampling to
    ``min(fps_points, N)`` points, then one random ``num_points``-subset
    shared by the batch (no augmentation). Without ``fps_points``,
    deterministic FPS to ``num_points``; without ``num_points``, the points
    as they come.

    Args:
        backbone (dict): e.g. ``PointTransformer``.
        neck (dict): ``ReConNeck``; ``stop_grad`` defaults to False.
        text_teacher (dict): ``OpenCLIPTextTeacher`` of the CLIP model the
            checkpoint was distilled from (ViT-B/32, OpenAI weights).
        img_head (dict): ``DistillHead`` projecting the img token;
            ``out_channels`` defaults to the text teacher's width. Not built
            for ``feature='text'``.
        text_head (dict): As ``img_head``, for the text token; not built
            for ``feature='image'``.
        feature (str): ``'full'``, ``'text'`` or ``'image'``. Defaults to
            ``'full'``.
        ratio (float): Weight of the text projection in ``'full'``.
            Official: ModelNet10 0.2, ModelNet40 0.25, ScanObjectNN hardest
            0.05, OBJ_BG 0.1, OBJ_ONLY 0.15. Defaults to 0.25.
        num_points (int, optional): N of the sampling. Defaults to None.
        fps_points (int, optional): P of the sampling. Defaults to None.
        class_names (Sequence[str], optional): Class names, label order.
        prompt_names (Mapping[str, str], optional): Class name -> prompt
            text; names not listed are used as they are.
        teacher_seed (int, optional): Seed of the text teacher's random
            weights (``pretrained=None``, the tiny demo teacher). The
            teacher caches draw them after ``torch.manual_seed(seed)``
            (``use_teacher_cache(seed=0)``, as ``tools/demo.py``), so the
            same seed rebuilds the teacher the demo was pretrained with;
            the global random state is left as it was. None draws them
            from the global random state. Pretrained weights replace the
            random ones either way. Defaults to 0.
        data_preprocessor (dict, optional): Defaults to
            ``PointDataPreprocessor`` without sampling.
        init_cfg (dict, optional): Unused by default; checkpoints load with
            ``load_from`` / ``tools/test.py CONFIG CKPT``.
        arch (str | dict): Encoder size (see
            :func:`~recon3d.models.utils.arch.resolve_arch`); backbone and
            neck take their widths from it, the heads their
            ``in_channels``. Defaults to ``'base'``.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 text_teacher: dict,
                 img_head: Optional[dict] = dict(type='DistillHead'),
                 text_head: Optional[dict] = dict(type='DistillHead'),
                 feature: str = 'full',
                 ratio: float = 0.25,
                 num_points: Optional[int] = None,
                 fps_points: Optional[int] = None,
                 class_names: Optional[Sequence[str]] = None,
                 prompt_names: Optional[Mapping[str, str]] = None,
                 teacher_seed: Optional[int] = 0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 arch: Union[str, dict] = 'base') -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='PointDataPreprocessor')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if feature not in FEATURE_TYPES:
            raise ValueError(f'feature must be one of {FEATURE_TYPES}, got '
                             f'{feature!r}')
        if fps_points is not None and num_points is None:
            raise ValueError('fps_points needs num_points')
        self.feature = feature
        self.ratio = float(ratio)
        self.num_points = num_points
        self.fps_points = fps_points
        self.arch, cfgs = arch_parts(
            type(self).__name__, arch, backbone=backbone, neck=neck,
            img_head=img_head, text_head=text_head)
        self.backbone = BACKBONES.build(cfgs['backbone'])
        cfgs['neck'].setdefault('stop_grad', False)
        self.neck = NECKS.build(cfgs['neck'])
        try:
            self.text_teacher = build_teacher(text_teacher, teacher_seed)
        except (OSError, RuntimeError, KeyError, ValueError) as err:
            raise _teacher_error(err) from err
        width = self.text_teacher.out_channels
        uses = dict(img=feature in ('full', 'image'),
                    text=feature in ('full', 'text'))
        for modality in ('img', 'text'):
            head_cfg = cfgs[f'{modality}_head']
            if not uses[modality]:
                setattr(self, f'{modality}_head', None)
                continue
            if head_cfg is None:
                raise ValueError(f'feature={feature!r} needs {modality}_head')
            head_cfg = dict(head_cfg)
            head_cfg.setdefault('out_channels', width)
            head_cfg.setdefault('modality', modality)
            if head_cfg['out_channels'] != width:
                raise ValueError(
                    f"{modality}_head.out_channels={head_cfg['out_channels']}"
                    f' but the text teacher embeds into {width} channels: '
                    'zero-shot compares both in one space (use the CLIP '
                    'model that taught the checkpoint)')
            setattr(self, f'{modality}_head', HEADS.build(head_cfg))
        #: The parts of a checkpoint this model reads (a pretraining
        #: file's decoder and unused heads are left, not unexpected).
        self.checkpoint_reads = ('backbone.', 'neck.') + tuple(
            f'{m}_head.' for m in ('img', 'text') if uses[m])
        self.prompt_names = dict(prompt_names or {})
        self.class_names: Optional[Tuple[str, ...]] = None
        self._embeddings: Dict[Tuple[str, ...], torch.Tensor] = {}
        #: True when the config gave the names (a hook keeps them).
        self.fixed_class_names = class_names is not None
        if class_names is not None:
            self.set_class_names(class_names)

    # ------------------------------------------------------------ classes
    def set_class_names(self, class_names: Sequence[str]) -> None:
        """Set the classes to choose from (label order)."""
        names = tuple(str(n) for n in class_names)
        if not names:
            raise ValueError('zero-shot classification needs at least one '
                             'class name')
        self.class_names = names

    def prompt_texts(self, class_names: Sequence[str]) -> List[str]:
        """The text each class name puts in its prompts."""
        return [self.prompt_names.get(n, n) for n in class_names]

    @torch.no_grad()
    def class_embeddings(self,
                         class_names: Optional[Sequence[str]] = None
                         ) -> torch.Tensor:
        """Sum of the text teacher's features over every prompt variant.

        Computed once per class list (and prompt mapping) and kept.

        Args:
            class_names (Sequence[str], optional): Defaults to
                :attr:`class_names`.

        Returns:
            Tensor: [n, D] float32, not normalized, on the teacher's device.
        """
        if class_names is None:
            if self.class_names is None:
                raise RuntimeError(
                    'no class names: call set_class_names(), set '
                    'model.class_names, or add ZeroShotClassesHook to read '
                    "them from the dataset's metainfo")
            class_names = self.class_names
        texts = tuple(self.prompt_texts(class_names))
        device = next(self.backbone.parameters()).device
        cached = self._embeddings.get(texts)
        if cached is not None and cached.device == device:
            return cached
        teacher = self.text_teacher
        num = teacher.num_prompts
        prompts = [
            teacher.prompt(text, j) for text in texts for j in range(num)
        ]
        feats = torch.cat([
            teacher.encode_prompts(prompts[i:i + _PROMPT_BATCH])
            for i in range(0, len(prompts), _PROMPT_BATCH)
        ])  # [n · num, D]
        embeddings = feats.reshape(len(texts), num, -1).sum(1).to(device)
        self._embeddings[texts] = embeddings
        return embeddings

    # ----------------------------------------------------------- features
    def sample_points(self, points: torch.Tensor) -> torch.Tensor:
        """The official zero-shot sampling (see the class docstring):
        [B, N, C] -> [B, num_points, C]."""
        if self.num_points is None:
            return points
        N = points.size(1)
        pool = min(self.fps_points or self.num_points, N)
        if self.num_points > pool:
            raise ValueError(f'cannot sample {self.num_points} points from '
                             f'clouds of {N}')
        if pool < N:
            idx = farthest_point_sample(points[..., :3].contiguous(), pool)
            points = index_points(points, idx)
        if self.num_points < pool:
            keep = torch.randperm(pool, device=points.device)
            points = points[:, keep[:self.num_points]]
        return points

    def extract_feat(self, inputs: Dict[str, torch.Tensor]) -> ReConTokens:
        """``inputs['points']`` [B, N, C_in] (already sampled) ->
        :class:`ReConTokens`."""
        out = self.backbone(inputs['points'], mask=False)
        return self.neck(out.tokens, out.block_inputs)

    def point_features(self, tokens: ReConTokens) -> torch.Tensor:
        """The point feature in CLIP's space: [B, D]."""
        if self.feature == 'text':
            return self.text_head(tokens.text)
        if self.feature == 'image':
            return self.img_head(tokens.img)
        return self.ratio * self.text_head(tokens.text) + self.img_head(
            tokens.img)

    def forward(self,
                inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[ReconDataSample]] = None,
                mode: str = 'tensor'
                ) -> Union[torch.Tensor, List[ReconDataSample]]:
        """``tensor``: point features [B, D] (points as given);
        ``predict``: data samples with ``pred_score`` (cosine similarity
        to each class, [n]) and ``pred_label``. There is no ``loss``."""
        if mode == 'tensor':
            return self.point_features(self.extract_feat(inputs))
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'loss':
            raise RuntimeError(
                'ZeroShotClassifier does not train: evaluate it with '
                'tools/test.py (pretrain with configs/recon/'
                'pretrain_zeroshot.py)')
        raise RuntimeError(f'Invalid mode "{mode}".')

    def similarity(self, feats: torch.Tensor,
                   class_names: Optional[Sequence[str]] = None
                   ) -> torch.Tensor:
        """Cosine similarity of point features [B, D] to each class: [B, n].
        """
        emb = self.class_embeddings(class_names).to(feats)
        return F.cosine_similarity(feats[:, None], emb[None], dim=-1)

    @torch.no_grad()
    def predict(self, inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[ReconDataSample]] = None,
                class_names: Optional[Sequence[str]] = None
                ) -> List[ReconDataSample]:
        """Sample, encode, compare to the class embeddings.

        Args:
            inputs (dict): ``points`` [B, N, C_in].
            data_samples (list, optional): Filled in; created when None.
            class_names (Sequence[str], optional): Defaults to
                :attr:`class_names`.

        Returns:
            list[ReconDataSample]: with ``pred_score`` [n] (cosine
            similarities), ``pred_label`` [1] and ``feats`` [D].
        """
        points = self.sample_points(inputs['points'])
        feats = self(dict(inputs, points=points), mode='tensor')
        scores = self.similarity(feats.float(), class_names)
        labels = scores.argmax(-1)
        if data_samples is None:
            data_samples = [ReconDataSample() for _ in range(len(feats))]
        for sample, score, label, feat in zip(data_samples, scores, labels,
                                              feats):
            sample.set_pred_score(score)
            sample.set_pred_label(label)
            sample.set_feats(feat)
        return data_samples
