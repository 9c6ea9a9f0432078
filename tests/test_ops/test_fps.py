"""farthest_point_sample (both backends) against a greedy numpy reference.
"""
import functools

import numpy as np
import pytest
import torch

from recon3d.ops import cpu_kernels, farthest_point_sample


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


@pytest.fixture(params=['torch', 'native'])
def fps(request):
    """farthest_point_sample with one backend."""
    return functools.partial(farthest_point_sample, backend=request.param)


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_fps_matches_reference(fps, dtype):
    gen = torch.Generator().manual_seed(0)
    xyz = torch.randn(3, 50, 3, generator=gen, dtype=dtype)
    idx = fps(xyz, 12)
    assert idx.shape == (3, 12) and idx.dtype == torch.long
    for b in range(3):
        assert idx[b].tolist() == fps_reference(xyz[b].numpy(), 12)
        assert idx[b, 0] == 0


def test_fps_ties_take_lowest_index(fps):
    # Integer grid: many exactly equal distances.
    g = torch.arange(3, dtype=torch.float64)
    xyz = torch.cartesian_prod(g, g, g)[None]  # [1, 27, 3], point 0 = corner
    idx = fps(xyz, 10)
    assert idx[0].tolist() == fps_reference(xyz[0].numpy(), 10)
    # The far corner (2, 2, 2) is the unique farthest point from (0, 0, 0).
    assert idx[0, 1] == 26


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_fps_ties_across_blocks(fps, dtype):
    # More points than one block of the native kernel, exact ties
    # everywhere, in an order unrelated to the kernel's spatial order.
    g = torch.arange(7, dtype=dtype)
    grid = torch.cartesian_prod(g, g, g)  # 343 points
    perm = torch.randperm(343, generator=torch.Generator().manual_seed(6))
    xyz = grid[perm][None]
    assert xyz.size(1) > 2 * cpu_kernels.BLOCK
    idx = fps(xyz, 40)
    assert idx[0].tolist() == fps_reference(xyz[0].numpy(), 40)


def test_fps_duplicated_points(fps):
    gen = torch.Generator().manual_seed(1)
    base = torch.randn(10, 3, generator=gen)
    xyz = torch.cat([base, base, base[:3]])[None]  # 23 points, 10 distinct
    idx = fps(xyz, 10)
    assert idx[0].tolist() == fps_reference(xyz[0].numpy(), 10)
    # 10 distinct locations, 10 picks: each location exactly once.
    picked = {tuple(p) for p in xyz[0, idx[0]].tolist()}
    assert len(picked) == 10
    # Beyond the distinct points every distance is 0: the rule picks 0.
    idx = fps(xyz, 14)
    assert idx[0].tolist() == fps_reference(xyz[0].numpy(), 14)
    assert idx[0, 10:].tolist() == [0] * 4


def test_fps_duplicates_across_blocks(fps):
    gen = torch.Generator().manual_seed(7)
    base = torch.randn(60, 3, generator=gen)
    xyz = torch.cat([base] * 4)[None]  # 240 points, 60 distinct
    idx = fps(xyz, 70)
    assert idx[0].tolist() == fps_reference(xyz[0].numpy(), 70)
    assert idx[0, :60].max() < 60 and idx[0, 60:].tolist() == [0] * 10


def test_fps_all_points_is_permutation(fps):
    gen = torch.Generator().manual_seed(2)
    xyz = torch.rand(2, 20, 3, generator=gen)
    idx = fps(xyz, 20)
    for b in range(2):
        assert sorted(idx[b].tolist()) == list(range(20))
        assert idx[b].tolist() == fps_reference(xyz[b].numpy(), 20)


def test_fps_random_start(fps):
    gen = torch.Generator().manual_seed(3)
    xyz = torch.randn(6, 30, 3, generator=gen, dtype=torch.float64)
    torch.manual_seed(0)
    idx = fps(xyz, 8, random_start=True)
    starts = idx[:, 0].tolist()
    assert any(s != 0 for s in starts)
    for b in range(6):
        assert idx[b].tolist() == fps_reference(xyz[b].numpy(), 8, starts[b])


def test_fps_batch_independence(fps):
    gen = torch.Generator().manual_seed(4)
    xyz = torch.randn(4, 40, 3, generator=gen)
    xyz[2] = xyz[2] * 1e3  # very different scales must not interact
    idx = fps(xyz, 9)
    for b in range(4):
        alone = fps(xyz[b:b + 1], 9)
        assert torch.equal(idx[b:b + 1], alone)


def test_fps_depends_only_on_order(fps):
    gen = torch.Generator().manual_seed(5)
    xyz = torch.randn(1, 25, 3, generator=gen)
    perm = torch.randperm(25, generator=gen)
    a = fps(xyz, 6)
    b = fps(xyz[:, perm], 6)
    # Same cloud in another order: start at the new point 0.
    assert b[0].tolist() == fps_reference(xyz[0, perm].numpy(), 6)
    assert a[0, 0] == b[0, 0] == 0


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_fps_backends_agree(dtype):
    """Larger clouds (surface + noise, a flat patch, a line) and a
    non-contiguous view: the native kernel's picks are the torch loop's."""
    gen = torch.Generator().manual_seed(8)
    sphere = torch.randn(2, 700, 3, generator=gen, dtype=dtype)
    sphere = sphere / sphere.norm(dim=-1, keepdim=True)
    flat = sphere.clone()
    flat[..., 2] = 0
    line = torch.zeros_like(sphere)
    line[..., 0] = torch.rand(2, 700, generator=gen, dtype=dtype)
    xyz = torch.cat([sphere, flat, line])
    wide = torch.cat([xyz, torch.zeros_like(xyz)], -1)[..., :3]  # a view
    torch.manual_seed(1)
    native = farthest_point_sample(wide, 200, True, backend='native')
    torch.manual_seed(1)
    loop = farthest_point_sample(wide, 200, True, backend='torch')
    assert torch.equal(native, loop)


def test_fps_auto_backend():
    gen = torch.Generator().manual_seed(9)
    xyz = torch.randn(2, 90, 3, generator=gen)
    ref = farthest_point_sample(xyz, 30, backend='torch')
    assert torch.equal(farthest_point_sample(xyz, 30), ref)
    half = farthest_point_sample(xyz.bfloat16(), 30)  # torch loop
    assert half.shape == (2, 30)
    with pytest.raises(ValueError, match='float32/float64 CPU'):
        farthest_point_sample(xyz.bfloat16(), 3, backend='native')
    with pytest.raises(ValueError, match='backend'):
        farthest_point_sample(xyz, 3, backend='cuda')


def test_fps_native_rejects_non_finite():
    xyz = torch.rand(1, 10, 3)
    xyz[0, 4, 1] = float('nan')
    with pytest.raises(ValueError, match='NaN or infinite'):
        farthest_point_sample(xyz, 3)


@pytest.mark.parametrize('num', [0, -1, 11])
def test_fps_bad_num(num):
    with pytest.raises(ValueError):
        farthest_point_sample(torch.rand(2, 10, 3), num)


@pytest.mark.parametrize('shape', [(10, 3), (2, 10, 2), (2, 10, 6)])
def test_fps_bad_shape(shape):
    with pytest.raises(ValueError):
        farthest_point_sample(torch.rand(*shape), 2)
