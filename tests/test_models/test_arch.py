"""One encoder spec (``arch``) for every part of a ReCon model."""
import os.path as osp
import re

import pytest
import torch
import torch.nn as nn

from recon3d.models.utils.arch import (ARCH_SETTINGS, ENCODER_KEYS,
                                       arch_sources, link_parts, resolve_arch)
from recon3d.registry import MODELS, TEACHERS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = dict(embed_dims=32, depth=2, num_heads=2)


def recon_cfg(arch=TINY, **parts):
    cfg = dict(
        type='ReCon',
        arch=arch,
        backbone=dict(type='PointTransformer', num_group=8, group_size=8),
        neck=dict(type='ReConNeck'),
        decoder=dict(type='PointMAEDecoder', depth=1),
        rec_head=dict(type='ReconstructionHead'),
        smc_head=dict(type='ContrastiveHead'))
    for name, extra in parts.items():
        cfg[name] = dict(cfg.get(name) or {}, **extra)
    return cfg


def clf_cfg(arch=TINY, **parts):
    cfg = dict(
        type='PointClassifier',
        arch=arch,
        backbone=dict(type='PointTransformer', num_group=8, group_size=8),
        neck=dict(type='ReConNeck'),
        cls_head=dict(type='ClsHead', num_classes=3))
    for name, extra in parts.items():
        cfg[name] = dict(cfg[name], **extra)
    return cfg


def test_names_are_the_official_sizes():
    assert ARCH_SETTINGS == {
        'tiny': dict(embed_dims=192, depth=12, num_heads=3, mlp_ratio=4.),
        'small': dict(embed_dims=256, depth=12, num_heads=4, mlp_ratio=4.),
        'base': dict(embed_dims=384, depth=12, num_heads=6, mlp_ratio=4.),
    }
    assert resolve_arch('small') == ARCH_SETTINGS['small']
    assert resolve_arch('small') is not ARCH_SETTINGS['small']  # a copy
    assert resolve_arch(TINY) == dict(TINY, mlp_ratio=4.)
    assert resolve_arch(dict(TINY, mlp_ratio=2, drop_path_rate=.3)) == dict(
        TINY, mlp_ratio=2, drop_path_rate=.3)


def test_bad_arch_is_named():
    with pytest.raises(ValueError, match=r"unknown arch 'huge'.*'base'"):
        resolve_arch('huge')
    with pytest.raises(ValueError, match=r"lacks \['num_heads'\]"):
        resolve_arch(dict(embed_dims=32, depth=1))
    with pytest.raises(ValueError, match=r"unknown keys \['width'\]"):
        resolve_arch(dict(TINY, width=3))
    with pytest.raises(TypeError, match='a name or a dict'):
        resolve_arch(384)


@pytest.mark.parametrize('name', sorted(ARCH_SETTINGS))
def test_every_part_takes_its_width_from_a_named_arch(name):
    spec = ARCH_SETTINGS[name]
    C, depth, heads = spec['embed_dims'], spec['depth'], spec['num_heads']
    model = MODELS.build(recon_cfg(arch=name))
    assert model.arch == spec
    assert model.backbone.embed_dims == C
    assert len(model.backbone.blocks) == depth
    assert model.neck.norm.normalized_shape == (C, )
    assert len(model.neck.blocks) == depth
    assert len(model.decoder.blocks) == 1  # the decoder's own depth
    for blocks in (model.backbone.blocks, model.neck.blocks,
                   model.decoder.blocks):
        assert {b.attn.num_heads for b in blocks} == {heads}
        assert {b.mlp.fc1.out_features for b in blocks} == {4 * C}
    assert model.rec_head.increase_dim.in_channels == C
    assert model.smc_head.proj[0].in_features == C


def test_dict_arch_mlp_ratio_and_drop_path_reach_every_part():
    model = MODELS.build(
        recon_cfg(arch=dict(TINY, mlp_ratio=2, drop_path_rate=.3),
                  decoder=dict(depth=2)))
    for blocks in (model.backbone.blocks, model.neck.blocks,
                   model.decoder.blocks):
        assert {b.mlp.fc1.out_features for b in blocks} == {64}
        # linspace(0, .3, depth): the last block has the full rate.
        assert blocks[-1].drop_path.drop_prob == pytest.approx(.3)


def test_drop_path_set_in_the_backbone_is_followed():
    model = MODELS.build(recon_cfg(
        backbone=dict(drop_path_rate=.25), decoder=dict(depth=2)))
    for part in (model.backbone, model.neck, model.decoder):
        assert part.blocks[-1].drop_path.drop_prob == pytest.approx(.25)
    clf = MODELS.build(clf_cfg(backbone=dict(drop_path_rate=.2)))
    assert clf.neck.blocks[-1].drop_path.drop_prob == pytest.approx(.2)


