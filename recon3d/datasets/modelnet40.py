"""ModelNet40 as ReCon fine-tunes on it: the 8192-point FPS pickles.

Besides the dataset, this module holds the readers of the ModelNet files
that the pickle builder (:mod:`recon3d.datasets.converters.modelnet_dat`)
and the few-shot folds share.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from recon3d.registry import DATASETS
from .array_pickle import load_array_pickle
from .base_dataset import BasePointDataset, read_list, stack_clouds

BUILD_HINT = ('python tools/dataset_converters/build_modelnet_dat.py '
              '--data-root {root}')


def file_prefix(num_category: Optional[int]) -> str:
    """``'modelnet10'`` for 10 categories, else ``'modelnet40'``.

    The official loader picks its names and list files this way (and names
    its pickle after ``num_category``, which only differs for other counts).
    """
    return 'modelnet10' if num_category == 10 else 'modelnet40'


def dat_name(prefix: str, split: str, num_points: int) -> str:
    """File name of an FPS pickle, e.g. ``modelnet40_train_8192pts_fps.dat``.
    """
    return f'{prefix}_{split}_{num_points}pts_fps.dat'


def read_shape_names(path: str) -> List[str]:
    """Class names, one a line; the line index is the label.

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: If it lists no name or a name twice.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'ModelNet shape-name file not found: {path}')
    with open(path) as f:
        names = [line.strip() for line in f if line.strip()]
    if not names:
        raise ValueError(f'{path} lists no class name')
    if len(set(names)) != len(names):
        twice = sorted({name for name in names if names.count(name) > 1})
        raise ValueError(f'{path} lists class names twice: {twice}')
    return names


def read_shape_ids(path: str, names: Sequence[str]) -> List[Tuple[str, int]]:
    """Read a split list: ``(shape id, label)`` per line.

    The class of ``night_stand_0012`` is ``night_stand``: the id minus its
    trailing ``_NNNN``.

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: Naming the file and line, for an id of an unknown class
            or an id listed twice.
    """
    label_of = {name: i for i, name in enumerate(names)}
    ids = []
    for number, shape_id in read_list(path, 'ModelNet split list'):
        name = shape_id.rpartition('_')[0]
        if name not in label_of:
            raise ValueError(
                f'{path}, line {number}: the class {name!r} of '
                f'{shape_id!r} is not in the shape-name file')
        ids.append((shape_id, label_of[name]))
    return ids


