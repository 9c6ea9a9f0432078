"""ReCon pretraining: masked point modelling + cross-modal distillation."""
from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel

from recon3d.registry import BACKBONES, HEADS, MODELS, NECKS
from recon3d.structures import ReConTokens, ReconDataSample
from ..utils import gather_groups, mask_indices
from ..teachers.builder import build_teacher
from ..utils.arch import arch_parts, link_parts


def svm_feature(tokens: ReConTokens) -> torch.Tensor:
    """The official linear-SVM feature.

    ``concat[max over the 3 global tokens, max-pool + mean-pool of the
    local tokens]``.

    Args:
        tokens (ReConTokens): Normalized encoder outputs.

    Returns:
        Tensor: [B, 2C].
    """
    local = tokens.local
    return torch.cat([
        tokens.global_tokens.amax(1),
        local.amax(1) + local.mean(1)
    ], dim=-1)


@MODELS.register_module()
class ReCon(BaseModel):
    """ReCon pretraining (*Contrast with Reconstruct*).

    ``points → backbone (masked local stream) → neck (ReCon-block global
    stream) → decoder → rec_head (loss_mdm)``; the img/text global tokens go
    through ``img_head``/``text_head`` to regress frozen teachers
    (``loss_csc_img``, ``loss_csc_text``); the cls token optionally feeds
    ``smc_head`` (``loss_smc``). A branch exists only when configured: with
    no teachers and no SMC this is the paper's "Point-MAE†" ablation.

    Without any global branch (no teacher, no SMC) the global stream still
    runs and gets zero gradients, as in the official model, where it shares
    the encoder's output tensor with the local tokens: AdamW then keeps
    decaying its weights.

    Teachers run under ``no_grad`` in eval mode and are never saved in
    checkpoints (see :class:`BaseTeacher`; loading a checkpoint without them
    is not an error).

    Args:
        arch (str | dict): Encoder size, ``'tiny'``, ``'small'``,
            ``'base'`` or a dict (see
            :func:`~recon3d.models.utils.arch.resolve_arch`).
            The backbone and neck take their ``embed_dims``, ``depth``,
            ``num_heads``, ``mlp_ratio`` and ``drop_path_rate`` from it, the
            decoder the same but ``depth`` and ``num_heads`` (its own
            settings; ``num_heads`` defaults to the arch's), the heads their
            ``in_channels``; ``rec_head.group_size`` follows the backbone's.
            A part that sets a shared key must agree. Defaults to
            ``'base'``.
        backbone (dict): e.g. ``PointTransformer``.
        neck (dict): e.g. ``ReConNeck`` with ``stop_grad=True``.
        decoder (dict): e.g. ``PointMAEDecoder``.
        rec_head (dict): e.g. ``ReconstructionHead``.
        img_teacher (dict, optional): Image teacher; needs ``img_head``.
        img_head (dict, optional): ``DistillHead``; ``out_channels``
            defaults to the teacher's width.
        text_teacher (dict, optional): Text teacher; needs ``text_head``.
        text_head (dict, optional): As ``img_head``.
        smc_head (dict, optional): ``ContrastiveHead`` (uses category texts).
        data_preprocessor (dict, optional): Defaults to
            ``PointDataPreprocessor``.
        teacher_seed (int, optional): Seed of the teachers' random init
            (:func:`~recon3d.models.teachers.build_teacher`): teachers with
            random weights are then the networks the teacher caches and the
            zero-shot model build. Defaults to 0.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 decoder: dict,
                 rec_head: dict,
                 img_teacher: Optional[dict] = None,
                 img_head: Optional[dict] = None,
                 text_teacher: Optional[dict] = None,
                 text_head: Optional[dict] = None,
                 smc_head: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 arch: Union[str, dict] = 'base',
                 teacher_seed: Optional[int] = 0) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='PointDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor)
        self.arch, cfgs = arch_parts(
            type(self).__name__, arch, backbone=backbone, neck=neck,
            decoder=decoder, rec_head=rec_head, img_head=img_head,
            text_head=text_head, smc_head=smc_head)
        self.backbone = BACKBONES.build(cfgs['backbone'])
        self.neck = NECKS.build(cfgs['neck'])
        self.decoder = NECKS.build(cfgs['decoder'])
        group_size = self.backbone.group_size
        rec_head = link_parts(
            type(self).__name__,
            dict(group_size=(group_size,
                             f'backbone.group_size={group_size!r}')),
            dict(rec_head=cfgs['rec_head']),
            dict(rec_head=dict(group_size='group_size')))['rec_head']
        self.rec_head = HEADS.build(rec_head)
        branches = dict(
            img=(img_teacher, cfgs['img_head']),
            text=(text_teacher, cfgs['text_head']))
        for modality, (teacher_cfg, head_cfg) in branches.items():
            if (teacher_cfg is None) != (head_cfg is None):
                raise ValueError(f'{modality}_teacher and {modality}_head '
                                 'must be given together')
            if teacher_cfg is None:
                setattr(self, f'{modality}_teacher', None)
                setattr(self, f'{modality}_head', None)
                continue
            teacher = build_teacher(teacher_cfg, teacher_seed)
            head_cfg = dict(head_cfg)
            head_cfg.setdefault('out_channels', teacher.out_channels)
            head_cfg.setdefault('modality', modality)
            if head_cfg['out_channels'] != teacher.out_channels:
                raise ValueError(
                    f"{modality}_head.out_channels={head_cfg['out_channels']}"
                    f' but the {modality} teacher gives '
                    f'{teacher.out_channels} channels')
            setattr(self, f'{modality}_teacher', teacher)
            setattr(self, f'{modality}_head', HEADS.build(head_cfg))
        self.smc_head = HEADS.build(cfgs['smc_head']) if smc_head else None

    def extract_feat(self, inputs: Dict[str, torch.Tensor]) -> ReConTokens:
        """Encode unmasked clouds: ``inputs['points']`` [B, N, C_in] ->
        :class:`ReConTokens` (cls/img/text [B, C], local [B, G, C])."""
        out = self.backbone(inputs['points'], mask=False)
        return self.neck(out.tokens, out.block_inputs)

    def forward(self,
                inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[ReconDataSample]] = None,
                mode: str = 'tensor'
                ) -> Union[ReConTokens, Dict[str, torch.Tensor],
                           List[ReconDataSample]]:
        """``tensor``: :class:`ReConTokens`; ``loss``: dict of losses;
        ``predict``: data samples with ``feats`` = the SVM feature [2C]."""
        if mode == 'tensor':
            return self.extract_feat(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}".')

    def loss(self, inputs: Dict[str, torch.Tensor],
             data_samples: Optional[List[ReconDataSample]] = None,
             mask: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """Pretraining losses.

        Args:
            inputs (dict): ``points`` [B, N, C_in]; ``img`` uint8
                [B, 3, H, W] if an image teacher is set; ``text`` list of B
                category strings if a text teacher or SMC is set.
            data_samples (list, optional): Unused.
            mask (BoolTensor, optional): [B, G] fixed mask (True = masked);
                drawn by the backbone when None.

        Returns:
            dict: ``loss_mdm`` and, when configured, ``loss_csc_img``,
            ``loss_csc_text``, ``loss_smc``.
        """
        out = self.backbone(inputs['points'],
                            mask=True if mask is None else mask)
        tokens = self.neck(out.tokens, out.block_inputs)
        pred = self.decoder(tokens.local, out.center, out.mask)
        G, M = out.center.size(1), pred.size(1)
        _, masked = mask_indices(out.mask, G - M)
        target = gather_groups(out.neighborhood, masked)  # [B, M, K, 3]
        losses = self.rec_head.loss(pred, target)
        if self.img_teacher is not None:
            target = self.img_teacher(inputs['img'])
            losses.update(self.img_head.loss(tokens.img, target))
        if self.text_teacher is not None:
            target = self.text_teacher(inputs['text'])
            losses.update(self.text_head.loss(tokens.text, target))
        if self.smc_head is not None:
            losses.update(self.smc_head.loss(tokens.cls, inputs['text']))
        if (self.img_head is None and self.text_head is None
                and self.smc_head is None):
            # No loss reads the global tokens. Officially they share the
            # encoder's output tensor with the local tokens, so the global
            # stream gets zero gradients (not none) and AdamW still decays
            # it: the same here.
            losses['loss_mdm'] = (
                losses['loss_mdm'] + (tokens.global_tokens * 0).sum())
        return losses

    def predict(self, inputs: Dict[str, torch.Tensor],
                data_samples: Optional[List[ReconDataSample]] = None
                ) -> List[ReconDataSample]:
        """Attach the SVM feature [2C] of each unmasked cloud as ``feats``."""
        feats = svm_feature(self.extract_feat(inputs))
        if data_samples is None:
            data_samples = [ReconDataSample() for _ in range(len(feats))]
        for sample, feat in zip(data_samples, feats):
            sample.set_feats(feat)
        return data_samples

    @torch.no_grad()
    def reconstruct(self, points: torch.Tensor,
                    mask: Optional[torch.Tensor] = None
                    ) -> Dict[str, torch.Tensor]:
        """Masked reconstruction in absolute coordinates, for pictures.

        Args:
            points (Tensor): [B, N, C_in].
            mask (BoolTensor, optional): [B, G]; drawn when None.

        Returns:
            dict: ``visible`` [B, V·K, 3] the input's visible groups,
            ``pred`` [B, M·K, 3] the predicted masked groups and ``target``
            [B, M·K, 3] the true masked groups, plus ``mask`` [B, G].
        """
        out = self.backbone(points, mask=True if mask is None else mask)
        tokens = self.neck(out.tokens, out.block_inputs)
        pred = self.rec_head(self.decoder(tokens.local, out.center, out.mask))
        B, G = out.center.shape[:2]
        visible, masked = mask_indices(out.mask, G - pred.size(1))
        groups = out.neighborhood + out.center.unsqueeze(2)
        masked_center = gather_groups(out.center, masked).unsqueeze(2)
        return dict(
            visible=gather_groups(groups, visible).reshape(B, -1, 3),
            pred=(pred + masked_center).reshape(B, -1, 3),
            target=gather_groups(groups, masked).reshape(B, -1, 3),
            mask=out.mask)
