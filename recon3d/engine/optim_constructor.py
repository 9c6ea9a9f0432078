from typing import List, Optional

import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor

from recon3d.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class TeacherAwareOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """mmengine's default constructor, leaving frozen teachers out quietly.

    With a ``paramwise_cfg`` the default constructor logs one warning per
    frozen parameter; a CLIP or ViT teacher holds hundreds. Teachers are
    frozen by design, so their modules are skipped without a word; any other
    frozen parameter is still reported by mmengine.
    """

    def add_params(self,
                   params: List[dict],
                   module: nn.Module,
                   prefix: str = '',
                   is_dcn_module: Optional[int] = None) -> None:
        from recon3d.models.teachers import BaseTeacher
        if isinstance(module, BaseTeacher):
            return
        super().add_params(params, module, prefix, is_dcn_module)
