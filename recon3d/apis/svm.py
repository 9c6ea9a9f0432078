"""Feature extraction and the linear-SVM protocol outside the Runner."""
from typing import Dict, Iterable, List, Union

import numpy as np
import torch
from mmengine.config import ConfigDict

from recon3d.registry import METRICS


@torch.no_grad()
def collect_predictions(model: torch.nn.Module,
                        dataloader: Iterable) -> List[dict]:
    """Run ``model.val_step`` over a dataloader in eval mode.

    Args:
        model: A recon3d model whose ``predict`` sets ``feats``.
        dataloader: Yields collated batches.

    Returns:
        list[dict]: every predicted data sample as a dict (``feats``,
        ``gt_label`` and the metainfo).
    """
    was_training = model.training
    model.eval()
    samples = []
    for batch in dataloader:
        samples.extend(s.to_dict() for s in model.val_step(batch))
    model.train(was_training)
    return samples


def evaluate_svm(model: torch.nn.Module, dataloader: Iterable,
                 metric: Union[dict, ConfigDict, None] = None) -> float:
    """Linear-SVM accuracy (%) of a model's features on a dataloader whose
    samples carry ``split`` (train/test) metainfo.

    Args:
        model: A recon3d model whose ``predict`` sets ``feats``.
        dataloader: Yields collated batches of the evaluation set.
        metric (dict, optional): ``SVMAccuracy`` config. Defaults to the
            official ``C=0.075``.
    """
    metric = METRICS.build(dict(metric or dict(type='SVMAccuracy')))
    samples = collect_predictions(model, dataloader)
    metric.process(None, samples)
    result: Dict[str, float] = metric.compute_metrics(metric.results)
    return float(np.asarray(result['accuracy']))
