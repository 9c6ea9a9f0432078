"""Analytic surfaces sampled uniformly by area, with outward normals.

Each surface lives in its own frame (y is up) and knows its area, so an
object made of several surfaces can share its points among them in
proportion to area. :class:`Part` places a surface in the object's frame.
Everything is vectorised over points; the only Python loops run over parts
or over rejection-sampling rounds.
"""
import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

PointsNormals = Tuple[np.ndarray, np.ndarray]
# propose(rng, m) -> (m candidate rows, their acceptance probabilities [m]).
Proposal = Callable[[np.random.Generator, int], Tuple[np.ndarray, np.ndarray]]


def unit(vectors: np.ndarray) -> np.ndarray:
    """Normalise vectors along the last axis.

    Args:
        vectors (np.ndarray): [..., 3].

    Returns:
        np.ndarray: [..., 3] unit vectors.
    """
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def rot_x(angle: float) -> np.ndarray:
    """[3, 3] rotation by ``angle`` radians about x."""
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(angle: float) -> np.ndarray:
    """[3, 3] rotation by ``angle`` radians about y."""
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def rot_z(angle: float) -> np.ndarray:
    """[3, 3] rotation by ``angle`` radians about z."""
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def rot_from_y(direction: Sequence[float]) -> np.ndarray:
    """[3, 3] rotation taking the +y axis onto ``direction``.

    Rodrigues' formula for the rotation about ``y × d`` by the angle
    between them; ``direction`` must not point along -y.
    """
    d = unit(np.asarray(direction, dtype=np.float64))
    axis = np.cross([0.0, 1.0, 0.0], d)
    cos = d[1]
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]],
                  [-axis[1], axis[0], 0]])
    return np.eye(3) + k + k @ k / (1.0 + cos)


def _rejection_sample(rng: np.random.Generator, n: int,
                      propose: Proposal) -> np.ndarray:
    """Draw ``n`` accepted rows from ``propose(rng, m) -> (rows, prob)``."""
    chunks, total = [], 0
    while total < n:
        rows, prob = propose(rng, 2 * n + 64)
        kept = rows[rng.random(len(prob)) < prob]
        chunks.append(kept)
        total += len(kept)
    return np.concatenate(chunks)[:n]


def _fibonacci_sphere(count: int = 4096) -> np.ndarray:
    """[count, 3] nearly uniform unit vectors (deterministic quadrature)."""
    i = np.arange(count) + 0.5
    y = 1 - 2 * i / count
    r = np.sqrt(1 - y * y)
    phi = math.pi * (3 - math.sqrt(5)) * i
    return np.stack([r * np.cos(phi), y, r * np.sin(phi)], axis=1)


class Surface(ABC):
    """A surface in its own frame: ``area`` and ``sample``."""

    area: float

    @abstractmethod
    def sample(self, rng: np.random.Generator, n: int) -> PointsNormals:
        """Sample points uniformly by area.

        Args:
            rng (np.random.Generator): Random source.
            n (int): Number of points.

        Returns:
            tuple[np.ndarray, np.ndarray]: points [n, 3] and unit normals
            [n, 3], both float64.
        """


class Triangles(Surface):
    """A closed convex triangle mesh with outward face normals.

    Args:
        triangles (np.ndarray): [T, 3, 3] vertices of each triangle.
    """

    def __init__(self, triangles: np.ndarray) -> None:
        self.triangles = np.asarray(triangles, dtype=np.float64)
        a, b, c = self.triangles.transpose(1, 0, 2)
        cross = np.cross(b - a, c - a)
        self.face_areas = 0.5 * np.linalg.norm(cross, axis=1)
        normals = unit(cross)
        # The mesh is convex, so the outward side faces away from any
        # interior point, such as the mean vertex.
        inside = self.triangles.reshape(-1, 3).mean(0)
        side = np.einsum('ij,ij->i', normals, self.triangles.mean(1) - inside)
        self.normals = normals * np.where(side < 0, -1.0, 1.0)[:, None]
        self.area = float(self.face_areas.sum())

    def sample(self, rng: np.random.Generator, n: int) -> PointsNormals:
        face = rng.choice(
            len(self.face_areas), n, p=self.face_areas / self.area)
        root_u, v = np.sqrt(rng.random(n)), rng.random(n)
        # Uniform barycentric coordinates (1 - √u, √u (1 - v), √u v).
        weights = np.stack([1 - root_u, root_u * (1 - v), root_u * v], 1)
        points = np.einsum('nk,nkd->nd', weights, self.triangles[face])
        return points, self.normals[face]


