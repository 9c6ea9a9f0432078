"""The teacher cache on disk: what it records and how it is checked.

A cache is a folder::

    index.json     what was cached (see below); written last, so a folder
                   without it is never taken for a finished cache
    features.npy   [K, V, D] array: K keys (images or category texts),
                   V variants per key (augmented views of an image, or
                   prompts of a text), D feature channels. float16 for
                   images (memory-mapped), float32 for texts.

and, while a build runs (or after it was interrupted), ``build.json`` (the
index it will write) and ``chunks/`` (finished pieces, merged at the end).

``index.json`` records: the modality; the teacher's resolved arguments (its
class defaults filled in, so a changed default is seen); the weights
(``pretrained`` and the file's SHA-256, or the seed of random weights); for
images the view pipeline, the number of views, the view seed and the key
field; the keys in order (the dataset list); the array's shape and dtype;
and how it was built (command, device, precision, versions, seconds).
"""
import copy
import inspect
import json
import os
import os.path as osp
import random
import zlib
from typing import Any, Dict, List, Sequence

import numpy as np
import torch

from recon3d.registry import TEACHERS
from recon3d.utils.hub import sha256_file

__all__ = [
    'CACHE_FORMAT', 'INDEX_FILE', 'FEATURES_FILE', 'BUILD_FILE',
    'BUILD_COMMAND', 'build_command', 'cache_spec', 'read_index',
    'describe_differences', 'dataset_keys', 'check_keys', 'seed_view',
    'write_json_atomic', 'StaleCacheError', 'spec_of_index',
    'features_dtype', 'open_features'
]

CACHE_FORMAT = 'recon3d-teacher-cache/1'
INDEX_FILE = 'index.json'
FEATURES_FILE = 'features.npy'
BUILD_FILE = 'build.json'
BUILD_COMMAND = 'python tools/analysis_tools/build_teacher_cache.py CONFIG'
# Arguments that choose where weights come from, or how features are looked
# up, not which features a teacher computes.
_NOT_IDENTITY = ('type', 'pretrained', 'download', 'random_prompt')
_HASHES: Dict[tuple, str] = {}


def build_command(index: dict) -> str:
    """The command that built a cache (recorded), else the generic one."""
    return (index.get('built') or {}).get('command') or BUILD_COMMAND


class StaleCacheError(RuntimeError):
    """A teacher cache that is missing, unfinished or built for something
    else than the config asks."""


def _jsonable(value: Any) -> Any:
    """Tuples to lists, recursively (the form JSON gives back)."""
    return json.loads(json.dumps(value, default=str))


def teacher_class(cfg: dict) -> type:
    """The registered class of a teacher config."""
    cls = cfg['type'] if isinstance(cfg['type'], type) else \
        TEACHERS.get(cfg['type'])
    if cls is None:
        raise KeyError(f'{cfg["type"]!r} is not a registered teacher')
    return cls


def teacher_arguments(cfg: dict) -> dict:
    """A teacher config's arguments with the class defaults filled in,
    without those that do not change its features."""
    cls = teacher_class(cfg)
    args = {k: v for k, v in cfg.items() if k != 'type'}
    bound = inspect.signature(cls.__init__).bind(None, **args)
    bound.apply_defaults()
    resolved = dict(list(bound.arguments.items())[1:])
    resolved = {k: v for k, v in resolved.items() if k not in _NOT_IDENTITY}
    return _jsonable(dict(type=cls.__name__, **resolved))


def _file_sha256(path: str) -> str:
    """SHA-256 of a file, remembered per (path, size, mtime)."""
    stat = os.stat(path)
    key = (osp.abspath(path), stat.st_size, stat.st_mtime_ns)
    if key not in _HASHES:
        _HASHES[key] = sha256_file(path)
    return _HASHES[key]


