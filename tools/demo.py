"""The demo behind `make demo`.

1. Writes the generated shapes in the ShapeNet-55 layout (once).
2. Builds the teacher caches (recon3d.models.teachers.use_teacher_cache:
   every prompt of every category text, and --num-views augmented views of
   every image), unless --live-teachers.
3. Pretrains ReCon (configs/recon/pretrain_demo.py) with mmengine's Runner,
   validating with a linear SVM and drawing reconstructions.
4. Scores the same architecture at random init with the same SVM protocol
   and prints a summary table.

Example:
    python tools/demo.py --seed 0
"""
import argparse
import json
import os.path as osp
import sys
import time

from rich.console import Console
from rich.table import Table

# torch and recon3d load in the functions that use them: --help answers
# at once.
DEMO_CONFIG = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                       'configs', 'recon', 'pretrain_demo.py')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=DEMO_CONFIG)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data/demo/ShapeNet55-34')
    parser.add_argument('--train-per-class', type=int, default=40)
    parser.add_argument('--test-per-class', type=int, default=15)
    parser.add_argument('--epochs', type=int, help='override max_epochs')
    parser.add_argument(
        '--num-views',
        type=int,
        default=10,
        help='augmented views per image in the image teacher cache')
    parser.add_argument(
        '--live-teachers',
        action='store_true',
        help='run the teachers at every step instead of reading caches')
    return parser.parse_args(argv)


def ensure_data(args, console: Console) -> None:
    if osp.isfile(osp.join(args.data_root, 'shapenet55.json')):
        console.print(f'Using the generated data in {args.data_root}')
        return
    from recon3d.datasets.synthetic import write_shapenet55
    console.print(f'Writing generated shapes to {args.data_root} ...')
    start = time.time()
    write_shapenet55(
        args.data_root,
        train_per_class=args.train_per_class,
        test_per_class=args.test_per_class,
        seed=0,
        num_points=1024)
    console.print(f'  done in {time.time() - start:.0f} s')


def main(argv=None):
    args = parse_args(argv)
    import torch
    from mmengine.config import Config
    from mmengine.runner import Runner

    from recon3d.apis import evaluate_svm
    from recon3d.engine import quiet_terminal
    from recon3d.models.teachers import (build_config_caches,
                                         use_teacher_cache)
    from recon3d.registry import MODELS
    from recon3d.utils import register_all_modules
    register_all_modules()
    console = Console()
    ensure_data(args, console)

    cfg = Config.fromfile(args.config)
    cfg.work_dir = args.work_dir
    cfg.randomness = dict(seed=args.seed, deterministic=False)
    for loader in ('train_dataloader', 'val_dataloader'):
        cfg[loader].dataset.data_root = args.data_root
    if args.epochs is not None:
        cfg.train_cfg.max_epochs = args.epochs
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='RichProgressHook')
    ]
    # The progress bar replaces the log lines on screen; the work dir's
    # .log keeps them (progress, losses, metrics) at INFO.

    start = time.time()
    cache_time = None
    if not args.live_teachers:
        cfg = use_teacher_cache(
            cfg,
            osp.join(args.data_root, 'teacher_cache'),
            num_views=args.num_views)
        console.print('Building the teacher caches ...')
        build_config_caches(
            cfg,
            batch_size=256,
            num_workers=2,
            command=f'python tools/demo.py --data-root {args.data_root} '
            f'--num-views {args.num_views}')
        cache_time = time.time() - start
        console.print(f'  done in {cache_time:.0f} s')
    runner = Runner.from_cfg(cfg)
    quiet_terminal()
    runner.train()
    train_time = time.time() - start
    losses = {
        key.split('/', 1)[1]: runner.message_hub.get_scalar(key).current()
        for key in runner.message_hub.log_scalars
        if key.startswith('train/loss')
    }
    model = runner.model.module if hasattr(runner.model, 'module') \
        else runner.model
    metric = cfg.val_evaluator
    # The train loop always validates after its last epoch; reuse that score.
    last_val = runner.message_hub.log_scalars.get('val/svm/accuracy')
    if last_val is not None and runner.val_loop is not None:
        pretrained_acc = float(last_val.current())
    else:
        pretrained_acc = evaluate_svm(model, runner.val_dataloader, metric)

    torch.manual_seed(args.seed)
    random_model = MODELS.build(cfg.model)
    random_model.init_weights()
    random_acc = evaluate_svm(random_model, runner.val_dataloader, metric)

    ckpt = osp.join(runner.work_dir, f'epoch_{runner.max_epochs}.pth')
    vis_dir = osp.join(runner.work_dir, 'vis')
    table = Table(title=f'ReCon demo (seed {args.seed}, '
                  f'{runner.max_epochs} epochs, {train_time / 60:.1f} min)')
    table.add_column('')
    table.add_column('value', justify='right')
    table.add_row('linear-SVM accuracy, pretrained encoder',
                  f'{pretrained_acc:.2f} %')
    table.add_row('linear-SVM accuracy, same encoder at random init',
                  f'{random_acc:.2f} %')
    table.add_row('difference', f'{pretrained_acc - random_acc:+.2f} pt')
    if cache_time is not None:
        table.add_row('teacher caches (built or checked), in the time',
                      f'{cache_time:.0f} s')
    for name, value in sorted(losses.items()):
        table.add_row(f'final {name}', f'{value:.4f}')
    console.print(table)
    console.print('checkpoint: ' +
                  (ckpt if osp.exists(ckpt) else runner.work_dir))
    console.print(f'reconstruction pictures: {vis_dir}')
    console.print('Teachers are tiny open_clip networks with RANDOM weights '
                  '(no download here). The text teacher gives one fixed code '
                  'per category; the random image teacher carries almost no '
                  'shape information. See configs/recon/pretrain_demo.py.')
    summary = dict(
        seed=args.seed,
        epochs=runner.max_epochs,
        pretrained=pretrained_acc,
        random=random_acc,
        losses=losses,
        train_minutes=round(train_time / 60, 2),
        cache_seconds=cache_time,
        checkpoint=ckpt)
    # Both accuracies, to compare runs (they vary by machine and seed).
    summary_file = osp.join(runner.work_dir, 'summary.json')
    with open(summary_file, 'w') as f:
        json.dump(summary, f, indent=2)
    console.print(f'summary: {summary_file}')
    return summary


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
