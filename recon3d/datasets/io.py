"""Reading point clouds and meshes from files.

One entry point, :func:`read_points`, for every supported format:

=========================  =================================================
suffix                     read with
=========================  =================================================
``.npy``                   numpy; an [N, C] array
``.npz``                   numpy; the ``points`` array (or the only array),
                           optional ``normals`` / ``colors`` arrays [N, 3]
``.txt`` ``.xyz`` ``.pts`` numpy; one point a line, comma- or space-separated
                           (a first line holding only the point count is
                           skipped; ``#`` starts a comment)
``.ply``                   trimesh; point clouds (vertex fields ``x y z``,
                           ``nx ny nz``, ``red green blue``) and meshes,
                           ASCII and binary
``.off`` ``.obj`` ``.stl`` trimesh; meshes
``.pcd``                   pypcd4; fields ``x y z``, ``normal_x normal_y
                           normal_z``, ``rgb``/``rgba`` or ``r g b``
=========================  =================================================

Columns of array files are ``x y z``, then normals ``nx ny nz`` when there
are at least 6 columns (the ModelNet / ShapeNetPart layout), then colours
``r g b`` when there are at least 9. Meshes (a ``.ply`` with faces, and
every ``.off``/``.obj``/``.stl``) are sampled to ``mesh_points`` points,
uniformly over the surface (faces drawn in proportion to their area); the
normal of a sampled point is its face's normal.

trimesh and pypcd4 come with the ``io`` extra (``pip install
recon3d-mm[io]``) and are imported only when a file needs them.

Every problem raises :class:`PointFileError`, a ``ValueError`` whose message
starts with the file's path and says what is wrong: unreadable, no points,
fewer than 3 columns, NaN or Inf, coordinates that overflow float32, one
point repeated (the datasets' :func:`~.base_dataset.check_clouds`), a
missing field.
"""
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np

from .base_dataset import check_clouds

__all__ = [
    'PointFileError', 'read_points', 'check_points', 'ARRAY_SUFFIXES',
    'MESH_SUFFIXES', 'POINT_SUFFIXES', 'resample_points'
]

ARRAY_SUFFIXES = ('.npy', '.npz', '.txt', '.xyz', '.pts')
MESH_SUFFIXES = ('.off', '.obj', '.stl')
#: Every suffix :func:`read_points` reads.
POINT_SUFFIXES = ARRAY_SUFFIXES + ('.ply', '.pcd') + MESH_SUFFIXES
IO_EXTRA_HINT = ('install the io extra: pip install "recon3d-mm[io]" (or '
                 'pip install -r requirements/io.txt)')


