"""``recon3d show``: a picture of a point cloud, of its masked
reconstruction by a pretrained ReCon, or of its parts predicted by a part
segmentor (``--category``)."""
import argparse
import os
import os.path as osp

from .common import (EXIT_INPUT, EXIT_RUN, add_model_args, build_model,
                     console, error_line, print_json, quiet_logs)


def add_parser(sub) -> None:
    parser = sub.add_parser(
        'show', help='draw a point cloud (with --checkpoint: its masked '
        'reconstruction)',
        description='Draw one file as a PNG from three views with equal '
        'axes. With --checkpoint of a ReCon pretraining run, draw the '
        'visible input, the reconstruction of the masked groups and the '
        'ground truth instead (from two views). With --category and the '
        '--config and --checkpoint of a part segmentor, draw the cloud '
        'coloured by its predicted parts.')
    parser.add_argument('path', help='a point-cloud or mesh file')
    parser.add_argument('--out', required=True, help='PNG to write')
    parser.add_argument('--mask-ratio', type=float, default=None,
                        help='share of groups to hide (default: the '
                        "model's, 0.6)")
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the random mask')
    parser.add_argument('--category', default=None,
                        help='part segmentation: the cloud\'s category '
                        '(e.g. Chair); needs a part segmentor\'s --config '
                        'and --checkpoint')
    add_model_args(parser, default_model='recon-base-pretrain')


def run(args: argparse.Namespace) -> int:
    from recon3d.apis import InputError, reconstruct
    from recon3d.apis.inputs import load_cloud, prepare_cloud
    from recon3d.visualization import draw_point_cloud, draw_reconstruction
    name = osp.basename(args.path)
    if osp.dirname(osp.abspath(args.out)):
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    if args.category is not None:
        return _show_parts(args, name)
    if args.checkpoint is None:
        try:
            points = load_cloud(args.path, args.path)
        except InputError as err:
            error_line(err)
            return EXIT_INPUT
        points = prepare_cloud(points, min(len(points), 8192), args.path)
        draw_point_cloud(points, args.out,
                         title=f'{name} ({len(points)} points)')
        summary = dict(file=args.path, points=len(points), out=args.out)
    else:
        try:
            model = build_model(args)
        except Exception as err:  # config, checkpoint: exit 1
            error_line(err)
            return EXIT_RUN
        quiet_logs()
        try:
            out = reconstruct(model, args.path, mask_ratio=args.mask_ratio,
                              seed=args.seed)[0]
        except InputError as err:
            error_line(err)
            return EXIT_INPUT
        except TypeError as err:  # not a pretraining model
            error_line(err)
            return EXIT_RUN
        draw_reconstruction(out['visible'], out['pred'], out['target'],
                            args.out, title=f'{name}: masked '
                            f'reconstruction ({args.checkpoint})')
        summary = dict(file=args.path, out=args.out,
                       visible=len(out['visible']), masked=len(out['pred']))
    if args.json:
        print_json(summary)
    else:
        console().print(f'written: {osp.abspath(args.out)}')
    return 0


def _show_parts(args: argparse.Namespace, name: str) -> int:
    """Draw the cloud coloured by the parts a part segmentor predicts."""
    from recon3d.apis import InputError, segment_parts
    from recon3d.visualization import draw_part_segmentation
    try:
        model = build_model(args)
    except Exception as err:  # config, checkpoint: exit 1
        error_line(err)
        return EXIT_RUN
    quiet_logs()
    try:
        out = segment_parts(model, args.path, args.category)[0]
    except InputError as err:
        error_line(err)
        return EXIT_INPUT
    except (TypeError, ValueError) as err:  # not a segmentor, category
        error_line(err)
        return EXIT_RUN if isinstance(err, TypeError) else EXIT_INPUT
    part_ids = model.seg_head.part_mask[out['category']].nonzero()[:, 0]
    draw_part_segmentation(
        out['points'], [(f'{args.category} parts', out['parts'])],
        args.out, part_ids=part_ids.tolist(),
        title=f'{name}: parts ({args.checkpoint})')
    summary = dict(file=args.path, out=args.out, category=args.category,
                   parts={int(p): int((out['parts'] == p).sum())
                          for p in part_ids.tolist()})
    if args.json:
        print_json(summary)
    else:
        console().print(f'written: {osp.abspath(args.out)}')
    return 0
