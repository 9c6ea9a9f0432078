"""Build a teacher cache: batched, resumable, sharded across processes.

The work is cut into chunks of ``batch_size`` rows (row = one key and one
variant: a view of an image, or a prompt of a text). Each finished chunk is
written to ``chunks/<n>.npy`` through a temporary file, so an interrupted
build resumes at the first missing chunk and computes every chunk in the
same batch as an uninterrupted build would: the final file is the same.
Under ``torch.distributed`` each process takes every world-size-th pending
chunk; process 0 merges the chunks into ``features.npy`` and writes
``index.json`` last (see :mod:`~recon3d.models.teachers.cache_format`).
"""
import copy
import json
import logging
import math
import os
import os.path as osp
import platform
import shutil
import time
from contextlib import nullcontext
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np
import torch
from mmengine.dist import barrier, get_dist_info
from mmengine.logging import print_log

from recon3d.registry import DATASETS, TRANSFORMS
from .builder import TEACHER_SEED, build_teacher
from .cache_format import (BUILD_FILE, FEATURES_FILE, INDEX_FILE, cache_spec,
                           dataset_keys, features_dtype, seed_view,
                           spec_of_index, write_json_atomic)

__all__ = ['build_teacher_cache', 'cache_dataset', 'write_teacher_cache']

PRECISIONS = {'fp32': None, 'fp16': torch.float16, 'bf16': torch.bfloat16}


class _ImageViews(torch.utils.data.Dataset):
    """Row ``k * V + v`` -> view ``v`` of image ``k``: uint8 [3, H, W]."""

    def __init__(self, dataset, keys: List[str], views: int,
                 pipeline: List[dict], seed: int) -> None:
        self.dataset = dataset
        self.keys = keys
        self.views = views
        self.transforms = [TRANSFORMS.build(t) for t in pipeline]
        self.seed = seed

    def __len__(self) -> int:
        return len(self.keys) * self.views

    def __getitem__(self, row: int) -> torch.Tensor:
        k, v = divmod(row, self.views)
        results = copy.deepcopy(self.dataset.get_data_info(k))
        seed_view(self.seed, self.keys[k], v)
        for transform in self.transforms:
            results = transform(results)
        img = np.ascontiguousarray(results['img'].transpose(2, 0, 1))
        return torch.from_numpy(img)


def cache_dataset(dataset_cfg: dict, modality: str):
    """Build the dataset a cache covers, without its training pipeline
    (images are loaded by the cache's own view pipeline)."""
    cfg = copy.deepcopy(dict(dataset_cfg))
    inner = cfg
    while isinstance(inner.get('dataset'), dict):
        inner = inner['dataset']  # a wrapper
    inner['pipeline'] = []
    if modality == 'img' and 'with_img' in inner:
        inner['with_img'] = True
    return DATASETS.build(cfg)


def _versions() -> Dict[str, str]:
    import importlib.metadata as metadata
    versions = dict(python=platform.python_version(), torch=torch.__version__)
    for package in ('open_clip_torch', 'timm', 'recon3d-mm'):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return versions


def _finished_index(cache: str, spec: dict,
                    keys: List[str]) -> Optional[dict]:
    """The index of a finished cache of ``spec`` and ``keys``, if any."""
    index_file = osp.join(cache, INDEX_FILE)
    if not osp.isfile(index_file):
        return None
    try:
        with open(index_file) as f:
            index = json.load(f)
    except json.JSONDecodeError:
        return None
    if spec_of_index(index) == spec and index.get('keys') == keys and \
            osp.isfile(osp.join(cache, FEATURES_FILE)):
        return index
    return None


def _identity(build: dict) -> dict:
    """What a resumed build must share with the interrupted one."""
    return dict(spec_of_index(build), keys=build.get('keys'),
                shape=build.get('shape'), precision=build.get('precision'))


def _prepare(cache: str, build: dict) -> None:
    """Set the folder up for a new or resumed build (process 0): a stale
    cache is removed, an unfinished build of the same settings kept."""
    build_file = osp.join(cache, BUILD_FILE)
    for name in (INDEX_FILE, FEATURES_FILE):
        if osp.isfile(osp.join(cache, name)):
            os.remove(osp.join(cache, name))  # stale: rebuilt below
    if osp.isfile(build_file):
        with open(build_file) as f:
            previous = json.load(f)
        if _identity(previous) == _identity(build):
            print_log(
                f'resuming the teacher cache build in {cache} (chunks of '
                f'{previous["chunk_size"]})',
                logger='current')
            return
        print_log(
            f'{cache}: the unfinished build was for other settings; '
            'starting over',
            logger='current',
            level=logging.WARNING)
    shutil.rmtree(osp.join(cache, 'chunks'), ignore_errors=True)
    os.makedirs(osp.join(cache, 'chunks'))
    write_json_atomic(build_file, build)


