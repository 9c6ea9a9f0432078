"""Tiny configurations for tests: real classes, seconds per run."""
import copy
from typing import Optional

from mmengine.config import Config

TINY_DIMS = 32


def tiny_model_overrides(embed_dims: int = TINY_DIMS,
                         num_group: int = 8,
                         group_size: int = 8) -> dict:
    """``--cfg-options``-style overrides that shrink any ReCon config to
    depth 1, ``embed_dims`` wide, with tiny random open_clip teachers."""
    return {
        'model.backbone.embed_dims': embed_dims,
        'model.backbone.depth': 1,
        'model.backbone.num_heads': 2,
        'model.backbone.num_group': num_group,
        'model.backbone.group_size': group_size,
        'model.neck.embed_dims': embed_dims,
        'model.neck.depth': 1,
        'model.neck.num_heads': 2,
        'model.decoder.embed_dims': embed_dims,
        'model.decoder.depth': 1,
        'model.decoder.num_heads': 2,
        'model.rec_head.in_channels': embed_dims,
        'model.rec_head.group_size': group_size,
        'model.img_teacher': dict(
            _delete_=True, type='OpenCLIPImageTeacher',
            model_name='recon3d-tiny-clip', pretrained=None),
        'model.text_teacher': dict(
            _delete_=True, type='OpenCLIPTextTeacher',
            model_name='recon3d-tiny-clip', pretrained=None),
    }


def tiny_classifier_overrides(embed_dims: int = TINY_DIMS,
                              num_group: int = 8,
                              group_size: int = 8) -> dict:
    """``--cfg-options``-style overrides that shrink a ``PointClassifier``
    config (fine-tune / linear / mlp3 / few-shot) to depth 1."""
    return {
        'model.backbone.embed_dims': embed_dims,
        'model.backbone.depth': 1,
        'model.backbone.num_heads': 2,
        'model.backbone.num_group': num_group,
        'model.backbone.group_size': group_size,
        'model.neck.embed_dims': embed_dims,
        'model.neck.depth': 1,
        'model.neck.num_heads': 2,
        'model.cls_head.in_channels': embed_dims,
    }


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