def box(size: Sequence[float]) -> Triangles:
    """A box of full edge lengths ``size`` = (x, y, z), centred at 0."""
    corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1)
                        for z in (-1, 1)]) * np.asarray(size) / 2
    # Corner index = 4 ix + 2 iy + iz; each quad is listed cyclically.
    quads = np.array([[0, 1, 3, 2], [4, 5, 7, 6], [0, 1, 5, 4], [2, 3, 7, 6],
                      [0, 2, 6, 4], [1, 3, 7, 5]])
    triangles = np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]])
    return Triangles(corners[triangles])


def pyramid(width: float,
            depth: float,
            height: float,
            apex_shift: Sequence[float] = (0.0, 0.0),
            top: float = 0.0) -> Triangles:
    """A pyramid, sharp or truncated, on a ``width`` × ``depth`` base at y=0.

    Args:
        width (float): Base size along x.
        depth (float): Base size along z.
        height (float): Height.
        apex_shift (Sequence[float]): Offset (x, z) of the summit from the
            base centre.
        top (float): Size of the flat top relative to the base; 0 gives a
            sharp apex. Defaults to 0.
    """
    w, d = width / 2, depth / 2
    base = np.array([[-w, 0, -d], [w, 0, -d], [w, 0, d], [-w, 0, d]])
    summit = np.array([apex_shift[0], height, apex_shift[1]])
    ring = summit + top * base
    faces = [[base[0], base[1], base[2]], [base[0], base[2], base[3]]]
    for i in range(4):
        j = (i + 1) % 4
        faces.append([base[i], base[j], ring[j]])
        if top > 0:
            faces.append([base[i], ring[j], ring[i]])
    if top > 0:
        faces += [[ring[0], ring[1], ring[2]], [ring[0], ring[2], ring[3]]]
    return Triangles(np.array(faces))


class Frustum(Surface):
    """Lateral surface of a cone frustum around y, from y=0 to ``height``.

    Args:
        r0 (float): Radius at y=0.
        r1 (float): Radius at y=height (0 gives a cone, r0 a cylinder).
        height (float): Height.
    """

    def __init__(self, r0: float, r1: float, height: float) -> None:
        self.r0, self.r1, self.height = r0, r1, height
        self.slant = math.hypot(height, r0 - r1)
        self.area = math.pi * (r0 + r1) * self.slant

    def sample(self, rng: np.random.Generator, n: int) -> PointsNormals:
        phi = rng.uniform(0, 2 * math.pi, n)
        if abs(self.r1 - self.r0) < 1e-9:
            radius = np.full(n, self.r0)
            y = rng.uniform(0, self.height, n)
        else:
            # The area element grows linearly with the radius, so r² is
            # uniform between the end radii squared.
            low, high = sorted((self.r0**2, self.r1**2))
            radius = np.sqrt(rng.uniform(low, high, n))
            y = (radius - self.r0) / (self.r1 - self.r0) * self.height
        radial = np.stack([np.cos(phi), np.zeros(n), np.sin(phi)], axis=1)
        points = radius[:, None] * radial
        points[:, 1] = y
        # Outward normal: the slant direction turned by 90° in the
        # meridian plane.
        normals = (self.height * radial +
                   (0.0, self.r0 - self.r1, 0.0)) / self.slant
        return points, normals


class Disk(Surface):
    """A disk (or annulus) in the plane y=0 with normal +y.

    Args:
        radius (float): Outer radius.
        inner (float): Inner radius; 0 for a full disk.
    """

    def __init__(self, radius: float, inner: float = 0.0) -> None:
        self.radius, self.inner = radius, inner
        self.area = math.pi * (radius**2 - inner**2)

    def sample(self, rng: np.random.Generator, n: int) -> PointsNormals:
        phi = rng.uniform(0, 2 * math.pi, n)
        rho = np.sqrt(rng.uniform(self.inner**2, self.radius**2, n))
        points = np.stack([rho * np.cos(phi),
                           np.zeros(n), rho * np.sin(phi)],
                          axis=1)
        return points, np.tile([0.0, 1.0, 0.0], (n, 1))


