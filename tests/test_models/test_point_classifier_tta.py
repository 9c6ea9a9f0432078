"""Voting as a test-time-augmentation model.

The reference is the former in-model voting (``PointClassifier.vote_logits``
and ``vote_augment`` with the preprocessor's ``eval_points`` pool), kept
here verbatim: on the same seed the TTA model must give the same logits.
"""
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from recon3d.ops import farthest_point_sample, index_points
from recon3d.registry import MODELS
from recon3d.testing import tiny_classifier_overrides
from recon3d.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
register_all_modules()


def _reference_augment(points, aug, scale=(2 / 3, 3 / 2)):
    """The former ``PointClassifier.vote_augment``."""
    if aug == 'none':
        return points
    B = points.size(0)
    points = points.clone()
    if aug == 'scale':
        low, high = scale
        factor = torch.empty(B, 1, 3, device=points.device,
                             dtype=points.dtype).uniform_(low, high)
        points[..., :3] = points[..., :3] * factor
        return points
    angle = torch.rand(B, device=points.device,
                       dtype=points.dtype) * (2 * math.pi)
    c, s = angle.cos(), angle.sin()
    zero, one = torch.zeros_like(c), torch.ones_like(c)
    rot = torch.stack([
        torch.stack([c, zero, s], -1),
        torch.stack([zero, one, zero], -1),
        torch.stack([-s, zero, c], -1)
    ], 1)
    points[..., :3] = points[..., :3] @ rot
    if points.size(-1) >= 6:
        points[..., 3:6] = points[..., 3:6] @ rot
    return points


@torch.no_grad()
def _reference_vote_logits(model, clouds, votes, aug, pool, num_points):
    """The former voting: FPS pool of ``pool`` points (the preprocessor's
    ``eval_points``), then ``votes`` shared random subsets + augmentation,
    mean logits."""
    points = torch.stack(clouds)
    if pool < points.size(1):
        points = index_points(
            points, farthest_point_sample(points[..., :3].contiguous(),
                                          pool))
    P = points.size(1)
    n = min(num_points or P, P)
    total = None
    for _ in range(votes):
        keep = torch.randperm(P, device=points.device)[:n]
        sub = _reference_augment(points[:, keep], aug)
        logits = model(dict(points=sub), mode='tensor').float()
        total = logits if total is None else total + logits
    return total / votes


def _classifier(name='finetune_modelnet40.py', num_points=16, pool=24):
    cfg = Config.fromfile(osp.join(REPO, 'configs/recon', name))
    cfg.merge_from_dict(tiny_classifier_overrides())
    cfg.model.init_cfg = None
    cfg.model.data_preprocessor.num_points = num_points
    cfg.model.data_preprocessor.train_fps_points = pool
    torch.manual_seed(0)
    return cfg, MODELS.build(cfg.model).eval()


def _clouds(B=3, N=40, C=3):
    g = torch.Generator().manual_seed(1)
    return [torch.randn(N, C, generator=g) for _ in range(B)]


AUGMENTS = dict(none=[], scale=[dict(type='BatchScale')],
                rotate_y=[dict(type='BatchRotateY')])


def _tta(model, **kwargs):
    return MODELS.build(dict(type='PointClassifierTTA', module=model,
                             **kwargs))


@pytest.mark.parametrize('aug', ['none', 'scale', 'rotate_y'])
def test_logits_equal_the_former_voting(aug):
    _, model = _classifier()
    tta = _tta(model, votes=3, augments=AUGMENTS[aug])
    assert tta.pool_points == 24 and tta.num_points == 16
    clouds = _clouds()
    torch.manual_seed(5)
    ref = _reference_vote_logits(model, clouds, 3, aug, 24, 16)
    torch.manual_seed(5)
    pre = model.data_preprocessor
    pool = pre.farthest_points(torch.stack(clouds), tta.pool_points)
    got = tta.vote_logits(dict(points=pool))
    torch.testing.assert_close(got, ref, rtol=0, atol=0)
    # The whole test step: same scores and labels as the former one.
    torch.manual_seed(5)
    samples = tta.test_step(dict(inputs=dict(points=clouds),
                                 data_samples=None))
    scores = torch.stack([s.pred_score for s in samples])
    torch.testing.assert_close(scores, ref.softmax(-1), rtol=0, atol=0)
    assert [s.pred_label.item() for s in samples] == ref.argmax(-1).tolist()


