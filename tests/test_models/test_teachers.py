"""Frozen teachers: tiny open_clip and timm models, random weights, offline.

Nothing here downloads: HF_HUB_OFFLINE is set, hub tags are only used to
check that they fail fast, and every weights file is written by the test.
Caches of teachers: test_teacher_cache.py.
"""
import inspect
import random
import subprocess
import sys
import time

import open_clip
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.model import BaseModule, initialize
from mmengine.runner.checkpoint import get_state_dict
from safetensors.torch import save_file

from recon3d.models.teachers import (IMAGENET_MEAN, IMAGENET_STD,
                                     PROMPT_PREFIXES, PROMPT_SUFFIXES,
                                     TINY_CLIP_NAME, BaseTeacher,
                                     OpenCLIPImageTeacher, OpenCLIPTextTeacher,
                                     TimmImageTeacher, load_weights_file,
                                     register_tiny_clip)
from recon3d.registry import MODELS, TEACHERS
from recon3d.utils import find_missing_inputs

TINY_VIT = dict(embed_dim=32, depth=1, num_heads=2, img_size=32, patch_size=8)
TEXTS = ['chair', 'airplane', 'lamp', 'table', 'car', 'sofa', 'bed', 'mug']
# Fail-fast bound asked for missing weights; the failures take ~1 ms.
FAST_S = 5.0


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No test may reach the Hugging Face hub."""
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')


def random_images(batch: int, size: int, seed: int = 0) -> torch.Tensor:
    """[B, 3, size, size] uint8 RGB."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(
        0, 256, (batch, 3, size, size), generator=gen, dtype=torch.uint8)


def imagenet_normalize(imgs: torch.Tensor) -> torch.Tensor:
    """0..255 images -> ImageNet-normalized float images."""
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (imgs.float() / 255. - mean) / std


@pytest.fixture(scope='module')
def tiny_clip_file(tmp_path_factory):
    """A full tiny open_clip model and its checkpoint (.pt)."""
    register_tiny_clip()
    torch.manual_seed(1)
    model = open_clip.create_model(TINY_CLIP_NAME).eval()
    path = tmp_path_factory.mktemp('clip') / 'tiny_clip.pt'
    torch.save(model.state_dict(), path)
    return model, str(path)


def tiny_vit_045_state(representation_size: int = 16) -> dict:
    """A tiny ViT state dict in timm 0.4.5's in21k layout, random values."""
    gen = torch.Generator().manual_seed(2)
    teacher = TimmImageTeacher(
        pretrained=None,
        representation_size=representation_size,
        model_kwargs=TINY_VIT)
    state = {
        k.split('.', 1)[1] if k.startswith('vit.') else k:
        torch.randn(v.shape, generator=gen) * .2
        for k, v in teacher.full_state_dict().items()
    }
    state['head.weight'] = torch.randn(5, representation_size, generator=gen)
    state['head.bias'] = torch.zeros(5)
    return state


def tiny_text(**kwargs) -> OpenCLIPTextTeacher:
    return OpenCLIPTextTeacher(
        model_name=TINY_CLIP_NAME,
        pretrained=kwargs.pop('pretrained', None),
        **kwargs)


def tiny_image(**kwargs) -> OpenCLIPImageTeacher:
    return OpenCLIPImageTeacher(
        model_name=TINY_CLIP_NAME,
        pretrained=kwargs.pop('pretrained', None),
        **kwargs)


def tiny_timm(**kwargs) -> TimmImageTeacher:
    kwargs.setdefault('representation_size', 16)
    return TimmImageTeacher(model_kwargs=TINY_VIT, **kwargs)


def test_prompt_templates():
    assert len(PROMPT_PREFIXES) == 20 and len(set(PROMPT_PREFIXES)) == 20
    assert PROMPT_PREFIXES[:4] == ('', 'A ', 'A model of ', 'A model of a ')
    assert PROMPT_PREFIXES[-1] == 'A 3D rendering image of a '
    assert PROMPT_SUFFIXES == ('.', ' with white background.',
                               ' with black context.')
    teacher = tiny_text()
    assert teacher.num_prompts == 60
    assert teacher.prompt('chair', 0) == 'chair.'
    assert teacher.prompt('chair', 21) == 'A chair with white background.'
    assert teacher.prompt('chair', 59) == \
        'A 3D rendering image of a chair with black context.'
    with pytest.raises(IndexError):
        teacher.prompt('chair', 60)

    allowed = {teacher.prompt('chair', j) for j in range(60)}
    random.seed(0)
    drawn = teacher.random_prompts(['chair'] * 300)
    assert set(drawn) <= allowed and len(set(drawn)) > 30
    random.seed(0)
    assert teacher.random_prompts(['chair'] * 300) == drawn


