"""Transforms of ``results['points']``, float32 [N, C] with xyz first."""

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from recon3d.ops import farthest_point_sample
from recon3d.registry import TRANSFORMS
from .rng import transform_rng


def _check_count(results: dict, num_points: int) -> None:
    count = len(results['points'])
    if count < num_points:
        raise ValueError(
            f'{results.get("pc_path", "points")}: cannot sample {num_points} '
            f'points from {count}')


@TRANSFORMS.register_module()
class RandomPointSample(BaseTransform):
    """Keep a random subset of ``num_points`` points (no replacement).

    As the official pretraining: a random permutation, first
    ``num_points``.

    Required keys: ``points`` [N, C]. Modified keys: ``points``
    [num_points, C].

    Args:
        num_points (int): Number of points to keep; at most N.
    """

    def __init__(self, num_points: int) -> None:
        self.num_points = num_points

    def transform(self, results: dict) -> dict:
        """Sample the points."""
        _check_count(results, self.num_points)
        index = transform_rng().permutation(len(results['points']))
        results['points'] = results['points'][index[:self.num_points]]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(num_points={self.num_points})'


@TRANSFORMS.register_module()
class FPSPointSample(BaseTransform):
    """Deterministic farthest point sampling of ``num_points`` points.

    Starts at point 0, like the official CUDA op, and uses xyz only.

    Required keys: ``points`` [N, C]. Modified keys: ``points``
    [num_points, C].

    Args:
        num_points (int): Number of points to keep; at most N.
    """

    def __init__(self, num_points: int) -> None:
        self.num_points = num_points

    def transform(self, results: dict) -> dict:
        """Sample the points."""
        _check_count(results, self.num_points)
        points = results['points']
        xyz = torch.from_numpy(np.ascontiguousarray(points[:, :3]))[None]
        index = farthest_point_sample(xyz, self.num_points)[0].numpy()
        results['points'] = points[index]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(num_points={self.num_points})'


@TRANSFORMS.register_module()
class NormalizePoints(BaseTransform):
    """Centre xyz on the centroid and scale it into the unit ball.

    ``xyz ← (xyz - mean) / max ‖xyz - mean‖`` in float32: the official
    loaders' ``pc_normalize`` (ModelNet, few-shot) and ``pc_norm``
    (ShapeNet-55), and the one normalisation of every pipeline (the
    datasets hand out clouds as stored). Extra columns (normals, ...) are
    kept as they are.

    Required keys: ``points`` [N, C]. Modified keys: ``points``.

    Raises:
        ValueError: Naming the item (``pc_path``, ``file_name`` or
            ``sample_idx``), for a cloud that is one point repeated or
            whose radius is not finite: it cannot be normalised.
    """

    def transform(self, results: dict) -> dict:
        """Normalise the points."""
        points = results['points'].astype(np.float32, copy=True)
        xyz = points[:, :3] - points[:, :3].mean(0)
        radius = np.sqrt((xyz**2).sum(axis=1)).max()
        if not 0 < radius < np.inf:
            item = results.get('pc_path') or results.get('file_name') or (
                f'item {results.get("sample_idx")}')
            problem = ('is one point repeated' if radius == 0 else
                       f'has radius {radius} (NaN, Inf or overflow)')
            raise ValueError(f'{item}: cannot normalise a cloud that '
                             f'{problem}')
        points[:, :3] = xyz / radius
        results['points'] = points
        return results
