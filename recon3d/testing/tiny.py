"""Tiny configurations for tests: real classes, seconds per run."""
import copy
from typing import Optional

from mmengine.config import Config

#: The tiny encoder: C=32, one block, two heads (``model.arch``).
TINY_ARCH = dict(embed_dims=32, depth=1, num_heads=2)


def tiny_classifier_overrides() -> dict:
    """``--cfg-options`` leaves that shrink any ReCon classifier config to
    :data:`TINY_ARCH` with 8 groups of 8 points."""
    # ``_delete_``: the arch replaces a name or a dict alike.
    opts = {f'model.arch.{k}': v for k, v in TINY_ARCH.items()}
    return {'model.arch._delete_': True, **opts,
            'model.backbone.num_group': 8, 'model.backbone.group_size': 8}


def tiny_model_overrides() -> dict:
    """As :func:`tiny_classifier_overrides` for a ReCon pretraining config,
    with a one-block decoder and tiny random open_clip teachers."""
    teachers = {
        f'model.{modality}_teacher': dict(
            _delete_=True, type=f'OpenCLIP{kind}Teacher',
            model_name='recon3d-tiny-clip', pretrained=None)
        for modality, kind in (('img', 'Image'), ('text', 'Text'))}
    return dict(tiny_classifier_overrides(), **teachers,
                **{'model.decoder.depth': 1})


def tiny_pretrain_cfg(config: str,
                      data_root: str,
                      work_dir: str,
                      max_epochs: int = 1,
                      batch_size: int = 16,
                      num_points: int = 128,
                      val_interval: Optional[int] = 1) -> Config:
    """Load a pretraining config and shrink it for a test run.

    The pipelines keep their transforms; point and image sizes shrink, data
    loading runs in the main process, and the schedule is ``max_epochs``
    long.

    Args:
        config (str): Config file, e.g. ``configs/recon/pretrain_demo.py``.
        data_root (str): A ShapeNet-55-layout folder.
        work_dir (str): Work dir of the run.
        max_epochs (int): Defaults to 1.
        batch_size (int): Defaults to 16.
        num_points (int): Points per cloud. Defaults to 128.
        val_interval (int, optional): None disables validation.
    """
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(tiny_model_overrides())
    cfg.work_dir = work_dir
    cfg.model.data_preprocessor.num_points = num_points
    for name in ('train_dataloader', 'val_dataloader'):
        loader = cfg[name]
        loader.dataset.data_root = data_root
        loader.batch_size = batch_size
        loader.num_workers = 0
        loader.persistent_workers = False
        for t in loader.dataset.pipeline:
            if 'num_points' in t:
                t.num_points = num_points
            if t.type == 'ReConImageAugment':
                t.update(resize=36, crop=32, cutout=4)
    cfg.train_cfg = dict(
        type='EpochBasedTrainLoop', max_epochs=max_epochs,
        val_interval=val_interval or max_epochs + 1)
    if val_interval is None:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        cfg.default_hooks.checkpoint.pop('save_best', None)
        cfg.default_hooks.checkpoint.pop('rule', None)
    cfg.param_scheduler = [
        dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True,
             begin=0, end=max_epochs, eta_min=1e-5)
    ]
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = 1
    cfg.custom_hooks = copy.deepcopy(
        [h for h in cfg.get('custom_hooks', [])
         if h['type'] != 'ReconstructionVisHook'])
    cfg.randomness = dict(seed=0, deterministic=False)
    return cfg
