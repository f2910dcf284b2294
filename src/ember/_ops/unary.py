"""Unary elementwise math, one declaration per op (exp, log, trig, erf, rounding, ...), with
the error-function kernels, logit and round.
"""
import math

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops._util import make
from ember._ops.engine import GRAD, Node, execute
from ember._ops.registry import export
from ember._ops.clamp import where
from ember._ops.elementwise import (_BOOL, _COMPLEX, _FLOAT, _INT, _SQRT_PI, _inplace, _no_kernel,
                                    _out, _typed, check_inplace, inplace_from, ndarray)


# --- unary math: one declaration per op --------------------------------------------------------

_UNARY_DOC = "Elementwise {name} of the input, as torch.{name}."
# torch has no function form for these in-place methods
_METHOD_ONLY_INPLACE = {"sgn", "sign", "absolute", "erfinv"}


def _unary(name, node_name, fwd, bwd, *, floating=True, complex_ok=True, saves_input=False,
           saves_result=False, ints="ok", bool_error=None, inplace=True, doc=None,
           kernel=None):
    """Declare a unary elementwise op: node class `node_name` (forward `fwd` on arrays,
    backward `bwd(node, grad, x, result)` in ember ops), the function, the method and the
    in-place method. `floating` ops compute integer inputs in the default float dtype; other
    ops keep the dtype, `ints` saying what integer inputs do ('ok', 'copy' for rounding ops
    that leave integers unchanged, 'error'); `bool_error` is torch's error for bool input."""
    attrs = {"forward": lambda self, a: fwd(a), "saves": (0,) if saves_input else (),
             "saves_result": saves_result, "__module__": __name__}
    if bwd is not None:
        def backward(self, grad):
            saved = self.saved()
            x = saved[0] if saves_input else None
            r = saved[-1] if saves_result else None
            return bwd(self, grad, x, r)
        attrs["backward"] = backward
    node = type(node_name, (Node,), attrs)
    kernel = kernel or f"{name}_cpu"

    def op(input, *, out=None):
        dt = input.dtype
        cat = dt.category
        data = input._data
        if cat < _FLOAT:
            if floating:
                data = data.astype(_dt.get_default_dtype().np)
            elif cat == _BOOL and bool_error is not None:
                raise bool_error[0](bool_error[1].format(kernel=kernel))
            elif ints == "error" or (ints == "copy" and cat == _BOOL):
                _no_kernel(kernel, dt)
            elif ints == "copy":
                return _out(make(data.copy(), dt), out)
        elif cat == _COMPLEX and complex_ok is not True:
            if complex_ok:
                raise complex_ok[0](complex_ok[1])
            _no_kernel(kernel, dt)
        return _out(execute(node, (input,), (data,)), out)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc or _UNARY_DOC.format(name=name)
    export(op)
    globals()[name] = op
    globals()[node_name] = node
    if inplace:
        op_ = _inplace(op) if inplace is True else _inplace_no_grad(op, fwd, inplace)
        export(op_, function=name not in _METHOD_ONLY_INPLACE)
        globals()[name + "_"] = op_
    return op


class _NoInplaceDerivative(Node):
    def forward(self, a, fwd, name):
        self.op_name = name
        return fwd(a)

    def backward(self, grad):
        raise NotImplementedError(f"the derivative for 'inplace version of {self.op_name}' is "
                                  "not implemented.")

    @property
    def fw_op_name(self):  # the name forward AD's error gives (torch's: e.g. 'asinh_')
        return self.op_name + "_"


def _inplace_no_grad(op, fwd, node_name):
    """In-place form of `op` for which torch has no derivative: recorded as `node_name`,
    whose backward raises NotImplementedError."""
    cls = type(node_name, (_NoInplaceDerivative,), {"__module__": __name__})
    globals()[node_name] = cls

    def op_(self):
        check_inplace(self)
        if not (GRAD.enabled and self._requires_grad) and GRAD.fw is None:
            return inplace_from(self, op(self))
        return inplace_from(self, execute(cls, (self,), (self._data,), (fwd, op.__name__)))
    op_.__name__ = op_.__qualname__ = op.__name__ + "_"
    op_.__doc__ = f"In-place {op.__name__} (not differentiable, as in torch)."
    return op_


