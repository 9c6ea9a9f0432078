"""Runs that would silently do the wrong thing: checkpoints that do not fit,
non-finite numbers, config typos, a head that does not fit the classes,
``--resume`` without a checkpoint. Each must stop with a clear error before
(or instead of) a wrong result."""
import os
import os.path as osp
import re

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from recon3d.apis import build_train_config, parse_train_args, train
from recon3d.engine import (CheckpointMismatchError, ConfigKeyError,
                            NonFiniteError, NumClassesError, ResumeError,
                            check_checkpoint_fits, load_checkpoint_file)
from recon3d.evaluation import Accuracy, SVMAccuracy
from recon3d.registry import HOOKS, MODELS
from recon3d.structures import ReconDataSample

# fuzz_cases.py sits beside this file (conftest.py puts it on sys.path).
from fuzz_cases import (  # isort: skip  # yapf: disable
    CONFIG, NUM_CLASSES, REPO, argv, build_clf, clf_cfg, load_tool, options,
    write_hostile)


@pytest.fixture(scope='module')
def trained(modelnet, tmp_path_factory) -> str:
    """A checkpoint of the tiny classifier (1 epoch)."""
    work = tmp_path_factory.mktemp('trained')
    train(argv(CONFIG, work, options(modelnet, **{'train_cfg.max_epochs': 1})))
    return str(work / 'epoch_1.pth')


# --- checkpoints that do not fit ------------------------------------------
def _variant(trained: str, tmp_path, kind: str) -> str:
    """``trained`` changed into a checkpoint that does not fit (or one
    whose difference is a documented repair)."""
    ckpt = load_checkpoint_file(trained)
    sd = ckpt['state_dict']
    if kind == 'wider_model':
        sd = build_clf(embed_dims=48).state_dict()
    elif kind == 'other_num_classes':
        sd = build_clf(num_classes=40).state_dict()
    elif kind == 'missing_key':
        sd.pop(sorted(k for k in sd if k.startswith('neck.'))[0])
    elif kind == 'extra_key':
        sd['decoder.blocks.0.weight'] = torch.zeros(3)
    elif kind == 'pretrain_checkpoint':
        sd = {k: v for k, v in sd.items() if not k.startswith('cls_head')}
        sd['rec_head.weight'] = torch.zeros(3)
    elif kind == 'official_file':
        ckpt = dict(base_model={'cls_token': torch.zeros(1, 1, 32)})
    elif kind == 'ddp_prefix':
        sd = {f'module.{k}': v for k, v in sd.items()}
    elif kind == 'bare_state_dict':
        ckpt = sd
    elif kind == 'not_a_dict':
        ckpt = [1, 2, 3]
    if isinstance(ckpt, dict) and 'state_dict' in ckpt:
        ckpt = dict(ckpt, state_dict=sd)
    path = str(tmp_path / f'{kind}.pth')
    torch.save(ckpt, path)
    return path


MISFITS = {
    'wider_model': 'shape mismatch',
    'other_num_classes': 'cls_head',
    'missing_key': 'missing: neck.',
    'extra_key': 'unexpected: decoder.',
    'pretrain_checkpoint': 'unexpected: rec_head.',
    'official_file': 'recon_official_to_recon3d',
    'not_a_dict': 'holds a list',
}
REPAIRS = ('ddp_prefix', 'bare_state_dict')


def _via_tool(route: str, path: str, root: str, tmp_path):
    """Load ``path`` with tools/test.py, ``--resume PATH`` or load_from."""
    opts = options(root)
    if route == 'test_tool':
        opts.pop('train_cfg.max_epochs')
        return load_tool('test.py').main([
            CONFIG, path, '--work-dir',
            str(tmp_path / 'test'), '--cfg-options'
        ] + [f'{k}={v}' for k, v in opts.items()])
    flag = ['--resume', path] if route == 'resume' else []
    if route == 'load_from':
        opts['load_from'] = path
    return train(argv(CONFIG, tmp_path / 'work', opts, *flag))


