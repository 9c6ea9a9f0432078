"""The ReCon-block global stream."""
from typing import List, Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_

from recon3d.registry import NECKS
from recon3d.structures import ReConTokens
from ..utils import CrossAttention, Mlp
from ..utils.drop_path import DropPath


class GlobalBlock(nn.Module):
    """Global branch of the ReCon-block, official residual form.

    ``g1 = LN1(g + pos); g2 = g1 + DP(CrossAttn(q=g1, kv=SG(l1)));
    out = LN2(g2) + DP(MLP(LN2(g2)))``, where ``l1`` is the block's
    LayerNorm-ed local input and SG a stop-gradient when enabled. Global
    tokens do not attend to each other.
    """

    def __init__(self, embed_dims: int, num_heads: int, mlp_ratio: float,
                 drop_path: float) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(embed_dims)
        self.attn = CrossAttention(embed_dims, num_heads)
        self.norm2 = nn.LayerNorm(embed_dims)
        self.mlp = Mlp(embed_dims, int(embed_dims * mlp_ratio))
        self.drop_path = DropPath(drop_path) if drop_path > 0 \
            else nn.Identity()

    def forward(self, g: torch.Tensor, pos: torch.Tensor,
                local: torch.Tensor) -> torch.Tensor:
        """``g``, ``pos`` [B, 3, C]; ``local`` [B, V, C] -> [B, 3, C]."""
        g1 = self.norm1(g + pos)
        g = self.norm2(g1 + self.drop_path(self.attn(g1, local)))
        return g + self.drop_path(self.mlp(g))


@NECKS.register_module()
class ReConNeck(BaseModule):
    """ReCon-block global stream: three learned query tokens (cls, img,
    text) that cross-attend, block by block, the local stream's normalized
    tokens; then the encoder's final LayerNorm over all tokens.

    Args:
        embed_dims (int): C, as the backbone. Defaults to 384.
        depth (int): Number of blocks, as the backbone. Defaults to 12.
        num_heads (int): Attention heads. Defaults to 6.
        mlp_ratio (float): MLP hidden ratio. Defaults to 4.
        drop_path_rate (float): As the backbone's. Defaults to 0.1.
        stop_grad (bool): Detach the local tokens before the cross-attention,
            so the global losses do not train the local stream through it
            (pretraining). Every downstream model uses False. Defaults to
            True.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 embed_dims: int = 384,
                 depth: int = 12,
                 num_heads: int = 6,
                 mlp_ratio: float = 4.,
                 drop_path_rate: float = 0.1,
                 stop_grad: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.stop_grad = stop_grad
        self.depth = depth
        for name in ('cls', 'img', 'text'):
            self.register_parameter(f'{name}_token',
                                    nn.Parameter(torch.zeros(1, 1,
                                                             embed_dims)))
            self.register_parameter(f'{name}_pos',
                                    nn.Parameter(torch.zeros(1, 1,
                                                             embed_dims)))
        dpr = torch.linspace(0, drop_path_rate, depth).tolist()
        self.blocks = nn.ModuleList([
            GlobalBlock(embed_dims, num_heads, mlp_ratio, dpr[i])
            for i in range(depth)
        ])
        self.norm = nn.LayerNorm(embed_dims)

    def init_weights(self) -> None:
        """Official init: tokens and positions trunc-normal std .02, Linear
        trunc-normal .02 with bias 0, LN 1/0."""
        if self.init_cfg is not None:
            super().init_weights()
            return
        for m in self.modules():
            if isinstance(m, nn.Linear):
                trunc_normal_(m.weight, std=.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        for name in ('cls', 'img', 'text'):
            trunc_normal_(getattr(self, f'{name}_token'), std=.02)
            trunc_normal_(getattr(self, f'{name}_pos'), std=.02)

    def forward(self, tokens: torch.Tensor,
                block_inputs: List[torch.Tensor]) -> ReConTokens:
        """Run the global stream.

        Args:
            tokens (Tensor): [B, V, C] local tokens after the last block.
            block_inputs (list[Tensor]): depth × [B, V, C], each block's
                normalized local input (``PointTokens.block_inputs``).

        Returns:
            ReConTokens: cls/img/text [B, C] and local [B, V, C], normalized.
        """
        g = self.norm(self.global_stream(block_inputs))
        return ReConTokens(g[:, 0], g[:, 1], g[:, 2], self.norm(tokens))

    def global_stream(self, block_inputs: List[torch.Tensor]) -> torch.Tensor:
        """The global tokens after the last block, *before* the final
        LayerNorm (the part-segmentation head reads them so).

        Args:
            block_inputs (list[Tensor]): depth × [B, V, C], as in
                :meth:`forward`.

        Returns:
            Tensor: [B, 3, C], cls, img and text.
        """
        if len(block_inputs) != self.depth:
            raise ValueError(f'expected {self.depth} block inputs, got '
                             f'{len(block_inputs)}')
        B = block_inputs[0].size(0)
        g = torch.cat([self.cls_token, self.img_token, self.text_token],
                      dim=1).expand(B, -1, -1)
        pos = torch.cat([self.cls_pos, self.img_pos, self.text_pos],
                        dim=1).expand(B, -1, -1)
        for block, local in zip(self.blocks, block_inputs):
            g = block(g, pos, local.detach() if self.stop_grad else local)
        return g
