# Demo: "linear" protocol (frozen trunk but the cls parameters) on
# generated ModelNet40-layout data: finetune_modelnet40_demo.py (demo-size
# trunk, data, 6-epoch schedule, PreciseBNHook) with the linear head, the
# frozen trunk and a larger lr than the paper's (demo choice). It fine-tunes
# the pretrain_demo.py checkpoint, whose path must be given:
#   --cfg-options model.init_cfg.checkpoint=work_dirs/demo/epoch_50.pth
_base_ = ['./finetune_modelnet40_demo.py']

model = dict(cls_head=dict(head_type='linear'), freeze_trunk=True)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
