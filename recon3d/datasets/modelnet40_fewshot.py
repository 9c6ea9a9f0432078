"""ModelNet40 few-shot folds: ``{way}way_{shot}shot/{fold}.pkl``."""
import os
import os.path as osp
import pickle
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.dataset import BaseDataset

from recon3d.registry import DATASETS
from .modelnet40 import (dat_name, load_modelnet_dat, pc_normalize,
                         read_shape_names, stack_clouds)

#: Callback ``progress(done, total)``.
OnProgress = Callable[[int, int], None]

#: One item of a fold: (points [P, 6] float32, new label, original label).
FoldItem = Tuple[np.ndarray, int, np.int32]


def fold_dir(way: int, shot: int) -> str:
    """Folder of a setting, e.g. ``5way_10shot``."""
    return f'{way}way_{shot}shot'


def sample_fold(train_points: Sequence[np.ndarray],
                train_labels: Sequence[int],
                test_points: Sequence[np.ndarray],
                test_labels: Sequence[int],
                way: int,
                shot: int,
                rng: np.random.Generator,
                test_per_class: int = 20) -> Dict[str, List[FoldItem]]:
    """Draw one few-shot fold, as the official ``generate_few_shot_data.py``.

    ``way`` classes are drawn at random among the classes of the train
    split; new label ``i`` is the ``i``-th drawn class. For each, ``shot``
    train clouds are drawn from the ModelNet train split and
    ``test_per_class`` test clouds from the ModelNet test split, without
    replacement. Both lists are then shuffled. The clouds are kept as
    stored (unnormalised, with normals).

    Differences from the official script, which uses Python's unseeded
    ``random``: every draw comes from ``rng``; a class needs at least
    ``shot`` train clouds (the official asserts more than ``shot``); any
    number of classes works (the official counts exactly 40).

    Args:
        train_points, test_points (Sequence[np.ndarray]): Clouds of the
            ModelNet train / test split.
        train_labels, test_labels (Sequence[int]): Their labels.
        way (int): Classes per fold.
        shot (int): Train clouds per class.
        rng (np.random.Generator): Random source.
        test_per_class (int): Test clouds per class. Defaults to 20.

    Returns:
        dict: ``{'train': [...], 'test': [...]}`` of ``(points, new label
        (int), original label (np.int32))``, way·shot and
        way·test_per_class items.

    Raises:
        ValueError: If there are fewer than ``way`` classes, or a drawn
            class has too few clouds in a split.
    """
    by_class: Dict[str, Dict[int, List[int]]] = dict(train={}, test={})
    for split, labels in (('train', train_labels), ('test', test_labels)):
        for i, label in enumerate(labels):
            by_class[split].setdefault(int(label), []).append(i)
    # Classes in order of first appearance in the train split, as the
    # official dict keys.
    classes = list(by_class['train'])
    if len(classes) < way:
        raise ValueError(f'cannot draw {way} classes from the '
                         f'{len(classes)} of the train split')
    chosen = [classes[i] for i in rng.permutation(len(classes))[:way]]
    fold: Dict[str, List[FoldItem]] = dict(train=[], test=[])
    for new_label, key in enumerate(chosen):
        for split, points, count in (('train', train_points, shot),
                                     ('test', test_points, test_per_class)):
            members = by_class[split].get(key, [])
            if len(members) < count:
                raise ValueError(
                    f'class {key} has {len(members)} clouds in the ModelNet '
                    f'{split} split; a fold needs {count}')
            for i in rng.permutation(len(members))[:count]:
                fold[split].append(
                    (points[members[i]], new_label, np.int32(key)))
    for split in fold:
        order = rng.permutation(len(fold[split]))
        fold[split] = [fold[split][i] for i in order]
    return fold


def build_fewshot_folds(modelnet_root: str,
                        out_dir: str,
                        ways: Sequence[int] = (5, 10),
                        shots: Sequence[int] = (10, 20),
                        folds: int = 10,
                        seed: int = 0,
                        test_per_class: int = 20,
                        num_points: int = 8192,
                        progress: Optional[OnProgress] = None) -> int:
    """Write ``{way}way_{shot}shot/{fold}.pkl`` from ModelNet40 FPS pickles.

    Reads ``modelnet40_{train,test}_{num_points}pts_fps.dat`` and, for every
    (way, shot, fold), pickles :func:`sample_fold` with the generator
    ``np.random.default_rng([seed, way, shot, fold])``: a fold does not
    depend on the other settings. Also copies
    ``modelnet40_shape_names.txt`` into ``out_dir`` when the root has one,
    so that :class:`ModelNet40FewShot` can name the classes
    (``shape_names_file``). Each pickle is written to a temporary file and
    renamed.

    Args:
        modelnet_root (str): ModelNet40 root holding the pickles.
        out_dir (str): Few-shot root to fill (created if needed).
        ways, shots (Sequence[int]): Settings. Defaults to (5, 10) and
            (10, 20).
        folds (int): Folds per setting, named 0..folds-1. Defaults to 10.
        seed (int): Seed. Defaults to 0.
        test_per_class (int): Test clouds per class. Defaults to 20.
        num_points (int): Points per cloud of the pickles to read.
            Defaults to 8192.
        progress (Callable[[int, int], None], optional): Called with
            (folds written, total) after each fold.

    Returns:
        int: Number of fold files written.
    """
    hint = (f'; build it with: python tools/dataset_converters/'
            f'build_modelnet_dat.py --data-root {modelnet_root}')
    loaded = {}
    for split in ('train', 'test'):
        path = osp.join(modelnet_root, dat_name('modelnet40', split,
                                                num_points))
        loaded[split] = load_modelnet_dat(path, hint)
    total = len(ways) * len(shots) * folds
    done = 0
    for way in ways:
        for shot in shots:
            folder = osp.join(out_dir, fold_dir(way, shot))
            os.makedirs(folder, exist_ok=True)
            for index in range(folds):
                fold = sample_fold(
                    *loaded['train'],
                    *loaded['test'],
                    way=way,
                    shot=shot,
                    rng=np.random.default_rng([seed, way, shot, index]),
                    test_per_class=test_per_class)
                path = osp.join(folder, f'{index}.pkl')
                tmp = f'{path}.tmp-{os.getpid()}'
                try:
                    with open(tmp, 'wb') as f:
                        pickle.dump(fold, f)
                    os.replace(tmp, path)
                except BaseException:
                    if osp.exists(tmp):
                        os.remove(tmp)
                    raise
                done += 1
                if progress is not None:
                    progress(done, total)
    names = osp.join(modelnet_root, 'modelnet40_shape_names.txt')
    if osp.isfile(names):
        with open(names) as src, open(
                osp.join(out_dir, 'modelnet40_shape_names.txt'), 'w') as dst:
            dst.write(src.read())
    return done


