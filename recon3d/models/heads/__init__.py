from .cls_head import ClsHead
from .contrastive_head import ContrastiveHead
from .distill_head import DistillHead
from .part_seg_head import PartSegFeatures, PartSegHead
from .reconstruction_head import ReconstructionHead

__all__ = [
    'ReconstructionHead', 'DistillHead', 'ContrastiveHead', 'ClsHead',
    'PartSegHead', 'PartSegFeatures'
]
