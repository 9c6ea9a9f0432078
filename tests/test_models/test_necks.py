"""ReConNeck (global stream) and PointMAEDecoder against direct
transcriptions of the official ReCon-block equations."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from recon3d.models.backbones import PointTransformer
from recon3d.models.necks import PointMAEDecoder, ReConNeck
from recon3d.models.utils import group_points
from recon3d.registry import NECKS
from recon3d.structures import ReConTokens

C, H, G, K = 32, 2, 16, 8


def randomize_(module: nn.Module, seed: int = 0) -> nn.Module:
    """Random non-trivial values for every parameter and BN statistic."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            for name, p in m.named_parameters(recurse=False):
                r = torch.randn(p.shape, generator=gen, dtype=p.dtype) * .2
                if isinstance(m, (nn.LayerNorm, nn.BatchNorm1d)) and \
                        name == 'weight':
                    r = r + 1
                p.copy_(r)
            if isinstance(m, nn.BatchNorm1d):
                m.running_mean.copy_(
                    torch.randn(m.num_features, generator=gen) * .3)
                m.running_var.copy_(
                    torch.rand(m.num_features, generator=gen) + .5)
    return module


# ----------------------------------------------------- the transcription
def ln(x, m):
    assert m.eps == 1e-5
    return F.layer_norm(x, (x.size(-1), ), m.weight, m.bias, 1e-5)


def linear(x, weight, bias=None):
    y = x @ weight.t()
    return y if bias is None else y + bias


def mlp(x, m):
    return linear(
        F.gelu(linear(x, m.fc1.weight, m.fc1.bias)), m.fc2.weight, m.fc2.bias)


def heads_attention(q, k, v, num_heads):
    """softmax(q kᵀ · (C/H)^-.5) v with the head split done by hand."""
    B, Nq, Cq = q.shape
    Nk = k.size(1)
    D = Cq // num_heads
    q = q.reshape(B, Nq, num_heads, D).permute(0, 2, 1, 3)
    k = k.reshape(B, Nk, num_heads, D).permute(0, 2, 1, 3)
    v = v.reshape(B, Nk, num_heads, D).permute(0, 2, 1, 3)
    attn = torch.softmax(q @ k.transpose(-2, -1) * D**-.5, dim=-1)
    return (attn @ v).permute(0, 2, 1, 3).reshape(B, Nq, Cq)


def self_attention(x, m, num_heads):
    """Official ``Attention``: qkv reshaped (B, N, 3, H, D)."""
    B, N, Cx = x.shape
    qkv = linear(x, m.qkv.weight).reshape(B, N, 3, Cx)
    out = heads_attention(qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2], num_heads)
    return linear(out, m.proj.weight, m.proj.bias)


def cross_attention(x, ctx, m, num_heads):
    """Official ``CrossAttention``: q (B, Nq, C), kv (B, N, 2, C)."""
    B, N, Cx = ctx.shape
    q = linear(x, m.q.weight)
    kv = linear(ctx, m.kv.weight).reshape(B, N, 2, Cx)
    out = heads_attention(q, kv[:, :, 0], kv[:, :, 1], num_heads)
    return linear(out, m.proj.weight, m.proj.bias)


def official_patch_embed(pe, nb, training):
    """The official ``Encoder`` with functional ops on [BG, 3, K]."""
    B, Gn, Kn, _ = nb.shape
    conv1, bn1, _, conv2 = pe.first_conv
    conv3, bn2, _, conv4 = pe.second_conv

    def bn(x, m):
        return F.batch_norm(x, m.running_mean.clone(), m.running_var.clone(),
                            m.weight, m.bias, training, 0.1, 1e-5)

    x = nb.reshape(B * Gn, Kn, 3).transpose(2, 1)
    f = F.conv1d(
        F.relu(bn(F.conv1d(x, conv1.weight, conv1.bias), bn1)), conv2.weight,
        conv2.bias)
    f_global = f.max(dim=2, keepdim=True)[0]
    f = torch.cat([f_global.expand(-1, -1, Kn), f], dim=1)
    f = F.conv1d(
        F.relu(bn(F.conv1d(f, conv3.weight, conv3.bias), bn2)), conv4.weight,
        conv4.bias)
    return f.max(dim=2)[0].reshape(B, Gn, -1)


