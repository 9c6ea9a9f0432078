# ScanObjectNN OBJ_BG, "mlp3" protocol: the trunk is frozen except the "cls"
# parameters (neck.cls_token, neck.cls_pos) and the MLP head; lr 1e-4
# (official). Everything else as finetune_scanobjectnn_objbg.py.
_base_ = ['./finetune_scanobjectnn_objbg.py']

model = dict(cls_head=dict(head_type='mlp'), freeze_trunk=True)
optim_wrapper = dict(optimizer=dict(lr=1e-4))
