# Demo: zero-shot classification of the generated ModelNet10 shapes, the
# modelnet10_* files that make_synthetic.py --format modelnet40 writes
# beside ModelNet40's (ten of the generator's classes; docs/finetune.md
# writes them to data/demo/ModelNet40). Model, teacher and sampling as
# zeroshot_modelnet40_demo.py (the `make demo` encoder, the tiny random
# text teacher, feature='text'); ratio as zeroshot_modelnet10.py (0.2,
# used only by feature='full').
#   python tools/test.py configs/recon/zeroshot_modelnet10_demo.py \
#       work_dirs/demo/epoch_50.pth
_base_ = ['./zeroshot_modelnet40_demo.py']

model = dict(ratio=0.2)
test_dataloader = dict(dataset=dict(dataset=dict(num_category=10)))
