"""PointClassifier, ClsHead, CrossEntropyLoss and loading pretrained
recon3d / converted official checkpoints into the classifier."""
import copy
import os.path as osp

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.runner import Runner, load_checkpoint

import recon3d.models.utils.pretrained as pretrained_module
from recon3d.apis import convert_official_checkpoint
from recon3d.models.utils import load_pretrained, official_to_recon3d
from recon3d.registry import LOSSES, MODELS
from recon3d.structures import ReConTokens, ReconDataSample
from recon3d.testing import random_official_state_dict

C, G, K, N, B, NC = 32, 8, 8, 64, 4, 5
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def clf_cfg(head_type='mlp', embed_dims=C, num_classes=NC, **kw):
    return dict(
        type='PointClassifier',
        arch=dict(embed_dims=embed_dims, depth=2, num_heads=2),
        backbone=dict(type='PointTransformer', num_group=G, group_size=K),
        neck=dict(type='ReConNeck'),
        cls_head=dict(type='ClsHead', num_classes=num_classes,
                      head_type=head_type),
        **kw)


def build(seed=0, **kw):
    torch.manual_seed(seed)
    model = MODELS.build(clf_cfg(**kw))
    model.init_weights()
    return model


def points(seed=0):
    return torch.randn(B, N, 3, generator=torch.Generator().manual_seed(seed))


def samples(labels=(0, 1, 4, 1)):
    return [ReconDataSample().set_gt_label(int(y)) for y in labels]


def batch(seed=0):
    pts = points(seed)
    return pseudo_collate([
        dict(inputs=dict(points=pts[i]), data_samples=s)
        for i, s in enumerate(samples())
    ])


def random_tokens(seed=0):
    gen = torch.Generator().manual_seed(seed)
    return ReConTokens(*(torch.randn(B, C, generator=gen) for _ in range(3)),
                       torch.randn(B, G, C, generator=gen))


# ------------------------------------------------------------ head, loss
@pytest.mark.parametrize('head_type', ['mlp', 'linear'])
def test_cls_head_layers_follow_official_indices(head_type):
    head = MODELS.build(clf_cfg(head_type)).cls_head
    layers = head.layers
    if head_type == 'linear':
        assert len(layers) == 1
        assert (layers[0].in_features, layers[0].out_features) == (4 * C, NC)
        return
    kinds = [nn.Linear, nn.BatchNorm1d, nn.ReLU, nn.Dropout] * 2 + [nn.Linear]
    assert [type(m) for m in layers] == kinds
    assert (layers[0].in_features, layers[0].out_features) == (4 * C, 256)
    assert layers[3].p == 0.5 and layers[8].out_features == NC
    with pytest.raises(ValueError, match='head_type'):
        MODELS.build(clf_cfg('conv'))
    # The official full / mlp3 heads are one layer type: 'mlp'; the
    # earlier names say so.
    for old in ('full', 'mlp3'):
        with pytest.raises(ValueError, match=f"{old}' is now 'mlp'"):
            MODELS.build(clf_cfg(old))


def test_cls_head_feature_forward_and_predict():
    head = MODELS.build(clf_cfg()).cls_head.eval()
    tokens = random_tokens()
    feat = torch.cat([tokens.cls, tokens.img, tokens.text,
                      tokens.local.max(1)[0]], -1)
    torch.testing.assert_close(head.pool(tokens), feat)
    logits = head(tokens)
    torch.testing.assert_close(logits, head.layers(feat))
    given = samples()
    out = head.predict(tokens, given)
    assert out is given
    for b, s in enumerate(out):
        assert s.pred_score.shape == (NC, )
        torch.testing.assert_close(s.pred_score, logits[b].softmax(-1))
        assert s.pred_label.tolist() == [int(logits[b].argmax())]
    assert len(head.predict(tokens)) == B


def test_cross_entropy_loss():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(6, 4, generator=gen)
    target = torch.tensor([0, 3, 1, 1, 2, 0])
    plain = LOSSES.build(dict(type='CrossEntropyLoss'))
    torch.testing.assert_close(plain(logits, target),
                               F.cross_entropy(logits, target))
    smooth = LOSSES.build(dict(type='CrossEntropyLoss', label_smoothing=.2,
                               loss_weight=.5))
    eps = .2
    soft = torch.full((6, 4), eps / 4).scatter_(1, target[:, None],
                                                1 - eps + eps / 4)
    expected = -(soft * logits.log_softmax(-1)).sum(-1).mean() * .5
    torch.testing.assert_close(smooth(logits, target), expected)
    with pytest.raises(ValueError, match='label_smoothing'):
        LOSSES.build(dict(type='CrossEntropyLoss', label_smoothing=1.))


