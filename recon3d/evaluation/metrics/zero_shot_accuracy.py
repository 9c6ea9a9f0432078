"""Accuracy of zero-shot predictions, overall and per split."""
from typing import Dict, List, Sequence

import torch

from recon3d.registry import METRICS
from .accuracy import Accuracy


@METRICS.register_module()
class ZeroShotAccuracy(Accuracy):
    """Overall (top-1) and class-mean accuracy of zero-shot predictions,
    in percent.

    As :class:`Accuracy`, logged as ``zeroshot/top1`` and
    ``zeroshot/class_mean``, over every evaluated sample. When the
    evaluation set joins several splits (the official protocol scores
    train + test together), each split's share is logged too:
    ``zeroshot/top1_<split>`` and ``zeroshot/class_mean_<split>``.

    Args:
        num_classes (int, optional): n. Defaults to the length of the first
            sample's ``pred_score``.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'zeroshot'``.
    """
    default_prefix = 'zeroshot'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep each sample's predicted and true label and its split."""
        start = len(self.results)
        super().process(data_batch, data_samples)
        for result, sample in zip(self.results[start:], data_samples):
            result['split'] = sample.get('split', '')

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Overall metrics, plus per-split ones for several splits."""
        metrics = super().compute_metrics(results)
        num_classes = self.num_classes or results[0].get(
            'num_classes',
            max(max(r['pred'], r['gt']) for r in results) + 1)
        splits = sorted({r['split'] for r in results})
        if len(splits) > 1:
            for split in splits:
                rows = [r for r in results if r['split'] == split]
                part = self.calculate(
                    torch.tensor([r['pred'] for r in rows]),
                    torch.tensor([r['gt'] for r in rows]), num_classes)
                for key, value in part.items():
                    metrics[f'{key}_{split}'] = value
        return metrics
