"""knn (both backends) and square_distance against brute force."""
import functools
import itertools

import pytest
import torch

from recon3d.ops import knn, square_distance


def brute_sq_dist(a: torch.Tensor, b: torch.Tensor) -> list:
    """[B][M][N] nested lists of squared distances, in float64 Python."""
    out = []
    for ab, bb in zip(a.tolist(), b.tolist()):
        out.append([[sum((x - y)**2 for x, y in zip(p, q)) for q in bb]
                    for p in ab])
    return out


def check_knn(query, ref, k, dist, idx, exact_values=False):
    """dist ascending and equal to the k smallest brute-force distances;
    idx distinct, valid and giving exactly those distances."""
    B, M = query.shape[:2]
    N = ref.size(1)
    brute = brute_sq_dist(query, ref)
    assert dist.shape == idx.shape == (B, M, k)
    assert idx.dtype == torch.long
    for b, m in itertools.product(range(B), range(M)):
        row = dist[b, m].tolist()
        assert row == sorted(row)
        expected = sorted(brute[b][m])[:k]
        got_idx = idx[b, m].tolist()
        assert len(set(got_idx)) == k
        assert all(0 <= i < N for i in got_idx)
        at_idx = [brute[b][m][i] for i in got_idx]
        if exact_values:
            assert row == expected
            assert at_idx == row
        else:
            assert row == pytest.approx(expected, rel=1e-6, abs=1e-7)
            assert at_idx == pytest.approx(row, rel=1e-6, abs=1e-7)


@pytest.fixture(params=['torch', 'native'])
def knn_(request):
    """knn with one backend."""
    return functools.partial(knn, backend=request.param)


def test_square_distance_matches_brute_force():
    gen = torch.Generator().manual_seed(0)
    a = torch.randn(2, 5, 3, generator=gen, dtype=torch.float64)
    b = torch.randn(2, 7, 3, generator=gen, dtype=torch.float64)
    d = square_distance(a, b)
    assert d.shape == (2, 5, 7)
    brute = brute_sq_dist(a, b)
    for bi in range(2):
        for i in range(5):
            assert d[bi, i].tolist() == pytest.approx(brute[bi][i], rel=1e-12)
    # Exact formula: a point is at distance exactly 0 from itself, even far
    # from the origin (the |a|²+|b|²-2ab shortcut is not).
    far = torch.randn(1, 6, 3, generator=gen) * 1e4
    assert torch.equal(
        square_distance(far, far).diagonal(dim1=1, dim2=2), torch.zeros(1, 6))


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_knn_random(knn_, dtype):
    gen = torch.Generator().manual_seed(1)
    query = torch.randn(2, 9, 3, generator=gen, dtype=dtype)
    ref = torch.randn(2, 30, 3, generator=gen, dtype=dtype)
    dist, idx = knn_(query, ref, 5)
    assert dist.dtype == dtype
    check_knn(query, ref, 5, dist, idx)


def test_knn_ties_on_grid_and_duplicates(knn_):
    g = torch.arange(3, dtype=torch.float32)
    grid = torch.cartesian_prod(g, g, g)  # 27 integer points
    ref = torch.cat([grid, grid[:5]])[None]  # duplicates of 5 points
    query = torch.tensor([[[1., 1., 1.], [0., 0., 0.], [2., 1., 0.],
                           [.5, .5, .5]]])
    for k in (1, 7, 9, 32):
        dist, idx = knn_(query, ref, k)
        # Integer (or quarter-integer) distances are exact: compare the
        # multiset of distances exactly, not specific indices.
        check_knn(query, ref, k, dist, idx, exact_values=True)


def test_knn_query_in_ref_finds_itself(knn_):
    gen = torch.Generator().manual_seed(2)
    ref = torch.randn(2, 20, 3, generator=gen)
    query = ref[:, [3, 11, 0]]
    dist, idx = knn_(query, ref, 4)
    assert torch.equal(idx[..., 0], torch.tensor([[3, 11, 0]] * 2))
    assert torch.equal(dist[..., 0], torch.zeros(2, 3))


@pytest.mark.parametrize('chunk_elements', [1, 2 * 40 * 3 * 2, 10**9])
def test_knn_chunked_equals_unchunked(chunk_elements):
    gen = torch.Generator().manual_seed(3)
    query = torch.randn(2, 7, 3, generator=gen)  # 7 queries: uneven chunks
    ref = torch.randn(2, 40, 3, generator=gen)
    full_d, full_i = knn(query, ref, 6, chunk_elements=None)
    d, i = knn(query, ref, 6, chunk_elements=chunk_elements)
    assert torch.equal(d, full_d)
    assert torch.equal(i, full_i)


