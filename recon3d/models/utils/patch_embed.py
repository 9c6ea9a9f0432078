"""Point grouping (FPS + kNN) and the mini-PointNet patch embedding."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from recon3d.ops import farthest_point_sample, index_points, knn
from .masking import gather_groups


def group_points(xyz: torch.Tensor, num_group: int,
                 group_size: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Split a cloud into local patches.

    Centres are the FPS of the cloud (starting at index 0); each patch holds
    the ``group_size`` nearest points of its centre, minus the centre.

    Args:
        xyz (Tensor): [B, N, 3].
        num_group (int): G.
        group_size (int): K.

    Returns:
        tuple: ``neighborhood`` [B, G, K, 3] (centre-relative) and
        ``center`` [B, G, 3].
    """
    center = index_points(xyz, farthest_point_sample(xyz, num_group))
    _, idx = knn(center, xyz, group_size)
    neighborhood = index_points(xyz, idx) - center.unsqueeze(2)
    return neighborhood, center


def _pointwise(conv: nn.Conv1d, x: torch.Tensor) -> torch.Tensor:
    """A 1×1 Conv1d applied as a matmul on channel-last [..., C_in]."""
    return F.linear(x, conv.weight.squeeze(-1), conv.bias)


def _bn(bn: nn.BatchNorm1d, x: torch.Tensor) -> torch.Tensor:
    """BatchNorm over every leading position of channel-last [..., C]."""
    return bn(x.reshape(-1, x.size(-1))).reshape(x.shape)


class PointPatchEmbed(nn.Module):
    """Mini-PointNet shared over patches (the official ``Encoder``).

    ``first_conv``: Conv(3→128)–BN–ReLU–Conv(128→256), max over K;
    ``second_conv`` on [global 256, per-point 256]: Conv(512→512)–BN–ReLU–
    Conv(512→C), max over K. Parameters are stored as 1×1 ``Conv1d`` (the
    official layout) but applied as matmuls on channel-last tensors; the
    same function, less work:

    - the broadcast global half of the 512-channel concatenation is
      multiplied once per patch instead of once per point;
    - the per-point half of ``Conv(512→512)`` follows ``Conv(128→256)``
      with nothing in between, so the two are applied as one
      ``128→512`` matmul with the product of their weights (half the
      multiply-adds of the largest layer, forward and backward; the
      256-channel features are still computed for their max-pool);
    - the max-pools are ``torch.max`` over K, as officially (its backward
      sends each gradient to the one selected point, much cheaper than
      ``amax``'s tie-sharing backward).

    Args:
        embed_dims (int): Output channels C.
    """

    def __init__(self, embed_dims: int) -> None:
        super().__init__()
        self.embed_dims = embed_dims
        self.first_conv = nn.Sequential(
            nn.Conv1d(3, 128, 1), nn.BatchNorm1d(128), nn.ReLU(inplace=True),
            nn.Conv1d(128, 256, 1))
        self.second_conv = nn.Sequential(
            nn.Conv1d(512, 512, 1), nn.BatchNorm1d(512),
            nn.ReLU(inplace=True), nn.Conv1d(512, embed_dims, 1))

    def forward(self,
                neighborhood: torch.Tensor,
                keep: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Embed the groups.

        Args:
            neighborhood (Tensor): [B, G, K, 3].
            keep (LongTensor, optional): [B, V] groups to embed. Every
                group still goes through both BatchNorms (their batch
                statistics are those of all groups, as when embedding all);
                only the last 1×1 conv and the max-pool, which act on each
                group alone, run for the kept groups: the result is the
                full embedding's rows ``keep``, for about a third less work
                at the pretraining mask ratio (the last conv holds half of
                the multiply-adds).

        Returns:
            Tensor: [B, G, C], or [B, V, C] with ``keep``.
        """
        conv1, bn1, _, conv2 = self.first_conv
        conv3, bn2, _, conv4 = self.second_conv
        h = F.relu(_bn(bn1, _pointwise(conv1, neighborhood)))  # [.., 128]
        w2 = conv2.weight.squeeze(-1)  # [256, 128]
        pooled = F.linear(h, w2, conv2.bias).max(dim=2, keepdim=True)[0]
        w3 = conv3.weight.squeeze(-1)  # [512, 512]: [:, :256] sees `pooled`
        w3_point = w3[:, 256:]
        # conv3(per-point conv2(h)) as one matmul: W3p (W2 h + b2)
        x = F.linear(h, w3_point @ w2, w3_point @ conv2.bias)
        x = x + F.linear(pooled, w3[:, :256], conv3.bias)  # [B, G, K, 512]
        x = F.relu(_bn(bn2, x))
        if keep is not None:
            x = gather_groups(x, keep)  # [B, V, K, 512]
        return _pointwise(conv4, x).max(dim=2)[0]
