"""Teacher caches: exact text lookups, seeded image views, refusals,
interrupted and sharded builds, a training step without teachers or images.

Everything is tiny: 18 generated shapes with 40-pixel images, the tiny
open_clip teachers with random weights.
"""
import functools
import importlib.util
import json
import os
import os.path as osp
import random
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config

from recon3d.models.teachers import (CachedTeacher, StaleCacheError,
                                     build_teacher_cache, cache_dataset,
                                     dataset_keys, seed_view,
                                     use_teacher_cache)
from recon3d.registry import TEACHERS, TRANSFORMS
from recon3d.utils import find_missing_inputs

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = 'recon3d-tiny-clip'
TEXT = dict(type='OpenCLIPTextTeacher', model_name=TINY, pretrained=None)
IMAGE = dict(type='OpenCLIPImageTeacher', model_name=TINY, pretrained=None)
VIEWS = [
    dict(type='LoadImageFromPNG', bgr=False),
    dict(type='ReConImageAugment', resize=36, crop=32, cutout=4),
]


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    from recon3d.datasets.synthetic import write_shapenet55
    root = str(tmp_path_factory.mktemp('cache_data') / 'ShapeNet55-34')
    write_shapenet55(
        root, train_per_class=1, test_per_class=1, seed=0, num_points=128,
        image_size=40)
    return root


def dataset_cfg(root, split='train'):
    return dict(type='ShapeNet55', data_root=root, split=split,
                with_img=False, pipeline=[])


def cached(teacher, cache, **kwargs):
    return dict(teacher=teacher, cache=str(cache), **kwargs)


@pytest.fixture(scope='module')
def caches(data_root, tmp_path_factory):
    """A text cache (all 60 prompts) and an image cache (3 views)."""
    out = tmp_path_factory.mktemp('caches')
    text = cached(TEXT, out / 'text')
    img = cached(IMAGE, out / 'img', num_views=3, pipeline=VIEWS)
    for cfg, batch in ((text, 128), (img, 16)):
        build_teacher_cache(cfg, dataset_cfg(data_root), batch_size=batch,
                            progress=False, command='build-cmd')
    return text, img


def live(cfg):
    torch.manual_seed(0)  # the cache's seed of random weights
    return TEACHERS.build(cfg)


def test_text_cache_equals_live_teacher(caches, data_root):
    text_cfg, _ = caches
    teacher = CachedTeacher(**text_cfg)
    reference = live(TEXT)
    texts = teacher.keys
    assert texts == dataset_keys(
        cache_dataset(dataset_cfg(data_root), 'text'), 'text')
    assert teacher.table.shape == (len(texts), 60, reference.out_channels)
    # Every prompt variant of every text, to 1e-6.
    expected = reference.encode_prompts(
        [reference.prompt(t, p) for t in texts for p in range(60)])
    torch.testing.assert_close(
        teacher.table.flatten(0, 1), expected, atol=1e-6, rtol=0)
    # forward draws the live teacher's prompts from the same random numbers.
    batch = [texts[i] for i in (0, 3, 3, 7, 1, 0, 5, 2)]
    random.seed(11)
    expected = reference(batch)
    after_live = random.random()
    random.seed(11)
    out = teacher(batch)
    assert random.random() == after_live
    torch.testing.assert_close(out, expected, atol=1e-6, rtol=0)
    assert out.dtype == torch.float32 and out.shape == expected.shape


def test_image_cache_view_equals_live_teacher(caches, data_root):
    _, img_cfg = caches
    teacher = CachedTeacher(**img_cfg)
    reference = live(IMAGE)
    dataset = cache_dataset(dataset_cfg(data_root), 'img')
    transforms = [TRANSFORMS.build(t) for t in VIEWS]
    for k, v in ((0, 0), (5, 2), (17, 1)):
        key = teacher.keys[k]
        seed_view(0, key, v)
        results = dict(dataset.get_data_info(k))
        for t in transforms:
            results = t(results)
        img = torch.from_numpy(results['img'].transpose(2, 0, 1).copy())
        expected = reference(img[None])[0]
        torch.testing.assert_close(
            torch.from_numpy(teacher.features[k, v].astype(np.float32)),
            expected, atol=2e-3, rtol=2e-3)
    # Views differ; forward gives one of the V views per sample.
    assert not np.array_equal(teacher.features[0, 0], teacher.features[0, 1])
    torch.manual_seed(0)
    out = teacher([teacher.keys[0]] * 32)
    rows = {tuple(r.tolist()) for r in out.half()}
    views = {tuple(torch.tensor(teacher.features[0, v]).tolist())
             for v in range(3)}
    assert rows <= views and len(rows) > 1
    with pytest.raises(KeyError, match='no entry for'):
        teacher(['not-a-key.npy'])
    with pytest.raises(TypeError, match='img_key'):
        teacher(torch.zeros(2, 3, 32, 32, dtype=torch.uint8))


