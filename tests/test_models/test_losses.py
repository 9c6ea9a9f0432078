"""Chamfer, smooth-L1 and SMC losses."""
import math

import pytest
import torch
import torch.nn.functional as F

from recon3d.ops import chamfer_distance
from recon3d.registry import LOSSES


def smc_reference(sim: torch.Tensor, texts) -> float:
    """The official self-contrastive loss, one row at a time.

    For row i: pos = mean of S[i, j] over j with texts[j] == texts[i] (self
    included); logits = [pos, S[i, j] for every negative j] / .1; CE with
    target 0; mean over rows.
    """
    B = len(texts)
    total = 0.
    for i in range(B):
        pos = [sim[i, j].item() for j in range(B) if texts[j] == texts[i]]
        neg = [sim[i, j].item() for j in range(B) if texts[j] != texts[i]]
        logits = [sum(pos) / len(pos) / .1] + [s / .1 for s in neg]
        m = max(logits)
        lse = m + math.log(sum(math.exp(x - m) for x in logits))
        total += lse - logits[0]
    return total / B


def positives(texts):
    return torch.tensor([[a == b for b in texts] for a in texts])


def test_chamfer_losses():
    gen = torch.Generator().manual_seed(0)
    p = torch.randn(4, 8, 3, generator=gen)
    q = torch.randn(4, 8, 3, generator=gen)
    l2 = LOSSES.build(dict(type='ChamferDistanceL2'))
    l1 = LOSSES.build(dict(type='ChamferDistanceL1', loss_weight=2.))
    assert l2(p, q).item() == pytest.approx(chamfer_distance(p, q, 'l2'))
    assert l1(p, q).item() == pytest.approx(
        2 * chamfer_distance(p, q, 'l1').item())


def test_smooth_l1_loss():
    gen = torch.Generator().manual_seed(1)
    pred = torch.randn(4, 16, generator=gen) * 2
    target = torch.randn(4, 16, generator=gen)
    loss = LOSSES.build(dict(type='SmoothL1Loss'))
    assert loss(pred, target).item() == pytest.approx(
        F.smooth_l1_loss(pred, target).item())
    # β = 1 written out: .5 d² below 1, |d| - .5 above; mean over B×D.
    d = (pred - target).abs()
    manual = torch.where(d < 1, .5 * d**2, d - .5).mean()
    assert loss(pred, target).item() == pytest.approx(manual.item())
    weighted = LOSSES.build(dict(type='SmoothL1Loss', beta=.5, loss_weight=3.))
    assert weighted(pred, target).item() == pytest.approx(
        3 * F.smooth_l1_loss(pred, target, beta=.5).item())


@pytest.mark.parametrize(
    'texts',
    [
        ['chair', 'table', 'chair', 'lamp', 'table', 'chair'],
        ['a', 'b', 'c', 'd'],
        ['a', 'a', 'a', 'b'],  # rows 0-2 have one negative, row 3 has 3
    ])
def test_smc_loss_matches_row_loop(texts):
    gen = torch.Generator().manual_seed(2)
    z = F.normalize(
        torch.randn(len(texts), 8, generator=gen, dtype=torch.float64), dim=1)
    sim = z @ z.t()
    loss = LOSSES.build(dict(type='SMCLoss'))(sim, positives(texts))
    assert loss.item() == pytest.approx(smc_reference(sim, texts), rel=1e-10)


def test_smc_loss_row_without_negatives_is_zero():
    gen = torch.Generator().manual_seed(3)
    z = F.normalize(torch.randn(5, 8, generator=gen), dim=1).requires_grad_()
    sim = z @ z.t()
    loss = LOSSES.build(dict(type='SMCLoss'))(sim, positives(['x'] * 5))
    assert loss.item() == 0
    loss.backward()
    assert torch.isfinite(z.grad).all()
    # One all-positive row inside a mixed batch contributes 0.
    texts = ['x', 'y', 'y']
    z2 = F.normalize(
        torch.randn(3, 8, generator=gen, dtype=torch.float64),
        dim=1).requires_grad_()
    sim2 = z2 @ z2.t()
    loss2 = LOSSES.build(dict(type='SMCLoss'))(sim2, positives(texts))
    assert loss2.item() == pytest.approx(smc_reference(sim2, texts))
    loss2.backward()
    assert torch.isfinite(z2.grad).all()


def test_smc_loss_temperature_and_weight():
    gen = torch.Generator().manual_seed(4)
    sim = torch.randn(4, 4, generator=gen)
    pos = positives(['a', 'b', 'a', 'c'])
    base = LOSSES.build(dict(type='SMCLoss', temperature=.1))(sim, pos)
    # Temperature .1 on S is temperature 1 on 10 S.
    same = LOSSES.build(dict(type='SMCLoss', temperature=1.))(10 * sim, pos)
    assert base.item() == pytest.approx(same.item(), rel=1e-5)
    w = LOSSES.build(dict(type='SMCLoss', loss_weight=.5))(sim, pos)
    assert w.item() == pytest.approx(.5 * base.item())
