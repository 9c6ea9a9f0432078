"""The ModelNet40 few-shot folds ``{way}way_{shot}shot/{fold}.pkl``."""
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..modelnet40 import BUILD_HINT, dat_name, load_modelnet_dat
from ..modelnet40_fewshot import fold_dir
from .atomic import dump_pickle

#: Callback ``progress(done, total)``.
OnProgress = Callable[[int, int], None]

#: One item of a fold: (points [P, 6] float32, new label, original label).
FoldItem = Tuple[np.ndarray, int, np.int32]


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
    hint = '; build it with: ' + BUILD_HINT.format(root=modelnet_root)
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
                dump_pickle(fold, osp.join(folder, f'{index}.pkl'))
                done += 1
                if progress is not None:
                    progress(done, total)
    names = osp.join(modelnet_root, 'modelnet40_shape_names.txt')
    if osp.isfile(names):
        with open(names) as src, open(
                osp.join(out_dir, 'modelnet40_shape_names.txt'), 'w') as dst:
            dst.write(src.read())
    return done