def test_registry_and_out_channels():
    text = TEACHERS.build(
        dict(
            type='OpenCLIPTextTeacher',
            model_name=TINY_CLIP_NAME,
            pretrained=None))
    image = TEACHERS.build(
        dict(
            type='OpenCLIPImageTeacher',
            model_name=TINY_CLIP_NAME,
            pretrained=None))
    vit = TEACHERS.build(
        dict(
            type='TimmImageTeacher',
            representation_size=16,
            model_kwargs=TINY_VIT))
    assert (text.out_channels, image.out_channels, vit.out_channels) == \
        (32, 32, 16)
    assert tiny_timm(representation_size=None).out_channels == 32
    # The text tower only, and the image tower only.
    assert text.clip.visual is None
    assert not hasattr(image, 'clip') and not hasattr(image, 'transformer')
    # Token length follows the model config, in the model and tokenizer.
    assert text.context_length == 16 == text.tokenizer.context_length
    assert text.tokenizer(['chair']).shape == (1, 16)


@pytest.mark.parametrize('build, batch', [
    (tiny_text, TEXTS),
    (tiny_image, random_images(8, 32)),
    (tiny_timm, random_images(8, 32)),
])
def test_frozen_eval_no_grad(build, batch):
    teacher = build()
    parent = nn.Module()
    parent.teacher = teacher
    parent.train()
    assert not any(m.training for m in teacher.modules())
    assert not any(p.requires_grad for p in teacher.parameters())
    with torch.enable_grad():
        out = teacher(batch)
    assert out.shape == (8, teacher.out_channels)
    assert out.dtype == torch.float32
    assert not out.requires_grad and torch.isfinite(out).all()
    assert isinstance(teacher, BaseTeacher) and not teacher.is_init


def test_text_features_deterministic():
    teacher = tiny_text()
    prompts = [teacher.prompt(t, 21) for t in TEXTS]
    first = teacher.encode_prompts(prompts)
    teacher.train()
    assert torch.equal(teacher.encode_prompts(prompts), first)
    fixed = tiny_text(random_prompt=False)
    assert torch.equal(
        fixed(TEXTS),
        fixed.encode_prompts([fixed.prompt(t, 0) for t in TEXTS]))
    # Random prompts differ between calls but follow Python's seed.
    random.seed(3)
    a = teacher(TEXTS)
    random.seed(3)
    assert torch.equal(teacher(TEXTS), a)
    assert not torch.equal(teacher(TEXTS), a)


def test_text_teacher_equals_open_clip(tiny_clip_file):
    model, path = tiny_clip_file
    teacher = tiny_text(pretrained=path)
    prompts = [teacher.prompt(t, 13) for t in TEXTS]
    tokens = open_clip.get_tokenizer(TINY_CLIP_NAME)(prompts)
    with torch.no_grad():
        expected = model.encode_text(tokens, normalize=False)
        # ln_final(x)[EOT] @ text_projection; EOT has the largest token id.
        x = model.token_embedding(tokens) + model.positional_embedding
        x = model.ln_final(model.transformer(x, attn_mask=model.attn_mask))
        manual = x[torch.arange(len(x)), tokens.argmax(-1)]
        manual = manual @ model.text_projection
    out = teacher.encode_prompts(prompts)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(out, manual)
    assert not torch.allclose(out.norm(dim=-1), torch.ones(8))

    # A shorter context truncates the position embedding; the causal text
    # transformer gives the same features for prompts that fit.
    short = tiny_text(pretrained=path, context_length=14)
    assert short.tokenizer(['chair']).shape == (1, 14)
    torch.testing.assert_close(short.encode_prompts(prompts), out)


