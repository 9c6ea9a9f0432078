"""Point-cloud files of every supported format, written by the tests."""
import numpy as np
import pytest


def tiny_options(num_group: int = 8, group_size: int = 8) -> dict:
    """``--cfg-options`` of a tiny encoder (C=32, one block)."""
    return {
        'model.arch._delete_': True, 'model.arch.embed_dims': 32,
        'model.arch.depth': 1, 'model.arch.num_heads': 2,
        'model.backbone.num_group': num_group,
        'model.backbone.group_size': group_size
    }


def tiny_cli_options() -> list:
    """The same as ``KEY=VALUE`` strings."""
    return [f'{k}={v}' for k, v in tiny_options().items()]


def box_mesh():
    import trimesh
    return trimesh.creation.box(extents=(1., 2., .5))


def write_ply(path, points, normals=None, colors=None, binary=False):
    """A point-cloud PLY with optional nx ny nz and red green blue."""
    props = ['x', 'y', 'z']
    columns = [points.astype('<f4')]
    if normals is not None:
        props += ['nx', 'ny', 'nz']
        columns.append(normals.astype('<f4'))
    dtype = [(p, '<f4') for p in props]
    if colors is not None:
        dtype += [(c, 'u1') for c in ('red', 'green', 'blue')]
    rows = np.zeros(len(points), dtype=dtype)
    for i, p in enumerate(props):
        rows[p] = np.concatenate(columns, 1)[:, i]
    if colors is not None:
        for i, c in enumerate(('red', 'green', 'blue')):
            rows[c] = colors[:, i]
    header = ['ply', 'format binary_little_endian 1.0' if binary else
              'format ascii 1.0', f'element vertex {len(points)}']
    header += [f'property {"uchar" if t == "u1" else "float"} {n}'
               for n, t in dtype] + ['end_header']
    with open(path, 'wb') as f:
        f.write(('\n'.join(header) + '\n').encode())
        if binary:
            f.write(rows.tobytes())
        else:
            for row in rows:
                f.write((' '.join(str(v) for v in row) + '\n').encode())


@pytest.fixture(scope='session')
def point_files(tmp_path_factory):
    """One good file per format (name -> path) and the clouds written."""
    from pypcd4 import PointCloud
    root = tmp_path_factory.mktemp('files')
    rng = np.random.default_rng(0)
    xyz = rng.normal(size=(300, 3)).astype(np.float32)
    normals = rng.normal(size=(300, 3)).astype(np.float32)
    colors = rng.integers(0, 256, size=(300, 3)).astype(np.uint8)
    files = {}

    def add(name, write):
        path = root / name
        write(str(path))
        files[name] = str(path)

    add('a.npy', lambda p: np.save(p, np.hstack([xyz, normals])))
    add('a.npz', lambda p: np.savez(p, points=xyz, normals=normals))
    add('a.txt', lambda p: np.savetxt(p, np.hstack([xyz, normals]),
                                      delimiter=','))
    add('a.xyz', lambda p: np.savetxt(p, xyz))
    add('a.pts', lambda p: open(p, 'w').write(
        f'{len(xyz)}\n' + ''.join(f'{x} {y} {z}\n' for x, y, z in xyz)))
    add('ascii.ply', lambda p: write_ply(p, xyz, normals, colors))
    add('binary.ply', lambda p: write_ply(p, xyz, normals, colors,
                                          binary=True))
    add('a.pcd', lambda p: PointCloud.from_points(
        np.hstack([xyz, normals]),
        ('x', 'y', 'z', 'normal_x', 'normal_y', 'normal_z'),
        (np.float32, ) * 6).save(p))
    for suffix in ('off', 'obj', 'stl'):
        add(f'box.{suffix}', lambda p: box_mesh().export(p))
    add('mesh.ply', lambda p: box_mesh().export(p, encoding='binary'))
    return dict(files=files, xyz=xyz, normals=normals, colors=colors,
                root=str(root))


@pytest.fixture(scope='session')
def bad_files(tmp_path_factory):
    """One file per problem (problem -> (path, words of the message))."""
    root = tmp_path_factory.mktemp('bad')
    cloud = np.random.default_rng(1).normal(size=(50, 3))
    nan = cloud.copy()
    nan[3, 1] = np.nan
    inf = cloud.copy()
    inf[0, 0] = np.inf
    cases = {
        'unreadable': ('broken.ply', b'not a ply file', 'cannot read'),
        'nan': ('nan.npy', nan, 'NaN or Inf'),
        'inf': ('inf.txt', inf, 'NaN or Inf'),
        'two_columns': ('two.xyz', cloud[:, :2], 'column'),
        'no_points': ('empty.txt', b'', '0 points'),
        'few_points': ('few.npy', cloud[:5], 'group count'),
    }
    out = {}
    for problem, (name, content, words) in cases.items():
        path = root / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif name.endswith('.npy'):
            np.save(path, content)
        else:
            np.savetxt(path, content)
        out[problem] = (str(path), words)
    return out
