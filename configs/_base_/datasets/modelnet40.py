# ModelNet40 (the official 8192-point FPS pickles) for classification.
# Items hold all 8192 points; the train pipeline only shuffles them. The
# model's data preprocessor samples per batch (train: FPS to P, one random
# N-subset, then its batch augments; eval: FPS to N).
#
# Honest checkpoint selection: 10 % of the train split (per class, seed 0)
# is held out as the validation set (HoldoutSplit); the test split is only
# used by tools/test.py. The official "best epoch on the test split" (the
# paper's no-voting number) is an explicit option:
#   --cfg-options val_dataloader.dataset.part=all \
#       val_dataloader.dataset.dataset.split=test \
#       train_dataloader.dataset.part=all
dataset_type = 'ModelNet40'
data_root = 'data/ModelNet/modelnet40_normal_resampled'

# Both pipelines start as the official loader does: xyz into the unit
# sphere (NormalizePoints), the stored point order kept.
train_pipeline = [
    dict(type='NormalizePoints'),
    dict(type='ShufflePoints'),
    dict(type='PackReconInputs'),
]
test_pipeline = [
    dict(type='NormalizePoints'),
    dict(type='PackReconInputs')
]

# The loader block, written once: validation and test change only what
# differs (order, drop_last, the split and the pipeline).
train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='HoldoutSplit',
        holdout=0.1,
        part='train',
        seed=0,
        dataset=dict(
            type=dataset_type,
            data_root=data_root,
            split='train',
            num_points=8192,
            pipeline=train_pipeline)))
val_dataloader = dict(
    train_dataloader,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        train_dataloader['dataset'],
        part='holdout',
        dataset=dict(
            train_dataloader['dataset']['dataset'], pipeline=test_pipeline)))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(val_dataloader['dataset']['dataset'], split='test'))
val_evaluator = dict(type='Accuracy')
test_evaluator = dict(type='Accuracy')
