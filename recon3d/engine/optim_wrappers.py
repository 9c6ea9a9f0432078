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


@OPTIM_WRAPPERS.register_module()
class DoubleStepOptimWrapper(OptimWrapper):
    """The official part-segmentation loop's update: two optimizer steps
    per iteration.

    ``segmentation/main.py`` of the official code calls ``loss.backward();
    optimizer.step()``, then clips the gradients and calls
    ``optimizer.step()`` again before zeroing them. So every iteration
    makes one step with the raw gradients and one with the clipped ones
    (AdamW counts two steps). recon3d makes one step by default; this
    wrapper is for reproducing the official procedure exactly.
    """

    def step(self, **kwargs) -> None:
        """Step on the raw gradients, then clip and step again."""
        self.optimizer.step(**kwargs)
        super().step(**kwargs)
