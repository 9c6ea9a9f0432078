# ReCon pretraining, paper settings: ShapeNet-55 (train + test lists) with
# rendered images and category texts, base model, timm in21k ViT-B/16 image
# teacher + CLIP ViT-B/32 text teacher, AdamW 5e-4, batch 128, 1024 points.
# The official protocol's details are switched on: teacher images in
# cv2's BGR order (LoadImageFromPNG bgr=True), the official lr schedule
# (TimmCosineLR: per epoch, 10 warm-up epochs from 1e-6, a 300-epoch cosine
# to 1e-6) and 301 epochs (the official loop runs 0..300); see
# docs/configs.md, "What is official".
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
