"""Writer of the synthetic shapes in the ScanObjectNN h5 layout."""
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import h5py
import numpy as np

from ...scanobjectnn import SCANOBJECTNN_CLASSES, scanobjectnn_file
from .common import OnProgress, write_atomically
from .scan_scenes import scan_views

# Seeds carry a stream id, so that these shapes are not those of another
# writer for the same seed (see the ModelNet40 writer).
_SCANOBJECTNN_STREAM = 0x534F4E4E  # 'SONN'

#: ScanObjectNN label -> generated class written under it. Where a
#: generated class resembles the ScanObjectNN class it is used (bin ← pot,
#: box, chair, shelf ← bookshelf, table, pillow ← capsule, sink ← bowl,
#: sofa ← bench); the other labels get the remaining classes in generator
#: order. lamp, bottle and jar are not used.
SCANOBJECTNN_SOURCES: Tuple[str, ...] = (
    'sphere',  # bag
    'pot',  # bin
    'box',  # box
    'cylinder',  # cabinet
    'chair',  # chair
    'stool',  # desk
    'cone',  # display
    'torus',  # door
    'bookshelf',  # shelf
    'table',  # table
    'pyramid',  # bed
    'capsule',  # pillow
    'bowl',  # sink
    'bench',  # sofa
    'mug',  # toilet
)


def write_scanobjectnn(out_dir: Union[str, Path],
                       train_per_class: int,
                       test_per_class: int,
                       seed: int = 0,
                       variants: Sequence[str] = ('OBJ_BG', 'OBJ_ONLY',
                                                  'PB_T50_RS'),
                       num_points: int = 2048,
                       copies: int = 5,
                       progress: Optional[OnProgress] = None,
                       overwrite: bool = False) -> Dict[str, int]:
    """Write the synthetic shapes in the ScanObjectNN h5 layout.

    Layout under ``out_dir`` (as ``data/ScanObjectNN``)::

        main_split/{training,test}_objectdataset.h5         OBJ_BG
        main_split_nobg/{training,test}_objectdataset.h5    OBJ_ONLY
        main_split/{training,test}_objectdataset_augmentedrot_scale75.h5
                                                            PB_T50_RS
        README.txt            which generated class each label holds

    Each h5 file has ``data`` float32 [n, num_points, 3], ``label`` int64
    [n] and ``mask`` int32 [n, num_points], 1 on object points and -1 on
    background points, as in the real files (whose object points carry a
    non-negative id; ScanObjectNN's own code binarises with ``mask == -1``).

    The 15 labels hold the generated classes of
    :data:`SCANOBJECTNN_SOURCES`. Per object (label ``c``, index ``i``, from
    ``np.random.default_rng([seed, stream, c, i])``):

    - OBJ_ONLY: the object, centred on its box and scaled into the unit
      sphere, ``num_points`` points;
    - OBJ_BG: the same object with 20-30 % of its points replaced by
      clutter in a region around it: a partial floor under it, up to two
      wall patches and one to three box fragments cut by the region;
    - PB_T50_RS: ``copies`` perturbed views of the OBJ_BG scene, each
      rotated about y (any angle), scaled by U(0.75, 1.25), shifted by up
      to half the object's box along each axis, then cropped to the
      OBJ_BG region (parts of the object may leave it; more clutter enters)
      and resampled to ``num_points`` points.

    No variant is normalised afterwards (the loader does not normalise).
    OBJ_BG and OBJ_ONLY hold the same objects in the same order; each file's
    order is a seeded permutation. Everything is written to a temporary
    sibling folder renamed to ``out_dir`` at the end.

    Args:
        out_dir (str | Path): Dataset root to create.
        train_per_class (int): Train objects per class.
        test_per_class (int): Test objects per class.
        seed (int): Seed of the whole dataset. Defaults to 0.
        variants (Sequence[str]): Variants to write. Defaults to all three.
        num_points (int): Points per cloud. Defaults to 2048.
        copies (int): PB_T50_RS views per object. Defaults to 5.
        progress (Callable[[int, int], None], optional): Called with
            (objects done, total).
        overwrite (bool): Replace an existing non-empty ``out_dir``.
            Defaults to False.

    Returns:
        dict: ``classes``, ``train`` and ``test`` (objects per split), and
        the item count of each written file, by variant and split.

    Raises:
        FileExistsError: If ``out_dir`` is not empty and not ``overwrite``.
        ValueError: For an unknown variant.
    """
    variants = tuple(variants)
    for variant in variants:
        scanobjectnn_file(variant, 'train')  # raises for an unknown one
    per_class = train_per_class + test_per_class
    total = len(SCANOBJECTNN_SOURCES) * per_class
    counts: Dict[str, int] = dict(
        classes=len(SCANOBJECTNN_SOURCES),
        train=len(SCANOBJECTNN_SOURCES) * train_per_class,
        test=len(SCANOBJECTNN_SOURCES) * test_per_class)

    def fill(root: Path) -> None:
        # split -> variant -> (points, mask) clouds, object by object.
        # Every variant is made, written or not, so that a variant's
        # content does not depend on which others are written.
        items = {
            split: {
                variant: []
                for variant in ('OBJ_ONLY', 'OBJ_BG', 'PB_T50_RS')
            }
            for split in ('train', 'test')
        }
        labels = dict(train=[], test=[])
        for label, name in enumerate(SCANOBJECTNN_SOURCES):
            for index in range(per_class):
                rng = np.random.default_rng(
                    [seed, _SCANOBJECTNN_STREAM, label, index])
                scan = scan_views(rng, name, num_points, copies)
                split = 'train' if index < train_per_class else 'test'
                for variant, clouds in scan.items():
                    items[split][variant].extend(clouds)
                labels[split].append(label)
                if progress is not None:
                    progress(label * per_class + index + 1, total)
        for split_index, split in enumerate(('train', 'test')):
            # OBJ_BG and OBJ_ONLY share one order of the objects; the
            # PB_T50_RS views get their own.
            objects = np.random.default_rng(
                [seed, _SCANOBJECTNN_STREAM,
                 1000 + split_index]).permutation(len(labels[split]))
            views = np.random.default_rng(
                [seed, _SCANOBJECTNN_STREAM,
                 2000 + split_index]).permutation(len(labels[split]) * copies)
            for variant in variants:
                clouds = items[split][variant]
                repeat = copies if variant == 'PB_T50_RS' else 1
                order = views if variant == 'PB_T50_RS' else objects
                path = root / scanobjectnn_file(variant, split)
                path.parent.mkdir(exist_ok=True)
                _write_h5(path, clouds, np.repeat(labels[split], repeat),
                          order, num_points)
                counts[f'{variant} {split}'] = len(clouds)
        _write_scanobjectnn_readme(root, SCANOBJECTNN_CLASSES, variants, seed,
                                   counts, copies)

    write_atomically(out_dir, overwrite, fill)
    return counts


