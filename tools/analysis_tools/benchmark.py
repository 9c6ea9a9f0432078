"""Benchmark a ReCon model: train-step and inference speed, peak memory and
the share of each stage (grouping, patch embedding, encoder, neck, decoder,
teachers, losses, backward).

The model is built from the config and fed one synthetic batch (random points
on a perturbed unit sphere, random uint8 images, category strings) through
its data preprocessor, as the Runner does, so no dataset is needed. Teachers
get random weights by default (``pretrained=None``: same architecture and
cost, no downloads); ``--teacher-weights`` keeps the config's weights.

Stage times come from forward pre/post hooks (``time.perf_counter``, with
``torch.cuda.synchronize()`` on CUDA), from a timed wrapper around the
backbone module's ``group_points`` and around the heads' ``loss`` methods,
all removed when the benchmark ends. ``encoder`` is the backbone's time less
grouping and patch embedding; ``other`` is the rest of the forward pass
(masking bookkeeping, loss sum, ...); ``backward + optimizer`` is the step
time less the data preprocessor and the forward pass, so the rows sum to
the step time.

Example:
    python tools/analysis_tools/benchmark.py configs/recon/pretrain_demo.py
    python tools/analysis_tools/benchmark.py configs/recon/pretrain.py \\
        --batch-size 8 --device cpu --json work_dirs/benchmark.json
"""
import argparse
import contextlib
import copy
import functools
import json
import logging
import math
import os
import os.path as osp
import platform
import resource
import sys
import time
from collections import defaultdict
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config, DictAction
from mmengine.logging import MMLogger

from recon3d.utils import register_all_modules

TEACHERS = ('img_teacher', 'text_teacher')
LOSS_HEADS = ('rec_head', 'img_head', 'text_head', 'smc_head')
CATEGORIES = ('airplane', 'chair', 'table', 'car', 'lamp', 'sofa', 'rifle',
              'bench', 'cabinet', 'display', 'loudspeaker', 'watercraft')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Benchmark the train step and inference of a ReCon '
        'model on a synthetic batch')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--batch-size',
        type=int,
        help="batch size B (default: the config's "
        'train_dataloader.batch_size, else 32)')
    parser.add_argument(
        '--num-points',
        type=int,
        help='points per cloud N given to the data preprocessor (default: '
        "model.data_preprocessor.num_points, else 1024); more than the "
        "preprocessor's num_points makes it sample (FPS) at inference")
    parser.add_argument(
        '--img-size',
        type=int,
        help='synthetic image size (default: the crop of the train '
        'pipeline\'s image transform, else 224)')
    parser.add_argument(
        '--iters', type=int, default=10, help='timed iterations per phase')
    parser.add_argument(
        '--warmup',
        type=int,
        default=3,
        help='untimed iterations before each phase')
    parser.add_argument(
        '--device',
        choices=['cpu', 'cuda'],
        default='cuda' if torch.cuda.is_available() else 'cpu',
        help='default: cuda when available')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision: float16 autocast + GradScaler on CUDA, '
        'bfloat16 autocast on CPU')
    parser.add_argument(
        '--teacher-weights',
        action='store_true',
        help="load the config's teacher weights (default: random teacher "
        'weights, same architecture and cost, nothing downloaded)')
    parser.add_argument(
        '--skip-train', action='store_true', help='inference only')
    parser.add_argument(
        '--skip-inference', action='store_true', help='train step only')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config leaves, e.g. model.backbone.depth=4 or '
        'model.img_teacher._delete_=True model.img_teacher.type=...')
    parser.add_argument('--json', help='also write the results to this file')
    args = parser.parse_args(argv)
    if args.iters < 1 or args.warmup < 0:
        parser.error('--iters must be >= 1 and --warmup >= 0')
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: CUDA is not available')
    return args


