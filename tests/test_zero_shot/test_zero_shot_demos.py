"""The zero-shot demo configs on generated data (ModelNet10 and the
ScanObjectNN variants), each run by ``tools/test.py CONFIG CKPT`` on a tiny
random checkpoint, and the ModelNet10 files the generator writes."""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from recon3d.datasets import ModelNet40
from recon3d.datasets.scanobjectnn import SCANOBJECTNN_CLASSES
from recon3d.datasets.synthetic import CLASSES, MODELNET10_CLASSES
from recon3d.datasets.synthetic.writers import SCANOBJECTNN_SOURCES
from recon3d.registry import MODELS
from recon3d.testing import tiny_classifier_overrides

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: The tiny encoder (C=32, one block, 8 groups of 8), 128 points.
TINY = dict(
    tiny_classifier_overrides(), **{
        'model.num_points': 128,
        'model.fps_points': 160
    })
#: demo config -> (data fixture, evaluated items with one test shape per
#: class and one PB_T50_RS copy).
DEMOS = {
    'zeroshot_modelnet10_demo.py': ('modelnet', 10),
    'zeroshot_scanobjectnn_objbg_demo.py': ('scan', 15),
    'zeroshot_scanobjectnn_objonly_demo.py': ('scan', 15),
    'zeroshot_scanobjectnn_hardest_demo.py': ('scan', 15),
}


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    from recon3d.datasets.synthetic import (write_modelnet40,
                                            write_scanobjectnn)
    root = tmp_path_factory.mktemp('zs_demo')
    write_modelnet40(
        str(root / 'ModelNet40'),
        train_per_class=1,
        test_per_class=1,
        num_points_txt=300,
        num_points=256)
    write_scanobjectnn(
        str(root / 'ScanObjectNN'),
        train_per_class=1,
        test_per_class=1,
        num_points=256,
        copies=1)
    return dict(
        modelnet=str(root / 'ModelNet40'), scan=str(root / 'ScanObjectNN'))


def test_writer_writes_the_modelnet10_files(data):
    root = data['modelnet']
    with open(osp.join(root, 'modelnet10_shape_names.txt')) as f:
        assert f.read().split() == list(MODELNET10_CLASSES)
    assert set(MODELNET10_CLASSES) < set(CLASSES)
    for split in ('train', 'test'):
        with open(osp.join(root, f'modelnet40_{split}.txt')) as f:
            ids40 = f.read().split()
        with open(osp.join(root, f'modelnet10_{split}.txt')) as f:
            ids10 = f.read().split()
        # the ModelNet40 ids of the ten classes, in the same order
        assert ids10 == [
            i for i in ids40 if i.rpartition('_')[0] in MODELNET10_CLASSES
        ]
        # The official loader's reading: labels index modelnet10's names.
        dataset = ModelNet40(
            root,
            split=split,
            num_points=256,
            num_category=10,
            serialize_data=False)
        assert dataset.metainfo['dataset_name'] == 'ModelNet10'
        labels = [
            dataset.get_data_info(i)['gt_label'] for i in range(len(dataset))
        ]
        names = [
            dataset.get_data_info(i)['file_name'].rpartition('_')[0]
            for i in range(len(dataset))
        ]
        assert [MODELNET10_CLASSES[label] for label in labels] == names
        assert len(dataset) == 10


def test_scanobjectnn_demo_prompts_name_the_generated_classes():
    """The demo prompts say which generated class each label holds."""
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/recon/zeroshot_scanobjectnn_objbg_demo.py'))
    mapping = {
        label: source
        for label, source in zip(SCANOBJECTNN_CLASSES, SCANOBJECTNN_SOURCES)
        if label != source
    }
    assert cfg.model.prompt_names == mapping
    official = dict(hardest=0.05, objbg=0.1, objonly=0.15)
    for variant, ratio in official.items():
        cfg = Config.fromfile(
            osp.join(REPO,
                     f'configs/recon/zeroshot_scanobjectnn_{variant}_demo.py'))
        assert cfg.model.ratio == ratio
        assert cfg.model.prompt_names == mapping
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/recon/zeroshot_modelnet10_demo.py'))
    assert cfg.model.ratio == 0.2
    assert cfg.test_dataloader.dataset.dataset.num_category == 10


@pytest.mark.parametrize('config', sorted(DEMOS))
def test_demo_config_runs_with_tools_test(config, data, tmp_path):
    path = osp.join(REPO, 'configs', 'recon', config)
    fixture, count = DEMOS[config]
    cfg = Config.fromfile(path)
    cfg.merge_from_dict(TINY)
    model = MODELS.build(cfg.model)
    ckpt = tmp_path / 'zs.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    opts = [f'{k}={v}' for k, v in TINY.items()] + [
        f'test_dataloader.dataset.dataset.data_root={data[fixture]}',
        'test_dataloader.num_workers=0',
    ]
    if fixture == 'modelnet':
        opts.append('test_dataloader.dataset.dataset.num_points=256')
    items = tmp_path / 'items.json'
    tool = importlib.util.module_from_spec(
        importlib.util.spec_from_file_location(
            'recon3d_test_tool', osp.join(REPO, 'tools', 'test.py')))
    tool.__spec__.loader.exec_module(tool)
    summary = tool.main([
        path,
        str(ckpt), '--work-dir',
        str(tmp_path), '--out-items',
        str(items), '--cfg-options', *opts
    ])
    rows = json.loads(items.read_text())
    assert len(rows) == count
    assert {row['split'] for row in rows} == {'test'}
    assert sorted(row['gt_label'] for row in rows) == list(range(count))
    top1 = np.mean([r['pred_label'] == r['gt_label'] for r in rows]) * 100
    assert summary['zeroshot/top1'] == pytest.approx(top1, abs=1e-4)
