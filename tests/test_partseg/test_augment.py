"""The part-segmentation augmentation: one scale per cloud, shift per
axis, on the batch."""
import torch

from recon3d.registry import BATCH_AUGMENTS


def test_isotropic_scale_and_shift():
    aug = BATCH_AUGMENTS.build(
        dict(type='BatchScaleTranslate', scale=(0.8, 1.25),
             shift=(-0.1, 0.1), isotropic=True))
    torch.manual_seed(0)
    points = torch.randn(64, 50, 3)
    out = aug(points)
    # xyz = s·p + t: two points of a cloud give s (the same on every axis)
    a, b = points[:, 0] - points[:, 1], out[:, 0] - out[:, 1]
    scale = b / a
    assert torch.allclose(scale, scale[:, :1].expand(-1, 3), atol=1e-4)
    assert scale.min() >= 0.8 - 1e-4 and scale.max() <= 1.25 + 1e-4
    shift = out[:, 0] - scale * points[:, 0]
    assert shift.abs().max() <= 0.1 + 1e-4
    assert shift.std(0).min() > 0.02  # a shift per cloud and axis
