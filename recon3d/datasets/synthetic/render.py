"""A fast grey-shaded point-splatting renderer for the synthetic images."""
import math

import numpy as np

from .surfaces import rot_x, rot_y, unit

# World -> camera: turn the object 30° about y, then tilt it 20° towards the
# camera, which looks down -z from +z (a 3/4 view from slightly above).
_VIEW = rot_x(math.radians(20)) @ rot_y(math.radians(-30))
# Light from the upper left, in camera coordinates.
_LIGHT = unit(np.array([-0.4, 0.7, 0.6]))


def render_points(points: np.ndarray,
                  normals: np.ndarray,
                  size: int = 224) -> np.ndarray:
    """Render a point cloud as a shaded grey object on white.

    Orthographic 3/4 view; the object is centred and fills 90 % of the
    image. Points facing the camera are splatted as small squares into a
    z-buffer (the nearest wins a pixel), shaded by two-sided Lambert
    lighting from their normals and darkened slightly with depth; the gaps
    left between splats are then closed. The grey never depends on the
    class.

    Args:
        points (np.ndarray): [N, 3] xyz, y up.
        normals (np.ndarray): [N, 3] unit normals, pointing out of the
            material.
        size (int): Image height and width. Defaults to 224.

    Returns:
        np.ndarray: uint8 [size, size, 3] RGB image (grey levels).
    """
    cam = np.asarray(points, dtype=np.float64) @ _VIEW.T
    cam_normals = np.asarray(normals, dtype=np.float64) @ _VIEW.T
    cam -= (cam.max(0) + cam.min(0)) / 2
    scale = 0.45 * size / max(np.abs(cam[:, :2]).max(), 1e-9)
    near = (cam[:, 2] - cam[:, 2].min()) / max(np.ptp(cam[:, 2]), 1e-9)
    light = np.abs(cam_normals @ _LIGHT)
    grey = 25 + 215 * (0.25 + 0.75 * light) * (0.8 + 0.2 * near)

    # Back faces are hidden by the front ones; dropping them halves the
    # work. The camera looks down -z, so facing points have normal z > 0.
    facing = cam_normals[:, 2] > -0.2
    # A footprint of about 3 point spacings closes most gaps even where the
    # surface faces the camera and its projected density is lowest.
    half = max(1, int(round(1.2 * size / math.sqrt(len(cam)))))
    image = _splat(cam[facing] * scale, grey[facing], size, half)
    return np.repeat(_fill_holes(image)[..., None], 3, axis=2)


def _splat(cam: np.ndarray, grey: np.ndarray, size: int,
           half: int) -> np.ndarray:
    """Z-buffered square splats.

    Args:
        cam (np.ndarray): [M, 3] camera coordinates in pixels, centred;
            larger z is nearer.
        grey (np.ndarray): [M] grey level of each point, in (0, 255].
        size (int): Image side.
        half (int): Splat half-width; each splat is (2 half + 1)² pixels.

    Returns:
        np.ndarray: [size, size] float grey, 0 where nothing was drawn.
    """
    # Splat centres are kept ``half`` pixels from the border, so that the
    # footprints stay inside without a per-pixel bounds check.
    col = np.clip(np.round(size / 2 + cam[:, 0]), half, size - 1 - half)
    row = np.clip(np.round(size / 2 - cam[:, 1]), half, size - 1 - half)
    offsets = np.arange(-half, half + 1)
    footprint = (offsets[:, None] * size + offsets[None, :]).ravel()
    pixel = ((row * size + col).astype(np.int64)[:, None] +
             footprint[None, :]).ravel()
    depth = np.repeat(-cam[:, 2], len(footprint))
    zbuffer = np.full(size * size, np.inf)
    np.minimum.at(zbuffer, pixel, depth)
    nearest = depth == zbuffer[pixel]
    image = np.zeros(size * size)
    image[pixel[nearest]] = np.repeat(grey, len(footprint))[nearest]
    return image.reshape(size, size)


def _fill_holes(image: np.ndarray, passes: int = 2) -> np.ndarray:
    """Close the gaps left between splats; background (0) becomes white.

    In each pass, an empty pixel with at least 5 covered pixels among its 8
    neighbours takes their mean grey. Outside a straight or convex
    silhouette a pixel has at most 3 covered neighbours, so it stays empty.

    Args:
        image (np.ndarray): [H, W] grey levels, 0 where nothing was drawn.
        passes (int): Number of filling passes. Defaults to 2.

    Returns:
        np.ndarray: uint8 [H, W].
    """
    height, width = image.shape
    for _ in range(passes):
        padded = np.pad(image, 1)
        total = np.zeros_like(image)
        count = np.zeros(image.shape, dtype=np.int64)
        for dy in range(3):
            for dx in range(3):
                window = padded[dy:dy + height, dx:dx + width]
                total += window
                count += window > 0
        hole = (image == 0) & (count >= 5)
        image = np.where(hole, total / np.maximum(count, 1), image)
    return np.where(image > 0, np.round(image), 255).astype(np.uint8)
