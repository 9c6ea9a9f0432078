import torch
import torch.nn as nn
import torch.nn.functional as F

from recon3d.registry import LOSSES


@LOSSES.register_module()
class SMCLoss(nn.Module):
    """ReCon's single-modal contrastive loss.

    For row i of the similarity matrix S, the logits are the mean similarity
    over the positives of i (self included) followed by every negative
    similarity, divided by the temperature; the loss is the cross-entropy
    with target 0, averaged over rows.

    Args:
        temperature (float): Defaults to 0.1.
        loss_weight (float): Multiplier. Defaults to 1.
    """

    def __init__(self, temperature: float = 0.1,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.temperature = temperature
        self.loss_weight = loss_weight

    def forward(self, similarity: torch.Tensor,
                positive: torch.Tensor) -> torch.Tensor:
        """``similarity`` [B, B]; ``positive`` bool [B, B] -> scalar."""
        positive = positive.to(torch.bool)
        pos = (similarity * positive).sum(1) / positive.sum(1)
        # Positives are removed from the negatives with -inf (exp -> 0).
        neg = similarity.masked_fill(positive, float('-inf'))
        logits = torch.cat([pos.unsqueeze(1), neg], dim=1) / self.temperature
        target = logits.new_zeros(logits.size(0), dtype=torch.long)
        return self.loss_weight * F.cross_entropy(logits, target)
