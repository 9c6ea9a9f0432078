"""A plain (Point-MAE) transformer tower over point patches, and the
distillation tower of the two-tower ablation."""
from typing import NamedTuple, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model.weight_init import trunc_normal_

from recon3d.registry import BACKBONES, NECKS
from ..necks.pointmae_decoder import PreNormBlock
from .point_transformer import PointTransformer


class PlainTokens(NamedTuple):
    """What :class:`PlainPointTransformer` returns, after its final
    LayerNorm.

    Attributes:
        prefix (Tensor): [B, T, C] the learned tokens put before the local
            ones (``prefix_tokens`` order; T may be 0).
        tokens (Tensor): [B, V, C] local tokens.
        center (Tensor): [B, G, 3] group centres.
        neighborhood (Tensor): [B, G, K, 3] centre-relative groups.
        mask (BoolTensor | None): [B, G], True = masked.
    """
    prefix: torch.Tensor
    tokens: torch.Tensor
    center: torch.Tensor
    neighborhood: torch.Tensor
    mask: Optional[torch.Tensor]


@BACKBONES.register_module()
class PlainPointTransformer(PointTransformer):
    """Point-MAE's encoder: the grouping, patch embedding, positions and
    masking of :class:`PointTransformer`, then standard pre-norm blocks
    (``x += DP(Attn(LN x)); x += DP(MLP(LN x))``, positions re-added
    before each block) over ``[prefix tokens, visible local tokens]`` and a
    final LayerNorm. No ReCon-block, no global stream.

    Used by the two-tower ablation (:class:`TwoTower`): the reconstruction
    tower (no prefix tokens; masked in pretraining; the fine-tuned
    classifier passes its cls token as ``prefix``), and, through
    :class:`DistillTower`, the distillation tower.

    Args:
        prefix_tokens (Sequence[str]): Names of learned tokens put before
            the local tokens, each with a learned position
            (``<name>_token``, ``<name>_pos``, trunc-normal std .02).
            Defaults to ().
        **kwargs: :class:`PointTransformer` arguments (sizes, grouping,
            masking, drop path; ``out_indices`` is not supported).
    """

    def __init__(self, prefix_tokens: Sequence[str] = (), **kwargs) -> None:
        if kwargs.get('out_indices'):
            raise ValueError('PlainPointTransformer has no out_indices')
        super().__init__(**kwargs)
        C = self.embed_dims
        num_heads = kwargs.get('num_heads', 6)
        mlp_ratio = kwargs.get('mlp_ratio', 4.)
        dpr = torch.linspace(0, kwargs.get('drop_path_rate', 0.1),
                             self.depth).tolist()
        self.blocks = nn.ModuleList([
            PreNormBlock(C, num_heads, mlp_ratio, dpr[i])
            for i in range(self.depth)
        ])
        self.norm = nn.LayerNorm(C)
        self.prefix_tokens = tuple(prefix_tokens)
        for name in self.prefix_tokens:
            self.register_parameter(f'{name}_token',
                                    nn.Parameter(torch.zeros(1, 1, C)))
            self.register_parameter(f'{name}_pos',
                                    nn.Parameter(torch.zeros(1, 1, C)))

    def init_weights(self) -> None:
        """The trunk's official init, and trunc-normal .02 prefix tokens."""
        super().init_weights()
        if self.init_cfg is None:
            for name in self.prefix_tokens:
                trunc_normal_(getattr(self, f'{name}_token'), std=.02)
                trunc_normal_(getattr(self, f'{name}_pos'), std=.02)

    def encode(self,
               tokens: torch.Tensor,
               pos: torch.Tensor,
               prefix: Optional[Tuple[torch.Tensor, torch.Tensor]] = None
               ) -> torch.Tensor:
        """Put the prefix tokens first and run the blocks and final norm.

        Args:
            tokens (Tensor): [B, V, C] patch tokens.
            pos (Tensor): [B, V, C] their positions.
            prefix (tuple, optional): Extra (tokens, positions), each
                [1 or B, T', C], put before this tower's own prefix tokens
                (e.g. a classifier's cls token).

        Returns:
            Tensor: [B, T' + T + V, C].
        """
        B = tokens.size(0)
        firsts = [] if prefix is None else [prefix]
        firsts += [(getattr(self, f'{n}_token'), getattr(self, f'{n}_pos'))
                   for n in self.prefix_tokens]
        if firsts:
            tokens = torch.cat(
                [t.expand(B, -1, -1) for t, _ in firsts] + [tokens], 1)
            pos = torch.cat([p.expand(B, -1, -1) for _, p in firsts] + [pos],
                            1)
        for block in self.blocks:
            tokens = block(tokens + pos)
        return self.norm(tokens)

    def forward(self,
                points: torch.Tensor,
                mask: Union[bool, torch.Tensor] = False,
                prefix: Optional[Tuple[torch.Tensor, torch.Tensor]] = None
                ) -> PlainTokens:
        """Encode a batch.

        Args:
            points (Tensor): [B, N, C_in].
            mask (bool | BoolTensor): As :meth:`PointTransformer.forward`.
            prefix (tuple, optional): See :meth:`encode`.

        Returns:
            PlainTokens: ``prefix`` holds the given prefix tokens, then this
            tower's own.
        """
        tokens, pos, center, neighborhood, mask = self.embed(points, mask)
        x = self.encode(tokens, pos, prefix)
        T = x.size(1) - tokens.size(1)
        return PlainTokens(x[:, :T], x[:, T:], center, neighborhood, mask)


@NECKS.register_module()
class DistillTower(PlainPointTransformer):
    """The two-tower ablation's distillation tower: a separate plain
    transformer (its own patch embedding, positions and blocks) over ALL
    groups of a cloud, unmasked, with learned img and text tokens put
    before them. The normalized img and text tokens regress the teachers.

    It reads the groups that the reconstruction tower made (the same FPS +
    kNN groups; the official code groups once for both towers).

    Args:
        prefix_tokens (Sequence[str]): Defaults to ``('img', 'text')``.
        **kwargs: :class:`PlainPointTransformer` arguments (masking and
            grouping options are unused).
    """

    def __init__(self,
                 prefix_tokens: Sequence[str] = ('img', 'text'),
                 **kwargs) -> None:
        super().__init__(prefix_tokens=prefix_tokens, **kwargs)

    def forward(self, neighborhood: torch.Tensor,
                center: torch.Tensor) -> torch.Tensor:
        """``neighborhood`` [B, G, K, 3], ``center`` [B, G, 3] -> the
        normalized prefix tokens [B, T, C] (img, text)."""
        tokens = self.patch_embed(neighborhood)
        x = self.encode(tokens, self.pos_embed(center))
        return x[:, :len(self.prefix_tokens)]
