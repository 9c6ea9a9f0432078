from .point_classifier import PointClassifier
from .recon import ReCon

__all__ = ['ReCon', 'PointClassifier']
