"""Fixtures of the fuzz tests; the cases live in fuzz_cases.py."""
import os.path as osp
import sys

import pytest

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))


@pytest.fixture
def marker(tmp_path) -> str:
    """Where a hostile payload would leave its mark if it ran."""
    return str(tmp_path / 'PAYLOAD_RAN')


@pytest.fixture(scope='session')
def modelnet(tmp_path_factory) -> str:
    """Generated ModelNet40 (18 classes, 2 train and 1 test shape each,
    256-point .dat files), shared: copy it before damaging it."""
    from recon3d.datasets.synthetic import write_modelnet40
    root = tmp_path_factory.mktemp('mn') / 'ModelNet40'
    write_modelnet40(
        str(root),
        train_per_class=2,
        test_per_class=1,
        num_points_txt=300,
        num_points=256)
    return str(root)
