from .checkpoint import register_checkpoint_loader
from .hooks import *  # noqa: F401,F403
from .optim_constructor import TeacherAwareOptimWrapperConstructor
from .optim_wrappers import CPUAutocastOptimWrapper
from .runner_utils import setup_amp, setup_launcher

__all__ = [
    'register_checkpoint_loader', 'CPUAutocastOptimWrapper', 'setup_amp',
    'setup_launcher', 'TeacherAwareOptimWrapperConstructor'
]

register_checkpoint_loader()
