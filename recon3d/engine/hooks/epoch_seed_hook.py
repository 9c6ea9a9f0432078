import logging
import random
from typing import List

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.logging import print_log

from recon3d.datasets.transforms.rng import sample_seed
from recon3d.registry import HOOKS


class SeededItems:
    """``dataset.__getitems__`` that loads each sample of a batch under
    :func:`~recon3d.datasets.transforms.rng.sample_seed` with the key
    ``(seed, epoch, index)``.

    torch's fetcher calls ``dataset.__getitems__(indices)`` when the
    attribute exists, in the main process or in a data worker. The epoch
    lives in shared memory, so persistent workers see each new epoch.

    Args:
        dataset: The training dataset.
        seed (int): Base seed.
    """

    def __init__(self, dataset, seed: int) -> None:
        self.dataset = dataset
        self.seed = int(seed) % 2**32
        self.epoch = torch.zeros((), dtype=torch.int64).share_memory_()

    def __call__(self, indices) -> List:
        epoch = int(self.epoch)
        items = []
        for index in indices:
            with sample_seed((self.seed, epoch, int(index))):
                items.append(self.dataset[index])
        return items


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Make every epoch's random draws a function of (seed, epoch), so
    that a run resumed from a checkpoint continues exactly like the
    uninterrupted run, with or without (persistent) data workers.

    - Data: the random transforms of the training samples draw from
      ``(seed, epoch, sample index)`` (:class:`SeededItems`), whichever
      worker loads a sample and whatever it loaded before.
    - Model (masks, drop path, batch augmentations): Python, NumPy and
      torch are re-seeded from ``(seed, epoch, rank)`` at the start of the
      epoch and again at its first iteration (creating a dataloader
      iterator draws from torch's generator, once per epoch without
      persistent workers, only at the first epoch run with them).

    Args:
        seed (int, optional): Base seed. Defaults to the Runner's seed.
    """
    priority = 'VERY_HIGH'

    def __init__(self, seed=None) -> None:
        self.seed = seed
        self._items = None

    def _base(self, runner):
        return runner.seed if self.seed is None else self.seed

    def _reseed(self, runner) -> None:
        base = self._base(runner)
        if base is None:
            return
        seed = (int(base) + 1000003 * runner.epoch + 7919 * get_rank()) \
            % 2**32
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)

    def before_train(self, runner) -> None:
        base = self._base(runner)
        dataset = runner.train_dataloader.dataset
        if base is None:
            return
        if hasattr(type(dataset), '__getitems__'):
            print_log(
                f'EpochSeedHook: {type(dataset).__name__} defines '
                '__getitems__; its random transforms are not seeded per '
                'sample (a resumed run may draw other augmentations)',
                logger='current',
                level=logging.WARNING)
            return
        self._items = SeededItems(dataset, base)
        dataset.__getitems__ = self._items

    def before_train_epoch(self, runner) -> None:
        if self._items is not None:
            self._items.epoch.fill_(runner.epoch)
        self._reseed(runner)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        if batch_idx == 0:
            self._reseed(runner)
