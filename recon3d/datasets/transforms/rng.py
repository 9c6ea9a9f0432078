"""Random source of the random transforms."""
import numpy as np


def transform_rng() -> np.random.Generator:
    """A fresh generator seeded from numpy's global state.

    mmengine seeds ``np.random`` in every dataloader worker (from the
    Runner's seed and the worker id), so drawing the seed there keeps
    workers independent and runs reproducible, while each transform works
    with its own :class:`numpy.random.Generator`.
    """
    return np.random.default_rng(np.random.randint(2**31))
