"""Writer of the part-segmentation objects in the ShapeNetPart layout."""
import json
from pathlib import Path
from typing import Dict, Optional, Sequence, Union

import numpy as np

from recon3d.structures.part_layout import (SHAPENET_PART_CATEGORIES,
                                            SHAPENET_PART_IDS)
from ..part_shapes import PART_SOURCES
from ..shapes import generate_shape
from .common import OnProgress, write_atomically

#: The ShapeNet synset id of each ShapeNetPart category, in the order of
#: ``synsetoffset2category.txt``.
SHAPENET_PART_SYNSETS: Dict[str, str] = dict(
    zip(SHAPENET_PART_CATEGORIES,
        ('02691156', '02773838', '02954340', '02958343', '03001627',
         '03261776', '03467517', '03624134', '03636649', '03642806',
         '03790512', '03797390', '03948459', '04099429', '04225987',
         '04379243')))

# Seeds carry a stream id, so that no shape of another writer reappears.
_SHAPENET_PART_STREAM = 0x53505254  # 'SPRT'


def write_shapenet_part(out_dir: Union[str, Path],
                        train_per_class: int,
                        val_per_class: int,
                        test_per_class: int,
                        seed: int = 0,
                        num_points: int = 2500,
                        categories: Optional[Sequence[str]] = None,
                        progress: Optional[OnProgress] = None,
                        overwrite: bool = False) -> Dict[str, int]:
    """Write composed objects with part labels in the ShapeNetPart layout.

    Layout under ``out_dir`` (as
    ``shapenetcore_partanno_segmentation_benchmark_v0_normal``)::

        synsetoffset2category.txt     16 lines 'Name<TAB>synset'
        <synset>/<id>.txt             rows 'x y z nx ny nz part', %.6f
        train_test_split/shuffled_{train,val,test}_file_list.json
                                      ["shape_data/<synset>/<id>", ...]

    All 16 categories are listed, with their real synset ids and folders
    (empty for the categories not generated), so that category labels and
    global part ids (0-49) are those of the real dataset. The generated
    categories (:data:`~.part_shapes.PART_SOURCES`: Airplane, Chair,
    Knife, Lamp, Laptop, Mug, Rocket, Skateboard, Table) label each point
    with the category's first part id plus the builder's local part; a
    category may use fewer parts than it owns (Table 2 of 3, Lamp 3 of 4).

    A shape gets about ``num_points`` points (a count drawn in ±20 %, as
    the real files vary) and the generator's nuisances (stretch, partial
    dropout, noise, a turn about y), which may remove a small part. Shape
    ``i`` of category ``c`` comes from ``np.random.default_rng([seed,
    stream, c, i])``; the first ``train_per_class`` go to the train list,
    the next ``val_per_class`` to val, the rest to test; each list is
    shuffled. Everything is written to a temporary sibling folder renamed
    to ``out_dir`` at the end.

    Args:
        out_dir (str | Path): Dataset root to create.
        train_per_class (int): Train shapes per category.
        val_per_class (int): Val shapes per category.
        test_per_class (int): Test shapes per category.
        seed (int): Seed of the whole dataset. Defaults to 0.
        num_points (int): Mean points per file. Defaults to 2500.
        categories (Sequence[str], optional): Categories to generate, a
            subset of :data:`~.part_shapes.PART_SOURCES`. Defaults to all.
        progress (Callable[[int, int], None], optional): Called with
            (shapes written, total).
        overwrite (bool): Replace an existing non-empty ``out_dir``.
            Defaults to False.

    Returns:
        dict: ``categories``, ``train``, ``val`` and ``test``: the counts
        written.

    Raises:
        FileExistsError: If ``out_dir`` is not empty and not ``overwrite``.
        ValueError: For a category that cannot be generated.
    """
    categories = tuple(PART_SOURCES if categories is None else categories)
    unknown = [c for c in categories if c not in PART_SOURCES]
    if unknown:
        raise ValueError(f'cannot generate {unknown}; known: '
                         f'{tuple(PART_SOURCES)}')
    counts = dict(train=train_per_class, val=val_per_class,
                  test=test_per_class)
    per_class = sum(counts.values())
    total = len(categories) * per_class

    def fill(root: Path) -> None:
        (root / 'synsetoffset2category.txt').write_text(''.join(
            f'{name}\t{synset}\n'
            for name, synset in SHAPENET_PART_SYNSETS.items()))
        for synset in SHAPENET_PART_SYNSETS.values():
            (root / synset).mkdir()
        lists = dict(train=[], val=[], test=[])
        done = 0
        for name in categories:
            label = SHAPENET_PART_CATEGORIES.index(name)
            first = SHAPENET_PART_IDS[label][0]
            synset = SHAPENET_PART_SYNSETS[name]
            for index in range(per_class):
                rng = np.random.default_rng(
                    [seed, _SHAPENET_PART_STREAM, label, index])
                shape_id = rng.bytes(16).hex()
                count = int(rng.integers(num_points * 4 // 5,
                                         num_points * 6 // 5 + 1))
                shape = generate_shape(name, rng, count,
                                       builder=PART_SOURCES[name])
                rows = np.concatenate([
                    shape['points'], shape['normals'],
                    (shape['parts'] + first)[:, None]
                ], 1)
                np.savetxt(root / synset / f'{shape_id}.txt', rows,
                           fmt='%.6f', delimiter=' ')
                split = ('train' if index < train_per_class else
                         'val' if index < train_per_class + val_per_class
                         else 'test')
                lists[split].append(f'shape_data/{synset}/{shape_id}')
                done += 1
                if progress is not None:
                    progress(done, total)
        (root / 'train_test_split').mkdir()
        order = np.random.default_rng([seed, _SHAPENET_PART_STREAM])
        for split, entries in lists.items():
            entries = [entries[i] for i in order.permutation(len(entries))]
            (root / 'train_test_split' /
             f'shuffled_{split}_file_list.json').write_text(
                 json.dumps(entries))

    write_atomically(out_dir, overwrite, fill)
    return dict(categories=len(categories),
                **{k: v * len(categories)
                   for k, v in counts.items()})
