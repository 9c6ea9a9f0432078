"""recon3d.datasets.io: every format, normals/colours, mesh sampling, and
the errors that name the file."""
import numpy as np
import pytest

from recon3d.datasets.io import PointFileError, read_points, resample_points


def test_every_format_reads(point_files):
    files, xyz = point_files['files'], point_files['xyz']
    for name, path in files.items():
        points = read_points(path, mesh_points=512)
        assert points.dtype == np.float32 and points.shape[1] == 3, name
        if name.startswith(('box', 'mesh')):
            assert len(points) == 512, name
            # on the surface of the 1 x 2 x 0.5 box
            half = np.array([.5, 1., .25])
            on_face = np.isclose(np.abs(points), half, atol=1e-5).any(1)
            assert on_face.all() and (np.abs(points) <= half + 1e-5).all()
        else:
            np.testing.assert_allclose(points, xyz, atol=1e-5, err_msg=name)


def test_normals_and_colours(point_files):
    files = point_files['files']
    for name in ('a.npy', 'a.npz', 'a.txt', 'ascii.ply', 'binary.ply',
                 'a.pcd'):
        points = read_points(files[name], normals=True)
        assert points.shape == (300, 6), name
        np.testing.assert_allclose(points[:, 3:], point_files['normals'],
                                   atol=1e-5, err_msg=name)
    for name in ('ascii.ply', 'binary.ply'):
        points = read_points(files[name], normals=True, colors=True)
        np.testing.assert_allclose(points[:, 6:],
                                   point_files['colors'] / 255., atol=1e-6)
    # a mesh point's normal is its face's: axis-aligned for a box
    points = read_points(files['box.stl'], normals=True, mesh_points=64)
    assert np.allclose(np.abs(points[:, 3:]).max(1), 1)
    with pytest.raises(PointFileError, match=r'a\.xyz: has no normals'):
        read_points(files['a.xyz'], normals=True)


def test_mesh_sampling_is_area_weighted(tmp_path):
    import trimesh
    # two separate triangles, areas 1/2 and 3/2 (x 3 in area)
    vertices = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [5, 0, 0],
                         [8, 0, 0], [5, 1, 0]], dtype=float)
    mesh = trimesh.Trimesh(vertices, [[0, 1, 2], [3, 4, 5]], process=False)
    path = tmp_path / 'two.off'
    mesh.export(path)
    points = read_points(str(path), mesh_points=8000)
    share = (points[:, 0] >= 4.5).mean()
    assert share == pytest.approx(0.75, abs=0.03)
    # seeded: the same points twice
    np.testing.assert_array_equal(points,
                                  read_points(str(path), mesh_points=8000))


def test_bad_files_name_the_file_and_the_problem(bad_files):
    for problem, (path, words) in bad_files.items():
        if problem == 'few_points':
            continue  # a model's limit, checked by the dataset and the API
        with pytest.raises(PointFileError) as err:
            read_points(path)
        message = str(err.value)
        assert message.startswith(path), problem
        assert words in message, (problem, message)
        assert '\n' not in message


def test_unknown_suffix_and_missing_file(tmp_path):
    with pytest.raises(PointFileError, match='unsupported format'):
        read_points(str(tmp_path / 'cloud.las'))
    with pytest.raises(PointFileError, match='file not found'):
        read_points(str(tmp_path / 'cloud.ply'))


def test_resample_keeps_all_points_or_a_subset():
    rng = np.random.default_rng(0)
    points = np.arange(30, dtype=np.float32).reshape(10, 3)
    up = resample_points(points, 25, rng)
    assert len(up) == 25 and (up[:10] == points).all()
    down = resample_points(points, 4, rng)
    assert len(np.unique(down[:, 0])) == 4
    assert np.isin(down[:, 0], points[:, 0]).all()
