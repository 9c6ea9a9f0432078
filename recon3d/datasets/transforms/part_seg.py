"""Transforms of part-segmentation samples (per-point part labels)."""
import os.path as osp
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from recon3d.registry import TRANSFORMS
from ..base_dataset import check_clouds
from .formatting import PackReconInputs
from .rng import transform_rng


def _first_bad_row(path: str, columns: int) -> Tuple[int, str]:
    """(line number, reason) of the first row that is not ``columns``
    numbers, or (0, '') if every row is."""
    with open(path) as f:
        for number, line in enumerate(f, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) < columns:
                return number, (f'has {len(fields)} columns, expected '
                                f'{columns} (x y z nx ny nz part)')
            try:
                [float(v) for v in fields]
            except ValueError:
                return number, 'has a value that is not a number'
    return 0, ''


def load_part_file(path: str,
                   part_ids: Sequence[int],
                   use_dims: int = 3) -> Tuple[np.ndarray, np.ndarray]:
    """Read a ShapeNetPart file: rows ``x y z nx ny nz part``.

    The part is the last column, a global part id stored as a float (as
    the official loader reads it).

    Args:
        path (str): The ``<synset>/<id>.txt`` file.
        part_ids (Sequence[int]): The part ids of the shape's category;
            every row's part must be one of them.
        use_dims (int): Leading columns kept (3 = xyz, 6 = with normals).
            Defaults to 3.

    Returns:
        tuple: points float32 [N, use_dims] and parts int64 [N].

    Raises:
        ValueError: Naming the file, and the line where it applies: a
            missing or empty file, a row of fewer than 7 columns or with a
            value that is not a number, rows of different lengths, a part
            that is not an integer of the category, NaN or Inf; a cloud
            that overflows float32 or is one point repeated
            (:func:`~recon3d.datasets.base_dataset.check_clouds`).
    """
    if not osp.isfile(path):
        raise ValueError(f'{path}: ShapeNetPart file not found')
    try:
        data = np.loadtxt(path, dtype=np.float64, ndmin=2)
    except ValueError as err:
        number, reason = _first_bad_row(path, 7)
        where = f', line {number} {reason}' if number else f' ({err})'
        raise ValueError(f'{path}: cannot read the rows{where}') from err
    if data.size == 0:
        raise ValueError(f'{path}: the file has no points')
    if data.shape[1] < 7:
        number, reason = _first_bad_row(path, 7)
        raise ValueError(f'{path}, line {number}: the row {reason}')
    bad = np.flatnonzero(~np.isfinite(data).all(1))
    if len(bad):
        raise ValueError(f'{path}, line {_line(path, bad[0])}: NaN or Inf '
                         'value')
    part = data[:, -1]
    allowed = np.asarray(sorted(part_ids))
    ok = (part == np.round(part)) & np.isin(part, allowed)
    bad = np.flatnonzero(~ok)
    if len(bad):
        raise ValueError(
            f'{path}, line {_line(path, bad[0])}: part {part[bad[0]]:g} is '
            f'not a part id of the category ({allowed.min()}-'
            f'{allowed.max()}); {len(bad)} such rows')
    with np.errstate(over='ignore'):
        points = np.ascontiguousarray(data[:, :use_dims], dtype=np.float32)
    check_clouds(points[None], path, what=None)
    return points, part.astype(np.int64)


def _line(path: str, row: int) -> int:
    """Line number of data row ``row`` (0-based), blank lines skipped."""
    with open(path) as f:
        seen = -1
        for number, line in enumerate(f, 1):
            if line.strip():
                seen += 1
                if seen == row:
                    return number
    return row + 1


@TRANSFORMS.register_module()
class LoadPartSegPoints(BaseTransform):
    """Load ``results['pc_path']`` into ``points`` and ``gt_part``.

    Required keys: ``pc_path``, ``part_ids`` (the category's part ids).
    Added keys: ``points`` float32 [N, use_dims], ``gt_part`` int64 [N].

    Args:
        use_dims (int): 3 = xyz (the official setting), 6 = with normals.
            Defaults to 3.
    """

    def __init__(self, use_dims: int = 3) -> None:
        if use_dims not in (3, 6):
            raise ValueError(f'use_dims must be 3 or 6, got {use_dims}')
        self.use_dims = use_dims

    def transform(self, results: dict) -> dict:
        """Read the file."""
        results['points'], results['gt_part'] = load_part_file(
            results['pc_path'], results['part_ids'], self.use_dims)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(use_dims={self.use_dims})'


@TRANSFORMS.register_module()
class ResamplePoints(BaseTransform):
    """Draw ``num_points`` points, with replacement by default; per-point
    labels (``gt_part``) follow their points.

    The official part-segmentation loader draws 2048 of a shape's points
    with replacement, anew each time, for training and testing alike.
    With ``seed`` the draw of item ``sample_idx`` is fixed (``default_rng(
    [seed, sample_idx])``), so that evaluation sees the same points every
    time; without it, the draw is fresh.

    Required keys: ``points`` [N, C]; optional ``gt_part`` [N],
    ``sample_idx``. Modified keys: ``points``, ``gt_part``.

    Args:
        num_points (int): Points to draw.
        replace (bool): Draw with replacement. Defaults to True.
        seed (int, optional): Fix each item's draw. Defaults to None.
    """

    def __init__(self,
                 num_points: int,
                 replace: bool = True,
                 seed: Optional[int] = None) -> None:
        self.num_points = num_points
        self.replace = replace
        self.seed = seed

    def transform(self, results: dict) -> dict:
        """Draw the points."""
        count = len(results['points'])
        if not self.replace and count < self.num_points:
            raise ValueError(
                f'{results.get("pc_path", "points")}: cannot draw '
                f'{self.num_points} points from {count} without replacement')
        if self.seed is None:
            rng = transform_rng()
        else:
            rng = np.random.default_rng(
                [self.seed, int(results.get('sample_idx', 0))])
        index = rng.choice(count, self.num_points, replace=self.replace)
        results['points'] = results['points'][index]
        if 'gt_part' in results:
            results['gt_part'] = results['gt_part'][index]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_points={self.num_points}, '
                f'replace={self.replace}, seed={self.seed})')


@TRANSFORMS.register_module()
class PackPartSegInputs(PackReconInputs):
    """:class:`PackReconInputs` plus the per-point ``gt_part`` (LongTensor
    [N]) on the data sample, and the category's ``part_ids`` in its
    metainfo.

    Required keys: ``points``, ``gt_label``; optional ``gt_part``.
    """

    META_KEYS = PackReconInputs.META_KEYS + ('part_ids', )

    def transform(self, results: dict) -> dict:
        """Pack the sample."""
        packed = super().transform(results)
        if 'gt_part' in results:
            packed['data_samples'].set_field(
                torch.as_tensor(np.asarray(results['gt_part']),
                                dtype=torch.long), 'gt_part',
                dtype=torch.Tensor)
        return packed
