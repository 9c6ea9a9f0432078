from .epoch_seed_hook import EpochSeedHook
from .part_seg_vis_hook import PartSegVisHook
from .precise_bn_hook import PreciseBNHook
from .progress_hook import RichProgressHook
from .reconstruction_vis_hook import ReconstructionVisHook
from .zero_shot_classes_hook import ZeroShotClassesHook

__all__ = [
    'EpochSeedHook', 'PreciseBNHook', 'ReconstructionVisHook',
    'RichProgressHook', 'ZeroShotClassesHook', 'PartSegVisHook'
]
