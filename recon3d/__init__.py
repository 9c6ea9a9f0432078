"""recon3d: ReCon point-cloud representation learning on mmengine."""
__version__ = '0.1.0'