# --------------------------------------------------------------- model/data
def fill_defaults(args: argparse.Namespace, cfg: Config) -> None:
    """Batch size, points and image size from the config when not given.

    Raises:
        ValueError: ``--num-points`` is below the data preprocessor's
            ``num_points`` (it samples down, never up).
    """
    train_loader = cfg.get('train_dataloader') or {}
    if args.batch_size is None:
        args.batch_size = train_loader.get('batch_size', 32)
    wanted = (cfg.model.get('data_preprocessor') or {}).get('num_points')
    if args.num_points is None:
        args.num_points = wanted or 1024
    elif wanted and args.num_points < wanted:
        raise ValueError(
            f'--num-points {args.num_points} is below '
            f'model.data_preprocessor.num_points={wanted}, which samples '
            f'down only: pass --num-points >= {wanted} or --cfg-options '
            f'model.data_preprocessor.num_points={args.num_points}')
    if args.img_size is None:
        args.img_size = 224
        pipeline = (train_loader.get('dataset') or {}).get('pipeline') or []
        for transform in pipeline:
            if isinstance(transform.get('crop'), int):
                args.img_size = transform['crop']


def build_model(cfg: Config, teacher_weights: bool,
                device: torch.device) -> nn.Module:
    """Build and initialize ``cfg.model``; teachers random unless asked.

    Returns:
        nn.Module: The model on ``device``.
    """
    from recon3d.registry import MODELS
    model_cfg = copy.deepcopy(cfg.model)
    for name in TEACHERS:
        teacher = model_cfg.get(name)
        if not teacher:
            continue
        weights = teacher.get('pretrained', '<class default>')
        if teacher_weights or weights is None:
            print(f'{name}: {teacher["type"]}, pretrained={weights!r} as '
                  'in the config')
        else:
            print(f'{name}: {teacher["type"]} built with pretrained=None '
                  f'instead of {weights!r}: random weights, same '
                  'architecture and cost (--teacher-weights loads them)')
            teacher['pretrained'] = None
    model = MODELS.build(model_cfg)
    # Without a log file, init_weights() prints one INFO entry per
    # parameter; keep warnings only.
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        model.init_weights()
    finally:
        logger.setLevel(level)
    return model.to(device)


def make_batch(batch_size: int, num_points: int, img_size: int,
               with_img: bool, with_text: bool,
               generator: torch.Generator) -> Dict[str, Any]:
    """A collated batch as ``pseudo_collate`` gives it.

    Returns:
        dict: ``inputs`` with ``points`` B × [N, 3] (unit sphere surface
        plus noise of std .02), optionally ``img`` B × uint8 [3, S, S] and
        ``text`` B category strings; ``data_samples`` None.
    """
    xyz = torch.randn(batch_size, num_points, 3, generator=generator)
    xyz = xyz / xyz.norm(dim=-1, keepdim=True)
    xyz = xyz + 0.02 * torch.randn(xyz.shape, generator=generator)
    inputs: Dict[str, Any] = dict(points=list(xyz.unbind(0)))
    if with_img:
        img = torch.randint(
            0, 256, (batch_size, 3, img_size, img_size),
            dtype=torch.uint8, generator=generator)
        inputs['img'] = list(img.unbind(0))
    if with_text:
        inputs['text'] = [
            CATEGORIES[i % len(CATEGORIES)] for i in range(batch_size)
        ]
    return dict(inputs=inputs, data_samples=None)


def count_params(model: nn.Module) -> Dict[str, int]:
    """Trainable, frozen-teacher and other frozen parameter counts."""
    teacher_ids = set()
    for name in TEACHERS:
        teacher = getattr(model, name, None)
        if teacher is not None:
            teacher_ids.update(id(p) for p in teacher.parameters())
    counts = dict(trainable=0, frozen_teachers=0, frozen_other=0)
    for p in model.parameters():
        if p.requires_grad:
            counts['trainable'] += p.numel()
        elif id(p) in teacher_ids:
            counts['frozen_teachers'] += p.numel()
        else:
            counts['frozen_other'] += p.numel()
    counts['total'] = sum(counts.values())
    return counts


