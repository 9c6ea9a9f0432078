from .point_transformer import PointTokens, PointTransformer

__all__ = ['PointTransformer', 'PointTokens']
