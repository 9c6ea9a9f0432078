"""Shape classification with a ReCon encoder (fine-tune / linear / mlp3)."""
import math
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel

from recon3d.registry import BACKBONES, HEADS, MODELS, NECKS
from recon3d.structures import ReConTokens, ReconDataSample
from ..utils import init_with_pretrained

#: Test-time augmentations of the official voting, per dataset.
VOTE_AUGS = ('none', 'scale', 'rotate_y')

#: Names of the parameters that train when the trunk is frozen: the
#: official rule "every parameter whose name contains 'cls'".
_TRAINABLE_WHEN_FROZEN = ('neck.cls_token', 'neck.cls_pos')


@MODELS.register_module()
class PointClassifier(BaseModel):
    """ReCon encoder + classification head (the official
    ``PointTransformer`` fine-tune model).

    ``points → backbone (unmasked local stream) → neck (global stream,
    no stop-gradient) → cls_head``. ``backbone`` and ``neck`` are named as
    in :class:`ReCon`, so a pretraining checkpoint loads without renaming
    (``init_cfg=dict(type='Pretrained', checkpoint=PATH)``; see
    :func:`recon3d.models.utils.load_pretrained`): the head keeps its init,
    the decoder and distillation heads of the file are ignored.

    Args:
        backbone (dict): e.g. ``PointTransformer``.
        neck (dict): ``ReConNeck``; ``stop_grad`` defaults to False here
            (no downstream model detaches the local tokens).
        cls_head (dict): ``ClsHead``; ``in_channels`` defaults to the
            backbone's width.
        data_preprocessor (dict, optional): Defaults to
            ``PointDataPreprocessor``.
        freeze_trunk (bool): The ``linear`` / ``mlp3`` protocols: only
            ``neck.cls_token``, ``neck.cls_pos`` and ``cls_head`` train
            (official: parameters whose name contains "cls"; the img/text
            tokens stay frozen). The model still runs in train mode, so
            BatchNorm statistics update and drop path is active, as
            officially. Defaults to False.
        test_cfg (dict, optional): Voting at test time (``test_step``
            only; validation never votes). Keys: ``votes`` (int, 0 = one
            plain pass, the default), ``fps_points`` (P of the FPS pool;
            defaults to the preprocessor's ``train_fps_points``, else its
            ``num_points``), ``aug`` (``'none'``, ``'scale'`` = per-axis
            scale per cloud (ModelNet), ``'rotate_y'`` = random rotation
            about y per cloud (PB_T50_RS)) and ``scale`` ((low, high),
            defaults to (2/3, 3/2)). See :meth:`vote_logits`.
        init_cfg (dict, optional): ``dict(type='Pretrained',
            checkpoint=PATH)`` loads a recon3d checkpoint.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 cls_head: dict,
                 data_preprocessor: Optional[dict] = None,
                 freeze_trunk: bool = False,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='PointDataPreprocessor')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = BACKBONES.build(backbone)
        neck = dict(neck)
        neck.setdefault('stop_grad', False)
        self.neck = NECKS.build(neck)
        cls_head = dict(cls_head)
        cls_head.setdefault('in_channels', self.backbone.embed_dims)
        self.cls_head = HEADS.build(cls_head)
        self.freeze_trunk = freeze_trunk
        test_cfg = dict(test_cfg or {})
        unknown = set(test_cfg) - {'votes', 'fps_points', 'aug', 'scale'}
        if unknown:
            raise ValueError(f'unknown test_cfg keys {sorted(unknown)}')
        self.votes = int(test_cfg.get('votes') or 0)
        self.vote_fps_points = test_cfg.get('fps_points')
        self.vote_aug = test_cfg.get('aug') or 'none'
        if self.vote_aug not in VOTE_AUGS:
            raise ValueError(f'test_cfg.aug must be one of {VOTE_AUGS}, got '
                             f'{self.vote_aug!r}')
        self.vote_scale: Sequence[float] = tuple(
            test_cfg.get('scale', (2 / 3, 3 / 2)))
        if freeze_trunk:
            for name, param in self.named_parameters():
                param.requires_grad_(
                    name.startswith('cls_head.')
                    or name in _TRAINABLE_WHEN_FROZEN)

    def init_weights(self) -> None:
        """Each part's own init, then the ``Pretrained`` checkpoint if set.
        """
        init_with_pretrained(self, super().init_weights)

    def extract_feat(self, inputs: Dict[str, torch.Tensor]) -> ReConTokens:
        """``inputs['points']`` [B, N, C_in] -> :class:`ReConTokens`
        (cls/img/text [B, C], local [B, G, C])."""
        out = self.backbone(inputs['points'], mask=False)
        return self.neck(out.tokens, out.block_inputs)

    def forward(self,
                inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[ReconDataSample]] = None,
                mode: str = 'tensor'
                ) -> Union[torch.Tensor, Dict[str, torch.Tensor],
                           List[ReconDataSample]]:
        """``tensor``: logits [B, num_classes]; ``loss``: ``loss_cls``;
        ``predict``: data samples with ``pred_score`` and ``pred_label``.
        """
        if mode == 'tensor':
            return self.cls_head(self.extract_feat(inputs))
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}".')

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: List[ReconDataSample]) -> Dict[str, torch.Tensor]:
        """``inputs['points']`` [B, N, C_in]; ``data_samples`` with
        ``gt_label`` -> ``{'loss_cls': scalar}``."""
        return self.cls_head.loss(self.extract_feat(inputs), data_samples)

    def predict(self, inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[ReconDataSample]] = None
                ) -> List[ReconDataSample]:
        """Class scores (softmax) and labels of each cloud."""
        return self.cls_head.predict(self.extract_feat(inputs), data_samples)

    # ------------------------------------------------------------------
    # Voting (the official ``test_vote``)
    # ------------------------------------------------------------------
    def _vote_pool_size(self) -> Optional[int]:
        pre = self.data_preprocessor
        return (self.vote_fps_points or getattr(pre, 'train_fps_points', None)
                or getattr(pre, 'num_points', None))

    def test_step(self, data: Union[dict, tuple, list]) -> list:
        """Plain :meth:`predict` unless ``test_cfg.votes`` > 0; then the
        preprocessor takes the FPS pool of P points per cloud and
        :meth:`vote_logits` averages the logits of the votes."""
        if not self.votes:
            return super().test_step(data)
        data = self.data_preprocessor(
            data, False, eval_points=self._vote_pool_size())
        logits = self.vote_logits(data['inputs'])
        return self.cls_head.predict_logits(logits, data['data_samples'])

    def vote_augment(self, points: torch.Tensor) -> torch.Tensor:
        """The test-time augmentation ``test_cfg.aug`` of a batch, drawn
        per cloud: [B, N, C] -> [B, N, C] (normals in columns 3-5 rotate
        with xyz; scaling leaves them, as officially)."""
        if self.vote_aug == 'none':
            return points
        B = points.size(0)
        points = points.clone()
        if self.vote_aug == 'scale':
            low, high = self.vote_scale
            factor = torch.empty(B, 1, 3, device=points.device,
                                 dtype=points.dtype).uniform_(low, high)
            points[..., :3] = points[..., :3] * factor
            return points
        angle = torch.rand(B, device=points.device,
                           dtype=points.dtype) * (2 * math.pi)
        c, s = angle.cos(), angle.sin()
        zero, one = torch.zeros_like(c), torch.ones_like(c)
        # Row vectors, p <- p R, R = [[c, 0, s], [0, 1, 0], [-s, 0, c]].
        rot = torch.stack([
            torch.stack([c, zero, s], -1),
            torch.stack([zero, one, zero], -1),
            torch.stack([-s, zero, c], -1)
        ], 1)  # [B, 3, 3]
        points[..., :3] = points[..., :3] @ rot
        if points.size(-1) >= 6:
            points[..., 3:6] = points[..., 3:6] @ rot
        return points

    @torch.no_grad()
    def vote_logits(self, inputs: Dict[str, torch.Tensor],
                    votes: Optional[int] = None) -> torch.Tensor:
        """Mean logits over votes.

        Each vote draws one random ``num_points``-subset of the P pooled
        points (shared by the batch, as officially), applies
        :meth:`vote_augment` and classifies the whole batch.

        Args:
            inputs (dict): ``points`` [B, P, C], the FPS pool.
            votes (int, optional): Defaults to ``test_cfg.votes``.

        Returns:
            torch.Tensor: [B, num_classes].
        """
        votes = votes or self.votes or 1
        points = inputs['points']
        P = points.size(1)
        n = min(getattr(self.data_preprocessor, 'num_points', None) or P, P)
        total = None
        for _ in range(votes):
            keep = torch.randperm(P, device=points.device)[:n]
            sub = self.vote_augment(points[:, keep])
            logits = self(dict(inputs, points=sub), mode='tensor').float()
            total = logits if total is None else total + logits
        return total / votes
