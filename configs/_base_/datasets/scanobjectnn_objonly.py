# ScanObjectNN OBJ_ONLY (the object points only): scanobjectnn.py with the
# variant leaf of each loader set.
_base_ = ['./scanobjectnn.py']

train_dataloader = dict(dataset=dict(dataset=dict(variant='OBJ_ONLY')))
val_dataloader = dict(dataset=dict(dataset=dict(variant='OBJ_ONLY')))
test_dataloader = dict(dataset=dict(variant='OBJ_ONLY'))
