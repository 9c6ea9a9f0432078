"""Parameter names of the official ReCon code <-> recon3d.

Pure functions over state dicts (no file access): the converters in
``tools/model_converters/`` and :mod:`recon3d.apis.convert` read and write
the files.

A *kind* names the layout of an official file (the official
code's ``state_dict`` names):

============  ================================================================
kind          official keys (after stripping ``module.``)
============  ================================================================
pretrain      ``MAE_encoder.<trunk>``, ``mask_token``, ``decoder_pos_embed``,
              ``MAE_decoder``, ``increase_dim``; optional ``img_proj``,
              ``text_proj``, ``cls_proj``; ``img_encoder``/``text_encoder``
              (teachers of ``ckpt-last.pth``) are dropped
cls           ``<trunk>`` + ``cls_head_finetune`` (``full``/``mlp3``: indices
              0, 1, 4, 5, 8; ``linear``: 0)
zeroshot      ``<trunk>`` + ``img_proj`` and/or ``text_proj``
svm           ``<trunk>``
partseg       ``<trunk>`` + ``label_conv``, ``propagation_0``, ``convs1-3``,
              ``bns1-2``
============  ================================================================

The mapping is one table of ``(official key, recon3d key, shape)`` rows,
generated from the layout and the sizes read off the state dict, so both
directions, the shape checks and the error messages come from one place.
Every official tensor is either mapped, or reported as dropped (teacher
keys; with an explicitly narrower kind, the other downstream heads), or an
error.

The module is longer than 400 lines: the table, the layout checks and both
directions read the same names, so they are kept together.
"""
import re
from typing import (Callable, Dict, Iterable, List, Mapping, NamedTuple,
                    Optional, Tuple)

import torch

__all__ = [
    'KINDS', 'OfficialKeyError', 'detect_kind', 'detect_recon3d_kind',
    'official_to_recon3d', 'recon3d_to_official', 'strip_module_prefix',
    'mapping_rows'
]

KINDS = ('pretrain', 'cls', 'zeroshot', 'svm', 'partseg')
ENCODER_PREFIX = 'MAE_encoder.'
TEACHER_PREFIXES = ('img_encoder.', 'text_encoder.')
#: Official / recon3d prefixes of each optional part. The downstream heads
#: (``cls_head``, ``img_proj``, ``text_proj``, ``seg_head``) may be dropped
#: by a narrower kind.
_OFFICIAL_PREFIXES = {
    'cls_head': ('cls_head_finetune.', ),
    'img_proj': ('img_proj.', ),
    'text_proj': ('text_proj.', ),
    'cls_proj': ('cls_proj.', ),
    'seg_head': ('label_conv.', 'propagation_0.', 'convs1.', 'convs2.',
                 'convs3.', 'bns1.', 'bns2.'),
}
_RECON3D_PREFIXES = {
    'decoder': ('decoder.', 'rec_head.'),
    'cls_head': ('cls_head.', ),
    'img_proj': ('img_head.', ),
    'text_proj': ('text_head.', ),
    'cls_proj': ('smc_head.', ),
    'seg_head': ('seg_head.', ),
}
_DOWNSTREAM_HEADS = ('cls_head', 'img_proj', 'text_proj', 'seg_head')
_KIND_HEADS = {
    'cls': ('cls_head', ),
    'zeroshot': ('img_proj', 'text_proj'),
    'svm': (),
    'partseg': ('seg_head', ),
}
_MAX_LISTED = 25


class OfficialKeyError(ValueError):
    """A state dict does not match the layout it is converted from."""


class Row(NamedTuple):
    """One tensor: official name, recon3d name, expected shape (None: any).
    """
    official: str
    recon3d: str
    shape: Optional[Tuple[Optional[int], ...]]


# --------------------------------------------------------------- the table
def _linear(o: str, r: str, out: Optional[int], inp: Optional[int],
            bias: bool = True) -> List[Row]:
    rows = [Row(f'{o}.weight', f'{r}.weight', (out, inp))]
    if bias:
        rows.append(Row(f'{o}.bias', f'{r}.bias', (out, )))
    return rows


