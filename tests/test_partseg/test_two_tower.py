"""The two-tower ablation: towers, pretraining losses and gradients, the
fine-tune streams, and loading a two-tower checkpoint."""
import pytest
import torch

from recon3d.registry import MODELS
from recon3d.structures import ReconDataSample

ARCH = dict(embed_dims=32, depth=2, num_heads=2)
TINY_CLIP = dict(model_name='recon3d-tiny-clip', pretrained=None)


def two_tower():
    return MODELS.build(
        dict(
            type='TwoTower',
            arch=ARCH,
            backbone=dict(type='PlainPointTransformer', num_group=8,
                          group_size=8),
            neck=dict(type='DistillTower'),
            decoder=dict(type='PointMAEDecoder', depth=1),
            rec_head=dict(type='ReconstructionHead'),
            img_teacher=dict(type='OpenCLIPImageTeacher', **TINY_CLIP),
            img_head=dict(type='DistillHead'),
            text_teacher=dict(type='OpenCLIPTextTeacher', **TINY_CLIP),
            text_head=dict(type='DistillHead')))


def classifier(stream, init_cfg=None):
    return MODELS.build(
        dict(
            type='TwoTowerClassifier',
            arch=ARCH,
            backbone=dict(type='PlainPointTransformer', num_group=8,
                          group_size=8),
            neck=dict(type='DistillTower'),
            cls_head=dict(type='ClsHead', num_classes=5),
            stream=stream,
            init_cfg=init_cfg))


def _inputs(B=4):
    torch.manual_seed(0)
    return dict(points=torch.randn(B, 64, 3),
                img=torch.randint(0, 255, (B, 3, 32, 32), dtype=torch.uint8),
                text=['a chair', 'a table', 'a mug', 'a lamp'][:B])


def test_pretraining_losses_train_both_towers():
    model = two_tower()
    model.init_weights()
    losses = model(_inputs(), mode='loss')
    assert set(losses) == {'loss_mdm', 'loss_csc_img', 'loss_csc_text'}
    sum(losses.values()).backward()
    grads = {n: p.grad for n, p in model.named_parameters()
             if p.requires_grad}
    # each tower gets gradients only from its own loss
    assert all(g is not None for n, g in grads.items()
               if n.startswith(('backbone.', 'neck.', 'decoder.')))
    model.zero_grad()
    losses = model(_inputs(), mode='loss')
    losses['loss_mdm'].backward()
    assert all(p.grad is None for n, p in model.named_parameters()
               if n.startswith('neck.'))
    # the distillation tower sees all groups: its tokens do not depend on
    # the mask the reconstruction tower draws
    model.eval()
    a = model.extract_feat(_inputs())
    b = model.extract_feat(_inputs())
    assert torch.equal(a.img, b.img) and a.local.shape == (4, 8, 32)
    out = model.predict(_inputs())
    assert out[0].feats.shape == (64, )
    pictures = model.reconstruct(_inputs()['points'])
    assert pictures['pred'].shape[1] == pictures['target'].shape[1]


@pytest.mark.parametrize('stream', ['ALL', 'MDM', 'CMC'])
def test_streams(stream):
    model = classifier(stream)
    model.init_weights()
    inputs = _inputs()
    samples = [ReconDataSample().set_gt_label(i) for i in range(4)]
    losses = model(inputs, samples, mode='loss')
    losses['loss_cls'].backward()
    tokens = model.extract_feat(inputs)
    used = dict(ALL=('cls', 'img', 'text', 'local'),
                MDM=('cls', 'local'), CMC=('img', 'text'))[stream]
    for name in ('cls', 'img', 'text', 'local'):
        value = getattr(tokens, name)
        assert bool(value.abs().sum() > 0) == (name in used), name
    assert (model.neck is None) == (stream == 'MDM')
    logits = model(inputs)
    assert logits.shape == (4, 5)


def test_classifier_loads_a_two_tower_checkpoint(tmp_path):
    pre = two_tower()
    pre.init_weights()
    path = tmp_path / 'twotower.pth'
    torch.save(dict(state_dict=pre.state_dict()), path)
    model = classifier('ALL', dict(type='Pretrained', checkpoint=str(path)))
    model.init_weights()
    for name, value in model.state_dict().items():
        if name.startswith(('backbone.', 'neck.')):
            assert torch.equal(value, pre.state_dict()[name]), name
    with pytest.raises(ValueError, match='stream must be one of'):
        classifier('BOTH')


@pytest.mark.timeout(600)
def test_demo_config_pretrains_and_validates(tmp_path):
    import os.path as osp

    from mmengine.runner import Runner

    from recon3d.datasets.synthetic import write_shapenet55
    from recon3d.testing import tiny_pretrain_cfg
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    root = str(tmp_path / 'ShapeNet55-34')
    write_shapenet55(root, train_per_class=1, test_per_class=1,
                     num_points=128, image_size=32)
    cfg = tiny_pretrain_cfg(
        osp.join(repo, 'configs/recon/pretrain_twotower_demo.py'), root,
        str(tmp_path / 'work'), num_points=64)
    assert cfg.model.type == 'TwoTower'
    runner = Runner.from_cfg(cfg)
    runner.train()
    acc = runner.message_hub.get_scalar('val/svm/accuracy').current()
    assert 0 <= acc <= 100
