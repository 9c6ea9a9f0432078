import numpy as np
import pytest
import torch
from PIL import Image

from recon3d.datasets import (RAND_AUGMENT_OPS, FPSPointSample,
                              LoadImageFromPNG, LoadPointsFromFile,
                              NormalizePoints, PackReconInputs,
                              RandomPointSample, ReConImageAugment,
                              ResizeImage, random_resized_crop_box)
from recon3d.registry import TRANSFORMS
from recon3d.structures.recon_data_sample import ReconDataSample


def _cloud(n=100, c=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n, c)).astype(np.float32)


def test_registered():
    for name in ('LoadPointsFromFile', 'LoadImageFromPNG', 'RandomPointSample',
                 'FPSPointSample', 'NormalizePoints', 'ReConImageAugment',
                 'ResizeImage', 'PackReconInputs'):
        assert TRANSFORMS.get(name) is not None, name


@pytest.mark.parametrize('delimiter', [',', ' '])
def test_load_txt(tmp_path, delimiter):
    points = _cloud(c=6)
    path = tmp_path / 'cloud.txt'
    np.savetxt(path, points, delimiter=delimiter, fmt='%.6f')
    loaded = LoadPointsFromFile(use_dims=6)(dict(pc_path=str(path)))
    assert loaded['points'].dtype == np.float32
    np.testing.assert_allclose(loaded['points'], points, atol=1e-5)
    xyz = LoadPointsFromFile()(dict(pc_path=str(path)))['points']
    np.testing.assert_allclose(xyz, points[:, :3], atol=1e-5)


def test_load_errors(tmp_path):
    path = tmp_path / 'cloud.npy'
    np.save(path, _cloud(c=3))
    with pytest.raises(ValueError, match=r'C >= 6\], got \[100, 3\]'):
        LoadPointsFromFile(use_dims=6)(dict(pc_path=str(path)))
    bad = np.full((4, 3), np.nan, dtype=np.float32)
    np.save(path, bad)
    with pytest.raises(ValueError, match='NaN'):
        LoadPointsFromFile()(dict(pc_path=str(path)))
    with pytest.raises(ValueError, match='unsupported'):
        LoadPointsFromFile()(dict(pc_path=str(tmp_path / 'cloud.ply')))


def test_image_bgr(tmp_path):
    img = np.zeros((8, 10, 3), dtype=np.uint8)
    img[..., 0], img[..., 1], img[..., 2] = 200, 100, 10
    path = tmp_path / 'view.png'
    Image.fromarray(img).save(path)
    rgb = LoadImageFromPNG()(dict(img_path=str(path)))['img']
    bgr = LoadImageFromPNG(bgr=True)(dict(img_path=str(path)))['img']
    assert rgb.shape == (8, 10, 3) and rgb.dtype == np.uint8
    np.testing.assert_array_equal(rgb, img)
    np.testing.assert_array_equal(bgr, img[..., ::-1])
    with pytest.raises(ValueError, match='with_img=False'):
        LoadImageFromPNG()(dict(img_path=None, file_name='a.npy'))
    path.write_bytes(b'not a png')
    with pytest.raises(ValueError, match='cannot read image'):
        LoadImageFromPNG()(dict(img_path=str(path)))


def test_random_sample():
    points = _cloud(200)
    np.random.seed(0)
    out = RandomPointSample(64)(dict(points=points))['points']
    assert out.shape == (64, 3)
    # A subset without replacement.
    rows = {tuple(p) for p in points}
    assert len({tuple(p) for p in out}) == 64
    assert all(tuple(p) in rows for p in out)
    np.random.seed(0)
    again = RandomPointSample(64)(dict(points=points))['points']
    np.testing.assert_array_equal(out, again)
    with pytest.raises(ValueError, match='cannot sample 300'):
        RandomPointSample(300)(dict(points=points))


def test_fps_sample():
    points = _cloud(200, c=6)
    out = FPSPointSample(16)(dict(points=points))['points']
    assert out.shape == (16, 6)
    np.testing.assert_array_equal(out[0], points[0])
    again = FPSPointSample(16)(dict(points=points))['points']
    np.testing.assert_array_equal(out, again)
    # The second point is the farthest from the first.
    far = np.linalg.norm(points[:, :3] - points[0, :3], axis=1).argmax()
    np.testing.assert_array_equal(out[1], points[far])


