"""torchvision.transforms.v2 on ember (the subset the tutorials use).

`from ember.vision.transforms import v2` gives the v2 names: ``ToImage``, ``ToDtype``,
``ToPureTensor`` and the v1 geometry/colour transforms under the same names. As in torchvision,
a v2 transform may be called with several inputs (``t(image, mask, label)``): every image-like
input (tensor, PIL image, ndarray) is transformed with the same random draws, and the other
inputs (labels, strings, ...) are passed through unchanged. Images come back as plain ember
tensors (there is no ``tv_tensors.Image`` subclass).
"""
import numpy as np

import ember
from ember.vision._pil import is_pil_image
from ember.vision.transforms import functional
from ember.vision.transforms import transforms as _v1
from ember.vision.transforms import autoaugment as _aa

__all__ = ["Compose", "ToImage", "ToDtype", "ToPureTensor", "ToTensor", "PILToTensor",
           "ToPILImage", "ConvertImageDtype", "Normalize", "Resize", "CenterCrop",
           "RandomCrop", "RandomResizedCrop", "RandomHorizontalFlip", "RandomVerticalFlip",
           "RandomRotation", "RandomAffine", "ColorJitter", "Grayscale", "RandomGrayscale",
           "Pad", "Lambda", "RandomApply", "RandomChoice", "RandomOrder", "FiveCrop", "TenCrop",
           "GaussianBlur", "RandomErasing", "InterpolationMode", "Identity", "functional"]
__all__ += list(_aa.__all__)

InterpolationMode = functional.InterpolationMode


def _is_image(x):
    return isinstance(x, (ember.Tensor, np.ndarray)) or is_pil_image(x)


def _flatten(inputs):
    """(leaves, rebuild): the leaves of nested tuples/lists/dicts and a function that puts
    replacements back in the same structure."""
    if isinstance(inputs, (tuple, list)):
        parts = [_flatten(x) for x in inputs]
        leaves = [leaf for p in parts for leaf in p[0]]

        def rebuild(new):
            out, k = [], 0
            for p in parts:
                n = len(p[0])
                out.append(p[1](new[k:k + n]))
                k += n
            return type(inputs)(out)
        return leaves, rebuild
    if isinstance(inputs, dict):
        keys = list(inputs)
        leaves, rebuild_values = _flatten([inputs[k] for k in keys])
        return leaves, lambda new: dict(zip(keys, rebuild_values(new)))
    return [inputs], lambda new: new[0]


def _v2(cls):
    """A v2 class from a v1 transform: same constructor, called on one or several inputs."""

    def __call__(self, *inputs):
        single = len(inputs) == 1
        leaves, rebuild = _flatten(inputs[0] if single else list(inputs))
        images = [i for i, leaf in enumerate(leaves) if _is_image(leaf)]
        if not images:
            return inputs[0] if single else inputs
        state = ember.get_rng_state()
        out = list(leaves)
        for i in images:
            ember.set_rng_state(state)  # the same random draws for every image-like input
            out[i] = self._apply_one(leaves[i])
        result = rebuild(out)
        return result if single else tuple(result)

    base_call = cls.__call__
    name = cls.__name__
    return type(name, (cls,), {"__call__": __call__, "_apply_one": base_call,
                               "__module__": __name__,
                               "__doc__": f"torchvision.transforms.v2.{name}: "
                                          f"{(cls.__doc__ or '').strip()}"})


class ToImage:
    """A PIL image, ``H x W x C`` ndarray or tensor as a ``C x H x W`` tensor image, values and
    dtype unchanged (``v2.ToImage``; uint8 stays uint8)."""

    def __call__(self, *inputs):
        return _v2_apply(self._one, inputs)

    @staticmethod
    def _one(x):
        if isinstance(x, ember.Tensor):
            return x if x.dim() >= 3 else x.reshape((1,) * (3 - x.dim()) + tuple(x.shape))
        if isinstance(x, np.ndarray):
            a = x[:, :, None] if x.ndim == 2 else x
            return ember.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))
        return functional.pil_to_tensor(x)

    def __repr__(self):
        return f"{type(self).__name__}()"


