"""kill -9 at precise points of a run (subprocesses): the last checkpoint
stays loadable, and a resumed run ends bit-identical to an uninterrupted
one with the demo's loader settings (2 persistent workers)."""
import copy
import os
import os.path as osp
import signal
import subprocess
import sys
import textwrap

import pytest
import torch
from mmengine.runner import Runner

from recon3d.apis import train
from recon3d.engine import load_checkpoint_file
from recon3d.testing import tiny_pretrain_cfg

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO_CONFIG = osp.join(REPO, 'configs', 'recon', 'pretrain_demo.py')

# Imported by the killed run (custom_imports): SIGKILL at a precise point.
KILLER = textwrap.dedent('''
    import os
    import signal

    from mmengine.fileio import LocalBackend
    from mmengine.hooks import Hook

    from recon3d.registry import HOOKS

    WHERE = os.environ['KILL_AT']


    def die():
        os.kill(os.getpid(), signal.SIGKILL)


    if WHERE == 'write':  # half of the second checkpoint's bytes
        put = LocalBackend.put
        count = [0]

        def partial_put(self, obj, filepath):
            if str(filepath).endswith('.pth') or '.pth.' in str(filepath):
                count[0] += 1
                if count[0] == 2:
                    with open(filepath, 'wb') as f:
                        f.write(obj[:len(obj) // 2])
                    die()
            return put(self, obj, filepath)

        LocalBackend.put = partial_put
    elif WHERE == 'rename':  # second checkpoint in place, pointer not yet
        replace = os.replace
        count = [0]

        def replace_then_die(src, dst):
            replace(src, dst)
            if str(dst).endswith('.pth'):
                count[0] += 1
                if count[0] == 2:
                    die()

        os.replace = replace_then_die


    @HOOKS.register_module(force=True)
    class KillAtIterHook(Hook):
        def __init__(self, at_iter):
            self.at_iter = at_iter

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            if WHERE == 'iter' and runner.iter == self.at_iter:
                die()
''')


def _run_killed(cfg, tmp_path, where: str, at_iter: int = -1):
    """Run tools/train.py on ``cfg`` until the killer fires."""
    (tmp_path / 'killer_mod.py').write_text(KILLER)
    cfg = copy.deepcopy(cfg)
    cfg.custom_imports = dict(
        imports=['killer_mod'], allow_failed_imports=False)
    cfg.custom_hooks = list(cfg.get(
        'custom_hooks', [])) + [dict(type='KillAtIterHook', at_iter=at_iter)]
    cfg_file = tmp_path / 'killed_cfg.py'
    cfg.dump(str(cfg_file))
    env = dict(
        os.environ,
        KILL_AT=where,
        HF_HUB_OFFLINE='1',
        OMP_NUM_THREADS=str(torch.get_num_threads()),
        PYTHONPATH=os.pathsep.join(
            [str(tmp_path), REPO,
             os.environ.get('PYTHONPATH', '')]))
    proc = subprocess.run(
        [sys.executable,
         osp.join(REPO, 'tools', 'train.py'),
         str(cfg_file)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=280)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-3000:]


def _weights(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


@pytest.mark.timeout(300)
@pytest.mark.parametrize('where', ['write', 'rename'])
def test_kill_during_checkpoint_save_leaves_a_loadable_checkpoint(
        shapenet_root, tmp_path, where):
    work = tmp_path / 'work'
    cfg = tiny_pretrain_cfg(
        DEMO_CONFIG, shapenet_root, str(work), max_epochs=2, val_interval=None)
    cfg.default_hooks.checkpoint.max_keep_ckpts = 1  # the demo's setting
    _run_killed(cfg, tmp_path, where)
    with open(work / 'last_checkpoint') as f:
        last = f.read().strip()
    # The pointer names epoch 1, which was not pruned before epoch 2 was
    # complete; no half-written file carries a checkpoint name.
    assert osp.basename(last) == 'epoch_1.pth'
    ckpt = load_checkpoint_file(last)
    assert ckpt['meta']['epoch'] == 1
    if where == 'write':
        assert not (work / 'epoch_2.pth').exists()
    else:
        assert load_checkpoint_file(work / 'epoch_2.pth')['meta']['epoch'] == 2
    cfg.resume = True
    resumed = Runner.from_cfg(cfg)
    resumed.train()
    assert resumed.epoch == 2
    assert sorted(p for p in os.listdir(work)
                  if p.endswith('.pth')) == ['epoch_2.pth']
    with open(work / 'last_checkpoint') as f:
        assert osp.basename(f.read().strip()) == 'epoch_2.pth'


@pytest.mark.timeout(300)
def test_kill_mid_epoch_then_resume_is_exact_with_persistent_workers(
        shapenet_root, tmp_path):

    def config(work):
        cfg = tiny_pretrain_cfg(
            DEMO_CONFIG,
            shapenet_root,
            str(work),
            max_epochs=2,
            val_interval=None)
        # The demo's loader settings (tiny_pretrain_cfg loads in-process).
        cfg.train_dataloader.num_workers = 2
        cfg.train_dataloader.persistent_workers = True
        return cfg

    full = Runner.from_cfg(config(tmp_path / 'full'))
    full.train()
    expected = _weights(full.model)
    # 16 classes x 2 shapes / batch 16: iterations 2 and 3 are epoch 2.
    _run_killed(config(tmp_path / 'part'), tmp_path, 'iter', at_iter=3)
    assert osp.isfile(tmp_path / 'part' / 'epoch_1.pth')
    assert not osp.isfile(tmp_path / 'part' / 'epoch_2.pth')
    cfg_file = tmp_path / 'resume_cfg.py'
    config(tmp_path / 'part').dump(str(cfg_file))
    resumed = train([str(cfg_file), '--resume'])
    assert resumed.iter == full.iter == 4
    got = _weights(resumed.model)
    assert got.keys() == expected.keys()
    for key in expected:
        torch.testing.assert_close(
            got[key], expected[key], rtol=0, atol=0, msg=key)
