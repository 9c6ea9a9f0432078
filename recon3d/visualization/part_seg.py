"""Headless pictures of point clouds coloured by part."""
from typing import Optional, Sequence, Tuple

import numpy as np

from .points import draw_views

#: Colours of local part indices 0, 1, ... (matplotlib's tab10).
PART_COLOURS = ('#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd',
                '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf')


def part_colours(parts: np.ndarray,
                 part_ids: Optional[Sequence[int]] = None) -> np.ndarray:
    """RGB colours [N, 3] in [0, 1] of per-point part ids.

    Args:
        parts (ndarray): [N] part ids.
        part_ids (Sequence[int], optional): The category's ids in order;
            the k-th gets colour k, so every category uses the same
            palette. Ids outside it are grey. Defaults to the sorted ids
            present.
    """
    from matplotlib.colors import to_rgb
    parts = np.asarray(parts).reshape(-1)
    if part_ids is None:
        part_ids = np.unique(parts)
    palette = np.array([to_rgb(c) for c in PART_COLOURS])
    out = np.full((len(parts), 3), 0.6)
    for k, pid in enumerate(part_ids):
        out[parts == pid] = palette[k % len(palette)]
    return out


def draw_part_segmentation(points: np.ndarray,
                           panels: Sequence[Tuple[str, np.ndarray]],
                           out_file: str,
                           part_ids: Optional[Sequence[int]] = None,
                           title: Optional[str] = None) -> None:
    """Write one PNG with a column per labelling of the same points, e.g.
    ``[('prediction', pred), ('ground truth', gt)]``, and a row per view
    (:func:`~recon3d.visualization.draw_views`: equal axes, y up, no
    display needed).

    Args:
        points (ndarray): [N, 3+] points (xyz first, y up).
        panels (Sequence[tuple]): (name, part ids [N]) per column.
        out_file (str): PNG path.
        part_ids (Sequence[int], optional): The category's part ids, which
            fix the colours (see :func:`part_colours`). Defaults to the ids
            present in any panel.
        title (str, optional): Figure title.
    """
    xyz = np.asarray(points)[:, :3]
    if part_ids is None:
        part_ids = np.unique(np.concatenate([p for _, p in panels]))
    draw_views([(name, [(xyz, part_colours(parts, part_ids))])
                for name, parts in panels], out_file, title=title)
