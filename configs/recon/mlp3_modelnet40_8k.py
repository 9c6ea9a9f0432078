# ModelNet40 (8192 points), "mlp3" protocol: the trunk is frozen except the
# "cls" parameters (neck.cls_token, neck.cls_pos) and the MLP head; lr 5e-5
# (official). Everything else as finetune_modelnet40_8k.py.
_base_ = ['./finetune_modelnet40_8k.py']

model = dict(cls_head=dict(head_type='mlp'), freeze_trunk=True)
optim_wrapper = dict(optimizer=dict(lr=5e-5))
