"""Build the teacher caches of a config (its ``CachedTeacher`` teachers).

Each cache covers the config's train dataset: for the text teacher, every
prompt variant of every category text (exact); for the image teacher, V
augmented views of every image (float16, memory-mapped). A finished, matching
cache is kept; a stale one is rebuilt; an interrupted build resumes where it
stopped (run the same command again). Under torchrun
(``--launcher pytorch``) every process encodes a share and process 0 merges.

Examples:
    python tools/analysis_tools/build_teacher_cache.py \\
        configs/recon/pretrain_cached.py
    python tools/analysis_tools/build_teacher_cache.py \\
        configs/recon/pretrain_cached.py --device cuda --precision bf16
    torchrun --nproc_per_node 8 tools/analysis_tools/build_teacher_cache.py \\
        configs/recon/pretrain_cached.py --launcher pytorch --device cuda
"""
import argparse
import shlex
import sys
from typing import Dict, List, Optional

# torch and the teachers load once the arguments are parsed.
from recon3d.cli.run_args import DictAction


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Build the teacher caches of a config')
    parser.add_argument('config', help='config with CachedTeacher teachers')
    parser.add_argument(
        '--only',
        choices=['img', 'text'],
        help='build this cache only (default: every cached teacher)')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=64,
        help='rows (views or prompts) per batch; a resumed build keeps the '
        'batch size it started with (default: 64)')
    parser.add_argument(
        '--num-workers',
        type=int,
        default=2,
        help='data workers that load and augment images (default: 2)')
    parser.add_argument(
        '--device',
        default='cpu',
        help="'cpu' or 'cuda' (under torchrun: each process's GPU)")
    parser.add_argument(
        '--precision',
        choices=['fp32', 'fp16', 'bf16'],
        default='fp32',
        help='autocast of the image teacher on CUDA (text caches are always '
        'fp32)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch'],
        default='none',
        help='pytorch: torchrun, one share of the work per process')
    parser.add_argument(
        '--no-progress', action='store_true', help='no progress bar')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, as in tools/train.py')
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> Dict[str, dict]:
    args = parse_args(argv)
    import torch
    from mmengine.config import Config
    from mmengine.dist import get_dist_info, init_dist

    from recon3d.models.teachers import build_config_caches, cached_teachers
    from recon3d.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    device = args.device
    if args.launcher == 'pytorch':
        if device.startswith('cuda'):
            init_dist('pytorch', backend='nccl')
            device = f'cuda:{torch.cuda.current_device()}'
        else:
            # mmengine's init_dist selects a GPU, which fails on CPU.
            torch.distributed.init_process_group(backend='gloo')
    argv = sys.argv[1:] if argv is None else list(argv)
    command = 'python tools/analysis_tools/build_teacher_cache.py ' + \
        shlex.join(a for a in argv if not a.startswith('--local'))
    indexes = build_config_caches(
        cfg,
        only=args.only,
        batch_size=args.batch_size,
        num_workers=args.num_workers,
        device=device,
        precision=args.precision,
        command=command,
        progress=not args.no_progress)
    if get_dist_info()[0] == 0:
        caches = dict(cached_teachers(cfg))
        for path, index in indexes.items():
            K, V, D = index['shape']
            built = index.get('built', {})
            print(f'{path}: {caches[path]["cache"]}: {K} keys x {V} '
                  f'{index["modality"]} features of {D} channels '
                  f'({index["dtype"]}), built on {built.get("device")} in '
                  f'{built.get("seconds")} s')
    return indexes


if __name__ == '__main__':
    main()
