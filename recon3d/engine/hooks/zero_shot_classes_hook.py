"""Hand the evaluated dataset's class names to a zero-shot model."""
from typing import Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from recon3d.registry import HOOKS


def dataset_classes(dataset) -> Sequence[str]:
    """``metainfo['classes']`` of a dataset or of the dataset it wraps."""
    seen = 0
    while dataset is not None and seen < 8:
        classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
        if classes:
            return tuple(classes)
        inner = getattr(dataset, 'dataset', None)
        if inner is None and getattr(dataset, 'datasets', None):
            inner = dataset.datasets[0]
        dataset, seen = inner, seen + 1
    raise ValueError('the evaluated dataset has no metainfo["classes"]: '
                     'set model.class_names in the config')


@HOOKS.register_module()
class ZeroShotClassesHook(Hook):
    """Before each validation and test, give the model the class names of
    the dataset it is evaluated on (``metainfo['classes']``, label order):
    ModelNet's ``*_shape_names.txt``, ScanObjectNN's 15 names, a
    ``PointCloudFolder``'s folder names.

    A model whose config sets ``class_names`` keeps them; their number must
    equal the dataset's.
    """

    priority = 'NORMAL'

    def _set(self, runner, loop) -> None:
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        classes = dataset_classes(loop.dataloader.dataset)
        if getattr(model, 'fixed_class_names', False):
            if len(model.class_names) != len(classes):
                raise ValueError(
                    f'model.class_names lists {len(model.class_names)} '
                    f'classes, the dataset {len(classes)}')
            return
        model.set_class_names(classes)

    def before_val(self, runner) -> None:
        """Class names of the validation set."""
        self._set(runner, runner.val_loop)

    def before_test(self, runner) -> None:
        """Class names of the test set."""
        self._set(runner, runner.test_loop)
