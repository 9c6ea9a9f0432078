import numpy as np
import pytest

from recon3d.datasets.synthetic import (CLASSES, DESCRIPTIONS, generate_shape,
                                        render_points)
from recon3d.datasets.synthetic.surfaces import (Ellipsoid, Frustum, Torus,
                                                 box)

SINGLE_SOLIDS = ('sphere', 'box', 'cylinder', 'cone', 'torus', 'capsule',
                 'pyramid')


def test_catalogue():
    assert len(CLASSES) >= 16
    assert len(set(CLASSES)) == len(CLASSES)
    assert set(DESCRIPTIONS) == set(CLASSES)
    for name in CLASSES:
        assert DESCRIPTIONS[name].split(',')[0] == name


@pytest.mark.parametrize('name', CLASSES)
def test_every_class(name):
    shape = generate_shape(name, np.random.default_rng(1), num_points=2048)
    points, normals, parts = shape['points'], shape['normals'], shape['parts']
    assert points.shape == (2048, 3) and points.dtype == np.float32
    assert normals.shape == (2048, 3) and normals.dtype == np.float32
    assert parts.shape == (2048, ) and parts.dtype == np.int64
    assert np.isfinite(points).all() and np.isfinite(normals).all()
    np.testing.assert_allclose(np.linalg.norm(normals, axis=1), 1, atol=1e-5)
    # No duplicated samples: the count is restored from spare samples.
    assert len(np.unique(points, axis=0)) == 2048
    if name in SINGLE_SOLIDS:
        assert (parts == 0).all()
    else:
        assert len(np.unique(parts)) > 1


def test_deterministic_and_varied():
    a = generate_shape('chair', np.random.default_rng(7), num_points=1024)
    b = generate_shape('chair', np.random.default_rng(7), num_points=1024)
    c = generate_shape('chair', np.random.default_rng(8), num_points=1024)
    for key in ('points', 'normals', 'parts'):
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.allclose(np.ptp(a['points'], 0), np.ptp(c['points'], 0))


@pytest.mark.parametrize('seed', range(5))
def test_upright(seed):
    # y is up: a table's top (part 0) is above its legs (part 1).
    table = generate_shape('table', np.random.default_rng(seed), 1024)
    y, parts = table['points'][:, 1], table['parts']
    assert y[parts == 0].mean() > y[parts == 1].mean()


def test_normals_point_outwards():
    # On a sphere the outward normal is along the centred position.
    shape = generate_shape('sphere', np.random.default_rng(0), 1024)
    points = shape['points'] - shape['points'].mean(0)
    cos = np.sum(points * shape['normals'], 1) / np.linalg.norm(points, axis=1)
    assert np.median(cos) > 0.9


def test_unknown_class():
    with pytest.raises(KeyError, match='spaceship'):
        generate_shape('spaceship', np.random.default_rng(0))


def test_render():
    shape = generate_shape('lamp', np.random.default_rng(0))
    image = render_points(shape['points'], shape['normals'])
    assert image.shape == (224, 224, 3) and image.dtype == np.uint8
    # Grey levels only: no class-dependent colour.
    assert (image[..., 0] == image[..., 1]).all()
    assert (image[..., 1] == image[..., 2]).all()
    background = image[..., 0] == 255
    assert image[0, 0, 0] == 255
    assert 0.05 < 1 - background.mean() < 0.9
    assert len(np.unique(image[~background])) > 20


def test_render_small():
    shape = generate_shape('mug', np.random.default_rng(0), 256)
    image = render_points(shape['points'], shape['normals'], size=32)
    assert image.shape == (32, 32, 3)
    assert (image < 255).any()


def test_surfaces_uniform_by_area():
    rng = np.random.default_rng(0)
    # Cone flank: the area below half height is 3/4 of the total.
    points, normals = Frustum(1.0, 0.0, 1.0).sample(rng, 40000)
    assert abs((points[:, 1] < 0.5).mean() - 0.75) < 0.01
    np.testing.assert_allclose(normals[:, 1], 1 / np.sqrt(2), atol=1e-9)
    # Sphere: y is uniform (Archimedes), areas by quadrature are exact.
    points, _ = Ellipsoid((1, 1, 1)).sample(rng, 40000)
    assert abs((points[:, 1] < -0.5).mean() - 0.25) < 0.01
    assert abs(Ellipsoid((1, 1, 1)).area - 4 * np.pi) < 1e-3
    assert abs(Ellipsoid((1, 1, 1), y_max=0).area - 2 * np.pi) < 1e-2
    # Prolate spheroid: 2πa²(1 + c asin(e) / (a e)), e² = 1 - a²/c².
    e = np.sqrt(1 - 1 / 4)
    exact = 2 * np.pi * (1 + 2 * np.arcsin(e) / e)
    assert abs(Ellipsoid((1, 2, 1)).area - exact) < 1e-3 * exact
    # Torus: the outer half (cos θ > 0) holds (π R + 2 r) / (2 π R).
    major, minor = 1.0, 0.5
    points, _ = Torus(major, minor).sample(rng, 40000)
    outer = np.linalg.norm(points[:, [0, 2]], axis=1) > major
    share = (np.pi * major + 2 * minor) / (2 * np.pi * major)
    assert abs(outer.mean() - share) < 0.01
    # Box faces share points in proportion to their areas (2 : 3 : 6).
    points, normals = box((3, 2, 1)).sample(rng, 60000)
    counts = np.abs(normals).argmax(1)
    np.testing.assert_allclose(
        np.bincount(counts) / 60000, [2 / 11, 3 / 11, 6 / 11], atol=0.01)
