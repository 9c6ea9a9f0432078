from typing import Optional, Tuple

import torch

from .fps import _NATIVE_DTYPES, cpu_kernels


def square_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Exact pairwise squared distances (no ``|a|² + |b|² - 2ab`` shortcut).

    Args:
        a (Tensor): [B, M, 3].
        b (Tensor): [B, N, 3].

    Returns:
        Tensor: [B, M, N], ``sum((a_m - b_n)²)``.
    """
    return (a.unsqueeze(2) - b.unsqueeze(1)).square().sum(-1)


# Run eagerly under torch.compile: a sequential loop (numba kernel or one
# small step per pick) that a graph cannot hold.
@torch.compiler.disable
def knn(query: torch.Tensor,
        ref: torch.Tensor,
        k: int,
        chunk_elements: Optional[int] = 2**25,
        backend: str = 'auto') -> Tuple[torch.Tensor, torch.Tensor]:
    """k nearest neighbours of each query point among the reference points.

    Distances are exact squared Euclidean distances. float32/float64 CPU
    tensors that need no gradient run a compiled single-threaded kernel
    (:mod:`recon3d.ops.cpu_kernels`; one distance row alive at a time,
    equal distances in ascending index order); otherwise the torch path
    builds the distance matrix in chunks of queries so that at most about
    ``chunk_elements`` differences are alive at once (N=8192, G=512 does not
    allocate B×G×N×3 in one go). Both give the same distances.

    Args:
        query (Tensor): [B, M, 3].
        ref (Tensor): [B, N, 3].
        k (int): Number of neighbours, ``1 <= k <= N``.
        chunk_elements (int, optional): Memory bound for one chunk, counted
            in elements of the [B, m, N, 3] difference tensor. None builds
            the whole matrix at once. Torch path only.
        backend (str): ``'auto'``, ``'native'`` (float32/float64 CPU
            tensors without gradient) or ``'torch'``. Defaults to
            ``'auto'``.

    Returns:
        tuple: ``dist`` [B, M, k], squared distances in ascending order, and
        ``idx`` [B, M, k] (LongTensor), their indices into N. Among equal
        distances the order is unspecified.
    """
    if query.dim() != 3 or ref.dim() != 3 or query.size(0) != ref.size(0):
        raise ValueError('query and ref must be [B, M, 3] and [B, N, 3], '
                         f'got {tuple(query.shape)} and {tuple(ref.shape)}')
    B, M, _ = query.shape
    N = ref.size(1)
    if not 1 <= k <= N:
        raise ValueError(f'k must be in [1, {N}], got {k}')
    if backend not in ('auto', 'native', 'torch'):
        raise ValueError("backend must be 'auto', 'native' or 'torch', got "
                         f'{backend!r}')
    needs_grad = torch.is_grad_enabled() and (query.requires_grad
                                              or ref.requires_grad)
    native_ok = (query.device.type == 'cpu' and ref.device.type == 'cpu'
                 and query.dtype == ref.dtype
                 and query.dtype in _NATIVE_DTYPES and not needs_grad)
    if backend == 'native' and not (native_ok and cpu_kernels is not None):
        raise ValueError('the native backend takes float32/float64 CPU '
                         'tensors of one dtype without gradient and needs '
                         'numba')
    if backend != 'torch' and native_ok and cpu_kernels is not None:
        if not (torch.isfinite(query).all() and torch.isfinite(ref).all()):
            raise ValueError('query/ref have NaN or infinite coordinates')
        dist, idx = cpu_kernels.knn_batch(query.detach().numpy(),
                                          ref.detach().numpy(), k)
        return torch.from_numpy(dist), torch.from_numpy(idx)
    if chunk_elements is None:
        step = M
    else:
        step = max(1, chunk_elements // max(1, B * N * 3))
    dists, idxs = [], []
    for start in range(0, M, step):
        d = square_distance(query[:, start:start + step], ref)
        dist, idx = d.topk(k, dim=-1, largest=False, sorted=True)
        dists.append(dist)
        idxs.append(idx)
    if len(dists) == 1:
        return dists[0], idxs[0]
    return torch.cat(dists, 1), torch.cat(idxs, 1)
