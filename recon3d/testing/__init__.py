from .official import random_official_state_dict
from .tiny import (tiny_classifier_overrides, tiny_model_overrides,
                   tiny_pretrain_cfg)

__all__ = [
    'tiny_model_overrides', 'tiny_pretrain_cfg', 'random_official_state_dict',
    'tiny_classifier_overrides'
]
