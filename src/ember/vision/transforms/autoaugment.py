"""torchvision's automatic augmentation policies (``AutoAugment``, ``RandAugment``,
``TrivialAugmentWide``, ``AugMix``) and the single-op random transforms
(``RandomPerspective``, ``RandomAdjustSharpness``, ``RandomAutocontrast``, ``RandomEqualize``,
``RandomPosterize``, ``RandomSolarize``, ``RandomInvert``, ``ElasticTransform``) plus
``LinearTransformation``, on ember.

Every random draw comes from ember's global generator (``ember.rand``, ``ember.randint``), so
``ember.manual_seed`` reproduces the result.
"""
import math
import numbers
from enum import Enum

import ember
from ember import nn
from ember._backend import random as _random
from ember.vision.transforms import functional as F
from ember.vision.transforms.functional import InterpolationMode

__all__ = ["AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide", "AugMix",
           "RandomPerspective", "RandomAdjustSharpness", "RandomAutocontrast",
           "RandomEqualize", "RandomPosterize", "RandomSolarize", "RandomInvert",
           "ElasticTransform", "LinearTransformation"]


def _apply_op(img, op_name, magnitude, interpolation, fill):
    """Apply one named AutoAugment operation at ``magnitude`` (torchvision's ``_apply_op``)."""
    if op_name == "ShearX":
        return F.affine(img, angle=0.0, translate=[0, 0], scale=1.0,
                        shear=[math.degrees(math.atan(magnitude)), 0.0],
                        interpolation=interpolation, fill=fill, center=[0, 0])
    if op_name == "ShearY":
        return F.affine(img, angle=0.0, translate=[0, 0], scale=1.0,
                        shear=[0.0, math.degrees(math.atan(magnitude))],
                        interpolation=interpolation, fill=fill, center=[0, 0])
    if op_name == "TranslateX":
        return F.affine(img, angle=0.0, translate=[int(magnitude), 0], scale=1.0,
                        interpolation=interpolation, shear=[0.0, 0.0], fill=fill)
    if op_name == "TranslateY":
        return F.affine(img, angle=0.0, translate=[0, int(magnitude)], scale=1.0,
                        interpolation=interpolation, shear=[0.0, 0.0], fill=fill)
    if op_name == "Rotate":
        return F.rotate(img, magnitude, interpolation=interpolation, fill=fill)
    if op_name == "Brightness":
        return F.adjust_brightness(img, 1.0 + magnitude)
    if op_name == "Color":
        return F.adjust_saturation(img, 1.0 + magnitude)
    if op_name == "Contrast":
        return F.adjust_contrast(img, 1.0 + magnitude)
    if op_name == "Sharpness":
        return F.adjust_sharpness(img, 1.0 + magnitude)
    if op_name == "Posterize":
        return F.posterize(img, int(magnitude))
    if op_name == "Solarize":
        return F.solarize(img, magnitude)
    if op_name == "AutoContrast":
        return F.autocontrast(img)
    if op_name == "Equalize":
        return F.equalize(img)
    if op_name == "Invert":
        return F.invert(img)
    if op_name == "Identity":
        return img
    raise ValueError(f"The provided operator {op_name} is not recognized.")


def _solarize_bins(img, num_bins):
    # torchvision's thresholds 255 -> 0 for integer images; float images (values in [0, 1])
    # take the same thresholds scaled to 1 -> 0
    if isinstance(img, ember.Tensor) and img.is_floating_point():
        return ember.linspace(1.0, 0.0, num_bins)
    return ember.linspace(255.0, 0.0, num_bins)


def _posterize_bins(top, num_bins, span):
    return top - (ember.arange(num_bins) / ((num_bins - 1) / span)).round().int()


