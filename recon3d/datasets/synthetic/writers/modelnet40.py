"""Writer of the synthetic shapes in the ModelNet40 layout (with the
ModelNet10 lists that the real folder holds)."""
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ...converters import build_modelnet_dat
from ..shapes import CLASSES, generate_shape
from .common import OnProgress, write_atomically

# Seeds of the classification writers carry a stream id, so that their
# shapes are not those of the ShapeNet-55 writer (``[seed, label, index]``,
# label < 18) for the same seed: no pretraining shape reappears in a
# downstream test set.
_MODELNET_STREAM = 0x4D4E3430  # 'MN40'

#: The generator classes listed as ModelNet10 (in generator order): ten
#: everyday objects, as ModelNet10 is ten furniture classes of ModelNet40;
#: the plain solids and ``pot`` are left out.
MODELNET10_CLASSES: Tuple[str, ...] = ('table', 'stool', 'chair', 'bench',
                                       'mug', 'bottle', 'lamp', 'bowl',
                                       'bookshelf', 'jar')


def write_modelnet40(out_dir: Union[str, Path],
                     train_per_class: int,
                     test_per_class: int,
                     seed: int = 0,
                     num_points_txt: int = 10000,
                     num_points: int = 8192,
                     write_dat: bool = True,
                     progress: Optional[OnProgress] = None,
                     overwrite: bool = False) -> Dict[str, int]:
    """Write the synthetic shapes in the ModelNet40 layout used by ReCon.

    Layout under ``out_dir`` (as ``modelnet40_normal_resampled``)::

        modelnet40_shape_names.txt         the generator's classes
        modelnet40_{train,test}.txt        '<class>_NNNN' a line
        <class>/<class>_NNNN.txt           'x,y,z,nx,ny,nz' lines, %.6f
        modelnet40_{train,test}_{num_points}pts_fps.dat   (``write_dat``)
        modelnet10_shape_names.txt         :data:`MODELNET10_CLASSES`
        modelnet10_{train,test}.txt        their ids of the lists above
        modelnet10_{train,test}_{num_points}pts_fps.dat   (``write_dat``)

    The class names are the generator's (:data:`CLASSES`); the names file
    lists them in that order, so the label of a class is its generator
    index. Ids count from 0001 per class, train first, as in the real
    lists. As in the real folder, ModelNet10 is a subset of these files:
    its names file lists ten of the classes (ModelNet40 order) and its
    lists the ids of those classes, in the same order; its labels are
    indices into its own names file (what the official loader reads with
    ``NUM_CATEGORY: 10``). The ``.dat`` pickles of both are built from the
    written txt files by
    :func:`recon3d.datasets.converters.build_modelnet_dat` (the function of
    ``tools/dataset_converters/build_modelnet_dat.py``), seeded by
    ``seed``.

    Shape ``i`` of class ``c`` comes from ``np.random.default_rng([seed,
    stream, c, i])`` with a ModelNet stream id, so it differs from the
    ShapeNet-55 writer's shapes. Everything is written to a temporary
    sibling folder renamed to ``out_dir`` at the end.

    Args:
        out_dir (str | Path): Dataset root to create.
        train_per_class (int): Train shapes per class.
        test_per_class (int): Test shapes per class.
        seed (int): Seed of the whole dataset. Defaults to 0.
        num_points_txt (int): Points per txt file. Defaults to 10000.
        num_points (int): Points per cloud of the pickles. Defaults to
            8192.
        write_dat (bool): Build the FPS pickles. Defaults to True.
        progress (Callable[[int, int], None], optional): Called with
            (steps done, total); a step is a shape written, then a shape
            sampled into a pickle.
        overwrite (bool): Replace an existing non-empty ``out_dir``.
            Defaults to False.

    Returns:
        dict: ``classes``, ``train``, ``test`` (counts written),
        ``modelnet10_train``, ``modelnet10_test`` and ``dat_files``.

    Raises:
        FileExistsError: If ``out_dir`` is not empty and not ``overwrite``.
        ValueError: If ``num_points > num_points_txt`` with ``write_dat``.
    """
    if write_dat and num_points > num_points_txt:
        raise ValueError(f'cannot sample {num_points} points per pickle '
                         f'cloud from {num_points_txt} per txt file')
    per_class = train_per_class + test_per_class
    shapes = len(CLASSES) * per_class
    shapes10 = len(MODELNET10_CLASSES) * per_class
    total = shapes + (shapes + shapes10 if write_dat else 0)

    def fill(root: Path) -> None:
        lists = dict(train=[], test=[])
        for label, name in enumerate(CLASSES):
            (root / name).mkdir()
            for index in range(per_class):
                rng = np.random.default_rng(
                    [seed, _MODELNET_STREAM, label, index])
                shape = generate_shape(name, rng, num_points_txt)
                shape_id = f'{name}_{index + 1:04d}'
                np.savetxt(
                    root / name / f'{shape_id}.txt',
                    np.concatenate([shape['points'], shape['normals']], 1),
                    fmt='%.6f',
                    delimiter=',')
                split = 'train' if index < train_per_class else 'test'
                lists[split].append(shape_id)
                if progress is not None:
                    progress(label * per_class + index + 1, total)
        counts = {
            40: _write_lists(root, 'modelnet40', CLASSES, lists),
            10: _write_lists(root, 'modelnet10', MODELNET10_CLASSES, lists)
        }
        if write_dat:
            done = shapes
            for num_category in (40, 10):
                for split in ('train', 'test'):
                    offset = done
                    build_modelnet_dat(
                        str(root),
                        split,
                        num_points,
                        num_category=num_category,
                        seed=seed,
                        progress=None if progress is None else
                        (lambda k, _, offset=offset: progress(
                            offset + k, total)))
                    done += counts[num_category][split]

    write_atomically(out_dir, overwrite, fill)
    return dict(
        classes=len(CLASSES),
        train=len(CLASSES) * train_per_class,
        test=len(CLASSES) * test_per_class,
        modelnet10_train=len(MODELNET10_CLASSES) * train_per_class,
        modelnet10_test=len(MODELNET10_CLASSES) * test_per_class,
        dat_files=4 if write_dat else 0)


def _write_lists(root: Path, prefix: str, classes: Sequence[str],
                 lists: Dict[str, List[str]]) -> Dict[str, int]:
    """Write ``{prefix}_shape_names.txt`` and ``{prefix}_{split}.txt``: the
    ids of ``lists`` whose class is in ``classes``, in their order.

    Returns:
        dict: Ids written per split.
    """
    (root / f'{prefix}_shape_names.txt').write_text(''.join(
        f'{name}\n' for name in classes))
    kept = set(classes)
    counts = {}
    for split, ids in lists.items():
        ids = [i for i in ids if i.rpartition('_')[0] in kept]
        (root / f'{prefix}_{split}.txt').write_text(''.join(
            f'{shape_id}\n' for shape_id in ids))
        counts[split] = len(ids)
    return counts
