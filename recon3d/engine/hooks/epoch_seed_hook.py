import random

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from recon3d.registry import HOOKS


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Re-seed Python, NumPy and torch at the start of every epoch.

    The random draws of an epoch (masks, drop path, prompt templates,
    augmentations in the main process) then depend only on the run's seed,
    the epoch and the rank, so a run resumed from a checkpoint continues
    exactly like the uninterrupted run. Data workers are seeded by mmengine's
    ``worker_init_fn``; with ``persistent_workers=True`` their streams carry
    over across epochs and a resumed run differs in augmentation draws.

    Args:
        seed (int, optional): Base seed. Defaults to the Runner's seed.
    """
    priority = 'VERY_HIGH'

    def __init__(self, seed=None) -> None:
        self.seed = seed

    def before_train_epoch(self, runner) -> None:
        base = runner.seed if self.seed is None else self.seed
        if base is None:
            return
        seed = (int(base) + 1000003 * runner.epoch + 7919 * get_rank()) \
            % 2**32
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
