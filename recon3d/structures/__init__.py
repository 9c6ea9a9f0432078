from .recon_data_sample import ReconDataSample

__all__ = ['ReconDataSample']
