"""Autograd nodes for nn activations (torch.nn.functional.elu, gelu, silu, ...).

Each node is one of torch's (`EluBackward0`, `GeluBackward0`, ...): `forward` on backend
arrays, `backward` in ember ops so higher-order gradients work. The `...Backward1` nodes are
the in-place forms, whose backward reads the saved result instead of the overwritten input.
relu, sigmoid, tanh and the softmax family live with the other elementwise / reduction ops.
"""
import math

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops.clamp import where
from ember._ops.elementwise import _no_kernel, check_inplace, inplace_from
from ember._ops.unary import _erf, _sigmoid
from ember._ops.engine import GRAD, Node, execute
from ember._ops.registry import export
from ember._ops import autocast as _ac

_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_K = math.sqrt(2.0 / math.pi)
_GELU_C = 0.044715
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _same(r, a):
    """Result array `r` in the dtype of input array `a` (NumPy may widen 0-d math)."""
    r = xp.asarray(r)
    return r if r.dtype == a.dtype else r.astype(a.dtype)


def _floating(input, kernel):
    """torch's NotImplementedError for an activation kernel given integer or bool input."""
    if input.dtype.category < _dt.FLOAT:
        _no_kernel(kernel, input.dtype)


def _run(cls, input, *args):
    return execute(cls, (input,), (input._data,), args)


def _inplace(self, cls, *args):
    """Apply node `cls` to `self` in place (torch's `*_` activations)."""
    check_inplace(self)
    if not (GRAD.enabled and self._requires_grad):
        self._data[...] = cls.fwd(self._data, *args)
        self._bump_version()
        return self
    return inplace_from(self, _run(cls, self, *args))


def _act(cls, kernel, input, *args):
    """Activation node `cls` on a floating input (torch's `kernel` refuses the others)."""
    _floating(input, kernel)
    return _run(cls, input, *args)


def _act_(cls, kernel, input, *args):
    """The in-place form of `_act`."""
    _floating(input, kernel)
    return _inplace(input, cls, *args)


class _Unary(Node):
    """An activation of one input saved for backward; `fwd(a, *args)`, `bwd(g, x, *args)`."""
    saves = (0,)

    def forward(self, a, *args):
        self.args = args
        return _same(self.fwd(a, *args), a)

    def backward(self, grad):
        x, = self.saved()
        return self.bwd(grad, x, *self.args)


class _UnaryResult(_Unary):
    """An in-place activation: backward reads the saved result (the input is overwritten)."""
    saves = ()
    saves_result = True


def _node(name, fwd, bwd, base=_Unary):
    cls = type(name, (base,), {"fwd": staticmethod(fwd), "bwd": staticmethod(bwd),
                               "__module__": __name__})
    globals()[name] = cls
    return cls


# --- piecewise-linear activations ------------------------------------------------------------
# Masks are written as torch's kernels test them (`x <= t ? 0 : g`), so a NaN input takes the
# pass-through branch: NaN propagates forward and its gradient passes, as in torch.

_node("HardtanhBackward0", lambda a, lo, hi: xp.clip(a, lo, hi),
      lambda g, x, lo, hi: where((x <= lo) | (x >= hi), 0.0, g))
_node("LeakyReluBackward0", lambda a, s: xp.where(a > 0, a, a * s),
      lambda g, x, s: where(x > 0, g, g * s))
_node("LeakyReluBackward1", LeakyReluBackward0.fwd, LeakyReluBackward0.bwd, _UnaryResult)
_node("RreluWithNoiseBackward0", lambda a, s: xp.where(a > 0, a, a * s),
      lambda g, x, s: where(x > 0, g, g * s))
_node("RreluWithNoiseBackward1", RreluWithNoiseBackward0.fwd, RreluWithNoiseBackward0.bwd,
      _UnaryResult)
_node("ThresholdBackward0", lambda a, t, v: xp.where(a <= t, v, a),
      lambda g, x, t, v: where(x <= t, 0.0, g))
# in-place threshold keeps a copy of the input: the result cannot tell where it was replaced
_node("ThresholdBackward1", ThresholdBackward0.fwd, ThresholdBackward0.bwd)
_node("SoftshrinkBackward0",
      lambda a, l: xp.where(a > l, a - l, xp.where(a < -l, a + l, xp.where(a == a, 0, a))),
      lambda g, x, l: where((x >= -l) & (x <= l), 0.0, g))
