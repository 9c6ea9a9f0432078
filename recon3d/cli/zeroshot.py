"""``recon3d zeroshot``: zero-shot labels of point-cloud files."""
import argparse
import json
import os.path as osp

from .common import (EXIT_INPUT, EXIT_RUN, add_model_args, build_model,
                     console, error_line, print_json, progress_bar,
                     quiet_logs)


def add_parser(sub) -> None:
    parser = sub.add_parser(
        'zeroshot', help='zero-shot classify point clouds by class names',
        description='Label files (or folders of them) with the class name '
        'whose CLIP text embedding (summed over the prompt variants) is '
        'nearest, by cosine, to the point feature of a ReCon zero-shot '
        'model.')
    parser.add_argument('paths', nargs='+', help='files or folders')
    parser.add_argument('--labels', default=None,
                        help='class names, comma-separated')
    parser.add_argument('--labels-file', default=None,
                        help='class names, one a line')
    parser.add_argument('--top-k', type=int, default=3)
    parser.add_argument(
        '--teacher', default=None,
        help='weights of the CLIP text tower the checkpoint was distilled '
        'from (model.text_teacher.pretrained)')
    parser.add_argument('--out', default=None,
                        help='also write the results to this .json file')
    add_model_args(parser, default_model='recon-base-zeroshot')


def read_labels(args: argparse.Namespace) -> list:
    """Class names of ``--labels`` and ``--labels-file``, in order."""
    names = []
    if args.labels:
        names += [n.strip() for n in args.labels.split(',')]
    if args.labels_file:
        if not osp.isfile(args.labels_file):
            raise ValueError(f'--labels-file {args.labels_file}: no such '
                             'file')
        with open(args.labels_file) as f:
            names += [line.strip() for line in f]
    names = [n for n in names if n]
    if not names:
        raise ValueError('give the class names: --labels chair,table,... '
                         'or --labels-file names.txt')
    return list(dict.fromkeys(names))


def run(args: argparse.Namespace) -> int:
    from recon3d.apis import InputError, zero_shot_classify
    from recon3d.apis.inputs import expand_inputs
    try:
        labels = read_labels(args)
        items = expand_inputs(args.paths)
    except (InputError, ValueError) as err:
        error_line(err)
        return EXIT_INPUT
    try:
        model = build_model(args, teacher=args.teacher)
    except Exception as err:  # config, checkpoint, teacher: exit 1
        error_line(err)
        return EXIT_RUN
    quiet_logs()
    skipped, results = [], []
    with progress_bar(len(items), 'classifying') as bar:
        task = bar.add_task('zeroshot', total=len(items))
        try:
            results = zero_shot_classify(
                model, items, labels, top_k=args.top_k,
                batch_size=args.batch_size,
                errors='skip' if args.keep_going else 'raise',
                skipped=skipped,
                progress=lambda n: bar.advance(task, n))
        except InputError as err:
            error_line(err)
            return EXIT_INPUT
        except Exception as err:  # e.g. the text teacher cannot load
            error_line(err)
            return EXIT_RUN
    for err in skipped:
        error_line(err)
    rows = [dict(file=r['name'], label=r['label'],
                 score=round(r['score'], 4),
                 top_k=[[n, round(s, 4)] for n, s in r['top_k']])
            for r in results]
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(rows, f, indent=2)
    if args.json:
        print_json(rows)
    else:
        from rich.table import Table
        table = Table(title=f'recon3d zeroshot ({len(labels)} classes)')
        for column in ('file', 'label', 'cosine', f'top {args.top_k}'):
            table.add_column(column)
        for row in rows:
            table.add_row(row['file'], row['label'], f'{row["score"]:.3f}',
                          ', '.join(f'{n} {s:.3f}' for n, s in row['top_k']))
        console().print(table)
    return EXIT_INPUT if skipped or not rows else 0
