"""torchvision.transforms.functional on ember: each function takes a PIL image or a tensor
image (``... x C x H x W``) and returns the same kind.

PIL images go through Pillow with torchvision's choices (bilinear antialiased resize, PIL's
``rotate``/``transform`` for geometry, ``ImageEnhance`` for colour); tensors go through ember
ops with the formulas torchvision documents for its tensor backend.
"""
import math
import numbers
from enum import Enum

import numpy as np

import ember
from ember.nn import functional as _nnf
from ember.vision._pil import is_pil_image, pil_image

__all__ = ["InterpolationMode", "get_dimensions", "get_image_size", "get_image_num_channels",
           "to_tensor", "pil_to_tensor", "to_pil_image", "convert_image_dtype", "normalize",
           "resize", "crop", "center_crop", "resized_crop", "pad", "hflip", "vflip", "rotate",
           "affine", "rgb_to_grayscale", "to_grayscale", "adjust_brightness",
           "adjust_contrast", "adjust_saturation", "adjust_hue", "five_crop", "ten_crop",
           "invert", "gaussian_blur", "erase"]


class InterpolationMode(Enum):
    """Interpolation modes (``torchvision.transforms.InterpolationMode``)."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PIL_CODES = {"nearest": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5}
_FROM_PIL_CODE = {0: InterpolationMode.NEAREST, 2: InterpolationMode.BILINEAR,
                  3: InterpolationMode.BICUBIC, 4: InterpolationMode.BOX,
                  5: InterpolationMode.HAMMING, 1: InterpolationMode.LANCZOS}


def _interp(mode):
    if isinstance(mode, InterpolationMode):
        return mode
    if isinstance(mode, int) and mode in _FROM_PIL_CODE:
        return _FROM_PIL_CODE[mode]
    if isinstance(mode, str):
        return InterpolationMode(mode)
    raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding "
                    f"Pillow integer constant, got {mode!r}")


def _pil_interp(mode):
    mode = _interp(mode)
    if mode.value not in _PIL_CODES:
        raise ValueError(f"Interpolation mode {mode.value!r} is not supported for PIL images")
    return _PIL_CODES[mode.value]


def _is_tensor(img):
    return isinstance(img, ember.Tensor)


def _check_img(img):
    if not (_is_tensor(img) or is_pil_image(img)):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")


def _check_tensor_image(img):
    if img.ndim < 2:
        raise TypeError(f"Tensor is not a torch image (expected ... x H x W, got {img.ndim}-D)")


def get_dimensions(img):
    """``[channels, height, width]`` of a PIL image or tensor image."""
    _check_img(img)
    if _is_tensor(img):
        _check_tensor_image(img)
        channels = 1 if img.ndim == 2 else img.shape[-3]
        return [channels, img.shape[-2], img.shape[-1]]
    width, height = img.size
    return [len(img.getbands()), height, width]


def get_image_size(img):
    """``[width, height]`` of a PIL image or tensor image."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img):
    """Number of channels of a PIL image or tensor image."""
    return get_dimensions(img)[0]


# ---------------------------------------------------------------------------- conversion

_MODE_DTYPE = {"I": np.int32, "I;16": np.int32, "I;16B": np.int32, "F": np.float32}


def _pil_array(pic):
    if pic.mode == "1":
        arr = 255 * np.array(pic, dtype=np.uint8)
    else:
        arr = np.array(pic, dtype=_MODE_DTYPE.get(pic.mode, np.uint8), copy=True)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return arr


def pil_to_tensor(pic):
    """A PIL image as a ``C x H x W`` tensor of its own dtype, values unchanged
    (``uint8`` for L/RGB/RGBA; 16-bit images come out as int32, ember having no uint16)."""
    if not is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    return ember.from_numpy(np.ascontiguousarray(_pil_array(pic).transpose(2, 0, 1)))


def to_tensor(pic):
    """A PIL image or ``H x W x C`` numpy array as a ``C x H x W`` tensor; uint8 data is
    scaled to float in ``[0, 1]`` (``x / 255``), other dtypes keep their values."""
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic[:, :, None] if pic.ndim == 2 else pic
    elif is_pil_image(pic):
        arr = _pil_array(pic)
    else:
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    img = ember.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))
    if img.dtype == ember.uint8:
        return img.to(ember.get_default_dtype()).div(255)
    return img