def _conv(o: str, r: str, out: Optional[int], inp: Optional[int],
          bias: bool = True) -> List[Row]:
    """A 1×1 Conv1d: weight (out, in, 1)."""
    rows = [Row(f'{o}.weight', f'{r}.weight', (out, inp, 1))]
    if bias:
        rows.append(Row(f'{o}.bias', f'{r}.bias', (out, )))
    return rows


def _norm(o: str, r: str, n: Optional[int]) -> List[Row]:
    return [Row(f'{o}.{p}', f'{r}.{p}', (n, )) for p in ('weight', 'bias')]


def _bn(o: str, r: str, n: Optional[int]) -> List[Row]:
    rows = [
        Row(f'{o}.{p}', f'{r}.{p}', (n, ))
        for p in ('weight', 'bias', 'running_mean', 'running_var')
    ]
    return rows + [Row(f'{o}.num_batches_tracked',
                       f'{r}.num_batches_tracked', ())]


def _self_block(o: str, r: str, C: int) -> List[Row]:
    """Norms, self-attention and MLP of one (local or decoder) block."""
    return (_norm(f'{o}.norm1', f'{r}.norm1', C) +
            _norm(f'{o}.norm2', f'{r}.norm2', C) +
            _linear(f'{o}.attn.qkv', f'{r}.attn.qkv', 3 * C, C, bias=False) +
            _linear(f'{o}.attn.proj', f'{r}.attn.proj', C, C) +
            _linear(f'{o}.mlp.fc1', f'{r}.mlp.fc1', 4 * C, C) +
            _linear(f'{o}.mlp.fc2', f'{r}.mlp.fc2', C, 4 * C))


def _trunk(P: str, C: int, depth: int) -> List[Row]:
    rows = [
        Row(f'{P}{t}_{p}', f'neck.{t}_{p}', (1, 1, C))
        for t in ('cls', 'img', 'text') for p in ('token', 'pos')
    ]
    e, pe = f'{P}encoder', 'backbone.patch_embed'
    rows += (_conv(f'{e}.first_conv.0', f'{pe}.first_conv.0', 128, 3) +
             _bn(f'{e}.first_conv.1', f'{pe}.first_conv.1', 128) +
             _conv(f'{e}.first_conv.3', f'{pe}.first_conv.3', 256, 128) +
             _conv(f'{e}.second_conv.0', f'{pe}.second_conv.0', 512, 512) +
             _bn(f'{e}.second_conv.1', f'{pe}.second_conv.1', 512) +
             _conv(f'{e}.second_conv.3', f'{pe}.second_conv.3', C, 512))
    rows += (_linear(f'{P}pos_embed.0', 'backbone.pos_embed.0', 128, 3) +
             _linear(f'{P}pos_embed.2', 'backbone.pos_embed.2', C, 128))
    for i in range(depth):
        o, loc, glob = f'{P}blocks.blocks.{i}', f'backbone.blocks.{i}', \
            f'neck.blocks.{i}'
        rows += _self_block(o, loc, C)
        rows += (
            _norm(f'{o}.norm1_contrast', f'{glob}.norm1', C) +
            _norm(f'{o}.norm2_contrast', f'{glob}.norm2', C) +
            _linear(f'{o}.attn_contrast.q', f'{glob}.attn.q', C, C,
                    bias=False) +
            _linear(f'{o}.attn_contrast.kv', f'{glob}.attn.kv', 2 * C, C,
                    bias=False) +
            _linear(f'{o}.attn_contrast.proj', f'{glob}.attn.proj', C, C) +
            _linear(f'{o}.mlp_contrast.fc1', f'{glob}.mlp.fc1', 4 * C, C) +
            _linear(f'{o}.mlp_contrast.fc2', f'{glob}.mlp.fc2', C, 4 * C))
    return rows + _norm(f'{P}norm', 'neck.norm', C)


