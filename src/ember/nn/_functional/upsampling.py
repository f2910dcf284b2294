"""Resizing (torch.nn.functional.interpolate and its deprecated aliases upsample,
upsample_nearest, upsample_bilinear). The kernels are ops-layer nodes (ember._ops.upsample);
mode 'area' is adaptive average pooling, as in torch."""
import numbers
import warnings

from ember._ops import engine as _engine
from ember._ops import upsample as _U

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_MODES = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3, "lanczos": 2}


def _is_integer(v):
    if isinstance(v, bool):
        return True
    if isinstance(v, numbers.Integral):
        return True
    return isinstance(v, _engine.Tensor) and not v.is_floating_point()


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of an (N, C, d1, ..., dK) tensor, K = 1, 2 or 3, to `size` or
    by `scale_factor` (torch.nn.functional.interpolate).

    Modes: 'nearest' (source index floor(i * in / out)), 'nearest-exact' (pixel centres,
    as PIL), 'linear' (3-D), 'bilinear' / 'bicubic' (4-D), 'trilinear' (5-D), 'area'
    (adaptive average pooling), and 'lanczos' (4-D, antialias=True only). align_corners=True
    maps the corner pixel centres onto each other; False (the default for interpolating
    modes) maps the corner edges. A given scale_factor is used in the index formula unless
    recompute_scale_factor=True, which derives it from the floored output size.
    antialias=True low-pass filters when downsampling (PIL's resampling; bilinear, bicubic,
    lanczos). ::

        >>> F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(input.shape[2:])} and output size "
                    f"of {size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                    "and output size in (o1, o2, ...,oK) format.")
            if not all(_is_integer(v) for v in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    "Tuple[int, int, int], but got size with types "
                    f"{[type(v) for v in size]}")
            output_size = [int(v) for v in size]
        else:
            output_size = [int(size)] * dim
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {list(input.shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in "
                    "(N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [int(input.shape[i + 2] * scale_factors[i]) for i in range(dim)]
        scale_factors = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    if 1 <= dim <= 3:
        if mode in ("nearest", "nearest-exact"):
            return _resize(input, mode, output_size, scale_factors)
        if mode == "area":
            from ember.nn._functional import pooling
            fn = (pooling.adaptive_avg_pool1d, pooling.adaptive_avg_pool2d,
                  pooling.adaptive_avg_pool3d)[dim - 1]
            return fn(input, output_size)
        if _MODES.get(mode) == dim:
            if mode == "lanczos":
                if align_corners:
                    raise ValueError("Lanczos mode does not support align_corners=True")
                if not antialias:
                    raise ValueError("Lanczos mode requires antialias=True")
            return _resize(input, mode, output_size, scale_factors, align_corners, antialias)
    if mode in ("linear", "bilinear", "trilinear") and 1 <= dim <= 3:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs "
                                  f"{_MODES[mode] + 2}D input")
    raise NotImplementedError(
        f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for "
        "the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
        f"nearest-exact (got {mode})")


def _resize(input, mode, output_size, scale_factors, align_corners=False, antialias=False):
    if output_size is None:  # torch's compute_output_size: truncate in*scale towards zero
        output_size = [int(input.shape[i + 2] * s) for i, s in enumerate(scale_factors)]
    return _U.upsample(input, mode, output_size, scale_factors, bool(align_corners),
                       antialias)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of `interpolate(input, size, scale_factor, mode, align_corners)`."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: `interpolate(input, size, scale_factor, mode='nearest')`."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: `interpolate(input, size, scale_factor, mode='bilinear',
    align_corners=True)`."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
