# ReCon pretraining, official "small" size: C=256, 4 heads (12 blocks,
# decoder depth 4), everything else as pretrain.py.
_base_ = ['./pretrain.py']

model = dict(arch='small')
