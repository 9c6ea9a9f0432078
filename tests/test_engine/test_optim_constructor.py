"""TeacherAwareOptimWrapperConstructor: teachers left out, lr per prefix."""
import pytest
import torch.nn as nn

from recon3d.engine import TeacherAwareOptimWrapperConstructor
from recon3d.models.teachers import OpenCLIPTextTeacher


class _Toy(nn.Module):

    def __init__(self):
        super().__init__()
        self.backbone = nn.Linear(4, 4)
        self.neck = nn.Sequential(nn.Linear(4, 4), nn.LayerNorm(4))
        self.text_teacher = OpenCLIPTextTeacher(
            model_name='recon3d-tiny-clip', pretrained=None)


def _groups(paramwise_cfg):
    model = _Toy()
    names = {id(p): n for n, p in model.named_parameters()}
    constructor = TeacherAwareOptimWrapperConstructor(
        dict(optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05)),
        paramwise_cfg)
    optimizer = constructor(model).optimizer
    return {
        names[id(g['params'][0])]: (g['lr'], g['weight_decay'])
        for g in optimizer.param_groups
    }


def test_teachers_are_left_out():
    groups = _groups(dict(norm_decay_mult=0.))
    assert groups and not [n for n in groups if 'teacher' in n]


def test_prefix_lr_mult_keeps_the_decay_rules():
    groups = _groups(
        dict(
            norm_decay_mult=0.,
            bias_decay_mult=0.,
            prefix_lr_mult={'neck.': 4.}))
    assert groups['backbone.weight'] == pytest.approx((1e-3, 0.05))
    assert groups['backbone.bias'] == pytest.approx((1e-3, 0.))
    assert groups['neck.0.weight'] == pytest.approx((4e-3, 0.05))
    assert groups['neck.0.bias'] == pytest.approx((4e-3, 0.))
    assert groups['neck.1.weight'] == pytest.approx((4e-3, 0.))


def test_prefix_lr_mult_alone_and_with_custom_keys():
    groups = _groups(dict(prefix_lr_mult={'neck.': 2.}))
    assert groups['neck.1.bias'] == pytest.approx((2e-3, 0.05))
    assert groups['backbone.bias'] == pytest.approx((1e-3, 0.05))
    # Multiplies the lr a custom key already set.
    groups = _groups(
        dict(
            custom_keys={'neck.0': dict(lr_mult=10.)},
            prefix_lr_mult={'neck.': 2.}))
    assert groups['neck.0.weight'][0] == pytest.approx(2e-2)
    assert groups['neck.1.weight'][0] == pytest.approx(2e-3)


def test_prefix_lr_mult_unknown_prefix_is_an_error():
    with pytest.raises(ValueError, match=r"\['nek\.'\].*neck"):
        _groups(dict(prefix_lr_mult={'nek.': 4.}))
