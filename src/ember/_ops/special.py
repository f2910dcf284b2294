"""Special functions and the elementwise ops around them: gamma family (lgamma, digamma,
polygamma, mvlgamma, Hurwitz zeta), modified Bessel functions (i0, i0e, i1, i1e), Bessel
j0/j1, the normal distribution (ndtr, ndtri, log_ndtr), erfcx, entr, sinc, xlogy/xlog1py,
copysign, logaddexp(2), nextafter, ldexp, frexp, heaviside, gcd/lcm, and the composite ops
trapezoid, cumulative_trapezoid, vander and cdist.

The kernels below work on float64 arrays (float32 and half inputs are computed in float64 or
float32 and rounded back) and use only `xp`: series, recurrences and asymptotic expansions,
each accurate to a few units in the last place of float64 on the ranges torch's tests use.
"""
import math
from fractions import Fraction

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops import engine
from ember._ops._util import make, wrap_dim
from ember._ops.arithmetic import _not_differentiable
from ember._ops.clamp import where
from ember._ops.elementwise import (_SQRT_PI, _cast, _no_kernel, _out, _prep, _prep_float, _run,
                                    _scalar_type_name, _type_error, _typed, check_inplace,
                                    inplace_from)
from ember._ops.unary import (_ERF_A, _ERF_B, _ERF_C, _ERF_D, _ERF_P, _ERF_Q, _ERF_SMALL, _erf_pair,
                              _erfinv, _horner)
from ember._ops.engine import Node, execute
from ember._ops.reduction import RETURN_TYPES, return_type
from ember._ops.registry import export
from ember._ops import autocast as _ac

ndarray = xp.ndarray
_BOOL, _INT, _FLOAT, _COMPLEX = _dt.BOOL, _dt.INT, _dt.FLOAT, _dt.COMPLEX
_EPS = 1.1102230246251565e-16  # half a unit in the last place of 1.0 (float64)
_EULER = 0.57721566490153286061
_LOG_PI = math.log(math.pi)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_SQRT_2PI = math.sqrt(2 * math.pi)
_SQRT1_2 = math.sqrt(0.5)


def _bernoulli(n):
    """B_0 .. B_n as exact fractions (B_1 = -1/2), from the standard recurrence."""
    b = [Fraction(1)]
    for m in range(1, n + 1):
        b.append(-sum(math.comb(m + 1, k) * b[k] for k in range(m)) / (m + 1))
    return b


_B = _bernoulli(26)
# Stirling's series for lgamma: B_2k / (2k (2k - 1)) x^(1 - 2k), k = 1..9
_STIRLING = [float(_B[2 * k] / (2 * k * (2 * k - 1))) for k in range(1, 10)]
# digamma's asymptotic series: B_2k / (2k) x^(-2k), k = 1..7
_PSI_ASYMP = [float(_B[2 * k] / (2 * k)) for k in range(1, 8)]
# Euler-Maclaurin tail of the Hurwitz zeta function: (2k)! / B_2k, k = 1..12
_ZETA_EM = [float(math.factorial(2 * k) / _B[2 * k]) for k in range(1, 13)]


def _f64(a):
    """`a` as a flat float64 array and a function putting a result back in a's shape and
    dtype (floats compute in float64, results are rounded once)."""
    shape, dtype = a.shape, a.dtype
    x = a.astype(xp.float64, copy=False).reshape(-1)  # (the kernels never write into x)

    def back(r):
        return r.reshape(shape).astype(dtype, copy=False)
    return x, back


def _float_kernel(fn):
    """Wrap a float64 kernel as one for arrays of any float dtype."""
    def kernel(a):
        x, back = _f64(a)
        with xp.errstate(all="ignore"):
            return back(fn(x))
    kernel.__name__ = fn.__name__
    return kernel


def _sinpi_abs(x):
    """|sin(pi x)|, exact zeros at the integers (the argument is reduced first)."""
    r = x - xp.round(x)
    return xp.absolute(xp.sin(math.pi * r))


# --- gamma function family -------------------------------------------------------------------

def _zeta_arrays(s, q):
    """Hurwitz zeta sum_k (q + k)^-s by Euler-Maclaurin summation (float64, broadcast).
    s == 1 gives inf, s < 1 NaN; q a non-positive integer gives inf, and q < 0 needs an
    integer s (NaN otherwise). Each element stops adding terms once they no longer change
    the sum, as the scalar algorithm does."""
    s, q = xp.broadcast_arrays(s, q)
    s, q = s.reshape(-1).astype(xp.float64), q.reshape(-1).astype(xp.float64)
    out = xp.full(s.shape, xp.nan)
    pole = (s == 1) | ((s > 1) & (q <= 0) & (q == xp.floor(q)))
    bad = ~pole & ((s < 1) | ((q < 0) & (s != xp.floor(s))) | xp.isnan(s) | xp.isnan(q))
    out[pole] = xp.inf
    live = ~(pole | bad)
    if not live.any():
        return out
    s, q = s[live], q[live]
    total = q ** -s
    a = q.copy()
    b = xp.zeros_like(q)
    done = xp.zeros(q.shape, bool)
    i = 0
    while True:
        step = ~done & ((i < 9) | (a <= 9))
        if not step.any():
            break
        i += 1
        a = xp.where(step, a + 1, a)
        b = xp.where(step, a ** -s, b)
        total = xp.where(step, total + b, total)
        done |= step & (xp.absolute(b / total) < _EPS)
    w = a
    tail = ~done
    total = xp.where(tail, total + b * w / (s - 1) - 0.5 * b, total)
    fact = xp.ones_like(s)
    k = 0.0
    for coef in _ZETA_EM:
        fact = fact * (s + k)
        b = b / w
        t = fact * b / coef
        total = xp.where(tail, total + t, total)
        tail = tail & ~(xp.absolute(t / total) < _EPS)
        k += 1
        fact = fact * (s + k)
        b = b / w
        k += 1
    out[live] = total
    return out


# the Taylor coefficients of lgamma(2 + w): 1 - gamma, then (-1)^k (zeta(k) - 1) / k
_LGAMMA_W = [1 - _EULER] + [(-1) ** k * v / k for k, v in
                            zip(range(2, 32), _zeta_arrays(xp.arange(2, 32.0), 2.0))]


def _lgamma_near2(w):
    """lgamma(2 + w) for |w| <= 0.5: (1 - gamma) w + sum_k (-1)^k (zeta(k) - 1) w^k / k."""
    acc = xp.zeros_like(w)
    for c in _LGAMMA_W[::-1]:
        acc = (acc + c) * w
    return acc


