from .convert import (UnsafePickleRequired, convert_official_checkpoint,
                      convert_recon3d_checkpoint, load_torch_file,
                      official_state_dict)
from .svm import evaluate_svm, extract_features

__all__ = [
    'evaluate_svm', 'extract_features', 'convert_official_checkpoint',
    'convert_recon3d_checkpoint', 'load_torch_file', 'official_state_dict',
    'UnsafePickleRequired'
]
