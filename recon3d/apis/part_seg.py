"""Part segmentation of point clouds with a trained PartSegmentor."""
from typing import List, Sequence, Union

import numpy as np
import torch

from recon3d.models.heads.part_seg_head import PartSegFeatures
from recon3d.structures.part_layout import restricted_argmax
from .inputs import InputsType, expand_inputs, load_cloud, prepare_cloud

__all__ = ['segment_parts']

CategoryType = Union[str, int]


@torch.no_grad()
def segment_parts(model: torch.nn.Module,
                  inputs: InputsType,
                  category: Union[CategoryType, Sequence[CategoryType]],
                  num_points: int = 2048,
                  batch_size: int = 16) -> List[dict]:
    """Per-point part ids of point clouds of known categories.

    Each cloud is scaled into the unit sphere (as in training); the encoder
    sees ``num_points`` of its points (a random subset of a larger cloud,
    every point plus random repeats of a smaller one; seeded by the cloud's
    name), and the head labels **every** input point (it upsamples from the
    group centres to any point). The part of a point is
    the most likely one among its category's parts.

    Args:
        model (PartSegmentor): e.g. ``init_model(
            'configs/recon/partseg_shapenetpart.py', checkpoint=...)``.
        inputs: Files, folders, arrays [N, 3+] or [B, N, 3+].
        category (str | int | Sequence): The category of every cloud (a
            name such as ``'Chair'``, or its label), or one per cloud.
        num_points (int): Points the encoder sees. Defaults to 2048.
        batch_size (int): Clouds per encoder pass. Defaults to 16.

    Returns:
        list[dict]: Per cloud ``name``, ``category`` (its label),
        ``parts`` int64 [N] (global part ids, one per input point, in input
        order) and ``points`` float32 [N, 3] (the points as the model saw
        them, normalised).

    Raises:
        TypeError: if ``model`` is not a part segmentor.
        ValueError: for an unknown category, or a category count that is
            not 1 or the number of clouds.
        InputError: naming an input that cannot be read.
    """
    head = getattr(model, 'seg_head', None)
    if head is None or not hasattr(model, 'extract_feat'):
        raise TypeError(f'{type(model).__name__} is not a part segmentor; '
                        'use a configs/recon/partseg_*.py config')
    items = expand_inputs(inputs)
    if isinstance(category, (str, int, np.integer)):
        category = [category] * len(items)
    category = [head.category_index(c) for c in category]
    if len(category) != len(items):
        raise ValueError(f'{len(category)} categories for {len(items)} '
                         'clouds; give one, or one per cloud')
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    dtype = next(model.parameters()).dtype
    groups = int(getattr(model.backbone, 'num_group', 1))
    results = []
    try:
        for start in range(0, len(items), batch_size):
            names, full, drawn = [], [], []
            for i, item in enumerate(items[start:start + batch_size]):
                name = item if isinstance(item, str) else \
                    f'array {start + i}'
                points = load_cloud(item, name, min_points=groups)
                points = points - points.mean(0)
                points = points / np.linalg.norm(points, axis=1).max()
                names.append(name)
                full.append(points.astype(np.float32))
                drawn.append(torch.from_numpy(prepare_cloud(
                    points, num_points, name, normalize=False)))
            data = model.data_preprocessor(
                dict(inputs=dict(points=drawn)), False)
            feats = model.extract_feat(data['inputs'])
            labels = torch.tensor(category[start:start + len(names)],
                                  device=device)
            for b, (name, points) in enumerate(zip(names, full)):
                xyz = torch.from_numpy(points).to(device, dtype)[None]
                one = PartSegFeatures(xyz, feats.center[b:b + 1],
                                      feats.local[b:b + 1],
                                      feats.global_token[b:b + 1])
                label = labels[b:b + 1]
                logp = head(one, label).float()
                parts = restricted_argmax(logp, label, head.part_mask)[0]
                results.append(
                    dict(name=name, category=int(label),
                         parts=parts.cpu().numpy(), points=points))
    finally:
        model.train(was_training)
    return results
