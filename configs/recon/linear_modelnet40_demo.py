# Demo: "linear" protocol (frozen trunk but the cls parameters) on
# generated ModelNet40-layout data.
# Demo-size trunk (embed_dims 96, depth 4, 3 heads, 32 groups of 16, 512
# points: FPS to 600, then a random 512-subset) on generated data written by
# tools/dataset_converters/make_synthetic.py (see docs/finetune.md); a short
# schedule with a larger lr than the paper's (demo choice). It fine-tunes the
# pretrain_demo.py checkpoint, whose path must be given:
#   --cfg-options model.init_cfg.checkpoint=work_dirs/demo/epoch_50.pth
_base_ = ['./finetune_modelnet40.py']

model = dict(
    data_preprocessor=dict(num_points=512, train_fps_points=600),
    backbone=dict(
        embed_dims=96, depth=4, num_heads=3, num_group=32, group_size=16),
    neck=dict(embed_dims=96, depth=4, num_heads=3),
    cls_head=dict(in_channels=96, head_type='linear'),
    freeze_trunk=True,
)
train_dataloader = dict(
    num_workers=1,
    persistent_workers=False,
    dataset=dict(
        dataset=dict(data_root='data/demo/ModelNet40', num_points=1024)))
val_dataloader = dict(
    num_workers=1,
    persistent_workers=False,
    dataset=dict(
        dataset=dict(data_root='data/demo/ModelNet40', num_points=1024)))
test_dataloader = dict(
    num_workers=1,
    persistent_workers=False,
    dataset=dict(data_root='data/demo/ModelNet40', num_points=1024))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        by_epoch=True,
        begin=0,
        end=2,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=4,
        eta_min=1e-6,
        by_epoch=True,
        begin=2,
        end=6),
]
train_cfg = dict(max_epochs=6, val_interval=1)
default_hooks = dict(
    logger=dict(interval=5), checkpoint=dict(interval=6))
# Short schedule: re-estimate BatchNorm statistics before each validation
# (see PreciseBNHook and finetune_modelnet40_demo.py).
custom_hooks = [dict(type='PreciseBNHook', num_batches=5)]