def _lgamma_pos(x):
    """lgamma for x >= 0.5 (inf and NaN pass through)."""
    out = xp.empty_like(x)
    low = x < 1.5
    mid = (x >= 1.5) & (x < 2.5)
    rec = (x >= 2.5) & (x < 10)
    big = ~(low | mid | rec)
    out[low] = _lgamma_near2(x[low] - 1) - xp.log(x[low])  # lgamma(x + 1) - log(x)
    out[mid] = _lgamma_near2(x[mid] - 2)
    if rec.any():  # down to [1.5, 2.5) by lgamma(x) = lgamma(x - 1) + log(x - 1)
        xr = x[rec]
        k = xp.floor(xr - 1.5)
        m = xr - k
        prod = xp.ones_like(xr)
        for j in range(8):
            prod *= xp.where(j < k, m + j, 1.0)
        out[rec] = _lgamma_near2(m - 2) + xp.log(prod)
    if big.any():  # Stirling's series
        xb = x[big]
        z = 1 / (xb * xb)
        acc = xp.zeros_like(xb)
        for c in _STIRLING[::-1]:
            acc = acc * z + c
        out[big] = (xb - 0.5) * xp.log(xb) - xb + _HALF_LOG_2PI + acc / xb
    return out


@_float_kernel
def _lgamma(x):
    """log|Gamma(x)|: inf at the poles (0 and the negative integers) and at +-inf."""
    out = xp.empty_like(x)
    pos = x >= 0.5
    out[pos] = _lgamma_pos(x[pos])
    # |Gamma(x)| = |Gamma(x + 1) / x| near 0 (on both sides: the reflection formula below
    # would lose tiny and subnormal x to the rounding of sin(pi x))
    small = (x > -0.5) & (x < 0.5)
    xs = x[small]
    out[small] = _lgamma_pos(xs + 1) - xp.log(xp.absolute(xs))
    neg = x <= -0.5
    if neg.any():  # reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x)
        xn = x[neg]
        r = _LOG_PI - xp.log(_sinpi_abs(xn)) - _lgamma_pos(1 - xn)
        out[neg] = r
    out[xp.isinf(x)] = xp.inf
    out[xp.isnan(x)] = xp.nan
    return out


@_float_kernel
def _digamma(x):
    """psi(x) = d/dx lgamma(x): -inf at +0 and +inf at -0, NaN at the negative integers."""
    out = xp.empty_like(x)
    neg = x < 0
    xn = x[neg]
    frac = xn - xp.trunc(xn)
    # reflection: psi(x) = psi(1 - x) - pi / tan(pi x)
    shift = -math.pi / xp.tan(math.pi * frac)
    xa = xp.where(neg, 1 - x, x)
    # up to 10 by psi(x) = psi(x + 1) - 1 / x, then the asymptotic series
    acc = xp.zeros_like(x)
    for _ in range(10):
        lo = xa < 10
        if not lo.any():
            break
        acc = xp.where(lo, acc - 1 / xa, acc)
        xa = xp.where(lo, xa + 1, xa)
    z = 1 / (xa * xa)
    poly = xp.zeros_like(x)
    for c in _PSI_ASYMP[::-1]:
        poly = (poly + c) * z
    poly = xp.where(xa < 1e17, poly, 0.0)
    out = acc + xp.log(xa) - 0.5 / xa - poly
    out[neg] += shift
    out[neg & (x == xp.trunc(x))] = xp.nan
    zero = x == 0
    out[zero] = xp.copysign(xp.inf, -x[zero])
    return out


def _polygamma_arrays(n, a):
    """The n-th derivative of digamma (n >= 1): (-1)^(n+1) n! zeta(n + 1, x)."""
    x, back = _f64(a)
    with xp.errstate(all="ignore"):
        r = _zeta_arrays(float(n + 1), x)
        fact = float(math.factorial(n)) if n <= 170 else math.inf
        r = r * (fact if n % 2 else -fact)
        if n == 1:  # torch's trigamma: 0 at +inf, NaN at -inf
            r[x == xp.inf] = 0.0
            r[x == -xp.inf] = xp.nan
    return back(r)


# --- modified Bessel functions of orders 0 and 1 ----------------------------------------------
# Below 20: the power series (all terms positive, so no cancellation); from 20 on: the
# asymptotic expansion of exp(-x) I_nu(x) sqrt(2 pi x) in powers of 1 / x.

_BESSEL_SPLIT = 20.0


def _bessel_i_scaled(y, nu):
    """exp(-y) I_nu(y) for y >= 0, nu in {0, 1}."""
    out = xp.empty_like(y)
    small = y < _BESSEL_SPLIT
    ys = y[small]
    z = ys * ys / 4
    term = xp.ones_like(ys)
    total = xp.ones_like(ys)
    for k in range(1, 40):
        term = term * z / (k * (k + nu))
        total += term
    out[small] = total * xp.exp(-ys) * (ys / 2 if nu else 1.0)
    yb = y[~small]
    term = xp.ones_like(yb)
    total = xp.ones_like(yb)
    mu = 4.0 * nu * nu
    for k in range(1, 30):
        term = term * -(mu - (2 * k - 1) ** 2) / (8 * k * yb)
        total += term
    out[~small] = total / xp.sqrt(2 * math.pi * yb)
    return out


@_float_kernel
def _i0e(x):
    """exp(-|x|) I0(x)."""
    return _bessel_i_scaled(xp.absolute(x), 0)


@_float_kernel
def _i1e(x):
    """exp(-|x|) I1(x) (odd in x)."""
    return xp.copysign(_bessel_i_scaled(xp.absolute(x), 1), x)


def _unscale(y, scaled):
    # exp(y) in two halves so that I(y) stays finite as long as it is representable
    half = xp.exp(y / 2)
    r = scaled * half * half
    r[xp.isinf(y)] = xp.nan  # torch's i0 / i1 at +-inf
    return r


@_float_kernel
def _i0(x):
    """Modified Bessel function of the first kind, order 0."""
    y = xp.absolute(x)
    return _unscale(y, _bessel_i_scaled(y, 0))


@_float_kernel
def _i1(x):
    """Modified Bessel function of the first kind, order 1."""
    y = xp.absolute(x)
    return xp.copysign(_unscale(y, _bessel_i_scaled(y, 1)), x)


# --- Bessel functions of the first kind, orders 0 and 1 ---------------------------------------

_J_SPLIT = 25.0


def _bessel_j_series(y):
    """(J0(y), J1(y)) for 0 <= y < 2 from their power series."""
    z = -y * y / 4
    t0 = xp.ones_like(y)
    t1 = xp.ones_like(y)
    j0, j1 = t0.copy(), t1.copy()
    for k in range(1, 20):
        t0 = t0 * z / (k * k)
        t1 = t1 * z / (k * (k + 1))
        j0 += t0
        j1 += t1
    return j0, j1 * y / 2


def _bessel_j_small(y):
    """(J0(y), J1(y)) for 0 <= y < 25: the power series below 2, above it Miller's backward
    recurrence normalised with J0 + 2 (J2 + J4 + ...) = 1."""
    series = y < 2
    j0s, j1s = _bessel_j_series(y[series])
    y = xp.where(series, 2.0, y)
    top = 70  # even, well above y + a few times y^(1/3)
    nxt = xp.zeros_like(y)
    cur = xp.full_like(y, 1e-300)
    norm = xp.zeros_like(y)
    j1 = xp.zeros_like(y)
    inv = 2 / y
    for n in range(top, 0, -1):
        prev = n * inv * cur - nxt  # J_{n-1}
        nxt, cur = cur, prev
        if n - 1 == 1:
            j1 = cur
        if (n - 1) % 2 == 0 and n - 1 > 0:
            norm += 2 * cur
        big = xp.absolute(cur) > 1e250  # rescale to stay in range
        if big.any():
            f = xp.where(big, 1e-250, 1.0)
            nxt, cur, norm, j1 = nxt * f, cur * f, norm * f, j1 * f
    norm += cur
    j0, j1 = cur / norm, j1 / norm
    j0[series], j1[series] = j0s, j1s
    return j0, j1


