# Demo: zero-shot on the generated OBJ_ONLY scans, otherwise as
# zeroshot_scanobjectnn_objbg_demo.py; ratio 0.15 as
# zeroshot_scanobjectnn_objonly.py (used only by feature='full').
_base_ = ['./zeroshot_scanobjectnn_objbg_demo.py']

model = dict(ratio=0.15)
test_dataloader = dict(dataset=dict(dataset=dict(variant='OBJ_ONLY')))
