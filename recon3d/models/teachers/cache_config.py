"""Switch a pretraining config to cached teachers, and build its caches."""
import copy
from typing import Dict, List, Optional, Tuple

from mmengine.config import Config, ConfigDict

from .cache_builder import build_teacher_cache

__all__ = [
    'IMAGE_TRANSFORMS', 'use_teacher_cache', 'cached_teachers',
    'build_config_caches'
]

#: Train-pipeline transforms that load or change the image; with an image
#: cache they move from the train pipeline to the cache's view pipeline.
IMAGE_TRANSFORMS = ('LoadImageFromPNG', 'ReConImageAugment', 'ResizeImage')
TEACHER_KEYS = ('img_teacher', 'text_teacher')


def _plain_views(image_pipeline: List[dict]) -> List[dict]:
    """The un-augmented counterpart of an image pipeline: the random
    augmentation replaced by a resize to its crop size."""
    plain = []
    for t in image_pipeline:
        if t['type'] == 'ReConImageAugment':
            plain.append(dict(type='ResizeImage', size=t.get('crop', 224)))
        else:
            plain.append(copy.deepcopy(t))
    return plain


def use_teacher_cache(cfg: Config,
                      cache_root: str,
                      num_views: int = 10,
                      seed: int = 0) -> Config:
    """The same pretraining with its teachers read from caches.

    The switch that ``configs/recon/pretrain_cached.py`` writes out for
    ``configs/recon/pretrain.py``, for any ReCon config:

    - ``model.img_teacher`` becomes ``CachedTeacher(teacher=<it>,
      cache=<cache_root>/img_teacher, num_views, pipeline=<the train
      pipeline's image transforms>)``; with ``num_views=1`` the pipeline is
      the un-augmented one (``ReConImageAugment`` -> ``ResizeImage`` to
      its crop size);
    - ``model.text_teacher`` becomes ``CachedTeacher(teacher=<it>,
      cache=<cache_root>/text_teacher)``;
    - the train pipeline loses its image transforms and packs each item's
      ``file_name`` as ``inputs['img']`` (``PackReconInputs(img_key=
      'file_name')``); the train dataset no longer lists images.

    Args:
        cfg (Config): A ReCon pretraining config (not changed).
        cache_root (str): Folder of the two caches.
        num_views (int): V, views per image. Defaults to 10.
        seed (int): Seed of the views (and of random teacher weights).

    Returns:
        Config: The switched config.
    """
    cfg = copy.deepcopy(cfg)
    model = cfg.model
    loader = cfg.train_dataloader
    dataset = loader.dataset
    while isinstance(dataset.get('dataset'), dict):
        dataset = dataset.dataset
    pipeline = list(dataset.pipeline)
    image = [t for t in pipeline if t['type'] in IMAGE_TRANSFORMS]
    if model.get('img_teacher') and model.img_teacher.type != 'CachedTeacher':
        views = image if num_views > 1 else _plain_views(image)
        model.img_teacher = ConfigDict(
            type='CachedTeacher',
            teacher=model.img_teacher,
            cache=f'{cache_root}/img_teacher',
            num_views=num_views,
            pipeline=views,
            seed=seed)
        pipeline = [t for t in pipeline if t['type'] not in IMAGE_TRANSFORMS]
        for t in pipeline:
            if t['type'] == 'PackReconInputs':
                t['img_key'] = 'file_name'
        if 'with_img' in dataset:
            dataset.with_img = False
        dataset.pipeline = pipeline
        if cfg.get('train_pipeline') is not None:
            cfg.train_pipeline = pipeline
    if model.get('text_teacher') and \
            model.text_teacher.type != 'CachedTeacher':
        model.text_teacher = ConfigDict(
            type='CachedTeacher',
            teacher=model.text_teacher,
            cache=f'{cache_root}/text_teacher',
            seed=seed)
    return cfg


def cached_teachers(cfg: Config) -> List[Tuple[str, dict]]:
    """``(config path, CachedTeacher config)`` of every cached teacher of
    ``cfg.model``."""
    found = []
    for name in TEACHER_KEYS:
        teacher = (cfg.get('model') or {}).get(name)
        if teacher and teacher.get('type') == 'CachedTeacher':
            found.append((f'model.{name}', teacher.to_dict() if hasattr(
                teacher, 'to_dict') else dict(teacher)))
    return found


def build_config_caches(cfg: Config,
                        only: Optional[str] = None,
                        **kwargs) -> Dict[str, dict]:
    """Build every teacher cache of a config, over its train dataset.

    Args:
        cfg (Config): A config with ``CachedTeacher`` teachers.
        only (str, optional): ``'img'`` or ``'text'``: that cache only.
        **kwargs: :func:`build_teacher_cache` options (``batch_size``,
            ``num_workers``, ``device``, ``precision``, ``command``,
            ``progress``).

    Returns:
        dict: Config path -> the cache's index.

    Raises:
        ValueError: The config has no cached teacher.
    """
    teachers = cached_teachers(cfg)
    if only is not None:
        teachers = [(p, t) for p, t in teachers if p == f'model.{only}'
                    '_teacher']
    if not teachers:
        raise ValueError(
            'the config has no CachedTeacher' +
            (f' for {only}' if only else '') + ': use a cached config '
            '(e.g. configs/recon/pretrain_cached.py)')
    dataset = cfg.train_dataloader.dataset
    dataset = dataset.to_dict() if hasattr(dataset, 'to_dict') else \
        dict(dataset)
    return {
        path: build_teacher_cache(teacher, dataset, **kwargs)
        for path, teacher in teachers
    }
