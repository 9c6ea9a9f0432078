"""Where teacher weights come from: local files, caches, downloads.

Everything that touches the network lives here, so that the teachers only
read local files. A weights *tag* (e.g. open_clip's ``'openai'``) names a
file in a cache (the Hugging Face cache, or torch hub's ``checkpoints``
folder for URL files). :func:`find_hf_file` and :func:`find_url_file` return
that file when it is cached; they download it only when asked
(``download=True``), and then fail within seconds when the network cannot be
reached (``HF_HUB_OFFLINE`` set, no route to the host or its proxy) instead
of hanging. The teachers never download unless their config says
``download=True``.

Nothing here imports the network libraries at module import.
"""
import hashlib
import os
import os.path as osp
import socket
import threading
import urllib.parse
import urllib.request
from typing import Optional, Sequence

__all__ = [
    'HUB_PROBE_TIMEOUT', 'hub_offline', 'reachable', 'find_hf_file',
    'find_url_file', 'url_cache_path', 'sha256_file', 'local_file',
    'looks_like_path', 'WeightsUnavailable'
]

#: Seconds to wait for a host before giving up.
HUB_PROBE_TIMEOUT = 3.0


class WeightsUnavailable(RuntimeError):
    """A weights tag whose file is neither cached nor downloadable."""


def hub_offline() -> bool:
    """Whether ``HF_HUB_OFFLINE`` is set, now or when huggingface_hub was
    imported."""
    value = os.environ.get('HF_HUB_OFFLINE', '').strip().upper()
    if value in ('1', 'ON', 'YES', 'TRUE'):
        return True
    from huggingface_hub import constants
    return bool(constants.HF_HUB_OFFLINE)


def reachable(url: str, timeout: float = HUB_PROBE_TIMEOUT) -> bool:
    """Whether a TCP connection to ``url``'s host (or its proxy) opens.

    The name lookup, which has no timeout of its own, runs in a daemon
    thread bounded by ``timeout`` too.

    Args:
        url (str): e.g. ``'https://huggingface.co'``.
        timeout (float): Seconds.

    Returns:
        bool: True if the connection opened within ``timeout``.
    """
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ''
    port = parts.port or (443 if parts.scheme == 'https' else 80)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(host):
        proxy_parts = urllib.parse.urlsplit(proxy)
        host, port = proxy_parts.hostname or '', proxy_parts.port or 80
    opened = []

    def probe() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            opened.append(True)
        except OSError:
            pass

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(opened)


_DOWNLOAD_ONCE = ('let the teacher download it once with download=True '
                  '(e.g. --cfg-options model.<teacher>.download=True)')


def _check_network(asked: str, by_hand: str, endpoint: str) -> None:
    """Raise :class:`WeightsUnavailable` when a download cannot start."""
    if hub_offline():
        raise WeightsUnavailable(
            f'{asked}: the weights are not cached and HF_HUB_OFFLINE is set. '
            f'Either unset HF_HUB_OFFLINE on a machine that can reach '
            f'{endpoint}, or {by_hand}.')
    if not reachable(endpoint):
        raise WeightsUnavailable(
            f'{asked}: the weights are not cached and {endpoint} cannot be '
            f'reached. {by_hand[0].upper()}{by_hand[1:]}.')


