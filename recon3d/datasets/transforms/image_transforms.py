"""Transforms of ``results['img']``, uint8 [H, W, 3] RGB.

Normalisation is left to the teachers, each of which normalises its own
input.
"""
import math
from typing import Callable, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from PIL import Image, ImageEnhance, ImageOps

from recon3d.registry import TRANSFORMS
from .rng import transform_rng

# A RandAugment op: (image, level v in 1..m-1, sign ±1) -> image. The
# magnitude is v / 10 of the op's maximum (FixMatch's RandAugmentMC).
RandOp = Callable[[Image.Image, int, int], Image.Image]


def _enhance(kind: type) -> RandOp:
    """An ImageEnhance op with factor 0.9·v/10 + 0.05."""

    def op(img: Image.Image, v: int, sign: int) -> Image.Image:
        return kind(img).enhance(v * 0.9 / 10 + 0.05)

    return op


def _affine(img: Image.Image, matrix: Sequence[float]) -> Image.Image:
    return img.transform(img.size, Image.Transform.AFFINE, tuple(matrix))


def _posterize(img: Image.Image, v: int, sign: int) -> Image.Image:
    return ImageOps.posterize(img, int(v * 4 / 10) + 4)


def _rotate(img: Image.Image, v: int, sign: int) -> Image.Image:
    return img.rotate(sign * int(v * 30 / 10))


def _solarize(img: Image.Image, v: int, sign: int) -> Image.Image:
    return ImageOps.solarize(img, 256 - int(v * 256 / 10))


def _shear_x(img: Image.Image, v: int, sign: int) -> Image.Image:
    return _affine(img, (1, sign * v * 0.3 / 10, 0, 0, 1, 0))


def _shear_y(img: Image.Image, v: int, sign: int) -> Image.Image:
    return _affine(img, (1, 0, 0, sign * v * 0.3 / 10, 1, 0))


def _translate_x(img: Image.Image, v: int, sign: int) -> Image.Image:
    return _affine(img, (1, 0, int(sign * v * 0.3 / 10 * img.width), 0, 1, 0))


def _translate_y(img: Image.Image, v: int, sign: int) -> Image.Image:
    return _affine(img, (1, 0, 0, 0, 1, int(sign * v * 0.3 / 10 * img.height)))


#: The 14 ops of FixMatch's RandAugmentMC pool, with their magnitudes.
RAND_AUGMENT_OPS: Tuple[Tuple[str, RandOp], ...] = (
    ('AutoContrast', lambda img, v, sign: ImageOps.autocontrast(img)),
    ('Brightness', _enhance(ImageEnhance.Brightness)),
    ('Color', _enhance(ImageEnhance.Color)),
    ('Contrast', _enhance(ImageEnhance.Contrast)),
    ('Equalize', lambda img, v, sign: ImageOps.equalize(img)),
    ('Identity', lambda img, v, sign: img),
    ('Posterize', _posterize),
    ('Rotate', _rotate),
    ('Sharpness', _enhance(ImageEnhance.Sharpness)),
    ('ShearX', _shear_x),
    ('ShearY', _shear_y),
    ('Solarize', _solarize),
    ('TranslateX', _translate_x),
    ('TranslateY', _translate_y),
)


def random_resized_crop_box(rng: np.random.Generator,
                            width: int,
                            height: int,
                            scale: Sequence[float],
                            ratio: Sequence[float] = (3 / 4, 4 / 3),
                            attempts: int = 10) -> Tuple[int, int, int, int]:
    """The crop box of an Inception-style random resized crop.

    Draws an area fraction in ``scale`` and a log-uniform aspect ratio in
    ``ratio`` until the box fits (``attempts`` tries), else falls back to
    the largest centred box with a ratio inside ``ratio``.

    Args:
        rng (np.random.Generator): Random source.
        width (int): Image width.
        height (int): Image height.
        scale (Sequence[float]): Range of the box's area fraction.
        ratio (Sequence[float]): Range of its width / height. Defaults to
            (3/4, 4/3).
        attempts (int): Draws before the fallback. Defaults to 10.

    Returns:
        tuple[int, int, int, int]: (left, top, right, bottom).
    """
    area = width * height
    for _ in range(attempts):
        target = area * rng.uniform(*scale)
        aspect = math.exp(rng.uniform(math.log(ratio[0]), math.log(ratio[1])))
        w = int(round(math.sqrt(target * aspect)))
        h = int(round(math.sqrt(target / aspect)))
        if 0 < w <= width and 0 < h <= height:
            left = int(rng.integers(0, width - w + 1))
            top = int(rng.integers(0, height - h + 1))
            return left, top, left + w, top + h
    if width / height < ratio[0]:
        w, h = width, int(round(width / ratio[0]))
    elif width / height > ratio[1]:
        w, h = int(round(height * ratio[1])), height
    else:
        w, h = width, height
    left, top = (width - w) // 2, (height - h) // 2
    return left, top, left + w, top + h


