from .reconstruction import draw_reconstruction

__all__ = ['draw_reconstruction']
