"""Check a config's input files before a long run starts."""
import os.path as osp
from typing import List

# Dataset type -> the make_synthetic.py format that writes its layout.
SYNTHETIC_FORMATS = {
    'ShapeNet55': 'shapenet55',
    'ModelNet40': 'modelnet40',
    'ScanObjectNN': 'scanobjectnn',
    'ModelNet40FewShot': 'modelnet40_fewshot',
}
WEIGHT_SUFFIXES = ('.pth', '.pt', '.bin', '.safetensors', '.ckpt')


def _is_local_path(value) -> bool:
    return isinstance(value, str) and (
        '/' in value or value.endswith(WEIGHT_SUFFIXES))


def _walk(node, path=''):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f'{path}.{key}' if path else key)
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _walk(value, f'{path}[{i}]')
    else:
        yield path, node


def find_missing_inputs(cfg) -> List[str]:
    """List the data folders and local weight files a config needs but that
    do not exist, each with how to provide it.

    Looks at ``<split>_dataloader.dataset.data_root``, every ``pretrained``
    value under ``model`` that is a local path, and ``load_from`` (unless
    resuming).

    Args:
        cfg (Config): The full config.

    Returns:
        list[str]: One message per missing input; empty when all exist.
    """
    problems, seen_roots = [], set()
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = (cfg.get(loader) or {}).get('dataset') or {}
        while 'data_root' not in dataset and isinstance(
                dataset.get('dataset'), dict):
            dataset = dataset['dataset']  # a wrapper, e.g. HoldoutSplit
        root = dataset.get('data_root')
        if root and not osp.isdir(root) and root not in seen_roots:
            seen_roots.add(root)
            fmt = SYNTHETIC_FORMATS.get(dataset.get('type'))
            hint = ('; to run on generated data instead: python '
                    'tools/dataset_converters/make_synthetic.py --format '
                    f'{fmt} --out {root}') if fmt else ''
            problems.append(f'{loader}: dataset folder {root!r} does not '
                            f'exist (see docs/get_started.md){hint}')
    for path, value in _walk(cfg.get('model') or {}, 'model'):
        if path.endswith('.pretrained') and _is_local_path(value) \
                and not osp.isfile(value):
            problems.append(
                f'{path}: weight file {value!r} does not exist (see '
                'docs/get_started.md, "Teacher weights"); for a run '
                f"without it: --cfg-options {path}=None (random weights)")
    load_from = cfg.get('load_from')
    if load_from and not cfg.get('resume') and not osp.isfile(load_from):
        problems.append(f'load_from: {load_from!r} does not exist')
    return problems
