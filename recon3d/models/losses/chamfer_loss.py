import torch
import torch.nn as nn

from recon3d.ops import chamfer_distance
from recon3d.registry import LOSSES


@LOSSES.register_module()
class ChamferDistanceL2(nn.Module):
    """``mean(d1) + mean(d2)`` over squared nearest distances (``cdl2``).

    Args:
        loss_weight (float): Multiplier. Defaults to 1.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """``pred`` [B, P, 3], ``target`` [B, Q, 3] -> scalar."""
        return self.loss_weight * chamfer_distance(pred, target, mode='l2')


@LOSSES.register_module()
class ChamferDistanceL1(nn.Module):
    """``(mean(sqrt d1) + mean(sqrt d2)) / 2`` (``cdl1``).

    Args:
        loss_weight (float): Multiplier. Defaults to 1.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """``pred`` [B, P, 3], ``target`` [B, Q, 3] -> scalar."""
        return self.loss_weight * chamfer_distance(pred, target, mode='l1')
