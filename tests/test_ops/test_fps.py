"""farthest_point_sample against a greedy numpy reference."""
import numpy as np
import pytest
import torch

from recon3d.ops import farthest_point_sample


def fps_reference(xyz: np.ndarray, num: int, start: int = 0) -> list:
    """Greedy FPS on one [N, 3] cloud, in the cloud's own dtype.

    The first pick is ``start``; each next pick is the point whose squared
    distance to the picked set is largest, the lowest index on ties.
    """
    n = len(xyz)
    min_dist = [float('inf')] * n
    picked = [start]
    last = start
    for _ in range(num - 1):
        for j in range(n):
            d = xyz.dtype.type(0)
            for c in range(3):
                d = d + (xyz[j, c] - xyz[last, c])**2
            min_dist[j] = min(min_dist[j], d)
        best, last = -1.0, 0
        for j in range(n):
            if min_dist[j] > best:  # strict: the lowest index wins ties
                best, last = min_dist[j], j
        picked.append(last)
    return picked


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_fps_matches_reference(dtype):
    gen = torch.Generator().manual_seed(0)
    xyz = torch.randn(3, 50, 3, generator=gen, dtype=dtype)
    idx = farthest_point_sample(xyz, 12)
    assert idx.shape == (3, 12) and idx.dtype == torch.long
    for b in range(3):
        assert idx[b].tolist() == fps_reference(xyz[b].numpy(), 12)
        assert idx[b, 0] == 0


def test_fps_ties_take_lowest_index():
    # Integer grid: many exactly equal distances.
    g = torch.arange(3, dtype=torch.float64)
    xyz = torch.cartesian_prod(g, g, g)[None]  # [1, 27, 3], point 0 = corner
    idx = farthest_point_sample(xyz, 10)
    assert idx[0].tolist() == fps_reference(xyz[0].numpy(), 10)
    # The far corner (2, 2, 2) is the unique farthest point from (0, 0, 0).
    assert idx[0, 1] == 26


def test_fps_duplicated_points():
    gen = torch.Generator().manual_seed(1)
    base = torch.randn(10, 3, generator=gen)
    xyz = torch.cat([base, base, base[:3]])[None]  # 23 points, 10 distinct
    idx = farthest_point_sample(xyz, 10)
    assert idx[0].tolist() == fps_reference(xyz[0].numpy(), 10)
    # 10 distinct locations, 10 picks: each location exactly once.
    picked = {tuple(p) for p in xyz[0, idx[0]].tolist()}
    assert len(picked) == 10
    # Beyond the distinct points every distance is 0: the rule picks 0.
    idx = farthest_point_sample(xyz, 14)
    assert idx[0].tolist() == fps_reference(xyz[0].numpy(), 14)
    assert idx[0, 10:].tolist() == [0] * 4


def test_fps_all_points_is_permutation():
    gen = torch.Generator().manual_seed(2)
    xyz = torch.rand(2, 20, 3, generator=gen)
    idx = farthest_point_sample(xyz, 20)
    for b in range(2):
        assert sorted(idx[b].tolist()) == list(range(20))
        assert idx[b].tolist() == fps_reference(xyz[b].numpy(), 20)


def test_fps_random_start():
    gen = torch.Generator().manual_seed(3)
    xyz = torch.randn(6, 30, 3, generator=gen, dtype=torch.float64)
    torch.manual_seed(0)
    idx = farthest_point_sample(xyz, 8, random_start=True)
    starts = idx[:, 0].tolist()
    assert any(s != 0 for s in starts)
    for b in range(6):
        assert idx[b].tolist() == fps_reference(xyz[b].numpy(), 8, starts[b])


def test_fps_batch_independence():
    gen = torch.Generator().manual_seed(4)
    xyz = torch.randn(4, 40, 3, generator=gen)
    xyz[2] = xyz[2] * 1e3  # very different scales must not interact
    idx = farthest_point_sample(xyz, 9)
    for b in range(4):
        alone = farthest_point_sample(xyz[b:b + 1], 9)
        assert torch.equal(idx[b:b + 1], alone)


def test_fps_depends_only_on_order():
    gen = torch.Generator().manual_seed(5)
    xyz = torch.randn(1, 25, 3, generator=gen)
    perm = torch.randperm(25, generator=gen)
    a = farthest_point_sample(xyz, 6)
    b = farthest_point_sample(xyz[:, perm], 6)
    # Same cloud in another order: start at the new point 0.
    assert b[0].tolist() == fps_reference(xyz[0, perm].numpy(), 6)
    assert a[0, 0] == b[0, 0] == 0


@pytest.mark.parametrize('num', [0, -1, 11])
def test_fps_bad_num(num):
    with pytest.raises(ValueError):
        farthest_point_sample(torch.rand(2, 10, 3), num)


@pytest.mark.parametrize('shape', [(10, 3), (2, 10, 2), (2, 10, 6)])
def test_fps_bad_shape(shape):
    with pytest.raises(ValueError):
        farthest_point_sample(torch.rand(*shape), 2)
