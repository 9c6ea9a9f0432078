"""``torch.compile`` of chosen submodules of the model (the student)."""
import logging
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from recon3d.registry import HOOKS


@HOOKS.register_module()
class CompileHook(Hook):
    """Compile the named submodules of the model before training.

    Each module is compiled in place (``nn.Module.compile``): its
    parameters, state-dict keys and checkpoints are unchanged, and the
    rest of the step (data preprocessing with its FPS, teachers, losses,
    optimizer) runs eagerly. mmengine's own ``compile=True`` compiles the
    whole ``train_step`` instead, optimizer included, which torch's
    compiler does not trace with mmengine 0.10.

    ``tools/train.py --compile`` adds this hook. The first iterations pay
    the compilation (minutes on a CPU).

    Args:
        modules (Sequence[str]): Attribute names on the model. Names the
            model lacks (or holds as None) are skipped with a log line.
            Defaults to the student's transformer parts,
            ``('backbone', 'neck', 'decoder')``.
        options (dict, optional): Keyword arguments of ``torch.compile``
            (``backend``, ``mode``, ...).
    """

    priority = 'VERY_LOW'

    def __init__(self,
                 modules: Sequence[str] = ('backbone', 'neck', 'decoder'),
                 options: Optional[dict] = None) -> None:
        self.modules = tuple(modules)
        self.options = dict(options or {})

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        compiled = []
        for name in self.modules:
            module = getattr(model, name, None)
            if module is None:
                print_log(f'CompileHook: the model has no {name!r}, skipped',
                          logger='current', level=logging.INFO)
                continue
            module.compile(**self.options)
            compiled.append(name)
        print_log(f'torch.compile: {", ".join(compiled) or "nothing"} '
                  f'({self.options or "default options"})',
                  logger='current', level=logging.INFO)
