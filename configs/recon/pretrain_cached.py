# ReCon pretraining at the paper's settings (configs/recon/pretrain.py) with
# both frozen teachers read from caches built once, instead of re-encoding
# every image and text at every step:
#
#   python tools/analysis_tools/build_teacher_cache.py \
#       configs/recon/pretrain_cached.py
#   python tools/train.py configs/recon/pretrain_cached.py
#
# - text teacher: every prompt variant (20 prefixes x 3 suffixes) of every
#   category text, looked up with the same random choice as the live
#   teacher: the same targets.
# - image teacher: `num_views` augmented views per image (the training image
#   augmentation, seeded per image and view); each step draws one of them
#   per sample. The one difference from live teachers: a finite set of
#   augmentations (docs/performance.md). The train pipeline then loads no
#   image: it packs each item's file name, the cache's key.
#
# A cache that does not match the teachers, their weights, the views or the
# dataset list is refused with the differences and this build command.
# The same switch for any ReCon config:
# recon3d.models.teachers.use_teacher_cache(cfg, cache_root).
_base_ = ['./pretrain.py']

teacher_cache = 'data/ShapeNet55-34/teacher_cache'
num_views = 10
num_points = 1024

model = dict(
    img_teacher=dict(
        _delete_=True,
        type='CachedTeacher',
        teacher={{_base_.model.img_teacher}},
        cache=teacher_cache + '/img_teacher',
        num_views=num_views,
        # One view of an image: the image transforms of the live train
        # pipeline. With num_views=1, use the un-augmented view instead:
        # [LoadImageFromPNG, ResizeImage(size=224)].
        pipeline=[
            dict(type='LoadImageFromPNG', bgr=True),
            dict(type='ReConImageAugment', resize=256, crop=224),
        ],
        seed=0),
    text_teacher=dict(
        _delete_=True,
        type='CachedTeacher',
        teacher={{_base_.model.text_teacher}},
        cache=teacher_cache + '/text_teacher',
        seed=0),
)

train_pipeline = [
    dict(type='LoadPointsFromFile', use_dims=3),
    dict(type='RandomPointSample', num_points=num_points),
    dict(type='NormalizePoints'),
    dict(type='PackReconInputs', img_key='file_name'),
]
train_dataloader = dict(
    dataset=dict(with_img=False, pipeline=train_pipeline))
