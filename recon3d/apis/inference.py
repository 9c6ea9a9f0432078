"""Inference on your own point clouds: embeddings, zero-shot labels and
masked reconstructions, in the style of mmpretrain's ``apis``.

Every function takes ``inputs`` as a file, a folder (its supported files,
recursively), an [N, C] / [B, N, C] array or tensor, or a list of those.
Each cloud is read (meshes sampled over their surface), checked (a clear
error names the input), normalised into the unit sphere as in training,
brought to ``pool_points`` points and batched; the model then samples as
its config says (farthest point sampling to its ``num_points``).
"""
import copy
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner.checkpoint import CheckpointLoader

from recon3d.models.algorithms.recon import svm_feature
from recon3d.registry import MODELS
from recon3d.utils import register_all_modules
from .inputs import InputError, InputsType, expand_inputs, iter_batches
from .model_zoo import MODEL_ZOO, resolve_model

__all__ = [
    'init_model', 'FeatureExtractor', 'extract_features',
    'zero_shot_classify', 'reconstruct', 'CheckpointKeyError',
    'load_model_weights'
]

CONVERT_HINT = 'convert it first: recon3d convert {src} CONVERTED.pth'


class CheckpointKeyError(ValueError):
    """A checkpoint lacks weights the model needs."""


def _load_config(config: Union[str, Config]) -> Config:
    if isinstance(config, Config):
        return copy.deepcopy(config)
    config = str(config)
    if not osp.isfile(config) and config in MODEL_ZOO:
        info = resolve_model(config)
        cfg = Config.fromfile(info.config)
        if info.overrides:
            cfg.merge_from_dict(info.overrides)
        return cfg
    if not osp.isfile(config):
        raise FileNotFoundError(
            f'{config} is neither a config file nor a model name (known: '
            f'{", ".join(MODEL_ZOO)})')
    return Config.fromfile(config)


def _state_dict(checkpoint: str, unsafe_pickle: bool) -> dict:
    from recon3d.engine.checkpoint import allow_unsafe_pickle
    with allow_unsafe_pickle(unsafe_pickle):
        raw = CheckpointLoader.load_checkpoint(checkpoint, map_location='cpu')
    if not isinstance(raw, dict):
        raise CheckpointKeyError(
            f'{checkpoint} holds a {type(raw).__name__}, not a checkpoint')
    if 'base_model' in raw or 'model_state_dict' in raw:
        raise CheckpointKeyError(
            f'{checkpoint} is an official ReCon file; '
            + CONVERT_HINT.format(src=checkpoint))
    state = raw.get('state_dict', raw)
    return {
        k[len('module.'):] if k.startswith('module.') else k: v
        for k, v in state.items()
    }


def load_model_weights(model: torch.nn.Module, checkpoint: str,
                       unsafe_pickle: bool = False) -> None:
    """Load every weight the model has from ``checkpoint``.

    Weights of other parts (a decoder, other heads) are ignored and
    logged; a missing or mis-shaped weight of the model is an error that
    names them. Teachers are never in checkpoints and keep their weights.

    Raises:
        CheckpointKeyError: Naming the missing / mis-shaped keys.
    """
    state = _state_dict(checkpoint, unsafe_pickle)
    own = model.state_dict()
    missing = sorted(k for k in own if k not in state
                     and not k.endswith('num_batches_tracked'))
    shapes = sorted(k for k in own if k in state
                    and tuple(state[k].shape) != tuple(own[k].shape))
    if missing or shapes:
        parts = sorted({k.split('.')[0] for k in missing + shapes})
        detail = [f'missing: {k}' for k in missing[:6]] + [
            f'shape {tuple(state[k].shape)} in the file, '
            f'{tuple(own[k].shape)} in the model: {k}' for k in shapes[:6]
        ]
        official = any(k.startswith(('MAE_encoder.', 'blocks.blocks.'))
                       for k in state)
        hint = (CONVERT_HINT.format(src=checkpoint) if official else
                'is it the checkpoint of this model (sizes, heads)? A '
                'zero-shot model needs a ReCon pretrained with both '
                'projection heads (img_head, text_head)')
        raise CheckpointKeyError(
            f'{checkpoint} does not fit {type(model).__name__} '
            f'({len(missing)} missing, {len(shapes)} mis-shaped weights '
            f'of {", ".join(parts)}); {hint}:\n  ' + '\n  '.join(detail))
    unexpected = sorted({k.split('.')[0] for k in state if k not in own})
    model.load_state_dict({k: v for k, v in state.items() if k in own},
                          strict=False)
    print_log(
        f'Loaded {type(model).__name__} from {checkpoint}' +
        (f' (not used: {", ".join(p + ".*" for p in unexpected)})'
         if unexpected else ''),
        logger='current')


