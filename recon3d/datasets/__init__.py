"""Datasets, transforms and the procedural shape generator."""
from .shapenet55 import ShapeNet55, read_categories
from .synthetic import generate_shape, render_points, write_shapenet55
from .transforms import (RAND_AUGMENT_OPS, FPSPointSample, LoadImageFromPNG,
                         LoadPointsFromFile, NormalizePoints, PackReconInputs,
                         RandomPointSample, RandomRotateY, ReConImageAugment,
                         ResizeImage, load_points, random_resized_crop_box,
                         rotate_y)

__all__ = [
    'ShapeNet55', 'read_categories', 'generate_shape', 'render_points',
    'write_shapenet55', 'LoadPointsFromFile', 'LoadImageFromPNG',
    'load_points', 'RandomPointSample', 'FPSPointSample', 'NormalizePoints',
    'RandomRotateY', 'rotate_y', 'ReConImageAugment', 'ResizeImage',
    'RAND_AUGMENT_OPS', 'random_resized_crop_box', 'PackReconInputs'
]
