"""Benchmark a ReCon model: train-step and inference speed, peak memory and
the share of each stage (grouping, patch embedding, encoder, neck, decoder,
teachers, losses, backward); ``--compare`` times variants of the config
(live teachers, cached teachers, opt-in switches) in one run;
``--point-ops`` times FPS and kNN alone.

The model is fed one synthetic batch through its data preprocessor, so no
dataset is needed; teachers get random weights unless ``--teacher-weights``
(see :mod:`recon3d.utils.benchmark`).

Example:
    python tools/analysis_tools/benchmark.py configs/recon/pretrain_demo.py
    python tools/analysis_tools/benchmark.py configs/recon/pretrain.py \\
        --batch-size 32 --num-points 1024 --compare --point-ops \\
        --json work_dirs/benchmark.json
"""
import argparse
import json
import os
import os.path as osp
from typing import Any, Dict, List, Optional

# torch and the benchmark package load once the arguments are parsed
# (--help answers at once).
from recon3d.cli.run_args import DictAction


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
    parser.add_argument(
        '--compare',
        action='store_true',
        help='instead of the phases: train steps of the config with live '
        'teachers, with cached teachers and with each --switches, '
        'interleaved in one run, as one table')
    parser.add_argument(
        '--switches',
        nargs='*',
        choices=['compile', 'bf16'],
        help='opt-in switches of --compare (default: compile, and bf16 '
        'where the device has native bfloat16)')
    parser.add_argument(
        '--compile-backend',
        default='inductor',
        help='torch.compile backend of the compile switch')
    parser.add_argument(
        '--num-views',
        type=int,
        default=10,
        help='views per image of the cached image teacher in --compare')
    parser.add_argument(
        '--point-ops',
        action='store_true',
        help='also time FPS and kNN alone (32x1024->64, 32x8192->1024)')
    parser.add_argument(
        '--point-ops-backends',
        nargs='+',
        default=['auto'],
        choices=['auto', 'native', 'torch'],
        help="backends of --point-ops ('torch' is the slow reference)")
    parser.add_argument(
        '--point-ops-sizes',
        nargs='+',
        default=['32,1024,64', '32,8192,1024'],
        help='B,N,M triples of --point-ops: M FPS picks of B clouds of N '
        'points, and the kNN of those M centres')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config leaves, e.g. model.backbone.depth=4 or '
        'model.img_teacher._delete_=True model.img_teacher.type=...')
    parser.add_argument('--json', help='also write the results to this file')
    args = parser.parse_args(argv)
    import torch
    if args.device is None:
        args.device = 'cuda' if torch.cuda.is_available() else 'cpu'
    if args.iters < 1 or args.warmup < 0:
        parser.error('--iters must be >= 1 and --warmup >= 0')
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: CUDA is not available')
    try:
        args.point_ops_sizes = [
            tuple(int(v) for v in size.split(','))
            for size in args.point_ops_sizes
        ]
    except ValueError:
        parser.error('--point-ops-sizes takes B,N,M triples of integers')
    if any(len(s) != 3 or not 1 <= s[2] <= s[1] or s[0] < 1
           for s in args.point_ops_sizes):
        parser.error('--point-ops-sizes takes B,N,M with B >= 1 and '
                     '1 <= M <= N')
    return args


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    """Run the benchmark; return the results (also printed)."""
    args = parse_args(argv)
    import torch
    from mmengine.config import Config

    from recon3d.utils import register_all_modules
    from recon3d.utils.benchmark import (
        TEACHERS, bench_inference, bench_point_ops, bench_train, build_model,
        compare_variants, count_params, fill_defaults, make_batch,
        print_compare, print_point_ops, print_report)
    from recon3d.utils.benchmark.report import device_name
    from recon3d.utils.malloc import keep_freed_memory
    register_all_modules()
    malloc_tuned = keep_freed_memory()  # as tools/train.py
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    fill_defaults(args, cfg)
    device = torch.device(args.device)
    results: Dict[str, Any] = dict(
        config=args.config,
        device=args.device,
        device_name=device_name(device),
        torch=torch.__version__,
        num_threads=torch.get_num_threads(),
        malloc_tuned=malloc_tuned,
        batch_size=args.batch_size,
        num_points=args.num_points,
        img_size=args.img_size,
        iters=args.iters,
        warmup=args.warmup,
        amp_dtype=None,
        teacher_weights='config' if args.teacher_weights else 'random')
    generator = torch.Generator().manual_seed(args.seed)
    has = {name: bool(cfg.model.get(name))
           for name in TEACHERS + ('smc_head', )}
    train_batch = make_batch(
        args.batch_size, args.num_points, args.img_size,
        with_img=has['img_teacher'],
        with_text=has['text_teacher'] or has['smc_head'],
        generator=generator)
    if args.compare:
        print(f'compare: {args.warmup} warm-up + {args.iters} interleaved '
              'timed steps per variant ...', flush=True)
        results['compare'] = compare_variants(
            cfg, args, device, train_batch, args.switches, args.num_views,
            dict(backend=args.compile_backend))
        print_compare(results)
    else:
        torch.manual_seed(args.seed)
        model = build_model(cfg, args.teacher_weights, device)
        if args.amp:
            results['amp_dtype'] = 'float16' \
                if device.type == 'cuda' else 'bfloat16'
        results['params'] = count_params(model)
        runs = f'{args.warmup} warm-up + {args.iters} timed iterations'
        if not args.skip_train:
            print(f'train step: {runs} ...', flush=True)
            results['train'] = bench_train(model, train_batch, args, device,
                                           cfg.get('optim_wrapper'))
        if not args.skip_inference:
            print(f'inference: {runs} ...', flush=True)
            # predict() reads the points only.
            infer_batch = dict(
                inputs=dict(points=train_batch['inputs']['points']),
                data_samples=None)
            results['inference'] = bench_inference(model, infer_batch,
                                                   args, device)
        print_report(results)
    if args.point_ops:
        print('point ops ...', flush=True)
        results['point_ops'] = bench_point_ops(
            device, args.point_ops_backends, args.point_ops_sizes)
        print_point_ops(results)
    if args.json:
        out_dir = osp.dirname(osp.abspath(args.json))
        os.makedirs(out_dir, exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=2)
        print(f'results written to {args.json}')
    return results


if __name__ == '__main__':
    main()
