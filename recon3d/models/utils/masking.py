"""Vectorised masking of point groups (True = masked)."""
import torch


def _mask_from_order(order: torch.Tensor, num_mask: int) -> torch.Tensor:
    mask = torch.zeros_like(order, dtype=torch.bool)
    return mask.scatter_(1, order[:, :num_mask], True)


def random_mask(batch_size: int,
                num_group: int,
                ratio: float,
                device: torch.device = None,
                generator: torch.Generator = None) -> torch.Tensor:
    """Mask exactly ``int(ratio * G)`` groups per sample, uniformly.

    Args:
        batch_size (int): B.
        num_group (int): G.
        ratio (float): Mask ratio in [0, 1).
        device: Device of the mask.
        generator (torch.Generator, optional): Random source.

    Returns:
        BoolTensor: [B, G], True for masked groups.
    """
    noise = torch.rand(batch_size, num_group, device=device,
                       generator=generator)
    return _mask_from_order(noise.argsort(1), int(ratio * num_group))


def block_mask(center: torch.Tensor,
               ratio: float,
               generator: torch.Generator = None) -> torch.Tensor:
    """Mask the ``int(ratio * G)`` centres nearest to a random centre.

    The random centre itself is masked (distance 0).

    Args:
        center (Tensor): [B, G, 3] group centres.
        ratio (float): Mask ratio in [0, 1).
        generator (torch.Generator, optional): Random source.

    Returns:
        BoolTensor: [B, G], True for masked groups.
    """
    B, G, _ = center.shape
    seed = torch.randint(G, (B, ), device=center.device, generator=generator)
    origin = center[torch.arange(B, device=center.device), seed]
    dist = (center - origin.unsqueeze(1)).square().sum(-1)
    return _mask_from_order(dist.argsort(1), int(ratio * G))
