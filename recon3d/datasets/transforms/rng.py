"""Random source of the random transforms."""
import contextlib
from typing import Iterator, Optional, Sequence

import numpy as np

_sample_key: Optional[Sequence[int]] = None
_draws = 0


@contextlib.contextmanager
def sample_seed(key: Sequence[int]) -> Iterator[None]:
    """Draw the random transforms of one sample from ``key``.

    Inside the block, the k-th :func:`transform_rng` of the sample is
    seeded from ``(*key, k)``: a sample's augmentation then depends on the
    key only (e.g. base seed, epoch, sample index), not on the data worker
    that loads it or on what that worker loaded before, so a resumed run
    draws exactly what the uninterrupted one drew. Data loading sets it per
    sample (:class:`recon3d.engine.hooks.EpochSeedHook`).

    Args:
        key (Sequence[int]): Non-negative integers.
    """
    global _sample_key, _draws
    previous = _sample_key, _draws
    _sample_key, _draws = tuple(int(k) for k in key), 0
    try:
        yield
    finally:
        _sample_key, _draws = previous


def transform_rng() -> np.random.Generator:
    """A fresh generator for one random draw of a transform.

    Under :func:`sample_seed`, seeded from the sample's key and the number
    of generators it already took. Otherwise seeded from numpy's global
    state (which mmengine seeds in every dataloader worker from the
    Runner's seed and the worker id).
    """
    global _draws
    if _sample_key is None:
        return np.random.default_rng(np.random.randint(2**31))
    _draws += 1
    return np.random.default_rng([*_sample_key, _draws])
