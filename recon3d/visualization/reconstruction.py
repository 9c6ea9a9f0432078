"""Headless pictures of masked point reconstruction."""
from typing import Optional, Sequence, Tuple

import numpy as np

from .points import DEFAULT_VIEWS, MASKED_COLOUR, POINT_COLOUR, draw_views


#: A three-quarter front and a three-quarter back view.
RECONSTRUCTION_VIEWS = DEFAULT_VIEWS[:2]


def draw_reconstruction(visible: np.ndarray,
                        pred: np.ndarray,
                        target: np.ndarray,
                        out_file: str,
                        title: Optional[str] = None,
                        views: Sequence[Tuple[float, float]] = (
                            RECONSTRUCTION_VIEWS)) -> None:
    """Write one PNG: visible input | reconstruction | ground truth, seen
    from each of ``views`` (a row per view).

    The reconstruction panel shows the visible points with the predicted
    masked groups in another colour; the ground-truth panel the visible
    points with the true masked groups. All panels share equal axes (see
    :func:`~recon3d.visualization.points.draw_views`).

    Args:
        visible (ndarray): [V·K, 3] visible points.
        pred (ndarray): [M·K, 3] predicted masked points.
        target (ndarray): [M·K, 3] true masked points.
        out_file (str): PNG path.
        title (str, optional): Figure title, e.g. the file and category.
        views (Sequence[tuple]): (elevation, azimuth) per row. Defaults to
            a three-quarter front and a three-quarter back view.
    """
    draw_views([('visible input', [(visible, POINT_COLOUR)]),
                ('reconstruction', [(visible, POINT_COLOUR),
                                    (pred, MASKED_COLOUR)]),
                ('ground truth', [(visible, POINT_COLOUR),
                                  (target, MASKED_COLOUR)])],
               out_file, title=title, views=views)
