"""Check a config's input files before a long run starts."""
import os.path as osp
from typing import Iterator, List, Tuple

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


def _teachers(node, path: str) -> Iterator[Tuple[str, dict]]:
    """``(path, config)`` of every teacher config under ``node``: dicts whose
    ``type`` is a registered teacher (not descending into them)."""
    from recon3d.registry import TEACHERS
    if isinstance(node, dict):
        kind = node.get('type')
        if isinstance(kind, str) and TEACHERS.get(kind) is not None:
            yield path, node
            return
        for key, value in node.items():
            yield from _teachers(value, f'{path}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _teachers(value, f'{path}[{i}]')


def _train_dataset(cfg):
    """The train dataset config, or None."""
    return ((cfg.get('train_dataloader') or {}).get('dataset')) or None


def _check_teachers(cfg, bad_roots: set) -> List[str]:
    """Every teacher's weights (or cache, and the cache's key list against
    the train dataset), without building a teacher."""
    from recon3d.registry import TEACHERS
    problems = []
    for path, teacher in _teachers(cfg.get('model') or {}, 'model'):
        teacher = teacher.to_dict() if hasattr(teacher, 'to_dict') else \
            dict(teacher)
        cls = TEACHERS.get(teacher['type'])
        found = cls.check_config(teacher)
        without = (f' For a run without these weights: --cfg-options '
                   f'{path}.pretrained=None (random weights).')
        problems += [
            f'{path}: ' + p.replace('model.<teacher>', path) +
            (without if 'pretrained=' in p and
             teacher['type'] != 'CachedTeacher' else '') for p in found
        ]
        dataset = _train_dataset(cfg)
        if found or teacher['type'] != 'CachedTeacher' or dataset is None \
                or _inner(dataset).get('data_root') in bad_roots:
            continue
        from recon3d.models.teachers import (cache_dataset, check_keys,
                                             dataset_keys, read_index)
        index = read_index(teacher['cache'])
        modality = index['modality']
        try:
            keys = dataset_keys(
                cache_dataset(dataset, modality), modality,
                index.get('key', 'file_name'))
        except (OSError, ValueError, KeyError) as error:
            problems.append(f'train_dataloader.dataset: {error}')
            continue
        problems += [
            f'{path}: {p}' for p in check_keys(index, keys, teacher['cache'])
        ]
    return problems


def _inner(dataset: dict) -> dict:
    """The dataset inside wrappers (e.g. HoldoutSplit)."""
    while 'data_root' not in dataset and isinstance(
            dataset.get('dataset'), dict):
        dataset = dataset['dataset']
    return dataset


def find_missing_inputs(cfg) -> List[str]:
    """List the inputs a config needs but that are missing or do not fit,
    each with how to provide it.

    Looks at ``<split>_dataloader.dataset.data_root``; every teacher under
    ``model`` (its weights: a local file, or a tag's file in its cache, or a
    tag that ``download=True`` could fetch; for a ``CachedTeacher``, a
    finished cache that matches the teacher and the train dataset's list);
    every other ``pretrained`` value under ``model`` that is a local path;
    and ``load_from`` (unless resuming). Nothing is downloaded and no model
    is built.

    Args:
        cfg (Config): The full config.

    Returns:
        list[str]: One message per problem; empty when all inputs are
        there.
    """
    problems, bad_roots = [], set()
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = _inner((cfg.get(loader) or {}).get('dataset') or {})
        root = dataset.get('data_root')
        if root and not osp.isdir(root) and root not in bad_roots:
            bad_roots.add(root)
            fmt = SYNTHETIC_FORMATS.get(dataset.get('type'))
            hint = ('; to run on generated data instead: python '
                    'tools/dataset_converters/make_synthetic.py --format '
                    f'{fmt} --out {root}') if fmt else ''
            problems.append(f'{loader}: dataset folder {root!r} does not '
                            f'exist (see docs/get_started.md){hint}')
    problems += _check_teachers(cfg, bad_roots)
    teacher_paths = [p for p, _ in _teachers(cfg.get('model') or {},
                                             'model')]
    for path, value in _walk(cfg.get('model') or {}, 'model'):
        if any(path.startswith(p + '.') for p in teacher_paths):
            continue
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