def test_stale_caches_are_refused(caches, tmp_path, data_root):
    text_cfg, img_cfg = caches
    # Another teacher architecture / template set / view count / seed.
    for cfg, what in (
            (dict(text_cfg, teacher=dict(TEXT, context_length=12)),
             'teacher.context_length'),
            (dict(text_cfg, teacher=dict(TEXT, templates=['A '])),
             'teacher.templates'),
            (dict(img_cfg, num_views=4), 'views: cache 3, config 4'),
            (dict(img_cfg, pipeline=VIEWS[:1]), 'pipeline'),
            (dict(img_cfg, seed=1), 'weights.seed'),
    ):
        with pytest.raises(StaleCacheError) as error:
            CachedTeacher(**cfg)
        assert what in str(error.value)
        assert 'Rebuild it: build-cmd' in str(error.value)
    # Other weights: random ones, or a file whose checksum is not the
    # cache's; the same file elsewhere is the same weights.
    weights = tmp_path / 'text.pth'
    torch.save(live(TEXT).full_state_dict(), weights)
    stale = dict(text_cfg, teacher=dict(TEXT, pretrained=str(weights)))
    with pytest.raises(StaleCacheError, match='weights.pretrained'):
        CachedTeacher(**stale)
    one_prompt = dict(TEXT, pretrained=str(weights), templates=['A '],
                      suffixes=['.'])
    from_file = cached(one_prompt, tmp_path / 'from_file')
    build_teacher_cache(from_file, dataset_cfg(data_root), progress=False)
    shutil.copy(weights, tmp_path / 'moved.pth')
    CachedTeacher(**dict(from_file, teacher=dict(
        one_prompt, pretrained=str(tmp_path / 'moved.pth'))))
    torch.save({k: v + 1 for k, v in torch.load(weights).items()}, weights)
    with pytest.raises(StaleCacheError, match='weights.sha256'):
        CachedTeacher(**from_file)
    # No cache, or another dataset list (preflight).
    with pytest.raises(StaleCacheError, match='no teacher cache'):
        CachedTeacher(**dict(text_cfg, cache=str(tmp_path / 'none')))
    cfg = Config(dict(
        model=dict(img_teacher=dict(type='CachedTeacher', **img_cfg)),
        train_dataloader=dict(dataset=dataset_cfg(data_root, 'test'))))
    problems = find_missing_inputs(cfg)
    assert len(problems) == 1
    assert 'model.img_teacher' in problems[0]
    assert 'another dataset list' in problems[0] and 'build-cmd' in problems[0]
    cfg.train_dataloader.dataset = dataset_cfg(data_root, 'train')
    assert find_missing_inputs(cfg) == []


class Interrupt(Exception):
    pass


def test_interrupted_build_resumes_to_the_same_file(data_root, tmp_path):
    full = cached(IMAGE, tmp_path / 'full', num_views=2, pipeline=VIEWS)
    build_teacher_cache(full, dataset_cfg(data_root), batch_size=8,
                        progress=False)
    part = dict(full, cache=str(tmp_path / 'part'))

    def stop(chunk):
        if chunk == 1:
            raise Interrupt

    with pytest.raises(Interrupt):
        build_teacher_cache(part, dataset_cfg(data_root), batch_size=8,
                            progress=False, on_chunk=stop, command='again')
    # Nothing looks finished; the refusal says how to resume.
    assert not osp.exists(tmp_path / 'part' / 'index.json')
    assert sorted(os.listdir(tmp_path / 'part' / 'chunks')) == [
        '000000.npy', '000001.npy'
    ]
    with pytest.raises(StaleCacheError, match='unfinished.*again'):
        CachedTeacher(**part)
    # Resumed with another batch size: the first one is kept.
    done = []
    build_teacher_cache(part, dataset_cfg(data_root), batch_size=5,
                        progress=False, on_chunk=done.append)
    assert done == [2, 3, 4]
    for name in ('features.npy', 'index.json'):
        assert osp.isfile(tmp_path / 'part' / name)
    assert not osp.exists(tmp_path / 'part' / 'chunks')
    a = np.load(tmp_path / 'full' / 'features.npy')
    b = np.load(tmp_path / 'part' / 'features.npy')
    assert a.shape == (18, 2, 32) and a.dtype == np.float16
    assert np.array_equal(a, b)
    # A finished, matching cache is kept as it is.
    built = []
    build_teacher_cache(part, dataset_cfg(data_root), batch_size=8,
                        progress=False, on_chunk=built.append)
    assert built == []


