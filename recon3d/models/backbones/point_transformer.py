"""The local stream of the ReCon encoder."""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_

from recon3d.registry import BACKBONES
from recon3d.structures import PointTokens
from ..utils import (Mlp, PointPatchEmbed, SelfAttention, block_mask,
                     gather_groups, group_points, mask_indices, random_mask)
from ..utils.drop_path import DropPath


class LocalBlock(nn.Module):
    """Local branch of the ReCon-block, official residual form.

    ``l1 = LN1(x + pos); l2 = l1 + DP(SelfAttn(l1));
    out = LN2(l2) + DP(MLP(LN2(l2)))``: the residual starts from the
    normalized tensor.
    """

    def __init__(self, embed_dims: int, num_heads: int, mlp_ratio: float,
                 drop_path: float) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(embed_dims)
        self.attn = SelfAttention(embed_dims, num_heads)
        self.norm2 = nn.LayerNorm(embed_dims)
        self.mlp = Mlp(embed_dims, int(embed_dims * mlp_ratio))
        self.drop_path = DropPath(drop_path) if drop_path > 0 \
            else nn.Identity()

    def forward(self, x: torch.Tensor, pos: torch.Tensor):
        """``x``, ``pos``: [B, V, C] -> (output [B, V, C], l1 [B, V, C])."""
        l1 = self.norm1(x + pos)
        x = self.norm2(l1 + self.drop_path(self.attn(l1)))
        return x + self.drop_path(self.mlp(x)), l1