def _hankel(y, nu):
    """Hankel's asymptotic expansion for order nu (0 or 1) at y >= 25: (P, Q, cos(chi),
    sin(chi)) with the phase chi = y - pi/4 - nu pi/2 formed from sin(y) and cos(y) so that
    large arguments stay accurate. J_nu = sqrt(2 / (pi y)) (P cos(chi) - Q sin(chi)) and
    Y_nu = sqrt(2 / (pi y)) (P sin(chi) + Q cos(chi))."""
    mu = 4.0 * nu * nu
    p = xp.ones_like(y)
    q = xp.zeros_like(y)
    term = xp.ones_like(y)
    for k in range(1, 30):
        term = term * (mu - (2 * k - 1) ** 2) / (k * 8 * y)
        if k % 2:
            q += term if (k // 2) % 2 == 0 else -term
        else:
            p += term if (k // 2) % 2 == 0 else -term
    s, c = xp.sin(y), xp.cos(y)
    if nu == 0:  # cos(y - pi/4), sin(y - pi/4)
        cos_chi, sin_chi = (c + s) * _SQRT1_2, (s - c) * _SQRT1_2
    else:  # cos(y - 3 pi/4), sin(y - 3 pi/4)
        cos_chi, sin_chi = (s - c) * _SQRT1_2, -(s + c) * _SQRT1_2
    return p, q, cos_chi, sin_chi


def _bessel_j_large(y, nu):
    """J_nu(y) for y >= 25 from Hankel's asymptotic expansion."""
    p, q, cos_chi, sin_chi = _hankel(y, nu)
    return xp.sqrt(2 / (math.pi * y)) * (p * cos_chi - q * sin_chi)


def _bessel_j(x, nu):
    y = xp.absolute(x)
    out = xp.empty_like(y)
    small = y < _J_SPLIT
    out[small] = _bessel_j_small(y[small])[nu]
    large = ~small
    out[large] = _bessel_j_large(y[large], nu)
    out[xp.isinf(y)] = xp.nan  # as torch's
    return xp.where(xp.signbit(x), -out, out) if nu else out


@_float_kernel
def _j0(x):
    """Bessel function of the first kind, order 0."""
    return _bessel_j(x, 0)


@_float_kernel
def _j1(x):
    """Bessel function of the first kind, order 1."""
    return _bessel_j(x, 1)


# --- error function relatives and the normal distribution ------------------------------------

def _exp_square(y):
    """exp(y * y) without the rounding of y * y: y splits into s (a multiple of 1/16, so s*s
    is exact) and y - s."""
    s = xp.trunc(y * 16) / 16
    return xp.exp(s * s) * xp.exp((y - s) * (y + s))


@_float_kernel
def _erfcx(x):
    """exp(x^2) erfc(x), from Cody's rational forms (which compute exactly this factor)."""
    y = xp.absolute(x)
    out = xp.empty_like(x)
    small = y <= _ERF_SMALL
    xs = x[small]
    num, den = _horner(xs * xs, _ERF_A[4], _ERF_A[:3], _ERF_B[:3])
    out[small] = xp.exp(xs * xs) * (1 - xs * (num + _ERF_A[3]) / (den + _ERF_B[3]))
    mid = ~small & (y <= 4)
    ym = y[mid]
    num, den = _horner(ym, _ERF_C[8], _ERF_C[:7], _ERF_D[:7])
    out[mid] = (num + _ERF_C[7]) / (den + _ERF_D[7])
    far = y > 4
    yf = y[far]
    z = 1 / (yf * yf)
    num, den = _horner(z, _ERF_P[5], _ERF_P[:4], _ERF_Q[:4])
    out[far] = (1 / _SQRT_PI - z * (num + _ERF_P[4]) / (den + _ERF_Q[4])) / yf
    flip = ~small & (x < 0)  # erfcx(-y) = 2 exp(y^2) - erfcx(y)
    out[flip] = 2 * _exp_square(y[flip]) - out[flip]
    out[x == -xp.inf] = xp.inf
    out[xp.isnan(x)] = xp.nan
    return out


def _log_ndtr64(x):
    t = x * _SQRT1_2
    low = x < -1
    out = xp.empty_like(x)
    tl = t[low]
    out[low] = xp.log(_erfcx(-tl) / 2) - tl * tl
    out[~low] = xp.log1p(-_erf_pair(t[~low])[1] / 2)
    return out


@_float_kernel
def _log_ndtr(x):
    """log of the standard normal CDF, accurate far into both tails."""
    return _log_ndtr64(x)


# Abramowitz & Stegun 26.2.23: the normal quantile to 4.5e-4, a start for Newton's method
_AS_C = (2.515517, 0.802853, 0.010328)
_AS_D = (1.432788, 0.189269, 0.001308)


def _ndtri_tail(q):
    """The normal quantile of 0 < q < 0.25 (negative): Newton's method on
    log_ndtr(x) = log(q), whose slope is sqrt(2 / pi) / erfcx(-x / sqrt(2))."""
    t = xp.sqrt(-2 * xp.log(q))
    x = -(t - (_AS_C[0] + t * (_AS_C[1] + t * _AS_C[2]))
          / (1 + t * (_AS_D[0] + t * (_AS_D[1] + t * _AS_D[2]))))
    target = xp.log(q)
    for _ in range(4):
        slope = math.sqrt(2 / math.pi) / _erfcx(-x * _SQRT1_2)
        x = x - (_log_ndtr64(x) - target) / slope
    return x


@_float_kernel
def _ndtri(p):
    """The inverse of the standard normal CDF: -inf at 0, inf at 1, NaN outside [0, 1]."""
    out = xp.full_like(p, xp.nan)
    mid = (p >= 0.25) & (p <= 0.75)
    out[mid] = math.sqrt(2) * _erfinv(2 * p[mid] - 1)  # 2p - 1 is exact here
    lo = (p > 0) & (p < 0.25)
    out[lo] = _ndtri_tail(p[lo])
    hi = (p > 0.75) & (p < 1)
    out[hi] = -_ndtri_tail(1 - p[hi])  # 1 - p is exact here
    out[p == 0] = -xp.inf
    out[p == 1] = xp.inf
    return out


# --- helpers for the ops ------------------------------------------------------------------------

_HALF_NP = (_dt.float16.np, _dt.bfloat16.np)


def _is_half(dt):
    return dt is _dt.float16 or dt is _dt.bfloat16


def _opmath(fn, *xs):
    """fn on arrays (or Python numbers) of one float dtype; halves are computed in float32
    and rounded once, as torch's CPU kernels do."""
    first = next(x for x in xs if x.__class__ is ndarray)
    dtype = first.dtype
    with xp.errstate(all="ignore"):
        if dtype in _HALF_NP:
            xs = tuple(x.astype(xp.float32) if x.__class__ is ndarray and x.dtype in _HALF_NP
                       else x for x in xs)
            return xp.asarray(fn(*xs)).astype(dtype)
        return xp.asarray(fn(*xs)).astype(dtype, copy=False)


def _float_data(input, kernel, halves=True, complex_ok=False):
    """The array a unary floating op computes on: integer and bool inputs in the default
    float dtype; complex (and halves, where torch has no kernel for them) refused."""
    dt = input.dtype
    if dt.category < _FLOAT:
        return input._data.astype(_dt.get_default_dtype().np)
    if (dt.category == _COMPLEX and not complex_ok) or (not halves and _is_half(dt)):
        _no_kernel(kernel, dt)
    return input._data


def _unary(cls, input, kernel, args=(), halves=True, complex_ok=False):
    return execute(cls, (input,), (_float_data(input, kernel, halves, complex_ok),), args)


def _binary_float(nodes, input, other, kernel, halves=True, args=()):
    """Run a binary floating op: `nodes` are its node classes for (tensor, tensor),
    (number, tensor) and (tensor, number); integer inputs compute in the default float
    dtype, complex ones are refused."""
    ta, tb, xa, xb, dt = _prep_float(input, other)
    if dt.category == _COMPLEX or (not halves and _is_half(dt)):
        _no_kernel(kernel, dt)
    # a bool or int number computes as a float (NumPy would give log1p(True) in float16)
    if xa.__class__ is not ndarray:
        xa = float(xa)
    if xb.__class__ is not ndarray:
        xb = float(xb)
    if ta is None:
        return _run(nodes[1], (tb,), (xa, xb), args)
    if tb is None:
        return _run(nodes[2], (ta,), (xa, xb), args)
    return _run(nodes[0], (ta, tb), (xa, xb), args)


def _method_only_inplace(op):
    """The in-place method of out-of-place `op` (computed out of place, written back)."""
    def op_(self, *args, **kwargs):
        check_inplace(self)
        return inplace_from(self, op(self, *args, **kwargs))
    op_.__name__ = op_.__qualname__ = op.__name__ + "_"
    op_.__doc__ = f"In-place version of :func:`{op.__name__}`."
    return op_


def _zeros_like(t):
    return make(xp.zeros(t._data.shape, t.dtype.np), t.dtype)


# nodes for a tensor and a Python number, as torch records the ops it composes internally
# with at::mul / at::add / at::div on a Scalar (trapezoid, ndtr, ...)

class MulBackward1(Node):
    def forward(self, a, s):
        self.s = s
        return _opmath(lambda x: x * s, a)

    def backward(self, grad):
        return grad * self.s


class AddBackward1(Node):
    def forward(self, a, s):
        return _opmath(lambda x: x + s, a)

    def backward(self, grad):
        return grad


class DivBackward1(Node):
    def forward(self, a, s):
        self.s = s
        return _opmath(lambda x: x / s, a)

    def backward(self, grad):
        return grad / self.s


def _scalar_op(cls, t, s):
    dt = _dt.binary_result_type(t.dtype, t._data.ndim == 0, s)
    return execute(cls, (t,), (_cast(t._data, dt), s))


# --- gamma family ---------------------------------------------------------------------------

class LgammaBackward0(Node):
    saves = (0,)

    def forward(self, a):
        return _lgamma(a)

    def backward(self, grad):
        x, = self.saved()
        return grad * digamma(x)


class DigammaBackward0(Node):
    saves = (0,)

    def forward(self, a):
        return _digamma(a)

    def backward(self, grad):
        x, = self.saved()
        return grad * polygamma(1, x)


class PolygammaBackward0(Node):
    saves = (0,)

    def forward(self, a, n):
        self.n = n
        return _digamma(a) if n == 0 else _polygamma_arrays(n, a)

    def backward(self, grad):
        x, = self.saved()
        return grad * polygamma(self.n + 1, x)


class MvlgammaBackward0(Node):
    saves = (0,)

    def forward(self, a, p):
        self.p = p
        x = a.astype(xp.float64)[..., None] - xp.arange(p) / 2
        r = _lgamma(x).sum(-1) + p * (p - 1) / 4 * _LOG_PI
        return r.astype(a.dtype)

    def backward(self, grad):
        x, = self.saved()
        total = digamma(x)
        for j in range(1, self.p):
            total = total + digamma(x - j / 2)
        return grad * total


@export
def lgamma(input, *, out=None):
    """Elementwise log|Gamma(input)| (inf at 0 and the negative integers)."""
    return _out(_unary(LgammaBackward0, input, "lgamma_vml_cpu"), out)


@export
def digamma(input, *, out=None):
    """Elementwise digamma psi(input), the derivative of lgamma (-inf at 0, NaN at the
    negative integers)."""
    return _out(_unary(DigammaBackward0, input, "digamma"), out)


def _check_n(n):
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")


@export(method=False)
def polygamma(n, input, *, out=None):
    """Elementwise n-th derivative of digamma at input (n = 0 is digamma itself)."""
    _check_n(n)
    kernel = "digamma" if n == 0 else "trigamma" if n == 1 else "polygamma"
    return _out(_unary(PolygammaBackward0, input, kernel, (int(n),)), out)


def _polygamma_method(self, n):
    """self.polygamma(n): torch.polygamma(n, self)."""
    return polygamma(n, self)


_polygamma_method.__name__ = _polygamma_method.__qualname__ = "polygamma"
export(_polygamma_method, function=False)


@export
def mvlgamma(input, p):
    """Elementwise log of the multivariate gamma function of dimension p:
    sum_j lgamma(input - j / 2) + p (p - 1) / 4 log(pi)."""
    if input.dtype is _dt.bool:
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return _unary(MvlgammaBackward0, input, "arange_cpu", (int(p),))


lgamma_ = export(_method_only_inplace(lgamma), function=False)
digamma_ = export(_method_only_inplace(digamma), function=False)
polygamma_ = export(_method_only_inplace(_polygamma_method), function=False)
mvlgamma_ = export(_method_only_inplace(mvlgamma), function=False)


class SpecialZetaBackward0(Node):
    saves = (0, 1)

    def forward(self, s, q):
        return _zeta_forward(s, q)

    def backward(self, grad):
        if self.needs(0):
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        s, q = self.saved()
        return None, -grad * s * zeta(s + 1, q)


class SpecialZetaBackward1(Node):
    """zeta of a number s and a tensor q."""
    saves = (0,)

    def forward(self, s, q):
        self.s = s
        return _zeta_forward(s, q)

    def backward(self, grad):
        q, = self.saved()
        return -grad * self.s * zeta(self.s + 1, q)


class SpecialZetaBackward2(Node):
    """zeta of a tensor s and a number q."""

    def forward(self, s, q):
        return _zeta_forward(s, q)

    def backward(self, grad):
        raise NotImplementedError("the derivative for 'zeta' is not implemented.")


def _zeta_forward(s, q):
    arr = s if s.__class__ is ndarray else q
    shape = xp.broadcast_shapes(xp.shape(s), xp.shape(q))
    with xp.errstate(all="ignore"):
        r = _zeta_arrays(xp.asarray(s, xp.float64), xp.asarray(q, xp.float64))
    return r.reshape(shape).astype(arr.dtype)


def zeta(input, other, *, out=None):
    """Hurwitz zeta function sum_k (other + k) ** -input, elementwise (either argument may
    be a number). Differentiable in `other` only, as in torch."""
    if not isinstance(input, engine.Tensor) and not isinstance(other, engine.Tensor):
        raise TypeError(f"special_zeta() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(other).__name__})")
    return _out(_binary_float((SpecialZetaBackward0, SpecialZetaBackward1,
                               SpecialZetaBackward2), input, other, "zeta_cpu", halves=False),
                out)


# --- Bessel functions -------------------------------------------------------------------------

class I0Backward0(Node):
    saves = (0,)

    def forward(self, a):
        return _i0(a)

    def backward(self, grad):
        x, = self.saved()
        return grad * i1(x)


class SpecialI0EBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a):
        return _i0e(a)

    def backward(self, grad):
        x, r = self.saved()
        return grad * (i1e(x) - x.sgn() * r)


class SpecialI1Backward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a):
        return _i1(a)

    def backward(self, grad):
        x, r = self.saved()
        tiny, safe = _tiny(x)
        return grad * where(tiny, 0.5, i0(safe) - r / safe)


