"""Tiny pretraining checkpoint -> fine-tune (full/linear/mlp3) -> test.py
with voting, on generated data."""
import glob
import json
import os.path as osp
import sys

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools'))


def _options(cfg_name, cls_data, tmp):
    from recon3d.testing import tiny_classifier_overrides
    root = cls_data['root']
    if 'scanobjectnn' in cfg_name:
        data = {f'{k}.dataset.data_root': f'{root}/ScanObjectNN'
                for k in ('train_dataloader.dataset',
                          'val_dataloader.dataset')}
        data['test_dataloader.dataset.data_root'] = f'{root}/ScanObjectNN'
    else:
        data = {}
        for k in ('train_dataloader.dataset', 'val_dataloader.dataset'):
            data[f'{k}.dataset.data_root'] = f'{root}/ModelNet40'
            data[f'{k}.dataset.num_points'] = 256
        data['test_dataloader.dataset.data_root'] = f'{root}/ModelNet40'
        data['test_dataloader.dataset.num_points'] = 256
        # The generated ModelNet40 has the generator's classes, and the
        # head must match the dataset's classes.
        from recon3d.datasets.synthetic import CLASSES
        data['model.cls_head.num_classes'] = len(CLASSES)
    opts = dict(tiny_classifier_overrides(), **data)
    opts.update({
        'model.data_preprocessor.num_points': 128,
        'model.data_preprocessor.train_fps_points': 160,
        'model.init_cfg.checkpoint': cls_data['ckpt'],
        'train_cfg.max_epochs': 1,
        'train_dataloader.batch_size': 16,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'val_dataloader.num_workers': 0,
        'val_dataloader.persistent_workers': False,
        'test_dataloader.num_workers': 0,
        'test_dataloader.persistent_workers': False,
        'default_hooks.logger.interval': 1,
    })
    return opts


def _argv(opts):
    out = ['--cfg-options']
    for k, v in opts.items():
        out.append(f'{k}={v}')
    return out


@pytest.mark.parametrize('cfg_name', [
    'finetune_modelnet40.py', 'linear_modelnet40.py', 'mlp3_modelnet40.py',
    'finetune_scanobjectnn_hardest.py'
])
def test_finetune_then_vote(cfg_name, cls_data, tmp_path):
    import test as test_tool
    import train as train_tool
    cfg = osp.join(REPO, 'configs/recon', cfg_name)
    opts = _options(cfg_name, cls_data, tmp_path)
    runner = train_tool.main([cfg, '--work-dir', str(tmp_path)] +
                             _argv(opts))
    acc = runner.message_hub.get_scalar('val/accuracy/top1').current()
    assert 0 <= acc <= 100
    if runner.model.freeze_trunk:
        trained = [n for n, p in runner.model.named_parameters()
                   if p.requires_grad]
        assert all('cls' in n for n in trained)
    ckpt = glob.glob(str(tmp_path / 'best_accuracy_top1_*.pth'))
    assert ckpt
    opts.pop('model.init_cfg.checkpoint')
    out = tmp_path / 'test.json'
    summary = test_tool.main(
        [cfg, ckpt[0], '--work-dir', str(tmp_path / 'test'), '--votes', '2',
         '--vote-repeats', '2', '--out', str(out)] + _argv(opts))
    top1 = summary['accuracy/top1']
    assert top1['max'] >= top1['mean'] and len(top1['runs']) == 2
    assert json.loads(out.read_text())['votes'] == 2
    torch.set_num_threads(torch.get_num_threads())


def test_fewshot_all_two_folds(cls_data, tmp_path):
    sys.path.insert(0, osp.join(REPO, 'tools', 'analysis_tools'))
    import fewshot_all
    from recon3d.testing import tiny_classifier_overrides
    opts = dict(tiny_classifier_overrides())
    opts.update({
        'model.data_preprocessor.num_points': 128,
        'model.data_preprocessor.train_fps_points': 160,
        'train_cfg.max_epochs': 1,
        'train_dataloader.batch_size': 8,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'val_dataloader.num_workers': 0,
        'val_dataloader.persistent_workers': False,
        'test_dataloader.num_workers': 0,
        'test_dataloader.persistent_workers': False,
        'test_dataloader.dataset.data_root':
        cls_data['root'] + '/ModelNetFewshot',
        'train_dataloader.dataset.data_root':
        cls_data['root'] + '/ModelNetFewshot',
        'val_dataloader.dataset.data_root':
        cls_data['root'] + '/ModelNetFewshot',
    })
    summary = fewshot_all.main([
        osp.join(REPO, 'configs/recon/fewshot_modelnet40.py'),
        cls_data['ckpt'], '--settings', '5w2s', '--folds', '0', '1',
        '--work-dir', str(tmp_path)
    ] + _argv(opts))
    name, best, last = summary[0]
    assert name == '5w2s' and len(best) == 2 and (best >= last).all()
    assert (tmp_path / 'fewshot.csv').read_text().count('\n') == 3


def test_multi_seed_two_seeds(cls_data, tmp_path):
    sys.path.insert(0, osp.join(REPO, 'tools', 'analysis_tools'))
    import multi_seed
    opts = _options('linear_modelnet40.py', cls_data, tmp_path)
    summary = multi_seed.main(
        [osp.join(REPO, 'configs/recon/linear_modelnet40.py'), '--seeds',
         '0', '1', '--work-dir', str(tmp_path)] + _argv(opts))
    assert summary['best_epoch']['best'] >= summary['best_epoch']['mean']
    assert (tmp_path / 'multi_seed.csv').read_text().count('\n') == 3


def test_demo_finetune_from_scratch_gets_precise_bn(cls_data, tmp_path):
    """The demo fine-tune config re-estimates BatchNorm statistics: after a
    short run from scratch the first BatchNorm's running variance is the
    batch variance (~1e-5 with the official init), not 0.9^n of its init."""
    import train as train_tool
    cfg = osp.join(REPO, 'configs/recon/finetune_modelnet40_demo.py')
    opts = _options('finetune_modelnet40_demo.py', cls_data, tmp_path)
    opts.pop('model.init_cfg.checkpoint')
    runner = train_tool.main([cfg, '--work-dir', str(tmp_path)] +
                             _argv(opts) +
                             ['model.init_cfg=None'])
    assert [h for h in runner.hooks if type(h).__name__ == 'PreciseBNHook']
    bn = runner.model.backbone.patch_embed.first_conv[1]
    assert runner.iter < 20 and bn.running_var.mean() < 1e-2
    ckpt = torch.load(
        glob.glob(str(tmp_path / 'epoch_*.pth'))[0], weights_only=False)
    saved = ckpt['state_dict']['backbone.patch_embed.first_conv.1.running_var']
    torch.testing.assert_close(saved, bn.running_var)