def _tiny_cached_config(data_root, cfg_file, cache_root):
    """configs/recon/pretrain_cached.py shrunk: tiny teachers and data."""
    cfg_file.write_text(f'''
_base_ = [{osp.join(ROOT, 'configs', 'recon', 'pretrain_cached.py')!r}]
model = dict(
    img_teacher=dict(
        teacher=dict(_delete_=True, **{IMAGE!r}),
        cache={cache_root + '/img_teacher'!r}, num_views=2,
        pipeline={VIEWS!r}),
    text_teacher=dict(
        teacher=dict(_delete_=True, **{TEXT!r}, templates=['A ', ''],
                     suffixes=['.']),
        cache={cache_root + '/text_teacher'!r}))
# A tiny student on 128-point clouds.
model.update(arch=dict(_delete_=True, embed_dims=32, depth=1, num_heads=2),
             backbone=dict(num_group=8, group_size=8), decoder=dict(depth=1),
             data_preprocessor=dict(num_points=128))
train_pipeline = [
    dict(type='LoadPointsFromFile', use_dims=3),
    dict(type='RandomPointSample', num_points=128),
    dict(type='NormalizePoints'),
    dict(type='PackReconInputs', img_key='file_name'),
]
train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(data_root={data_root!r}, split='train',
                 pipeline=train_pipeline))
''')
    return str(cfg_file)


def test_build_tool_and_two_process_build(data_root, tmp_path):
    """The documented commands: one process, then torchrun with 2 gloo
    processes (each a share, process 0 merges), giving the same files."""
    one = _tiny_cached_config(data_root, tmp_path / 'one.py',
                              str(tmp_path / 'one'))
    two = _tiny_cached_config(data_root, tmp_path / 'two.py',
                              str(tmp_path / 'two'))
    tool = osp.join(ROOT, 'tools', 'analysis_tools', 'build_teacher_cache.py')
    args = ['--batch-size', '8', '--num-workers', '0', '--no-progress']
    spec = importlib.util.spec_from_file_location('build_teacher_cache', tool)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main([one, '--only', 'text'] + args)
    assert os.listdir(tmp_path / 'one') == ['text_teacher']
    module.main([one] + args)
    env = dict(os.environ, OMP_NUM_THREADS='1')
    subprocess.run([
        sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node',
        '2', '--master_port', str(29500 + os.getpid() % 1000), tool, two,
        '--launcher', 'pytorch'
    ] + args, check=True, env=env, cwd=ROOT, timeout=600)
    for name in ('img_teacher', 'text_teacher'):
        a = np.load(tmp_path / 'one' / name / 'features.npy')
        b = np.load(tmp_path / 'two' / name / 'features.npy')
        # Other thread counts: equal up to float rounding.
        np.testing.assert_allclose(
            a.astype(np.float32), b.astype(np.float32), rtol=1e-3, atol=1e-5)
        index = json.loads(
            (tmp_path / 'two' / name / 'index.json').read_text())
        assert index['built']['processes'] == 2
        assert '--launcher pytorch' in index['built']['command']
    # python tools/train.py configs/recon/pretrain_cached.py, shrunk.
    from recon3d.apis import train
    runner = train([
        one, '--work-dir',
        str(tmp_path / 'work'), '--no-validate', '--cfg-options',
        'train_cfg.max_epochs=1'
    ])
    assert runner.model.img_teacher.__class__ is CachedTeacher
    assert osp.isfile(tmp_path / 'work' / 'epoch_1.pth')


def test_pretrain_cached_is_the_switch():
    """configs/recon/pretrain_cached.py = use_teacher_cache(pretrain.py)."""
    configs = osp.join(ROOT, 'configs', 'recon')
    written = Config.fromfile(osp.join(configs, 'pretrain_cached.py'))
    switched = use_teacher_cache(
        Config.fromfile(osp.join(configs, 'pretrain.py')),
        'data/ShapeNet55-34/teacher_cache',
        num_views=10)
    assert switched.model.to_dict() == written.model.to_dict()
    assert switched.train_dataloader.to_dict() == \
        written.train_dataloader.to_dict()
    one_view = use_teacher_cache(
        Config.fromfile(osp.join(configs, 'pretrain.py')), 'c', num_views=1)
    assert one_view.model.img_teacher.pipeline[-1] == dict(
        type='ResizeImage', size=224)


