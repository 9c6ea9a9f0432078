# ReCon pretraining, official "tiny" size: C=192, 3 heads (12 blocks,
# decoder depth 4), everything else as pretrain.py.
_base_ = ['./pretrain.py']

model = dict(
    backbone=dict(embed_dims=192, num_heads=3),
    neck=dict(embed_dims=192, num_heads=3),
    decoder=dict(embed_dims=192, num_heads=3),
    rec_head=dict(in_channels=192),
)
