from .part_seg import draw_part_segmentation, part_colours
from .reconstruction import draw_reconstruction

__all__ = ['draw_reconstruction', 'draw_part_segmentation', 'part_colours']
