# The two-tower ablation of the ReCon paper (official
# cfgs/pretrain/twotower.yaml): a plain Point-MAE tower (pre-norm blocks,
# visible tokens only) reconstructs the masked groups, and a separate
# distillation tower (its own patch embedding and plain blocks over all
# groups, img and text tokens first) regresses the teachers; CLIP ViT-B/32
# is both teachers, as in the official config. Loss: Chamfer-L2 +
# SmoothL1 (img) + SmoothL1 (text). Data, schedule and sizes as
# pretrain.py (AdamW 5e-4, 300 epochs, batch 128, base size, 64 groups of
# 32, mask ratio 0.6).
#
# Fine-tune the result with TwoTowerClassifier (model.stream = ALL, MDM or
# CMC); see docs/partseg.md, "The two-tower ablation".
_base_ = ['./pretrain_zeroshot.py']

model = dict(
    type='TwoTower',
    backbone=dict(type='PlainPointTransformer'),
    neck=dict(_delete_=True, type='DistillTower'))
