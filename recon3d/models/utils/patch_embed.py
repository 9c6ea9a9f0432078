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


def _first_pointwise(conv: nn.Conv1d, x: torch.Tensor) -> torch.Tensor:
    """:func:`_pointwise` for a few input channels (xyz): the weight is
    handed to the product as a contiguous ``[C_in, C_out]`` matrix, so that
    its gradient is formed as ``xᵀ·grad`` ([3, N]·[N, C]); for the
    transposed weight autograd forms ``gradᵀ·x`` ([C, N]·[N, 3]), which the
    BLAS runs ~5× slower (77 vs 15 ms for N = 65536 on one core)."""
    weight = conv.weight.squeeze(-1).t().contiguous()  # [C_in, C_out]
    out = torch.addmm(conv.bias, x.reshape(-1, x.size(-1)), weight)
    return out.reshape(*x.shape[:-1], -1)


class _Gram(torch.autograd.Function):
    """``hᵀh`` for ``h`` [N, D]; the backward ``h (G + Gᵀ)`` is one
    [N, D]·[D, D] product (autograd's product rule forms two)."""

    @staticmethod
    def forward(ctx, h: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(h)
        return h.t() @ h

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        h, = ctx.saved_tensors
        return h @ (grad + grad.t())


def _bn(bn: nn.BatchNorm1d, x: torch.Tensor) -> torch.Tensor:
    """BatchNorm over every leading position of channel-last [..., C]."""
    return bn(x.reshape(-1, x.size(-1))).reshape(x.shape)


def _moments(h: torch.Tensor, glob: torch.Tensor, weight: torch.Tensor,
             bias: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and biased variance of ``x = h Wᵀ + b + glob``
    over every point, without computing ``x``.

    ``x[b, g, k] = W h[b, g, k] + b + glob[b, g]``; with ``h̃ = h − mean(h)``
    and ``g̃ = glob − mean(glob)`` (every group has K points),
    ``var = diag(W Cov(h) Wᵀ) + 2·mean(W h̃ ∘ g̃) + mean(g̃²)``: the same
    moments BatchNorm computes from ``x``, from the 128-wide ``h`` instead
    of the 512-wide ``x``.

    Args:
        h (Tensor): [B, G, K, D].
        glob (Tensor): [B, G, 1, C], one row per group.
        weight (Tensor): [C, D].
        bias (Tensor): [C].

    Returns:
        tuple: mean [C] and variance [C].
    """
    D = h.size(-1)
    n = h.numel() // D
    mean_h = h.reshape(-1, D).mean(0)
    ht = h - mean_h  # [B, G, K, D]
    cov = _Gram.apply(ht.reshape(-1, D)) / n  # [D, D]
    per_group = ht.sum(2).reshape(-1, D)  # [B·G, D]
    glob = glob.reshape(-1, glob.size(-1))  # [B·G, C]
    mean_g = glob.mean(0)
    gt = glob - mean_g
    mean = weight @ mean_h + bias + mean_g
    var = ((weight @ cov) * weight).sum(1) \
        + 2 * (F.linear(per_group, weight) * gt).sum(0) / n \
        + gt.square().mean(0)
    return mean, var


def _bn_train(bn: nn.BatchNorm1d, x: torch.Tensor, mean: torch.Tensor,
              var: torch.Tensor, n: int) -> torch.Tensor:
    """Training-mode BatchNorm of ``x`` [..., C] with batch statistics
    ``mean``/``var`` [C] of ``n`` positions given (not taken from ``x``);
    running statistics updated as :class:`torch.nn.BatchNorm1d` does."""
    if bn.track_running_stats:
        with torch.no_grad():
            bn.num_batches_tracked.add_(1)
            momentum = bn.momentum if bn.momentum is not None \
                else 1.0 / float(bn.num_batches_tracked)
            bn.running_mean.mul_(1 - momentum).add_(momentum * mean)
            bn.running_var.mul_(1 - momentum).add_(momentum * n / (n - 1) *
                                                   var)
    scale = torch.rsqrt(var + bn.eps)
    if bn.affine:
        scale = scale * bn.weight
    shift = -mean * scale
    if bn.affine:
        shift = shift + bn.bias
    # one pass over x (and none in the backward for `mean`'s gradient)
    return torch.addcmul(shift, x, scale)


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
      ``amax``'s tie-sharing backward);
    - with ``keep`` (pretraining's visible groups) in training mode, the
      second BatchNorm's statistics over all groups come from the moments
      of the 128-channel features (:func:`_moments`) and the 512-channel
      layer, its BatchNorm and ReLU run for the kept groups only.

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
            keep (LongTensor, optional): [B, V] groups to embed. The
                result is the full embedding's rows ``keep``, BatchNorm
                statistics (and running statistics) those of all groups,
                as when embedding all; what acts on each group alone runs
                for the kept groups only.

        Returns:
            Tensor: [B, G, C], or [B, V, C] with ``keep``.
        """
        conv1, bn1, _, conv2 = self.first_conv
        conv3, bn2, _, conv4 = self.second_conv
        h = F.relu(_bn(bn1, _first_pointwise(conv1, neighborhood)),
                   inplace=True)  # [B, G, K, 128]
        w2 = conv2.weight.squeeze(-1)  # [256, 128]
        pooled = F.linear(h, w2, conv2.bias).max(dim=2, keepdim=True)[0]
        w3 = conv3.weight.squeeze(-1)  # [512, 512]: [:, :256] sees `pooled`
        w3_point = w3[:, 256:]
        # conv3(per-point conv2(h)) as one matmul: W3p (W2 h + b2)
        weight, bias = w3_point @ w2, w3_point @ conv2.bias
        glob = F.linear(pooled, w3[:, :256], conv3.bias)  # [B, G, 1, 512]
        # (a SyncBatchNorm, e.g. mmengine's sync_bn, keeps the plain path)
        if keep is None or type(bn2) is not nn.BatchNorm1d:
            x = _bn(bn2, F.linear(h, weight, bias) + glob)
            if keep is not None:
                x = gather_groups(x, keep)  # [B, V, K, 512]
        else:
            stats = bn2.training or not bn2.track_running_stats
            if stats:  # batch statistics of all groups
                mean, var = _moments(h, glob, weight, bias)
            h, glob = gather_groups(h, keep), gather_groups(glob, keep)
            x = F.linear(h, weight, bias) + glob  # [B, V, K, 512]
            x = _bn_train(bn2, x, mean, var, neighborhood[..., 0].numel()) \
                if stats else _bn(bn2, x)
        # in place: neither BatchNorm's backward needs its output
        return _pointwise(conv4, F.relu(x, inplace=True)).max(dim=2)[0]
