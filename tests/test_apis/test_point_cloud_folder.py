"""PointCloudFolder: layouts, splits, unlabelled folders, bad files, and a
fine-tune and the SVM protocol driven by a folder."""
import os
import os.path as osp
import shutil

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from recon3d.registry import DATASETS
from .conftest import tiny_options

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def folder(tmp_path_factory, point_files):
    """chair/{train,test}/ and table/{train,test}/ of mixed formats."""
    root = tmp_path_factory.mktemp('folder')
    files = point_files['files']
    for c, cls in enumerate(('chair', 'table')):
        for split, names in (('train', ('a.npy', 'ascii.ply', 'box.obj',
                                        'a.pcd')),
                             ('test', ('binary.ply', 'box.stl'))):
            os.makedirs(root / cls / split)
            for name in names:
                shutil.copy(files[name], root / cls / split / name)
    return str(root)


def build(**kwargs):
    return DATASETS.build(dict(type='PointCloudFolder', num_points=128,
                               **kwargs))


def test_layout_splits_and_labels(folder):
    train = build(data_root=folder, split='train')
    test = build(data_root=folder, split='test')
    both = build(data_root=folder, split='all')
    assert train.metainfo['classes'] == ('chair', 'table')
    assert (len(train), len(test), len(both)) == (8, 4, 12)
    item = train[0]
    assert item['points'].shape == (128, 3)
    assert item['file_name'] == osp.join('chair', 'train', 'a.npy')
    assert [train.get_cat_ids(i)[0] for i in range(8)] == [0] * 4 + [1] * 4
    assert sorted({both[i]['split'] for i in range(12)}) == ['test', 'train']
    # the class order of a names file
    flipped = build(data_root=folder, split='test',
                    classes=['table', 'chair'])
    assert flipped[0]['file_name'].startswith('table')
    assert flipped[0]['gt_label'] == 0 and flipped[2]['gt_label'] == 1


def test_normals_kept_by_a_flag(folder):
    with pytest.raises(ValueError, match=r'box\.obj|a\.npy|has no normals'):
        build(data_root=folder, split='train', colors=True)
    ds = build(data_root=folder, split='train', normals=True)
    assert ds[0]['points'].shape == (128, 6)


def test_flat_folder_is_unlabelled(tmp_path, point_files):
    for name in ('a.npy', 'box.off', 'a.xyz'):
        shutil.copy(point_files['files'][name], tmp_path / name)
    ds = build(data_root=str(tmp_path))
    assert ds.metainfo['classes'] == () and len(ds) == 3
    assert 'gt_label' not in ds[0] and ds.get_cat_ids(0) == []
    with pytest.raises(ValueError, match="split='all'"):
        build(data_root=str(tmp_path), split='train')


def test_bad_files_stop_or_are_skipped(tmp_path, bad_files, point_files):
    good = point_files['files']['a.npy']
    for problem, (path, words) in bad_files.items():
        root = tmp_path / problem / 'thing'
        os.makedirs(root)
        shutil.copy(good, root / 'good.npy')
        shutil.copy(path, root / osp.basename(path))
        with pytest.raises(ValueError) as err:
            build(data_root=str(tmp_path / problem), min_points=8)
        assert osp.basename(path) in str(err.value), problem
        assert words in str(err.value), problem
        ds = build(data_root=str(tmp_path / problem), min_points=8,
                   skip_invalid=True)
        assert len(ds) == 1 and len(ds.skipped) == 1


def folder_cfg(config, folder, work_dir, loaders):
    """A config whose datasets are replaced by the folder (the worked
    example of docs/custom_data.md)."""
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'recon', config))
    cfg.merge_from_dict(tiny_options())
    cfg.work_dir = str(work_dir)
    for loader, split in loaders.items():
        dataset = dict(type='PointCloudFolder', data_root=folder,
                       split=split, num_points=256,
                       pipeline=[dict(type='NormalizePoints'),
                                 dict(type='PackReconInputs')])
        cfg[loader].dataset = dataset
        cfg[loader].update(num_workers=0, persistent_workers=False,
                           batch_size=4)
    return cfg


def test_a_folder_drives_a_fine_tune(folder, tmp_path):
    cfg = folder_cfg('finetune_modelnet40.py', folder, tmp_path, dict(
        train_dataloader='train', val_dataloader='test',
        test_dataloader='test'))
    cfg.merge_from_dict({
        'model.cls_head.num_classes': 2, 'model.init_cfg': None,
        'model.data_preprocessor.num_points': 128,
        'model.data_preprocessor.train_fps_points': 160,
        'train_cfg.max_epochs': 1, 'train_dataloader.drop_last': False})
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert 0 <= metrics['accuracy/top1'] <= 100


def test_a_folder_drives_the_svm_protocol(folder, tmp_path):
    cfg = folder_cfg('svm_modelnet40.py', folder, tmp_path,
                     dict(test_dataloader='all'))
    cfg.model.data_preprocessor.num_points = 128
    metrics = Runner.from_cfg(cfg).test()
    assert 0 <= metrics['svm/accuracy'] <= 100
