# Part segmentation on ShapeNetPart (official settings of
# segmentation/main.py): 2048 points drawn with replacement per shape, xyz
# only, training scales each shape by U(0.8, 1.25) and shifts it by
# U(-0.1, 0.1) per axis; AdamW lr 1e-4 (x10 on the head's convolutions:
# label embedding, propagation and classifier convs, wd .05 kept on their
# biases and the label BatchNorm), wd .05, no decay on norms, biases and
# tokens; grad-norm clip 10; batch 16 (test 32); the official lr schedule
# (TimmCosineLR: per epoch, 10 warm-up epochs from 1e-6 for every group,
# cosine over 0..300 to 1e-6) over 300 epochs (the part-seg loop runs
# epochs 0..299).
#
# One optimizer step per iteration. The official loop steps twice per
# iteration (once before and once after clipping the gradients); that
# behaviour is the official recipe, partseg_shapenetpart_select_on_test.py.
#
# Needs a pretrained trunk:
#   --cfg-options model.init_cfg.checkpoint=PATH
# Checkpoint selection: best partseg/mIoU_I on the val list (training on
# the train list); test:
#   python tools/test.py THIS_CONFIG best_partseg_mIoU_I_epoch_*.pth \
#       --show-dir pictures
_base_ = [
    '../_base_/models/part_segmentor.py',
    '../_base_/datasets/shapenet_part.py',
    '../_base_/schedules/adamw_cosine_ft.py',
    '../_base_/default_runtime.py',
]

model = dict(
    data_preprocessor=dict(
        type='PointDataPreprocessor',
        batch_augments=[
            dict(type='BatchScaleTranslate', scale=(0.8, 1.25),
                 shift=(-0.1, 0.1), isotropic=True)
        ]))
# Official parameter groups: names containing "conv" but not "encoder" get
# lr x10 (and wd .05 even on biases); in recon3d that is the head's
# convolutions and the label BatchNorm (official label_conv.1).
optim_wrapper = dict(
    optimizer=dict(lr=1e-4),
    paramwise_cfg=dict(
        _delete_=True,
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            'seg_head.label_embed.': dict(lr_mult=10.0),
            'seg_head.propagation.convs.': dict(lr_mult=10.0),
            'seg_head.layers.0.': dict(lr_mult=10.0),
            'seg_head.layers.4.': dict(lr_mult=10.0),
            'seg_head.layers.7.': dict(lr_mult=10.0),
            'token': dict(decay_mult=0.0),
        }))
auto_scale_lr = dict(base_batch_size=16)
train_cfg = dict(max_epochs=300)
default_hooks = dict(
    checkpoint=dict(
        interval=10,
        max_keep_ckpts=1,
        save_last=True,
        save_best='partseg/mIoU_I',
        rule='greater'))
custom_hooks = [dict(type='PartSegVisHook', num_samples=4, interval=10)]
