# ReCon pretraining, paper settings: ShapeNet-55 (train + test lists) with
# rendered images and category texts, base model, timm in21k ViT-B/16 image
# teacher + CLIP ViT-B/32 text teacher, AdamW 5e-4, cosine, 10 warm-up
# epochs, 300 epochs, batch 128, 1024 points.
#
# Needs data/ShapeNet55-34 (see docs/get_started.md) and the in21k ViT
# weights under checkpoints/teachers/. Without them it stops at once and says
# what is missing.
#
# Override leaves, e.g. --cfg-options train_dataloader.batch_size=64
_base_ = [
    '../_base_/models/recon_base.py',
    '../_base_/datasets/shapenet55_recon.py',
    '../_base_/schedules/adamw_cosine_300e.py',
    '../_base_/default_runtime.py',
]

default_hooks = dict(
    checkpoint=dict(
        interval=25,
        max_keep_ckpts=3,
        save_last=True,
        save_best='svm/accuracy',
        rule='greater'))
