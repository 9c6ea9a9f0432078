"""Checks before a run starts and on every checkpoint the Runner loads."""
import os.path as osp
from typing import List, Optional

from mmengine.hooks import Hook
from mmengine.model import BaseTTAModel, is_model_wrapper
from mmengine.runner import BaseLoop
from mmengine.runner.checkpoint import find_latest_checkpoint

from recon3d.registry import HOOKS
from ..checkpoint import allow_unsafe_pickle, check_checkpoint_fits
from ..config_check import check_config_keys
from ..errors import NumClassesError, ResumeError

__all__ = ['RunChecksHook', 'resume_checkpoint', 'check_loaders']


def resume_checkpoint(work_dir: str) -> str:
    """The checkpoint an auto-resume in ``work_dir`` would load.

    Raises:
        ResumeError: no ``last_checkpoint`` in ``work_dir``, or it names a
            file that does not exist.
    """
    last = find_latest_checkpoint(work_dir)
    if not last:
        raise ResumeError(
            f'--resume: no checkpoint to resume in {work_dir} (no '
            'last_checkpoint file there); start without --resume, or give '
            'the checkpoint: --resume PATH')
    if '://' not in last and not osp.isfile(last):
        raise ResumeError(
            f'--resume: {osp.join(work_dir, "last_checkpoint")} names '
            f'{last}, which does not exist; give a checkpoint: '
            '--resume PATH')
    return last


def _bare_model(model):
    while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    return model


def _num_outputs(model) -> Optional[int]:
    head = getattr(_bare_model(model), 'cls_head', None)
    n = getattr(head, 'num_classes', None)
    return n if isinstance(n, int) else None


def _datasets(runner) -> List[tuple]:
    """(name, dataset) of every loop already built by the Runner."""
    found = []
    for name in ('train', 'val', 'test'):
        loop = getattr(runner, f'_{name}_loop', None)
        loader = getattr(loop, 'dataloader', None) \
            if isinstance(loop, BaseLoop) else None
        if loader is not None:
            found.append((name, loader.dataset))
    return found


def check_loaders(runner) -> None:
    """Refuse an empty dataset, a loader that would run no batch, and
    clouds smaller than the model samples, for every loop the Runner has
    built (:func:`recon3d.datasets.check_dataloader`).

    ``tools/train.py`` calls it right after building the training loop:
    the Runner needs the loader's length for the schedules before any hook
    runs.
    """
    from recon3d.datasets import check_dataloader
    preprocessor = getattr(
        _bare_model(runner.model), 'data_preprocessor', None)
    num_points = getattr(preprocessor, 'num_points', None)
    for name, _ in _datasets(runner):
        check_dataloader(
            getattr(runner, f'_{name}_loop').dataloader, f'{name}_dataloader',
            num_points if isinstance(num_points, int) else None)


@HOOKS.register_module()
class RunChecksHook(Hook):
    """Refuse a run that would silently do the wrong thing.

    Before the run (``before_run``, before any weight is loaded):

    - ``unsafe_pickle=True`` at the top of the config allows a full
      unpickling of checkpoint files for this run (see
      :mod:`recon3d.engine.checkpoint`); off by default;
    - top-level config keys that look like a misspelling of a key the
      Runner reads are reported (:mod:`recon3d.engine.config_check`);
    - ``resume=True`` without ``load_from`` needs a checkpoint in the work
      dir (:class:`ResumeError` otherwise; mmengine would train from
      scratch);
    - every loader of the run must yield batches of clouds large enough
      for the model (:func:`recon3d.datasets.check_dataloader`);
    - a classifier's ``cls_head.num_classes`` must equal the number of
      ``classes`` in the metainfo of each dataset of the run
      (:class:`NumClassesError`).

    On every checkpoint the Runner loads (``load_from``, ``resume``,
    ``tools/test.py``), ``after_load_checkpoint`` checks that it fits the
    model exactly: missing, unexpected and mis-shaped keys raise
    :class:`~recon3d.engine.checkpoint.CheckpointMismatchError` (mmengine
    would log them and run with random weights). Fine-tuning from a
    pretrained trunk goes through ``model.init_cfg`` (``Pretrained``),
    which has its own rule.

    Args:
        strict_load (bool): Check loaded checkpoints. Defaults to True.
        check_num_classes (bool): Check the head against the datasets.
            Defaults to True; the official few-shot protocol turns it off
            (a 40-output head on way-class folds).
    """
    priority = 'VERY_HIGH'

    def __init__(self,
                 strict_load: bool = True,
                 check_num_classes: bool = True) -> None:
        self.strict_load = strict_load
        self.check_num_classes = check_num_classes
        self._unsafe = None
        self._source: Optional[str] = None

    def before_run(self, runner) -> None:
        cfg = runner.cfg
        if cfg.get('unsafe_pickle', False):
            self._unsafe = allow_unsafe_pickle(True)
            self._unsafe.__enter__()
        check_config_keys(cfg, source=cfg.filename or '')
        if cfg.get('resume', False) and not cfg.get('load_from'):
            self._source = resume_checkpoint(runner.work_dir)
        else:
            self._source = cfg.get('load_from')
        check_loaders(runner)
        if self.check_num_classes:
            self.verify_num_classes(runner)

    @staticmethod
    def verify_num_classes(runner) -> None:
        """Raise :class:`NumClassesError` on a head/dataset mismatch."""
        n = _num_outputs(runner.model)
        if n is None:
            return
        from recon3d.datasets import dataset_classes
        for name, dataset in _datasets(runner):
            classes = dataset_classes(dataset)
            if classes and len(classes) != n:
                shown = ', '.join(map(str, list(classes)[:10]))
                more = ', ...' if len(classes) > 10 else ''
                raise NumClassesError(
                    f'model.cls_head.num_classes={n}, but the {name} '
                    f'dataset ({type(dataset).__name__}) has '
                    f'{len(classes)} classes ({shown}{more}); set '
                    f'model.cls_head.num_classes={len(classes)} or use the '
                    'dataset the model was made for')

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # Runner(...) built without a config keeps its arguments only.
        source = self._source or runner.cfg.get('load_from') or getattr(
            runner, '_load_from', None) or 'the checkpoint'
        if self.strict_load:
            check_checkpoint_fits(runner.model, checkpoint, source)
        resuming = runner.cfg.get('resume') or getattr(runner, '_resume',
                                                       False)
        if resuming and 'meta' not in checkpoint:
            raise ResumeError(
                f'{source} holds weights only (no meta, optimizer or '
                'schedule): it cannot be resumed; start from its weights '
                'with load_from (without --resume)')

    def after_run(self, runner) -> None:
        if self._unsafe is not None:
            self._unsafe.__exit__(None, None, None)
            self._unsafe = None
