"""Every shell command shown in README.md and docs/*.md runs.

Commands are the lines of fenced ``bash``/``sh``/``shell`` blocks and of
indented command blocks (continuation lines joined). Each doc is either run
here, block by block and in order, or named in :data:`ELSEWHERE` with the
test that runs its commands; a command that cannot run in a test is listed
in :data:`NOT_RUN` with the reason. A new doc or command that is none of
these fails the coverage test, so docs cannot drift.

How commands are shortened, honestly:

- They run in a sandbox folder laid out as a checkout (``configs/recon``,
  ``configs/_base_`` and ``tools`` link to this repository) where every
  file the docs name but a test cannot have is made small and generated
  (:data:`SANDBOX`): generated datasets in the real layouts, a tiny
  pretrained checkpoint for ``work_dirs/demo/epoch_50.pth`` and the
  converted official files, random official-layout files for
  ``downloads/*.pth``, the tiny CLIP text tower for the teacher weights.
- ``python tools/*.py`` and ``recon3d`` lines run in this process (the
  same ``main(argv)`` the scripts call); ``--cfg-options`` from
  :func:`shrink` are added: tiny encoder (C=32, one block, 8 groups of
  8), tiny random teachers (a cached teacher caches a tiny one), 64
  points, one epoch, small batches, the sandbox's datasets. The
  command's own options win (an encoder size it sets is kept), except
  the schedule: one epoch, whatever it asks. ``make_synthetic.py``
  writes one shape per class.
- After a ``tools/train.py`` line, the config the run wrote to its work
  dir must hold every value the command sets.
- Other lines (``mkdir``, ``cp``, loops) run with bash in the sandbox.
"""
import glob
import os
import os.path as osp
import re
import runpy
import shlex
import subprocess
import sys
from typing import Dict, List, Tuple

import pytest
import torch
from mmengine.config import Config

REPO = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(REPO)
DOCS = sorted(glob.glob(osp.join(REPO, 'docs', '*.md'))) + [
    osp.join(REPO, 'README.md')
]

#: Docs whose commands another test runs (doc -> that test).
ELSEWHERE = {
    'docs/partseg.md': 'tests/test_partseg/test_docs_commands.py',
    'docs/reliability.md': 'tests/test_reliability/test_docs_commands.py',
    'docs/performance.md':
    'tests/test_tools/test_benchmark.py, tests/test_models/'
    'test_teacher_cache.py',
}
#: Commands not run by any test: (pattern, reason).
NOT_RUN = [
    (r'^make (demo|install)\b', 'installs, then runs tools/demo.py, which '
     'tests/test_tools/test_demo.py runs shortened'),
    (r'^make test\b', 'this test-suite'),
    (r'^git clone\b', 'a set-up step of a new checkout'),
    (r'^source\b', 'a set-up step of a new checkout'),
    (r'^bash tools/dist_train\.sh\b', 'starts one torchrun process per '
     'device; tools/train.py, which each process runs, is run here'),
]
#: Generated stand-ins for the files the docs name (path -> maker key).
SANDBOX = {
    'data/ShapeNet55-34': 'shapenet55',
    'data/demo/ShapeNet55-34': 'shapenet55',
    'data/ModelNet/modelnet40_normal_resampled': 'modelnet40',
    'data/demo/ModelNet40': 'modelnet40',
    'data/ScanObjectNN': 'scanobjectnn',
    'data/demo/ScanObjectNN': 'scanobjectnn',
    'data/ModelNetFewshot': 'fewshot',
    'data/demo/ModelNetFewshot': 'fewshot',
    'work_dirs/demo/epoch_50.pth': 'pretrain_ckpt',
    'checkpoints/recon_base_pretrain.pth': 'pretrain_ckpt',
    'checkpoints/recon_base_zeroshot.pth': 'pretrain_ckpt',
    'work_dirs/pretrain/epoch_300.pth': 'pretrain_ckpt',
    'downloads/pretrain/base.pth': 'official_pretrain',
    'downloads/zeroshot.pth': 'official_pretrain',
    'downloads/scan_hardest.pth': 'official_cls',
    'downloads/part_seg.pth': 'official_partseg',
    'checkpoints/teachers/clip_vit_b32.bin': 'tiny_text_teacher',
    'my_scans': 'files',
    'work_dirs/demo/20260101_000000/vis_data/scalars.json': 'scalars',
}
TINY_TEACHER = dict(_delete_=True, type='OpenCLIPTextTeacher',
                    model_name='recon3d-tiny-clip', pretrained=None)
