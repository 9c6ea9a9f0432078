"""Procedural shape classes: parametric solids and composed objects.

Every class is a builder that draws its proportions from a random generator
and returns the object's parts (y is up, objects stand upright, as in
ShapeNet). :func:`generate_shape` samples the surfaces by area and adds the
nuisances: a stretch of each axis, partial dropout, Gaussian noise and a
small turn about y.

Some classes are deliberately close (table / stool / bench / chair;
cylinder / mug / pot / jar / bottle; bowl / pot; sphere / capsule / jar;
box / bookshelf), and each varies widely, so that telling them apart takes
more than a random feature. The 18 builders stay in this one module (a
little over 400 lines) so that look-alike classes are read side by side;
their building blocks are in :mod:`.assembly`.
"""
import math
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from .assembly import (Builder, corners, cylinder, legs, place, rod, slab,
                       vessel)
from .surfaces import (Disk, Ellipsoid, Frustum, Part, Torus, box, pyramid,
                       rot_x, rot_y, sample_parts, unit)


def _sphere(rng: np.random.Generator) -> List[Part]:
    return [Part(Ellipsoid(rng.uniform(0.4, 1.0) * rng.uniform(0.7, 1.3, 3)))]


def _box(rng: np.random.Generator) -> List[Part]:
    return [Part(box(rng.uniform(0.3, 2.0, 3)))]


def _cylinder_shape(rng: np.random.Generator) -> List[Part]:
    radius = rng.uniform(0.2, 0.7)
    return cylinder(radius, radius, rng.uniform(0.4, 2.0), 0)


def _cone(rng: np.random.Generator) -> List[Part]:
    radius = rng.uniform(0.3, 0.9)
    return cylinder(radius, radius * rng.uniform(0.0, 0.15),
                    rng.uniform(0.5, 2.0), 0)


def _torus(rng: np.random.Generator) -> List[Part]:
    major = rng.uniform(0.5, 1.0)
    return [Part(Torus(major, major * rng.uniform(0.15, 0.8)))]


def _capsule(rng: np.random.Generator) -> List[Part]:
    radius, length = rng.uniform(0.2, 0.6), rng.uniform(0.2, 1.6)
    return [
        Part(Frustum(radius, radius, length)),
        Part(Ellipsoid((radius, ) * 3, y_min=0.0), 0, (0.0, length, 0.0)),
        Part(Ellipsoid((radius, ) * 3, y_max=0.0)),
    ]


def _pyramid(rng: np.random.Generator) -> List[Part]:
    top = 0.0 if rng.random() < 0.6 else rng.uniform(0.15, 0.5)
    return [
        Part(
            pyramid(
                rng.uniform(0.6, 2.0), rng.uniform(0.6, 2.0),
                rng.uniform(0.5, 1.6), rng.uniform(-0.15, 0.15, 2), top))
    ]


def _table(rng: np.random.Generator) -> List[Part]:
    """Top (0) and legs or pedestal (1)."""
    height, top = rng.uniform(0.4, 1.0), rng.uniform(0.03, 0.08)
    leg, square = rng.uniform(0.03, 0.08), rng.random() < 0.5
    if rng.random() < 0.65:
        width = rng.uniform(0.8, 1.8)
        depth = width * rng.uniform(0.3, 0.9)
        inset = 2 * rng.uniform(0.02, 0.12) + leg
        board = slab((0.0, height - top / 2, 0.0), (width, top, depth), 0)
        feet = corners(width - inset, depth - inset)
        return board + legs(feet, height - top, leg, 1, square)
    radius = rng.uniform(0.4, 0.8)
    parts = place(cylinder(radius, radius, top, 0), (0.0, height - top, 0))
    if rng.random() < 0.5:
        foot = radius * rng.uniform(0.3, 0.6)
        column = rod((0.0, 0.0, 0.0), (0.0, height - top, 0.0),
                     rng.uniform(0.03, 0.08), 1)
        return parts + cylinder(foot, foot, leg / 2, 1) + column
    feet = corners(1.2 * radius, 1.2 * radius)
    return parts + legs(feet, height - top, leg, 1, square)


