"""The recon3d command: embed, zeroshot, list, show, convert; exit codes
and one-line errors."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from .conftest import tiny_cli_options, tiny_options

ZS = tiny_cli_options() + [
    'model.text_teacher.model_name=recon3d-tiny-clip',
    'model.text_teacher.pretrained=None', 'model.num_points=128',
    'model.fps_points=160'
]


def recon3d(*args, cwd=None):
    env = dict(os.environ, HF_HUB_OFFLINE='1', OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable, '-m', 'recon3d', *args],
                          capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=300)


def test_help_answers():
    proc = recon3d('--help')
    assert proc.returncode == 0
    for command in ('embed', 'zeroshot', 'list', 'show', 'convert'):
        assert command in proc.stdout


def test_embed_every_format(point_files, tmp_path):
    files = sorted(point_files['files'].values())
    out = tmp_path / 'feats.npz'
    proc = recon3d('embed', *files, '--out', str(out), '--json',
                   '--cfg-options', *tiny_cli_options())
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary['files'] == len(files) and summary['failed'] == 0
    feats = np.load(out)
    assert list(feats['names']) == files
    assert feats['global'].shape == (len(files), 64)
    assert 'patches' not in feats


def test_bad_files_exit_2_with_one_line_each(point_files, bad_files,
                                             tmp_path):
    good = point_files['files']['a.npy']
    bad = [p for p, _ in bad_files.values()]
    out = tmp_path / 'f.npz'
    proc = recon3d('embed', good, bad[0], good, '--out', str(out),
                   '--cfg-options', *tiny_cli_options())
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith('recon3d: error: ')
    assert bad[0] in lines[0] and not out.exists()
    proc = recon3d('embed', good, *bad, point_files['files']['box.off'],
                   '--out', str(out), '--keep-going', '--json',
                   '--cfg-options', *tiny_cli_options())
    assert proc.returncode == 2
    errors = [ln for ln in proc.stderr.splitlines() if 'error:' in ln]
    assert len(errors) == len(bad)
    for (path, words), line in zip(bad_files.values(), errors):
        assert path in line and words in line
    assert json.loads(proc.stdout)['files'] == 2
    assert len(np.load(out)['names']) == 2


def test_zeroshot(point_files, tmp_path):
    labels = tmp_path / 'labels.txt'
    labels.write_text('table\nlamp\n')
    proc = recon3d('zeroshot', point_files['root'], '--labels', 'box,chair',
                   '--labels-file', str(labels), '--top-k', '2', '--json',
                   '--cfg-options', *ZS)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert len(rows) == len(point_files['files'])
    assert {r['label'] for r in rows} <= {'box', 'chair', 'table', 'lamp'}
    proc = recon3d('zeroshot', point_files['root'], '--cfg-options', *ZS)
    assert proc.returncode == 2 and '--labels' in proc.stderr


def test_zeroshot_without_teacher_weights_says_what_to_give(point_files,
                                                            tmp_path):
    proc = recon3d('zeroshot', point_files['files']['a.npy'], '--labels',
                   'a,b', '--teacher', str(tmp_path / 'clip.bin'),
                   '--cfg-options', *tiny_cli_options())
    assert proc.returncode == 1
    assert 'clip.bin' in proc.stderr
    assert 'model.text_teacher.pretrained' in proc.stderr


@pytest.mark.parametrize('what', ['backbones', 'teachers', 'datasets',
                                  'configs', 'models'])
def test_list(what, capsys):
    # in-process (the other tests run the command itself): the same entry
    # point as `python -m recon3d`, without a start-up per listing
    from recon3d.cli import main
    assert main(['list', what, '--json']) == 0
    out = capsys.readouterr().out
    names = [row[next(iter(row))] for row in json.loads(out)]
    expected = dict(backbones='PointTransformer',
                    teachers='OpenCLIPTextTeacher',
                    datasets='PointCloudFolder',
                    configs='configs/recon/zeroshot_modelnet40.py',
                    models='recon-base-zeroshot')[what]
    assert expected in names


def test_show_and_show_a_reconstruction(point_files, tmp_path):
    png = tmp_path / 'cloud.png'
    proc = recon3d('show', point_files['files']['binary.ply'], '--out',
                   str(png))
    assert proc.returncode == 0, proc.stderr
    assert png.read_bytes()[:4] == b'\x89PNG'
    # a pretraining checkpoint of the tiny model
    from recon3d.apis import init_model
    opts = {'model.decoder.depth': 1,
            'model.data_preprocessor.num_points': 128}
    cli_opts = tiny_cli_options() + [f'{k}={v}' for k, v in opts.items()]
    model = init_model('recon-base-pretrain',
                       cfg_options=dict(tiny_options(), **opts))
    ckpt = tmp_path / 'pre.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    rec = tmp_path / 'rec.png'
    proc = recon3d('show', point_files['files']['box.stl'], '--out',
                   str(rec), '--checkpoint', str(ckpt), '--cfg-options',
                   *cli_opts)
    assert proc.returncode == 0, proc.stderr
    assert rec.read_bytes()[:4] == b'\x89PNG'
    proc = recon3d('show', str(tmp_path / 'missing.ply'), '--out', str(png))
    assert proc.returncode == 2 and 'file not found' in proc.stderr


def test_convert_both_ways(tmp_path):
    from recon3d.testing import random_official_state_dict
    src = tmp_path / 'official.pth'
    torch.save({'base_model': random_official_state_dict(
        'zeroshot', img_dim=8, text_dim=8)}, src)
    proc = recon3d('convert', str(src), str(tmp_path / 'r.pth'), '--json')
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)['kind'] == 'zeroshot'
    proc = recon3d('convert', str(tmp_path / 'r.pth'),
                   str(tmp_path / 'back.pth'), '--to', 'official')
    assert proc.returncode == 0, proc.stderr
    back = torch.load(tmp_path / 'back.pth', weights_only=True)['base_model']
    assert set(back) == set(torch.load(src, weights_only=True)['base_model'])
    proc = recon3d('convert', str(tmp_path / 'nope.pth'), 'x.pth')
    assert proc.returncode == 2