def weights_record(cfg: dict, seed: int,
                   verify: bool = True) -> Dict[str, Any]:
    """Which weights a teacher config loads.

    Args:
        cfg (dict): Teacher config.
        seed (int): Seed of random weights (``pretrained=None``).
        verify (bool): Hash the weights file. If False, or when the file is
            not there (not downloaded), only ``pretrained`` is recorded.

    Returns:
        dict: ``pretrained`` plus ``sha256`` (a file) or ``seed`` (None).
    """
    pretrained = cfg.get('pretrained')
    if pretrained is None:
        return dict(pretrained=None, seed=seed)
    record = dict(pretrained=pretrained)
    if verify:
        try:
            path = teacher_class(cfg).find_weights(
                dict(cfg, download=False))
        except (OSError, RuntimeError, ValueError):
            path = None
        if path is not None:
            record['sha256'] = _file_sha256(path)
    return record


def cache_spec(cached_cfg: dict, verify_weights: bool = True) -> dict:
    """What a ``CachedTeacher`` config asks of its cache.

    Args:
        cached_cfg (dict): The ``CachedTeacher`` config (``teacher``,
            ``cache``, ``num_views``, ``pipeline``, ``seed``, ``key``).
        verify_weights (bool): Hash the teacher's weights file.

    Returns:
        dict: The identity fields of ``index.json``.
    """
    teacher = dict(cached_cfg['teacher'])
    seed = int(cached_cfg.get('seed', 0))
    modality = teacher_class(teacher).modality
    if modality not in ('img', 'text'):
        raise ValueError(f'{teacher["type"]} has no modality (img/text): '
                         'it cannot be cached')
    spec = dict(
        format=CACHE_FORMAT,
        modality=modality,
        teacher=teacher_arguments(teacher),
        weights=weights_record(teacher, seed, verify_weights))
    if modality == 'img':
        if not cached_cfg.get('pipeline'):
            raise ValueError('CachedTeacher of an image teacher needs '
                             '`pipeline`, the image pipeline of one view')
        spec.update(
            views=int(cached_cfg.get('num_views', 1)),
            pipeline=_jsonable(cached_cfg['pipeline']),
            seed=seed,
            key=cached_cfg.get('key', 'file_name'))
    return spec


def read_index(cache: str) -> dict:
    """Read a finished cache's ``index.json``.

    Raises:
        StaleCacheError: The folder holds no finished cache (with the
            command that builds or resumes it).
    """
    index_file = osp.join(cache, INDEX_FILE)
    if not osp.isfile(index_file):
        build_file = osp.join(cache, BUILD_FILE)
        if osp.isfile(build_file):
            with open(build_file) as f:
                command = json.load(f).get('built', {}).get('command')
            raise StaleCacheError(
                f'teacher cache {cache} is unfinished (its build was '
                f'interrupted); resume it: {command or BUILD_COMMAND}')
        raise StaleCacheError(
            f'no teacher cache in {cache}; build it: {BUILD_COMMAND} '
            '(CONFIG: the config of this run)')
    with open(index_file) as f:
        try:
            index = json.load(f)
        except json.JSONDecodeError as error:
            raise StaleCacheError(f'{index_file} is not valid JSON ({error})'
                                  f'; rebuild it: {BUILD_COMMAND}') from error
    if index.get('format') != CACHE_FORMAT:
        raise StaleCacheError(
            f'{index_file} is not a {CACHE_FORMAT} index (format '
            f'{index.get("format")!r}); rebuild it: {BUILD_COMMAND}')
    return index


def _flatten(value: Any, prefix: str = '') -> Dict[str, Any]:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(_flatten(item, f'{prefix}.{key}' if prefix else key))
        return out
    return {prefix: value}


def describe_differences(recorded: dict, wanted: dict) -> List[str]:
    """``'field: cache X, config Y'`` for each field that differs."""
    recorded, wanted = _flatten(recorded), _flatten(wanted)
    if 'weights.sha256' in wanted and 'weights.sha256' in recorded:
        # The same file under another name is the same weights.
        recorded.pop('weights.pretrained')
        wanted.pop('weights.pretrained')
    else:
        # No file to hash (not downloaded here): the names must match.
        recorded.pop('weights.sha256', None)
        wanted.pop('weights.sha256', None)
    lines = []
    for key in sorted(set(wanted)):
        if key not in recorded:
            lines.append(f'{key}: not in the cache, config {wanted[key]!r}')
        elif recorded[key] != wanted[key]:
            lines.append(f'{key}: cache {recorded[key]!r}, config '
                         f'{wanted[key]!r}')
    return lines


