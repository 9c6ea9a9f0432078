from typing import Dict, List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from recon3d.registry import HEADS, LOSSES
from recon3d.structures import ReConTokens, ReconDataSample

HEAD_TYPES = ('mlp', 'linear')
#: Earlier names of ``'mlp'``: the fine-tune and MLP-3 protocols build the
#: same layers and differ only in ``PointClassifier.freeze_trunk``.
_RENAMED = ('full', 'mlp3')


@HEADS.register_module()
class ClsHead(BaseModule):
    """Classification head of the official fine-tune model.

    The feature is ``concat[cls, img, text, max over the local tokens]``
    (4C) of the normalized encoder outputs. ``layers`` keeps the official
    ``cls_head_finetune`` indices, so converted weights load 1:1:

    - ``'mlp'``: 0 Linear(4C, h), 1 BN, 2 ReLU, 3 Dropout, 4 Linear(h, h),
      5 BN, 6 ReLU, 7 Dropout, 8 Linear(h, n): the official ``full`` and
      ``mlp3`` heads, which differ only in what trains (see
      ``PointClassifier.freeze_trunk``).
    - ``'linear'``: 0 Linear(4C, n).

    The layers keep PyTorch's default init, as the official head does when
    it fine-tunes from a pretrained checkpoint.

    Args:
        in_channels (int): C, the token width.
        num_classes (int): n.
        head_type (str): ``'mlp'`` or ``'linear'``. Defaults to ``'mlp'``.
        hidden_channels (int): h. Defaults to 256.
        dropout (float): Dropout probability of the MLP. Defaults to 0.5.
        loss (dict): Loss config. Defaults to ``CrossEntropyLoss``.
        cal_acc (bool): Also return ``acc_top1`` (%, no gradient) from
            :meth:`loss`. Defaults to False.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 head_type: str = 'mlp',
                 hidden_channels: int = 256,
                 dropout: float = 0.5,
                 loss: dict = dict(type='CrossEntropyLoss'),
                 cal_acc: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if head_type in _RENAMED:
            raise ValueError(
                f"head_type {head_type!r} is now 'mlp' (the same layers); "
                'freeze the trunk with PointClassifier(freeze_trunk=True)')
        if head_type not in HEAD_TYPES:
            raise ValueError(
                f'head_type must be one of {HEAD_TYPES}, got {head_type!r}')
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.head_type = head_type
        self.cal_acc = cal_acc
        feat = 4 * in_channels
        if head_type == 'linear':
            layers = [nn.Linear(feat, num_classes)]
        else:
            h = hidden_channels
            layers = [
                nn.Linear(feat, h), nn.BatchNorm1d(h), nn.ReLU(inplace=True),
                nn.Dropout(dropout),
                nn.Linear(h, h), nn.BatchNorm1d(h), nn.ReLU(inplace=True),
                nn.Dropout(dropout),
                nn.Linear(h, num_classes)
            ]
        self.layers = nn.Sequential(*layers)
        self.loss_module = LOSSES.build(loss)

    @staticmethod
    def pool(tokens: ReConTokens) -> torch.Tensor:
        """The classification feature [B, 4C] of :class:`ReConTokens`."""
        return torch.cat(
            [tokens.cls, tokens.img, tokens.text, tokens.local.amax(1)],
            dim=-1)

    def forward(self, tokens: ReConTokens) -> torch.Tensor:
        """:class:`ReConTokens` (cls/img/text [B, C], local [B, G, C]) ->
        logits [B, n]."""
        return self.layers(self.pool(tokens))

    @staticmethod
    def _labels(data_samples: List[ReconDataSample],
                device: torch.device) -> torch.Tensor:
        if not data_samples or 'gt_label' not in data_samples[0]:
            raise ValueError('ClsHead.loss needs data samples with gt_label')
        return torch.cat([s.gt_label for s in data_samples]).to(device)

    def loss(self, tokens: ReConTokens,
             data_samples: List[ReconDataSample]) -> Dict[str, torch.Tensor]:
        """Classification loss.

        Args:
            tokens (ReConTokens): Encoder outputs of B clouds.
            data_samples (list[ReconDataSample]): B samples with
                ``gt_label``.

        Returns:
            dict: ``loss_cls`` and, with ``cal_acc``, ``acc_top1`` (%).
        """
        logits = self(tokens)
        target = self._labels(data_samples, logits.device)
        if logits.dtype in (torch.float16, torch.bfloat16):
            logits = logits.float()  # the loss in full precision under AMP
        losses = dict(loss_cls=self.loss_module(logits, target))
        if self.cal_acc:
            with torch.no_grad():
                hit = (logits.argmax(-1) == target).float().mean()
            losses['acc_top1'] = hit * 100
        return losses

    def predict(self,
                tokens: ReConTokens,
                data_samples: Optional[List[ReconDataSample]] = None
                ) -> List[ReconDataSample]:
        """Class scores of B clouds.

        Args:
            tokens (ReConTokens): Encoder outputs.
            data_samples (list[ReconDataSample], optional): Filled in place;
                new samples are made when None.

        Returns:
            list[ReconDataSample]: with ``pred_score`` [n] (softmax) and
            ``pred_label`` [1].
        """
        return self.predict_logits(self(tokens), data_samples)

    @staticmethod
    def predict_logits(logits: torch.Tensor,
                       data_samples: Optional[List[ReconDataSample]] = None
                       ) -> List[ReconDataSample]:
        """Data samples from logits [B, n] (e.g. averaged over votes).

        Returns:
            list[ReconDataSample]: with ``pred_score`` [n] (softmax) and
            ``pred_label`` [1].
        """
        logits = logits.detach()
        if logits.dtype in (torch.float16, torch.bfloat16):
            logits = logits.float()
        scores = F.softmax(logits, dim=-1)
        if data_samples is None:
            data_samples = [ReconDataSample() for _ in range(len(scores))]
        for sample, score in zip(data_samples, scores):
            sample.set_pred_score(score)
            sample.set_pred_label(score.argmax(-1, keepdim=True))
        return data_samples