def _from_array(npimg, mode):
    image = pil_image()
    h, w = npimg.shape[:2]
    if mode == "I;16":
        return image.frombytes(mode, (w, h), np.ascontiguousarray(npimg, "<u2").tobytes())
    return image.frombytes(mode, (w, h), np.ascontiguousarray(npimg).tobytes())


def to_pil_image(pic, mode=None):
    """A ``C x H x W`` tensor or ``H x W x C`` array as a PIL image (float tensors are
    multiplied by 255 and cast to uint8 first, unless ``mode='F'``); the mode follows the
    channel count and dtype as in torchvision (L, LA, RGB, RGBA; I, I;16, F for one channel)."""
    if _is_tensor(pic):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.ndim == 2:
            pic = pic.unsqueeze(0)
        if pic.shape[-3] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {pic.shape[-3]} channels.")
        if pic.is_floating_point() and mode != "F":
            pic = pic.mul(255).byte()
        npimg = np.transpose(pic.detach().numpy(), (1, 2, 0))
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        npimg = pic[:, :, None] if pic.ndim == 2 else pic
        if npimg.shape[-1] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {npimg.shape[-1]} "
                             "channels.")
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    channels = npimg.shape[2]
    if channels == 1:
        npimg = npimg[:, :, 0]
        expected = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16",
                    np.dtype(np.uint16): "I;16", np.dtype(np.int32): "I",
                    np.dtype(np.float32): "F"}.get(npimg.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type "
                             f"{npimg.dtype}. Should be {expected}")
        mode = expected
    else:
        permitted = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}
        permitted = permitted[channels]
        if mode is not None and mode not in permitted:
            raise ValueError(f"Only modes {permitted} are supported for {channels}D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = permitted[0]
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    return _from_array(npimg, mode)


_MAX_VALUE = {ember.uint8: 255, ember.int8: 127, ember.int16: 32767,
              ember.int32: 2 ** 31 - 1, ember.int64: 2 ** 63 - 1}


def _max_value(dtype):
    return _MAX_VALUE.get(dtype, 1.0)


def convert_image_dtype(image, dtype=ember.float):
    """Convert a tensor image to ``dtype``, rescaling values: integers map ``[0, max]`` to
    float ``[0, 1]``; floats go to integers by ``x * (max + 1 - 1e-3)``; integer to integer
    shifts by the ratio of the ranges."""
    if not _is_tensor(image):
        raise TypeError("Input img should be Tensor Image")
    if image.dtype == dtype:
        return image
    out_float = ember.empty(0, dtype=dtype).is_floating_point()
    if image.is_floating_point():
        if out_float:
            return image.to(dtype)
        if ((image.dtype == ember.float32 and dtype in (ember.int32, ember.int64))
                or (image.dtype == ember.float64 and dtype == ember.int64)):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed "
                               "safely.")
        eps = 1e-3
        return image.mul(float(_max_value(dtype)) + 1.0 - eps).to(dtype)
    input_max = float(_max_value(image.dtype))
    if out_float:
        return image.to(dtype) / input_max
    output_max = float(_max_value(dtype))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return ember.div(image, factor, rounding_mode="floor").to(dtype)
    factor = int((output_max + 1) // (input_max + 1))
    return image.to(dtype) * factor


def normalize(tensor, mean, std, inplace=False):
    """``(tensor - mean[c]) / std[c]`` per channel of a float tensor image."""
    if not _is_tensor(tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {tuple(tensor.shape)}")
    if not inplace:
        tensor = tensor.clone()
    dtype = tensor.dtype
    mean = ember.as_tensor(mean, dtype=dtype)
    std = ember.as_tensor(std, dtype=dtype)
    if bool((std == 0).any()):
        raise ValueError(f"std evaluated to zero after conversion to {dtype}, leading to "
                         "division by zero.")
    if mean.ndim == 1:
        mean = mean.view(-1, 1, 1)
    if std.ndim == 1:
        std = std.view(-1, 1, 1)
    return tensor.sub_(mean).div_(std)


# ---------------------------------------------------------------------------- resize

def _compute_resized_output_size(image_size, size, max_size=None):
    h, w = image_size
    short, long = (w, h) if w <= h else (h, w)
    if size is None:
        new_short, new_long = int(max_size * short / long), max_size
    else:
        requested = size if isinstance(size, int) else size[0]
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the "
                                 f"requested size for the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    return [new_h, new_w]


def _batched(img):
    # torchvision's tensor kernels take N x C x H x W; the channels are independent, so any
    # leading dims fold into one batch of single images.
    shape = tuple(img.shape)
    return img.reshape((-1,) + shape[-3:]) if img.ndim >= 3 else img.reshape((1, 1) + shape)


def _resize_tensor(img, size, mode, antialias):
    out_dtype = img.dtype
    x = _batched(img)
    if not x.is_floating_point():
        x = x.to(ember.float32)
    interpolating = mode in ("bilinear", "bicubic")
    x = _nnf.interpolate(x, size=list(size), mode=mode,
                         align_corners=False if interpolating else None,
                         antialias=bool(antialias) and interpolating)
    if out_dtype != x.dtype:
        if interpolating:
            x = x.round()
            if out_dtype == ember.uint8:
                x = x.clamp(0, 255)
        x = x.to(out_dtype)
    return x.reshape(tuple(img.shape[:-2]) + tuple(size))


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None,
           antialias=True):
    """Resize to ``size``: an ``(h, w)`` pair exactly, or an int (or one-element list) for
    the smaller edge keeping the aspect ratio (the longer edge capped by ``max_size``).

    PIL images use Pillow's resampling; tensors use torch's interpolate formulas
    (``align_corners=False``; ``antialias`` applies to bilinear/bicubic downscaling).
    """
    _check_img(img)
    mode = _interp(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in (1, 2):
            raise ValueError("Size must be an int or a 1 or 2 element tuple/list, not a "
                             f"{len(size)} element tuple/list")
        if max_size is not None and len(size) != 1:
            raise ValueError("max_size should only be passed if size specifies the length of "
                             "the smaller edge, i.e. size should be an int or a sequence of "
                             "length 1 in torchscript mode.")
    elif not (isinstance(size, int) or (size is None and max_size is not None)):
        raise TypeError(f"Size should be int or sequence. Got {type(size)}")
    _, h, w = get_dimensions(img)
    if isinstance(size, (list, tuple)) and len(size) == 2:
        out = [int(size[0]), int(size[1])]
    else:
        out = _compute_resized_output_size((h, w), size, max_size)
    if [h, w] == out:
        return img
    if not _is_tensor(img):
        return img.resize((out[1], out[0]), _pil_interp(mode))
    if mode.value not in ("nearest", "nearest-exact", "bilinear", "bicubic"):
        raise ValueError(f"Interpolation mode {mode.value!r} is not supported for tensors")
    return _resize_tensor(img, out, mode.value, antialias)


# ---------------------------------------------------------------------------- geometry

def crop(img, top, left, height, width):
    """The ``height x width`` region whose top-left corner is ``(top, left)``; parts outside
    the image are zero-padded."""
    _check_img(img)
    if not _is_tensor(img):
        return img.crop((left, top, left + width, top + height))
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        inner = img[..., max(top, 0):bottom, max(left, 0):right]
        ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                max(right - max(w, left), 0), max(bottom - max(h, top), 0)]
        return pad(inner, ltrb, fill=0)
    return img[..., top:bottom, left:right]


def _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size."):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, (list, tuple)) and len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(error_msg)
    return tuple(size)


def center_crop(img, output_size):
    """The central ``output_size`` region (zero-padded first if the image is smaller); the
    offsets are ``round((H - h) / 2)`` and ``round((W - w) / 2)``."""
    crop_h, crop_w = _setup_size(output_size)
    _, h, w = get_dimensions(img)
    if crop_w > w or crop_h > h:
        ltrb = [(crop_w - w) // 2 if crop_w > w else 0, (crop_h - h) // 2 if crop_h > h else 0,
                (crop_w - w + 1) // 2 if crop_w > w else 0,
                (crop_h - h + 1) // 2 if crop_h > h else 0]
        img = pad(img, ltrb, fill=0)
        _, h, w = get_dimensions(img)
        if crop_w == w and crop_h == h:
            return img
    top = int(round((h - crop_h) / 2.0))
    left = int(round((w - crop_w) / 2.0))
    return crop(img, top, left, crop_h, crop_w)


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR,
                 antialias=True):
    """:func:`crop` followed by :func:`resize` to ``size``."""
    img = crop(img, top, left, height, width)
    return resize(img, size, interpolation, antialias=antialias)


def _parse_padding(padding):
    if isinstance(padding, numbers.Number):
        padding = [int(padding)]
    elif isinstance(padding, tuple):
        padding = list(padding)
    if not isinstance(padding, list):
        raise TypeError("Got inappropriate padding arg")
    if len(padding) not in (1, 2, 4):
        raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    if len(padding) == 1:
        return padding * 4
    if len(padding) == 2:
        return [padding[0], padding[1], padding[0], padding[1]]
    return padding


def _pad_index(n, before, after, mode):
    idx = []
    for i in range(-before, n + after):
        j = i
        if mode == "edge":
            j = min(max(j, 0), n - 1)
        else:
            while j < 0 or j >= n:
                if mode == "reflect":
                    j = -j if j < 0 else 2 * (n - 1) - j
                else:
                    j = -j - 1 if j < 0 else 2 * n - 1 - j
        idx.append(j)
    return ember.tensor(idx, dtype=ember.long)


def _pil_fill(fill, img, name="fillcolor"):
    bands = len(img.getbands())
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and bands > 1:
        fill = tuple([fill] * bands)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = tuple(fill) * bands
        elif len(fill) != bands:
            raise ValueError("The number of elements in 'fill' does not match the number of "
                             f"bands of the image ({len(fill)} != {bands})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def pad(img, padding, fill=0, padding_mode="constant"):
    """Pad each border: ``padding`` is an int (all sides), ``(lr, tb)`` or ``(l, t, r, b)``;
    ``padding_mode`` is ``constant`` (with ``fill``), ``edge``, ``reflect`` (mirror without
    the edge pixel) or ``symmetric`` (mirror with it). Negative tensor padding crops."""
    _check_img(img)
    if not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str) or padding_mode not in ("constant", "edge", "reflect",
                                                                   "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, top, right, bottom = _parse_padding(padding)
    if not _is_tensor(img):
        image = pil_image()
        if padding_mode == "constant":
            from PIL import ImageOps
            return ImageOps.expand(img, border=(left, top, right, bottom),
                                   **_pil_fill(fill, img, name="fill"))
        w, h = img.size
        if min(left, top, right, bottom) < 0:
            img = img.crop((-min(left, 0), -min(top, 0), w + min(right, 0), h + min(bottom, 0)))
            left, top, right, bottom = (max(p, 0) for p in (left, top, right, bottom))
        palette = img.getpalette() if img.mode == "P" else None
        arr = np.asarray(img)
        widths = ((top, bottom), (left, right)) + (((0, 0),) if arr.ndim == 3 else ())
        out = image.fromarray(np.pad(arr, widths, padding_mode))
        if palette is not None:
            out.putpalette(palette)
        return out
    _check_tensor_image(img)
    h, w = img.shape[-2], img.shape[-1]
    if min(left, top, right, bottom) < 0:
        img = img[..., -min(top, 0):h + min(bottom, 0), -min(left, 0):w + min(right, 0)]
        left, top, right, bottom = (max(p, 0) for p in (left, top, right, bottom))
        h, w = img.shape[-2], img.shape[-1]
    if padding_mode == "constant":
        if isinstance(fill, (tuple, list)):
            if len(fill) != 1:
                raise ValueError("Tensor padding takes a single number as fill")
            fill = fill[0]
        out = img.new_full(tuple(img.shape[:-2]) + (h + top + bottom, w + left + right), fill)
        out[..., top:top + h, left:left + w] = img
        return out
    if padding_mode == "reflect" and (max(left, right) >= w or max(top, bottom) >= h):
        raise ValueError("Padding size should be less than the corresponding input dimension "
                         f"for reflect padding, got padding {[left, top, right, bottom]} on "
                         f"{h} x {w}")
    img = img.index_select(-1, _pad_index(w, left, right, padding_mode))
    return img.index_select(-2, _pad_index(h, top, bottom, padding_mode))


def hflip(img):
    """Flip left to right."""
    _check_img(img)
    if _is_tensor(img):
        return img.flip(-1)
    return img.transpose(pil_image().FLIP_LEFT_RIGHT)


def vflip(img):
    """Flip top to bottom."""
    _check_img(img)
    if _is_tensor(img):
        return img.flip(-2)
    return img.transpose(pil_image().FLIP_TOP_BOTTOM)


def _get_inverse_affine_matrix(center, angle, translate, scale, shear, inverted=True):
    # Output-to-input map M = T * C * RotateScaleShear * C^-1, inverted for sampling
    # (torchvision's convention: angle in degrees, clockwise on screen for positive values).
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    if inverted:
        m = [x / scale for x in (d, -b, 0.0, -c, a, 0.0)]
        m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
        m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
        m[2] += cx
        m[5] += cy
        return m
    m = [a * scale, b * scale, 0.0, c * scale, d * scale, 0.0]
    m[2] += m[0] * (-cx) + m[1] * (-cy)
    m[5] += m[3] * (-cx) + m[4] * (-cy)
    m[2] += cx + tx
    m[5] += cy + ty
    return m


def _affine_output_size(matrix, w, h):
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]], dtype=np.float32)
    theta = np.array(matrix, dtype=np.float32).reshape(2, 3)
    new = pts @ theta.T
    # shift to the [0, w] x [0, h] frame, as Pillow measures its expanded canvas
    shift = np.array([w * 0.5, h * 0.5], dtype=np.float32)
    tol = np.float32(1e-4)
    cmax = np.ceil(np.trunc((new.max(0) + shift) / tol) * tol)
    cmin = np.floor(np.trunc((new.min(0) + shift) / tol) * tol)
    size = cmax - cmin
    return int(size[0]), int(size[1])


