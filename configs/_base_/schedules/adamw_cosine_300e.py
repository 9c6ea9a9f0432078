# AdamW lr 5e-4, wd .05; no weight decay on 1-D tensors, biases and
# *token parameters (the *_pos tensors are decayed, as officially).
# The official schedule, exactly (timm's CosineLRScheduler as the official
# loop drives it, see recon3d.engine.TimmCosineLR): the lr changes once per
# epoch, 10 warm-up epochs linear from an absolute 1e-6, a cosine of 300
# epochs to 1e-6 counted from epoch 0 (the warm-up is not subtracted), each
# value used one epoch late (epochs 0 and 1 both at 1e-6); the official loop
# runs epochs 0..300, 301 epochs.
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='TeacherAwareOptimWrapperConstructor',
    # fused=True: PyTorch's one-kernel AdamW (same update; ~4x faster
    # step than the per-tensor loop on a CPU, see docs/performance.md).
    optimizer=dict(type='AdamW', lr=5e-4, weight_decay=0.05, fused=True),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={'token': dict(decay_mult=0.0)}),
)
param_scheduler = [
    dict(
        type='TimmCosineLR',
        t_initial=300,
        warmup_t=10,
        warmup_lr_init=1e-6,
        lr_min=1e-6,
        by_epoch=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=301, val_interval=10)
val_cfg = dict(type='ValLoop')
auto_scale_lr = dict(base_batch_size=128)
