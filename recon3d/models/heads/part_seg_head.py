"""Part-segmentation head of the official ReCon part-seg model."""
from typing import Dict, List, NamedTuple, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from recon3d.ops import index_points, knn
from recon3d.registry import HEADS, LOSSES
from recon3d.structures import ReconDataSample
from recon3d.structures.part_layout import (NUM_SHAPENET_PARTS,
                                            SHAPENET_PART_CATEGORIES,
                                            category_part_mask,
                                            restricted_argmax)


class PartSegFeatures(NamedTuple):
    """What :class:`PartSegHead` reads from the encoder.

    Attributes:
        xyz (Tensor): [B, N, 3] the input points.
        center (Tensor): [B, G, 3] group centres.
        local (Tensor): [B, G, L·C] local tokens of L blocks, each through
            the encoder's final LayerNorm, concatenated on channels.
        global_token (Tensor): [B, C] element-wise max over the global
            tokens of the last block, without LayerNorm.
    """
    xyz: torch.Tensor
    center: torch.Tensor
    local: torch.Tensor
    global_token: torch.Tensor


class FeaturePropagation(nn.Module):
    """Inverse-distance upsampling from the centres to every point, then
    1×1 Conv-BN-ReLU layers (the official ``PointNetFeaturePropagation``).

    Each point gets the mean of its k nearest centres' features weighted
    by ``1 / (d² + 1e-8)`` (normalised), is concatenated as ``[xyz,
    features]`` and goes through the layers. The first convolution is
    linear and the weights sum to one, so it is applied to the G centre
    features before the interpolation instead of to the N interpolated
    ones: the same numbers with about N/G times less work.

    Args:
        in_channels (int): Centre feature width D.
        channels (Sequence[int]): Output widths of the layers.
        num_neighbors (int): k. Defaults to 3.
    """

    def __init__(self, in_channels: int, channels: Sequence[int],
                 num_neighbors: int = 3) -> None:
        super().__init__()
        self.num_neighbors = num_neighbors
        widths = [in_channels + 3, *channels]
        self.convs = nn.ModuleList(
            nn.Conv1d(i, o, 1) for i, o in zip(widths[:-1], widths[1:]))
        self.bns = nn.ModuleList(nn.BatchNorm1d(o) for o in channels)

    def forward(self, xyz: torch.Tensor, center: torch.Tensor,
                feats: torch.Tensor) -> torch.Tensor:
        """``xyz`` [B, N, 3], ``center`` [B, G, 3], ``feats`` [B, G, D] ->
        [B, channels[-1], N]."""
        k = min(self.num_neighbors, center.size(1))
        dist, idx = knn(xyz, center, k)  # squared distances [B, N, k]
        weight = 1.0 / (dist + 1e-8)
        weight = weight / weight.sum(-1, keepdim=True)
        first = self.convs[0]
        w_xyz, w_feat = first.weight[:, :3, 0], first.weight[:, 3:, 0]
        projected = feats @ w_feat.t()  # [B, G, O], before interpolating
        x = (index_points(projected, idx) * weight.unsqueeze(-1)).sum(2)
        x = (x + xyz @ w_xyz.t() + first.bias).transpose(1, 2)
        x = F.relu(self.bns[0](x))
        for conv, bn in zip(self.convs[1:], self.bns[1:]):
            x = F.relu(bn(conv(x)))
        return x


