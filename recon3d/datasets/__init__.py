"""Datasets, transforms and the procedural shape generator."""
from .base_dataset import BasePointDataset, check_clouds
from .concat_splits import ConcatSplits
from .converters import build_fewshot_folds, build_modelnet_dat
from .loader_checks import check_dataloader, dataset_classes
from .modelnet40 import ModelNet40
from .modelnet40_fewshot import ModelNet40FewShot
from .point_cloud_folder import PointCloudFolder
from .scanobjectnn import SCANOBJECTNN_CLASSES, ScanObjectNN
from .shapenet55 import ShapeNet55, read_categories
from .shapenet_part import ShapeNetPart
from .split_wrapper import HoldoutSplit
from .synthetic import generate_shape, render_points, write_shapenet55
from .synthetic import (write_modelnet40, write_modelnet40_fewshot,
                        write_scanobjectnn, write_shapenet_part)
from .transforms import (RAND_AUGMENT_OPS, FPSPointSample, LoadImageFromPNG,
                         LoadPointsFromFile, NormalizePoints, PackReconInputs,
                         RandomPointSample, ReConImageAugment, ResizeImage,
                         ShufflePoints, load_points, random_resized_crop_box)

__all__ = [
    'ShapeNet55', 'read_categories', 'generate_shape', 'render_points',
    'write_shapenet55', 'LoadPointsFromFile', 'LoadImageFromPNG',
    'load_points', 'RandomPointSample', 'FPSPointSample', 'NormalizePoints',
    'ReConImageAugment', 'ResizeImage', 'RAND_AUGMENT_OPS',
    'random_resized_crop_box', 'PackReconInputs', 'ModelNet40',
    'build_modelnet_dat', 'ModelNet40FewShot', 'build_fewshot_folds',
    'ScanObjectNN', 'SCANOBJECTNN_CLASSES', 'ShufflePoints',
    'write_modelnet40', 'write_scanobjectnn', 'write_modelnet40_fewshot',
    'HoldoutSplit', 'ConcatSplits', 'BasePointDataset', 'check_clouds',
    'check_dataloader', 'dataset_classes', 'ShapeNetPart',
    'write_shapenet_part', 'PointCloudFolder'
]
