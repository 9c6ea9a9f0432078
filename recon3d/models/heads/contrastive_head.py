from typing import Dict, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from recon3d.registry import HEADS, LOSSES


@HEADS.register_module()
class ContrastiveHead(BaseModule):
    """Single-modal contrastive (SMC) head on the cls token.

    ``proj``: Linear(C,128)–BN–ReLU–Linear(128,128)–BN, then L2
    normalization; similarities ``Z Zᵀ``; two samples are positives when
    their category texts are equal (self included). Off in every official
    config; it uses category labels.

    Args:
        in_channels (int): C.
        hidden_channels (int): Projection width. Defaults to 128.
        loss (dict): Loss config. Defaults to ``SMCLoss`` (temperature .1).
        init_cfg (dict, optional): mmengine init config (official: Linear
            Normal(.02, .01), bias 0; BN 1/0).
    """

    def __init__(self,
                 in_channels: int,
                 hidden_channels: int = 128,
                 loss: dict = dict(type='SMCLoss', temperature=0.1),
                 init_cfg: Optional[dict] = dict(
                     type='Normal', layer='Linear', mean=0.02, std=0.01,
                     bias=0.)) -> None:
        super().__init__(init_cfg=init_cfg)
        self.proj = nn.Sequential(
            nn.Linear(in_channels, hidden_channels),
            nn.BatchNorm1d(hidden_channels), nn.ReLU(inplace=True),
            nn.Linear(hidden_channels, hidden_channels),
            nn.BatchNorm1d(hidden_channels))
        self.loss_module = LOSSES.build(loss)

    def forward(self, token: torch.Tensor) -> torch.Tensor:
        """``token`` [B, C] -> unit embeddings [B, hidden]."""
        return F.normalize(self.proj(token), dim=1)

    def loss(self, token: torch.Tensor,
             texts: Sequence[str]) -> Dict[str, torch.Tensor]:
        """``token`` [B, C]; ``texts`` B category strings -> ``loss_smc``."""
        z = self(token)
        codes = {t: i for i, t in enumerate(dict.fromkeys(texts))}
        ids = torch.tensor([codes[t] for t in texts], device=z.device)
        positive = ids.unsqueeze(0) == ids.unsqueeze(1)
        return dict(loss_smc=self.loss_module(z @ z.t(), positive))
