# Fine-tune a two-tower trunk (pretrain_twotower.py) on ScanObjectNN
# PB_T50_RS, as the official cfgs/full/finetune_scan_hardest_twotower.yaml:
# AdamW lr 5e-5 (x10 on "cls" parameters), drop path .2, 128 groups of 32,
# the rest as finetune_scanobjectnn_hardest.py. model.stream picks the
# feature: 'ALL' = [cls, max local, img, text], 'MDM' = the reconstruction
# tower alone ([cls, max local]), 'CMC' = the distillation tower alone
# ([img, text]).
#
# Needs a two-tower checkpoint:
#   --cfg-options model.init_cfg.checkpoint=PATH
_base_ = ['./finetune_scanobjectnn_hardest.py']

model = dict(
    _delete_=True,
    type='TwoTowerClassifier',
    arch='base',
    data_preprocessor=dict(
        type='PointDataPreprocessor',
        num_points=2048,
        train_fps_points=2400,
        batch_augments=[dict(type='BatchRotateY')]),
    backbone=dict(
        type='PlainPointTransformer',
        num_group=128,
        group_size=32,
        drop_path_rate=0.2),
    neck=dict(type='DistillTower'),
    cls_head=dict(type='ClsHead', num_classes=15, head_type='mlp'),
    stream='ALL',
    init_cfg=dict(type='Pretrained', checkpoint=''))
optim_wrapper = dict(optimizer=dict(lr=5e-5))
