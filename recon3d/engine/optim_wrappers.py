from contextlib import contextmanager

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper

from recon3d.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAutocastOptimWrapper(OptimWrapper):
    """Mixed precision on CPU: bfloat16 autocast, no loss scaling.

    mmengine's ``AmpOptimWrapper`` needs a GPU; ``tools/train.py --amp``
    picks this wrapper when no GPU is present. bfloat16 has the range of
    float32, so no gradient scaler is needed.

    Args:
        dtype (str): Autocast dtype, ``'bfloat16'`` (default) or
            ``'float16'``.
        **kwargs: Passed to :class:`OptimWrapper`.
    """

    def __init__(self, dtype: str = 'bfloat16', **kwargs) -> None:
        super().__init__(**kwargs)
        self.cast_dtype = getattr(torch, dtype)

    @contextmanager
    def optim_context(self, model: nn.Module):
        """Gradient-accumulation context plus CPU autocast."""
        with super().optim_context(model), torch.autocast(
                'cpu', dtype=self.cast_dtype):
            yield