class SpecialI1EBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a):
        return _i1e(a)

    def backward(self, grad):
        x, r = self.saved()
        tiny, safe = _tiny(x)
        return grad * where(tiny, 0.5, i0e(safe) - r * (safe.sgn() + safe.reciprocal()))


def _tiny(x):
    """(|x| <= eps or NaN, x with those entries replaced by eps): i1's slope is 0.5 at 0,
    where the general formula would divide by zero (torch takes the same guard)."""
    eps = _dt.finfo(x.dtype).eps
    tiny = ~(x.abs() > eps)
    return tiny, where(tiny, eps, x)


@export
def i0(input, *, out=None):
    """Elementwise modified Bessel function of the first kind of order 0."""
    return _out(_unary(I0Backward0, input, "i0_vml_cpu"), out)


i0_ = export(_method_only_inplace(i0))


def i0e(input, *, out=None):
    """Elementwise exponentially scaled modified Bessel function of order 0:
    exp(-|input|) * i0(input)."""
    return _out(_unary(SpecialI0EBackward0, input, "i0e_cpu"), out)


def i1(input, *, out=None):
    """Elementwise modified Bessel function of the first kind of order 1."""
    return _out(_unary(SpecialI1Backward0, input, "i1_cpu"), out)


def i1e(input, *, out=None):
    """Elementwise exponentially scaled modified Bessel function of order 1:
    exp(-|input|) * i1(input)."""
    return _out(_unary(SpecialI1EBackward0, input, "i1e_cpu"), out)


