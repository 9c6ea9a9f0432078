"""The ReCon encoder alone: features for the SVM protocol and embeddings."""
from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel

from recon3d.registry import BACKBONES, MODELS, NECKS
from recon3d.structures import ReConTokens, ReconDataSample
from ..utils.arch import arch_parts
from .recon import svm_feature


@MODELS.register_module()
class PointEncoder(BaseModel):
    """The trunk of every ReCon model, without heads (the official
    ``PointTransformerSVM``).

    ``points → backbone (unmasked) → neck (no stop-gradient)``. ``predict``
    attaches the official linear-SVM feature, ``concat[max over the 3
    global tokens, max-pool + mean-pool of the local tokens]`` [2C], as
    ``feats``, which ``SVMAccuracy`` reads. Parts are named as in
    :class:`ReCon`, so any ReCon or downstream checkpoint loads (only its
    ``backbone.*`` and ``neck.*`` are used).

    Args:
        backbone (dict): e.g. ``PointTransformer``.
        neck (dict): ``ReConNeck``; ``stop_grad`` defaults to False.
        data_preprocessor (dict, optional): Defaults to
            ``PointDataPreprocessor``.
        init_cfg (dict, optional): e.g. ``dict(type='Pretrained',
            checkpoint=PATH)``.
        arch (str | dict): Encoder size (see
            :func:`~recon3d.models.utils.arch.resolve_arch`); backbone and
            neck take their widths from it. Defaults to ``'base'``.
    """

    #: The parts of a checkpoint this model reads (a pretraining file's
    #: decoder and other heads are left, not unexpected).
    checkpoint_reads = ('backbone.', 'neck.')

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 arch: Union[str, dict] = 'base') -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='PointDataPreprocessor')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.arch, cfgs = arch_parts(
            type(self).__name__, arch, backbone=backbone, neck=neck)
        self.backbone = BACKBONES.build(cfgs['backbone'])
        cfgs['neck'].setdefault('stop_grad', False)
        self.neck = NECKS.build(cfgs['neck'])

    def extract_feat(self, inputs: Dict[str, torch.Tensor]) -> ReConTokens:
        """``inputs['points']`` [B, N, C_in] -> :class:`ReConTokens`
        (cls/img/text [B, C], local [B, G, C])."""
        out = self.backbone(inputs['points'], mask=False)
        return self.neck(out.tokens, out.block_inputs)

    def forward(self,
                inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[ReconDataSample]] = None,
                mode: str = 'tensor'
                ) -> Union[ReConTokens, List[ReconDataSample]]:
        """``tensor``: :class:`ReConTokens`; ``predict``: data samples with
        ``feats`` = the SVM feature [2C]. There is no ``loss``."""
        if mode == 'tensor':
            return self.extract_feat(inputs)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'loss':
            raise RuntimeError('PointEncoder has no loss: it evaluates '
                               'frozen features (tools/test.py)')
        raise RuntimeError(f'Invalid mode "{mode}".')

    def predict(self, inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[ReconDataSample]] = None
                ) -> List[ReconDataSample]:
        """Attach the SVM feature [2C] of each cloud as ``feats``."""
        feats = svm_feature(self.extract_feat(inputs))
        if data_samples is None:
            data_samples = [ReconDataSample() for _ in range(len(feats))]
        for sample, feat in zip(data_samples, feats):
            sample.set_feats(feat)
        return data_samples
