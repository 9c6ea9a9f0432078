"""Writers of the synthetic shapes in the real datasets' on-disk layouts."""
import json
import os
import shutil
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from PIL import Image

from .render import render_points
from .shapes import CLASSES, DESCRIPTIONS, generate_shape
from .surfaces import Part, box, sample_parts

#: Callback ``progress(done, total)`` called after each written shape.
OnProgress = Callable[[int, int], None]


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
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()) and not overwrite:
        raise FileExistsError(f'{out_dir} exists and is not empty')
    tmp_dir = out_dir.parent / f'.{out_dir.name}.tmp-{os.getpid()}'
    if tmp_dir.exists():
        shutil.rmtree(tmp_dir)
    tmp_dir.mkdir(parents=True)
    try:
        _write_shapenet55_files(tmp_dir, train_per_class, test_per_class, seed,
                                num_points, image_size, progress)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(tmp_dir, out_dir)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
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


# Seeds of the classification writers carry a stream id, so that their
# shapes are not those of the ShapeNet-55 writer (``[seed, label, index]``,
# label < 18) for the same seed: no pretraining shape reappears in a
# downstream test set.
_MODELNET_STREAM = 0x4D4E3430  # 'MN40'
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


def _write_atomically(out_dir: Union[str, Path], overwrite: bool,
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


def write_modelnet40(out_dir: Union[str, Path],
                     train_per_class: int,
                     test_per_class: int,
                     seed: int = 0,
                     num_points_txt: int = 10000,
                     num_points: int = 8192,
                     write_dat: bool = True,
                     progress: Optional[OnProgress] = None,
                     overwrite: bool = False) -> Dict[str, int]:
    """Write the synthetic shapes in the ModelNet40 layout used by ReCon.

    Layout under ``out_dir`` (as ``modelnet40_normal_resampled``)::

        modelnet40_shape_names.txt         the generator's classes
        modelnet40_{train,test}.txt        '<class>_NNNN' a line
        <class>/<class>_NNNN.txt           'x,y,z,nx,ny,nz' lines, %.6f
        modelnet40_{train,test}_{num_points}pts_fps.dat   (``write_dat``)

    The class names are the generator's (:data:`CLASSES`); the names file
    lists them in that order, so the label of a class is its generator
    index. Ids count from 0001 per class, train first, as in the real
    lists. The ``.dat`` pickles are built from the written txt files by
    :func:`recon3d.datasets.modelnet40.build_modelnet_dat` (the function of
    ``tools/dataset_converters/build_modelnet_dat.py``), seeded by
    ``seed``.

    Shape ``i`` of class ``c`` comes from ``np.random.default_rng([seed,
    stream, c, i])`` with a ModelNet stream id, so it differs from the
    ShapeNet-55 writer's shapes. Everything is written to a temporary
    sibling folder renamed to ``out_dir`` at the end.

    Args:
        out_dir (str | Path): Dataset root to create.
        train_per_class (int): Train shapes per class.
        test_per_class (int): Test shapes per class.
        seed (int): Seed of the whole dataset. Defaults to 0.
        num_points_txt (int): Points per txt file. Defaults to 10000.
        num_points (int): Points per cloud of the pickles. Defaults to
            8192.
        write_dat (bool): Build the FPS pickles. Defaults to True.
        progress (Callable[[int, int], None], optional): Called with
            (steps done, total); a step is a shape written, then a shape
            sampled into a pickle.
        overwrite (bool): Replace an existing non-empty ``out_dir``.
            Defaults to False.

    Returns:
        dict: ``classes``, ``train``, ``test`` (counts written) and
        ``dat_files``.

    Raises:
        FileExistsError: If ``out_dir`` is not empty and not ``overwrite``.
        ValueError: If ``num_points > num_points_txt`` with ``write_dat``.
    """
    from ..modelnet40 import build_modelnet_dat

    if write_dat and num_points > num_points_txt:
        raise ValueError(f'cannot sample {num_points} points per pickle '
                         f'cloud from {num_points_txt} per txt file')
    per_class = train_per_class + test_per_class
    shapes = len(CLASSES) * per_class
    total = shapes * (2 if write_dat else 1)

    def fill(root: Path) -> None:
        (root / 'modelnet40_shape_names.txt').write_text(''.join(
            f'{name}\n' for name in CLASSES))
        lists = dict(train=[], test=[])
        for label, name in enumerate(CLASSES):
            (root / name).mkdir()
            for index in range(per_class):
                rng = np.random.default_rng(
                    [seed, _MODELNET_STREAM, label, index])
                shape = generate_shape(name, rng, num_points_txt)
                shape_id = f'{name}_{index + 1:04d}'
                np.savetxt(
                    root / name / f'{shape_id}.txt',
                    np.concatenate([shape['points'], shape['normals']], 1),
                    fmt='%.6f',
                    delimiter=',')
                split = 'train' if index < train_per_class else 'test'
                lists[split].append(shape_id)
                if progress is not None:
                    progress(label * per_class + index + 1, total)
        for split, ids in lists.items():
            (root / f'modelnet40_{split}.txt').write_text(''.join(
                f'{shape_id}\n' for shape_id in ids))
        if write_dat:
            done = shapes
            for split in ('train', 'test'):
                offset = done
                build_modelnet_dat(
                    str(root),
                    split,
                    num_points,
                    seed=seed,
                    progress=None if progress is None else
                    (lambda k, _, offset=offset: progress(offset + k, total)))
                done += len(lists[split])

    _write_atomically(out_dir, overwrite, fill)
    return dict(
        classes=len(CLASSES),
        train=len(CLASSES) * train_per_class,
        test=len(CLASSES) * test_per_class,
        dat_files=2 if write_dat else 0)


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

    See :func:`recon3d.datasets.modelnet40_fewshot.build_fewshot_folds` for
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
    from ..modelnet40_fewshot import build_fewshot_folds

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

    _write_atomically(out_dir, overwrite, fill)
    return dict(settings=len(ways) * len(shots), folds=written[0])


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
    import h5py

    from ..scanobjectnn import SCANOBJECTNN_CLASSES, scanobjectnn_file

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
                scan = _scan_views(rng, name, num_points, copies)
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
                _write_h5(h5py, path, clouds, np.repeat(labels[split], repeat),
                          order, num_points)
                counts[f'{variant} {split}'] = len(clouds)
        _write_scanobjectnn_readme(root, SCANOBJECTNN_CLASSES, variants, seed,
                                   counts, copies)

    _write_atomically(out_dir, overwrite, fill)
    return counts


def _write_h5(h5py, path: Path, clouds: List[Tuple[np.ndarray, np.ndarray]],
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


def _scan_views(rng: np.random.Generator, name: str, num_points: int,
                copies: int) -> Dict[str, list]:
    """The (points, mask) clouds of one object in every variant."""
    points = generate_shape(name, rng, num_points)['points'].astype(np.float64)
    points -= (points.max(0) + points.min(0)) / 2
    points /= np.linalg.norm(points, axis=1).max()
    low, high = points.min(0), points.max(0)
    extent = high - low
    margin = np.array([0.25, 0.0, 0.25]) * extent + [0.05, 0.0, 0.05]
    region = (low - margin, high + margin + [0.0, 0.1 * extent[1], 0.0])
    views: Dict[str, list] = {}
    ones = np.ones(num_points, dtype=np.int32)
    views['OBJ_ONLY'] = [(points.astype(np.float32), ones)]

    # OBJ_BG: 20-30 % of the points become clutter.
    num_bg = int(round(rng.uniform(0.2, 0.3) * num_points))
    kept = points[rng.choice(num_points, num_points - num_bg, replace=False)]
    clutter = _clutter(rng, *region, num_bg)
    views['OBJ_BG'] = [_mix(rng, kept, clutter)]

    # PB_T50_RS: a wider scene seen through the OBJ_BG region after a
    # random rotation, scale and shift of the scene.
    wide = (region[0] - [extent[0], 0.0, extent[2]],
            region[1] + [extent[0], 0.0, extent[2]])
    scene_bg = _clutter(rng, *wide, 2 * num_points)
    pb = []
    for _ in range(copies):
        for _ in range(20):  # redraw if the crop leaves almost no object
            angle = rng.uniform(0, 2 * np.pi)
            c, s = np.cos(angle), np.sin(angle)
            rotation = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
            scale = rng.uniform(0.75, 1.25)
            shift = rng.uniform(-0.5, 0.5, 3) * extent
            obj = points @ rotation * scale + shift
            bg = scene_bg @ rotation * scale + shift
            obj = obj[_inside(obj, *region)]
            bg = bg[_inside(bg, *region)]
            if len(obj) >= num_points // 8:
                break
        pool = len(obj) + len(bg)
        pick = rng.choice(pool, num_points, replace=pool < num_points)
        pick.sort()
        split = np.searchsorted(pick, len(obj))
        pb.append(_mix(rng, obj[pick[:split]], bg[pick[split:] - len(obj)]))
    views['PB_T50_RS'] = pb
    return views


def _inside(points: np.ndarray, low: np.ndarray, high: np.ndarray):
    """Mask [N] of the points inside the box [low, high]."""
    return np.all((points >= low) & (points <= high), axis=1)


def _mix(rng: np.random.Generator, obj: np.ndarray,
         bg: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Object and background points in a random order, with their mask."""
    points = np.concatenate([obj, bg]).astype(np.float32)
    mask = np.concatenate([
        np.ones(len(obj), dtype=np.int32),
        np.full(len(bg), -1, dtype=np.int32)
    ])
    order = rng.permutation(len(points))
    return points[order], mask[order]


def _clutter(rng: np.random.Generator, low: np.ndarray, high: np.ndarray,
             count: int) -> np.ndarray:
    """``count`` background points in the box [low, high].

    A partial floor at ``low.y``, up to two wall patches on its sides and
    one to three boxes standing on the floor across its border, sampled by
    area, cut to the box, with a little noise.
    """
    extent = high - low
    thin = 1e-4 * extent.max()  # flat patches: boxes of (almost) no depth
    parts = []
    size = extent * [rng.uniform(0.6, 1.0), 0.0, rng.uniform(0.6, 1.0)]
    size[1] = thin
    center = rng.uniform(low + size / 2, high - size / 2)
    center[1] = low[1]
    parts.append(Part(box(size), 0, center))
    for side in rng.permutation(4)[:rng.integers(0, 3)]:
        axis, other = (0, 2) if side < 2 else (2, 0)
        size = np.full(3, thin)
        size[other] = extent[other] * rng.uniform(0.5, 1.0)
        size[1] = extent[1] * rng.uniform(0.4, 1.0)
        center = np.zeros(3)
        center[axis] = (low if side % 2 == 0 else high)[axis]
        center[other] = rng.uniform(low[other] + size[other] / 2,
                                    high[other] - size[other] / 2)
        center[1] = low[1] + size[1] / 2
        parts.append(Part(box(size), 0, center))
    for _ in range(rng.integers(1, 4)):
        size = extent * rng.uniform(0.1, 0.35, 3)
        center = rng.uniform(low, high)
        axis = 0 if rng.random() < 0.5 else 2
        center[axis] = (low if rng.random() < 0.5 else high)[axis]
        center[1] = low[1] + size[1] / 2
        parts.append(Part(box(size), 0, center))
    points = np.empty((0, 3))
    while len(points) < count:
        sampled = sample_parts(rng, parts, 2 * count + 64)[0]
        points = np.concatenate([points, sampled[_inside(sampled, low, high)]])
    points = points[:count]
    return points + rng.normal(scale=0.004 * extent.max(), size=points.shape)
