# ShapeNetPart (16 categories, 50 parts) for part segmentation.
# Each shape: its file's xyz scaled into the unit sphere, then 2048 points
# drawn with replacement, as officially. Evaluation draws are seeded per
# shape (the same points every epoch; officially a fresh draw each time).
# The isotropic scale and shift of training run on the batch in the model's
# data preprocessor (see the part-seg configs).
#
# Honest checkpoint selection: train on the train list, keep the best epoch
# on the val list, test on the test list. The official code trains on
# train + val ('trainval') and keeps the best epoch on the test list; that
# recipe is configs/recon/partseg_shapenetpart_select_on_test.py.
dataset_type = 'ShapeNetPart'
data_root = 'data/shapenetcore_partanno_segmentation_benchmark_v0_normal'

train_pipeline = [
    dict(type='LoadPartSegPoints'),
    dict(type='NormalizePoints'),
    dict(type='ResamplePoints', num_points=2048),
    dict(type='PackPartSegInputs'),
]
test_pipeline = [
    dict(type='LoadPartSegPoints'),
    dict(type='NormalizePoints'),
    dict(type='ResamplePoints', num_points=2048, seed=0),
    dict(type='PackPartSegInputs'),
]

# The loader block, written once: validation and test change only what
# differs.
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    train_dataloader,
    batch_size=32,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        train_dataloader['dataset'], split='val', pipeline=test_pipeline))
# The val loader on the test list.
test_dataloader = dict(
    val_dataloader, dataset=dict(val_dataloader['dataset'], split='test'))
val_evaluator = dict(type='PartSegMIoU')
test_evaluator = dict(type='PartSegMIoU')
