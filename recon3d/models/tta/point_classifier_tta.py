"""Voting: the official test-time augmentation of the classifiers."""
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.model import BaseTTAModel

from recon3d.registry import MODELS
from recon3d.structures import ReconDataSample
from ..data_preprocessors import apply_batch_augments, build_batch_augments


@MODELS.register_module()
class PointClassifierTTA(BaseTTAModel):
    """Voting over random subsets of an FPS pool (the official
    ``test_vote``), wrapping a :class:`~recon3d.models.PointClassifier`.

    Per batch: the classifier's preprocessor moves and stacks the clouds,
    FPS (from index 0) takes a pool of P points per cloud once; then each of
    ``votes`` votes draws one random ``n``-subset of the pool (shared by
    the batch, as officially), applies ``augments`` and classifies the
    batch; the mean of the votes' logits gives the scores (softmax) and
    labels. n is the preprocessor's ``num_points`` (capped at P).

    The test-time augmentation of the official configs: ModelNet40
    ``[dict(type='BatchScale')]``, ScanObjectNN PB_T50_RS
    ``[dict(type='BatchRotateY')]``, OBJ_BG / OBJ_ONLY none. A config
    states it once as ``tta_model`` and ``tools/test.py --votes N`` wraps the
    classifier with it (``module`` is the config's ``model``).

    Views made by a ``TestTimeAug`` dataset pipeline (``inputs`` a list
    of batches) are run one by one as in :class:`BaseTTAModel` and merged by
    :meth:`merge_preds`.

    Args:
        module (dict | nn.Module): The classifier.
        votes (int): Votes per cloud. Defaults to 10 (official).
        augments (list[dict], optional): ``BATCH_AUGMENTS`` configs, applied
            in order to every vote. Defaults to none.
        pool_points (int, optional): P. Defaults to the preprocessor's
            ``train_fps_points``, else its ``num_points``, else every point.
        data_preprocessor (dict, optional): Replaces the module's.
    """

    def __init__(self,
                 module: Union[dict, torch.nn.Module],
                 votes: int = 10,
                 augments: Optional[Sequence[dict]] = None,
                 pool_points: Optional[int] = None,
                 data_preprocessor: Optional[dict] = None) -> None:
        super().__init__(module=module, data_preprocessor=data_preprocessor)
        if int(votes) < 1:
            raise ValueError(f'votes must be >= 1, got {votes}')
        self.votes = int(votes)
        self.augments = build_batch_augments(augments)
        pre = self.module.data_preprocessor
        self.pool_points = (pool_points
                            or getattr(pre, 'train_fps_points', None)
                            or getattr(pre, 'num_points', None))
        self.num_points = getattr(pre, 'num_points', None)

    def test_step(self, data: Union[dict, tuple, list]
                  ) -> List[ReconDataSample]:
        """A collated batch (``inputs['points']`` a list of [N, C]) ->
        data samples with ``pred_score`` and ``pred_label`` of the vote."""
        if not (isinstance(data, dict)
                and isinstance(data.get('inputs'), dict)):
            return super().test_step(data)
        pre = self.module.data_preprocessor
        data = pre.stack(data)
        inputs = data['inputs']
        pool = pre.farthest_points(inputs['points'], self.pool_points)
        logits = self.vote_logits(dict(inputs, points=pool))
        return self.module.cls_head.predict_logits(logits,
                                                   data['data_samples'])

    @torch.no_grad()
    def vote_logits(self, inputs: Dict[str, torch.Tensor]) -> torch.Tensor:
        """Mean logits over the votes.

        Args:
            inputs (dict): ``points`` [B, P, C], the FPS pool, on the
                model's device.

        Returns:
            torch.Tensor: [B, num_classes], float32.
        """
        points = inputs['points']
        P = points.size(1)
        n = min(self.num_points or P, P)
        total = None
        for _ in range(self.votes):
            keep = torch.randperm(P, device=points.device)[:n]
            sub = apply_batch_augments(self.augments, points[:, keep])
            logits = self.module(
                dict(inputs, points=sub), mode='tensor').float()
            total = logits if total is None else total + logits
        return total / self.votes

    def merge_preds(
        self, data_samples_list: List[List[ReconDataSample]]
    ) -> List[ReconDataSample]:
        """Views of a ``TestTimeAug`` pipeline: per item, the mean of the
        views' ``pred_score`` [n] and its argmax as ``pred_label``."""
        merged = []
        for views in data_samples_list:
            sample = views[0]
            score = torch.stack([v.pred_score for v in views]).mean(0)
            sample.set_pred_score(score)
            sample.set_pred_label(score.argmax(-1, keepdim=True))
            merged.append(sample)
        return merged
