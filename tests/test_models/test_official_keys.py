"""The official <-> recon3d key mapping: coverage of the recon3d models,
detection, round trips and errors naming the key."""
import pytest
import torch

from recon3d.models.utils import (OfficialKeyError, detect_kind,
                                  detect_recon3d_kind, official_to_recon3d,
                                  recon3d_to_official)
from recon3d.models.utils.official_keys import mapping_rows
from recon3d.registry import MODELS
from recon3d.testing import random_official_state_dict

C, DEPTH, DEC_DEPTH, K = 32, 2, 1, 8
SMALL = dict(embed_dims=C, depth=DEPTH, decoder_depth=DEC_DEPTH,
             group_size=K, num_classes=7)
TEACHER_KEYS = ['img_encoder.visual.proj.bias',
                'img_encoder.visual.proj.weight',
                'text_encoder.token_embedding.bias',
                'text_encoder.token_embedding.weight']


def _trunk(**kw):
    return dict(
        arch=dict(embed_dims=C, depth=DEPTH, num_heads=2),
        backbone=dict(type='PointTransformer', num_group=8, group_size=K),
        neck=dict(type='ReConNeck'),
        **kw)


def _recon(**heads):
    return MODELS.build(dict(
        type='ReCon',
        decoder=dict(type='PointMAEDecoder', depth=DEC_DEPTH),
        rec_head=dict(type='ReconstructionHead'),
        **_trunk(**heads)))


def _assert_same(a, b):
    assert set(a) == set(b)
    for k in a:
        assert a[k].dtype == b[k].dtype, k
        assert torch.equal(a[k], b[k]), k


# ------------------------------------------------ coverage of the models
@pytest.mark.parametrize('head_type', ['mlp', 'linear'])
def test_classifier_state_dict_is_exactly_the_cls_table(head_type):
    model = MODELS.build(dict(type='PointClassifier', **_trunk(
        cls_head=dict(type='ClsHead', num_classes=7, head_type=head_type))))
    group = 'cls_full' if head_type == 'mlp' else 'cls_linear'
    rows = mapping_rows('cls', C, DEPTH, groups=[group], cls_hidden=256,
                        num_classes=7)
    own = model.state_dict()
    assert {r.recon3d for r in rows} == set(own)
    for r in rows:
        assert tuple(own[r.recon3d].shape) == r.shape, r


def test_recon_state_dict_is_exactly_the_pretrain_table():
    model = _recon(smc_head=dict(type='ContrastiveHead', in_channels=C))
    rows = mapping_rows('pretrain', C, DEPTH, DEC_DEPTH,
                        groups=['decoder', 'cls_proj'], K=K, smc_hidden=128)
    own = model.state_dict()
    assert {r.recon3d for r in rows} == set(own)
    for r in rows:
        assert tuple(own[r.recon3d].shape) == r.shape, r


def test_table_spot_checks():
    rows = {r.official: r.recon3d for r in mapping_rows(
        'pretrain', 384, 12, 4, groups=['decoder', 'img_proj',
                                        'text_proj'], K=32)}
    assert len(rows) == len(set(rows.values()))  # one-to-one
    expect = {
        'MAE_encoder.cls_token': 'neck.cls_token',
        'MAE_encoder.text_pos': 'neck.text_pos',
        'MAE_encoder.encoder.first_conv.1.running_var':
        'backbone.patch_embed.first_conv.1.running_var',
        'MAE_encoder.encoder.second_conv.3.weight':
        'backbone.patch_embed.second_conv.3.weight',
        'MAE_encoder.pos_embed.2.bias': 'backbone.pos_embed.2.bias',
        'MAE_encoder.blocks.blocks.11.attn.qkv.weight':
        'backbone.blocks.11.attn.qkv.weight',
        'MAE_encoder.blocks.blocks.3.attn_contrast.kv.weight':
        'neck.blocks.3.attn.kv.weight',
        'MAE_encoder.blocks.blocks.0.norm2_contrast.bias':
        'neck.blocks.0.norm2.bias',
        'MAE_encoder.blocks.blocks.5.mlp_contrast.fc1.weight':
        'neck.blocks.5.mlp.fc1.weight',
        'MAE_encoder.norm.weight': 'neck.norm.weight',
        'mask_token': 'decoder.mask_token',
        'decoder_pos_embed.0.weight': 'decoder.pos_embed.0.weight',
        'MAE_decoder.blocks.3.mlp.fc2.bias': 'decoder.blocks.3.mlp.fc2.bias',
        'MAE_decoder.norm.bias': 'decoder.norm.bias',
        'increase_dim.0.weight': 'rec_head.increase_dim.weight',
        'img_proj.weight': 'img_head.proj.weight',
        'text_proj.bias': 'text_head.proj.bias',
    }
    for official, recon3d in expect.items():
        assert rows[official] == recon3d


