from typing import Dict, Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from recon3d.registry import HEADS, LOSSES


@HEADS.register_module()
class DistillHead(BaseModule):
    """Cross-modal distillation: ``proj`` Linear(C → D) of a global token
    regresses a frozen teacher's feature.

    Args:
        in_channels (int): C.
        out_channels (int): D, the teacher's feature width.
        modality (str): Names the loss ``loss_csc_<modality>``
            (``'img'`` or ``'text'``).
        loss (dict): Loss config. Defaults to ``SmoothL1Loss``.
        init_cfg (dict, optional): mmengine init config. The default is the
            official Normal(mean .02, std .01) weights, zero bias.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 modality: str,
                 loss: dict = dict(type='SmoothL1Loss'),
                 init_cfg: Optional[dict] = dict(
                     type='Normal', layer='Linear', mean=0.02, std=0.01,
                     bias=0.)) -> None:
        super().__init__(init_cfg=init_cfg)
        self.modality = modality
        self.proj = nn.Linear(in_channels, out_channels)
        self.loss_module = LOSSES.build(loss)

    def forward(self, token: torch.Tensor) -> torch.Tensor:
        """``token`` [B, C] -> [B, D]."""
        return self.proj(token)

    def loss(self, token: torch.Tensor,
             target: torch.Tensor) -> Dict[str, torch.Tensor]:
        """``token`` [B, C], teacher ``target`` [B, D] ->
        ``{'loss_csc_<modality>': scalar}``."""
        if target.shape[-1] != self.proj.out_features:
            raise ValueError(
                f'teacher feature has {target.shape[-1]} channels, the '
                f'{self.modality} head projects to {self.proj.out_features}')
        pred = self(token)
        # Under autocast the projection may be bf16/fp16: compare in the
        # wider of the two dtypes.
        dtype = torch.promote_types(pred.dtype, target.dtype)
        loss = self.loss_module(pred.to(dtype), target.to(dtype))
        return {f'loss_csc_{self.modality}': loss}
