"""The base of the point-cloud datasets and the checks every cloud passes.

The classification datasets read a split's clouds from one file of arrays
(ModelNet's ``.dat`` pickles, a few-shot ``.pkl`` fold, a ScanObjectNN
``.h5`` file); :class:`BasePointDataset` keeps those arrays and hands out
items from them. Datasets whose clouds are one file each (ShapeNet-55's
``.npy``) share the same base for the split, list and label rules, and
their loading transform runs the same :func:`check_clouds` on each file.
"""
import os.path as osp
from abc import ABCMeta, abstractmethod
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.dataset import BaseDataset

#: Largest coordinate magnitude accepted. Beyond it the squared norms of
#: centred xyz overflow float32 (``(2·x)² · 3 > float32 max``), and the
#: unit-sphere normalisation would silently map the cloud to one point.
MAX_COORD = float(np.sqrt(np.finfo(np.float32).max / 3) / 2)

#: Clouds checked at a time, to bound the temporaries of the checks.
_CHUNK = 512


def check_clouds(points: np.ndarray,
                 source: str,
                 what: Optional[str] = 'cloud',
                 first: int = 0) -> None:
    """Refuse clouds that a model would silently train on as garbage.

    Vectorised over the clouds (in chunks of 512). A cloud is refused if
    any value is NaN or Inf (also the result of a cast to float32 that
    overflowed), if a coordinate is larger in magnitude than
    :data:`MAX_COORD`, or if all its points are one point (nothing to
    normalise; the unit-sphere scaling would divide by zero).

    Args:
        points (np.ndarray): [n, P, C], xyz in the first 3 columns.
        source (str): The file the clouds come from, for the message.
        what (str, optional): What an entry is called in the message
            (``'cloud'`` gives "cloud 4 has ..."); None for a file that
            holds one cloud. Defaults to 'cloud'.
        first (int): Index of ``points[0]`` in the message. Defaults to 0.

    Raises:
        ValueError: ``'<source>: <what> <i> ...'``, naming the first bad
            cloud, what is wrong and how many clouds are bad that way.
    """
    if points.ndim != 3 or points.shape[2] < 3:
        raise ValueError(f'{source}: expected clouds of shape [n, P, C >= 3]'
                         f', got {list(points.shape)}')
    if points.shape[1] == 0:
        raise ValueError(f'{source}: the clouds have 0 points')
    problems = (
        ('has NaN or Inf values (or values beyond the float32 range)',
         lambda c: ~np.isfinite(c).all(axis=(1, 2))),
        (f'has coordinates beyond ±{MAX_COORD:.3g}, where float32 '
         'normalisation overflows',
         lambda c: np.abs(c[..., :3]).max(axis=(1, 2)) > MAX_COORD),
        ('is one point repeated (all its points are equal)',
         lambda c: (c[:, :, :3] == c[:, :1, :3]).all(axis=(1, 2))),
    )
    for problem, test in problems:
        bad = np.concatenate([
            np.flatnonzero(test(points[begin:begin + _CHUNK])) + begin
            for begin in range(0, len(points), _CHUNK)
        ] or [np.zeros(0, np.int64)])
        if len(bad):
            name = 'the cloud' if what is None else f'{what} {bad[0] + first}'
            count = '' if what is None else (
                f' ({len(bad)} of {len(points)} such)')
            raise ValueError(f'{source}: {name} {problem}{count}')


def stack_clouds(clouds: Sequence[np.ndarray],
                 path: str,
                 num_points: Optional[int],
                 channels: int,
                 what: str = 'cloud') -> np.ndarray:
    """Copy clouds of one shape into a float32 [n, P, channels] array.

    The list entries are released as they are copied (``clouds`` is
    emptied when it is a list), so the peak memory stays near one copy.
    Values too large for float32 become Inf, which :func:`check_clouds`
    then refuses.

    Args:
        clouds (Sequence[np.ndarray]): [P, C >= channels] each.
        path (str): The file they come from, for the messages.
        num_points (int, optional): Required P; None takes the first's.
        channels (int): Leading columns to keep.
        what (str): Name of an entry in the messages.

    Raises:
        ValueError: Naming the file and entry, for an entry that is not a
            2-D numeric array of P rows and at least ``channels`` columns.
    """
    count = len(clouds)
    out = None
    for i in range(count):
        cloud = clouds[i]
        shape = getattr(cloud, 'shape', None)
        if (not isinstance(cloud, np.ndarray) or cloud.ndim != 2
                or cloud.shape[1] < channels or cloud.dtype.kind not in 'fiu'
                or (num_points is not None and len(cloud) != num_points)):
            rows = 'P' if num_points is None else num_points
            raise ValueError(
                f'{path}: {what} {i} should be a numeric array of shape '
                f'[{rows}, C >= {channels}], got '
                f'{list(shape) if shape is not None else type(cloud).__name__}'
            )
        if out is None:
            num_points = len(cloud)
            out = np.empty((count, num_points, channels), dtype=np.float32)
        with np.errstate(over='ignore'):
            out[i] = cloud[:, :channels]
        if isinstance(clouds, list):
            clouds[i] = None
    if out is None:
        out = np.empty((0, num_points or 0, channels), dtype=np.float32)
    return out


