# ModelNet40 few-shot folds ({way}way_{shot}shot/{fold}.pkl, 8192 points).
# The train pipeline only shuffles the points; the model's data preprocessor
# samples and augments per batch.
# Official protocol (ReCon few-shot runner): train on the fold's train items,
# evaluate the fold's own test items (way x 20) every epoch, keep the best
# epoch's accuracy. That selection is made on the evaluated items; the
# few-shot tool also reports the last epoch's accuracy (no selection).
#
# way / shot / fold are leaves of the train, val and test loaders (the test
# loader is a copy of the val one): override all nine, e.g.
#   --cfg-options train_dataloader.dataset.way=10 val_dataloader.dataset.way=10
#   (tools/analysis_tools/fewshot_all.py does this for you).
dataset_type = 'ModelNet40FewShot'
data_root = 'data/ModelNetFewshot'

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

# The loader block, written once: validation changes only what differs
# (order, drop_last, the split and the pipeline).
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        way=5,
        shot=10,
        fold=0,
        split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    train_dataloader,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        train_dataloader['dataset'], split='test', pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy')
test_evaluator = dict(type='Accuracy')
