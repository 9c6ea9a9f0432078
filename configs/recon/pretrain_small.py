# ReCon pretraining, official "small" size: C=256, 4 heads (12 blocks,
# decoder depth 4), everything else as pretrain.py.
_base_ = ['./pretrain.py']

model = dict(
    backbone=dict(embed_dims=256, num_heads=4),
    neck=dict(embed_dims=256, num_heads=4),
    decoder=dict(embed_dims=256, num_heads=4),
    rec_head=dict(in_channels=256),
)
