"""Crash-safe checkpoint writing."""
import os
import os.path as osp
from collections import deque
from typing import Any, List

from mmengine.dist import is_main_process
from mmengine.fileio import LocalBackend
from mmengine.hooks import CheckpointHook

from recon3d.registry import HOOKS


def _fsync(path: str) -> None:
    """Flush ``path`` (a file or a folder) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_atomically(tmp: str, dst: str) -> None:
    """Flush ``tmp`` and rename it to ``dst`` in one step: a reader (or a
    crash) sees either the old ``dst`` or the complete new one."""
    _fsync(tmp)
    os.replace(tmp, dst)
    _fsync(osp.dirname(osp.abspath(dst)))


def write_text_atomically(path: str, text: str) -> None:
    """Write a small text file through a temporary file and a rename."""
    tmp = osp.join(osp.dirname(path), f'.{osp.basename(path)}.tmp')
    with open(tmp, 'w') as f:
        f.write(text)
    replace_atomically(tmp, path)


class _AtomicWriter:
    """The runner, except that ``save_checkpoint`` writes a temporary file
    in the same folder and renames it into place."""

    def __init__(self, runner) -> None:
        self._runner = runner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._runner, name)

    def save_checkpoint(self, out_dir: str, filename: str, *args,
                        **kwargs) -> None:
        tmp = f'.{filename}.tmp'
        self._runner.save_checkpoint(out_dir, tmp, *args, **kwargs)
        if is_main_process():
            replace_atomically(
                osp.join(out_dir, tmp), osp.join(out_dir, filename))


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's :class:`~mmengine.hooks.CheckpointHook` (same arguments)
    with writes that an interrupt cannot turn into a lost checkpoint.

    mmengine's hook deletes the oldest kept checkpoint, then writes the new
    one in place, then updates ``last_checkpoint``; with
    ``max_keep_ckpts=1`` a kill during the write leaves no usable file. For
    a local ``out_dir`` this hook instead:

    1. writes every checkpoint (periodic, last and best) to a temporary
       file in the same folder, flushes it and renames it into place
       (``os.replace``);
    2. then rewrites ``last_checkpoint`` the same way;
    3. only then deletes the checkpoints that fall out of
       ``max_keep_ckpts`` and the previous best checkpoint.

    At any instant ``last_checkpoint`` names a complete file. Other storage
    backends keep mmengine's behaviour.
    """

    def _is_local(self) -> bool:
        return isinstance(getattr(self, 'file_backend', None), LocalBackend)

    def _remove(self, paths: List[str]) -> None:
        if not is_main_process():
            return
        for path in paths:
            if path and osp.isfile(path):
                os.remove(path)

    def _save_checkpoint_with_step(self, runner, step, meta):
        if not self._is_local():
            return super()._save_checkpoint_with_step(runner, step, meta)
        runner = getattr(runner, '_runner', runner)
        stale: List[str] = []
        if self.max_keep_ckpts > 0 and (not self.keep_ckpt_ids
                                        or self.keep_ckpt_ids[-1] != step):
            ids = list(self.keep_ckpt_ids) + [step]
            stale = [
                osp.join(self.out_dir, self.filename_tmpl.format(s))
                for s in ids[:-self.max_keep_ckpts] if s != step
            ]
            self.keep_ckpt_ids = deque(ids[-self.max_keep_ckpts:],
                                       self.max_keep_ckpts)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = osp.join(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        _AtomicWriter(runner).save_checkpoint(
            self.out_dir,
            filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if is_main_process():
            write_text_atomically(
                osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        self._remove(stale)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        if not self.save_best or not self._is_local():
            return super()._save_best_checkpoint(runner, metrics)
        # Hide the previous best files from mmengine (which would delete
        # them before writing); delete those replaced after the write.
        single = len(self.key_indicators) == 1
        previous = ({
            None: self.best_ckpt_path
        } if single else dict(self.best_ckpt_path_dict))
        if single:
            self.best_ckpt_path = None
        else:
            self.best_ckpt_path_dict = dict.fromkeys(previous)
        super()._save_best_checkpoint(_AtomicWriter(runner), metrics)
        current = ({
            None: self.best_ckpt_path
        } if single else self.best_ckpt_path_dict)
        replaced = []
        for key, old in previous.items():
            if current[key] is None:  # not improved: keep the old one
                current[key] = old
            elif old and old != current[key]:
                replaced.append(old)
        if single:
            self.best_ckpt_path = current[None]
        self._remove(replaced)
        for path in replaced:
            runner.logger.info(f'The previous best checkpoint {path} is '
                               'removed')
