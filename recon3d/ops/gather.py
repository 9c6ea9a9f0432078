import torch


def index_points(points: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """Gather points by index, batched.

    Args:
        points (Tensor): [B, N, C].
        idx (LongTensor): [B, *S], indices into N.

    Returns:
        Tensor: [B, *S, C], ``out[b, s] = points[b, idx[b, s]]``.
    """
    B, _, C = points.shape
    flat = idx.reshape(B, -1, 1).expand(-1, -1, C)
    return points.gather(1, flat).reshape(*idx.shape, C)