def _not_recorded(kernel_fn, input, kernel):
    # torch records no graph for these: the result never requires grad
    data = _float_data(input, kernel, halves=False)
    return make(kernel_fn(data))


def bessel_j0(input, *, out=None):
    """Elementwise Bessel function of the first kind of order 0 (not differentiable)."""
    return _out(_not_recorded(_j0, input, "bessel_j0_cpu"), out)


def bessel_j1(input, *, out=None):
    """Elementwise Bessel function of the first kind of order 1 (not differentiable)."""
    return _out(_not_recorded(_j1, input, "bessel_j1_cpu"), out)


# --- error function relatives, the normal distribution, entropy --------------------------------

class SpecialErfcxBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a):
        return _erfcx(a)

    def backward(self, grad):
        x, r = self.saved()
        return grad * (x * r * 2 - 2 / _SQRT_PI)


class SpecialLogNdtrBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a):
        return _log_ndtr(a)

    def backward(self, grad):
        x, r = self.saved()
        return grad / _SQRT_2PI * (-(r + x * x / 2)).exp()


class SpecialNdtriBackward0(Node):
    saves_result = True

    def forward(self, a):
        return _ndtri(a)

    def backward(self, grad):
        r, = self.saved()
        return grad * _SQRT_2PI * (r * r / 2).exp()


def _entr_arrays(a):
    with xp.errstate(all="ignore"):
        r = -a * xp.log(a)
    r = xp.where(a == 0, _typed(0, a), r)
    return xp.where(a < 0, _typed(-xp.inf, a), r)


class SpecialEntrBackward0(Node):
    saves = (0,)

    def forward(self, a):
        return _opmath(_entr_arrays, a)

    def backward(self, grad):
        x, = self.saved()
        return grad * -(x.log() + 1)


def erfcx(input, *, out=None):
    """Elementwise scaled complementary error function exp(input**2) * erfc(input)."""
    return _out(_unary(SpecialErfcxBackward0, input, "erfcx_cpu", halves=False), out)


def log_ndtr(input, *, out=None):
    """Elementwise log of the standard normal CDF, accurate in both tails."""
    return _out(_unary(SpecialLogNdtrBackward0, input, "log_ndtr_cpu", halves=False), out)


def ndtri(input, *, out=None):
    """Elementwise inverse of the standard normal CDF (the normal quantile function)."""
    return _out(_unary(SpecialNdtriBackward0, input, "ndtri_cpu", halves=False), out)


def ndtr(input, *, out=None):
    """Elementwise standard normal CDF, (1 + erf(input / sqrt(2))) / 2 (recorded as torch
    composes it)."""
    from ember._ops.unary import erf
    x = input
    if x.dtype.category < _FLOAT:
        x = make(_float_data(x, "ndtr"))
    scaled = _scalar_op(MulBackward1, x, _SQRT1_2)
    return _out(_scalar_op(MulBackward1, _scalar_op(AddBackward1, erf(scaled), 1), 0.5), out)


def entr(input, *, out=None):
    """Elementwise entropy term -input * log(input) (0 at 0, -inf below 0)."""
    return _out(_unary(SpecialEntrBackward0, input, "entr_cpu"), out)


# --- sinc ---------------------------------------------------------------------------------------

def _sinc_arrays(a):
    p = a * _typed(math.pi, a)
    return xp.where(a == 0, _typed(1, a), xp.sin(p) / p)


class SincBackward0(Node):
    saves = (0,)

    def forward(self, a):
        return _opmath(_sinc_arrays, a)

    def backward(self, grad):
        x, = self.saved()
        px = x * math.pi
        d = (px * px.cos() - px.sin()) / (x * px)
        return where(x == 0, 0.0, grad * d.conj())


@export
def sinc(input, *, out=None):
    """Elementwise normalized sinc, sin(pi x) / (pi x), and 1 at 0."""
    return _out(_unary(SincBackward0, input, "sinc", complex_ok=True), out)


sinc_ = export(_method_only_inplace(sinc))


# --- xlogy and xlog1py ------------------------------------------------------------------------

def _xlogy_arrays(x, y):
    r = x * xp.log(y)
    return xp.where((x == 0) & ~xp.isnan(y), 0, r)


def _xlog1py_arrays(x, y):
    r = x * xp.log1p(y)
    return xp.where((x == 0) & ~xp.isnan(y), 0, r)


