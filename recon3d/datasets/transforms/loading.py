"""Transforms that read a sample's files."""
import os.path as osp

import numpy as np
from mmcv.transforms import BaseTransform
from PIL import Image, UnidentifiedImageError

from recon3d.registry import TRANSFORMS
from ..base_dataset import check_clouds


def load_points(path: str, use_dims: int = 3) -> np.ndarray:
    """Read a point cloud from ``.npy`` or ``.txt``.

    A ``.txt`` file holds one point a line, comma- or space-separated
    (ModelNet's ``x,y,z,nx,ny,nz``, ShapeNetPart's ``x y z nx ny nz p``).

    Args:
        path (str): File path.
        use_dims (int): Number of leading columns to keep. Defaults to 3.

    Returns:
        np.ndarray: float32 [N, use_dims].

    Raises:
        ValueError: Naming the file, if it is missing, unreadable, of
            another format, not [N, C >= use_dims] with N > 0, or refused
            by :func:`~recon3d.datasets.base_dataset.check_clouds` (NaN or
            Inf, coordinates that overflow float32, one repeated point).
    """
    suffix = osp.splitext(path)[1].lower()
    if suffix not in ('.npy', '.txt'):
        raise ValueError(f'{path}: unsupported point-cloud format '
                         f'{suffix!r}; expected .npy or .txt')
    if not osp.isfile(path):
        raise ValueError(f'{path}: point-cloud file not found')
    try:
        if suffix == '.npy':
            points = np.load(path, allow_pickle=False)
        else:
            with open(path) as f:
                first = f.readline()
            points = np.loadtxt(
                path, delimiter=',' if ',' in first else None, ndmin=2)
        with np.errstate(over='ignore'):
            points = np.asarray(points, dtype=np.float32)
    except (OSError, ValueError, EOFError, TypeError) as err:
        raise ValueError(f'{path}: cannot read points ({err})') from err
    if points.ndim != 2 or len(points) == 0 or points.shape[1] < use_dims:
        raise ValueError(f'{path}: expected points of shape [N > 0, C >= '
                         f'{use_dims}], got {list(points.shape)}')
    points = np.ascontiguousarray(points[:, :use_dims])
    check_clouds(points[None], path, what=None)
    return points


@TRANSFORMS.register_module()
class LoadPointsFromFile(BaseTransform):
    """Load ``results['pc_path']`` into ``results['points']``.

    Reads ``.npy`` and comma- or space-separated ``.txt`` files.

    Required keys: ``pc_path``. Added keys: ``points`` (float32
    [N, use_dims]).

    Args:
        use_dims (int): Number of leading columns to keep (3 = xyz,
            6 = xyz + normals). Defaults to 3.

    Raises:
        ValueError: Naming the file and what is wrong, for a missing,
            corrupt or wrongly shaped file.
    """

    def __init__(self, use_dims: int = 3) -> None:
        if use_dims < 1:
            raise ValueError(f'use_dims must be >= 1, got {use_dims}')
        self.use_dims = use_dims

    def transform(self, results: dict) -> dict:
        """Load the points."""
        results['points'] = load_points(results['pc_path'], self.use_dims)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(use_dims={self.use_dims})'


@TRANSFORMS.register_module()
class LoadImageFromPNG(BaseTransform):
    """Load ``results['img_path']`` into ``results['img']``.

    The official ReCon loader reads the image with ``cv2.imread`` (BGR
    order) and hands the array to ``ToPILImage`` as if it were RGB, so its
    teachers see red and blue swapped. ``bgr=True`` reproduces that quirk
    (for parity with official features); the default gives true RGB.

    Required keys: ``img_path``. Added keys: ``img`` (uint8 [H, W, 3]).

    Args:
        bgr (bool): Swap red and blue as the official loader does.
            Defaults to False.

    Raises:
        ValueError: Naming the file, if it is missing or unreadable, or if
            the item has no image path.
    """

    def __init__(self, bgr: bool = False) -> None:
        self.bgr = bgr

    def transform(self, results: dict) -> dict:
        """Load the image."""
        path = results.get('img_path')
        if path is None:
            raise ValueError(
                f'{results.get("file_name", "item")}: no img_path to load '
                '(was the dataset built with with_img=False?)')
        if not osp.isfile(path):
            raise ValueError(f'{path}: image file not found')
        try:
            with Image.open(path) as image:
                img = np.array(image.convert('RGB'))
        except (OSError, UnidentifiedImageError) as err:
            raise ValueError(f'{path}: cannot read image ({err})') from err
        results['img'] = np.ascontiguousarray(img[..., ::-1]) \
            if self.bgr else img
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(bgr={self.bgr})'
