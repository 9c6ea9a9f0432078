"""The student's lean forward (gathers instead of boolean indexing, last
patch-embedding layer for visible groups only) against a copy of the forward
it replaced, in float64 at the official base sizes."""
import copy

import pytest
import torch
import torch.nn.functional as F

from recon3d.models.backbones import PointTransformer
from recon3d.models.necks import PointMAEDecoder
from recon3d.models.utils import (gather_groups, group_points, mask_indices,
                                  random_mask)
from recon3d.models.utils.patch_embed import _bn, _pointwise


# ---- the replaced code, kept as the reference -------------------------
def old_patch_embed(embed, neighborhood):
    conv1, bn1, _, conv2 = embed.first_conv
    conv3, bn2, _, conv4 = embed.second_conv
    x = F.relu(_bn(bn1, _pointwise(conv1, neighborhood)))
    x = _pointwise(conv2, x)
    pooled = x.amax(dim=2, keepdim=True)
    w = conv3.weight.squeeze(-1)
    x = F.linear(x, w[:, 256:]) + F.linear(pooled, w[:, :256], conv3.bias)
    x = F.relu(_bn(bn2, x))
    return _pointwise(conv4, x).amax(dim=2)


def old_backbone(bb, points, mask):
    xyz = points[..., :3].contiguous()
    neighborhood, center = group_points(xyz, bb.num_group, bb.group_size)
    B = center.size(0)
    visible = ~mask
    vis_center = center[visible].reshape(B, -1, 3)
    if bb.embed_visible_only:
        tokens = old_patch_embed(
            bb.patch_embed,
            neighborhood[visible].reshape(B, -1, bb.group_size, 3))
    else:
        tokens = old_patch_embed(bb.patch_embed, neighborhood)
        tokens = tokens[visible].reshape(B, -1, bb.embed_dims)
    pos = bb.pos_embed(vis_center)
    block_inputs = []
    for block in bb.blocks:
        tokens, normed = block(tokens, pos)
        block_inputs.append(normed)
    return tokens, block_inputs, center, neighborhood


def old_decoder(dec, visible, center, mask):
    B, V, _ = visible.shape
    vis_pos = dec.pos_embed(center[~mask].reshape(B, V, 3))
    mask_pos = dec.pos_embed(center[mask].reshape(B, -1, 3))
    M = mask_pos.size(1)
    x = torch.cat([visible, dec.mask_token.expand(B, M, -1)], dim=1)
    pos = torch.cat([vis_pos, mask_pos], dim=1)
    for block in dec.blocks:
        x = block(x + pos)
    return dec.norm(x[:, V:])


# -----------------------------------------------------------------------
def test_mask_indices_equal_boolean_indexing():
    mask = random_mask(5, 16, 0.6, generator=torch.Generator().manual_seed(0))
    x = torch.randn(5, 16, 4, 3)
    vis, masked = mask_indices(mask, 16 - 9)
    assert torch.equal(gather_groups(x, vis), x[~mask].reshape(5, 7, 4, 3))
    assert torch.equal(gather_groups(x, masked), x[mask].reshape(5, 9, 4, 3))
    for row, v, m in zip(mask, vis, masked):  # ascending group order
        assert v.tolist() == (~row).nonzero().flatten().tolist()
        assert m.tolist() == row.nonzero().flatten().tolist()


@pytest.mark.parametrize('sizes', [
    dict(),  # official base: C=384, 12 blocks, 64 groups of 32
    dict(embed_dims=32, depth=1, num_heads=2, embed_visible_only=True)
])
def test_student_forward_equals_replaced_code(sizes):
    torch.manual_seed(0)
    bb = PointTransformer(**sizes).double()
    C = bb.embed_dims
    dec = PointMAEDecoder(embed_dims=C, depth=4 if C == 384 else 1,
                          num_heads=6 if C == 384 else 2).double()
    bb.init_weights()
    dec.init_weights()
    for m in list(bb.modules()) + list(dec.modules()):  # non-trivial BN
        if isinstance(m, torch.nn.BatchNorm1d):
            m.weight.data.uniform_(.5, 1.5)
            m.bias.data.normal_()
    bb.train()
    dec.train()
    bb_old, dec_old = copy.deepcopy(bb), copy.deepcopy(dec)
    points = torch.randn(2, 1024, 3, dtype=torch.float64)
    mask = random_mask(2, 64, 0.6, generator=torch.Generator().manual_seed(1))

    torch.manual_seed(2)  # the same drop-path draws
    out = bb(points, mask=mask)
    pred = dec(out.tokens, out.center, out.mask)
    torch.manual_seed(2)
    tokens, block_inputs, center, neighborhood = old_backbone(
        bb_old, points, mask)
    pred_old = old_decoder(dec_old, tokens, center, mask)

    assert out.tokens.shape == (2, 26, C) and pred.shape == (2, 38, C)
    torch.testing.assert_close(out.tokens, tokens, rtol=0, atol=1e-10)
    for new, old in zip(out.block_inputs, block_inputs):
        torch.testing.assert_close(new, old, rtol=0, atol=1e-10)
    torch.testing.assert_close(pred, pred_old, rtol=0, atol=1e-10)
    # BatchNorm running statistics: of all groups, as before.
    for new, old in zip(bb.patch_embed.modules(),
                        bb_old.patch_embed.modules()):
        if isinstance(new, torch.nn.BatchNorm1d):
            torch.testing.assert_close(new.running_mean, old.running_mean,
                                       rtol=0, atol=1e-12)
            torch.testing.assert_close(new.running_var, old.running_var,
                                       rtol=0, atol=1e-12)
    # The reconstruction target: the masked groups.
    _, masked = mask_indices(out.mask, 26)
    assert torch.equal(gather_groups(out.neighborhood, masked),
                       neighborhood[mask].reshape(2, 38, 32, 3))
    # Gradients reach the same parameters with the same values.
    (out.tokens.square().sum() + pred.sum()).backward()
    (tokens.square().sum() + pred_old.sum()).backward()
    for (name, p), q in zip(bb.named_parameters(), bb_old.parameters()):
        torch.testing.assert_close(p.grad, q.grad, rtol=0, atol=1e-10,
                                   msg=name)


def test_drawn_mask_path_uses_ratio():
    bb = PointTransformer(embed_dims=32, depth=1, num_heads=2, num_group=8,
                          group_size=8, mask_ratio=0.6)
    out = bb(torch.randn(3, 64, 3), mask=True)
    assert out.tokens.shape == (3, 8 - 4, 32)
    assert out.mask.sum(1).tolist() == [4, 4, 4]


def test_gram_and_first_layer_gradients():
    """The two hand-written backward passes of the patch embedding."""
    from recon3d.models.utils.patch_embed import _first_pointwise, _Gram
    h = torch.randn(50, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(_Gram.apply, (h, ))
    conv = torch.nn.Conv1d(3, 8, 1).double()
    x = torch.randn(2, 5, 7, 3, dtype=torch.float64)
    out = _first_pointwise(conv, x)
    ref = conv(x.reshape(-1, 3, 1)).reshape(2, 5, 7, 8)
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-12)
    g = torch.randn_like(out)
    grads = torch.autograd.grad(out, (conv.weight, conv.bias), g)
    refs = torch.autograd.grad(ref, (conv.weight, conv.bias), g)
    for a, b in zip(grads, refs):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)