_node("HardshrinkBackward0", lambda a, l: xp.where((a >= -l) & (a <= l), 0, a),
      lambda g, x, l: where((x >= -l) & (x <= l), 0.0, g))
_node("HardsigmoidBackward0", lambda a: xp.clip(a / 6 + 0.5, 0, 1),
      lambda g, x: where((x > -3) & (x < 3), g / 6, 0.0))
_node("HardswishBackward0", lambda a: a * xp.clip(a + 3, 0, 6) / 6,
      lambda g, x: where(x <= -3, 0.0, where(x < 3, g * (x / 3 + 0.5), g)))


# --- smooth activations ------------------------------------------------------------------------

def _elu_fwd(a, alpha, scale, input_scale):
    neg = xp.expm1(xp.minimum(a, 0) * input_scale) * (alpha * scale)
    return xp.where(a > 0, a * scale, neg)


def _elu_bwd(g, x, alpha, scale, input_scale):
    # torch tests x <= 0 for the exponential branch, so a NaN input gets the slope `scale`;
    # the branch sees x only below 0, so exp cannot overflow (nor a NaN leak) into the double
    # backward through the branch not taken, and at x = 0 the second derivative is 0, as
    # torch's double backward (masked by x < 0) has it
    neg = x <= 0
    xn = where(x < 0, x, 0.0)
    return where(neg, g * ((xn * input_scale).exp() * (alpha * scale * input_scale)), g * scale)


def _elu_bwd_result(g, r, alpha, scale, input_scale):
    # below 0 the result r = s*a*(exp(i*x) - 1), so the slope is i*(r + a*s)
    return where(r <= 0, g * ((where(r < 0, r, 0.0) + alpha * scale) * input_scale), g * scale)


_node("EluBackward0", _elu_fwd, _elu_bwd)
_node("EluBackward1", _elu_fwd, _elu_bwd_result, _UnaryResult)
_node("CeluBackward0", lambda a, al: _elu_fwd(a, al, 1.0, 1.0 / al),
      lambda g, x, al: _elu_bwd(g, x, al, 1.0, 1.0 / al))
_node("CeluBackward1", CeluBackward0.fwd,
      lambda g, r, al: _elu_bwd_result(g, r, al, 1.0, 1.0 / al), _UnaryResult)


def _gelu_fwd(a, approximate):
    if approximate == "tanh":
        return 0.5 * a * (1 + xp.tanh(_GELU_K * (a + _GELU_C * a * a * a)))
    return 0.5 * a * (1 + _erf(a * _SQRT1_2))


def _gelu_bwd(g, x, approximate):
    if approximate == "tanh":
        inner = (x + x * x * x * _GELU_C) * _GELU_K
        t = inner.tanh()
        d_inner = (x * x * (3 * _GELU_C) + 1) * _GELU_K
        return g * ((t + 1) * 0.5 + x * 0.5 * (-(t * t) + 1) * d_inner)
    cdf = ((x * _SQRT1_2).erf() + 1) * 0.5
    pdf = (x * x * -0.5).exp() * _INV_SQRT_2PI
    return g * (cdf + x * pdf)


_node("GeluBackward0", _gelu_fwd, _gelu_bwd)
_node("SiluBackward0", lambda a: a * _sigmoid(a),
      lambda g, x: g * (lambda s: s * (x * (-s + 1) + 1))(x.sigmoid()))


def _softplus_arr(a):
    """log(1 + exp(a)) without overflow."""
    return xp.maximum(a, 0) + xp.log1p(xp.exp(-xp.absolute(a)))


def _mish_bwd(g, x):
    t = softplus(x).tanh()
    return g * (t + x * x.sigmoid() * (-(t * t) + 1))


_node("MishBackward0", lambda a: a * xp.tanh(_softplus_arr(a)), _mish_bwd)
_node("SoftplusBackward0",
      lambda a, b, t: xp.where(a * b > t, a, _softplus_arr(a * b) / b),
      # at beta * x = threshold the slope is sigmoid(t) with no second derivative (torch's
      # double backward masks with beta * x < threshold)
      lambda g, x, b, t: (lambda xb: where(xb > t, g, g * where(xb >= t, xb.detach(), xb)
                                          .sigmoid()))(x * b))
