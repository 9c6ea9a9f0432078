"""One size spec (``arch``) for the ReCon encoder, shared by every part.

An algorithm takes ``arch``, a name of :data:`ARCH_SETTINGS` or a dict with
``embed_dims``, ``depth``, ``num_heads`` and optionally ``mlp_ratio``
(default 4) and ``drop_path_rate``. Each part (backbone, neck, decoder,
heads) takes the keys it shares with the encoder from it; a part may still
set such a key, but then it must agree with the arch and with every other
part that sets it, otherwise the build stops with an error naming both
values and both places. A key the arch leaves open (``drop_path_rate`` of a
named arch) is set in one part, usually the backbone, and the others
follow it. The decoder's ``depth`` and ``num_heads`` are its own settings
(the official ``decoder_depth`` and ``decoder_num_heads``); ``num_heads``
defaults to the arch's.
"""
from typing import Any, Dict, Mapping, Optional, Tuple, Union

#: The official sizes: token width C, blocks, attention heads, MLP ratio.
ARCH_SETTINGS: Dict[str, Dict[str, Any]] = {
    'tiny': dict(embed_dims=192, depth=12, num_heads=3, mlp_ratio=4.),
    'small': dict(embed_dims=256, depth=12, num_heads=4, mlp_ratio=4.),
    'base': dict(embed_dims=384, depth=12, num_heads=6, mlp_ratio=4.),
}
_REQUIRED = ('embed_dims', 'depth', 'num_heads')
_OPTIONAL = ('mlp_ratio', 'drop_path_rate')

#: Config key of a part -> arch key it follows, per kind of part.
ENCODER_KEYS = {k: k for k in _REQUIRED + _OPTIONAL}
DECODER_KEYS = {k: k for k in ('embed_dims', 'mlp_ratio', 'drop_path_rate')}
HEAD_KEYS = {'in_channels': 'embed_dims'}
#: Keys a decoder may set for itself, else taken from the arch.
DECODER_DEFAULTS = {'num_heads': 'num_heads'}

#: The keys a part follows, by its name in an algorithm (a part named
#: ``*_head`` follows :data:`HEAD_KEYS`).
PART_KEYS = dict(
    backbone=ENCODER_KEYS, neck=ENCODER_KEYS, decoder=DECODER_KEYS)

#: A known value and where it was set, e.g.
#: ``(384, "arch.embed_dims=384 (arch='base')")``.
Source = Tuple[Any, str]


def resolve_arch(arch: Union[str, Mapping]) -> Dict[str, Any]:
    """The full spec of ``arch``.

    Args:
        arch (str | dict): ``'tiny'``, ``'small'``, ``'base'`` or a dict with
            ``embed_dims``, ``depth``, ``num_heads`` and optionally
            ``mlp_ratio`` and ``drop_path_rate``.

    Returns:
        dict: ``embed_dims``, ``depth``, ``num_heads``, ``mlp_ratio`` and,
        when given, ``drop_path_rate``.
    """
    if isinstance(arch, str):
        if arch not in ARCH_SETTINGS:
            raise ValueError(f'unknown arch {arch!r}: use one of '
                             f'{sorted(ARCH_SETTINGS)} or a dict with '
                             f'{", ".join(_REQUIRED)}')
        return dict(ARCH_SETTINGS[arch])
    if not isinstance(arch, Mapping):
        raise TypeError(f'arch must be a name or a dict, got {arch!r}')
    unknown = sorted(set(arch) - set(ENCODER_KEYS))
    missing = [k for k in _REQUIRED if k not in arch]
    if unknown or missing:
        raise ValueError(f'arch {dict(arch)} has unknown keys {unknown} / '
                         f'lacks {missing}; keys: {list(ENCODER_KEYS)}')
    return dict(dict(mlp_ratio=4.), **arch)


def arch_sources(arch: Union[str, Mapping]) -> Dict[str, Source]:
    """Each key of :func:`resolve_arch` with where it was set."""
    named = f' (arch={arch!r})' if isinstance(arch, str) else ''
    return {k: (v, f'arch.{k}={v!r}{named}')
            for k, v in resolve_arch(arch).items()}


def link_parts(owner: str,
               sources: Dict[str, Source],
               parts: Dict[str, Optional[dict]],
               links: Dict[str, Dict[str, str]],
               defaults: Optional[Dict[str, Dict[str, str]]] = None
               ) -> Dict[str, Optional[dict]]:
    """Fill the shared keys of part configs, or check the ones they set.

    Args:
        owner (str): Class name for the error message.
        sources (dict): Known values, ``{arch key: (value, where)}``, e.g.
            from :func:`arch_sources`; extended in place by the values the
            parts set (the first part that sets a key the sources lack
            becomes its source).
        parts (dict): ``{part name: config dict or None}``, in order.
        links (dict): ``{part name: {config key: arch key}}``.
        defaults (dict, optional): As ``links``, for keys a part may set to
            its own value; only filled when the part leaves them out.

    Returns:
        dict: ``{part name: a new config dict (shared keys filled) or
        None}``.

    Raises:
        ValueError: A part sets a value that disagrees with a source,
            naming both values and where each was set.
    """
    for name, cfg in parts.items():
        for key, arch_key in links.get(name, {}).items():
            if cfg is None or key not in cfg:
                continue
            value, where = cfg[key], f'{name}.{key}={cfg[key]!r}'
            if arch_key not in sources:
                sources[arch_key] = (value, where)
            elif value != sources[arch_key][0]:
                raise ValueError(
                    f'{owner}: {where} disagrees with {sources[arch_key][1]}'
                    '; set it in one place (model.arch or one part)')
    defaults = defaults or {}
    resolved = {}
    for name, cfg in parts.items():
        if cfg is not None:
            cfg = dict(cfg)
            fill = dict(defaults.get(name, {}), **links.get(name, {}))
            for key, arch_key in fill.items():
                if arch_key in sources:
                    cfg.setdefault(key, sources[arch_key][0])
        resolved[name] = cfg
    return resolved


def arch_parts(owner: str, arch: Union[str, Mapping],
               **parts: Optional[dict]
               ) -> Tuple[Dict[str, Any], Dict[str, Optional[dict]]]:
    """The spec of ``arch`` and the part configs of an algorithm, linked.

    Parts are linked by name (:data:`PART_KEYS`; ``*_head`` parts take
    their ``in_channels``; the decoder's ``num_heads`` defaults to the
    arch's), see :func:`link_parts`.

    Args:
        owner (str): The algorithm's class name, for error messages.
        arch (str | dict): See :func:`resolve_arch`.
        **parts (dict | None): The algorithm's part configs by name.

    Returns:
        tuple[dict, dict]: :func:`resolve_arch` of ``arch``, and the part
        configs with their shared keys filled (None stays None).
    """
    links = {
        name: PART_KEYS.get(name,
                            HEAD_KEYS if name.endswith('_head') else {})
        for name in parts
    }
    return resolve_arch(arch), link_parts(
        owner, arch_sources(arch), parts, links,
        dict(decoder=DECODER_DEFAULTS))
