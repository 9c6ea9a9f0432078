# ScanObjectNN OBJ_ONLY (2048 points per scan, 15 classes) for classification.
# The train pipeline rotates about y and shuffles the points (official:
# every ScanObjectNN variant gets y-rotation); the model's data preprocessor
# samples per batch.
#
# Honest checkpoint selection: 10 % of the train split (per class, seed 0)
# is held out as the validation set (HoldoutSplit); the test split is only
# used by tools/test.py. The official "best epoch on the test split" (the
# paper's no-voting number) is an explicit option:
#   --cfg-options val_dataloader.dataset.part=all \
#       val_dataloader.dataset.dataset.split=test \
#       train_dataloader.dataset.part=all
# Same as scanobjectnn_objbg.py but for the object-only scans.
_base_ = ['./scanobjectnn_objbg.py']

variant = 'OBJ_ONLY'
train_dataloader = dict(dataset=dict(dataset=dict(variant=variant)))
val_dataloader = dict(dataset=dict(dataset=dict(variant=variant)))
test_dataloader = dict(dataset=dict(variant=variant))
