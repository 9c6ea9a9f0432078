from .plain_point_transformer import (DistillTower, PlainPointTransformer,
                                      PlainTokens)
from .point_transformer import PointTransformer

__all__ = [
    'PointTransformer', 'PlainPointTransformer', 'DistillTower', 'PlainTokens'
]
