# ReCon classifier, base size (arch='base': C=384, 12 blocks, 6 heads),
# official ScanObjectNN fine-tune settings: 128 groups of 32 points, drop
# path 0.2 (the neck follows the backbone), the "mlp" head
# (Linear-BN-ReLU-Dropout x2 + Linear) with 15 classes.
# ModelNet40: num_classes=40 (num_group=64 at 1k points, 512 at 8k).
# Protocols: full = the "mlp" head, every parameter trains; mlp3 = the same
# head with freeze_trunk=True; linear = head_type='linear' and
# freeze_trunk=True.
#
# The trunk loads from a recon3d checkpoint (a ReCon pretraining run, or an
# official file converted with tools/model_converters/
# recon_official_to_recon3d.py); the head keeps its init. Set the path:
#   --cfg-options model.init_cfg.checkpoint=checkpoints/recon_base.pth
# An empty path stops with an error at init; model.init_cfg=None trains from
# scratch.
model = dict(
    type='PointClassifier',
    # Encoder size; backbone, neck and head take their widths from it.
    arch='base',
    backbone=dict(
        type='PointTransformer',
        num_group=128,
        group_size=32,
        drop_path_rate=0.2),
    neck=dict(type='ReConNeck', stop_grad=False),
    cls_head=dict(
        type='ClsHead',
        num_classes=15,
        head_type='mlp',
        loss=dict(type='CrossEntropyLoss')),
    freeze_trunk=False,
    init_cfg=dict(type='Pretrained', checkpoint=''),
)
