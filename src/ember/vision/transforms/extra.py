"""The torchvision.transforms.functional ops behind AutoAugment and friends: ``posterize``,
``solarize``, ``autocontrast``, ``equalize``, ``adjust_sharpness``, ``perspective`` and
``elastic_transform``. They are re-exported by :mod:`ember.vision.transforms.functional`.

PIL images go through Pillow's ``ImageOps`` / ``ImageEnhance`` / ``Image.transform`` as
torchvision does; tensor images go through ember ops with torchvision's tensor formulas.
"""
import ember
from ember.nn import functional as _nnf
from ember.vision._pil import pil_image
from ember.vision.transforms import functional as F

__all__ = ["posterize", "solarize", "autocontrast", "equalize", "adjust_sharpness",
           "perspective", "elastic_transform"]


def _check_uint8(img):
    if img.dtype != ember.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")


def _check_channels(img, permitted=(1, 3)):
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found "
                        f"{img.ndim}")
    c = img.shape[-3]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {list(permitted)}, "
                        f"but found {c}")


def posterize(img, bits):
    """Keep the ``bits`` high bits of each uint8 value (``img & -(2 ** (8 - bits))``; PIL:
    ``ImageOps.posterize``)."""
    F._check_img(img)
    if not 0 <= bits <= 8:
        raise ValueError(f"The number if bits should be between 0 and 8. Got {bits}")
    if not F._is_tensor(img):
        from PIL import ImageOps
        return ImageOps.posterize(img, bits)
    _check_channels(img)
    _check_uint8(img)
    mask = -int(2 ** (8 - bits))
    return ember.bitwise_and(img, mask)


def solarize(img, threshold):
    """Invert the pixels whose value is ``>= threshold`` (PIL: ``ImageOps.solarize``)."""
    F._check_img(img)
    if not F._is_tensor(img):
        from PIL import ImageOps
        return ImageOps.solarize(img, threshold)
    _check_channels(img)
    bound = 1.0 if img.is_floating_point() else F._max_value(img.dtype)
    if threshold > bound:
        raise TypeError("Threshold should be less than bound of img.")
    return ember.where(img >= threshold, F.invert(img), img)


def autocontrast(img):
    """Stretch each channel linearly so its minimum maps to 0 and its maximum to the dtype's
    maximum (channels with a single value are left as they are; PIL:
    ``ImageOps.autocontrast``)."""
    F._check_img(img)
    if not F._is_tensor(img):
        from PIL import ImageOps
        return ImageOps.autocontrast(img)
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found "
                        f"{img.ndim}")
    _check_channels(img)
    bound = 1.0 if img.is_floating_point() else float(F._max_value(img.dtype))
    dtype = img.dtype if img.is_floating_point() else ember.float32
    minimum = img.amin(dim=(-2, -1), keepdim=True).to(dtype)
    maximum = img.amax(dim=(-2, -1), keepdim=True).to(dtype)
    scale = bound / (maximum - minimum)
    flat = ~ember.isfinite(scale)
    minimum = ember.where(flat, ember.zeros_like(minimum), minimum)
    scale = ember.where(flat, ember.ones_like(scale), scale)
    return ((img - minimum) * scale).clamp(0, bound).to(img.dtype)