def init_model(config: Union[str, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None,
               teacher: Optional[str] = None,
               unsafe_pickle: bool = False) -> torch.nn.Module:
    """Build a model from a config file or model-zoo name and load it.

    Args:
        config (str | Config): Config file, Config, or a name of
            :data:`~recon3d.apis.model_zoo.MODEL_ZOO` (e.g.
            ``'recon-base'``, ``'recon-base-zeroshot'``).
        checkpoint (str, optional): recon3d checkpoint (official files
            converted first). None keeps the init (random) weights.
        device (str): e.g. ``'cpu'``, ``'cuda:0'``. Defaults to ``'cpu'``.
        cfg_options (dict, optional): ``--cfg-options``-style overrides.
        teacher (str, optional): Weights file of the zero-shot text
            teacher (``model.text_teacher.pretrained``).
        unsafe_pickle (bool): Allow a full unpickling of a checkpoint the
            safe loader refuses (only for files you trust).

    Returns:
        nn.Module: The model in eval mode on ``device``, with its config
        as ``model.cfg``.
    """
    register_all_modules()
    cfg = _load_config(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if teacher is not None:
        if not cfg.model.get('text_teacher'):
            raise ValueError('teacher= is for models with a text teacher '
                             '(zero-shot)')
        cfg.model.text_teacher.pretrained = teacher
    if checkpoint is not None and cfg.model.get('init_cfg'):
        cfg.model.init_cfg = None  # every weight comes from the checkpoint
    model = MODELS.build(cfg.model)
    model.init_weights()
    if checkpoint is not None:
        load_model_weights(model, checkpoint, unsafe_pickle)
    model.cfg = cfg
    return model.to(device).eval()


def _model_points(model: torch.nn.Module) -> int:
    """N the model's sampling ends with (FPS from the pool)."""
    pre = getattr(model, 'data_preprocessor', None)
    return (getattr(model, 'num_points', None)
            or getattr(pre, 'num_points', None) or 1024)


def _group_count(model: torch.nn.Module) -> int:
    return int(getattr(model.backbone, 'num_group', 1))


class FeatureExtractor:
    """Embeddings of point clouds from any ReCon model's trunk.

    Per cloud (a dict): ``name`` (the file, or ``array i``), ``global``
    [2C] (the linear-SVM feature), ``cls``, ``img``, ``text`` [C] (the
    global tokens after the final LayerNorm), ``patches`` [G, C] (the
    local tokens) and ``centers`` [G, 3] (their group centres, in the
    normalised frame). All numpy float32.

    Args:
        model (nn.Module): A recon3d model with ``backbone`` and ``neck``
            (``PointEncoder``, ``ReCon``, ``PointClassifier``,
            ``ZeroShotClassifier``).
        batch_size (int): Clouds per forward pass. Defaults to 32.
        pool_points (int): Points each cloud is brought to before the
            model's sampling. Defaults to 8192.
        normalize (bool): Unit-sphere normalisation. Defaults to True.
    """

    def __init__(self,
                 model: torch.nn.Module,
                 batch_size: int = 32,
                 pool_points: int = 8192,
                 normalize: bool = True) -> None:
        self.model = model
        self.batch_size = batch_size
        self.pool_points = max(pool_points, _model_points(model))
        self.normalize = normalize
        #: Inputs left out by the last call with ``errors='skip'``.
        self.errors: List[InputError] = []

    def batches(self, inputs: InputsType, errors: str = 'raise'):
        """Prepared batches: (names, preprocessed inputs dict)."""
        if errors not in ('raise', 'skip'):
            raise ValueError(f"errors must be 'raise' or 'skip', got "
                             f'{errors!r}')
        self.errors = []
        items = expand_inputs(inputs)
        for clouds in iter_batches(
                items, self.batch_size, self.pool_points,
                _group_count(self.model), self.normalize,
                self.errors if errors == 'skip' else None):
            data = dict(inputs=dict(
                points=[torch.from_numpy(c.points) for c in clouds]))
            data = self.model.data_preprocessor(data, False)
            yield [c.name for c in clouds], data['inputs']

    @torch.no_grad()
    def encode(self, inputs: Dict[str, torch.Tensor]) -> Dict[str,
                                                               torch.Tensor]:
        """One preprocessed batch -> feature tensors (see the class)."""
        points = inputs['points']
        sample = getattr(self.model, 'sample_points', None)
        if sample is not None:
            points = sample(points)
        out = self.model.backbone(points, mask=False)
        tokens = self.model.neck(out.tokens, out.block_inputs)
        return dict(
            global_=svm_feature(tokens), cls=tokens.cls, img=tokens.img,
            text=tokens.text, patches=tokens.local, centers=out.center)

    def __call__(self, inputs: InputsType,
                 errors: str = 'raise') -> List[dict]:
        """Features of every input (see the class docstring).

        Args:
            inputs: Files, folders, arrays (see the module docstring).
            errors (str): ``'raise'`` stops at the first bad input;
                ``'skip'`` leaves it out and keeps its error in
                :attr:`errors`.
        """
        results = []
        for names, batch in self.batches(inputs, errors):
            feats = {k: v.float().cpu().numpy()
                     for k, v in self.encode(batch).items()}
            for i, name in enumerate(names):
                row = {k.rstrip('_'): v[i] for k, v in feats.items()}
                results.append(dict(name=name, **row))
        return results


def extract_features(model: torch.nn.Module, inputs: InputsType,
                     batch_size: int = 32, **kwargs) -> List[dict]:
    """``FeatureExtractor(model, batch_size)(inputs)``: a dict per cloud
    with ``name``, ``global``, ``cls``, ``img``, ``text``, ``patches``,
    ``centers`` (see :class:`FeatureExtractor`)."""
    errors = kwargs.pop('errors', 'raise')
    return FeatureExtractor(model, batch_size, **kwargs)(inputs, errors)


@torch.no_grad()
def zero_shot_classify(model: torch.nn.Module,
                       inputs: InputsType,
                       class_names: Sequence[str],
                       top_k: int = 5,
                       batch_size: int = 32,
                       errors: str = 'raise',
                       skipped: Optional[List[InputError]] = None,
                       progress: Optional[Callable[[int], None]] = None
                       ) -> List[dict]:
    """Zero-shot labels of point clouds.

    Args:
        model (ZeroShotClassifier): e.g. ``init_model('recon-base-zeroshot',
            checkpoint=...)``.
        inputs: Files, folders, arrays.
        class_names (Sequence[str]): Candidate classes (any words).
        top_k (int): Classes kept per cloud. Defaults to 5.
        batch_size (int): Defaults to 32.
        errors (str): ``'raise'`` or ``'skip'`` (see
            :class:`FeatureExtractor`).
        skipped (list, optional): Receives the errors of skipped inputs.
        progress (callable, optional): Called with the number of inputs
            handled (classified or skipped) after each batch.

    Returns:
        list[dict]: Per cloud ``name``, ``label`` (best class name),
        ``score`` (its cosine similarity), ``top_k`` [(name, score), ...].
    """
    if not hasattr(model, 'class_embeddings'):
        raise TypeError(f'{type(model).__name__} is not a zero-shot model;'
                        " use init_model('recon-base-zeroshot', ...) or a "
                        'configs/recon/zeroshot_*.py config')
    names = [str(n).strip() for n in class_names if str(n).strip()]
    if not names:
        raise ValueError('give at least one class name')
    top_k = max(1, min(top_k, len(names)))
    extractor = FeatureExtractor(model, batch_size)
    results, reported = [], 0
    for cloud_names, batch in extractor.batches(inputs, errors):
        points = model.sample_points(batch['points'])
        feats = model(dict(batch, points=points), mode='tensor').float()
        scores = model.similarity(feats, names)
        values, index = scores.topk(top_k, dim=-1)
        for name, vals, idx in zip(cloud_names, values.tolist(),
                                   index.tolist()):
            ranked = [(names[j], float(v)) for j, v in zip(idx, vals)]
            results.append(dict(name=name, label=ranked[0][0],
                                score=ranked[0][1], top_k=ranked))
        if progress is not None:
            progress(len(cloud_names) + len(extractor.errors) - reported)
            reported = len(extractor.errors)
    if skipped is not None:
        skipped.extend(extractor.errors)
    return results


@torch.no_grad()
def reconstruct(model: torch.nn.Module,
                inputs: InputsType,
                mask_ratio: Optional[float] = None,
                batch_size: int = 16,
                seed: int = 0) -> List[Dict[str, np.ndarray]]:
    """Masked reconstruction of point clouds by a ReCon pretraining model.

    Args:
        model (ReCon): e.g. ``init_model('recon-base-pretrain', ...)``.
        inputs: Files, folders, arrays.
        mask_ratio (float, optional): Share of groups hidden; defaults to
            the model's (0.6).
        batch_size (int): Defaults to 16.
        seed (int): Seed of the random masks. Defaults to 0.

    Returns:
        list[dict]: Per cloud ``name``, ``visible`` [V·K, 3] (the input's
        visible groups), ``pred`` [M·K, 3] (the predicted masked groups),
        ``target`` [M·K, 3] (the true masked groups), in the normalised
        frame.
    """
    if not hasattr(model, 'reconstruct'):
        raise TypeError(f'{type(model).__name__} cannot reconstruct; use '
                        "init_model('recon-base-pretrain', ...) or a "
                        'configs/recon/pretrain*.py config')
    backbone = model.backbone
    saved = getattr(backbone, 'mask_ratio', None)
    if mask_ratio is not None:
        if not 0 < mask_ratio < 1:
            raise ValueError(f'mask_ratio must be in (0, 1), got '
                             f'{mask_ratio}')
        backbone.mask_ratio = mask_ratio
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        results = []
        for names, batch in FeatureExtractor(model, batch_size).batches(
                inputs):
            out = model.reconstruct(batch['points'])
            for i, name in enumerate(names):
                results.append(dict(
                    name=name,
                    **{k: out[k][i].float().cpu().numpy()
                       for k in ('visible', 'pred', 'target')}))
        return results
    finally:
        backbone.mask_ratio = saved
        torch.random.set_rng_state(generator_state)