def reference_encoder(backbone, neck, points, mask=None, training=False):
    """The official encoder written out: tokens [cls, img, text, local...], the
    position re-added before every block, then the ReCon-block

        l1 = LN1(l);  l2 = l1 + SelfAttn(l1);   l = LN2(l2) + MLP(LN2(l2))
        g1 = LN1c(g); g2 = g1 + CrossAttn(g1, l1); g = LN2c(g2) + MLPc(..)

    and one final LayerNorm over all tokens. Drop path must be inactive.
    """
    nb, center = group_points(points[..., :3], backbone.num_group,
                              backbone.group_size)
    tokens = official_patch_embed(backbone.patch_embed, nb, training)
    B = points.size(0)
    if mask is not None:
        vis = [[g for g in range(center.size(1)) if not mask[b, g]]
               for b in range(B)]
        tokens = torch.stack([tokens[b, vis[b]] for b in range(B)])
        center = torch.stack([center[b, vis[b]] for b in range(B)])
    pe = backbone.pos_embed
    pos = linear(
        F.gelu(linear(center, pe[0].weight, pe[0].bias)), pe[2].weight,
        pe[2].bias)
    x = torch.cat([
        neck.cls_token.expand(B, -1, -1),
        neck.img_token.expand(B, -1, -1),
        neck.text_token.expand(B, -1, -1), tokens
    ], 1)
    pos = torch.cat([
        neck.cls_pos.expand(B, -1, -1),
        neck.img_pos.expand(B, -1, -1),
        neck.text_pos.expand(B, -1, -1), pos
    ], 1)
    for lb, gb in zip(backbone.blocks, neck.blocks):
        x = x + pos
        g, l = x[:, :3], x[:, 3:]
        l1 = ln(l, lb.norm1)
        l2 = l1 + self_attention(l1, lb.attn, H)
        l = ln(l2, lb.norm2) + mlp(ln(l2, lb.norm2), lb.mlp)
        g1 = ln(g, gb.norm1)
        g2 = g1 + cross_attention(g1, l1, gb.attn, H)
        g = ln(g2, gb.norm2) + mlp(ln(g2, gb.norm2), gb.mlp)
        x = torch.cat([g, l], 1)
    x = ln(x, neck.norm)
    return x[:, 0], x[:, 1], x[:, 2], x[:, 3:]


def build_trunk(depth=2, drop_path_rate=.1, stop_grad=True, seed=0):
    backbone = PointTransformer(
        embed_dims=C,
        depth=depth,
        num_heads=H,
        num_group=G,
        group_size=K,
        drop_path_rate=drop_path_rate)
    neck = NECKS.build(
        dict(
            type='ReConNeck',
            embed_dims=C,
            depth=depth,
            num_heads=H,
            drop_path_rate=drop_path_rate,
            stop_grad=stop_grad))
    backbone.init_weights()
    neck.init_weights()
    return backbone, neck