class ToDtype:
    """Convert image tensors to ``dtype`` (``v2.ToDtype``): with ``scale=True`` values are
    rescaled between the dtypes' ranges (uint8 ``[0, 255]`` to float ``[0, 1]`` and back), as
    ``convert_image_dtype``; otherwise a plain cast. ``dtype`` may be a dict keyed by
    ``ember.Tensor`` (or ``"others"``) as in torchvision."""

    def __init__(self, dtype, scale=False):
        self.dtype = dtype
        self.scale = scale

    def _target(self):
        if isinstance(self.dtype, dict):
            for key in (ember.Tensor, "others"):
                if key in self.dtype:
                    return self.dtype[key]
            return None
        return self.dtype

    def __call__(self, *inputs):
        return _v2_apply(self._one, inputs)

    def _one(self, x):
        dtype = self._target()
        if dtype is None or not isinstance(x, ember.Tensor):
            return x
        if self.scale:
            return functional.convert_image_dtype(x, dtype)
        return x.to(dtype)

    def __repr__(self):
        return f"{type(self).__name__}(scale={self.scale})"


class ToPureTensor:
    """``v2.ToPureTensor``: tensors pass through as plain tensors (they already are)."""

    def __call__(self, *inputs):
        return inputs[0] if len(inputs) == 1 else inputs

    def __repr__(self):
        return f"{type(self).__name__}()"


class Identity(ToPureTensor):
    """``v2.Identity``: returns its inputs unchanged."""


def _v2_apply(fn, inputs):
    """Apply `fn` to each image-like leaf of `inputs` (one input or several)."""
    single = len(inputs) == 1
    leaves, rebuild = _flatten(inputs[0] if single else list(inputs))
    out = [fn(leaf) if _is_image(leaf) else leaf for leaf in leaves]
    result = rebuild(out)
    return result if single else tuple(result)


class Compose(_v1.Compose):
    """``v2.Compose``: apply the transforms in order to one input or to several."""

    def __call__(self, *inputs):
        out = inputs if len(inputs) > 1 else inputs[0]
        for t in self.transforms:
            out = t(*out) if len(inputs) > 1 else t(out)
        return out


ToTensor = _v2(_v1.ToTensor)
PILToTensor = _v2(_v1.PILToTensor)
ToPILImage = _v2(_v1.ToPILImage)
ConvertImageDtype = _v2(_v1.ConvertImageDtype)
Normalize = _v2(_v1.Normalize)
Resize = _v2(_v1.Resize)
CenterCrop = _v2(_v1.CenterCrop)
RandomCrop = _v2(_v1.RandomCrop)
RandomResizedCrop = _v2(_v1.RandomResizedCrop)
RandomHorizontalFlip = _v2(_v1.RandomHorizontalFlip)
RandomVerticalFlip = _v2(_v1.RandomVerticalFlip)
RandomRotation = _v2(_v1.RandomRotation)
RandomAffine = _v2(_v1.RandomAffine)
ColorJitter = _v2(_v1.ColorJitter)
Grayscale = _v2(_v1.Grayscale)
RandomGrayscale = _v2(_v1.RandomGrayscale)
Pad = _v2(_v1.Pad)
Lambda = _v2(_v1.Lambda)
RandomApply = _v2(_v1.RandomApply)
RandomChoice = _v2(_v1.RandomChoice)
RandomOrder = _v2(_v1.RandomOrder)
FiveCrop = _v2(_v1.FiveCrop)
TenCrop = _v2(_v1.TenCrop)
GaussianBlur = _v2(_v1.GaussianBlur)
RandomErasing = _v2(_v1.RandomErasing)
AutoAugmentPolicy = _aa.AutoAugmentPolicy
AutoAugment = _v2(_aa.AutoAugment)
RandAugment = _v2(_aa.RandAugment)
TrivialAugmentWide = _v2(_aa.TrivialAugmentWide)
AugMix = _v2(_aa.AugMix)
RandomPerspective = _v2(_aa.RandomPerspective)
RandomAdjustSharpness = _v2(_aa.RandomAdjustSharpness)
RandomAutocontrast = _v2(_aa.RandomAutocontrast)
RandomEqualize = _v2(_aa.RandomEqualize)
RandomPosterize = _v2(_aa.RandomPosterize)
RandomSolarize = _v2(_aa.RandomSolarize)
RandomInvert = _v2(_aa.RandomInvert)
ElasticTransform = _v2(_aa.ElasticTransform)
LinearTransformation = _v2(_aa.LinearTransformation)