@pytest.mark.parametrize('kind', sorted(MISFITS) + list(REPAIRS))
def test_checkpoint_that_does_not_fit(kind, modelnet, trained, tmp_path):
    """Every kind through the Runner's load_from (the check every route
    shares: RunChecksHook.after_load_checkpoint)."""
    path = _variant(trained, tmp_path, kind)
    model = build_train_config(
        parse_train_args(argv(CONFIG, tmp_path, options(modelnet)))).model
    runner = Runner(
        model=model,
        work_dir=str(tmp_path / 'work'),
        load_from=path,
        default_scope='recon3d',
        log_level='WARNING',
        default_hooks=dict(run_checks=dict(type='RunChecksHook')))
    if kind in REPAIRS:  # documented: loads as is
        runner.load_or_resume()
        expected = load_checkpoint_file(trained)['state_dict']
        for key, value in runner.model.state_dict().items():
            assert torch.equal(value, expected[key]), key
        return
    with pytest.raises(CheckpointMismatchError) as info:
        runner.load_or_resume()
    assert str(info.value).startswith(f'{path} ')
    assert MISFITS[kind] in str(info.value)


@pytest.mark.parametrize('route', ['test_tool', 'resume', 'load_from'])
def test_every_tool_route_loads_strictly(route, modelnet, trained, tmp_path):
    path = _variant(trained, tmp_path, 'wider_model')
    with pytest.raises(CheckpointMismatchError) as info:
        _via_tool(route, path, modelnet, tmp_path)
    assert str(info.value).startswith(f'{path} does not fit')
    assert 'shape mismatch' in str(info.value)
    assert not osp.exists(tmp_path / 'work' / 'epoch_1.pth')


def test_tool_routes_repairs_and_refusals(modelnet, trained, tmp_path):
    # A DDP checkpoint (module. prefix) tests as it is.
    summary = _via_tool('test_tool', _variant(trained, tmp_path, 'ddp_prefix'),
                        modelnet, tmp_path)
    assert 0 <= summary['accuracy/top1'] <= 100
    # Weights alone cannot be resumed (no epoch, optimizer, schedule).
    path = _variant(trained, tmp_path, 'bare_state_dict')
    with pytest.raises(ResumeError, match='holds weights only'):
        _via_tool('resume', path, modelnet, tmp_path)


def test_teachers_are_not_demanded_nor_accepted():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'recon', 'pretrain_demo.py'))
    from recon3d.testing import tiny_model_overrides
    cfg.merge_from_dict(tiny_model_overrides())
    model = MODELS.build(cfg.model)
    sd = model.state_dict()
    assert not [k for k in sd if 'teacher' in k]
    check_checkpoint_fits(model, dict(state_dict=sd), 'ckpt.pth')
    sd['img_teacher.visual.proj'] = torch.zeros(2)
    with pytest.raises(CheckpointMismatchError, match='img_teacher'):
        check_checkpoint_fits(model, dict(state_dict=sd), 'ckpt.pth')


def test_init_cfg_keeps_the_new_head_rule(trained, tmp_path):
    # A pretraining-like file (no head) initialises a classifier with any
    # number of classes: the head keeps its init (documented, logged).
    path = _variant(trained, tmp_path, 'pretrain_checkpoint')
    model = MODELS.build(
        clf_cfg(
            num_classes=5, init_cfg=dict(type='Pretrained', checkpoint=path)))
    model.init_weights()
    # A trunk of another width is refused, naming the file.
    path = _variant(trained, tmp_path, 'wider_model')
    model = MODELS.build(
        clf_cfg(init_cfg=dict(type='Pretrained', checkpoint=path)))
    with pytest.raises(ValueError, match='does not fit the model trunk'):
        model.init_weights()


# --- non-finite numbers ---------------------------------------------------
@HOOKS.register_module(force=True)
class _PoisonHook(Hook):
    """Test hook: turns a weight into NaN at iteration ``at`` (before the
    step: the loss goes NaN; ``when='after'``: after the check, so only the
    weights are NaN when the checkpoint is written), or logs an infinite
    gradient norm as the optimizer wrapper would."""
    priority = 'LOWEST'

    def __init__(self, at: int, when: str = 'before') -> None:
        self.at, self.when = at, when

    def _poison(self, runner):
        with torch.no_grad():
            next(runner.model.cls_head.parameters()).fill_(float('nan'))

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if self.when == 'before' and runner.iter == self.at:
            self._poison(runner)

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        if runner.iter == self.at and self.when == 'after':
            self._poison(runner)
        if runner.iter == self.at and self.when == 'grad':
            runner.message_hub.update_scalar('train/grad_norm', float('inf'))


