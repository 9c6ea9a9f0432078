"""Damaged and hostile checkpoint files through every load route.

Every (file, route) pair must end in a clear error that names the file
(CLI routes: exit status 1 and the file in the message); no payload may
run (its marker file must not exist). The control cases show that each
payload does run when the user opts in to a full unpickling.
"""
import os.path as osp
import shutil
from unittest import mock

import pytest
from mmengine.runner import Runner, load_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader

from recon3d.apis import load_model_weights
from recon3d.engine import (CheckpointFileError, RunError, UnsafePickleError,
                            load_checkpoint_file)
from recon3d.models.teachers.base import load_weights_file
from recon3d.registry import MODELS

# fuzz_cases.py sits beside this file (conftest.py puts it on sys.path).
from fuzz_cases import (  # isort: skip  # yapf: disable
    DAMAGED, PAYLOADS, build_clf, clf_cfg, flat, load_tool,
    write_hostile)


def _runner(tmp_path, path, resume=False):
    return Runner(
        model=clf_cfg(),
        work_dir=str(tmp_path / 'work'),
        load_from=path,
        resume=resume,
        default_scope='recon3d',
        log_level='WARNING',
        default_hooks=dict(run_checks=dict(type='RunChecksHook')))


def _init_cfg(tmp_path, path):
    model = MODELS.build(
        clf_cfg(init_cfg=dict(type='Pretrained', checkpoint=path)))
    model.init_weights()


def _url(tmp_path, path):
    """An ``https://`` checkpoint: the download is a local copy."""

    def download(url, dst, progress=True):
        if osp.isdir(path):
            shutil.copytree(path, dst)
        else:
            shutil.copy(path, dst)

    url = 'https://example.org/' + osp.basename(path)
    with mock.patch('torch.hub.download_url_to_file', download), \
            mock.patch('torch.hub.get_dir', lambda: str(tmp_path / 'hub')):
        CheckpointLoader.load_checkpoint(url)


def _converter(name):

    def route(tmp_path, path, capsys):
        code = load_tool(f'model_converters/{name}.py').main(
            [path, str(tmp_path / 'converted.pth')])
        out = capsys.readouterr().out
        assert code == 1 and 'error' in out, out
        assert not osp.exists(tmp_path / 'converted.pth')
        return out

    return route


#: route name -> callable(tmp_path, path) that loads ``path`` that way.
ROUTES = {
    'api': lambda tmp, p: load_checkpoint_file(p),
    'mmengine_load_checkpoint': lambda tmp, p: load_checkpoint(build_clf(), p),
    'runner_load_from': lambda tmp, p: _runner(tmp, p).load_or_resume(),
    'runner_resume': lambda tmp, p: _runner(tmp, p, True).load_or_resume(),
    'init_cfg_pretrained': _init_cfg,
    'inference_api': lambda tmp, p: load_model_weights(build_clf(), p),
    'https_url': _url,
    # teacher weights (CLIP/timm files) have their own reader
    'teacher_weights': lambda tmp, p: load_weights_file(p),
}
#: Routes that name the file but word the error their own way.
OWN_WORDING = ('init_cfg_pretrained', 'teacher_weights')
CLI_ROUTES = {
    'convert_official_to_recon3d': _converter('recon_official_to_recon3d'),
    'convert_recon3d_to_official': _converter('recon3d_to_recon_official'),
}
ALL_ROUTES = sorted(ROUTES) + sorted(CLI_ROUTES)

#: file kind -> (expected error type, words of the message)
EXPECTED_DAMAGED = {
    'empty': (CheckpointFileError, 'is empty (0 bytes)'),
    'truncated_zip': (CheckpointFileError, 'not a readable checkpoint'),
    'truncated_head': (CheckpointFileError, 'not a readable checkpoint'),
    'random_bytes': (CheckpointFileError, 'not a readable checkpoint'),
    'text_file': (CheckpointFileError, 'not a readable checkpoint'),
    'truncated_legacy': (CheckpointFileError, 'not a readable checkpoint'),
    'directory': (CheckpointFileError, 'is a directory'),
    'missing': (FileNotFoundError, 'does not exist'),
}
HOSTILE = [(payload, container) for payload in sorted(PAYLOADS)
           for container in ('zip', 'legacy', 'raw', 'runner')]


def _error_of(route, tmp_path, path, capsys):
    """The message of the error the route ends in (it must end in one)."""
    if route in CLI_ROUTES:
        return CLI_ROUTES[route](tmp_path, path, capsys)
    with pytest.raises((RunError, FileNotFoundError, ValueError)) as info:
        ROUTES[route](tmp_path, path)
    return f'{type(info.value).__name__}: {info.value}'


def _names(message: str, path: str, route: str) -> bool:
    """Whether ``message`` names the file (for a URL: its cached copy,
    which keeps the file name)."""
    if route == 'https_url':
        return osp.basename(path) in message
    return flat(path) in flat(message)


@pytest.mark.parametrize(
    'kind,route',
    [
        (kind, route) for kind in sorted(DAMAGED) for route in ALL_ROUTES
        # a URL that does not exist fails in the download, not in the loader
        if (kind, route) != ('missing', 'https_url')
    ])
def test_damaged_file(kind, route, tmp_path, capsys):
    path = DAMAGED[kind](str(tmp_path / f'{kind}.pth'))
    message = _error_of(route, tmp_path, path, capsys)
    assert _names(message, path, route), message
    error, words = EXPECTED_DAMAGED[kind]
    if route not in CLI_ROUTES and route not in OWN_WORDING:
        assert message.startswith(error.__name__), message
    if route not in OWN_WORDING:
        assert flat(words) in flat(message), message
    # One line in the Python routes: file, problem and fix together.
    if route in ROUTES:
        assert '\n' not in message


@pytest.mark.parametrize('route', ALL_ROUTES)
@pytest.mark.parametrize('payload,container', HOSTILE)
def test_hostile_pickle_never_runs(payload, container, route, tmp_path, capsys,
                                   marker):
    path = write_hostile(
        str(tmp_path / 'hostile.pth'), payload, container, marker)
    message = _error_of(route, tmp_path, path, capsys)
    assert not osp.exists(marker), f'the payload ran through {route}'
    assert _names(message, path, route), message
    if route != 'teacher_weights':
        assert 'unsafe-pickle' in message or 'not a readable' in message


@pytest.mark.parametrize('payload,container', HOSTILE)
def test_control_payload_runs_when_the_user_opts_in(payload, container,
                                                    tmp_path, marker):
    path = write_hostile(
        str(tmp_path / 'hostile.pth'), payload, container, marker)
    with pytest.raises(UnsafePickleError):
        load_checkpoint_file(path)
    try:
        load_checkpoint_file(path, unsafe_pickle=True)
    except CheckpointFileError:  # a raw pickle is no torch file after all
        pass
    assert osp.exists(marker)
