"""Shared pieces of the fuzz tests: a tiny classifier and generated bad
files (damaged checkpoints, hostile pickles)."""
import importlib.util
import os
import os.path as osp
import pathlib
import pickle
import re
from typing import Callable, Dict

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

from recon3d.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'recon', 'finetune_modelnet40.py')
C, NUM_CLASSES = 32, 18  # 18: the classes of the generated ModelNet40


def clf_cfg(embed_dims: int = C, num_classes: int = NUM_CLASSES, **kw) -> dict:
    """A tiny PointClassifier (one block, 8 groups of 8 points)."""
    return dict(
        type='PointClassifier',
        arch=dict(embed_dims=embed_dims, depth=1, num_heads=2),
        backbone=dict(type='PointTransformer', num_group=8, group_size=8),
        neck=dict(type='ReConNeck'),
        cls_head=dict(
            type='ClsHead', num_classes=num_classes, head_type='linear'),
        **kw)


def build_clf(**kw) -> torch.nn.Module:
    torch.manual_seed(0)
    model = MODELS.build(clf_cfg(**kw))
    model.init_weights()
    return model


def load_tool(relpath: str):
    """A tool script (``tools/<relpath>``) as a module, for its main()."""
    name = 'tool_' + relpath.replace('/', '_')[:-3]
    spec = importlib.util.spec_from_file_location(
        name, osp.join(REPO, 'tools', relpath))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def flat(text: str) -> str:
    """``text`` without whitespace (rich wraps long paths)."""
    return re.sub(r'\s', '', text)


# --- hostile payloads: each would create ``marker`` when unpickled --------
class Exec:

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return exec, (f'open({self.marker!r}, "w").write("ran")', )


class System(Exec):

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


class WriteText(Exec):

    def __reduce__(self):
        return pathlib.Path.write_text, (pathlib.Path(self.marker), 'ran')


class ToFile(Exec):
    """A bound method of an (allowed) numpy array: pickled as
    ``getattr(array, 'tofile')``."""

    def __reduce__(self):
        return np.zeros(2).tofile, (self.marker, )


PAYLOADS: Dict[str, type] = dict(
    exec=Exec, system=System, write_text=WriteText, tofile=ToFile)


def _state() -> dict:
    return {'backbone.x': torch.ones(2)}


def write_hostile(path: str, payload: str, container: str, marker: str) -> str:
    """A file whose full unpickling runs ``payload`` (creates ``marker``).

    container: ``zip`` (torch.save), ``legacy`` (torch's old format),
    ``raw`` (a plain pickle) or ``runner`` (a Runner-like checkpoint, with
    a message hub, carrying the payload in its meta).
    """
    obj = PAYLOADS[payload](marker)
    if container == 'raw':
        with open(path, 'wb') as f:
            pickle.dump(obj, f, protocol=2)
    elif container == 'runner':
        hub = HistoryBuffer()
        hub.update(1.0)
        torch.save(
            dict(
                state_dict=_state(),
                meta=dict(note=obj),
                message_hub=dict(log_scalars={'train/loss': hub})), path)
    else:
        torch.save(
            dict(state_dict=_state(), extra=obj),
            path,
            _use_new_zipfile_serialization=container == 'zip')
    return path


# --- damaged files ---------------------------------------------------------
def _good(path: str, legacy: bool = False) -> bytes:
    torch.save(
        dict(state_dict={'w': torch.randn(64, 64)}),
        path,
        _use_new_zipfile_serialization=not legacy)
    with open(path, 'rb') as f:
        return f.read()


def _write(path: str, data: bytes) -> str:
    with open(path, 'wb') as f:
        f.write(data)
    return path


DAMAGED: Dict[str, Callable[[str], str]] = dict(
    empty=lambda p: _write(p, b''),
    truncated_zip=lambda p: _write(p,
                                   _good(p)[:len(_good(p)) // 2]),
    truncated_head=lambda p: _write(p,
                                    _good(p)[:100]),
    random_bytes=lambda p: _write(p,
                                  np.random.default_rng(0).bytes(4096)),
    text_file=lambda p: _write(p, b'not a checkpoint\n'),
    truncated_legacy=lambda p: _write(
        p,
        _good(p, legacy=True)[:len(_good(p, legacy=True)) // 2]),
    directory=lambda p: (os.makedirs(p), p)[1],
    missing=lambda p: p,
)


# --- tiny fine-tune runs on generated ModelNet40 --------------------------
def options(root: str, **extra) -> dict:
    """A 2-epoch tiny fine-tune from scratch on ``root``, no validation."""
    from recon3d.testing import tiny_classifier_overrides
    opts = dict(tiny_classifier_overrides())
    for loader in ('train_dataloader', 'test_dataloader'):
        inner = 'dataset.dataset' if loader == 'train_dataloader' \
            else 'dataset'
        opts[f'{loader}.{inner}.data_root'] = root
        opts[f'{loader}.{inner}.num_points'] = 256
        opts[f'{loader}.num_workers'] = 0
        opts[f'{loader}.persistent_workers'] = False
    opts.update({
        'model.cls_head.num_classes': NUM_CLASSES,
        'model.init_cfg': None,
        'model.data_preprocessor.num_points': 64,
        'model.data_preprocessor.train_fps_points': 80,
        'train_cfg.max_epochs': 2,
        'train_dataloader.batch_size': 8,
        'default_hooks.checkpoint.interval': 1,
        'default_hooks.logger.interval': 1,
        'log_level': 'WARNING',
    })
    opts.update(extra)
    return opts


def argv(config: str, work_dir, opts: dict, *flags) -> list:
    return [
        config, '--work-dir',
        str(work_dir), '--no-validate', *flags, '--cfg-options'
    ] + [f'{k}={v}' for k, v in opts.items()]