def _zero_grad(node, g, x, r):
    return g * 0


_BOOL_NOT_IMPLEMENTED = (NotImplementedError, '"{kernel}" not implemented for \'Bool\'')
_NEG_BOOL = (RuntimeError, "Negation, the `-` operator, on a bool tensor is not supported. If "
             "you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
_SIGN_COMPLEX = "Unlike NumPy, torch.sign is not intended to support complex numbers. Please " \
    "use torch.sgn instead."

_unary("neg", "NegBackward0", xp.negative, lambda n, g, x, r: -g, floating=False,
       bool_error=_NEG_BOOL, doc="Elementwise -input.")
_unary("abs", "AbsBackward0", xp.absolute, lambda n, g, x, r: g * x.sgn(), floating=False,
       saves_input=True, bool_error=_BOOL_NOT_IMPLEMENTED,
       doc="Elementwise absolute value |input|.")
_unary("sign", "SignBackward0", lambda a: _sign(a),
       _zero_grad, floating=False, complex_ok=(NotImplementedError, _SIGN_COMPLEX),
       doc="Elementwise sign (-1, 0 or 1) of a real tensor.")
_unary("sgn", "SgnBackward0", lambda a: _sgn(a), lambda n, g, x, r: _sgn_backward(g, x, r),
       floating=False, saves_input=True, saves_result=True,
       doc="Elementwise sign: input / |input| for complex numbers (0 at 0), sign() for reals.")
_unary("reciprocal", "ReciprocalBackward0", lambda a: xp.reciprocal(a),
       lambda n, g, x, r: -g * (r * r).conj(), saves_result=True, doc="Elementwise 1 / input.")
_unary("sqrt", "SqrtBackward0", xp.sqrt, lambda n, g, x, r: g / (r.conj() * 2),
       saves_result=True, doc="Elementwise square root (NaN below 0 for real inputs).")
_unary("rsqrt", "RsqrtBackward0", lambda a: _rsqrt(a),
       lambda n, g, x, r: g * (r.pow(3) * -0.5).conj(), saves_result=True,
       doc="Elementwise 1 / sqrt(input).")
_unary("exp", "ExpBackward0", xp.exp, lambda n, g, x, r: g * r.conj(), saves_result=True,
       doc="Elementwise e ** input.")
_unary("exp2", "Exp2Backward0", xp.exp2,
       lambda n, g, x, r: g * (r * math.log(2)).conj(), saves_result=True,
       doc="Elementwise 2 ** input.")
_unary("expm1", "Expm1Backward0", xp.expm1, lambda n, g, x, r: g * (r + 1).conj(),
       saves_result=True, doc="Elementwise exp(input) - 1, accurate near 0.")
_unary("log", "LogBackward0", xp.log, lambda n, g, x, r: g / x.conj(), saves_input=True,
       doc="Elementwise natural logarithm (NaN below 0, -inf at 0 for real inputs).")
_unary("log1p", "Log1PBackward0", xp.log1p, lambda n, g, x, r: g / (x + 1).conj(),
       saves_input=True, doc="Elementwise log(1 + input), accurate near 0.")
_unary("log2", "Log2Backward0", xp.log2, lambda n, g, x, r: g / (x * math.log(2)).conj(),
       saves_input=True, doc="Elementwise base-2 logarithm.")
_unary("log10", "Log10Backward0", xp.log10, lambda n, g, x, r: g / (x * math.log(10)).conj(),
       saves_input=True, doc="Elementwise base-10 logarithm.")
_unary("sin", "SinBackward0", xp.sin, lambda n, g, x, r: g * x.cos().conj(), saves_input=True)
_unary("cos", "CosBackward0", xp.cos, lambda n, g, x, r: g * -x.sin().conj(), saves_input=True)
_unary("tan", "TanBackward0", xp.tan, lambda n, g, x, r: g * (r * r + 1).conj(),
       saves_result=True)
_unary("asin", "AsinBackward0", xp.arcsin,
       lambda n, g, x, r: g * (-(x * x) + 1).rsqrt().conj(), saves_input=True,
       doc="Elementwise arcsine (NaN outside [-1, 1] for real inputs).")
_unary("acos", "AcosBackward0", xp.arccos,
       lambda n, g, x, r: g * -(-(x * x) + 1).rsqrt().conj(), saves_input=True,
       doc="Elementwise arccosine (NaN outside [-1, 1] for real inputs).")
_unary("atan", "AtanBackward0", xp.arctan, lambda n, g, x, r: g / (x * x + 1).conj(),
       saves_input=True, doc="Elementwise arctangent.")
_unary("sinh", "SinhBackward0", xp.sinh, lambda n, g, x, r: g * x.cosh().conj(),
       saves_input=True)
_unary("cosh", "CoshBackward0", xp.cosh, lambda n, g, x, r: g * x.sinh().conj(),
       saves_input=True)
_unary("tanh", "TanhBackward0", xp.tanh, lambda n, g, x, r: g * (-(r * r) + 1).conj(),
       saves_result=True)
_unary("asinh", "AsinhBackward0", xp.arcsinh, lambda n, g, x, r: g * (x * x + 1).rsqrt().conj(),
       saves_input=True, inplace="AsinhBackward1", doc="Elementwise inverse hyperbolic sine.")
_unary("acosh", "AcoshBackward0", xp.arccosh,
       lambda n, g, x, r: g * ((x * x) - 1).rsqrt().conj(), saves_input=True,
       inplace="AcoshBackward1",
       doc="Elementwise inverse hyperbolic cosine (NaN below 1 for real inputs).")
_unary("atanh", "AtanhBackward0", xp.arctanh, lambda n, g, x, r: g / (-(x * x) + 1).conj(),
       saves_input=True, inplace="AtanhBackward1",
       doc="Elementwise inverse hyperbolic tangent (NaN outside [-1, 1]).")
_unary("sigmoid", "SigmoidBackward0", lambda a: _sigmoid(a),
       lambda n, g, x, r: g * (r * (-r + 1)).conj(), saves_result=True,
       doc="Elementwise logistic sigmoid 1 / (1 + exp(-input)).")
_unary("erf", "ErfBackward0", lambda a: _erf(a),
       lambda n, g, x, r: g * (-(x * x)).exp() * (2 / _SQRT_PI), saves_input=True,
       complex_ok=False, doc="Elementwise Gauss error function.")
_unary("erfc", "ErfcBackward0", lambda a: _erfc(a),
       lambda n, g, x, r: g * (-(x * x)).exp() * (-2 / _SQRT_PI), saves_input=True,
       complex_ok=False, doc="Elementwise complementary error function 1 - erf(input).")
_unary("erfinv", "ErfinvBackward0", lambda a: _erfinv(a),
       lambda n, g, x, r: g * (r * r).exp() * (_SQRT_PI / 2), saves_result=True,
       complex_ok=False, doc="Elementwise inverse error function (inf at +-1, NaN outside).")
_unary("floor", "FloorBackward0", xp.floor, _zero_grad, floating=False, complex_ok=False,
       ints="copy", kernel="floor_vml_cpu", doc="Elementwise largest integer <= input.")
_unary("ceil", "CeilBackward0", xp.ceil, _zero_grad, floating=False, complex_ok=False,
       ints="copy", kernel="ceil_vml_cpu", doc="Elementwise smallest integer >= input.")
_unary("trunc", "TruncBackward0", xp.trunc, _zero_grad, floating=False, complex_ok=False,
       ints="copy", kernel="trunc_vml_cpu", doc="Elementwise rounding toward zero.")
_unary("frac", "FracBackward0", lambda a: a - xp.trunc(a), lambda n, g, x, r: g,
       floating=False, complex_ok=False, ints="error",
       doc="Elementwise fractional part input - trunc(input), keeping the sign.")
_unary("relu", "ReluBackward0", lambda a: xp.maximum(a, _typed(0, a)),
       lambda n, g, x, r: where(r <= 0, 0.0, g), floating=False, complex_ok=False,
       saves_result=True, kernel="clamp_min_cpu",
       bool_error=(RuntimeError, "Boolean inputs not supported for relu"),
       doc="Elementwise max(input, 0).")
_unary("deg2rad", "Deg2RadBackward0", lambda a: a * _typed(math.pi / 180, a),
       lambda n, g, x, r: g * (math.pi / 180),
       complex_ok=(RuntimeError, "deg2rad is not supported for complex tensors."),
       doc="Converts angles from degrees to radians.")
_unary("rad2deg", "Rad2DegBackward0", lambda a: a * _typed(180 / math.pi, a),
       lambda n, g, x, r: g * (180 / math.pi),
       complex_ok=(RuntimeError, "rad2deg is not supported for complex tensors."),
       doc="Converts angles from radians to degrees.")

for _alias, _target in (("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"),
                        ("arcsinh", "asinh"), ("arccosh", "acosh"), ("arctanh", "atanh"),
                        ("fix", "trunc"), ("negative", "neg"), ("absolute", "abs")):
    def _make_alias(target, alias):
        f = globals()[target]

        def op(input, *, out=None):
            return f(input, out=out)
        op.__name__ = op.__qualname__ = alias
        op.__doc__ = f"Alias of :func:`{target}`."
        export(op, method_names=("__neg__",) if alias == "negative" else
               ("__abs__",) if alias == "absolute" else ())
        globals()[alias] = op
        target_ = globals()[target + "_"]

        def op_(self):
            return target_(self)
        op_.__name__ = op_.__qualname__ = alias + "_"
        op_.__doc__ = f"Alias of :meth:`{target}_`."
        export(op_, function=alias not in _METHOD_ONLY_INPLACE)
        globals()[alias + "_"] = op_
    _make_alias(_target, _alias)


def _half_via_float32(fn, a):
    """Run fn in float32 for half inputs (the series below are written for float32/64)."""
    if a.dtype.kind == "V" or a.dtype == xp.float16:
        return fn(a.astype(xp.float32)).astype(a.dtype)
    return fn(a)


def _rsqrt(a):
    with xp.errstate(divide="ignore", invalid="ignore"):
        return 1 / xp.sqrt(a) if a.dtype.kind != "V" else \
            (1 / xp.sqrt(a.astype(xp.float32))).astype(a.dtype)


def _sgn(a):
    if a.dtype.kind == "c":
        mag = xp.absolute(a)
        with xp.errstate(invalid="ignore", divide="ignore"):
            return xp.where(mag == 0, 0, a / xp.where(mag == 0, 1, mag)).astype(a.dtype)
    return _sign(a)


def _sign(a):
    if a.dtype.kind == "b":
        return a.copy()
    s = xp.sign(a)
    return xp.where(s != s, _typed(0, a), s) if a.dtype.kind in "fV" else s  # NaN -> 0


def _sgn_backward(g, x, r):
    if not x.is_complex():
        return g * 0
    a = x.abs()
    out = (g - (g * r.conj()).real * r) / where(a == 0, 1.0, a)
    return where(a == 0, 0.0, out)


def _sigmoid(a):
    # 1 / (1 + exp(-a)), as torch's CPU kernel computes it (so it also underflows to 0 where
    # torch's does); exp overflowing to inf for very negative a gives exactly 0
    if a.dtype.itemsize == 2:  # half types: compute in float32 and round once, as torch
        return _sigmoid(a.astype(xp.float32)).astype(a.dtype)
    one = _typed(1, a)
    e = xp.exp(-a)
    if e.__class__ is not ndarray:
        return one / (one + e)
    e += one
    return xp.divide(one, e, out=e)


# --- error function: W. J. Cody's rational Chebyshev approximations ----------------------------
# erf(x) = x P(x^2) / Q(x^2) for |x| <= 0.46875; erfc(x) = exp(-x^2) P(x) / Q(x) up to 4; and
# erfc(x) = exp(-x^2) / x (1/sqrt(pi) + R(1/x^2) / x^2) beyond. Relative error about 1e-16.
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
          2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
          2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
          1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
          3.43936767414372164e03, 1.23033935480374942e03)
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
          1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_ERF_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
          6.05183413124413191e-2, 2.33520497626869185e-3)
