import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch

from recon3d.datasets import (SCANOBJECTNN_CLASSES, ScanObjectNN,
                              write_scanobjectnn)
from recon3d.datasets.synthetic.writers import SCANOBJECTNN_SOURCES

SIZES = dict(train_per_class=2, test_per_class=1, num_points=512)
FILES = {
    'OBJ_BG': 'main_split/{}_objectdataset.h5',
    'OBJ_ONLY': 'main_split_nobg/{}_objectdataset.h5',
    'PB_T50_RS': 'main_split/{}_objectdataset_augmentedrot_scale75.h5',
}


@pytest.fixture(scope='module')
def scan_root(tmp_path_factory) -> Path:
    """A synthetic ScanObjectNN root shared by the module: do not modify."""
    root = tmp_path_factory.mktemp('scan') / 'ScanObjectNN'
    write_scanobjectnn(root, seed=0, **SIZES)
    return root


@pytest.fixture
def fresh_root(scan_root, tmp_path) -> Path:
    """A copy of :func:`scan_root` that a test may damage."""
    return Path(shutil.copytree(scan_root, tmp_path / 'ScanObjectNN'))


def _read(root, variant, split):
    name = 'training' if split == 'train' else 'test'
    with h5py.File(root / FILES[variant].format(name), 'r') as h5:
        return {key: h5[key][()] for key in h5}


def test_layout(scan_root):
    files = sorted(
        str(p.relative_to(scan_root)) for p in scan_root.rglob('*.h5'))
    assert files == sorted(
        pattern.format(split) for pattern in FILES.values()
        for split in ('training', 'test'))
    readme = (scan_root / 'README.txt').read_text()
    for i, (name, source) in enumerate(
            zip(SCANOBJECTNN_CLASSES, SCANOBJECTNN_SOURCES)):
        assert f'{i:2d}  {name:<8}  {source}' in readme
    assert len(set(SCANOBJECTNN_SOURCES)) == 15
    counts = {(15, 2): 30, (15, 1): 15}
    for variant in FILES:
        for split, per_class in (('train', 2), ('test', 1)):
            content = _read(scan_root, variant, split)
            assert sorted(content) == ['data', 'label', 'mask']
            n = counts[15, per_class] * (5 if variant == 'PB_T50_RS' else 1)
            assert content['data'].shape == (n, 512, 3)
            assert content['data'].dtype == np.float32
            assert content['label'].shape == (n, )
            assert content['mask'].shape == (n, 512)
            assert np.bincount(content['label']).tolist() == [n // 15] * 15


def test_variants(scan_root):
    only = _read(scan_root, 'OBJ_ONLY', 'train')
    bg = _read(scan_root, 'OBJ_BG', 'train')
    pb = _read(scan_root, 'PB_T50_RS', 'train')
    # Real masks: background -1, object points non-negative.
    assert (only['mask'] == 1).all()
    assert set(np.unique(bg['mask'])) == {-1, 1}
    share = (bg['mask'] == -1).mean(1)
    assert share.min() >= 0.19 and share.max() <= 0.31
    assert (pb['mask'] == -1).any() and (pb['mask'] == 1).any(1).all()
    # OBJ_BG holds the OBJ_ONLY objects, in the same order, plus clutter.
    np.testing.assert_array_equal(only['label'], bg['label'])
    for i in range(0, 30, 7):
        rows = {row.tobytes() for row in only['data'][i]}
        obj = bg['data'][i][bg['mask'][i] == 1]
        assert all(row.tobytes() in rows for row in obj)
        clutter = bg['data'][i][bg['mask'][i] == -1]
        assert not any(row.tobytes() in rows for row in clutter)
    # Objects are centred and in the unit sphere; nothing renormalises.
    assert np.linalg.norm(only['data'], axis=2).max() <= 1 + 1e-5
    assert np.abs(bg['data']).max() > 1


def test_dataset(scan_root):
    for variant in FILES:
        for split in ('train', 'test'):
            dataset = ScanObjectNN(
                str(scan_root), variant=variant, split=split)
            content = _read(scan_root, variant, split)
            assert len(dataset) == len(content['label'])
            assert dataset.metainfo['classes'] == SCANOBJECTNN_CLASSES
            assert dataset.metainfo['classes'][-1] == 'toilet'
            assert dataset.metainfo['variant'] == variant
            assert dataset.metainfo['dataset_name'] == 'ScanObjectNN'
            for i in (0, len(dataset) - 1):
                info = dataset.get_data_info(i)
                assert info['gt_label'] == content['label'][i]
                assert info['split'] == split and info['sample_idx'] == i
                # No normalisation: the stored points.
                np.testing.assert_array_equal(info['points'],
                                              content['data'][i])
    with pytest.raises(ValueError, match='variant'):
        ScanObjectNN(str(scan_root), variant='OBJ_NOBG')
    with pytest.raises(ValueError, match='split'):
        ScanObjectNN(str(scan_root), split='training')


def test_pipeline(scan_root):
    np.random.seed(0)
    dataset = ScanObjectNN(
        str(scan_root),
        variant='PB_T50_RS',
        split='train',
        pipeline=[
            dict(type='ShufflePoints'),
            dict(type='PackReconInputs')
        ],
        serialize_data=False)
    item = dataset[7]
    points = item['inputs']['points']
    assert points.dtype == torch.float32 and points.shape == (512, 3)
    assert item['data_samples'].gt_label.tolist() == [
        dataset.get_data_info(7)['gt_label']
    ]
    assert dataset.get_cat_ids(7) == [dataset.get_data_info(7)['gt_label']]


def test_ann_file(scan_root):
    dataset = ScanObjectNN(
        str(scan_root), ann_file='main_split_nobg/test_objectdataset.h5')
    assert len(dataset) == 15


def test_seeded(tmp_path):
    kwargs = dict(train_per_class=1, test_per_class=0, num_points=64, copies=2)
    write_scanobjectnn(
        tmp_path / 'a', seed=3, variants=['PB_T50_RS'], **kwargs)
    write_scanobjectnn(tmp_path / 'b', seed=3, **kwargs)
    write_scanobjectnn(tmp_path / 'c', seed=4, **kwargs)
    a, b, c = (_read(tmp_path / name, 'PB_T50_RS', 'train') for name in 'abc')
    # A variant does not depend on which others are written.
    assert not (tmp_path / 'a' / 'main_split_nobg').exists()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a['data'], c['data'])
    assert len(_read(tmp_path / 'b', 'OBJ_BG', 'test')['label']) == 0


