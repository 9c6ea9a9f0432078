"""Headless multi-view pictures of point clouds (equal axes, y up)."""
from typing import List, Optional, Sequence, Tuple

import numpy as np

#: Layers of one panel: (points [N, 3+], colour) drawn on top of each other.
Layers = Sequence[Tuple[np.ndarray, str]]
#: (elevation, azimuth) in degrees: three-quarter front, three-quarter
#: back, top.
DEFAULT_VIEWS = ((20., -60.), (20., 120.), (88., -90.))
POINT_COLOUR = '#4a6fa5'
MASKED_COLOUR = '#d1495b'

__all__ = [
    'draw_views', 'draw_point_cloud', 'DEFAULT_VIEWS', 'POINT_COLOUR',
    'MASKED_COLOUR'
]


def _draw(cells: List[Tuple[str, Layers, Tuple[float, float]]], rows: int,
          cols: int, out_file: str, title: Optional[str]) -> None:
    """Cells in row-major order, all with one cube of axes limits."""
    import matplotlib
    matplotlib.use('Agg', force=False)
    import matplotlib.pyplot as plt

    clouds = [np.asarray(p)[:, :3] for _, layers, _ in cells
              for p, _ in layers if len(p)]
    allpts = np.concatenate(clouds) if clouds else np.zeros((1, 3))
    lo, hi = allpts.min(0), allpts.max(0)
    mid, half = (lo + hi) / 2, (hi - lo).max() / 2 + 1e-6
    fig = plt.figure(figsize=(3.6 * cols, 3.4 * rows + 0.4))
    for i, (name, layers, (elev, azim)) in enumerate(cells):
        ax = fig.add_subplot(rows, cols, i + 1, projection='3d')
        for points, colour in layers:
            points = np.asarray(points)
            # y is up: plot (x, z, y) so that y is vertical.
            ax.scatter(points[:, 0], points[:, 2], points[:, 1], s=2,
                       c=colour, depthshade=False)
        ax.set_xlim(mid[0] - half, mid[0] + half)
        ax.set_ylim(mid[2] - half, mid[2] + half)
        ax.set_zlim(mid[1] - half, mid[1] + half)
        ax.set_box_aspect((1, 1, 1))
        ax.view_init(elev=elev, azim=azim)
        ax.set_axis_off()
        if name:
            ax.set_title(name)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out_file, dpi=80)
    plt.close(fig)


def draw_views(panels: Sequence[Tuple[str, Layers]],
               out_file: str,
               title: Optional[str] = None,
               views: Sequence[Tuple[float, float]] = DEFAULT_VIEWS[:2]
               ) -> None:
    """Write one PNG: a column per panel, a row per view.

    Every subplot has the same cube of axes limits (equal scale on x, y
    and z, around all the points), so shapes are not stretched and panels
    compare. Matplotlib's Agg backend is used: no display is needed.

    Args:
        panels (Sequence[tuple]): ``(title, [(points [N, 3+], colour),
            ...])`` per column.
        out_file (str): PNG path.
        title (str, optional): Figure title (e.g. file and category).
        views (Sequence[tuple]): (elevation, azimuth) per row. Defaults to
            the first two of :data:`DEFAULT_VIEWS`.
    """
    cells = [(name if r == 0 else '', layers, view)
             for r, view in enumerate(views) for name, layers in panels]
    _draw(cells, len(views), len(panels), out_file, title)


def draw_point_cloud(points: np.ndarray,
                     out_file: str,
                     title: Optional[str] = None,
                     views: Sequence[Tuple[float, float]] = DEFAULT_VIEWS
                     ) -> None:
    """Write one PNG of a cloud, a panel per view, in one row.

    Args:
        points (ndarray): [N, 3+] points, xyz first, y up.
        out_file (str): PNG path.
        title (str, optional): Figure title.
        views (Sequence[tuple]): (elevation, azimuth) per panel.
    """
    cells = [(f'elevation {e:.0f}°, azimuth {a:.0f}°',
              [(points, POINT_COLOUR)], (e, a)) for e, a in views]
    _draw(cells, 1, len(cells), out_file, title)
