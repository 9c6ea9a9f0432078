# Demo: zero-shot classification of the generated ModelNet40-layout shapes
# (docs/finetune.md writes them to data/demo/ModelNet40) with the encoder
# pretrained by `make demo` (configs/recon/pretrain_demo.py) and the same
# tiny text teacher with RANDOM weights (one template, as in that
# pretraining; teacher_seed=0 rebuilds the very network whose features the
# demo's text-teacher cache holds): class names are the generator's, read
# from the shape-name file. The demo's image teacher is random too, so the
# point feature is the text projection alone (feature='text'). Demo trunk:
# embed_dims 96, 4 blocks, 3 heads, 32 groups of 16, 512 points (FPS to
# 600, then a random 512-subset).
#   python tools/test.py configs/recon/zeroshot_modelnet40_demo.py \
#       work_dirs/demo/epoch_50.pth
_base_ = ['./zeroshot_modelnet40.py']

model = dict(
    arch=dict(_delete_=True, embed_dims=96, depth=4, num_heads=3),
    backbone=dict(num_group=32, group_size=16),
    text_teacher=dict(
        _delete_=True,
        type='OpenCLIPTextTeacher',
        model_name='recon3d-tiny-clip',
        pretrained=None,
        templates=('A 3D model of a ', ),
        suffixes=('.', )),
    # The seed of the demo's teacher cache (tools/demo.py).
    teacher_seed=0,
    feature='text',
    num_points=512,
    fps_points=600,
)
test_dataloader = dict(
    batch_size=64,
    num_workers=1,
    persistent_workers=False,
    dataset=dict(
        dataset=dict(data_root='data/demo/ModelNet40', num_points=1024)))
