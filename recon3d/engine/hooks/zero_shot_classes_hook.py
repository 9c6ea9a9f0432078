"""Hand the evaluated dataset's class names to a zero-shot model."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from recon3d.registry import HOOKS


@HOOKS.register_module()
class ZeroShotClassesHook(Hook):
    """Before each validation and test, give the model the class names of
    the dataset it is evaluated on (``metainfo['classes']``, label order):
    ModelNet's ``*_shape_names.txt``, ScanObjectNN's 15 names, a
    ``PointCloudFolder``'s folder names.

    A model whose config sets ``class_names`` keeps them; their number must
    equal the dataset's, if it has class names.
    """

    priority = 'NORMAL'

    def _set(self, runner, loop) -> None:
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        # Imported when used (as RunChecksHook does): importing the hooks
        # does not load the datasets.
        from recon3d.datasets import dataset_classes
        classes = dataset_classes(loop.dataloader.dataset)
        if getattr(model, 'fixed_class_names', False):
            if classes and len(model.class_names) != len(classes):
                raise ValueError(
                    f'model.class_names lists {len(model.class_names)} '
                    f'classes, the dataset {len(classes)}')
            return
        if not classes:
            raise ValueError('the evaluated dataset has no '
                             'metainfo["classes"]: set model.class_names in '
                             'the config')
        model.set_class_names(classes)

    def before_val(self, runner) -> None:
        """Class names of the validation set."""
        self._set(runner, runner.val_loop)

    def before_test(self, runner) -> None:
        """Class names of the test set."""
        self._set(runner, runner.test_loop)
