from typing import Tuple

import torch

from .knn import square_distance


def nearest_sq_dist(p: torch.Tensor,
                    q: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Squared distance from each point to its nearest point in the other set.

    Args:
        p (Tensor): [B, P, 3].
        q (Tensor): [B, Q, 3].

    Returns:
        tuple: ``d1`` [B, P] with ``d1_i = min_j |p_i - q_j|²`` and ``d2``
        [B, Q] with ``d2_j = min_i |p_i - q_j|²``.
    """
    d = square_distance(p, q)
    return d.min(2).values, d.min(1).values


def _safe_sqrt(d: torch.Tensor) -> torch.Tensor:
    """sqrt(d), with a zero (not infinite) gradient where d == 0."""
    positive = d > 0
    return torch.where(positive, d, torch.ones_like(d)).sqrt() * positive


def chamfer_distance(p: torch.Tensor,
                     q: torch.Tensor,
                     mode: str = 'l2') -> torch.Tensor:
    """Chamfer distance with the official definitions, averaged over batch.

    ``'l2'``: ``mean(d1) + mean(d2)`` on squared distances (no sqrt, no ½).
    ``'l1'``: ``(mean(sqrt(d1)) + mean(sqrt(d2))) / 2``.
    Means run over all B·P (resp. B·Q) points.

    Args:
        p (Tensor): [B, P, 3].
        q (Tensor): [B, Q, 3].
        mode (str): ``'l2'`` or ``'l1'``. Defaults to ``'l2'``.

    Returns:
        Tensor: scalar.
    """
    if p.dim() != 3 or q.dim() != 3 or p.size(0) != q.size(0):
        raise ValueError('p and q must be [B, P, 3] and [B, Q, 3], got '
                         f'{tuple(p.shape)} and {tuple(q.shape)}')
    d1, d2 = nearest_sq_dist(p, q)
    if mode == 'l2':
        return d1.mean() + d2.mean()
    if mode == 'l1':
        return (_safe_sqrt(d1).mean() + _safe_sqrt(d2).mean()) / 2
    raise ValueError(f"mode must be 'l1' or 'l2', got {mode!r}")
