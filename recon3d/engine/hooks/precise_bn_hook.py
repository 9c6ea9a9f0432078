import random
from typing import List

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch.nn.modules.batchnorm import _BatchNorm

from recon3d.registry import HOOKS


@HOOKS.register_module()
class PreciseBNHook(Hook):
    """Recompute BatchNorm running statistics from training batches after
    every ``interval`` training epochs (and after the last one).

    With momentum 0.1 a running variance moves from its initial 1 towards
    the batch variance as ``0.9^n``. The mini-PointNet's first BatchNorm sees
    variances near 1e-5 with the official init, so a short schedule from
    scratch (60 iterations: ``0.9^60 ≈ 2e-3``) ends with running statistics
    100x off, and the model in eval mode predicts one class. This hook runs
    ``num_batches`` training batches through the model in train mode, under
    ``no_grad``, with every BatchNorm's statistics reset and averaged over
    those batches (momentum None), so that validation and the saved
    checkpoint use statistics of the current weights. No weight changes; the
    random states (torch, numpy, random) are restored afterwards, so the run
    continues exactly as without the hook. Each process computes its own
    statistics (no all-reduce).

    Args:
        num_batches (int): Training batches to average over. Defaults to 10.
        interval (int): Every this many training epochs. Defaults to 1.
    """
    priority = 'ABOVE_NORMAL'  # before the CheckpointHook saves

    def __init__(self, num_batches: int = 10, interval: int = 1) -> None:
        if num_batches < 1:
            raise ValueError(f'num_batches must be >= 1, got {num_batches}')
        self.num_batches = num_batches
        self.interval = interval

    def after_train_epoch(self, runner) -> None:
        if not (self.every_n_epochs(runner, self.interval)
                or self.is_last_train_epoch(runner)):
            return
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        self.recompute(model, runner.train_dataloader)

    def recompute(self, model: torch.nn.Module, dataloader) -> int:
        """Reset and re-estimate the running statistics of every BatchNorm
        of ``model`` (a :class:`mmengine.model.BaseModel`) from up to
        ``num_batches`` batches of ``dataloader``.

        Returns:
            int: Number of batches used.
        """
        norms: List[_BatchNorm] = [
            m for m in model.modules()
            if isinstance(m, _BatchNorm) and m.track_running_stats
        ]
        if not norms:
            return 0
        momenta = [m.momentum for m in norms]
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the batches
        was_training = model.training
        py_state, np_state = random.getstate(), np.random.get_state()
        used = 0
        try:
            with torch.random.fork_rng(devices=[]), torch.no_grad():
                model.train()
                for batch in dataloader:
                    data = model.data_preprocessor(batch, True)
                    model._run_forward(data, mode='tensor')
                    used += 1
                    if used >= self.num_batches:
                        break
        finally:
            for m, momentum in zip(norms, momenta):
                m.momentum = momentum
            model.train(was_training)
            random.setstate(py_state)
            np.random.set_state(np_state)
        if used == 0:
            raise RuntimeError('PreciseBNHook: the training dataloader '
                               'yielded no batch')
        return used
