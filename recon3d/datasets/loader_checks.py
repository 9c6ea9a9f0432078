"""Checks of a built dataloader that a run would otherwise fail late on.

A dataset alone cannot know its loader's batch size or the model's point
count; these helpers, called where the loaders are built, refuse a loader
that would run no batch or feed clouds too small for the model, naming
the dataset's file.
"""
from typing import Iterator, Optional, Tuple

from torch.utils.data import DataLoader

#: Attributes under which dataset wrappers keep the wrapped dataset
#: (HoldoutSplit, mmengine's RepeatDataset/ClassBalancedDataset, torch's
#: Subset: ``dataset``; mmengine's ConcatDataset: ``datasets``).
_INNER = ('dataset', 'datasets')


def iter_datasets(dataset) -> Iterator:
    """The dataset and every dataset it wraps, outermost first."""
    yield dataset
    for name in _INNER:
        inner = getattr(dataset, name, None)
        if inner is None:
            continue
        for child in (inner if isinstance(inner, (list, tuple)) else [inner]):
            yield from iter_datasets(child)
        return


def dataset_source(dataset) -> str:
    """The file a (wrapped) dataset reads, for messages: the first
    ``source`` (or ``ann_file``) found, else the class name."""
    for inner in iter_datasets(dataset):
        for name in ('source', 'ann_file'):
            value = getattr(inner, name, None)
            if isinstance(value, str) and value:
                return value
    return type(dataset).__name__


def dataset_classes(dataset) -> Tuple[str, ...]:
    """``metainfo['classes']`` of a (wrapped) dataset, loading it first.

    The first non-empty one of the dataset and of the datasets it wraps,
    outermost first (see :func:`iter_datasets`), so that a wrapper without
    metainfo (torch's ``Subset``) gives its dataset's classes.

    Args:
        dataset: A dataset or a wrapper of one (``HoldoutSplit``,
            ``ConcatDataset``...).

    Returns:
        tuple: The class names, label order; their count is the number of
        labels. Empty if no dataset has any.
    """
    if hasattr(dataset, 'full_init'):
        dataset.full_init()
    for inner in iter_datasets(dataset):
        classes = (getattr(inner, 'metainfo', None) or {}).get('classes')
        if classes:
            return tuple(classes)
    return ()


def check_dataloader(loader: DataLoader,
                     name: str = 'train_dataloader',
                     num_points: Optional[int] = None) -> None:
    """Refuse a loader that would run no batch or feed too few points.

    Args:
        loader (DataLoader): The built loader.
        name (str): Its config key, for the message. Defaults to
            'train_dataloader'.
        num_points (int, optional): Points per cloud the model samples
            (``model.data_preprocessor.num_points``); clouds held with
            fewer are refused. Defaults to None (not checked).

    Raises:
        ValueError: Naming the loader and the dataset's file, for an empty
            dataset, a batch larger than the items (per process) with
            ``drop_last=True``, or clouds of fewer than ``num_points``
            points.
    """
    dataset = loader.dataset
    source = dataset_source(dataset)
    count = len(dataset)
    if count == 0:
        raise ValueError(f'{name}: {source} has no item')
    if len(loader) == 0:
        sampler = getattr(loader, 'sampler', None)
        per_process = len(sampler) if hasattr(sampler, '__len__') else count
        raise ValueError(
            f'{name}: batch_size {loader.batch_size} with drop_last=True '
            f'is larger than the {per_process} items of {source}'
            f'{" per process" if per_process != count else ""}: no batch '
            'would run; lower the batch size or set drop_last=False')
    if num_points is None:
        return
    for inner in iter_datasets(dataset):
        held = getattr(inner, 'points_per_cloud', None)
        if held is not None and held < num_points:
            raise ValueError(
                f'{name}: {getattr(inner, "source", source)} holds {held} '
                f'points per cloud, but the model samples {num_points} '
                '(model.data_preprocessor.num_points)')