def _groups(C: int, dims: Mapping[str, Optional[int]],
            dec_depth: int) -> Dict[str, Callable[[], List[Row]]]:
    """Row makers of every optional part, by group name."""
    K = dims.get('K')
    K3 = None if K is None else 3 * K
    h, n = dims.get('cls_hidden'), dims.get('num_classes')

    def decoder():
        rows = [Row('mask_token', 'decoder.mask_token', (1, 1, C))]
        rows += (_linear('decoder_pos_embed.0', 'decoder.pos_embed.0', 128, 3)
                 + _linear('decoder_pos_embed.2', 'decoder.pos_embed.2', C,
                           128))
        for j in range(dec_depth):
            rows += _self_block(f'MAE_decoder.blocks.{j}',
                                f'decoder.blocks.{j}', C)
        rows += _norm('MAE_decoder.norm', 'decoder.norm', C)
        return rows + _conv('increase_dim.0', 'rec_head.increase_dim', K3, C)

    def cls_proj():
        s = dims.get('smc_hidden')
        return (_linear('cls_proj.0', 'smc_head.proj.0', s, C) +
                _bn('cls_proj.1', 'smc_head.proj.1', s) +
                _linear('cls_proj.3', 'smc_head.proj.3', s, s) +
                _bn('cls_proj.4', 'smc_head.proj.4', s))

    def cls_full():
        o, r = 'cls_head_finetune', 'cls_head.layers'
        return (_linear(f'{o}.0', f'{r}.0', h, 4 * C) +
                _bn(f'{o}.1', f'{r}.1', h) +
                _linear(f'{o}.4', f'{r}.4', h, h) +
                _bn(f'{o}.5', f'{r}.5', h) +
                _linear(f'{o}.8', f'{r}.8', n, h))

    def cls_linear():
        return _linear('cls_head_finetune.0', 'cls_head.layers.0', n, 4 * C)

    def seg_head():
        parts = dims.get('num_parts')
        pr = 'seg_head.propagation'
        # Global context: max + mean of 3 LN-ed block outputs (2·3C), the
        # max global token (C) and the label embedding (64); plus the 1024
        # upsampled features.
        return (
            _conv('label_conv.0', 'seg_head.label_embed.0', 64, 16,
                  bias=False) +
            _bn('label_conv.1', 'seg_head.label_embed.1', 64) +
            _conv('propagation_0.mlp_convs.0', f'{pr}.convs.0', 1536,
                  3 * C + 3) +
            _conv('propagation_0.mlp_convs.1', f'{pr}.convs.1', 1024, 1536) +
            _bn('propagation_0.mlp_bns.0', f'{pr}.bns.0', 1536) +
            _bn('propagation_0.mlp_bns.1', f'{pr}.bns.1', 1024) +
            _conv('convs1', 'seg_head.layers.0', 512, 1024 + 7 * C + 64) +
            _bn('bns1', 'seg_head.layers.1', 512) +
            _conv('convs2', 'seg_head.layers.4', 256, 512) +
            _bn('bns2', 'seg_head.layers.5', 256) +
            _conv('convs3', 'seg_head.layers.7', parts, 256))

    return dict(
        decoder=decoder,
        img_proj=lambda: _linear('img_proj', 'img_head.proj',
                                 dims.get('img_dim'), C),
        text_proj=lambda: _linear('text_proj', 'text_head.proj',
                                  dims.get('text_dim'), C),
        cls_proj=cls_proj,
        cls_full=cls_full,
        cls_linear=cls_linear,
        seg_head=seg_head)


class _Structure(NamedTuple):
    """What the names depend on: block counts and the parts present."""
    depth: int
    dec_depth: int
    groups: Tuple[str, ...]


def _rows(kind: str, st: _Structure,
          dims: Mapping[str, Optional[int]]) -> List[Row]:
    P = ENCODER_PREFIX if kind == 'pretrain' else ''
    C = dims.get('C') or 0
    rows = _trunk(P, C, st.depth)
    makers = _groups(C, dims, st.dec_depth)
    for group in st.groups:
        rows += makers[group]()
    return rows


