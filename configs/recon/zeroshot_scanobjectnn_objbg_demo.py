# Demo: zero-shot classification of the generated ScanObjectNN-layout scans
# (OBJ_BG; docs/finetune.md writes them to data/demo/ScanObjectNN). Model,
# teacher and sampling as zeroshot_modelnet40_demo.py (the `make demo`
# encoder, the tiny random text teacher, feature='text', 32 groups of 16,
# FPS to 600 then a random 512-subset of the stored points); ratio as
# zeroshot_scanobjectnn_objbg.py (0.1, used only by feature='full').
#
# The generated scans of each ScanObjectNN label are one generated class
# (the written folder's README.txt): the prompts name that class (the first
# word of the caption the demo teacher was pretrained with, e.g. 'sphere'
# for 'sphere,ball'), instead of the official texts.
#   python tools/test.py configs/recon/zeroshot_scanobjectnn_objbg_demo.py \
#       work_dirs/demo/epoch_50.pth
_base_ = ['./zeroshot_modelnet40_demo.py']

model = dict(
    ratio=0.1,
    prompt_names=dict(
        bag='sphere',
        bin='pot',
        cabinet='cylinder',
        desk='stool',
        display='cone',
        door='torus',
        shelf='bookshelf',
        bed='pyramid',
        pillow='capsule',
        sink='bowl',
        sofa='bench',
        toilet='mug'))
test_dataloader = dict(
    dataset=dict(
        dataset=dict(
            _delete_=True,
            type='ScanObjectNN',
            data_root='data/demo/ScanObjectNN',
            variant='OBJ_BG',
            pipeline=[dict(type='PackReconInputs')])))
