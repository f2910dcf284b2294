"""Activation functions of torch.nn.functional (relu, gelu, softmax, ...).

The math lives in ember._ops (nn_activation for the nn-only nodes; relu, sigmoid, tanh and
the softmax family with the elementwise and reduction ops); these are torch's functional
signatures around them, with the `inplace=` flags.
"""
import warnings

from ember._ops import nn_activation as _a
from ember._ops import unary as _e
from ember._ops import reduction as _r

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_",
           "elu", "elu_", "selu", "selu_", "celu", "celu_", "gelu", "silu", "mish", "sigmoid",
           "tanh", "softplus", "softsign", "hardtanh", "hardtanh_", "hardsigmoid", "hardswish",
           "softmax", "softmin", "log_softmax", "threshold", "threshold_", "glu", "logsigmoid",
           "tanhshrink", "softshrink", "hardshrink", "gumbel_softmax"]


def relu(input, inplace=False):
    """max(input, 0) elementwise; `inplace=True` overwrites input."""
    return _e.relu_(input) if inplace else _e.relu(input)


def relu_(input):
    """In-place relu."""
    return _e.relu_(input)


def relu6(input, inplace=False):
    """min(max(input, 0), 6) (recorded as hardtanh, as in torch)."""
    return _a.hardtanh_(input, 0.0, 6.0) if inplace else _a.relu6(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """input where positive, negative_slope * input elsewhere."""
    if inplace:
        return _a.leaky_relu_(input, negative_slope)
    return _a.leaky_relu(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    """In-place leaky_relu."""
    return _a.leaky_relu_(input, negative_slope)


def prelu(input, weight):
    """max(0, x) + weight * min(0, x), with a learnable slope per channel (dim 1)."""
    return _a.prelu(input, weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: slope ~ U(lower, upper) in training, their mean in eval."""
    if inplace:
        return _a.rrelu_(input, lower, upper, training)
    return _a.rrelu(input, lower, upper, training)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """In-place rrelu."""
    return _a.rrelu_(input, lower, upper, training)


def elu(input, alpha=1.0, inplace=False):
    """input where positive, alpha * (exp(input) - 1) elsewhere."""
    return _a.elu_(input, alpha) if inplace else _a.elu(input, alpha)


def elu_(input, alpha=1.0):
    """In-place elu."""
    return _a.elu_(input, alpha)


def selu(input, inplace=False):
    """Scaled ELU with the self-normalising constants (alpha 1.6733, scale 1.0507)."""
    return _a.selu_(input) if inplace else _a.selu(input)


def selu_(input):
    """In-place selu."""
    return _a.selu_(input)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    return _a.celu_(input, alpha) if inplace else _a.celu(input, alpha)


def celu_(input, alpha=1.0):
    """In-place celu."""
    return _a.celu_(input, alpha)


def gelu(input, approximate="none"):
    """x * Phi(x) (Phi the standard normal CDF), or its tanh approximation."""
    return _a.gelu(input, approximate)


def silu(input, inplace=False):
    """x * sigmoid(x)."""
    return _a.silu_(input) if inplace else _a.silu(input)


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return _a.mish_(input) if inplace else _a.mish(input)


def sigmoid(input):
    """1 / (1 + exp(-input))."""
    return _e.sigmoid(input)


def tanh(input):
    """Hyperbolic tangent."""
    return _e.tanh(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta, linear where beta * x > threshold."""
    return _a.softplus(input, beta, threshold)


def softsign(input):
    """x / (1 + |x|)."""
    return _a.softsign(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamp to [min_val, max_val]."""
    if inplace:
        return _a.hardtanh_(input, min_val, max_val)
    return _a.hardtanh(input, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place hardtanh."""
    return _a.hardtanh_(input, min_val, max_val)


def hardsigmoid(input, inplace=False):
    """clamp(x / 6 + 1/2, 0, 1)."""
    return _a.hardsigmoid_(input) if inplace else _a.hardsigmoid(input)


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6."""
    return _a.hardswish_(input) if inplace else _a.hardswish(input)


def _implicit_dim(name, ndim, stacklevel=3):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along dim."""
    if dim is None:
        dim = _implicit_dim("softmax", input.dim(), _stacklevel)
    return _r.softmax(input, dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along dim."""
    if dim is None:
        dim = _implicit_dim("softmin", input.dim(), _stacklevel)
    return _r.softmin(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along dim, computed stably."""
    if dim is None:
        dim = _implicit_dim("log_softmax", input.dim(), _stacklevel)
    return _r.log_softmax(input, dim, dtype)


def threshold(input, threshold, value, inplace=False):
    """input where input > threshold, value elsewhere."""
    if inplace:
        return _a.threshold_(input, threshold, value)
    return _a.threshold(input, threshold, value)


def threshold_(input, threshold, value):
    """In-place threshold."""
    return _a.threshold_(input, threshold, value)


def glu(input, dim=-1):
    """Gated linear unit: a * sigmoid(b), a and b the halves of input along dim."""
    return _a.glu(input, dim)


def logsigmoid(input):
    """log(sigmoid(x)), stable for large |x|."""
    return _a.logsigmoid(input)


def tanhshrink(input):
    """x - tanh(x)."""
    return _a.tanhshrink(input)


def softshrink(input, lambd=0.5):
    """Shrink toward 0 by lambd, zero inside [-lambd, lambd]."""
    return _a.softshrink(input, lambd)


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, 0 elsewhere."""
    return _a.hardshrink(input, lambd)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """A sample from the Gumbel-softmax distribution: softmax((logits + g) / tau) with g
    standard Gumbel noise; `hard` returns one-hot vectors whose gradient is the soft
    sample's (straight-through estimator)."""
    from ember._ops.creation import empty_like, zeros_like
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -empty_like(logits).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
