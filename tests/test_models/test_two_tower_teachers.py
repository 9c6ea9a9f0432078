"""The two-tower ablation needs a teacher: its distillation tower is a
separate network that only the distillation losses train (unlike the
ReCon-block's global stream, which gets zero gradients without teachers)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from recon3d.registry import MODELS
from recon3d.testing import tiny_model_overrides

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
NO_IMG = {'model.img_teacher': None, 'model.img_head': None}
NO_TEXT = {'model.text_teacher': None, 'model.text_head': None}


def _cfg(*drop):
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'recon', 'pretrain_twotower_demo.py'))
    cfg.merge_from_dict(tiny_model_overrides())
    for options in drop:
        cfg.merge_from_dict(options)
    return cfg.model


def test_teacher_less_two_tower_is_refused():
    with pytest.raises(ValueError) as err:
        MODELS.build(_cfg(NO_IMG, NO_TEXT))
    text = str(err.value)
    assert 'TwoTower needs img_teacher or text_teacher' in text
    # names the ReCon configuration of masked modelling alone, which builds
    assert 'configs/recon/pretrain_demo.py' in text
    options = text[text.index('--cfg-options') + len('--cfg-options'):]
    ablation = Config.fromfile(
        osp.join(REPO, 'configs', 'recon', 'pretrain_demo.py'))
    ablation.merge_from_dict(tiny_model_overrides())
    ablation.merge_from_dict({
        key: None
        for key, _ in (opt.split('=') for opt in options.split())
    })
    model = MODELS.build(ablation.model)
    assert model.img_teacher is None and model.text_teacher is None


@pytest.mark.parametrize('drop', [NO_IMG, NO_TEXT], ids=['text', 'img'])
def test_one_teacher_trains_the_whole_distillation_tower(drop):
    torch.manual_seed(0)
    model = MODELS.build(_cfg(drop))
    model.init_weights()
    inputs = dict(
        points=torch.randn(2, 128, 3),
        img=torch.randint(0, 255, (2, 3, 32, 32), dtype=torch.uint8),
        text=['a chair', 'a lamp'])
    losses = model(inputs, mode='loss')
    assert len(losses) == 2  # loss_mdm and the one distillation loss
    sum(losses.values()).backward()
    tower = dict(model.neck.named_parameters())
    assert tower and all(p.grad is not None for p in tower.values())
    # both learned tokens get a signal: the unused one through attention
    assert tower['img_token'].grad.abs().sum() > 0
    assert tower['text_token'].grad.abs().sum() > 0