def load_modelnet_dat(path: str,
                      hint: str = '') -> Tuple[List[np.ndarray], np.ndarray]:
    """Read an FPS pickle ``[list_of_points, list_of_labels]``.

    Read with :func:`~recon3d.datasets.array_pickle.load_array_pickle`,
    which unpickles numpy arrays and nothing that could run code.

    Args:
        path (str): The ``.dat`` file.
        hint (str): Appended to the missing-file message.

    Returns:
        tuple: The list of point arrays as stored, and int64 labels [n].

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: Naming the file, if it cannot be unpickled (truncated,
            not a pickle), has another structure, or lists points and labels
            of different lengths.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'ModelNet FPS pickle not found: {path}'
                                f'{hint}')
    content = load_array_pickle(path, hint)
    if not (isinstance(content, (list, tuple)) and len(content) == 2
            and all(isinstance(part, (list, tuple)) for part in content)):
        raise ValueError(f'{path}: expected a pickled [list_of_points, '
                         f'list_of_labels], got {type(content).__name__}')
    points, labels = content
    if len(points) != len(labels):
        raise ValueError(f'{path}: {len(points)} point clouds but '
                         f'{len(labels)} labels')
    flat = []
    for i, label in enumerate(labels):
        value = np.asarray(label).reshape(-1)
        if value.size != 1 or value.dtype.kind not in 'iu':
            raise ValueError(f'{path}: label {i} is not one integer '
                             f'({label!r})')
        flat.append(int(value[0]))
    return list(points), np.asarray(flat, dtype=np.int64)


@DATASETS.register_module()
class ModelNet40(BasePointDataset):
    """ModelNet40 (or ModelNet10) from the official 8192-point FPS pickles.

    Layout under ``data_root`` (``modelnet40_normal_resampled``)::

        modelnet40_shape_names.txt          one class a line; line = label
        modelnet40_{train,test}.txt         one shape id a line
        modelnet40_{split}_{P}pts_fps.dat   pickle [points, labels]
        <class>/<shape id>.txt              10,000 'x,y,z,nx,ny,nz' lines

    Only the names, the list and the pickle of the split are read; the txt
    files are needed to build a missing pickle with
    ``tools/dataset_converters/build_modelnet_dat.py``, which the official
    loader does silently on first use (it takes hours). The classes are
    those of the names file, any number of them.

    Each item's points are the stored FPS cloud, unnormalised, without the
    normals unless ``use_normals``, in the stored order. As in the official
    loader, the pipelines normalise xyz into the unit sphere first
    (``NormalizePoints``); the train pipeline then shuffles the points
    (``ShufflePoints``). Items hold ``points`` float32 [P, 3 or 6],
    ``gt_label``, ``file_name`` (the shape id), ``split``, ``sample_idx``
    and ``array_idx``; the pickle is read once into one float32 array
    [n, P, C] (C = 3 unless ``use_normals``: half the memory), see
    :class:`~recon3d.datasets.base_dataset.BasePointDataset`.

    Args:
        data_root (str): Dataset root.
        split (str): 'train' or 'test'. Defaults to 'train'.
        num_points (int): Points per cloud of the pickle to read (its file
            name); the official files hold 8192. Defaults to 8192.
        use_normals (bool): Keep the normals, C = 6. Defaults to False.
        num_category (int, optional): 10 reads the ``modelnet10_*`` files.
            If given, the names file must list exactly that many classes.
            Defaults to None: as many as the names file lists.
        **kwargs: Other :class:`mmengine.dataset.BaseDataset` arguments
            (``pipeline``, ``test_mode``, ``indices``, ``lazy_init``...).

    Raises:
        FileNotFoundError: Naming the file, for a missing names file, list
            or pickle (with the command that builds the pickle).
        ValueError: Naming the file, for a truncated or malformed pickle,
            points of the wrong shape or refused by
            :func:`~recon3d.datasets.base_dataset.check_clouds`, labels
            outside the classes or not those of the list, a list naming a
            shape twice, or a pickle and list of different lengths.
    """

    METAINFO = dict(dataset_name='ModelNet40', classes=())
    ITEM_NAME = 'cloud'

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 num_points: int = 8192,
                 use_normals: bool = False,
                 num_category: Optional[int] = None,
                 **kwargs) -> None:
        self.use_normals = use_normals
        self.num_category = num_category
        self.prefix = file_prefix(num_category)
        user_metainfo = kwargs.get('metainfo') or {}
        super().__init__(
            data_root=data_root, split=split, num_points=num_points, **kwargs)
        if num_category == 10 and 'dataset_name' not in user_metainfo:
            self._metainfo['dataset_name'] = 'ModelNet10'

    @property
    def source(self) -> str:
        """Path of the split's FPS pickle."""
        return osp.join(self.data_root,
                        dat_name(self.prefix, self.split, self.num_points))

    dat_path = source

    def load_items(self) -> Tuple[List[dict], Dict[str, np.ndarray]]:
        """Read the names, the split list and the pickle.

        Returns:
            tuple: Per shape ``file_name`` and ``gt_label``; the points.
        """
        names_path = osp.join(self.data_root, f'{self.prefix}_shape_names.txt')
        names = read_shape_names(names_path)
        if self.num_category is not None and self.num_category != len(names):
            raise ValueError(
                f'{names_path} lists {len(names)} classes but num_category '
                f'is {self.num_category}')
        self._metainfo['classes'] = tuple(names)
        list_path = osp.join(self.data_root, f'{self.prefix}_{self.split}.txt')
        shapes = read_shape_ids(list_path, names)

        path = self.source
        hint = '; build it with: ' + BUILD_HINT.format(root=self.data_root) + (
            f' --split {self.split} --num-points {self.num_points}' +
            (' --num-category 10' if self.prefix == 'modelnet10' else ''))
        points, labels = load_modelnet_dat(path, hint)
        if len(points) != len(shapes):
            raise ValueError(
                f'{path} holds {len(points)} shapes but {list_path} lists '
                f'{len(shapes)}; was it built from another list? Rebuild it'
                f'{hint}')
        wrong = np.flatnonzero(labels != [label for _, label in shapes])
        if len(wrong):
            i = int(wrong[0])
            raise ValueError(
                f'{path}: shape {i} has label {labels[i]}, but {list_path} '
                f'says {shapes[i][0]!r} (label {shapes[i][1]}) of '
                f'{len(names)} classes; {len(wrong)} labels differ. Was it '
                f'built with another names file? Rebuild it{hint}')
        points = stack_clouds(points, path, self.num_points,
                              6 if self.use_normals else 3)
        return [
            dict(file_name=shape_id, gt_label=label)
            for shape_id, label in shapes
        ], dict(points=points)
