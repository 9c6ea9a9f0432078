from .base import (IMAGENET_MEAN, IMAGENET_STD, BaseTeacher, load_weights_file,
                   preprocess_images)
from .open_clip_teachers import (PROMPT_PREFIXES, PROMPT_SUFFIXES,
                                 OpenCLIPImageTeacher, OpenCLIPTextTeacher,
                                 resolve_open_clip_weights)
from .timm_teacher import IN21K_VIT_B16_URL, TimmImageTeacher
from .tiny import TINY_CLIP_CONFIG, TINY_CLIP_NAME, register_tiny_clip

__all__ = [
    'BaseTeacher', 'OpenCLIPTextTeacher', 'OpenCLIPImageTeacher',
    'TimmImageTeacher', 'register_tiny_clip', 'TINY_CLIP_NAME',
    'TINY_CLIP_CONFIG', 'PROMPT_PREFIXES', 'PROMPT_SUFFIXES', 'IMAGENET_MEAN',
    'IMAGENET_STD', 'IN21K_VIT_B16_URL', 'load_weights_file',
    'preprocess_images', 'resolve_open_clip_weights'
]
