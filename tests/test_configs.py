"""Every config parses, builds its model and dumps/reloads; pretrain.py
stops clearly without its data and weights."""
import glob
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from recon3d.apis.training import build_train_config, parse_train_args
from recon3d.models.utils.arch import resolve_arch
from recon3d.registry import MODELS
from recon3d.structures import ReconDataSample
from recon3d.testing import (tiny_classifier_overrides,
                             tiny_model_overrides)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    glob.glob(osp.join(REPO, 'configs', 'recon', '*.py')))


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_parses_and_reloads(path, tmp_path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'recon3d'
    assert MODELS.get(cfg.model.type) is not None, cfg.model.type
    dumped = tmp_path / 'dumped.py'
    cfg.dump(str(dumped))
    assert Config.fromfile(str(dumped)).to_dict() == cfg.to_dict()


def _random_tiny_teacher(teacher):
    """Keep a teacher's type, with random weights and a tiny size."""
    if 'teacher' in teacher:  # a wrapper, e.g. CachedTeacher
        _random_tiny_teacher(teacher.teacher)
    elif teacher.type == 'TimmImageTeacher':
        teacher.pretrained = None
        teacher.model_kwargs = dict(
            embed_dim=32, depth=1, num_heads=2, img_size=32, patch_size=8)
        teacher.representation_size = 32
    elif teacher.type.startswith('OpenCLIP'):
        teacher.pretrained = None
        teacher.model_name = 'recon3d-tiny-clip'


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_its_model(path):
    cfg = Config.fromfile(path)
    for key in ('img_teacher', 'text_teacher'):
        teacher = cfg.model.get(key)
        if teacher and teacher.type == 'CachedTeacher':
            # No cache here: build the teacher it stands for (caches are
            # tested in tests/test_models/test_teacher_cache.py).
            cfg.model[key] = teacher.teacher
    arch = resolve_arch(cfg.model.get('arch', 'base'))
    if arch['embed_dims'] > 96:
        # Full size: shrink the encoder (tests/test_classification checks
        # the settings), keep the configured teachers' types (random
        # weights: nothing is downloaded); no checkpoint is loaded here.
        cfg.merge_from_dict(tiny_classifier_overrides())
        if 'decoder' in cfg.model:
            cfg.merge_from_dict({'model.decoder.depth': 1})
        for key in ('img_teacher', 'text_teacher'):
            if cfg.model.get(key):
                _random_tiny_teacher(cfg.model[key])
    model = MODELS.build(cfg.model)
    width = model.arch['embed_dims']
    assert model.backbone.embed_dims == width
    assert model.neck.norm.normalized_shape[0] == width
    for name in ('cls_head', 'img_head', 'text_head'):
        head = getattr(model, name, None)
        if head is not None:
            layer = head.layers[0] if name == 'cls_head' else head.proj
            assert layer.in_features in (width, 4 * width), name
    if cfg.model.type == 'ReCon':
        assert (model.img_teacher is None) == (model.img_head is None)


def test_paper_settings_of_pretrain_py():
    cfg = Config.fromfile(osp.join(REPO, 'configs/recon/pretrain.py'))
    assert cfg.model.arch == 'base'
    arch = resolve_arch(cfg.model.arch)
    assert arch['embed_dims'] == 384
    assert arch['depth'] == 12
    assert arch['num_heads'] == 6
    assert cfg.model.neck.stop_grad is True
    assert cfg.model.img_teacher.type == 'TimmImageTeacher'
    assert cfg.model.text_teacher.model_name == 'ViT-B-32'
    assert cfg.optim_wrapper.optimizer.lr == 5e-4
    assert cfg.optim_wrapper.optimizer.weight_decay == 0.05
    # The official loop runs epochs 0..300.
    assert cfg.train_cfg.max_epochs == 301
    assert cfg.train_dataloader.batch_size == 128
    assert cfg.train_dataloader.dataset.data_root == 'data/ShapeNet55-34'
    assert cfg.train_dataloader.dataset.split == 'whole'
    sample = [t for t in cfg.train_dataloader.dataset.pipeline
              if t.type == 'RandomPointSample']
    assert sample[0].num_points == 1024
    sched = cfg.param_scheduler[0]
    assert sched.type == 'TimmCosineLR' and sched.warmup_t == 10
    # The official loader's BGR teacher images.
    load = [t for t in cfg.train_dataloader.dataset.pipeline
            if t.type == 'LoadImageFromPNG']
    assert load[0].bgr is True


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
        assert model.backbone.embed_dims == cfg.model.arch.embed_dims


# ----------------------------------------------------- model.arch overrides
def _one_loss(model, model_type):
    """One loss and backward on random clouds; the total is finite."""
    B = 2
    inputs = dict(points=torch.randn(B, 64, 3))
    if model_type == 'ReCon':
        inputs.update(img=torch.randint(0, 256, (B, 3, 32, 32),
                                        dtype=torch.uint8),
                      text=['chair', 'table'])
    samples = [ReconDataSample().set_gt_label(i) for i in range(B)]
    total, _ = model.parse_losses(model(inputs, samples, mode='loss'))
    total.backward()
    assert torch.isfinite(total)


def _build_from_command(argv, monkeypatch):
    """The model of a ``tools/train.py`` command line: the config and its
    ``--cfg-options`` as the tool resolves them, then 8 groups of 8 points
    and tiny random teachers (the encoder stays as the command sets it)."""
    monkeypatch.chdir(REPO)
    cfg = build_train_config(parse_train_args(argv))
    cfg.merge_from_dict({'model.backbone.num_group': 8,
                         'model.backbone.group_size': 8})
    teachers = {k: v for k, v in tiny_model_overrides().items()
                if k.endswith('_teacher') and cfg.model.get(k[6:])}
    cfg.merge_from_dict(teachers)
    return cfg, MODELS.build(cfg.model)


def _check_arch(model, arch):
    spec = resolve_arch(arch)
    assert model.arch == spec
    assert model.backbone.embed_dims == spec['embed_dims']
    for part in (model.backbone, model.neck):
        assert len(part.blocks) == spec['depth']
        assert {b.attn.num_heads for b in part.blocks} == {spec['num_heads']}


@pytest.mark.parametrize('config',
                         ['pretrain.py', 'finetune_scanobjectnn_hardest.py'])
def test_cfg_options_arch_tiny_builds_and_trains(config, monkeypatch):
    cfg, model = _build_from_command(
        [f'configs/recon/{config}', '--cfg-options', 'model.arch=tiny'],
        monkeypatch)
    _check_arch(model, 'tiny')
    assert model.backbone.embed_dims == 192
    _one_loss(model, cfg.model.type)


def test_a_name_replaces_a_dict_arch(monkeypatch):
    monkeypatch.chdir(REPO)
    demo = 'configs/recon/pretrain_demo.py'
    cfg = build_train_config(parse_train_args([demo]))
    assert cfg.model.arch == dict(embed_dims=96, depth=4, num_heads=3)
    cfg = build_train_config(
        parse_train_args([demo, '--cfg-options', 'model.arch=tiny']))
    assert cfg.model.arch == 'tiny'
