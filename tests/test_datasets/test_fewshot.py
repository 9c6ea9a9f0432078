import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from recon3d.datasets import (ModelNet40FewShot, build_fewshot_folds,
                              write_modelnet40, write_modelnet40_fewshot)
from recon3d.datasets.converters import sample_fold
from recon3d.datasets.synthetic import CLASSES

REPO = Path(__file__).resolve().parents[2]
FOLDS = dict(ways=(5, 10), shots=(1, 2), folds=2, test_per_class=3)


@pytest.fixture(scope='module')
def roots(tmp_path_factory):
    """(ModelNet40 root, few-shot root) shared by the module."""
    base = tmp_path_factory.mktemp('fewshot')
    modelnet = base / 'ModelNet' / 'modelnet40_normal_resampled'
    write_modelnet40(
        modelnet,
        train_per_class=3,
        test_per_class=3,
        seed=0,
        num_points_txt=300,
        num_points=256)
    fewshot = base / 'ModelNetFewshot'
    write_modelnet40_fewshot(
        fewshot, modelnet, seed=0, num_points=256, **FOLDS)
    return modelnet, fewshot


@pytest.fixture
def fresh_root(roots, tmp_path) -> Path:
    """A copy of the few-shot root that a test may damage."""
    return Path(shutil.copytree(roots[1], tmp_path / 'fewshot'))


def _load(path):
    with open(path, 'rb') as f:
        return pickle.load(f)


def _dataset(root, way=5, shot=2, fold=0, **kwargs):
    kwargs.setdefault('serialize_data', False)
    return ModelNet40FewShot(str(root), way, shot, fold, **kwargs)


def test_layout(roots):
    _, fewshot = roots
    assert sorted(p.name for p in fewshot.iterdir()) == [
        '10way_1shot', '10way_2shot', '5way_1shot', '5way_2shot',
        'modelnet40_shape_names.txt'
    ]
    assert sorted(p.name for p in (fewshot / '5way_1shot').iterdir()) == [
        '0.pkl', '1.pkl'
    ]
    assert [p.name for p in fewshot.parent.iterdir()
            ] == ['ModelNet', 'ModelNetFewshot']


