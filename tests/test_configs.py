"""Every config parses, builds its model and dumps/reloads; pretrain.py
stops clearly without its data and weights."""
import glob
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
from mmengine.config import Config

from recon3d.registry import MODELS
from recon3d.testing import (tiny_classifier_overrides,
                             tiny_model_overrides)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    glob.glob(osp.join(REPO, 'configs', 'recon', '*.py')))


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_parses_and_reloads(path, tmp_path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'recon3d'
    assert cfg.model.type in ('ReCon', 'PointClassifier')
    dumped = tmp_path / 'dumped.py'
    cfg.dump(str(dumped))
    assert Config.fromfile(str(dumped)).to_dict() == cfg.to_dict()


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_its_model(path):
    cfg = Config.fromfile(path)
    for key in ('img_teacher', 'text_teacher'):
        teacher = cfg.model.get(key)
        if teacher and teacher.type == 'CachedTeacher':
            # No cache here: build the teacher it stands for (caches are
            # tested in tests/test_models/test_teacher_cache.py).
            cfg.model[key] = teacher.teacher
    if cfg.model.type == 'PointClassifier':
        # Full size: shrink the trunk (tests/test_classification checks
        # the settings); no checkpoint is loaded here.
        if cfg.model.backbone.embed_dims > 96:
            cfg.merge_from_dict(tiny_classifier_overrides())
        model = MODELS.build(cfg.model)
        assert model.cls_head.in_channels == model.backbone.embed_dims
        return
    if cfg.model.backbone.embed_dims > 96:
        # Full size: shrink the trunk, keep the configured teachers' types
        # (random weights: nothing is downloaded).
        overrides = tiny_model_overrides()
        for key in ('model.img_teacher', 'model.text_teacher'):
            overrides.pop(key)
        cfg.merge_from_dict(overrides)
        for key in ('img_teacher', 'text_teacher'):
            teacher = cfg.model[key]
            teacher.pretrained = None
            if teacher.type == 'TimmImageTeacher':
                teacher.model_kwargs = dict(
                    embed_dim=32, depth=1, num_heads=2, img_size=32,
                    patch_size=8)
                teacher.representation_size = 32
            else:
                teacher.model_name = 'recon3d-tiny-clip'
    model = MODELS.build(cfg.model)
    assert model.backbone.embed_dims == model.neck.norm.normalized_shape[0]
    assert (model.img_teacher is None) == (model.img_head is None)


def test_paper_settings_of_pretrain_py():
    cfg = Config.fromfile(osp.join(REPO, 'configs/recon/pretrain.py'))
    assert cfg.model.backbone.embed_dims == 384
    assert cfg.model.backbone.depth == 12
    assert cfg.model.backbone.num_heads == 6
    assert cfg.model.neck.stop_grad is True
    assert cfg.model.img_teacher.type == 'TimmImageTeacher'
    assert cfg.model.text_teacher.model_name == 'ViT-B-32'
    assert cfg.optim_wrapper.optimizer.lr == 5e-4
    assert cfg.optim_wrapper.optimizer.weight_decay == 0.05
    assert cfg.train_cfg.max_epochs == 300
    assert cfg.train_dataloader.batch_size == 128
    assert cfg.train_dataloader.dataset.data_root == 'data/ShapeNet55-34'
    assert cfg.train_dataloader.dataset.split == 'whole'
    sample = [t for t in cfg.train_dataloader.dataset.pipeline
              if t.type == 'RandomPointSample']
    assert sample[0].num_points == 1024
    warmup = cfg.param_scheduler[0]
    assert warmup.type == 'LinearLR' and warmup.end == 10


def test_zeroshot_config_uses_clip_for_both_teachers():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/recon/pretrain_zeroshot.py'))
    assert cfg.model.img_teacher.type == 'OpenCLIPImageTeacher'
    assert cfg.model.img_teacher.model_name == 'ViT-B-32'
    # _delete_ dropped the timm teacher's kwargs.
    assert 'representation_size' not in cfg.model.img_teacher


def test_pretrain_stops_at_once_without_data_or_weights(tmp_path):
    env = dict(os.environ, HF_HUB_OFFLINE='1')
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'train.py'),
         osp.join(REPO, 'configs', 'recon', 'pretrain.py')],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    err = proc.stderr
    assert "'data/ShapeNet55-34' does not exist" in err
    assert ('make_synthetic.py --format shapenet55 --out '
            'data/ShapeNet55-34') in err
    assert 'jx_vit_base_patch16_224_in21k' in err
    assert 'Traceback' not in err


def _doc_example():
    text = open(osp.join(REPO, 'docs', 'configs.md')).read()
    blocks = re.findall(r'```python\n# (configs/recon/\S+\.py)\n(.*?)```',
                        text, re.S)
    assert blocks, 'docs/configs.md has no worked config example'
    return blocks


def test_docs_worked_example_builds(tmp_path):
    for name, body in _doc_example():
        # Its relative _base_ paths point into configs/recon/.
        body = body.replace("'./", repr(osp.join(REPO, 'configs', 'recon'))
                            [:-1] + '/')
        path = tmp_path / osp.basename(name)
        path.write_text(body)
        cfg = Config.fromfile(str(path))
        model = MODELS.build(cfg.model)
        assert model.backbone.embed_dims == cfg.model.backbone.embed_dims