def _sample_with_fill(img, x, grid, mode, fill):
    """grid_sample the batched float image ``x`` (of ``img``) at ``grid`` (align_corners=False,
    padding zeros); with ``fill``, a ones-channel marks the pixels from inside the image and
    the rest take ``fill``. The result has ``img``'s dtype and leading dims."""
    out_dtype = img.dtype
    n, _, h, w = x.shape
    if fill is not None:
        x = ember.cat((x, ember.ones(n, 1, h, w, dtype=x.dtype)), dim=1)
    x = _nnf.grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask, x = x[:, -1:], x[:, :-1]
        fills = [float(fill)] if isinstance(fill, numbers.Number) else [float(f) for f in fill]
        if len(fills) not in (1, x.shape[1]):
            raise ValueError(f"fill has {len(fills)} values for {x.shape[1]} channels")
        fill_img = ember.tensor(fills, dtype=x.dtype).view(1, len(fills), 1, 1).expand_as(x)
        mask = mask.expand_as(x)
        if mode == "nearest":
            x = ember.where(mask < 0.5, fill_img, x)
        else:
            x = x * mask + (1.0 - mask) * fill_img
    if x.dtype != out_dtype:
        if not ember.empty(0, dtype=out_dtype).is_floating_point():
            x = x.round()
        x = x.to(out_dtype)
    return x.reshape(tuple(img.shape[:-2]) + tuple(x.shape[-2:]))


