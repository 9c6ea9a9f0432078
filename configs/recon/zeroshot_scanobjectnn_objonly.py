# Zero-shot classification on ScanObjectNN OBJ_ONLY (official: ratio 0.15,
# 32 groups of 128). Otherwise as zeroshot_scanobjectnn_objbg.py.
_base_ = ['./zeroshot_scanobjectnn_objbg.py']

model = dict(backbone=dict(num_group=32, group_size=128), ratio=0.15)
test_dataloader = dict(dataset=dict(dataset=dict(variant='OBJ_ONLY')))