_ERF_SMALL = 0.46875


def _horner(y, lead, num_c, den_c):
    """Numerator and denominator of Cody's rational forms, evaluated in place."""
    num = y * lead
    den = y.copy()
    for cn, cd in zip(num_c, den_c):
        num += cn
        num *= y
        den += cd
        den *= y
    return num, den


def _erf_pair(x):
    """(erf(x), erfc(x)) for a float64 array, each branch computed only where it applies."""
    y = xp.absolute(x)
    erf, erfc = xp.empty_like(x), xp.empty_like(x)
    small = y <= _ERF_SMALL
    xs = x[small]
    num, den = _horner(xs * xs, _ERF_A[4], _ERF_A[:3], _ERF_B[:3])
    v = xs * (num + _ERF_A[3]) / (den + _ERF_B[3])
    erf[small] = v
    erfc[small] = 1 - v
    big = ~small
    if big.any():
        yb = y[big]
        r = xp.empty_like(yb)
        mid = yb <= 4
        ym = yb[mid]
        num, den = _horner(ym, _ERF_C[8], _ERF_C[:7], _ERF_D[:7])
        r[mid] = (num + _ERF_C[7]) / (den + _ERF_D[7])
        far = ~mid
        if far.any():
            yf = yb[far]
            z = 1 / (yf * yf)
            num, den = _horner(z, _ERF_P[5], _ERF_P[:4], _ERF_Q[:4])
            r[far] = (1 / _SQRT_PI - z * (num + _ERF_P[4]) / (den + _ERF_Q[4])) / yf
        # exp(-y^2) as exp(-s^2) exp(-(y - s)(y + s)) with s = y rounded down to 1/16: s^2 is
        # exact, which keeps erfc's relative accuracy for large y
        s = xp.trunc(yb * 16) / 16
        r *= xp.exp(-s * s) * xp.exp(-(yb - s) * (yb + s))
        r[yb >= 27] = 0.0  # erfc underflows (and inf - inf would give NaN)
        xb = x[big]
        erf[big] = xp.copysign(0.5 - r + 0.5, xb)
        erfc[big] = xp.where(xb < 0, 2 - r, r)
    nan = y != y
    erf[nan] = erfc[nan] = xp.nan
    return erf, erfc


