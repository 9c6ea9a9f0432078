from typing import Optional

import torch


def farthest_point_sample(xyz: torch.Tensor,
                          num: int,
                          random_start: bool = False,
                          start_idx: Optional[torch.Tensor] = None
                          ) -> torch.Tensor:
    """Farthest point sampling, batched.

    Greedy: the first pick is point 0 (or a random point with
    ``random_start``); each next pick is the point whose squared distance to
    the picked set is largest, the lowest index winning ties. This is the rule
    of the CUDA op used by the official code, so the result depends only on
    the point order.

    Args:
        xyz (Tensor): [B, N, 3] points.
        num (int): Number of points to pick, ``1 <= num <= N``.
        random_start (bool): Start from a random point of each cloud instead
            of index 0. Defaults to False.
        start_idx (Tensor, optional): [B] given first pick of each cloud
            (e.g. drawn from a seeded generator); overrides
            ``random_start``. Defaults to None.

    Returns:
        LongTensor: [B, num] indices into N.
    """
    if xyz.dim() != 3 or xyz.size(-1) != 3:
        raise ValueError(f'xyz must be [B, N, 3], got {tuple(xyz.shape)}')
    B, N, _ = xyz.shape
    if not 1 <= num <= N:
        raise ValueError(f'num must be in [1, {N}], got {num}')
    idx = torch.empty(B, num, dtype=torch.long, device=xyz.device)
    batch = torch.arange(B, device=xyz.device)
    if start_idx is not None:
        last = torch.as_tensor(start_idx, dtype=torch.long,
                               device=xyz.device).reshape(-1).clone()
        if len(last) != B or not ((last >= 0) & (last < N)).all():
            raise ValueError(f'start_idx must hold {B} indices in [0, {N}), '
                             f'got {start_idx}')
    elif random_start:
        last = torch.randint(N, (B, ), device=xyz.device)
    else:
        last = torch.zeros(B, dtype=torch.long, device=xyz.device)
    min_dist = torch.full((B, N), float('inf'), dtype=xyz.dtype,
                          device=xyz.device)
    # One step per pick (not per sample): O(num * B * N) work.
    for i in range(num):
        idx[:, i] = last
        d = (xyz - xyz[batch, last].unsqueeze(1)).square().sum(-1)
        min_dist = torch.minimum(min_dist, d)
        last = min_dist.argmax(-1)
    return idx
