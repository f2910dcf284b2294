"""Normalisation layers over features (torch.nn.LayerNorm, RMSNorm, GroupNorm,
LocalResponseNorm). Affine weights start at ones and biases at zeros."""
import numbers

import ember
from ember.nn import functional as F
from ember.nn import init
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter

__all__ = ["LayerNorm", "RMSNorm", "GroupNorm", "LocalResponseNorm", "CrossMapLRN2d"]


def _shape(normalized_shape):
    if isinstance(normalized_shape, numbers.Integral):
        normalized_shape = (normalized_shape,)
    return tuple(normalized_shape)


def _register_affine(module, affine, shape, bias, device, dtype):
    """Register the affine `weight` and `bias` parameters of `shape` (uninitialised; `bias`
    None when not `bias`), or both as None when not `affine`: the layout torch's norm layers
    share."""
    if affine:
        module.weight = Parameter(ember.empty(shape, device=device, dtype=dtype))
        if bias:
            module.bias = Parameter(ember.empty(shape, device=device, dtype=dtype))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)


def _reset_affine(module):
    """The affine weight to ones and the bias (if any) to zeros."""
    init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class LayerNorm(Module):
    """Normalises over the trailing `normalized_shape` dims, with a learnable elementwise
    weight (and bias unless bias=False) when `elementwise_affine`."""

    __constants__ = ["normalized_shape", "eps", "elementwise_affine"]

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        self.normalized_shape = _shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _register_affine(self, elementwise_affine, self.normalized_shape, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        """Weight to ones, bias to zeros."""
        if self.elementwise_affine:
            _reset_affine(self)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class RMSNorm(Module):
    """Divides by the root mean square over the trailing `normalized_shape` dims, with a
    learnable elementwise weight when `elementwise_affine`."""

    __constants__ = ["normalized_shape", "eps", "elementwise_affine"]

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        super().__init__()
        self.normalized_shape = _shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ember.empty(self.normalized_shape, device=device,
                                                dtype=dtype))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Weight to ones."""
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Normalises each sample's channels in `num_groups` groups, with a per-channel affine
    when `affine`."""

    __constants__ = ["num_groups", "num_channels", "eps", "affine"]

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _register_affine(self, affine, num_channels, bias, device, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        """Weight to ones, bias to zeros."""
        if self.affine:
            _reset_affine(self)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class LocalResponseNorm(Module):
    """Normalises each element by the activity of `size` neighbouring channels."""

    __constants__ = ["size", "alpha", "beta", "k"]

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


def _channel_window_sum(t, lo, hi):
    """sum of t[:, lo[c]:hi[c] + 1] for each channel c (lo/hi lists, empty windows 0)."""
    csum = ember.cat([t.new_zeros((t.shape[0], 1) + tuple(t.shape[2:])), t.cumsum(1)], 1)
    hi = [max(h + 1, lo_) for lo_, h in zip(lo, hi)]
    return (csum.index_select(1, ember.tensor(hi)) - csum.index_select(1, ember.tensor(lo)))


class CrossMapLRN2d(ember.autograd.Function):
    """torch's legacy cross-channel LRN (an autograd.Function, so grad_fn is
    CrossMapLRN2dBackward). Forward and backward reproduce torch's kernels exactly, including
    their quirks: channel 0 stays in every channel's window sum, and the backward's window is
    shifted (it is not the exact derivative of the forward)."""

    @staticmethod
    def forward(ctx, input, size, alpha=1e-4, beta=0.75, k=1):
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D "
                             "instead.")
        c = input.size(1)
        pre = int((size - 1) / 2 + 1)
        lo = [max(0, i - pre + 1) for i in range(c)]
        hi = [min(c - 1, i + pre - 1) for i in range(c)]
        sq = input * input
        scale = _channel_window_sum(sq, lo, hi)
        if c > pre:  # torch's running sum never subtracts channel 0
            extra = [1.0 if lo_ > 0 else 0.0 for lo_ in lo]
            w = ember.tensor(extra, dtype=input.dtype).reshape(1, c, 1, 1)
            scale = scale + sq[:, :1] * w
        scale = scale * (alpha / size) + k
        output = scale.pow(-beta) * input
        ctx.size, ctx.alpha, ctx.beta, ctx.scale = size, alpha, beta, scale
        ctx.save_for_backward(input, output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, output = ctx.saved_tensors
        size, c = ctx.size, input.size(1)
        inv = int(size - (size - 1) / 2)
        ratio = grad_output * output / ctx.scale
        lo = [min(max(0, i - inv), c) for i in range(c)]
        hi = [min(c - 1, i + size - 1 - inv) for i in range(c)]
        accum = _channel_window_sum(ratio, lo, hi)
        grad = ctx.scale.pow(-ctx.beta) * grad_output
        grad = grad - input * accum * (2 * ctx.alpha * ctx.beta / size)
        return grad, None, None, None, None


_cross_map_lrn2d = CrossMapLRN2d  # the Function; the name now goes to the module below


class CrossMapLRN2d(Module):  # noqa: F811
    """torch's legacy local response normalization across channels of 4-d input: each
    element divided by (k + alpha / size * sum of squares over `size` neighbouring
    channels) ** beta."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        return _cross_map_lrn2d.apply(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
