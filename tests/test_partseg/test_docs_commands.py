"""Every command of docs/partseg.md, in order, shortened with
--cfg-options (tiny trunk, 64 points, one epoch): write the generated
parts, fine-tune the demo from a trunk checkpoint and from scratch (train,
validate, pictures), test with --show-dir, convert a random official
part-seg file and evaluate it with the full-size config; then the Python
example."""
import glob
import importlib.util
import os
import os.path as osp
import re
import shlex

import pytest
import torch

from recon3d.testing import random_official_state_dict

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DOC = osp.join(REPO, 'docs', 'partseg.md')
#: The tiny trunk: 3 blocks read by the head (as the official 3 levels).
ARCH = dict(embed_dims=48, depth=3, num_heads=3)


def _blocks(kind):
    with open(DOC) as f:
        return re.findall(rf'```{kind}\n(.*?)```', f.read(), re.S)


def _commands():
    lines = '\n'.join(_blocks('bash')).replace('\\\n', ' ').splitlines()
    return [shlex.split(ln) for ln in lines if ln.strip()]


def _tool(path):
    spec = importlib.util.spec_from_file_location(
        'doc_' + osp.basename(path)[:-3], osp.join(REPO, path))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def _shorten(config):
    opts = {'model.arch._delete_': True}
    opts.update({f'model.arch.{k}': v for k, v in ARCH.items()})
    opts.update({
        'model.backbone.num_group': 8,
        'model.backbone.group_size': 8,
        'model.out_indices': (0, 1, 2),
        'train_cfg.max_epochs': 1,
        'train_cfg.val_interval': 1,
        'train_dataloader.batch_size': 8,
        'log_level': 'WARNING',
    })
    if 'demo' not in config:  # the full-size config reads the demo data
        opts['model.seg_head.propagation_channels'] = (1536, 1024)
    for loader in ('train', 'val', 'test'):
        key = f'{loader}_dataloader'
        opts[f'{key}.num_workers'] = 0
        opts[f'{key}.persistent_workers'] = False
        opts[f'{key}.dataset.data_root'] = 'data/demo/ShapeNetPart'
        opts[f'{key}.dataset.pipeline.2.num_points'] = 64
    return [f'{k}={v}'.replace(' ', '') for k, v in opts.items()]


def _with_options(argv, extra):
    """``argv`` with ``extra`` added to (or as) its --cfg-options."""
    if '--cfg-options' in argv:
        i = argv.index('--cfg-options') + 1
        while i < len(argv) and not argv[i].startswith('--'):
            i += 1
        return argv[:i] + extra + argv[i:]
    return argv + ['--cfg-options'] + extra


@pytest.mark.timeout(900)
def test_every_command_of_the_page_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # What the page expects to exist: a demo-pretrained trunk and an
    # official part-seg download (random weights in the official layout).
    from recon3d.registry import MODELS
    trunk = MODELS.build(
        dict(type='PartSegmentor', arch=ARCH,
             backbone=dict(type='PointTransformer', num_group=8,
                           group_size=8),
             neck=dict(type='ReConNeck'), out_indices=(0, 1, 2),
             seg_head=dict(type='PartSegHead')))
    trunk.init_weights()
    os.makedirs('work_dirs/demo')
    torch.save(dict(state_dict={k: v for k, v in trunk.state_dict().items()
                                if not k.startswith('seg_head.')}),
               'work_dirs/demo/epoch_50.pth')
    os.makedirs('downloads')
    torch.save(dict(model_state_dict=random_official_state_dict(
        'partseg', dtype=torch.float32, **{
            'embed_dims': ARCH['embed_dims'], 'depth': ARCH['depth']})),
        'downloads/part_seg.pth')

    ran = []
    for argv in _commands():
        assert argv[0] == 'python', argv
        script, args = argv[1], argv[2:]
        if script.endswith('make_synthetic.py'):
            args += ['--train-per-class', '2', '--val-per-class', '1',
                     '--test-per-class', '1', '--num-points', '200']
            monkeypatch.setattr('sys.argv', [script] + args)
            _tool(script).main()
        elif script.endswith('recon_official_to_recon3d.py'):
            assert _tool(script).main(args) in (None, 0)
        elif script in ('tools/train.py', 'tools/test.py'):
            # a one-epoch run saves epoch_1.pth, not the page's epoch_15.pth
            args = [a.replace('epoch_15.pth', 'epoch_1.pth') for a in args]
            args = _with_options([osp.join(REPO, args[0])] + args[1:],
                                 _shorten(args[0]))
            out = _tool(script).main(args)
            if script == 'tools/train.py':
                work_dir = args[args.index('--work-dir') + 1]
                pictures = glob.glob(f'{work_dir}/vis/epoch_1/*.png')
                assert len(pictures) == 4, work_dir
                mious = out.message_hub.get_scalar('val/partseg/mIoU_I')
                assert 0 <= mious.current() <= 100
            else:
                assert 0 <= out['partseg/mIoU_I'] <= 100
                if '--show-dir' in args:
                    show = args[args.index('--show-dir') + 1]
                    assert len(glob.glob(f'{show}/*.png')) == 4
        else:
            raise AssertionError(f'no runner for {argv}')
        ran.append(script)
    assert ran.count('tools/train.py') == 2 and ran.count(
        'tools/test.py') == 2

    # The Python example, on the converted checkpoint and a generated file.
    code = _blocks('python')[0]
    part_file = glob.glob('data/demo/ShapeNetPart/03001627/*.txt')[0]
    import numpy as np
    np.save('chair.npy', np.loadtxt(part_file)[:, :3])
    options = {'model.arch._delete_': True,
               'model.backbone.num_group': 8, 'model.backbone.group_size': 8,
               'model.out_indices': (0, 1, 2),
               'model.seg_head.propagation_channels': (1536, 1024)}
    options.update({f'model.arch.{k}': v for k, v in ARCH.items()})
    config = osp.join(REPO, 'configs/recon/partseg_shapenetpart.py')
    code = code.replace("'chair.ply'", "'chair.npy'").replace(
        "'configs/recon/partseg_shapenetpart.py',",
        f'{config!r}, cfg_options={options!r},').replace(
            "category='Chair')[0]", "category='Chair', num_points=64)[0]")
    assert 'cfg_options' in code and 'num_points=64' in code
    scope = {}
    exec(compile(code, DOC, 'exec'), scope)
    parts = scope['result']['parts']
    assert len(parts) == len(np.loadtxt(part_file))
    assert set(parts.tolist()) <= {12, 13, 14, 15}
