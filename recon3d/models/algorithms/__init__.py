from .part_segmentor import PartSegmentor
from .point_classifier import PointClassifier
from .point_encoder import PointEncoder
from .recon import ReCon
from .zero_shot_classifier import ZeroShotClassifier

__all__ = [
    'ReCon', 'PointClassifier', 'PointEncoder', 'ZeroShotClassifier',
    'PartSegmentor'
]