def _stool(rng: np.random.Generator) -> List[Part]:
    """Seat (0) and three or four splayed legs, maybe a foot ring (1)."""
    height, seat = rng.uniform(0.45, 0.85), rng.uniform(0.03, 0.08)
    radius = rng.uniform(0.16, 0.32)
    if rng.random() < 0.75:
        parts = place(
            cylinder(radius, radius, seat, 0), (0.0, height - seat, 0.0))
    else:
        parts = slab((0.0, height - seat / 2, 0.0),
                     (2 * radius, seat, 2 * radius), 0)
    count = 3 if rng.random() < 0.6 else 4
    start = rng.uniform(0, 2 * math.pi)
    angles = start + np.arange(count) * (2 * math.pi / count)
    top_r = 0.75 * radius
    foot_r = top_r + rng.uniform(0.0, 0.15) * height
    thickness = rng.uniform(0.012, 0.03)
    for a in angles:
        direction = np.array([math.cos(a), 0.0, math.sin(a)])
        joint = top_r * direction + (0.0, height - seat, 0.0)
        parts += rod(foot_r * direction, joint, thickness, 1)
    if rng.random() < 0.4:
        t = rng.uniform(0.25, 0.4)
        ring = foot_r + (top_r - foot_r) * t
        parts.append(
            Part(Torus(ring, thickness), 1, (0.0, t * (height - seat), 0.0)))
    return parts


def _chair(rng: np.random.Generator) -> List[Part]:
    """Seat (0), back (1), four legs or a swivel base (2), maybe arms (3).
    """
    width, depth = rng.uniform(0.4, 0.6), rng.uniform(0.4, 0.6)
    height, seat = rng.uniform(0.4, 0.5), rng.uniform(0.03, 0.07)
    back_h, back_t = rng.uniform(0.35, 0.7), rng.uniform(0.02, 0.06)
    leg = rng.uniform(0.025, 0.06)
    # Lean the back by a rotation about x that takes its top towards -z.
    lean = rot_x(-rng.uniform(0.0, 0.25))
    back_base = np.array([0.0, height, -depth / 2 + back_t / 2])
    parts = (
        slab((0.0, height - seat / 2, 0.0), (width, seat, depth), 0) +
        slab(back_base + lean @ [0.0, back_h / 2, 0.0],
             (width, back_h, back_t), 1, lean))
    if rng.random() < 0.7:
        feet = corners(width - leg, depth - leg)
        parts += legs(feet, height - seat, leg, 2, rng.random() < 0.6)
    else:
        # A central column on five spokes.
        hub = (0.0, leg, 0.0)
        parts += rod(hub, (0.0, height - seat, 0.0), 1.5 * leg, 2)
        reach = 0.6 * max(width, depth)
        for a in rng.uniform(0, 2 * math.pi) + np.arange(5) * (math.pi / 2.5):
            tip = (reach * math.cos(a), leg / 2, reach * math.sin(a))
            parts += rod(hub, tip, leg / 2, 2)
    if rng.random() < 0.3:
        arm_y = height + rng.uniform(0.15, 0.25)
        for side in (-1, 1):
            x = side * (width / 2 - back_t / 2)
            parts += slab((x, arm_y, 0.0), (back_t, back_t, depth), 3)
            parts += rod((x, height, depth / 2 - back_t),
                         (x, arm_y, depth / 2 - back_t), back_t / 2, 3)
    return parts