def test_knn_chunked_with_ties():
    g = torch.arange(3, dtype=torch.float64)
    ref = torch.cartesian_prod(g, g, g)[None]
    query = ref[:, :5] + 0.5
    full_d, _ = knn(query, ref, 8, chunk_elements=None)
    d, i = knn(query, ref, 8, chunk_elements=1)
    assert torch.equal(d, full_d)
    check_knn(query, ref, 8, d, i, exact_values=True)


def test_knn_k_equals_n(knn_):
    gen = torch.Generator().manual_seed(4)
    query = torch.randn(2, 4, 3, generator=gen, dtype=torch.float64)
    ref = torch.randn(2, 11, 3, generator=gen, dtype=torch.float64)
    dist, idx = knn_(query, ref, 11)
    check_knn(query, ref, 11, dist, idx)
    for row in idx.reshape(-1, 11).tolist():
        assert sorted(row) == list(range(11))


@pytest.mark.parametrize('k', [0, 12])
def test_knn_bad_k(k):
    with pytest.raises(ValueError):
        knn(torch.rand(1, 3, 3), torch.rand(1, 11, 3), k)


def test_knn_bad_shapes():
    with pytest.raises(ValueError):
        knn(torch.rand(2, 3, 3), torch.rand(1, 11, 3), 2)
    with pytest.raises(ValueError):
        knn(torch.rand(3, 3), torch.rand(11, 3), 2)


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_knn_native_ties_take_lowest_index(dtype):
    g = torch.arange(3, dtype=dtype)
    grid = torch.cartesian_prod(g, g, g)
    ref = torch.cat([grid, grid[:5]])[None]  # duplicates of 5 points
    query = torch.tensor([[[1., 1., 1.], [0., 0., 0.], [.5, .5, .5]]],
                         dtype=dtype)
    for k in (1, 7, 9, 32):
        dist, idx = knn(query, ref, k, backend='native')
        brute = brute_sq_dist(query, ref)[0]
        for m in range(3):
            # ascending (distance, index): ties by ascending index
            order = sorted(range(32), key=lambda j: (brute[m][j], j))[:k]
            assert idx[0, m].tolist() == order


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_knn_backends_agree(dtype):
    gen = torch.Generator().manual_seed(5)
    ref = torch.randn(3, 500, 3, generator=gen, dtype=dtype)
    query = ref[:, :40] + 0.01
    n_dist, n_idx = knn(query, ref, 16, backend='native')
    t_dist, t_idx = knn(query, ref, 16, backend='torch')
    assert n_dist.dtype == dtype and n_idx.dtype == torch.long
    assert torch.equal(n_dist, t_dist)
    assert torch.equal(n_idx, t_idx)  # no ties in random data


def test_knn_auto_backend_keeps_gradients():
    gen = torch.Generator().manual_seed(6)
    query = torch.randn(1, 4, 3, generator=gen, requires_grad=True)
    ref = torch.randn(1, 20, 3, generator=gen)
    dist, _ = knn(query, ref, 3)
    dist.sum().backward()
    assert query.grad is not None and query.grad.abs().sum() > 0
    with pytest.raises(ValueError, match='without gradient'):
        knn(query, ref, 3, backend='native')
    with pytest.raises(ValueError, match='backend'):
        knn(query.detach(), ref, 3, backend='gpu')


def test_knn_native_rejects_non_finite():
    ref = torch.rand(1, 10, 3)
    ref[0, 2, 0] = float('inf')
    with pytest.raises(ValueError, match='NaN or infinite'):
        knn(torch.rand(1, 2, 3), ref, 3)


def test_knn_native_degenerate_rows():
    # All points equal (every distance ties), and distances sorted both
    # ways along a line (worst orders for a selection).
    same = torch.ones(1, 40, 3)
    dist, idx = knn(same[:, :2], same, 5, backend='native')
    assert idx.tolist() == [[list(range(5))] * 2]
    assert torch.equal(dist, torch.zeros(1, 2, 5))
    line = torch.zeros(1, 300, 3, dtype=torch.float64)
    line[0, :, 0] = torch.arange(300, dtype=torch.float64)
    query = line[:, [0, 299, 150]]
    _, idx = knn(query, line, 4, backend='native')
    assert idx[0].tolist() == [[0, 1, 2, 3], [299, 298, 297, 296],
                               [150, 149, 151, 148]]
