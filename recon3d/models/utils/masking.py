"""Vectorised masking of point groups (True = masked)."""
from typing import Tuple

import torch


def _mask_from_order(order: torch.Tensor, num_mask: int) -> torch.Tensor:
    mask = torch.zeros_like(order, dtype=torch.bool)
    return mask.scatter_(1, order[:, :num_mask], True)


# The masks are drawn eagerly under torch.compile: a tiny random draw, and
# torch 2.14's tracer fails on `torch.rand` with a symbolic batch size (once
# a second batch size has made the compiled student's shapes dynamic).
@torch.compiler.disable
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


@torch.compiler.disable
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


def mask_indices(mask: torch.Tensor,
                 num_visible: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Indices of the visible and of the masked groups, for gathers.

    The same selection as boolean indexing (``x[~mask]``, ``x[mask]``, each
    in ascending group order) without its data-dependent output size, so
    no host synchronization on CUDA.

    Args:
        mask (BoolTensor): [B, G], True = masked; every row has
            ``G - num_visible`` True entries (not checked).
        num_visible (int): V.

    Returns:
        tuple: ``visible`` [B, V] and ``masked`` [B, G - V] LongTensors.
    """
    order = torch.argsort(mask.to(torch.uint8), dim=1, stable=True)
    return order[:, :num_visible], order[:, num_visible:]


def gather_groups(x: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """``x[b, idx[b]]`` for every b: [B, G, *S] and [B, V] -> [B, V, *S]."""
    batch = torch.arange(x.size(0), device=x.device).unsqueeze(1)
    return x[batch, idx]