def _bench(rng: np.random.Generator) -> List[Part]:
    """Seat (0), four legs or two panels (1), maybe a backrest (2)."""
    width, depth = rng.uniform(0.8, 2.0), rng.uniform(0.3, 0.5)
    height, seat = rng.uniform(0.35, 0.6), rng.uniform(0.03, 0.08)
    leg = rng.uniform(0.03, 0.07)
    inset = 2 * rng.uniform(0.02, 0.2) + leg
    parts = slab((0.0, height - seat / 2, 0.0), (width, seat, depth), 0)
    if rng.random() < 0.5:
        feet = corners(width - inset, depth - leg)
        parts += legs(feet, height - seat, leg, 1, rng.random() < 0.6)
    else:
        panel_depth = depth * rng.uniform(0.7, 1.0)
        for side in (-1, 1):
            parts += slab(
                (side * (width - inset) / 2, (height - seat) / 2, 0.0),
                (leg, height - seat, panel_depth), 1)
    if rng.random() < 0.4:
        back_h, gap = rng.uniform(0.15, 0.35), rng.uniform(0.03, 0.15)
        parts += slab((0.0, height + gap + back_h / 2, -depth / 2 + leg / 2),
                      (width, back_h, leg), 2)
    return parts


def _mug(rng: np.random.Generator) -> List[Part]:
    """Body (0) and a C-shaped handle (1)."""
    radius, height = rng.uniform(0.25, 0.45), rng.uniform(0.6, 1.1)
    top = radius * rng.uniform(0.9, 1.1)
    bend, grip = height * rng.uniform(0.22, 0.32), rng.uniform(0.025, 0.06)
    at = ((radius + top) / 2, height * rng.uniform(0.45, 0.55), 0.0)
    # A quarter turn about x stands the handle's ring in the xy plane.
    handle = Part(Torus(bend, grip, arc=math.pi), 1, at, rot_x(math.pi / 2))
    return vessel(radius, top, height, rng.uniform(0.02, 0.05), 0) + [handle]


def _bottle(rng: np.random.Generator) -> List[Part]:
    """Body with shoulder (0) and neck (1)."""
    radius, body = rng.uniform(0.18, 0.38), rng.uniform(0.5, 1.2)
    neck_r = radius * rng.uniform(0.22, 0.45)
    shoulder, neck = rng.uniform(0.08, 0.3), rng.uniform(0.12, 0.4)
    lower = cylinder(radius, radius, body, 0, top=False)
    slope = Part(Frustum(radius, neck_r, shoulder), 0, (0.0, body, 0.0))
    upper = place(
        cylinder(neck_r, neck_r, neck, 1, bottom=False),
        (0.0, body + shoulder, 0.0))
    return lower + [slope] + upper


def _lamp(rng: np.random.Generator) -> List[Part]:
    """Base (0), stem (1) and a conical, drum or globe shade (2)."""
    base_r, base_h = rng.uniform(0.12, 0.3), rng.uniform(0.02, 0.08)
    stem = rng.uniform(0.4, 1.0)
    top = base_h + stem
    stem_r = rng.uniform(0.008, 0.025)
    base = cylinder(base_r, base_r, base_h, 0)
    parts = base + rod((0.0, base_h, 0.0), (0.0, top, 0.0), stem_r, 1)
    kind = rng.choice(['cone', 'drum', 'globe'], p=[0.5, 0.25, 0.25])
    if kind != 'globe':
        bottom_r, shade_h = rng.uniform(0.18, 0.45), rng.uniform(0.18, 0.45)
        top_r = bottom_r * (rng.uniform(0.35, 0.85) if kind == 'cone' else 1.0)
        at = (0.0, top - 0.6 * shade_h, 0.0)
        return parts + [
            Part(Frustum(bottom_r, top_r, shade_h), 2, at),
            Part(Frustum(bottom_r, top_r, shade_h), 2, at, flip=True),
        ]
    radii = rng.uniform(0.12, 0.3) * np.array([1.0, rng.uniform(0.9, 1.2), 1])
    return parts + [Part(Ellipsoid(radii), 2, (0.0, top, 0.0))]