def test_votes_draw_shared_subsets_of_the_fps_pool():
    _, model = _classifier(num_points=8, pool=12)
    seen = []
    model.forward = lambda inputs, data_samples=None, mode='tensor': (
        seen.append(inputs['points'].clone()) or
        inputs['points'][..., :3].mean(1))
    clouds = _clouds(N=30)
    tta = _tta(model, votes=4)
    tta.test_step(dict(inputs=dict(points=clouds), data_samples=None))
    stacked = torch.stack(clouds)
    pool = index_points(stacked, farthest_point_sample(stacked, 12))
    assert len(seen) == 4
    for points in seen:
        assert points.shape == (3, 8, 3)
        pos = (points[:, :, None] == pool[:, None]).all(-1).float()
        assert (pos.sum(-1) == 1).all()
        # One subset of pool positions for the whole batch, no repeats.
        pos = pos.argmax(-1)
        assert (pos == pos[:1]).all() and len(set(pos[0].tolist())) == 8
    # P falls back to num_points without train_fps_points; or is given.
    model.data_preprocessor.train_fps_points = None
    assert _tta(model).pool_points == 8
    assert _tta(model, pool_points=20).pool_points == 20
    assert _tta(model).votes == 10
    with pytest.raises(ValueError, match='votes'):
        _tta(model, votes=0)


def test_votes_average_logits_by_hand():
    _, model = _classifier(num_points=4, pool=6)
    model.forward = lambda inputs, data_samples=None, mode='tensor': (
        inputs['points'].mean(1))
    tta = _tta(model, votes=3, augments=[dict(type='BatchScale')])
    points = torch.randn(2, 6, 3)
    torch.manual_seed(0)
    got = tta.vote_logits(dict(points=points))
    torch.manual_seed(0)
    manual = []
    for _ in range(3):
        keep = torch.randperm(6)[:4]
        factor = torch.empty(2, 1, 3).uniform_(2 / 3, 3 / 2)
        manual.append((points[:, keep] * factor).mean(1))
    torch.testing.assert_close(got, torch.stack(manual).mean(0))


def test_views_of_a_test_time_aug_pipeline_are_merged_by_mean_score():
    _, model = _classifier()
    tta = _tta(model)
    views = [_clouds(B=2, N=40), [c * 1.5 for c in _clouds(B=2, N=40)]]
    data = dict(inputs=[dict(points=v) for v in views],
                data_samples=[None, None])
    merged = tta.test_step(data)
    each = [model.test_step(dict(inputs=dict(points=v), data_samples=None))
            for v in views]
    for b, sample in enumerate(merged):
        mean = (each[0][b].pred_score + each[1][b].pred_score) / 2
        torch.testing.assert_close(sample.pred_score, mean)
        assert sample.pred_label.item() == mean.argmax().item()


def test_tools_test_wraps_the_model_with_the_config_tta_model():
    import sys
    sys.path.insert(0, osp.join(REPO, 'tools'))
    import test as test_tool
    cfg_path = osp.join(REPO, 'configs/recon/finetune_modelnet40.py')
    args = test_tool.parse_args([cfg_path, 'ckpt.pth', '--votes', '3'])
    cfg = test_tool.build_test_config(args)
    assert cfg.model.type == 'PointClassifierTTA' and cfg.model.votes == 3
    assert cfg.model.augments == [dict(type='BatchScale')]
    assert cfg.model.module.type == 'PointClassifier'
    assert cfg.model.module.init_cfg is None
    plain = test_tool.build_test_config(
        test_tool.parse_args([cfg_path, 'ckpt.pth']))
    assert plain.model.type == 'PointClassifier'
    # A config without tta_model votes without test-time augmentation.
    few = test_tool.build_test_config(test_tool.parse_args([
        osp.join(REPO, 'configs/recon/fewshot_modelnet40.py'), 'ckpt.pth',
        '--votes', '2'
    ]))
    assert few.model.type == 'PointClassifierTTA'
    assert not few.model.get('augments')


def test_docs_variant_with_other_augments(tmp_path):
    import re
    text = open(osp.join(REPO, 'docs', 'configs.md')).read()
    body = re.search(
        r'```python\n# configs/recon/finetune_modelnet40_demo_jitter\.py\n'
        r'(.*?)```', text, re.S).group(1)
    path = tmp_path / 'variant.py'
    path.write_text(body.replace(
        "'./", repr(osp.join(REPO, 'configs', 'recon'))[:-1] + '/'))
    cfg = Config.fromfile(str(path))
    cfg.model.init_cfg = None
    tta = MODELS.build(dict(cfg.tta_model, module=cfg.model))
    assert [type(a).__name__ for a in tta.augments] == ['BatchRotateY']
    assert tta.votes == 10
    pre = tta.module.data_preprocessor
    assert [type(a).__name__ for a in pre.batch_augments] == [
        'BatchScaleTranslate', 'BatchJitter'
    ]
