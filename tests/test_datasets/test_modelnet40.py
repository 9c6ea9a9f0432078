import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from recon3d.datasets import (ModelNet40, PackReconInputs, ShufflePoints,
                              build_modelnet_dat, write_modelnet40)
from recon3d.datasets.synthetic import CLASSES, MODELNET10_CLASSES
from recon3d.registry import TRANSFORMS

REPO = Path(__file__).resolve().parents[2]
SIZES = dict(
    train_per_class=2, test_per_class=1, num_points_txt=600, num_points=512)
DAT = 'modelnet40_{}_512pts_fps.dat'


@pytest.fixture(scope='module')
def modelnet_root(tmp_path_factory) -> Path:
    """A synthetic ModelNet40 root shared by the module: do not modify."""
    root = tmp_path_factory.mktemp('modelnet') / 'modelnet40_normal_resampled'
    write_modelnet40(root, seed=0, **SIZES)
    return root


@pytest.fixture
def fresh_root(modelnet_root, tmp_path) -> Path:
    """A copy of :func:`modelnet_root` that a test may damage."""
    return Path(shutil.copytree(modelnet_root, tmp_path / 'modelnet'))


def _dataset(root, **kwargs) -> ModelNet40:
    kwargs.setdefault('serialize_data', False)
    kwargs.setdefault('num_points', 512)
    return ModelNet40(str(root), **kwargs)


def _ids(root, split):
    return (root / f'modelnet40_{split}.txt').read_text().split()


def _load(path):
    with open(path, 'rb') as f:
        return pickle.load(f)


def test_layout(modelnet_root):
    names = (modelnet_root / 'modelnet40_shape_names.txt').read_text()
    assert names.split() == list(CLASSES)
    train, test = _ids(modelnet_root, 'train'), _ids(modelnet_root, 'test')
    assert len(train) == 2 * len(CLASSES) and len(test) == len(CLASSES)
    # Ids count from 0001 per class, train first.
    assert train[:2] == [f'{CLASSES[0]}_0001', f'{CLASSES[0]}_0002']
    assert test[0] == f'{CLASSES[0]}_0003'
    lines = (modelnet_root / CLASSES[0] /
             f'{train[0]}.txt').read_text().splitlines()
    assert len(lines) == 600 and len(lines[0].split(',')) == 6
    assert all(len(field.split('.')[1]) == 6 for field in lines[0].split(','))
    # Nothing but the dataset is left beside it.
    assert [p.name
            for p in modelnet_root.parent.iterdir()] == [modelnet_root.name]


def test_dat_format(modelnet_root):
    """The pickle is the official [list of points, list of labels]."""
    for split in ('train', 'test'):
        content = _load(modelnet_root / DAT.format(split))
        assert isinstance(content, list) and len(content) == 2
        points, labels = content
        ids = _ids(modelnet_root, split)
        assert len(points) == len(labels) == len(ids)
        for cloud, label, shape_id in zip(points, labels, ids):
            assert cloud.dtype == np.float32 and cloud.shape == (512, 6)
            assert label.dtype == np.int32 and label.shape == (1, )
            assert CLASSES[label[0]] == shape_id.rpartition('_')[0]
        # FPS picks distinct rows of the txt file, unnormalised.
        txt = np.loadtxt(
            modelnet_root / ids[0].rpartition('_')[0] / f'{ids[0]}.txt',
            delimiter=',',
            dtype=np.float32)
        rows = {row.tobytes() for row in txt}
        assert len({row.tobytes() for row in points[0]}) == 512
        assert all(row.tobytes() in rows for row in points[0])


def test_splits_and_items(modelnet_root):
    train = _dataset(modelnet_root, split='train')
    test = _dataset(modelnet_root, split='test')
    assert len(train) == 2 * len(CLASSES) and len(test) == len(CLASSES)
    assert train.metainfo['classes'] == CLASSES
    assert train.metainfo['dataset_name'] == 'ModelNet40'
    stored = _load(modelnet_root / DAT.format('test'))[0]
    for i, shape_id in enumerate(_ids(modelnet_root, 'test')):
        info = test.get_data_info(i)
        assert info['file_name'] == shape_id
        assert CLASSES[info['gt_label']] == shape_id.rpartition('_')[0]
        assert info['split'] == 'test' and info['sample_idx'] == i
        assert test.get_cat_ids(i) == [info['gt_label']]
        points = info['points']
        assert points.dtype == np.float32 and points.shape == (512, 3)
        # As stored, without the normals (the pipelines normalise).
        np.testing.assert_array_equal(points, stored[i][:, :3])
    # Items are copies: changing one leaves the stored array as it was.
    test.get_data_info(0)['points'][:] = 7
    assert (test.get_data_info(0)['points'] != 7).any()
    with pytest.raises(ValueError, match='split'):
        _dataset(modelnet_root, split='val')


