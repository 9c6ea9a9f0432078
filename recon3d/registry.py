"""Registries of recon3d.

The Runner-facing registries are children of mmengine's root registries, so
that ``default_scope='recon3d'`` finds recon3d classes first and falls back to
mmengine's (optimizers, schedulers, hooks, ...).

The component kinds that configs swap -- backbones, necks, heads, teachers,
losses and point-batch augments -- have registries of their own, in scope
``recon3d`` and without a parent: ``print(BACKBONES)`` lists what can be
swapped in, and a wrong kind fails with the registry's message naming the
kind.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import \
    WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

__all__ = [
    'RUNNERS', 'LOOPS', 'HOOKS', 'LOG_PROCESSORS', 'OPTIMIZERS',
    'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS',
    'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS', 'MODEL_WRAPPERS',
    'BACKBONES', 'NECKS', 'HEADS', 'TEACHERS', 'LOSSES', 'BATCH_AUGMENTS',
    'EVALUATOR', 'METRICS', 'VISUALIZERS', 'VISBACKENDS',
    'WEIGHT_INITIALIZERS'
]

# Runner-facing registries: children of mmengine's roots.
RUNNERS = Registry(
    'runner', parent=MMENGINE_RUNNERS, scope='recon3d',
    locations=['recon3d.engine'])
LOOPS = Registry(
    'loop', parent=MMENGINE_LOOPS, scope='recon3d',
    locations=['recon3d.engine'])
HOOKS = Registry(
    'hook', parent=MMENGINE_HOOKS, scope='recon3d',
    locations=['recon3d.engine.hooks'])
LOG_PROCESSORS = Registry(
    'log processor', parent=MMENGINE_LOG_PROCESSORS, scope='recon3d',
    locations=['recon3d.engine'])
OPTIMIZERS = Registry(
    'optimizer', parent=MMENGINE_OPTIMIZERS, scope='recon3d',
    locations=['recon3d.engine'])
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS, scope='recon3d',
    locations=['recon3d.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, scope='recon3d',
    locations=['recon3d.engine'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS,
    scope='recon3d', locations=['recon3d.engine'])
DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, scope='recon3d',
    locations=['recon3d.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMENGINE_DATA_SAMPLERS, scope='recon3d',
    locations=['recon3d.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, scope='recon3d',
    locations=['recon3d.datasets.transforms'])
MODELS = Registry(
    'model', parent=MMENGINE_MODELS, scope='recon3d',
    locations=['recon3d.models'])
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=MMENGINE_WEIGHT_INITIALIZERS,
    scope='recon3d', locations=['recon3d.models'])
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, scope='recon3d',
    locations=['recon3d.models'])
EVALUATOR = Registry(
    'evaluator', parent=MMENGINE_EVALUATOR, scope='recon3d',
    locations=['recon3d.evaluation'])
METRICS = Registry(
    'metric', parent=MMENGINE_METRICS, scope='recon3d',
    locations=['recon3d.evaluation'])
VISUALIZERS = Registry(
    'visualizer', parent=MMENGINE_VISUALIZERS, scope='recon3d',
    locations=['recon3d.visualization'])
VISBACKENDS = Registry(
    'vis_backend', parent=MMENGINE_VISBACKENDS, scope='recon3d',
    locations=['recon3d.visualization'])

# Swappable component kinds: plain registries in scope 'recon3d'.
BACKBONES = Registry(
    'backbone', scope='recon3d', locations=['recon3d.models.backbones'])
NECKS = Registry('neck', scope='recon3d', locations=['recon3d.models.necks'])
HEADS = Registry('head', scope='recon3d', locations=['recon3d.models.heads'])
TEACHERS = Registry(
    'teacher', scope='recon3d', locations=['recon3d.models.teachers'])
LOSSES = Registry(
    'loss', scope='recon3d', locations=['recon3d.models.losses'])
BATCH_AUGMENTS = Registry(
    'batch augment', scope='recon3d',
    locations=['recon3d.models.data_preprocessors'])
