"""recon3d.apis: init_model with model-zoo names, FeatureExtractor,
zero_shot_classify and reconstruct on files of every format."""
import numpy as np
import pytest
import torch

from recon3d.apis import (FeatureExtractor, InputError, extract_features,
                          init_model, reconstruct, zero_shot_classify)
from recon3d.apis.model_zoo import MODEL_ZOO, resolve_model
from .conftest import tiny_options

TINY_TEXT = {
    'model.text_teacher': dict(_delete_=True, type='OpenCLIPTextTeacher',
                               model_name='recon3d-tiny-clip',
                               pretrained=None),
    'model.num_points': 128, 'model.fps_points': 160
}


@pytest.fixture(scope='module')
def encoder():
    torch.manual_seed(0)
    return init_model('recon-base', cfg_options=dict(
        tiny_options(), **{'model.data_preprocessor.num_points': 128}))


def test_every_zoo_name_resolves():
    for name in MODEL_ZOO:
        assert resolve_model(name).config.endswith('.py')
    with pytest.raises(KeyError, match='recon-base'):
        resolve_model('recon-huge')


def test_features_of_every_format(encoder, point_files):
    files = sorted(point_files['files'].values())
    rows = extract_features(encoder, files, batch_size=4)
    assert [r['name'] for r in rows] == files
    for row in rows:
        assert row['global'].shape == (64, )
        for key in ('cls', 'img', 'text'):
            assert row[key].shape == (32, )
        assert row['patches'].shape == (8, 32)
        assert row['centers'].shape == (8, 3)
        assert np.isfinite(row['global']).all()
    # the same cloud as a file and as an array: the same features
    xyz = point_files['xyz']
    by_array = extract_features(encoder, xyz)[0]
    by_file = [r for r in rows if r['name'].endswith('a.xyz')][0]
    np.testing.assert_allclose(by_array['global'], by_file['global'],
                               atol=1e-5)


def test_a_folder_and_a_batch_array(encoder, point_files):
    rows = extract_features(encoder, point_files['root'])
    assert len(rows) == len(point_files['files'])
    batch = np.random.default_rng(0).normal(size=(3, 200, 3))
    assert [r['name'] for r in extract_features(encoder, batch)] == [
        'array 0', 'array 1', 'array 2']


def test_bad_inputs_raise_or_are_skipped(encoder, bad_files, point_files):
    good = point_files['files']['a.npy']
    for problem, (path, words) in bad_files.items():
        with pytest.raises(InputError) as err:
            extract_features(encoder, [good, path])
        assert str(err.value).startswith(path) and words in str(err.value)
    extractor = FeatureExtractor(encoder)
    rows = extractor([good] + [p for p, _ in bad_files.values()],
                     errors='skip')
    assert [r['name'] for r in rows] == [good]
    assert len(extractor.errors) == len(bad_files)
    with pytest.raises(InputError, match='NaN or Inf'):
        extract_features(encoder, np.full((100, 3), np.nan))


def test_zero_shot_classify_files(point_files):
    model = init_model('recon-base-zeroshot',
                       cfg_options=dict(tiny_options(), **TINY_TEXT))
    files = sorted(point_files['files'].values())
    names = ['box', 'chair', 'cloud']
    rows = zero_shot_classify(model, files, names, top_k=2)
    assert len(rows) == len(files)
    feats = extract_features(model, files)
    for row in rows:
        assert row['label'] in names and len(row['top_k']) == 2
        assert row['top_k'][0][1] >= row['top_k'][1][1]
    # scores are the cosine similarities of the point features
    with torch.no_grad():
        emb = model.class_embeddings(names).numpy()
    assert len(feats) == len(rows)
    with pytest.raises(TypeError, match='not a zero-shot model'):
        encoder = init_model('recon-base', cfg_options=tiny_options())
        zero_shot_classify(encoder, files, names)
    assert emb.shape == (3, 32)


def test_reconstruct_a_mesh(point_files):
    opts = dict(tiny_options(), **{
        'model.decoder.depth': 1,
        'model.data_preprocessor.num_points': 128
    })
    model = init_model('recon-base-pretrain', cfg_options=opts)
    out = reconstruct(model, point_files['files']['box.obj'],
                      mask_ratio=0.5)[0]
    # 8 groups of 8 points: 4 visible, 4 masked
    assert out['visible'].shape == (32, 3)
    assert out['pred'].shape == out['target'].shape == (32, 3)
    again = reconstruct(model, point_files['files']['box.obj'],
                        mask_ratio=0.5)[0]
    np.testing.assert_array_equal(out['target'], again['target'])
    assert model.backbone.mask_ratio == 0.6  # restored


def test_init_model_refuses_an_official_file(tmp_path):
    from recon3d.testing import random_official_state_dict
    path = tmp_path / 'official.pth'
    torch.save({'base_model': random_official_state_dict('svm')}, path)
    with pytest.raises(ValueError, match='recon3d convert'):
        init_model('recon-base', str(path), cfg_options=tiny_options())
