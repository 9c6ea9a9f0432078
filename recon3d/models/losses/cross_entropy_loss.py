import torch
import torch.nn as nn
import torch.nn.functional as F

from recon3d.registry import LOSSES


@LOSSES.register_module()
class CrossEntropyLoss(nn.Module):
    """Softmax cross-entropy over class logits, mean over the batch.

    The official classification fine-tune uses the plain loss
    (``label_smoothing=0``).

    Args:
        label_smoothing (float): Share of the target mass spread uniformly
            over all classes, in [0, 1). Defaults to 0.
        loss_weight (float): Multiplier. Defaults to 1.
    """

    def __init__(self, label_smoothing: float = 0.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if not 0 <= label_smoothing < 1:
            raise ValueError('label_smoothing must be in [0, 1), got '
                             f'{label_smoothing}')
        self.label_smoothing = label_smoothing
        self.loss_weight = loss_weight

    def forward(self, logits: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        """``logits`` [B, n]; ``target`` LongTensor [B] -> scalar."""
        return self.loss_weight * F.cross_entropy(
            logits, target, label_smoothing=self.label_smoothing)
