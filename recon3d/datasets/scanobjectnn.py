"""ScanObjectNN (OBJ_BG, OBJ_ONLY, PB_T50_RS) from its h5 files."""
import os.path as osp
from typing import Dict, List, Optional, Tuple

import h5py
import numpy as np

from recon3d.registry import DATASETS
from .base_dataset import BasePointDataset

#: The 15 ScanObjectNN classes; the index is the label. The official
#: zero-shot list spells the last one 'toile' (sic); the prompts built from
#: it differ from these.
SCANOBJECTNN_CLASSES: Tuple[str, ...] = ('bag', 'bin', 'box', 'cabinet',
                                         'chair', 'desk', 'display', 'door',
                                         'shelf', 'table', 'bed', 'pillow',
                                         'sink', 'sofa', 'toilet')

#: variant -> (folder, file name pattern); ``{split}`` is 'training' or
#: 'test'.
SCANOBJECTNN_FILES = {
    'OBJ_BG': ('main_split', '{split}_objectdataset.h5'),
    'OBJ_ONLY': ('main_split_nobg', '{split}_objectdataset.h5'),
    'PB_T50_RS':
    ('main_split', '{split}_objectdataset_augmentedrot_scale75.h5'),
}


def scanobjectnn_file(variant: str, split: str) -> str:
    """Path of a variant's split file relative to the ScanObjectNN root.

    Args:
        variant (str): 'OBJ_BG', 'OBJ_ONLY' or 'PB_T50_RS'.
        split (str): 'train' or 'test'.
    """
    if variant not in SCANOBJECTNN_FILES:
        raise ValueError(f'variant must be one of '
                         f'{tuple(SCANOBJECTNN_FILES)}, got {variant!r}')
    if split not in ScanObjectNN.SPLITS:
        raise ValueError(
            f'split must be one of {ScanObjectNN.SPLITS}, got {split!r}')
    folder, pattern = SCANOBJECTNN_FILES[variant]
    return osp.join(
        folder,
        pattern.format(split='training' if split == 'train' else 'test'))


def load_scanobjectnn_h5(path: str,
                         num_classes: int) -> Tuple[np.ndarray, np.ndarray]:
    """Read ``data`` and ``label`` of a ScanObjectNN h5 file.

    Args:
        path (str): The h5 file.
        num_classes (int): Labels must lie in ``[0, num_classes)``.

    Returns:
        tuple: float32 points [n, P, 3] (values beyond the float32 range
        become Inf) and int64 labels [n].

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: Naming the file, if it is not a readable h5 file
            (e.g. truncated), lacks ``data`` or ``label``, has points not
            shaped [n, P, 3], labels not shaped [n] (or [n, 1]), a
            different number of each, or labels outside the classes.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'ScanObjectNN file not found: {path}')
    try:
        with h5py.File(path, 'r') as h5:
            missing = [key for key in ('data', 'label') if key not in h5]
            if missing:
                raise ValueError(f'{path}: no {" or ".join(missing)} '
                                 f'dataset (has {sorted(h5.keys())})')
            points = np.asarray(h5['data'])
            labels = np.asarray(h5['label'])
    except (OSError, RuntimeError, KeyError) as err:
        raise ValueError(
            f'{path}: cannot read the h5 file ({type(err).__name__}: {err}); '
            'it may be truncated or not an h5 file') from err
    if (points.ndim != 3 or points.shape[2] != 3
            or points.dtype.kind not in 'fiu'):
        raise ValueError(f'{path}: data should be points of shape '
                         f'[n, P, 3], got {list(points.shape)} '
                         f'{points.dtype}')
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1 or labels.dtype.kind not in 'iu':
        raise ValueError(f'{path}: label should be integers of shape [n], '
                         f'got {list(labels.shape)} {labels.dtype}')
    if len(labels) != len(points):
        raise ValueError(f'{path}: {len(points)} point clouds but '
                         f'{len(labels)} labels')
    labels = labels.astype(np.int64)
    bad = np.flatnonzero((labels < 0) | (labels >= num_classes))
    if len(bad):
        raise ValueError(
            f'{path}: label {labels[bad[0]]} of item {bad[0]} is outside '
            f'[0, {num_classes}) ({len(bad)} such labels)')
    with np.errstate(over='ignore'):
        points = points.astype(np.float32, copy=False)
    return points, labels


@DATASETS.register_module()
class ScanObjectNN(BasePointDataset):
    """ScanObjectNN: real scans of 15 classes, three variants.

    Layout under ``data_root`` (``data/ScanObjectNN``)::

        main_split/{training,test}_objectdataset.h5          OBJ_BG
        main_split_nobg/{training,test}_objectdataset.h5     OBJ_ONLY
        main_split/{training,test}_objectdataset_augmentedrot_scale75.h5
                                                            PB_T50_RS

    Each file has ``data`` float32 [n, 2048, 3], ``label`` int [n] and a
    ``mask`` [n, 2048] that is not read. The points are used as stored, with
    no normalisation, like the official loader; the train pipeline shuffles
    the point order (``ShufflePoints``). The file is read once into one
    float32 array [n, P, 3] (see
    :class:`~recon3d.datasets.base_dataset.BasePointDataset`).

    Items: ``points`` float32 [P, 3], ``gt_label``, ``split``,
    ``sample_idx``, ``array_idx``.

    Args:
        data_root (str): Dataset root.
        variant (str): 'OBJ_BG', 'OBJ_ONLY' or 'PB_T50_RS' (the "hardest").
            Defaults to 'OBJ_BG'.
        split (str): 'train' or 'test'. Defaults to 'train'.
        ann_file (str, optional): The h5 file to read, relative to
            ``data_root``, instead of the variant's.
        num_points (int, optional): Points per scan the file must hold
            (2048 in the official files); None accepts the file's.
            Defaults to None.
        **kwargs: Other :class:`mmengine.dataset.BaseDataset` arguments
            (``pipeline``, ``test_mode``, ``indices``, ``lazy_init``...).

    Raises:
        FileNotFoundError: If the h5 file is missing.
        ValueError: Naming the file, see :func:`load_scanobjectnn_h5`;
            naming the file and item, for points refused by
            :func:`~recon3d.datasets.base_dataset.check_clouds`; for an
            empty file or scans of other than ``num_points`` points.
    """

    METAINFO = dict(dataset_name='ScanObjectNN', classes=SCANOBJECTNN_CLASSES)

    def __init__(self,
                 data_root: str,
                 variant: str = 'OBJ_BG',
                 split: str = 'train',
                 ann_file: Optional[str] = None,
                 num_points: Optional[int] = None,
                 **kwargs) -> None:
        if ann_file is None:
            ann_file = scanobjectnn_file(variant, split)
        elif variant not in SCANOBJECTNN_FILES:
            raise ValueError(f'variant must be one of '
                             f'{tuple(SCANOBJECTNN_FILES)}, got {variant!r}')
        self.variant = variant
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            split=split,
            num_points=num_points,
            **kwargs)
        self._metainfo.setdefault('variant', variant)

    def load_items(self) -> Tuple[List[dict], Dict[str, np.ndarray]]:
        """Read the h5 file.

        Returns:
            tuple: Per scan ``gt_label``; the points.
        """
        points, labels = load_scanobjectnn_h5(self.ann_file,
                                              len(self._metainfo['classes']))
        items = [dict(gt_label=int(label)) for label in labels]
        return items, dict(points=points)
