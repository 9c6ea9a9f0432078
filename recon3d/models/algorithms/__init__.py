from .part_segmentor import PartSegmentor
from .point_classifier import PointClassifier
from .point_encoder import PointEncoder
from .recon import ReCon
from .two_tower import TwoTower, TwoTowerClassifier
from .zero_shot_classifier import ZeroShotClassifier

__all__ = [
    'ReCon', 'PointClassifier', 'PointEncoder', 'ZeroShotClassifier',
    'PartSegmentor', 'TwoTower', 'TwoTowerClassifier'
]
