"""A validation split carved from a training set."""
import copy
from typing import List, Union

import numpy as np
from mmengine.dataset import BaseDataset

from recon3d.registry import DATASETS


@DATASETS.register_module()
class HoldoutSplit:
    """One part of a seeded, class-stratified split of a dataset.

    The honest checkpoint selection of the fine-tunes: the best epoch is
    chosen on ``part='holdout'`` of the train split and the model is trained
    on ``part='train'`` (the rest), so the test split is touched once, at
    the end. Both parts, built with the same ``holdout`` and ``seed`` over
    the same dataset, are disjoint and cover it. Per class, ``round(holdout
    · n_c)`` items (at least one when the class has two or more) are held
    out.

    ``part='all'`` passes every item through (e.g. the official "best on
    test" selection: ``val_dataloader.dataset.part=all
    val_dataloader.dataset.dataset.split=test``).

    Args:
        dataset (dict | BaseDataset): The dataset to split; its pipeline
            applies (give the holdout part the evaluation pipeline).
        holdout (float): Share held out, in [0, 1). Defaults to 0.1.
        part (str): ``'train'``, ``'holdout'`` or ``'all'``. Defaults to
            ``'train'``.
        seed (int): Seed of the split. Defaults to 0.
        lazy_init (bool): Defer loading the inner dataset. Defaults to
            False.

    Raises:
        ValueError: Naming the inner dataset's file, if this part is empty.
    """
    PARTS = ('train', 'holdout', 'all')

    def __init__(self,
                 dataset: Union[dict, BaseDataset],
                 holdout: float = 0.1,
                 part: str = 'train',
                 seed: int = 0,
                 lazy_init: bool = False) -> None:
        if part not in self.PARTS:
            raise ValueError(f'part must be one of {self.PARTS}, got '
                             f'{part!r}')
        if not 0 <= holdout < 1:
            raise ValueError(f'holdout must be in [0, 1), got {holdout}')
        self.dataset = DATASETS.build(dataset) if isinstance(
            dataset, dict) else dataset
        self.holdout = holdout
        self.part = part
        self.seed = seed
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """The inner dataset's metainfo (a copy)."""
        return copy.deepcopy(self.dataset.metainfo)

    def full_init(self) -> None:
        """Load the inner dataset and pick this part's indices."""
        if self._fully_initialized:
            return
        self.dataset.full_init()
        n = len(self.dataset)
        if self.part == 'all':
            self.indices = list(range(n))
        else:
            labels = np.array(
                [self.dataset.get_cat_ids(i)[0] for i in range(n)])
            rng = np.random.default_rng(self.seed)
            held = []
            for label in np.unique(labels):
                members = rng.permutation(np.flatnonzero(labels == label))
                k = int(round(self.holdout * len(members)))
                if self.holdout > 0 and len(members) > 1:
                    k = min(max(k, 1), len(members) - 1)
                held.extend(members[:k].tolist())
            held_set = set(held)
            self.indices = sorted(held_set) if self.part == 'holdout' else [
                i for i in range(n) if i not in held_set
            ]
        if not self.indices:
            source = getattr(self.dataset, 'source', None) or type(
                self.dataset).__name__
            raise ValueError(
                f'{source}: the {self.part!r} part of {n} items is empty '
                f'(holdout={self.holdout}); hold out more, or use '
                "part='all'")
        self._fully_initialized = True

    def get_cat_ids(self, idx: int) -> List[int]:
        """The label of item ``idx`` of this part."""
        return self.dataset.get_cat_ids(self.indices[idx])

    def get_data_info(self, idx: int) -> dict:
        """Item ``idx`` of this part, before the pipeline."""
        return self.dataset.get_data_info(self.indices[idx])

    def __getitem__(self, idx: int) -> dict:
        if not self._fully_initialized:
            self.full_init()
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        if not self._fully_initialized:
            self.full_init()
        return len(self.indices)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(part={self.part!r}, '
                f'holdout={self.holdout}, seed={self.seed}, '
                f'len={len(self)}, dataset={type(self.dataset).__name__})')