def test_image_teacher_equals_open_clip(tiny_clip_file, tmp_path):
    model, path = tiny_clip_file
    imgs = random_images(8, 32)
    with torch.no_grad():
        expected = model.encode_image(
            imagenet_normalize(imgs), normalize=False)
    teacher = tiny_image(pretrained=path)
    torch.testing.assert_close(teacher(imgs), expected)
    torch.testing.assert_close(teacher(imgs.float()), expected)

    # A visual-only safetensors file loads too; CLIP's own statistics.
    visual_file = tmp_path / 'visual.safetensors'
    save_file({
        k: v.contiguous()
        for k, v in model.visual.state_dict().items()
    }, str(visual_file))
    clip_stats = tiny_image(
        pretrained=str(visual_file),
        mean=open_clip.OPENAI_DATASET_MEAN,
        std=open_clip.OPENAI_DATASET_STD)
    mean = torch.tensor(open_clip.OPENAI_DATASET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(open_clip.OPENAI_DATASET_STD).view(1, 3, 1, 1)
    with torch.no_grad():
        expected = model.encode_image((imgs / 255. - mean) / std)
    torch.testing.assert_close(clip_stats(imgs), expected)


@pytest.mark.parametrize('build', [tiny_image, tiny_timm])
def test_image_teacher_resizes(build):
    teacher = build()
    assert teacher.img_size == (32, 32)
    big = random_images(4, 64)
    small = F.interpolate(
        big.float(),
        size=(32, 32),
        mode='bicubic',
        align_corners=False,
        antialias=True).clamp(0, 255)
    torch.testing.assert_close(teacher(big), teacher(small))
    with pytest.raises(ValueError, match=r'\[B, 3, H, W\]'):
        teacher(big[:, :1])


@pytest.mark.parametrize('build', [tiny_text, tiny_image, tiny_timm])
def test_network_outside_the_module_tree(build):
    """The one mechanism: the frozen network is not a submodule, so no
    state dict, optimizer or train() sees it; device moves still do."""
    parent = nn.Module()
    parent.teacher = build()
    parent.head = nn.Linear(2, 2)
    assert list(parent.state_dict()) == ['head.weight', 'head.bias']
    assert list(get_state_dict(parent)) == ['head.weight', 'head.bias']
    assert parent.teacher.state_dict() == {}
    assert [n for n, _ in parent.named_parameters()] == \
        ['head.weight', 'head.bias']
    assert len(parent.teacher.full_state_dict()) > 0
    assert 'frozen: ' in repr(parent.teacher)

    # Loading never reports the teacher missing, nor changes it; teacher
    # keys in a checkpoint are unexpected.
    before = {
        k: v.clone()
        for k, v in parent.teacher.full_state_dict().items()
    }
    state = parent.state_dict()
    parent.load_state_dict(state, strict=True)
    bogus = {f'teacher.{k}': torch.zeros_like(v) for k, v in before.items()}
    with pytest.raises(RuntimeError, match='Unexpected key.*teacher'):
        parent.load_state_dict({**state, **bogus}, strict=True)
    after = parent.teacher.full_state_dict()
    assert all(torch.equal(after[k], v) for k, v in before.items())

    parent.train()
    assert not any(m.training for m in parent.teacher._frozen.values())
    parent.double()
    assert all(v.dtype in (torch.float64, torch.int64, torch.bool)
               for v in parent.teacher.full_state_dict().values())


@pytest.mark.parametrize('build, inputs, pretrained', [
    (tiny_text, TEXTS, 'clip'),
    (tiny_image, random_images(2, 32), 'clip'),
    (tiny_timm, random_images(2, 32), 'timm'),
    (tiny_timm, random_images(2, 32), None),
])
def test_parent_init_cfg_never_reaches_teacher(build, inputs, pretrained,
                                               tiny_clip_file, tmp_path):
    if pretrained == 'clip':
        pretrained = tiny_clip_file[1]
    elif pretrained == 'timm':
        pretrained = str(tmp_path / 'vit.pth')
        torch.save(tiny_vit_045_state(), pretrained)
    extra = dict(random_prompt=False) if build is tiny_text else {}
    init_cfg = dict(type='Constant', val=0, layer='Linear')

    class Parent(BaseModule):

        def __init__(self):
            super().__init__(init_cfg=init_cfg)
            self.teacher = build(pretrained=pretrained, **extra)
            self.head = nn.Linear(2, 2)

    parent = Parent()
    expected = parent.teacher(inputs)
    initialize(parent, init_cfg)
    parent.init_weights()
    assert torch.count_nonzero(parent.head.weight) == 0
    torch.testing.assert_close(parent.teacher(inputs), expected)


@pytest.mark.parametrize('build, inputs', [
    (tiny_text, TEXTS),
    (tiny_image, random_images(2, 32)),
    (tiny_timm, random_images(2, 32)),
])
def test_round_trip_own_weights(build, inputs, tmp_path):
    """A teacher's own weights (full_state_dict) are a valid weights file."""
    extra = dict(random_prompt=False) if build is tiny_text else {}
    torch.manual_seed(5)
    saved = build(**extra)
    path = str(tmp_path / 'teacher.pth')
    torch.save(saved.full_state_dict(), path)
    torch.manual_seed(6)
    other = build(**extra)
    assert not torch.allclose(other(inputs), saved(inputs))
    torch.manual_seed(6)
    loaded = build(pretrained=path, **extra)
    torch.testing.assert_close(loaded(inputs), saved(inputs))


def test_weights_loaded_at_construction(tiny_clip_file):
    model, path = tiny_clip_file
    imgs = random_images(2, 32)
    with torch.no_grad():
        expected = model.encode_image(imagenet_normalize(imgs))
    torch.testing.assert_close(tiny_image(pretrained=path)(imgs), expected)


def test_timm_teacher_loads_timm_045_layout(tmp_path):
    state = tiny_vit_045_state()
    # The trunk keys of the 0.4.5 layout are current timm's unchanged.
    expected_trunk = {
        'cls_token', 'pos_embed', 'patch_embed.proj.weight',
        'patch_embed.proj.bias', 'norm.weight', 'norm.bias'
    } | {
        f'blocks.0.{name}.{p}'
        for name in ('norm1', 'attn.qkv', 'attn.proj', 'norm2', 'mlp.fc1',
                     'mlp.fc2')
        for p in ('weight', 'bias')
    }
    assert set(tiny_timm().vit.state_dict()) == expected_trunk
    assert set(state) == expected_trunk | {
        'pre_logits.fc.weight', 'pre_logits.fc.bias', 'head.weight',
        'head.bias'
    }
    path = tmp_path / 'jx_tiny_in21k.pth'
    torch.save(state, path)

    teacher = tiny_timm(pretrained=str(path))
    imgs = random_images(8, 32)
    out = teacher(imgs)
    assert out.shape == (8, 16)
    assert out.abs().max() < 1  # tanh pre-logits
    # pre_logits(norm(tokens)[:, 0]) computed by hand.
    vit = teacher.vit
    with torch.no_grad():
        tokens = vit._pos_embed(vit.patch_embed(imagenet_normalize(imgs)))
        tokens = vit.norm(vit.blocks(tokens))
        manual = torch.tanh(tokens[:, 0] @ state['pre_logits.fc.weight'].T +
                            state['pre_logits.fc.bias'])
    torch.testing.assert_close(out, manual)

    # Round trip from the teacher's own weights.
    again = tmp_path / 'again.pth'
    torch.save(
        {
            k.replace('vit.', '', 1): v
            for k, v in teacher.full_state_dict().items()
        }, again)
    torch.testing.assert_close(tiny_timm(pretrained=str(again))(imgs), out)

    # Keys that do not fit are errors; without the tanh head,
    # pre_logits.* are unexpected.
    torch.save({
        **state, 'dist_token': torch.zeros(1, 1, 32)
    }, tmp_path / 'extra.pth')
    with pytest.raises(KeyError, match='dist_token'):
        tiny_timm(pretrained=str(tmp_path / 'extra.pth'))
    with pytest.raises(KeyError, match='pre_logits.fc.weight'):
        tiny_timm(pretrained=str(path), representation_size=None)


def test_timm_teacher_resamples_pos_embed(tmp_path):
    path = tmp_path / 'vit.pth'
    torch.save(tiny_vit_045_state(), path)
    teacher = tiny_timm(pretrained=str(path), img_size=16)
    assert teacher.img_size == (16, 16)
    assert teacher(random_images(2, 32)).shape == (2, 16)


@pytest.mark.parametrize('build', [tiny_text, tiny_image, tiny_timm])
def test_missing_local_file_fails_fast(build, tmp_path):
    missing = str(tmp_path / 'nowhere' / 'weights.pth')
    start = time.perf_counter()
    with pytest.raises(FileNotFoundError) as error:
        build(pretrained=missing)
    assert time.perf_counter() - start < FAST_S
    assert f'pretrained={missing!r}' in str(error.value)


@pytest.mark.parametrize('cls', [OpenCLIPTextTeacher, OpenCLIPImageTeacher])
def test_hub_tag_not_cached_fails_fast(cls, monkeypatch):
    """Without download=True a tag is looked up in the cache only; with it,
    HF_HUB_OFFLINE stops the download at once."""
    start = time.perf_counter()
    with pytest.raises(RuntimeError) as error:
        cls(model_name='ViT-B-32', pretrained='openai')
    message = str(error.value)
    assert "ViT-B-32 pretrained='openai'" in message
    assert 'downloads are off' in message and 'download=True' in message
    assert "pretrained='path/to/file'" in message
    assert 'QuickGELU' in message
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    with pytest.raises(RuntimeError, match='HF_HUB_OFFLINE is set'):
        cls(model_name='ViT-B-32', pretrained='openai', download=True)
    assert time.perf_counter() - start < FAST_S


def test_hub_tag_from_cache(monkeypatch, tmp_path):
    """A tag whose file is in the Hugging Face cache loads offline, with the
    tag's QuickGELU setting."""
    from huggingface_hub import constants
    register_tiny_clip()
    torch.manual_seed(4)
    model = open_clip.create_model(
        TINY_CLIP_NAME, force_quick_gelu=True).eval()
    snapshot = (
        tmp_path / 'models--recon3d--tiny-clip' / 'snapshots' / 'abc123')
    snapshot.mkdir(parents=True)
    (tmp_path / 'models--recon3d--tiny-clip' / 'refs').mkdir()
    (tmp_path / 'models--recon3d--tiny-clip' / 'refs' /
     'main').write_text('abc123')
    save_file({
        k: v.contiguous()
        for k, v in model.state_dict().items()
    }, str(snapshot / 'open_clip_model.safetensors'))
    monkeypatch.setattr(constants, 'HF_HUB_CACHE', str(tmp_path))
    monkeypatch.setattr(
        open_clip, 'get_pretrained_cfg',
        lambda name, tag: dict(hf_hub='recon3d/tiny-clip/', quick_gelu=True)
        if (name, tag) == (TINY_CLIP_NAME, 'fake-tag') else {})

    teacher = tiny_text(pretrained='fake-tag')
    assert teacher.weights_file.startswith(str(snapshot))
    assert any(
        isinstance(m, open_clip.transformer.QuickGELU)
        for m in teacher.clip.modules())
    prompts = [teacher.prompt(t, 5) for t in TEXTS]
    with torch.no_grad():
        expected = model.encode_text(
            open_clip.get_tokenizer(TINY_CLIP_NAME)(prompts))
    torch.testing.assert_close(teacher.encode_prompts(prompts), expected)


def test_unreachable_hub_fails_fast(monkeypatch):
    from huggingface_hub import constants
    monkeypatch.delenv('HF_HUB_OFFLINE', raising=False)
    monkeypatch.setattr(constants, 'HF_HUB_OFFLINE', False)
    # A closed local port: nothing leaves this machine.
    monkeypatch.setattr(constants, 'ENDPOINT', 'http://127.0.0.1:1')
    for name in ('http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY'):
        monkeypatch.delenv(name, raising=False)
    start = time.perf_counter()
    with pytest.raises(RuntimeError, match='cannot be reached'):
        OpenCLIPTextTeacher(
            model_name='ViT-B-32', pretrained='openai', download=True)
    assert time.perf_counter() - start < FAST_S


def test_load_weights_file_formats(tmp_path):
    linear = nn.Linear(2, 3)
    expected = linear.state_dict()
    torch.save({'state_dict': {
        f'module.{k}': v
        for k, v in expected.items()
    }}, tmp_path / 'wrapped.pth')
    save_file(dict(expected), str(tmp_path / 'plain.safetensors'))
    with pytest.warns(FutureWarning):
        torch.jit.script(linear).save(str(tmp_path / 'scripted.pt'))
    for name in ('wrapped.pth', 'plain.safetensors', 'scripted.pt'):
        state = load_weights_file(str(tmp_path / name))
        assert set(state) == set(expected)
        assert all(torch.equal(state[k], v) for k, v in expected.items())


def test_one_pretrained_default_and_no_download_unless_asked():
    for cls in (OpenCLIPTextTeacher, OpenCLIPImageTeacher, TimmImageTeacher):
        params = inspect.signature(cls).parameters
        assert params['pretrained'].default is None, cls
        assert params['download'].default is False, cls


def test_import_does_not_load_teacher_libraries():
    code = ('import recon3d.models, recon3d.utils, sys; '
            "assert 'open_clip' not in sys.modules, 'open_clip'; "
            "assert 'timm' not in sys.modules, 'timm'")
    subprocess.run([sys.executable, '-c', code], check=True, timeout=300)


def openai_files(tmp_path):
    """A tiny QuickGELU CLIP in OpenAI's two formats: a state dict with
    OpenAI's extra entries, and a TorchScript archive."""
    register_tiny_clip()
    torch.manual_seed(7)
    model = open_clip.create_model(
        TINY_CLIP_NAME, force_quick_gelu=True).eval()
    state = dict(model.state_dict())
    state.update(
        input_resolution=torch.tensor(32),
        context_length=torch.tensor(16),
        vocab_size=torch.tensor(49408))
    torch.save(state, tmp_path / 'openai_state.pt')
    with pytest.warns(FutureWarning):
        torch.jit.script(model).save(str(tmp_path / 'openai_jit.pt'))
    names = ('openai_state.pt', 'openai_jit.pt')
    return model, [str(tmp_path / n) for n in names]


def test_openai_format_switches_quick_gelu_on(tmp_path, monkeypatch):
    from recon3d.models.teachers import open_clip_teachers
    logged = []
    monkeypatch.setattr(open_clip_teachers, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    model, files = openai_files(tmp_path)
    imgs = random_images(4, 32)
    prompts = [f'A model of a {t}.' for t in TEXTS[:4]]
    tokens = open_clip.get_tokenizer(TINY_CLIP_NAME)(prompts)
    with torch.no_grad():
        text_ref = model.encode_text(tokens)
        img_ref = model.encode_image(imagenet_normalize(imgs))
    for path in files:
        logged.clear()
        text = tiny_text(pretrained=path)
        image = tiny_image(pretrained=path)
        for teacher in (text, image):
            net = teacher.clip if teacher is text else teacher.visual
            assert any(
                isinstance(m, open_clip.transformer.QuickGELU)
                for m in net.modules())
        assert len(logged) == 2 and all('QuickGELU' in m for m in logged)
        torch.testing.assert_close(text.encode_prompts(prompts), text_ref)
        torch.testing.assert_close(image(imgs), img_ref)
    # An open_clip file of a GELU model is left alone.
    plain = tmp_path / 'open_clip.pt'
    torch.save(open_clip.create_model(TINY_CLIP_NAME).state_dict(), plain)
    teacher = tiny_image(pretrained=str(plain))
    assert not any(
        isinstance(m, open_clip.transformer.QuickGELU)
        for m in teacher.visual.modules())


def test_timm_tag_from_torch_hub_folder(tmp_path, monkeypatch):
    from recon3d.models.teachers import TIMM_TEACHER_TAGS
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path))
    start = time.perf_counter()
    with pytest.raises(RuntimeError, match='downloads are off'):
        tiny_timm(pretrained='in21k')
    with pytest.raises(RuntimeError, match='HF_HUB_OFFLINE'):
        tiny_timm(pretrained='in21k', download=True)
    assert time.perf_counter() - start < FAST_S
    url = TIMM_TEACHER_TAGS['in21k'][1]
    (tmp_path / 'checkpoints').mkdir()
    torch.save(tiny_vit_045_state(),
               tmp_path / 'checkpoints' / url.rsplit('/', 1)[1])
    teacher = tiny_timm(pretrained='in21k')
    assert teacher.weights_file.startswith(str(tmp_path))
    with pytest.raises(FileNotFoundError, match='nor a known tag'):
        tiny_timm(pretrained='in1k')


