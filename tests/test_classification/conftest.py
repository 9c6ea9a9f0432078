import pytest


@pytest.fixture(scope='session')
def cls_data(tmp_path_factory):
    """Tiny generated ModelNet40, ScanObjectNN and few-shot folds, and a
    tiny pretraining checkpoint (1 epoch of pretrain_demo.py shrunk)."""
    import os.path as osp

    from mmengine.runner import Runner

    from recon3d.datasets.synthetic import (write_modelnet40,
                                            write_modelnet40_fewshot,
                                            write_scanobjectnn,
                                            write_shapenet55)
    from recon3d.testing import tiny_pretrain_cfg
    from recon3d.utils import register_all_modules
    register_all_modules()
    root = tmp_path_factory.mktemp('cls')
    mn = root / 'ModelNet40'
    write_modelnet40(str(mn), train_per_class=3, test_per_class=1,
                     num_points_txt=300, num_points=256)
    write_scanobjectnn(str(root / 'ScanObjectNN'), train_per_class=3,
                       test_per_class=1, num_points=256, copies=1,
                       variants=('PB_T50_RS', ))
    write_modelnet40_fewshot(str(root / 'ModelNetFewshot'), str(mn),
                             ways=(5, ), shots=(2, ), folds=2,
                             test_per_class=1, num_points=256)
    sn = root / 'ShapeNet55-34'
    write_shapenet55(str(sn), train_per_class=1, test_per_class=1, seed=0,
                     num_points=256, image_size=64)
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    cfg = tiny_pretrain_cfg(
        osp.join(repo, 'configs/recon/pretrain_demo.py'), str(sn),
        str(root / 'pretrain'), val_interval=None)
    Runner.from_cfg(cfg).train()
    return dict(root=str(root), ckpt=str(root / 'pretrain' / 'epoch_1.pth'))
