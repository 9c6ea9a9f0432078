from .part_seg import draw_part_segmentation, part_colours
from .points import draw_point_cloud, draw_views
from .reconstruction import draw_reconstruction

__all__ = [
    'draw_reconstruction', 'draw_part_segmentation', 'part_colours',
    'draw_point_cloud', 'draw_views'
]
