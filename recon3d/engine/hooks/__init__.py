from .epoch_seed_hook import EpochSeedHook
from .progress_hook import RichProgressHook
from .reconstruction_vis_hook import ReconstructionVisHook

__all__ = ['EpochSeedHook', 'ReconstructionVisHook', 'RichProgressHook']
