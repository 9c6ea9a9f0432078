"""Writer of ModelNet40 few-shot folds drawn from a ModelNet40 root."""
from pathlib import Path
from typing import Dict, Optional, Sequence, Union

from ...converters import build_fewshot_folds
from .common import OnProgress, write_atomically


def write_modelnet40_fewshot(out_dir: Union[str, Path],
                             modelnet_root: Union[str, Path],
                             ways: Sequence[int] = (5, 10),
                             shots: Sequence[int] = (10, 20),
                             folds: int = 10,
                             seed: int = 0,
                             test_per_class: int = 20,
                             num_points: int = 8192,
                             progress: Optional[OnProgress] = None,
                             overwrite: bool = False) -> Dict[str, int]:
    """Write ModelNet40 few-shot folds drawn from a ModelNet40 root.

    Layout under ``out_dir`` (as ``data/ModelNetFewshot``)::

        {way}way_{shot}shot/{fold}.pkl   {'train': [...], 'test': [...]}
        modelnet40_shape_names.txt       copied from the ModelNet root

    See :func:`recon3d.datasets.converters.build_fewshot_folds` for
    the sampling (the official script's, seeded). ``modelnet_root`` may be
    a real ModelNet40 root or one written by :func:`write_modelnet40`; it
    needs the FPS pickles. The folds are written to a temporary sibling
    folder renamed to ``out_dir`` at the end.

    Args:
        out_dir (str | Path): Few-shot root to create.
        modelnet_root (str | Path): ModelNet40 root with the pickles.
        ways, shots (Sequence[int]): Settings. Defaults to (5, 10) and
            (10, 20).
        folds (int): Folds per setting. Defaults to 10.
        seed (int): Seed. Defaults to 0.
        test_per_class (int): Test clouds per class. Defaults to 20.
        num_points (int): Points per cloud of the pickles to read.
            Defaults to 8192.
        progress (Callable[[int, int], None], optional): Called with
            (folds written, total).
        overwrite (bool): Replace an existing non-empty ``out_dir``.
            Defaults to False.

    Returns:
        dict: ``settings`` and ``folds`` (files written).
    """
    written = []

    def fill(root: Path) -> None:
        written.append(
            build_fewshot_folds(
                str(modelnet_root),
                str(root),
                ways=ways,
                shots=shots,
                folds=folds,
                seed=seed,
                test_per_class=test_per_class,
                num_points=num_points,
                progress=progress))

    write_atomically(out_dir, overwrite, fill)
    return dict(settings=len(ways) * len(shots), folds=written[0])
