"""PartSegMIoU against an independent numpy transcription of the official
evaluation loop, on hand-made cases."""
import numpy as np
import pytest
import torch

from recon3d.evaluation.metrics import PartSegMIoU
from recon3d.structures.part_layout import (SHAPENET_PART_IDS,
                                            category_part_mask,
                                            restricted_argmax)


def numpy_official(scores, targets, categories):
    """Loop-by-loop numpy version of the official ``validate``: restricted
    argmax, per-part IoU (absent in both = 1), shape mean, then instance
    and category means."""
    shape_ious = {}
    for logits, target, cat in zip(scores, targets, categories):
        parts = list(SHAPENET_PART_IDS[cat])
        pred = np.argmax(logits[:, parts], 1) + parts[0]
        part_ious = []
        for p in parts:
            if np.sum(target == p) == 0 and np.sum(pred == p) == 0:
                part_ious.append(1.0)
            else:
                part_ious.append(
                    np.sum((target == p) & (pred == p)) /
                    float(np.sum((target == p) | (pred == p))))
        shape_ious.setdefault(cat, []).append(np.mean(part_ious))
    every = [iou for ious in shape_ious.values() for iou in ious]
    return (100 * np.mean(every),
            100 * np.mean([np.mean(v) for v in shape_ious.values()]))


def one_hot_scores(pred, num_parts=50):
    scores = np.full((len(pred), num_parts), -5.0)
    scores[np.arange(len(pred)), pred] = 0.0
    return scores


def run_metric(scores, targets, categories):
    metric = PartSegMIoU()
    metric.dataset_meta = dict(classes=tuple(str(i) for i in range(16)))
    samples = [
        dict(pred_part_score=torch.as_tensor(s, dtype=torch.float32),
             gt_part=torch.as_tensor(t), gt_label=torch.tensor([c]))
        for s, t, c in zip(scores, targets, categories)
    ]
    metric.process(None, samples)
    return metric.compute_metrics(metric.results)


def test_absent_in_both_counts_one():
    # Bag (parts 4, 5): every point is part 4, predicted 4. Part 5 is in
    # neither, so it counts 1: the shape IoU is 1.
    target = np.full(8, 4)
    out = run_metric([one_hot_scores(target)], [target], [1])
    assert out['mIoU_I'] == pytest.approx(100.0)
    assert out['mIoU_C'] == pytest.approx(100.0)
    assert out['acc'] == pytest.approx(100.0)


def test_one_part_predicted_wrong():
    # Chair (12-15): 4 points of each of 12 and 13, none of 14 and 15.
    # One point of part 13 predicted as 14: IoU 12 = 1, 13 = 3/4, 14 = 0
    # (predicted, not true), 15 = 1 (absent in both) -> shape 2.75 / 4.
    target = np.array([12] * 4 + [13] * 4)
    pred = target.copy()
    pred[-1] = 14
    out = run_metric([one_hot_scores(pred)], [target], [4])
    assert out['mIoU_I'] == pytest.approx(100 * 2.75 / 4)
    assert out['acc'] == pytest.approx(100 * 7 / 8)


def test_category_restriction():
    # The best score overall is part 0 (Airplane), but the shape is a Mug
    # (36, 37): the prediction is restricted to 36/37.
    target = np.array([36, 36, 37, 37])
    scores = np.full((4, 50), -9.0)
    scores[:, 0] = 5.0
    scores[[0, 1], 36] = 1.0
    scores[[2, 3], 37] = 1.0
    out = run_metric([scores], [target], [11])
    assert out['mIoU_I'] == pytest.approx(100.0)
    pred = restricted_argmax(
        torch.as_tensor(scores)[None], torch.tensor([11]),
        category_part_mask())
    assert pred.tolist() == [[36, 36, 37, 37]]


def test_matches_numpy_on_random_shapes():
    rng = np.random.default_rng(0)
    scores, targets, cats = [], [], []
    for _ in range(23):
        cat = int(rng.integers(0, 5))  # few categories, several shapes each
        parts = SHAPENET_PART_IDS[cat]
        targets.append(rng.choice(parts[:max(1, len(parts) - 1)], 64))
        scores.append(rng.normal(size=(64, 50)))
        cats.append(cat)
    out = run_metric(scores, targets, cats)
    inst, cls = numpy_official(scores, targets, cats)
    assert out['mIoU_I'] == pytest.approx(inst, abs=1e-9)
    assert out['mIoU_C'] == pytest.approx(cls, abs=1e-9)
    assert inst != pytest.approx(cls)  # the two means differ here


def test_calculate_rejects_empty():
    with pytest.raises(ValueError, match='one IoU per shape'):
        PartSegMIoU.calculate([], [])
