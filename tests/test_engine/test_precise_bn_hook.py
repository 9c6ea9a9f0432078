"""PreciseBNHook: BatchNorm statistics re-estimated, nothing else changed."""
import random

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel

from recon3d.engine import PreciseBNHook


class _Toy(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.bn = nn.BatchNorm1d(4)
        self.drop = nn.Dropout(0.5)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return self.drop(self.bn(self.fc(inputs)))


def _batches(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [
        dict(inputs=torch.randn(8, 3, generator=g) * 3 + 1) for _ in range(n)
    ]


def test_statistics_are_the_average_over_the_batches():
    model = _Toy()
    batches = _batches(5)
    weights = {k: v.clone() for k, v in model.fc.state_dict().items()}
    model.eval()
    used = PreciseBNHook(num_batches=3).recompute(model, batches)
    assert used == 3
    with torch.no_grad():
        feats = [model.fc(b['inputs']) for b in batches[:3]]
    mean = torch.stack([f.mean(0) for f in feats]).mean(0)
    var = torch.stack([f.var(0, unbiased=True) for f in feats]).mean(0)
    torch.testing.assert_close(model.bn.running_mean, mean)
    torch.testing.assert_close(model.bn.running_var, var)
    # Weights untouched, momentum and mode restored.
    for k, v in model.fc.state_dict().items():
        torch.testing.assert_close(v, weights[k])
    assert model.bn.momentum == 0.1 and not model.training


def test_random_states_are_restored():
    model = _Toy()
    torch.manual_seed(1)
    random.seed(1)
    np.random.seed(1)
    expected = (torch.rand(2), random.random(), np.random.rand())
    torch.manual_seed(1)
    random.seed(1)
    np.random.seed(1)
    PreciseBNHook(num_batches=2).recompute(model, _batches(2))
    got = (torch.rand(2), random.random(), np.random.rand())
    torch.testing.assert_close(got[0], expected[0])
    assert got[1:] == expected[1:]


def test_bad_arguments_and_empty_loader():
    with pytest.raises(ValueError, match='num_batches'):
        PreciseBNHook(num_batches=0)
    with pytest.raises(RuntimeError, match='no batch'):
        PreciseBNHook().recompute(_Toy(), [])
    # A model without BatchNorm is left alone.
    assert PreciseBNHook().recompute(nn.Sequential(nn.Linear(2, 2)), []) == 0
