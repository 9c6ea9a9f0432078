"""Per-sample predictions of a test run, to a JSON file."""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric

from recon3d.registry import METRICS

#: Fields of a predicted sample that are written when present.
FIELDS = ('sample_idx', 'file_name', 'split', 'gt_label', 'pred_label',
          'pred_score')


def _plain(value):
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        return value.item() if value.numel() == 1 else value.tolist()
    return value


@METRICS.register_module()
class DumpPredictions(BaseMetric):
    """Write each test sample's prediction to ``out_file`` (JSON list).

    Per sample: ``sample_idx``, ``file_name``, ``split``, ``gt_label``,
    ``pred_label`` and ``pred_score`` (the class scores: softmax for a
    classifier, cosine similarities for a zero-shot model), those present.
    ``tools/test.py --out-items FILE`` adds it to the test evaluator, as
    mmpretrain's test tool dumps predictions. Returns no metric.

    Args:
        out_file (str): The JSON file.
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Unused (no metric).
    """

    def __init__(self,
                 out_file: str,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not str(out_file).endswith('.json'):
            raise ValueError(f'out_file must be a .json file, got {out_file}')
        self.out_file = str(out_file)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep the fields of each sample as plain numbers and lists."""
        for sample in data_samples:
            self.results.append(
                {k: _plain(sample[k]) for k in FIELDS if k in sample})

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Write the file (in evaluation order); no metric."""
        folder = osp.dirname(osp.abspath(self.out_file))
        os.makedirs(folder, exist_ok=True)
        with open(self.out_file, 'w') as f:
            json.dump(results, f)
        return {}
