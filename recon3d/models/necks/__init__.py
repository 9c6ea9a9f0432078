from .pointmae_decoder import PointMAEDecoder
from .recon_neck import ReConNeck

__all__ = ['ReConNeck', 'PointMAEDecoder']
