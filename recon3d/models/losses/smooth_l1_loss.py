import torch
import torch.nn as nn
import torch.nn.functional as F

from recon3d.registry import LOSSES


@LOSSES.register_module()
class SmoothL1Loss(nn.Module):
    """Smooth L1 (Huber with ``beta``), mean over all elements.

    The cross-modal distillation loss of ReCon: the projected token regresses
    the raw teacher feature, no normalization.

    Args:
        beta (float): Switch point between L2 and L1. Defaults to 1.
        loss_weight (float): Multiplier. Defaults to 1.
    """

    def __init__(self, beta: float = 1.0, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.beta = beta
        self.loss_weight = loss_weight

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """``pred``, ``target`` [B, D] -> scalar."""
        return self.loss_weight * F.smooth_l1_loss(
            pred, target, beta=self.beta)
