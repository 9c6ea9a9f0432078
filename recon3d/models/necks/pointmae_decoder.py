"""Point-MAE decoder: mask tokens and pre-norm transformer blocks."""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_

from recon3d.registry import NECKS
from ..utils import Mlp, SelfAttention, gather_groups, mask_indices
from ..utils.drop_path import DropPath


class PreNormBlock(nn.Module):
    """``x += DP(Attn(LN1 x)); x += DP(MLP(LN2 x))``."""

    def __init__(self, embed_dims: int, num_heads: int, mlp_ratio: float,
                 drop_path: float) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(embed_dims)
        self.attn = SelfAttention(embed_dims, num_heads)
        self.norm2 = nn.LayerNorm(embed_dims)
        self.mlp = Mlp(embed_dims, int(embed_dims * mlp_ratio))
        self.drop_path = DropPath(drop_path) if drop_path > 0 \
            else nn.Identity()

    def forward(self, x: torch.Tensor, start: int = 0) -> torch.Tensor:
        """``x`` [B, N, C] -> rows ``start:`` of the output,
        [B, N - start, C] (the other rows are not computed)."""
        out = self.attn(self.norm1(x), query_start=start)
        x = x[:, start:] + self.drop_path(out)
        return x + self.drop_path(self.mlp(self.norm2(x)))


@NECKS.register_module()
class PointMAEDecoder(BaseModule):
    """Decoder of masked point modelling.

    The visible tokens are followed by one ``mask_token`` per masked group;
    positions (``pos_embed`` of the visible centres, then of the masked
    centres, each in original order) are re-added before every block. The
    masked tokens' outputs go through ``norm``; the last block computes
    only those (its other rows are never read).

    Args:
        embed_dims (int): C. Defaults to 384.
        depth (int): Number of blocks. Defaults to 4.
        num_heads (int): Attention heads. Defaults to 6.
        mlp_ratio (float): MLP hidden ratio. Defaults to 4.
        drop_path_rate (float): Block j uses ``linspace(0, rate, depth)[j]``.
            Defaults to 0.1.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 embed_dims: int = 384,
                 depth: int = 4,
                 num_heads: int = 6,
                 mlp_ratio: float = 4.,
                 drop_path_rate: float = 0.1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.pos_embed = nn.Sequential(
            nn.Linear(3, 128), nn.GELU(), nn.Linear(128, embed_dims))
        dpr = torch.linspace(0, drop_path_rate, depth).tolist()
        self.blocks = nn.ModuleList([
            PreNormBlock(embed_dims, num_heads, mlp_ratio, dpr[j])
            for j in range(depth)
        ])
        self.norm = nn.LayerNorm(embed_dims)

    def init_weights(self) -> None:
        """Official init: block Linear Xavier-uniform, bias 0; LN 1/0;
        ``mask_token`` trunc-normal .02; ``pos_embed`` PyTorch default."""
        if self.init_cfg is not None:
            super().init_weights()
            return
        for m in list(self.blocks.modules()) + [self.norm]:
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        trunc_normal_(self.mask_token, std=.02)

    def forward(self, visible: torch.Tensor, center: torch.Tensor,
                mask: torch.Tensor) -> torch.Tensor:
        """Predict the masked tokens.

        Args:
            visible (Tensor): [B, V, C] encoder outputs of visible groups.
            center (Tensor): [B, G, 3] all group centres.
            mask (BoolTensor): [B, G], True = masked, M per sample.

        Returns:
            Tensor: [B, M, C], one token per masked group in original order.
        """
        B, V, C = visible.shape
        vis_idx, mask_idx = mask_indices(mask, V)
        vis_pos = self.pos_embed(gather_groups(center, vis_idx))
        mask_pos = self.pos_embed(gather_groups(center, mask_idx))
        M = mask_pos.size(1)
        x = torch.cat([visible, self.mask_token.expand(B, M, -1)], dim=1)
        pos = torch.cat([vis_pos, mask_pos], dim=1)
        # Only the masked tokens' outputs are read: the last block computes
        # just those rows (x[:, V:], not x[:, -M:]: with M = 0 the latter
        # is every token).
        for j, block in enumerate(self.blocks):
            x = block(x + pos, start=V if j == len(self.blocks) - 1 else 0)
        return self.norm(x if len(self.blocks) else x[:, V:])
