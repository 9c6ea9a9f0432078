"""Point-batch augmentations (the official ``data_transforms``).

The official fine-tune and pretraining loops augment a whole batch on the
GPU, after the batch-wise FPS and subset sampling; these classes do the
same, vectorised over the batch, with one draw per cloud. They run in
:class:`PointDataPreprocessor` (``batch_augments``, training only) and in
:class:`~recon3d.models.tta.PointClassifierTTA` (``augments``, the
test-time augmentation of voting).

Each augment maps ``points`` [B, N, C] (xyz in columns 0-2, C >= 3) to a
new tensor of the same shape, dtype and device; the input is not modified.
Which one the official code uses where:

==============================  =============================================
:class:`BatchScaleTranslate`    ModelNet40 fine-tune (training)
:class:`BatchRotateY`           ScanObjectNN and few-shot fine-tunes
                                (training), pretraining, PB_T50_RS voting
:class:`BatchScale`             ModelNet40 voting
:class:`BatchJitter`            none of the released configs
==============================  =============================================
"""
import math
from typing import Callable, List, Optional, Sequence, Tuple, Union

import torch

from recon3d.registry import BATCH_AUGMENTS


def _range(value: Sequence[float], name: str) -> Tuple[float, float]:
    low, high = (float(v) for v in value)
    if low > high:
        raise ValueError(f'{name} must be (low, high) with low <= high, got '
                         f'{tuple(value)}')
    return low, high


def _check(points: torch.Tensor) -> None:
    if points.dim() != 3 or points.size(-1) < 3:
        raise ValueError('a batch augment needs points [B, N, C] with '
                         f'C >= 3, got {tuple(points.shape)}')


def _per_cloud(points: torch.Tensor, low: float,
               high: float) -> torch.Tensor:
    """[B, 1, 3] factors ~ U(low, high), one per cloud and axis."""
    return torch.empty(points.size(0), 1, 3, device=points.device,
                       dtype=points.dtype).uniform_(low, high)


def _with_xyz(points: torch.Tensor, xyz: torch.Tensor) -> torch.Tensor:
    """``points`` with its columns 0-2 replaced by ``xyz``."""
    return torch.cat([xyz, points[..., 3:]], dim=-1)


@BATCH_AUGMENTS.register_module()
class BatchScaleTranslate:
    """``xyz ← xyz · s + t``, ``s ~ U(scale)`` and ``t ~ U(shift)`` drawn
    per cloud and axis.

    The official ``PointcloudScaleAndTranslate`` (ModelNet40 training).
    Columns after xyz (normals) are left as they are, as officially.

    With ``isotropic=True`` one factor per cloud scales all three axes:
    the official part-segmentation augmentation (``scale=(0.8, 1.25)``,
    ``shift=(-0.1, 0.1)``).

    Args:
        scale (Sequence[float]): (low, high) of the per-axis factor.
            Defaults to (2/3, 3/2).
        shift (Sequence[float]): (low, high) of the per-axis shift.
            Defaults to (-0.2, 0.2).
        isotropic (bool): One scale factor per cloud instead of one per
            axis. Defaults to False.
    """

    def __init__(
        self,
        scale: Sequence[float] = (2 / 3, 3 / 2),
        shift: Sequence[float] = (-0.2, 0.2),
        isotropic: bool = False
    ) -> None:
        self.scale = _range(scale, 'scale')
        self.shift = _range(shift, 'shift')
        self.isotropic = isotropic

    def __call__(self, points: torch.Tensor) -> torch.Tensor:
        """[B, N, C] -> [B, N, C]."""
        _check(points)
        factor = _per_cloud(points, *self.scale)
        if self.isotropic:
            factor = factor[..., :1]
        offset = _per_cloud(points, *self.shift)
        return _with_xyz(points, points[..., :3] * factor + offset)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale={self.scale}, '
                f'shift={self.shift}, isotropic={self.isotropic})')


@BATCH_AUGMENTS.register_module()
class BatchScale:
    """``xyz ← xyz · s``, ``s ~ U(scale)`` drawn per cloud and axis.

    The official ``PointcloudScale`` (the ModelNet40 voting augmentation).
    Normals are left as they are, as officially.

    Args:
        scale (Sequence[float]): (low, high) of the per-axis factor.
            Defaults to (2/3, 3/2).
    """

    def __init__(self, scale: Sequence[float] = (2 / 3, 3 / 2)) -> None:
        self.scale = _range(scale, 'scale')

    def __call__(self, points: torch.Tensor) -> torch.Tensor:
        """[B, N, C] -> [B, N, C]."""
        _check(points)
        factor = _per_cloud(points, *self.scale)
        return _with_xyz(points, points[..., :3] * factor)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(scale={self.scale})'