def _grid_transform(img, matrix, mode, fill, out_hw=None):
    # torchvision's tensor path: an affine grid over the output pixel centres, sampled with
    # grid_sample(align_corners=False, padding zeros); a ones-channel marks the pixels that came
    # from inside the image, and the rest take ``fill``.
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode {mode!r} is not supported for tensor rotate/affine")
    h, w = img.shape[-2], img.shape[-1]
    oh, ow = out_hw if out_hw is not None else (h, w)
    x = _batched(img)
    if x.dtype not in (ember.float32, ember.float64):
        x = x.to(ember.float32)
    n = x.shape[0]
    theta = ember.tensor(matrix, dtype=x.dtype).reshape(2, 3)
    xs = ember.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, steps=ow, dtype=x.dtype)
    ys = ember.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, steps=oh, dtype=x.dtype)
    base = ember.stack((xs.expand(oh, ow), ys.unsqueeze(-1).expand(oh, ow),
                        ember.ones(oh, ow, dtype=x.dtype)), dim=-1)
    scale = ember.tensor([0.5 * w, 0.5 * h], dtype=x.dtype)
    grid = ember.matmul(base.reshape(1, oh * ow, 3), theta.t() / scale).reshape(1, oh, ow, 2)
    grid = grid.expand(n, oh, ow, 2)
    return _sample_with_fill(img, x, grid, mode, fill)


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None,
           fill=None):
    """Rotate by ``angle`` degrees counter-clockwise about ``center`` (default the image
    centre); ``expand`` grows the output to hold the whole rotated image; pixels from outside
    take ``fill``."""
    _check_img(img)
    mode = _interp(interpolation)
    if not _is_tensor(img):
        return img.rotate(angle, _pil_interp(mode), expand, center, **_pil_fill(fill, img))
    _, h, w = get_dimensions(img)
    center_f = [0.0, 0.0]
    if center is not None:
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [w, h])]
    matrix = _get_inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    ow, oh = _affine_output_size(matrix, w, h) if expand else (w, h)
    return _grid_transform(img, matrix, mode.value, fill, (oh, ow))


