# The official part-segmentation recipe, for reproducing the published
# number's procedure: train on train + val ('trainval'), keep the epoch with
# the best mIoU_I on the TEST list (model selection on test), and two
# optimizer steps per iteration (one on the raw gradients, one on the
# clipped ones; DoubleStepOptimWrapper). Everything else is
# partseg_shapenetpart.py. The honest default is that config.
_base_ = ['./partseg_shapenetpart.py']

train_dataloader = dict(dataset=dict(split='trainval'))
val_dataloader = dict(dataset=dict(split='test'))
optim_wrapper = dict(type='DoubleStepOptimWrapper')
