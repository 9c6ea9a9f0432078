# ShapeNet-55 for ReCon pretraining: point clouds, one rendered image and the
# category description per model. Train = test list + train list ('whole'),
# as the official pretraining does. Validation: linear SVM on the frozen
# encoder's features, fit on the train list and scored on the test list
# (the pretraining saw these test shapes, and through the text teacher their
# category texts, so this number is a training-progress signal, not a
# benchmark; use ModelNet40 for the paper's SVM protocol).
# The random rotation about y of the official pretraining is a batch augment
# of the model's data preprocessor (configs/_base_/models/recon_base.py).
dataset_type = 'ShapeNet55'
data_root = 'data/ShapeNet55-34'

train_pipeline = [
    dict(type='LoadPointsFromFile', use_dims=3),
    dict(type='LoadImageFromPNG', bgr=True),  # official: cv2.imread's BGR
    dict(type='RandomPointSample', num_points=1024),
    dict(type='NormalizePoints'),
    dict(type='ReConImageAugment', resize=256, crop=224),
    dict(type='PackReconInputs'),
]
# Validation clouds keep all their points; the model's data preprocessor
# takes the farthest point sample of 1024 per batch, on the model's device,
# as the official SVM evaluation does.
val_pipeline = [
    dict(type='LoadPointsFromFile', use_dims=3),
    dict(type='NormalizePoints'),
    dict(type='PackReconInputs'),
]

# The loader block, written once: validation changes only what differs.
train_dataloader = dict(
    batch_size=128,
    num_workers=8,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='whole',
        with_img=True,
        pipeline=train_pipeline),
)
val_dataloader = dict(
    train_dataloader,
    batch_size=64,
    num_workers=4,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        train_dataloader['dataset'], with_img=False, pipeline=val_pipeline),
)
val_evaluator = dict(type='SVMAccuracy', C=0.075)
