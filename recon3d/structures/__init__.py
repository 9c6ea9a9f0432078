from .recon_data_sample import ReconDataSample
from .tokens import PointTokens, ReConTokens

__all__ = ['ReconDataSample', 'PointTokens', 'ReConTokens']
