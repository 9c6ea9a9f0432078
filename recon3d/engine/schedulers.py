"""The official learning-rate schedule: timm's cosine with warm-up, stepped
once per epoch at the epoch's end."""
import math

from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, _ParamScheduler

from recon3d.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class TimmCosineLR(LRSchedulerMixin, _ParamScheduler):
    """timm's ``CosineLRScheduler`` as the official ReCon loops drive it.

    For a group whose configured lr is ``base``, timm's value at epoch
    ``t`` is

    - ``warmup_lr_init + t * (base - warmup_lr_init) / warmup_t`` while
      ``t < warmup_t``: a linear warm-up from an *absolute* lr, the same
      for every group (a ×10 group starts at ``warmup_lr_init`` too);
    - then ``lr_min + (base - lr_min) * (1 + cos(pi * t / t_initial)) / 2``,
      where ``t`` counts from 0, not from the warm-up's end
      (``warmup_prefix=False``, timm's default);
    - ``lr_min`` from ``t = t_initial`` on (one cycle).

    The official loops build the scheduler (which sets every group to
    ``warmup_lr_init``) and call ``scheduler.step(epoch)`` after each epoch
    ``0, 1, ..., max_epoch`` (``max_epoch + 1`` epochs). Epoch ``e`` thus
    trains at timm's value for ``t = e - 1``, and epoch 0 at
    ``warmup_lr_init``: epochs 0 and 1 both run at ``warmup_lr_init``.
    ``step_at_epoch_end=True`` reproduces that; False trains epoch ``e``
    at timm's value for ``t = e``.

    Args:
        optimizer (Optimizer | OptimWrapper): Wrapped optimizer.
        t_initial (int): Epochs of the cosine cycle (official: the config's
            ``epochs``, 300, or 150 for few-shot).
        warmup_t (int): Warm-up epochs. Defaults to 0.
        warmup_lr_init (float): Absolute lr the warm-up starts from.
            Defaults to 0.
        lr_min (float): Final lr. Defaults to 0.
        warmup_prefix (bool): Count the cosine's ``t`` from the warm-up's
            end. Defaults to False, as officially.
        step_at_epoch_end (bool): The official one-epoch lag. Defaults to
            True.
        begin (int): First epoch of the schedule. Defaults to 0.
        end (int): Epoch where it stops. Defaults to INF.
        last_step (int): For resuming without a state dict. Defaults to -1.
        by_epoch (bool): Must be True: the official schedule changes the lr
            once per epoch.
        verbose (bool): Print each update. Defaults to False.
    """

    def __init__(self,
                 optimizer,
                 t_initial: int,
                 warmup_t: int = 0,
                 warmup_lr_init: float = 0.,
                 lr_min: float = 0.,
                 warmup_prefix: bool = False,
                 step_at_epoch_end: bool = True,
                 begin: int = 0,
                 end: int = INF,
                 last_step: int = -1,
                 by_epoch: bool = True,
                 verbose: bool = False) -> None:
        if not by_epoch:
            raise ValueError('TimmCosineLR changes the lr once per epoch: '
                             'by_epoch must be True')
        if t_initial <= 0 or warmup_t < 0:
            raise ValueError(f'need t_initial > 0 and warmup_t >= 0, got '
                             f'{t_initial} and {warmup_t}')
        self.t_initial = t_initial
        self.warmup_t = warmup_t
        self.warmup_lr_init = warmup_lr_init
        self.lr_min = lr_min
        self.warmup_prefix = warmup_prefix
        self.step_at_epoch_end = step_at_epoch_end
        super().__init__(
            optimizer,
            begin=begin,
            end=end,
            last_step=last_step,
            by_epoch=by_epoch,
            verbose=verbose)

    def timm_value(self, base: float, t: int) -> float:
        """timm's lr at epoch ``t`` for a group configured with ``base``."""
        if t < self.warmup_t:
            return (self.warmup_lr_init +
                    t * (base - self.warmup_lr_init) / self.warmup_t)
        if self.warmup_prefix:
            t = t - self.warmup_t
        if t >= self.t_initial:
            return self.lr_min
        return self.lr_min + 0.5 * (base - self.lr_min) * (
            1 + math.cos(math.pi * t / self.t_initial))

    def _get_value(self):
        """The lr of each group for the epoch about to run."""
        t = self.last_step
        if self.step_at_epoch_end:
            t = max(t - 1, 0)
        return [self.timm_value(base, t) for base in self.base_values]