_node("LogSigmoidBackward0", lambda a: -_softplus_arr(-a),
      lambda g, x: g * (-x).sigmoid())


class GluBackward0(Node):
    saves = (0,)

    def forward(self, a, dim):
        self.dim = dim
        first, second = xp.split(a, 2, axis=dim)
        return _same(first * _sigmoid(second), a)

    def backward(self, grad):
        x, = self.saved()
        first, second = x.chunk(2, self.dim)
        s = second.sigmoid()
        from ember._ops.shape import cat
        return cat([grad * s, grad * first * s * (-s + 1)], self.dim)


class PreluKernelBackward0(Node):
    """prelu with the weight already viewed to broadcast against the input."""
    saves = (0, 1)

    def forward(self, a, w):
        return _same(xp.where(a > 0, a, a * w), a)

    def backward(self, grad):
        x, w = self.saved()
        pos = x > 0
        gx = where(pos, grad, grad * w) if self.needs(0) else None
        gw = where(pos, 0.0, grad * x) if self.needs(1) else None
        return gx, gw


# --- the ops -------------------------------------------------------------------------------------

def hardtanh(input, min_val=-1.0, max_val=1.0):
    """Clamp to [min_val, max_val] (torch.nn.functional.hardtanh)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if input.dtype is _dt.bool:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    return _run(HardtanhBackward0, input, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place hardtanh."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _inplace(input, HardtanhBackward0, min_val, max_val)


def leaky_relu(input, negative_slope=0.01):
    """x for x > 0, negative_slope * x otherwise."""
    return _act(LeakyReluBackward0, "leaky_relu_cpu", input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    """In-place leaky_relu."""
    _floating(input, "leaky_relu_cpu")
    if input._requires_grad and GRAD.enabled and negative_slope < 0:
        raise RuntimeError("In-place leakyReLu backward calculation is triggered with a "
                           "negative slope which is not supported. This is caused by calling "
                           "in-place forward function with a negative slope, please call "
                           "out-of-place version instead. File an issue at "
                           "https://github.com/pytorch/pytorch if you do require supporting "
                           "in-place leakRelu backward calculation with negative slope")
    return _inplace(input, LeakyReluBackward1, negative_slope)


def _rrelu_slope(input, lower, upper, training):
    if not training:
        return (lower + upper) / 2
    from ember._ops.creation import empty
    noise = empty(input.shape, dtype=input.dtype).uniform_(lower, upper)._data
    # torch draws a slope where x <= 0 only, so a NaN input keeps slope 1
    return xp.where(input._data <= 0, noise, 1).astype(input._data.dtype)


@export(method=False)
def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """Randomized leaky ReLU: negative inputs scaled by a slope drawn from U(lower, upper) in
    training, by (lower + upper) / 2 in evaluation."""
    _floating(input, "rrelu_with_noise_out_cpu")
    return _run(RreluWithNoiseBackward0, input, _rrelu_slope(input, lower, upper, training))


@export(method=False)
def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    """In-place rrelu."""
    _floating(input, "rrelu_with_noise_out_cpu")
    return _inplace(input, RreluWithNoiseBackward1, _rrelu_slope(input, lower, upper, training))


def elu(input, alpha=1.0):
    """alpha * (exp(x) - 1) for x <= 0, x otherwise (torch.nn.functional.elu)."""
    return _act(EluBackward0, "elu_cpu", input, alpha, 1.0, 1.0)


def elu_(input, alpha=1.0):
    """In-place elu."""
    _floating(input, "elu_cpu")
    if input._requires_grad and GRAD.enabled and alpha < 0:
        raise RuntimeError("In-place elu backward calculation is triggered with a negative "
                           "slope which is not supported. This is caused by calling in-place "
                           "forward function with a negative slope, please call out-of-place "
                           "version instead.")
    return _inplace(input, EluBackward1, alpha, 1.0, 1.0)


@export(method=False)
def selu(input):
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al."""
    return _act(EluBackward0, "elu_cpu", input, SELU_ALPHA, SELU_SCALE, 1.0)


@export(method=False)
def selu_(input):
    """In-place selu."""
    return _act_(EluBackward1, "elu_cpu", input, SELU_ALPHA, SELU_SCALE, 1.0)


