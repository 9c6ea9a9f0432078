from .checkpoint_hook import AtomicCheckpointHook
from .compile_hook import CompileHook
from .epoch_seed_hook import EpochSeedHook
from .non_finite_hook import NonFiniteCheckHook
from .part_seg_vis_hook import PartSegVisHook
from .precise_bn_hook import PreciseBNHook
from .progress_hook import RichProgressHook
from .reconstruction_vis_hook import ReconstructionVisHook
from .run_checks_hook import RunChecksHook, check_loaders, resume_checkpoint
from .zero_shot_classes_hook import ZeroShotClassesHook

__all__ = [
    'EpochSeedHook', 'PreciseBNHook', 'ReconstructionVisHook',
    'RichProgressHook', 'ZeroShotClassesHook', 'PartSegVisHook',
    'AtomicCheckpointHook', 'NonFiniteCheckHook', 'RunChecksHook',
    'resume_checkpoint', 'check_loaders', 'CompileHook'
]