def test_preflight_covers_every_teacher(tiny_clip_file, tmp_path):
    """Each teacher's weights are checked before anything is built."""
    cfg = Config(
        dict(
            model=dict(
                text_teacher=dict(
                    type='OpenCLIPTextTeacher',
                    model_name='ViT-B-32',
                    pretrained='openai'),
                img_teacher=dict(
                    type='TimmImageTeacher',
                    pretrained=str(tmp_path / 'missing.pth')),
                other=dict(
                    type='OpenCLIPImageTeacher',
                    model_name='ViT-X-0',
                    pretrained=None),
                fine=dict(
                    type='OpenCLIPImageTeacher',
                    model_name=TINY_CLIP_NAME,
                    pretrained=tiny_clip_file[1]))))
    start = time.perf_counter()
    problems = find_missing_inputs(cfg)
    assert time.perf_counter() - start < FAST_S
    assert len(problems) == 3, problems
    text, img, other = sorted(problems, key=lambda p: (
        'text' not in p, 'img' not in p))
    assert text.startswith('model.text_teacher: ')
    assert 'model.text_teacher.download=True' in text
    assert 'model.text_teacher.pretrained=None' in text
    assert img.startswith('model.img_teacher: ') and 'missing.pth' in img
    assert other.startswith('model.other: ') and "'ViT-X-0'" in other


