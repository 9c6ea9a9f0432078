"""The ReCon pretraining algorithm with small fake teachers."""
import copy
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.dataset import pseudo_collate
from mmengine.config import Config
from mmengine.model import BaseModule
from mmengine.optim import OptimWrapper, build_optim_wrapper

from recon3d.ops import chamfer_distance
from recon3d.registry import MODELS, TEACHERS
from recon3d.structures import ReConTokens, ReconDataSample

C, G, K, N, B = 32, 16, 8, 128, 4
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
IMG_TEACHER = 'TestReConFakeImgTeacher'
TEXT_TEACHER = 'TestReConFakeTextTeacher'
IMG_D, TEXT_D = 24, 20
TEXTS = ['chair', 'table', 'chair', 'lamp']


def _frozen_linear(d_in, d_out, seed):
    gen = torch.Generator().manual_seed(seed)
    lin = nn.Linear(d_in, d_out)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(d_out, d_in, generator=gen))
        lin.bias.copy_(torch.randn(d_out, generator=gen))
    return lin


@TEACHERS.register_module(name=IMG_TEACHER, force=True)
class FakeImgTeacher(BaseModule):
    """Mean colour of the image through a fixed random matrix."""

    def __init__(self, out_channels: int = IMG_D) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.proj = _frozen_linear(3, out_channels, 123)
        self.requires_grad_(False)
        super().train(False)

    def train(self, mode: bool = True):
        return super().train(False)

    @torch.no_grad()
    def forward(self, img: torch.Tensor) -> torch.Tensor:
        return self.proj(img.float().mean((2, 3)) / 255.)


@TEACHERS.register_module(name=TEXT_TEACHER, force=True)
class FakeTextTeacher(BaseModule):
    """Letter histogram of the text through a fixed random matrix."""

    def __init__(self, out_channels: int = TEXT_D) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.proj = _frozen_linear(26, out_channels, 456)
        self.requires_grad_(False)
        super().train(False)

    def train(self, mode: bool = True):
        return super().train(False)

    @torch.no_grad()
    def forward(self, texts) -> torch.Tensor:
        hist = torch.zeros(len(texts), 26)
        for i, t in enumerate(texts):
            for ch in t.lower():
                if 'a' <= ch <= 'z':
                    hist[i, ord(ch) - 97] += 1
        return self.proj(hist.to(self.proj.weight.device))


def recon_cfg(teachers=True, smc=False, **backbone):
    cfg = dict(
        type='ReCon',
        arch=dict(embed_dims=C, depth=2, num_heads=2),
        backbone=dict(
            type='PointTransformer', num_group=G, group_size=K, **backbone),
        neck=dict(type='ReConNeck'),
        decoder=dict(type='PointMAEDecoder', depth=1),
        rec_head=dict(type='ReconstructionHead'))
    if teachers:
        cfg.update(
            img_teacher=dict(type=IMG_TEACHER),
            img_head=dict(type='DistillHead'),
            text_teacher=dict(type=TEXT_TEACHER),
            text_head=dict(type='DistillHead'))
    if smc:
        cfg['smc_head'] = dict(type='ContrastiveHead')
    return cfg


def build(seed=0, **kw):
    torch.manual_seed(seed)
    model = MODELS.build(recon_cfg(**kw))
    model.init_weights()
    return model


def inputs(seed=0):
    gen = torch.Generator().manual_seed(seed)
    return dict(
        points=torch.randn(B, N, 3, generator=gen),
        img=torch.randint(
            0, 256, (B, 3, 16, 16), generator=gen, dtype=torch.uint8),
        text=list(TEXTS))


def grad_sum(p):
    return 0. if p.grad is None else p.grad.abs().sum().item()


# ---------------------------------------------------------------- losses
@pytest.mark.parametrize('teachers,smc,keys', [
    (False, False, {'loss_mdm'}),
    (True, False, {'loss_mdm', 'loss_csc_img', 'loss_csc_text'}),
    (True, True, {'loss_mdm', 'loss_csc_img', 'loss_csc_text', 'loss_smc'}),
])
def test_loss_keys(teachers, smc, keys):
    model = build(teachers=teachers, smc=smc)
    losses = model(inputs(), mode='loss')
    assert set(losses) == keys
    assert 'loss' not in losses
    for v in losses.values():
        assert v.dim() == 0 and torch.isfinite(v)
    total, log_vars = model.parse_losses(losses)
    assert torch.isfinite(total)
    assert total.item() == pytest.approx(
        sum(v.item() for v in losses.values()), rel=1e-6)
    assert float(log_vars['loss'].detach()) == pytest.approx(
        total.item(), rel=1e-6)


