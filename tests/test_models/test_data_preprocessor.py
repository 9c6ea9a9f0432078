import pytest
import torch

from recon3d.models.data_preprocessors import PointDataPreprocessor
from recon3d.ops import farthest_point_sample, index_points


def _batch(B=3, N=64, with_img=True):
    torch.manual_seed(0)
    inputs = dict(points=[torch.randn(N, 3) for _ in range(B)],
                  text=tuple(f'class {i}' for i in range(B)))
    if with_img:
        inputs['img'] = [torch.randint(0, 256, (3, 8, 8), dtype=torch.uint8)
                         for _ in range(B)]
    return dict(inputs=inputs, data_samples=None)


def test_stacks_without_sampling():
    data = _batch()
    out = PointDataPreprocessor()(data, training=True)
    assert out['inputs']['points'].shape == (3, 64, 3)
    assert out['inputs']['img'].dtype == torch.uint8
    assert out['inputs']['img'].shape == (3, 3, 8, 8)
    assert out['inputs']['text'] == ['class 0', 'class 1', 'class 2']
    torch.testing.assert_close(out['inputs']['points'][1],
                               data['inputs']['points'][1])


def test_eval_takes_the_farthest_point_sample():
    data = _batch()
    pre = PointDataPreprocessor(num_points=16)
    got = pre(data, training=False)['inputs']['points']
    stacked = torch.stack(data['inputs']['points'])
    expected = index_points(stacked, farthest_point_sample(stacked, 16))
    torch.testing.assert_close(got, expected, rtol=0, atol=0)
    # Training without train_fps_points leaves sampling to the pipeline.
    assert pre(data, training=True)['inputs']['points'].shape == (3, 64, 3)


def test_train_fps_pool_then_shared_random_subset():
    data = _batch()
    pre = PointDataPreprocessor(num_points=10, train_fps_points=20)
    got = pre(data, training=True)['inputs']['points']
    assert got.shape == (3, 10, 3)
    stacked = torch.stack(data['inputs']['points'])
    pool = index_points(stacked, farthest_point_sample(stacked, 20))
    for b in range(3):
        # Every kept point is one of that cloud's 20 FPS points, no repeats.
        match = (got[b][:, None] == pool[b][None]).all(-1)
        assert (match.sum(1) == 1).all()
        assert len(set(match.float().argmax(1).tolist())) == 10
    # The same subset of FPS positions for the whole batch.
    pos = [(got[b][:, None] == pool[b][None]).all(-1).float().argmax(1)
           for b in range(3)]
    assert torch.equal(pos[0], pos[1]) and torch.equal(pos[1], pos[2])


def test_pool_is_capped_at_the_cloud_size(monkeypatch):
    import recon3d.models.data_preprocessors.point_data_preprocessor as pdp
    pre = PointDataPreprocessor(num_points=32, train_fps_points=1200)
    data = _batch(N=64)

    def no_fps(*args, **kwargs):
        raise AssertionError('FPS of every point is only a permutation')

    monkeypatch.setattr(pdp, 'farthest_point_sample', no_fps)
    torch.manual_seed(1)
    out = pre(data, training=True)['inputs']['points']
    assert out.shape == (3, 32, 3)
    # The same random subset of the points for the whole batch.
    torch.manual_seed(1)
    keep = torch.randperm(64)[:32]
    assert torch.equal(out, torch.stack(data['inputs']['points'])[:, keep])


def test_errors():
    with pytest.raises(ValueError, match='needs num_points'):
        PointDataPreprocessor(train_fps_points=10)
    with pytest.raises(ValueError, match='cannot sample 100'):
        PointDataPreprocessor(num_points=100)(_batch(), training=False)
    data = _batch()
    data['inputs']['points'][0] = torch.randn(10, 3)
    with pytest.raises(ValueError, match='different shapes'):
        PointDataPreprocessor()(data)


class _Spy:
    """A batch augment that records what it is given and adds 1."""

    def __init__(self):
        self.seen = []

    def __call__(self, points):
        self.seen.append(points.clone())
        return points + 1


def test_batch_augments_run_after_the_fps_subset_in_training():
    data = _batch(N=64)
    spy = _Spy()
    pre = PointDataPreprocessor(
        num_points=10, train_fps_points=20,
        batch_augments=[dict(type='BatchScale'), spy])
    torch.manual_seed(3)
    got = pre(data, training=True)['inputs']['points']
    # By construction: FPS of the UNaugmented clouds, the shared subset,
    # then the augments in order, on the same random stream.
    stacked = torch.stack(data['inputs']['points'])
    torch.manual_seed(3)
    pool = index_points(stacked, farthest_point_sample(stacked, 20))
    sub = pool[:, torch.randperm(20)[:10]]
    factor = torch.empty(3, 1, 3).uniform_(2 / 3, 3 / 2)
    torch.testing.assert_close(got, sub * factor + 1, rtol=0, atol=0)
    torch.testing.assert_close(spy.seen[0], sub * factor, rtol=0, atol=0)
    # Each augmented point is an FPS point of its own cloud, scaled.
    for b in range(3):
        unscaled = spy.seen[0][b] / factor[b]
        match = torch.isclose(unscaled[:, None], pool[b][None]).all(-1)
        assert (match.sum(1) == 1).all()


def test_evaluation_is_never_augmented():
    data = _batch()
    spy = _Spy()
    pre = PointDataPreprocessor(num_points=16, train_fps_points=20,
                                batch_augments=[spy])
    got = pre(data, training=False)['inputs']['points']
    stacked = torch.stack(data['inputs']['points'])
    expected = index_points(stacked, farthest_point_sample(stacked, 16))
    torch.testing.assert_close(got, expected, rtol=0, atol=0)
    assert spy.seen == []


def test_batch_augments_without_sampling_augment_the_stacked_batch():
    # Pretraining: the pipeline samples, the preprocessor only augments.
    data = _batch()
    pre = PointDataPreprocessor(num_points=64,
                                batch_augments=[dict(type='BatchRotateY')])
    torch.manual_seed(0)
    got = pre(data, training=True)['inputs']['points']
    stacked = torch.stack(data['inputs']['points'])
    torch.testing.assert_close(got.norm(dim=-1), stacked.norm(dim=-1))
    assert torch.equal(got[..., 1], stacked[..., 1])
    assert not torch.allclose(got, stacked)
    assert pre(data, training=False)['inputs']['points'].equal(stacked)


def test_stack_and_farthest_points():
    data = _batch()
    pre = PointDataPreprocessor(num_points=8)
    out = pre.stack(data)
    stacked = torch.stack(data['inputs']['points'])
    assert torch.equal(out['inputs']['points'], stacked)
    assert out['inputs']['img'].shape == (3, 3, 8, 8)
    assert pre.farthest_points(stacked, None) is stacked
    assert pre.farthest_points(stacked, 100) is stacked
    expected = index_points(stacked, farthest_point_sample(stacked, 12))
    assert torch.equal(pre.farthest_points(stacked, 12), expected)
