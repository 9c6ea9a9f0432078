# ReCon, base size (arch='base': C=384, 12 blocks, 6 heads, decoder depth
# 4): the released model.
# Teachers as in the paper's transfer checkpoint: timm 0.4.5's in21k
# ViT-B/16 (tanh pre-logits, 768-d) for images, OpenAI CLIP ViT-B/32 text
# tower (512-d) for category texts.
model = dict(
    type='ReCon',
    # Encoder size; backbone, neck, decoder and heads take their widths from
    # it (see docs/configs.md).
    arch='base',
    # Evaluation clouds are reduced to 1024 points by FPS, batch-wise;
    # training batches (sampled by the pipeline) rotate about y per cloud,
    # as the official pretraining does on the GPU.
    data_preprocessor=dict(
        type='PointDataPreprocessor',
        num_points=1024,
        batch_augments=[dict(type='BatchRotateY')]),
    backbone=dict(
        type='PointTransformer',
        num_group=64,
        group_size=32,
        # The neck and the decoder follow the backbone's rate.
        drop_path_rate=0.1,
        mask_ratio=0.6,
        mask_type='rand'),
    neck=dict(type='ReConNeck', stop_grad=True),
    decoder=dict(type='PointMAEDecoder', depth=4),
    rec_head=dict(
        type='ReconstructionHead', loss=dict(type='ChamferDistanceL2')),
    img_teacher=dict(
        type='TimmImageTeacher',
        model_name='vit_base_patch16_224',
        representation_size=768,
        pretrained='checkpoints/teachers/'
        'jx_vit_base_patch16_224_in21k-e5005f0a.pth'),
    img_head=dict(type='DistillHead', loss=dict(type='SmoothL1Loss')),
    text_teacher=dict(
        type='OpenCLIPTextTeacher', model_name='ViT-B-32',
        pretrained='openai'),
    text_head=dict(type='DistillHead', loss=dict(type='SmoothL1Loss')),
)