# ------------------------------------------------------------------ timing
class StageTimer:
    """Accumulates wall time per stage key.

    Args:
        sync (bool): ``torch.cuda.synchronize()`` before each reading.
    """

    def __init__(self, sync: bool) -> None:
        self.sync = sync
        self.totals: Dict[str, float] = defaultdict(float)
        self.calls: Dict[str, int] = defaultdict(int)
        self._starts: Dict[str, List[float]] = defaultdict(list)

    def now(self) -> float:
        if self.sync:
            torch.cuda.synchronize()
        return time.perf_counter()

    def start(self, key: str) -> None:
        self._starts[key].append(self.now())

    def stop(self, key: str) -> None:
        end = self.now()
        if self._starts[key]:
            self.totals[key] += end - self._starts[key].pop()
            self.calls[key] += 1

    def reset(self) -> None:
        self.totals.clear()
        self.calls.clear()

    def wrap(self, key: str, fn: Callable) -> Callable:
        """``fn`` timed under ``key``."""

        @functools.wraps(fn)
        def timed(*args, **kwargs):
            self.start(key)
            try:
                return fn(*args, **kwargs)
            finally:
                self.stop(key)

        return timed


def _stage_modules(model: nn.Module) -> List[Tuple[str, nn.Module]]:
    """(key, module) of the forward-hooked stages present in ``model``."""
    found = []
    backbone = getattr(model, 'backbone', None)
    if backbone is not None:
        found.append(('backbone', backbone))
        if isinstance(getattr(backbone, 'patch_embed', None), nn.Module):
            found.append(('patch_embed', backbone.patch_embed))
    for name in ('neck', 'decoder') + TEACHERS:
        module = getattr(model, name, None)
        if isinstance(module, nn.Module):
            found.append((name, module))
    return found


@contextlib.contextmanager
def instrument(model: nn.Module, timer: StageTimer) -> Iterator[None]:
    """Time the stages of ``model`` while the context is open.

    Forward hooks on backbone, ``backbone.patch_embed``, neck, decoder and
    teachers; a timed ``group_points`` in the backbone's module (the name it
    calls); timed ``loss`` methods on the heads. Everything is restored on
    exit, errors included.
    """
    handles = []
    patched_heads = []
    grouping_module = None
    original_group_points = None
    try:
        for key, module in _stage_modules(model):
            handles.append(
                module.register_forward_pre_hook(
                    lambda *_, key=key: timer.start(key)))
            handles.append(
                module.register_forward_hook(
                    lambda *_, key=key: timer.stop(key), always_call=True))
        backbone = getattr(model, 'backbone', None)
        if backbone is not None:
            module = sys.modules.get(type(backbone).__module__)
            if callable(getattr(module, 'group_points', None)):
                grouping_module = module
                original_group_points = module.group_points
                module.group_points = timer.wrap('grouping',
                                                 original_group_points)
        for name in LOSS_HEADS:
            head = getattr(model, name, None)
            if head is not None and callable(getattr(head, 'loss', None)):
                # An instance attribute shadows the class method; deleting
                # it restores the method.
                head.loss = timer.wrap(f'{name}.loss', head.loss)
                patched_heads.append(head)
        yield
    finally:
        for handle in handles:
            handle.remove()
        if grouping_module is not None:
            grouping_module.group_points = original_group_points
        for head in patched_heads:
            del head.loss


