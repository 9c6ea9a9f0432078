import os
import os.path as osp
from typing import List, Optional

import torch
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from recon3d.models.utils import group_points
from recon3d.registry import HOOKS
from recon3d.visualization import draw_reconstruction


@HOOKS.register_module()
class ReconstructionVisHook(Hook):
    """Write reconstruction pictures every ``interval`` validation rounds.

    For ``num_samples`` items spread evenly over the validation set (so that
    a list sorted by category shows several categories), the model
    masks the cloud (a fixed mask per sample, the same every round, so
    pictures are comparable across epochs), reconstructs it and one PNG per
    sample is written to ``<work_dir>/<out_dir>/epoch_<e>/``: the visible
    input, the reconstruction and the ground truth side by side. Observes
    only: the model's ``reconstruct`` runs under ``no_grad`` in eval mode.

    Args:
        interval (int): Every this many validation rounds. Defaults to 1.
        num_samples (int): Pictures per round. Defaults to 4.
        out_dir (str): Folder under the work dir. Defaults to ``'vis'``.
        seed (int): Seed of the fixed masks. Defaults to 0.
    """
    priority = 'LOW'

    def __init__(self,
                 interval: int = 1,
                 num_samples: int = 4,
                 out_dir: str = 'vis',
                 seed: int = 0) -> None:
        self.interval = interval
        self.num_samples = num_samples
        self.out_dir = out_dir
        self.seed = seed
        self._rounds = 0
        self._masks: Optional[torch.Tensor] = None

    def sample_indices(self, length: int) -> List[int]:
        """Indices of the pictured items: ``num_samples`` evenly spaced
        over ``range(length)``, first and last included."""
        count = min(self.num_samples, length)
        if count <= 1:
            return list(range(count))
        return [round(i * (length - 1) / (count - 1)) for i in range(count)]

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._rounds += 1
        if self._rounds % self.interval or not runner.rank == 0:
            return
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        dataset = runner.val_dataloader.dataset
        items = [dataset[i] for i in self.sample_indices(len(dataset))]
        data = model.data_preprocessor(pseudo_collate(items), False)
        points = data['inputs']['points']
        if self._masks is None:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.seed)
                backbone = model.backbone
                _, center = group_points(points[..., :3].contiguous(),
                                         backbone.num_group,
                                         backbone.group_size)
                self._masks = backbone.make_mask(center).cpu()
        was_training = model.training
        model.eval()
        out = model.reconstruct(points, mask=self._masks.to(points.device))
        model.train(was_training)
        folder = osp.join(runner.work_dir, self.out_dir,
                          f'epoch_{runner.epoch}')
        os.makedirs(folder, exist_ok=True)
        for i, sample in enumerate(data['data_samples']):
            name = sample.metainfo.get('file_name', f'sample_{i}')
            stem = osp.splitext(osp.basename(str(name)))[0]
            # The category: the item's text (ShapeNet-55's description).
            category = str(sample.metainfo.get('text', '')).split(',')[0]
            draw_reconstruction(
                out['visible'][i].float().cpu().numpy(),
                out['pred'][i].float().cpu().numpy(),
                out['target'][i].float().cpu().numpy(),
                osp.join(folder, f'{i:02d}_{stem}.png'),
                title=f'epoch {runner.epoch}: {stem}' + (
                    f' ({category})' if category else ''))
        runner.logger.info(f'reconstruction pictures written to {folder}')
