"""Point-cloud operators: PyTorch on every device, compiled numba kernels
for the sequential ones on the CPU (see :mod:`.cpu_kernels`)."""
from .chamfer import chamfer_distance, nearest_sq_dist
from .fps import farthest_point_sample
from .gather import index_points
from .knn import knn, square_distance

__all__ = [
    'farthest_point_sample', 'knn', 'square_distance', 'chamfer_distance',
    'nearest_sq_dist', 'index_points'
]