@TRANSFORMS.register_module()
class ReConImageAugment(BaseTransform):
    """The official ReCon image augmentation, without normalisation.

    1. resize to ``resize`` × ``resize`` (bilinear);
    2. horizontal flip with probability 0.5;
    3. random resized crop to ``crop`` × ``crop``: area fraction in
       ``crop_scale``, aspect ratio in [3/4, 4/3], bicubic;
    4. RandAugmentMC: ``randaug_n`` ops drawn with replacement from the
       14-op FixMatch pool (:data:`RAND_AUGMENT_OPS`), each applied with
       probability 0.5 at a level v drawn from {1, ..., randaug_m - 1}
       (magnitude v/10 of the op's maximum, random sign for rotate, shear
       and translate);
    5. always: a ``cutout`` × ``cutout`` grey (127) square at a uniformly
       random centre, clipped to the image.

    All draws come from one generator seeded from numpy's global state.

    Required keys: ``img`` uint8 [H, W, 3]. Modified keys: ``img`` uint8
    [crop, crop, 3].

    Args:
        resize (int): Side after the first resize. Defaults to 256.
        crop (int): Output side. Defaults to 224.
        crop_scale (Sequence[float]): Range of the crop's area fraction.
            Defaults to (0.64, 1.0).
        randaug_n (int): Number of RandAugment ops. Defaults to 2.
        randaug_m (int): Levels are drawn below this. Defaults to 10.
        cutout (int): Side of the grey square. Defaults to 16.
    """

    def __init__(self,
                 resize: int = 256,
                 crop: int = 224,
                 crop_scale: Sequence[float] = (0.64, 1.0),
                 randaug_n: int = 2,
                 randaug_m: int = 10,
                 cutout: int = 16) -> None:
        if randaug_m < 2:
            raise ValueError(f'randaug_m must be >= 2, got {randaug_m}')
        self.resize = resize
        self.crop = crop
        self.crop_scale = tuple(crop_scale)
        self.randaug_n = randaug_n
        self.randaug_m = randaug_m
        self.cutout = cutout

    def transform(self, results: dict) -> dict:
        """Augment the image."""
        rng = transform_rng()
        img = Image.fromarray(results['img']).resize(
            (self.resize, self.resize), Image.Resampling.BILINEAR)
        if rng.random() < 0.5:
            img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        box = random_resized_crop_box(rng, img.width, img.height,
                                      self.crop_scale)
        img = img.resize((self.crop, self.crop),
                         Image.Resampling.BICUBIC,
                         box=box)
        for op in rng.integers(len(RAND_AUGMENT_OPS), size=self.randaug_n):
            level = int(rng.integers(1, self.randaug_m))
            sign = 1 if rng.random() < 0.5 else -1
            if rng.random() < 0.5:
                img = RAND_AUGMENT_OPS[op][1](img, level, sign)
        results['img'] = self._cut_out(np.array(img), rng)
        return results

    def _cut_out(self, img: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
        """Paint the grey square into ``img`` [H, W, 3] in place."""
        height, width = img.shape[:2]
        left = math.floor(rng.uniform(0, width) - self.cutout / 2)
        top = math.floor(rng.uniform(0, height) - self.cutout / 2)
        img[max(top, 0):max(top + self.cutout, 0),
            max(left, 0):max(left + self.cutout, 0)] = 127
        return img

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(resize={self.resize}, '
                f'crop={self.crop}, crop_scale={self.crop_scale}, '
                f'randaug_n={self.randaug_n}, randaug_m={self.randaug_m}, '
                f'cutout={self.cutout})')


@TRANSFORMS.register_module()
class ResizeImage(BaseTransform):
    """Resize ``results['img']`` to ``size`` × ``size`` (bilinear).

    The deterministic counterpart of :class:`ReConImageAugment` for
    evaluation.

    Required keys: ``img`` uint8 [H, W, 3]. Modified keys: ``img`` uint8
    [size, size, 3].

    Args:
        size (int): Output side. Defaults to 224.
    """

    def __init__(self, size: int = 224) -> None:
        self.size = size

    def transform(self, results: dict) -> dict:
        """Resize the image."""
        img = Image.fromarray(results['img']).resize((self.size, self.size),
                                                     Image.Resampling.BILINEAR)
        results['img'] = np.array(img)
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(size={self.size})'