def _check_celu(alpha):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")


@export(method=False)
def celu(input, alpha=1.0):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    _floating(input, "elu_cpu")
    _check_celu(alpha)
    return _run(CeluBackward0, input, alpha)


@export(method=False)
def celu_(input, alpha=1.0):
    """In-place celu."""
    _floating(input, "elu_cpu")
    _check_celu(alpha)
    return _inplace(input, CeluBackward1, alpha)


def gelu(input, approximate="none"):
    """x * Phi(x), Phi the standard normal CDF; approximate='tanh' uses the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _act(GeluBackward0, "GeluKernelImpl", input, approximate)


def silu(input):
    """x * sigmoid(x) (swish)."""
    return _act(SiluBackward0, "silu_cpu", input)


def silu_(input):
    """In-place silu."""
    return _act_(SiluBackward0, "silu_cpu", input)


def mish(input):
    """x * tanh(softplus(x))."""
    return _act(MishBackward0, "mish_cpu", input)


def mish_(input):
    """In-place mish."""
    return _act_(MishBackward0, "mish_cpu", input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold."""
    return _act(SoftplusBackward0, "softplus_cpu", input, beta, threshold)


def hardsigmoid(input):
    """clamp(x / 6 + 1 / 2, 0, 1)."""
    return _act(HardsigmoidBackward0, "hardsigmoid_cpu", input)


def hardsigmoid_(input):
    """In-place hardsigmoid."""
    return _act_(HardsigmoidBackward0, "hardsigmoid_cpu", input)


def hardswish(input):
    """x * relu6(x + 3) / 6."""
    return _act(HardswishBackward0, "hardswish_cpu", input)


def hardswish_(input):
    """In-place hardswish."""
    return _act_(HardswishBackward0, "hardswish_cpu", input)


def logsigmoid(input):
    """log(sigmoid(x)), computed without overflow."""
    return _act(LogSigmoidBackward0, "log_sigmoid_cpu", input)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    _floating(input, "softshrink_check")
    if lambd < 0:
        raise RuntimeError("lambda must be greater or equal to 0, but found to be "
                           f"{float(lambd)}.")
    return _run(SoftshrinkBackward0, input, lambd)


@export
def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, 0 elsewhere."""
    return _act(HardshrinkBackward0, "hardshrink_cpu", input, lambd)


@export(method=False)
def threshold(input, threshold, value):
    """x where x > threshold, value elsewhere."""
    if input.dtype is _dt.bool:
        _no_kernel("threshold_cpu", input.dtype)
    return _run(ThresholdBackward0, input, threshold, value)


@export(method=False)
def threshold_(input, threshold, value):
    """In-place threshold."""
    return _inplace(input, ThresholdBackward1, threshold, value)


def glu(input, dim=-1):
    """a * sigmoid(b), where a and b are the two halves of input along dim."""
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    from ember._ops._util import wrap_dim
    d = wrap_dim(dim, nd)
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size "
                           f"{input.shape[d]}")
    _floating(input, "glu_cpu")
    return execute(GluBackward0, (input,), (input._data,), (d,))


@export
def prelu(input, weight):
    """max(0, x) + weight * min(0, x), weight per channel (dim 1) or a single value."""
    if _ac.on and _ac.active():
        return _ac.lower(prelu, input, weight)
    n = weight._data.size
    nd = input._data.ndim
    channels = input.shape[1] if nd >= 2 else 1
    if weight._data.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight._data.ndim}")
    if n != 1 and n != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {n} and channel size = {channels}.")
    w = weight
    if nd >= 2:  # the weight is viewed to broadcast along dim 1 (a ViewBackward0 in torch)
        shape = [1] * nd
        shape[1] = n
        w = weight.view(shape)
    elif nd == 0:
        w = weight.view([])
    if input.dtype is not w.dtype:
        w = w.to(input.dtype)
    return execute(PreluKernelBackward0, (input, w), (input._data, w._data))


def relu6(input):
    """min(max(0, x), 6): hardtanh(x, 0, 6), as torch records it."""
    return hardtanh(input, 0.0, 6.0)


def softsign(input):
    """x / (1 + |x|), composed as in torch."""
    return input / (input.abs() + 1)


def tanhshrink(input):
    """x - tanh(x), composed as in torch."""
    return input - input.tanh()
