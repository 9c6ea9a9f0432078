"""Random state dicts in the official ReCon layout, for converter and
parity tests.

The names and shapes are written out from the official model classes
(github.com/qizekun/ReCon, ``models/ReCon.py``), independently of
:mod:`recon3d.models.utils.official_keys`, so that tests of the converter
check it against a second source. Values are random and far from the
official init (every tensor matters; BatchNorm running statistics are
non-trivial).
"""
from typing import Dict, Optional

import torch

__all__ = ['random_official_state_dict']


class _Maker:

    def __init__(self, seed: int, dtype: torch.dtype) -> None:
        self.gen = torch.Generator().manual_seed(seed)
        self.dtype = dtype
        self.sd: Dict[str, torch.Tensor] = {}

    def randn(self, *shape, scale=1.) -> torch.Tensor:
        return (torch.randn(*shape, generator=self.gen, dtype=torch.float64)
                * scale).to(self.dtype)

    def param(self, name: str, *shape, scale=.5) -> None:
        self.sd[name] = self.randn(*shape, scale=scale)

    def linear(self, name: str, out: int, inp: int, bias=True) -> None:
        self.sd[f'{name}.weight'] = self.randn(out, inp, scale=inp**-.5)
        if bias:
            self.sd[f'{name}.bias'] = self.randn(out, scale=.1)

    def conv(self, name: str, out: int, inp: int, bias=True) -> None:
        self.linear(name, out, inp, bias)
        self.sd[f'{name}.weight'] = self.sd[f'{name}.weight'].unsqueeze(-1)

    def norm(self, name: str, n: int) -> None:
        self.sd[f'{name}.weight'] = 1 + self.randn(n, scale=.1)
        self.sd[f'{name}.bias'] = self.randn(n, scale=.1)

    def bn(self, name: str, n: int) -> None:
        self.norm(name, n)
        self.sd[f'{name}.running_mean'] = self.randn(n, scale=.1)
        var = torch.rand(n, generator=self.gen, dtype=torch.float64) + .5
        self.sd[f'{name}.running_var'] = var.to(self.dtype)
        self.sd[f'{name}.num_batches_tracked'] = torch.tensor(7)

    def block(self, p: str, C: int, contrast: bool) -> None:
        self.norm(f'{p}.norm1', C)
        self.norm(f'{p}.norm2', C)
        self.linear(f'{p}.attn.qkv', 3 * C, C, bias=False)
        self.linear(f'{p}.attn.proj', C, C)
        self.linear(f'{p}.mlp.fc1', 4 * C, C)
        self.linear(f'{p}.mlp.fc2', C, 4 * C)
        if contrast:
            self.norm(f'{p}.norm1_contrast', C)
            self.norm(f'{p}.norm2_contrast', C)
            self.linear(f'{p}.attn_contrast.q', C, C, bias=False)
            self.linear(f'{p}.attn_contrast.kv', 2 * C, C, bias=False)
            self.linear(f'{p}.attn_contrast.proj', C, C)
            self.linear(f'{p}.mlp_contrast.fc1', 4 * C, C)
            self.linear(f'{p}.mlp_contrast.fc2', C, 4 * C)

    def trunk(self, P: str, C: int, depth: int) -> None:
        for t in ('cls', 'img', 'text'):
            self.param(f'{P}{t}_token', 1, 1, C)
            self.param(f'{P}{t}_pos', 1, 1, C)
        self.conv(f'{P}encoder.first_conv.0', 128, 3)
        self.bn(f'{P}encoder.first_conv.1', 128)
        self.conv(f'{P}encoder.first_conv.3', 256, 128)
        self.conv(f'{P}encoder.second_conv.0', 512, 512)
        self.bn(f'{P}encoder.second_conv.1', 512)
        self.conv(f'{P}encoder.second_conv.3', C, 512)
        self.linear(f'{P}pos_embed.0', 128, 3)
        self.linear(f'{P}pos_embed.2', C, 128)
        for i in range(depth):
            self.block(f'{P}blocks.blocks.{i}', C, contrast=True)
        self.norm(f'{P}norm', C)