def test_branches_only_when_configured():
    model = build(teachers=False)
    assert model.img_teacher is None and model.img_head is None
    assert model.text_teacher is None and model.text_head is None
    assert model.smc_head is None
    model = build(teachers=True)
    assert model.img_head.proj.in_features == C
    assert model.img_head.proj.out_features == IMG_D
    assert model.text_head.proj.out_features == TEXT_D
    assert model.img_head.modality == 'img'


def test_config_errors():
    cfg = recon_cfg(teachers=False)
    cfg['img_teacher'] = dict(type=IMG_TEACHER)
    with pytest.raises(ValueError, match='together'):
        MODELS.build(cfg)
    cfg = recon_cfg(teachers=True)
    cfg['text_head'] = dict(type='DistillHead', out_channels=TEXT_D + 1)
    with pytest.raises(ValueError, match='out_channels'):
        MODELS.build(cfg)


def test_loss_mdm_with_given_mask_matches_manual():
    model = build(teachers=False).eval()
    x = inputs()
    mask = torch.zeros(B, G, dtype=torch.bool)
    for b in range(B):
        mask[b,
             torch.randperm(G, generator=torch.Generator().manual_seed(b)
                            )[:9]] = True
    loss = model.loss(x, mask=mask)['loss_mdm']
    out = model.backbone(x['points'], mask=mask)
    tokens = model.neck(out.tokens, out.block_inputs)
    pred = model.rec_head(model.decoder(tokens.local, out.center, mask))
    # Targets: the masked groups, in original group order, per sample.
    target = torch.stack([
        torch.stack([out.neighborhood[b, g] for g in range(G) if mask[b, g]])
        for b in range(B)
    ])
    assert pred.shape == target.shape == (B, 9, K, 3)
    expected = chamfer_distance(pred.flatten(0, 1), target.flatten(0, 1))
    torch.testing.assert_close(loss, expected)


# ------------------------------------------------------------- gradients
def test_loss_mdm_gradient_routing():
    model = build(teachers=True)
    losses = model(inputs(), mode='loss')
    losses['loss_mdm'].backward()
    for name, p in model.backbone.named_parameters():
        assert grad_sum(p) > 0, f'backbone.{name} gets no loss_mdm gradient'
    for name, p in model.decoder.named_parameters():
        assert grad_sum(p) > 0, f'decoder.{name} gets no loss_mdm gradient'
    for name, p in model.rec_head.named_parameters():
        assert grad_sum(p) > 0, f'rec_head.{name}'
    # The local tokens reach the decoder through the encoder's final LN...
    assert grad_sum(model.neck.norm.weight) > 0
    assert grad_sum(model.neck.norm.bias) > 0
    # ...but never through the global stream, which they do not see.
    for name, p in model.neck.named_parameters():
        if not name.startswith('norm.'):
            assert grad_sum(p) == 0, f'neck.{name}'
    for head in (model.img_head, model.text_head):
        for p in head.parameters():
            assert grad_sum(p) == 0


def test_teacherless_global_stream_gets_zero_gradients_and_decays():
    """The paper's Point-MAE+ ablation (no teacher, no SMC): officially the
    global tokens share the encoder's output tensor with the local tokens,
    so the unused global stream gets zero gradients, not none, and AdamW
    still applies its weight decay."""
    model = build(teachers=False)
    # (Its value is the reconstruction loss alone: see
    # test_loss_mdm_with_given_mask_matches_manual.)
    losses = model(inputs(), mode='loss')
    assert set(losses) == {'loss_mdm'}
    losses['loss_mdm'].backward()
    for name, p in model.neck.named_parameters():
        assert p.grad is not None, f'neck.{name} has no gradient'
        if not name.startswith('norm.'):
            assert not p.grad.any(), f'neck.{name}'
    # One AdamW step of the pretraining schedule: zero gradients leave only
    # the decay, p * (1 - lr * wd), on the decayed tensors (the *_pos
    # tokens and the weight matrices); tokens, norms and biases stay.
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/_base_/schedules/adamw_cosine_300e.py'))
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    lr, wd = cfg.optim_wrapper.optimizer.lr, .05
    before = {n: p.detach().clone() for n, p in model.neck.named_parameters()}
    wrapper.step()
    after = dict(model.neck.named_parameters())
    decayed = ['cls_pos', 'img_pos', 'text_pos', 'blocks.0.attn.q.weight',
               'blocks.1.mlp.fc2.weight']
    kept = ['cls_token', 'img_token', 'text_token', 'blocks.0.norm1.weight',
            'blocks.1.mlp.fc2.bias']
    for name in decayed:
        torch.testing.assert_close(after[name].detach(),
                                   before[name] * (1 - lr * wd))
        assert not torch.equal(after[name].detach(), before[name]), name
    for name in kept:
        assert torch.equal(after[name].detach(), before[name]), name


