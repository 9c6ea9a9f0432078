"""PartSegmentor against a plain-function transcription of the official
part-segmentation model (``segmentation/models/pt.py`` of
github.com/qizekun/ReCon), over random weights in the official layout.

The transcription follows the official forward step by step: the ReCon
block on ``[cls, img, text, local]`` with ``x = block(x + pos)``, local
tokens of the fetched blocks through the final LayerNorm, the max over the
last block's three global tokens without it, the label embedding, the
PointNet++ feature propagation (``|a|² + |b|² - 2ab`` distances, sorted,
first three) and the convolution head, all in eval mode.
"""
import pytest
import torch
import torch.nn.functional as F

from recon3d.models.utils import official_to_recon3d, recon3d_to_official
from recon3d.ops import farthest_point_sample, index_points, knn
from recon3d.registry import MODELS
from recon3d.structures import ReconDataSample
from recon3d.testing import random_official_state_dict

C, DEPTH, HEADS, G, K, N, B = 48, 3, 3, 8, 8, 64, 3
FETCH = (0, 1, 2)


def layer_norm(sd, name, x):
    return F.layer_norm(x, (x.shape[-1], ), sd[name + '.weight'],
                        sd[name + '.bias'], eps=1e-5)


def batch_norm(sd, name, x):
    return F.batch_norm(x, sd[name + '.running_mean'],
                        sd[name + '.running_var'], sd[name + '.weight'],
                        sd[name + '.bias'], False, 0.1, 1e-5)


def linear(sd, name, x):
    return F.linear(x, sd[name + '.weight'], sd.get(name + '.bias'))


def conv(sd, name, x):
    return F.conv1d(x, sd[name + '.weight'], sd.get(name + '.bias'))


