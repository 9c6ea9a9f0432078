"""Model names that resolve to configs (``init_model('recon-base', ...)``).

A name stands for a config of this repository plus a few overrides; the
checkpoint is always the user's file (the official ReCon files, converted
once with ``recon3d convert``, or one trained with recon3d). Configs are
found in the ``configs/`` folder of a source checkout, or under
``RECON3D_CONFIGS`` when that is set.
"""
import os
import os.path as osp
from typing import Dict, NamedTuple, Optional

__all__ = ['ModelInfo', 'MODEL_ZOO', 'find_config', 'resolve_model']


class ModelInfo(NamedTuple):
    """One entry of :data:`MODEL_ZOO`."""
    config: str
    task: str
    description: str
    overrides: Optional[dict] = None


_NO_TEACHERS = {
    'model.img_teacher': None,
    'model.img_head': None,
    'model.text_teacher': None,
    'model.text_head': None,
}

#: Name -> config (relative to ``configs/``), task and what it is.
MODEL_ZOO: Dict[str, ModelInfo] = {
    'recon-base': ModelInfo(
        'recon/svm_modelnet40.py', 'embed',
        'base encoder (C=384, 64x32 groups, 1024 points): embeddings and '
        'the linear-SVM feature; any ReCon checkpoint'),
    'recon-base-zeroshot': ModelInfo(
        'recon/zeroshot_modelnet40.py', 'zeroshot',
        'zero-shot classifier over CLIP ViT-B/32 (ratio 0.25); the '
        'official zero-shot checkpoint, converted'),
    'recon-base-pretrain': ModelInfo(
        'recon/pretrain.py', 'reconstruct',
        'pretraining model without its teachers: masked reconstruction '
        'of your clouds; a ReCon pretraining checkpoint', _NO_TEACHERS),
    'recon-base-modelnet40': ModelInfo(
        'recon/finetune_modelnet40.py', 'classify',
        'fine-tuned classifier, 40 ModelNet classes, 1024 points',
        {'model.init_cfg': None}),
    'recon-base-scanobjectnn': ModelInfo(
        'recon/finetune_scanobjectnn_hardest.py', 'classify',
        'fine-tuned classifier, 15 ScanObjectNN classes, 2048 points',
        {'model.init_cfg': None}),
    'recon-demo': ModelInfo(
        'recon/svm_modelnet40_demo.py', 'embed',
        'demo encoder of `make demo` (C=96, 32x16 groups, 512 points)'),
    'recon-demo-zeroshot': ModelInfo(
        'recon/zeroshot_modelnet40_demo.py', 'zeroshot',
        'zero-shot with the demo encoder and its tiny random text teacher'),
    'recon-demo-pretrain': ModelInfo(
        'recon/pretrain_demo.py', 'reconstruct',
        'demo pretraining model (reconstruction pictures)', _NO_TEACHERS),
}


def _config_roots():
    env = os.environ.get('RECON3D_CONFIGS')
    if env:
        yield env
    here = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    yield osp.join(here, 'configs')
    yield osp.join(os.getcwd(), 'configs')


def find_config(relative: str) -> str:
    """Path of ``configs/<relative>``.

    Raises:
        FileNotFoundError: Saying where it looked and how to point at the
            configs (``RECON3D_CONFIGS``).
    """
    tried = []
    for root in _config_roots():
        path = osp.join(root, relative)
        if osp.isfile(path):
            return path
        tried.append(path)
    raise FileNotFoundError(
        f'config {relative} not found (looked at {tried}); set '
        'RECON3D_CONFIGS to the configs/ folder of a recon3d checkout')


def resolve_model(name: str) -> ModelInfo:
    """The :class:`ModelInfo` of a zoo name, with the config's full path.

    Raises:
        KeyError: For an unknown name, listing the known ones.
    """
    if name not in MODEL_ZOO:
        raise KeyError(f'unknown model name {name!r}; known: '
                       f'{", ".join(MODEL_ZOO)} (or give a config file)')
    info = MODEL_ZOO[name]
    return info._replace(config=find_config(info.config))