def test_all_losses_gradients_and_frozen_teachers():
    model = build(teachers=True, smc=True)
    losses = model(inputs(), mode='loss')
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    total.backward()
    for module in (model.backbone, model.neck, model.decoder, model.rec_head,
                   model.img_head, model.text_head, model.smc_head):
        for name, p in module.named_parameters():
            assert p.grad is not None and torch.isfinite(p.grad).all(), name
    for head in (model.img_head, model.text_head):
        assert grad_sum(head.proj.weight) > 0
    for token in ('cls_token', 'img_token', 'text_token'):
        assert grad_sum(getattr(model.neck, token)) > 0
    for teacher in (model.img_teacher, model.text_teacher):
        for p in teacher.parameters():
            assert not p.requires_grad
            assert p.grad is None


def test_train_step_updates_student_not_teachers():
    model = build(teachers=True)
    teachers = copy.deepcopy({
        k: v
        for k, v in model.state_dict().items() if 'teacher' in k
    })
    before = {k: v.clone() for k, v in model.named_parameters()}
    optim = OptimWrapper(
        torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                        lr=.1))
    x = inputs()
    data = pseudo_collate([
        dict(
            inputs=dict(
                points=x['points'][i], img=x['img'][i], text=x['text'][i]),
            data_samples=ReconDataSample()) for i in range(B)
    ])
    log_vars = model.train_step(data, optim)
    assert set(log_vars) >= {
        'loss', 'loss_mdm', 'loss_csc_img', 'loss_csc_text'
    }
    assert model.img_teacher.training is False
    after = dict(model.named_parameters())
    assert not torch.equal(before['backbone.pos_embed.0.weight'],
                           after['backbone.pos_embed.0.weight'])
    assert not torch.equal(before['img_head.proj.weight'],
                           after['img_head.proj.weight'])
    state = model.state_dict()
    for k, v in teachers.items():
        if k in state:
            assert torch.equal(state[k], v), k


# --------------------------------------------------------------- predict
def test_predict_feats_equal_svm_feature_by_hand():
    model = build(teachers=False).eval()
    x = inputs()
    tokens = model.extract_feat(x)
    samples = model(x, mode='predict')
    assert len(samples) == B
    cls, img, text, local = tokens
    glob = torch.maximum(torch.maximum(cls, img), text)
    expected = torch.cat([glob, local.max(1)[0] + local.mean(1)], -1)
    for b, s in enumerate(samples):
        assert isinstance(s, ReconDataSample)
        assert s.feats.shape == (2 * C, )
        torch.testing.assert_close(s.feats, expected[b])
    # Given data samples are filled in place.
    given = [ReconDataSample(metainfo=dict(sample_idx=i)) for i in range(B)]
    out = model.predict(x, given)
    assert out[2] is given[2] and out[2].sample_idx == 2
    torch.testing.assert_close(out[2].feats, expected[2])


def test_tensor_mode_and_eval_determinism():
    model = build(teachers=True).eval()
    x = inputs()
    a = model(x, mode='tensor')
    b = model(x)  # default mode is tensor
    assert isinstance(a, ReConTokens)
    assert a.cls.shape == (B, C) and a.local.shape == (B, G, C)
    assert a.global_tokens.shape == (B, 3, C)
    for u, v in zip(a, b):
        assert torch.equal(u, v)
    # Unmasked features do not depend on the other samples in eval mode.
    single = model({'points': x['points'][1:2]})
    torch.testing.assert_close(single.cls, a.cls[1:2], rtol=1e-5, atol=1e-6)
    with pytest.raises(RuntimeError):
        model(x, mode='bogus')


def test_val_step_returns_feats():
    model = build(teachers=False).eval()
    x = inputs()
    data = pseudo_collate([
        dict(
            inputs=dict(points=x['points'][i]), data_samples=ReconDataSample())
        for i in range(B)
    ])
    out = model.val_step(data)
    assert len(out) == B and out[0].feats.shape == (2 * C, )


