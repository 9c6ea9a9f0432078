"""Part-segmentation mIoU (instance and category means), as officially."""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from recon3d.registry import METRICS
from recon3d.structures.part_layout import (category_part_mask,
                                            restricted_argmax)


@METRICS.register_module()
class PartSegMIoU(BaseMetric):
    """Shape-wise part IoU of the official ShapeNetPart evaluation, in
    percent.

    Each predicted sample carries ``pred_part_score`` [N, P] (per-point part
    scores, e.g. the log-probabilities of :class:`PartSegHead`), ``gt_part``
    [N] (global part ids) and ``gt_label`` [1] (the category). As in the
    official code:

    - the predicted part of a point is the argmax over the ground-truth
      category's parts only;
    - a shape's IoU is the mean over its category's parts of
      ``|pred ∩ gt| / |pred ∪ gt|``, where a part absent from both the
      ground truth and the prediction counts 1;
    - ``mIoU_I`` (the paper's "Inst. mIoU") is the mean over shapes,
      ``mIoU_C`` the mean over categories of their shapes' mean. Categories
      without a shape in the evaluated set are left out of ``mIoU_C``
      (officially every category is in the test set).

    ``acc`` is the share of points whose (restricted) prediction is right.
    The per-category IoU is written to the log as a table.

    Args:
        category_parts (Sequence[Sequence[int]], optional): Part ids of each
            category. Defaults to the dataset's ``category_parts`` metainfo,
            else ShapeNetPart's.
        num_parts (int, optional): P. Defaults to the scores' width.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'partseg'``.
    """
    default_prefix = 'partseg'

    def __init__(self,
                 category_parts: Optional[Sequence[Sequence[int]]] = None,
                 num_parts: Optional[int] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.category_parts = category_parts
        self.num_parts = num_parts

    def _part_mask(self, num_parts: int) -> torch.Tensor:
        parts = self.category_parts
        if parts is None and self.dataset_meta:
            parts = self.dataset_meta.get('category_parts')
        return category_part_mask(parts, self.num_parts or num_parts)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep each shape's category, IoU and point counts (no per-point
        data is kept)."""
        groups: Dict[int, List[dict]] = {}
        for sample in data_samples:
            groups.setdefault(int(sample['gt_part'].numel()),
                              []).append(sample)
        for samples in groups.values():
            scores = torch.stack(
                [s['pred_part_score'] for s in samples]).float().cpu()
            gt = torch.stack([s['gt_part'] for s in samples]).long().cpu()
            cats = torch.cat([s['gt_label'].reshape(-1)[:1]
                              for s in samples]).long().cpu()
            mask = self._part_mask(scores.size(-1))
            pred = restricted_argmax(scores, cats, mask)
            ious = self.shape_ious(pred, gt, cats, mask)
            correct = (pred == gt).sum(1)
            for c, iou, hit in zip(cats.tolist(), ious.tolist(),
                                   correct.tolist()):
                self.results.append(
                    dict(category=c, iou=iou, correct=hit,
                         total=gt.size(1)))

    @staticmethod
    def shape_ious(pred: torch.Tensor, gt: torch.Tensor,
                   categories: torch.Tensor,
                   part_mask: torch.Tensor) -> torch.Tensor:
        """Official shape IoU of S shapes.

        Args:
            pred (LongTensor): [S, N] predicted global part ids.
            gt (LongTensor): [S, N] true global part ids.
            categories (LongTensor): [S] category labels.
            part_mask (BoolTensor): [num_categories, P], see
                :func:`~recon3d.structures.part_layout.category_part_mask`.

        Returns:
            Tensor: float64 [S], the mean over each shape's category parts
            of the part IoU (1 for a part in neither ``pred`` nor ``gt``).
        """
        S, P = pred.size(0), part_mask.size(1)
        offset = (torch.arange(S) * P)[:, None]
        pred, gt = pred.long() + offset, gt.long() + offset
        size = S * P
        inter = torch.bincount(gt[pred == gt], minlength=size)
        union = (torch.bincount(pred.reshape(-1), minlength=size) +
                 torch.bincount(gt.reshape(-1), minlength=size) - inter)
        inter, union = inter[:size].view(S, P), union[:size].view(S, P)
        iou = torch.where(union > 0,
                          inter.double() / union.clamp(min=1).double(),
                          torch.ones((), dtype=torch.float64))
        own = part_mask[categories.long()].double()  # [S, P]
        return (iou * own).sum(1) / own.sum(1)

    @staticmethod
    def calculate(categories: Sequence[int],
                  shape_ious: Sequence[float]) -> Dict[str, object]:
        """Instance and category means of shape IoUs.

        Args:
            categories (Sequence[int]): Category of each shape.
            shape_ious (Sequence[float]): IoU of each shape, in [0, 1].

        Returns:
            dict: ``mIoU_I`` and ``mIoU_C`` (%), and ``per_category``
            (category -> (mean IoU %, shape count)).
        """
        cats = np.asarray(categories, dtype=np.int64)
        ious = np.asarray(shape_ious, dtype=np.float64)
        if cats.size == 0 or cats.shape != ious.shape:
            raise ValueError('need one IoU per shape (and > 0 shapes), got '
                             f'{cats.size} categories and {ious.size} IoUs')
        per_category = {
            int(c): (float(ious[cats == c].mean() * 100),
                     int((cats == c).sum()))
            for c in np.unique(cats)
        }
        return dict(
            mIoU_I=float(ious.mean() * 100),
            mIoU_C=float(np.mean([v[0] for v in per_category.values()])),
            per_category=per_category)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """``mIoU_I``, ``mIoU_C`` and ``acc`` (%); logs the category table.
        """
        out = self.calculate([r['category'] for r in results],
                             [r['iou'] for r in results])
        names = (self.dataset_meta or {}).get('classes')
        lines = ['per-category mIoU (%):']
        for c, (iou, count) in sorted(out['per_category'].items()):
            name = names[c] if names and c < len(names) else str(c)
            lines.append(f'  {name:<14} {iou:6.2f}  ({count} shapes)')
        print_log('\n'.join(lines), logger='current')
        correct = sum(r['correct'] for r in results)
        total = sum(r['total'] for r in results)
        return dict(
            mIoU_I=out['mIoU_I'],
            mIoU_C=out['mIoU_C'],
            acc=100.0 * correct / max(total, 1))
