"""Which part ids belong to which category (ShapeNetPart by default).

Part segmentation labels every point with a *global* part id; each
category owns a contiguous range of ids. The dataset, the segmentation
head, the metric and the inference API read the layout from here, so it is
written once.
"""
from typing import Optional, Sequence, Tuple

import torch

__all__ = [
    'SHAPENET_PART_CATEGORIES', 'SHAPENET_PART_IDS', 'NUM_SHAPENET_PARTS',
    'category_part_mask', 'restricted_argmax'
]

#: The 16 categories in the order of ``synsetoffset2category.txt``; the
#: index is the category label.
SHAPENET_PART_CATEGORIES: Tuple[str, ...] = (
    'Airplane', 'Bag', 'Cap', 'Car', 'Chair', 'Earphone', 'Guitar', 'Knife',
    'Lamp', 'Laptop', 'Motorbike', 'Mug', 'Pistol', 'Rocket', 'Skateboard',
    'Table')

#: Global part ids (0-49) of each category, by category label.
SHAPENET_PART_IDS: Tuple[Tuple[int, ...], ...] = (
    (0, 1, 2, 3), (4, 5), (6, 7), (8, 9, 10, 11), (12, 13, 14, 15),
    (16, 17, 18), (19, 20, 21), (22, 23), (24, 25, 26, 27), (28, 29),
    (30, 31, 32, 33, 34, 35), (36, 37), (38, 39, 40), (41, 42, 43),
    (44, 45, 46), (47, 48, 49))

NUM_SHAPENET_PARTS = 50


def category_part_mask(
        category_parts: Optional[Sequence[Sequence[int]]] = None,
        num_parts: Optional[int] = None) -> torch.Tensor:
    """Bool table [num_categories, num_parts]: True where the part id
    belongs to the category.

    Args:
        category_parts (Sequence[Sequence[int]], optional): Part ids of each
            category. Defaults to :data:`SHAPENET_PART_IDS`.
        num_parts (int, optional): Defaults to the largest id + 1.

    Raises:
        ValueError: if an id is negative, not below ``num_parts``, or owned
            by two categories.
    """
    if category_parts is None:
        category_parts = SHAPENET_PART_IDS
    ids = [int(i) for parts in category_parts for i in parts]
    if num_parts is None:
        num_parts = max(ids) + 1
    if min(ids) < 0 or max(ids) >= num_parts:
        raise ValueError(f'part ids must lie in [0, {num_parts}), got '
                         f'{min(ids)}..{max(ids)}')
    if len(set(ids)) != len(ids):
        raise ValueError('a part id belongs to two categories')
    mask = torch.zeros(len(category_parts), num_parts, dtype=torch.bool)
    for c, parts in enumerate(category_parts):
        mask[c, list(parts)] = True
    return mask


def restricted_argmax(scores: torch.Tensor, categories: torch.Tensor,
                      part_mask: torch.Tensor) -> torch.Tensor:
    """Per-point part id, the argmax over the category's parts only.

    As the official evaluation: ``argmax(scores[:, parts(c)]) +
    parts(c)[0]``; among equal scores the smallest id wins.

    Args:
        scores (Tensor): [B, N, P] part scores (logits or log-probs).
        categories (LongTensor): [B] category labels.
        part_mask (BoolTensor): [num_categories, P], see
            :func:`category_part_mask`.

    Returns:
        LongTensor: [B, N] global part ids.
    """
    allowed = part_mask.to(scores.device)[categories.long()]  # [B, P]
    masked = scores.masked_fill(~allowed[:, None, :], float('-inf'))
    return masked.argmax(-1)