def _erf(a):
    """Vectorised erf: float64 math, cast back to a's dtype."""
    with xp.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        r = _erf_pair(a.astype(xp.float64).reshape(-1))[0]
    return r.astype(a.dtype, copy=False).reshape(a.shape)


def _erfc(a):
    """Vectorised erfc = 1 - erf, without cancellation for large inputs."""
    with xp.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        r = _erf_pair(a.astype(xp.float64).reshape(-1))[1]
    return r.astype(a.dtype, copy=False).reshape(a.shape)


def _erfinv(a):
    x = a.astype(xp.float64).reshape(-1)
    with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # M. Giles' single-precision approximation as the starting point
        w = -xp.log((1.0 - x) * (1.0 + x))
        small = w < 5.0
        ws = w - 2.5
        p_s = 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
            p_s = c + p_s * ws
        wl = xp.sqrt(xp.where(small, 5.0, w)) - 3.0
        p_l = -0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                  -0.0076224613, 0.00943887047, 1.00167406, 2.83297682):
            p_l = c + p_l * wl
        y = xp.where(small, p_s, p_l) * x
        y = _erfinv_newton(x, y, 2)
        far = w > 16  # beyond float32's range the starting point is rougher: polish more
        if far.any():
            y[far] = _erfinv_newton(x[far], y[far], 3)
        ax = xp.absolute(x)
        y = xp.where(ax == 1, xp.copysign(xp.inf, x), y)
        y = xp.where((ax > 1) | xp.isnan(x), xp.nan, y)
    return y.astype(a.dtype, copy=False).reshape(a.shape)