def test_normalize():
    points = _cloud(c=6) * 5 + 3
    out = NormalizePoints()(dict(points=points.copy()))['points']
    np.testing.assert_allclose(out[:, :3].mean(0), 0, atol=1e-5)
    assert abs(np.linalg.norm(out[:, :3], axis=1).max() - 1) < 1e-5
    np.testing.assert_array_equal(out[:, 3:], points[:, 3:])


def test_image_augment_shape():
    img = np.random.default_rng(0).integers(0, 256, (64, 80, 3), np.uint8)
    np.random.seed(0)
    for _ in range(5):
        out = ReConImageAugment()(dict(img=img))['img']
        assert out.shape == (224, 224, 3) and out.dtype == np.uint8
    small = ReConImageAugment(resize=40, crop=32)(dict(img=img))['img']
    assert small.shape == (32, 32, 3)


def test_image_augment_cutout_is_grey():
    white = np.full((64, 64, 3), 255, dtype=np.uint8)
    augment = ReConImageAugment(randaug_n=0)
    np.random.seed(1)
    for _ in range(10):
        out = augment(dict(img=white))['img']
        grey = (out == 127).all(-1)
        assert ((out == 255).all(-1) | grey).all()
        rows, cols = np.nonzero(grey)
        height = rows.max() - rows.min() + 1
        width = cols.max() - cols.min() + 1
        # One axis-aligned square, clipped at the border.
        assert grey.sum() == height * width
        assert 8 <= height <= 16 and 8 <= width <= 16


def test_resize_image():
    img = np.zeros((30, 50, 3), dtype=np.uint8)
    assert ResizeImage(224)(dict(img=img))['img'].shape == (224, 224, 3)


def test_pack():
    results = dict(
        points=_cloud(c=6),
        img=np.zeros((4, 5, 3), dtype=np.uint8),
        text='mug',
        gt_label=3,
        sample_idx=7,
        file_name='a.npy',
        split='train',
        pc_path='unpacked.npy')
    packed = PackReconInputs()(results)
    inputs, sample = packed['inputs'], packed['data_samples']
    assert inputs['points'].shape == (100, 6)
    assert inputs['points'].dtype == torch.float32
    assert inputs['img'].shape == (3, 4, 5)
    assert inputs['img'].dtype == torch.uint8
    assert inputs['text'] == 'mug'
    assert isinstance(sample, ReconDataSample)
    assert sample.gt_label.tolist() == [3]
    assert sample.metainfo == dict(
        sample_idx=7, file_name='a.npy', split='train', text='mug')
    bare = PackReconInputs()(dict(points=_cloud()))
    assert set(bare['inputs']) == {'points'}
    assert 'gt_label' not in bare['data_samples']


def test_rand_augment_pool():
    assert [name for name, _ in RAND_AUGMENT_OPS] == [
        'AutoContrast', 'Brightness', 'Color', 'Contrast', 'Equalize',
        'Identity', 'Posterize', 'Rotate', 'Sharpness', 'ShearX', 'ShearY',
        'Solarize', 'TranslateX', 'TranslateY'
    ]
    img = Image.fromarray(
        np.random.default_rng(0).integers(0, 256, (32, 40, 3), np.uint8))
    for name, op in RAND_AUGMENT_OPS:
        for level in (1, 9):
            for sign in (-1, 1):
                out = op(img, level, sign)
                assert out.size == img.size and out.mode == 'RGB', name
    # Magnitude v/10 of the maximum: translate by 0.3·9/10 of the width.
    translate = dict(RAND_AUGMENT_OPS)['TranslateX']
    moved = np.asarray(translate(img, 9, 1))
    np.testing.assert_array_equal(moved[:, :-10], np.asarray(img)[:, 10:])


def test_random_resized_crop_box():
    rng = np.random.default_rng(0)
    for _ in range(50):
        left, top, right, bottom = random_resized_crop_box(
            rng, 256, 256, (0.64, 1.0))
        assert 0 <= left < right <= 256 and 0 <= top < bottom <= 256
        area = (right - left) * (bottom - top) / 256**2
        assert 0.6 < area <= 1.0
        assert 3 / 4 - 0.02 < (right - left) / (bottom - top) < 4 / 3 + 0.02
    # Impossible draws fall back to the centred box within the ratios.
    assert random_resized_crop_box(rng, 100, 10, (2.0, 3.0)) == (43, 0, 56, 10)