def build_teacher_cache(cached_cfg: dict,
                        dataset_cfg: dict,
                        batch_size: int = 64,
                        num_workers: int = 0,
                        device: str = 'cpu',
                        precision: str = 'fp32',
                        command: Optional[str] = None,
                        progress: bool = True,
                        on_chunk: Optional[Callable[[int], None]] = None
                        ) -> dict:
    """Build (or resume, or keep) the cache of a ``CachedTeacher`` config.

    Args:
        cached_cfg (dict): The ``CachedTeacher`` config (``teacher``,
            ``cache``, ``num_views``, ``pipeline``, ``seed``, ``key``).
        dataset_cfg (dict): The dataset whose images or texts are cached
            (the config's train dataset).
        batch_size (int): Rows per batch (and per chunk). A resumed build
            keeps its first batch size. Defaults to 64.
        num_workers (int): Data workers for loading and augmenting images.
        device (str): ``'cpu'`` or ``'cuda'`` (this process's GPU).
        precision (str): ``'fp32'``, or ``'fp16'``/``'bf16'`` autocast on
            CUDA (image teachers; text caches are always fp32, exact).
        command (str, optional): The command line, recorded so that a
            refusal can say how to rebuild.
        progress (bool): Show a progress bar (process 0).
        on_chunk (callable, optional): Called with each finished chunk's
            number (tests use it to interrupt a build).

    Returns:
        dict: The cache's index.
    """
    start = time.time()
    rank, world_size = get_dist_info()
    spec = cache_spec(cached_cfg)
    modality = spec['modality']
    cache = cached_cfg['cache']
    if modality == 'text':
        precision = 'fp32'
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {list(PRECISIONS)}, '
                         f'got {precision!r}')
    if precision != 'fp32' and not str(device).startswith('cuda'):
        raise ValueError(f'precision={precision!r} needs a CUDA device')
    dataset = cache_dataset(dataset_cfg, modality)
    keys = dataset_keys(dataset, modality, spec.get('key', 'file_name'))
    if not keys:
        raise ValueError(f'the dataset {dataset_cfg.get("type")} is empty')
    index = _finished_index(cache, spec, keys)
    if index is not None:
        print_log(f'teacher cache {cache} is up to date', logger='current')
        return index
    teacher = build_teacher(copy.deepcopy(cached_cfg['teacher']),
                            spec['weights'].get('seed', TEACHER_SEED))
    teacher = teacher.to(device)
    variants = spec['views'] if modality == 'img' else teacher.num_prompts
    build = dict(
        spec,
        keys=keys,
        shape=[len(keys), variants, int(teacher.out_channels)],
        dtype=features_dtype(modality).name,
        chunk_size=int(batch_size),
        precision=precision,
        built=dict(
            command=command,
            device=str(device),
            precision=precision,
            processes=world_size,
            versions=_versions()))
    if rank == 0:
        os.makedirs(cache, exist_ok=True)
        _prepare(cache, build)
    if world_size > 1:
        barrier()
    with open(osp.join(cache, BUILD_FILE)) as f:
        build = json.load(f)
    chunk_size = build['chunk_size']
    total = len(keys) * variants
    num_chunks = math.ceil(total / chunk_size)

    def chunk_file(c: int) -> str:
        return osp.join(cache, 'chunks', f'{c:06d}.npy')

    pending = [c for c in range(num_chunks) if not osp.isfile(chunk_file(c))]
    if world_size > 1:
        barrier()  # every process has read the same pending list
    mine = pending[rank::world_size]
    batches = [
        list(range(c * chunk_size, min(total, (c + 1) * chunk_size)))
        for c in mine
    ]
    encode, inputs = _encoder(teacher, modality, dataset, keys, spec,
                              batches, num_workers, device, precision)
    dtype = features_dtype(modality)
    with _Progress(progress and rank == 0, sum(map(len, batches)),
                   f'{modality} teacher cache') as advance:
        for c, rows, batch in zip(mine, batches, inputs):
            feats = encode(batch).float().cpu().numpy().astype(dtype)
            tmp = chunk_file(c)[:-len('.npy')] + f'.tmp{os.getpid()}.npy'
            np.save(tmp, feats)
            os.replace(tmp, chunk_file(c))
            advance(len(rows))
            if on_chunk is not None:
                on_chunk(c)
    if world_size > 1:
        barrier()
    if rank == 0:
        index = _merge(cache, build, num_chunks, chunk_file, start)
    if world_size > 1:
        barrier()
        with open(osp.join(cache, INDEX_FILE)) as f:
            index = json.load(f)
    return index


