from .base import (IMAGENET_MEAN, IMAGENET_STD, BaseTeacher, load_weights_file,
                   preprocess_images)
from .builder import TEACHER_SEED, build_teacher
from .cache_builder import (build_teacher_cache, cache_dataset,
                            write_teacher_cache)
from .cache_config import (build_config_caches, cached_teachers,
                           use_teacher_cache)
from .cache_format import (StaleCacheError, check_keys, dataset_keys,
                           read_index, seed_view)
from .cached_teacher import CachedTeacher
from .open_clip_teachers import (PROMPT_PREFIXES, PROMPT_SUFFIXES,
                                 OpenCLIPImageTeacher, OpenCLIPTextTeacher,
                                 draw_prompt_indices)
from .open_clip_weights import is_openai_format, resolve_open_clip_weights
from .timm_teacher import (IN21K_VIT_B16_URL, TIMM_TEACHER_TAGS,
                           TimmImageTeacher)
from .tiny import TINY_CLIP_CONFIG, TINY_CLIP_NAME, register_tiny_clip

__all__ = [
    'BaseTeacher', 'build_teacher', 'TEACHER_SEED', 'OpenCLIPTextTeacher', 'OpenCLIPImageTeacher',
    'TimmImageTeacher', 'register_tiny_clip', 'TINY_CLIP_NAME',
    'TINY_CLIP_CONFIG', 'PROMPT_PREFIXES', 'PROMPT_SUFFIXES', 'IMAGENET_MEAN',
    'IMAGENET_STD', 'IN21K_VIT_B16_URL', 'TIMM_TEACHER_TAGS',
    'load_weights_file', 'preprocess_images', 'resolve_open_clip_weights',
    'draw_prompt_indices', 'CachedTeacher', 'build_teacher_cache',
    'cache_dataset', 'StaleCacheError', 'dataset_keys', 'seed_view',
    'check_keys', 'read_index', 'use_teacher_cache', 'cached_teachers',
    'build_config_caches', 'is_openai_format', 'write_teacher_cache'
]
