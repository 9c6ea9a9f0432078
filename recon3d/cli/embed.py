"""``recon3d embed``: embeddings of point-cloud files into an .npz file."""
import argparse
import os.path as osp
import time

from .common import (EXIT_INPUT, EXIT_RUN, add_model_args, build_model,
                     console, error_line, print_json, progress_bar,
                     quiet_logs)

KEYS = ('global', 'cls', 'img', 'text')


def add_parser(sub) -> None:
    parser = sub.add_parser(
        'embed', help='embed point clouds / meshes into an .npz file',
        description='Embed files (or folders of them) with a ReCon encoder. '
        'The .npz holds names [n] and, per file, global [n, 2C] (the '
        'linear-SVM feature), cls, img, text [n, C] (the global tokens), '
        'and with --patches also patches [n, G, C] and centers [n, G, 3].')
    parser.add_argument('paths', nargs='+', help='files or folders')
    parser.add_argument('--out', required=True, help='.npz to write')
    parser.add_argument('--patches', action='store_true',
                        help='also save the local tokens and their centres')
    add_model_args(parser, default_model='recon-base')


def run(args: argparse.Namespace) -> int:
    from recon3d.apis import FeatureExtractor, InputError
    from recon3d.apis.inputs import expand_inputs
    if not args.out.endswith('.npz'):
        error_line(f'--out {args.out}: expected an .npz file name')
        return EXIT_INPUT
    try:
        items = expand_inputs(args.paths)
    except InputError as err:
        error_line(err)
        return EXIT_INPUT
    try:
        model = build_model(args)
    except Exception as err:  # config, checkpoint: one line, exit 1
        error_line(err)
        return EXIT_RUN
    quiet_logs()
    extractor = FeatureExtractor(model, args.batch_size)
    keys = KEYS + (('patches', 'centers') if args.patches else ())
    names, columns, reported = [], {k: [] for k in keys}, 0
    start = time.time()
    with progress_bar(len(items), 'embedding') as bar:
        task = bar.add_task('embed', total=len(items))
        try:
            batches = extractor.batches(
                items, 'skip' if args.keep_going else 'raise')
            for batch_names, batch in batches:
                feats = extractor.encode(batch)
                for key in keys:
                    name = 'global_' if key == 'global' else key
                    columns[key].append(feats[name].float().cpu().numpy())
                names += batch_names
                for err in extractor.errors[reported:]:
                    error_line(err)
                bar.advance(task, len(batch_names) +
                            len(extractor.errors) - reported)
                reported = len(extractor.errors)
        except InputError as err:
            error_line(err)
            return EXIT_INPUT
    for err in extractor.errors[reported:]:
        error_line(err)
    seconds = time.time() - start
    if names:
        import numpy as np
        arrays = {k: np.concatenate(v) for k, v in columns.items()}
        np.savez(args.out, names=np.array(names), **arrays)
    summary = dict(
        files=len(names), failed=len(extractor.errors),
        out=args.out if names else None, seconds=round(seconds, 3),
        files_per_second=round(len(names) / seconds, 3) if seconds else None,
        dims={k: list(arrays[k].shape[1:]) for k in keys} if names else {})
    if args.json:
        print_json(summary)
    else:
        from rich.table import Table
        table = Table(title='recon3d embed', show_header=False)
        table.add_row('files embedded', str(summary['files']))
        table.add_row('files failed', str(summary['failed']))
        for key, shape in summary['dims'].items():
            table.add_row(key, '×'.join(map(str, shape)))
        table.add_row('time', f'{seconds:.1f} s '
                      f'({summary["files_per_second"]} files/s)')
        table.add_row('written', osp.abspath(args.out) if names else '-')
        console().print(table)
    return EXIT_INPUT if extractor.errors or not names else 0