def read_list(path: str, what: str) -> List[Tuple[int, str]]:
    """Non-blank lines of a split list, stripped, with their numbers.

    Args:
        path (str): The list file.
        what (str): What the file is, for the missing-file message (e.g.
            ``'ModelNet split list'``).

    Returns:
        list[tuple[int, str]]: (line number from 1, entry).

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: Naming the file and both lines, for an entry listed
            twice (it would be trained on twice and counted twice).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} not found: {path}')
    entries, seen = [], {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            entry = line.strip()
            if not entry:
                continue
            if entry in seen:
                raise ValueError(f'{path}, line {number}: {entry!r} is '
                                 f'listed twice (first on line '
                                 f'{seen[entry]})')
            seen[entry] = number
            entries.append((number, entry))
    return entries


class BasePointDataset(BaseDataset, metaclass=ABCMeta):
    """Base of the point-cloud datasets: one split, items of one contract.

    A subclass reads its split in :meth:`load_items`, which returns one
    small dict per item (``gt_label`` and what else the item carries) and,
    for array-backed datasets, the arrays the items are cut from:
    ``{'points': float32 [n, P, C], ...}`` (any other array [n, ...] is
    handed out under its key too). The base then

    - refuses an empty split, naming :attr:`source`;
    - refuses bad clouds with :func:`check_clouds` (NaN/Inf, overflow, one
      repeated point), naming :attr:`source` and the item index;
    - with ``num_points``, refuses clouds of another size;
    - gives each item ``array_idx`` (its row) and ``split``.

    Why the arrays live on the dataset: each file is one block of arrays,
    so it is read once into one array kept by the dataset, and the data
    list holds small dicts pointing into it. The list stays cheap to
    serialise, and dataloader workers share the one array (copy-on-write
    after fork). A loading transform could not reach the array.

    Items (:meth:`get_data_info`): ``points`` float32 [P, C] (a copy, as
    stored: normalisation is the pipeline's ``NormalizePoints``),
    ``gt_label``, ``split``, ``sample_idx``, ``array_idx``, and the keys of
    the subclass. Datasets that keep one file per cloud return no arrays;
    their items carry a path for the loading transform.

    Args:
        data_root (str): Dataset root.
        split (str): One of :attr:`SPLITS`. Defaults to 'train'.
        num_points (int, optional): Points per cloud the arrays must hold;
            None accepts what the file holds. Defaults to None.
        **kwargs: Other :class:`mmengine.dataset.BaseDataset` arguments.
    """

    SPLITS: Tuple[str, ...] = ('train', 'test')
    #: What an item is called in the messages.
    ITEM_NAME = 'item'

    def __init__(self,
                 data_root: str = '',
                 split: str = 'train',
                 num_points: Optional[int] = None,
                 **kwargs) -> None:
        if split not in self.SPLITS:
            raise ValueError(
                f'split must be one of {self.SPLITS}, got {split!r}')
        self.split = split
        self.num_points = num_points
        self._arrays: Dict[str, np.ndarray] = {}
        super().__init__(data_root=data_root, **kwargs)

    @property
    def source(self) -> str:
        """The file the split is read from, named by every error."""
        return self.ann_file

    @property
    def points_per_cloud(self) -> Optional[int]:
        """P of the held clouds; None for clouds read per item."""
        points = self._arrays.get('points')
        return None if points is None else points.shape[1]

    @abstractmethod
    def load_items(self) -> Tuple[List[dict], Dict[str, np.ndarray]]:
        """Read the split.

        Returns:
            tuple: One dict per item, and the arrays ``{'points': float32
            [n, P, C], ...}`` they are cut from (empty for datasets that
            keep one file per cloud).
        """

    def load_data_list(self) -> List[dict]:
        """Read the split with :meth:`load_items` and check it."""
        data_list, arrays = self.load_items()
        if not data_list:
            raise ValueError(f'{self.source}: the {self.split} split has no '
                             f'{self.ITEM_NAME}')
        for key, array in arrays.items():
            if len(array) != len(data_list):
                raise ValueError(f'{self.source}: {len(array)} rows of '
                                 f'{key!r} for {len(data_list)} items')
        if 'points' in arrays:
            points = arrays['points']
            check_clouds(points, self.source, self.ITEM_NAME)
            if (self.num_points is not None
                    and points.shape[1] != self.num_points):
                raise ValueError(
                    f'{self.source}: the clouds hold {points.shape[1]} '
                    f'points, {self.num_points} expected (num_points)')
        for i, info in enumerate(data_list):
            info.setdefault('split', self.split)
            if arrays:
                info['array_idx'] = i
        self._arrays = arrays
        return data_list

    def get_data_info(self, idx: int) -> dict:
        """Item ``idx``, with its rows of the arrays (copies)."""
        info = super().get_data_info(idx)
        for key, array in self._arrays.items():
            info[key] = array[info['array_idx']].copy()
        return info

    def get_cat_ids(self, idx: int) -> List[int]:
        """The label of item ``idx``, as a one-element list."""
        return [int(super().get_data_info(idx)['gt_label'])]