NUM_POINTS = 1024  # of the generated clouds (the demo configs' size)
#: Classes of the generated datasets.
CLASSES = dict(ModelNet40=18, ScanObjectNN=15)


# ------------------------------------------------------------- extraction
def logical_lines(text: str) -> List[str]:
    return [ln for ln in text.replace('\\\n', ' ').splitlines()
            if ln.strip() and not ln.strip().startswith('#')]


def doc_blocks(path: str) -> List[Tuple[int, List[str]]]:
    """(line number, logical lines) of each command block of a doc."""
    with open(path) as f:
        text = f.read()
    blocks = []
    for m in re.finditer(r'^```(bash|sh|shell)\n(.*?)^```', text,
                         re.S | re.M):
        blocks.append((text[:m.start()].count('\n') + 1,
                       logical_lines(m.group(2))))
    # Indented blocks (4 spaces) that hold commands.
    for m in re.finditer(r'(?:^    .*\S.*\n|^[ \t]*\n)+', text, re.M):
        chunk = '\n'.join(ln[4:] for ln in m.group(0).splitlines())
        lines = logical_lines(chunk)
        if lines and all(re.match(r'(python|bash|make|recon3d) ', ln)
                         for ln in lines):
            blocks.append((text[:m.start()].count('\n') + 1, lines))
    return sorted(blocks)


def not_run_reason(line: str):
    for pattern, reason in NOT_RUN:
        if re.match(pattern, line.strip()):
            return reason
    return None


def rel(path: str) -> str:
    return osp.relpath(path, REPO)


def test_every_doc_command_is_covered():
    """Each doc is run here or by a named test; nothing else is left."""
    for path in DOCS:
        blocks = doc_blocks(path)
        if rel(path) in ELSEWHERE:
            for test in ELSEWHERE[rel(path)].split(', '):
                assert osp.isfile(osp.join(REPO, test)), test
            continue
        for _, lines in blocks:
            for line in lines:
                # run, or a listed reason
                assert shlex.split(line), line
    runs = [p for p in DOCS if rel(p) not in ELSEWHERE and doc_blocks(p)]
    assert {rel(p) for p in runs} >= {
        'README.md', 'docs/inference.md', 'docs/custom_data.md',
        'docs/model_zoo.md', 'docs/configs.md', 'docs/get_started.md',
        'docs/finetune.md'
    }


