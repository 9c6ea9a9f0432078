"""PointTransformer (local stream), grouping, patch embedding and masking."""
import copy
import math
import re

import pytest
import torch
import torch.nn as nn

from recon3d.models.backbones import PointTransformer
from recon3d.models.necks import ReConNeck
from recon3d.models.utils import (PointPatchEmbed, block_mask, group_points,
                                  random_mask)
from recon3d.ops import farthest_point_sample
from recon3d.registry import BACKBONES
from recon3d.structures import PointTokens

TINY = dict(embed_dims=32, depth=2, num_heads=2, num_group=16, group_size=8)


def randomize_(module: nn.Module, seed: int = 0) -> nn.Module:
    """Give every parameter and BN statistic a random non-trivial value."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            r = torch.randn(p.shape, generator=gen, dtype=p.dtype) * .2
            if isinstance(module.get_submodule(name.rsplit('.', 1)[0])
                          if '.' in name else module,
                          (nn.LayerNorm, nn.BatchNorm1d)) and \
                    name.endswith('weight'):
                r = r + 1
            p.copy_(r)
        for m in module.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.running_mean.copy_(
                    torch.randn(m.num_features, generator=gen) * .3)
                m.running_var.copy_(
                    torch.rand(m.num_features, generator=gen) + .5)
    return module


def cloud(b=2, n=128, seed=0, dtype=torch.float32):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(b, n, 3, generator=gen, dtype=dtype)


# ---------------------------------------------------------------- masking
def test_random_mask_counts_and_rows_differ():
    torch.manual_seed(0)
    mask = random_mask(8, 64, 0.6)
    assert mask.shape == (8, 64) and mask.dtype == torch.bool
    assert mask.sum(1).tolist() == [38] * 8  # floor(0.6 * 64)
    assert len({tuple(r) for r in mask.tolist()}) == 8
    assert not random_mask(3, 10, 0.).any()


def test_random_mask_is_uniform():
    gen = torch.Generator().manual_seed(1)
    freq = random_mask(4000, 64, 0.6, generator=gen).float().mean(0)
    # Each group is masked with probability 38/64; std ~.008 per group.
    assert (freq - 38 / 64).abs().max() < .04


def test_random_mask_generator_reproducible():
    a = random_mask(4, 20, .5, generator=torch.Generator().manual_seed(7))
    b = random_mask(4, 20, .5, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a, b)


def test_block_mask_is_nearest_set_of_a_masked_seed():
    gen = torch.Generator().manual_seed(2)
    center = torch.randn(16, 20, 3, generator=gen, dtype=torch.float64)
    mask = block_mask(center, 0.6, generator=gen)
    assert mask.sum(1).tolist() == [12] * 16
    for b in range(16):
        masked = [g for g in range(20) if mask[b, g]]
        visible = [g for g in range(20) if not mask[b, g]]

        def d(i, j):
            return float((center[b, i] - center[b, j]).square().sum())

        # Some masked centre s has every masked centre at least as close as
        # every visible one: the masked set is s's int(.6 G) nearest.
        seeds = [
            s for s in masked if max(d(s, m) for m in masked) <= min(
                d(s, v) for v in visible)
        ]
        assert seeds, f'row {b}: masked set is not a nearest-neighbour ball'
    # Different rows use different seeds.
    assert len({tuple(r) for r in mask.tolist()}) > 1


def test_block_mask_generator_reproducible():
    center = cloud(3, 10)
    a = block_mask(center, .5, generator=torch.Generator().manual_seed(3))
    b = block_mask(center, .5, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


# ---------------------------------------------------------------- grouping
def test_group_points_matches_brute_force():
    xyz = cloud(2, 64, seed=3, dtype=torch.float64)
    nb, center = group_points(xyz, 8, 8)
    assert nb.shape == (2, 8, 8, 3) and center.shape == (2, 8, 3)
    fps = farthest_point_sample(xyz, 8)
    for b in range(2):
        assert torch.equal(center[b], xyz[b, fps[b]])
        assert fps[b, 0] == 0  # always starts at point 0
        for g in range(8):
            c = center[b, g]
            all_d = sorted(float((p - c).square().sum()) for p in xyz[b])
            absolute = nb[b, g] + c
            got = [float((p - c).square().sum()) for p in absolute]
            assert got == pytest.approx(all_d[:8], rel=1e-12, abs=1e-15)
            # Every grouped point is an input point.
            for p in absolute:
                assert (xyz[b] - p).abs().sum(-1).min() < 1e-12
            # The centre is its own nearest point: relative (0, 0, 0).
            assert nb[b, g, 0].abs().max() < 1e-15


# ---------------------------------------------------------- patch embedding
def official_patch_embed(pe: PointPatchEmbed, nb: torch.Tensor):
    """The official ``Encoder`` forward (Conv1d on [BG, 3, K])."""
    B, G, K, _ = nb.shape
    x = nb.reshape(B * G, K, 3).transpose(2, 1)
    f = pe.first_conv(x)  # [BG, 256, K]
    f_global = torch.max(f, dim=2, keepdim=True)[0]
    f = torch.cat([f_global.expand(-1, -1, K), f], dim=1)  # [BG, 512, K]
    f = pe.second_conv(f)
    return torch.max(f, dim=2)[0].reshape(B, G, -1)


@pytest.mark.parametrize('train', [False, True])
def test_patch_embed_equals_official_conv1d(train):
    gen = torch.Generator().manual_seed(4)
    pe = randomize_(PointPatchEmbed(32).double(), seed=4)
    ref = copy.deepcopy(pe)
    pe.train(train)
    ref.train(train)
    nb = torch.randn(2, 5, 8, 3, generator=gen, dtype=torch.float64)
    nb_ref = nb.clone().requires_grad_(True)
    nb.requires_grad_(True)
    out, expected = pe(nb), official_patch_embed(ref, nb_ref)
    assert out.shape == (2, 5, 32)
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-10)
    # Same BN statistics (running mean/var, counter) after the step.
    for (k, v), (k2, v2) in zip(pe.state_dict().items(),
                                ref.state_dict().items()):
        assert k == k2
        torch.testing.assert_close(v, v2, rtol=0, atol=1e-12)
    if train:
        assert pe.first_conv[1].num_batches_tracked == 1
    # Same gradients.
    w = torch.randn(out.shape, generator=gen, dtype=torch.float64)
    (out * w).sum().backward()
    (expected * w).sum().backward()
    torch.testing.assert_close(nb.grad, nb_ref.grad, rtol=0, atol=1e-10)
    for (k, p), (_, p2) in zip(pe.named_parameters(), ref.named_parameters()):
        torch.testing.assert_close(p.grad, p2.grad, rtol=0, atol=1e-10, msg=k)


@pytest.mark.parametrize('train,momentum', [(True, 0.1), (True, None),
                                             (False, 0.1)])
def test_patch_embed_keep_equals_full_embedding_rows(train, momentum):
    """``keep``: the rows of the full embedding, with the BatchNorm batch
    statistics, running statistics and gradients of the full embedding."""
    gen = torch.Generator().manual_seed(5)
    pe = randomize_(PointPatchEmbed(24).double(), seed=5)
    for m in pe.modules():
        if isinstance(m, nn.BatchNorm1d):
            m.momentum = momentum
    full = copy.deepcopy(pe)
    pe.train(train)
    full.train(train)
    nb = torch.randn(3, 7, 6, 3, generator=gen, dtype=torch.float64) * 2 + 1
    keep = torch.stack([torch.randperm(7, generator=gen)[:3].sort()[0]
                        for _ in range(3)])
    nb_full = nb.clone().requires_grad_(True)
    nb.requires_grad_(True)
    out = pe(nb, keep=keep)
    expected = full(nb_full)[torch.arange(3)[:, None], keep]
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-10)
    for (k, v), (_, v2) in zip(pe.state_dict().items(),
                               full.state_dict().items()):
        torch.testing.assert_close(v, v2, rtol=0, atol=1e-12, msg=k)
    w = torch.randn(out.shape, generator=gen, dtype=torch.float64)
    (out * w).sum().backward()
    (expected * w).sum().backward()
    torch.testing.assert_close(nb.grad, nb_full.grad, rtol=0, atol=1e-10)
    for (k, p), (_, p2) in zip(pe.named_parameters(),
                               full.named_parameters()):
        torch.testing.assert_close(p.grad, p2.grad, rtol=0, atol=1e-10,
                                   msg=k)


# ------------------------------------------------------------ the backbone
def build_backbone(**kw):
    cfg = dict(type='PointTransformer', **TINY)
    cfg.update(kw)
    bb = BACKBONES.build(cfg)
    bb.init_weights()
    return bb


def test_backbone_unmasked_shapes():
    bb = build_backbone()
    out = bb(cloud())
    assert isinstance(out, PointTokens)
    assert out.tokens.shape == (2, 16, 32)
    assert len(out.block_inputs) == 2
    assert all(t.shape == (2, 16, 32) for t in out.block_inputs)
    assert out.center.shape == (2, 16, 3)
    assert out.neighborhood.shape == (2, 16, 8, 3)
    assert out.mask is None
    # Extra channels (normals) are ignored.
    bb.eval()
    pts = cloud()
    with_normals = torch.cat([pts, torch.randn(2, 128, 3)], -1)
    torch.testing.assert_close(bb(pts).tokens, bb(with_normals).tokens)


@pytest.mark.parametrize('mask_type', ['rand', 'block'])
def test_backbone_draws_mask(mask_type):
    bb = build_backbone(mask_type=mask_type, mask_ratio=0.6)
    out = bb(cloud(), mask=True)
    assert out.mask.shape == (2, 16)
    assert out.mask.sum(1).tolist() == [9, 9]  # int(.6 * 16)
    assert out.tokens.shape == (2, 7, 32)
    assert all(t.shape == (2, 7, 32) for t in out.block_inputs)
    assert out.center.shape == (2, 16, 3)  # all centres


def test_backbone_visible_tokens_keep_group_order():
    bb = randomize_(build_backbone().double(), seed=5).eval()
    pts = cloud(dtype=torch.float64)
    mask = torch.zeros(2, 16, dtype=torch.bool)
    mask[0, [0, 3, 4, 9, 10, 15]] = True
    mask[1, [1, 2, 5, 6, 7, 8]] = True
    out = bb(pts, mask=mask)
    assert out.mask is mask or torch.equal(out.mask, mask)
    # Reference: embed every group, pick the visible ones with a loop in
    # ascending group order, run the blocks.
    nb, center = group_points(pts, 16, 8)
    emb = bb.patch_embed(nb)
    vis = [[g for g in range(16) if not mask[b, g]] for b in range(2)]
    x = torch.stack([emb[b, vis[b]] for b in range(2)])
    pos = bb.pos_embed(torch.stack([center[b, vis[b]] for b in range(2)]))
    for blk in bb.blocks:
        x, _ = blk(x, pos)
    torch.testing.assert_close(out.tokens, x, rtol=0, atol=1e-10)
    # Self-attention is permutation-equivariant, so the order is also
    # observable: a shuffled input order gives shuffled outputs.
    perm = torch.randperm(10)
    y = torch.stack([emb[b, vis[b]] for b in range(2)])[:, perm]
    pos_p = pos[:, perm]
    for blk in bb.blocks:
        y, _ = blk(y, pos_p)
    torch.testing.assert_close(y, x[:, perm], rtol=0, atol=1e-10)


def test_embed_visible_only_same_in_eval():
    pts = cloud()
    bb = randomize_(build_backbone(embed_visible_only=False), seed=6).eval()
    bb_vis = copy.deepcopy(bb)
    bb_vis.embed_visible_only = True
    mask = random_mask(2, 16, .6, generator=torch.Generator().manual_seed(0))
    a, b = bb(pts, mask=mask), bb_vis(pts, mask=mask)
    torch.testing.assert_close(a.tokens, b.tokens, rtol=1e-5, atol=1e-6)
    for x, y in zip(a.block_inputs, b.block_inputs):
        torch.testing.assert_close(x, y, rtol=1e-5, atol=1e-6)


def test_embed_visible_only_bn_statistics_in_train():
    pts = cloud()
    mask = random_mask(2, 16, .6, generator=torch.Generator().manual_seed(0))
    bb = build_backbone(drop_path_rate=0.)
    full = copy.deepcopy(bb)
    vis = copy.deepcopy(bb)
    vis.embed_visible_only = True
    bb(pts, mask=mask)
    full(pts, mask=False)
    vis(pts, mask=mask)
    bn = 'patch_embed.first_conv.1.running_mean'
    # Off (official): BN statistics come from all groups, masked included.
    torch.testing.assert_close(bb.state_dict()[bn], full.state_dict()[bn])
    # On: from the visible groups only.
    assert not torch.allclose(vis.state_dict()[bn], full.state_dict()[bn])


def test_backbone_mask_errors():
    bb = build_backbone()
    pts = cloud()
    uneven = torch.zeros(2, 16, dtype=torch.bool)
    uneven[0, :3] = True
    uneven[1, :4] = True
    with pytest.raises(ValueError, match='same number'):
        bb(pts, mask=uneven)
    with pytest.raises(ValueError):
        bb(pts, mask=torch.zeros(2, 16, dtype=torch.long))
    with pytest.raises(ValueError):
        bb(pts, mask=torch.zeros(2, 15, dtype=torch.bool))
    with pytest.raises(ValueError):
        PointTransformer(mask_type='foo', **TINY)
    with pytest.raises(ValueError):
        PointTransformer(mask_ratio=1., **TINY)


def test_backbone_drop_path_schedule():
    bb = PointTransformer(
        depth=3, drop_path_rate=.1, embed_dims=32, num_heads=2)
    assert isinstance(bb.blocks[0].drop_path, nn.Identity)
    probs = [bb.blocks[i].drop_path.drop_prob for i in (1, 2)]
    assert probs == pytest.approx([.05, .1])


def test_backbone_init_weights():
    bb = build_backbone()
    ln = bb.blocks[0].norm1
    assert torch.equal(ln.weight, torch.ones(32))
    assert torch.equal(ln.bias, torch.zeros(32))
    qkv = bb.blocks[0].attn.qkv.weight
    # trunc_normal_(std=.02) as in timm/the official code: the cut-offs are
    # the absolute defaults a=-2, b=2, so this is practically N(0, .02²).
    assert abs(qkv.std().item() - .02) < .003
    assert abs(qkv.mean().item()) < .003
    assert bb.blocks[0].attn.qkv.bias is None
    assert torch.equal(bb.blocks[0].attn.proj.bias, torch.zeros(32))
    assert torch.equal(bb.patch_embed.first_conv[0].bias, torch.zeros(128))


# ------------------------------------------------- base-size parameter count
def official_trunk_shapes(C: int, depth: int) -> dict:
    """Parameter shapes of the official fine-tune trunk."""
    s = {}
    for n in ('cls_token', 'cls_pos', 'img_token', 'text_token', 'img_pos',
              'text_pos'):
        s[n] = (1, 1, C)
    s.update({
        'encoder.first_conv.0.weight': (128, 3, 1),
        'encoder.first_conv.0.bias': (128, ),
        'encoder.first_conv.1.weight': (128, ),
        'encoder.first_conv.1.bias': (128, ),
        'encoder.first_conv.3.weight': (256, 128, 1),
        'encoder.first_conv.3.bias': (256, ),
        'encoder.second_conv.0.weight': (512, 512, 1),
        'encoder.second_conv.0.bias': (512, ),
        'encoder.second_conv.1.weight': (512, ),
        'encoder.second_conv.1.bias': (512, ),
        'encoder.second_conv.3.weight': (C, 512, 1),
        'encoder.second_conv.3.bias': (C, ),
        'pos_embed.0.weight': (128, 3),
        'pos_embed.0.bias': (128, ),
        'pos_embed.2.weight': (C, 128),
        'pos_embed.2.bias': (C, ),
        'norm.weight': (C, ),
        'norm.bias': (C, ),
    })
    for i in range(depth):
        p = f'blocks.blocks.{i}.'
        for ln in ('norm1', 'norm2', 'norm1_contrast', 'norm2_contrast'):
            s[p + ln + '.weight'] = s[p + ln + '.bias'] = (C, )
        s[p + 'attn.qkv.weight'] = (3 * C, C)
        s[p + 'attn_contrast.q.weight'] = (C, C)
        s[p + 'attn_contrast.kv.weight'] = (2 * C, C)
        for a in ('attn', 'attn_contrast'):
            s[p + a + '.proj.weight'] = (C, C)
            s[p + a + '.proj.bias'] = (C, )
        for m in ('mlp', 'mlp_contrast'):
            s[p + m + '.fc1.weight'] = (4 * C, C)
            s[p + m + '.fc1.bias'] = (4 * C, )
            s[p + m + '.fc2.weight'] = (C, 4 * C)
            s[p + m + '.fc2.bias'] = (C, )
    return s


def official_name(ours: str) -> str:
    """recon3d backbone/neck parameter name -> official trunk name."""
    rules = [
        (r'^backbone\.patch_embed\.', 'encoder.'),
        (r'^backbone\.pos_embed\.', 'pos_embed.'),
        (r'^backbone\.blocks\.(\d+)\.', r'blocks.blocks.\1.'),
        (r'^neck\.blocks\.(\d+)\.(norm[12])\.',
         r'blocks.blocks.\1.\2_contrast.'),
        (r'^neck\.blocks\.(\d+)\.attn\.', r'blocks.blocks.\1.attn_contrast.'),
        (r'^neck\.blocks\.(\d+)\.mlp\.', r'blocks.blocks.\1.mlp_contrast.'),
        (r'^neck\.', ''),
    ]
    for pattern, repl in rules:
        new = re.sub(pattern, repl, ours)
        if new != ours:
            return new
    raise AssertionError(f'unmapped parameter {ours}')


def test_base_size_parameter_count_matches_official_trunk():
    C, depth, heads = 384, 12, 6
    trunk = nn.ModuleDict(
        dict(
            backbone=PointTransformer(
                embed_dims=C, depth=depth, num_heads=heads),
            neck=ReConNeck(embed_dims=C, depth=depth, num_heads=heads)))
    ours = {
        official_name(k): tuple(p.shape)
        for k, p in trunk.named_parameters()
    }
    expected = official_trunk_shapes(C, depth)
    assert ours == expected
    n_ours = sum(p.numel() for p in trunk.parameters())
    n_expected = sum(math.prod(s) for s in expected.values())
    assert n_ours == n_expected
    # The closed form: 24C²+20C per ReCon-block (two branches), plus the
    # tokenizer, position MLP, six (1,1,C) tokens and the final LN.
    per_block = 24 * C * C + 20 * C
    tokenizer = (128 * 3 + 128 + 2 * 128 + 256 * 128 + 256 + 512 * 512 + 512 +
                 2 * 512 + C * 512 + C)
    pos = 128 * 3 + 128 + C * 128 + C
    assert n_ours == depth * per_block + tokenizer + pos + 6 * C + 2 * C
    # About 43.1M (the spec's 43.6M includes the mlp3 classifier head).
    assert 43.0e6 < n_ours < 43.2e6
