# Zero-shot classification on ScanObjectNN PB_T50_RS (official: ratio 0.05,
# 64 groups of 64). Otherwise as zeroshot_scanobjectnn_objbg.py.
_base_ = ['./zeroshot_scanobjectnn_objbg.py']

model = dict(ratio=0.05)
test_dataloader = dict(dataset=dict(dataset=dict(variant='PB_T50_RS')))
