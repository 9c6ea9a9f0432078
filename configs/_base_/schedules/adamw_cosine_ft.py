# Fine-tune schedule of the official classification configs: AdamW, wd .05,
# grad-norm clip 10, batch 32 (in the dataset configs), the official lr
# schedule exactly (recon3d.engine.TimmCosineLR: timm's cosine of 300 epochs
# with 10 warm-up epochs linear from an absolute 1e-6 for every group, the
# x10 group included, to 1e-6, changed once per epoch and one epoch late)
# over the official loop's 301 epochs (0..300). Each fine-tune config sets
# its lr: optim_wrapper.optimizer.lr.
#
# Parameter groups as officially: every parameter whose name contains "cls"
# (neck.cls_token, neck.cls_pos, cls_head.*) gets lr x10 and keeps wd .05,
# biases and norms included; the others get no decay on norms, biases and
# *token parameters, wd .05 otherwise. mmengine tries the custom keys
# longest first and stops at the first key found in the name, and a custom
# key overrides norm_decay_mult/bias_decay_mult: 'cls_token' is listed so
# that neck.cls_token gets lr x10 rather than the 'token' rule.
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='TeacherAwareOptimWrapperConstructor',
    # fused=True: PyTorch's one-kernel AdamW (same update; ~4x faster
    # step than the per-tensor loop on a CPU, see docs/performance.md).
    optimizer=dict(type='AdamW', lr=2e-5, weight_decay=0.05, fused=True),
    clip_grad=dict(max_norm=10),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            'cls': dict(lr_mult=10.0),
            'cls_token': dict(lr_mult=10.0),
            'token': dict(decay_mult=0.0),
        }),
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
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=301, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
auto_scale_lr = dict(base_batch_size=32)
