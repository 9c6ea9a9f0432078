from .convert import (UnsafePickleRequired, convert_official_checkpoint,
                      convert_recon3d_checkpoint, load_torch_file,
                      official_state_dict)
from .inference import (CheckpointKeyError, FeatureExtractor,
                        extract_features, init_model, load_model_weights,
                        reconstruct, zero_shot_classify)
from .inputs import InputError
from .model_zoo import MODEL_ZOO, resolve_model
from .part_seg import segment_parts
from .svm import collect_predictions, evaluate_svm
from .training import build_train_config, parse_train_args, train

__all__ = [
    'init_model', 'FeatureExtractor', 'extract_features',
    'zero_shot_classify', 'reconstruct', 'load_model_weights', 'MODEL_ZOO',
    'resolve_model', 'InputError', 'CheckpointKeyError',
    'collect_predictions', 'evaluate_svm', 'convert_official_checkpoint',
    'convert_recon3d_checkpoint', 'load_torch_file', 'official_state_dict',
    'UnsafePickleRequired', 'parse_train_args', 'build_train_config', 'train',
    'segment_parts'
]
