from .attention import CrossAttention, SelfAttention
from .blocks import Mlp
from .masking import block_mask, gather_groups, mask_indices, random_mask
from .official_keys import (KINDS, OfficialKeyError, detect_kind,
                            detect_recon3d_kind, official_to_recon3d,
                            recon3d_to_official)
from .patch_embed import PointPatchEmbed, group_points
from .pretrained import LoadReport, init_with_pretrained, load_pretrained

__all__ = [
    'SelfAttention', 'CrossAttention', 'Mlp', 'random_mask', 'block_mask',
    'mask_indices', 'gather_groups',
    'PointPatchEmbed', 'group_points', 'KINDS', 'OfficialKeyError',
    'detect_kind', 'detect_recon3d_kind', 'official_to_recon3d',
    'recon3d_to_official', 'LoadReport', 'init_with_pretrained',
    'load_pretrained'
]
