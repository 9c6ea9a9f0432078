"""Builders of the files the datasets read, from the original releases."""
from .fewshot_folds import build_fewshot_folds, sample_fold
from .modelnet_dat import build_modelnet_dat

__all__ = ['build_modelnet_dat', 'build_fewshot_folds', 'sample_fold']