class XlogyBackward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return _opmath(_xlogy_arrays, a, b)

    def backward(self, grad):
        x, y = self.saved()
        return (where((x == 0) & (y <= 0), 0.0, xlogy(grad, y)) if self.needs(0) else None,
                grad * x / y if self.needs(1) else None)


class XlogyBackward1(Node):
    """xlogy of a number and a tensor."""
    saves = (0,)

    def forward(self, a, b):
        self.a = a
        return _opmath(_xlogy_arrays, a, b)

    def backward(self, grad):
        y, = self.saved()
        return grad * _item(self.a) / y


class XlogyBackward2(Node):
    """xlogy of a tensor and a number."""
    saves = (0,)

    def forward(self, a, b):
        self.b = b
        return _opmath(_xlogy_arrays, a, b)

    def backward(self, grad):
        x, = self.saved()
        b = _item(self.b)
        g = xlogy(grad, b)
        return where(x == 0, 0.0, g) if b <= 0 else g


class SpecialXlog1PyBackward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return _opmath(_xlog1py_arrays, a, b)

    def backward(self, grad):
        x, y = self.saved()
        return (where((x == 0) & (y <= -1), 0.0, xlog1py(grad, y)) if self.needs(0) else None,
                grad * x / (y + 1) if self.needs(1) else None)


class SpecialXlog1PyBackward1(Node):
    saves = (0,)

    def forward(self, a, b):
        self.a = a
        return _opmath(_xlog1py_arrays, a, b)

    def backward(self, grad):
        y, = self.saved()
        return grad * _item(self.a) / (y + 1)


class SpecialXlog1PyBackward2(Node):
    saves = (0,)

    def forward(self, a, b):
        self.b = b
        return _opmath(_xlog1py_arrays, a, b)

    def backward(self, grad):
        x, = self.saved()
        b = _item(self.b)
        g = xlog1py(grad, b)
        return where(x == 0, 0.0, g) if b <= -1 else g


def _item(s):
    return s.item() if s.__class__ is ndarray else s


@export
def xlogy(input, other, *, out=None):
    """input * log(other) elementwise, 0 where input is 0 (unless other is NaN); either
    argument may be a number."""
    return _out(_binary_float((XlogyBackward0, XlogyBackward1, XlogyBackward2), input, other,
                              "xlogy_cpu"), out)


xlogy_ = export(_method_only_inplace(xlogy))


def xlog1py(input, other, *, out=None):
    """input * log1p(other) elementwise, 0 where input is 0 (unless other is NaN); either
    argument may be a number."""
    return _out(_binary_float((SpecialXlog1PyBackward0, SpecialXlog1PyBackward1,
                               SpecialXlog1PyBackward2), input, other, "xlog1py_cpu"), out)


# --- sign, exponent and neighbour manipulation ----------------------------------------------------

class CopysignBackward0(Node):
    saves = (0, 1)
    save_if = ((0,), ())  # other's gradient is zero
    saves_result = True

    def forward(self, a, b):
        return _opmath(xp.copysign, a, b)

    def backward(self, grad):
        x, _, r = self.saved()
        gx = grad * where(x == 0, 0.0, r / x) if self.needs(0) else None
        return gx, (engine._zeros(self._in_meta[1]) if self.needs(1) else None)


class CopysignBackward1(Node):
    """copysign with a number as `other`."""
    saves = (0,)
    saves_result = True

    def forward(self, a, b):
        return _opmath(xp.copysign, a, b)

    def backward(self, grad):
        x, r = self.saved()
        return grad * where(x == 0, 0.0, r / x)


@export
def copysign(input, other, *, out=None):
    """Elementwise magnitude of input with the sign of other (a tensor or a number); the
    result is floating."""
    if not isinstance(input, engine.Tensor):
        raise TypeError(f"copysign() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(other).__name__})")
    return _out(_binary_float((CopysignBackward0, None, CopysignBackward1), input, other,
                              "copysign_cpu"), out)


copysign_ = export(_method_only_inplace(copysign), function=False)


def _tensor_pair(name, input, other, kernel, complex_ok=False, ints=False):
    """Promote two tensors for a binary op that takes no numbers."""
    if not isinstance(input, engine.Tensor):
        _type_error(name, input, 1)
    if not isinstance(other, engine.Tensor):
        _type_error(name, other, 2)
    ta, tb, xa, xb, dt = _prep(input, other)
    if (dt.category < _FLOAT and not ints) or (dt.category > _INT and ints) or \
            dt is _dt.bool or (dt.category == _COMPLEX and not complex_ok):
        _no_kernel(kernel, dt)
    return ta, tb, xa, xb


def _logaddexp_arrays(a, b):
    if a.dtype.kind != "c":
        return xp.logaddexp(a, b)
    big = xp.where(a.real >= b.real, a, b)
    small = xp.where(a.real >= b.real, b, a)
    return big + xp.log1p(xp.exp(small - big))


class LogaddexpBackward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return _opmath(_logaddexp_arrays, a, b)

    def backward(self, grad):
        x, y = self.saved()
        return (grad / ((y - x).exp() + 1).conj() if self.needs(0) else None,
                grad / ((x - y).exp() + 1).conj() if self.needs(1) else None)


class Logaddexp2Backward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return _opmath(xp.logaddexp2, a, b)

    def backward(self, grad):
        x, y = self.saved()
        return (grad / ((y - x).exp2() + 1) if self.needs(0) else None,
                grad / ((x - y).exp2() + 1) if self.needs(1) else None)


@export
def logaddexp(input, other, *, out=None):
    """log(exp(input) + exp(other)) elementwise, without overflow."""
    ta, tb, xa, xb = _tensor_pair("logaddexp", input, other, "logaddexp_cpu", complex_ok=True)
    return _out(_run(LogaddexpBackward0, (ta, tb), (xa, xb)), out)


@export
def logaddexp2(input, other, *, out=None):
    """log2(2**input + 2**other) elementwise, without overflow."""
    ta, tb, xa, xb = _tensor_pair("logaddexp2", input, other, "logaddexp2_cpu")
    return _out(_run(Logaddexp2Backward0, (ta, tb), (xa, xb)), out)


class NextafterBackward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return xp.nextafter(a, b)

    def backward(self, grad):
        x, y = self.saved()
        # torch's choice: the step counts as slope 1, except where it does not move
        return where(x == y, 0.0, grad), (grad * 0 if self.needs(1) else None)


@export
def nextafter(input, other, *, out=None):
    """The next representable floating-point value after input in the direction of other."""
    ta, tb, xa, xb = _tensor_pair("nextafter", input, other, "nextafter_cpu")
    return _out(_run(NextafterBackward0, (ta, tb), (xa, xb)), out)


nextafter_ = export(_method_only_inplace(nextafter), function=False)


def _ldexp_arrays(a, e):
    if e.dtype.kind in "iub":  # exact scaling by a power of two
        e = xp.clip(e, -100000, 100000).astype(xp.int32)
        if a.dtype.kind == "c":
            return a * xp.ldexp(xp.ones((), a.real.dtype), e)
        return xp.ldexp(a, e)
    return a * xp.exp2(e)


