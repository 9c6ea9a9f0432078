"""ModelNet40 few-shot folds: ``{way}way_{shot}shot/{fold}.pkl``.

The folds are drawn from the ModelNet40 pickles by
:mod:`recon3d.datasets.converters.fewshot_folds`.
"""
import os.path as osp
from typing import Dict, List, Optional, Tuple

import numpy as np

from recon3d.registry import DATASETS
from .array_pickle import load_array_pickle
from .base_dataset import BasePointDataset, stack_clouds
from .modelnet40 import read_shape_names


def fold_dir(way: int, shot: int) -> str:
    """Folder of a setting, e.g. ``5way_10shot``."""
    return f'{way}way_{shot}shot'


@DATASETS.register_module()
class ModelNet40FewShot(BasePointDataset):
    """One fold of the ModelNet40 few-shot benchmark.

    Layout under ``data_root`` (``data/ModelNetFewshot``)::

        {way}way_{shot}shot/{fold}.pkl   {'train': [...], 'test': [...]}

    Each list item is ``(points float32 [8192, 6], new label in [0, way),
    original ModelNet40 label)``; the points are the ModelNet FPS clouds,
    unnormalised. Items hold them as stored, without the normals unless
    ``use_normals``; as in the official loader, the pipelines normalise xyz
    into the unit sphere (``NormalizePoints``) and the train pipeline
    shuffles the point order (``ShufflePoints``).

    The labels are the new ones, 0..way-1 (the classifier keeps its 40
    outputs, as the official). ``metainfo`` holds ``way``, ``shot``,
    ``fold`` and ``orig_labels`` (original label per new label, read from
    both lists of the fold), and ``classes``: per new label, the ModelNet
    name of its class when ``shape_names_file`` is given, else
    ``'class_<original label>'``.

    The split's clouds are read once into one float32 array [n, P, C] (see
    :class:`~recon3d.datasets.base_dataset.BasePointDataset`). Items:
    ``points``, ``gt_label``, ``orig_label``, ``split``, ``sample_idx``,
    ``array_idx``.

    Args:
        data_root (str): Few-shot root.
        way (int): Classes per fold (5 or 10 in the paper).
        shot (int): Train clouds per class (10 or 20).
        fold (int): Fold index (0-9).
        split (str): 'train' or 'test' (the fold's val split).
            Defaults to 'train'.
        use_normals (bool): Keep the normals, C = 6. Defaults to False.
        shape_names_file (str, optional): A ``modelnet40_shape_names.txt``
            (relative to ``data_root`` unless absolute) to name the classes.
        **kwargs: Other :class:`mmengine.dataset.BaseDataset` arguments.

    Raises:
        FileNotFoundError: If the fold or names file is missing.
        ValueError: Naming the file, for a truncated or malformed pickle,
            items of the wrong form or shape, points refused by
            :func:`~recon3d.datasets.base_dataset.check_clouds`, labels
            outside [0, way) or original labels that are negative, unnamed,
            or not one per new label, or an empty split.
    """

    METAINFO = dict(dataset_name='ModelNet40-FewShot', classes=())

    def __init__(self,
                 data_root: str,
                 way: int,
                 shot: int,
                 fold: int,
                 split: str = 'train',
                 use_normals: bool = False,
                 shape_names_file: Optional[str] = None,
                 **kwargs) -> None:
        for name, value in (('way', way), ('shot', shot)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{name} must be a positive int, got '
                                 f'{value!r}')
        self.way, self.shot, self.fold = way, shot, fold
        self.use_normals = use_normals
        self.shape_names_file = shape_names_file
        self.ITEM_NAME = f'{split} item'
        metainfo = dict(
            way=way,
            shot=shot,
            fold=fold,
            **(kwargs.pop('metainfo', None) or {}))
        super().__init__(
            ann_file=osp.join(fold_dir(way, shot), f'{fold}.pkl'),
            data_root=data_root,
            split=split,
            metainfo=metainfo,
            **kwargs)

    def load_items(self) -> Tuple[List[dict], Dict[str, np.ndarray]]:
        """Read the fold.

        Returns:
            tuple: Per cloud ``gt_label`` and ``orig_label``; the points.
        """
        path = self.ann_file
        content = _load_fold(path)
        names = None
        if self.shape_names_file is not None:
            names_path = self.shape_names_file
            if not osp.isabs(names_path):
                names_path = osp.join(self.data_root, names_path)
            names = read_shape_names(names_path)
        orig_of: Dict[int, int] = {}
        for split in self.SPLITS:
            for i, item in enumerate(content[split]):
                new, orig = _check_item(path, split, i, item, self.way)
                if names is not None and orig >= len(names):
                    raise ValueError(
                        f'{path}: {split} item {i} has original label '
                        f'{orig}, but {names_path} names {len(names)} '
                        'classes')
                if orig_of.setdefault(new, orig) != orig:
                    raise ValueError(
                        f'{path}: new label {new} stands for original '
                        f'labels {orig_of[new]} and {orig} ({split} item '
                        f'{i})')
        orig_labels = tuple(orig_of.get(i) for i in range(self.way))
        self._metainfo['orig_labels'] = orig_labels
        self._metainfo['classes'] = tuple(
            None if orig is
            None else names[orig] if names is not None else f'class_{orig}'
            for orig in orig_labels)

        items = content[self.split]
        points = stack_clouds([item[0] for item in items],
                              path,
                              None,
                              6 if self.use_normals else 3,
                              what=self.ITEM_NAME)
        return [
            dict(
                gt_label=int(item[1]),
                orig_label=int(np.asarray(item[2]).reshape(-1)[0]))
            for item in items
        ], dict(points=points)


def _load_fold(path: str) -> dict:
    """Unpickle a fold file and check it is ``{'train': list, 'test':
    list}``."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'ModelNet40 few-shot fold not found: {path}; write folds with '
            'python tools/dataset_converters/make_fewshot_folds.py')
    content = load_array_pickle(path)
    if not isinstance(content, dict) or not all(
            isinstance(content.get(split), (list, tuple))
            for split in ModelNet40FewShot.SPLITS):
        raise ValueError(f'{path}: expected a pickled dict with "train" and '
                         f'"test" lists, got {type(content).__name__}' +
                         (f' with keys {sorted(content, key=str)}'
                          if isinstance(content, dict) else ''))
    return content


def _check_item(path: str, split: str, i: int, item,
                way: int) -> Tuple[int, int]:
    """(new label, original label) of a fold item, checked."""
    if not isinstance(item, (list, tuple)) or len(item) != 3:
        raise ValueError(f'{path}: {split} item {i} should be a (points, '
                         f'label, original label) tuple, got '
                         f'{type(item).__name__}')
    labels = []
    for what, value in (('label', item[1]), ('original label', item[2])):
        flat = np.asarray(value).reshape(-1)
        if flat.size != 1 or flat.dtype.kind not in 'iu':
            raise ValueError(f'{path}: {split} item {i}: {what} is not one '
                             f'integer ({value!r})')
        labels.append(int(flat[0]))
    new, orig = labels
    if not 0 <= new < way:
        raise ValueError(f'{path}: {split} item {i} has label {new}, '
                         f'outside [0, {way}) for a {way}-way fold')
    if orig < 0:
        raise ValueError(f'{path}: {split} item {i} has original label '
                         f'{orig} < 0')
    return new, orig
