from .convert import (UnsafePickleRequired, convert_official_checkpoint,
                      convert_recon3d_checkpoint, load_torch_file,
                      official_state_dict)
from .svm import evaluate_svm, extract_features
from .training import build_train_config, parse_train_args, train

__all__ = [
    'evaluate_svm', 'extract_features', 'convert_official_checkpoint',
    'convert_recon3d_checkpoint', 'load_torch_file', 'official_state_dict',
    'UnsafePickleRequired', 'parse_train_args', 'build_train_config', 'train'
]
