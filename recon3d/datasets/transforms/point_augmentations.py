"""Point-order augmentation of the classification loaders.

The official loaders shuffle the points of each training item; the
geometric augmentations (scale, translate, rotate) run on the whole batch
after the batch-wise sampling, in the model's data preprocessor (see
:mod:`recon3d.models.data_preprocessors.batch_augments`).
"""
from mmcv.transforms import BaseTransform

from recon3d.registry import TRANSFORMS
from .rng import transform_rng


@TRANSFORMS.register_module()
class ShufflePoints(BaseTransform):
    """Put the points in a random order.

    The official classification loaders do this for the train split. It is
    not cosmetic: FPS starts at point 0, so shuffling makes the batch-wise
    FPS of training start from a random point.

    Required keys: ``points`` [N, C]. Modified keys: ``points``.
    """

    def transform(self, results: dict) -> dict:
        """Shuffle the points."""
        points = results['points']
        results['points'] = points[transform_rng().permutation(len(points))]
        return results