def test_agreeing_settings_are_accepted():
    model = MODELS.build(recon_cfg(
        backbone=dict(embed_dims=32, depth=2),
        neck=dict(num_heads=2, mlp_ratio=4),
        rec_head=dict(in_channels=32, group_size=8)))
    assert model.neck.norm.normalized_shape == (32, )


@pytest.mark.parametrize('part,key,value,other', [
    ('backbone', 'embed_dims', 96, 'arch.embed_dims=32'),
    ('neck', 'depth', 4, 'arch.depth=2'),
    ('decoder', 'embed_dims', 48, 'arch.embed_dims=32'),
    ('decoder', 'mlp_ratio', 2, 'arch.mlp_ratio=4.0'),
    ('rec_head', 'in_channels', 64, 'arch.embed_dims=32'),
    ('rec_head', 'group_size', 16, 'backbone.group_size=8'),
    ('smc_head', 'in_channels', 16, 'arch.embed_dims=32'),
])
def test_a_part_that_disagrees_names_both_values(part, key, value, other):
    with pytest.raises(ValueError) as err:
        MODELS.build(recon_cfg(**{part: {key: value}}))
    msg = str(err.value)
    assert msg.startswith(f'ReCon: {part}.{key}={value} disagrees with '
                          f'{other}'), msg


def test_two_parts_that_disagree_name_both():
    with pytest.raises(ValueError, match=re.escape(
            'PointClassifier: neck.drop_path_rate=0.1 disagrees with '
            'backbone.drop_path_rate=0.2')):
        MODELS.build(clf_cfg(backbone=dict(drop_path_rate=.2),
                             neck=dict(drop_path_rate=.1)))
    with pytest.raises(ValueError, match=re.escape(
            "PointClassifier: backbone.depth=4 disagrees with arch.depth=12 "
            "(arch='base')")):
        MODELS.build(clf_cfg(arch='base', backbone=dict(depth=4)))
    with pytest.raises(ValueError, match=re.escape(
            'cls_head.in_channels=8 disagrees with arch.embed_dims=32')):
        MODELS.build(clf_cfg(cls_head=dict(in_channels=8)))


def test_decoder_heads_are_its_own_setting():
    # The official decoder_num_heads: defaults to the arch's, may differ.
    model = MODELS.build(recon_cfg(decoder=dict(num_heads=4)))
    assert {b.attn.num_heads for b in model.decoder.blocks} == {4}
    assert {b.attn.num_heads for b in model.backbone.blocks} == {2}


def test_link_parts_leaves_inputs_alone_and_fills_only_linked_keys():
    backbone = dict(type='PointTransformer', drop_path_rate=.1)
    parts = dict(backbone=backbone, neck=dict(type='ReConNeck'), head=None)
    out = link_parts('X', arch_sources('small'), parts,
                     dict(backbone=ENCODER_KEYS, neck=ENCODER_KEYS,
                          head=dict(in_channels='embed_dims')))
    assert backbone == dict(type='PointTransformer', drop_path_rate=.1)
    assert out['head'] is None
    assert out['neck'] == dict(type='ReConNeck', embed_dims=256, depth=12,
                               num_heads=4, mlp_ratio=4., drop_path_rate=.1)


def test_the_documented_error_is_the_real_one():
    text = open(osp.join(REPO, 'docs', 'configs.md')).read()
    shown = re.search(r'^ValueError: (ReCon: neck\.depth=.*)$', text, re.M)
    assert shown, 'docs/configs.md shows no arch mismatch error'
    with pytest.raises(ValueError) as err:
        MODELS.build(recon_cfg(arch='base', neck=dict(depth=4)))
    assert str(err.value) == shown.group(1)


@TEACHERS.register_module(force=True)
class ArchTestTextTeacher(nn.Module):
    """A stand-in text teacher: only its width matters here."""
    out_channels = 16


def test_zero_shot_and_classifier_share_the_spec():
    clf = MODELS.build(clf_cfg())
    assert clf.cls_head.layers[0].in_features == 4 * 32
    zs = MODELS.build(dict(
        type='ZeroShotClassifier', arch=TINY,
        backbone=dict(type='PointTransformer', num_group=8, group_size=8),
        neck=dict(type='ReConNeck'),
        text_teacher=dict(type='ArchTestTextTeacher')))
    assert zs.backbone.embed_dims == 32 and len(zs.neck.blocks) == 2
    assert zs.img_head.proj.in_features == 32
    out = zs.extract_feat(dict(points=torch.randn(2, 64, 3)))
    assert out.cls.shape == (2, 32)