def dataset_keys(dataset, modality: str, key: str = 'file_name') -> List[str]:
    """The keys a cache of ``dataset`` holds, in order.

    Args:
        dataset: A dataset whose ``get_data_info(i)`` has ``key`` (images)
            or ``'text'`` (texts).
        modality (str): ``'img'``: one key per item, in item order;
            ``'text'``: the sorted distinct category texts.
        key (str): The image key field. Defaults to ``'file_name'``.

    Returns:
        list[str]: The keys.
    """
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    if modality == 'text':
        return sorted({str(info['text']) for info in infos})
    keys = [str(info[key]) for info in infos]
    if len(set(keys)) != len(keys):
        dup = sorted({k for k in keys if keys.count(k) > 1})[:5]
        raise ValueError(f'the dataset repeats image keys ({key}): {dup}')
    return keys


def check_keys(index: dict, keys: Sequence[str], cache: str) -> List[str]:
    """Differences between a cache's key list and a dataset's."""
    recorded = index['keys']
    if list(recorded) == list(keys):
        return []
    missing = sorted(set(keys) - set(recorded))
    extra = sorted(set(recorded) - set(keys))
    what = [f'the cache holds {len(recorded)} keys, the dataset '
            f'{len(keys)}']
    if missing:
        what.append(f'{len(missing)} missing from the cache (e.g. '
                    f'{missing[:3]})')
    if extra:
        what.append(f'{len(extra)} not in the dataset (e.g. {extra[:3]})')
    if not missing and not extra:
        what.append('in another order')
    command = build_command(index)
    return [f'teacher cache {cache} was built for another dataset list: '
            f'{"; ".join(what)}. Rebuild it: {command}']


def seed_view(seed: int, key: str, view: int) -> None:
    """Seed Python's, numpy's and torch's global generators for view
    ``view`` of image ``key``: the pipeline's random draws (made from those
    generators, see ``transform_rng``) are then a function of
    (seed, key, view) only."""
    state = np.random.SeedSequence(
        [seed, zlib.crc32(key.encode('utf-8')), view]).generate_state(2)
    random.seed(int(state[0]))
    np.random.seed(int(state[1]))
    torch.manual_seed(int(state[0]))


def write_json_atomic(path: str, data: dict) -> None:
    """Write JSON to a temporary file and move it into place."""
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w') as f:
        json.dump(data, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def spec_of_index(index: dict) -> dict:
    """The identity part of an index (comparable with :func:`cache_spec`)."""
    spec = {k: copy.deepcopy(index[k]) for k in ('format', 'modality',
                                                 'teacher', 'weights')
            if k in index}
    for k in ('views', 'pipeline', 'seed', 'key'):
        if k in index:
            spec[k] = copy.deepcopy(index[k])
    return spec


def features_dtype(modality: str) -> np.dtype:
    """float16 for image views, float32 for texts (exact lookups)."""
    return np.dtype(np.float16 if modality == 'img' else np.float32)


def open_features(cache: str, index: dict) -> np.ndarray:
    """Memory-map ``features.npy`` and check it against the index."""
    path = osp.join(cache, FEATURES_FILE)
    try:
        array = np.load(path, mmap_mode='r')
    except (OSError, ValueError) as error:
        raise StaleCacheError(f'{path} cannot be read ({error}); rebuild '
                              f'it: {BUILD_COMMAND}') from error
    if list(array.shape) != list(index['shape']) or \
            array.dtype != np.dtype(index['dtype']):
        raise StaleCacheError(
            f'{path} holds {array.dtype} {list(array.shape)}, its index '
            f'says {index["dtype"]} {index["shape"]}; rebuild it: '
            f'{BUILD_COMMAND}')
    return array