def test_reconstruct_shapes_and_content():
    model = build(teachers=False).eval()
    pts = inputs()['points']
    out = model.reconstruct(pts)
    M = int(.6 * G)
    V = G - M
    assert out['mask'].shape == (B, G)
    assert out['visible'].shape == (B, V * K, 3)
    assert out['pred'].shape == (B, M * K, 3)
    assert out['target'].shape == (B, M * K, 3)
    assert not out['pred'].requires_grad
    # visible + target are the groups' absolute points, i.e. input points.
    for b in range(B):
        for p in torch.cat([out['visible'][b], out['target'][b]]):
            assert (pts[b] - p).abs().sum(-1).min() < 1e-5
    # With a given mask the masked groups are exactly the targets.
    mask = torch.zeros(B, G, dtype=torch.bool)
    mask[:, :M] = True
    out = model.reconstruct(pts, mask)
    assert torch.equal(out['mask'], mask)
    bb = model.backbone(pts, mask=mask)
    groups = bb.neighborhood + bb.center.unsqueeze(2)
    torch.testing.assert_close(out['target'], groups[:, :M].reshape(B, -1, 3))
    torch.testing.assert_close(out['visible'], groups[:, M:].reshape(B, -1, 3))


# ------------------------------------------------------------ checkpoints
def _base_teacher_class():
    import importlib
    try:
        pkg = importlib.import_module('recon3d.models.teachers')
        if hasattr(pkg, 'BaseTeacher'):
            return pkg.BaseTeacher
        return importlib.import_module(
            'recon3d.models.teachers.base').BaseTeacher
    except (ImportError, AttributeError):
        pytest.skip('recon3d.models.teachers.BaseTeacher is not available')


def build_with_base_teachers(seed=0):
    """ReCon whose fake teachers subclass BaseTeacher (never saved)."""
    BaseTeacher = _base_teacher_class()

    class FakeBaseImgTeacher(BaseTeacher):

        def __init__(self, out_channels: int = IMG_D) -> None:
            super().__init__(weights_file=None, name='fake image teacher')
            self.out_channels = out_channels
            self.proj = _frozen_linear(3, out_channels, 789)
            self.freeze()

        def encode(self, img):
            return self.proj(img.float().mean((2, 3)) / 255.)

        def load_pretrained_state(self, state):
            self._copy_state(state)

    class FakeBaseTextTeacher(BaseTeacher):

        def __init__(self, out_channels: int = TEXT_D) -> None:
            super().__init__(weights_file=None, name='fake text teacher')
            self.out_channels = out_channels
            self.proj = _frozen_linear(26, out_channels, 987)
            self.freeze()

        def encode(self, texts):
            return FakeTextTeacher.forward(self, texts)

        def load_pretrained_state(self, state):
            self._copy_state(state)

    names = ('TestReConFakeBaseImgTeacher', 'TestReConFakeBaseTextTeacher')
    for name, cls in zip(names, (FakeBaseImgTeacher, FakeBaseTextTeacher)):
        TEACHERS.register_module(name=name, module=cls, force=True)
    cfg = recon_cfg(teachers=True)
    cfg['img_teacher'] = dict(type=names[0])
    cfg['text_teacher'] = dict(type=names[1])
    torch.manual_seed(seed)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def test_state_dict_has_no_teacher_keys():
    model = build_with_base_teachers()
    state = model.state_dict()
    assert not [k for k in state if 'teacher' in k]
    assert [k for k in state if k.startswith('backbone.')]
    assert [k for k in state if k.startswith('img_head.')]
    # Training does not change the teachers.
    teacher_w = model.img_teacher.proj.weight.clone()
    optim = OptimWrapper(
        torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                        lr=.1))
    optim.update_params(sum(model(inputs(), mode='loss').values()))
    assert torch.equal(model.img_teacher.proj.weight, teacher_w)
    assert not [k for k in model.state_dict() if 'teacher' in k]


def test_strict_load_without_teacher_keys():
    model = build_with_base_teachers(seed=0)
    state = model.state_dict()
    other = build_with_base_teachers(seed=1)
    teacher_before = other.img_teacher.full_state_dict()
    result = other.load_state_dict(state, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    torch.testing.assert_close(other.neck.img_token, model.neck.img_token)
    for k, v in other.img_teacher.full_state_dict().items():
        assert torch.equal(v, teacher_before[k]), k
    # Other missing keys still fail a strict load.
    del state['neck.cls_token']
    with pytest.raises(RuntimeError, match='cls_token'):
        other.load_state_dict(state, strict=True)