@pytest.mark.parametrize('when', ['before', 'grad', 'after'])
def test_non_finite_stops_the_run(when, modelnet, tmp_path):
    opts = options(modelnet, custom_hooks=[])
    cfg = build_train_config(parse_train_args(argv(CONFIG, tmp_path, opts)))
    # 'grad' logs its norm before the check runs, the others after.
    cfg.custom_hooks = [
        dict(
            type='_PoisonHook',
            at=5,
            when=when,
            priority='HIGHEST' if when == 'grad' else 'LOWEST')
    ]
    runner = Runner.from_cfg(cfg)
    per_epoch = len(runner.train_dataloader)
    # 0-based: the second iteration of epoch 2 ('after': its last one,
    # so that the next thing to see the NaN weights is the checkpoint).
    [h for h in runner.hooks if isinstance(h, _PoisonHook)][0].at = \
        2 * per_epoch - 1 if when == 'after' else per_epoch + 1
    with pytest.raises(NonFiniteError) as info:
        runner.train()
    msg = str(info.value)
    last = str(tmp_path / 'epoch_1.pth')
    assert last in msg
    if when == 'after':
        assert 'refusing to save' in msg and 'cls_head.' in msg
    else:
        assert f'epoch 2, iteration {per_epoch + 2}' in msg
        assert 'loss_cls=' in msg
        assert ('grad_norm=inf' in msg) == (when == 'grad')
        # the batch's samples, by file name (<class>_NNNN)
        assert re.search(r'batch samples: \w+_\d{4}', msg), msg
    assert not osp.exists(tmp_path / 'epoch_2.pth')
    saved = load_checkpoint_file(last)['state_dict']
    assert all(
        torch.isfinite(v).all() for v in saved.values()
        if v.is_floating_point())


def test_metrics_refuse_non_finite_predictions():
    sample = ReconDataSample().set_gt_label(1)
    sample.set_field(torch.tensor([0.1, float('nan')]), 'pred_score')
    sample.set_field(torch.tensor([1]), 'pred_label')
    sample.set_metainfo(dict(file_name='box_0001'))
    with pytest.raises(ValueError, match='non-finite.*box_0001'):
        Accuracy().process(None, [sample.to_dict()])
    svm = SVMAccuracy()
    results = [
        dict(
            feat=np.array([np.inf, 0.]),
            label=0,
            split='train',
            name='cone_0002')
    ]
    with pytest.raises(ValueError, match='non-finite.*cone_0002'):
        svm.compute_metrics(results)


# --- config typos, classes, resume ---------------------------------------
TYPOS = [('train_dataloder', 'train_dataloader'),
         ('optim_wraper', 'optim_wrapper'),
         ('param_schedular', 'param_scheduler')]


@pytest.mark.parametrize('typo,known', TYPOS)
def test_config_typo(typo, known, modelnet, tmp_path):
    opts = options(modelnet, **{f'{typo}.batch_size': 4})
    with pytest.raises(ConfigKeyError) as info:
        build_train_config(
            parse_train_args(argv(CONFIG, tmp_path, opts, '--strict-config')))
    assert f"'{typo}' (did you mean '{known}'?)" in str(info.value)


def test_config_typo_without_strict_is_a_warning(modelnet, tmp_path,
                                                 monkeypatch):
    """The run goes on, and its log names the key and the likely one."""
    warnings = []
    monkeypatch.setattr('recon3d.engine.config_check.print_log',
                        lambda msg, **kw: warnings.append(msg))
    opts = options(
        modelnet, **{
            'optim_wraper.optimizer.lr': 1.0,
            'train_cfg.max_epochs': 1
        })
    train(argv(CONFIG, tmp_path, opts))
    assert osp.exists(tmp_path / 'epoch_1.pth')
    assert len(warnings) == 1
    assert "'optim_wraper' (did you mean 'optim_wrapper'?)" in warnings[0]


