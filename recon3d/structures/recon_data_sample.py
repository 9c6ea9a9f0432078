"""Data sample carried beside the inputs through the whole pipeline."""
from typing import Sequence, Union

import numpy as np
import torch
from mmengine.structures import BaseDataElement

LabelType = Union[int, np.integer, Sequence[int], np.ndarray, torch.Tensor]


def _to_label_tensor(value: LabelType) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach().long().reshape(-1)
    return torch.as_tensor(np.asarray(value), dtype=torch.long).reshape(-1)


class ReconDataSample(BaseDataElement):
    """One point-cloud sample's annotations and predictions.

    Fields (all optional):

    - ``gt_label``: LongTensor [1], the class index.
    - ``pred_label``: LongTensor [1]; ``pred_score``: Tensor [num_classes].
    - ``feats``: Tensor [D], an embedding (e.g. the SVM feature).
    - metainfo: ``sample_idx``, ``file_name``, ``split``, ``text``, ...
    """

    def set_gt_label(self, value: LabelType) -> 'ReconDataSample':
        """Set ``gt_label`` from an int, array or tensor."""
        self.set_field(_to_label_tensor(value), 'gt_label', dtype=torch.Tensor)
        return self

    def set_pred_label(self, value: LabelType) -> 'ReconDataSample':
        """Set ``pred_label`` from an int, array or tensor."""
        self.set_field(
            _to_label_tensor(value), 'pred_label', dtype=torch.Tensor)
        return self

    def set_pred_score(self, value: torch.Tensor) -> 'ReconDataSample':
        """Set ``pred_score``, a [num_classes] tensor."""
        self.set_field(value, 'pred_score', dtype=torch.Tensor)
        return self

    def set_feats(self, value: torch.Tensor) -> 'ReconDataSample':
        """Set ``feats``, a [D] tensor."""
        self.set_field(value, 'feats', dtype=torch.Tensor)
        return self
