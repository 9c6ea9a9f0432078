"""The Runner end to end on generated files: train/val, resume, AMP, DDP."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.runner import Runner

from recon3d.testing import tiny_pretrain_cfg

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO_CONFIG = osp.join(REPO, 'configs', 'recon', 'pretrain_demo.py')


def _weights(runner):
    return {k: v.clone() for k, v in runner.model.state_dict().items()}


def test_train_and_validate(shapenet_root, tmp_path):
    cfg = tiny_pretrain_cfg(DEMO_CONFIG, shapenet_root, str(tmp_path))
    runner = Runner.from_cfg(cfg)
    runner.train()
    # 16 classes x 2 train shapes / batch 16 = 2 iterations.
    assert runner.iter == 2
    scalars = runner.message_hub.log_scalars
    for key in ('train/loss_mdm', 'train/loss_csc_img',
                'train/loss_csc_text'):
        assert torch.isfinite(torch.tensor(scalars[key].current()))
    acc = runner.message_hub.get_scalar('val/svm/accuracy').current()
    assert 0 <= acc <= 100
    ckpt = torch.load(osp.join(tmp_path, 'epoch_1.pth'), weights_only=False)
    assert not [k for k in ckpt['state_dict'] if 'teacher' in k]
    assert 'backbone.patch_embed.first_conv.0.weight' in ckpt['state_dict']


def test_resume_matches_uninterrupted_run(shapenet_root, tmp_path):
    full = Runner.from_cfg(
        tiny_pretrain_cfg(DEMO_CONFIG, shapenet_root, str(tmp_path / 'full'),
                          max_epochs=2, val_interval=None))
    full.train()
    expected = _weights(full)

    first = Runner.from_cfg(
        tiny_pretrain_cfg(DEMO_CONFIG, shapenet_root, str(tmp_path / 'part'),
                          max_epochs=2, val_interval=None))
    # Stop after the first epoch, as an interrupted run would.
    first.train_loop._max_epochs = 1
    first.train()
    del first

    cfg = tiny_pretrain_cfg(DEMO_CONFIG, shapenet_root,
                            str(tmp_path / 'part'), max_epochs=2,
                            val_interval=None)
    cfg.resume = True  # the latest checkpoint of the work dir
    resumed = Runner.from_cfg(cfg)
    resumed.train()
    assert resumed.epoch == 2 and resumed.iter == full.iter
    got = _weights(resumed)
    assert got.keys() == expected.keys()
    for key in expected:
        torch.testing.assert_close(got[key], expected[key], rtol=0, atol=0,
                                   msg=key)


def test_amp_on_cpu_uses_bf16_autocast(shapenet_root, tmp_path):
    from recon3d.engine import setup_amp
    cfg = tiny_pretrain_cfg(DEMO_CONFIG, shapenet_root, str(tmp_path),
                            val_interval=None)
    setup_amp(cfg)
    assert cfg.optim_wrapper.type == (
        'AmpOptimWrapper'
        if torch.cuda.is_available() else 'CPUAutocastOptimWrapper')
    runner = Runner.from_cfg(cfg)
    runner.train()
    loss = runner.message_hub.get_scalar('train/loss_mdm').current()
    assert torch.isfinite(torch.tensor(loss))


@pytest.mark.timeout(300)
def test_two_process_ddp_on_cpu(shapenet_root, tmp_path):
    cfg = tiny_pretrain_cfg(DEMO_CONFIG, shapenet_root, str(tmp_path / 'wd'),
                            batch_size=8)
    cfg_file = tmp_path / 'ddp_cfg.py'
    cfg.dump(str(cfg_file))
    env = dict(os.environ, HF_HUB_OFFLINE='1', OMP_NUM_THREADS='1')
    env.pop('CUDA_VISIBLE_DEVICES', None)
    cmd = [
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
        '--master_port=29533',
        osp.join(REPO, 'tools', 'train.py'), str(cfg_file), '--launcher',
        'pytorch'
    ]
    if not torch.cuda.is_available():
        env['CUDA_VISIBLE_DEVICES'] = ''
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=280)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert osp.isfile(tmp_path / 'wd' / 'epoch_1.pth')
    log = proc.stdout + proc.stderr
    assert 'svm/accuracy' in log


def test_reconstruction_pictures_spread_over_the_val_set(
        shapenet_root, tmp_path):
    cfg = tiny_pretrain_cfg(DEMO_CONFIG, shapenet_root, str(tmp_path))
    cfg.custom_hooks = [
        dict(type='ReconstructionVisHook', interval=1, num_samples=3)
    ]
    runner = Runner.from_cfg(cfg)
    runner.train()
    dataset = runner.val_dataloader.dataset
    hook = [h for h in runner.hooks
            if type(h).__name__ == 'ReconstructionVisHook'][0]
    expected = hook.sample_indices(len(dataset))
    assert len(dataset) > 3
    assert expected[0] == 0 and expected[-1] == len(dataset) - 1
    assert len(expected) == 3 and expected[0] < expected[1] < expected[2]
    assert hook.sample_indices(2) == [0, 1]
    assert hook.sample_indices(1) == [0]
    folder = osp.join(tmp_path, 'vis', 'epoch_1')
    pngs = sorted(os.listdir(folder))
    assert len(pngs) == 3
    stems = [
        osp.splitext(osp.basename(dataset.get_data_info(i)['file_name']))[0]
        for i in expected
    ]
    for png, stem in zip(pngs, stems):
        assert png.endswith(f'{stem}.png')
        assert os.path.getsize(osp.join(folder, png)) > 1000