class Ellipsoid(Surface):
    """An ellipsoid, optionally cut to a band of the unit sphere's y.

    The point ``D u`` (``D = diag(radii)``, ``u`` a unit vector) is kept
    when ``y_min <= u_y <= y_max``: (-1, 0) is the lower half.

    Args:
        radii (Sequence[float]): Semi-axes (a, b, c) along x, y, z.
        y_min (float): Lower bound of u_y. Defaults to -1.
        y_max (float): Upper bound of u_y. Defaults to 1.
    """

    def __init__(self,
                 radii: Sequence[float],
                 y_min: float = -1.0,
                 y_max: float = 1.0) -> None:
        self.radii = np.asarray(radii, dtype=np.float64)
        self.y_min, self.y_max = y_min, y_max
        # Mapping the unit sphere by D scales its area element by
        # abc·|D⁻¹u|; integrate that over the band by quadrature.
        u = _fibonacci_sphere()
        inside = (u[:, 1] >= y_min) & (u[:, 1] <= y_max)
        self.area = float(4 * math.pi * np.mean(self._scale(u) * inside))

    def _scale(self, u: np.ndarray) -> np.ndarray:
        return np.prod(self.radii) * np.linalg.norm(u / self.radii, axis=1)

    def _propose(self, rng: np.random.Generator,
                 m: int) -> Tuple[np.ndarray, np.ndarray]:
        u = unit(rng.normal(size=(m, 3)))
        peak = np.prod(self.radii) / self.radii.min()
        inside = (u[:, 1] >= self.y_min) & (u[:, 1] <= self.y_max)
        return u, self._scale(u) / peak * inside

    def sample(self, rng: np.random.Generator, n: int) -> PointsNormals:
        u = _rejection_sample(rng, n, self._propose)
        return u * self.radii, unit(u / self.radii)


class Torus(Surface):
    """A torus around the y axis, optionally an arc of it.

    The tube centre runs on the circle of radius ``major`` in the xz plane,
    for azimuths in [-arc/2, arc/2] around +x.

    Args:
        major (float): Radius of the tube's centre circle.
        minor (float): Tube radius.
        arc (float): Angular extent in radians. Defaults to 2π.
    """

    def __init__(self,
                 major: float,
                 minor: float,
                 arc: float = 2 * math.pi) -> None:
        self.major, self.minor, self.arc = major, minor, arc
        self.area = arc * 2 * math.pi * major * minor

    def _propose(self, rng: np.random.Generator,
                 m: int) -> Tuple[np.ndarray, np.ndarray]:
        theta = rng.uniform(0, 2 * math.pi, m)
        # The area element is proportional to major + minor cos θ.
        prob = (self.major + self.minor * np.cos(theta)) / (
            self.major + self.minor)
        return theta, prob

    def sample(self, rng: np.random.Generator, n: int) -> PointsNormals:
        theta = _rejection_sample(rng, n, self._propose)
        phi = rng.uniform(-self.arc / 2, self.arc / 2, n)
        cos = np.cos(theta)
        normals = np.stack(
            [cos * np.cos(phi),
             np.sin(theta), cos * np.sin(phi)], axis=1)
        ring = np.stack([np.cos(phi), np.zeros(n), np.sin(phi)], axis=1)
        return self.major * ring + self.minor * normals, normals


@dataclass
class Part:
    """A surface placed in the object frame: ``x ↦ R x + offset``.

    Args:
        surface (Surface): The surface, in its own frame.
        label (int): Part label of its points.
        offset (Sequence[float]): Translation.
        rotation (np.ndarray, optional): [3, 3] rotation, applied first.
        flip (bool): Reverse the normals (inner walls).
    """
    surface: Surface
    label: int = 0
    offset: Sequence[float] = (0.0, 0.0, 0.0)
    rotation: Optional[np.ndarray] = None
    flip: bool = False

    def sample(self, rng: np.random.Generator, n: int) -> PointsNormals:
        """Sample ``n`` points [n, 3] and normals [n, 3] in object frame."""
        points, normals = self.surface.sample(rng, n)
        if self.rotation is not None:
            points = points @ self.rotation.T
            normals = normals @ self.rotation.T
        return points + np.asarray(self.offset), (-normals
                                                  if self.flip else normals)


def sample_parts(rng: np.random.Generator, parts: List[Part],
                 n: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample ``n`` points over several parts, uniformly by area.

    Args:
        rng (np.random.Generator): Random source.
        parts (list[Part]): The object's parts.
        n (int): Total number of points.

    Returns:
        tuple: points [n, 3], normals [n, 3] (float64) and part labels
        [n] (int64).
    """
    areas = np.array([part.surface.area for part in parts])
    counts = rng.multinomial(n, areas / areas.sum())
    sampled = [part.sample(rng, k) for part, k in zip(parts, counts)]
    labels = np.repeat([part.label for part in parts], counts)
    return (np.concatenate([s[0] for s in sampled]),
            np.concatenate([s[1] for s in sampled]), labels.astype(np.int64))
