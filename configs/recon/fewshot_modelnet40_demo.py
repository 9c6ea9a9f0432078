# Demo: few-shot fine-tuning on generated folds (5 way, 10 shot, folds 0-1,
# written by tools/dataset_converters/make_synthetic.py --format
# modelnet40_fewshot; see docs/finetune.md). Demo-size trunk (embed_dims 96,
# depth 4, 3 heads, 32 groups of 16, 512 points: FPS to 600, then a random
# 512-subset), 20 epochs. Same overridable leaves as fewshot_modelnet40.py:
#   {train,val,test}_dataloader.dataset.{way,shot,fold}
# It fine-tunes the pretrain_demo.py checkpoint, whose path must be given:
#   --cfg-options model.init_cfg.checkpoint=work_dirs/demo/epoch_50.pth
_base_ = ['./fewshot_modelnet40.py']

model = dict(
    data_preprocessor=dict(num_points=512, train_fps_points=600),
    arch=dict(_delete_=True, embed_dims=96, depth=4, num_heads=3),
    backbone=dict(num_group=32, group_size=16),
)
train_dataloader = dict(
    batch_size=16,
    num_workers=1,
    persistent_workers=False,
    dataset=dict(data_root='data/demo/ModelNetFewshot'))
val_dataloader = dict(
    num_workers=1,
    persistent_workers=False,
    dataset=dict(data_root='data/demo/ModelNetFewshot'))
test_dataloader = val_dataloader
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
        T_max=18,
        eta_min=1e-6,
        by_epoch=True,
        begin=2,
        end=20),
]
train_cfg = dict(max_epochs=20, val_interval=1)
default_hooks = dict(
    logger=dict(interval=5), checkpoint=dict(interval=20))
