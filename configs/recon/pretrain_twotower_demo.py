# Demo of the two-tower ablation: pretrain_demo.py (the generated shapes,
# demo-size model, tiny random open_clip teachers, the same schedule and
# SVM validation) with the two towers of pretrain_twotower.py instead of
# the ReCon-block encoder, for a comparison at the same budget.
_base_ = ['./pretrain_demo.py']

model = dict(
    type='TwoTower',
    backbone=dict(type='PlainPointTransformer'),
    neck=dict(_delete_=True, type='DistillTower'))
