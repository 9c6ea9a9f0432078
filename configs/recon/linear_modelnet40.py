# ModelNet40 (1024 points), "linear" protocol: the trunk is frozen except the
# "cls" parameters (neck.cls_token, neck.cls_pos) and the linear head; lr 1e-4
# (official). Everything else as finetune_modelnet40.py.
_base_ = ['./finetune_modelnet40.py']

model = dict(cls_head=dict(head_type='linear'), freeze_trunk=True)
optim_wrapper = dict(optimizer=dict(lr=1e-4))
