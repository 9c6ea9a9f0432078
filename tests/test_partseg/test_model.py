"""PartSegmentor: loss/predict round trip, gradients, converted official
checkpoints, pretrained trunks and the segment_parts API."""
import os.path as osp

import numpy as np
import pytest
import torch

from recon3d.apis import (convert_official_checkpoint,
                          convert_recon3d_checkpoint, segment_parts)
from recon3d.registry import MODELS
from recon3d.structures import ReconDataSample
from recon3d.structures.part_layout import SHAPENET_PART_IDS
from recon3d.testing import random_official_state_dict

C, DEPTH = 32, 2
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def tiny_segmentor(depth=DEPTH, **head):
    return MODELS.build(
        dict(
            type='PartSegmentor',
            arch=dict(embed_dims=C, depth=depth, num_heads=2),
            backbone=dict(type='PointTransformer', num_group=8,
                          group_size=8),
            neck=dict(type='ReConNeck'),
            out_indices=tuple(range(depth)),
            seg_head=dict(
                dict(type='PartSegHead', propagation_channels=(64, 64),
                     hidden_channels=(32, 32)), **head)))


def samples(categories, n, seed=0):
    gen = torch.Generator().manual_seed(seed)
    out = []
    for c in categories:
        ids = torch.tensor(SHAPENET_PART_IDS[c])
        s = ReconDataSample().set_gt_label(c)
        s.set_field(ids[torch.randint(len(ids), (n, ), generator=gen)],
                    'gt_part')
        out.append(s)
    return out


def test_loss_grads_and_predict():
    torch.manual_seed(0)
    model = tiny_segmentor(cal_acc=True)
    model.init_weights()
    pts = torch.randn(3, 64, 3)
    data = samples([4, 11, 15], 64)
    losses = model(dict(points=pts), data, mode='loss')
    assert set(losses) == {'loss_seg', 'acc_point'}
    losses['loss_seg'].backward()
    # every trained parameter gets a gradient (img/text tokens included:
    # the global-token max reads them)
    missing = [n for n, p in model.named_parameters() if p.grad is None]
    assert missing == []
    model.eval()
    out = model(dict(points=pts), samples([4, 11, 15], 64), mode='predict')
    for sample, cat in zip(out, [4, 11, 15]):
        assert sample.pred_part_score.shape == (64, 50)
        assert set(sample.pred_part.tolist()) <= set(SHAPENET_PART_IDS[cat])


def test_head_width_and_levels_checked():
    with pytest.raises(ValueError, match='num_levels=3 but out_indices'):
        tiny_segmentor(num_levels=3)
    with pytest.raises(ValueError, match='disagrees'):
        MODELS.build(dict(
            type='PartSegmentor', arch=dict(embed_dims=C, depth=DEPTH,
                                            num_heads=2),
            backbone=dict(type='PointTransformer', num_group=8,
                          group_size=8),
            neck=dict(type='ReConNeck'), out_indices=(0, 1),
            seg_head=dict(type='PartSegHead', in_channels=48)))


def test_converted_official_checkpoint_loads_strictly(tmp_path):
    sd = random_official_state_dict('partseg', embed_dims=C, depth=3,
                                    seed=3, dtype=torch.float32)
    src, dst = tmp_path / 'official.pth', tmp_path / 'recon3d.pth'
    torch.save(dict(epoch=3, model_state_dict=sd), src)
    summary = convert_official_checkpoint(str(src), str(dst))
    assert summary['kind'] == 'partseg' and summary['dropped'] == []
    # three levels and the official widths, as the random file has
    model = tiny_segmentor(depth=3, propagation_channels=(1536, 1024),
                           hidden_channels=(512, 256))
    state = torch.load(dst, weights_only=True)['state_dict']
    model.load_state_dict(state, strict=True)
    # every seg_head tensor comes from the file
    head_keys = [k for k in state if k.startswith('seg_head.')]
    assert len(head_keys) == len(model.seg_head.state_dict())
    back = tmp_path / 'back.pth'
    convert_recon3d_checkpoint(str(dst), str(back))
    again = torch.load(back, weights_only=True)['model_state_dict']
    assert set(again) == set(sd)
    assert all(torch.equal(again[k], sd[k]) for k in sd)