def _encoder(teacher, modality: str, dataset, keys: List[str], spec: dict,
             batches: List[List[int]], num_workers: int, device: str,
             precision: str) -> Tuple[Callable, Iterator]:
    """The batches' inputs (rows or images) and the function encoding one.
    """
    if modality == 'text':
        variants = teacher.num_prompts

        def encode_text(rows: List[int]) -> torch.Tensor:
            return teacher.encode_prompts([
                teacher.prompt(keys[r // variants], r % variants)
                for r in rows
            ])

        return encode_text, iter(batches)
    views = _ImageViews(dataset, keys, spec['views'], spec['pipeline'],
                        spec['seed'])
    loader = torch.utils.data.DataLoader(
        views, batch_sampler=batches, num_workers=num_workers)

    def encode_images(imgs: torch.Tensor) -> torch.Tensor:
        autocast = nullcontext() if precision == 'fp32' else \
            torch.autocast('cuda', dtype=PRECISIONS[precision])
        with autocast:
            return teacher(imgs.to(device, non_blocking=True))

    return encode_images, iter(loader)


def _merge(cache: str, build: dict, num_chunks: int,
           chunk_file: Callable[[int], str], start: float) -> dict:
    """Chunks -> ``features.npy``, then ``index.json``; clean up."""
    missing = [c for c in range(num_chunks) if not osp.isfile(chunk_file(c))]
    if missing:
        raise RuntimeError(f'{cache}: chunks {missing[:5]} are missing '
                           f'({len(missing)}); run the build again')
    K, V, D = build['shape']
    tmp = osp.join(cache, f'features.tmp{os.getpid()}.npy')
    out = np.lib.format.open_memmap(
        tmp, mode='w+', dtype=np.dtype(build['dtype']), shape=(K, V, D))
    flat = out.reshape(K * V, D)
    row = 0
    for c in range(num_chunks):
        chunk = np.load(chunk_file(c))
        flat[row:row + len(chunk)] = chunk
        row += len(chunk)
    out.flush()
    del flat, out
    os.replace(tmp, osp.join(cache, FEATURES_FILE))
    index = {k: v for k, v in build.items() if k != 'chunk_size'}
    index['built'] = dict(build['built'], seconds=round(time.time() - start,
                                                        1))
    write_json_atomic(osp.join(cache, INDEX_FILE), index)
    shutil.rmtree(osp.join(cache, 'chunks'), ignore_errors=True)
    os.remove(osp.join(cache, BUILD_FILE))
    print_log(f'teacher cache written: {cache} ({K} keys x {V}, '
              f'{index["built"]["seconds"]} s)', logger='current')
    return index


class _Progress:
    """A rich progress bar, or nothing; gives the function that advances
    it."""

    def __init__(self, show: bool, total: int, what: str) -> None:
        self.show, self.total, self.what = show, total, what
        self.bar = None

    def __enter__(self) -> Callable[[int], None]:
        if not self.show:
            return lambda n: None
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress,
                                   TimeElapsedColumn, TimeRemainingColumn)
        self.bar = Progress('[progress.description]{task.description}',
                            BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TimeRemainingColumn())
        self.bar.__enter__()
        task = self.bar.add_task(self.what, total=self.total)
        return lambda n: self.bar.advance(task, n)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def write_teacher_cache(cached_cfg: dict,
                        keys: List[str],
                        features: np.ndarray,
                        command: Optional[str] = None) -> dict:
    """Write a finished cache from features computed elsewhere.

    For features that come from another source than
    :func:`build_teacher_cache` (e.g. synthetic ones for a speed benchmark
    of the lookups): the index records ``cached_cfg`` as for a build, so
    that ``CachedTeacher(**cached_cfg)`` accepts the cache.

    Args:
        cached_cfg (dict): The ``CachedTeacher`` config.
        keys (list[str]): K keys (image keys or category texts).
        features (np.ndarray): [K, V, D]: V views per image, or one row per
            prompt variant of the text teacher (``len(templates) *
            len(suffixes)``).
        command (str, optional): Recorded as the build command.

    Returns:
        dict: The index.
    """
    spec = cache_spec(cached_cfg)
    modality = spec['modality']
    K, V, D = features.shape
    if modality == 'img':
        variants = spec['views']
    else:
        variants = len(spec['teacher']['templates']) * len(
            spec['teacher']['suffixes'])
    if K != len(keys) or V != variants:
        raise ValueError(f'features {list(features.shape)}: expected '
                         f'[{len(keys)}, {variants}, D]')
    cache = cached_cfg['cache']
    os.makedirs(cache, exist_ok=True)
    for name in (INDEX_FILE, FEATURES_FILE):
        if osp.isfile(osp.join(cache, name)):
            os.remove(osp.join(cache, name))
    dtype = features_dtype(modality)
    tmp = osp.join(cache, f'features.tmp{os.getpid()}.npy')
    np.save(tmp, np.ascontiguousarray(features, dtype=dtype))
    os.replace(tmp, osp.join(cache, FEATURES_FILE))
    index = dict(
        spec,
        keys=list(keys),
        shape=[K, V, D],
        dtype=dtype.name,
        precision='fp32',
        built=dict(command=command, versions=_versions()))
    write_json_atomic(osp.join(cache, INDEX_FILE), index)
    return index
