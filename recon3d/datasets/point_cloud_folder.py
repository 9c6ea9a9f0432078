"""A folder of your own point clouds or meshes as a dataset."""
import logging
import os
import os.path as osp
import zlib
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.logging import print_log

from recon3d.registry import DATASETS
from .base_dataset import BasePointDataset
from .io import POINT_SUFFIXES, PointFileError, read_points, resample_points

__all__ = ['PointCloudFolder', 'find_point_files', 'read_class_names']


def find_point_files(folder: str) -> List[str]:
    """Files of a supported suffix directly in ``folder``, sorted."""
    return sorted(
        name for name in os.listdir(folder)
        if osp.splitext(name)[1].lower() in POINT_SUFFIXES
        and osp.isfile(osp.join(folder, name)))


def read_class_names(classes: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    """Class names from a sequence, or from a file with one a line."""
    if isinstance(classes, str):
        if not osp.isfile(classes):
            raise FileNotFoundError(f'class-name file not found: {classes}')
        with open(classes) as f:
            classes = [line.strip() for line in f if line.strip()]
    names = tuple(str(c) for c in classes)
    if len(set(names)) != len(names):
        raise ValueError(f'class names listed twice: {names}')
    return names


@DATASETS.register_module()
class PointCloudFolder(BasePointDataset):
    """Your own files, laid out by class, as a classification dataset.

    Layouts under ``data_root`` (any of the formats of
    :mod:`recon3d.datasets.io`: ``.npy .npz .txt .xyz .pts .ply .pcd .off
    .obj .stl``)::

        <class>/train/<name>.<ext>    labelled, with splits
        <class>/test/<name>.<ext>
        <class>/<name>.<ext>          labelled, one split ('all')
        <name>.<ext>                  unlabelled (a flat folder)

    The class of a file is its folder's name; labels follow the sorted
    folder names unless ``classes`` gives the order (a list, or a file with
    one name a line, e.g. a ModelNet ``*_shape_names.txt``, to match a
    trained model). ``split='all'`` takes every file of a labelled folder
    (with or without split subfolders); ``'train'``/``'test'`` need the
    split subfolders. A flat folder is read unlabelled: items carry no
    ``gt_label`` (for embedding and zero-shot prediction, not scoring).

    Each file is read once, at load, and brought to exactly ``num_points``
    points (meshes are sampled over their surface; larger clouds keep a
    random subset, smaller ones repeat points, both seeded per file), so
    the split is one float32 array [n, num_points, C] as for the official
    datasets, and every classification config's preprocessor (FPS, subset)
    applies unchanged. C is 3, plus 3 with ``normals`` and 3 with
    ``colors``. Normalisation is the pipeline's (``NormalizePoints``).

    Args:
        data_root (str): The folder.
        split (str): ``'train'``, ``'test'`` or ``'all'``. Defaults to
            ``'all'``.
        num_points (int): Points per cloud after reading. Defaults to 8192.
        classes (str | Sequence[str], optional): Class names in label
            order, or a file of them; folders not listed are left out.
        normals (bool): Keep normals (an error for a file without).
        colors (bool): Keep colours, 0..1 (an error for a file without).
        min_points (int): Refuse a file with fewer points than this (a
            model needs at least its group count). Defaults to 1.
        skip_invalid (bool): Leave out unreadable or invalid files with a
            warning naming each, instead of stopping. Defaults to False.
        seed (int): Seed of the per-file sampling. Defaults to 0.
        **kwargs: Other :class:`BasePointDataset` arguments (``pipeline``,
            ``test_mode``, ``indices``...).

    Raises:
        FileNotFoundError: If ``data_root`` is not a folder.
        ValueError: Naming the file, for a file that cannot be read, has
            NaN/Inf, fewer than 3 columns, 0 points or fewer than
            ``min_points`` (unless ``skip_invalid``); for a folder with no
            supported file, or without the asked split's subfolders.
    """

    METAINFO = dict(dataset_name='PointCloudFolder', classes=())
    SPLITS = ('train', 'test', 'all')
    ITEM_NAME = 'file'

    def __init__(self,
                 data_root: str,
                 split: str = 'all',
                 num_points: int = 8192,
                 classes: Optional[Union[str, Sequence[str]]] = None,
                 normals: bool = False,
                 colors: bool = False,
                 min_points: int = 1,
                 skip_invalid: bool = False,
                 seed: int = 0,
                 **kwargs) -> None:
        if not osp.isdir(data_root):
            raise FileNotFoundError(
                f'point-cloud folder not found: {data_root}')
        self.class_names = None if classes is None else \
            read_class_names(classes)
        self.normals = normals
        self.colors = colors
        self.min_points = max(int(min_points), 1)
        self.skip_invalid = skip_invalid
        self.seed = seed
        self.skipped: List[str] = []
        super().__init__(
            data_root=data_root, split=split, num_points=num_points,
            **kwargs)

    @property
    def source(self) -> str:
        """The folder, named by the errors about the whole split."""
        return self.data_root

    # ---------------------------------------------------------- listing
    def _list_files(self) -> Tuple[List[Tuple[str, int, str]], Tuple[str,
                                                                     ...]]:
        """(relative path, label, split) of every file of the split, and
        the class names (empty for a flat folder)."""
        root = self.data_root
        flat = find_point_files(root)
        folders = sorted(
            d for d in os.listdir(root) if osp.isdir(osp.join(root, d))
            and not d.startswith('.'))
        if flat and self.class_names is None:
            if self.split not in ('all', ):
                raise ValueError(
                    f'{root}: a flat folder of files has no {self.split!r} '
                    "split; use split='all'")
            return [(name, -1, 'all') for name in flat], ()
        names = self.class_names if self.class_names is not None else \
            tuple(folders)
        missing = [n for n in names if n not in folders]
        if missing:
            raise ValueError(f'{root}: no folder for the classes {missing}')
        entries = []
        for label, name in enumerate(names):
            folder = osp.join(root, name)
            splits = [s for s in ('train', 'test')
                      if osp.isdir(osp.join(folder, s))]
            if self.split == 'all':
                entries += [(osp.join(name, f), label, 'all')
                            for f in find_point_files(folder)]
                entries += [(osp.join(name, s, f), label, s) for s in splits
                            for f in find_point_files(osp.join(folder, s))]
            elif self.split in splits:
                entries += [(osp.join(name, self.split, f), label, self.split)
                            for f in find_point_files(
                                osp.join(folder, self.split))]
            elif not splits:
                raise ValueError(
                    f'{folder}: no {self.split}/ subfolder; lay the files '
                    f'out as <class>/{self.split}/<name>.<ext>, or read '
                    "every file with split='all'")
        return entries, names

    # ---------------------------------------------------------- reading
    def _read(self, rel_path: str) -> np.ndarray:
        path = osp.join(self.data_root, rel_path)
        seed = [self.seed, zlib.crc32(rel_path.encode())]
        points = read_points(path, normals=self.normals, colors=self.colors,
                             mesh_points=self.num_points,
                             seed=int(np.random.SeedSequence(seed)
                                      .generate_state(1)[0]))
        if len(points) < self.min_points:
            raise PointFileError(
                path, f'has {len(points)} points, fewer than the '
                f'{self.min_points} the model needs (its group count)')
        extent = np.ptp(points[:, :3], axis=0)
        if not extent.any():
            raise PointFileError(
                path, 'all its points are one point (nothing to normalise)')
        return resample_points(points, self.num_points,
                               np.random.default_rng(seed))

    def load_items(self) -> Tuple[List[dict], Dict[str, np.ndarray]]:
        """Read every file of the split (see the class docstring).

        Returns:
            tuple: Per file ``gt_label`` (labelled folders), ``file_name``
            (path under ``data_root``), ``split`` (its subfolder, or
            ``'all'``), and the array ``points`` [n, num_points, C].
        """
        entries, names = self._list_files()
        self._metainfo['classes'] = names
        if not entries:
            raise ValueError(
                f'{self.data_root}: no point-cloud file of the '
                f'{self.split!r} split (suffixes: '
                f'{" ".join(POINT_SUFFIXES)})')
        channels = 3 + 3 * self.normals + 3 * self.colors
        points = np.empty((len(entries), self.num_points, channels),
                          dtype=np.float32)
        items, kept = [], 0
        for rel_path, label, split in entries:
            try:
                points[kept] = self._read(rel_path)
            except PointFileError as err:
                if not self.skip_invalid:
                    raise
                self.skipped.append(str(err))
                print_log(f'skipped: {err}', logger='current',
                          level=logging.WARNING)
                continue
            item = dict(file_name=rel_path, split=split)
            if label >= 0:
                item['gt_label'] = label
            items.append(item)
            kept += 1
        return items, dict(points=points[:kept])

    def get_cat_ids(self, idx: int) -> List[int]:
        """The label of item ``idx`` (empty for an unlabelled folder)."""
        info = super(BasePointDataset, self).get_data_info(idx)
        return [int(info['gt_label'])] if 'gt_label' in info else []
