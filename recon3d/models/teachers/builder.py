"""Building a teacher with reproducible random weights."""
from typing import Optional

import torch
import torch.nn as nn

from recon3d.registry import TEACHERS

#: Seed of the random init of every teacher built by recon3d (the live
#: teachers of a model, the zero-shot text teacher, the cache builder).
TEACHER_SEED = 0


def build_teacher(cfg: dict, seed: Optional[int] = TEACHER_SEED) -> nn.Module:
    """Build a teacher from ``cfg``, its random init drawn after
    ``torch.manual_seed(seed)``, without changing the global random state.

    A teacher with random weights (``pretrained=None``: tests, the demo, the
    benchmark) is then the same network wherever it is built: a model's live
    teacher, the teacher a cache was built from, the zero-shot model's text
    teacher. Weights loaded from a file replace the init, so the seed does
    not matter for them. ``seed=None`` draws from the global random state.
    """
    if seed is None:
        return TEACHERS.build(cfg)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return TEACHERS.build(cfg)
