"""What the writers share: progress callbacks and atomic folders."""
import os
import shutil
from pathlib import Path
from typing import Callable, Union

#: Callback ``progress(done, total)`` called after each written shape.
OnProgress = Callable[[int, int], None]


def write_atomically(out_dir: Union[str, Path], overwrite: bool,
                     fill: Callable[[Path], None]) -> None:
    """Run ``fill(tmp_dir)`` on a temporary sibling, then rename it to
    ``out_dir``; nothing is left behind if ``fill`` fails.

    Raises:
        FileExistsError: If ``out_dir`` is not empty and not ``overwrite``.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()) and not overwrite:
        raise FileExistsError(f'{out_dir} exists and is not empty')
    tmp_dir = out_dir.parent / f'.{out_dir.name}.tmp-{os.getpid()}'
    if tmp_dir.exists():
        shutil.rmtree(tmp_dir)
    tmp_dir.mkdir(parents=True)
    try:
        fill(tmp_dir)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp_dir, out_dir)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
