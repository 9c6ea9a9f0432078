# ReCon zero-shot classifier, base size (arch='base'), as the
# official PointTransformerZeroShot: point feature = ratio * text_head(text
# token) + img_head(img token) in CLIP ViT-B/32's space; class embedding =
# the sum of the CLIP text features of the 60 prompt variants of its name;
# prediction = highest cosine similarity. Sampling: FPS to 1200 points, then
# a random 1024-subset (no augmentation); drop path 0.1 (unused in eval).
#
# The checkpoint is a ReCon pretrained with CLIP ViT-B/32 as its image
# teacher (configs/recon/pretrain_zeroshot.py, or the official zero-shot
# file converted with tools/model_converters/recon_official_to_recon3d.py):
#   python tools/test.py configs/recon/zeroshot_modelnet40.py CKPT
# The text teacher must be that CLIP: with no network, give its weights:
#   --cfg-options model.text_teacher.pretrained=PATH
model = dict(
    type='ZeroShotClassifier',
    data_preprocessor=dict(type='PointDataPreprocessor'),
    # Encoder size; backbone, neck and heads take their widths from it.
    arch='base',
    backbone=dict(
        type='PointTransformer',
        num_group=64,
        group_size=32,
        drop_path_rate=0.1),
    neck=dict(type='ReConNeck', stop_grad=False),
    text_teacher=dict(
        type='OpenCLIPTextTeacher', model_name='ViT-B-32',
        pretrained='openai'),
    img_head=dict(type='DistillHead'),
    text_head=dict(type='DistillHead'),
    feature='full',
    ratio=0.25,
    num_points=1024,
    fps_points=1200,
)
