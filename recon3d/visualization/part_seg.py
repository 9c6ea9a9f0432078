"""Headless pictures of point clouds coloured by part."""
from typing import Optional, Sequence, Tuple

import numpy as np

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
                           title: Optional[str] = None,
                           elev: float = 20.,
                           azim: float = -60.) -> None:
    """Write one PNG with a panel per labelling of the same points, e.g.
    ``[('prediction', pred), ('ground truth', gt)]``.

    Matplotlib's Agg backend is used, so no display is needed.

    Args:
        points (ndarray): [N, 3+] points (xyz first, y up).
        panels (Sequence[tuple]): (name, part ids [N]) per panel.
        out_file (str): PNG path.
        part_ids (Sequence[int], optional): The category's part ids, which
            fix the colours (see :func:`part_colours`).
        title (str, optional): Figure title.
        elev (float): Camera elevation in degrees. Defaults to 20.
        azim (float): Camera azimuth in degrees. Defaults to -60.
    """
    import matplotlib
    matplotlib.use('Agg', force=False)
    import matplotlib.pyplot as plt

    xyz = np.asarray(points)[:, :3]
    if part_ids is None:
        part_ids = np.unique(np.concatenate([p for _, p in panels]))
    lo, hi = xyz.min(0), xyz.max(0)
    mid, half = (lo + hi) / 2, (hi - lo).max() / 2 + 1e-6
    fig = plt.figure(figsize=(4 * len(panels), 4.2))
    for i, (name, parts) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1, projection='3d')
        # y is up: plot (x, z, y) so that y is vertical.
        ax.scatter(xyz[:, 0], xyz[:, 2], xyz[:, 1], s=2,
                   c=part_colours(parts, part_ids))
        ax.set_xlim(mid[0] - half, mid[0] + half)
        ax.set_ylim(mid[2] - half, mid[2] + half)
        ax.set_zlim(mid[1] - half, mid[1] + half)
        ax.view_init(elev=elev, azim=azim)
        ax.set_axis_off()
        ax.set_title(name)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out_file, dpi=80)
    plt.close(fig)