# ---------------------------------------------------------------- sandbox
def _make(kind: str, path: str, cache: Dict[str, str]) -> None:
    from recon3d.datasets import synthetic
    if kind in cache:
        src = cache[kind]
        os.makedirs(osp.dirname(path) or '.', exist_ok=True)
        os.symlink(src, path)
        return
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    if kind == 'shapenet55':
        # 72 clouds: more than the batch of 64 that README asks for
        synthetic.write_shapenet55(path, train_per_class=3,
                                   test_per_class=1, num_points=NUM_POINTS,
                                   image_size=32)
    elif kind == 'modelnet40':
        # 10 per class: the 10-shot folds of docs/finetune.md
        synthetic.write_modelnet40(path, train_per_class=10,
                                   test_per_class=1, num_points_txt=1100,
                                   num_points=NUM_POINTS)
    elif kind == 'scanobjectnn':
        synthetic.write_scanobjectnn(path, train_per_class=2,
                                     test_per_class=1, num_points=NUM_POINTS,
                                     copies=1)
    elif kind == 'fewshot':
        synthetic.write_modelnet40_fewshot(
            path, cache['modelnet40'], ways=(5, ), shots=(10, ),
            folds=2, test_per_class=1, num_points=NUM_POINTS)
    elif kind == 'files':
        _write_files(path)
    elif kind == 'scalars':  # the log of a run, as LocalVisBackend writes
        import json
        with open(path, 'w') as f:
            for it in (10, 20):
                f.write(json.dumps(dict(loss=1. / it, loss_mdm=.5 / it,
                                        epoch=1, iter=it, step=it)) + '\n')
            f.write(json.dumps({'svm/accuracy': 50., 'step': 1}) + '\n')
    elif kind == 'pretrain_ckpt':
        torch.save({'state_dict': _tiny_recon().state_dict()}, path)
    elif kind.startswith('official_'):
        from recon3d.testing import random_official_state_dict
        official = kind[len('official_'):]
        extra = dict(img_dim=32, text_dim=32, group_size=8,
                     decoder_depth=1) \
            if official == 'pretrain' else dict(num_classes=15)
        sd = random_official_state_dict(official, embed_dims=32, depth=1,
                                        **extra)
        key = 'model_state_dict' if official == 'partseg' else 'base_model'
        torch.save({key: sd}, path)
    elif kind == 'tiny_text_teacher':
        from recon3d.registry import TEACHERS
        teacher = TEACHERS.build(
            {k: v for k, v in TINY_TEACHER.items() if k != '_delete_'})
        torch.save(teacher.full_state_dict(), path)
    cache[kind] = osp.abspath(path)


def _write_files(folder: str) -> None:
    """A cloud or mesh in several formats (a folder of your own files)."""
    import numpy as np
    import trimesh
    os.makedirs(folder)
    cloud = np.random.default_rng(0).normal(size=(500, 3))
    np.save(osp.join(folder, 'cloud.npy'), cloud)
    np.savetxt(osp.join(folder, 'cloud.xyz'), cloud)
    trimesh.PointCloud(cloud).export(osp.join(folder, 'cloud.ply'))
    for suffix in ('obj', 'stl', 'off'):
        trimesh.creation.icosphere().export(
            osp.join(folder, f'sphere.{suffix}'))


