from typing import Dict, Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from recon3d.registry import HEADS, LOSSES


@HEADS.register_module()
class ReconstructionHead(BaseModule):
    """Masked point modelling head: each masked token predicts its group.

    ``increase_dim`` is a 1×1 Conv1d(C → 3K) (official layout), applied as a
    matmul.

    Args:
        in_channels (int): C.
        group_size (int): K, points predicted per group.
        loss (dict): Loss config. Defaults to ``ChamferDistanceL2``.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 in_channels: int,
                 group_size: int,
                 loss: dict = dict(type='ChamferDistanceL2'),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.group_size = group_size
        self.increase_dim = nn.Conv1d(in_channels, 3 * group_size, 1)
        self.loss_module = LOSSES.build(loss)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` [B, M, C] -> predicted groups [B, M, K, 3]."""
        w = self.increase_dim.weight.squeeze(-1)
        out = torch.nn.functional.linear(x, w, self.increase_dim.bias)
        return out.reshape(*x.shape[:2], self.group_size, 3)

    def loss(self, x: torch.Tensor,
             target: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Chamfer loss over the B·M predicted groups.

        Args:
            x (Tensor): [B, M, C] decoder outputs of the masked groups.
            target (Tensor): [B, M, K, 3] the masked groups' centre-relative
                points.

        Returns:
            dict: ``loss_mdm``.
        """
        pred = self(x).flatten(0, 1)
        # Under autocast ``pred`` may be bf16/fp16: the Chamfer distance is
        # computed in the wider dtype of the two.
        dtype = torch.promote_types(pred.dtype, target.dtype)
        return dict(loss_mdm=self.loss_module(
            pred.to(dtype), target.flatten(0, 1).to(dtype)))
