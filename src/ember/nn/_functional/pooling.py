"""Pooling (torch.nn.functional.*pool*): max / average / power-average pooling, adaptive
pooling and max unpooling. The kernels are ops-layer nodes (ember._ops.pooling); 1-d forms
run the 2-d node on an unsqueezed input, as torch does."""
import math

import ember
from ember._ops import pooling as _P
from ember._ops.pooling import adaptive_avg_pool1d, avg_pool1d
from ember._ops import autocast as _ac

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d",
           "avg_pool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices",
           "max_unpool1d", "max_unpool2d", "max_unpool3d", "fractional_max_pool2d",
           "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d_with_indices"]


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """1-d max pooling returning (values, indices)."""
    return _P.max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """2-d max pooling returning (values, flat H*W indices of each max)."""
    return _P.max_pool_nd(input, 2, kernel_size, stride, padding, dilation, ceil_mode,
                          "max_pool2d")


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    """3-d max pooling returning (values, flat D*H*W indices of each max)."""
    return _P.max_pool_nd(input, 3, kernel_size, stride, padding, dilation, ceil_mode,
                          "max_pool3d")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-d max pooling over the last dim of (N, C, L) or (C, L) input; windows of
    `kernel_size` every `stride` (default: kernel_size), -inf padding, optional dilation and
    ceil_mode; with return_indices also the position of each max."""
    out = max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return out if return_indices else out[0]


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-d max pooling over the last two dims of (N, C, H, W) or (C, H, W) input."""
    out = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return out if return_indices else out[0]


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-d max pooling over the last three dims of (N, C, D, H, W) or unbatched input."""
    if _ac.on and _ac.active():
        return _ac.fp32(max_pool3d, input, kernel_size, stride, padding, dilation, ceil_mode,
                        return_indices)
    out = max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return out if return_indices else out[0]


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-d average pooling: window means over the last two dims (zero padding counted when
    count_include_pad; divisor_override replaces the window size)."""
    return _P.avg_pool_nd(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad,
                          divisor_override, "avg_pool2d")


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-d average pooling over the last three dims."""
    if _ac.on and _ac.active():
        return _ac.fp32(avg_pool3d, input, kernel_size, stride, padding, ceil_mode,
                        count_include_pad, divisor_override)
    return _P.avg_pool_nd(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad,
                          divisor_override, "avg_pool3d")


def _lp_finish(out, norm_type, ksize):
    return (ember.sign(out) * ember.relu(ember.abs(out))).mul(ksize).pow(1.0 / norm_type)


def _lp_max(pool, input, norm_type, kernel_size, stride, ceil_mode):
    """p = +inf is max pooling of |x| and p = -inf minus max pooling of -|x| (torch's
    special case); None for a finite p."""
    if isinstance(norm_type, (int, float)) and norm_type == math.inf:
        return pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if isinstance(norm_type, (int, float)) and norm_type == -math.inf:
        return -pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    return None


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over the last dim: (sum over window of x^p)^(1/p)."""
    if (m := _lp_max(max_pool1d, input, norm_type, kernel_size, stride, ceil_mode)) is not None:
        return m
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, norm_type, kernel_size)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over the last two dims: (sum over window of x^p)^(1/p)."""
    if (m := _lp_max(max_pool2d, input, norm_type, kernel_size, stride, ceil_mode)) is not None:
        return m
    kh, kw = _P._ntuple(kernel_size, 2)
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, norm_type, kh * kw)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over the last three dims."""
    if (m := _lp_max(max_pool3d, input, norm_type, kernel_size, stride, ceil_mode)) is not None:
        return m
    kd, kh, kw = _P._ntuple(kernel_size, 3)
    out = avg_pool3d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, norm_type, kd * kh * kw)