# --------------------------------------------------- detection and trips
CASES = {
    'pretrain': dict(img_dim=24, text_dim=20),
    'pretrain_smc': dict(img_dim=24, text_dim=20, smc_hidden=16),
    'cls': dict(),
    'cls_linear': dict(head_type='linear'),
    'zeroshot': dict(img_dim=24, text_dim=20),
    'zeroshot_text': dict(text_dim=20),
    'svm': dict(),
    'partseg': dict(),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_round_trip_is_bit_for_bit(case):
    kind = case.split('_')[0]
    sd = random_official_state_dict(kind, seed=3, dtype=torch.float32,
                                    **SMALL, **CASES[case])
    assert detect_kind(sd) == kind
    new, dropped = official_to_recon3d(sd)
    assert dropped == []
    assert all(k.startswith(('backbone.', 'neck.', 'decoder.', 'rec_head.',
                             'img_head.', 'text_head.', 'smc_head.',
                             'cls_head.layers.', 'seg_head.'))
               for k in new)
    assert detect_recon3d_kind(new) == kind
    _assert_same(recon3d_to_official(new), sd)
    _assert_same(recon3d_to_official(new, kind), sd)


def test_module_prefix_and_teachers_are_dropped():
    sd = random_official_state_dict('pretrain', teachers=True, img_dim=24,
                                    **SMALL)
    wrapped = {f'module.{k}': v for k, v in sd.items()}
    new, dropped = official_to_recon3d(wrapped)
    assert dropped == TEACHER_KEYS
    back = recon3d_to_official(new, 'pretrain')
    _assert_same(back, {k: v for k, v in sd.items()
                        if not k.startswith(('img_encoder.',
                                             'text_encoder.'))})


def test_narrower_kind_drops_the_other_heads():
    sd = random_official_state_dict('cls', **SMALL)
    new, dropped = official_to_recon3d(sd, 'svm')
    assert dropped and all(k.startswith('cls_head_finetune.')
                           for k in dropped)
    assert not [k for k in new if k.startswith('cls_head')]
    # and back: a recon3d pretrain state dict to an official SVM trunk
    pre = random_official_state_dict('pretrain', img_dim=24, **SMALL)
    new, _ = official_to_recon3d(pre)
    trunk = recon3d_to_official(new, 'svm')
    assert set(trunk) == {k[len('MAE_encoder.'):] for k in pre
                          if k.startswith('MAE_encoder.')}
    assert detect_kind(trunk) == 'svm'


def test_converted_pretrain_loads_into_recon_and_classifier():
    sd = random_official_state_dict('pretrain', **SMALL)
    new, _ = official_to_recon3d(sd)
    _recon().load_state_dict(new, strict=True)
    clf = MODELS.build(dict(type='PointClassifier', **_trunk(
        cls_head=dict(type='ClsHead', num_classes=7))))
    result = clf.load_state_dict(new, strict=False)
    assert all(k.startswith('cls_head.') for k in result.missing_keys)
    assert {k.split('.')[0] for k in result.unexpected_keys} == {
        'decoder', 'rec_head'}


# ----------------------------------------------------------------- errors
def _error(sd, kind=None):
    with pytest.raises(OfficialKeyError) as info:
        official_to_recon3d(sd, kind)
    return str(info.value)


def test_missing_key_is_named():
    sd = random_official_state_dict('cls', **SMALL)
    del sd['blocks.blocks.1.norm2.weight']
    assert "missing key 'blocks.blocks.1.norm2.weight'" in _error(sd)
    sd = random_official_state_dict('pretrain', **SMALL)
    del sd['MAE_decoder.blocks.0.attn.qkv.weight']
    assert "'MAE_decoder.blocks.0.attn.qkv.weight'" in _error(sd)
    sd = random_official_state_dict('cls', **SMALL)
    del sd['cls_token']
    assert "missing key 'cls_token'" in _error(sd)


def test_unknown_key_is_named():
    sd = random_official_state_dict('cls', **SMALL)
    sd['blocks.blocks.0.attn.qkv.bias'] = torch.zeros(3 * C)
    sd['foo.weight'] = torch.zeros(2)
    msg = _error(sd)
    assert "unknown key 'blocks.blocks.0.attn.qkv.bias'" in msg
    assert "unknown key 'foo.weight'" in msg
    # an extra block without its partner keys is unknown and missing
    sd = random_official_state_dict('svm', **SMALL)
    sd[f'blocks.blocks.{DEPTH}.norm1.weight'] = torch.ones(C)
    assert f"missing key 'blocks.blocks.{DEPTH}.norm2.weight'" in _error(sd)


@pytest.mark.parametrize('key,shape', [
    ('blocks.blocks.0.attn.qkv.weight', (C, C)),
    ('blocks.blocks.1.attn_contrast.kv.weight', (3 * C, C)),
    ('encoder.second_conv.3.weight', (C, 512)),
    ('cls_head_finetune.0.weight', (256, 3 * C)),
    ('text_pos', (1, C)),
])
def test_misshaped_key_is_named(key, shape):
    sd = random_official_state_dict('cls', **SMALL)
    sd[key] = torch.zeros(shape)
    msg = _error(sd)
    assert f"key '{key}' has shape" in msg
    assert msg.count('problem') == 1 and '1 problem' in msg


def test_wrong_kind_and_non_official_inputs():
    sd = random_official_state_dict('cls', **SMALL)
    msg = _error(sd, 'pretrain')
    assert 'look like --kind cls' in msg
    assert "missing key 'MAE_encoder.cls_token'" in msg
    with pytest.raises(ValueError, match='kind must be one of'):
        official_to_recon3d(sd, 'detection')
    new, _ = official_to_recon3d(sd)
    with pytest.raises(OfficialKeyError, match='already in the recon3d'):
        official_to_recon3d(new)
    with pytest.raises(OfficialKeyError, match='not an official ReCon'):
        official_to_recon3d({'weight': torch.zeros(1)})
    pointmae = {k: v for k, v in random_official_state_dict(
        'pretrain', **SMALL).items() if '_contrast' not in k}
    assert 'Point-MAE' in _error(pointmae)


def test_reverse_errors_name_recon3d_keys():
    new, _ = official_to_recon3d(random_official_state_dict('cls', **SMALL))
    bad = dict(new)
    bad['backbone.extra'] = torch.zeros(1)
    del bad['neck.blocks.0.attn.q.weight']
    bad['neck.blocks.1.attn.kv.weight'] = torch.zeros(C, C)
    with pytest.raises(OfficialKeyError) as info:
        recon3d_to_official(bad, 'cls')
    msg = str(info.value)
    assert "unknown key 'backbone.extra'" in msg
    assert "missing key 'neck.blocks.0.attn.q.weight'" in msg
    assert "key 'neck.blocks.1.attn.kv.weight' has shape (32, 32)" in msg
    with pytest.raises(OfficialKeyError, match='not a recon3d state dict'):
        recon3d_to_official(random_official_state_dict('cls', **SMALL))
