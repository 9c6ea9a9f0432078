# The linear-SVM protocol on ModelNet40 (the official PointTransformerSVM):
# the frozen encoder (arch='base', 64 groups of 32) embeds every train and
# test cloud, reduced to 1024 points by deterministic farthest point
# sampling (from point 0) of the 8192 stored, no augmentation; the feature
# is concat[max over the 3 global tokens, max-pool + mean-pool of the local
# tokens] (768); sklearn's LinearSVC(C=0.075) is fit on train and scored on
# test (svm/accuracy, %).
#   python tools/test.py configs/recon/svm_modelnet40.py CKPT
# Any ReCon pretraining or downstream checkpoint works (only backbone.* and
# neck.* are read). Features alone:
#   python tools/analysis_tools/extract_features.py \
#       configs/recon/svm_modelnet40.py CKPT --split all --out feats.npz
_base_ = ['../_base_/default_runtime.py']

model = dict(
    type='PointEncoder',
    data_preprocessor=dict(type='PointDataPreprocessor', num_points=1024),
    arch='base',
    backbone=dict(
        type='PointTransformer',
        num_group=64,
        group_size=32,
        drop_path_rate=0.1),
    neck=dict(type='ReConNeck', stop_grad=False),
)
test_dataloader = dict(
    batch_size=128,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='ConcatSplits',
        splits='train+test',
        dataset=dict(
            type='ModelNet40',
            data_root='data/ModelNet/modelnet40_normal_resampled',
            num_points=8192,
            pipeline=[
                dict(type='NormalizePoints'),
                dict(type='PackReconInputs')
            ])))
test_evaluator = dict(type='SVMAccuracy', C=0.075)
test_cfg = dict(type='TestLoop')
