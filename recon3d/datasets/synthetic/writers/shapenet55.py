"""Writer of the synthetic shapes in the ShapeNet-55 layout."""
import json
from pathlib import Path
from typing import Dict, Optional, Union

import numpy as np
from PIL import Image

from ..render import render_points
from ..shapes import CLASSES, DESCRIPTIONS, generate_shape
from .common import OnProgress, write_atomically


def _synset(label: int) -> str:
    """A fake but well-formed 8-digit synset id, starting with '0'."""
    return f'{9000000 + label:08d}'


def write_shapenet55(out_dir: Union[str, Path],
                     train_per_class: int,
                     test_per_class: int,
                     seed: int = 0,
                     num_points: int = 8192,
                     image_size: int = 224,
                     progress: Optional[OnProgress] = None,
                     overwrite: bool = False) -> Dict[str, int]:
    """Write the synthetic shapes in the ShapeNet-55 layout used by ReCon.

    Layout under ``out_dir`` (as ``data/ShapeNet55-34``)::

        shapenet_pc/<synset>-<model_id>.npy   float32 [num_points, 3]
        shapenet_img/<synset>-<model_id>.png  RGB [image_size]², one view
        ShapeNet-55/train.txt, test.txt       one '<synset>-<id>.npy' a line
        shapenet55.json                       catalogue / describe per class

    ``shapenet55.json`` is written like the real file, which is a pandas
    ``to_json`` frame: ``{"catalogue": {"0": "09000000", ...},
    "describe": {"0": "sphere,ball", ...}}``, row index = label. The synset
    ids are 8-digit strings; ``pandas.read_json`` turns them into ints
    without the leading 0, which the official loader puts back.

    Shape ``i`` of class ``c`` comes from ``np.random.default_rng([seed, c,
    i])``: it does not depend on the other counts. The first
    ``train_per_class`` shapes of a class go to the train list. Everything
    is written to a temporary sibling folder that is renamed to
    ``out_dir`` at the end, so an interrupted run leaves no dataset behind.

    Args:
        out_dir (str | Path): Dataset root to create.
        train_per_class (int): Train shapes per class.
        test_per_class (int): Test shapes per class.
        seed (int): Seed of the whole dataset. Defaults to 0.
        num_points (int): Points per cloud. Defaults to 8192.
        image_size (int): Image side in pixels. Defaults to 224.
        progress (Callable[[int, int], None], optional): Called with
            (shapes written, total) after each shape.
        overwrite (bool): Replace an existing non-empty ``out_dir``.
            Defaults to False.

    Returns:
        dict: ``classes``, ``train`` and ``test``: the counts written.

    Raises:
        FileExistsError: If ``out_dir`` is not empty and not ``overwrite``.
    """
    write_atomically(
        out_dir, overwrite, lambda root: _write_shapenet55_files(
            root, train_per_class, test_per_class, seed, num_points,
            image_size, progress))
    return dict(
        classes=len(CLASSES),
        train=len(CLASSES) * train_per_class,
        test=len(CLASSES) * test_per_class)


def _write_shapenet55_files(root: Path, train_per_class: int,
                            test_per_class: int, seed: int, num_points: int,
                            image_size: int,
                            progress: Optional[OnProgress]) -> None:
    """Fill ``root`` with the ShapeNet-55 files (see write_shapenet55)."""
    (root / 'shapenet_pc').mkdir()
    (root / 'shapenet_img').mkdir()
    (root / 'ShapeNet-55').mkdir()
    per_class = train_per_class + test_per_class
    total = len(CLASSES) * per_class
    lists = dict(train=[], test=[])
    for label, name in enumerate(CLASSES):
        for index in range(per_class):
            rng = np.random.default_rng([seed, label, index])
            stem = f'{_synset(label)}-{rng.bytes(16).hex()}'
            shape = generate_shape(name, rng, num_points)
            np.save(root / 'shapenet_pc' / f'{stem}.npy', shape['points'])
            image = render_points(shape['points'], shape['normals'],
                                  image_size)
            Image.fromarray(image).save(
                root / 'shapenet_img' / f'{stem}.png', compress_level=1)
            split = 'train' if index < train_per_class else 'test'
            lists[split].append(f'{stem}.npy')
            if progress is not None:
                progress(label * per_class + index + 1, total)
    for split, names in lists.items():
        (root / 'ShapeNet-55' / f'{split}.txt').write_text(''.join(
            f'{name}\n' for name in names))
    table = dict(
        catalogue={str(i): _synset(i)
                   for i in range(len(CLASSES))},
        describe={
            str(i): DESCRIPTIONS[name]
            for i, name in enumerate(CLASSES)
        })
    (root / 'shapenet55.json').write_text(json.dumps(table))
