"""ReconstructionHead, DistillHead, ContrastiveHead."""
import math

import pytest
import torch
import torch.nn.functional as F

from recon3d.ops import chamfer_distance
from recon3d.registry import HEADS


def smc_reference(sim, texts):
    """Official SMC loss, row by row (see test_losses.py)."""
    B = len(texts)
    total = 0.
    for i in range(B):
        pos = [sim[i, j].item() for j in range(B) if texts[j] == texts[i]]
        neg = [sim[i, j].item() for j in range(B) if texts[j] != texts[i]]
        logits = [sum(pos) / len(pos) / .1] + [s / .1 for s in neg]
        m = max(logits)
        total += m + math.log(sum(math.exp(x - m) for x in logits)) - \
            logits[0]
    return total / B


# ------------------------------------------------------ reconstruction
def test_reconstruction_head_shapes_and_official_layout():
    head = HEADS.build(
        dict(type='ReconstructionHead', in_channels=32, group_size=8))
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 5, 32, generator=gen)
    pred = head(x)
    assert pred.shape == (2, 5, 8, 3)
    # Official: increase_dim(x.transpose(1, 2)).transpose(1, 2)
    #           .reshape(B * M, -1, 3).
    conv = F.conv1d(
        x.transpose(1, 2), head.increase_dim.weight,
        head.increase_dim.bias).transpose(1, 2)
    torch.testing.assert_close(pred.reshape(10, 8, 3), conv.reshape(10, -1, 3))


@pytest.mark.parametrize('loss', ['ChamferDistanceL2', 'ChamferDistanceL1'])
def test_reconstruction_head_loss_is_chamfer_on_flat_groups(loss):
    head = HEADS.build(
        dict(
            type='ReconstructionHead',
            in_channels=32,
            group_size=8,
            loss=dict(type=loss)))
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(2, 5, 32, generator=gen, requires_grad=True)
    target = torch.randn(2, 5, 8, 3, generator=gen)
    out = head.loss(x, target)
    assert set(out) == {'loss_mdm'}
    mode = 'l2' if loss.endswith('L2') else 'l1'
    expected = chamfer_distance(
        head(x).reshape(10, 8, 3), target.reshape(10, 8, 3), mode)
    torch.testing.assert_close(out['loss_mdm'], expected)
    out['loss_mdm'].backward()
    assert head.increase_dim.weight.grad.abs().sum() > 0
    assert torch.isfinite(x.grad).all()


def test_reconstruction_head_groups_are_not_mixed():
    # A perfect prediction of each group is a zero loss; swapping two
    # groups' targets is not (the chamfer is per group, not per sample).
    head = HEADS.build(
        dict(type='ReconstructionHead', in_channels=4, group_size=2))
    with torch.no_grad():
        head.increase_dim.weight.zero_()
        head.increase_dim.bias.copy_(torch.arange(6.))
    x = torch.zeros(1, 2, 4)
    target = torch.arange(6.).reshape(1, 1, 2, 3).expand(1, 2, 2, 3)
    assert head.loss(x, target)['loss_mdm'].item() == 0
    shifted = target.clone()
    shifted[0, 1] += 10
    assert head.loss(x, shifted)['loss_mdm'].item() > 0


# ------------------------------------------------------ distillation
def test_distill_head_equals_smooth_l1_of_projection():
    head = HEADS.build(
        dict(
            type='DistillHead',
            in_channels=32,
            out_channels=24,
            modality='img'))
    head.init_weights()
    gen = torch.Generator().manual_seed(2)
    token = torch.randn(4, 32, generator=gen)
    target = torch.randn(4, 24, generator=gen)
    out = head.loss(token, target)
    assert set(out) == {'loss_csc_img'}
    torch.testing.assert_close(
        out['loss_csc_img'],
        F.smooth_l1_loss(token @ head.proj.weight.t() + head.proj.bias,
                         target))
    # Mixed dtypes are compared in the wider one.
    out64 = head.loss(token, target.double())['loss_csc_img']
    assert out64.item() == pytest.approx(out['loss_csc_img'].item(), rel=1e-6)


def test_distill_head_text_key_and_init():
    head = HEADS.build(
        dict(
            type='DistillHead',
            in_channels=64,
            out_channels=512,
            modality='text'))
    head.init_weights()
    out = head.loss(torch.randn(3, 64), torch.randn(3, 512))
    assert set(out) == {'loss_csc_text'}
    # Official init: Normal(mean .02, std .01), bias 0.
    w = head.proj.weight
    assert abs(w.mean().item() - .02) < .002
    assert abs(w.std().item() - .01) < .002
    assert torch.equal(head.proj.bias, torch.zeros(512))


def test_distill_head_wrong_teacher_width():
    head = HEADS.build(
        dict(
            type='DistillHead',
            in_channels=32,
            out_channels=24,
            modality='img'))
    with pytest.raises(ValueError, match='24'):
        head.loss(torch.randn(2, 32), torch.randn(2, 25))


# ------------------------------------------------------ SMC
@pytest.mark.parametrize(
    'texts',
    [
        ['chair', 'table', 'chair', 'lamp'],
        ['chair'] * 4,  # no negatives anywhere: loss 0
    ])
def test_contrastive_head_matches_row_loop(texts):
    torch.manual_seed(0)
    head = HEADS.build(dict(type='ContrastiveHead', in_channels=32))
    head.init_weights()
    gen = torch.Generator().manual_seed(3)
    token = torch.randn(4, 32, generator=gen, requires_grad=True)
    out = head.loss(token, texts)
    assert set(out) == {'loss_smc'}
    # Train mode: BN uses batch statistics, so a second forward gives the
    # same embeddings.
    z = head(token)
    assert z.shape == (4, 128)
    torch.testing.assert_close(z.norm(dim=1), torch.ones(4))
    sim = z @ z.t()
    assert out['loss_smc'].item() == pytest.approx(
        smc_reference(sim, texts), rel=1e-5, abs=1e-6)
    if len(set(texts)) == 1:
        assert out['loss_smc'].item() == 0
    out['loss_smc'].backward()
    assert torch.isfinite(token.grad).all()


def test_contrastive_head_train_mode():
    torch.manual_seed(0)
    head = HEADS.build(
        dict(type='ContrastiveHead', in_channels=32, hidden_channels=16))
    head.init_weights()
    token = torch.randn(6, 32, requires_grad=True)
    out = head.loss(token, ['a', 'b', 'a', 'c', 'b', 'a'])['loss_smc']
    assert torch.isfinite(out) and out.item() > 0
    out.backward()
    assert head.proj[0].weight.grad.abs().sum() > 0