@HEADS.register_module()
class PartSegHead(BaseModule):
    """Official ReCon part-segmentation head (``segmentation/models/pt.py``).

    From :class:`PartSegFeatures` (L levels of C channels):

    - global context = [max over centres of ``local`` (L·C), mean (L·C),
      ``global_token`` (C), label embedding (64)]; the label embedding is
      one-hot(category) -> Conv1d(no bias) -> BN -> LeakyReLU(0.2);
    - per point: :class:`FeaturePropagation` of ``local`` (3-NN, [xyz,
      L·C] -> 4C -> 1024);
    - ``layers`` on [per point, global context] (1024 + 2L·C + C + 64 =
      3776 for C=384, L=3): 0 Conv1d(512), 1 BN, 2 ReLU, 3 Dropout(0.5),
      4 Conv1d(256), 5 BN, 6 ReLU, 7 Conv1d(P); then log-softmax over the
      P parts.

    The global context is the same for every point of a shape, so its
    share of ``layers.0`` is computed once per shape and added, rather
    than broadcast to N points and convolved (same result). Parameter names
    follow the official ones one to one (see
    :mod:`recon3d.models.utils.official_keys`); every layer keeps PyTorch's
    default init, as officially.

    The loss is the NLL of the log-probabilities (cross-entropy of
    log-probabilities equals it), mean over all points.

    Args:
        in_channels (int): C, the token width.
        num_levels (int): L, blocks whose local tokens are read. Defaults
            to 3.
        num_classes (int): Categories (one-hot width). Defaults to 16.
        num_parts (int): P. Defaults to 50.
        label_channels (int): Label embedding width. Defaults to 64.
        propagation_channels (Sequence[int], optional): Widths of the
            propagation layers. Defaults to (4C, 1024).
        hidden_channels (Sequence[int]): Widths of ``layers`` 0 and 4.
            Defaults to (512, 256).
        dropout (float): Defaults to 0.5.
        num_neighbors (int): k of the upsampling. Defaults to 3.
        category_parts (Sequence[Sequence[int]], optional): Part ids of each
            category, for the restricted prediction. Defaults to
            ShapeNetPart's.
        category_names (Sequence[str], optional): Category names, so that
            :meth:`category_index` accepts names. Defaults to
            ShapeNetPart's.
        loss (dict): Defaults to ``CrossEntropyLoss``.
        cal_acc (bool): Also return ``acc_point`` (%, no gradient).
            Defaults to False.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 in_channels: int,
                 num_levels: int = 3,
                 num_classes: int = 16,
                 num_parts: int = NUM_SHAPENET_PARTS,
                 label_channels: int = 64,
                 propagation_channels: Optional[Sequence[int]] = None,
                 hidden_channels: Sequence[int] = (512, 256),
                 dropout: float = 0.5,
                 num_neighbors: int = 3,
                 category_parts: Optional[Sequence[Sequence[int]]] = None,
                 category_names: Optional[Sequence[str]] = None,
                 loss: dict = dict(type='CrossEntropyLoss'),
                 cal_acc: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        C, L = in_channels, num_levels
        self.in_channels = in_channels
        self.num_levels = num_levels
        self.num_classes = num_classes
        self.num_parts = num_parts
        self.cal_acc = cal_acc
        if propagation_channels is None:
            propagation_channels = (4 * C, 1024)
        self.label_embed = nn.Sequential(
            nn.Conv1d(num_classes, label_channels, 1, bias=False),
            nn.BatchNorm1d(label_channels), nn.LeakyReLU(0.2))
        self.propagation = FeaturePropagation(L * C, propagation_channels,
                                              num_neighbors)
        self.point_channels = propagation_channels[-1]
        self.context_channels = 2 * L * C + C + label_channels
        h1, h2 = hidden_channels
        self.layers = nn.Sequential(
            nn.Conv1d(self.point_channels + self.context_channels, h1, 1),
            nn.BatchNorm1d(h1), nn.ReLU(), nn.Dropout(dropout),
            nn.Conv1d(h1, h2, 1), nn.BatchNorm1d(h2), nn.ReLU(),
            nn.Conv1d(h2, num_parts, 1))
        self.loss_module = LOSSES.build(loss)
        if category_parts is None and num_classes == len(
                SHAPENET_PART_CATEGORIES):
            category_names = category_names or SHAPENET_PART_CATEGORIES
        self.category_names = tuple(category_names or ())
        self.register_buffer(
            'part_mask',
            category_part_mask(category_parts, num_parts),
            persistent=False)
        if self.part_mask.size(0) != num_classes:
            raise ValueError(f'category_parts has {self.part_mask.size(0)} '
                             f'categories, num_classes is {num_classes}')

    def context(self, feats: PartSegFeatures,
                category: torch.Tensor) -> torch.Tensor:
        """The global context [B, 2L·C + C + 64] of each shape."""
        one_hot = F.one_hot(category.long(), self.num_classes)
        label = self.label_embed(one_hot.to(feats.local.dtype)[..., None])
        return torch.cat([
            feats.local.amax(1),
            feats.local.mean(1), feats.global_token, label[..., 0]
        ], -1)

    def forward(self, feats: PartSegFeatures,
                category: torch.Tensor) -> torch.Tensor:
        """Per-point part log-probabilities.

        Args:
            feats (PartSegFeatures): Encoder outputs of B shapes.
            category (LongTensor): [B] category labels.

        Returns:
            Tensor: [B, N, P] log-probabilities.
        """
        per_point = self.propagation(feats.xyz, feats.center, feats.local)
        first = self.layers[0]
        w_point = first.weight[:, :self.point_channels, 0]
        w_context = first.weight[:, self.point_channels:, 0]
        shared = self.context(feats, category) @ w_context.t() + first.bias
        x = torch.einsum('oc,bcn->bon', w_point, per_point)
        x = self.layers[1:](x + shared[..., None])
        return F.log_softmax(x, dim=1).transpose(1, 2)

    @staticmethod
    def _categories(data_samples: List[ReconDataSample],
                    device: torch.device) -> torch.Tensor:
        if not data_samples or 'gt_label' not in data_samples[0]:
            raise ValueError('PartSegHead needs data samples with gt_label '
                             '(the category of each shape)')
        return torch.cat([s.gt_label.reshape(-1)[:1]
                          for s in data_samples]).to(device)

    def loss(self, feats: PartSegFeatures,
             data_samples: List[ReconDataSample]) -> Dict[str, torch.Tensor]:
        """NLL of the true parts.

        Args:
            feats (PartSegFeatures): Encoder outputs of B shapes.
            data_samples (list[ReconDataSample]): with ``gt_label`` [1] and
                ``gt_part`` [N].

        Returns:
            dict: ``loss_seg`` and, with ``cal_acc``, ``acc_point`` (%).
        """
        device = feats.xyz.device
        logp = self(feats, self._categories(data_samples, device)).float()
        target = torch.stack([s.gt_part for s in data_samples]).to(device)
        losses = dict(loss_seg=self.loss_module(
            logp.reshape(-1, self.num_parts), target.reshape(-1).long()))
        if self.cal_acc:
            with torch.no_grad():
                hit = (logp.argmax(-1) == target).float().mean()
            losses['acc_point'] = hit * 100
        return losses

    def predict(self,
                feats: PartSegFeatures,
                data_samples: List[ReconDataSample]
                ) -> List[ReconDataSample]:
        """Per-point parts of B shapes of known categories.

        Returns:
            list[ReconDataSample]: with ``pred_part_score`` [N, P]
            (log-probabilities) and ``pred_part`` [N] (the argmax over the
            category's parts).
        """
        category = self._categories(data_samples, feats.xyz.device)
        logp = self(feats, category).detach().float()
        pred = restricted_argmax(logp, category, self.part_mask)
        for sample, score, part in zip(data_samples, logp, pred):
            sample.set_field(score, 'pred_part_score', dtype=torch.Tensor)
            sample.set_field(part, 'pred_part', dtype=torch.Tensor)
        return data_samples

    def category_index(self, category) -> int:
        """Category label of a name or an int (validated)."""
        if isinstance(category, str):
            if category not in self.category_names:
                raise ValueError(f'unknown category {category!r}; known: '
                                 f'{self.category_names}')
            return self.category_names.index(category)
        index = int(category)
        if not 0 <= index < self.num_classes:
            raise ValueError(f'category must be in [0, {self.num_classes}), '
                             f'got {index}')
        return index
