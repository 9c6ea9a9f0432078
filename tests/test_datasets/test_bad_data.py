"""Bad data is named, never used: each case on generated files, damaged.

Every case writes the real file format with the generator, damages one
thing, and expects one error naming the file (and the item).
"""
import json
import pickle

import h5py
import numpy as np
import pytest
import torch

from recon3d.datasets import (HoldoutSplit, ModelNet40, ModelNet40FewShot,
                              ScanObjectNN, ShapeNet55, build_modelnet_dat,
                              check_dataloader)

DAT = 'modelnet40_train_64pts_fps.dat'
H5 = 'main_split/training_objectdataset.h5'
FOLD = '3way_1shot/0.pkl'


def _load(path):
    with open(path, 'rb') as f:
        return pickle.load(f)


def _dump(path, content):
    with open(path, 'wb') as f:
        pickle.dump(content, f)


def _damage(points, damage):
    """Damage one [P, C] cloud (a new array)."""
    points = points.copy()
    if damage == 'nan':
        points[5, 1] = np.nan
    elif damage == 'inf':
        points[7, 0] = -np.inf
    elif damage == 'normals_nan':
        points[5, 4] = np.nan
    elif damage == 'overflow':
        points[:, :3] *= np.float32(1e20)
    elif damage == 'beyond_float32':
        points = points.astype(np.float64)
        points[3, 2] = 1e39
    elif damage == 'one_point':
        points[:] = points[0]
    return points


#: damage -> what the message says.
CLOUD_DAMAGE = {
    'nan': 'has NaN or Inf values',
    'inf': 'has NaN or Inf values',
    'overflow': 'has coordinates beyond',
    'beyond_float32': r'has NaN or Inf values \(or values beyond the '
    'float32 range',
    'one_point': r'is one point repeated',
}


@pytest.mark.parametrize('damage', sorted(CLOUD_DAMAGE) + ['normals_nan'])
def test_modelnet_dat_clouds(tiny_copy, damage):
    root = tiny_copy('modelnet')
    path = root / DAT
    points, labels = _load(path)
    points[3] = _damage(points[3], damage)
    _dump(path, [points, labels])
    use_normals = damage == 'normals_nan'
    message = CLOUD_DAMAGE.get(damage, 'has NaN or Inf values')
    with pytest.raises(ValueError, match=f'cloud 3 {message}') as info:
        ModelNet40(str(root), num_points=64, use_normals=use_normals)
    assert str(path) in str(info.value)
    if use_normals:
        # Normals that are not read are not used.
        assert len(ModelNet40(str(root), num_points=64)) == 18


def test_modelnet_dat_hostile_pickle(tiny_copy, tmp_path):
    root = tiny_copy('modelnet')
    marker = tmp_path / 'ran'

    class Payload:

        def __reduce__(self):
            return (open, (str(marker), 'w'))

    points, labels = _load(root / DAT)
    _dump(root / DAT, [points[:-1] + [Payload()], labels])
    with pytest.raises(ValueError, match='refers to io.open') as info:
        ModelNet40(str(root), num_points=64)
    assert str(root / DAT) in str(info.value)
    assert not marker.exists()


def test_modelnet_list_twice_and_empty(tiny_copy):
    root = tiny_copy('modelnet')
    listing = root / 'modelnet40_train.txt'
    ids = listing.read_text().split()
    listing.write_text('\n'.join(ids[:3] + [ids[1]] + ids[3:]))
    with pytest.raises(
            ValueError,
            match=f"modelnet40_train.txt, line 4: '{ids[1]}' is listed "
            r'twice \(first on line 2\)'):
        ModelNet40(str(root), num_points=64)
    listing.write_text('')
    _dump(root / DAT, [[], []])
    with pytest.raises(
            ValueError, match=f'{root / DAT}: the train split has no cloud'):
        ModelNet40(str(root), num_points=64)


def test_modelnet_txt_with_nan(tiny_copy):
    root = tiny_copy('modelnet')
    shape_id = (root / 'modelnet40_train.txt').read_text().split()[2]
    txt = root / shape_id.rpartition('_')[0] / f'{shape_id}.txt'
    lines = txt.read_text().splitlines()
    lines[9] = 'nan,' + lines[9].split(',', 1)[1]
    txt.write_text('\n'.join(lines))
    with pytest.raises(ValueError,
                       match='the cloud has NaN or Inf') as info:
        build_modelnet_dat(str(root), 'train', 64)
    assert str(txt) in str(info.value)


def _rewrite_h5(path, edit):
    with h5py.File(path, 'r') as h5:
        content = {key: np.asarray(h5[key]) for key in h5}
    edit(content)
    with h5py.File(path, 'w') as h5:
        for key, value in content.items():
            h5.create_dataset(key, data=value)


@pytest.mark.parametrize('damage', sorted(CLOUD_DAMAGE))
def test_scanobjectnn_h5_clouds(tiny_copy, damage):
    root = tiny_copy('scanobjectnn')

    def edit(content):
        data = content['data']
        changed = _damage(data[2], damage)
        content['data'] = data.astype(changed.dtype)
        content['data'][2] = changed

    _rewrite_h5(root / H5, edit)
    with pytest.raises(
            ValueError, match=f'item 2 {CLOUD_DAMAGE[damage]}') as info:
        ScanObjectNN(str(root))
    assert str(root / H5) in str(info.value)