def test_use_normals(modelnet_root):
    dataset = _dataset(modelnet_root, split='test', use_normals=True)
    stored = _load(modelnet_root / DAT.format('test'))[0][0]
    points = dataset.get_data_info(0)['points']
    assert points.shape == (512, 6)
    np.testing.assert_array_equal(points, stored)


def test_serialized_and_subset(modelnet_root):
    whole = _dataset(modelnet_root, split='train')
    part = _dataset(
        modelnet_root, split='train', serialize_data=True, indices=[5, 2])
    assert len(part) == 2
    for i, j in enumerate([5, 2]):
        a, b = part.get_data_info(i), whole.get_data_info(j)
        assert a['file_name'] == b['file_name']
        np.testing.assert_array_equal(a['points'], b['points'])


def test_pipeline(modelnet_root):
    np.random.seed(0)
    dataset = _dataset(
        modelnet_root,
        split='train',
        pipeline=[
            dict(type='ShufflePoints'),
            dict(type='PackReconInputs')
        ])
    item = dataset[3]
    points = item['inputs']['points']
    assert points.dtype == torch.float32 and points.shape == (512, 3)
    sample = item['data_samples']
    assert sample.gt_label.tolist() == [dataset.get_data_info(3)['gt_label']]
    assert sample.file_name == dataset.get_data_info(3)['file_name']
    assert sample.split == 'train' and sample.sample_idx == 3


def test_num_category(modelnet_root):
    assert len(_dataset(modelnet_root, num_category=len(CLASSES))) == 36
    with pytest.raises(
            ValueError,
            match='modelnet40_shape_names.txt lists '
            f'{len(CLASSES)} classes but num_category is 40'):
        _dataset(modelnet_root, num_category=40)


def test_build_is_seeded(fresh_root):
    path = fresh_root / DAT.format('test')
    original = path.read_bytes()
    build_modelnet_dat(str(fresh_root), 'test', 512, seed=0)
    assert path.read_bytes() == original
    build_modelnet_dat(str(fresh_root), 'test', 512, seed=1)
    assert path.read_bytes() != original
    # Another start: the first pick differs.
    assert not np.array_equal(
        _load(path)[0][0][0],
        pickle.loads(original)[0][0][0])


