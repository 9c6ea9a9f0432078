"""Composed objects for part segmentation, by ShapeNetPart category.

Each builder returns parts labelled 0, 1, ... (the category's local part
index); :data:`PART_SOURCES` says which builder makes each ShapeNetPart
category. Chair, table, mug and lamp reuse the generator's classes; the
others are built here from the same surfaces. y is up.
"""
import math
from typing import Dict, List

import numpy as np

from .assembly import Builder, cylinder, place, rod, slab
from .shapes import BUILDERS
from .surfaces import Ellipsoid, Part, pyramid, rot_x, rot_y, rot_z


def _laptop(rng: np.random.Generator) -> List[Part]:
    """Base (0) and a screen (1) opened 95-135° on the back edge."""
    width, depth = rng.uniform(0.6, 0.9), rng.uniform(0.4, 0.6)
    base_t, screen_t = rng.uniform(0.02, 0.05), rng.uniform(0.01, 0.03)
    height = depth * rng.uniform(0.8, 1.1)
    hinge = np.array([0.0, base_t, -depth / 2])
    # The screen stands up from the hinge, leaning back by the opening.
    lean = rot_x(-(rng.uniform(95, 135) - 90) * math.pi / 180)
    return (slab((0.0, base_t / 2, 0.0), (width, base_t, depth), 0) +
            slab(hinge + lean @ [0.0, height / 2, screen_t / 2],
                 (width, height, screen_t), 1, lean))


def _knife(rng: np.random.Generator) -> List[Part]:
    """Blade (0) along +x and a round handle (1) along -x."""
    blade, width = rng.uniform(0.5, 1.0), rng.uniform(0.08, 0.2)
    thick = rng.uniform(0.01, 0.03)
    handle = blade * rng.uniform(0.45, 0.8)
    # The tip: a pyramid on the blade's end face, its apex level with the
    # spine, turned so that its axis (y) points along +x.
    tip = pyramid(width, thick, blade * rng.uniform(0.2, 0.4),
                  (width / 2, 0.0))
    tip = place([Part(tip, 0)], (blade, 0.0, 0.0), rot_z(-math.pi / 2))
    return (slab((blade / 2, 0.0, 0.0), (blade, width, thick), 0) + tip + rod(
        (-handle, 0.0, 0.0), (0.0, 0.0, 0.0), rng.uniform(0.03, 0.06), 1))


def _rocket(rng: np.random.Generator) -> List[Part]:
    """Body (0), three or four fins (1) and a nose cone (2)."""
    radius, body = rng.uniform(0.08, 0.16), rng.uniform(0.8, 1.6)
    nose = radius * rng.uniform(2.0, 4.0)
    parts = cylinder(radius, radius, body, 0, top=False)
    parts += place(
        cylinder(radius, 0.0, nose, 2, bottom=False), (0.0, body, 0.0))
    count = 3 if rng.random() < 0.5 else 4
    span, height = radius * rng.uniform(1.0, 2.0), body * rng.uniform(.15, .3)
    for a in rng.uniform(0, 2 * math.pi) + np.arange(count) * (2 * math.pi /
                                                               count):
        turn = rot_y(a)
        parts += slab(turn @ [radius + span / 2, height / 2, 0.0],
                      (span, height, 0.02), 1, turn)
    return parts


def _skateboard(rng: np.random.Generator) -> List[Part]:
    """Deck (0), four wheels (1) and two trucks (2)."""
    length, width = rng.uniform(0.7, 1.0), rng.uniform(0.18, 0.25)
    deck_t, wheel_r = rng.uniform(0.015, 0.03), rng.uniform(0.025, 0.04)
    lift = 2 * wheel_r + rng.uniform(0.02, 0.05)
    parts = slab((0.0, lift + deck_t / 2, 0.0), (length, deck_t, width), 0)
    axle = length / 2 * rng.uniform(0.6, 0.8)
    for x in (-axle, axle):
        parts += rod((x, wheel_r, -width / 2), (x, wheel_r, width / 2),
                     wheel_r / 3, 2)
        parts += rod((x, wheel_r, 0.0), (x, lift, 0.0), wheel_r / 2, 2)
        for z in (-width / 2, width / 2):
            wheel = cylinder(wheel_r, wheel_r, wheel_r * 0.8, 1)
            parts += place(wheel, (x, wheel_r, z - wheel_r * 0.4),
                           rot_x(math.pi / 2))
    return parts


def _airplane(rng: np.random.Generator) -> List[Part]:
    """Fuselage (0), wings (1), tail (2) and two or four engines (3)."""
    length, radius = rng.uniform(1.2, 2.0), rng.uniform(0.07, 0.12)
    span, chord = length * rng.uniform(0.8, 1.2), rng.uniform(0.15, 0.3)
    parts = [Part(Ellipsoid((length / 2, radius, radius)), 0)]
    parts += slab((0.0, 0.0, 0.0), (chord, 0.02, span), 1)
    tail_x = -length / 2 + chord / 3
    parts += slab((tail_x, 0.0, 0.0), (chord / 2, 0.015, span / 3), 2)
    parts += slab((tail_x, radius * 2, 0.0), (chord / 2, radius * 3, 0.015), 2)
    engines = 2 if rng.random() < 0.6 else 4
    offsets = np.linspace(0.2, 0.4, engines // 2) * span
    for z in np.concatenate([offsets, -offsets]):
        parts += rod((chord / 2, -radius, z), (-chord / 2, -radius, z),
                     radius * 0.5, 3)
    return parts


#: ShapeNetPart category -> builder of its parts (local labels 0, 1, ...).
PART_SOURCES: Dict[str, Builder] = {
    'Airplane': _airplane,
    'Chair': BUILDERS['chair'],
    'Knife': _knife,
    'Lamp': BUILDERS['lamp'],
    'Laptop': _laptop,
    'Mug': BUILDERS['mug'],
    'Rocket': _rocket,
    'Skateboard': _skateboard,
    'Table': BUILDERS['table'],
}