def affine(img, angle, translate, scale, shear, interpolation=InterpolationMode.NEAREST,
           fill=None, center=None):
    """Rotate by ``angle`` degrees, translate by ``(tx, ty)`` pixels, scale, and shear by
    ``(sx, sy)`` degrees, all about ``center``, keeping the image size."""
    _check_img(img)
    mode = _interp(interpolation)
    if not isinstance(translate, (list, tuple)) or len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if isinstance(shear, numbers.Number):
        shear = [shear, 0.0]
    shear = list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    _, h, w = get_dimensions(img)
    if not _is_tensor(img):
        if center is None:
            center = [w * 0.5, h * 0.5]
        matrix = _get_inverse_affine_matrix(center, angle, translate, scale, shear)
        return img.transform(img.size, pil_image().AFFINE, matrix, _pil_interp(mode),
                             **_pil_fill(fill, img))
    center_f = [0.0, 0.0]
    if center is not None:
        center_f = [1.0 * (c - s * 0.5) for c, s in zip(center, [w, h])]
    matrix = _get_inverse_affine_matrix(center_f, angle, [1.0 * t for t in translate], scale,
                                        shear)
    return _grid_transform(img, matrix, mode.value, fill)


# ---------------------------------------------------------------------------- colour

def rgb_to_grayscale(img, num_output_channels=1):
    """Luma ``0.2989 R + 0.587 G + 0.114 B`` (PIL: ``convert('L')``), repeated to
    ``num_output_channels`` (1 or 3)."""
    _check_img(img)
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if not _is_tensor(img):
        gray = img.convert("L")
        if num_output_channels == 3:
            arr = np.asarray(gray)
            gray = _from_array(np.dstack([arr, arr, arr]), "RGB")
        return gray
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found "
                        f"{img.ndim}")
    c = img.shape[-3]
    if c not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found {c}")
    if c == 3:
        r, g, b = img.unbind(dim=-3)
        gray = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(-3)
    else:
        gray = img.clone()
    if num_output_channels == 3:
        return gray.expand(tuple(img.shape[:-3]) + (3,) + tuple(img.shape[-2:]))
    return gray