def find_hf_file(repo_id: str,
                 names: Sequence[str],
                 asked: str,
                 note: str = '',
                 download: bool = False,
                 probe_only: bool = False) -> Optional[str]:
    """The local path of a file of a Hugging Face repository.

    Args:
        repo_id (str): e.g. ``'timm/vit_base_patch32_clip_224.openai'``.
        names (Sequence[str]): File names to try, in order.
        asked (str): What was asked, for messages (e.g.
            ``"open_clip ViT-B-32 pretrained='openai'"``).
        note (str): Added to the how-to of messages.
        download (bool): Download when no name is cached. Defaults to
            False: then an uncached file is an error.
        probe_only (bool): With ``download``, only check that a download
            could start (for preflight checks); returns None then.

    Returns:
        str | None: The cached or downloaded file.

    Raises:
        WeightsUnavailable: Not cached and not downloadable (not asked,
            offline, host unreachable, or the download failed).
    """
    from huggingface_hub import constants, try_to_load_from_cache
    for name in names:
        cached = try_to_load_from_cache(repo_id, name)
        if isinstance(cached, str):
            return cached
    by_hand = (f'download {names[-1]} from https://huggingface.co/{repo_id} '
               "on a machine with internet access and set pretrained="
               f"'path/to/file'{note}")
    if not download:
        raise WeightsUnavailable(
            f'{asked}: the weights are not in the Hugging Face cache and '
            f'downloads are off. Either {_DOWNLOAD_ONCE}, or {by_hand}.')
    _check_network(asked, by_hand, constants.ENDPOINT)
    if probe_only:
        return None
    from huggingface_hub import hf_hub_download
    errors = []
    for name in names:
        try:
            return hf_hub_download(repo_id, name)
        except Exception as error:  # try the next file name
            errors.append(f'{name}: {error}')
    raise WeightsUnavailable(f'{asked}: download failed '
                             f'({"; ".join(errors)}). Instead, {by_hand}.')


def url_cache_path(url: str) -> str:
    """Where :func:`find_url_file` keeps the file of ``url``: torch hub's
    ``checkpoints`` folder (``$TORCH_HOME/hub/checkpoints``), as timm and
    torchvision do."""
    import torch
    name = osp.basename(urllib.parse.urlsplit(url).path)
    return osp.join(torch.hub.get_dir(), 'checkpoints', name)


def find_url_file(url: str,
                  asked: str,
                  note: str = '',
                  download: bool = False,
                  probe_only: bool = False,
                  hash_prefix: Optional[str] = None) -> Optional[str]:
    """The local copy of a weights file published at ``url``.

    Args:
        url (str): The file's URL.
        asked (str): What was asked, for messages.
        note (str): Added to the how-to of messages.
        download (bool): Download it when it is not cached. Defaults to
            False.
        probe_only (bool): With ``download``, only check that a download
            could start; returns None then.
        hash_prefix (str, optional): Start of the file's SHA-256, checked
            after a download.

    Returns:
        str | None: :func:`url_cache_path` of ``url``.

    Raises:
        WeightsUnavailable: Not cached and not downloadable.
    """
    path = url_cache_path(url)
    if osp.isfile(path):
        return path
    by_hand = (f'download {url} to {path} (or anywhere, and set '
               f"pretrained='path/to/file'){note}")
    if not download:
        raise WeightsUnavailable(
            f'{asked}: {path} does not exist and downloads are off. Either '
            f'{_DOWNLOAD_ONCE}, or {by_hand}.')
    parts = urllib.parse.urlsplit(url)
    _check_network(asked, by_hand, f'{parts.scheme}://{parts.netloc}')
    if probe_only:
        return None
    import torch
    os.makedirs(osp.dirname(path), exist_ok=True)
    try:
        torch.hub.download_url_to_file(url, path, hash_prefix=hash_prefix)
    except Exception as error:
        raise WeightsUnavailable(
            f'{asked}: download of {url} failed ({error}). Instead, '
            f'{by_hand}.') from error
    return path


def sha256_file(path: str, chunk: int = 1 << 22) -> str:
    """The SHA-256 hex digest of a file.

    Args:
        path (str): The file.
        chunk (int): Bytes read at a time. Defaults to 4 MiB.

    Returns:
        str: 64 hex digits.
    """
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()


def local_file(path: str) -> Optional[str]:
    """``path`` with ``~`` expanded when it names an existing file."""
    expanded = osp.expanduser(path)
    return expanded if osp.isfile(expanded) else None


def looks_like_path(value: str,
                    suffixes: Sequence[str] = ('.pth', '.pt', '.bin',
                                               '.safetensors', '.ckpt')
                    ) -> bool:
    """Whether a ``pretrained`` value is meant as a file rather than a tag
    (it has a folder separator or a weights-file suffix)."""
    return '/' in value or os.sep in value or value.endswith(tuple(suffixes))
