"""Building blocks of the procedural objects: parts placed, cylinders,
rods, slabs, vessels and legs (y is up)."""
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from .surfaces import Disk, Frustum, Part, box, rot_from_y

#: Builds one random object's parts from a generator.
Builder = Callable[[np.random.Generator], List[Part]]


def place(parts: List[Part],
          offset: Sequence[float] = (0.0, 0.0, 0.0),
          rotation: Optional[np.ndarray] = None) -> List[Part]:
    """Move parts by ``x ↦ R x + offset`` (R = identity if None)."""
    rot = np.eye(3) if rotation is None else rotation
    return [
        Part(p.surface, p.label,
             rot @ np.asarray(p.offset) + np.asarray(offset),
             rot if p.rotation is None else rot @ p.rotation, p.flip)
        for p in parts
    ]


def cylinder(r0: float,
             r1: float,
             height: float,
             label: int,
             bottom: bool = True,
             top: bool = True) -> List[Part]:
    """A frustum from y=0 to ``height`` with optional end disks."""
    parts = [Part(Frustum(r0, r1, height), label)]
    if bottom:
        parts.append(Part(Disk(r0), label, flip=True))
    if top and r1 > 0:
        parts.append(Part(Disk(r1), label, (0.0, height, 0.0)))
    return parts


def rod(start: Sequence[float], end: Sequence[float], radius: float,
        label: int) -> List[Part]:
    """A closed cylinder of ``radius`` from ``start`` to ``end``."""
    axis = np.subtract(end, start)
    length = float(np.linalg.norm(axis))
    return place(
        cylinder(radius, radius, length, label), start, rot_from_y(axis))


def slab(center: Sequence[float],
         size: Sequence[float],
         label: int,
         rotation: Optional[np.ndarray] = None) -> List[Part]:
    """A box of full edge lengths ``size`` centred at ``center``."""
    return [Part(box(size), label, center, rotation)]


def vessel(r0: float, r1: float, height: float, wall: float,
           label: int) -> List[Part]:
    """An open-topped container: outer and inner walls, floor and rim."""
    return [
        Part(Frustum(r0, r1, height), label),
        Part(
            Frustum(r0 - wall, r1 - wall, height - wall),
            label, (0.0, wall, 0.0),
            flip=True),
        Part(Disk(r0), label, flip=True),
        Part(Disk(r0 - wall), label, (0.0, wall, 0.0)),
        Part(Disk(r1, r1 - wall), label, (0.0, height, 0.0)),
    ]


def legs(feet: Sequence[Tuple[float, float]], height: float, width: float,
         label: int, square: bool) -> List[Part]:
    """Vertical legs from y=0 to ``height`` at the (x, z) ``feet``."""
    parts = []
    for x, z in feet:
        if square:
            parts += slab((x, height / 2, z), (width, height, width), label)
        else:
            parts += rod((x, 0.0, z), (x, height, z), width / 2, label)
    return parts


def corners(width: float, depth: float) -> List[Tuple[float, float]]:
    """The four (x, z) corners of a centred ``width`` × ``depth`` rectangle.
    """
    return [(sx * width / 2, sz * depth / 2) for sx in (-1, 1)
            for sz in (-1, 1)]