def mapping_rows(kind: str, embed_dims: int, depth: int,
                 decoder_depth: int = 0,
                 groups: Iterable[str] = (),
                 **dims: int) -> List[Row]:
    """The mapping table for given sizes (for documentation and tests).

    Args:
        kind (str): One of :data:`KINDS`.
        embed_dims (int): C.
        depth (int): Encoder blocks.
        decoder_depth (int): Decoder blocks (pretrain).
        groups (iterable[str]): Optional parts: ``decoder``, ``img_proj``,
            ``text_proj``, ``cls_proj``, ``cls_full``, ``cls_linear``,
            ``seg_head``.
        **dims: ``K``, ``img_dim``, ``text_dim``, ``smc_hidden``,
            ``cls_hidden``, ``num_classes``, ``num_parts``.

    Returns:
        list[Row]: ``(official, recon3d, shape)`` rows.
    """
    _check_kind(kind)
    st = _Structure(depth, decoder_depth, tuple(groups))
    return _rows(kind, st, dict(dims, C=embed_dims))


# ------------------------------------------------------------ structure
def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f'kind must be one of {KINDS}, got {kind!r}')


def strip_module_prefix(state_dict: Mapping[str, torch.Tensor]
                        ) -> Dict[str, torch.Tensor]:
    """Drop one leading ``module.`` (DataParallel / DDP) from every key."""
    return {
        k[len('module.'):] if k.startswith('module.') else k: v
        for k, v in state_dict.items()
    }


def _num_blocks(keys: Iterable[str], prefix: str) -> int:
    pattern = re.compile(re.escape(prefix) + r'(\d+)\.')
    found = [int(m.group(1)) for m in map(pattern.match, keys) if m]
    return max(found) + 1 if found else 0


def _has(keys: Iterable[str], prefixes: Tuple[str, ...]) -> bool:
    return any(k.startswith(prefixes) for k in keys)


def _cls_head_group(keys: List[str], prefix: str) -> str:
    """``cls_full`` unless the head has index 0 only (``linear``)."""
    indices = {k[len(prefix):].split('.')[0] for k in keys
               if k.startswith(prefix)}
    return 'cls_linear' if indices == {'0'} else 'cls_full'


def _structure(keys: List[str], kind: str, side: str) -> _Structure:
    """Block counts and parts present, from the key names of one side."""
    official = side == 'official'
    prefixes = _OFFICIAL_PREFIXES if official else _RECON3D_PREFIXES
    P = ENCODER_PREFIX if kind == 'pretrain' else ''
    depth = _num_blocks(
        keys, f'{P}blocks.blocks.' if official else 'backbone.blocks.')
    # At least one block, so that an empty state dict reports block 0.
    depth = max(depth, 1)
    if kind == 'pretrain':
        groups = ['decoder'] + [
            g for g in ('img_proj', 'text_proj', 'cls_proj')
            if _has(keys, prefixes[g])
        ]
        dec_depth = _num_blocks(
            keys, 'MAE_decoder.blocks.' if official else 'decoder.blocks.')
        return _Structure(depth, max(dec_depth, 1), tuple(groups))
    groups = []
    for head in _KIND_HEADS[kind]:
        if head == 'cls_head':
            prefix = 'cls_head_finetune.' if official else 'cls_head.layers.'
            groups.append(_cls_head_group(keys, prefix))
        elif kind != 'zeroshot' or _has(keys, prefixes[head]):
            groups.append(head)
    if kind == 'zeroshot' and not groups:
        groups = ['img_proj', 'text_proj']  # reported as missing
    return _Structure(depth, 0, tuple(groups))


