import os.path as osp

import torch
from mmengine.runner import Runner

from recon3d.apis.training import build_train_config, parse_train_args
from recon3d.testing import tiny_pretrain_cfg

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO_CONFIG = osp.join(REPO, 'configs', 'recon', 'pretrain_demo.py')


def test_compile_hook_compiles_the_student_and_trains(shapenet_root,
                                                      tmp_path):
    cfg = tiny_pretrain_cfg(DEMO_CONFIG, shapenet_root, str(tmp_path),
                            val_interval=None)
    # The 'eager' backend traces the graphs without generating code.
    cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + [
        dict(type='CompileHook',
             modules=('backbone', 'neck', 'decoder', 'smc_head'),
             options=dict(backend='eager'))
    ]
    runner = Runner.from_cfg(cfg)
    try:
        runner.train()
        model = runner.model
        for name in ('backbone', 'neck', 'decoder'):
            assert getattr(model, name)._compiled_call_impl is not None
        assert model.rec_head._compiled_call_impl is None
        assert runner.iter == 2
        loss = runner.message_hub.get_scalar('train/loss').current()
        assert torch.isfinite(torch.tensor(loss))
        state = torch.load(osp.join(tmp_path, 'epoch_1.pth'),
                           weights_only=False)['state_dict']
        assert 'backbone.patch_embed.first_conv.0.weight' in state
        assert not [k for k in state if '_orig_mod' in k]
    finally:
        torch._dynamo.reset()


def test_compile_flag_adds_the_hook_once():
    cfg = build_train_config(parse_train_args([DEMO_CONFIG, '--compile']))
    assert [h['type'] for h in cfg.custom_hooks].count('CompileHook') == 1
    cfg = build_train_config(parse_train_args([DEMO_CONFIG]))
    assert 'CompileHook' not in [h['type'] for h in cfg.custom_hooks]
