"""Overall and class-mean classification accuracy."""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric

from recon3d.registry import METRICS


@METRICS.register_module()
class Accuracy(BaseMetric):
    """Overall (top-1) and class-mean accuracy, in percent.

    Each predicted sample carries ``pred_label`` [1] (and ``pred_score``
    [n]) and ``gt_label`` [1]. Logged as ``accuracy/top1`` and
    ``accuracy/class_mean``; the class mean averages the per-class accuracy
    over the classes present in the ground truth.

    Args:
        num_classes (int, optional): n. Defaults to the length of the first
            sample's ``pred_score`` (or the largest label + 1).
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'accuracy'``.
    """
    default_prefix = 'accuracy'

    def __init__(self,
                 num_classes: Optional[int] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.num_classes = num_classes

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep each sample's predicted and true label (CPU ints).

        Raises:
            ValueError: if a ``pred_score`` holds NaN or Inf (its label
                would be an arbitrary argmax).
        """
        finite = [
            bool(torch.isfinite(s['pred_score']).all())
            if 'pred_score' in s else True for s in data_samples
        ]
        if not all(finite):
            bad = [
                str(s.get('file_name', s.get('sample_idx', i)))
                for i, (s, ok) in enumerate(zip(data_samples, finite))
                if not ok
            ]
            raise ValueError(
                f'Accuracy: non-finite prediction scores for {len(bad)} of '
                f'{len(data_samples)} samples of a batch '
                f'({", ".join(bad[:5])}); the model produced NaN/Inf '
                '(diverged weights?)')
        for sample in data_samples:
            result = dict(
                pred=int(sample['pred_label'].reshape(-1)[0]),
                gt=int(sample['gt_label'].reshape(-1)[0]))
            if 'pred_score' in sample:
                result['num_classes'] = int(sample['pred_score'].numel())
            self.results.append(result)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """``{'top1': %, 'class_mean': %}`` of all gathered samples."""
        pred = torch.tensor([r['pred'] for r in results])
        gt = torch.tensor([r['gt'] for r in results])
        num_classes = self.num_classes or results[0].get(
            'num_classes', int(max(pred.max(), gt.max())) + 1)
        return self.calculate(pred, gt, num_classes)

    @staticmethod
    def calculate(pred_labels: torch.Tensor, gt_labels: torch.Tensor,
                  num_classes: int) -> Dict[str, float]:
        """Accuracy of predicted labels.

        Args:
            pred_labels (torch.Tensor): int [M].
            gt_labels (torch.Tensor): int [M].
            num_classes (int): n; labels lie in [0, n).

        Returns:
            dict: ``top1``, the share of correct predictions, and
            ``class_mean``, the mean over the classes present in
            ``gt_labels`` of their share of correct predictions (both %).
        """
        pred = torch.as_tensor(pred_labels).reshape(-1).long()
        gt = torch.as_tensor(gt_labels).reshape(-1).long()
        if pred.numel() != gt.numel() or gt.numel() == 0:
            raise ValueError(f'need as many predictions as labels (> 0), got '
                             f'{pred.numel()} and {gt.numel()}')
        if int(gt.max()) >= num_classes or int(gt.min()) < 0:
            raise ValueError(f'labels must lie in [0, {num_classes})')
        hit = (pred == gt).float()
        total = torch.bincount(gt, minlength=num_classes).float()
        correct = torch.bincount(gt, weights=hit, minlength=num_classes)
        present = total > 0
        return dict(
            top1=float(hit.mean() * 100),
            class_mean=float((correct[present] / total[present]).mean() *
                             100))