def _rewrite(path, **changes):
    with h5py.File(path, 'r') as h5:
        content = {key: h5[key][()] for key in h5}
    content.update(changes)
    path.unlink()
    with h5py.File(path, 'w') as h5:
        for key, value in content.items():
            if value is not None:
                h5.create_dataset(key, data=value)
    return content


@pytest.mark.parametrize('damage, error, message', [
    ('missing', FileNotFoundError, 'ScanObjectNN file not found'),
    ('truncated', ValueError, 'cannot read the h5 file'),
    ('not_h5', ValueError, 'cannot read the h5 file'),
    ('no_label', ValueError, r'no label dataset \(has \[.data., .mask.\]\)'),
    ('no_data', ValueError, 'no data dataset'),
    ('channels', ValueError, r'shape \[n, P, 3\], got \[15, 512, 4\]'),
    ('flat', ValueError, r'shape \[n, P, 3\], got \[15, 1536\]'),
    ('label_shape', ValueError, r'label should be integers of shape \[n\]'),
    ('label_float', ValueError, 'label should be integers'),
    ('label_high', ValueError, r'label 15 of item 3 is outside \[0, 15\)'),
    ('label_negative', ValueError, r'label -1 of item 3 is outside'),
    ('lengths', ValueError, '15 point clouds but 14 labels'),
])
def test_bad_file(fresh_root, damage, error, message):
    path = fresh_root / FILES['OBJ_ONLY'].format('test')
    if damage == 'missing':
        path.unlink()
    elif damage == 'truncated':
        path.write_bytes(path.read_bytes()[:4000])
    elif damage == 'not_h5':
        path.write_text('data,label\n')
    elif damage in ('no_label', 'no_data'):
        _rewrite(path, **{damage[3:]: None})
    elif damage in ('channels', 'flat'):
        data = _read(fresh_root, 'OBJ_ONLY', 'test')['data']
        data = np.concatenate([data, data[..., :1]], 2) \
            if damage == 'channels' else data.reshape(15, -1)
        _rewrite(path, data=data)
    else:
        label = _read(fresh_root, 'OBJ_ONLY', 'test')['label']
        if damage == 'label_shape':
            label = np.stack([label, label], 1)
        elif damage == 'label_float':
            label = label.astype(np.float32)
        elif damage == 'lengths':
            label = label[:-1]
        else:
            label[3] = 15 if damage == 'label_high' else -1
        _rewrite(path, label=label)
    with pytest.raises(error, match=message) as info:
        ScanObjectNN(str(fresh_root), variant='OBJ_ONLY', split='test')
    assert str(path) in str(info.value)


def test_label_column(fresh_root):
    """Labels stored as [n, 1] (as some h5 exports do) are read as [n]."""
    path = fresh_root / FILES['OBJ_BG'].format('training')
    label = _read(fresh_root, 'OBJ_BG', 'train')['label']
    _rewrite(path, label=label[:, None].astype(np.uint8))
    dataset = ScanObjectNN(str(fresh_root), variant='OBJ_BG')
    assert [dataset.get_data_info(i)['gt_label']
            for i in range(len(dataset))] == label.tolist()
