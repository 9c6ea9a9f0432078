from .pointmae_decoder import PointMAEDecoder
from .recon_neck import ReConNeck, ReConTokens

__all__ = ['ReConNeck', 'ReConTokens', 'PointMAEDecoder']
