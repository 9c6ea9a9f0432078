"""Compiled CPU kernels of the point ops (numba, single-threaded, no GIL).

Torch runs farthest point sampling as one small step per pick: thousands of
tiny operators, each a barrier of the intra-op thread pool, which collapses
when another process holds a core; its k-nearest-neighbour search builds a
[B, M, N, 3] difference tensor. The kernels here run one compiled loop per
call instead, on the calling thread only, so a busy machine slows them down
no more than any single-threaded program, and need no large buffers.

The FPS kernel also skips work without changing a single pick: the points
of each cloud are put in Morton (Z-curve) order and cut into blocks of
:data:`BLOCK` points with their bounding boxes; a block whose box is no
nearer to the new pick than the block's largest current distance cannot
change (each point's distance to the pick is at least the box's, and
floating-point rounding is monotone, so the bound holds for the rounded
values too). Distances are computed as the torch loop does,
``(dx * dx + dy * dy) + dz * dz`` in the input's dtype, and ties go to the
lowest original index.

The kNN kernel uses the same blocks: it visits them by increasing box
distance and stops when the next box is farther than the current k-th
neighbour, keeping the k smallest (distance, original index) pairs, so
equal distances go to the lowest indices.

Numba compiles a kernel on its first call per dtype (seconds) and caches it
on disk when it can.
"""
import numpy as np
from numba import njit

#: Points per block of the pruned FPS and kNN.
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
def _block_boxes(xs, ys, zs, box):
    """Bounding box of each block of :data:`BLOCK` consecutive points into
    ``box`` [nb, 6] (x min, x max, y min, y max, z min, z max)."""
    n = xs.shape[0]
    for k in range(box.shape[0]):
        s, e = k * BLOCK, min(n, k * BLOCK + BLOCK)
        box[k, 0], box[k, 1] = xs[s:e].min(), xs[s:e].max()
        box[k, 2], box[k, 3] = ys[s:e].min(), ys[s:e].max()
        box[k, 4], box[k, 5] = zs[s:e].min(), zs[s:e].max()


@njit(boundscheck=False, nogil=True, cache=True)
def _box_gap(box, k, px, py, pz, zero):
    """Squared distance from (px, py, pz) to box ``k``, rounded so that it
    never exceeds the rounded squared distance to a point of the block (per
    axis, ``|coordinate - p|`` is at least the gap, and rounding is
    monotone)."""
    gx = box[k, 0] - px if px < box[k, 0] else (
        px - box[k, 1] if px > box[k, 1] else zero)
    gy = box[k, 2] - py if py < box[k, 2] else (
        py - box[k, 3] if py > box[k, 3] else zero)
    gz = box[k, 4] - pz if pz < box[k, 4] else (
        pz - box[k, 5] if pz > box[k, 5] else zero)
    return gx * gx + gy * gy + gz * gz


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
        _block_boxes(xs, ys, zs, box)
        min_dist[:] = np.inf
        block_max[:] = np.inf
        last = start[b]
        for i in range(num):
            out[b, i] = last
            r = rank[b, last]
            px, py, pz = xs[r], ys[r], zs[r]
            for k in range(nb):
                if _box_gap(box, k, px, py, pz, zero) >= block_max[k]:
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


@njit(boundscheck=False, nogil=True, cache=True)
def _knn_kernel(query, pts, order, k):
    """Pruned kNN; ``pts`` [B, 3, N] in Morton order, ``order`` [B, N]
    their original indices.

    Returns:
        tuple: distances [B, M, k] and int64 original indices [B, M, k],
        ascending by (distance, index).
    """
    B, M, _ = query.shape
    n = pts.shape[2]
    zero = pts.dtype.type(0)
    nb = (n + BLOCK - 1) // BLOCK
    dist = np.empty((B, M, k), pts.dtype)
    idx = np.empty((B, M, k), np.int64)
    box = np.empty((nb, 6), pts.dtype)
    gap = np.empty(nb, pts.dtype)
    for b in range(B):
        xs, ys, zs = pts[b, 0], pts[b, 1], pts[b, 2]
        _block_boxes(xs, ys, zs, box)
        for m in range(M):
            qx, qy, qz = query[b, m, 0], query[b, m, 1], query[b, m, 2]
            for blk in range(nb):
                gap[blk] = _box_gap(box, blk, qx, qy, qz, zero)
            bd, bi = dist[b, m], idx[b, m]
            count = 0
            while True:  # blocks by increasing box distance
                near, near_gap = -1, np.inf
                for blk in range(nb):
                    if gap[blk] < near_gap:
                        near, near_gap = blk, gap[blk]
                if near < 0 or (count == k and near_gap > bd[k - 1]):
                    break  # no point left can enter the k nearest
                gap[near] = np.inf
                for j in range(near * BLOCK, min(n, near * BLOCK + BLOCK)):
                    dx, dy, dz = qx - xs[j], qy - ys[j], qz - zs[j]
                    d = dx * dx + dy * dy + dz * dz
                    oj = order[b, j]
                    if count == k and (d > bd[k - 1] or
                                       (d == bd[k - 1] and oj > bi[k - 1])):
                        continue
                    p = count if count < k else k - 1
                    while p > 0 and (bd[p - 1] > d or
                                     (bd[p - 1] == d and bi[p - 1] > oj)):
                        bd[p], bi[p] = bd[p - 1], bi[p - 1]
                        p -= 1
                    bd[p], bi[p] = d, oj
                    count = min(count + 1, k)
    return dist, idx


def knn_batch(query: np.ndarray, ref: np.ndarray, k: int):
    """k nearest neighbours of each query point among the reference points.

    Args:
        query (ndarray): [B, M, 3] float32 or float64.
        ref (ndarray): [B, N, 3], the same dtype, finite.
        k (int): ``1 <= k <= N``.

    Returns:
        tuple: squared distances [B, M, k] in ascending order and int64
        indices [B, M, k] into N; equal distances by ascending index.
    """
    order = morton_order(ref)
    pts = np.take_along_axis(ref, order[..., None], axis=1)
    pts = np.ascontiguousarray(pts.transpose(0, 2, 1))
    return _knn_kernel(np.ascontiguousarray(query), pts, order, k)
