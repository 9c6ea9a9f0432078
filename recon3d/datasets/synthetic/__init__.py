"""Procedural shapes, their renderer and writers in real dataset layouts."""
from .render import render_points
from .shapes import CLASSES, DESCRIPTIONS, generate_shape
from .writers import write_shapenet55
from .writers import (MODELNET10_CLASSES, SHAPENET_PART_SYNSETS,
                      write_modelnet40, write_modelnet40_fewshot,
                      write_scanobjectnn, write_shapenet_part)

__all__ = [
    'CLASSES', 'DESCRIPTIONS', 'generate_shape', 'render_points',
    'write_shapenet55', 'write_modelnet40', 'MODELNET10_CLASSES',
    'write_scanobjectnn', 'write_modelnet40_fewshot', 'write_shapenet_part',
    'SHAPENET_PART_SYNSETS'
]