def points(b=2, n=128, seed=0, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(b, n, 3, generator=gen, dtype=dtype)


def run_trunk(backbone, neck, pts, mask=False):
    out = backbone(pts, mask=mask)
    return neck(out.tokens, out.block_inputs)


def assert_tokens_close(got: ReConTokens, expected, atol=1e-10):
    for a, b in zip(got, expected):
        torch.testing.assert_close(a, b, rtol=0, atol=atol)


# ------------------------------------------------------- the equivalence
def test_recon_block_matches_transcription_eval():
    backbone, neck = build_trunk()
    randomize_(backbone.double(), 1).eval()
    randomize_(neck.double(), 2).eval()
    pts = points()
    got = run_trunk(backbone, neck, pts)
    assert isinstance(got, ReConTokens)
    assert got.cls.shape == got.img.shape == got.text.shape == (2, C)
    assert got.local.shape == (2, G, C)
    assert_tokens_close(got, reference_encoder(backbone, neck, pts))


def test_recon_block_matches_transcription_masked():
    backbone, neck = build_trunk()
    randomize_(backbone.double(), 3).eval()
    randomize_(neck.double(), 4).eval()
    pts = points(seed=1)
    mask = torch.zeros(2, G, dtype=torch.bool)
    mask[0, [1, 2, 3, 7, 8, 12, 13, 14, 15]] = True
    mask[1, [0, 4, 5, 6, 9, 10, 11, 12, 15]] = True
    got = run_trunk(backbone, neck, pts, mask)
    assert got.local.shape == (2, G - 9, C)
    assert_tokens_close(got, reference_encoder(backbone, neck, pts, mask))


def test_recon_block_matches_transcription_train_no_drop_path():
    # Train mode with drop_path_rate=0: BN uses batch statistics, nothing
    # else is random; the reference uses F.batch_norm(training=True).
    backbone, neck = build_trunk(depth=2, drop_path_rate=0.)
    randomize_(backbone.double(), 5).train()
    randomize_(neck.double(), 6).train()
    pts = points(seed=2)
    mask = torch.zeros(2, G, dtype=torch.bool)
    mask[:, ::2] = True
    got = run_trunk(backbone, neck, pts, mask)
    expected = reference_encoder(backbone, neck, pts, mask, training=True)
    assert_tokens_close(got, expected)


def test_drop_path_active_only_in_train():
    backbone, neck = build_trunk(drop_path_rate=.5)
    pts = points(dtype=torch.float32)
    backbone.eval()
    neck.eval()
    a, b = run_trunk(backbone, neck, pts), run_trunk(backbone, neck, pts)
    assert_tokens_close(a, b, atol=0)
    neck.train()
    torch.manual_seed(0)
    c = run_trunk(backbone, neck, pts)
    torch.manual_seed(1)
    d = run_trunk(backbone, neck, pts)
    assert not torch.allclose(c.cls, d.cls)
    probs = [blk.drop_path.drop_prob for blk in neck.blocks[1:]]
    assert probs == pytest.approx([.5])  # linspace(0, .5, 2)
    assert isinstance(neck.blocks[0].drop_path, nn.Identity)


def test_global_tokens_do_not_change_local_tokens():
    backbone, neck = build_trunk()
    randomize_(backbone.double(), 7).eval()
    randomize_(neck.double(), 8).eval()
    pts = points()
    a = run_trunk(backbone, neck, pts)
    with torch.no_grad():
        # (Not a constant shift: LN1 would remove it.)
        neck.cls_token.add_(torch.linspace(-1, 1, C, dtype=torch.float64))
        neck.img_pos.mul_(-2.)
    b = run_trunk(backbone, neck, pts)
    torch.testing.assert_close(a.local, b.local, rtol=0, atol=0)
    assert not torch.allclose(a.cls, b.cls)
    # Global tokens do not attend to each other: text is unchanged.
    torch.testing.assert_close(a.text, b.text, rtol=0, atol=0)


def test_neck_wrong_number_of_block_inputs():
    backbone, neck = build_trunk(depth=2)
    out = backbone(points(dtype=torch.float32))
    with pytest.raises(ValueError):
        neck(out.tokens, out.block_inputs[:1])


def test_neck_init_weights():
    _, neck = build_trunk()
    for name in ('cls', 'img', 'text'):
        for kind in ('token', 'pos'):
            p = getattr(neck, f'{name}_{kind}')
            assert p.shape == (1, 1, C)
            assert p.abs().sum() > 0
    assert neck.blocks[0].attn.q.bias is None
    assert neck.blocks[0].attn.kv.bias is None
    assert neck.blocks[0].attn.kv.weight.shape == (2 * C, C)


# ------------------------------------------------------- stop-gradient
def _grads(module):
    return {
        k: (None if p.grad is None else p.grad.abs().sum().item())
        for k, p in module.named_parameters()
    }


def test_stop_grad_blocks_global_losses_from_backbone():
    backbone, neck = build_trunk(stop_grad=True)
    out = backbone(points(dtype=torch.float32), mask=True)
    tokens = neck(out.tokens, out.block_inputs)
    tokens.img.square().sum().backward()
    for k, g in _grads(backbone).items():
        assert not g, f'backbone.{k} got a gradient through the stop-grad'
    neck_grads = _grads(neck)
    for k in ('img_token', 'img_pos', 'blocks.0.attn.q.weight',
              'blocks.1.attn.kv.weight', 'blocks.1.mlp.fc2.weight',
              'norm.weight'):
        assert neck_grads[k], f'neck.{k} got no gradient'
    # The img loss does not reach the other global tokens.
    for k in ('cls_token', 'text_token', 'cls_pos', 'text_pos'):
        assert not neck_grads[k]


def test_no_stop_grad_trains_backbone_from_global_losses():
    backbone, neck = build_trunk(stop_grad=False)
    out = backbone(points(dtype=torch.float32), mask=True)
    tokens = neck(out.tokens, out.block_inputs)
    tokens.img.square().sum().backward()
    grads = _grads(backbone)
    last = f'blocks.{backbone.depth - 1}.'
    for k, g in grads.items():
        if k.startswith(last) and not k.startswith(last + 'norm1.'):
            # The last block's self-attention/MLP output feeds only the
            # local tokens, never the global stream.
            assert not g, k
        else:
            assert g, f'backbone.{k} got no gradient without stop-grad'


def test_stop_grad_flag_does_not_change_forward():
    a_bb, a_neck = build_trunk(stop_grad=True)
    b_neck = ReConNeck(embed_dims=C, depth=2, num_heads=H, stop_grad=False)
    b_neck.load_state_dict(a_neck.state_dict())
    a_bb.eval()
    a_neck.eval()
    b_neck.eval()
    pts = points(dtype=torch.float32)
    assert_tokens_close(
        run_trunk(a_bb, a_neck, pts), run_trunk(a_bb, b_neck, pts), atol=0)


# ------------------------------------------------------- the MAE decoder
def reference_decoder(dec, visible, center, mask):
    """Official MAE decoder: [visible, M mask tokens], positions of the
    visible then masked centres (original order), pre-norm blocks with the
    position re-added, LN on the last M tokens."""
    B, V, _ = visible.shape
    Gn = center.size(1)
    vis_c = torch.stack([
        center[b, [g for g in range(Gn) if not mask[b, g]]] for b in range(B)
    ])
    msk_c = torch.stack(
        [center[b, [g for g in range(Gn) if mask[b, g]]] for b in range(B)])
    M = msk_c.size(1)
    pe = dec.pos_embed

    def pos_fn(c):
        return linear(
            F.gelu(linear(c, pe[0].weight, pe[0].bias)), pe[2].weight,
            pe[2].bias)

    pos = torch.cat([pos_fn(vis_c), pos_fn(msk_c)], 1)
    x = torch.cat([visible, dec.mask_token.expand(B, M, -1)], 1)
    for blk in dec.blocks:
        x = x + pos
        x = x + self_attention(ln(x, blk.norm1), blk.attn, H)
        x = x + mlp(ln(x, blk.norm2), blk.mlp)
    return ln(x[:, -M:], dec.norm)


def test_decoder_matches_transcription():
    dec = NECKS.build(
        dict(type='PointMAEDecoder', embed_dims=C, depth=2, num_heads=H))
    dec.init_weights()
    randomize_(dec.double(), 9).eval()
    gen = torch.Generator().manual_seed(0)
    visible = torch.randn(2, 6, C, generator=gen, dtype=torch.float64)
    center = torch.randn(2, 10, 3, generator=gen, dtype=torch.float64)
    mask = torch.zeros(2, 10, dtype=torch.bool)
    mask[0, [0, 2, 5, 9]] = True
    mask[1, [3, 4, 6, 7]] = True
    out = dec(visible, center, mask)
    assert out.shape == (2, 4, C)
    torch.testing.assert_close(
        out, reference_decoder(dec, visible, center, mask), rtol=0, atol=1e-10)


def test_decoder_init_and_drop_path():
    dec = PointMAEDecoder(
        embed_dims=C, depth=4, num_heads=H, drop_path_rate=.1)
    dec.init_weights()
    assert dec.mask_token.abs().sum() > 0
    assert torch.equal(dec.blocks[0].attn.proj.bias, torch.zeros(C))
    bound = (6 / (C + 3 * C))**.5  # xavier-uniform of qkv (3C, C)
    assert dec.blocks[0].attn.qkv.weight.abs().max() <= bound
    assert [b.drop_path.drop_prob for b in dec.blocks[1:]] == \
        pytest.approx(torch.linspace(0, .1, 4)[1:].tolist())


def test_decoder_no_masked_groups():
    # Regression: the decoder used x[:, -M:], which is every token at M = 0.
    dec = PointMAEDecoder(embed_dims=C, depth=1, num_heads=H)
    out = dec(
        torch.randn(2, 6, C), torch.randn(2, 6, 3),
        torch.zeros(2, 6, dtype=torch.bool))
    assert out.shape == (2, 0, C)


@pytest.mark.parametrize('num_context', [26, 64, 2])  # 2: context side
def test_cross_attention_equals_official_with_gradients(num_context):
    """The query-side regrouping (few queries) and the plain path give the
    official values and gradients."""
    from recon3d.models.utils import CrossAttention
    torch.manual_seed(0)
    m = CrossAttention(48, 6).double()
    x = torch.randn(3, 3, 48, dtype=torch.float64, requires_grad=True)
    ctx = torch.randn(3, num_context, 48, dtype=torch.float64,
                      requires_grad=True)
    out, ref = m(x, ctx), cross_attention(x, ctx, m, 6)
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-12)
    g = torch.randn_like(out)
    wrt = (x, ctx, m.q.weight, m.kv.weight, m.proj.weight)
    for a, b in zip(torch.autograd.grad(out, wrt, g),
                    torch.autograd.grad(ref, wrt, g)):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)
