"""Part segmentation with a ReCon encoder (the official part-seg model)."""
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseModel

from recon3d.registry import BACKBONES, HEADS, MODELS, NECKS
from recon3d.structures import ReconDataSample
from ..heads.part_seg_head import PartSegFeatures
from ..utils import init_with_pretrained
from ..utils.arch import arch_parts


@MODELS.register_module()
class PartSegmentor(BaseModel):
    """ReCon encoder + part-segmentation head (the official
    ``segmentation/models/pt.py``).

    ``points → backbone (unmasked local stream; local tokens after the
    blocks ``out_indices``) → neck (global stream, no stop-gradient) →
    seg_head``. The head reads each fetched block's local tokens through
    the encoder's final LayerNorm (the neck's ``norm``), concatenated, and
    the element-wise max over the last block's three global tokens *without*
    that LayerNorm, as officially; see :class:`PartSegHead`. The category of
    each shape (``gt_label`` of its data sample) is an input of the head,
    in training and in prediction.

    ``backbone``, ``neck`` and ``seg_head`` are named so that a pretraining
    checkpoint (or any recon3d checkpoint with that trunk) loads its trunk
    without renaming (``init_cfg=dict(type='Pretrained', checkpoint=PATH)``),
    and a converted official part-seg checkpoint (converter kind
    ``partseg``) loads strictly.

    Args:
        arch (str | dict): Encoder size (see
            :func:`~recon3d.models.utils.arch.resolve_arch`); the backbone
            and neck take their sizes from it, the head its
            ``in_channels``. Defaults to ``'base'``.
        backbone (dict): ``PointTransformer`` (official: 128 groups of 32,
            drop path 0.1).
        neck (dict): ``ReConNeck``; ``stop_grad`` defaults to False.
        seg_head (dict): ``PartSegHead``; ``num_levels`` follows
            ``out_indices``.
        out_indices (Sequence[int], optional): Blocks whose local tokens
            the head reads. Defaults to the official spacing for the arch's
            depth d: blocks ``d//3 - 1``, ``2d//3 - 1`` and ``d - 1``
            (0-based), i.e. (3, 7, 11) for d = 12 (blocks 4, 8 and 12), and
            one block read three times for d = 1.
        data_preprocessor (dict, optional): Defaults to
            ``PointDataPreprocessor``.
        init_cfg (dict, optional): ``dict(type='Pretrained',
            checkpoint=PATH)`` loads a recon3d checkpoint.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 seg_head: dict,
                 out_indices: Optional[Sequence[int]] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 arch: Union[str, dict] = 'base') -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='PointDataPreprocessor')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.arch, cfgs = arch_parts(
            type(self).__name__, arch, backbone=backbone, neck=neck,
            seg_head=seg_head)
        if out_indices is None:
            depth = cfgs['backbone']['depth']
            out_indices = [max(depth * k // 3 - 1, 0) for k in (1, 2, 3)]
        self.out_indices = tuple(int(i) for i in out_indices)
        cfgs['backbone']['out_indices'] = self.out_indices
        self.backbone = BACKBONES.build(cfgs['backbone'])
        cfgs['neck'].setdefault('stop_grad', False)
        self.neck = NECKS.build(cfgs['neck'])
        cfgs['seg_head'].setdefault('num_levels', len(self.out_indices))
        self.seg_head = HEADS.build(cfgs['seg_head'])
        if self.seg_head.num_levels != len(self.out_indices):
            raise ValueError(
                f'seg_head.num_levels={self.seg_head.num_levels} but '
                f'out_indices={self.out_indices} fetch '
                f'{len(self.out_indices)} blocks')

    def init_weights(self) -> None:
        """Each part's own init, then the ``Pretrained`` checkpoint if set.
        """
        init_with_pretrained(self, super().init_weights)

    def extract_feat(self, inputs: Dict[str, torch.Tensor]
                     ) -> PartSegFeatures:
        """``inputs['points']`` [B, N, C_in] -> :class:`PartSegFeatures`."""
        points = inputs['points']
        out = self.backbone(points, mask=False)
        glob = self.neck.global_stream(out.block_inputs)  # [B, 3, C]
        local = torch.cat([self.neck.norm(x) for x in out.block_outputs],
                          dim=-1)
        return PartSegFeatures(points[..., :3], out.center, local,
                               glob.amax(1))

    def forward(self,
                inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[ReconDataSample]] = None,
                mode: str = 'tensor'
                ) -> Union[torch.Tensor, Dict[str, torch.Tensor],
                           List[ReconDataSample]]:
        """``tensor``: part log-probabilities [B, N, P]; ``loss``:
        ``loss_seg``; ``predict``: data samples with ``pred_part`` and
        ``pred_part_score``. Every mode needs data samples with
        ``gt_label`` (the categories)."""
        if mode == 'tensor':
            category = self.seg_head._categories(data_samples,
                                                 inputs['points'].device)
            return self.seg_head(self.extract_feat(inputs), category)
        if mode == 'loss':
            return self.seg_head.loss(self.extract_feat(inputs), data_samples)
        if mode == 'predict':
            return self.seg_head.predict(
                self.extract_feat(inputs), data_samples)
        raise RuntimeError(f'Invalid mode "{mode}".')
