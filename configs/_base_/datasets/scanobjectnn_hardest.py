# ScanObjectNN PB_T50_RS ("hardest": perturbed, rotated, scaled views with
# background): scanobjectnn.py with the variant leaf of each loader set.
_base_ = ['./scanobjectnn.py']

train_dataloader = dict(dataset=dict(dataset=dict(variant='PB_T50_RS')))
val_dataloader = dict(dataset=dict(dataset=dict(variant='PB_T50_RS')))
test_dataloader = dict(dataset=dict(variant='PB_T50_RS'))