@BATCH_AUGMENTS.register_module()
class BatchRotateY:
    """Rotate each cloud about the up axis y by its own angle
    ``θ ~ U(angle_range)``.

    The official ``PointcloudRotate``: ``p ← p R`` with row vectors and
    ``R = [[c, 0, s], [0, 1, 0], [-s, 0, c]]``, ``c = cos θ``,
    ``s = sin θ``. When C >= 6, the normals in columns 3-5 rotate with xyz;
    other columns are left as they are.

    Args:
        angle_range (Sequence[float]): (low, high) of θ in radians.
            Defaults to (0, 2π).
    """

    def __init__(
        self, angle_range: Sequence[float] = (0.0, 2 * math.pi)) -> None:
        self.angle_range = _range(angle_range, 'angle_range')

    def rotation(self, points: torch.Tensor) -> torch.Tensor:
        """Draw one R per cloud: [B, 3, 3]."""
        low, high = self.angle_range
        angle = torch.rand(points.size(0), device=points.device,
                           dtype=points.dtype) * (high - low) + low
        c, s = angle.cos(), angle.sin()
        zero, one = torch.zeros_like(c), torch.ones_like(c)
        return torch.stack([
            torch.stack([c, zero, s], -1),
            torch.stack([zero, one, zero], -1),
            torch.stack([-s, zero, c], -1)
        ], 1)

    def __call__(self, points: torch.Tensor) -> torch.Tensor:
        """[B, N, C] -> [B, N, C]."""
        _check(points)
        rot = self.rotation(points)
        parts = [points[..., :3] @ rot]
        if points.size(-1) >= 6:
            parts += [points[..., 3:6] @ rot, points[..., 6:]]
        else:
            parts.append(points[..., 3:])
        return torch.cat(parts, dim=-1)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(angle_range={self.angle_range})'


@BATCH_AUGMENTS.register_module()
class BatchJitter:
    """Add clipped Gaussian noise to every coordinate:
    ``xyz ← xyz + clip(ε, -clip, clip)``, ``ε ~ N(0, std²)`` per point and
    axis.

    The official ``PointcloudJitter`` (defined there, not used by the
    released configs). Normals are left as they are.

    Args:
        std (float): Standard deviation of the noise. Defaults to 0.01.
        clip (float): Bound of the noise. Defaults to 0.05.
    """

    def __init__(self, std: float = 0.01, clip: float = 0.05) -> None:
        if std < 0 or clip < 0:
            raise ValueError(f'std and clip must be >= 0, got std={std}, '
                             f'clip={clip}')
        self.std = float(std)
        self.clip = float(clip)

    def __call__(self, points: torch.Tensor) -> torch.Tensor:
        """[B, N, C] -> [B, N, C]."""
        _check(points)
        xyz = points[..., :3]
        noise = torch.empty_like(xyz).normal_(0.0, self.std)
        return _with_xyz(points, xyz + noise.clamp_(-self.clip, self.clip))

    def __repr__(self) -> str:
        return f'{type(self).__name__}(std={self.std}, clip={self.clip})'


BatchAugment = Callable[[torch.Tensor], torch.Tensor]


def build_batch_augments(
    cfgs: Optional[Sequence[Union[dict, BatchAugment]]]
) -> List[BatchAugment]:
    """Build augments from ``BATCH_AUGMENTS`` configs (built augments pass
    through), in order. None gives an empty list."""
    if cfgs is None:
        return []
    if isinstance(cfgs, dict) or callable(cfgs):
        raise TypeError('batch augments must be a list of configs, e.g. '
                        "[dict(type='BatchRotateY')], got "
                        f'{type(cfgs).__name__}')
    return [
        BATCH_AUGMENTS.build(cfg) if isinstance(cfg, dict) else cfg
        for cfg in cfgs
    ]


def apply_batch_augments(augments: Sequence[BatchAugment],
                         points: torch.Tensor) -> torch.Tensor:
    """Apply ``augments`` in order: [B, N, C] -> [B, N, C]."""
    for augment in augments:
        points = augment(points)
    return points