def _write_h5(path: Path, clouds: List[Tuple[np.ndarray, np.ndarray]],
              labels: np.ndarray, order: np.ndarray, num_points: int) -> None:
    """Write ``data``, ``label`` and ``mask`` in ``order``."""
    data = np.zeros((len(clouds), num_points, 3), dtype=np.float32)
    mask = np.zeros((len(clouds), num_points), dtype=np.int32)
    for row, i in enumerate(order):
        data[row], mask[row] = clouds[i]
    with h5py.File(path, 'w') as h5:
        h5.create_dataset('data', data=data)
        h5.create_dataset(
            'label', data=np.asarray(labels, dtype=np.int64)[order])
        h5.create_dataset('mask', data=mask)


def _write_scanobjectnn_readme(root: Path, classes: Sequence[str],
                               variants: Sequence[str], seed: int,
                               counts: Dict[str, int], copies: int) -> None:
    """README.txt: what each label index holds, and how it was made."""
    lines = [
        'Synthetic ScanObjectNN written by recon3d '
        '(recon3d.datasets.synthetic.write_scanobjectnn).',
        '',
        'The h5 files use the real layout; their objects are procedural',
        'shapes, not scans. Label index -> ScanObjectNN class name (used',
        'by the loader) -> generated class stored under that label:',
        '',
    ]
    lines += [
        f'{i:2d}  {name:<8}  {source}'
        for i, (name, source) in enumerate(zip(classes, SCANOBJECTNN_SOURCES))
    ]
    lines += [
        '',
        f'seed: {seed}; variants: {", ".join(variants)}; PB_T50_RS views '
        f'per object: {copies}',
        'mask: 1 = object point, -1 = background point.',
        '',
        'items:',
    ]
    lines += [f'  {key}: {value}' for key, value in counts.items()]
    (root / 'README.txt').write_text('\n'.join(lines) + '\n')
