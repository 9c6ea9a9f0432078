from .checkpoint import (allow_unsafe_pickle, check_checkpoint_fits,
                         load_checkpoint_file, register_checkpoint_loader,
                         unsafe_pickle_allowed)
from .config_check import check_config_keys
from .errors import (CheckpointFileError, CheckpointMismatchError,
                     ConfigKeyError, NonFiniteError, NumClassesError,
                     ResumeError, RunError, UnsafePickleError)
from .hooks import *  # noqa: F401,F403
from .hooks import (AtomicCheckpointHook, NonFiniteCheckHook, RunChecksHook,
                    check_loaders, resume_checkpoint)
from .log_levels import (init_info_at_debug, paramwise_at_debug,
                         quiet_terminal)
from .optim_constructor import TeacherAwareOptimWrapperConstructor
from .optim_wrappers import CPUAutocastOptimWrapper, DoubleStepOptimWrapper
from .runner_utils import setup_amp, setup_launcher
from .schedulers import TimmCosineLR

__all__ = [
    'register_checkpoint_loader', 'CPUAutocastOptimWrapper',
    'DoubleStepOptimWrapper', 'TimmCosineLR', 'setup_amp',
    'setup_launcher', 'TeacherAwareOptimWrapperConstructor',
    'load_checkpoint_file', 'allow_unsafe_pickle', 'unsafe_pickle_allowed',
    'check_checkpoint_fits', 'check_config_keys', 'RunError',
    'CheckpointFileError', 'CheckpointMismatchError', 'UnsafePickleError',
    'ConfigKeyError', 'NonFiniteError', 'NumClassesError', 'ResumeError',
    'AtomicCheckpointHook', 'NonFiniteCheckHook', 'RunChecksHook',
    'resume_checkpoint', 'init_info_at_debug', 'paramwise_at_debug',
    'quiet_terminal'
]

register_checkpoint_loader()
init_info_at_debug()
