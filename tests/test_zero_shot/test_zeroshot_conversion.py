"""``--kind zeroshot`` / ``--kind svm`` on an official pretraining file: the
official zero-shot checkpoint is one (the official zero-shot and SVM models
load the ``MAE_encoder.`` trunk and the projections of a pretraining
checkpoint)."""
import importlib.util
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from recon3d.apis import convert_official_checkpoint, load_model_weights
from recon3d.models.utils import OfficialKeyError, official_to_recon3d
from recon3d.registry import MODELS
from recon3d.testing import (random_official_state_dict,
                             tiny_classifier_overrides)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = dict(
    tiny_classifier_overrides(), **{
        'model.text_teacher': dict(
            _delete_=True,
            type='OpenCLIPTextTeacher',
            model_name='recon3d-tiny-clip',
            pretrained=None)
    })
#: Official keys a pretraining file holds besides the trunk and projections.
NOT_READ = ('mask_token', 'decoder_pos_embed.', 'MAE_decoder.',
            'increase_dim.', 'cls_proj.', 'img_encoder.', 'text_encoder.')


def _model(config):
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'recon', config))
    cfg.merge_from_dict(
        TINY if 'zeroshot' in config else tiny_classifier_overrides())
    return MODELS.build(cfg.model).eval()


def _official_pretrain(tmp_path, **kwargs):
    official = random_official_state_dict(
        'pretrain', embed_dims=32, depth=1, group_size=8, **kwargs)
    src = tmp_path / 'official.pth'
    torch.save({'base_model': {f'module.{k}': v
                               for k, v in official.items()}}, src)
    return official, src


def _converter():
    path = osp.join(REPO, 'tools', 'model_converters',
                    'recon_official_to_recon3d.py')
    tool = importlib.util.module_from_spec(
        importlib.util.spec_from_file_location('recon3d_convert_tool', path))
    tool.__spec__.loader.exec_module(tool)
    return tool


def test_kind_zeroshot_on_a_pretraining_file_loads_strictly(tmp_path):
    official, src = _official_pretrain(
        tmp_path, img_dim=32, text_dim=32, smc_hidden=16, teachers=True)
    dst = tmp_path / 'zs.pth'
    assert _converter().main([str(src), str(dst), '--kind', 'zeroshot']) == 0
    ckpt = torch.load(dst, weights_only=True)
    model = _model('zeroshot_modelnet40.py')
    # Strict: no missing key (the teacher is outside the state dict) and
    # nothing else in the file.
    result = model.load_state_dict(ckpt['state_dict'], strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    assert ckpt['meta']['kind'] == 'zeroshot'
    assert ckpt['meta']['dropped_keys'] == sorted(
        k for k in official if k.startswith(NOT_READ))
    torch.testing.assert_close(
        model.neck.blocks[0].attn.kv.weight,
        official['MAE_encoder.blocks.blocks.0.attn_contrast.kv.weight']
        .float())
    torch.testing.assert_close(model.img_head.proj.weight,
                               official['img_proj.weight'].float())
    torch.testing.assert_close(model.text_head.proj.bias,
                               official['text_proj.bias'].float())
    # The same features as the same file converted as 'pretrain' and read
    # partly (decoder and cls_proj unused).
    pre = tmp_path / 'pre.pth'
    convert_official_checkpoint(str(src), str(pre), kind='pretrain')
    other = _model('zeroshot_modelnet40.py')
    load_model_weights(other, str(pre))
    points = torch.rand(2, 128, 3, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(
            model(dict(points=points)), other(dict(points=points)),
            rtol=0, atol=0)


def test_kind_svm_on_a_pretraining_file_keeps_the_encoder(tmp_path):
    official, src = _official_pretrain(tmp_path, img_dim=32, text_dim=24)
    dst = tmp_path / 'svm.pth'
    summary = convert_official_checkpoint(str(src), str(dst), kind='svm')
    state = torch.load(dst, weights_only=True)['state_dict']
    result = _model('svm_modelnet40.py').load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    assert summary['dropped'] == sorted(
        k for k in official
        if k.startswith(NOT_READ + ('img_proj.', 'text_proj.')))


def test_kind_zeroshot_without_projections_says_what_to_use(tmp_path):
    _, src = _official_pretrain(tmp_path)
    dst = tmp_path / 'zs.pth'
    with pytest.raises(OfficialKeyError) as err:
        convert_official_checkpoint(str(src), str(dst), kind='zeroshot')
    assert 'no img_proj.* or text_proj.*' in str(err.value)
    assert '--kind pretrain' in str(err.value)
    assert not dst.exists()
    # the tool: one error line, exit 1
    assert _converter().main([str(src), str(dst), '--kind', 'zeroshot']) == 1
    assert not dst.exists()


def test_a_damaged_pretraining_file_is_named_as_one():
    official = random_official_state_dict(
        'pretrain', embed_dims=32, depth=1, group_size=8, img_dim=32)
    del official['MAE_encoder.blocks.blocks.0.norm2.bias']
    del official['MAE_decoder.norm.weight']
    with pytest.raises(OfficialKeyError) as err:
        official_to_recon3d(official, 'zeroshot')
    text = str(err.value)
    assert 'official ReCon pretrain checkpoint' in text
    assert "'MAE_encoder.blocks.blocks.0.norm2.bias'" in text
    assert "'MAE_decoder.norm.weight'" in text