def _geometric_ops(num_bins, shear, translate, rotate):
    """The signed ShearX/Y, TranslateX/Y (maxima ``translate``, a pair) and Rotate entries of
    an augmentation space, magnitudes linear from 0 to the given maxima."""
    return {
        "ShearX": (ember.linspace(0.0, shear, num_bins), True),
        "ShearY": (ember.linspace(0.0, shear, num_bins), True),
        "TranslateX": (ember.linspace(0.0, translate[0], num_bins), True),
        "TranslateY": (ember.linspace(0.0, translate[1], num_bins), True),
        "Rotate": (ember.linspace(0.0, rotate, num_bins), True),
    }


def _enhance_ops(num_bins, top):
    """The signed Brightness, Color, Contrast and Sharpness entries, magnitudes 0 to ``top``."""
    return {name: (ember.linspace(0.0, top, num_bins), True)
            for name in ("Brightness", "Color", "Contrast", "Sharpness")}


def _tone_ops(num_bins, img, posterize_top, posterize_span):
    """The unsigned Posterize, Solarize, AutoContrast and Equalize entries."""
    return {
        "Posterize": (_posterize_bins(posterize_top, num_bins, posterize_span), False),
        "Solarize": (_solarize_bins(img, num_bins), False),
        "AutoContrast": (ember.tensor(0.0), False),
        "Equalize": (ember.tensor(0.0), False),
    }


def _tensor_fill(fill, img):
    if isinstance(img, ember.Tensor):
        if isinstance(fill, (int, float)):
            return [float(fill)] * F.get_image_num_channels(img)
        if fill is not None:
            return [float(f) for f in fill]
    return fill


def _randint(high):
    return int(ember.randint(high, (1,)).item())


class AutoAugmentPolicy(Enum):
    """AutoAugment policies learned on ImageNet, CIFAR10 and SVHN
    (``torchvision.transforms.AutoAugmentPolicy``)."""

    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


