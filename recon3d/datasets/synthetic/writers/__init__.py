"""Writers of the synthetic shapes in the real datasets' on-disk layouts,
one module per layout."""
from .common import OnProgress, write_atomically
from .modelnet40 import MODELNET10_CLASSES, write_modelnet40
from .modelnet40_fewshot import write_modelnet40_fewshot
from .scanobjectnn import SCANOBJECTNN_SOURCES, write_scanobjectnn
from .shapenet55 import write_shapenet55
from .shapenet_part import SHAPENET_PART_SYNSETS, write_shapenet_part

__all__ = [
    'OnProgress', 'write_atomically', 'write_shapenet55', 'write_modelnet40',
    'MODELNET10_CLASSES', 'write_modelnet40_fewshot', 'write_scanobjectnn',
    'SCANOBJECTNN_SOURCES', 'write_shapenet_part', 'SHAPENET_PART_SYNSETS'
]