def _infer_dims(shape_of: Callable[[str], Optional[torch.Size]],
                kind: str) -> Dict[str, Optional[int]]:
    """Sizes read off the tensors, by official name (None: not found)."""
    P = ENCODER_PREFIX if kind == 'pretrain' else ''

    def dim(names: Tuple[str, ...], axis: int) -> Optional[int]:
        for name in names:
            shape = shape_of(name)
            if shape is not None and len(shape) > 0:
                return int(shape[axis])
        return None

    dims = dict(
        C=dim((f'{P}cls_token', f'{P}norm.weight'), -1),
        img_dim=dim(('img_proj.weight', 'img_proj.bias'), 0),
        text_dim=dim(('text_proj.weight', 'text_proj.bias'), 0),
        smc_hidden=dim(('cls_proj.0.weight', 'cls_proj.0.bias'), 0),
        cls_hidden=dim(('cls_head_finetune.0.weight', ), 0),
        num_classes=dim(('cls_head_finetune.8.weight',
                         'cls_head_finetune.8.bias'), 0),
        num_parts=dim(('convs3.weight', 'convs3.bias'), 0))
    if shape_of('cls_head_finetune.8.weight') is None and shape_of(
            'cls_head_finetune.1.weight') is None:
        # linear head: index 0 is the classifier
        dims['num_classes'] = dim(('cls_head_finetune.0.weight',
                                   'cls_head_finetune.0.bias'), 0)
    k3 = dim(('increase_dim.0.bias', 'increase_dim.0.weight'), 0)
    dims['K'] = k3 // 3 if k3 is not None and k3 % 3 == 0 else None
    return dims


# ----------------------------------------------------------------- checks
def _shape_ok(shape: torch.Size, expected: Tuple[Optional[int], ...]) -> bool:
    if len(shape) != len(expected):
        return False
    return all(e is None or int(s) == e for s, e in zip(shape, expected))


def _fmt(shape) -> str:
    return '(' + ', '.join('?' if s is None else str(int(s))
                           for s in shape) + (',)' if len(shape) == 1 else ')')


def _raise(problems: List[str], what: str) -> None:
    if not problems:
        return
    listed = problems[:_MAX_LISTED]
    more = len(problems) - len(listed)
    lines = '\n'.join(f'  - {p}' for p in listed)
    if more:
        lines += f'\n  - ... and {more} more'
    raise OfficialKeyError(f'{what}: {len(problems)} problem(s)\n{lines}')


def _match(state_dict: Mapping[str, torch.Tensor], rows: List[Row],
           side: str, what: str) -> None:
    """Every row present with its shape, and every key a row."""
    names = {getattr(r, side): r for r in rows}
    problems = []
    for k in state_dict:
        if k not in names:
            problems.append(f'unknown key {k!r}')
    for name, row in names.items():
        if name not in state_dict:
            problems.append(f'missing key {name!r}')
            continue
        shape = tuple(state_dict[name].shape)
        if row.shape is not None and not _shape_ok(shape, row.shape):
            problems.append(f'key {name!r} has shape {_fmt(shape)}, '
                            f'expected {_fmt(row.shape)}')
    _raise(problems, what)


def _require_embed_dims(dims: Mapping[str, Optional[int]], name: str,
                        what: str) -> None:
    if dims['C'] is None:
        _raise([f'missing key {name!r} (sets the token width C)'], what)


def _check_increase_dim(state_dict: Mapping[str, torch.Tensor], name: str,
                        what: str) -> None:
    t = state_dict.get(name)
    if t is not None and t.dim() >= 1 and t.shape[0] % 3:
        _raise([f'key {name!r} has {t.shape[0]} output channels, expected '
                '3·group_size'], what)


# -------------------------------------------------------------- detection
def detect_kind(state_dict: Mapping[str, torch.Tensor]) -> str:
    """Guess the kind of an official state dict (``module.`` stripped).

    ``MAE_encoder.*`` -> pretrain; ``cls_head_finetune.*`` -> cls; seg keys
    -> partseg; ``img_proj``/``text_proj`` -> zeroshot; trunk only -> svm.

    Raises:
        OfficialKeyError: if it is not an official ReCon state dict.
    """
    keys = list(state_dict)
    if _has(keys, (ENCODER_PREFIX, )):
        return 'pretrain'
    if _has(keys, _OFFICIAL_PREFIXES['cls_head']):
        return 'cls'
    if _has(keys, _OFFICIAL_PREFIXES['seg_head']):
        return 'partseg'
    trunk = _has(keys, ('blocks.blocks.', 'encoder.first_conv.')) or \
        'cls_token' in state_dict
    if trunk and _has(keys, ('img_proj.', 'text_proj.')):
        return 'zeroshot'
    if trunk:
        return 'svm'
    if _has(keys, ('backbone.', 'neck.')):
        raise OfficialKeyError(
            'this state dict is already in the recon3d layout (backbone.*, '
            'neck.*); load it directly')
    raise OfficialKeyError(
        'not an official ReCon state dict: no MAE_encoder.*, '
        f'blocks.blocks.* or cls_token key; first keys: {keys[:5]}')


