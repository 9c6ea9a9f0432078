"""tools/model_converters/*: both command lines once, in a subprocess."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys

import torch

from recon3d.testing import random_official_state_dict

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOLS = osp.join(ROOT, 'tools', 'model_converters')


def _run(tool, *args):
    env = dict(os.environ, COLUMNS='200')
    return subprocess.run(
        [sys.executable, osp.join(TOOLS, tool), *map(str, args)],
        capture_output=True, text=True, env=env, timeout=120)


def test_official_to_recon3d_and_back(tmp_path):
    official = random_official_state_dict(
        'pretrain', embed_dims=32, depth=1, decoder_depth=1, group_size=8,
        img_dim=24, text_dim=20, teachers=True, dtype=torch.float32)
    src = tmp_path / 'ckpt-last.pth'
    torch.save(dict(base_model={f'module.{k}': v
                                for k, v in official.items()},
                    epoch=300), src)
    dst = tmp_path / 'out' / 'recon3d.pth'
    proc = _run('recon_official_to_recon3d.py', src, dst)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    teachers = [k for k in official
                if k.startswith(('img_encoder.', 'text_encoder.'))]
    kept = len(official) - len(teachers)
    assert 'pretrain (detected)' in proc.stdout
    assert 'tensors kept' in proc.stdout and f' {kept} ' in proc.stdout
    assert 'img_encoder.* (2), text_encoder.* (2)' in proc.stdout
    ckpt = torch.load(dst, weights_only=True)
    assert len(ckpt['state_dict']) == kept
    assert ckpt['meta']['source_epoch'] == 300
    assert ckpt['meta']['dropped_keys'] == sorted(teachers)

    back = tmp_path / 'official.pth'
    proc = _run('recon3d_to_recon_official.py', dst, back)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'pretrain (detected)' in proc.stdout
    sd = torch.load(back, weights_only=True)['base_model']
    assert set(sd) == set(official) - set(teachers)
    for k, v in sd.items():
        assert torch.equal(v, official[k]), k



def test_errors_exit_1_with_the_key_named(tmp_path, capsys):
    """In-process (the subprocess start-up was paid above)."""
    spec = importlib.util.spec_from_file_location(
        'recon_official_to_recon3d',
        osp.join(TOOLS, 'recon_official_to_recon3d.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    official = random_official_state_dict('svm', embed_dims=32, depth=1)
    official['blocks.blocks.0.attn.qkv.weight'] = torch.zeros(32, 32)
    src = tmp_path / 'bad.pth'
    torch.save(dict(base_model=official), src)
    assert tool.main([str(src), str(tmp_path / 'x.pth')]) == 1
    out = capsys.readouterr().out
    assert "'blocks.blocks.0.attn.qkv.weight' has shape" in out
    assert not (tmp_path / 'x.pth').exists()
    # A file that needs a full unpickling: the user is told about the flag.
    torch.save(dict(base_model=random_official_state_dict(
        'svm', embed_dims=32, depth=1), args=tmp_path), src)
    assert tool.main([str(src), str(tmp_path / 'x.pth')]) == 1
    assert '--unsafe-pickle' in capsys.readouterr().out
    assert tool.main([str(src), str(tmp_path / 'x.pth'),
                      '--unsafe-pickle']) == 0
    assert (tmp_path / 'x.pth').exists()
