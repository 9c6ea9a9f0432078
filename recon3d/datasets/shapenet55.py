"""ShapeNet-55 as ReCon pretrains on it: points, one image, a caption."""
import json
import os.path as osp
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from recon3d.registry import DATASETS
from .base_dataset import BasePointDataset, read_list


def _synset_id(value: Any) -> str:
    """The 8-character synset id of a ``catalogue`` entry.

    ``pandas.read_json`` parses the real file's ids as ints and drops the
    leading zero (02691156 -> 2691156), which the official loader puts back;
    ids that are already 8-character strings are kept.
    """
    text = str(value)
    return text.zfill(8) if text.isdigit() else text


def read_categories(path: str) -> List[Tuple[str, str]]:
    """Read ``shapenet55.json``: (synset id, description) per label.

    Both JSON shapes that ``pandas.read_json`` reads as the real table are
    accepted: column-oriented ``{"catalogue": {"0": ...}, "describe":
    {"0": ...}}`` (the real file, written by pandas) and a list of row
    objects ``[{"catalogue": ..., "describe": ...}, ...]``. The label is
    the row index.

    Args:
        path (str): Path of the JSON file.

    Returns:
        list[tuple[str, str]]: (synset id, ``describe`` text), by label.

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: If it is not JSON, lacks a column, or has a row whose
            description is null or empty (naming the row).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'ShapeNet-55 category file not found: {path}')
    with open(path) as f:
        try:
            table = json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(f'{path} is not valid JSON: {err}') from err
    try:
        if isinstance(table, dict):
            rows = sorted(table['catalogue'], key=int)
            records = [
                dict(
                    catalogue=table['catalogue'][row],
                    describe=table['describe'][row]) for row in rows
            ]
        else:
            records = list(table)
        rows = [(_synset_id(record['catalogue']), record['describe'])
                for record in records]
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(
            f'{path} is not a ShapeNet-55 category table with "catalogue" '
            f'and "describe" columns ({type(err).__name__}: {err})') from err
    for row, (synset, text) in enumerate(rows):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(
                f'{path}: row {row} (synset {synset}) has the description '
                f'{text!r}; every category needs a caption, which the text '
                'teacher encodes and the class name comes from')
    return rows


@DATASETS.register_module()
class ShapeNet55(BasePointDataset):
    """ShapeNet-55 in the layout ReCon uses, with images and captions.

    Layout under ``data_root`` (e.g. ``data/ShapeNet55-34``)::

        shapenet_pc/<synset>-<model_id>.npy   points [8192, 3]
        shapenet_img/<synset>-<model_id>.png  one rendered view
        ShapeNet-55/train.txt, test.txt       one '<synset>-<id>.npy' a line
        shapenet55.json                       catalogue / describe per class

    The label of a model is the JSON row of its synset; its caption is that
    row's ``describe`` text, and ``metainfo['classes']`` holds the first
    name of each description (read at load time). The ``'whole'`` split is
    the test list followed by the train list, as the official pretraining
    uses; each item keeps the name of the list it came from in ``split``.

    Items hold paths only (52k clouds do not fit in memory): the pipeline
    loads the files, and a missing, unreadable or bad point file (see
    :func:`~recon3d.datasets.base_dataset.check_clouds`) or image raises
    when its item is loaded, naming the file. A list naming a model twice
    or an empty list is refused at load time.

    Args:
        data_root (str): Dataset root.
        split (str): 'train', 'test' or 'whole'. Defaults to 'train'.
        with_img (bool): Give each item an ``img_path``; if False it is
            None. Defaults to True.
        ann_file (str): Category table, relative to ``data_root``.
            Defaults to 'shapenet55.json'.
        data_prefix (dict, optional): Folders relative to ``data_root``,
            overriding :attr:`DEFAULT_PREFIX` (the layout above): ``pc``
            (clouds), ``img`` (images), ``list`` (split lists).
        **kwargs: Other :class:`mmengine.dataset.BaseDataset` arguments
            (``pipeline``, ``test_mode``, ``indices``, ``lazy_init``...).
    """

    METAINFO = dict(dataset_name='ShapeNet-55', classes=())
    SPLITS = ('train', 'test', 'whole')
    DEFAULT_PREFIX = dict(
        pc='shapenet_pc', img='shapenet_img', list='ShapeNet-55')

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 with_img: bool = True,
                 ann_file: str = 'shapenet55.json',
                 data_prefix: Optional[dict] = None,
                 **kwargs) -> None:
        self.with_img = with_img
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            split=split,
            data_prefix=dict(self.DEFAULT_PREFIX, **(data_prefix or {})),
            **kwargs)

    def load_items(self) -> Tuple[List[dict], Dict[str, np.ndarray]]:
        """Read the category table and the split list(s).

        Returns:
            tuple: Per model ``pc_path``, ``img_path`` (or None),
            ``gt_label``, ``text``, ``split``, ``file_name`` and
            ``sample_idx``; no arrays.
        """
        categories = read_categories(self.ann_file)
        self._metainfo['classes'] = tuple(
            text.split(',')[0] for _, text in categories)
        label_of = {synset: i for i, (synset, _) in enumerate(categories)}
        folders = [self.data_prefix['pc']]
        if self.with_img:
            folders.append(self.data_prefix['img'])
        for folder in folders:
            if not osp.isdir(folder):
                raise FileNotFoundError(
                    f'ShapeNet-55 folder not found: {folder}')

        splits = ['test', 'train'] if self.split == 'whole' else [self.split]
        data_list, listed_in = [], {}
        for split in splits:
            for file_name in self._read_list(split, label_of):
                if file_name in listed_in:
                    raise ValueError(
                        f'{file_name!r} is in both the {listed_in[file_name]}'
                        f' and the {split} list of '
                        f'{self.data_prefix["list"]}: the whole split would '
                        'hold it twice')
                listed_in[file_name] = split
                label = label_of[file_name.split('-')[0]]
                img_path = None
                if self.with_img:
                    img_path = osp.join(self.data_prefix['img'],
                                        osp.splitext(file_name)[0] + '.png')
                data_list.append(
                    dict(
                        pc_path=osp.join(self.data_prefix['pc'], file_name),
                        img_path=img_path,
                        gt_label=label,
                        text=categories[label][1],
                        split=split,
                        file_name=file_name,
                        sample_idx=len(data_list)))
        return data_list, {}

    def _read_list(self, split: str, label_of: dict) -> List[str]:
        """File names of a split list, checking that each synset is known
        and that no name is listed twice."""
        path = osp.join(self.data_prefix['list'], f'{split}.txt')
        names = []
        for number, name in read_list(path, 'ShapeNet-55 split list'):
            if name.split('-')[0] not in label_of:
                raise ValueError(
                    f'{path}, line {number}: {name!r} does not start '
                    f'with a synset of {self.ann_file}')
            names.append(name)
        return names