def _adaptive_avg(input, output_size, nd, name):
    _P._check_adaptive(input, nd, name)
    out = _P._adaptive_out(output_size, input, nd)
    if all(o == 1 for o in out):  # torch takes a plain mean here
        return input.mean(tuple(range(-nd, 0)), keepdim=True)
    return _P.adaptive_avg_pool(input, nd, out)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output size (H_out, W_out): output cell i averages input
    rows floor(i*H/H_out) to ceil((i+1)*H/H_out) - 1 (likewise for columns); None keeps a
    dim's size."""
    return _adaptive_avg(input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input, output_size):
    """Adaptive average pooling of the last three dims to `output_size`."""
    if _ac.on and _ac.active():
        return _ac.fp32(adaptive_avg_pool3d, input, output_size)
    return _adaptive_avg(input, output_size, 3, "adaptive_avg_pool3d")


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    """Adaptive 1-d max pooling returning (values, indices)."""
    return _P.adaptive_max_pool1d(input, output_size)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    """Adaptive 2-d max pooling returning (values, flat indices)."""
    _P._check_adaptive(input, 2, "adaptive_max_pool2d")
    return _P.adaptive_max_pool(input, 2, _P._adaptive_out(output_size, input, 2))


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    """Adaptive 3-d max pooling returning (values, flat indices)."""
    _P._check_adaptive(input, 3, "adaptive_max_pool3d")
    return _P.adaptive_max_pool(input, 3, _P._adaptive_out(output_size, input, 3))


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling of the last dim to a fixed length (adaptive windows)."""
    out = adaptive_max_pool1d_with_indices(input, output_size)
    return out if return_indices else out[0]


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling of the last two dims to a fixed size (adaptive windows)."""
    out = adaptive_max_pool2d_with_indices(input, output_size)
    return out if return_indices else out[0]


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max pooling of the last three dims to a fixed size (adaptive windows)."""
    if _ac.on and _ac.active():
        return _ac.fp32(adaptive_max_pool3d, input, output_size, return_indices)
    out = adaptive_max_pool3d_with_indices(input, output_size)
    return out if return_indices else out[0]


def _unpool_size(input, nd, kernel_size, stride, padding, output_size):
    k = _P._ntuple(kernel_size, nd)
    s = k if stride is None else _P._ntuple(stride, nd)
    p = _P._ntuple(padding, nd)
    size = input.shape[input.dim() - nd:]
    default = tuple((size[i] - 1) * s[i] - 2 * p[i] + k[i] for i in range(nd))
    if output_size is None:
        return default
    out = tuple(int(v) for v in output_size)
    if len(out) == nd + 2 or (len(out) == nd + 1 and input.dim() == nd + 1):
        out = out[-nd:]
    if len(out) != nd:
        raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} "
                         f"elements, but it has a length of '{len(out)}'")
    for i in range(nd):
        lo, hi = default[i] - s[i], default[i] + s[i]
        if not lo < out[i] < hi:
            raise ValueError(f'invalid output_size "{list(out)}" (dim {i} must be between '
                             f'{lo} and {hi})')
    return out


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool2d: each value goes back to the flat position `indices`
    recorded by the pooling, every other output element is zero."""
    if _ac.on and _ac.active():
        return _ac.fp32(max_unpool2d, input, indices, kernel_size, stride, padding, output_size)
    size = _unpool_size(input, 2, kernel_size, stride, padding, output_size)
    return _P.max_unpool(input, indices, size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool1d (through the 2-d unpooling, as torch does)."""
    size = _unpool_size(input, 1, kernel_size, stride, padding, output_size)
    out = _P.max_unpool(input.unsqueeze(-1), indices.unsqueeze(-1), size + (1,))
    return out.squeeze(-1)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool3d: values back to their flat D*H*W positions."""
    if _ac.on and _ac.active():
        return _ac.fp32(max_unpool3d, input, indices, kernel_size, stride, padding, output_size)
    size = _unpool_size(input, 3, kernel_size, stride, padding, output_size)
    return _P.max_unpool(input, indices, size)


# --- fractional max pooling ------------------------------------------------------------------

def _fractional(input, nd, kernel_size, output_size, output_ratio, samples):
    name = f"fractional_max_pool{nd}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an "
                         "output_ratio")
    if output_size is None:
        ratio = tuple(output_ratio) if isinstance(output_ratio, (list, tuple)) \
            else (output_ratio,) * nd
        size = input.shape[input.dim() - nd:]
        output_size = tuple(int(size[i] * ratio[i]) for i in range(nd))
    if samples is None:
        n = input.shape[0] if input.dim() == nd + 2 else 1
        c = input.shape[-nd - 1]
        samples = ember.rand(n, c, nd, dtype=input.dtype, device=input.device)
    return _P.fractional_max_pool(input, nd, kernel_size, output_size, samples, name)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None,
                                       output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """2-d fractional max pooling (Graham, 2014) over the last two dims: (values, flat H*W
    indices). Windows of `kernel_size` start at pseudo-random, increasing positions so that
    the output has `output_size` (or input size * `output_ratio`) elements per dim;
    `_random_samples` (N, C, 2) fixes them, otherwise they come from ember's generator."""
    return _fractional(input, 2, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None,
                                       output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """3-d fractional max pooling over the last three dims: (values, flat T*H*W indices);
    `_random_samples` has shape (N, C, 3)."""
    return _fractional(input, 3, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """2-d fractional max pooling: the values, or (values, indices) with return_indices."""
    out = _fractional(input, 2, kernel_size, output_size, output_ratio, _random_samples)
    return out if return_indices else out[0]


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """3-d fractional max pooling: the values, or (values, indices) with return_indices."""
    out = _fractional(input, 3, kernel_size, output_size, output_ratio, _random_samples)
    return out if return_indices else out[0]
