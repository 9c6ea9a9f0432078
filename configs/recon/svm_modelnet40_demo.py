# The linear-SVM protocol of svm_modelnet40.py with the demo trunk of
# pretrain_demo.py (embed_dims 96, 4 blocks, 3 heads, 32 groups of 16, 512
# points by FPS) on the generated ModelNet40-layout data of
# docs/finetune.md (1024-point pickles):
#   python tools/test.py configs/recon/svm_modelnet40_demo.py \
#       work_dirs/demo/epoch_50.pth
_base_ = ['./svm_modelnet40.py']

model = dict(
    data_preprocessor=dict(num_points=512),
    arch=dict(_delete_=True, embed_dims=96, depth=4, num_heads=3),
    backbone=dict(num_group=32, group_size=16),
)
test_dataloader = dict(
    batch_size=64,
    num_workers=1,
    persistent_workers=False,
    dataset=dict(
        dataset=dict(data_root='data/demo/ModelNet40', num_points=1024)))
