"""Augmentations of the classification fine-tunes (official data_transforms).

The official runner applies its augmentations to a whole batch on the GPU,
after the batch-wise FPS and subset sampling; here they run per item in
the dataset pipeline, before the data preprocessor samples. Shifting xyz
does not change which points FPS picks, but scaling the axes differently
does, so a pipeline with :class:`PointScaleTranslate` or
:class:`PointScale` samples a little differently from the official order.
"""
from typing import Sequence, Tuple

from mmcv.transforms import BaseTransform

from recon3d.registry import TRANSFORMS
from .rng import transform_rng


def _range(value: Sequence[float], name: str) -> Tuple[float, float]:
    low, high = (float(v) for v in value)
    if low > high:
        raise ValueError(f'{name} must be (low, high) with low <= high, got '
                         f'{tuple(value)}')
    return low, high


@TRANSFORMS.register_module()
class PointScaleTranslate(BaseTransform):
    """Scale each axis and shift xyz: ``xyz ← xyz · s + t``.

    As the official ``PointcloudScaleAndTranslate`` (the ModelNet train
    augmentation): ``s`` and ``t`` are drawn per axis, ``s ~ U(scale)``,
    ``t ~ U(shift)``, once per cloud. Only xyz changes; normals in columns
    3-5 are left as they are, as in the official code.

    Required keys: ``points`` [N, C]. Modified keys: ``points``.

    Args:
        scale (Sequence[float]): (low, high) of the per-axis factor.
            Defaults to (2/3, 3/2).
        shift (Sequence[float]): (low, high) of the per-axis shift.
            Defaults to (-0.2, 0.2).
    """

    def __init__(
        self,
        scale: Sequence[float] = (2 / 3, 3 / 2),
        shift: Sequence[float] = (-0.2, 0.2)
    ) -> None:
        self.scale = _range(scale, 'scale')
        self.shift = _range(shift, 'shift')

    def transform(self, results: dict) -> dict:
        """Scale and shift the points."""
        rng = transform_rng()
        factor = rng.uniform(*self.scale, size=3)
        offset = rng.uniform(*self.shift, size=3)
        points = results['points'].copy()
        points[:, :3] = points[:, :3] * factor + offset
        results['points'] = points
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale={self.scale}, '
                f'shift={self.shift})')


@TRANSFORMS.register_module()
class PointScale(BaseTransform):
    """Scale each axis of xyz by its own factor ``s ~ U(scale)``.

    As the official ``PointcloudScale``, the ModelNet test-time
    augmentation of voting. Normals are left as they are.

    Required keys: ``points`` [N, C]. Modified keys: ``points``.

    Args:
        scale (Sequence[float]): (low, high) of the per-axis factor.
            Defaults to (2/3, 3/2).
    """

    def __init__(self, scale: Sequence[float] = (2 / 3, 3 / 2)) -> None:
        self.scale = _range(scale, 'scale')

    def transform(self, results: dict) -> dict:
        """Scale the points."""
        factor = transform_rng().uniform(*self.scale, size=3)
        points = results['points'].copy()
        points[:, :3] = points[:, :3] * factor
        results['points'] = points
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(scale={self.scale})'


@TRANSFORMS.register_module()
class ShufflePoints(BaseTransform):
    """Put the points in a random order.

    The official classification loaders do this for the train split. It is
    not cosmetic: FPS starts at point 0, so shuffling makes the batch-wise
    FPS of training start from a random point.

    Required keys: ``points`` [N, C]. Modified keys: ``points``.
    """

    def transform(self, results: dict) -> dict:
        """Shuffle the points."""
        points = results['points']
        results['points'] = points[transform_rng().permutation(len(points))]
        return results