@DATASETS.register_module()
class ModelNet40FewShot(BaseDataset):
    """One fold of the ModelNet40 few-shot benchmark.

    Layout under ``data_root`` (``data/ModelNetFewshot``)::

        {way}way_{shot}shot/{fold}.pkl   {'train': [...], 'test': [...]}

    Each list item is ``(points float32 [8192, 6], new label in [0, way),
    original ModelNet40 label)``; the points are the ModelNet FPS clouds,
    unnormalised. As in the official loader, an item's xyz is normalised
    into the unit sphere and the normals dropped unless ``use_normals``;
    the train pipeline shuffles the point order (``ShufflePoints``).

    The labels are the new ones, 0..way-1 (the classifier keeps its 40
    outputs, as the official). ``metainfo`` holds ``way``, ``shot``,
    ``fold`` and ``orig_labels`` (original label per new label, read from
    both lists of the fold), and ``classes``: per new label, the ModelNet
    name of its class when ``shape_names_file`` is given, else
    ``'class_<original label>'``.

    Why the arrays live on the dataset: the pickle holds arrays, so
    :meth:`load_data_list` reads it once into a float32 array [n, P, C] kept
    by the dataset and returns small dicts pointing into it
    (``array_idx``); :meth:`get_data_info` adds the item's normalised
    ``points``. Items: ``points``, ``gt_label``, ``orig_label``,
    ``split``, ``sample_idx``, ``array_idx``.

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
            items of the wrong form or shape, labels outside [0, way) or
            original labels that are negative, unnamed, or not one per new
            label.
    """

    METAINFO = dict(dataset_name='ModelNet40-FewShot', classes=())
    SPLITS = ('train', 'test')

    def __init__(self,
                 data_root: str,
                 way: int,
                 shot: int,
                 fold: int,
                 split: str = 'train',
                 use_normals: bool = False,
                 shape_names_file: Optional[str] = None,
                 **kwargs) -> None:
        if split not in self.SPLITS:
            raise ValueError(
                f'split must be one of {self.SPLITS}, got {split!r}')
        for name, value in (('way', way), ('shot', shot)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{name} must be a positive int, got '
                                 f'{value!r}')
        self.way, self.shot, self.fold = way, shot, fold
        self.split = split
        self.use_normals = use_normals
        self.shape_names_file = shape_names_file
        self._points: Optional[np.ndarray] = None
        metainfo = dict(
            way=way,
            shot=shot,
            fold=fold,
            **(kwargs.pop('metainfo', None) or {}))
        super().__init__(
            ann_file=osp.join(fold_dir(way, shot), f'{fold}.pkl'),
            data_root=data_root,
            metainfo=metainfo,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read the fold.

        Returns:
            list[dict]: Per cloud: ``gt_label``, ``orig_label``, ``split``,
            ``array_idx``.
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
        self._points = stack_clouds([item[0] for item in items],
                                    path,
                                    None,
                                    6 if self.use_normals else 3,
                                    what=f'{self.split} item')
        return [
            dict(
                gt_label=int(item[1]),
                orig_label=int(np.asarray(item[2]).reshape(-1)[0]),
                split=self.split,
                array_idx=i) for i, item in enumerate(items)
        ]

    def get_data_info(self, idx: int) -> dict:
        """The item's dict with its normalised ``points`` [P, C]."""
        info = super().get_data_info(idx)
        points = self._points[info['array_idx']].copy()
        points[:, :3] = pc_normalize(points[:, :3])
        info['points'] = points
        return info

    def get_cat_ids(self, idx: int) -> List[int]:
        """The (new) label of item ``idx``, as a one-element list."""
        return [super().get_data_info(idx)['gt_label']]


def _load_fold(path: str) -> dict:
    """Unpickle a fold file and check it is ``{'train': list, 'test':
    list}``."""
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'ModelNet40 few-shot fold not found: {path}; write folds with '
            'python tools/dataset_converters/make_fewshot_folds.py')
    try:
        with open(path, 'rb') as f:
            content = pickle.load(f)
    except Exception as err:  # any unpickling failure: name the file
        raise ValueError(
            f'{path}: cannot unpickle ({type(err).__name__}: {err}); the '
            'file may be truncated') from err
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
