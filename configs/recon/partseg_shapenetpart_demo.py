# Demo: part segmentation on the generated parts (9 categories written in
# the ShapeNetPart layout by tools/dataset_converters/make_synthetic.py
# --format shapenetpart; see docs/partseg.md). Demo-size trunk (the
# pretrain_demo.py sizes: embed_dims 96, depth 4, 3 heads, 32 groups of 16;
# local tokens of blocks 1, 2 and 4), a narrower head (propagation 256-256
# and 256-128 convolutions instead of 4C-1024 and 512-256), 512 points per
# shape, a short schedule; minutes per run on a CPU. It fine-tunes the
# pretrain_demo.py checkpoint, whose path must be given:
#   --cfg-options model.init_cfg.checkpoint=work_dirs/demo/epoch_50.pth
# (model.init_cfg=None trains from scratch).
_base_ = ['./partseg_shapenetpart.py']

data_root = 'data/demo/ShapeNetPart'
num_points = 512

model = dict(
    arch=dict(_delete_=True, embed_dims=96, depth=4, num_heads=3),
    backbone=dict(num_group=32, group_size=16),
    seg_head=dict(
        propagation_channels=(256, 256), hidden_channels=(256, 128)))

train_pipeline = [
    dict(type='LoadPartSegPoints'),
    dict(type='NormalizePoints'),
    dict(type='ResamplePoints', num_points=num_points),
    dict(type='PackPartSegInputs'),
]
test_pipeline = [
    dict(type='LoadPartSegPoints'),
    dict(type='NormalizePoints'),
    dict(type='ResamplePoints', num_points=num_points, seed=0),
    dict(type='PackPartSegInputs'),
]
train_dataloader = dict(
    num_workers=1,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=1,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(
    num_workers=1,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.01,
        by_epoch=True,
        begin=0,
        end=2,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=13,
        eta_min=1e-6,
        by_epoch=True,
        begin=2,
        end=15),
]
train_cfg = dict(max_epochs=15, val_interval=5)
default_hooks = dict(logger=dict(interval=5), checkpoint=dict(interval=5))
custom_hooks = [dict(type='PartSegVisHook', num_samples=4, interval=1)]
