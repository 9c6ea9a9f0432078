"""Converted official weights give the official outputs.

1. ``tests/data/official_outputs.pt`` (made by running the official code on random weights):
   weights in the official layout and what the official code computed from
   them (classifier logits, pretrain tokens and Chamfer loss for a fixed
   mask), at C=64, depth 2, 2 heads, G=16, K=8, N=128.
2. Other sizes (C=48, depth 3, 3 heads, G=12, K=6, N=96): random official
   weights against a transcription of the official forward, written from
   the official code as plain tensor functions over the official names.
"""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F

from recon3d.models.utils import official_to_recon3d, recon3d_to_official
from recon3d.ops import farthest_point_sample, index_points, knn
from recon3d.registry import MODELS
from recon3d.testing import random_official_state_dict

DATA = osp.join(osp.dirname(osp.dirname(__file__)), 'data',
                'official_outputs.pt')


@pytest.fixture(scope='module')
def official():
    return torch.load(DATA, weights_only=True)


def _trunk_cfg(C, depth, heads, G, K):
    return dict(
        arch=dict(embed_dims=C, depth=depth, num_heads=heads,
                  drop_path_rate=0.),
        backbone=dict(type='PointTransformer', num_group=G, group_size=K),
        neck=dict(type='ReConNeck'))


def build_classifier(official_sd, C, depth, heads, G, K, num_classes,
                     head_type='mlp', dtype=torch.float64):
    model = MODELS.build(
        dict(
            type='PointClassifier',
            cls_head=dict(
                type='ClsHead', num_classes=num_classes,
                head_type=head_type),
            **_trunk_cfg(C, depth, heads, G, K)))
    sd, dropped = official_to_recon3d(official_sd, 'cls')
    assert dropped == []
    model.to(dtype).load_state_dict(sd, strict=True)
    return model.eval()


def build_recon(official_sd, C, depth, heads, G, K, dec_depth, dec_heads,
                dtype=torch.float64):
    cfg = _trunk_cfg(C, depth, heads, G, K)
    model = MODELS.build(
        dict(
            type='ReCon',
            decoder=dict(
                type='PointMAEDecoder', depth=dec_depth, num_heads=dec_heads),
            rec_head=dict(type='ReconstructionHead'),
            **cfg))
    sd, dropped = official_to_recon3d(official_sd, 'pretrain')
    assert dropped == []
    model.to(dtype).load_state_dict(sd, strict=True)
    return model.eval()


def _max_err(a, b):
    return (a.double() - b.double()).abs().max().item()


# ------------------------------------------------ 1. stored official outputs
def _stored_models(official, dtype):
    c = official['cfg']
    sizes = (c['trans_dim'], c['depth'], c['num_heads'], c['num_group'],
             c['group_size'])
    cls_sd = official['cls_sd']
    trunk = {k: v for k, v in cls_sd.items()
             if not k.startswith('cls_head_finetune.')}
    lin_sd = dict(trunk, **official['lin_head'])
    pre_sd = {f'MAE_encoder.{k}': v for k, v in trunk.items()}
    pre_sd.update(official['pre_extra'])
    full = build_classifier(cls_sd, *sizes, c['cls_dim'], dtype=dtype)
    lin = build_classifier(lin_sd, *sizes, c['cls_dim'], 'linear',
                           dtype=dtype)
    pre = build_recon(pre_sd, *sizes, c['decoder_depth'],
                      c['decoder_num_heads'], dtype=dtype)
    return full, lin, pre


@pytest.mark.parametrize('dtype,tol', [(torch.float64, 1e-10),
                                       (torch.float32, 1e-4)])
@torch.no_grad()
def test_stored_official_outputs(official, dtype, tol):
    full, lin, pre = _stored_models(official, dtype)
    pts = official['pts'].to(dtype)
    assert _max_err(full(dict(points=pts)), official['cls_logits']) <= tol
    assert _max_err(lin(dict(points=pts)), official['lin_logits']) <= tol

    mask = official['pre_mask']
    out = pre.backbone(pts, mask=mask)
    tokens = pre.neck(out.tokens, out.block_inputs)
    expected = official['pre_tokens']
    assert tokens.local.shape == expected[3].shape == (3, 7, 64)
    for got, want in zip(tokens, expected):
        assert _max_err(got, want) <= tol
    loss = pre.loss(dict(points=pts), mask=mask)['loss_mdm']
    assert abs(loss.double().item() - official['pre_loss_mdm'].item()) <= tol


def test_stored_weights_round_trip_bit_for_bit(official):
    trunk = {k: v for k, v in official['cls_sd'].items()
             if not k.startswith('cls_head_finetune.')}
    pre_sd = {f'MAE_encoder.{k}': v for k, v in trunk.items()}
    pre_sd.update(official['pre_extra'])
    for sd in (official['cls_sd'], dict(trunk, **official['lin_head']),
               pre_sd):
        back = recon3d_to_official(official_to_recon3d(sd)[0])
        assert set(back) == set(sd)
        for k, v in sd.items():
            assert back[k].dtype == v.dtype and torch.equal(back[k], v), k