def _erfinv_newton(x, y, steps):
    """Newton steps on erf(|y|) = |x|; in the tails on log(erfc(|y|)) = log(1 - |x|) instead
    (1 - |x| is exact there, and the log makes the equation nearly linear)."""
    ax = xp.absolute(x)
    tail = ax > 0.5
    q = xp.log(1 - ax)
    for _ in range(steps):
        ay = xp.absolute(y)
        e, c = _erf_pair(ay)
        slope = 2 / _SQRT_PI * xp.exp(-ay * ay)
        step = xp.where(tail, (q - xp.log(c)) * c / slope, (e - ax) / slope)
        y = xp.copysign(ay - step, x)
    return y


def _logit(a, eps):
    if eps is not None:
        a = xp.minimum(xp.maximum(a, eps), 1 - eps)
    with xp.errstate(divide="ignore", invalid="ignore"):
        return xp.log(a / (1 - a))


class LogitBackward0(Node):
    saves = (0,)

    def forward(self, a, eps):
        self.eps = eps
        return _half_via_float32(lambda x: _logit(x, eps), a)

    def backward(self, grad):
        x, = self.saved()
        eps = self.eps
        g = grad / (x * (-x + 1))
        if eps is None:
            return where((x < 0) | (x > 1), math.nan, g)
        return where((x < eps) | (x > 1 - eps), 0.0, g)