# -------------------------------------------------------------- classifier
def test_modes_and_losses():
    model = build()
    x = dict(points=points())
    logits = model(x)
    assert logits.shape == (B, NC)
    losses = model(x, samples(), mode='loss')
    assert set(losses) == {'loss_cls'}
    assert losses['loss_cls'].dim() == 0
    assert torch.isfinite(losses['loss_cls'])
    model.eval()
    out = model(x, samples(), mode='predict')
    assert len(out) == B and out[0].gt_label.tolist() == [0]
    torch.testing.assert_close(out[1].pred_score, model(x)[1].softmax(-1))
    with pytest.raises(RuntimeError, match='Invalid mode'):
        model(x, mode='bogus')
    with pytest.raises(ValueError, match='gt_label'):
        model(x, [ReconDataSample() for _ in range(B)], mode='loss')


def test_acc_is_logged_not_summed():
    model = build()
    model.cls_head.cal_acc = True
    losses = model(dict(points=points()), samples(), mode='loss')
    assert set(losses) == {'loss_cls', 'acc_top1'}
    assert 0 <= losses['acc_top1'].item() <= 100
    assert not losses['acc_top1'].requires_grad
    total, log_vars = model.parse_losses(losses)
    torch.testing.assert_close(total, losses['loss_cls'])
    assert 'acc_top1' in log_vars


def test_downstream_neck_has_no_stop_grad():
    model = build()
    assert model.neck.stop_grad is False
    model(dict(points=points()), samples(), mode='loss')['loss_cls'].backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
    # The cls token alone trains the local stream through the
    # cross-attention; with stop_grad=True (an explicit ablation) it cannot.
    for stop_grad in (False, True):
        cfg = clf_cfg()
        cfg['neck']['stop_grad'] = stop_grad
        torch.manual_seed(0)
        model = MODELS.build(cfg)
        model.init_weights()
        assert model.neck.stop_grad is stop_grad
        model.extract_feat(dict(points=points())).cls.sum().backward()
        grad = model.backbone.pos_embed[0].weight.grad
        assert (grad is not None and grad.abs().sum() > 0) is not stop_grad


def test_freeze_trunk_trains_only_cls_parameters():
    model = build(freeze_trunk=True, head_type='linear')
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == {'neck.cls_token', 'neck.cls_pos',
                         'cls_head.layers.0.weight', 'cls_head.layers.0.bias'}
    # Official rule: exactly the names containing "cls".
    assert trainable == {n for n, _ in model.named_parameters() if 'cls' in n}
    before = copy.deepcopy(model.state_dict())
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=.1))
    model.train_step(batch(), optim)
    assert model.training  # stays in train mode, as officially
    after = model.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    params = dict(model.named_parameters())
    assert {k for k in changed if k in params} == trainable
    # BatchNorm statistics of the frozen trunk still update.
    bn = 'backbone.patch_embed.first_conv.1.running_mean'
    assert bn in changed
    # mlp3 (the MLP head, frozen trunk) trains its whole MLP head.
    model = build(freeze_trunk=True, head_type='mlp')
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == {'neck.cls_token', 'neck.cls_pos'} | {
        n for n, _ in model.named_parameters() if n.startswith('cls_head.')}


# ----------------------------------------------------- pretrained loading
@pytest.fixture
def pretrain_file(tmp_path):
    """A converted official pretrain file with img/text projections."""
    official = random_official_state_dict(
        'pretrain', embed_dims=C, depth=2, decoder_depth=1, group_size=K,
        img_dim=24, text_dim=20, dtype=torch.float32)
    sd, _ = official_to_recon3d(official)
    path = tmp_path / 'recon_pretrain.pth'
    # a DataParallel-style prefix, stripped by the loader
    torch.save(dict(state_dict={f'module.{k}': v for k, v in sd.items()},
                    meta=dict(kind='pretrain')), path)
    return str(path), sd


def test_pretrained_init_cfg_loads_trunk_and_keeps_head(pretrain_file,
                                                        monkeypatch):
    path, sd = pretrain_file
    logs = []
    monkeypatch.setattr(pretrained_module, 'print_log',
                        lambda msg, **kw: logs.append(msg))
    model = build(seed=1, init_cfg=dict(type='Pretrained', checkpoint=path))
    twin = build(seed=1)  # same seed, no checkpoint: the default init
    state = model.state_dict()
    for k, v in state.items():
        if k.startswith(('backbone.', 'neck.')):
            assert torch.equal(v, sd[k]), k
        else:
            assert k.startswith('cls_head.')
            assert torch.equal(v, twin.state_dict()[k]), k
    assert model.init_cfg == dict(type='Pretrained', checkpoint=path)
    assert len(logs) == 1
    assert 'missing (kept at their init): cls_head.* (16)' in logs[0]
    for part in ('decoder.*', 'rec_head.*', 'img_head.*', 'text_head.*'):
        assert part in logs[0]

    report = load_pretrained(build(), path)
    assert report.missing == sorted(k for k in state
                                    if k.startswith('cls_head.'))
    assert {k.split('.')[0] for k in report.unexpected} == {
        'decoder', 'rec_head', 'img_head', 'text_head'}
    assert not report.mismatched


