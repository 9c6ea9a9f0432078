from .chamfer_loss import ChamferDistanceL1, ChamferDistanceL2
from .smc_loss import SMCLoss
from .smooth_l1_loss import SmoothL1Loss

__all__ = [
    'ChamferDistanceL1', 'ChamferDistanceL2', 'SmoothL1Loss', 'SMCLoss'
]