class LdexpBackward0(Node):
    saves = (1,)
    save_if = ((0,),)  # the exponent is read only by input's gradient
    saves_result = True

    def forward(self, a, e):
        return _opmath(_ldexp_arrays, a, e)

    def backward(self, grad):
        e, r = self.saved()
        ga = grad * _pow2(e) if self.needs(0) else None
        return ga, (grad * r * math.log(2) if self.needs(1) else None)


def _pow2(e):
    """2 ** e in e's dtype, as torch's gradient of ldexp computes it: for an integer e that
    is C's integer power (0 below 0, wrapping past the width)."""
    if e.dtype.category >= _FLOAT:
        return e.exp2()
    d = e._data
    with xp.errstate(all="ignore"):
        p = xp.power(xp.asarray(2, d.dtype), xp.where(d < 0, 0, d))
    return make(xp.where(d < 0, 0, p).astype(d.dtype), e.dtype)


@export
def ldexp(input, other, *, out=None):
    """input * 2 ** other elementwise (exact scaling for an integer exponent tensor); the
    result is floating."""
    if not isinstance(input, engine.Tensor):
        _type_error("ldexp", input, 1)
    if not isinstance(other, engine.Tensor):
        _type_error("ldexp", other, 2)
    ta, tb, xa, xb, dt = _prep_float(input, other)
    if other.dtype.category < _FLOAT:
        xb = other._data
    return _out(_run(LdexpBackward0, (ta, tb), (xa, xb)), out)


ldexp_ = export(_method_only_inplace(ldexp))


class FrexpBackward0(Node):
    def forward(self, a):
        if a.dtype == _dt.bfloat16.np:
            m, e = xp.frexp(a.astype(xp.float32))
            m = m.astype(a.dtype)
        else:
            m, e = xp.frexp(a)
        self.exponent = e
        return m, e

    def backward(self, grad, _):
        scale = xp.ldexp(xp.ones((), grad.dtype.np), -self.exponent)
        return grad * make(scale.astype(grad.dtype.np, copy=False), grad.dtype)


RETURN_TYPES["frexp"] = _FrexpResult = return_type("frexp", ("mantissa", "exponent"))


@export
def frexp(input, *, out=None):
    """Split input into a mantissa in [0.5, 1) (signed) and an int32 exponent with
    input = mantissa * 2 ** exponent; returns the named tuple (mantissa, exponent)."""
    if input.dtype.category != _FLOAT:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = execute(FrexpBackward0, (input,), (input._data,))
    if out is not None:
        m, e = _out(m, out[0]), _out(e, out[1])
    return _FrexpResult(m, e)


# --- step function and integer ops ----------------------------------------------------------------

def _heaviside_arrays(x, v):
    return xp.where(x == 0, v, (x > 0).astype(x.dtype))


@export
def heaviside(input, values, *, out=None):
    """Heaviside step: 0 where input < 0, values where input == 0, 1 where input > 0
    (input and values must share a dtype; not differentiable)."""
    if not isinstance(input, engine.Tensor):
        _type_error("heaviside", input, 1)
    if not isinstance(values, engine.Tensor):
        raise TypeError(f"heaviside(): argument 'values' (position 2) must be Tensor, not "
                        f"{type(values).__name__}")
    if input.dtype.category == _COMPLEX or values.dtype.category == _COMPLEX:
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    if input.dtype is not values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different "
                           "dtypes.")
    return _out(_not_differentiable(_heaviside_arrays, "heaviside", input, values,
                                    input._data, values._data), out)


heaviside_ = export(_method_only_inplace(heaviside), function=False)


def _integer_op(ufunc, name):
    def op(input, other, *, out=None):
        ta, tb, xa, xb = _tensor_pair(name, input, other, f"{name}_cpu", ints=True)
        try:
            r = ufunc(xa, xb)
        except ValueError:
            from ember._ops._util import broadcast_shapes
            broadcast_shapes(xa.shape, xb.shape)
            raise
        return _out(make(xp.asarray(r)), out)
    op.__name__ = op.__qualname__ = name
    return op


gcd = _integer_op(xp.gcd, "gcd")
gcd.__doc__ = "Elementwise greatest common divisor of two integer tensors (non-negative)."
lcm = _integer_op(xp.lcm, "lcm")
lcm.__doc__ = "Elementwise least common multiple of two integer tensors (non-negative)."
export(gcd)
export(lcm)
gcd_ = export(_method_only_inplace(gcd))
lcm_ = export(_method_only_inplace(lcm))


# --- integration: trapezoid and cumulative_trapezoid ----------------------------------------------

def _trap_args(name, y, x, dx, dim, cumulative):
    """Check trapezoid's arguments the way torch's overloads do; the wrapped dim."""
    if (x is not None and not isinstance(x, engine.Tensor)) or \
            (x is not None and dx is not None) or isinstance(dx, engine.Tensor):
        got = ", ".join([type(y).__name__] + ([type(x).__name__] if x is not None else []) +
                        ([f"dx={type(dx).__name__}"] if dx is not None else []))
        raise TypeError(f"{name}() received an invalid combination of arguments - got ({got}),"
                        f" but expected one of: (Tensor y, Tensor x, *, int dim = -1) or "
                        f"(Tensor y, *, Number dx = 1, int dim = -1)")
    if y._data.ndim == 0:
        if cumulative:
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = wrap_dim(dim, y._data.ndim)
    what = "`y`" if x is None else "`x` or `y`"
    if y.dtype is _dt.bool or (x is not None and x.dtype is _dt.bool):
        raise RuntimeError(f"{name}: received a bool input for {what}, but bool is not "
                           "supported")
    return d


def _ends(t, d):
    """t without its last / first entry along d (torch's slice(d, 0, -1) and slice(d, 1))."""
    n = t._data.shape[d]
    k = max(n - 1, 0)
    return t.narrow(d, 0, k), t.narrow(d, min(n, 1), k)


def _spacing(name, y, x, d):
    """Differences of the sample points x along d, shaped to broadcast against y's."""
    nd = y._data.ndim
    if x._data.ndim == 1:
        if x._data.shape[0] != y._data.shape[d]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        shape = [1] * nd
        shape[d] = x._data.shape[0]
        x = x.view(shape)
    elif x._data.ndim < nd:
        x = x.view((1,) * (nd - x._data.ndim) + tuple(x._data.shape))
    left, right = _ends(x, d)
    return right - left


def _trapezoid(name, y, x, dx, dim):
    d = _trap_args(name, y, x, dx, dim, False)
    if y._data.shape[d] == 0:
        shape = tuple(n for i, n in enumerate(y._data.shape) if i != d)
        return make(xp.zeros(shape, y.dtype.np), y.dtype)
    if x is not None:
        left, right = _ends(y, d)
        return _scalar_op(DivBackward1, ((left + right) * _spacing(name, y, x, d)).sum(d), 2.0)
    ends = y.select(d, 0) + y.select(d, -1)
    total = y.sum(d) - _scalar_op(MulBackward1, ends, 0.5)
    return _scalar_op(MulBackward1, total, 1 if dx is None else dx)


