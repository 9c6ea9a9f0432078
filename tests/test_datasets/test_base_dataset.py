"""The dataset base on every array format, and its normalisation."""
import numpy as np
import pytest
import torch

from recon3d.datasets import (BasePointDataset, ModelNet40, ModelNet40FewShot,
                              ScanObjectNN, ShapeNet55, check_dataloader,
                              dataset_classes)
from recon3d.datasets.synthetic import CLASSES
from recon3d.ops import farthest_point_sample
from recon3d.registry import TRANSFORMS


def _build(name, root, **kwargs):
    """The train split of each format, 64 points per cloud."""
    if name == 'modelnet':
        return ModelNet40(str(root), num_points=64, **kwargs)
    if name == 'fewshot':
        return ModelNet40FewShot(str(root), way=3, shot=1, fold=0, **kwargs)
    if name == 'scanobjectnn':
        return ScanObjectNN(str(root), **kwargs)
    return ShapeNet55(
        str(root),
        with_img=False,
        pipeline=[dict(type='LoadPointsFromFile')],
        **kwargs)


#: format -> (classes, train items, files the items come from).
EXPECTED = dict(
    modelnet=(len(CLASSES), len(CLASSES), 'modelnet40_train_64pts_fps.dat'),
    fewshot=(3, 3, '3way_1shot/0.pkl'),
    scanobjectnn=(15, 15, 'main_split/training_objectdataset.h5'),
    shapenet=(len(CLASSES), len(CLASSES), 'shapenet55.json'))


@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_items_of_every_format(tiny_roots, name):
    dataset = _build(name, tiny_roots[name])
    num_classes, count, source = EXPECTED[name]
    assert isinstance(dataset, BasePointDataset)
    assert dataset.source == str(tiny_roots[name] / source)
    assert len(dataset) == count
    assert dataset_classes(dataset) == dataset.metainfo['classes']
    assert len(dataset.metainfo['classes']) == num_classes
    # Every cloud is its own array of P x 3 float32 (a copy).
    arrays = name != 'shapenet'
    assert dataset.points_per_cloud == (64 if arrays else None)
    items = [dataset[i] for i in range(len(dataset))]
    for i, item in enumerate(items):
        assert item['sample_idx'] == i and item['split'] == 'train'
        assert item['points'].dtype == np.float32
        assert item['points'].shape == (64, 3)
        assert 0 <= item['gt_label'] < num_classes
        assert dataset.get_cat_ids(i) == [item['gt_label']]
        if arrays:
            assert item['array_idx'] == i
    if arrays:
        dataset[0]['points'][:] = 7
        assert not (dataset[0]['points'] == 7).all()
    # Distinct clouds, stored unnormalised.
    assert len({item['points'].tobytes() for item in items}) == count


def test_subset_and_serialised(tiny_roots):
    whole = _build('scanobjectnn', tiny_roots['scanobjectnn'])
    part = _build(
        'scanobjectnn',
        tiny_roots['scanobjectnn'],
        indices=[4, 1],
        serialize_data=True)
    for i, j in enumerate([4, 1]):
        a, b = part.get_data_info(i), whole.get_data_info(j)
        assert a['array_idx'] == j and a['gt_label'] == b['gt_label']
        np.testing.assert_array_equal(a['points'], b['points'])


def _official_pc_normalize(xyz):
    """The normalisation the classification datasets applied in their
    ``get_data_info`` before it became a pipeline transform: the official
    ``pc_normalize`` of the ModelNet loader, in float32."""
    xyz = xyz - xyz.mean(axis=0)
    radius = np.sqrt((xyz**2).sum(axis=1)).max()
    return xyz / radius


@pytest.mark.parametrize('name, use_normals', [('modelnet', False),
                                               ('modelnet', True),
                                               ('fewshot', False),
                                               ('fewshot', True)])
def test_normalize_equals_the_old_item_normalisation(tiny_roots, name,
                                                     use_normals):
    raw = _build(name, tiny_roots[name], use_normals=use_normals)
    normalised = _build(
        name,
        tiny_roots[name],
        use_normals=use_normals,
        pipeline=[dict(type='NormalizePoints')])
    for i in range(len(raw)):
        stored = raw[i]['points']
        expected = stored.copy()
        expected[:, :3] = _official_pc_normalize(stored[:, :3])
        # Bit for bit what the items held before.
        np.testing.assert_array_equal(normalised[i]['points'], expected)


def test_normalize_refuses_a_single_point():
    normalize = TRANSFORMS.build(dict(type='NormalizePoints'))
    points = np.ones((5, 3), np.float32)
    with pytest.raises(ValueError, match='cloud.pkl.*one point repeated'):
        normalize(dict(points=points, pc_path='cloud.pkl'))


def test_fps_start_idx_matches_the_official_loop():
    """The pickle builder's FPS: the official numpy loop from a start."""

    def official(xyz, num, start):
        best = np.full(len(xyz), 1e10)
        picks, current = [], start
        for _ in range(num):
            picks.append(current)
            d = np.sum((xyz - xyz[current])**2, -1)
            best = np.where(d < best, d, best)
            current = int(np.argmax(best))
        return picks

    rng = np.random.default_rng(0)
    clouds = rng.normal(size=(3, 120, 3)).astype(np.float32)
    clouds[1, 60:70] = clouds[1, 0]  # duplicates: exact ties
    clouds[2] *= [3.0, 0.1, 1.0]
    starts = [0, 17, 119]
    index = farthest_point_sample(
        torch.from_numpy(clouds), 100, start_idx=torch.tensor(starts))
    for cloud, start, picked in zip(clouds, starts, index):
        assert picked.tolist() == official(cloud, 100, start)
    with pytest.raises(ValueError, match='start_idx'):
        farthest_point_sample(
            torch.from_numpy(clouds), 4, start_idx=torch.tensor([0, 1, 120]))


def test_check_dataloader_passes_a_good_loader(tiny_roots):
    dataset = _build('modelnet', tiny_roots['modelnet'])
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=4, drop_last=True, collate_fn=list)
    check_dataloader(loader, num_points=64)
