from typing import Optional

from mmengine.hooks import Hook

from recon3d.registry import HOOKS


@HOOKS.register_module()
class RichProgressHook(Hook):
    """A rich progress bar over all training iterations (rank 0 only).

    Shows epoch, iteration, the latest losses and the learning rate;
    validation rounds print their metrics below the bar. Observes only.

    Args:
        refresh_per_second (float): Defaults to 4.
    """
    priority = 'VERY_LOW'

    def __init__(self, refresh_per_second: float = 4) -> None:
        self.refresh_per_second = refresh_per_second
        self._progress = None
        self._task: Optional[int] = None

    def before_train(self, runner) -> None:
        if runner.rank != 0:
            return
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress,
                                   TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)
        self._progress = Progress(
            TextColumn('[bold]pretraining'), BarColumn(),
            MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
            TextColumn('{task.fields[status]}'),
            refresh_per_second=self.refresh_per_second)
        self._progress.start()
        self._task = self._progress.add_task(
            'train', total=runner.max_iters, completed=runner.iter, status='')

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if self._progress is None:
            return
        parts = [f'epoch {runner.epoch + 1}/{runner.max_epochs}']
        for key, value in (outputs or {}).items():
            if key.startswith('loss'):
                value = value.detach() if hasattr(value, 'detach') else value
                parts.append(f'{key} {float(value):.4f}')
        lr = runner.optim_wrapper.get_lr()
        if lr:
            parts.append(f'lr {next(iter(lr.values()))[0]:.2e}')
        self._progress.update(
            self._task, completed=runner.iter + 1, status='  '.join(parts))

    def after_val_epoch(self, runner, metrics=None) -> None:
        if self._progress is not None and metrics:
            text = ', '.join(f'{k} {v:.2f}' for k, v in metrics.items())
            self._progress.console.print(
                f'epoch {runner.epoch}: validation {text}')

    def after_train(self, runner) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