def test_segment_parts_labels_every_input_point(tmp_path):
    torch.manual_seed(0)
    model = tiny_segmentor()
    model.init_weights()
    model.eval()
    rng = np.random.default_rng(0)
    cloud = rng.normal(size=(100, 3)).astype(np.float32) * 3 + 1
    out = segment_parts(model, cloud, 'Chair', num_points=100)[0]
    assert out['parts'].shape == (100, )
    assert set(out['parts'].tolist()) <= set(SHAPENET_PART_IDS[4])
    # with num_points = N the encoder sees exactly the normalised cloud:
    # the same parts as the model's own prediction
    pts = torch.from_numpy(out['points'])[None]
    pred = model(dict(points=pts), samples([4], 100), mode='predict')[0]
    assert np.array_equal(out['parts'], pred.pred_part.numpy())
    assert np.abs(out['points']).max() <= 1 + 1e-6
    path = tmp_path / 'cloud.npy'
    np.save(path, cloud[:60])
    two = segment_parts(model, [cloud, str(path)], [4, 'Mug'])
    assert [len(r['parts']) for r in two] == [100, 60]
    assert set(two[1]['parts'].tolist()) <= {36, 37}
    with pytest.raises(ValueError, match='unknown category'):
        segment_parts(model, cloud, 'Boat')
    with pytest.raises(ValueError, match='2 categories for 1 clouds'):
        segment_parts(model, cloud, ['Chair', 'Mug'])
    with pytest.raises(TypeError, match='not a part segmentor'):
        segment_parts(torch.nn.Linear(2, 2), cloud, 'Chair')


def test_optimizer_groups_follow_the_official_rule():
    """lr x10 and wd .05 where the official name contains 'conv' but not
    'encoder'; else no decay on 1-D tensors, biases and tokens."""
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope

    from recon3d.models.utils.official_keys import mapping_rows
    init_default_scope('recon3d')
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/recon/partseg_shapenetpart.py'))
    model = tiny_segmentor(depth=3)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    official = {
        r.recon3d: r.official
        for r in mapping_rows('partseg', C, 3, groups=['seg_head'])
    }
    lr = cfg.optim_wrapper.optimizer.lr
    checked = 0
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            name = next(n for n, q in model.named_parameters() if q is p)
            o = official[name]
            if 'conv' in o and 'encoder' not in o:
                want = (lr * 10, 0.05)
            elif p.dim() == 1 or o.endswith('.bias') or 'token' in o:
                want = (lr, 0.0)
            else:
                want = (lr, 0.05)
            assert (group['lr'], group['weight_decay']) == \
                pytest.approx(want), (name, o)
            checked += 1
    assert checked == len(list(model.parameters()))


def test_default_blocks_follow_the_depth():
    model = MODELS.build(dict(
        type='PartSegmentor', arch=dict(embed_dims=C, depth=1, num_heads=2),
        backbone=dict(type='PointTransformer', num_group=8, group_size=8),
        neck=dict(type='ReConNeck'),
        seg_head=dict(type='PartSegHead', propagation_channels=(64, 64))))
    assert model.out_indices == (0, 0, 0)  # one block read three times
    feats = model.extract_feat(dict(points=torch.randn(2, 64, 3)))
    assert feats.local.shape == (2, 8, 3 * C)
    assert torch.equal(feats.local[..., :C], feats.local[..., 2 * C:])
    for depth, blocks in ((12, (3, 7, 11)), (4, (0, 1, 3))):
        model = MODELS.build(dict(
            type='PartSegmentor',
            arch=dict(embed_dims=C, depth=depth, num_heads=2),
            backbone=dict(type='PointTransformer'),
            neck=dict(type='ReConNeck'), seg_head=dict(type='PartSegHead')))
        assert model.out_indices == blocks


def test_recon3d_show_draws_predicted_parts(tmp_path):
    from recon3d.cli import main
    config = osp.join(REPO, 'configs/recon/partseg_shapenetpart_demo.py')
    options = ['model.arch._delete_=True', f'model.arch.embed_dims={C}',
               'model.arch.depth=2', 'model.arch.num_heads=2',
               'model.backbone.num_group=8', 'model.backbone.group_size=8']
    from recon3d.apis import init_model
    from recon3d.cli.common import parse_cfg_options
    model = init_model(config, cfg_options=parse_cfg_options(
        options + ['model.init_cfg=None']))
    ckpt = tmp_path / 'seg.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    cloud = tmp_path / 'cloud.npy'
    np.save(cloud, np.random.default_rng(0).normal(size=(300, 3)))
    out = tmp_path / 'parts.png'
    code = main(['show', str(cloud), '--out', str(out), '--config', config,
                 '--checkpoint', str(ckpt), '--category', 'Mug',
                 '--cfg-options'] + options)
    assert code == 0 and out.is_file()
    assert main(['show', str(cloud), '--out', str(out), '--config',
                 config, '--checkpoint', str(ckpt), '--category', 'Boat',
                 '--cfg-options'] + options) == 2
