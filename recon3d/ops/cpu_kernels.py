"""Compiled CPU kernels of the point ops (numba, single-threaded, no GIL).

Torch runs farthest point sampling as one small step per pick: thousands of
tiny operators, each a barrier of the intra-op thread pool, which collapses
when another process holds a core. The kernel here runs one compiled loop
per call instead, on the calling thread only, so a busy machine slows it
down no more than any single-threaded program.

It also skips work without changing a single pick: the points of each cloud
are put in Morton (Z-curve) order and cut into blocks of :data:`BLOCK`
points with their bounding boxes; a block whose box is no nearer to the new
pick than the block's largest current distance cannot change (each point's
distance to the pick is at least the box's, and floating-point rounding is
monotone, so the bound holds for the rounded values too). Distances are
computed as the torch loop does, ``(dx * dx + dy * dy) + dz * dz`` in the
input's dtype, and ties go to the lowest original index.

Numba compiles the kernel on its first call per dtype (seconds) and caches
it on disk when it can.
"""
import numpy as np
from numba import njit

#: Points per block of the pruned farthest point sampling.
BLOCK = 64


def _spread_bits(q: np.ndarray) -> np.ndarray:
    """10-bit integers -> the same bits at every third position."""
    q = (q | (q << 16)) & 0x030000FF
    q = (q | (q << 8)) & 0x0300F00F
    q = (q | (q << 4)) & 0x030C30C3
    return (q | (q << 2)) & 0x09249249


def morton_order(xyz: np.ndarray) -> np.ndarray:
    """[B, N, 3] -> [B, N] indices sorting each cloud along a 30-bit Morton
    curve of its bounding box (only the kernel's speed depends on it)."""
    lo = xyz.min(1, keepdims=True)
    span = xyz.max(1, keepdims=True) - lo
    scale = np.where(span > 0, 1023. / np.where(span > 0, span, 1), 0)
    q = np.clip(((xyz - lo) * scale).astype(np.int64), 0, 1023)
    code = _spread_bits(q[..., 0]) | _spread_bits(q[..., 1]) << 1 \
        | _spread_bits(q[..., 2]) << 2
    return np.argsort(code, axis=1)


@njit(boundscheck=False, nogil=True, cache=True)
def _fps_kernel(pts, order, rank, num, start):
    """Pruned FPS of every cloud.

    Args:
        pts (ndarray): [B, 3, N] coordinates in Morton order, planar.
        order (ndarray): [B, N] original index of each sorted point.
        rank (ndarray): [B, N] sorted position of each original point.
        num (int): Picks per cloud.
        start (ndarray): [B] original index of each first pick.

    Returns:
        ndarray: [B, num] original indices.
    """
    B, _, n = pts.shape
    zero = pts.dtype.type(0)
    nb = (n + BLOCK - 1) // BLOCK
    out = np.empty((B, num), np.int64)
    box = np.empty((nb, 6), pts.dtype)
    min_dist = np.empty(n, pts.dtype)
    block_max = np.empty(nb, pts.dtype)
    for b in range(B):
        xs, ys, zs = pts[b, 0], pts[b, 1], pts[b, 2]
        for k in range(nb):
            s, e = k * BLOCK, min(n, k * BLOCK + BLOCK)
            box[k, 0], box[k, 1] = xs[s:e].min(), xs[s:e].max()
            box[k, 2], box[k, 3] = ys[s:e].min(), ys[s:e].max()
            box[k, 4], box[k, 5] = zs[s:e].min(), zs[s:e].max()
        min_dist[:] = np.inf
        block_max[:] = np.inf
        last = start[b]
        for i in range(num):
            out[b, i] = last
            r = rank[b, last]
            px, py, pz = xs[r], ys[r], zs[r]
            for k in range(nb):
                # Distance from the pick to the box, per axis; each is at
                # most |coordinate - pick| for every point of the block.
                gx = box[k, 0] - px if px < box[k, 0] else (
                    px - box[k, 1] if px > box[k, 1] else zero)
                gy = box[k, 2] - py if py < box[k, 2] else (
                    py - box[k, 3] if py > box[k, 3] else zero)
                gz = box[k, 4] - pz if pz < box[k, 4] else (
                    pz - box[k, 5] if pz > box[k, 5] else zero)
                if gx * gx + gy * gy + gz * gz >= block_max[k]:
                    continue  # no point of the block gets nearer
                top = zero
                for j in range(k * BLOCK, min(n, k * BLOCK + BLOCK)):
                    dx, dy, dz = xs[j] - px, ys[j] - py, zs[j] - pz
                    d = dx * dx + dy * dy + dz * dz
                    if d < min_dist[j]:
                        min_dist[j] = d
                    if min_dist[j] > top:
                        top = min_dist[j]
                block_max[k] = top
            best = block_max.max()
            last = n
            for k in range(nb):
                if block_max[k] == best:
                    for j in range(k * BLOCK, min(n, k * BLOCK + BLOCK)):
                        if min_dist[j] == best and order[b, j] < last:
                            last = order[b, j]
    return out


def fps_batch(xyz: np.ndarray, num: int, start: np.ndarray) -> np.ndarray:
    """Farthest point sampling of every cloud of ``xyz``.

    Args:
        xyz (ndarray): [B, N, 3] float32 or float64, finite.
        num (int): Picks per cloud, ``1 <= num <= N``.
        start (ndarray): [B] int64 first pick of each cloud.

    Returns:
        ndarray: [B, num] int64 indices into N.
    """
    order = morton_order(xyz)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order,
                      np.broadcast_to(np.arange(order.shape[1]), order.shape),
                      axis=1)
    pts = np.take_along_axis(xyz, order[..., None], axis=1)
    pts = np.ascontiguousarray(pts.transpose(0, 2, 1))
    return _fps_kernel(pts, order, rank, num, start)
