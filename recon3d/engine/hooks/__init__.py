from .progress_hook import RichProgressHook
from .reconstruction_vis_hook import ReconstructionVisHook

__all__ = ['ReconstructionVisHook', 'RichProgressHook']
