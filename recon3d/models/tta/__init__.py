from .point_classifier_tta import PointClassifierTTA

__all__ = ['PointClassifierTTA']