def test_build_tool(fresh_root):
    (fresh_root / DAT.format('train')).unlink()
    original = (fresh_root / DAT.format('test')).read_bytes()
    done = subprocess.run([
        sys.executable,
        str(REPO / 'tools/dataset_converters/build_modelnet_dat.py'),
        '--data-root',
        str(fresh_root), '--num-points', '512'
    ],
                          env=dict(os.environ, PYTHONPATH=str(REPO)),
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert 'exists' in done.stdout and 'built' in done.stdout
    # Rebuilt with the default seed, like the writer's: the same dataset.
    assert len(_dataset(fresh_root, split='train')) == 36
    assert (fresh_root / DAT.format('test')).read_bytes() == original


def _write(path, content):
    with open(path, 'wb') as f:
        pickle.dump(content, f)


@pytest.mark.parametrize('damage, error, message', [
    ('missing', FileNotFoundError, 'build_modelnet_dat.py --data-root'),
    ('truncated', ValueError, 'cannot unpickle'),
    ('not_a_list', ValueError, 'expected a pickled'),
    ('lengths', ValueError, '36 point clouds but 35 labels'),
    ('list_length', ValueError, 'holds 35 shapes but'),
    ('shape', ValueError, r'cloud 4 should be a numeric array of shape '
     r'\[512, C >= 3\], got \[512, 2\]'),
    ('count', ValueError, r'got \[100, 6\]'),
    ('label_range', ValueError, r'shape 3 has label 99'),
    ('label_negative', ValueError, r'shape 3 has label -1'),
    ('label_swapped', ValueError, r'shape 3 has label'),
])
def test_bad_dat(fresh_root, damage, error, message):
    path = fresh_root / DAT.format('train')
    points, labels = _load(path)
    if damage == 'missing':
        path.unlink()
    elif damage == 'truncated':
        path.write_bytes(path.read_bytes()[:5000])
    elif damage == 'not_a_list':
        _write(path, dict(points=points))
    elif damage == 'lengths':
        _write(path, [points, labels[:-1]])
    elif damage == 'list_length':
        _write(path, [points[:-1], labels[:-1]])
    elif damage in ('shape', 'count'):
        points[4] = points[4][:, :2] if damage == 'shape' else points[4][:100]
        _write(path, [points, labels])
    else:
        value = dict(label_range=99, label_negative=-1)
        labels[3] = np.array([value.get(damage, labels[3][0] + 1)],
                             dtype=np.int32)
        _write(path, [points, labels])
    with pytest.raises(error, match=message) as info:
        _dataset(fresh_root, split='train')
    assert str(path) in str(info.value)


def test_bad_lists(fresh_root):
    names = fresh_root / 'modelnet40_shape_names.txt'
    listing = fresh_root / 'modelnet40_test.txt'
    lines = listing.read_text().splitlines()
    listing.write_text('\n'.join(lines[:2] + ['teapot_0001'] + lines[2:]))
    with pytest.raises(
            ValueError, match="modelnet40_test.txt, line 3: the "
            "class 'teapot'"):
        _dataset(fresh_root, split='test')
    listing.unlink()
    with pytest.raises(FileNotFoundError, match='modelnet40_test.txt'):
        _dataset(fresh_root, split='test')
    names.unlink()
    with pytest.raises(FileNotFoundError, match='modelnet40_shape_names'):
        _dataset(fresh_root, split='train')


def test_build_errors(fresh_root):
    shape = fresh_root / CLASSES[1] / f'{CLASSES[1]}_0001.txt'
    shape.write_text('\n'.join(shape.read_text().splitlines()[:100]))
    with pytest.raises(
            ValueError, match='cannot sample 512 points from '
            '100') as info:
        build_modelnet_dat(str(fresh_root), 'train', 512)
    assert str(shape) in str(info.value)
    shape.unlink()
    with pytest.raises(FileNotFoundError, match=str(shape)):
        build_modelnet_dat(str(fresh_root), 'train', 512)
    # A failed build leaves the old pickle and no temporary file.
    assert sorted(p.name for p in fresh_root.glob('*.dat*')) == sorted(
        f'modelnet{n}_{split}_512pts_fps.dat' for n in (10, 40)
        for split in ('train', 'test'))


# Point-order shuffling of the classification loaders.


def _cloud(n=200, c=6, seed=0):
    return np.random.default_rng(seed).normal(size=(n, c)).astype(np.float32)


def test_transforms_registered():
    assert TRANSFORMS.get('ShufflePoints') is not None


def test_shuffle_points():
    np.random.seed(0)
    points = _cloud()
    out = ShufflePoints()(dict(points=points.copy()))['points']
    assert not np.array_equal(out, points)
    order = np.lexsort(points.T)
    np.testing.assert_array_equal(out[np.lexsort(out.T)], points[order])
    # Seeded through numpy's global state, like the other transforms.
    np.random.seed(0)
    again = ShufflePoints()(dict(points=points.copy()))['points']
    np.testing.assert_array_equal(out, again)
    packed = PackReconInputs()(dict(points=out))['inputs']['points']
    assert packed.dtype == torch.float32


def test_registry_and_modelnet10(fresh_root):
    from recon3d.registry import DATASETS
    dataset = DATASETS.build(
        dict(
            type='ModelNet40',
            data_root=str(fresh_root),
            split='test',
            num_points=512))
    assert isinstance(dataset, ModelNet40) and len(dataset) == len(CLASSES)
    # num_category=10 reads the modelnet10_* files, as the official loader
    # (the writer lists ten of its classes there, as the real folder).
    names = list(MODELNET10_CLASSES)
    assert (fresh_root / 'modelnet10_shape_names.txt').read_text().split(
    ) == names
    for split in ('train', 'test'):
        ids = [i for i in _ids(fresh_root, split)
               if i.rpartition('_')[0] in names]
        assert (fresh_root / f'modelnet10_{split}.txt').read_text().split(
        ) == ids
    (fresh_root / 'modelnet10_train_512pts_fps.dat').unlink()
    with pytest.raises(FileNotFoundError, match='modelnet10_train_512pts'):
        _dataset(fresh_root, num_category=10)
    build_modelnet_dat(str(fresh_root), 'train', 512, num_category=10)
    dataset = _dataset(fresh_root, num_category=10)
    assert dataset.metainfo['dataset_name'] == 'ModelNet10'
    assert dataset.metainfo['classes'] == tuple(names) and len(dataset) == 20
