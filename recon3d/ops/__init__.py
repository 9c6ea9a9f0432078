"""Point-cloud operators in pure PyTorch (same code on CPU and CUDA)."""
from .chamfer import chamfer_distance, nearest_sq_dist
from .fps import farthest_point_sample
from .gather import index_points
from .knn import knn, square_distance

__all__ = [
    'farthest_point_sample', 'knn', 'square_distance', 'chamfer_distance',
    'nearest_sq_dist', 'index_points'
]