def _tiny_recon():
    from recon3d.registry import MODELS
    cfg = Config.fromfile(osp.join(REPO, 'configs/recon/pretrain_demo.py'))
    cfg.merge_from_dict(shrink(cfg))
    return MODELS.build(cfg.model)


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    """The tiny runs are too small to share between threads: one thread
    is several times faster on a busy 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def sandbox(tmp_path_factory):
    from recon3d.utils import register_all_modules
    register_all_modules()
    root = tmp_path_factory.mktemp('checkout')
    # configs/recon holds links to each config, so that the configs a
    # doc asks to write land in the sandbox, not in this repository.
    os.makedirs(root / 'configs' / 'recon')
    os.symlink(osp.join(REPO, 'configs', '_base_'),
               root / 'configs' / '_base_')
    for path in glob.glob(osp.join(REPO, 'configs', 'recon', '*.py')):
        os.symlink(path, root / 'configs' / 'recon' / osp.basename(path))
    os.symlink(osp.join(REPO, 'tools'), root / 'tools')
    cwd = os.getcwd()
    os.chdir(root)
    try:
        cache: Dict[str, str] = {}
        order = sorted(SANDBOX, key=lambda p: SANDBOX[p] == 'fewshot')
        for path in order:
            _make(SANDBOX[path], path, cache)
    finally:
        os.chdir(cwd)
    return str(root)


# ---------------------------------------------------------------- shrink
def _walk_datasets(node, prefix):
    """(key path, dataset dict) of every dataset dict under a loader."""
    if isinstance(node, dict) and 'type' in node:
        yield prefix, node
        if isinstance(node.get('dataset'), dict):
            yield from _walk_datasets(node['dataset'], f'{prefix}.dataset')


def shrink(cfg: Config) -> dict:
    """``--cfg-options`` leaves that make a config's run small (module
    docstring); only keys the config has are touched."""
    opts = {}
    model = cfg.get('model') or {}
    if 'arch' in model:
        opts.update({'model.arch._delete_': True, 'model.arch.embed_dims': 32,
                     'model.arch.depth': 1, 'model.arch.num_heads': 2})
    if model.get('backbone'):
        opts.update({'model.backbone.num_group': 8,
                     'model.backbone.group_size': 8})
    if model.get('decoder'):
        opts['model.decoder.depth'] = 1
    if (model.get('rec_head') or {}).get('group_size'):
        opts['model.rec_head.group_size'] = 8
    for key in ('img_teacher', 'text_teacher'):
        teacher = model.get(key)
        if not teacher:
            continue
        tiny = dict(TINY_TEACHER, type='OpenCLIPImageTeacher'
                    if key == 'img_teacher' else 'OpenCLIPTextTeacher')
        if teacher.get('type') == 'CachedTeacher':
            # The cache of a tiny teacher, two views per image.
            opts[f'model.{key}.teacher'] = tiny
            if teacher.get('num_views'):
                opts[f'model.{key}.num_views'] = 2
        else:
            opts[f'model.{key}'] = tiny
    pre = model.get('data_preprocessor') or {}
    if pre.get('num_points'):
        opts['model.data_preprocessor.num_points'] = 64
    if pre.get('train_fps_points'):
        opts['model.data_preprocessor.train_fps_points'] = 80
    if model.get('num_points'):
        opts['model.num_points'] = 64
    if model.get('fps_points'):
        opts['model.fps_points'] = 80
    dataset_type = ''
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if not cfg.get(loader):
            continue
        opts.update({f'{loader}.num_workers': 0,
                     f'{loader}.persistent_workers': False,
                     f'{loader}.batch_size': 8})
        for path, dataset in _walk_datasets(cfg[loader].dataset,
                                            f'{loader}.dataset'):
            if 'num_points' in dataset:
                opts[f'{path}.num_points'] = NUM_POINTS
            dataset_type = dataset_type or dataset.get('type', '')
    if (model.get('cls_head') or {}).get('num_classes') and \
            dataset_type in CLASSES:
        opts['model.cls_head.num_classes'] = CLASSES[dataset_type]
    if cfg.get('train_cfg'):
        opts['train_cfg.max_epochs'] = 1
        if model.get('decoder'):
            # Pretraining: no SVM validation round (val_begin past the end).
            opts['train_cfg.val_begin'] = 2
    opts['log_level'] = 'WARNING'
    return opts


def _config_of(argv: List[str]):
    """The config (path, overrides) a tool or ``recon3d`` line uses."""
    for arg in argv:
        if arg.endswith('.py') and arg.startswith('configs/'):
            return arg, None
    if argv and argv[0] == 'recon3d':
        from recon3d.apis.model_zoo import MODEL_ZOO
        name = argv[argv.index('--model') + 1] if '--model' in argv else {
            'embed': 'recon-base', 'zeroshot': 'recon-base-zeroshot',
            'show': 'recon-base-pretrain'
        }.get(argv[1])
        if name:
            info = MODEL_ZOO[name]
            return osp.join('configs', info.config), info.overrides
    return None, None


#: Paths the docs name that the sandbox has under another name.
PATHS = {
    # the run that get_started.md resumes from: the first epoch of the
    # run its first command made
    'work_dirs/recon/pretrain/epoch_100.pth':
    'work_dirs/recon/pretrain/epoch_1.pth',
    # docs/custom_data.md tests the last epoch of its 6-epoch fine-tune
    'work_dirs/my_data/finetune_my_scans/epoch_6.pth':
    'work_dirs/my_data/finetune_my_scans/epoch_1.pth',
}


def shortened(argv: List[str]) -> List[str]:
    """The command line with :func:`shrink` options added."""
    # Absolute temporary paths go into the sandbox too.
    argv = [PATHS.get(a, 'tmp/' + a[5:] if a.startswith('/tmp/') else a)
            for a in argv]
    if argv[:2] == ['python', 'tools/dataset_converters/make_synthetic.py']:
        out = argv.index('--out') + 1
        argv[out] = osp.join('scratch', argv[out])
        return argv + ['--train-per-class', '1', '--test-per-class', '1',
                       '--num-points-txt', '1100', '--image-size', '32',
                       '--copies', '1', '--folds', '1',
                       '--fold-test-per-class', '1']
    if argv[0] == 'recon3d' and argv[1] in ('list', 'convert'):
        return argv
    if argv[0] == 'recon3d' and argv[1] == 'show' and \
            '--checkpoint' not in argv:
        return argv
    config, overrides = _config_of(argv)
    if config is None or not osp.isfile(config):
        return argv
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(overrides or {})
    opts = shrink(cfg)
    if argv[0] == 'recon3d':
        opts.pop('log_level')
        for key in [k for k in opts if k.endswith('_dataloader.num_workers')
                    or '_dataloader.' in k or k.startswith('train_cfg')]:
            opts.pop(key)
    if argv[:2] == ['python', 'tools/analysis_tools/benchmark.py']:
        argv += ['--batch-size', '2', '--iters', '1']
    own = _own_options(argv)
    if any(k == 'model.arch' or k.startswith('model.arch.') for k in own):
        # The command sizes the encoder itself: that is what it shows.
        opts = {k: v for k, v in opts.items()
                if not k.startswith('model.arch.')}
    # The schedule stays short whatever the command asks; in every other
    # key the command's own options win.
    first = _flat({k: v for k, v in opts.items()
                   if not k.startswith(FORCED)})
    last = _flat({k: v for k, v in opts.items() if k.startswith(FORCED)})
    if '--cfg-options' not in argv:
        return argv + ['--cfg-options'] + first + last if first + last \
            else argv
    at = argv.index('--cfg-options') + 1
    end = at + len(own)
    return argv[:at] + first + argv[at:end] + last + argv[end:]


#: Keys of :func:`shrink` that win over a command's own options.
FORCED = ('train_cfg.', )


def _own_options(argv: List[str]) -> List[str]:
    """The keys a command line sets with ``--cfg-options``."""
    if '--cfg-options' not in argv:
        return []
    keys = []
    for arg in argv[argv.index('--cfg-options') + 1:]:
        if arg.startswith('-'):
            break
        keys.append(arg.split('=', 1)[0])
    return keys


def _flat(opts: dict) -> List[str]:
    """``key=value`` arguments of ``--cfg-options`` (a dict value is given
    leaf by leaf)."""
    flat = []
    for key, value in opts.items():
        items = value.items() if isinstance(value, dict) else [(None, value)]
        flat += [f'{key}.{k}={v}' if k else f'{key}={v}' for k, v in items]
    return flat


# ------------------------------------------------------------------- run
def run_python(argv: List[str]) -> None:
    """``python tools/x.py ...`` or ``recon3d ...`` in this process."""
    if argv[0] == 'recon3d':
        from recon3d.cli import main
        code = main(argv[1:])
        assert code == 0, f'exit code {code}: {shlex.join(argv)}'
        return
    script = argv[1]
    saved = sys.argv
    sys.argv = argv[1:]
    try:
        runpy.run_path(script, run_name='__main__')
    except SystemExit as exit_:
        assert exit_.code in (0, None), f'exit {exit_.code}: {argv}'
    finally:
        sys.argv = saved


def check_resolved(argv: List[str], short: List[str]) -> None:
    """The config that a ``tools/train.py`` run wrote to its work dir
    holds every value the doc's command sets with ``--cfg-options``
    (besides the schedule, which the test keeps short)."""
    from mmengine.config import DictAction
    config = argv[2]
    if '--work-dir' in short:
        work_dir = short[short.index('--work-dir') + 1]
    else:
        work_dir = osp.join('work_dirs',
                            osp.splitext(osp.relpath(config, 'configs'))[0])
    cfg = Config.fromfile(osp.join(work_dir, osp.basename(config)))
    own = _own_options(argv)
    at = argv.index('--cfg-options') + 1 if own else 0
    for key, text in (arg.split('=', 1) for arg in argv[at:at + len(own)]):
        if key.endswith('._delete_') or key.startswith(FORCED):
            continue
        node = cfg
        for part in key.split('.'):
            node = node[int(part)] if isinstance(node, list) else node[part]
        assert node == DictAction._parse_iterable(text), (
            f'{shlex.join(argv)}: {key}={node!r} in the run\'s config')


#: Shortened tool lines already run (a line shown in two docs runs once).
_DONE = set()


def run_block(lines: List[str], sandbox: str) -> None:
    """Shell lines run with bash, tool and ``recon3d`` lines here."""
    shell: List[str] = []

    def flush():
        if shell:
            subprocess.run(['bash', '-ec', '\n'.join(shell)], cwd=sandbox,
                           check=True, timeout=120)
            shell.clear()

    for line in lines:
        argv = shlex.split(line, comments=True)
        if not_run_reason(line):
            continue
        env = {}  # leading VAR=value assignments, e.g. OMP_NUM_THREADS=1
        while argv and re.fullmatch(r'[A-Z_][A-Z0-9_]*=\S*', argv[0]):
            name, value = argv.pop(0).split('=', 1)
            env[name] = value
        if argv[:1] == ['recon3d'] or argv[:2] and argv[0] == 'python' \
                and argv[1].startswith('tools/'):
            flush()
            short = shortened(argv)
            if shlex.join(short) not in _DONE:
                saved = {k: os.environ.get(k) for k in env}
                os.environ.update(env)
                try:
                    run_python(short)
                finally:
                    for k, v in saved.items():
                        if v is None:
                            os.environ.pop(k)
                        else:
                            os.environ[k] = v
                _DONE.add(shlex.join(short))
                if argv[:2] == ['python', 'tools/train.py']:
                    check_resolved(argv, short)
        else:
            shell.append(line)
    flush()


def _written_configs(path: str, sandbox: str) -> None:
    """Python blocks that start with ``# configs/...py`` are config files
    the doc asks to write: write them into the sandbox."""
    with open(path) as f:
        text = f.read()
    for name, body in re.findall(r'```python\n# (configs/\S+\.py)\n(.*?)```',
                                 text, re.S):
        target = osp.join(sandbox, name)
        os.makedirs(osp.dirname(target), exist_ok=True)
        if osp.islink(target):
            os.remove(target)
        assert not osp.realpath(target).startswith(REPO + os.sep), target
        with open(target, 'w') as f:
            f.write(body)


RUN_DOCS = [p for p in DOCS if rel(p) not in ELSEWHERE and doc_blocks(p)]


@pytest.mark.timeout(900)
@pytest.mark.parametrize('doc', RUN_DOCS, ids=rel)
def test_doc_commands_run(doc, sandbox, monkeypatch):
    monkeypatch.chdir(sandbox)
    monkeypatch.setenv('HF_HUB_OFFLINE', '1')
    _written_configs(doc, sandbox)
    for number, lines in doc_blocks(doc):
        try:
            run_block(lines, sandbox)
        except Exception as err:
            raise AssertionError(
                f'{rel(doc)}, block at line {number} failed: {err}') from err