def to_grayscale(img, num_output_channels=1):
    """PIL form of :func:`rgb_to_grayscale`."""
    return rgb_to_grayscale(img, num_output_channels)


def _blend(img1, img2, ratio):
    bound = 1.0 if img1.is_floating_point() else 255.0
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, bound).to(img1.dtype)


def _check_factor(value, name):
    if value < 0:
        raise ValueError(f"{name} ({value}) is not non-negative.")


def adjust_brightness(img, brightness_factor):
    """Blend with black: ``factor * img`` clamped to the value range."""
    _check_img(img)
    _check_factor(brightness_factor, "brightness_factor")
    if not _is_tensor(img):
        from PIL import ImageEnhance
        return ImageEnhance.Brightness(img).enhance(brightness_factor)
    return _blend(img, ember.zeros_like(img), brightness_factor)


def adjust_contrast(img, contrast_factor):
    """Blend with the mean grey level: ``factor * img + (1 - factor) * mean(gray(img))``."""
    _check_img(img)
    _check_factor(contrast_factor, "contrast_factor")
    if not _is_tensor(img):
        from PIL import ImageEnhance
        return ImageEnhance.Contrast(img).enhance(contrast_factor)
    dtype = img.dtype if img.is_floating_point() else ember.float32
    source = rgb_to_grayscale(img) if img.shape[-3] == 3 else img
    mean = source.to(dtype).mean(dim=(-3, -2, -1), keepdim=True)
    return _blend(img, mean, contrast_factor)