def test_files_of_quick_gelu_tags(tmp_path):
    """A file of a tag that open_clip marks as QuickGELU is known by its
    Hugging Face cache folder or its download name."""
    from recon3d.models.teachers.open_clip_weights import \
        file_of_quick_gelu_tag
    snapshot = tmp_path / 'models--timm--vit_base_patch32_clip_224.openai' \
        / 'snapshots' / 'abc'
    quick = [
        snapshot / 'open_clip_pytorch_model.bin', tmp_path / 'ViT-B-32.pt',
        tmp_path / 'vit_b_32-quickgelu-laion400m_e31-d867053b.pt'
    ]
    gelu = [
        tmp_path / 'open_clip_pytorch_model.bin',
        tmp_path / 'vit_b_32-laion2b_e16-af8dbd0c.pth'
    ]
    assert all(file_of_quick_gelu_tag('ViT-B-32', str(p)) for p in quick)
    assert not any(file_of_quick_gelu_tag('ViT-B-32', str(p)) for p in gelu)


def _frozen_state(teacher):
    return {f'{name}.{k}': v for name, module in teacher._frozen.items()
            for k, v in module.state_dict().items()}


def test_random_teachers_are_the_same_network_wherever_built():
    """A model's random live teachers are drawn from seed 0 whatever the
    global seed, as the caches and the zero-shot model build theirs, and
    building them leaves the global random state alone."""
    from recon3d.models.teachers import build_teacher
    register_tiny_clip()
    text = dict(type='OpenCLIPTextTeacher', model_name=TINY_CLIP_NAME,
                pretrained=None)
    cfg = dict(
        type='ReCon',
        arch=dict(embed_dims=32, depth=1, num_heads=2),
        backbone=dict(type='PointTransformer', num_group=8, group_size=8),
        neck=dict(type='ReConNeck'),
        decoder=dict(type='PointMAEDecoder', depth=1),
        rec_head=dict(type='ReconstructionHead'),
        text_teacher=text,
        text_head=dict(type='DistillHead'))
    before = torch.get_rng_state()
    reference = _frozen_state(build_teacher(text))
    assert torch.equal(before, torch.get_rng_state())
    for seed in (1, 7):
        torch.manual_seed(seed)
        model = MODELS.build(cfg)
        state = _frozen_state(model.text_teacher)
        assert state.keys() == reference.keys()
        for k, v in state.items():
            assert torch.equal(v, reference[k]), k
    torch.manual_seed(3)
    other = MODELS.build(dict(cfg, teacher_seed=None))
    assert any(not torch.equal(v, reference[k])
               for k, v in _frozen_state(other.text_teacher).items())
