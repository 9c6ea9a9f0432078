from typing import Dict, List, Optional

import torch.nn as nn
from mmengine.logging import print_log
from mmengine.optim import DefaultOptimWrapperConstructor

from recon3d.registry import OPTIM_WRAPPER_CONSTRUCTORS
from .log_levels import paramwise_at_debug


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class TeacherAwareOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """mmengine's default constructor, leaving frozen teachers out quietly,
    with an optional lr multiplier per parameter-name prefix.

    With a ``paramwise_cfg`` the default constructor logs one warning per
    frozen parameter; a CLIP or ViT teacher holds hundreds. Teachers are
    frozen by design, so their modules are skipped without a word; any other
    frozen parameter is still reported by mmengine.

    ``paramwise_cfg.prefix_lr_mult`` (dict, optional) maps a parameter-name
    prefix (e.g. ``'neck.'``) to a factor on the lr that the parameter gets
    otherwise. Unlike mmengine's ``custom_keys``, where the first matching
    key replaces the norm/bias weight-decay rules, it leaves every other
    rule (``norm_decay_mult``, ``bias_decay_mult``, ``custom_keys``) as it
    is. A prefix that names no parameter is an error (a typo would
    otherwise pass silently), unless it names a part the model sets to
    None (e.g. ``img_head`` in the teacher-less ablation). Example::

        paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.,
                           prefix_lr_mult={'neck.': 4.})
    """

    def __init__(self,
                 optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        paramwise_cfg = dict(paramwise_cfg or {})
        self.prefix_lr_mult: Dict[str, float] = {
            str(prefix): float(mult)
            for prefix, mult in dict(
                paramwise_cfg.pop('prefix_lr_mult', None) or {}).items()
        }
        if self.prefix_lr_mult and not paramwise_cfg:
            # A non-empty paramwise_cfg makes mmengine build one group per
            # parameter, which the multipliers need.
            paramwise_cfg = dict(custom_keys={})
        super().__init__(optim_wrapper_cfg, paramwise_cfg or None)

    def add_params(self,
                   params: List[dict],
                   module: nn.Module,
                   prefix: str = '',
                   is_dcn_module: Optional[int] = None) -> None:
        from recon3d.models.teachers import BaseTeacher
        if isinstance(module, BaseTeacher):
            return
        if prefix == '':
            # One 'paramwise_options' line per parameter: DEBUG only.
            with paramwise_at_debug():
                super().add_params(params, module, prefix, is_dcn_module)
        else:
            super().add_params(params, module, prefix, is_dcn_module)
        if prefix == '' and self.prefix_lr_mult:
            self._apply_prefix_lr_mult(params, module)

    def _apply_prefix_lr_mult(self, params: List[dict],
                              model: nn.Module) -> None:
        """Multiply the lr of each parameter group whose parameter name
        starts with a configured prefix (the longest prefix wins)."""
        names = {id(p): name for name, p in model.named_parameters()}
        prefixes = sorted(self.prefix_lr_mult, key=len, reverse=True)
        used = set()
        for group in params:
            name = names[id(group['params'][0])]
            for prefix in prefixes:
                if name.startswith(prefix):
                    lr = group.get('lr', self.base_lr)
                    group['lr'] = lr * self.prefix_lr_mult[prefix]
                    used.add(prefix)
                    break
        unused = [p for p in prefixes if p not in used]
        # A prefix of a part the config switched off (``model.img_head=None``
        # in the teacher-less ablation) is no typo: leave it out, say so.
        off = [p for p in unused
               if getattr(model, p.split('.')[0], False) is None]
        if off:
            print_log(f'paramwise_cfg.prefix_lr_mult: {off} name parts this '
                      'model does not build (set to None); not used',
                      logger='current')
        unused = [p for p in unused if p not in off]
        if unused:
            raise ValueError(
                f'paramwise_cfg.prefix_lr_mult: no trainable parameter name '
                f'starts with {unused}; top-level modules are '
                f'{sorted({n.split(".")[0] for n in names.values()})}')