def test_shipped_configs_have_no_typo():
    import glob

    from recon3d.engine.config_check import misspelled_keys
    for path in glob.glob(
            osp.join(REPO, 'configs', '**', '*.py'), recursive=True):
        assert misspelled_keys(Config.fromfile(path).keys()) == {}, path


@pytest.mark.parametrize('num_classes', [40, 2])
def test_num_classes_must_match_the_dataset(num_classes, modelnet, tmp_path):
    opts = options(modelnet, **{'model.cls_head.num_classes': num_classes})
    with pytest.raises(NumClassesError) as info:
        train(argv(CONFIG, tmp_path, opts))
    assert f'num_classes={num_classes}' in str(info.value)
    assert f'has {NUM_CLASSES} classes' in str(info.value)
    assert not osp.exists(tmp_path / 'epoch_1.pth')


def test_resume_needs_a_checkpoint(modelnet, tmp_path):
    opts = options(modelnet)
    with pytest.raises(ResumeError, match='no checkpoint to resume'):
        train(argv(CONFIG, tmp_path, opts, '--resume'))
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'gone.pth'))
    with pytest.raises(ResumeError, match='gone.pth, which does not exist'):
        train(argv(CONFIG, tmp_path, opts, '--resume'))
    # The API route (resume=True in the config) refuses too.
    (tmp_path / 'last_checkpoint').unlink()
    cfg = build_train_config(parse_train_args(argv(CONFIG, tmp_path, opts)))
    cfg.resume = True
    with pytest.raises(ResumeError):
        Runner.from_cfg(cfg).train()


def test_unsafe_pickle_config_key_is_the_only_way_in(modelnet, tmp_path,
                                                     marker):
    path = write_hostile(str(tmp_path / 'h.pth'), 'exec', 'zip', marker)
    opts = options(modelnet, load_from=path)
    with pytest.raises(Exception, match='unsafe-pickle'):
        train(argv(CONFIG, tmp_path / 'a', opts))
    assert not osp.exists(marker)
    with pytest.raises(Exception):  # the payload ran; the file is no model
        train(argv(CONFIG, tmp_path / 'b', opts, '--unsafe-pickle'))
    assert osp.exists(marker)


@pytest.mark.parametrize('teacher', ['img_teacher', 'text_teacher'])
def test_missing_teacher_weights_named_before_building(teacher, tmp_path):
    """The preflight check lists a missing teacher file (every teacher)
    before anything is built."""
    missing = str(tmp_path / 'no_such_clip.bin')
    with pytest.raises(SystemExit) as info:
        train([
            osp.join(REPO, 'configs', 'recon',
                     'pretrain_demo.py'), '--work-dir',
            str(tmp_path / 'work'), '--cfg-options',
            f'model.{teacher}.pretrained={missing}'
        ])
    assert 'cannot start' in str(info.value)
    assert missing in str(info.value) and teacher in str(info.value)


def test_tools_print_one_line_and_exit_1(modelnet, tmp_path, marker):
    """The scripts themselves (subprocesses): status 1, one line, no
    traceback, no payload run."""
    import subprocess
    import sys
    env = dict(os.environ, HF_HUB_OFFLINE='1', OMP_NUM_THREADS='1')

    def script(name, *args):
        proc = subprocess.run(
            [sys.executable,
             osp.join(REPO, 'tools', name), *args],
            cwd=str(tmp_path),
            env=env,
            capture_output=True,
            text=True,
            timeout=280)
        assert proc.returncode == 1, proc.stderr[-2000:]
        assert 'Traceback' not in proc.stderr, proc.stderr[-2000:]
        return proc.stderr.strip().splitlines()[-1]

    line = script(
        'train.py',
        *argv(CONFIG, tmp_path / 'empty', options(modelnet), '--resume'))
    assert line.startswith('error: --resume: no checkpoint to resume in ')
    path = write_hostile(str(tmp_path / 'h.pth'), 'exec', 'zip', marker)
    opts = options(modelnet)
    opts.pop('train_cfg.max_epochs')
    line = script('test.py', CONFIG, path, '--work-dir', str(tmp_path / 't'),
                  '--cfg-options', *[f'{k}={v}' for k, v in opts.items()])
    assert line.startswith(f'error: {path} refers to Python objects')
    assert not osp.exists(marker)
