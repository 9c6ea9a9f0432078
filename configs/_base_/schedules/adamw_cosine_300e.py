# AdamW lr 5e-4, wd .05; no weight decay on 1-D tensors, biases and
# *token parameters (the *_pos tensors are decayed, as officially).
# 10 warm-up epochs from 1e-6, then cosine to 1e-6; 300 epochs.
# The official timm scheduler steps once per epoch; mmengine's warm-up here
# is per iteration, the cosine per epoch.
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='TeacherAwareOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.05),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={'token': dict(decay_mult=0.0)}),
)
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-6 / 5e-4,
        by_epoch=True,
        begin=0,
        end=10,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=290,
        eta_min=1e-6,
        by_epoch=True,
        begin=10,
        end=300),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=300, val_interval=10)
val_cfg = dict(type='ValLoop')
auto_scale_lr = dict(base_batch_size=128)
