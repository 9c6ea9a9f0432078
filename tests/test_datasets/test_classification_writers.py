"""The ModelNet40 / ScanObjectNN / few-shot writers and their tool."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from recon3d.datasets import (ModelNet40, ScanObjectNN, write_modelnet40,
                              write_modelnet40_fewshot, write_scanobjectnn)
from recon3d.datasets.synthetic import CLASSES, generate_shape

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tools' / 'dataset_converters' / 'make_synthetic.py'


def _run(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, str(TOOL), *args],
                          cwd=cwd,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=120)


class Stop(Exception):
    pass


def _stop_after(count):
    """A progress callback that fails after ``count`` steps."""
    calls = []

    def progress(done, total):
        calls.append((done, total))
        if len(calls) == count:
            raise Stop

    return progress, calls


@pytest.mark.parametrize('writer', ['modelnet40', 'scanobjectnn'])
def test_atomic(tmp_path, writer):
    out = tmp_path / 'data'
    write = dict(
        modelnet40=lambda out, **kw: write_modelnet40(
            out, 1, 1, num_points_txt=64, num_points=32, **kw),
        scanobjectnn=lambda out, **kw: write_scanobjectnn(
            out, 1, 1, num_points=32, copies=1, **kw))[writer]
    progress, calls = _stop_after(5)
    with pytest.raises(Stop):
        write(out, progress=progress)
    assert list(tmp_path.iterdir()) == []
    progress, calls = _stop_after(-1)
    write(out, progress=progress)
    # One total; steps counted up to it (the FPS pickles step per batch).
    (total, ) = {total for _, total in calls}
    done = [done for done, _ in calls]
    assert done[0] == 1 and done[-1] == total
    assert all(a < b for a, b in zip(done, done[1:]))
    with pytest.raises(FileExistsError, match='not empty'):
        write(out)
    write(out, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ['data']


def test_modelnet_shapes_differ_from_shapenet(tmp_path):
    """The writers draw other shapes than the ShapeNet-55 writer does for
    the same seed, so no pretraining shape is a downstream test shape."""
    write_modelnet40(
        tmp_path, 1, 0, seed=0, num_points_txt=2048, write_dat=False)
    for label in (0, 7):
        name = CLASSES[label]
        shapenet = generate_shape(name, np.random.default_rng([0, label, 0]),
                                  2048)['points']
        ours = np.loadtxt(
            tmp_path / name / f'{name}_0001.txt',
            delimiter=',',
            dtype=np.float32)[:, :3]
        extent = lambda p: p.max(0) - p.min(0)  # noqa: E731
        assert np.abs(extent(shapenet) - extent(ours)).max() > 1e-3


def test_fewshot_needs_pickles(tmp_path):
    write_modelnet40(tmp_path / 'mn', 1, 1, num_points_txt=64, write_dat=False)
    with pytest.raises(
            FileNotFoundError, match='build_modelnet_dat.py --data-root'):
        write_modelnet40_fewshot(tmp_path / 'fs', tmp_path / 'mn')
    assert sorted(p.name for p in tmp_path.iterdir()) == ['mn']


def test_make_modelnet40(tmp_path):
    args = ('--format', 'modelnet40', '--out', 'data/ModelNet/mn40',
            '--train-per-class', '1', '--test-per-class', '1',
            '--num-points-txt', '64', '--num-points', '32')
    done = _run(*args, '--no-dat', cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    root = tmp_path / 'data' / 'ModelNet' / 'mn40'
    assert not list(root.glob('*.dat'))
    assert 'modelnet40_shape_names.txt' in done.stdout
    assert f'{CLASSES[0]}/  (2 files)' in done.stdout
    done = _run(*args, '--force', cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    dataset = ModelNet40(str(root), split='test', num_points=32)
    assert len(dataset) == len(CLASSES)


def test_make_scanobjectnn_and_fewshot(tmp_path):
    done = _run(
        '--format',
        'scanobjectnn',
        '--out',
        'data/ScanObjectNN',
        '--train-per-class',
        '1',
        '--test-per-class',
        '1',
        '--num-points',
        '64',
        '--variants',
        'OBJ_ONLY',
        'PB_T50_RS',
        '--copies',
        '2',
        cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    root = tmp_path / 'data' / 'ScanObjectNN'
    assert 'main_split_nobg/training_objectdataset.h5' in done.stdout
    assert not (root / 'main_split' / 'training_objectdataset.h5').exists()
    assert len(ScanObjectNN(str(root), 'PB_T50_RS', 'test')) == 30
    assert (root / 'README.txt').is_file()

    # Few-shot folds: the ModelNet40 beside --out is written first.
    args = ('--format', 'modelnet40_fewshot', '--out', 'data/ModelNetFewshot',
            '--train-per-class', '2', '--test-per-class', '2',
            '--fold-test-per-class', '2', '--num-points-txt', '64',
            '--num-points', '32', '--ways', '3', '--shots', '2', '--folds',
            '1')
    done = _run(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    modelnet = tmp_path / 'data' / 'ModelNet' / 'modelnet40_normal_resampled'
    assert (modelnet / 'modelnet40_test_32pts_fps.dat').is_file()
    assert (tmp_path / 'data' / 'ModelNetFewshot' / '3way_2shot' /
            '0.pkl').is_file()
    # An argument check, before anything is written.
    done = _run(*args[:-6], '--fold-test-per-class', '3', cwd=tmp_path)
    assert done.returncode == 2
    assert 'below --fold-test-per-class 3' in done.stderr