def test_scanobjectnn_h5_too_few_points(tiny_copy):
    root = tiny_copy('scanobjectnn')
    with pytest.raises(
            ValueError,
            match=f'{root / H5}: the clouds hold 64 points, 2048 expected'):
        ScanObjectNN(str(root), num_points=2048)
    # Without num_points the loader check compares with the model's.
    loader = torch.utils.data.DataLoader(
        HoldoutSplit(dict(type='ScanObjectNN', data_root=str(root))),
        batch_size=2,
        collate_fn=list)
    with pytest.raises(
            ValueError,
            match=f'train_dataloader: {root / H5} holds 64 points per '
            'cloud, but the model samples 2048'):
        check_dataloader(loader, num_points=2048)
    for shape, message in (((15, 0, 3), 'the clouds have 0 points'),
                           ((0, 64, 3), 'the train split has no item')):
        _rewrite_h5(
            root / H5,
            lambda content, shape=shape: content.update(
                data=np.zeros(shape, np.float32),
                label=content['label'][:shape[0]]))
        with pytest.raises(ValueError, match=f'{root / H5}: {message}'):
            ScanObjectNN(str(root))


@pytest.mark.parametrize('split, damage', [('train', 'nan'),
                                           ('train', 'inf'),
                                           ('test', 'one_point'),
                                           ('test', 'overflow')])
def test_fewshot_pkl_clouds(tiny_copy, split, damage):
    root = tiny_copy('fewshot')
    fold = _load(root / FOLD)
    points, label, orig = fold[split][1]
    fold[split][1] = (_damage(points, damage), label, orig)
    _dump(root / FOLD, fold)
    with pytest.raises(
            ValueError,
            match=f'{split} item 1 {CLOUD_DAMAGE[damage]}') as info:
        ModelNet40FewShot(str(root), way=3, shot=1, fold=0, split=split)
    assert str(root / FOLD) in str(info.value)
    # The other split does not read the damaged cloud.
    other = 'test' if split == 'train' else 'train'
    assert len(
        ModelNet40FewShot(str(root), way=3, shot=1, fold=0, split=other)) == 3


def test_fewshot_pkl_empty_split(tiny_copy):
    root = tiny_copy('fewshot')
    fold = _load(root / FOLD)
    fold['train'] = []
    _dump(root / FOLD, fold)
    with pytest.raises(ValueError, match='the train split has no'):
        ModelNet40FewShot(str(root), way=3, shot=1, fold=0)


def _shapenet(root):
    return ShapeNet55(
        str(root),
        with_img=False,
        pipeline=[dict(type='LoadPointsFromFile')])


@pytest.mark.parametrize('damage', sorted(CLOUD_DAMAGE))
def test_shapenet_npy_clouds(tiny_copy, damage):
    root = tiny_copy('shapenet')
    dataset = _shapenet(root)
    path = dataset.get_data_info(4)['pc_path']
    np.save(path, _damage(np.load(path), damage))
    dataset[3]  # the others load
    with pytest.raises(
            ValueError, match=f'the cloud {CLOUD_DAMAGE[damage]}') as info:
        dataset[4]
    assert path in str(info.value)


@pytest.mark.parametrize('caption', [None, '', '  '])
def test_shapenet_null_or_empty_caption(tiny_copy, caption):
    root = tiny_copy('shapenet')
    table = json.loads((root / 'shapenet55.json').read_text())
    table['describe']['3'] = caption
    (root / 'shapenet55.json').write_text(json.dumps(table))
    with pytest.raises(
            ValueError,
            match=f'shapenet55.json: row 3 .* has the description '
            f'{caption!r}'):
        _shapenet(root)


def test_shapenet_list_twice_and_empty(tiny_copy):
    root = tiny_copy('shapenet')
    listing = root / 'ShapeNet-55' / 'train.txt'
    names = listing.read_text().split()
    listing.write_text('\n'.join(names + [names[0]]))
    with pytest.raises(
            ValueError,
            match=f"train.txt, line {len(names) + 1}: '{names[0]}' is "
            'listed twice'):
        _shapenet(root)
    listing.write_text('\n'.join(names))
    test_names = (root / 'ShapeNet-55' / 'test.txt').read_text().split()
    (root / 'ShapeNet-55' / 'test.txt').write_text('\n'.join(test_names +
                                                             names[2:3]))
    with pytest.raises(
            ValueError,
            match=f"'{names[2]}' is in both the test and the train list"):
        ShapeNet55(str(root), split='whole', with_img=False)
    listing.write_text('\n')
    with pytest.raises(ValueError, match='the train split has no item'):
        _shapenet(root)


def test_batch_larger_than_the_split(tiny_roots):
    root = tiny_roots['modelnet']
    dataset = ModelNet40(str(root), split='test', num_points=64)
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=32, drop_last=True, collate_fn=list)
    with pytest.raises(
            ValueError,
            match=f'val_dataloader: batch_size 32 with drop_last=True is '
            f'larger than the 18 items of {root / DAT}'.replace(
                'train', 'test')):
        check_dataloader(loader, 'val_dataloader')
    check_dataloader(
        torch.utils.data.DataLoader(dataset, batch_size=32, collate_fn=list))


def test_empty_holdout_part(tiny_roots):
    root = tiny_roots['modelnet']
    with pytest.raises(
            ValueError,
            match=f"{root / DAT}: the 'holdout' part of 18 items is empty"):
        HoldoutSplit(
            dict(type='ModelNet40', data_root=str(root), num_points=64),
            holdout=0.0,
            part='holdout')