_POLICIES = {
    AutoAugmentPolicy.IMAGENET: [
        (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)),
        (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
        (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)),
        (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
        (("Solarize", 0.6, 3), ("Equalize", 0.6, None)),
        (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
        (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)),
        (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
        (("Rotate", 0.8, 8), ("Color", 0.4, 0)),
        (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
        (("Equalize", 0.0, None), ("Equalize", 0.8, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
        (("Color", 0.8, 8), ("Solarize", 0.8, 7)),
        (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
        (("ShearX", 0.6, 5), ("Equalize", 1.0, None)),
        (("Color", 0.4, 0), ("Equalize", 0.6, None)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)),
        (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
    ],
    AutoAugmentPolicy.CIFAR10: [
        (("Invert", 0.1, None), ("Contrast", 0.2, 6)),
        (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
        (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)),
        (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)),
        (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
        (("Color", 0.4, 3), ("Brightness", 0.6, 7)),
        (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
        (("Equalize", 0.6, None), ("Equalize", 0.5, None)),
        (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
        (("Color", 0.7, 7), ("TranslateX", 0.5, 8)),
        (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
        (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)),
        (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
        (("Solarize", 0.5, 2), ("Invert", 0.0, None)),
        (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.2, None), ("Equalize", 0.6, None)),
        (("Color", 0.9, 9), ("Equalize", 0.6, None)),
        (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)),
        (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
        (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)),
        (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)),
        (("Equalize", 0.8, None), ("Invert", 0.1, None)),
        (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None)),
    ],
    AutoAugmentPolicy.SVHN: [
        (("ShearX", 0.9, 4), ("Invert", 0.2, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.6, None), ("Solarize", 0.6, 6)),
        (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("AutoContrast", 0.8, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.4, None)),
        (("ShearY", 0.9, 5), ("Solarize", 0.2, 6)),
        (("Invert", 0.9, None), ("AutoContrast", 0.8, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("Solarize", 0.3, 3)),
        (("ShearY", 0.8, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.9, None), ("TranslateY", 0.6, 6)),
        (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Contrast", 0.3, 3), ("Rotate", 0.8, 4)),
        (("Invert", 0.8, None), ("TranslateY", 0.0, 2)),
        (("ShearY", 0.7, 6), ("Solarize", 0.4, 8)),
        (("Invert", 0.6, None), ("Rotate", 0.8, 4)),
        (("ShearY", 0.3, 7), ("TranslateX", 0.9, 3)),
        (("ShearX", 0.1, 6), ("Invert", 0.6, None)),
        (("Solarize", 0.7, 2), ("TranslateY", 0.6, 7)),
        (("ShearY", 0.8, 4), ("Invert", 0.8, None)),
        (("ShearX", 0.7, 9), ("TranslateY", 0.8, 3)),
        (("ShearY", 0.8, 5), ("AutoContrast", 0.7, None)),
        (("ShearX", 0.7, 2), ("Invert", 0.1, None)),
    ],
}


class AutoAugment(nn.Module):
    """AutoAugment (Cubuk et al. 2018): pick one of the policy's 25 sub-policies at random and
    apply each of its two operations with its probability, at its fixed magnitude bin (out of
    10), with a random sign for signed operations (``torchvision.transforms.AutoAugment``)."""

    def __init__(self, policy=AutoAugmentPolicy.IMAGENET, interpolation=InterpolationMode.NEAREST,
                 fill=None):
        super().__init__()
        self.policy = policy
        self.interpolation = interpolation
        self.fill = fill
        self.policies = self._get_policies(policy)

    @staticmethod
    def _get_policies(policy):
        if policy not in _POLICIES:
            raise ValueError(f"The provided policy {policy} is not recognized.")
        return list(_POLICIES[policy])

    def _augmentation_space(self, num_bins, image_size, img=None):
        translate = (150.0 / 331.0 * image_size[0], 150.0 / 331.0 * image_size[1])
        return {**_geometric_ops(num_bins, 0.3, translate, 30.0), **_enhance_ops(num_bins, 0.9),
                **_tone_ops(num_bins, img, 8, 4), "Invert": (ember.tensor(0.0), False)}

    @staticmethod
    def get_params(transform_num):
        """``(policy_id, probs, signs)``: a random sub-policy index, two uniform draws and two
        random signs (0 or 1)."""
        policy_id = _randint(transform_num)
        probs = ember.rand((2,))
        signs = ember.randint(2, (2,))
        return policy_id, probs, signs

    def forward(self, img):
        """Apply a random sub-policy to a PIL image or a ``... x C x H x W`` tensor."""
        fill = _tensor_fill(self.fill, img)
        transform_id, probs, signs = self.get_params(len(self.policies))
        op_meta = self._augmentation_space(10, F.get_image_size(img), img)
        for i, (op_name, p, magnitude_id) in enumerate(self.policies[transform_id]):
            if probs[i].item() <= p:
                magnitudes, signed = op_meta[op_name]
                magnitude = (float(magnitudes[magnitude_id].item())
                             if magnitude_id is not None else 0.0)
                if signed and signs[i].item() == 0:
                    magnitude *= -1.0
                img = _apply_op(img, op_name, magnitude, interpolation=self.interpolation,
                                fill=fill)
        return img

    def __repr__(self):
        return f"{self.__class__.__name__}(policy={self.policy}, fill={self.fill})"


class RandAugment(nn.Module):
    """RandAugment (Cubuk et al. 2019): apply ``num_ops`` operations drawn uniformly from 14,
    each at bin ``magnitude`` of ``num_magnitude_bins``, with a random sign for signed
    operations (``torchvision.transforms.RandAugment``)."""

    def __init__(self, num_ops=2, magnitude=9, num_magnitude_bins=31,
                 interpolation=InterpolationMode.NEAREST, fill=None):
        super().__init__()
        self.num_ops = num_ops
        self.magnitude = magnitude
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = interpolation
        self.fill = fill

    def _augmentation_space(self, num_bins, image_size, img=None):
        translate = (150.0 / 331.0 * image_size[0], 150.0 / 331.0 * image_size[1])
        return {"Identity": (ember.tensor(0.0), False),
                **_geometric_ops(num_bins, 0.3, translate, 30.0), **_enhance_ops(num_bins, 0.9),
                **_tone_ops(num_bins, img, 8, 4)}

    def forward(self, img):
        """Apply ``num_ops`` random operations to a PIL image or tensor image."""
        fill = _tensor_fill(self.fill, img)
        for _ in range(self.num_ops):
            op_meta = self._augmentation_space(self.num_magnitude_bins, F.get_image_size(img),
                                               img)
            op_name = list(op_meta)[_randint(len(op_meta))]
            magnitudes, signed = op_meta[op_name]
            magnitude = float(magnitudes[self.magnitude].item()) if magnitudes.ndim > 0 else 0.0
            if signed and _randint(2):
                magnitude *= -1.0
            img = _apply_op(img, op_name, magnitude, interpolation=self.interpolation, fill=fill)
        return img

    def __repr__(self):
        return (f"{self.__class__.__name__}(num_ops={self.num_ops}, magnitude={self.magnitude}, "
                f"num_magnitude_bins={self.num_magnitude_bins}, "
                f"interpolation={self.interpolation}, fill={self.fill})")


class TrivialAugmentWide(nn.Module):
    """TrivialAugment Wide (Müller & Hutter 2021): one operation drawn uniformly, at a
    magnitude bin drawn uniformly, with a random sign for signed operations
    (``torchvision.transforms.TrivialAugmentWide``)."""

    def __init__(self, num_magnitude_bins=31, interpolation=InterpolationMode.NEAREST,
                 fill=None):
        super().__init__()
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = interpolation
        self.fill = fill

    def _augmentation_space(self, num_bins, img=None):
        return {"Identity": (ember.tensor(0.0), False),
                **_geometric_ops(num_bins, 0.99, (32.0, 32.0), 135.0),
                **_enhance_ops(num_bins, 0.99), **_tone_ops(num_bins, img, 8, 6)}

    def forward(self, img):
        """Apply one random operation at a random magnitude."""
        fill = _tensor_fill(self.fill, img)
        op_meta = self._augmentation_space(self.num_magnitude_bins, img)
        op_name = list(op_meta)[_randint(len(op_meta))]
        magnitudes, signed = op_meta[op_name]
        magnitude = (float(magnitudes[_randint(len(magnitudes))].item())
                     if magnitudes.ndim > 0 else 0.0)
        if signed and _randint(2):
            magnitude *= -1.0
        return _apply_op(img, op_name, magnitude, interpolation=self.interpolation, fill=fill)

    def __repr__(self):
        return (f"{self.__class__.__name__}(num_magnitude_bins={self.num_magnitude_bins}, "
                f"interpolation={self.interpolation}, fill={self.fill})")


class AugMix(nn.Module):
    """AugMix (Hendrycks et al. 2020): ``mixture_width`` chains of 1-3 (or ``chain_depth``)
    random operations at severity up to ``severity``, mixed with Dirichlet(``alpha``) weights
    and blended with the original by a Beta(``alpha``, ``alpha``) weight
    (``torchvision.transforms.AugMix``). The Dirichlet draws come from ember's generator."""

    _PARAMETER_MAX = 10

    def __init__(self, severity=3, mixture_width=3, chain_depth=-1, alpha=1.0, all_ops=True,
                 interpolation=InterpolationMode.BILINEAR, fill=None):
        super().__init__()
        if not 1 <= severity <= self._PARAMETER_MAX:
            raise ValueError(f"The severity must be between [1, {self._PARAMETER_MAX}]. Got "
                             f"{severity} instead.")
        self.severity = severity
        self.mixture_width = mixture_width
        self.chain_depth = chain_depth
        self.alpha = alpha
        self.all_ops = all_ops
        self.interpolation = interpolation
        self.fill = fill

    def _augmentation_space(self, num_bins, image_size, img=None):
        translate = (image_size[0] / 3.0, image_size[1] / 3.0)
        space = {**_geometric_ops(num_bins, 0.3, translate, 30.0),
                 **_tone_ops(num_bins, img, 4, 4)}
        if self.all_ops:
            space.update(_enhance_ops(num_bins, 0.9))
        return space

    def _sample_dirichlet(self, params):
        # one Dirichlet draw per row of ``params`` from ember's default generator
        rows = [_random.stream(None).dirichlet(row) for row in params.tolist()]
        return ember.tensor(rows, dtype=params.dtype)

    def forward(self, orig_img):
        """AugMix a PIL image or a (batched) tensor image; integer images come back rounded
        down, as torchvision's cast does."""
        channels, height, width = F.get_dimensions(orig_img)
        if isinstance(orig_img, ember.Tensor):
            img = orig_img
            fill = _tensor_fill(self.fill, img)
        else:
            img = F.pil_to_tensor(orig_img)
            fill = self.fill
        op_meta = self._augmentation_space(self._PARAMETER_MAX, [height, width], img)
        orig_dims = list(img.shape)
        batch = img.reshape([1] * max(4 - img.ndim, 0) + orig_dims)
        n = batch.shape[0]
        batch_dims = [n] + [1] * (batch.ndim - 1)
        m = self._sample_dirichlet(ember.tensor([float(self.alpha)] * 2).expand(n, -1))
        weights = self._sample_dirichlet(
            ember.tensor([float(self.alpha)] * self.mixture_width).expand(n, -1))
        weights = weights * m[:, 1].reshape(n, -1)
        mix = m[:, 0].reshape(batch_dims) * batch
        names = list(op_meta)
        for i in range(self.mixture_width):
            aug = batch
            depth = (self.chain_depth if self.chain_depth > 0
                     else int(ember.randint(low=1, high=4, size=(1,)).item()))
            for _ in range(depth):
                op_name = names[_randint(len(names))]
                magnitudes, signed = op_meta[op_name]
                magnitude = (float(magnitudes[_randint(self.severity)].item())
                             if magnitudes.ndim > 0 else 0.0)
                if signed and _randint(2):
                    magnitude *= -1.0
                aug = _apply_op(aug, op_name, magnitude, interpolation=self.interpolation,
                                fill=fill)
            mix = mix + weights[:, i].reshape(batch_dims) * aug
        mix = mix.reshape(orig_dims).to(img.dtype)
        if not isinstance(orig_img, ember.Tensor):
            return F.to_pil_image(mix)
        return mix

    def __repr__(self):
        return (f"{self.__class__.__name__}(severity={self.severity}, "
                f"mixture_width={self.mixture_width}, chain_depth={self.chain_depth}, "
                f"alpha={self.alpha}, all_ops={self.all_ops}, "
                f"interpolation={self.interpolation}, fill={self.fill})")


class _RandomOp(nn.Module):
    """Apply ``_op`` when ``ember.rand(1) < p``."""

    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, img):
        """The transformed image with probability ``p``, else ``img`` unchanged."""
        if ember.rand(1).item() < self.p:
            return self._op(img)
        return img

    def _extra(self):
        return ""

    def __repr__(self):
        return f"{self.__class__.__name__}({self._extra()}p={self.p})"


class RandomAdjustSharpness(_RandomOp):
    """``adjust_sharpness(img, sharpness_factor)`` with probability ``p``."""

    def __init__(self, sharpness_factor, p=0.5):
        super().__init__(p)
        if sharpness_factor < 0:
            raise ValueError("sharpness_factor should be non-negative")
        self.sharpness_factor = float(sharpness_factor)

    def _op(self, img):
        return F.adjust_sharpness(img, self.sharpness_factor)

    def _extra(self):
        return f"sharpness_factor={self.sharpness_factor},"


class RandomAutocontrast(_RandomOp):
    """``autocontrast(img)`` with probability ``p``."""

    def _op(self, img):
        return F.autocontrast(img)


class RandomEqualize(_RandomOp):
    """``equalize(img)`` with probability ``p``."""

    def _op(self, img):
        return F.equalize(img)


class RandomInvert(_RandomOp):
    """``invert(img)`` with probability ``p``."""

    def _op(self, img):
        return F.invert(img)


class RandomPosterize(_RandomOp):
    """``posterize(img, bits)`` with probability ``p``."""

    def __init__(self, bits, p=0.5):
        super().__init__(p)
        self.bits = bits

    def _op(self, img):
        return F.posterize(img, self.bits)

    def _extra(self):
        return f"bits={self.bits},"


class RandomSolarize(_RandomOp):
    """``solarize(img, threshold)`` with probability ``p``."""

    def __init__(self, threshold, p=0.5):
        super().__init__(p)
        self.threshold = threshold

    def _op(self, img):
        return F.solarize(img, self.threshold)

    def _extra(self):
        return f"threshold={self.threshold},"


class RandomPerspective(nn.Module):
    """With probability ``p``, a :func:`functional.perspective` warp moving each corner
    inwards by up to ``distortion_scale`` of half the image size
    (``torchvision.transforms.RandomPerspective``)."""

    def __init__(self, distortion_scale=0.5, p=0.5, interpolation=InterpolationMode.BILINEAR,
                 fill=0):
        super().__init__()
        self.p = p
        self.interpolation = F._interp(interpolation)
        self.distortion_scale = distortion_scale
        if fill is None:
            fill = 0
        elif not isinstance(fill, (numbers.Number, str, tuple, list)):
            raise TypeError("Fill should be either a sequence or a number.")
        self.fill = fill

    def forward(self, img):
        """The warped image with probability ``p``, else ``img``."""
        fill = self.fill
        channels, height, width = F.get_dimensions(img)
        if isinstance(img, ember.Tensor):
            fill = ([float(fill)] * channels if isinstance(fill, (int, float))
                    else [float(f) for f in fill])
        if ember.rand(1).item() < self.p:
            startpoints, endpoints = self.get_params(width, height, self.distortion_scale)
            return F.perspective(img, startpoints, endpoints, self.interpolation, fill)
        return img

    @staticmethod
    def get_params(width, height, distortion_scale):
        """``(startpoints, endpoints)``: the image corners (top-left, top-right, bottom-right,
        bottom-left) and random points at most ``distortion_scale * half size`` inside them."""
        dx = int(distortion_scale * (width // 2))
        dy = int(distortion_scale * (height // 2))

        def draw(low, high):
            return int(ember.randint(low, high, size=(1,)).item())

        topleft = [draw(0, dx + 1), draw(0, dy + 1)]
        topright = [draw(width - dx - 1, width), draw(0, dy + 1)]
        botright = [draw(width - dx - 1, width), draw(height - dy - 1, height)]
        botleft = [draw(0, dx + 1), draw(height - dy - 1, height)]
        startpoints = [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]
        return startpoints, [topleft, topright, botright, botleft]

    def __repr__(self):
        return f"{self.__class__.__name__}(p={self.p})"


class ElasticTransform(nn.Module):
    """Random elastic deformation: uniform ``[-1, 1]`` displacement fields smoothed by a
    Gaussian of ``sigma``, scaled by ``alpha / size``, applied with
    :func:`functional.elastic_transform` (``torchvision.transforms.ElasticTransform``)."""

    def __init__(self, alpha=50.0, sigma=5.0, interpolation=InterpolationMode.BILINEAR,
                 fill=0):
        super().__init__()
        self.alpha = self._pair(alpha, "alpha")
        self.sigma = self._pair(sigma, "sigma")
        self.interpolation = F._interp(interpolation)
        if isinstance(fill, numbers.Number):
            fill = [float(fill)]
        elif isinstance(fill, (list, tuple)):
            fill = [float(f) for f in fill]
        else:
            raise TypeError(f"fill should be int or float or a list of ints or floats. Got "
                            f"{type(fill)}")
        self.fill = fill

    @staticmethod
    def _pair(value, name):
        if not isinstance(value, (numbers.Number, list, tuple)):
            raise TypeError(f"{name} should be float or a sequence of floats. Got "
                            f"{type(value)}")
        if isinstance(value, numbers.Number):
            return [float(value), float(value)]
        if len(value) == 1:
            return [float(value[0])] * 2
        if len(value) != 2:
            raise ValueError(f"If {name} is a sequence its length should be 1 or 2. Got "
                             f"{len(value)}")
        return [float(v) for v in value]

    @staticmethod
    def get_params(alpha, sigma, size):
        """A ``1 x H x W x 2`` displacement field for an image of ``size = [H, W]``."""
        def field(a, s, extent):
            d = ember.rand([1, 1] + list(size)) * 2 - 1
            if s > 0.0:
                k = int(8 * s + 1)
                if k % 2 == 0:
                    k += 1
                d = F.gaussian_blur(d, [k, k], sigma)
            return d * a / extent

        dx = field(alpha[0], sigma[0], size[0])
        dy = field(alpha[1], sigma[1], size[1])
        return ember.cat((dx, dy), 1).permute(0, 2, 3, 1)

    def forward(self, img):
        """The elastically deformed image."""
        _, height, width = F.get_dimensions(img)
        displacement = self.get_params(self.alpha, self.sigma, [height, width])
        fill = self.fill
        if isinstance(img, ember.Tensor) and len(fill) == 1:
            fill = fill * F.get_image_num_channels(img)
        elif not isinstance(img, ember.Tensor):
            fill = fill[0] if len(fill) == 1 else tuple(fill)
        return F.elastic_transform(img, displacement, self.interpolation, fill)

    def __repr__(self):
        return (f"{self.__class__.__name__}(alpha={self.alpha}, sigma={self.sigma}, "
                f"interpolation={self.interpolation}, fill={self.fill})")


class LinearTransformation(nn.Module):
    """Flatten a tensor image, subtract ``mean_vector`` and multiply by the square
    ``transformation_matrix`` (whitening, ``torchvision.transforms.LinearTransformation``)."""

    def __init__(self, transformation_matrix, mean_vector):
        super().__init__()
        if transformation_matrix.size(0) != transformation_matrix.size(1):
            raise ValueError("transformation_matrix should be square. Got "
                             f"{tuple(transformation_matrix.size())} rectangular matrix.")
        if mean_vector.size(0) != transformation_matrix.size(0):
            raise ValueError(f"mean_vector should have the same length {mean_vector.size(0)} "
                             "as any one of the dimensions of the transformation_matrix "
                             f"[{tuple(transformation_matrix.size())}]")
        self.transformation_matrix = transformation_matrix
        self.mean_vector = mean_vector

    def forward(self, tensor):
        """``((tensor.view(-1, n) - mean) @ matrix).view(shape)``."""
        shape = tuple(tensor.shape)
        n = shape[-3] * shape[-2] * shape[-1]
        if n != self.transformation_matrix.shape[0]:
            raise ValueError("Input tensor and transformation matrix have incompatible shape."
                             f"[{shape[-3]} x {shape[-2]} x {shape[-1]}] != "
                             f"{self.transformation_matrix.shape[0]}")
        flat = tensor.reshape(-1, n) - self.mean_vector
        out = ember.mm(flat, self.transformation_matrix.to(flat.dtype))
        return out.reshape(shape)

    def __repr__(self):
        return (f"{self.__class__.__name__}(transformation_matrix="
                f"{self.transformation_matrix.tolist()}, mean_vector="
                f"{self.mean_vector.tolist()})")
