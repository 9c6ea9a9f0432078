"""Scenes around an object: the ScanObjectNN variants of one shape."""
from typing import Dict, Tuple

import numpy as np

from ..shapes import generate_shape
from ..surfaces import Part, box, sample_parts


def scan_views(rng: np.random.Generator, name: str, num_points: int,
               copies: int) -> Dict[str, list]:
    """The (points, mask) clouds of one object in every variant."""
    points = generate_shape(name, rng, num_points)['points'].astype(np.float64)
    points -= (points.max(0) + points.min(0)) / 2
    points /= np.linalg.norm(points, axis=1).max()
    low, high = points.min(0), points.max(0)
    extent = high - low
    margin = np.array([0.25, 0.0, 0.25]) * extent + [0.05, 0.0, 0.05]
    region = (low - margin, high + margin + [0.0, 0.1 * extent[1], 0.0])
    views: Dict[str, list] = {}
    ones = np.ones(num_points, dtype=np.int32)
    views['OBJ_ONLY'] = [(points.astype(np.float32), ones)]

    # OBJ_BG: 20-30 % of the points become clutter.
    num_bg = int(round(rng.uniform(0.2, 0.3) * num_points))
    kept = points[rng.choice(num_points, num_points - num_bg, replace=False)]
    clutter = _clutter(rng, *region, num_bg)
    views['OBJ_BG'] = [_mix(rng, kept, clutter)]

    # PB_T50_RS: a wider scene seen through the OBJ_BG region after a
    # random rotation, scale and shift of the scene.
    wide = (region[0] - [extent[0], 0.0, extent[2]],
            region[1] + [extent[0], 0.0, extent[2]])
    scene_bg = _clutter(rng, *wide, 2 * num_points)
    pb = []
    for _ in range(copies):
        for _ in range(20):  # redraw if the crop leaves almost no object
            angle = rng.uniform(0, 2 * np.pi)
            c, s = np.cos(angle), np.sin(angle)
            rotation = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
            scale = rng.uniform(0.75, 1.25)
            shift = rng.uniform(-0.5, 0.5, 3) * extent
            obj = points @ rotation * scale + shift
            bg = scene_bg @ rotation * scale + shift
            obj = obj[_inside(obj, *region)]
            bg = bg[_inside(bg, *region)]
            if len(obj) >= num_points // 8:
                break
        pool = len(obj) + len(bg)
        pick = rng.choice(pool, num_points, replace=pool < num_points)
        pick.sort()
        split = np.searchsorted(pick, len(obj))
        pb.append(_mix(rng, obj[pick[:split]], bg[pick[split:] - len(obj)]))
    views['PB_T50_RS'] = pb
    return views


def _inside(points: np.ndarray, low: np.ndarray, high: np.ndarray):
    """Mask [N] of the points inside the box [low, high]."""
    return np.all((points >= low) & (points <= high), axis=1)


def _mix(rng: np.random.Generator, obj: np.ndarray,
         bg: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Object and background points in a random order, with their mask."""
    points = np.concatenate([obj, bg]).astype(np.float32)
    mask = np.concatenate([
        np.ones(len(obj), dtype=np.int32),
        np.full(len(bg), -1, dtype=np.int32)
    ])
    order = rng.permutation(len(points))
    return points[order], mask[order]


def _clutter(rng: np.random.Generator, low: np.ndarray, high: np.ndarray,
             count: int) -> np.ndarray:
    """``count`` background points in the box [low, high].

    A partial floor at ``low.y``, up to two wall patches on its sides and
    one to three boxes standing on the floor across its border, sampled by
    area, cut to the box, with a little noise.
    """
    extent = high - low
    thin = 1e-4 * extent.max()  # flat patches: boxes of (almost) no depth
    parts = []
    size = extent * [rng.uniform(0.6, 1.0), 0.0, rng.uniform(0.6, 1.0)]
    size[1] = thin
    center = rng.uniform(low + size / 2, high - size / 2)
    center[1] = low[1]
    parts.append(Part(box(size), 0, center))
    for side in rng.permutation(4)[:rng.integers(0, 3)]:
        axis, other = (0, 2) if side < 2 else (2, 0)
        size = np.full(3, thin)
        size[other] = extent[other] * rng.uniform(0.5, 1.0)
        size[1] = extent[1] * rng.uniform(0.4, 1.0)
        center = np.zeros(3)
        center[axis] = (low if side % 2 == 0 else high)[axis]
        center[other] = rng.uniform(low[other] + size[other] / 2,
                                    high[other] - size[other] / 2)
        center[1] = low[1] + size[1] / 2
        parts.append(Part(box(size), 0, center))
    for _ in range(rng.integers(1, 4)):
        size = extent * rng.uniform(0.1, 0.35, 3)
        center = rng.uniform(low, high)
        axis = 0 if rng.random() < 0.5 else 2
        center[axis] = (low if rng.random() < 0.5 else high)[axis]
        center[1] = low[1] + size[1] / 2
        parts.append(Part(box(size), 0, center))
    points = np.empty((0, 3))
    while len(points) < count:
        sampled = sample_parts(rng, parts, 2 * count + 64)[0]
        points = np.concatenate([points, sampled[_inside(sampled, low, high)]])
    points = points[:count]
    return points + rng.normal(scale=0.004 * extent.max(), size=points.shape)