def _equalize_channel(chan):
    # PIL's (and torchvision's) histogram equalisation of one uint8 channel
    hist = ember.bincount(chan.reshape(-1).to(ember.int64), minlength=256)
    nonzero = hist[hist != 0]
    step = int(nonzero[:-1].sum().item()) // 255
    if step == 0:
        return chan
    lut = ember.div(ember.cumsum(hist, 0) + step // 2, step, rounding_mode="floor")
    lut = ember.cat((ember.zeros(1, dtype=lut.dtype), lut[:-1])).clamp(0, 255)
    return lut[chan.to(ember.int64)].to(ember.uint8)


def equalize(img):
    """Equalize each channel's histogram of a uint8 image (PIL: ``ImageOps.equalize``)."""
    F._check_img(img)
    if not F._is_tensor(img):
        from PIL import ImageOps
        return ImageOps.equalize(img)
    _check_channels(img)
    _check_uint8(img)
    shape = tuple(img.shape)
    flat = img.reshape((-1,) + shape[-2:])
    out = ember.stack([_equalize_channel(flat[i]) for i in range(flat.shape[0])])
    return out.reshape(shape)


def _blurred_degenerate(img):
    # torchvision's sharpness reference: a 3x3 smoothing kernel (centre 5, others 1, / 13)
    # applied to the interior; the one-pixel border keeps the original values.
    dtype = img.dtype if img.is_floating_point() else ember.float32
    kernel = ember.ones(3, 3, dtype=dtype)
    kernel[1, 1] = 5.0
    kernel = kernel / kernel.sum()
    x = F._batched(img)
    channels = x.shape[1]
    out = _nnf.conv2d(x.to(dtype), kernel.expand(channels, 1, 3, 3), groups=channels)
    if out.dtype != img.dtype:
        out = out.round().to(img.dtype)
    out = out.reshape(tuple(img.shape[:-2]) + tuple(out.shape[-2:]))
    result = img.clone()
    result[..., 1:-1, 1:-1] = out
    return result


def adjust_sharpness(img, sharpness_factor):
    """Blend with a smoothed copy: ``factor * img + (1 - factor) * blur(img)`` (factor 0
    blurs, 1 keeps, 2 sharpens; PIL: ``ImageEnhance.Sharpness``)."""
    F._check_img(img)
    if sharpness_factor < 0:
        raise ValueError(f"sharpness_factor ({sharpness_factor}) is not non-negative.")
    if not F._is_tensor(img):
        from PIL import ImageEnhance
        return ImageEnhance.Sharpness(img).enhance(sharpness_factor)
    _check_channels(img)
    if img.shape[-1] <= 2 or img.shape[-2] <= 2:
        return img
    return F._blend(img, _blurred_degenerate(img), sharpness_factor)


def _get_perspective_coeffs(startpoints, endpoints):
    # The 8 coefficients of the output-to-input homography taking each end point to its start
    # point: x_in = (a x + b y + c) / (g x + h y + 1), y_in = (d x + e y + f) / (g x + h y + 1),
    # solved in least squares in float64 and rounded to float32, as torchvision does.
    if len(startpoints) != 4 or len(endpoints) != 4:
        raise ValueError(f"Please provide exactly four corners, got {len(startpoints)} "
                         f"startpoints and {len(endpoints)} endpoints.")
    rows = []
    for (x, y), (u, v) in zip(endpoints, startpoints):
        rows.append([x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y])
        rows.append([0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y])
    a = ember.tensor(rows, dtype=ember.float64)
    b = ember.tensor(startpoints, dtype=ember.float64).reshape(8, 1)
    sol = ember.linalg.lstsq(a, b).solution.reshape(8)
    return sol.to(ember.float32).tolist()


def _apply_grid(img, grid, mode, fill):
    # sample ``img`` at ``grid`` (1 x H x W x 2, normalised, align_corners=False); pixels from
    # outside the image take ``fill`` when given (zeros otherwise)
    if mode not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode {mode!r} is not supported for tensor images")
    x = F._batched(img)
    if not x.is_floating_point():
        x = x.to(ember.float32)
    n = x.shape[0]
    grid = grid.to(x.dtype).expand(n, grid.shape[1], grid.shape[2], 2)
    return F._sample_with_fill(img, x, grid, mode, fill)


def _perspective_grid(coeffs, w, h, dtype):
    a, b, c, d, e, f, g, hh = coeffs
    theta1 = ember.tensor([[a, b, c], [d, e, f]], dtype=dtype)
    theta2 = ember.tensor([[g, hh, 1.0], [g, hh, 1.0]], dtype=dtype)
    xs = ember.linspace(0.5, w - 0.5, steps=w, dtype=dtype)
    ys = ember.linspace(0.5, h - 0.5, steps=h, dtype=dtype)
    base = ember.stack((xs.expand(h, w), ys.unsqueeze(-1).expand(h, w),
                        ember.ones(h, w, dtype=dtype)), dim=-1).reshape(h * w, 3)
    scale = ember.tensor([0.5 * w, 0.5 * h], dtype=dtype)
    num = ember.matmul(base, theta1.t() / scale)
    den = ember.matmul(base, theta2.t())
    return (num / den - 1.0).reshape(1, h, w, 2)


def perspective(img, startpoints, endpoints, interpolation=F.InterpolationMode.BILINEAR,
                fill=None):
    """Warp the image so that the four corners ``startpoints`` (``[x, y]``: top-left,
    top-right, bottom-right, bottom-left) move to ``endpoints``; pixels from outside take
    ``fill``."""
    F._check_img(img)
    mode = F._interp(interpolation)
    coeffs = _get_perspective_coeffs(startpoints, endpoints)
    if not F._is_tensor(img):
        return img.transform(img.size, pil_image().PERSPECTIVE, coeffs, F._pil_interp(mode),
                             **F._pil_fill(fill, img))
    F._check_tensor_image(img)
    h, w = img.shape[-2], img.shape[-1]
    dtype = img.dtype if img.is_floating_point() else ember.float32
    grid = _perspective_grid(coeffs, w, h, dtype)
    return _apply_grid(img, grid, mode.value, fill)


def elastic_transform(img, displacement, interpolation=F.InterpolationMode.BILINEAR,
                      fill=None):
    """Move each pixel by ``displacement`` (a ``1 x H x W x 2`` tensor of ``(dx, dy)`` offsets
    in normalised ``[-1, 1]`` coordinates) added to the identity sampling grid; PIL images go
    through a tensor and back, as torchvision does."""
    F._check_img(img)
    if not F._is_tensor(img):
        out = elastic_transform(F.pil_to_tensor(img), displacement, interpolation, fill)
        return F.to_pil_image(out, mode=img.mode)
    F._check_tensor_image(img)
    if not isinstance(displacement, ember.Tensor):
        raise TypeError("Argument displacement should be a Tensor")
    mode = F._interp(interpolation)
    h, w = img.shape[-2], img.shape[-1]
    if tuple(displacement.shape) != (1, h, w, 2):
        raise ValueError(f"Argument displacement shape should be {[1, h, w, 2]}, but given "
                         f"{list(displacement.shape)}")
    dtype = img.dtype if img.is_floating_point() else ember.float32
    ys = ember.linspace((-h + 1) / h, (h - 1) / h, steps=h, dtype=dtype)
    xs = ember.linspace((-w + 1) / w, (w - 1) / w, steps=w, dtype=dtype)
    identity = ember.stack((xs.expand(h, w), ys.unsqueeze(-1).expand(h, w)), dim=-1)
    grid = identity.unsqueeze(0) + displacement.to(dtype)
    return _apply_grid(img, grid, mode.value, fill)
