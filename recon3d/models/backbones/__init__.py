from .point_transformer import PointTransformer

__all__ = ['PointTransformer']
