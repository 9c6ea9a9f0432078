"""tools/demo.py end to end: data, pretraining, SVM of both encoders."""
import importlib.util
import os.path as osp

from recon3d.testing import tiny_pretrain_cfg

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load_demo():
    spec = importlib.util.spec_from_file_location(
        'recon3d_demo_tool', osp.join(ROOT, 'tools', 'demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_runs_and_reports(tmp_path, capsys):
    demo = _load_demo()
    data_root = str(tmp_path / 'ShapeNet55-34')
    work_dir = str(tmp_path / 'work')
    # The demo config, shrunk: tiny student, 128 points, 1 epoch.
    cfg = tiny_pretrain_cfg(demo.DEMO_CONFIG, data_root, work_dir)
    cfg_file = str(tmp_path / 'demo_tiny.py')
    cfg.dump(cfg_file)

    result = demo.main([
        '--config', cfg_file, '--data-root', data_root, '--work-dir',
        work_dir, '--train-per-class', '1', '--test-per-class', '1',
        '--epochs', '1'
    ])

    assert osp.isfile(osp.join(data_root, 'shapenet55.json'))
    # The teachers were read from caches the demo built first.
    assert result['cache_seconds'] is not None
    for name in ('img_teacher', 'text_teacher'):
        assert osp.isfile(
            osp.join(data_root, 'teacher_cache', name, 'index.json'))
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
    for key in ('pretrained', 'random'):
        assert 0 <= result[key] <= 100
    assert {'loss_mdm', 'loss_csc_img', 'loss_csc_text'} <= set(
        result['losses'])
    out = capsys.readouterr().out
    assert 'random init' in out and 'epoch_1.pth' in out
