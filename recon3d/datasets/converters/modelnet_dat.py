"""The ModelNet FPS pickles ``modelnet40_{split}_{P}pts_fps.dat``."""
import os.path as osp
from typing import Callable, List, Optional

import numpy as np
import torch

from recon3d.ops import farthest_point_sample
from ..modelnet40 import (ModelNet40, dat_name, file_prefix, read_shape_ids,
                          read_shape_names)
from ..transforms.loading import load_points
from .atomic import dump_pickle

#: Callback ``progress(done, total)``.
OnProgress = Callable[[int, int], None]


def build_modelnet_dat(data_root: str,
                       split: str,
                       num_points: int = 8192,
                       num_category: Optional[int] = None,
                       seed: int = 0,
                       batch_size: int = 32,
                       progress: Optional[OnProgress] = None,
                       device: str = 'cpu') -> str:
    """Write ``modelnet40_{split}_{num_points}pts_fps.dat`` from the txt files.

    Like the official loader on first use: every shape of the split list
    is read from ``<class>/<id>.txt`` (``x,y,z,nx,ny,nz`` lines), reduced to
    ``num_points`` points by farthest point sampling on xyz, and stored
    **unnormalised** with its normals; the pickle is ``[list_of_points,
    list_of_labels]`` with float32 [num_points, 6] clouds (in pick order)
    and int32 labels of shape (1,).

    The official sampler starts each cloud at ``np.random.randint(N)``
    without a seed; here the start of shape ``i`` of the list is drawn from
    ``np.random.default_rng([seed, split])`` in list order, so a rebuild
    gives the same file. The picks are those of
    :func:`recon3d.ops.farthest_point_sample` from that start (float32
    squared distances, ties to the lowest index: the official rule). The
    pickle is written to a temporary file and renamed, so an interrupted
    run leaves none behind.

    Args:
        data_root (str): ModelNet root (``modelnet40_normal_resampled``).
        split (str): 'train' or 'test'.
        num_points (int): Points per cloud. Defaults to 8192.
        num_category (int, optional): 10 reads the ``modelnet10_*`` files,
            anything else the ``modelnet40_*`` ones. Defaults to None.
        seed (int): Seed of the start points. Defaults to 0.
        batch_size (int): Clouds sampled together. Defaults to 32.
        progress (Callable[[int, int], None], optional): Called with
            (shapes done, total) after each batch.
        device (str): Where the FPS runs, e.g. 'cuda' (8192 sequential
            picks per batch are fast on a GPU). The picks are the same up
            to float32 rounding ties. Defaults to 'cpu'.

    Returns:
        str: Path of the written pickle.

    Raises:
        FileNotFoundError: If a list, the names file or a txt file is
            missing.
        ValueError: Naming the file, for a txt file with fewer than
            ``num_points`` points, fewer than 6 columns, or points that
            :func:`recon3d.datasets.base_dataset.check_clouds` refuses.
    """
    if split not in ModelNet40.SPLITS:
        raise ValueError(
            f'split must be one of {ModelNet40.SPLITS}, got {split!r}')
    prefix = file_prefix(num_category)
    names = read_shape_names(osp.join(data_root, f'{prefix}_shape_names.txt'))
    shapes = read_shape_ids(
        osp.join(data_root, f'{prefix}_{split}.txt'), names)
    rng = np.random.default_rng([seed, ModelNet40.SPLITS.index(split)])
    points_out: List[np.ndarray] = []
    labels_out: List[np.ndarray] = []
    for begin in range(0, len(shapes), batch_size):
        batch = shapes[begin:begin + batch_size]
        clouds = [
            _read_shape(data_root, shape_id, num_points)
            for shape_id, _ in batch
        ]
        starts = [int(rng.integers(len(cloud))) for cloud in clouds]
        # Clouds of one size are sampled together (real files: all 10,000).
        picked: List[Optional[np.ndarray]] = [None] * len(clouds)
        for size in sorted({len(cloud) for cloud in clouds}):
            group = [i for i, cloud in enumerate(clouds) if len(cloud) == size]
            xyz = torch.from_numpy(np.stack([clouds[i][:, :3] for i in group]))
            index = farthest_point_sample(
                xyz.to(device),
                num_points,
                start_idx=torch.tensor([starts[i] for i in group])).cpu()
            index = index.numpy()
            for row, i in enumerate(group):
                picked[i] = clouds[i][index[row]]
        points_out.extend(picked)
        labels_out.extend(
            np.array([label], dtype=np.int32) for _, label in batch)
        if progress is not None:
            progress(begin + len(batch), len(shapes))
    path = osp.join(data_root, dat_name(prefix, split, num_points))
    dump_pickle([points_out, labels_out], path)
    return path


def _read_shape(data_root: str, shape_id: str, num_points: int) -> np.ndarray:
    """The float32 [N, 6] points of ``<class>/<shape_id>.txt``, checked."""
    path = osp.join(data_root, shape_id.rpartition('_')[0], f'{shape_id}.txt')
    if not osp.isfile(path):
        raise FileNotFoundError(f'ModelNet shape file not found: {path}')
    cloud = load_points(path, use_dims=6)
    if len(cloud) < num_points:
        raise ValueError(f'{path}: cannot sample {num_points} points from '
                         f'{len(cloud)}')
    return cloud