@export(method=False)
def trapezoid(y, x=None, *, dx=None, dim=-1):
    """Integral of y along dim by the trapezoidal rule, with sample points x (a tensor) or
    a constant spacing dx (default 1)."""
    return _trapezoid("trapezoid", y, x, dx, dim)


@export(method=False)
def trapz(y, x=None, *, dx=None, dim=-1):
    """Alias of trapezoid: trapz(y, x, dim=-1) or trapz(y, dx=1, dim=-1)."""
    return _trapezoid("trapz", y, x, dx, dim)


@export(method=False)
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """Running trapezoidal-rule integral of y along dim (one fewer entry than y along dim),
    with sample points x or a constant spacing dx (default 1)."""
    name = "cumulative_trapezoid"
    d = _trap_args(name, y, x, dx, dim, True)
    left, right = _ends(y, d)
    if x is not None:
        return _scalar_op(DivBackward1, ((left + right) * _spacing(name, y, x, d)).cumsum(d),
                          2.0)
    return _scalar_op(MulBackward1, left + right, (1 if dx is None else dx) / 2).cumsum(d)


# --- vander -------------------------------------------------------------------------------------

@export(method=False)
def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of 1-D x: column j holds x ** (N - 1 - j) (x ** j when
    increasing); N defaults to len(x). Integer inputs give int64."""
    if x._data.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x._data.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    from ember._ops.creation import empty
    from ember._ops.reduction import cumprod
    from ember._ops.shape import flip
    result = empty((x._data.shape[0], n), dtype=_dt.promote_types(x.dtype, _dt.int64))
    if n > 0:
        result.select(1, 0).fill_(1)
        if n > 1:  # as torch builds it: copies into the columns, then a running product
            result.narrow(1, 1, n - 1).copy_(x.unsqueeze(1))
            result.narrow(1, 1, n - 1).copy_(cumprod(result.narrow(1, 1, n - 1), 1))
    return result if increasing else flip(result, [1])


# --- cdist --------------------------------------------------------------------------------------

_CDIST_MODES = {"use_mm_for_euclid_dist_if_necessary": 0, "use_mm_for_euclid_dist": 1,
                "donot_use_mm_for_euclid_dist": 2}


class CdistBackward0(Node):
    """p-norm distances between the rows of two (batched) matrices, computed directly."""
    saves = (0, 1)
    saves_result = True

    def forward(self, a, b, p):
        self.p = p
        diff = a[..., :, None, :] - b[..., None, :, :]
        if diff.shape[-1] == 0:
            return xp.zeros(diff.shape[:-1], a.dtype)
        ad = xp.absolute(diff)
        if p == 0:
            r = (diff != 0).sum(-1)
        elif p == 1:
            r = ad.sum(-1)
        elif p == 2:
            r = xp.sqrt((diff * diff).sum(-1))
        elif p == math.inf:
            r = ad.max(-1) if ad.size else xp.zeros(ad.shape[:-1])
        else:
            r = (ad ** p).sum(-1) ** (1 / p)
        return r.astype(a.dtype, copy=False)

    def backward(self, grad):
        x1, x2, r = self.saved()
        p = self.p
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
        d = r.unsqueeze(-1)
        if p == 0:
            ratio = diff * 0
        elif p == 1:
            ratio = diff.sign()
        elif p == 2:
            ratio = where(d == 0, 0.0, diff / d)
        elif p == math.inf:
            ratio = diff.sign() * (diff.abs() == d)
        elif p < 2:
            # (a zero difference has no derivative below p = 1: torch gives it 0)
            ratio = where((d == 0) | (diff == 0), 0.0,
                          diff.sign() * diff.abs().pow(p - 1) / d.pow(p - 1))
        else:
            ratio = where(d == 0, 0.0, diff * diff.abs().pow(p - 2) / d.pow(p - 1))
        g = grad.unsqueeze(-1) * ratio
        return (g.sum(-2) if self.needs(0) else None,
                -g.sum(-3) if self.needs(1) else None)


class EuclideanDistBackward0(Node):
    """Euclidean distances through one matrix product, |a|^2 - 2 a.b + |b|^2 (torch's path
    for p = 2 and many rows)."""
    saves = (0, 1)
    saves_result = True

    def forward(self, a, b):
        an = (a * a).sum(-1, keepdims=True)
        bn = (b * b).sum(-1, keepdims=True)
        a_ = xp.concatenate([a * _typed(-2, a), an, xp.ones_like(an)], -1)
        b_ = xp.concatenate([b, xp.ones_like(bn), bn], -1)
        r = a_ @ xp.swapaxes(b_, -1, -2)
        return xp.sqrt(xp.maximum(r, _typed(0, r)))

    def backward(self, grad):
        x1, x2, r = self.saved()
        ratio = where(r == 0, 0.0, grad / r)
        ratio_t = ratio.transpose(-1, -2)
        return (x1 * ratio.sum(-1, keepdim=True) - ratio.matmul(x2) if self.needs(0) else None,
                x2 * ratio.sum(-2).unsqueeze(-1) - ratio_t.matmul(x1) if self.needs(1)
                else None)


def _cdist_checks(x1, x2, p):
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{t._data.ndim}D")
    c1, c2 = x1._data.shape[-1], x2._data.shape[-1]
    if c1 != c2:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {c1} X2: {c2}")
    for name, t in (("X1", x1), ("X2", x2)):
        if t.dtype.category != _FLOAT:
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{_scalar_type_name(t.dtype)}")
    if not p >= 0:
        raise RuntimeError("cdist only supports non-negative p values")


@export(method=False)
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distance between each row of x1 (..., R1, C) and each row of x2 (..., R2, C),
    batch dims broadcast: a (..., R1, R2) tensor. For p = 2 and more than 25 rows (or with
    compute_mode='use_mm_for_euclid_dist') the distances come from one matrix product."""
    if _ac.on and _ac.active():
        return _ac.fp32(cdist, x1, x2, p, compute_mode)
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    mode = _CDIST_MODES[compute_mode]
    p = float(p)
    _cdist_checks(x1, x2, p)
    from ember._ops._util import broadcast_shapes
    batch = broadcast_shapes(x1._data.shape[:-2], x2._data.shape[:-2])
    r1, c = x1._data.shape[-2:]
    r2 = x2._data.shape[-2]
    n_batch = math.prod(batch)
    if x1.dtype is not x2.dtype:
        raise RuntimeError(f"expected scalar type {_scalar_type_name(x1.dtype)} but found "
                           f"{_scalar_type_name(x2.dtype)}")
    nonempty = r1 and r2 and n_batch and c
    if nonempty and p == 2 and (mode == 1 or (mode == 0 and (r1 > 25 or r2 > 25))):
        if n_batch != 1:
            x1 = x1.expand(batch + (r1, c)).contiguous().view(n_batch, r1, c)
            x2 = x2.expand(batch + (r2, c)).contiguous().view(n_batch, r2, c)
        r = execute(EuclideanDistBackward0, (x1, x2), (x1._data, x2._data))
        return r.view(batch + (r1, r2))
    if _is_half(x1.dtype):
        _no_kernel("cdist", x1.dtype)
    return execute(CdistBackward0, (x1, x2), (x1._data, x2._data), (p,))
