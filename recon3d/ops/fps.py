import warnings
from typing import Optional

import torch

try:
    from . import cpu_kernels
except ImportError:  # numba missing or broken: the torch loop still works
    cpu_kernels = None

_NATIVE_DTYPES = (torch.float32, torch.float64)


# Run eagerly under torch.compile: a sequential loop (numba kernel or one
# small step per pick) that a graph cannot hold.
@torch.compiler.disable
def farthest_point_sample(xyz: torch.Tensor,
                          num: int,
                          random_start: bool = False,
                          backend: str = 'auto',
                          start_idx: Optional[torch.Tensor] = None
                          ) -> torch.Tensor:
    """Farthest point sampling, batched.

    Greedy: the first pick is point 0 (or a random point with
    ``random_start``); each next pick is the point whose squared distance to
    the picked set is largest, the lowest index winning ties. This is the rule
    of the CUDA op used by the official code, so the result depends only on
    the point order.

    float32/float64 clouds on the CPU run a compiled single-threaded kernel
    (:mod:`recon3d.ops.cpu_kernels`), unaffected by a busy CPU; other
    devices and dtypes run a torch loop, one batched step per pick. Both give
    the same picks.

    Args:
        xyz (Tensor): [B, N, 3] points.
        num (int): Number of points to pick, ``1 <= num <= N``.
        random_start (bool): Start from a random point of each cloud
            (``torch.randint`` on the default generator, drawn the same way
            by both backends) instead of index 0. Defaults to False.
        backend (str): ``'auto'``, ``'native'`` (the CPU kernel; float32 or
            float64 CPU tensors only) or ``'torch'``. Defaults to ``'auto'``.
        start_idx (Tensor, optional): [B] given first pick of each cloud
            (e.g. drawn from a seeded generator, as the ModelNet pickle
            builder does); overrides ``random_start``. Defaults to None.

    Returns:
        LongTensor: [B, num] indices into N, on ``xyz``'s device.
    """
    if xyz.dim() != 3 or xyz.size(-1) != 3:
        raise ValueError(f'xyz must be [B, N, 3], got {tuple(xyz.shape)}')
    B, N, _ = xyz.shape
    if not 1 <= num <= N:
        raise ValueError(f'num must be in [1, {N}], got {num}')
    if backend not in ('auto', 'native', 'torch'):
        raise ValueError("backend must be 'auto', 'native' or 'torch', got "
                         f'{backend!r}')
    native_ok = xyz.device.type == 'cpu' and xyz.dtype in _NATIVE_DTYPES
    if backend == 'native' and not native_ok:
        raise ValueError('the native backend takes float32/float64 CPU '
                         f'tensors, got {xyz.dtype} on {xyz.device}')
    if start_idx is not None:
        start = torch.as_tensor(
            start_idx, dtype=torch.long, device=xyz.device).reshape(-1)
        if len(start) != B or not ((start >= 0) & (start < N)).all():
            raise ValueError(f'start_idx must hold {B} indices in [0, {N}), '
                             f'got {start_idx}')
    elif random_start:
        start = torch.randint(N, (B, ), device=xyz.device)
    else:
        start = torch.zeros(B, dtype=torch.long, device=xyz.device)
    if backend == 'torch' or not native_ok:
        return _fps_torch(xyz, num, start)
    if cpu_kernels is None:
        if backend == 'native':
            raise ImportError('the native backend needs numba (pip install '
                              'numba)')
        _warn_no_numba()
        return _fps_torch(xyz, num, start)
    points = xyz.detach().numpy()
    if not torch.isfinite(xyz).all():
        raise ValueError('xyz has NaN or infinite coordinates')
    return torch.from_numpy(cpu_kernels.fps_batch(points, num, start.numpy()))


def _fps_torch(xyz: torch.Tensor, num: int,
               start: torch.Tensor) -> torch.Tensor:
    """The torch loop: one step per pick (not per sample), O(num·B·N)."""
    B, N, _ = xyz.shape
    idx = torch.empty(B, num, dtype=torch.long, device=xyz.device)
    batch = torch.arange(B, device=xyz.device)
    last = start
    min_dist = torch.full((B, N), float('inf'), dtype=xyz.dtype,
                          device=xyz.device)
    for i in range(num):
        idx[:, i] = last
        d = (xyz - xyz[batch, last].unsqueeze(1)).square().sum(-1)
        min_dist = torch.minimum(min_dist, d)
        last = min_dist.argmax(-1)
    return idx


_warned = []


def _warn_no_numba() -> None:
    if not _warned:
        _warned.append(True)
        warnings.warn('numba is not installed: farthest point sampling on '
                      'the CPU runs the slower torch loop (pip install '
                      'numba)')
