from .point_classifier import PointClassifier
from .recon import ReCon
from .zero_shot_classifier import ZeroShotClassifier

__all__ = ['ReCon', 'PointClassifier', 'ZeroShotClassifier']
