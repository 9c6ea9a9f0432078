"""FPS and kNN timed alone, per backend (``benchmark.py --point-ops``)."""
import statistics
import time
from typing import Any, Dict, List, Sequence, Tuple

import torch

from recon3d.ops import farthest_point_sample, knn

#: (B, N, M): M FPS picks of B clouds of N points, and the kNN of those M
#: centres among the N points.
POINT_OP_SIZES = ((32, 1024, 64), (32, 8192, 1024))


def _time(fn, repeats: int, sync: bool) -> List[float]:
    times = []
    for _ in range(repeats):
        if sync:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        if sync:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return times


def bench_point_ops(device: torch.device,
                    backends: Sequence[str] = ('auto', ),
                    sizes: Sequence[Tuple[int, int, int]] = POINT_OP_SIZES,
                    k: int = 32,
                    repeats: int = 3,
                    seed: int = 0) -> List[Dict[str, Any]]:
    """Time FPS (B×N→M) and kNN (k of each of the M centres among the N
    points) on unit-sphere clouds with noise.

    Args:
        device (torch.device): Where the clouds live.
        backends (Sequence[str]): ``'auto'``, ``'native'``, ``'torch'``.
        sizes (Sequence[tuple]): (B, N, M) triples.
        k (int): Neighbours per centre. Defaults to 32 (the group size).
        repeats (int): Timed calls after one untimed call.
        seed (int): Seed of the clouds.

    Returns:
        list[dict]: One row per op, size and backend with ``min_ms``,
        ``median_ms`` and ``torch_threads``.
    """
    gen = torch.Generator().manual_seed(seed)
    sync = device.type == 'cuda'
    rows = []
    for B, N, M in sizes:
        xyz = torch.randn(B, N, 3, generator=gen)
        xyz = xyz / xyz.norm(dim=-1, keepdim=True)
        xyz = (xyz + 0.02 * torch.randn(xyz.shape, generator=gen)).to(device)
        center = xyz[:, :M].contiguous()
        for backend in backends:
            ops = dict(
                fps=lambda: farthest_point_sample(xyz, M, backend=backend),
                knn=lambda: knn(center, xyz, min(k, N), backend=backend))
            for op, fn in ops.items():
                fn()  # compiles the kernel on its first call
                times = _time(fn, repeats, sync)
                rows.append(
                    dict(
                        op=op,
                        size=f'{B}x{N}->{M}' if op == 'fps' else
                        f'{B}x{N}, {M} queries, k={min(k, N)}',
                        backend=backend,
                        min_ms=1e3 * min(times),
                        median_ms=1e3 * statistics.median(times),
                        torch_threads=torch.get_num_threads()))
    return rows
