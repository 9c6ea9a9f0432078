"""Packing of a transformed sample into model inputs and a data sample."""
from typing import Optional

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from recon3d.registry import TRANSFORMS
from recon3d.structures.recon_data_sample import ReconDataSample


@TRANSFORMS.register_module()
class PackReconInputs(BaseTransform):
    """Pack ``points``, ``img`` and ``text`` for the model.

    Output::

        {'inputs': {'points': FloatTensor [N, C],
                    'img': uint8 Tensor [3, H, W],   # if 'img' present
                           # (or a str key, see img_key)
                    'text': str},                     # if 'text' present
         'data_samples': ReconDataSample}

    The data sample gets ``gt_label`` when the results have one, and the
    metainfo keys :attr:`META_KEYS` that are present.

    Required keys: ``points``. Optional keys: ``img``, ``text``,
    ``gt_label``, ``sample_idx``, ``file_name``, ``split``.

    Args:
        img_key (str, optional): With a cached image teacher, the results
            key (e.g. ``'file_name'``) whose value, a str, is packed as
            ``inputs['img']`` instead of an image: the key under which
            ``CachedTeacher`` finds the image's features, so the pipeline
            loads no image. Defaults to None (pack ``img``).
    """

    META_KEYS = ('sample_idx', 'file_name', 'split', 'text')

    def __init__(self, img_key: Optional[str] = None) -> None:
        self.img_key = img_key

    def transform(self, results: dict) -> dict:
        """Pack the sample."""
        points = np.ascontiguousarray(results['points'], dtype=np.float32)
        inputs = dict(points=torch.from_numpy(points))
        if self.img_key is not None:
            inputs['img'] = str(results[self.img_key])
        elif results.get('img') is not None:
            img = np.ascontiguousarray(results['img'].transpose(2, 0, 1))
            inputs['img'] = torch.from_numpy(img)
        if results.get('text') is not None:
            inputs['text'] = results['text']
        data_sample = ReconDataSample(metainfo={
            key: results[key]
            for key in self.META_KEYS if key in results
        })
        if 'gt_label' in results:
            data_sample.set_gt_label(results['gt_label'])
        return dict(inputs=inputs, data_samples=data_sample)
