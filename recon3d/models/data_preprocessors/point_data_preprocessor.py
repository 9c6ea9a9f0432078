from typing import Any, Dict, Optional

import torch
from mmengine.model import BaseDataPreprocessor

from recon3d.ops import farthest_point_sample, index_points
from recon3d.registry import MODELS


@MODELS.register_module()
class PointDataPreprocessor(BaseDataPreprocessor):
    """Moves a collated batch to the model's device, stacks it and samples
    points batch-wise on that device.

    ``inputs['points']``: list of [N, C] -> [B, N', C]. ``inputs['img']``:
    list of uint8 [3, H, W] -> uint8 [B, 3, H, W] (each teacher normalizes
    its own images). ``inputs['text']``: list of str, unchanged. Keys are
    never renamed.

    Sampling follows the official loops, which sample on the GPU per batch:

    - evaluation: farthest point sampling (from index 0) to ``num_points``;
    - training: with ``train_fps_points`` P, FPS to ``min(P, N)`` and then
      one random ``num_points``-subset of those indices shared by the batch;
      without it, no sampling (the dataset pipeline samples).

    Voting (:class:`PointClassifier` with ``test_cfg.votes``) asks for
    ``eval_points`` instead: FPS to ``min(eval_points, N)``, the pool from
    which the model draws its votes.

    Args:
        num_points (int, optional): Points per cloud after sampling. None
            keeps every point.
        train_fps_points (int, optional): P of the training sampling.
    """

    def __init__(self,
                 num_points: Optional[int] = None,
                 train_fps_points: Optional[int] = None) -> None:
        super().__init__()
        if train_fps_points is not None and num_points is None:
            raise ValueError('train_fps_points needs num_points')
        self.num_points = num_points
        self.train_fps_points = train_fps_points

    def forward(self,
                data: dict,
                training: bool = False,
                eval_points: Optional[int] = None) -> Dict[str, Any]:
        """``data``: ``{'inputs': {...}, 'data_samples': [...]}`` from
        ``pseudo_collate``. Returns the same structure, stacked, moved and
        sampled; in evaluation, ``eval_points`` (capped at N) replaces
        ``num_points`` as the FPS size."""
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
        if eval_points is not None and not training:
            pool = min(eval_points, points.size(1))
            if pool < points.size(1):
                idx = farthest_point_sample(points[..., :3].contiguous(),
                                            pool)
                points = index_points(points, idx)
            inputs['points'] = points
        else:
            inputs['points'] = self.sample(points, training)
        img = inputs.get('img')
        if isinstance(img, (list, tuple)):
            # Images are stacked; image keys (for a cached image teacher,
            # see PackReconInputs.img_key) stay a list of str.
            inputs['img'] = torch.stack(list(img)) if torch.is_tensor(
                img[0]) else list(img)
        text = inputs.get('text')
        if isinstance(text, tuple):
            inputs['text'] = list(text)
        return dict(inputs=inputs, data_samples=data.get('data_samples'))

    def sample(self, points: torch.Tensor, training: bool) -> torch.Tensor:
        """[B, N, C] -> [B, N', C] as described in the class docstring."""
        N = points.size(1)
        if self.num_points is None:
            return points
        if self.num_points > N:
            raise ValueError(f'cannot sample {self.num_points} points from '
                             f'clouds of {N}')
        if not training:
            if self.num_points == N:
                return points
            idx = farthest_point_sample(points[..., :3].contiguous(),
                                        self.num_points)
            return index_points(points, idx)
        if self.train_fps_points is None:
            return points
        pool = min(self.train_fps_points, N)
        idx = farthest_point_sample(points[..., :3].contiguous(), pool)
        keep = torch.randperm(pool, device=idx.device)[:self.num_points]
        return index_points(points, idx[:, keep])
