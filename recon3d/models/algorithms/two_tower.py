"""The two-tower ablation of the ReCon paper: reconstruction and
cross-modal distillation in two separate transformers instead of the
ReCon-block's two streams."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.model.weight_init import trunc_normal_

from recon3d.registry import BACKBONES, HEADS, MODELS, NECKS
from recon3d.structures import ReConTokens, ReconDataSample
from ..utils import group_points, init_with_pretrained
from ..utils.arch import arch_parts
from .recon import ReCon

#: Feature streams of the fine-tuned two-tower classifier.
STREAMS = ('ALL', 'MDM', 'CMC')


@MODELS.register_module()
class TwoTower(ReCon):
    """Two-tower pretraining (the paper's ablation; official
    ``models/TwoTower.py``).

    - ``backbone``: a plain Point-MAE tower (:class:`PlainPointTransformer`,
      pre-norm blocks, visible tokens only, no global tokens); its
      normalized visible tokens feed ``decoder`` and ``rec_head``
      (``loss_mdm``, Chamfer).
    - ``neck``: a separate distillation tower (:class:`DistillTower`): its
      own patch embedding and plain blocks over ALL groups (unmasked) with
      learned img and text tokens put first; those two normalized tokens go
      through ``img_head`` / ``text_head`` to regress the frozen teachers
      (``loss_csc_img``, ``loss_csc_text``, SmoothL1).

    The two towers share only the grouping (the distillation tower reads
    the reconstruction tower's groups). At least one teacher is required:
    unlike the ReCon-block's global stream, which shares the encoder's
    output and gets zero gradients without teachers (see
    :meth:`ReCon.loss`), a teacher-less distillation tower would be a
    separate network that nothing trains. The official code of this ablation
    does not run (its teachers lack ``forward_features``); this is the
    model its config describes, built from the registered parts.

    The SVM feature (:meth:`predict`) is ``concat[max(img, text),
    max-pool + mean-pool of the reconstruction tower's local tokens]``
    (2C), the ReCon feature with the two distilled tokens as the global
    tokens.

    Args:
        arch (str | dict): Size of both towers and the decoder.
        backbone (dict): ``PlainPointTransformer``.
        neck (dict): ``DistillTower``.
        decoder (dict), rec_head (dict), img_teacher, img_head,
        text_teacher, text_head (dict, optional), data_preprocessor (dict,
        optional): As :class:`ReCon` (no ``smc_head``).

    Raises:
        ValueError: With an ``smc_head``, or without any teacher (naming
            the ReCon configuration of masked modelling alone).
    """

    def __init__(self, **kwargs) -> None:
        if kwargs.get('smc_head') is not None:
            raise ValueError('TwoTower has no cls token, hence no smc_head')
        if (kwargs.get('img_teacher') is None
                and kwargs.get('text_teacher') is None):
            raise ValueError(
                'TwoTower needs img_teacher or text_teacher (the official '
                'ablation distils both): without one, no loss reads its '
                'distillation tower, which would stay untrained while its '
                'tokens make the SVM feature. For masked point modelling '
                'alone (the "Point-MAE†" ablation) pretrain ReCon '
                'without teachers: configs/recon/pretrain_demo.py with '
                '--cfg-options model.img_teacher=None model.img_head=None '
                'model.text_teacher=None model.text_head=None')
        super().__init__(**kwargs)

    def extract_feat(self, inputs: Dict[str, torch.Tensor]) -> ReConTokens:
        """Unmasked clouds -> :class:`ReConTokens` with the distilled img
        and text tokens, the local tokens of the reconstruction tower and
        ``cls`` = the element-wise max of img and text (there is no cls
        token)."""
        out = self.backbone(inputs['points'], mask=False)
        img, text = self.neck(out.neighborhood, out.center).unbind(1)
        return ReConTokens(torch.maximum(img, text), img, text, out.tokens)

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: Optional[List[ReconDataSample]] = None,
             mask: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """``loss_mdm`` + ``loss_csc_img`` + ``loss_csc_text`` (see
        :meth:`ReCon.loss` for the arguments)."""
        out = self.backbone(inputs['points'],
                            mask=True if mask is None else mask)
        pred = self.decoder(out.tokens, out.center, out.mask)
        B, M = pred.shape[:2]
        nb = out.neighborhood
        losses = self.rec_head.loss(
            pred, nb[out.mask].reshape(B, M, *nb.shape[2:]))
        img, text = self.neck(out.neighborhood, out.center).unbind(1)
        if self.img_teacher is not None:
            losses.update(
                self.img_head.loss(img, self.img_teacher(inputs['img'])))
        if self.text_teacher is not None:
            losses.update(
                self.text_head.loss(text, self.text_teacher(inputs['text'])))
        return losses

    @torch.no_grad()
    def reconstruct(self, points: torch.Tensor,
                    mask: Optional[torch.Tensor] = None
                    ) -> Dict[str, torch.Tensor]:
        """As :meth:`ReCon.reconstruct`, from the reconstruction tower."""
        out = self.backbone(points, mask=True if mask is None else mask)
        pred = self.rec_head(self.decoder(out.tokens, out.center, out.mask))
        B, K = points.size(0), out.neighborhood.size(2)
        groups = out.neighborhood + out.center.unsqueeze(2)
        return dict(
            visible=groups[~out.mask].reshape(B, -1, 3),
            pred=(pred + out.center[out.mask].reshape(B, -1, 1, 3)).reshape(
                B, -1, 3),
            target=groups[out.mask].reshape(B, -1, K, 3).reshape(B, -1, 3),
            mask=out.mask)


@MODELS.register_module()
class TwoTowerClassifier(BaseModel):
    """Classifier on a two-tower trunk (official
    ``PointTransformerTwoTower``), with a choice of feature stream.

    - ``'ALL'``: ``[cls, max-pool of the reconstruction tower's local
      tokens, img, text]`` (4C);
    - ``'MDM'``: ``[cls, max local]`` (2C): the reconstruction tower alone;
    - ``'CMC'``: ``[img, text]`` (2C): the distillation tower alone.

    ``cls`` is a learned token (and position) of this model, put before the
    reconstruction tower's local tokens; the pretrained towers do not have
    it. The official ``MDM``/``ALL`` paths take the local tokens as
    ``x[:, 3:]`` with one token put first (skipping two local tokens);
    here they are all the local tokens.

    The feature goes to :class:`ClsHead` as :class:`ReConTokens` (cls, img,
    text, local) with the unused stream's tokens set to zero, so the head
    has the ReCon layout; the zero columns of its first layer do not change
    the outputs (their gradients are zero).

    Args:
        arch (str | dict): Size of the towers.
        backbone (dict): ``PlainPointTransformer`` (the reconstruction
            tower; built for ``'ALL'`` and ``'MDM'``).
        neck (dict): ``DistillTower`` (built for ``'ALL'`` and ``'CMC'``).
        cls_head (dict): ``ClsHead``.
        stream (str): ``'ALL'``, ``'MDM'`` or ``'CMC'``. Defaults to
            ``'ALL'``.
        data_preprocessor (dict, optional): Defaults to
            ``PointDataPreprocessor``.
        init_cfg (dict, optional): ``Pretrained`` loads a :class:`TwoTower`
            checkpoint (``backbone.*``, ``neck.*``).
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 cls_head: dict,
                 stream: str = 'ALL',
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 arch: Union[str, dict] = 'base') -> None:
        if stream not in STREAMS:
            raise ValueError(f'stream must be one of {STREAMS}, got '
                             f'{stream!r}')
        if data_preprocessor is None:
            data_preprocessor = dict(type='PointDataPreprocessor')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.arch, cfgs = arch_parts(
            type(self).__name__, arch, backbone=backbone, neck=neck,
            cls_head=cls_head)
        self.stream = stream
        # The grouping is the reconstruction tower's (CMC builds it too,
        # and uses only its grouping sizes).
        self.backbone = BACKBONES.build(cfgs['backbone'])
        self.neck = NECKS.build(cfgs['neck']) if stream != 'MDM' else None
        self.cls_head = HEADS.build(cfgs['cls_head'])
        C = self.arch['embed_dims']
        self.cls_token = nn.Parameter(torch.zeros(1, 1, C))
        self.cls_pos = nn.Parameter(torch.zeros(1, 1, C))

    def init_weights(self) -> None:
        """Each part's init (cls token and position trunc-normal .02), then
        the ``Pretrained`` checkpoint if set."""

        def own_init():
            super(TwoTowerClassifier, self).init_weights()
            trunc_normal_(self.cls_token, std=.02)
            trunc_normal_(self.cls_pos, std=.02)

        init_with_pretrained(self, own_init)

    def extract_feat(self, inputs: Dict[str, torch.Tensor]) -> ReConTokens:
        """``inputs['points']`` [B, N, C_in] -> :class:`ReConTokens` of the
        stream (unused tokens are zeros)."""
        points = inputs['points']
        if self.stream == 'CMC':
            xyz = points[..., :3].contiguous()
            neighborhood, center = group_points(
                xyz, self.backbone.num_group, self.backbone.group_size)
            img, text = self.neck(neighborhood, center).unbind(1)
            zero = torch.zeros_like(img)
            return ReConTokens(zero, img, text, zero[:, None])
        out = self.backbone(points, mask=False,
                            prefix=(self.cls_token, self.cls_pos))
        cls = out.prefix[:, 0]
        if self.stream == 'MDM':
            zero = torch.zeros_like(cls)
            return ReConTokens(cls, zero, zero, out.tokens)
        img, text = self.neck(out.neighborhood, out.center).unbind(1)
        return ReConTokens(cls, img, text, out.tokens)

    def forward(self,
                inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[ReconDataSample]] = None,
                mode: str = 'tensor'
                ) -> Union[torch.Tensor, Dict[str, torch.Tensor],
                           List[ReconDataSample]]:
        """``tensor``: logits [B, n]; ``loss``: ``loss_cls``; ``predict``:
        data samples with ``pred_score`` and ``pred_label``."""
        tokens = self.extract_feat(inputs)
        if mode == 'tensor':
            return self.cls_head(tokens)
        if mode == 'loss':
            return self.cls_head.loss(tokens, data_samples)
        if mode == 'predict':
            return self.cls_head.predict(tokens, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}".')