@BACKBONES.register_module()
class PointTransformer(BaseModule):
    """ReCon encoder, local stream: grouping, patch embedding, masking and
    self-attention over the local tokens.

    Local tokens never see the global tokens, so this stream runs alone;
    :class:`ReConNeck` runs the global stream from ``block_inputs``.

    Called alone, it returns the local tokens of the last block *before*
    the encoder's final LayerNorm (``PointTokens.tokens``). That LayerNorm
    normalizes the local and the global tokens together (the official
    ``MAE_encoder.norm``), so it belongs to :class:`ReConNeck` (``norm``),
    whose :class:`~recon3d.structures.ReConTokens` are the normalized
    features that every head and the SVM use (an algorithm's
    ``extract_feat``).

    In a ReCon algorithm the sizes come from its ``arch``
    (:mod:`recon3d.models.utils.arch`); the defaults below are ``'base'``.

    Args:
        embed_dims (int): Token width C. Defaults to 384.
        depth (int): Number of blocks. Defaults to 12.
        num_heads (int): Attention heads. Defaults to 6.
        mlp_ratio (float): MLP hidden ratio. Defaults to 4.
        num_group (int): G, FPS centres. Defaults to 64.
        group_size (int): K, points per group. Defaults to 32.
        drop_path_rate (float): Block i uses ``linspace(0, rate, depth)[i]``.
            Defaults to 0.1.
        mask_ratio (float): Masked share of groups when masking. Defaults to
            0.6.
        mask_type (str): ``'rand'`` or ``'block'``. Defaults to ``'rand'``.
        embed_visible_only (bool): When masking, embed only the visible
            groups (about 2.5× less patch-embedding work at ratio 0.6). The
            BatchNorm statistics then come from visible groups only, unlike
            the official code, so it is off by default. Defaults to False.
        out_indices (Sequence[int]): Blocks whose output local tokens are
            also returned, in this order (``PointTokens.block_outputs``),
            e.g. (3, 7, 11) for part segmentation. Defaults to ().
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 embed_dims: int = 384,
                 depth: int = 12,
                 num_heads: int = 6,
                 mlp_ratio: float = 4.,
                 num_group: int = 64,
                 group_size: int = 32,
                 drop_path_rate: float = 0.1,
                 mask_ratio: float = 0.6,
                 mask_type: str = 'rand',
                 embed_visible_only: bool = False,
                 out_indices: Sequence[int] = (),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if mask_type not in ('rand', 'block'):
            raise ValueError(
                f"mask_type must be 'rand' or 'block', got {mask_type!r}")
        if not 0 <= mask_ratio < 1:
            raise ValueError(f'mask_ratio must be in [0, 1), got {mask_ratio}')
        self.embed_dims = embed_dims
        self.depth = depth
        self.num_group = num_group
        self.group_size = group_size
        self.mask_ratio = mask_ratio
        self.mask_type = mask_type
        self.embed_visible_only = embed_visible_only
        self.out_indices = tuple(int(i) for i in out_indices)
        bad = [i for i in self.out_indices if not 0 <= i < depth]
        if bad:
            raise ValueError(f'out_indices {bad} are not blocks of a depth '
                             f'{depth} backbone')
        self.patch_embed = PointPatchEmbed(embed_dims)
        self.pos_embed = nn.Sequential(
            nn.Linear(3, 128), nn.GELU(), nn.Linear(128, embed_dims))
        dpr = torch.linspace(0, drop_path_rate, depth).tolist()
        self.blocks = nn.ModuleList([
            LocalBlock(embed_dims, num_heads, mlp_ratio, dpr[i])
            for i in range(depth)
        ])

    def init_weights(self) -> None:
        """Official init: Linear/Conv1d trunc-normal std .02, bias 0; LN 1/0.
        """
        if self.init_cfg is not None:
            super().init_weights()
            return
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Conv1d)):
                trunc_normal_(m.weight, std=.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def make_mask(self, center: torch.Tensor) -> torch.Tensor:
        """Draw a mask for ``center`` [B, G, 3] -> BoolTensor [B, G]."""
        if self.mask_type == 'rand':
            return random_mask(center.size(0), center.size(1),
                               self.mask_ratio, device=center.device)
        return block_mask(center, self.mask_ratio)

    def embed(self,
              points: torch.Tensor,
              mask: Union[bool, torch.Tensor] = False
              ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor,
                         torch.Tensor, Optional[torch.Tensor]]:
        """Group, mask and embed: the patch tokens and positions that enter
        the blocks.

        Args:
            points (Tensor): [B, N, C_in], xyz first.
            mask (bool | BoolTensor): As :meth:`forward`.

        Returns:
            tuple: tokens [B, V, C] and positions [B, V, C] of the visible
            groups, center [B, G, 3], neighborhood [B, G, K, 3] and the
            mask [B, G] (None when unmasked).
        """
        xyz = points[..., :3].contiguous()
        neighborhood, center = group_points(xyz, self.num_group,
                                            self.group_size)
        B, G = center.shape[:2]
        if isinstance(mask, bool):
            if mask:
                mask = self.make_mask(center)
                num_visible = G - int(self.mask_ratio * G)
            else:
                mask = None
        elif mask.shape != (B, G) or mask.dtype != torch.bool:
            raise ValueError(f'mask must be a bool [{B}, {G}] tensor, got '
                             f'{mask.dtype} {tuple(mask.shape)}')
        else:
            counts = (~mask).sum(1)  # a given mask is checked (host sync)
            if (counts != counts[0]).any():
                raise ValueError('every sample must mask the same number of '
                                 f'groups, got visible counts {counts}')
            num_visible = int(counts[0])
        if mask is None:
            tokens, vis_center = self.patch_embed(neighborhood), center
        else:
            # Gathers in the original group order, as boolean indexing.
            visible, _ = mask_indices(mask, num_visible)
            vis_center = gather_groups(center, visible)
            if self.embed_visible_only:
                tokens = self.patch_embed(gather_groups(neighborhood,
                                                        visible))
            else:  # BatchNorm statistics of all groups
                tokens = self.patch_embed(neighborhood, keep=visible)
        pos = self.pos_embed(vis_center)
        return tokens, pos, center, neighborhood, mask

    def forward(self,
                points: torch.Tensor,
                mask: Union[bool, torch.Tensor] = False) -> PointTokens:
        """Encode the local tokens.

        Args:
            points (Tensor): [B, N, C_in], xyz first (other channels unused).
            mask (bool | BoolTensor): False: no masking (V = G). True: draw
                a mask with ``mask_type``/``mask_ratio``. A [B, G] bool
                tensor: use it (each row must mask the same number of
                groups).

        Returns:
            PointTokens: tokens [B, V, C] and what the necks and heads need.
        """
        tokens, pos, center, neighborhood, mask = self.embed(points, mask)
        block_inputs, outputs = [], {}
        for i, block in enumerate(self.blocks):
            tokens, normed = block(tokens, pos)
            block_inputs.append(normed)
            if i in self.out_indices:
                outputs[i] = tokens
        return PointTokens(tokens, block_inputs, center, neighborhood, mask,
                           [outputs[i] for i in self.out_indices])
