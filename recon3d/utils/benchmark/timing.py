"""Stage timing: forward hooks, a timed ``group_points`` and timed head
losses, all removed when the timing ends.

Stage times come from forward pre/post hooks (``time.perf_counter``, with
``torch.cuda.synchronize()`` on CUDA), from a timed wrapper around the
backbone module's ``group_points`` and around the heads' ``loss`` methods.
``encoder`` is the backbone's time less grouping and patch embedding;
``other`` is the rest of the forward pass (masking bookkeeping, loss sum,
...); ``backward + optimizer`` is the step time less the data preprocessor
and the forward pass, so the rows sum to the step time.
"""
import contextlib
import functools
import sys
import time
from collections import defaultdict
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import torch
import torch.nn as nn

TEACHERS = ('img_teacher', 'text_teacher')
LOSS_HEADS = ('rec_head', 'img_head', 'text_head', 'smc_head')


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


def stage_rows(model: nn.Module, per_iter: Dict[str, float],
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


def phase_result(model: nn.Module, timer: StageTimer,
                 steps: Dict[str, float], step_times: List[float],
                 batch_size: int, memory: Dict[str, Any]) -> Dict[str, Any]:
    """Per-step means, stage rows and their groups of one timed phase."""
    n = len(step_times)
    ms = {k: 1e3 * v / n for k, v in steps.items()}
    per_iter = {k: 1e3 * v / n for k, v in timer.totals.items()}
    rows = stage_rows(model, per_iter, ms['preprocess'], ms['forward'],
                      ms.get('backward'))
    for row in rows:
        row['percent'] = 100. * row['ms'] / ms['step'] if ms['step'] else 0.
    groups: Dict[str, Dict[str, float]] = {}
    for row in rows:
        group = groups.setdefault(row['group'], dict(ms=0., percent=0.))
        group['ms'] += row['ms']
        group['percent'] += row['percent']
    return dict(
        samples_per_s=batch_size / (ms['step'] / 1e3),
        ms_per_step=ms['step'],
        ms_per_step_min=1e3 * min(step_times),
        ms_per_step_max=1e3 * max(step_times),
        step_ms=[1e3 * t for t in step_times],
        forward_ms=ms['forward'],
        memory=memory,
        stages=rows,
        groups=groups)