def test_fold_content(roots):
    modelnet, fewshot = roots
    dat = {
        split: _load(modelnet / f'modelnet40_{split}_256pts_fps.dat')
        for split in ('train', 'test')
    }
    for way in FOLDS['ways']:
        for shot in FOLDS['shots']:
            for fold in range(FOLDS['folds']):
                content = _load(fewshot / f'{way}way_{shot}shot' /
                                f'{fold}.pkl')
                assert isinstance(content, dict)
                assert sorted(content) == ['test', 'train']
                assert len(content['train']) == way * shot
                assert len(content['test']) == way * 3
                orig_of = {}
                for split, items in content.items():
                    stored = {
                        cloud.tobytes(): int(label[0])
                        for cloud, label in zip(*dat[split])
                    }
                    keys = set()
                    for points, label, orig in items:
                        assert points.dtype == np.float32
                        assert points.shape == (256, 6)
                        assert isinstance(label, int) and 0 <= label < way
                        assert isinstance(orig, np.int32)
                        assert orig_of.setdefault(label, orig) == orig
                        # A stored cloud of the right split and class,
                        # unnormalised, drawn without replacement.
                        assert stored[points.tobytes()] == orig
                        keys.add(points.tobytes())
                    assert len(keys) == len(items)
                    counts = np.bincount([item[1] for item in items])
                    assert counts.tolist() == [len(items) // way] * way
                assert len(set(orig_of.values())) == way


def test_seeded(roots, tmp_path):
    modelnet, fewshot = roots
    build_fewshot_folds(
        str(modelnet),
        str(tmp_path),
        ways=[5],
        shots=[2],
        folds=2,
        seed=0,
        test_per_class=3,
        num_points=256)
    for fold in range(2):
        name = f'5way_2shot/{fold}.pkl'
        # The other settings drawn beside it do not change a fold.
        assert (tmp_path / name).read_bytes() == (fewshot / name).read_bytes()
    a, b = (_load(tmp_path / f'5way_2shot/{fold}.pkl') for fold in (0, 1))
    assert [item[2] for item in a['train']] != [item[2] for item in b['train']]


def test_sample_fold():
    rng = np.random.default_rng(0)
    points = [np.full((4, 6), i, np.float32) for i in range(12)]
    labels = [i % 3 for i in range(12)]  # 4 clouds per class
    fold = sample_fold(points, labels, points, labels, 3, 4, rng, 4)
    assert len(fold['train']) == 12 and len(fold['test']) == 12
    with pytest.raises(
            ValueError,
            match='class . has 4 clouds in the '
            'ModelNet test split; a fold needs 5'):
        sample_fold(points, labels, points, labels, 2, 2, rng, 5)
    with pytest.raises(ValueError, match='cannot draw 4 classes from the 3'):
        sample_fold(points, labels, points, labels, 4, 1, rng)


def test_dataset(roots):
    _, fewshot = roots
    for split, count in (('train', 10), ('test', 15)):
        dataset = _dataset(fewshot, split=split)
        assert len(dataset) == count
        content = _load(fewshot / '5way_2shot/0.pkl')[split]
        meta = dataset.metainfo
        assert meta['way'] == 5 and meta['shot'] == 2 and meta['fold'] == 0
        assert meta['dataset_name'] == 'ModelNet40-FewShot'
        assert len(meta['orig_labels']) == 5
        assert meta['classes'] == tuple(f'class_{orig}'
                                        for orig in meta['orig_labels'])
        for i, (points, label, orig) in enumerate(content):
            info = dataset.get_data_info(i)
            assert info['gt_label'] == label and info['orig_label'] == orig
            assert meta['orig_labels'][label] == orig
            assert info['split'] == split and info['sample_idx'] == i
            np.testing.assert_array_equal(info['points'], points[:, :3])
            assert dataset.get_cat_ids(i) == [label]
    named = _dataset(fewshot, shape_names_file='modelnet40_shape_names.txt')
    assert named.metainfo['classes'] == tuple(
        CLASSES[orig] for orig in named.metainfo['orig_labels'])
    normals = _dataset(fewshot, use_normals=True)
    assert normals.get_data_info(0)['points'].shape == (256, 6)
    with pytest.raises(FileNotFoundError, match='names.txt'):
        _dataset(fewshot, shape_names_file='names.txt')


def test_pipeline(roots):
    np.random.seed(0)
    dataset = _dataset(
        roots[1],
        way=10,
        shot=1,
        fold=1,
        pipeline=[
            dict(type='ShufflePoints'),
            dict(type='PackReconInputs')
        ])
    item = dataset[4]
    assert item['inputs']['points'].dtype == torch.float32
    assert item['inputs']['points'].shape == (256, 3)
    label = item['data_samples'].gt_label.item()
    assert 0 <= label < 10


def _damage(path, how):
    content = _load(path)
    items = content['train']
    if how == 'truncated':
        path.write_bytes(path.read_bytes()[:3000])
        return
    if how == 'not_dict':
        content = [items, content['test']]
    elif how == 'no_test':
        del content['test']
    elif how == 'label_high':
        items[3] = (items[3][0], 5, items[3][2])
    elif how == 'label_negative':
        items[3] = (items[3][0], -1, items[3][2])
    elif how == 'mapping':
        other = [item[2] for item in items if item[1] != items[3][1]][0]
        items[3] = (items[3][0], items[3][1], other)
    elif how == 'pair':
        items[3] = items[3][:2]
    elif how == 'shape':
        items[3] = (items[3][0][:, :2], items[3][1], items[3][2])
    elif how == 'count':
        items[3] = (items[3][0][:100], items[3][1], items[3][2])
    with open(path, 'wb') as f:
        pickle.dump(content, f)


@pytest.mark.parametrize('damage, error, message', [
    ('missing', FileNotFoundError, 'few-shot fold not found'),
    ('truncated', ValueError, 'cannot unpickle'),
    ('not_dict', ValueError, 'expected a pickled dict'),
    ('no_test', ValueError, r"with keys \['train'\]"),
    ('label_high', ValueError, r'train item 3 has label 5, outside \[0, 5\)'),
    ('label_negative', ValueError, 'train item 3 has label -1'),
    ('mapping', ValueError, r'new label \d stands for original labels'),
    ('pair', ValueError, 'train item 3 should be a'),
    ('shape', ValueError, r'train item 3 should be a numeric array of '
     r'shape \[256, C >= 3\], got \[256, 2\]'),
    ('count', ValueError, r'got \[100, 6\]'),
])
def test_bad_fold(fresh_root, damage, error, message):
    path = fresh_root / '5way_2shot' / '0.pkl'
    if damage == 'missing':
        path.unlink()
    else:
        _damage(path, damage)
    with pytest.raises(error, match=message) as info:
        _dataset(fresh_root, split='train')
    assert str(path) in str(info.value)


def test_tool(roots, tmp_path):
    modelnet, fewshot = roots
    out = tmp_path / 'folds'
    command = [
        sys.executable,
        str(REPO / 'tools/dataset_converters/make_fewshot_folds.py'),
        '--data-root',
        str(modelnet), '--out',
        str(out), '--ways', '5', '--shots', '1', '--folds', '2',
        '--test-per-class', '3', '--num-points', '256'
    ]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert '5way_1shot' in done.stdout
    assert (out / '5way_1shot/1.pkl').read_bytes() == (
        fewshot / '5way_1shot/1.pkl').read_bytes()
    # 4 test clouds per class are more than ModelNet40 holds: an error
    # naming the problem, not a traceback; nothing is left behind.
    done = subprocess.run(
        command[:-4] +
        ['--test-per-class', '4', '--num-points', '256', '--force'],
        env=env,
        capture_output=True,
        text=True,
        timeout=120)
    assert done.returncode == 1
    assert 'has 3 clouds in the ModelNet test split; a fold needs 4' in (
        ' '.join(done.stdout.split()))
    assert (out / '5way_1shot/1.pkl').is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ['folds']
