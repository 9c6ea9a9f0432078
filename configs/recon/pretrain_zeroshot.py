# ReCon pretraining for zero-shot transfer: CLIP ViT-B/32 is both the image
# teacher (visual tower, 512-d) and the text teacher.
_base_ = ['./pretrain.py']

model = dict(
    img_teacher=dict(
        _delete_=True,
        type='OpenCLIPImageTeacher',
        model_name='ViT-B-32',
        pretrained='openai'))
