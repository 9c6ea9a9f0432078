"""What the ReCon encoder's two streams hand to necks and heads."""
from typing import List, NamedTuple, Optional, Sequence

import torch


class PointTokens(NamedTuple):
    """What :class:`~recon3d.models.backbones.PointTransformer` returns.

    Attributes:
        tokens (Tensor): [B, V, C] local tokens after the last block (before
            the encoder's final LayerNorm, which
            :class:`~recon3d.models.necks.ReConNeck` owns).
        block_inputs (list[Tensor]): depth × [B, V, C], each block's
            LayerNorm-ed input (``norm1(x + pos)``), which the global stream
            of that block cross-attends.
        center (Tensor): [B, G, 3] group centres.
        neighborhood (Tensor): [B, G, K, 3] centre-relative groups.
        mask (BoolTensor | None): [B, G], True = masked; None if unmasked.
            V = G - number of masked groups per sample.
        block_outputs (list[Tensor]): [B, V, C] local tokens after each
            block of the backbone's ``out_indices`` (before the final
            LayerNorm); empty by default.
    """
    tokens: torch.Tensor
    block_inputs: List[torch.Tensor]
    center: torch.Tensor
    neighborhood: torch.Tensor
    mask: Optional[torch.Tensor]
    block_outputs: Sequence[torch.Tensor] = ()


class ReConTokens(NamedTuple):
    """What :class:`~recon3d.models.necks.ReConNeck` returns, all after the
    encoder's final LayerNorm.

    Attributes:
        cls (Tensor): [B, C].
        img (Tensor): [B, C].
        text (Tensor): [B, C].
        local (Tensor): [B, V, C] local tokens.
    """
    cls: torch.Tensor
    img: torch.Tensor
    text: torch.Tensor
    local: torch.Tensor

    @property
    def global_tokens(self) -> torch.Tensor:
        """[B, 3, C]: cls, img, text."""
        return torch.stack([self.cls, self.img, self.text], dim=1)