class PointFileError(ValueError):
    """A file that cannot give points; the message names the file."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f'{path}: {problem}')
        self.path = path
        self.problem = problem


def _import(module: str, path: str):
    """Import an optional reader, or say how to install it."""
    try:
        return __import__(module)
    except ImportError as err:
        raise PointFileError(
            path, f'reading this format needs {module} ({err}); '
            f'{IO_EXTRA_HINT}') from err


# ------------------------------------------------------------ array files
def _read_text(path: str) -> np.ndarray:
    """One point a line, ',' or whitespace separated; a lone count line
    first (the ``.pts`` convention) is skipped."""
    with open(path) as f:
        lines = [line.split('#')[0].strip() for line in f]
    lines = [line for line in lines if line]
    if not lines:
        return np.zeros((0, 3), np.float32)
    first = lines[0].replace(',', ' ').split()
    if len(first) == 1 and len(lines) > 1 and first[0].isdigit():
        lines = lines[1:]
    delimiter = ',' if ',' in lines[0] else None
    return np.loadtxt(lines, delimiter=delimiter, ndmin=2, dtype=np.float64)


def _array_columns(array: np.ndarray) -> Dict[str, np.ndarray]:
    """Split [N, C] columns into xyz / normals / colours (see module doc)."""
    fields = dict(xyz=array[:, :3])
    if array.shape[1] >= 6:
        fields['normals'] = array[:, 3:6]
    if array.shape[1] >= 9:
        fields['colors'] = array[:, 6:9]
    return fields


def _read_npz(path: str) -> Dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
        names = list(archive.files)
        if 'points' in names:
            key = 'points'
        elif len(names) == 1:
            key = names[0]
        else:
            raise PointFileError(
                path, 'an .npz file needs a "points" array (or exactly '
                f'one array); it holds {names}')
        points = np.asarray(archive[key])
        extra = {k: np.asarray(archive[k]) for k in ('normals', 'colors')
                 if k in names and k != key}
    check_points(path, points)
    fields = _array_columns(points)
    for name, value in extra.items():
        if value.shape != (len(points), 3):
            raise PointFileError(
                path, f'"{name}" has shape {list(value.shape)}, expected '
                f'[{len(points)}, 3]')
        fields[name] = value
    return fields


def check_points(source: str, array: np.ndarray) -> None:
    """Refuse an array that is not [N, C >= 3] numbers.

    Raises:
        PointFileError: Naming ``source`` and what is wrong.
    """
    if array.dtype.kind not in 'fiub':
        raise PointFileError(
            source, f'holds {array.dtype} values, not numbers')
    if array.ndim != 2:
        raise PointFileError(
            source, f'expected an [N, C] array, got shape '
            f'{list(array.shape)}')
    if array.shape[1] < 3:
        raise PointFileError(
            source, f'has {array.shape[1]} column(s); need at least 3 '
            '(x y z)')


def _read_array_file(path: str, suffix: str) -> Dict[str, np.ndarray]:
    if suffix == '.npz':
        return _read_npz(path)
    if suffix == '.npy':
        array = np.load(path, allow_pickle=False)
    else:
        array = _read_text(path)
    check_points(path, array)
    return _array_columns(array)


# --------------------------------------------------------------- trimesh
def _colors01(colors: np.ndarray) -> np.ndarray:
    """uint8 (or 0..255 float) RGB[A] -> float 0..1 RGB."""
    colors = np.asarray(colors)[:, :3]
    if colors.dtype.kind in 'ui' or colors.max(initial=0) > 1:
        return colors.astype(np.float32) / 255.
    return colors.astype(np.float32)


def _ply_vertex_fields(geometry, names: Sequence[str]) -> Optional[np.ndarray]:
    """Vertex properties of a point-cloud PLY (trimesh keeps them raw)."""
    raw = geometry.metadata.get('_ply_raw', {}).get('vertex', {})
    data = raw.get('data')
    if data is None:
        return None
    available = data.dtype.names if hasattr(data, 'dtype') and \
        data.dtype.names else tuple(data)
    if not all(name in available for name in names):
        return None
    return np.stack([np.asarray(data[n]).reshape(-1) for n in names], 1)


def _sample_mesh(path: str, mesh, count: int, want_colors: bool,
                 seed: int) -> Dict[str, np.ndarray]:
    import trimesh
    if len(mesh.faces) == 0 or not mesh.area > 0:
        raise PointFileError(
            path, 'the mesh has no faces with area (0 points to sample)')
    if count < 1:
        raise PointFileError(path, f'mesh_points must be >= 1, got {count}')
    result = trimesh.sample.sample_surface(
        mesh, count, sample_color=want_colors, seed=seed)
    points, face_index = result[0], result[1]
    fields = dict(xyz=points, normals=mesh.face_normals[face_index])
    if want_colors:
        if len(result) < 3 or result[2] is None:
            raise PointFileError(path, 'the mesh has no colours')
        fields['colors'] = _colors01(result[2])
    return fields


def _read_trimesh(path: str, suffix: str, mesh_points: int,
                  want_colors: bool, seed: int) -> Dict[str, np.ndarray]:
    trimesh = _import('trimesh', path)
    try:
        geometry = trimesh.load(path, file_type=suffix[1:])
    except Exception as err:  # any parser failure: name the file
        raise PointFileError(
            path, f'cannot read {suffix} ({type(err).__name__}: {err})'
        ) from err
    if isinstance(geometry, trimesh.Scene):
        if not geometry.geometry:
            raise PointFileError(
                path, f'has 0 points (no vertex or face could be read as '
                f'{suffix})')
        geometry = geometry.to_mesh() if all(
            isinstance(g, trimesh.Trimesh)
            for g in geometry.geometry.values()) else trimesh.util.concatenate(
                list(geometry.geometry.values()))
    if isinstance(geometry, trimesh.Trimesh) and len(geometry.faces):
        return _sample_mesh(path, geometry, mesh_points, want_colors, seed)
    vertices = np.asarray(getattr(geometry, 'vertices', np.zeros((0, 3))))
    fields = dict(xyz=vertices)
    normals = _ply_vertex_fields(geometry, ('nx', 'ny', 'nz'))
    if normals is not None:
        fields['normals'] = normals
    colors = getattr(geometry, 'colors', None)
    if colors is not None and len(colors) == len(vertices):
        fields['colors'] = _colors01(colors)
    return fields


# ----------------------------------------------------------------- pypcd4
def _read_pcd(path: str) -> Dict[str, np.ndarray]:
    _import('pypcd4', path)
    from pypcd4 import PointCloud
    try:
        cloud = PointCloud.from_path(path)
    except Exception as err:  # any parser failure: name the file
        raise PointFileError(
            path, f'cannot read .pcd ({type(err).__name__}: {err})') from err
    names = tuple(cloud.fields)
    if not all(n in names for n in ('x', 'y', 'z')):
        raise PointFileError(
            path, f'no x y z fields (fields: {list(names)}); need at least 3'
            ' columns x y z')
    fields = dict(xyz=cloud.numpy(('x', 'y', 'z')))
    normal_names = ('normal_x', 'normal_y', 'normal_z')
    if all(n in names for n in normal_names):
        fields['normals'] = cloud.numpy(normal_names)
    for packed in ('rgb', 'rgba'):
        if packed in names:
            value = cloud.numpy((packed, )).astype(np.float32)
            fields['colors'] = _colors01(PointCloud.decode_rgb(value))
            break
    else:
        if all(n in names for n in ('r', 'g', 'b')):
            fields['colors'] = _colors01(cloud.numpy(('r', 'g', 'b')))
    return fields


# ------------------------------------------------------------ public API
def read_points(path: str,
                normals: bool = False,
                colors: bool = False,
                mesh_points: int = 8192,
                seed: int = 0) -> np.ndarray:
    """Read one file as a point cloud.

    Args:
        path (str): A file with one of :data:`POINT_SUFFIXES`.
        normals (bool): Append the normals (3 columns); an error when the
            file has none. Defaults to False.
        colors (bool): Append the colours (3 columns, 0..1); an error when
            the file has none. Defaults to False.
        mesh_points (int): Points sampled from a mesh. Defaults to 8192.
        seed (int): Seed of the mesh sampling. Defaults to 0.

    Returns:
        np.ndarray: float32 [N, 3 (+3 normals) (+3 colours)], xyz first,
        N > 0, all finite.

    Raises:
        PointFileError: Naming the file and what is wrong.
    """
    path = str(path)
    suffix = osp.splitext(path)[1].lower()
    if suffix not in POINT_SUFFIXES:
        raise PointFileError(
            path, f'unsupported format {suffix or "(no suffix)"!r}; '
            f'supported: {" ".join(POINT_SUFFIXES)}')
    if not osp.isfile(path):
        raise PointFileError(path, 'file not found')
    try:
        if suffix in ARRAY_SUFFIXES:
            fields = _read_array_file(path, suffix)
        elif suffix == '.pcd':
            fields = _read_pcd(path)
        else:
            fields = _read_trimesh(path, suffix, mesh_points, colors, seed)
    except PointFileError:
        raise
    except (OSError, ValueError, EOFError, TypeError, KeyError,
            UnicodeDecodeError) as err:
        raise PointFileError(
            path, f'cannot read ({type(err).__name__}: {err})') from err
    columns = [np.asarray(fields['xyz'], dtype=np.float64)]
    for name, wanted in (('normals', normals), ('colors', colors)):
        if not wanted:
            continue
        if name not in fields:
            raise PointFileError(path, f'has no {name} (asked for them)')
        columns.append(np.asarray(fields[name], dtype=np.float64))
    points = np.concatenate(columns, axis=1) if columns[0].size else \
        np.zeros((0, sum(c.shape[1] for c in columns)))
    if len(points) == 0:
        raise PointFileError(path, 'has 0 points')
    bad = ~np.isfinite(points).all(axis=1)
    if bad.any():
        raise PointFileError(
            path, f'{int(bad.sum())} of {len(points)} points have NaN or '
            f'Inf values (first: row {int(np.argmax(bad))})')
    with np.errstate(over='ignore'):
        points = np.ascontiguousarray(points, dtype=np.float32)
    try:  # the datasets' checks: overflow, one repeated point
        check_clouds(points[None], path, what=None)
    except ValueError as err:
        raise PointFileError(path, str(err)[len(path) + 2:]) from None
    return points


def resample_points(points: np.ndarray, num_points: int,
                    rng: np.random.Generator) -> np.ndarray:
    """Bring a cloud to exactly ``num_points`` points.

    A larger cloud keeps a random subset (no repeats); a smaller one keeps
    every point and repeats randomly drawn ones to fill up (duplicates do
    not move farthest point sampling's picks before the distinct points
    are used up).

    Args:
        points (np.ndarray): [N, C], N > 0.
        num_points (int): Target size.
        rng (np.random.Generator): Random source.

    Returns:
        np.ndarray: [num_points, C].
    """
    count = len(points)
    if count >= num_points:
        return points[np.sort(rng.choice(count, num_points, replace=False))]
    extra = rng.integers(0, count, num_points - count)
    return np.concatenate([points, points[extra]], axis=0)
