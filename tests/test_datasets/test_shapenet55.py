import json

import numpy as np
import pytest
import torch

from recon3d.datasets import ShapeNet55
from recon3d.datasets.synthetic import CLASSES, DESCRIPTIONS

PIPELINE = [
    dict(type='LoadPointsFromFile', use_dims=3),
    dict(type='LoadImageFromPNG'),
    dict(type='RandomPointSample', num_points=1024),
    dict(type='NormalizePoints'),
    dict(type='ReConImageAugment', resize=256, crop=224),
    dict(type='PackReconInputs'),
]


def _dataset(root, **kwargs) -> ShapeNet55:
    # mmengine's serialisation runs gc.collect(), slow in a big process.
    kwargs.setdefault('serialize_data', False)
    return ShapeNet55(str(root), **kwargs)


def _list(root, split):
    return (root / 'ShapeNet-55' / f'{split}.txt').read_text().split()


def test_splits(shapenet_root, sizes):
    train = _dataset(shapenet_root, split='train')
    test = _dataset(shapenet_root, split='test')
    whole = _dataset(shapenet_root, split='whole')
    assert len(train) == sizes['train_per_class'] * len(CLASSES)
    assert len(test) == sizes['test_per_class'] * len(CLASSES)
    assert len(whole) == len(train) + len(test)
    # 'whole' is the test list followed by the train list, and each item
    # keeps the name of its own list.
    names = [whole.get_data_info(i)['file_name'] for i in range(len(whole))]
    assert names == _list(shapenet_root, 'test') + _list(
        shapenet_root, 'train')
    splits = [whole.get_data_info(i)['split'] for i in range(len(whole))]
    assert splits == ['test'] * len(test) + ['train'] * len(train)
    with pytest.raises(ValueError, match='split'):
        _dataset(shapenet_root, split='val')


def test_items(shapenet_root):
    dataset = _dataset(shapenet_root, split='train')
    assert dataset.metainfo['dataset_name'] == 'ShapeNet-55'
    assert dataset.metainfo['classes'] == CLASSES
    table = json.loads((shapenet_root / 'shapenet55.json').read_text())
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        synset, stem = info['file_name'][:-4].split('-')
        label = info['gt_label']
        assert table['catalogue'][str(label)] == synset
        assert info['text'] == DESCRIPTIONS[CLASSES[label]]
        assert info['pc_path'] == str(shapenet_root / 'shapenet_pc' /
                                      info['file_name'])
        assert info['img_path'] == str(shapenet_root / 'shapenet_img' /
                                       f'{synset}-{stem}.png')
        assert info['split'] == 'train' and info['sample_idx'] == i
        assert dataset.get_cat_ids(i) == [label]
    no_img = _dataset(shapenet_root, split='test', with_img=False)
    assert no_img.get_data_info(0)['img_path'] is None


def test_pipeline(shapenet_root):
    np.random.seed(0)
    dataset = ShapeNet55(str(shapenet_root), split='whole', pipeline=PIPELINE)
    item = dataset[3]
    points, img = item['inputs']['points'], item['inputs']['img']
    assert points.shape == (1024, 3) and points.dtype == torch.float32
    # Normalised before the rotation about y, which keeps both properties.
    assert points.mean(0).abs().max() < 1e-5
    assert abs(points.norm(dim=1).max().item() - 1) < 1e-5
    assert img.shape == (3, 224, 224) and img.dtype == torch.uint8
    sample = item['data_samples']
    assert isinstance(item['inputs']['text'], str)
    assert item['inputs']['text'] == sample.text
    assert sample.gt_label.tolist() == [dataset.get_data_info(3)['gt_label']]
    assert sample.split == 'test' and sample.sample_idx == 3
    assert sample.file_name == dataset.get_data_info(3)['file_name']


@pytest.mark.parametrize('orient', ['records', 'columns'])
def test_real_json_variants(fresh_root, orient):
    # Synset ids stored as ints (as pandas parses them, without the
    # leading 0), as row objects or as columns, read like the strings.
    path = fresh_root / 'shapenet55.json'
    table = json.loads(path.read_text())
    ids = {row: int(synset) for row, synset in table['catalogue'].items()}
    if orient == 'records':
        changed = [
            dict(
                catalogue=ids[str(i)],
                describe=table['describe'][str(i)],
                name=name) for i, name in enumerate(CLASSES)
        ]
    else:
        changed = dict(table, catalogue=ids)
    reference = _dataset(fresh_root, split='test')
    path.write_text(json.dumps(changed))
    dataset = _dataset(fresh_root, split='test')
    assert dataset.metainfo['classes'] == CLASSES
    for i in range(len(dataset)):
        assert dataset.get_data_info(i) == reference.get_data_info(i)


def test_missing_files(fresh_root):
    (fresh_root / 'ShapeNet-55' / 'test.txt').unlink()
    _dataset(fresh_root, split='train')
    with pytest.raises(FileNotFoundError, match='test.txt'):
        _dataset(fresh_root, split='whole')
    (fresh_root / 'shapenet55.json').unlink()
    with pytest.raises(FileNotFoundError, match='shapenet55.json'):
        _dataset(fresh_root, split='train')


def test_missing_folder(fresh_root):
    (fresh_root / 'shapenet_img').rename(fresh_root / 'images')
    _dataset(fresh_root, split='train', with_img=False)
    with pytest.raises(FileNotFoundError, match='shapenet_img'):
        _dataset(fresh_root, split='train')


def test_unknown_synset(fresh_root):
    path = fresh_root / 'ShapeNet-55' / 'train.txt'
    lines = path.read_text().splitlines()
    lines.insert(2, '02691156-1a04e3eab45ca15dd86060f189eb133.npy')
    path.write_text('\n'.join(lines) + '\n')
    with pytest.raises(ValueError, match=r'train\.txt, line 3'):
        _dataset(fresh_root, split='train')


@pytest.mark.parametrize('damage, message', [
    ('missing', 'not found'),
    ('truncated', 'cannot read'),
    ('wrong_shape', r'shape \[N > 0, C >= 3\], got \[2048\]'),
])
def test_bad_point_file(fresh_root, damage, message):
    dataset = _dataset(
        fresh_root, split='test', with_img=False, pipeline=PIPELINE[:1])
    path = fresh_root / 'shapenet_pc' / dataset.get_data_info(0)['file_name']
    if damage == 'missing':
        path.unlink()
    elif damage == 'truncated':
        path.write_bytes(path.read_bytes()[:1000])
    else:
        np.save(path, np.zeros(2048, dtype=np.float32))
    with pytest.raises(ValueError, match=message) as error:
        dataset[0]
    assert str(path) in str(error.value)
    assert dataset[1]['points'].shape == (2048, 3)


def test_missing_image(fresh_root):
    dataset = _dataset(fresh_root, split='test', pipeline=PIPELINE[:2])
    path = fresh_root / 'shapenet_img' / dataset.get_data_info(
        0)['file_name'].replace('.npy', '.png')
    path.unlink()
    with pytest.raises(ValueError, match='image file not found') as error:
        dataset[0]
    assert str(path) in str(error.value)