def detect_recon3d_kind(state_dict: Mapping[str, torch.Tensor]) -> str:
    """Guess which official layout a recon3d state dict converts to.

    ``decoder.*`` -> pretrain; ``cls_head.*`` -> cls; ``seg_head.*`` ->
    partseg; ``img_head``/``text_head`` -> zeroshot; trunk only -> svm.
    """
    keys = list(state_dict)
    if not _has(keys, ('backbone.', 'neck.')):
        raise OfficialKeyError(
            'not a recon3d state dict: no backbone.* or neck.* key; first '
            f'keys: {keys[:5]}')
    for kind, prefixes in (('pretrain', ('decoder.', 'rec_head.')),
                           ('cls', ('cls_head.', )),
                           ('partseg', ('seg_head.', )),
                           ('zeroshot', ('img_head.', 'text_head.'))):
        if _has(keys, prefixes):
            return kind
    return 'svm'


def _dropped_prefixes(kind: str) -> Tuple[str, ...]:
    """Official prefixes reported as dropped for a source of this kind."""
    if kind == 'pretrain':
        return TEACHER_PREFIXES
    unused = [
        p for head in _DOWNSTREAM_HEADS if head not in _KIND_HEADS[kind]
        for p in _OFFICIAL_PREFIXES[head]
    ]
    return TEACHER_PREFIXES + tuple(unused)


def _hint(state_dict: Mapping[str, torch.Tensor], kind: str) -> str:
    try:
        detected = detect_kind(state_dict)
    except OfficialKeyError:
        return ''
    if detected == kind:
        if kind == 'pretrain' and not _has(
                state_dict, (f'{ENCODER_PREFIX}blocks.blocks.0.'
                             'norm1_contrast.', )):
            return (' (no *_contrast keys: a Point-MAE checkpoint? recon3d '
                    'loads ReCon checkpoints only)')
        return ''
    return f' (its keys look like --kind {detected})'


# ------------------------------------------------------------- converters
def official_to_recon3d(state_dict: Mapping[str, torch.Tensor],
                        kind: Optional[str] = None
                        ) -> Tuple[Dict[str, torch.Tensor], List[str]]:
    """Rename an official ReCon state dict to recon3d's names.

    Args:
        state_dict (dict): Official tensors (a leading ``module.`` is
            stripped).
        kind (str, optional): The source layout, one of :data:`KINDS`;
            detected with :func:`detect_kind` when None. A narrower kind
            than the file's (e.g. ``svm`` for a fine-tuned classifier)
            drops the other downstream heads, and reports them; ``zeroshot``
            or ``svm`` on a pretraining file keeps what the official
            zero-shot and SVM models load from it (see
            :func:`_narrow_pretrain`).

    Returns:
        tuple: ``(new_state_dict, dropped)``: the recon3d tensors (the same
        tensor objects, in table order) and the sorted official keys that
        were dropped (teachers, unused heads).

    Raises:
        OfficialKeyError: naming every unknown, missing or mis-shaped key.
    """
    sd = strip_module_prefix(state_dict)
    kind = detect_kind(sd) if kind is None else kind
    _check_kind(kind)
    if kind in ('zeroshot', 'svm') and _has(sd, (ENCODER_PREFIX, )):
        return _narrow_pretrain(sd, kind)
    what = f'official ReCon {kind} checkpoint{_hint(sd, kind)}'
    dropped_prefixes = _dropped_prefixes(kind)
    dropped = sorted(k for k in sd if k.startswith(dropped_prefixes))
    kept = {k: v for k, v in sd.items() if not k.startswith(dropped_prefixes)}
    keys = list(kept)
    st = _structure(keys, kind, 'official')
    dims = _infer_dims(lambda n: kept[n].shape if n in kept else None, kind)
    P = ENCODER_PREFIX if kind == 'pretrain' else ''
    _require_embed_dims(dims, f'{P}cls_token', what)
    _check_increase_dim(kept, 'increase_dim.0.bias', what)
    rows = _rows(kind, st, dims)
    _match(kept, rows, 'official', what)
    return {r.recon3d: kept[r.official] for r in rows}, dropped