def test_pretrained_checkpoint_errors(tmp_path, pretrain_file):
    for empty in ('', None):
        model = MODELS.build(clf_cfg(
            init_cfg=dict(type='Pretrained', checkpoint=empty)))
        with pytest.raises(ValueError, match='empty checkpoint'):
            model.init_weights()
    with pytest.raises(FileNotFoundError, match='does not exist'):
        load_pretrained(build(), str(tmp_path / 'nope.pth'))
    official = random_official_state_dict('cls', embed_dims=C, depth=2,
                                          num_classes=NC)
    for obj in (dict(base_model=official), official):
        path = tmp_path / 'official.pth'
        torch.save(obj, path)
        with pytest.raises(ValueError, match='recon_official_to_recon3d'):
            load_pretrained(build(), str(path))
    # A trunk of another width is an error, not a silent partial load.
    with pytest.raises(ValueError, match='does not fit the model trunk'):
        load_pretrained(build(embed_dims=48), pretrain_file[0])


def test_classifier_checkpoint_with_other_classes(tmp_path):
    source = build(seed=2)
    path = tmp_path / 'clf.pth'
    torch.save(dict(state_dict=source.state_dict()), path)
    target = build(seed=3, num_classes=3)
    head_before = target.cls_head.layers[8].weight.clone()
    report = load_pretrained(target, str(path))
    assert report.mismatched == ['cls_head.layers.8.bias',
                                 'cls_head.layers.8.weight']
    assert report.missing == report.mismatched
    assert torch.equal(target.cls_head.layers[8].weight, head_before)
    assert torch.equal(target.cls_head.layers[0].weight,
                       source.cls_head.layers[0].weight)
    # prefix: only the checkpoint's part under it, mmengine semantics
    trunk = build(seed=4)
    report = load_pretrained(trunk.backbone, str(path), prefix='backbone')
    assert not report.missing and not report.unexpected
    assert torch.equal(trunk.backbone.pos_embed[0].weight,
                       source.backbone.pos_embed[0].weight)


def test_converted_file_loads_everywhere(tmp_path):
    official = random_official_state_dict(
        'cls', embed_dims=C, depth=2, num_classes=NC, dtype=torch.float32)
    src, dst = tmp_path / 'official.pth', tmp_path / 'converted.pth'
    torch.save(dict(base_model={f'module.{k}': v for k, v in
                                official.items()},
                    epoch=12, metrics=dict(acc=torch.tensor(91.5))), src)
    summary = convert_official_checkpoint(str(src), str(dst))
    assert summary['kind'] == 'cls' and summary['kept'] == len(official)
    ckpt = torch.load(dst, weights_only=True)
    assert ckpt['meta']['converted_from'] == 'official.pth'
    assert ckpt['meta']['kind'] == 'cls'
    assert ckpt['meta']['converter'] == 'recon_official_to_recon3d'
    assert ckpt['meta']['source_metrics'] == dict(acc=91.5)
    expected, _ = official_to_recon3d(official)

    def check(model):
        for k, v in model.state_dict().items():
            assert torch.equal(v, expected[k]), k

    model = build(seed=5)
    load_checkpoint(model, str(dst), strict=True)
    check(model)
    check(build(seed=6, init_cfg=dict(type='Pretrained',
                                      checkpoint=str(dst))))
    runner = Runner(model=clf_cfg(), work_dir=str(tmp_path / 'work'),
                    load_from=str(dst), default_scope='recon3d')
    runner.load_or_resume()
    check(runner.model)


def test_base_config_needs_and_takes_a_checkpoint(pretrain_file):
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/_base_/models/point_classifier.py'))
    assert cfg.model.neck.stop_grad is False
    assert cfg.model.init_cfg == dict(type='Pretrained', checkpoint='')
    cfg.merge_from_dict({
        'model.arch': dict(_delete_=True, embed_dims=C, depth=2,
                           num_heads=2),
        'model.backbone.num_group': G,
        'model.backbone.group_size': K})
    with pytest.raises(ValueError, match='empty checkpoint'):
        MODELS.build(cfg.model).init_weights()
    cfg.merge_from_dict({'model.init_cfg.checkpoint': pretrain_file[0]})
    model = MODELS.build(cfg.model)
    model.init_weights()
    torch.testing.assert_close(model.neck.img_token,
                               pretrain_file[1]['neck.img_token'])
