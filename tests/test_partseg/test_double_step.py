"""DoubleStepOptimWrapper equals the official part-seg update."""
import copy

import torch

from recon3d.engine import DoubleStepOptimWrapper


def test_two_steps_raw_then_clipped():
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 3)
    ref = copy.deepcopy(model)
    x, y = torch.randn(8, 4) * 10, torch.randn(8, 3)
    wrapper = DoubleStepOptimWrapper(
        optimizer=torch.optim.AdamW(model.parameters(), lr=0.1),
        clip_grad=dict(max_norm=0.5))
    opt = torch.optim.AdamW(ref.parameters(), lr=0.1)
    for _ in range(3):
        wrapper.update_params(((model(x) - y)**2).sum())
        # the official loop
        ((ref(x) - y)**2).sum().backward()
        opt.step()
        torch.nn.utils.clip_grad_norm_(ref.parameters(), 0.5)
        opt.step()
        ref.zero_grad()
    for a, b in zip(model.parameters(), ref.parameters()):
        torch.testing.assert_close(a, b)
    assert wrapper.optimizer.state[model.weight]['step'] == 6
