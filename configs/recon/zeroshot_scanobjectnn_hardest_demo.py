# Demo: zero-shot on the generated PB_T50_RS scans, otherwise as
# zeroshot_scanobjectnn_objbg_demo.py; ratio 0.05 as
# zeroshot_scanobjectnn_hardest.py (used only by feature='full').
#   python tools/test.py configs/recon/zeroshot_scanobjectnn_hardest_demo.py \
#       work_dirs/demo/epoch_50.pth
_base_ = ['./zeroshot_scanobjectnn_objbg_demo.py']

model = dict(ratio=0.05)
test_dataloader = dict(dataset=dict(dataset=dict(variant='PB_T50_RS')))
