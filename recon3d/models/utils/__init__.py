from .attention import CrossAttention, SelfAttention
from .blocks import Mlp
from .masking import block_mask, random_mask
from .patch_embed import PointPatchEmbed, group_points

__all__ = [
    'SelfAttention', 'CrossAttention', 'Mlp', 'random_mask', 'block_mask',
    'PointPatchEmbed', 'group_points'
]
