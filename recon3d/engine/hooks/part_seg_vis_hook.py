import os
import os.path as osp
from typing import Optional, Sequence

from mmengine.hooks import Hook

from recon3d.registry import HOOKS
from recon3d.visualization import draw_part_segmentation


@HOOKS.register_module()
class PartSegVisHook(Hook):
    """Write pictures of predicted vs true parts for a few shapes.

    For ``num_samples`` items spread evenly over the evaluated set (first
    and last included, so that a set sorted by category shows several
    categories), one PNG per item: the points coloured by the predicted
    parts beside the same points coloured by the true parts (colours by the
    category's part order). Observes only: it draws what the evaluation
    loop already predicted (``pred_part``) on the points the model saw.

    - Validation: every ``interval`` rounds, into
      ``<work_dir>/<out_dir>/epoch_<e>/``.
    - Test: only with ``show_dir`` (``tools/test.py --show-dir DIR``), into
      that folder.

    Args:
        interval (int): Every this many validation rounds. Defaults to 1.
        num_samples (int): Pictures per round. Defaults to 4.
        out_dir (str): Validation folder under the work dir. Defaults to
            ``'vis'``.
        show_dir (str, optional): Test pictures folder. Defaults to None
            (no test pictures).
    """
    priority = 'LOW'

    def __init__(self,
                 interval: int = 1,
                 num_samples: int = 4,
                 out_dir: str = 'vis',
                 show_dir: Optional[str] = None) -> None:
        self.interval = interval
        self.num_samples = num_samples
        self.out_dir = out_dir
        self.show_dir = show_dir
        self._rounds = 0
        self._folder: Optional[str] = None
        self._wanted = set()
        self._classes: Sequence[str] = ()

    def _select(self, dataset) -> None:
        self._classes = tuple(dataset.metainfo.get('classes') or ())
        length = len(dataset)
        count = min(self.num_samples, length)
        self._wanted = {
            round(i * (length - 1) / max(count - 1, 1))
            for i in range(count)
        }

    def before_val_epoch(self, runner) -> None:
        self._rounds += 1
        self._folder = None
        if self._rounds % self.interval == 0:
            self._folder = osp.join(runner.work_dir, self.out_dir,
                                    f'epoch_{runner.epoch}')
            self._select(runner.val_dataloader.dataset)

    def before_test_epoch(self, runner) -> None:
        self._folder = self.show_dir
        if self._folder is not None:
            self._select(runner.test_dataloader.dataset)

    def after_val_iter(self, runner, batch_idx: int, data_batch=None,
                       outputs: Optional[Sequence] = None) -> None:
        self._draw(data_batch, outputs)

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs: Optional[Sequence] = None) -> None:
        self._draw(data_batch, outputs)

    def after_val_epoch(self, runner, metrics=None) -> None:
        if self._folder is not None and osp.isdir(self._folder):
            runner.logger.info(f'part pictures written to {self._folder}')

    after_test_epoch = after_val_epoch

    def _draw(self, data_batch, outputs) -> None:
        if self._folder is None or not outputs:
            return
        points = data_batch['inputs']['points']
        for cloud, sample in zip(points, outputs):
            idx = sample.metainfo.get('sample_idx')
            if idx not in self._wanted or 'pred_part' not in sample:
                continue
            os.makedirs(self._folder, exist_ok=True)
            name = sample.metainfo.get('file_name', f'sample_{idx}')
            stem = osp.splitext(str(name))[0].replace(os.sep, '-')
            panels = [('prediction', sample.pred_part.cpu().numpy())]
            if 'gt_part' in sample:
                panels.append(('ground truth',
                               sample.gt_part.cpu().numpy()))
            label = int(sample.gt_label) if 'gt_label' in sample else -1
            category = self._classes[label] if 0 <= label < len(
                self._classes) else ''
            draw_part_segmentation(
                cloud.cpu().numpy(), panels,
                osp.join(self._folder, f'{idx:05d}_{stem}.png'),
                part_ids=sample.metainfo.get('part_ids'),
                title=f'{category} {stem}'.strip())
