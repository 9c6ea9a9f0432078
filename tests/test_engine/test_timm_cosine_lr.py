"""TimmCosineLR: the official per-epoch lr sequence, computed by hand."""
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper

from recon3d.registry import PARAM_SCHEDULERS
from recon3d.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
register_all_modules()

OFFICIAL = dict(t_initial=300, warmup_t=10, warmup_lr_init=1e-6, lr_min=1e-6)


def run_epochs(bases, epochs, **kwargs):
    """The lr of each group during each epoch, stepping as the runner does:
    the scheduler is built before epoch 0 and stepped after each epoch."""
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in bases]
    optim = torch.optim.AdamW([dict(params=[p], lr=lr)
                               for p, lr in zip(params, bases)])
    wrapper = OptimWrapper(optim)
    sched = PARAM_SCHEDULERS.build(
        dict(type='TimmCosineLR', optimizer=wrapper, **kwargs))
    seen = []
    for _ in range(epochs):
        seen.append([g['lr'] for g in optim.param_groups])
        optim.step()  # an epoch of training
        sched.step()
    return seen


def test_official_sequence_by_hand():
    # Fine-tune groups: lr 5e-4 and the x10 "cls" group, 301 epochs.
    seen = run_epochs([5e-4, 5e-3], 301, **OFFICIAL)
    assert len(seen) == 301
    by_hand = {
        # Epoch 0: set at construction; epoch 1: step(0) gives timm's t=0.
        0: [1e-6, 1e-6],
        1: [1e-6, 1e-6],
        # step(1): 1e-6 + 1 * (base - 1e-6) / 10
        2: [1e-6 + 4.99e-5, 1e-6 + 4.999e-4],
        3: [1e-6 + 2 * 4.99e-5, 1e-6 + 2 * 4.999e-4],
        # step(9): the last warm-up value, 1e-6 + 9/10 (base - 1e-6)
        10: [4.501e-4, 4.5001e-3],
        # step(10): cosine at t = 10 of 300 (the warm-up is not
        # subtracted): 1e-6 + (base - 1e-6) (1 + cos(pi/30)) / 2
        11: [1e-6 + 2.495e-4 * (1 + 0.9945218953682733),
             1e-6 + 2.4995e-3 * (1 + 0.9945218953682733)],
        # step(299), the last training epoch:
        # 1 + cos(299 pi / 300) = 1 - cos(pi / 300) = 5.48306...e-5
        300: [1e-6 + 2.495e-4 * 5.4830634487856855e-05,
              1e-6 + 2.4995e-3 * 5.4830634487856855e-05],
    }
    for epoch, expected in by_hand.items():
        assert seen[epoch] == pytest.approx(expected, rel=1e-9), epoch
    # Monotone after the warm-up, never below lr_min.
    tail = [s[0] for s in seen[11:]]
    assert all(a >= b for a, b in zip(tail, tail[1:]))
    assert min(s[0] for s in seen) == pytest.approx(1e-6)


def test_matches_timm_driven_as_the_official_loop():
    scheduler = pytest.importorskip('timm.scheduler')
    bases = [5e-4, 5e-3]
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in bases]
    optim = torch.optim.AdamW([dict(params=[p], lr=lr)
                               for p, lr in zip(params, bases)])
    timm = scheduler.CosineLRScheduler(
        optim, t_initial=300, lr_min=1e-6, warmup_lr_init=1e-6,
        warmup_t=10, cycle_limit=1, t_in_epochs=True)
    official = []
    for epoch in range(301):
        official.append([g['lr'] for g in optim.param_groups])
        timm.step(epoch)
    ours = run_epochs(bases, 301, **OFFICIAL)
    for epoch, (a, b) in enumerate(zip(ours, official)):
        assert a == pytest.approx(b, rel=1e-12), epoch


def test_options():
    # Without the lag, epoch e runs at timm's t = e.
    seen = run_epochs([1.], 4, t_initial=10, warmup_t=2, warmup_lr_init=0.,
                      step_at_epoch_end=False)
    assert [s[0] for s in seen] == pytest.approx(
        [0., .5, .5 * (1 + math.cos(math.pi * 2 / 10)),
         .5 * (1 + math.cos(math.pi * 3 / 10))])
    # warmup_prefix: the cosine starts at the warm-up's end.
    seen = run_epochs([1.], 4, t_initial=10, warmup_t=2, warmup_prefix=True,
                      step_at_epoch_end=False)
    assert seen[2][0] == pytest.approx(1.)
    # After the cycle: lr_min.
    seen = run_epochs([1.], 5, t_initial=2, lr_min=.1,
                      step_at_epoch_end=False)
    assert [s[0] for s in seen][2:] == pytest.approx([.1, .1, .1])
    with pytest.raises(ValueError, match='by_epoch'):
        run_epochs([1.], 1, t_initial=2, by_epoch=False)


@pytest.mark.parametrize('name,epochs,t_initial', [
    ('pretrain.py', 301, 300),
    ('finetune_scanobjectnn_hardest.py', 301, 300),
    ('linear_modelnet40.py', 301, 300),
    ('fewshot_modelnet40.py', 151, 150),
])
def test_official_configs_use_the_official_schedule(name, epochs, t_initial):
    cfg = Config.fromfile(osp.join(REPO, 'configs/recon', name))
    assert cfg.train_cfg.max_epochs == epochs
    assert cfg.param_scheduler == [
        dict(type='TimmCosineLR', t_initial=t_initial, warmup_t=10,
             warmup_lr_init=1e-6, lr_min=1e-6, by_epoch=True)]
