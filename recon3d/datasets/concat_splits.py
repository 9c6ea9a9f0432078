"""One dataset over several splits of another."""
import copy
from typing import Sequence, Tuple, Union

from mmengine.dataset import ConcatDataset

from recon3d.registry import DATASETS


def parse_splits(splits: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    """``'train+test'`` or ``['train', 'test']`` -> ``('train', 'test')``."""
    if isinstance(splits, str):
        splits = splits.split('+')
    splits = tuple(str(s).strip() for s in splits if str(s).strip())
    if not splits:
        raise ValueError('splits lists no split')
    if len(set(splits)) != len(splits):
        raise ValueError(f'splits lists a split twice: {splits}')
    return splits


@DATASETS.register_module()
class ConcatSplits(ConcatDataset):
    """The items of several splits of one dataset, split after split.

    ``dataset`` is built once per split with its ``split`` argument
    replaced, and the results joined (mmengine's ``ConcatDataset``: the
    splits must share their metainfo, e.g. the class names). Each item
    keeps its own ``split`` (the metrics that report per split read it).

    The zero-shot configs evaluate ``splits='test'``; the official protocol
    (the starred numbers of the ReCon README) scores train and test
    together: ``--cfg-options test_dataloader.dataset.splits=train+test``.

    Args:
        dataset (dict): Config of a dataset that takes ``split``.
        splits (str | Sequence[str]): ``'test'``, ``'train+test'``,
            ``['train', 'test']``... Defaults to ``'test'``.
        lazy_init (bool): Defer loading. Defaults to False.
    """

    def __init__(self,
                 dataset: dict,
                 splits: Union[str, Sequence[str]] = 'test',
                 lazy_init: bool = False) -> None:
        self.splits = parse_splits(splits)
        datasets = []
        for split in self.splits:
            cfg = copy.deepcopy(dict(dataset))
            cfg['split'] = split
            datasets.append(cfg)
        super().__init__(datasets, lazy_init=lazy_init)