def adjust_saturation(img, saturation_factor):
    """Blend with the greyscale image: ``factor * img + (1 - factor) * gray(img)``."""
    _check_img(img)
    _check_factor(saturation_factor, "saturation_factor")
    if not _is_tensor(img):
        from PIL import ImageEnhance
        return ImageEnhance.Color(img).enhance(saturation_factor)
    if img.shape[-3] == 1:
        return img
    return _blend(img, rgb_to_grayscale(img), saturation_factor)


def _rgb2hsv(img):
    r, g, b = img.unbind(dim=-3)
    maxc = img.max(dim=-3).values
    minc = img.min(dim=-3).values
    eqc = maxc == minc
    cr = maxc - minc
    ones = ember.ones_like(maxc)
    s = cr / ember.where(eqc, ones, maxc)
    cr_div = ember.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / cr_div, (maxc - g) / cr_div, (maxc - b) / cr_div
    hr = (maxc == r).to(img.dtype) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)).to(img.dtype) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)).to(img.dtype) * (4.0 + gc - rc)
    h = ember.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return ember.stack((h, s, maxc), dim=-3)


def _hsv2rgb(img):
    h, s, v = img.unbind(dim=-3)
    i = ember.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.to(ember.int32) % 6
    p = ember.clamp(v * (1.0 - s), 0.0, 1.0)
    q = ember.clamp(v * (1.0 - s * f), 0.0, 1.0)
    t = ember.clamp(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    mask = (i.unsqueeze(-3) == ember.arange(6).view(-1, 1, 1)).to(img.dtype)
    a1 = ember.stack((v, q, p, p, t, v), dim=-3)
    a2 = ember.stack((t, v, v, q, p, p), dim=-3)
    a3 = ember.stack((p, p, t, v, v, q), dim=-3)
    a4 = ember.stack((a1, a2, a3), dim=-4)
    return ember.einsum("...ijk,...xijk->...xjk", mask, a4)


def adjust_hue(img, hue_factor):
    """Shift the hue by ``hue_factor`` (in ``[-0.5, 0.5]``, a fraction of the hue circle)
    through HSV space."""
    _check_img(img)
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if not _is_tensor(img):
        image = pil_image()
        if img.mode in ("L", "1", "I", "F"):
            return img
        h, s, v = img.convert("HSV").split()
        np_h = np.array(h, dtype=np.uint8)
        np_h += np.uint8(int(hue_factor * 255) % 256)
        h = image.frombytes("L", img.size, np_h.tobytes())
        return image.merge("HSV", (h, s, v)).convert(img.mode)
    if img.shape[-3] == 1:
        return img
    orig = img.dtype
    x = convert_image_dtype(img, ember.float32)
    h, s, v = _rgb2hsv(x).unbind(dim=-3)
    h = (h + hue_factor) % 1.0
    out = _hsv2rgb(ember.stack((h, s, v), dim=-3))
    return convert_image_dtype(out, orig)


def invert(img):
    """``max - img`` (255 - x for uint8, 1 - x for floats)."""
    _check_img(img)
    if not _is_tensor(img):
        from PIL import ImageOps
        return ImageOps.invert(img)
    bound = 1.0 if img.is_floating_point() else _max_value(img.dtype)
    return (bound - img).to(img.dtype)


def five_crop(img, size):
    """The four corner crops and the centre crop, as a tuple (tl, tr, bl, br, center)."""
    crop_h, crop_w = _setup_size(size)
    _, h, w = get_dimensions(img)
    if crop_w > w or crop_h > h:
        raise ValueError(f"Requested crop size {(crop_h, crop_w)} is bigger than input size "
                         f"{(h, w)}")
    return (crop(img, 0, 0, crop_h, crop_w), crop(img, 0, w - crop_w, crop_h, crop_w),
            crop(img, h - crop_h, 0, crop_h, crop_w),
            crop(img, h - crop_h, w - crop_w, crop_h, crop_w), center_crop(img, [crop_h, crop_w]))


def ten_crop(img, size, vertical_flip=False):
    """:func:`five_crop` of the image and of its (horizontal or vertical) flip."""
    flipped = vflip(img) if vertical_flip else hflip(img)
    return five_crop(img, size) + five_crop(flipped, size)


def _gaussian_kernel1d(ksize, sigma, dtype):
    half = (ksize - 1) * 0.5
    x = ember.linspace(-half, half, steps=ksize, dtype=dtype)
    pdf = ember.exp(-0.5 * (x / sigma).pow(2))
    return pdf / pdf.sum()


def gaussian_blur(img, kernel_size, sigma=None):
    """Blur with a Gaussian kernel of ``kernel_size`` (odd; ``(kx, ky)`` or one int) and
    standard deviation ``sigma`` (default ``0.3 * ((k - 1) * 0.5 - 1) + 0.8``), reflect-padded
    borders; PIL images go through a uint8 tensor and back, as torchvision does."""
    _check_img(img)
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if not isinstance(kernel_size, (list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got "
                        f"{type(kernel_size)}")
    if len(kernel_size) != 2:
        raise ValueError("If kernel_size is a sequence its length should be 2. Got "
                         f"{len(kernel_size)}")
    for k in kernel_size:
        if k % 2 == 0 or k < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got "
                             f"{kernel_size}")
    if sigma is None:
        sigma = [k * 0.15 + 0.35 for k in kernel_size]
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    if isinstance(sigma, (list, tuple)) and len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    for s in sigma:
        if s <= 0.0:
            raise ValueError(f"sigma should have positive values. Got {sigma}")
    if not _is_tensor(img):
        out = gaussian_blur(pil_to_tensor(img), kernel_size, sigma)
        return to_pil_image(out, mode=img.mode)
    out_dtype = img.dtype
    x = _batched(img)
    if not x.is_floating_point():
        x = x.to(ember.float32)
    kx, ky = kernel_size
    kernel = ember.outer(_gaussian_kernel1d(ky, sigma[1], x.dtype),
                         _gaussian_kernel1d(kx, sigma[0], x.dtype))
    channels = x.shape[1]
    kernel = kernel.expand(channels, 1, ky, kx)
    x = _nnf.pad(x, [kx // 2, kx // 2, ky // 2, ky // 2], mode="reflect")
    x = _nnf.conv2d(x, kernel, groups=channels)
    if x.dtype != out_dtype:
        x = x.round().to(out_dtype)
    return x.reshape(tuple(img.shape))


def erase(img, i, j, h, w, v, inplace=False):
    """Set the ``h x w`` region at ``(i, j)`` of a tensor image to ``v``."""
    if not _is_tensor(img):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    if not inplace:
        img = img.clone()
    img[..., i:i + h, j:j + w] = v
    return img


# ---------------------------------------------------------------------------- AutoAugment ops
# (defined in extra.py; imported last so extra.py sees this module's helpers)
from ember.vision.transforms.extra import (  # noqa: E402
    adjust_sharpness, autocontrast, elastic_transform, equalize, perspective, posterize,
    solarize)

__all__ += ["posterize", "solarize", "autocontrast", "equalize", "adjust_sharpness",
            "perspective", "elastic_transform"]