def test_training_step_reads_caches_only(data_root, tmp_path, monkeypatch):
    """With caches, a step builds and calls no teacher network, and loads
    and augments no image."""
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import OptimWrapper
    from PIL import Image

    from recon3d.datasets.transforms import (LoadImageFromPNG,
                                             ReConImageAugment)
    from recon3d.models.teachers import (OpenCLIPImageTeacher,
                                         OpenCLIPTextTeacher,
                                         build_config_caches)
    from recon3d.registry import DATASETS, MODELS
    from recon3d.testing import tiny_pretrain_cfg
    demo = osp.join(ROOT, 'configs', 'recon', 'pretrain_demo.py')
    cfg = tiny_pretrain_cfg(demo, data_root, str(tmp_path))
    cfg = use_teacher_cache(cfg, str(tmp_path / 'caches'), num_views=2)
    build_config_caches(cfg, batch_size=256, progress=False)

    def forbid(obj, name):
        """Replace obj.name by a function that fails (same signature)."""

        @functools.wraps(getattr(obj, name))
        def forbidden(*args, **kwargs):
            raise AssertionError(f'{obj.__name__}.{name} was called')

        monkeypatch.setattr(obj, name, forbidden)

    for cls in (OpenCLIPImageTeacher, OpenCLIPTextTeacher):
        forbid(cls, '__init__')
        forbid(cls, 'encode')
    for cls in (LoadImageFromPNG, ReConImageAugment):
        forbid(cls, 'transform')
    forbid(Image, 'open')

    model = MODELS.build(cfg.model)
    model.init_weights()
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    batch = pseudo_collate([dataset[i] for i in range(4)])
    assert batch['inputs']['img'] == [dataset.get_data_info(i)['file_name']
                                      for i in range(4)]
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1e-3))
    losses = model.train_step(batch, optim)
    assert {'loss_mdm', 'loss_csc_img', 'loss_csc_text'} <= set(losses)
    assert all(torch.isfinite(v) for v in losses.values())


def test_write_teacher_cache(tmp_path):
    """Features from elsewhere (e.g. synthetic, for a speed benchmark)
    make a cache that CachedTeacher accepts."""
    from recon3d.models.teachers import write_teacher_cache
    cfg = cached(dict(TEXT, templates=['', 'A '], suffixes=['.']),
                 tmp_path / 'w')
    feats = np.random.default_rng(0).standard_normal((3, 2, 8))
    write_teacher_cache(cfg, ['a', 'b', 'c'], feats)
    teacher = CachedTeacher(**cfg)
    random.seed(4)
    out = teacher(['c', 'a'])
    random.seed(4)
    idx = [random.choice(range(2)) + 2 * random.choice(range(1))
           for _ in range(2)]
    torch.testing.assert_close(
        out, torch.tensor(feats[[2, 0], idx], dtype=torch.float32))
    with pytest.raises(ValueError, match=r'expected \[3, 2, D\]'):
        write_teacher_cache(cfg, ['a', 'b', 'c'], feats[:, :1])


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_build_on_cuda_in_bf16(data_root, tmp_path, caches):
    """The documented GPU command, shrunk: the same views in bf16."""
    _, img_cfg = caches
    cfg_file = _tiny_cached_config(data_root, tmp_path / 'gpu.py',
                                   str(tmp_path / 'gpu'))
    cfg_file_text = open(cfg_file).read().replace('num_views=2',
                                                  'num_views=3')
    open(cfg_file, 'w').write(cfg_file_text)
    tool = osp.join(ROOT, 'tools', 'analysis_tools', 'build_teacher_cache.py')
    spec = importlib.util.spec_from_file_location('build_teacher_cache', tool)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main([cfg_file, '--device', 'cuda', '--precision', 'bf16',
                 '--only', 'img', '--no-progress', '--num-workers', '0'])
    gpu = np.load(tmp_path / 'gpu' / 'img_teacher' / 'features.npy')
    cpu = np.load(osp.join(img_cfg['cache'], 'features.npy'))
    np.testing.assert_allclose(
        gpu.astype(np.float32), cpu.astype(np.float32), rtol=0.05,
        atol=0.05)


def test_docs_cache_commands_parse():
    """The cache commands of the docs name real configs and options (they
    run, shrunk, in test_build_tool_and_two_process_build)."""
    import re
    import shlex
    tool = osp.join(ROOT, 'tools', 'analysis_tools', 'build_teacher_cache.py')
    spec = importlib.util.spec_from_file_location('build_teacher_cache', tool)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    commands = []
    for doc in ('performance.md', 'get_started.md'):
        with open(osp.join(ROOT, 'docs', doc)) as f:
            blocks = re.findall(r'```bash\n(.*?)```', f.read(), re.S)
        commands += [
            shlex.split(line.split('#')[0])
            for line in '\n'.join(blocks).splitlines()
            if 'build_teacher_cache.py' in line
        ]
    assert len(commands) >= 4
    for command in commands:
        argv = command[command.index(
            'tools/analysis_tools/build_teacher_cache.py') + 1:]
        args = module.parse_args(argv)
        assert osp.isfile(osp.join(ROOT, args.config)), command
