"""Point-batch augments: distributions, shapes, normals, registry."""
import math

import pytest
import torch

from recon3d.models.data_preprocessors import (BatchJitter, BatchRotateY,
                                               BatchScale,
                                               BatchScaleTranslate,
                                               apply_batch_augments,
                                               build_batch_augments)
from recon3d.registry import BATCH_AUGMENTS

NAMES = ('BatchScaleTranslate', 'BatchScale', 'BatchRotateY', 'BatchJitter')


def _two_points(B, C=6):
    """Per cloud: points (0, 0, 0) and (1, 1, 1), normals all 1."""
    base = torch.zeros(B, 2, C)
    base[:, 1, :3] = 1
    base[:, :, 3:] = 1
    return base


def _scale_shift(out):
    """Per cloud and axis: the factor and shift that map the two points."""
    return out[:, 1, :3] - out[:, 0, :3], out[:, 0, :3]


@pytest.mark.parametrize('name', NAMES)
def test_registered_shape_dtype_and_input_kept(name):
    augment = BATCH_AUGMENTS.build(dict(type=name))
    for dtype in (torch.float32, torch.float64):
        points = torch.randn(3, 10, 7, dtype=dtype)
        before = points.clone()
        out = augment(points)
        assert out.shape == points.shape and out.dtype == dtype
        assert torch.equal(points, before)
        # Columns after the normals are never touched.
        assert torch.equal(out[..., 6:], points[..., 6:])
        assert not torch.allclose(out[..., :3], points[..., :3])
    assert name in repr(augment)
    with pytest.raises(ValueError, match=r'\[B, N, C\]'):
        augment(torch.randn(10, 3))


def test_scale_translate_distribution():
    torch.manual_seed(0)
    out = BatchScaleTranslate()(_two_points(2000))
    scale, shift = _scale_shift(out)
    assert scale.min() >= 2 / 3 - 1e-6 and scale.max() <= 1.5 + 1e-6
    assert shift.min() >= -0.2 - 1e-6 and shift.max() <= 0.2 + 1e-6
    # Uniform, per axis and per cloud, filling the range.
    assert abs(scale.mean() - (2 / 3 + 1.5) / 2) < 0.02
    assert abs(scale.var() - (1.5 - 2 / 3)**2 / 12) < 0.005
    assert shift.mean(0).abs().max() < 0.02
    assert scale.min() < 0.68 and scale.max() > 1.48
    assert abs(torch.corrcoef(scale[:, :2].T)[0, 1]) < 0.1
    assert abs(torch.corrcoef(torch.stack([scale[:, 0], shift[:, 0]]))
               [0, 1]) < 0.1
    # Normals are left as they are, as officially.
    assert torch.equal(out[..., 3:], torch.ones(2000, 2, 3))


def test_scale_distribution():
    torch.manual_seed(0)
    out = BatchScale((0.5, 2.0))(_two_points(2000))
    scale, shift = _scale_shift(out)
    assert torch.equal(shift, torch.zeros_like(shift))
    assert scale.min() >= 0.5 and scale.max() <= 2.0 + 1e-6
    assert abs(scale.mean() - 1.25) < 0.03
    assert (scale[:, 0] - scale[:, 1]).abs().max() > 1.0
    assert torch.equal(out[..., 3:], torch.ones(2000, 2, 3))
    with pytest.raises(ValueError, match='low <= high'):
        BatchScale((2.0, 0.5))


def test_rotate_y_quarter_turn_rotates_normals():
    # θ = 90°: R = [[0, 0, 1], [0, 1, 0], [-1, 0, 0]], p R = (-z, y, x).
    points = torch.tensor([[[1., 2., 3., 0.6, 0., 0.8, 5.]]])
    half_pi = math.pi / 2
    out = BatchRotateY(angle_range=(half_pi, half_pi))(points)
    torch.testing.assert_close(
        out, torch.tensor([[[-3., 2., 1., -0.8, 0., 0.6, 5.]]]),
        atol=1e-6, rtol=0)


def test_rotate_y_distribution():
    torch.manual_seed(0)
    points = torch.randn(2000, 16, 6)
    out = BatchRotateY()(points)
    torch.testing.assert_close(out[..., :3].norm(dim=-1),
                               points[..., :3].norm(dim=-1))
    torch.testing.assert_close(out[..., 3:].norm(dim=-1),
                               points[..., 3:].norm(dim=-1))
    assert torch.equal(out[..., 1], points[..., 1])
    assert torch.equal(out[..., 4], points[..., 4])
    # One angle per cloud, shared by its points and normals, U[0, 2π).
    x = torch.tensor([1., 0., 0.]).expand(2000, 1, 3)
    torch.manual_seed(1)
    unit = BatchRotateY()(x.contiguous())[:, 0]
    angle = torch.atan2(unit[:, 2], unit[:, 0]) % (2 * math.pi)
    assert abs(angle.mean() - math.pi) < 0.1
    assert angle.min() < 0.05 and angle.max() > 2 * math.pi - 0.05
    torch.manual_seed(1)
    again = BatchRotateY()(torch.cat([x, x], 1).contiguous())
    torch.testing.assert_close(again[:, 1], unit)


def test_jitter_is_clipped_gaussian_per_point():
    torch.manual_seed(0)
    points = torch.zeros(50, 400, 6)
    out = BatchJitter(std=0.02, clip=0.03)(points)
    noise = out[..., :3]
    assert noise.abs().max() <= 0.03 + 1e-7
    # About 13 % of N(0, 0.02²) lies beyond 0.03 and is clipped there.
    clipped = (noise.abs() > 0.03 - 1e-7).float().mean()
    assert abs(clipped - 0.1336) < 0.01
    assert abs(noise.mean()) < 1e-3
    assert torch.equal(out[..., 3:], points[..., 3:])
    assert abs(torch.corrcoef(noise[:, :2, 0].T)[0, 1]) < 0.2
    with pytest.raises(ValueError, match='>= 0'):
        BatchJitter(std=-1)


def test_build_and_apply_in_order():
    augments = build_batch_augments(
        [dict(type='BatchScale', scale=(2, 2)),
         dict(type='BatchScaleTranslate', scale=(1, 1), shift=(1, 1))])
    assert [type(a) for a in augments] == [BatchScale, BatchScaleTranslate]
    out = apply_batch_augments(augments, torch.ones(2, 3, 3))
    assert torch.equal(out, torch.full((2, 3, 3), 3.))
    assert build_batch_augments(None) == []
    with pytest.raises(TypeError, match='list of configs'):
        build_batch_augments(dict(type='BatchScale'))
