from .chamfer_loss import ChamferDistanceL1, ChamferDistanceL2
from .cross_entropy_loss import CrossEntropyLoss
from .smc_loss import SMCLoss
from .smooth_l1_loss import SmoothL1Loss

__all__ = [
    'ChamferDistanceL1', 'ChamferDistanceL2', 'CrossEntropyLoss',
    'SmoothL1Loss', 'SMCLoss'
]
