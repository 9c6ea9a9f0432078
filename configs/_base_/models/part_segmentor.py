# ReCon part segmentor, base size (C=384, 12 blocks, 6 heads), official
# part-seg settings: 128 groups of 32 points, drop path 0.1, local tokens of
# blocks 4, 8 and 12 (the default out_indices of a 12-block arch: 3, 7, 11),
# the 3776-channel head with 50 parts and 16 categories.
#
# The trunk loads from a recon3d checkpoint (a ReCon pretraining run, or an
# official file converted with tools/model_converters/
# recon_official_to_recon3d.py); the head keeps its init. Set the path:
#   --cfg-options model.init_cfg.checkpoint=checkpoints/recon_base.pth
# An empty path stops with an error at init; model.init_cfg=None trains from
# scratch.
model = dict(
    type='PartSegmentor',
    arch='base',
    backbone=dict(
        type='PointTransformer',
        num_group=128,
        group_size=32,
        drop_path_rate=0.1),
    neck=dict(type='ReConNeck', stop_grad=False),
    seg_head=dict(
        type='PartSegHead',
        num_classes=16,
        num_parts=50,
        loss=dict(type='CrossEntropyLoss')),
    init_cfg=dict(type='Pretrained', checkpoint=''),
)
