"""Model, synthetic batch and the timed train / inference phases.

The model is built from the config and fed one synthetic batch (random points
on a perturbed unit sphere, random uint8 images or image keys, category
strings) through its data preprocessor, as the Runner does, so no dataset is
needed. Teachers get random weights unless asked otherwise (``pretrained=
None``: same architecture and cost, no downloads).
"""
import contextlib
import copy
import logging
import math
from collections import defaultdict
from typing import Any, Dict, List, Optional

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import MMLogger

from .memory import MemoryMeter
from .timing import TEACHERS, StageTimer, instrument, phase_result

CATEGORIES = ('airplane', 'chair', 'table', 'car', 'lamp', 'sofa', 'rifle',
              'bench', 'cabinet', 'display', 'loudspeaker', 'watercraft')


def fill_defaults(args, cfg: Config) -> None:
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


def build_model(cfg: Config, teacher_weights: bool, device: torch.device,
                verbose: bool = True) -> nn.Module:
    """Build and initialize ``cfg.model``; live teachers random unless
    asked.

    Returns:
        nn.Module: The model on ``device``.
    """
    from recon3d.registry import MODELS
    model_cfg = copy.deepcopy(cfg.model)
    for name in TEACHERS:
        teacher = model_cfg.get(name)
        if not teacher or teacher.get('type') == 'CachedTeacher':
            continue
        weights = teacher.get('pretrained', '<class default>')
        if teacher_weights or weights is None:
            message = (f'{name}: {teacher["type"]}, pretrained={weights!r} '
                       'as in the config')
        else:
            message = (f'{name}: {teacher["type"]} built with pretrained='
                       f'None instead of {weights!r}: random weights, same '
                       'architecture and cost (--teacher-weights loads them)')
            teacher['pretrained'] = None
        if verbose:
            print(message)
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
    """Trainable, frozen-teacher (their networks' tensors) and other frozen
    parameter counts."""
    teacher_ids = set()
    counts = dict(trainable=0, frozen_teachers=0, frozen_other=0)
    for name in TEACHERS:
        teacher = getattr(model, name, None)
        if teacher is None:
            continue
        teacher_ids.update(id(p) for p in teacher.parameters())
        # A BaseTeacher keeps its frozen network outside the module tree.
        full = getattr(teacher, 'full_state_dict', None)
        if callable(full):
            counts['frozen_teachers'] += sum(t.numel()
                                             for t in full().values())
    for p in model.parameters():
        if p.requires_grad:
            counts['trainable'] += p.numel()
        elif id(p) in teacher_ids:
            counts['frozen_teachers'] += p.numel()
        else:
            counts['frozen_other'] += p.numel()
    counts['total'] = sum(counts.values())
    return counts


def autocast(device: torch.device, dtype: Optional[str]):
    """Autocast to ``dtype`` (``'float16'``/``'bfloat16'``) or nothing."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=getattr(torch, dtype))


def build_optimizer(model: nn.Module,
                    optim_wrapper: Optional[dict]) -> torch.optim.Optimizer:
    """The optimizer training would use: ``optim_wrapper`` (a config's
    ``optim_wrapper``, its parameter groups and optimizer arguments
    included) built for ``model``; plain AdamW lr 5e-4, wd .05 without one.
    """
    if not optim_wrapper:
        params = [p for p in model.parameters() if p.requires_grad]
        return torch.optim.AdamW(params, lr=5e-4, weight_decay=0.05)
    from mmengine.optim import build_optim_wrapper
    return build_optim_wrapper(model, copy.deepcopy(optim_wrapper)).optimizer


class TrainBench:
    """Timed train steps of one model, with the config's optimizer.

    Args:
        model (nn.Module): The model (train mode is set).
        batch (dict): The collated batch.
        device (torch.device): Its device.
        amp_dtype (str, optional): Autocast dtype; float16 adds a
            GradScaler.
        stages (bool): Time the stages (:func:`instrument`); off for
            compiled models, whose hooks would break the graphs.
        optim_wrapper (dict, optional): The config's ``optim_wrapper``
            (:func:`build_optimizer`).
    """

    def __init__(self,
                 model: nn.Module,
                 batch: Dict[str, Any],
                 device: torch.device,
                 amp_dtype: Optional[str] = None,
                 stages: bool = True,
                 optim_wrapper: Optional[dict] = None) -> None:
        self.model, self.batch, self.device = model, batch, device
        self.amp_dtype = amp_dtype
        self.stages = stages
        self.optimizer = build_optimizer(model, optim_wrapper)
        self.scaler = torch.amp.GradScaler(device.type) \
            if amp_dtype == 'float16' else None
        self.timer = StageTimer(sync=device.type == 'cuda')
        self.reset()

    def reset(self) -> None:
        self.timer.reset()
        self.steps: Dict[str, float] = defaultdict(float)
        self.step_times: List[float] = []

    def step(self) -> float:
        """One train step; returns the loss."""
        model, timer = self.model, self.timer
        model.train()
        context = instrument(model, timer) if self.stages \
            else contextlib.nullcontext()
        with context:
            t0 = timer.now()
            data = model.data_preprocessor(self.batch, True)
            t1 = timer.now()
            with autocast(self.device, self.amp_dtype):
                losses = model(**data, mode='loss')
                loss, _ = model.parse_losses(losses)
            t2 = timer.now()
            if self.scaler is not None:
                self.scaler.scale(loss).backward()
                self.scaler.step(self.optimizer)
                self.scaler.update()
            else:
                loss.backward()
                self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
            t3 = timer.now()
        self.steps['preprocess'] += t1 - t0
        self.steps['forward'] += t2 - t1
        self.steps['backward'] += t3 - t2
        self.steps['step'] += t3 - t0
        self.step_times.append(t3 - t0)
        return loss.item()

    def result(self, batch_size: int,
               memory: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        return phase_result(self.model, self.timer, self.steps,
                            self.step_times, batch_size, memory or {})


def bench_train(model: nn.Module,
                batch: Dict[str, Any],
                args,
                device: torch.device,
                optim_wrapper: Optional[dict] = None) -> Dict[str, Any]:
    """Time ``args.iters`` train steps after ``args.warmup`` untimed ones.
    """
    amp = None
    if args.amp:
        amp = 'float16' if device.type == 'cuda' else 'bfloat16'
    bench = TrainBench(model, batch, device, amp, optim_wrapper=optim_wrapper)
    with MemoryMeter(device) as memory:
        for i in range(args.warmup + args.iters):
            if i == args.warmup:
                bench.reset()
            loss = bench.step()
    if not math.isfinite(loss):
        print(f'warning: the last loss is {loss} (synthetic data)')
    return bench.result(args.batch_size, memory.result)


def bench_inference(model: nn.Module, batch: Dict[str, Any], args,
                    device: torch.device) -> Dict[str, Any]:
    """Time ``args.iters`` ``predict`` calls after ``args.warmup`` untimed
    ones."""
    timer = StageTimer(sync=device.type == 'cuda')
    amp = None
    if args.amp:
        amp = 'float16' if device.type == 'cuda' else 'bfloat16'
    model.eval()
    steps: Dict[str, float] = defaultdict(float)
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
            with autocast(device, amp):
                model(**data, mode='predict')
            t2 = timer.now()
            steps['preprocess'] += t1 - t0
            steps['forward'] += t2 - t1
            steps['step'] += t2 - t0
            step_times.append(t2 - t0)
    return phase_result(model, timer, steps, step_times, args.batch_size,
                        memory.result)
