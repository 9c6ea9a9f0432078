"""The zero-shot demo's random text teacher is the one the demo pretrained
with: the class embeddings equal the demo's text-teacher cache, whatever
the global random state when the classifier is built."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from recon3d.models.teachers import build_teacher
from recon3d.models.teachers import CachedTeacher, build_teacher_cache
from recon3d.registry import MODELS
from recon3d.testing import tiny_classifier_overrides

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def demo_cache(tmp_path_factory):
    """The text cache ``tools/demo.py`` builds (``use_teacher_cache``, seed
    0), over a generated ShapeNet-55 folder; and the demo's zero-shot
    config."""
    from recon3d.datasets.synthetic import write_shapenet55
    tmp = tmp_path_factory.mktemp('zs_teacher')
    root = str(tmp / 'ShapeNet55-34')
    write_shapenet55(root, train_per_class=1, test_per_class=1, seed=0,
                     num_points=64, image_size=8)
    pretrain = Config.fromfile(
        osp.join(REPO, 'configs', 'recon', 'pretrain_demo.py'))
    cached = dict(teacher=pretrain.model.text_teacher.to_dict(),
                  cache=str(tmp / 'text_teacher'), seed=0)
    build_teacher_cache(
        cached,
        dict(type='ShapeNet55', data_root=root, split='train',
             with_img=False, pipeline=[]),
        progress=False)
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'recon', 'zeroshot_modelnet40_demo.py'))
    cfg.merge_from_dict(tiny_classifier_overrides())
    return CachedTeacher(**cached), cfg


def _build(cfg, global_seed, **overrides):
    torch.manual_seed(global_seed)  # e.g. the runner's seed
    return MODELS.build(dict(cfg.model, **overrides))


@pytest.mark.parametrize('global_seed', [0, 123])
def test_class_embeddings_are_the_pretraining_teachers(demo_cache,
                                                       global_seed):
    cache, cfg = demo_cache
    texts = list(cache.keys)  # the captions, e.g. 'sphere,ball'
    model = _build(cfg, global_seed)
    assert model.text_teacher.num_prompts == cache.table.shape[1] == 1
    # One prompt per class: the embedding is the cached feature itself.
    torch.testing.assert_close(
        model.class_embeddings(texts),
        torch.as_tensor(cache.table[:, 0]),
        rtol=0,
        atol=1e-6)


def test_teacher_seed_leaves_the_global_random_state(demo_cache):
    _, cfg = demo_cache
    torch.manual_seed(5)
    state = torch.get_rng_state()
    teacher = build_teacher(cfg.model.text_teacher, 0)
    assert torch.equal(torch.get_rng_state(), state)
    prompts = ['A 3D model of a chair.']
    # Drawn from the global state, the teacher is another random network.
    free = _build(cfg, 5, teacher_seed=None)
    assert not torch.allclose(teacher.encode_prompts(prompts),
                              free.text_teacher.encode_prompts(prompts))