@export
def logit(input, eps=None, *, out=None):
    """Elementwise log(p / (1 - p)); with `eps`, p is first clamped to [eps, 1 - eps]."""
    data = input._data
    if input.dtype.category < _FLOAT:
        data = data.astype(_dt.get_default_dtype().np)
    elif input.dtype.category == _COMPLEX:
        _no_kernel("logit_cpu", input.dtype)
    return _out(execute(LogitBackward0, (input,), (data,), (eps,)), out)


logit_ = export(_inplace(logit))


class RoundBackward0(Node):
    def forward(self, a):
        return xp.round(a)

    def backward(self, grad):
        return grad * 0


class RoundBackward1(Node):
    def forward(self, a, decimals):
        # halves are scaled in float32 (10**decimals * a overflows float16 easily)
        return _half_via_float32(lambda x: xp.round(x, decimals), a)

    def backward(self, grad):
        return grad * 0


@export
def round(input, *, decimals=None, out=None):
    """Round half to even; `decimals` rounds to that many decimal places (negative: tens...)."""
    dt = input.dtype
    if dt.category != _FLOAT:
        if dt.category == _INT and not decimals:
            return _out(make(input._data.copy(), dt), out)
        _no_kernel("round_cpu", dt)
    if decimals is None:
        return _out(execute(RoundBackward0, (input,), (input._data,)), out)
    return _out(execute(RoundBackward1, (input,), (input._data,), (decimals,)), out)


round_ = export(_inplace(round))


@export(function=False)
def __pos__(self):
    return positive(self)


@export
def positive(input):
    """Returns input itself (torch refuses bool tensors)."""
    if input.dtype is _dt.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input