def _stage_rows(model: nn.Module, per_iter: Dict[str, float],
                preprocess_ms: float, forward_ms: float,
                backward_ms: Optional[float]) -> List[Dict[str, Any]]:
    """Rows (stage, group, ms) whose ms sum to the step time.

    Stages that did not run in the phase are left out.
    """
    rows = []

    def add(stage: str, group: str, ms: float) -> None:
        rows.append(dict(stage=stage, group=group, ms=ms))

    add('data_preprocessor', 'data preprocessor', preprocess_ms)
    ran = per_iter.keys()
    inside_backbone = 0.
    if 'grouping' in ran:
        add('grouping', 'grouping', per_iter['grouping'])
        inside_backbone += per_iter['grouping']
    if 'patch_embed' in ran:
        add('backbone.patch_embed', 'patch embedding',
            per_iter['patch_embed'])
        inside_backbone += per_iter['patch_embed']
    if 'backbone' in ran:
        add('backbone rest (pos_embed, blocks)', 'encoder',
            max(per_iter['backbone'] - inside_backbone, 0.))
    for name in ('neck', 'decoder'):
        if name in ran:
            add(name, name, per_iter[name])
    for name in TEACHERS:
        if name in ran:
            add(f'{name} ({type(getattr(model, name)).__name__})',
                'teachers', per_iter[name])
    for name in LOSS_HEADS:
        key = f'{name}.loss'
        if key in ran:
            add(key, 'losses', per_iter[key])
    staged = sum(row['ms'] for row in rows) - preprocess_ms
    add('other (forward)', 'other', forward_ms - staged)
    if backward_ms is not None:
        add('backward + optimizer', 'backward', backward_ms)
    return rows


def _finish_rows(rows: List[Dict[str, Any]],
                 total_ms: float) -> List[Dict[str, Any]]:
    for row in rows:
        row['percent'] = 100. * row['ms'] / total_ms if total_ms else 0.
    return rows


# ------------------------------------------------------------------ memory
def _proc_status_kb(field: str) -> Optional[int]:
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _ru_maxrss_mb() -> float:
    """Process peak RSS in MiB (ru_maxrss is KiB on Linux, bytes on macOS).
    """
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / 2**20 if sys.platform == 'darwin' else maxrss / 2**10


class MemoryMeter:
    """Peak memory of one phase.

    CUDA: ``torch.cuda.max_memory_allocated`` after a reset, and its increase
    over the memory allocated when the phase started. CPU: the process peak
    RSS (``ru_maxrss``, the maximum since the process started) and, where
    Linux lets a process reset its RSS high-water mark
    (``/proc/self/clear_refs``), the phase's own peak RSS and its increase
    over the RSS when the phase started.
    """

    process_peak_mb = 0.

    def __init__(self, device: torch.device) -> None:
        self.device = device

    def __enter__(self) -> 'MemoryMeter':
        self.result: Dict[str, Any] = {}
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self._start = torch.cuda.memory_allocated(self.device)
            return self
        # The reset below lowers ru_maxrss: remember the peak so far first.
        MemoryMeter.process_peak_mb = max(MemoryMeter.process_peak_mb,
                                          _ru_maxrss_mb())
        self._start_rss = _proc_status_kb('VmRSS')
        self._hwm_reset = False
        if self._start_rss is not None:
            try:
                with open('/proc/self/clear_refs', 'w') as f:
                    f.write('5')
                self._hwm_reset = True
            except OSError:
                pass
        return self

    def __exit__(self, *exc) -> None:
        mb = 2**20
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)
            peak = torch.cuda.max_memory_allocated(self.device)
            self.result = dict(
                kind='cuda max_memory_allocated',
                peak_mb=peak / mb,
                increase_mb=(peak - self._start) / mb,
                reserved_peak_mb=torch.cuda.max_memory_reserved(self.device)
                / mb)
            return
        MemoryMeter.process_peak_mb = max(MemoryMeter.process_peak_mb,
                                          _ru_maxrss_mb())
        self.result = dict(
            kind='process peak RSS', peak_mb=MemoryMeter.process_peak_mb)
        hwm = _proc_status_kb('VmHWM') if self._hwm_reset else None
        if hwm is not None:
            self.result.update(
                phase_peak_mb=hwm / 2**10,
                # RSS may drop between reading it and the reset.
                increase_mb=max(hwm - self._start_rss, 0) / 2**10)


# ------------------------------------------------------------------ phases
def _autocast(device: torch.device, amp: bool):
    if not amp:
        return contextlib.nullcontext()
    if device.type == 'cuda':
        return torch.autocast('cuda', dtype=torch.float16)
    return torch.autocast('cpu', dtype=torch.bfloat16)


