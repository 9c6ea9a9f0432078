from typing import Any, Dict, Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from recon3d.ops import farthest_point_sample, index_points
from recon3d.registry import MODELS
from .batch_augments import apply_batch_augments, build_batch_augments


@MODELS.register_module()
class PointDataPreprocessor(BaseDataPreprocessor):
    """Moves a collated batch to the model's device, stacks it, samples
    points batch-wise on that device and, in training, augments the batch.

    ``inputs['points']``: list of [N, C] -> [B, N', C]. ``inputs['img']``:
    list of uint8 [3, H, W] -> uint8 [B, 3, H, W] (each teacher normalizes
    its own images). ``inputs['text']``: list of str, unchanged. Keys are
    never renamed.

    Sampling follows the official loops, which sample on the GPU per batch:

    - evaluation: farthest point sampling (from index 0) to ``num_points``;
    - training: with ``train_fps_points`` P, FPS to ``min(P, N)`` and then
      one random ``num_points``-subset of those indices shared by the batch
      (when ``P >= N`` the FPS, a mere permutation of every point, is
      skipped and the subset indexes the points directly: each cloud's
      subset is uniformly random either way); without it, no sampling (the
      dataset pipeline samples).

    In training, ``batch_augments`` then transform the sampled batch, in
    order, as the official loops do after their sampling; evaluation is
    never augmented. Voting (:class:`~recon3d.models.tta.
    PointClassifierTTA`) uses :meth:`stack` and :meth:`farthest_points`
    for its own pool.

    Args:
        num_points (int, optional): Points per cloud after sampling. None
            keeps every point.
        train_fps_points (int, optional): P of the training sampling.
        batch_augments (list[dict], optional): ``BATCH_AUGMENTS`` configs,
            e.g. ``[dict(type='BatchRotateY')]``; see
            :mod:`~recon3d.models.data_preprocessors.batch_augments`.
    """

    def __init__(self,
                 num_points: Optional[int] = None,
                 train_fps_points: Optional[int] = None,
                 batch_augments: Optional[Sequence[dict]] = None) -> None:
        super().__init__()
        if train_fps_points is not None and num_points is None:
            raise ValueError('train_fps_points needs num_points')
        self.num_points = num_points
        self.train_fps_points = train_fps_points
        self.batch_augments = build_batch_augments(batch_augments)

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        """``data``: ``{'inputs': {...}, 'data_samples': [...]}`` from
        ``pseudo_collate``. Returns the same structure, stacked, moved,
        sampled and (in training) augmented."""
        data = self.stack(data)
        points = self.sample(data['inputs']['points'], training)
        if training:
            points = apply_batch_augments(self.batch_augments, points)
        data['inputs']['points'] = points
        return data

    def stack(self, data: dict) -> Dict[str, Any]:
        """Move ``data`` to the device and stack its inputs, without
        sampling: ``points`` -> [B, N, C], ``img`` -> [B, 3, H, W]."""
        data = self.cast_data(data)
        inputs = dict(data['inputs'])
        points = inputs['points']
        if isinstance(points, (list, tuple)):
            sizes = {tuple(p.shape) for p in points}
            if len(sizes) != 1:
                raise ValueError('cannot stack point clouds of different '
                                 f'shapes {sorted(sizes)}; sample them to '
                                 'one size in the pipeline')
            inputs['points'] = torch.stack(list(points))
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

    @staticmethod
    def farthest_points(points: torch.Tensor,
                        num: Optional[int]) -> torch.Tensor:
        """FPS (from index 0) to ``min(num, N)`` points: [B, N, C] ->
        [B, min(num, N), C]; None or ``num >= N`` keeps the batch."""
        if num is None or num >= points.size(1):
            return points
        idx = farthest_point_sample(points[..., :3].contiguous(), num)
        return index_points(points, idx)

    def sample(self, points: torch.Tensor, training: bool) -> torch.Tensor:
        """[B, N, C] -> [B, N', C] as described in the class docstring."""
        N = points.size(1)
        if self.num_points is None:
            return points
        if self.num_points > N:
            raise ValueError(f'cannot sample {self.num_points} points from '
                             f'clouds of {N}')
        if not training:
            return self.farthest_points(points, self.num_points)
        if self.train_fps_points is None:
            return points
        pool = min(self.train_fps_points, N)
        keep = torch.randperm(pool, device=points.device)[:self.num_points]
        if pool == N:
            # FPS of every point only permutes them; a random subset of a
            # permutation is a uniformly random subset of the points.
            return points[:, keep]
        idx = farthest_point_sample(points[..., :3].contiguous(), pool)
        return index_points(points, idx[:, keep])
