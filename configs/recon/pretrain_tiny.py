# ReCon pretraining, official "tiny" size: C=192, 3 heads (12 blocks,
# decoder depth 4), everything else as pretrain.py.
_base_ = ['./pretrain.py']

model = dict(arch='tiny')