def bench_train(model: nn.Module, batch: Dict[str, Any], args,
                device: torch.device) -> Dict[str, Any]:
    """Time ``--iters`` train steps after ``--warmup`` untimed ones."""
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=5e-4, weight_decay=0.05)
    scaler = torch.amp.GradScaler('cuda') \
        if args.amp and device.type == 'cuda' else None
    timer = StageTimer(sync=device.type == 'cuda')
    model.train()
    steps = defaultdict(float)
    step_times: List[float] = []
    with MemoryMeter(device) as memory, instrument(model, timer):
        for i in range(args.warmup + args.iters):
            if i == args.warmup:
                timer.reset()
                steps.clear()
                step_times.clear()
            t0 = timer.now()
            data = model.data_preprocessor(batch, True)
            t1 = timer.now()
            with _autocast(device, args.amp):
                losses = model(**data, mode='loss')
                loss, _ = model.parse_losses(losses)
            t2 = timer.now()
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
            else:
                loss.backward()
                optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            t3 = timer.now()
            steps['preprocess'] += t1 - t0
            steps['forward'] += t2 - t1
            steps['backward'] += t3 - t2
            steps['step'] += t3 - t0
            step_times.append(t3 - t0)
    if not math.isfinite(loss.item()):
        print(f'warning: the last loss is {loss.item()} (synthetic data)')
    return _phase_result(model, timer, steps, step_times, args,
                         memory.result)


def bench_inference(model: nn.Module, batch: Dict[str, Any], args,
                    device: torch.device) -> Dict[str, Any]:
    """Time ``--iters`` ``predict`` calls after ``--warmup`` untimed ones.
    """
    timer = StageTimer(sync=device.type == 'cuda')
    model.eval()
    steps = defaultdict(float)
    step_times: List[float] = []
    with MemoryMeter(device) as memory, instrument(model, timer), \
            torch.no_grad():
        for i in range(args.warmup + args.iters):
            if i == args.warmup:
                timer.reset()
                steps.clear()
                step_times.clear()
            t0 = timer.now()
            data = model.data_preprocessor(batch, False)
            t1 = timer.now()
            with _autocast(device, args.amp):
                model(**data, mode='predict')
            t2 = timer.now()
            steps['preprocess'] += t1 - t0
            steps['forward'] += t2 - t1
            steps['step'] += t2 - t0
            step_times.append(t2 - t0)
    return _phase_result(model, timer, steps, step_times, args,
                         memory.result)


def _phase_result(model: nn.Module, timer: StageTimer,
                  steps: Dict[str, float], step_times: List[float], args,
                  memory: Dict[str, Any]) -> Dict[str, Any]:
    n = args.iters
    ms = {k: 1e3 * v / n for k, v in steps.items()}
    per_iter = {k: 1e3 * v / n for k, v in timer.totals.items()}
    rows = _stage_rows(model, per_iter, ms['preprocess'], ms['forward'],
                       ms.get('backward'))
    rows = _finish_rows(rows, ms['step'])
    groups: Dict[str, Dict[str, float]] = {}
    for row in rows:
        group = groups.setdefault(row['group'], dict(ms=0., percent=0.))
        group['ms'] += row['ms']
        group['percent'] += row['percent']
    return dict(
        samples_per_s=args.batch_size / (ms['step'] / 1e3),
        ms_per_step=ms['step'],
        ms_per_step_min=1e3 * min(step_times),
        ms_per_step_max=1e3 * max(step_times),
        step_ms=[1e3 * t for t in step_times],
        forward_ms=ms['forward'],
        memory=memory,
        stages=rows,
        groups=groups)


# ------------------------------------------------------------------ report
def _device_name(device: torch.device) -> str:
    if device.type == 'cuda':
        return torch.cuda.get_device_name(device)
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'cpu'


def _memory_text(memory: Dict[str, Any]) -> str:
    text = f"{memory['kind']} {memory['peak_mb']:.0f} MiB"
    if 'phase_peak_mb' in memory:
        text += (f"; this phase: peak RSS {memory['phase_peak_mb']:.0f} "
                 f"MiB, +{memory['increase_mb']:.0f} MiB over its start")
    elif 'increase_mb' in memory:
        text += f" (+{memory['increase_mb']:.0f} MiB over the phase start)"
    return text


