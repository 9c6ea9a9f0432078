from .batch_augments import (BatchJitter, BatchRotateY, BatchScale,
                             BatchScaleTranslate, apply_batch_augments,
                             build_batch_augments)
from .point_data_preprocessor import PointDataPreprocessor

__all__ = [
    'PointDataPreprocessor', 'BatchScaleTranslate', 'BatchScale',
    'BatchRotateY', 'BatchJitter', 'build_batch_augments',
    'apply_batch_augments'
]
