"""Headless pictures of masked point reconstruction."""
from typing import Optional

import numpy as np


def draw_reconstruction(visible: np.ndarray,
                        pred: np.ndarray,
                        target: np.ndarray,
                        out_file: str,
                        title: Optional[str] = None,
                        elev: float = 20.,
                        azim: float = -60.) -> None:
    """Write one PNG: visible input | reconstruction | ground truth.

    The reconstruction panel shows the visible points with the predicted
    masked groups in another colour; the ground-truth panel the visible
    points with the true masked groups. Matplotlib's Agg backend is used, so
    no display is needed.

    Args:
        visible (ndarray): [V·K, 3] visible points.
        pred (ndarray): [M·K, 3] predicted masked points.
        target (ndarray): [M·K, 3] true masked points.
        out_file (str): PNG path.
        title (str, optional): Figure title.
        elev (float): Camera elevation in degrees. Defaults to 20.
        azim (float): Camera azimuth in degrees. Defaults to -60.
    """
    import matplotlib
    matplotlib.use('Agg', force=False)
    import matplotlib.pyplot as plt

    panels = [('visible input', visible, None),
              ('reconstruction', visible, pred),
              ('ground truth', visible, target)]
    allpts = np.concatenate([visible, pred, target])
    lo, hi = allpts.min(0), allpts.max(0)
    mid, half = (lo + hi) / 2, (hi - lo).max() / 2 + 1e-6
    fig = plt.figure(figsize=(12, 4.2))
    for i, (name, base, extra) in enumerate(panels):
        ax = fig.add_subplot(1, 3, i + 1, projection='3d')
        # Point clouds are y-up: plot (x, z, y) so that y is vertical.
        ax.scatter(base[:, 0], base[:, 2], base[:, 1], s=2, c='#4a6fa5')
        if extra is not None:
            ax.scatter(extra[:, 0], extra[:, 2], extra[:, 1], s=2,
                       c='#d1495b')
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
