# Demo: "mlp3" protocol (frozen trunk but the cls parameters) on
# generated ModelNet40-layout data: linear_modelnet40_demo.py with the MLP
# head. It fine-tunes the pretrain_demo.py checkpoint, whose path must be
# given:
#   --cfg-options model.init_cfg.checkpoint=work_dirs/demo/epoch_50.pth
_base_ = ['./linear_modelnet40_demo.py']

model = dict(cls_head=dict(head_type='mlp'))
