"""ShapeNetPart (``shapenetcore_partanno_segmentation_benchmark_v0_normal``)
for part segmentation."""
import json
import os.path as osp
from typing import Dict, List, Tuple

from recon3d.registry import DATASETS
from recon3d.structures.part_layout import (SHAPENET_PART_CATEGORIES,
                                            SHAPENET_PART_IDS)
from .base_dataset import BasePointDataset

#: split -> the official split lists it joins (``trainval`` is the official
#: training set).
SPLIT_LISTS: Dict[str, Tuple[str, ...]] = dict(
    train=('train', ), val=('val', ), test=('test', ),
    trainval=('train', 'val'))


def split_list_path(data_root: str, name: str) -> str:
    """``train_test_split/shuffled_<name>_file_list.json`` under the root."""
    return osp.join(data_root, 'train_test_split',
                    f'shuffled_{name}_file_list.json')


def read_category_file(path: str) -> List[Tuple[str, str]]:
    """``(name, synset)`` per line of ``synsetoffset2category.txt``.

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: Naming the file and line, for a line that is not
            'Name synset', a category ShapeNetPart does not have (its part
            ids would be unknown), or a name or synset listed twice.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'ShapeNetPart category file not found: '
                                f'{path}')
    rows, names, synsets = [], set(), set()
    with open(path) as f:
        for number, line in enumerate(f, 1):
            fields = line.split()
            if not fields:
                continue
            where = f'{path}, line {number}'
            if len(fields) != 2:
                raise ValueError(f'{where}: expected "Name<TAB>synset", got '
                                 f'{line.strip()!r}')
            name, synset = fields
            if name not in SHAPENET_PART_CATEGORIES:
                raise ValueError(f'{where}: unknown category {name!r}; '
                                 f'known: {SHAPENET_PART_CATEGORIES}')
            if name in names or synset in synsets:
                raise ValueError(f'{where}: {name} or {synset} is listed '
                                 'twice')
            names.add(name)
            synsets.add(synset)
            rows.append((name, synset))
    if not rows:
        raise ValueError(f'{path}: no categories')
    return rows


def read_split_list(path: str, synsets: Dict[str, int],
                    data_root: str) -> List[Tuple[int, str, str]]:
    """Entries ``shape_data/<synset>/<id>`` of an official split list.

    Args:
        path (str): The JSON list.
        synsets (dict): synset -> category label.
        data_root (str): Where ``<synset>/<id>.txt`` must exist.

    Returns:
        list[tuple]: (category label, shape id, file path) per entry.

    Raises:
        FileNotFoundError: If the list is missing.
        ValueError: Naming the list and the entry (index from 0), for an
            entry that is not ``shape_data/<synset>/<id>``, a synset not in
            the category file, a missing shape file, or an entry listed
            twice.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'ShapeNetPart split list not found: {path}')
    with open(path) as f:
        try:
            entries = json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(f'{path}: not a JSON list ({err})') from err
    if not isinstance(entries, list):
        raise ValueError(f'{path}: expected a JSON list of '
                         f'"shape_data/<synset>/<id>", got '
                         f'{type(entries).__name__}')
    items, seen = [], {}
    for k, entry in enumerate(entries):
        where = f'{path}, entry {k}'
        parts = entry.split('/') if isinstance(entry, str) else []
        if len(parts) != 3 or not all(parts):
            raise ValueError(f'{where}: expected "shape_data/<synset>/<id>",'
                             f' got {entry!r}')
        _, synset, shape_id = parts
        if synset not in synsets:
            raise ValueError(f'{where}: synset {synset} ({entry!r}) is not '
                             'in synsetoffset2category.txt')
        if entry in seen:
            raise ValueError(f'{where}: {entry!r} is listed twice (first as '
                             f'entry {seen[entry]})')
        seen[entry] = k
        file = osp.join(data_root, synset, f'{shape_id}.txt')
        if not osp.isfile(file):
            raise ValueError(f'{where}: {entry!r} names a missing file '
                             f'{file}')
        items.append((synsets[synset], shape_id, file))
    return items


@DATASETS.register_module()
class ShapeNetPart(BasePointDataset):
    """ShapeNetPart: 16 categories, 50 parts, one txt file per shape.

    Layout under ``data_root`` (the real download, unchanged)::

        synsetoffset2category.txt     'Name<TAB>synset'; line order = label
        <synset>/<id>.txt             rows 'x y z nx ny nz part'
        train_test_split/shuffled_{train,val,test}_file_list.json
                                      ["shape_data/<synset>/<id>", ...]

    The official code trains on ``trainval`` (train + val, 12,137 + 1,870
    shapes) and tests on ``test`` (2,874). Items are ordered as officially:
    by category (file order), then by shape id. Shapes are read per item
    by the pipeline's :class:`~recon3d.datasets.transforms.
    LoadPartSegPoints`, which checks every row (7 columns, a part id of
    the category).

    Items: ``pc_path``, ``gt_label`` (category), ``part_ids`` (the
    category's global part ids), ``shape_id``, ``file_name``
    (``<synset>/<id>.txt``), ``split``, ``sample_idx``. The metainfo holds
    ``classes`` and ``category_parts`` (part ids by label).

    Args:
        data_root (str): Dataset root.
        split (str): 'trainval', 'train', 'val' or 'test'. Defaults to
            'trainval'.
        **kwargs: Other :class:`mmengine.dataset.BaseDataset` arguments
            (``pipeline``, ``test_mode``, ``indices``...).

    Raises:
        FileNotFoundError: If the category file or a split list is missing.
        ValueError: Naming the file and the line or entry, see
            :func:`read_category_file` and :func:`read_split_list`.
    """

    METAINFO = dict(
        dataset_name='ShapeNetPart',
        classes=SHAPENET_PART_CATEGORIES,
        category_parts=SHAPENET_PART_IDS)
    SPLITS = tuple(SPLIT_LISTS)
    ITEM_NAME = 'shape'

    def __init__(self,
                 data_root: str,
                 split: str = 'trainval',
                 ann_file: str = 'synsetoffset2category.txt',
                 **kwargs) -> None:
        super().__init__(
            data_root=data_root, split=split, ann_file=ann_file, **kwargs)

    @property
    def source(self) -> str:
        """The split list(s) the items come from."""
        return ' + '.join(
            split_list_path(self.data_root, name)
            for name in SPLIT_LISTS[self.split])

    def load_items(self) -> Tuple[List[dict], dict]:
        """Read the category file and the split list(s)."""
        rows = read_category_file(self.ann_file)
        names = [name for name, _ in rows]
        synsets = {synset: label for label, (_, synset) in enumerate(rows)}
        # Labels follow the file's order; a file in another order than the
        # official one gets its own classes and part table.
        self._metainfo['classes'] = tuple(names)
        self._metainfo['category_parts'] = tuple(
            SHAPENET_PART_IDS[SHAPENET_PART_CATEGORIES.index(n)]
            for n in names)
        found = []
        for name in SPLIT_LISTS[self.split]:
            found += read_split_list(
                split_list_path(self.data_root, name), synsets,
                self.data_root)
        found.sort(key=lambda item: (item[0], item[1]))
        parts = self._metainfo['category_parts']
        items = [
            dict(
                pc_path=file,
                gt_label=label,
                part_ids=parts[label],
                shape_id=shape_id,
                file_name=osp.relpath(file, self.data_root))
            for label, shape_id, file in found
        ]
        return items, {}
