"""chamfer_distance / nearest_sq_dist against brute force."""
import math

import pytest
import torch

from recon3d.ops import chamfer_distance, nearest_sq_dist


def brute_nearest(p: torch.Tensor, q: torch.Tensor):
    """d1[b][i] = min_j |p_i - q_j|², d2[b][j] = min_i |p_i - q_j|²."""
    d1, d2 = [], []
    for pb, qb in zip(p.tolist(), q.tolist()):
        sq = [[sum((x - y)**2 for x, y in zip(a, c)) for c in qb] for a in pb]
        d1.append([min(row) for row in sq])
        d2.append(
            [min(sq[i][j] for i in range(len(pb))) for j in range(len(qb))])
    return d1, d2


def brute_chamfer(p, q, mode):
    d1, d2 = brute_nearest(p, q)
    f1 = [x for row in d1 for x in row]
    f2 = [x for row in d2 for x in row]
    if mode == 'l2':
        return sum(f1) / len(f1) + sum(f2) / len(f2)
    return (sum(map(math.sqrt, f1)) / len(f1) +
            sum(map(math.sqrt, f2)) / len(f2)) / 2


def test_nearest_sq_dist_matches_brute_force():
    gen = torch.Generator().manual_seed(0)
    p = torch.randn(2, 6, 3, generator=gen, dtype=torch.float64)
    q = torch.randn(2, 9, 3, generator=gen, dtype=torch.float64)
    d1, d2 = nearest_sq_dist(p, q)
    assert d1.shape == (2, 6) and d2.shape == (2, 9)
    b1, b2 = brute_nearest(p, q)
    for b in range(2):
        assert d1[b].tolist() == pytest.approx(b1[b], rel=1e-12)
        assert d2[b].tolist() == pytest.approx(b2[b], rel=1e-12)


def test_chamfer_hand_computed():
    # p = {(0,0,0)}, q = {(1,0,0), (0,2,0)}: d1 = [1], d2 = [1, 4].
    p = torch.tensor([[[0., 0., 0.]]])
    q = torch.tensor([[[1., 0., 0.], [0., 2., 0.]]])
    assert chamfer_distance(p, q, 'l2').item() == 3.5  # 1 + (1+4)/2
    assert chamfer_distance(p, q, 'l1').item() == 1.25  # (1 + (1+2)/2) / 2
    assert chamfer_distance(q, p, 'l2').item() == 3.5  # symmetric
    assert chamfer_distance(p, q).item() == 3.5  # default is l2


@pytest.mark.parametrize('mode', ['l1', 'l2'])
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_chamfer_matches_brute_force(mode, dtype):
    gen = torch.Generator().manual_seed(1)
    p = torch.randn(3, 8, 3, generator=gen, dtype=dtype)
    q = torch.randn(3, 5, 3, generator=gen, dtype=dtype)  # P != Q
    got = chamfer_distance(p, q, mode)
    assert got.dim() == 0 and got.dtype == dtype
    rel = 1e-12 if dtype == torch.float64 else 1e-5
    assert got.item() == pytest.approx(brute_chamfer(p, q, mode), rel=rel)


def test_chamfer_means_over_all_points_not_per_sample_sum():
    # Two samples of one point each: the means run over the B*P points.
    p = torch.tensor([[[0., 0., 0.]], [[0., 0., 0.]]])
    q = torch.tensor([[[1., 0., 0.]], [[3., 0., 0.]]])
    assert chamfer_distance(p, q, 'l2').item() == pytest.approx(10.)
    assert chamfer_distance(p, q, 'l1').item() == pytest.approx(2.)


@pytest.mark.parametrize('mode', ['l1', 'l2'])
def test_chamfer_zero_and_finite_grad_at_exact_match(mode):
    gen = torch.Generator().manual_seed(2)
    q = torch.randn(2, 6, 3, generator=gen, dtype=torch.float64)
    p = q.clone().requires_grad_(True)
    loss = chamfer_distance(p, q, mode)
    assert loss.item() == 0
    loss.backward()
    assert torch.isfinite(p.grad).all()
    assert torch.equal(p.grad, torch.zeros_like(p))
    # Partial matches: some points exact, some not.
    p2 = torch.cat([q[:, :3], q[:, :3] + 0.1], 1).requires_grad_(True)
    loss = chamfer_distance(p2, q, mode)
    loss.backward()
    assert torch.isfinite(p2.grad).all()
    assert p2.grad[:, 3:].abs().sum() > 0


@pytest.mark.parametrize('mode', ['l1', 'l2'])
def test_chamfer_gradcheck(mode):
    gen = torch.Generator().manual_seed(3)
    p = torch.randn(2, 5, 3, generator=gen, dtype=torch.float64)
    q = torch.randn(2, 4, 3, generator=gen, dtype=torch.float64)
    p.requires_grad_(True)
    q.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda a, b: chamfer_distance(a, b, mode),
                                    (p, q))


def test_chamfer_errors():
    with pytest.raises(ValueError):
        chamfer_distance(torch.rand(2, 4, 3), torch.rand(3, 4, 3))
    with pytest.raises(ValueError):
        chamfer_distance(torch.rand(4, 3), torch.rand(4, 3))
    with pytest.raises(ValueError):
        chamfer_distance(torch.rand(1, 4, 3), torch.rand(1, 4, 3), 'l3')
