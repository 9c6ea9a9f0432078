"""Small synthetic ShapeNet-55 folders for the dataset tests."""
import shutil
from pathlib import Path

import pytest

from recon3d.datasets import write_shapenet55

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
