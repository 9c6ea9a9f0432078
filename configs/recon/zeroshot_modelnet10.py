# Zero-shot classification on ModelNet10 (official ratio 0.2): the
# modelnet10_* names, lists and pickles of the ModelNet40 folder
# (modelnet10_shape_names.txt, modelnet10_{train,test}.txt,
# modelnet10_{train,test}_8192pts_fps.dat). Otherwise as
# zeroshot_modelnet40.py (test split; train + test is the official option).
_base_ = ['./zeroshot_modelnet40.py']

model = dict(ratio=0.2)
test_dataloader = dict(dataset=dict(dataset=dict(num_category=10)))