# --------------------------------- 2. other sizes vs a transcription of §1-2
C, DEPTH, HEADS, G, K, N, B = 48, 3, 3, 12, 6, 96, 3
DEC_DEPTH, DEC_HEADS, NUM_CLASSES = 2, 4, 5


def _ln(x, sd, p):
    return F.layer_norm(x, x.shape[-1:], sd[f'{p}.weight'], sd[f'{p}.bias'],
                        eps=1e-5)


def _bn(x, sd, p):
    """Eval-mode BatchNorm over dim 1 of [B, C] or [B, C, L]."""
    return F.batch_norm(x, sd[f'{p}.running_mean'], sd[f'{p}.running_var'],
                        sd[f'{p}.weight'], sd[f'{p}.bias'], training=False,
                        eps=1e-5)


def _lin(x, sd, p):
    return F.linear(x, sd[f'{p}.weight'], sd.get(f'{p}.bias'))


def _conv(x, sd, p):
    return F.conv1d(x, sd[f'{p}.weight'], sd.get(f'{p}.bias'))


def _heads(x, H):
    Bx, Nx, Cx = x.shape
    return x.reshape(Bx, Nx, H, Cx // H).transpose(1, 2)  # [B, H, N, D]


def _attend(q, k, v):
    """Softmax((q kᵀ) · D^-½) v over [B, H, N, D], heads merged back."""
    scale = q.shape[-1]**-0.5
    out = ((q @ k.transpose(-2, -1)) * scale).softmax(-1) @ v
    Bx, H, Nq, D = out.shape
    return out.transpose(1, 2).reshape(Bx, Nq, H * D)


def _self_attn(x, sd, p, H):
    q, k, v = _lin(x, sd, f'{p}.qkv').chunk(3, dim=-1)
    return _lin(_attend(_heads(q, H), _heads(k, H), _heads(v, H)), sd,
                f'{p}.proj')


def _cross_attn(g, local, sd, p, H):
    k, v = _lin(local, sd, f'{p}.kv').chunk(2, dim=-1)
    q = _lin(g, sd, f'{p}.q')
    return _lin(_attend(_heads(q, H), _heads(k, H), _heads(v, H)), sd,
                f'{p}.proj')


def _mlp(x, sd, p):
    return _lin(F.gelu(_lin(x, sd, f'{p}.fc1')), sd, f'{p}.fc2')


def _recon_block(x, sd, p, H):
    """Official block: residuals start from the LayerNorm outputs."""
    g, loc = x[:, :3], x[:, 3:]
    g1, l1 = _ln(g, sd, f'{p}.norm1_contrast'), _ln(loc, sd, f'{p}.norm1')
    g2 = g1 + _cross_attn(g1, l1, sd, f'{p}.attn_contrast', H)
    l2 = l1 + _self_attn(l1, sd, f'{p}.attn', H)
    g2, l2 = _ln(g2, sd, f'{p}.norm2_contrast'), _ln(l2, sd, f'{p}.norm2')
    g_out = g2 + _mlp(g2, sd, f'{p}.mlp_contrast')
    l_out = l2 + _mlp(l2, sd, f'{p}.mlp')
    return torch.cat([g_out, l_out], dim=1)


def _patch_embed(nb, sd, p):
    """Mini-PointNet with F.conv1d on [BG, 3, K]; [global, per-point]."""
    Bx, Gx, Kx, _ = nb.shape
    x = nb.reshape(Bx * Gx, Kx, 3).transpose(1, 2)
    x = F.relu(_bn(_conv(x, sd, f'{p}.first_conv.0'), sd,
                   f'{p}.first_conv.1'))
    x = _conv(x, sd, f'{p}.first_conv.3')  # [BG, 256, K]
    glob = x.max(dim=2, keepdim=True)[0]
    x = torch.cat([glob.expand(-1, -1, Kx), x], dim=1)  # [BG, 512, K]
    x = F.relu(_bn(_conv(x, sd, f'{p}.second_conv.0'), sd,
                   f'{p}.second_conv.1'))
    x = _conv(x, sd, f'{p}.second_conv.3')
    return x.max(dim=2)[0].reshape(Bx, Gx, -1)


def _pos(xyz, sd, p):
    return _lin(F.gelu(_lin(xyz, sd, f'{p}.0')), sd, f'{p}.2')


def _group(pts):
    center = index_points(pts, farthest_point_sample(pts, G))
    _, idx = knn(center, pts, K)
    return index_points(pts, idx) - center.unsqueeze(2), center


def reference_encoder(sd, pts, P='', mask=None):
    """Official encoder: -> normalized [B, 3 + V, C], neighborhood, center.
    """
    nb, center = _group(pts)
    tokens = _patch_embed(nb, sd, f'{P}encoder')
    pos_center = center
    if mask is not None:
        tokens = tokens[~mask].reshape(B, -1, C)
        pos_center = center[~mask].reshape(B, -1, 3)
    glob = [sd[f'{P}{t}_token'].expand(B, -1, -1)
            for t in ('cls', 'img', 'text')]
    glob_pos = [sd[f'{P}{t}_pos'].expand(B, -1, -1)
                for t in ('cls', 'img', 'text')]
    x = torch.cat(glob + [tokens], dim=1)
    pos = torch.cat(glob_pos + [_pos(pos_center, sd, f'{P}pos_embed')], 1)
    for i in range(DEPTH):
        x = _recon_block(x + pos, sd, f'{P}blocks.blocks.{i}', HEADS)
    return _ln(x, sd, f'{P}norm'), nb, center


def reference_classifier(sd, pts, head_type):
    x, _, _ = reference_encoder(sd, pts)
    f = torch.cat([x[:, 0], x[:, 1], x[:, 2], x[:, 3:].max(1)[0]], dim=-1)
    h = 'cls_head_finetune'
    if head_type == 'linear':
        return _lin(f, sd, f'{h}.0')
    f = F.relu(_bn(_lin(f, sd, f'{h}.0'), sd, f'{h}.1'))
    f = F.relu(_bn(_lin(f, sd, f'{h}.4'), sd, f'{h}.5'))
    return _lin(f, sd, f'{h}.8')


def reference_pretrain(sd, pts, mask):
    """Encoder tokens and the Chamfer-L2 loss of the official ReCon."""
    x, nb, center = reference_encoder(sd, pts, 'MAE_encoder.', mask)
    vis = x[:, 3:]
    pos_vis = _pos(center[~mask].reshape(B, -1, 3), sd, 'decoder_pos_embed')
    pos_mask = _pos(center[mask].reshape(B, -1, 3), sd, 'decoder_pos_embed')
    M = pos_mask.shape[1]
    y = torch.cat([vis, sd['mask_token'].expand(B, M, -1)], dim=1)
    pos = torch.cat([pos_vis, pos_mask], dim=1)
    for j in range(DEC_DEPTH):
        p = f'MAE_decoder.blocks.{j}'
        y = y + pos
        y = y + _self_attn(_ln(y, sd, f'{p}.norm1'), sd, f'{p}.attn',
                           DEC_HEADS)
        y = y + _mlp(_ln(y, sd, f'{p}.norm2'), sd, f'{p}.mlp')
    y = _ln(y[:, -M:], sd, 'MAE_decoder.norm')
    rebuilt = _conv(y.transpose(1, 2), sd, 'increase_dim.0').transpose(1, 2)
    rebuilt = rebuilt.reshape(B * M, -1, 3)
    target = nb[mask].reshape(B * M, -1, 3)
    d = (rebuilt.unsqueeze(2) - target.unsqueeze(1)).square().sum(-1)
    loss = d.min(2)[0].mean() + d.min(1)[0].mean()
    return (x[:, 0], x[:, 1], x[:, 2], vis), loss


def _points(seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(B, N, 3, generator=gen, dtype=torch.float64)


@pytest.mark.parametrize('head_type', ['full', 'linear'])
@torch.no_grad()
def test_classifier_matches_transcription(head_type):
    sd = random_official_state_dict(
        'cls', embed_dims=C, depth=DEPTH, num_classes=NUM_CLASSES,
        head_type=head_type, seed=1)
    # The official full head is recon3d's 'mlp'.
    model = build_classifier(sd, C, DEPTH, HEADS, G, K, NUM_CLASSES,
                             'linear' if head_type == 'linear' else 'mlp')
    pts = _points()
    expected = reference_classifier(sd, pts, head_type)
    got = model(dict(points=pts))
    assert got.shape == (B, NUM_CLASSES)
    assert expected.abs().max() > 0.1  # not a vacuous comparison
    assert _max_err(got, expected) <= 1e-10


@torch.no_grad()
def test_pretrain_matches_transcription():
    sd = random_official_state_dict(
        'pretrain', embed_dims=C, depth=DEPTH, decoder_depth=DEC_DEPTH,
        group_size=K, seed=2)
    model = build_recon(sd, C, DEPTH, HEADS, G, K, DEC_DEPTH, DEC_HEADS)
    pts = _points(3)
    gen = torch.Generator().manual_seed(4)
    M = int(0.6 * G)
    order = torch.rand(B, G, generator=gen).argsort(1)
    mask = torch.zeros(B, G, dtype=torch.bool).scatter_(1, order[:, :M],
                                                        True)
    expected_tokens, expected_loss = reference_pretrain(sd, pts, mask)
    out = model.backbone(pts, mask=mask)
    tokens = model.neck(out.tokens, out.block_inputs)
    assert tokens.local.shape == (B, G - M, C)
    for got, want in zip(tokens, expected_tokens):
        assert _max_err(got, want) <= 1e-10
    loss = model.loss(dict(points=pts), mask=mask)['loss_mdm']
    assert expected_loss > 0.1
    assert abs(loss.item() - expected_loss.item()) <= 1e-10
