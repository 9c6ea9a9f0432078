"""``benchmark.py --compare``: one config timed, in one process, as
variants: live teachers, cached teachers, and each opt-in switch.

- ``live teachers``: the config with every ``CachedTeacher`` replaced by the
  teacher it wraps (random weights unless ``--teacher-weights``).
- ``cached teachers``: the same teachers behind ``CachedTeacher``
  (:func:`~recon3d.models.teachers.use_teacher_cache`), reading synthetic
  caches written in a temporary folder for the batch's keys (random
  features of the teachers' widths: the lookups cost what real ones cost).
- each switch on top of the cached row (or of the config when it has no
  teacher): ``compile`` (``torch.compile`` of the student's backbone, neck
  and decoder; its stages are not timed, hooks would break the graphs) and
  ``bf16`` (bfloat16 autocast; on the CPU only where it has native
  bfloat16, AVX512-BF16 or AMX, unless asked for explicitly).

All variants start from the same weights and batch, and their timed steps
are interleaved (one step of each variant per round), so that a machine
whose load drifts slows them alike.
"""
import copy
import math
import tempfile
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config

from ..device import bf16_support
from .phases import TrainBench, build_model
from .timing import TEACHERS

STUDENT = ('backbone', 'neck', 'decoder')
SWITCH_NAMES = dict(
    compile='+ torch.compile (student)', bf16='+ bf16 autocast')


def live_config(cfg: Config, teacher_weights: bool) -> Config:
    """``cfg`` with cached teachers unwrapped (and random weights unless
    ``teacher_weights``)."""
    cfg = copy.deepcopy(cfg)
    for name in TEACHERS:
        teacher = cfg.model.get(name)
        if not teacher:
            continue
        if teacher.get('type') == 'CachedTeacher':
            teacher = copy.deepcopy(teacher['teacher'])
        if not teacher_weights:
            teacher['pretrained'] = None
        cfg.model[name] = teacher
    return cfg


def cached_config(live: Config, root: str, num_views: int) -> Config:
    """The live config switched to cached teachers in ``root``."""
    from recon3d.models.teachers import use_teacher_cache
    return use_teacher_cache(live, root, num_views=num_views)


def write_synthetic_caches(cfg: Config, widths: Dict[str, int],
                           img_keys: List[str], texts: List[str],
                           seed: int) -> None:
    """Random-feature caches that the cached teachers of ``cfg`` accept."""
    from recon3d.models.teachers import write_teacher_cache
    from recon3d.models.teachers.cache_format import cache_spec
    rng = np.random.default_rng(seed)
    for name in TEACHERS:
        cached = cfg.model.get(name)
        if not cached:
            continue
        cached = cached.to_dict() if hasattr(cached, 'to_dict') \
            else dict(cached)
        spec = cache_spec(cached)
        if spec['modality'] == 'img':
            keys, variants = img_keys, spec['views']
        else:
            keys = sorted(set(texts))
            variants = len(spec['teacher']['templates']) * len(
                spec['teacher']['suffixes'])
        feats = rng.standard_normal((len(keys), variants, widths[name]))
        write_teacher_cache(cached, keys, feats.astype(np.float32),
                            command='benchmark.py --compare (synthetic)')


def _key_batch(batch: Dict[str, Any]) -> Tuple[Dict[str, Any], List[str]]:
    """The batch with image keys in place of images."""
    inputs = dict(batch['inputs'])
    keys = [f'benchmark/{i:05d}.png' for i in range(len(inputs['points']))]
    if 'img' in inputs:
        inputs['img'] = keys
    return dict(inputs=inputs, data_samples=None), keys


def compare_variants(cfg: Config,
                     args,
                     device: torch.device,
                     batch: Dict[str, Any],
                     switches: Optional[List[str]] = None,
                     num_views: int = 10,
                     compile_options: Optional[dict] = None
                     ) -> Dict[str, Any]:
    """Time the variants; see the module docstring.

    Args:
        cfg (Config): The config.
        args: ``batch_size``, ``iters``, ``warmup``, ``seed``,
            ``teacher_weights`` as in ``benchmark.py``.
        device (torch.device): Device.
        batch (dict): The synthetic batch (with uint8 images if the config
            has an image teacher).
        switches (list[str], optional): Among ``'compile'``, ``'bf16'``.
            Default: ``compile``, and ``bf16`` where natively supported.
        num_views (int): V of the cached image teacher.
        compile_options (dict, optional): ``torch.compile`` arguments of
            the compile switch (e.g. ``backend``).

    Returns:
        dict: ``rows`` (name, samples/s, ratio to the first row, per-group
        shares, result) and ``skipped`` (switch, reason).
    """
    bf16_ok, bf16_note = bf16_support(device)
    skipped = []
    if switches is None:
        switches = ['compile', 'bf16']
        if not bf16_ok:
            switches.remove('bf16')
            skipped.append(dict(switch='bf16', reason=bf16_note))
    live = live_config(cfg, args.teacher_weights)
    has_teachers = any(live.model.get(n) for n in TEACHERS)
    variants = []  # (name, config, batch, amp dtype, compile)

    def build(config):
        torch.manual_seed(args.seed)  # the same student weights everywhere
        return build_model(config, args.teacher_weights, device,
                           verbose=False)

    tmp = tempfile.TemporaryDirectory(prefix='recon3d_bench_')
    try:
        live_model = build(live)
        base_cfg, base_batch = live, batch
        variants.append(('live teachers' if has_teachers else 'config',
                         live_model, batch, None, False))
        if has_teachers:
            base_cfg = cached_config(live, tmp.name, num_views)
            base_batch, keys = _key_batch(batch)
            widths = {n: getattr(live_model, n).out_channels
                      for n in TEACHERS if getattr(live_model, n, None)}
            write_synthetic_caches(base_cfg, widths, keys,
                                   batch['inputs'].get('text', []),
                                   args.seed)
            variants.append(('cached teachers', build(base_cfg), base_batch,
                             None, False))
        amp = 'bfloat16'
        for switch in switches:
            if switch not in SWITCH_NAMES:
                raise ValueError(f"unknown switch {switch!r}: 'compile' or "
                                 "'bf16'")
            model = build(base_cfg)
            if switch == 'compile':
                for name in STUDENT:
                    getattr(model, name).compile(**(compile_options or {}))
            variants.append((SWITCH_NAMES[switch], model, base_batch,
                             amp if switch == 'bf16' else None,
                             switch == 'compile'))
        benches = [
            TrainBench(model, b, device, dtype, stages=not compiled,
                       optim_wrapper=live.get('optim_wrapper'))
            for _, model, b, dtype, compiled in variants
        ]
        for bench, (_, _, _, _, compiled) in zip(benches, variants):
            for _ in range(max(args.warmup, 2 if compiled else 0)):
                bench.step()
            bench.reset()
        losses = [math.nan] * len(benches)
        for _ in range(args.iters):
            for i, bench in enumerate(benches):
                losses[i] = bench.step()
    finally:
        tmp.cleanup()
    rows = []
    for (name, *_), bench, loss in zip(variants, benches, losses):
        res = bench.result(args.batch_size)
        rows.append(
            dict(
                name=name,
                samples_per_s=res['samples_per_s'],
                ms_per_step=res['ms_per_step'],
                ratio=res['samples_per_s'] / rows[0]['samples_per_s']
                if rows else 1.,
                shares={g: v['percent']
                        for g, v in res['groups'].items()},
                stages_timed=bench.stages,
                last_loss=loss,
                result=res))
    return dict(rows=rows, skipped=skipped, bf16=bf16_note,
                num_views=num_views if has_teachers else None)
