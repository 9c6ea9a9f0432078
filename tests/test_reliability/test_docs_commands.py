"""Every command shown in docs/reliability.md, run in order on generated
data (shortened with --cfg-options: tiny trunk, from scratch, no
validation, 3 + 3 epochs)."""
import argparse
import os.path as osp
import re
import shlex

import pytest
import torch

from recon3d.engine import UnsafePickleError, load_checkpoint_file

from fuzz_cases import NUM_CLASSES, REPO, load_tool  # isort: skip


def _commands():
    with open(osp.join(REPO, 'docs', 'reliability.md')) as f:
        text = f.read()
    blocks = re.findall(r'```bash\n(.*?)```', text, re.S)
    lines = '\n'.join(blocks).replace('\\\n', ' ').splitlines()
    return [
        shlex.split(ln) for ln in lines
        if ln.strip() and not ln.lstrip().startswith('#')
    ]


def _shorten(root: str, max_epochs: int) -> list:
    from recon3d.testing import tiny_classifier_overrides
    opts = dict(tiny_classifier_overrides())
    for loader in ('train_dataloader', 'val_dataloader'):
        opts[f'{loader}.dataset.dataset.data_root'] = root
        opts[f'{loader}.dataset.dataset.num_points'] = 256
    opts.update({
        'test_dataloader.dataset.data_root': root,
        'test_dataloader.dataset.num_points': 256,
        'model.init_cfg': None,
        'model.data_preprocessor.num_points': 64,
        'model.data_preprocessor.train_fps_points': 80,
        'train_cfg.max_epochs': max_epochs,
        'train_dataloader.batch_size': 8,
        'val_cfg': None,
        'val_dataloader': None,
        'val_evaluator': None,
        'log_level': 'WARNING',
    })
    return [f'{k}={v}' for k, v in opts.items()]


@pytest.mark.timeout(600)
def test_every_command_of_the_page_runs(tmp_path, monkeypatch):
    from recon3d.datasets.synthetic import write_modelnet40
    root = str(tmp_path / 'ModelNet40')
    write_modelnet40(
        root,
        train_per_class=2,
        test_per_class=1,
        num_points_txt=300,
        num_points=256)
    monkeypatch.chdir(tmp_path)
    commands = _commands()
    assert [c[:2] for c in commands] == [['python', 'tools/train.py']] * 2 \
        + [['python', 'tools/test.py']] * 2
    train_tool, test_tool = load_tool('train.py'), load_tool('test.py')
    epochs = iter([3, 6])
    for command in commands:
        argv = command[2:]
        argv[0] = osp.join(REPO, argv[0])  # the config
        if '--cfg-options' not in argv:
            argv.append('--cfg-options')
        if command[1] == 'tools/train.py':
            train_tool.main(argv + _shorten(root, next(epochs)))
            continue
        if argv[1] == 'trusted.pth':
            # A complete checkpoint plus an object the safe loader refuses.
            ckpt = torch.load(
                'work_dirs/ft_demo/epoch_6.pth', weights_only=False)
            ckpt['extra'] = argparse.Namespace(note='from a trusted run')
            torch.save(ckpt, 'trusted.pth')
            with pytest.raises(UnsafePickleError):
                load_checkpoint_file('trusted.pth')
        summary = test_tool.main(argv + _shorten(root, 6))
        assert 0 <= summary['accuracy/top1'] <= 100
    meta = load_checkpoint_file('work_dirs/ft_demo/epoch_6.pth')['meta']
    assert meta['epoch'] == 6
    assert len(meta['dataset_meta']['classes']) == NUM_CLASSES