def _bowl(rng: np.random.Generator) -> List[Part]:
    """Half-ellipsoid shell with a rim (0) on a foot ring (1)."""
    radius = rng.uniform(0.4, 0.9)
    depth = radius * rng.uniform(0.3, 1.0)
    wall = radius * rng.uniform(0.03, 0.08)
    foot_r = radius * rng.uniform(0.3, 0.5)
    foot_h = radius * rng.uniform(0.03, 0.1)
    # The foot meets the shell where the shell's radius is foot_r.
    foot_y = -depth * math.sqrt(1 - (foot_r / radius)**2)
    return [
        Part(Ellipsoid((radius, depth, radius), y_max=0.0)),
        Part(
            Ellipsoid((radius - wall, depth - wall, radius - wall), y_max=0.0),
            flip=True),
        Part(Disk(radius, radius - wall)),
    ] + place(
        cylinder(foot_r, foot_r, foot_h, 1, top=False),
        (0.0, foot_y - foot_h, 0.0))


def _bookshelf(rng: np.random.Generator) -> List[Part]:
    """Frame: sides, top, bottom, maybe a back (0); shelves (1)."""
    width, height = rng.uniform(0.6, 1.4), rng.uniform(0.8, 2.0)
    depth, board = rng.uniform(0.25, 0.45), rng.uniform(0.02, 0.05)
    parts = []
    for x in (-(width - board) / 2, (width - board) / 2):
        parts += slab((x, height / 2, 0.0), (board, height, depth), 0)
    for y in (board / 2, height - board / 2):
        parts += slab((0.0, y, 0.0), (width, board, depth), 0)
    if rng.random() < 0.5:
        parts += slab((0.0, height / 2, -(depth - board / 2) / 2),
                      (width, height, board / 2), 0)
    count = int(rng.integers(1, 7))
    for y in np.linspace(0, height, count + 2)[1:-1]:
        parts += slab((0.0, y, 0.0), (width - 2 * board, board, depth), 1)
    return parts


def _jar(rng: np.random.Generator) -> List[Part]:
    """Cut ellipsoid body with a flat base (0) and a lid (1)."""
    radius = rng.uniform(0.25, 0.55)
    tall = radius * rng.uniform(0.9, 1.6)
    low, high = -rng.uniform(0.6, 0.95), rng.uniform(0.55, 0.9)
    base_r = radius * math.sqrt(1 - low**2)
    lid_r = radius * math.sqrt(1 - high**2) * rng.uniform(1.0, 1.15)
    return [
        Part(Ellipsoid((radius, tall, radius), low, high)),
        Part(Disk(base_r), 0, (0.0, tall * low, 0.0), flip=True),
    ] + place(
        cylinder(lid_r, lid_r, radius * rng.uniform(0.05, 0.2), 1),
        (0.0, tall * high, 0.0))


def _pot(rng: np.random.Generator) -> List[Part]:
    """Flared open body (0) with a rolled rim (1)."""
    bottom, height = rng.uniform(0.2, 0.4), rng.uniform(0.3, 0.8)
    top = bottom * rng.uniform(1.15, 1.6)
    return vessel(bottom, top, height, rng.uniform(0.02, 0.04), 0) + [
        Part(Torus(top, rng.uniform(0.015, 0.05)), 1, (0.0, height, 0.0))
    ]


BUILDERS: Dict[str, Builder] = {
    'sphere': _sphere,
    'box': _box,
    'cylinder': _cylinder_shape,
    'cone': _cone,
    'torus': _torus,
    'capsule': _capsule,
    'pyramid': _pyramid,
    'table': _table,
    'stool': _stool,
    'chair': _chair,
    'bench': _bench,
    'mug': _mug,
    'bottle': _bottle,
    'lamp': _lamp,
    'bowl': _bowl,
    'bookshelf': _bookshelf,
    'jar': _jar,
    'pot': _pot,
}

#: Class names; the index is the label.
CLASSES: Tuple[str, ...] = tuple(BUILDERS)

