"""Top-level config keys that nothing reads: likely typos.

mmengine's Runner takes the keys it knows and ignores the rest, so
``train_dataloder = dict(...)`` or ``optim_wraper = dict(...)`` silently
train with the base config's value. Configs also keep their own variables
at the top level (``data_root``, ``num_points``, ``train_pipeline``), so an
unknown key is only reported when it is a near-miss of a key that is read.
"""
import difflib
import logging
from typing import Dict, Iterable

from mmengine.logging import print_log

from .errors import ConfigKeyError

__all__ = [
    'RUNNER_KEYS', 'ConfigKeyError', 'misspelled_keys', 'check_config_keys'
]

# yapf: disable
#: Top-level keys read by mmengine's ``Runner.from_cfg`` (and its
#: FlexibleRunner), by the Config machinery and by recon3d's tools/hooks.
RUNNER_KEYS = frozenset({
    # mmengine Runner.from_cfg
    'model', 'work_dir', 'train_dataloader', 'val_dataloader',
    'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr',
    'optim_wrapper', 'param_scheduler', 'val_evaluator', 'test_evaluator',
    'default_hooks', 'custom_hooks', 'data_preprocessor', 'load_from',
    'resume', 'launcher', 'env_cfg', 'log_processor', 'log_level',
    'visualizer', 'default_scope', 'randomness', 'experiment_name',
    'model_wrapper_cfg', 'compile', 'runner_type', 'strategy',
    # Config machinery
    'custom_imports', '_base_', '_deprecation_', 'filename', 'text',
    # recon3d
    'tta_model', 'unsafe_pickle',
})
# yapf: enable


def misspelled_keys(keys: Iterable[str],
                    known: Iterable[str] = RUNNER_KEYS,
                    cutoff: float = 0.8) -> Dict[str, str]:
    """Unknown keys that are close to a known one.

    Args:
        keys (Iterable[str]): The config's top-level keys.
        known (Iterable[str]): Keys that are read. Defaults to
            :data:`RUNNER_KEYS`.
        cutoff (float): ``difflib`` similarity in [0, 1] from which an
            unknown key counts as a misspelling. Defaults to 0.8
            (``optim_wraper`` vs ``optim_wrapper``: 0.96; ``train_pipeline``
            vs ``train_dataloader``: 0.47).

    Returns:
        dict: misspelled key -> the known key it resembles.
    """
    known = sorted(known)
    out = {}
    for key in keys:
        if key in known or key.startswith('_'):
            continue
        match = difflib.get_close_matches(key, known, n=1, cutoff=cutoff)
        if match:
            out[key] = match[0]
    return out


def check_config_keys(cfg,
                      strict: bool = False,
                      source: str = '') -> Dict[str, str]:
    """Warn about (or, with ``strict``, refuse) misspelled top-level keys.

    Args:
        cfg (Config | dict): The config.
        strict (bool): Raise :class:`ConfigKeyError` instead of warning.
        source (str): How to name the config in the message (its file).

    Returns:
        dict: misspelled key -> the key it resembles (empty when clean).
    """
    found = misspelled_keys(list(cfg.keys()))
    if not found:
        return found
    where = f' of {source}' if source else ''
    listing = '; '.join(f'{key!r} (did you mean {known!r}?)'
                        for key, known in found.items())
    msg = (f'top-level config key(s){where} that nothing reads: {listing}. '
           'The Runner ignores them and uses the base config\'s values.')
    if strict:
        raise ConfigKeyError(msg)
    print_log(
        msg + ' (--strict-config makes this an error)',
        logger='current',
        level=logging.WARNING)
    return found
