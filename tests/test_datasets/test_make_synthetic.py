import os
import subprocess
import sys
from pathlib import Path

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


def test_make_shapenet55(tmp_path):
    args = ('--format', 'shapenet55', '--out', 'data/ShapeNet55-34',
            '--train-per-class', '1', '--test-per-class', '1', '--num-points',
            '128', '--image-size', '32')
    done = _run(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    root = tmp_path / 'data' / 'ShapeNet55-34'
    assert (root / 'shapenet55.json').is_file()
    assert len(list((root / 'shapenet_pc').iterdir())) == len(
        (root / 'ShapeNet-55' / 'train.txt').read_text().split()) * 2
    assert 'shapenet_pc/' in done.stdout and 'train' in done.stdout

    again = _run(*args, cwd=tmp_path)
    assert again.returncode == 1
    assert 'not empty' in again.stdout


def test_unknown_format(tmp_path):
    done = _run('--format', 'modelnet99', '--out', 'x', cwd=tmp_path)
    assert done.returncode == 2
    assert 'shapenet55' in done.stderr
