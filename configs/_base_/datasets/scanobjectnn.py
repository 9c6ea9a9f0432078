# ScanObjectNN (2048 points per scan, 15 classes) for classification: the
# one dataset base of the three variants. The variant is a leaf of each
# loader's dataset, OBJ_BG here (scanobjectnn_{objbg,objonly,hardest}.py set
# it; 'OBJ_BG', 'OBJ_ONLY' or 'PB_T50_RS'):
#   train_dataloader.dataset.dataset.variant
#   val_dataloader.dataset.dataset.variant
#   test_dataloader.dataset.variant
# The scans are used as stored (the official loader does not normalise).
# The train pipeline only shuffles the points; the model's data preprocessor
# samples per batch and rotates about y (batch_augments of the fine-tune
# configs; official: every ScanObjectNN variant gets y-rotation in training).
#
# Honest checkpoint selection: 10 % of the train split (per class, seed 0)
# is held out as the validation set (HoldoutSplit); the test split is only
# used by tools/test.py. The official "best epoch on the test split" (the
# paper's no-voting number) is an explicit option:
#   --cfg-options val_dataloader.dataset.part=all \
#       val_dataloader.dataset.dataset.split=test \
#       train_dataloader.dataset.part=all
dataset_type = 'ScanObjectNN'
data_root = 'data/ScanObjectNN'

train_pipeline = [
    dict(type='ShufflePoints'),
    dict(type='PackReconInputs'),
]
test_pipeline = [dict(type='PackReconInputs')]

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
            variant='OBJ_BG',
            split='train',
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
