"""index_points against loops."""
import torch

from recon3d.ops import index_points


def test_index_points_2d_idx():
    gen = torch.Generator().manual_seed(0)
    points = torch.randn(3, 10, 5, generator=gen)
    idx = torch.randint(10, (3, 4), generator=gen)
    out = index_points(points, idx)
    assert out.shape == (3, 4, 5)
    for b in range(3):
        for s in range(4):
            assert torch.equal(out[b, s], points[b, idx[b, s]])


def test_index_points_3d_idx_with_repeats():
    gen = torch.Generator().manual_seed(1)
    points = torch.randn(2, 6, 3, generator=gen, dtype=torch.float64)
    idx = torch.randint(6, (2, 4, 7), generator=gen)  # K=7 > N: repeats
    out = index_points(points, idx)
    assert out.shape == (2, 4, 7, 3) and out.dtype == torch.float64
    for b in range(2):
        for g in range(4):
            for k in range(7):
                assert torch.equal(out[b, g, k], points[b, idx[b, g, k]])


def test_index_points_gradient_accumulates():
    points = torch.zeros(1, 4, 2, requires_grad=True)
    idx = torch.tensor([[1, 1, 3]])
    index_points(points, idx).sum().backward()
    assert points.grad[0, :, 0].tolist() == [0., 2., 0., 1.]
