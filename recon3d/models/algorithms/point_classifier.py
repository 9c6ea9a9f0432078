"""Shape classification with a ReCon encoder (fine-tune / linear / mlp3)."""
from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel

from recon3d.registry import BACKBONES, HEADS, MODELS, NECKS
from recon3d.structures import ReConTokens, ReconDataSample
from ..utils import init_with_pretrained
from ..utils.arch import arch_parts

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

    The official voting wraps this model in
    :class:`~recon3d.models.tta.PointClassifierTTA` (a config's
    ``tta_model``; ``tools/test.py --votes N``).

    Args:
        arch (str | dict): Encoder size, ``'tiny'``, ``'small'``,
            ``'base'`` or a dict (see
            :func:`~recon3d.models.utils.arch.resolve_arch`).
            The backbone and neck take their ``embed_dims``, ``depth``,
            ``num_heads`` and ``mlp_ratio`` from it, the head its
            ``in_channels``; a part that sets one of these must agree.
            Defaults to ``'base'``.
        backbone (dict): e.g. ``PointTransformer``.
        neck (dict): ``ReConNeck``; ``stop_grad`` defaults to False here
            (no downstream model detaches the local tokens).
        cls_head (dict): ``ClsHead``.
        data_preprocessor (dict, optional): Defaults to
            ``PointDataPreprocessor``.
        freeze_trunk (bool): The ``linear`` / ``mlp3`` protocols: only
            ``neck.cls_token``, ``neck.cls_pos`` and ``cls_head`` train
            (official: parameters whose name contains "cls"; the img/text
            tokens stay frozen). The model still runs in train mode, so
            BatchNorm statistics update and drop path is active, as
            officially. Defaults to False.
        init_cfg (dict, optional): ``dict(type='Pretrained',
            checkpoint=PATH)`` loads a recon3d checkpoint.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 cls_head: dict,
                 data_preprocessor: Optional[dict] = None,
                 freeze_trunk: bool = False,
                 init_cfg: Optional[dict] = None,
                 arch: Union[str, dict] = 'base') -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='PointDataPreprocessor')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.arch, cfgs = arch_parts(
            type(self).__name__, arch, backbone=backbone, neck=neck,
            cls_head=cls_head)
        self.backbone = BACKBONES.build(cfgs['backbone'])
        cfgs['neck'].setdefault('stop_grad', False)
        self.neck = NECKS.build(cfgs['neck'])
        self.cls_head = HEADS.build(cfgs['cls_head'])
        self.freeze_trunk = freeze_trunk
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