#: Class name -> text in the style of ShapeNet's ``describe`` column.
DESCRIPTIONS: Dict[str, str] = {
    'sphere': 'sphere,ball',
    'box': 'box,cuboid',
    'cylinder': 'cylinder',
    'cone': 'cone',
    'torus': 'torus,ring,doughnut',
    'capsule': 'capsule,pill',
    'pyramid': 'pyramid',
    'table': 'table',
    'stool': 'stool',
    'chair': 'chair',
    'bench': 'bench',
    'mug': 'mug',
    'bottle': 'bottle',
    'lamp': 'lamp',
    'bowl': 'bowl',
    'bookshelf': 'bookshelf,bookcase',
    'jar': 'jar',
    'pot': 'pot,flowerpot',
}


def _dropout_mask(rng: np.random.Generator, points: np.ndarray) -> np.ndarray:
    """Keep-mask [N] that removes a random cap or slab, or nothing.

    Up to 35 % of the points go: those beyond a plane of random direction
    (a cap), or those between two parallel planes (a slab).
    """
    kind = rng.choice(['none', 'cap', 'slab'], p=[0.2, 0.4, 0.4])
    if kind == 'none':
        return np.ones(len(points), dtype=bool)
    projection = points @ unit(rng.normal(size=3))
    fraction = rng.uniform(0.05, 0.35)
    if kind == 'cap':
        return projection < np.quantile(projection, 1 - fraction)
    middle = rng.uniform(fraction / 2, 1 - fraction / 2)
    low, high = np.quantile(projection,
                            [middle - fraction / 2, middle + fraction / 2])
    return (projection < low) | (projection > high)


def generate_shape(name: str,
                   rng: np.random.Generator,
                   num_points: int = 8192,
                   builder: Optional[Builder] = None
                   ) -> Dict[str, np.ndarray]:
    """Sample one random object of class ``name``.

    The object gets random proportions, a stretch of each axis by a factor
    in [0.67, 1.5], a dropout of up to 35 % of its surface (a cap or a
    slab; the count is restored from spare samples), Gaussian noise of
    0.2–2 % of its radius and a turn about y within ±30°. Normals are
    those of the clean surface.

    Args:
        name (str): One of :data:`CLASSES`.
        rng (np.random.Generator): Random source; the result is a function
            of its state.
        num_points (int): Number of points N. Defaults to 8192.
        builder (Callable, optional): Builds the parts instead of class
            ``name``'s builder (``name`` is then free), e.g. the part
            segmentation objects of :mod:`.part_shapes`.

    Returns:
        dict: ``points`` float32 [N, 3], ``normals`` float32 [N, 3] (unit),
        ``parts`` int64 [N] (0 for single solids).
    """
    if builder is None:
        if name not in BUILDERS:
            raise KeyError(f'Unknown shape class {name!r}; known: {CLASSES}')
        builder = BUILDERS[name]
    parts = builder(rng)
    # Spares for the stretch thinning (keeps ≥ 44 %) and the dropout
    # (keeps ≥ 65 %).
    spare = int(math.ceil(num_points * 3.5)) + 16
    points, normals, labels = sample_parts(rng, parts, spare)

    # Stretch each axis by a factor in [0.67, 1.5]. A linear map S scales
    # the area element at normal n by |det S|·|S⁻¹n|, so thinning the
    # samples with probability ∝ |S⁻¹n| keeps them uniform on the
    # stretched surface.
    stretch = np.exp(rng.uniform(-0.4, 0.4, 3))
    weight = np.linalg.norm(normals / stretch, axis=1)
    kept = rng.random(spare) < weight / weight.max()
    points, normals = points * stretch, unit(normals / stretch)
    points -= (points.max(0) + points.min(0)) / 2
    kept &= _dropout_mask(rng, points)
    index = rng.permutation(np.flatnonzero(kept))[:num_points]
    points, normals, labels = points[index], normals[index], labels[index]

    radius = np.linalg.norm(points, axis=1).max()
    points = points + rng.normal(
        scale=radius * rng.uniform(0.002, 0.02), size=points.shape)
    turn = rot_y(rng.uniform(-math.pi / 6, math.pi / 6))
    return dict(
        points=(points @ turn.T).astype(np.float32),
        normals=(normals @ turn.T).astype(np.float32),
        parts=labels)