def random_official_state_dict(kind: str = 'cls',
                               embed_dims: int = 48,
                               depth: int = 3,
                               decoder_depth: int = 2,
                               group_size: int = 6,
                               num_classes: int = 5,
                               head_type: str = 'full',
                               img_dim: Optional[int] = None,
                               text_dim: Optional[int] = None,
                               smc_hidden: Optional[int] = None,
                               num_parts: int = 50,
                               teachers: bool = False,
                               seed: int = 0,
                               dtype: torch.dtype = torch.float64
                               ) -> Dict[str, torch.Tensor]:
    """A random official state dict of ``kind``.

    Args:
        kind (str): ``pretrain``, ``cls``, ``zeroshot``, ``svm``,
            ``partseg``.
        embed_dims (int): C. Defaults to 48.
        depth (int): Encoder blocks. Defaults to 3.
        decoder_depth (int): Pretrain decoder blocks. Defaults to 2.
        group_size (int): K (pretrain ``increase_dim``: 3K). Defaults to 6.
        num_classes (int): cls head outputs. Defaults to 5.
        head_type (str): ``full`` (hidden 256) or ``linear``.
        img_dim (int, optional): ``img_proj`` width (pretrain, zeroshot).
        text_dim (int, optional): ``text_proj`` width.
        smc_hidden (int, optional): ``cls_proj`` width (pretrain with SMC).
        num_parts (int): partseg outputs. Defaults to 50.
        teachers (bool): Add ``img_encoder.*``/``text_encoder.*`` tensors
            as in ``ckpt-last.pth`` (pretrain). Defaults to False.
        seed (int): Random seed. Defaults to 0.
        dtype (torch.dtype): Floating dtype. Defaults to float64.
    """
    C = embed_dims
    m = _Maker(seed, dtype)
    m.trunk('MAE_encoder.' if kind == 'pretrain' else '', C, depth)
    if kind == 'pretrain':
        m.param('mask_token', 1, 1, C)
        m.linear('decoder_pos_embed.0', 128, 3)
        m.linear('decoder_pos_embed.2', C, 128)
        for j in range(decoder_depth):
            m.block(f'MAE_decoder.blocks.{j}', C, contrast=False)
        m.norm('MAE_decoder.norm', C)
        m.conv('increase_dim.0', 3 * group_size, C)
        if smc_hidden:
            m.linear('cls_proj.0', smc_hidden, C)
            m.bn('cls_proj.1', smc_hidden)
            m.linear('cls_proj.3', smc_hidden, smc_hidden)
            m.bn('cls_proj.4', smc_hidden)
        if teachers:
            m.linear('img_encoder.visual.proj', 8, 4)
            m.linear('text_encoder.token_embedding', 8, 4)
    if kind in ('pretrain', 'zeroshot'):
        if img_dim:
            m.linear('img_proj', img_dim, C)
        if text_dim:
            m.linear('text_proj', text_dim, C)
    if kind == 'cls':
        if head_type == 'linear':
            m.linear('cls_head_finetune.0', num_classes, 4 * C)
        else:
            m.linear('cls_head_finetune.0', 256, 4 * C)
            m.bn('cls_head_finetune.1', 256)
            m.linear('cls_head_finetune.4', 256, 256)
            m.bn('cls_head_finetune.5', 256)
            m.linear('cls_head_finetune.8', num_classes, 256)
    if kind == 'partseg':
        m.conv('label_conv.0', 64, 16, bias=False)
        m.bn('label_conv.1', 64)
        m.conv('propagation_0.mlp_convs.0', 1536, 3 * C + 3)
        m.conv('propagation_0.mlp_convs.1', 1024, 1536)
        m.bn('propagation_0.mlp_bns.0', 1536)
        m.bn('propagation_0.mlp_bns.1', 1024)
        m.conv('convs1', 512, 1024 + 2 * 3 * C + C + 64)
        m.conv('convs2', 256, 512)
        m.conv('convs3', num_parts, 256)
        m.bn('bns1', 512)
        m.bn('bns2', 256)
    return m.sd
