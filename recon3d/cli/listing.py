"""``recon3d list``: what the registries, the configs and the model zoo
hold, as tables."""
import argparse
import glob
import os.path as osp

from .common import console, print_json

#: Kind -> name of its registry in recon3d.registry.
REGISTRIES = {
    'algorithms': 'MODELS',
    'backbones': 'BACKBONES',
    'necks': 'NECKS',
    'heads': 'HEADS',
    'teachers': 'TEACHERS',
    'losses': 'LOSSES',
    'datasets': 'DATASETS',
    'transforms': 'TRANSFORMS',
    'metrics': 'METRICS',
    'hooks': 'HOOKS',
}
KINDS = tuple(REGISTRIES) + ('configs', 'models')


def add_parser(sub) -> None:
    parser = sub.add_parser(
        'list', help='list backbones, heads, teachers, datasets, configs...',
        description='List what can be named in a config (registered '
        'classes), the configs, or the model-zoo names.')
    parser.add_argument('what', nargs='?', choices=KINDS, default=None,
                        help='what to list (default: a summary of all)')
    parser.add_argument('--json', action='store_true',
                        help='print the rows as JSON on stdout')


def _first_line(obj) -> str:
    doc = (getattr(obj, '__doc__', None) or '').strip()
    return ' '.join(doc.split('\n\n')[0].split())


def registry_rows(kind: str) -> list:
    """(name, module, summary) of every class registered for ``kind``."""
    from recon3d import registry
    from recon3d.utils import register_all_modules
    register_all_modules()
    reg = getattr(registry, REGISTRIES[kind])
    reg.import_from_location()
    return [(name, cls.__module__, _first_line(cls))
            for name, cls in sorted(reg.module_dict.items())]


def config_rows() -> list:
    """(config, first comment line) of every config of configs/recon."""
    from recon3d.apis.model_zoo import find_config
    folder = osp.dirname(find_config('recon/pretrain.py'))
    rows = []
    for path in sorted(glob.glob(osp.join(folder, '*.py'))):
        with open(path) as f:
            lines = [ln[1:].strip() for ln in f if ln.startswith('#')]
        rows.append((f'configs/recon/{osp.basename(path)}',
                     lines[0] if lines else ''))
    return rows


def model_rows() -> list:
    """(name, task, config, description) of the model zoo."""
    from recon3d.apis.model_zoo import MODEL_ZOO
    return [(name, info.task, f'configs/{info.config}', info.description)
            for name, info in MODEL_ZOO.items()]


def rows_of(kind: str) -> list:
    if kind == 'configs':
        return config_rows()
    if kind == 'models':
        return model_rows()
    return registry_rows(kind)


HEADERS = {
    'configs': ('config', 'what'),
    'models': ('name', 'task', 'config', 'what'),
}


def run(args: argparse.Namespace) -> int:
    from rich.table import Table
    out = console()
    if args.what is None:
        summary = {
            kind: [osp.basename(r[0]) for r in rows_of(kind)]
            for kind in KINDS
        }
        if args.json:
            print_json(summary)
            return 0
        table = Table(title='recon3d list (recon3d list KIND for details)')
        table.add_column('kind')
        table.add_column('count', justify='right')
        table.add_column('names')
        for kind, names in summary.items():
            table.add_row(kind, str(len(names)), ', '.join(names))
        out.print(table)
        return 0
    rows = rows_of(args.what)
    headers = HEADERS.get(args.what, ('name', 'module', 'what'))
    if args.json:
        print_json([dict(zip(headers, row)) for row in rows])
        return 0
    table = Table(title=f'recon3d {args.what}')
    for header in headers:
        table.add_column(header)
    for row in rows:
        table.add_row(*row)
    out.print(table)
    return 0
