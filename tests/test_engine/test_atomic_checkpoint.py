"""AtomicCheckpointHook on a toy run: what is on disk after each save."""
import os
import os.path as osp

import torch
import torch.nn as nn
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from mmengine.runner import Runner

from recon3d.engine import load_checkpoint_file
from recon3d.registry import METRICS, MODELS


@MODELS.register_module(force=True)
class _ToyModel(BaseModel):

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        inputs = torch.stack(inputs)
        out = self.linear(inputs)
        if mode == 'loss':
            return dict(loss=out.pow(2).mean())
        return [dict(out=o) for o in out]


@METRICS.register_module(force=True)
class _RisingMetric(BaseMetric):
    """Scores 1, 2, 3, ... one per evaluation, except a dip at the 3rd."""
    calls = 0

    def process(self, data_batch, data_samples) -> None:
        self.results.append(0)

    def compute_metrics(self, results) -> dict:
        type(self).calls += 1
        return dict(score=[1., 2., 0.5, 4.][type(self).calls - 1])


def _run(work_dir: str,
         max_epochs: int,
         resume: bool = False,
         **checkpoint) -> Runner:
    _RisingMetric.calls = 0
    data = [dict(inputs=torch.randn(2)) for _ in range(4)]
    loader = dict(
        dataset=data,
        batch_size=2,
        collate_fn=dict(type='pseudo_collate'),
        sampler=dict(type='DefaultSampler', shuffle=False))
    runner = Runner(
        model=dict(type='_ToyModel'),
        work_dir=work_dir,
        train_dataloader=loader,
        val_dataloader=loader,
        val_evaluator=dict(type='_RisingMetric'),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        val_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(
            checkpoint=dict(type='AtomicCheckpointHook', **checkpoint)),
        default_scope='recon3d',
        log_level='WARNING',
        resume=resume,
        # one message hub per run (the default name has 1-s resolution)
        experiment_name=f'{work_dir}-{max_epochs}-{resume}')
    runner.train()
    return runner


def _files(work_dir) -> list:
    return sorted(os.listdir(work_dir))


def test_keeps_the_newest_and_the_best_and_no_temporary_file(tmp_path):
    _run(
        str(tmp_path),
        4,
        interval=1,
        max_keep_ckpts=2,
        save_best='score',
        rule='greater')
    pth = [f for f in _files(tmp_path) if f.endswith('.pth')]
    assert pth == ['best_score_epoch_4.pth', 'epoch_3.pth', 'epoch_4.pth']
    assert not [f for f in _files(tmp_path) if f.endswith('.tmp')]
    with open(tmp_path / 'last_checkpoint') as f:
        assert f.read() == str(tmp_path / 'epoch_4.pth')
    best = load_checkpoint_file(str(tmp_path / 'best_score_epoch_4.pth'))
    assert best['meta']['epoch'] == 4
    last = load_checkpoint_file(str(tmp_path / 'epoch_4.pth'))
    hub = last['message_hub']['runtime_info']
    assert hub['keep_ckpt_ids'] == [3, 4]
    assert hub['best_score'] == 4.0
    assert hub['best_ckpt'] == str(tmp_path / 'best_score_epoch_4.pth')


def test_a_worse_score_keeps_the_best_file(tmp_path):
    _run(
        str(tmp_path),
        3,
        interval=1,
        max_keep_ckpts=1,
        save_best='score',
        rule='greater')
    pth = [f for f in _files(tmp_path) if f.endswith('.pth')]
    # epoch 3 scored 0.5 < 2: the epoch-2 best stays.
    assert pth == ['best_score_epoch_2.pth', 'epoch_3.pth']


def test_a_resumed_run_continues_the_pruning(tmp_path):
    _run(str(tmp_path), 2, interval=1, max_keep_ckpts=1)
    assert [f for f in _files(tmp_path)
            if f.endswith('.pth')] == ['epoch_2.pth']
    runner = _run(str(tmp_path), 3, resume=True, interval=1, max_keep_ckpts=1)
    assert runner.epoch == 3
    assert [f for f in _files(tmp_path)
            if f.endswith('.pth')] == ['epoch_3.pth']
    with open(tmp_path / 'last_checkpoint') as f:
        assert f.read() == str(tmp_path / 'epoch_3.pth')