def print_report(results: Dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table
    console = Console()
    params = results['params']
    amp = results['amp_dtype'] or 'off (float32)'
    console.print(
        f"[bold]{results['config']}[/bold]\n"
        f"device {results['device']} ({results['device_name']}), torch "
        f"{results['torch']}, threads {results['num_threads']}, amp {amp}\n"
        f"batch {results['batch_size']} × {results['num_points']} points "
        f"(images {results['img_size']}²), iters {results['iters']} after "
        f"warmup {results['warmup']}\n"
        f"params: trainable {params['trainable'] / 1e6:.2f} M, frozen "
        f"teachers {params['frozen_teachers'] / 1e6:.2f} M ("
        f"{results['teacher_weights']} weights)"
        + (f", other frozen {params['frozen_other'] / 1e6:.2f} M"
           if params['frozen_other'] else ''))
    for phase, title in (('train', 'train step'),
                         ('inference', 'inference (predict, no_grad)')):
        if phase not in results:
            continue
        res = results[phase]
        console.print(
            f"\n[bold]{title}[/bold]: {res['samples_per_s']:.2f} "
            f"samples/s, {res['ms_per_step']:.1f} ms/step (min "
            f"{res['ms_per_step_min']:.1f}, max "
            f"{res['ms_per_step_max']:.1f})\n"
            f"peak memory: {_memory_text(res['memory'])}")
        table = Table()
        table.add_column('group')
        table.add_column('stage')
        table.add_column('ms', justify='right')
        table.add_column('% of step', justify='right')
        for row in res['stages']:
            table.add_row(row['group'], row['stage'], f"{row['ms']:.2f}",
                          f"{row['percent']:.1f}")
        table.add_section()
        table.add_row('total', '', f"{res['ms_per_step']:.2f}",
                      f"{sum(r['percent'] for r in res['stages']):.1f}")
        console.print(table)


# -------------------------------------------------------------------- main
def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    """Run the benchmark; return the results (also printed)."""
    args = parse_args(argv)
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    fill_defaults(args, cfg)
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    model = build_model(cfg, args.teacher_weights, device)
    generator = torch.Generator().manual_seed(args.seed)
    has = {name: getattr(model, name, None) is not None
           for name in TEACHERS + ('smc_head', )}
    train_batch = make_batch(
        args.batch_size, args.num_points, args.img_size,
        with_img=has['img_teacher'],
        with_text=has['text_teacher'] or has['smc_head'],
        generator=generator)
    # predict() reads the points only.
    infer_batch = dict(
        inputs=dict(points=train_batch['inputs']['points']),
        data_samples=None)

    amp_dtype = None
    if args.amp:
        amp_dtype = 'float16' if device.type == 'cuda' else 'bfloat16'
    results: Dict[str, Any] = dict(
        config=args.config,
        device=args.device,
        device_name=_device_name(device),
        torch=torch.__version__,
        num_threads=torch.get_num_threads(),
        batch_size=args.batch_size,
        num_points=args.num_points,
        img_size=args.img_size,
        iters=args.iters,
        warmup=args.warmup,
        amp_dtype=amp_dtype,
        teacher_weights='config' if args.teacher_weights else 'random',
        params=count_params(model))
    runs = f'{args.warmup} warm-up + {args.iters} timed iterations'
    if not args.skip_train:
        print(f'train step: {runs} ...', flush=True)
        results['train'] = bench_train(model, train_batch, args, device)
    if not args.skip_inference:
        print(f'inference: {runs} ...', flush=True)
        results['inference'] = bench_inference(model, infer_batch, args,
                                               device)
    print_report(results)
    if args.json:
        out_dir = osp.dirname(osp.abspath(args.json))
        os.makedirs(out_dir, exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=2)
        print(f'results written to {args.json}')
    return results


if __name__ == '__main__':
    main()
