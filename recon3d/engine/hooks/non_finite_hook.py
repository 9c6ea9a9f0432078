"""Stop a run at the first non-finite loss or gradient norm."""
import os.path as osp
from typing import List, Optional

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.optim import AmpOptimWrapper

from recon3d.registry import HOOKS
from ..errors import NonFiniteError

__all__ = ['NonFiniteCheckHook']


def _sample_ids(data_batch) -> List[str]:
    """``file_name`` (else ``sample_idx``) of each sample of a batch."""
    samples = (data_batch.get('data_samples') or []) \
        if isinstance(data_batch, dict) else []
    ids = []
    for sample in samples:
        meta = getattr(sample, 'metainfo', {}) or {}
        value = meta.get('file_name', meta.get('sample_idx'))
        if value is not None:
            ids.append(str(value))
    return ids


def _last_checkpoint(runner) -> str:
    """The last complete checkpoint (``last_checkpoint`` of the work dir).
    """
    pointer = osp.join(runner.work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return 'none saved yet'
    with open(pointer) as f:
        return f.read().strip()


@HOOKS.register_module()
class NonFiniteCheckHook(Hook):
    """Raise :class:`NonFiniteError` at the first non-finite number.

    After every training iteration the loss terms the model returned and,
    when the optimizer wrapper clips gradients, the gradient norm it logged
    are checked; the error names the epoch and iteration, every loss term,
    the batch's samples (``file_name`` or ``sample_idx``) and the last
    checkpoint written (which the run can resume from). Under
    ``AmpOptimWrapper`` an infinite gradient norm is the loss scaler's
    business (the step is skipped) and is not checked. Before any
    checkpoint is written, its weights are checked too, so a non-finite
    checkpoint is never saved. In distributed runs the verdict is shared
    (one small all-reduce per iteration) so that every process stops.

    Args:
        check_grad_norm (bool): Check the logged gradient norm. Defaults
            to True.
    """
    priority = 'VERY_HIGH'

    def __init__(self, check_grad_norm: bool = True) -> None:
        self.check_grad_norm = check_grad_norm

    def _grad_norm(self, runner) -> Optional[float]:
        if not self.check_grad_norm or isinstance(runner.optim_wrapper,
                                                  AmpOptimWrapper):
            return None
        buffer = runner.message_hub.log_scalars.get('train/grad_norm')
        return None if buffer is None else float(buffer.current())

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        terms = {
            k: v.detach().float().mean()
            for k, v in (outputs or {}).items() if isinstance(v, torch.Tensor)
        }
        grad_norm = self._grad_norm(runner)
        values = list(terms.values())
        if grad_norm is not None:
            values.append(torch.tensor(grad_norm))
        if not values:
            return
        flag = (~torch.isfinite(torch.stack([v.cpu()
                                             for v in values]))).any().float()
        if get_world_size() > 1:
            all_reduce(flag, op='max')
        if not flag.item():
            return
        shown = ', '.join(f'{k}={float(v):.6g}' for k, v in terms.items())
        if grad_norm is not None:
            shown += f', grad_norm={grad_norm:.6g}'
        ids = _sample_ids(data_batch)
        raise NonFiniteError(
            f'non-finite number at epoch {runner.epoch + 1}, iteration '
            f'{runner.iter + 1} (batch {batch_idx} of the epoch): {shown}'
            f'; batch samples: {", ".join(ids) if ids else "unknown"}; '
            f'last checkpoint: {_last_checkpoint(runner)}. The run stops '
            'here; nothing after that checkpoint was saved.')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        bad = [
            k for k, v in checkpoint.get('state_dict', {}).items()
            if isinstance(v, torch.Tensor) and v.is_floating_point()
            and not torch.isfinite(v).all()
        ]
        if bad:
            raise NonFiniteError(
                f'refusing to save a checkpoint at epoch {runner.epoch + 1},'
                f' iteration {runner.iter}: non-finite weights in '
                f'{", ".join(bad[:8])}' +
                (f' and {len(bad) - 8} more' if len(bad) > 8 else '') +
                f'; last checkpoint: {_last_checkpoint(runner)}')