def _narrow_pretrain(sd: Dict[str, torch.Tensor],
                     kind: str) -> Tuple[Dict[str, torch.Tensor], List[str]]:
    """A pretraining file read as ``zeroshot`` or ``svm``.

    The official zero-shot and SVM models load a pretraining checkpoint
    (the released zero-shot checkpoint is one): its ``MAE_encoder.`` trunk,
    and for zero-shot ``img_proj`` / ``text_proj``. The whole file is
    checked as ``pretrain`` first; the decoder, ``cls_proj`` and teachers
    (and the projections for ``svm``) are reported as dropped.

    Raises:
        OfficialKeyError: For a file that is not a valid pretraining file,
            or, for ``zeroshot``, one with neither projection.
    """
    official_to_recon3d(sd, 'pretrain')  # validates every key and shape
    heads = tuple(p for head in _KIND_HEADS[kind]
                  for p in _OFFICIAL_PREFIXES[head])
    if kind == 'zeroshot' and not _has(sd, heads):
        _raise([
            'no img_proj.* or text_proj.* key: the zero-shot classifier '
            'needs the projections of a ReCon pretrained with teachers; '
            'convert this file with --kind pretrain (or --kind svm for its '
            'encoder)'
        ], 'official ReCon pretraining checkpoint read as --kind zeroshot')
    kept = [k for k in sd if k.startswith((ENCODER_PREFIX, ) + heads)]
    new_sd, _ = official_to_recon3d(
        {k.removeprefix(ENCODER_PREFIX): sd[k]
         for k in kept}, kind)
    return new_sd, sorted(set(sd) - set(kept))


def recon3d_to_official(state_dict: Mapping[str, torch.Tensor],
                        kind: Optional[str] = None
                        ) -> Dict[str, torch.Tensor]:
    """Rename a recon3d state dict to the official layout of ``kind``.

    The inverse of :func:`official_to_recon3d`: official -> recon3d ->
    official gives the same keys and the same tensors.

    Args:
        state_dict (dict): recon3d tensors (a leading ``module.`` is
            stripped).
        kind (str, optional): Target layout; detected with
            :func:`detect_recon3d_kind` when None. Parts that the kind does
            not hold (e.g. ``decoder.*`` for ``svm``) are left out.

    Returns:
        dict: official tensors (``MAE_encoder.`` trunk for ``pretrain``).

    Raises:
        OfficialKeyError: naming every unknown, missing or mis-shaped key.
    """
    sd = strip_module_prefix(state_dict)
    kind = detect_recon3d_kind(sd) if kind is None else kind
    _check_kind(kind)
    what = f'recon3d state dict for the official {kind} layout'
    if kind == 'pretrain':
        skip = ()
    else:
        skip = tuple(p for g, prefixes in _RECON3D_PREFIXES.items()
                     if g not in _KIND_HEADS[kind] for p in prefixes)
    kept = {k: v for k, v in sd.items() if not k.startswith(skip)}
    keys = list(kept)
    st = _structure(keys, kind, 'recon3d')
    names = {r.official: r.recon3d for r in _rows(kind, st, dict(C=0))}
    dims = _infer_dims(
        lambda n: kept[names[n]].shape
        if n in names and names[n] in kept else None, kind)
    _require_embed_dims(dims, 'neck.cls_token', what)
    _check_increase_dim(kept, 'rec_head.increase_dim.bias', what)
    rows = _rows(kind, st, dims)
    _match(kept, rows, 'recon3d', what)
    return {r.official: kept[r.recon3d] for r in rows}
