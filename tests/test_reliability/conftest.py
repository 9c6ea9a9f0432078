"""Fixtures of the fuzz tests; the cases live in fuzz_cases.py."""
import os.path as osp
import sys

import pytest

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))


@pytest.fixture
def marker(tmp_path) -> str:
    """Where a hostile payload would leave its mark if it ran."""
    return str(tmp_path / 'PAYLOAD_RAN')
