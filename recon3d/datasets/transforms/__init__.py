"""Data transforms: loading, point and image augmentation, packing."""
from .formatting import PackReconInputs
from .image_transforms import (RAND_AUGMENT_OPS, ReConImageAugment,
                               ResizeImage, random_resized_crop_box)
from .loading import LoadImageFromPNG, LoadPointsFromFile, load_points
from .part_seg import (LoadPartSegPoints, PackPartSegInputs, ResamplePoints,
                       load_part_file)
from .point_augmentations import ShufflePoints
from .point_transforms import (FPSPointSample, NormalizePoints,
                               RandomPointSample)

__all__ = [
    'LoadPointsFromFile', 'LoadImageFromPNG', 'load_points',
    'RandomPointSample', 'FPSPointSample', 'NormalizePoints',
    'ReConImageAugment', 'ResizeImage', 'RAND_AUGMENT_OPS',
    'random_resized_crop_box', 'PackReconInputs', 'ShufflePoints',
    'LoadPartSegPoints', 'ResamplePoints', 'PackPartSegInputs',
    'load_part_file'
]
