from .recon import ReCon

__all__ = ['ReCon']
