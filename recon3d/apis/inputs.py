"""Turning what users pass (arrays, files, folders) into model batches."""
import os
import os.path as osp
import zlib
from typing import Iterator, List, NamedTuple, Optional, Sequence, Union

import numpy as np
import torch

from recon3d.datasets.io import (POINT_SUFFIXES, PointFileError,
                                 check_points, read_points, resample_points)

__all__ = [
    'Cloud', 'InputError', 'expand_inputs', 'load_cloud', 'prepare_cloud',
    'iter_batches'
]

#: Anything the API functions accept as inputs.
InputsType = Union[str, os.PathLike, np.ndarray, torch.Tensor,
                   Sequence[Union[str, os.PathLike, np.ndarray,
                                  torch.Tensor]]]


class InputError(ValueError):
    """One input that cannot be used; the message names it."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f'{name}: {problem}')
        self.name = name
        self.problem = problem


class Cloud(NamedTuple):
    """One prepared input: its name and float32 points [P, C]."""
    name: str
    points: np.ndarray


def _walk(folder: str) -> List[str]:
    """Supported files under ``folder`` (recursively), sorted."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
        found += [
            osp.join(root, f) for f in files
            if osp.splitext(f)[1].lower() in POINT_SUFFIXES
        ]
    return sorted(found)


def expand_inputs(inputs: InputsType) -> List[Union[str, np.ndarray]]:
    """Flatten inputs into a list of file paths and [N, C] arrays.

    A folder becomes its supported files (recursively, sorted); a [B, N, C]
    array or tensor becomes B clouds; a path that does not exist stays, so
    that reading it names it.

    Raises:
        InputError: For a folder with no supported file, or an input of
            another type.
    """
    if isinstance(inputs, (str, os.PathLike, np.ndarray, torch.Tensor)):
        inputs = [inputs]
    out: List[Union[str, np.ndarray]] = []
    for i, item in enumerate(inputs):
        if isinstance(item, torch.Tensor):
            item = item.detach().cpu().numpy()
        if isinstance(item, np.ndarray):
            if item.ndim == 3:
                out += list(item)
            else:
                out.append(item)
        elif isinstance(item, (str, os.PathLike)):
            path = os.fspath(item)
            if osp.isdir(path):
                files = _walk(path)
                if not files:
                    raise InputError(
                        path, 'folder without a supported file (suffixes: '
                        f'{" ".join(POINT_SUFFIXES)})')
                out += files
            else:
                out.append(path)
        else:
            raise InputError(f'input {i}', 'expected a file, a folder or an '
                             f'array, got {type(item).__name__}')
    return out


def _check_array(name: str, array: np.ndarray) -> np.ndarray:
    """The checks :func:`read_points` makes on files, for arrays."""
    array = np.asarray(array)
    try:
        check_points(name, array)
    except PointFileError as err:
        raise InputError(name, err.problem) from err
    if len(array) == 0:
        raise InputError(name, 'has 0 points')
    if not np.isfinite(array).all():
        raise InputError(name, 'has NaN or Inf values')
    return array.astype(np.float32)


def load_cloud(item: Union[str, np.ndarray], name: str,
               min_points: int = 1, mesh_points: int = 8192) -> np.ndarray:
    """Read one input as xyz [N, 3] float32, checked.

    Raises:
        InputError: Naming the input: unreadable, NaN/Inf, fewer than 3
            columns, 0 points, fewer than ``min_points`` points, or all
            points equal.
    """
    if isinstance(item, np.ndarray):
        points = _check_array(name, item)[:, :3]
    else:
        try:
            points = read_points(item, mesh_points=mesh_points)
        except PointFileError as err:
            raise InputError(err.path, err.problem) from err
    if len(points) < min_points:
        raise InputError(
            name, f'has {len(points)} points, fewer than the model\'s group '
            f'count {min_points}')
    if not np.ptp(points, axis=0).any():
        raise InputError(name, 'all its points are one point')
    return points


def prepare_cloud(points: np.ndarray, num_points: int, name: str,
                  normalize: bool = True) -> np.ndarray:
    """Normalise into the unit sphere (as training does), then bring to
    exactly ``num_points`` points (seeded by ``name``, so repeatable)."""
    if normalize:
        points = points - points.mean(0)
        radius = np.linalg.norm(points, axis=1).max()
        points = points / radius if radius > 0 else points
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    return np.ascontiguousarray(
        resample_points(points, num_points, rng), dtype=np.float32)


def iter_batches(items: Sequence[Union[str, np.ndarray]],
                 batch_size: int,
                 num_points: int,
                 min_points: int = 1,
                 normalize: bool = True,
                 errors: Optional[List[InputError]] = None
                 ) -> Iterator[List[Cloud]]:
    """Read, check and prepare inputs, ``batch_size`` at a time.

    Args:
        items (Sequence): From :func:`expand_inputs`.
        batch_size (int): Clouds per batch.
        num_points (int): Points per prepared cloud.
        min_points (int): The model's group count.
        normalize (bool): Unit-sphere normalisation. Defaults to True.
        errors (list, optional): When given, an input that fails is
            appended here and left out; otherwise its error is raised.

    Yields:
        list[Cloud]: Up to ``batch_size`` prepared clouds.
    """
    batch: List[Cloud] = []
    for i, item in enumerate(items):
        name = item if isinstance(item, str) else f'array {i}'
        try:
            points = load_cloud(item, name, min_points, num_points)
        except InputError as err:
            if errors is None:
                raise
            errors.append(err)
            continue
        batch.append(Cloud(name, prepare_cloud(points, num_points, name,
                                               normalize)))
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch
