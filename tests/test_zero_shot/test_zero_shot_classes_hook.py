"""ZeroShotClassesHook reads the class names with the package's one
``dataset_classes`` (through any wrapper)."""
from types import SimpleNamespace

import pytest
from mmengine.dataset import BaseDataset, ConcatDataset
from torch.utils.data import Subset

from recon3d.datasets import HoldoutSplit, dataset_classes
from recon3d.engine.hooks import ZeroShotClassesHook


class Named(BaseDataset):
    """A dataset of 4 items with class names (or none), loaded on use."""

    def __init__(self, classes=()):
        super().__init__(metainfo=dict(classes=classes), lazy_init=True)

    def load_data_list(self):
        return [dict(gt_label=i % 2) for i in range(4)]


class Model:

    def __init__(self, class_names=None):
        self.fixed_class_names = class_names is not None
        self.class_names = class_names

    def set_class_names(self, names):
        self.class_names = tuple(names)


def _run(hook, model, dataset):
    loop = SimpleNamespace(dataloader=SimpleNamespace(dataset=dataset))
    hook.before_test(SimpleNamespace(model=model, test_loop=loop))
    return model.class_names


def test_classes_through_wrappers():
    inner = Named(('chair', 'lamp'))
    concat = ConcatDataset([inner, Named(('chair', 'lamp'))])
    wrapped = (inner, concat, Subset(concat, [0, 1]),
               Subset(HoldoutSplit(inner, part='all'), [0]))
    for dataset in wrapped:
        assert dataset_classes(dataset) == ('chair', 'lamp')
        assert _run(ZeroShotClassesHook(), Model(), dataset) == ('chair',
                                                                 'lamp')
    assert inner._fully_initialized  # loaded before its metainfo is read
    assert dataset_classes(Subset(Subset(Named(()), [0]), [0])) == ()


def test_no_class_names():
    hook = ZeroShotClassesHook()
    with pytest.raises(ValueError, match='set model.class_names'):
        _run(hook, Model(), Subset(Named(()), [0]))
    # names set in the config: kept, checked against the dataset's
    assert _run(hook, Model(('a', 'b')), Named(())) == ('a', 'b')
    assert _run(hook, Model(('a', 'b')), Named(('x', 'y'))) == ('a', 'b')
    with pytest.raises(ValueError, match='lists 2 classes, the dataset 3'):
        _run(hook, Model(('a', 'b')), Named(('x', 'y', 'z')))
