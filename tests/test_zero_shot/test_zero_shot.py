"""ZeroShotClassifier, ZeroShotAccuracy, ConcatSplits and the zero-shot
configs, on generated data with the tiny random text teacher."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from recon3d.apis import convert_official_checkpoint, load_model_weights
from recon3d.models.teachers import PROMPT_PREFIXES, PROMPT_SUFFIXES
from recon3d.registry import MODELS
from recon3d.testing import random_official_state_dict

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: The tiny encoder: C=32, one block, 8 groups of 8.
TINY = {
    'model.arch._delete_': True, 'model.arch.embed_dims': 32,
    'model.arch.depth': 1, 'model.arch.num_heads': 2,
    'model.backbone.num_group': 8, 'model.backbone.group_size': 8
}
TINY_TEXT = dict(_delete_=True, type='OpenCLIPTextTeacher',
                 model_name='recon3d-tiny-clip', pretrained=None)


@pytest.fixture(scope='module')
def modelnet(tmp_path_factory):
    from recon3d.datasets.synthetic import write_modelnet40
    root = tmp_path_factory.mktemp('zs') / 'ModelNet40'
    write_modelnet40(str(root), train_per_class=2, test_per_class=1,
                     num_points_txt=300, num_points=256)
    return str(root)


def tiny_cfg(config='zeroshot_modelnet40.py', data_root=None, work_dir=None):
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'recon', config))
    cfg.merge_from_dict(TINY)
    cfg.merge_from_dict({
        'model.text_teacher': TINY_TEXT,
        'model.num_points': 128,
        'model.fps_points': None,  # deterministic FPS: repeatable features
    })
    if data_root is not None:
        cfg.merge_from_dict({
            'test_dataloader.dataset.dataset.data_root': data_root,
            'test_dataloader.dataset.dataset.num_points': 256,
            'test_dataloader.num_workers': 0,
            'test_dataloader.persistent_workers': False,
            'test_dataloader.batch_size': 8,
        })
    if work_dir is not None:
        cfg.work_dir = str(work_dir)
    return cfg


def test_class_embedding_is_the_sum_over_the_60_prompts():
    model = MODELS.build(tiny_cfg().model)
    teacher = model.text_teacher
    assert teacher.num_prompts == 60
    names = ['chair', 'night_stand', 'toilet']
    expected = []
    for name in names:
        total = 0
        for j in range(60):
            prompt = PROMPT_PREFIXES[j % 20] + name + PROMPT_SUFFIXES[j // 20]
            assert teacher.prompt(name, j) == prompt
            total = total + teacher.encode_prompts([prompt])[0]
        expected.append(total)
    got = model.class_embeddings(names)
    torch.testing.assert_close(got, torch.stack(expected), rtol=1e-5,
                               atol=1e-5)
    # kept: the second call returns the same tensor
    assert model.class_embeddings(names) is got
    # the prompt mapping changes the texts, not the class order
    model.prompt_names = {'toilet': 'toile'}
    mapped = model.class_embeddings(names)
    torch.testing.assert_close(mapped[:2], got[:2])
    assert not torch.allclose(mapped[2], got[2])


def test_accuracy_equals_a_numpy_computation(modelnet, tmp_path):
    cfg = tiny_cfg(data_root=modelnet, work_dir=tmp_path)
    cfg.test_dataloader.dataset.splits = 'train+test'
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    model = runner.model.eval()
    dataset = runner.test_dataloader.dataset
    classes = dataset.metainfo['classes']
    assert model.class_names == tuple(classes)
    items = [dataset[i] for i in range(len(dataset))]
    labels = [int(item['data_samples'].gt_label) for item in items]
    splits = [item['data_samples'].split for item in items]
    with torch.no_grad():
        data = model.data_preprocessor(dict(inputs=dict(
            points=[item['inputs']['points'] for item in items])), False)
        points = model.sample_points(data['inputs']['points'])
        feats = model(dict(points=points)).numpy()
        # every prompt of every class, encoded once, summed per class
        teacher = model.text_teacher
        prompts = [teacher.prompt(c, j) for c in classes for j in range(60)]
        emb = teacher.encode_prompts(prompts).numpy().reshape(
            len(classes), 60, -1).sum(1)
    labels = np.array(labels)
    cos = (feats @ emb.T) / (np.linalg.norm(feats, axis=1)[:, None] *
                             np.linalg.norm(emb, axis=1)[None])
    pred = cos.argmax(1)
    top1 = (pred == labels).mean() * 100
    class_mean = np.mean([(pred[labels == c] == c).mean()
                          for c in np.unique(labels)]) * 100
    assert metrics['zeroshot/top1'] == pytest.approx(top1, abs=1e-4)
    assert metrics['zeroshot/class_mean'] == pytest.approx(
        class_mean, abs=1e-4)
    test = np.array(splits) == 'test'
    assert metrics['zeroshot/top1_test'] == pytest.approx(
        (pred[test] == labels[test]).mean() * 100, abs=1e-4)
    assert sorted(set(splits)) == ['test', 'train']
    assert len(dataset) == 18 * 3


def test_test_split_by_default(modelnet, tmp_path):
    cfg = tiny_cfg(data_root=modelnet, work_dir=tmp_path)
    assert cfg.test_dataloader.dataset.splits == 'test'
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    assert len(runner.test_dataloader.dataset) == 18
    assert 'zeroshot/top1_train' not in metrics


@pytest.mark.parametrize('feature', ['full', 'text', 'image'])
def test_point_feature_types(feature):
    cfg = tiny_cfg()
    cfg.model.feature = feature
    cfg.model.ratio = 0.25
    model = MODELS.build(cfg.model).eval()
    assert (model.img_head is None) == (feature == 'text')
    assert (model.text_head is None) == (feature == 'image')
    points = torch.rand(2, 128, 3)
    with torch.no_grad():
        tokens = model.extract_feat(dict(points=points))
        got = model(dict(points=points))
    if feature == 'full':
        want = 0.25 * model.text_head(tokens.text) + model.img_head(
            tokens.img)
    elif feature == 'text':
        want = model.text_head(tokens.text)
    else:
        want = model.img_head(tokens.img)
    torch.testing.assert_close(got, want)


def test_official_zeroshot_checkpoint_converts_and_loads_strictly(tmp_path):
    model = MODELS.build(tiny_cfg().model)
    official = random_official_state_dict(
        'zeroshot', embed_dims=32, depth=1, img_dim=32, text_dim=32)
    src, dst = tmp_path / 'official.pth', tmp_path / 'zs.pth'
    torch.save({'base_model': {f'module.{k}': v
                               for k, v in official.items()}}, src)
    summary = convert_official_checkpoint(str(src), str(dst))
    assert summary['kind'] == 'zeroshot'
    state = torch.load(dst, weights_only=True)['state_dict']
    before = model.text_teacher.full_state_dict()
    result = model.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    torch.testing.assert_close(model.text_head.proj.weight,
                               official['text_proj.weight'].float())
    torch.testing.assert_close(model.img_head.proj.bias,
                               official['img_proj.bias'].float())
    for key, value in model.text_teacher.full_state_dict().items():
        assert torch.equal(value, before[key])  # the teacher is untouched
    # The teacher never enters a checkpoint.
    assert not any(k.startswith('text_teacher') for k in model.state_dict())


def test_official_pretrain_file_loads_every_zeroshot_weight(tmp_path):
    official = random_official_state_dict(
        'pretrain', embed_dims=32, depth=1, img_dim=32, text_dim=32,
        group_size=8, teachers=True)
    src, dst = tmp_path / 'official.pth', tmp_path / 'pre.pth'
    torch.save({'base_model': official}, src)
    convert_official_checkpoint(str(src), str(dst))
    model = MODELS.build(tiny_cfg().model)
    load_model_weights(model, str(dst))
    torch.testing.assert_close(model.neck.norm.weight,
                               official['MAE_encoder.norm.weight'].float())


def test_a_checkpoint_without_the_projections_is_refused(tmp_path):
    official = random_official_state_dict('svm', embed_dims=32, depth=1)
    src, dst = tmp_path / 'official.pth', tmp_path / 'svm.pth'
    torch.save({'base_model': official}, src)
    convert_official_checkpoint(str(src), str(dst))
    model = MODELS.build(tiny_cfg().model)
    with pytest.raises(ValueError, match=r'missing: img_head\.proj'):
        load_model_weights(model, str(dst))


def test_missing_teacher_weights_say_what_to_provide(tmp_path):
    cfg = tiny_cfg()
    cfg.model.text_teacher.pretrained = str(tmp_path / 'clip.bin')
    with pytest.raises(RuntimeError) as err:
        MODELS.build(cfg.model)
    text = str(err.value)
    assert 'clip.bin' in text
    assert 'model.text_teacher.pretrained=PATH' in text
    assert 'ViT-B-32' in text


def test_scanobjectnn_configs_use_the_official_settings():
    ratios = dict(objbg=0.1, objonly=0.15, hardest=0.05)
    groups = dict(objbg=(64, 64), objonly=(32, 128), hardest=(64, 64))
    for variant, ratio in ratios.items():
        cfg = Config.fromfile(osp.join(
            REPO, 'configs', 'recon', f'zeroshot_scanobjectnn_{variant}.py'))
        assert cfg.model.ratio == ratio
        assert (cfg.model.backbone.num_group,
                cfg.model.backbone.group_size) == groups[variant]
        assert cfg.model.prompt_names == dict(toilet='toile')
        assert cfg.test_dataloader.dataset.splits == 'test'
    for name, ratio in (('modelnet40', 0.25), ('modelnet10', 0.2)):
        cfg = Config.fromfile(
            osp.join(REPO, 'configs', 'recon', f'zeroshot_{name}.py'))
        assert cfg.model.ratio == ratio
        assert (cfg.model.num_points, cfg.model.fps_points) == (1024, 1200)


def test_metric_reports_each_split():
    from recon3d.evaluation.metrics import ZeroShotAccuracy
    metric = ZeroShotAccuracy(num_classes=2)
    samples = [
        dict(pred_label=torch.tensor([p]), gt_label=torch.tensor([g]),
             pred_score=torch.zeros(2), split=s)
        for p, g, s in ((0, 0, 'test'), (1, 0, 'test'), (1, 1, 'train'),
                        (1, 1, 'train'))
    ]
    metric.process(None, samples)
    out = metric.compute_metrics(metric.results)
    assert out['top1'] == 75.0
    assert out['top1_test'] == 50.0 and out['top1_train'] == 100.0
    assert out['class_mean'] == pytest.approx((50 + 100) / 2)


def test_tools_test_runs_zeroshot_and_dumps_items(modelnet, tmp_path):
    import importlib.util
    import json
    spec = importlib.util.spec_from_file_location(
        'recon3d_test_tool', osp.join(REPO, 'tools', 'test.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    cfg = tiny_cfg()
    model = MODELS.build(cfg.model)
    ckpt = tmp_path / 'zs.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    opts = [f'{k}={v}' for k, v in TINY.items()] + [
        'model.text_teacher.model_name=recon3d-tiny-clip',
        'model.text_teacher.pretrained=None', 'model.num_points=128',
        'model.fps_points=None',
        f'test_dataloader.dataset.dataset.data_root={modelnet}',
        'test_dataloader.dataset.dataset.num_points=256',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'
    ]
    items = tmp_path / 'items.json'
    summary = tool.main([
        osp.join(REPO, 'configs/recon/zeroshot_modelnet40.py'), str(ckpt),
        '--work-dir', str(tmp_path), '--out-items', str(items),
        '--cfg-options', *opts
    ])
    rows = json.loads(items.read_text())
    assert len(rows) == 18
    assert {'file_name', 'split', 'gt_label', 'pred_label',
            'pred_score'} <= set(rows[0])
    top1 = np.mean([r['pred_label'] == r['gt_label'] for r in rows]) * 100
    assert summary['zeroshot/top1'] == pytest.approx(top1, abs=1e-4)
