"""A teacher that looks its features up in a cache built once."""
import logging
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.logging import print_log
from mmengine.model import BaseModule

from recon3d.registry import TEACHERS
from .cache_format import (StaleCacheError, build_command, cache_spec,
                           check_keys, describe_differences, open_features,
                           read_index, spec_of_index)
from .open_clip_teachers import draw_prompt_indices

__all__ = ['CachedTeacher']


@TEACHERS.register_module()
class CachedTeacher(BaseModule):
    """The features of a frozen teacher, read from a cache instead of
    computed.

    ``teacher`` is the config of the teacher it replaces, which it never
    builds nor calls. The cache (see
    :mod:`~recon3d.models.teachers.cache_format`) is built once by
    ``tools/analysis_tools/build_teacher_cache.py CONFIG``; at construction
    it must match ``teacher`` (resolved arguments, weights checksum), the
    views and the pipeline, else it is refused with the differences and the
    command that rebuilds it.

    - **Text teachers** (exact): the cache holds the features of every
      prompt variant of every category text. ``forward(texts)`` draws the
      prompt indices with the live teacher's own function
      (:func:`draw_prompt_indices`, the same random numbers) and returns
      the same features as the live teacher would (float32).
    - **Image teachers** (an approximation, stated): the cache holds V
      views per image: the image through ``pipeline`` (the training image
      augmentation, seeded per image and view; V = 1 with an
      un-augmented pipeline gives the plain view). ``forward(keys)`` takes
      the images' keys (the ``key`` field of each data item, packed as
      ``inputs['img']`` by ``PackReconInputs(img_key=...)``, so no image is
      loaded) and returns, per sample, one of its V views drawn uniformly
      with torch's global generator, a fresh draw at each use. Stored as
      float16 and memory-mapped.

    A key missing from the cache is an error naming it.

    Args:
        teacher (dict): Config of the teacher whose features are cached.
        cache (str): The cache folder.
        num_views (int): V, views per image (image teachers). Defaults
            to 1.
        pipeline (list[dict], optional): Transforms that load and augment
            one view of an image (image teachers).
        seed (int): Seed of the views' augmentation and of random teacher
            weights (``pretrained=None``). Defaults to 0.
        key (str): Data-info field that names an image. Defaults to
            ``'file_name'``.
        verify_weights (bool): Check the SHA-256 of the teacher's weights
            file (when it is present) against the cache's. Defaults to True.
    """

    def __init__(self,
                 teacher: dict,
                 cache: str,
                 num_views: int = 1,
                 pipeline: Optional[List[dict]] = None,
                 seed: int = 0,
                 key: str = 'file_name',
                 verify_weights: bool = True) -> None:
        super().__init__(init_cfg=None)
        self.teacher_cfg = dict(teacher)
        self.cache = cache
        wanted = cache_spec(
            dict(
                teacher=teacher,
                num_views=num_views,
                pipeline=pipeline,
                seed=seed,
                key=key),
            verify_weights=verify_weights)
        index = read_index(cache)
        differences = describe_differences(spec_of_index(index), wanted)
        if differences:
            raise StaleCacheError(
                f'teacher cache {cache} does not match the config:\n  - ' +
                '\n  - '.join(differences) + '\nRebuild it: ' +
                build_command(index))
        if 'sha256' not in wanted['weights'] and \
                wanted['weights']['pretrained'] is not None:
            print_log(
                f'CachedTeacher: the weights {teacher.get("pretrained")!r} '
                'are not here; the cache is trusted by their name.',
                logger='current',
                level=logging.WARNING)
        self.modality = index['modality']
        self.keys = list(index['keys'])
        self._row = {k: i for i, k in enumerate(self.keys)}
        features = open_features(cache, index)
        self.out_channels = int(features.shape[-1])
        self.num_variants = int(features.shape[1])
        self._command = build_command(index)
        if self.modality == 'text':
            args = index['teacher']
            self.num_templates = len(args['templates'])
            self.num_suffixes = len(args['suffixes'])
            self.random_prompt = bool(teacher.get('random_prompt', True))
            self.register_buffer(
                'table', torch.from_numpy(np.array(features)),
                persistent=False)
            self.features = None
        else:
            self.features = features
            self.register_buffer('table', torch.empty(0), persistent=False)
        print_log(
            f'CachedTeacher({index["teacher"]["type"]}): {len(self.keys)} '
            f'{self.modality} keys x {self.num_variants} from {cache}',
            logger='current',
            level=logging.INFO)

    def rows(self, keys: Sequence[str]) -> torch.Tensor:
        """Row of each key.

        Args:
            keys (Sequence[str]): B keys (category texts or image keys).

        Returns:
            LongTensor: [B] on the CPU.

        Raises:
            KeyError: Keys the cache does not hold (listed).
        """
        if torch.is_tensor(keys) or isinstance(keys, str):
            raise TypeError(
                f'CachedTeacher({self.modality}) looks features up by '
                f'sample key and got {type(keys).__name__}; the train '
                "pipeline must pack the keys (PackReconInputs(img_key="
                "'file_name') without image loading, see "
                'configs/recon/pretrain_cached.py)')
        try:
            return torch.tensor([self._row[k] for k in keys],
                                dtype=torch.long)
        except KeyError:
            missing = sorted({k for k in keys if k not in self._row})
            raise KeyError(
                f'teacher cache {self.cache} has no entry for {missing[:5]}'
                f' ({len(missing)} keys); rebuild it for this dataset: '
                f'{self._command}') from None

    def forward(self, keys: Sequence[str]) -> torch.Tensor:
        """Cached features of a batch.

        Args:
            keys (Sequence[str]): B category texts (text teacher) or B image
                keys (image teacher).

        Returns:
            Tensor: [B, D] float32, on the module's device.
        """
        rows = self.rows(keys)
        num = len(rows)
        if self.modality == 'text':
            if self.random_prompt:
                variants = draw_prompt_indices(self.num_templates,
                                               self.num_suffixes, num)
                variants = torch.tensor(variants, dtype=torch.long)
            else:
                variants = torch.zeros(num, dtype=torch.long)
            device = self.table.device
            return self.table[rows.to(device), variants.to(device)]
        if self.num_variants > 1:
            variants = torch.randint(self.num_variants, (num, ))
        else:
            variants = torch.zeros(num, dtype=torch.long)
        feats = np.asarray(self.features[rows.numpy(), variants.numpy()])
        return torch.from_numpy(feats.astype(np.float32)).to(
            self.table.device, non_blocking=True)

    def check_keys(self, keys: Sequence[str]) -> List[str]:
        """Differences between the cache's key list and ``keys`` (a
        dataset's, see :func:`dataset_keys`)."""
        return check_keys(dict(keys=self.keys, built=dict(
            command=self._command)), keys, self.cache)

    @classmethod
    def check_config(cls, cfg: dict) -> List[str]:
        """A missing, unfinished or mismatched cache (preflight)."""
        args = {k: v for k, v in cfg.items() if k != 'type'}
        try:
            cls(**args)
        except (OSError, RuntimeError, ValueError, KeyError) as error:
            return [str(error)]
        return []

    def train(self, mode: bool = True) -> 'CachedTeacher':
        """Always in eval mode, like the teacher it replaces."""
        return super().train(False)
