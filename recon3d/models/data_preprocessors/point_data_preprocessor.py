from typing import Any, Dict

import torch
from mmengine.model import BaseDataPreprocessor

from recon3d.registry import MODELS


@MODELS.register_module()
class PointDataPreprocessor(BaseDataPreprocessor):
    """Moves a collated batch to the model's device and stacks it.

    ``inputs['points']``: list of [N, C] -> [B, N, C]. ``inputs['img']``: list of uint8 [3, H, W] ->
    uint8 [B, 3, H, W] (each teacher normalizes its own images).
    ``inputs['text']``: list of str, unchanged. Keys are never renamed.
    """

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        """``data``: ``{'inputs': {...}, 'data_samples': [...]}`` from
        ``pseudo_collate``. Returns the same structure, stacked and moved."""
        data = self.cast_data(data)
        inputs = dict(data['inputs'])
        points = inputs['points']
        if isinstance(points, (list, tuple)):
            sizes = {tuple(p.shape) for p in points}
            if len(sizes) != 1:
                raise ValueError('cannot stack point clouds of different '
                                 f'shapes {sorted(sizes)}; sample them to '
                                 'one size in the pipeline')
            points = torch.stack(list(points))
        inputs['points'] = points
        img = inputs.get('img')
        if isinstance(img, (list, tuple)):
            inputs['img'] = torch.stack(list(img))
        text = inputs.get('text')
        if isinstance(text, tuple):
            inputs['text'] = list(text)
        return dict(inputs=inputs, data_samples=data.get('data_samples'))

