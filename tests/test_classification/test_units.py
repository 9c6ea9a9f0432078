"""Accuracy, optimizer groups, voting settings, HoldoutSplit, fine-tune
settings."""
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from recon3d.evaluation import Accuracy
from recon3d.registry import MODELS
from recon3d.testing import tiny_classifier_overrides
from recon3d.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
register_all_modules()


def test_accuracy_calculate_by_hand():
    # class 0: 2/3 right, class 1: 1/1, class 2: 0/2 -> top1 3/6, mean 5/9
    pred = torch.tensor([0, 0, 1, 1, 0, 1])
    gt = torch.tensor([0, 0, 0, 1, 2, 2])
    out = Accuracy.calculate(pred, gt, num_classes=4)
    assert out['top1'] == pytest.approx(50.0)
    assert out['class_mean'] == pytest.approx(100 * (2 / 3 + 1 + 0) / 3)


def test_accuracy_metric_prefix():
    from recon3d.structures import ReconDataSample
    metric = Accuracy()
    samples = []
    for p, g in [(0, 0), (1, 0)]:
        s = ReconDataSample()
        s.set_gt_label(g)
        s.set_pred_score(torch.nn.functional.one_hot(torch.tensor(p), 3)
                         .float())
        s.set_pred_label(torch.tensor([p]))
        samples.append(s.to_dict())
    metric.process(None, samples)
    assert metric.evaluate(2) == {'accuracy/top1': 50.0,
                                  'accuracy/class_mean': 50.0}


def _tiny_cfg(name):
    cfg = Config.fromfile(osp.join(REPO, 'configs/recon', name))
    cfg.merge_from_dict(tiny_classifier_overrides())
    cfg.model.init_cfg = None
    return cfg


@pytest.mark.parametrize('name', ['finetune_modelnet40.py',
                                  'linear_scanobjectnn_hardest.py'])
def test_cls_params_get_ten_times_lr(name):
    cfg = _tiny_cfg(name)
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    lr = cfg.optim_wrapper.optimizer.lr
    groups = {}
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            groups[id(p)] = group
    for pname, p in model.named_parameters():
        if not p.requires_grad:
            continue
        g = groups[id(p)]
        if 'cls' in pname:  # cls_token too: the 'token' rule must not win
            assert g['lr'] == pytest.approx(10 * lr), pname
            assert g['weight_decay'] == pytest.approx(0.05), pname
        else:
            assert g['lr'] == pytest.approx(lr), pname
            expect = 0.0 if (p.ndim == 1 or pname.endswith('.bias')
                             or 'token' in pname) else 0.05
            assert g['weight_decay'] == pytest.approx(expect), pname
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    assert 'neck.cls_token' in names
    if cfg.model.freeze_trunk:
        assert all('cls' in n for n in names)
    assert cfg.optim_wrapper.clip_grad == dict(max_norm=10)


def test_settings_from_the_spec_table():
    # Protocols: full = 'mlp' head, all train; mlp3 = 'mlp' head, frozen
    # trunk; linear = 'linear' head, frozen trunk.
    full, mlp3, linear = ('mlp', False), ('mlp', True), ('linear', True)
    expect = {
        'finetune_scanobjectnn_hardest.py': (2e-5, 2048, 2400, 128, full),
        'linear_scanobjectnn_objbg.py': (1e-4, 2048, 2400, 128, linear),
        'mlp3_scanobjectnn_objonly.py': (1e-4, 2048, 2400, 128, mlp3),
        'finetune_modelnet40.py': (1e-5, 1024, 1200, 64, full),
        'linear_modelnet40.py': (1e-4, 1024, 1200, 64, linear),
        'mlp3_modelnet40_8k.py': (5e-5, 8192, 8192, 512, mlp3),
        'fewshot_modelnet40.py': (5e-4, 1024, 1200, 64, full),
    }
    for name, (lr, n, p, g, head) in expect.items():
        cfg = Config.fromfile(osp.join(REPO, 'configs/recon', name))
        pre = cfg.model.data_preprocessor
        assert (cfg.optim_wrapper.optimizer.lr, pre.num_points,
                pre.train_fps_points, cfg.model.backbone.num_group,
                (cfg.model.cls_head.head_type, cfg.model.freeze_trunk)
                ) == (lr, n, p, g, head), name
        assert cfg.model.neck.stop_grad is False
        assert cfg.default_hooks.checkpoint.save_best == 'accuracy/top1'
    few = Config.fromfile(
        osp.join(REPO, 'configs/recon/fewshot_modelnet40.py'))
    assert few.train_cfg.max_epochs == 151  # the official 0..150
    assert few.model.backbone.drop_path_rate == 0.1
    assert few.model.cls_head.num_classes == 40
    ft = Config.fromfile(
        osp.join(REPO, 'configs/recon/finetune_modelnet40.py'))
    assert ft.val_dataloader.dataset.part == 'holdout'
    assert ft.val_dataloader.dataset.dataset.split == 'train'
    assert ft.test_dataloader.dataset.split == 'test'


def test_augmentation_settings_of_the_configs():
    # The official batch augmentations: in training after
    # the batch sampling, and at test time in voting.
    scale, rotate = [dict(type='BatchScale')], [dict(type='BatchRotateY')]
    shift = [dict(type='BatchScaleTranslate')]
    expected = {
        'finetune_modelnet40.py': (shift, scale),
        'linear_modelnet40_8k.py': (shift, scale),
        'finetune_scanobjectnn_hardest.py': (rotate, rotate),
        'mlp3_scanobjectnn_objbg.py': (rotate, []),
        'finetune_scanobjectnn_objonly.py': (rotate, []),
        'fewshot_modelnet40.py': (rotate, None),
        'pretrain.py': (rotate, None),
    }
    for name, (train, test) in expected.items():
        cfg = Config.fromfile(osp.join(REPO, 'configs/recon', name))
        assert cfg.model.data_preprocessor.batch_augments == train, name
        if test is None:
            assert 'tta_model' not in cfg, name
        else:
            assert cfg.tta_model.type == 'PointClassifierTTA'
            assert cfg.tta_model.votes == 10
            assert cfg.tta_model.augments == test, name
        pipeline = cfg.train_dataloader.dataset.get('pipeline') or \
            cfg.train_dataloader.dataset.dataset.pipeline
        assert 'RandomRotateY' not in str(pipeline), name


def test_holdout_split_is_disjoint_and_complete(cls_data):
    from recon3d.datasets import HoldoutSplit
    inner = dict(type='ModelNet40', data_root=cls_data['root'] +
                 '/ModelNet40', split='train', num_points=256)
    train = HoldoutSplit(inner, holdout=0.34, part='train')
    held = HoldoutSplit(inner, holdout=0.34, part='holdout')
    assert set(train.indices).isdisjoint(held.indices)
    n = len(train.dataset)
    assert sorted(train.indices + held.indices) == list(range(n))
    # per class: 3 train shapes -> 1 held out
    assert len(held) == n // 3
    assert held[0]['points'].shape == (256, 3)
    assert math.isclose(len(HoldoutSplit(inner, part='all')), n)
