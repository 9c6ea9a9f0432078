"""Stochastic depth, as timm's ``DropPath`` (which the official code uses).

Kept here so that building the student never imports timm (only the timm
teacher does).
"""
import torch
import torch.nn as nn


class DropPath(nn.Module):
    """Drop a residual branch per sample with probability ``drop_prob``.

    In training, ``x * mask / (1 - drop_prob)`` with ``mask`` [B, 1, ...]
    drawn by ``bernoulli_(1 - drop_prob)``: the same random numbers and
    values as timm's ``DropPath`` (``scale_by_keep=True``). Identity in eval
    mode or with ``drop_prob == 0``.

    Args:
        drop_prob (float): Probability of dropping the branch.
    """

    def __init__(self, drop_prob: float = 0.) -> None:
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, ...] -> [B, ...]."""
        if self.drop_prob == 0. or not self.training:
            return x
        keep_prob = 1 - self.drop_prob
        shape = (x.shape[0], ) + (1, ) * (x.ndim - 1)
        mask = x.new_empty(shape).bernoulli_(keep_prob)
        if keep_prob > 0.:
            mask.div_(keep_prob)
        return x * mask

    def extra_repr(self) -> str:
        return f'drop_prob={round(self.drop_prob, 3):0.3f}'