def attention(sd, name, x):
    Bx, Nx, Cx = x.shape
    qkv = linear(sd, name + '.qkv', x).reshape(Bx, Nx, 3, HEADS,
                                               Cx // HEADS).permute(
                                                   2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    attn = ((q * (Cx // HEADS)**-0.5) @ k.transpose(-2, -1)).softmax(-1)
    return linear(sd, name + '.proj',
                  (attn @ v).transpose(1, 2).reshape(Bx, Nx, Cx))


def cross_attention(sd, name, x, y):
    Bx, Ny, Cx = y.shape
    kv = linear(sd, name + '.kv', y).reshape(Bx, Ny, 2, HEADS,
                                             Cx // HEADS).permute(
                                                 2, 0, 3, 1, 4)
    Nx = x.shape[1]
    q = linear(sd, name + '.q', x).reshape(Bx, Nx, 1, HEADS,
                                           Cx // HEADS).permute(
                                               2, 0, 3, 1, 4)[0]
    attn = ((q @ kv[0].transpose(-2, -1)) * (Cx // HEADS)**-0.5).softmax(-1)
    return linear(sd, name + '.proj',
                  (attn @ kv[1]).transpose(1, 2).reshape(Bx, Nx, Cx))


def mlp(sd, name, x):
    return linear(sd, name + '.fc2', F.gelu(linear(sd, name + '.fc1', x)))


def official_block(sd, name, x):
    cls, vis_x = x[:, :3], x[:, 3:]
    cls = layer_norm(sd, name + '.norm1_contrast', cls)
    vis_x = layer_norm(sd, name + '.norm1', vis_x)
    cls = cls + cross_attention(sd, name + '.attn_contrast', cls, vis_x)
    vis_x = vis_x + attention(sd, name + '.attn', vis_x)
    cls = layer_norm(sd, name + '.norm2_contrast', cls)
    vis_x = layer_norm(sd, name + '.norm2', vis_x)
    cls = cls + mlp(sd, name + '.mlp_contrast', cls)
    vis_x = vis_x + mlp(sd, name + '.mlp', vis_x)
    return torch.cat((cls, vis_x), dim=1)


def official_encoder(sd, neighborhood):
    bs, g, n, _ = neighborhood.shape
    x = conv(sd, 'encoder.first_conv.0',
             neighborhood.reshape(bs * g, n, 3).transpose(2, 1))
    x = conv(sd, 'encoder.first_conv.3',
             F.relu(batch_norm(sd, 'encoder.first_conv.1', x)))
    x = torch.cat([x.max(2, keepdim=True)[0].expand(-1, -1, n), x], 1)
    x = F.relu(batch_norm(sd, 'encoder.second_conv.1',
                          conv(sd, 'encoder.second_conv.0', x)))
    x = conv(sd, 'encoder.second_conv.3', x)
    return x.max(2)[0].reshape(bs, g, -1)


def square_distance(src, dst):
    dist = -2 * torch.matmul(src, dst.permute(0, 2, 1))
    dist += torch.sum(src**2, -1).view(src.shape[0], src.shape[1], 1)
    dist += torch.sum(dst**2, -1).view(src.shape[0], 1, dst.shape[1])
    return dist


def propagation(sd, xyz1, xyz2, points1, points2):
    """``PointNetFeaturePropagation`` ([B, C, N] inputs, as officially)."""
    xyz1, xyz2 = xyz1.permute(0, 2, 1), xyz2.permute(0, 2, 1)
    points2 = points2.permute(0, 2, 1)
    Bx, Nx, _ = xyz1.shape
    dists, idx = square_distance(xyz1, xyz2).sort(dim=-1)
    dists, idx = dists[:, :, :3], idx[:, :, :3]
    dist_recip = 1.0 / (dists + 1e-8)
    weight = dist_recip / torch.sum(dist_recip, dim=2, keepdim=True)
    interpolated = torch.sum(
        index_points(points2, idx) * weight.view(Bx, Nx, 3, 1), dim=2)
    x = torch.cat([points1.permute(0, 2, 1), interpolated],
                  dim=-1).permute(0, 2, 1)
    for i in range(2):
        x = F.relu(batch_norm(sd, f'propagation_0.mlp_bns.{i}',
                              conv(sd, f'propagation_0.mlp_convs.{i}', x)))
    return x


def official_partseg(sd, pts, cls_label):
    """``get_model.forward(pts [B, 3, N], one-hot [B, 16])``."""
    Bx, _, Nx = pts.shape
    pts = pts.transpose(-1, -2)
    center = index_points(pts, farthest_point_sample(pts, G))
    idx = knn(center, pts, K)[1]
    neighborhood = index_points(pts, idx) - center.unsqueeze(2)
    tokens = official_encoder(sd, neighborhood)
    glob = [sd[f'{t}_token'].expand(Bx, -1, -1)
            for t in ('cls', 'img', 'text')]
    glob_pos = [sd[f'{t}_pos'].expand(Bx, -1, -1)
                for t in ('cls', 'img', 'text')]
    pos = linear(sd, 'pos_embed.2',
                 F.gelu(linear(sd, 'pos_embed.0', center)))
    x = torch.cat(glob + [tokens], 1)
    pos = torch.cat(glob_pos + [pos], 1)
    feature_list = []
    for i in range(DEPTH):
        x = official_block(sd, f'blocks.blocks.{i}', x + pos)
        if i in FETCH:
            feature_list.append(x[:, 3:])
    cls = x[:, :3].max(1)[0]
    feature_list = [layer_norm(sd, 'norm', f).transpose(-1, -2)
                    for f in feature_list]
    x = torch.cat(feature_list, 1)
    x_max = x.max(2)[0].unsqueeze(-1).repeat(1, 1, Nx)
    x_avg = x.mean(2).unsqueeze(-1).repeat(1, 1, Nx)
    label = F.leaky_relu(batch_norm(sd, 'label_conv.1', conv(
        sd, 'label_conv.0', cls_label.view(Bx, 16, 1))), 0.2).repeat(1, 1, Nx)
    x_global = torch.cat((x_max, x_avg, cls.unsqueeze(2).repeat(1, 1, Nx),
                          label), 1)
    f_level_0 = propagation(sd, pts.transpose(-1, -2),
                            center.transpose(-1, -2), pts.transpose(-1, -2),
                            x)
    x = torch.cat((f_level_0, x_global), 1)
    x = F.relu(batch_norm(sd, 'bns1', conv(sd, 'convs1', x)))
    x = F.relu(batch_norm(sd, 'bns2', conv(sd, 'convs2', x)))
    x = conv(sd, 'convs3', x)
    return F.log_softmax(x, dim=1).permute(0, 2, 1)


def build_segmentor(official_sd, dtype=torch.float64):
    model = MODELS.build(
        dict(
            type='PartSegmentor',
            arch=dict(embed_dims=C, depth=DEPTH, num_heads=HEADS),
            backbone=dict(type='PointTransformer', num_group=G, group_size=K,
                          drop_path_rate=0.),
            neck=dict(type='ReConNeck'),
            out_indices=FETCH,
            seg_head=dict(type='PartSegHead',
                          propagation_channels=(1536, 1024))))
    sd, dropped = official_to_recon3d(official_sd, 'partseg')
    assert dropped == []
    model.to(dtype).load_state_dict(sd, strict=True)
    return model.eval()


@pytest.mark.parametrize('dtype,tol', [(torch.float64, 1e-10),
                                       (torch.float32, 1e-4)])
@torch.no_grad()
def test_matches_official_transcription(dtype, tol):
    sd = random_official_state_dict('partseg', embed_dims=C, depth=DEPTH,
                                    seed=5)
    model = build_segmentor(sd, dtype)
    gen = torch.Generator().manual_seed(6)
    pts = torch.randn(B, N, 3, generator=gen, dtype=torch.float64)
    category = torch.tensor([4, 11, 15])
    expected = official_partseg(sd, pts.transpose(1, 2),
                                F.one_hot(category, 16).double())
    samples = [ReconDataSample().set_gt_label(c) for c in category]
    got = model(dict(points=pts.to(dtype)), samples, mode='tensor')
    assert got.shape == (B, N, 50)
    assert expected.std() > 0.1  # not a vacuous comparison
    assert (got.double() - expected).abs().max().item() <= tol
    # every recon3d key goes back to the official one, tensor for tensor
    back = recon3d_to_official(model.state_dict(), 'partseg')
    assert set(back) == set(sd)
