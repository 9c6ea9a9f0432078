"""Small synthetic dataset folders for the dataset tests."""
import shutil
from pathlib import Path

import pytest

from recon3d.datasets import (write_modelnet40, write_modelnet40_fewshot,
                              write_scanobjectnn, write_shapenet55)

#: Shapes per class and sizes of the test datasets.
SIZES = dict(
    train_per_class=2, test_per_class=1, num_points=2048, image_size=64)


@pytest.fixture(scope='session')
def sizes() -> dict:
    """The arguments the test datasets are written with."""
    return dict(SIZES)


@pytest.fixture(scope='session')
def shapenet_root(tmp_path_factory) -> Path:
    """A synthetic ShapeNet-55 root shared by the session: do not modify."""
    root = tmp_path_factory.mktemp('shared') / 'ShapeNet55-34'
    write_shapenet55(root, seed=0, **SIZES)
    return root


@pytest.fixture
def fresh_root(shapenet_root, tmp_path) -> Path:
    """A copy of :func:`shapenet_root` that a test may damage."""
    return Path(shutil.copytree(shapenet_root, tmp_path / 'ShapeNet55-34'))


@pytest.fixture(scope='session')
def tiny_roots(tmp_path_factory) -> dict:
    """Tiny generated roots of every array format, shared: do not modify.

    ``modelnet`` (.dat pickles of 64 points), ``fewshot`` (one 3-way 1-shot
    fold drawn from it), ``scanobjectnn`` (OBJ_BG .h5 of 64 points) and
    ``shapenet`` (.npy clouds of 64 points).
    """
    base = tmp_path_factory.mktemp('tiny')
    roots = {name: base / name for name in
             ('modelnet', 'fewshot', 'scanobjectnn', 'shapenet')}
    write_modelnet40(roots['modelnet'], 1, 1, num_points_txt=80,
                     num_points=64)
    write_modelnet40_fewshot(roots['fewshot'], roots['modelnet'], ways=[3],
                             shots=[1], folds=1, test_per_class=1,
                             num_points=64)
    write_scanobjectnn(roots['scanobjectnn'], 1, 1, variants=['OBJ_BG'],
                       num_points=64, copies=1)
    write_shapenet55(roots['shapenet'], 1, 1, num_points=64, image_size=16)
    return roots


@pytest.fixture
def tiny_copy(tiny_roots, tmp_path):
    """``tiny_copy(name)``: a copy of a :func:`tiny_roots` root that a test
    may damage."""
    return lambda name: Path(
        shutil.copytree(tiny_roots[name], tmp_path / name))
