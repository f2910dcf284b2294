"""The rest of torch.special: Bessel functions of the second kind (`bessel_y0`, `bessel_y1`),
modified Bessel functions (`modified_bessel_i0/i1/k0/k1`, `scaled_modified_bessel_k0/k1`),
`spherical_bessel_j0`, `airy_ai`, the classical orthogonal polynomials (Chebyshev T, U, V,
W and their shifted forms, Hermite H and He, Laguerre L, Legendre P) and `gammainc` /
`gammaincc`.

As in torch, none of the Bessel, Airy or polynomial functions records a graph (their results
never require grad); they accept float32/float64 (integer and bool inputs compute in the
default dtype) and refuse halves and complex numbers. The Bessel and Airy kernels compute in
float64 from power series, Miller's backward recurrence, Temme's continued fraction (for K)
and asymptotic expansions; the polynomials run torch's recurrences in the result dtype.
"""
import math

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops._util import make
from ember._ops.elementwise import _no_kernel, _out, _prep_float
from ember._ops.registry import FUNCTIONS
from ember._ops.special import _float_data, _float_kernel, _hankel, _i0, _i1

_EULER = 0.57721566490153286061
_TWO_PI_INV = 2 / math.pi


def _not_recorded(kernel_fn, input, kernel):
    # torch records no graph for these: the result never requires grad
    return make(kernel_fn(_float_data(input, kernel, halves=False)))


def _order_kernel(name, family, *args):
    """A float kernel (see special._float_kernel) named `name` that computes
    family(x, *args), e.g. one order of a Bessel family."""
    def fn(x):
        return family(x, *args)
    fn.__name__ = name
    return _float_kernel(fn)


# --- Bessel functions of the second kind, orders 0 and 1 -------------------------------------

def _jy_series(y):
    """(J0, J1, Y0, Y1) for 0 < y < 2 from the power series (log terms included)."""
    z = y * y / 4
    log = xp.log(y / 2)
    j0 = xp.ones_like(y)
    j1 = xp.ones_like(y)
    s0 = xp.zeros_like(y)      # sum_k>=1 (-1)^(k+1) H_k z^k / (k!)^2
    s1 = 1 - 2 * _EULER + xp.zeros_like(y)  # sum_k>=0 (-1)^k (H_k + H_k+1 - 2 euler) ..
    t0 = xp.ones_like(y)
    t1 = xp.ones_like(y)
    h = 0.0
    for k in range(1, 30):
        h += 1 / k
        t0 = t0 * -z / (k * k)
        t1 = t1 * -z / (k * (k + 1))
        j0 += t0
        j1 += t1
        s0 -= h * t0
        s1 += (h + h + 1 / (k + 1) - 2 * _EULER) * t1
    j1 = j1 * y / 2
    y0 = _TWO_PI_INV * ((log + _EULER) * j0 + s0)
    y1 = -_TWO_PI_INV / y + _TWO_PI_INV * log * j1 - (y / 2) * s1 / math.pi
    return j0, j1, y0, y1


def _jy_miller(y):
    """(J0, J1, Y0, Y1) for 2 <= y < 25: Miller's backward recurrence for J_n, normalised by
    J0 + 2 (J2 + J4 + ...) = 1, and Neumann's series of Y0 in the even J_2k (Y1 = -Y0')."""
    top = 80
    nxt = xp.zeros_like(y)
    cur = xp.full_like(y, 1e-300)
    norm = xp.zeros_like(y)
    s0 = xp.zeros_like(y)  # sum_k>=1 (-1)^k J_2k / k
    s1 = xp.zeros_like(y)  # sum_k>=1 (-1)^k (J_2k-1 - J_2k+1) / k
    j1 = xp.zeros_like(y)
    inv = 2 / y
    # J_top itself (m = top) enters the sums too
    m = top
    for _ in range(top + 1):
        if m >= 1:
            if m % 2 == 0:
                k = m // 2
                norm += 2 * cur
                s0 += (-1) ** k * cur / k
            else:
                k = (m + 1) // 2
                c = (-1) ** k / k
                if m >= 3:
                    c -= (-1) ** (k - 1) / (k - 1)
                s1 += c * cur
            if m == 1:
                j1 = cur.copy()
        if m == 0:
            break
        prev = m * inv * cur - nxt  # J_{m-1}
        nxt, cur = cur, prev
        m -= 1
        big = xp.absolute(cur) > 1e250  # rescale to stay in range
        if big.any():
            f = xp.where(big, 1e-250, 1.0)
            nxt, cur, norm, s0, s1, j1 = nxt * f, cur * f, norm * f, s0 * f, s1 * f, j1 * f
    norm += cur
    j0, j1, s0, s1 = cur / norm, j1 / norm, s0 / norm, s1 / norm
    log = xp.log(y / 2) + _EULER
    y0 = _TWO_PI_INV * log * j0 - 2 * _TWO_PI_INV * s0
    y1 = -_TWO_PI_INV * (j0 / y - log * j1) + _TWO_PI_INV * s1
    return j0, j1, y0, y1


def _hankel_y(y, nu):
    """Y_nu(y) for y >= 25 from Hankel's asymptotic expansion (special._hankel)."""
    p, q, cos_chi, sin_chi = _hankel(y, nu)
    return xp.sqrt(2 / (math.pi * y)) * (p * sin_chi + q * cos_chi)


def _bessel_y(x, nu):
    out = xp.full_like(x, xp.nan)
    small = (x > 0) & (x < 2)
    mid = (x >= 2) & (x < 25)
    large = (x >= 25) & xp.isfinite(x)
    out[small] = _jy_series(x[small])[2 + nu]
    out[mid] = _jy_miller(x[mid])[2 + nu]
    out[large] = _hankel_y(x[large], nu)
    out[x == 0] = -xp.inf  # (and NaN at +inf, as torch's kernels)
    return out


# Bessel functions of the second kind, orders 0 and 1
_y0 = _order_kernel("_y0", _bessel_y, 0)
_y1 = _order_kernel("_y1", _bessel_y, 1)


# --- modified Bessel functions of the second kind --------------------------------------------

def _k_series(x):
    """(K0, K1) for 0 < x <= 2 from the power series."""
    z = x * x / 4
    log = xp.log(x / 2)
    i0 = xp.ones_like(x)
    i1 = xp.ones_like(x)
    s0 = xp.zeros_like(x)
    s1 = 1 - 2 * _EULER + xp.zeros_like(x)
    t0 = xp.ones_like(x)
    t1 = xp.ones_like(x)
    h = 0.0
    for k in range(1, 30):
        h += 1 / k
        t0 = t0 * z / (k * k)
        t1 = t1 * z / (k * (k + 1))
        i0 += t0
        i1 += t1
        s0 += h * t0
        s1 += (h + h + 1 / (k + 1) - 2 * _EULER) * t1
    i1 = i1 * x / 2
    k0 = -(log + _EULER) * i0 + s0
    k1 = 1 / x + log * i1 - (x / 4) * s1
    return k0, k1


def _k_temme(x, mu=0.0):
    """(exp(x) K_mu(x), exp(x) K_mu+1(x)) for x >= about 2 from Steed's evaluation of
    Temme's continued fraction (|mu| <= 1/2). Converged elements drop out of the loop."""
    a1 = 0.25 - mu * mu
    b = 2 * (1 + x)
    d = 1 / b
    h = d.copy()
    delh = d.copy()
    q1 = xp.zeros_like(x)
    q2 = xp.ones_like(x)
    q = xp.full_like(x, a1)
    c = a1
    a = -a1
    s = 1 + q * delh
    h_out, s_out = h.copy(), s.copy()
    live = xp.arange(x.shape[0])
    for i in range(2, 2000):
        if live.size == 0:
            break
        a -= 2 * (i - 1)
        c = -a * c / i
        qnew = (q1 - b * q2) / a
        q1, q2 = q2, qnew
        q = q + c * qnew
        b = b + 2
        d = 1 / (b + a * d)
        delh = (b * d - 1) * delh
        h = h + delh
        dels = q * delh
        s = s + dels
        done = xp.absolute(dels) <= 1e-17 * xp.absolute(s)
        if done.any():
            h_out[live[done]], s_out[live[done]] = h[done], s[done]
            keep = ~done
            live, b, d, h, delh, q1, q2, q, s = (v[keep] for v in
                                                 (live, b, d, h, delh, q1, q2, q, s))
    k_mu = xp.sqrt(math.pi / (2 * x)) / s_out
    k_next = k_mu * (mu + x + 0.5 - a1 * h_out) / x
    return k_mu, k_next


def _bessel_k(x, nu, scaled):
    out = xp.full_like(x, xp.nan)
    small = (x > 0) & (x <= 2)
    large = (x > 2) & xp.isfinite(x)
    ks = _k_series(x[small])[nu]
    out[small] = ks * xp.exp(x[small]) if scaled else ks
    xl = x[large]
    kl = _k_temme(xl)[nu]
    if not scaled:
        half = xp.exp(-xl / 2)  # in two halves: K stays finite while representable
        kl = kl * half * half
    out[large] = kl
    out[x == 0] = xp.inf
    out[x == xp.inf] = 0.0
    return out


# modified Bessel functions of the second kind K0, K1 and their scaled forms exp(x) K0(x),
# exp(x) K1(x)
_k0 = _order_kernel("_k0", _bessel_k, 0, False)
_k1 = _order_kernel("_k1", _bessel_k, 1, False)
_k0e = _order_kernel("_k0e", _bessel_k, 0, True)
_k1e = _order_kernel("_k1e", _bessel_k, 1, True)


@_float_kernel
def _spherical_j0(x):
    """sin(x) / x, from its Taylor series near 0."""
    small = xp.absolute(x) < 0.5
    z = x * x
    series = 1 + z * (-1 / 6 + z * (1 / 120 + z * (-1 / 5040 + z * (1 / 362880
                                                                     - z / 39916800))))
    out = xp.where(small, series, xp.sin(x) / xp.where(small, 1.0, x))
    out[xp.isinf(x)] = 0.0
    return out


# --- the Airy function Ai ---------------------------------------------------------------------

_AI0 = 0.355028053887817239260063186004   # Ai(0)
_AIP0 = 0.258819403792806798405183560189  # -Ai'(0)


def _airy_series(x):
    """Ai(x) from its Maclaurin series: Ai(0) f(x) + Ai'(0) g(x)."""
    x3 = x * x * x
    a = xp.ones_like(x)
    b = x.copy()
    f = a.copy()
    g = b.copy()
    for k in range(1, 60):
        a = a * x3 / ((3 * k - 1) * (3 * k))
        b = b * x3 / ((3 * k) * (3 * k + 1))
        f += a
        g += b
    return _AI0 * f - _AIP0 * g


def _airy_negative(x):
    """Ai(x) for x <= -7 from the oscillatory asymptotic expansion in zeta = 2/3 |x|^1.5."""
    t = -x
    zeta = 2 / 3 * t * xp.sqrt(t)
    p = xp.ones_like(t)
    q = xp.zeros_like(t)
    u = 1.0
    term = xp.ones_like(t)
    for k in range(1, 25):
        u = u * (6 * k - 5) * (6 * k - 3) * (6 * k - 1) / ((2 * k - 1) * 216 * k)
        term = term / zeta
        sign = 1 if (k // 2) % 2 == 0 else -1
        if k % 2:
            q += sign * u * term
        else:
            p += sign * u * term
    phase = zeta + math.pi / 4
    return (xp.sin(phase) * p - xp.cos(phase) * q) / (math.sqrt(math.pi) * xp.sqrt(xp.sqrt(t)))


@_float_kernel
def _airy(x):
    """Airy function Ai(x)."""
    out = xp.full_like(x, xp.nan)
    mid = (x > -7) & (x <= 2)
    neg = (x <= -7) & xp.isfinite(x)
    pos = (x > 2) & xp.isfinite(x)
    out[mid] = _airy_series(x[mid])
    out[neg] = _airy_negative(x[neg])
    xp_ = x[pos]
    zeta = 2 / 3 * xp_ * xp.sqrt(xp_)
    # Ai(x) = sqrt(x / 3) K_1/3(zeta) / pi
    k = _k_temme(zeta, 1 / 3)[0]
    half = xp.exp(-zeta / 2)
    out[pos] = xp.sqrt(xp_ / 3) / math.pi * k * half * half
    return out  # (NaN at +-inf, as torch's)


def bessel_y0(input, *, out=None):
    """Elementwise Bessel function of the second kind of order 0 (not differentiable)."""
    return _out(_not_recorded(_y0, input, "bessel_y0_cpu"), out)


def bessel_y1(input, *, out=None):
    """Elementwise Bessel function of the second kind of order 1 (not differentiable)."""
    return _out(_not_recorded(_y1, input, "bessel_y1_cpu"), out)


def modified_bessel_i0(input, *, out=None):
    """Elementwise modified Bessel function of the first kind of order 0 (not
    differentiable; torch.i0 is the differentiable one)."""
    return _out(_not_recorded(_i0, input, "modified_bessel_i0_cpu"), out)


def modified_bessel_i1(input, *, out=None):
    """Elementwise modified Bessel function of the first kind of order 1 (not
    differentiable)."""
    return _out(_not_recorded(_i1, input, "modified_bessel_i1_cpu"), out)


def modified_bessel_k0(input, *, out=None):
    """Elementwise modified Bessel function of the second kind of order 0 (not
    differentiable)."""
    return _out(_not_recorded(_k0, input, "modified_bessel_k0_cpu"), out)


def modified_bessel_k1(input, *, out=None):
    """Elementwise modified Bessel function of the second kind of order 1 (not
    differentiable)."""
    return _out(_not_recorded(_k1, input, "modified_bessel_k1_cpu"), out)


def scaled_modified_bessel_k0(input, *, out=None):
    """Elementwise exp(input) * K0(input) (not differentiable)."""
    return _out(_not_recorded(_k0e, input, "scaled_modified_bessel_k0_cpu"), out)


def scaled_modified_bessel_k1(input, *, out=None):
    """Elementwise exp(input) * K1(input) (not differentiable)."""
    return _out(_not_recorded(_k1e, input, "scaled_modified_bessel_k1_cpu"), out)


def spherical_bessel_j0(input, *, out=None):
    """Elementwise spherical Bessel function of the first kind of order 0, sin(x) / x (not
    differentiable)."""
    return _out(_not_recorded(_spherical_j0, input, "spherical_bessel_j0_cpu"), out)


def airy_ai(input, *, out=None):
    """Elementwise Airy function Ai (not differentiable)."""
    return _out(_not_recorded(_airy, input, "airy_ai_cpu"), out)


# --- orthogonal polynomials -------------------------------------------------------------------

def _degree(n):
    """torch's C cast of a (float) degree to int64: truncation, and INT64_MIN (so a zero
    result) for NaN, infinities and out-of-range values."""
    if n.dtype.kind in "iub":
        return n.astype(xp.int64)
    ok = xp.isfinite(n) & (xp.absolute(n) < 2.0 ** 63)
    return xp.where(ok, xp.trunc(xp.where(ok, n, 0)), -2.0 ** 63).astype(xp.int64)


def _select(x, n, cases, base, step):
    """Evaluate a polynomial family elementwise in x's dtype: `cases` are (mask, value)
    pairs taken in order (the first match wins), then degree 0 is 1, degree 1 `base(x)` and
    higher degrees run `step(k, x, p, q)` from (1, base(x)) as torch's kernels do."""
    out = xp.zeros(x.shape, x.dtype)
    done = n < 0
    for mask, value in cases:
        mask = mask & ~done
        out = xp.where(mask, value() if callable(value) else value, out)
        done |= mask
    out = xp.where(~done & (n == 0), 1, out)
    q0 = base(x)
    out = xp.where(~done & (n == 1), q0, out)
    rest = ~done & (n >= 2)
    if rest.any():
        top = int(n[rest].max())
        p, q = xp.ones_like(x), q0
        for k in range(1, top):
            r = step(k, x, p, q)
            p, q = q, r
            out = xp.where(rest & (n == k + 1), r, out)
    return out.astype(x.dtype, copy=False)


def _odd(n):
    return n % 2 != 0


def _cheb_trig(y, n, kind):
    """Chebyshev T, U, V, W of degree n at y = cos(t) from their trigonometric forms."""
    t = xp.arccos(y)
    nf = n.astype(y.dtype)
    if kind == "t":
        return xp.cos(nf * t)
    if kind == "u":
        s = xp.sin(t)
        return xp.where(s != 0, xp.sin((nf + 1) * t) / xp.where(s != 0, s, 1),
                        (nf + 1) * xp.cos((nf + 1) * t) * y)
    if kind == "v":
        s = xp.sin(t / 2)
        return xp.where(s != 1, xp.cos((nf + 0.5) * t) / xp.cos(t / 2),
                        xp.where(_odd(n), -(nf + nf + 1), nf + nf + 1))
    c = xp.cos(t / 2)
    return xp.where(c != 1, xp.sin((nf + 0.5) * t) / xp.sin(t / 2),
                    xp.where(y > 0, nf + nf + 1, xp.where(_odd(n), -1, 1)))


_CHEB_BASE = {"t": lambda y: y, "u": lambda y: y + y, "v": lambda y: y + y - 1,
              "w": lambda y: y + y + 1}
_CHEB_TRIG_MIN = {"t": 6, "u": 8, "v": 8, "w": 8}
_SHIFTED_TRIG_MIN = {"t": 6, "u": 6, "v": 6, "w": 4}


def _cheb_edge(y, n, kind, at_one):
    """Chebyshev values where y = 1 (at_one) or y = -1."""
    nf = n.astype(y.dtype)
    if kind == "t":
        return 1 if at_one else xp.where(_odd(n), -1, 1)
    if kind == "u":
        return nf + 1 if at_one else xp.where(_odd(n), -(nf + 1), nf + 1)
    if kind == "v":
        return 1 if at_one else xp.where(_odd(n), -(nf + nf + 1), nf + nf + 1)
    return nf + nf + 1 if at_one else xp.where(_odd(n), -1, 1)


def _chebyshev(x, n, kind):
    def step(k, x, p, q):
        return (x + x) * q - p
    cases = [(x == 1, lambda: _cheb_edge(x, n, kind, True)),
             (x == -1, lambda: _cheb_edge(x, n, kind, False)),
             ((n > _CHEB_TRIG_MIN[kind]) & (xp.absolute(x) < 1),
              lambda: _cheb_trig(x, n, kind))]
    return _select(x, n, cases, _CHEB_BASE[kind], step)


def _shifted_chebyshev(x, n, kind):
    def step(k, x, p, q):
        y = x + x - 1
        return (y + y) * q - p
    y = x + x - 1
    cases = [(x == 1, lambda: _cheb_edge(y, n, kind, True)),
             (x == 0, lambda: _cheb_edge(y, n, kind, False)),
             ((n > _SHIFTED_TRIG_MIN[kind]) & (xp.absolute(y) < 1),
              lambda: _cheb_trig(y, n, kind))]
    return _select(x, n, cases, lambda x: _CHEB_BASE[kind](x + x - 1), step)


def _hermite_h(x, n):
    return _select(x, n, [], lambda x: x + x,
                   lambda k, x, p, q: (x + x) * q - (2 * k) * p)


def _hermite_he(x, n):
    return _select(x, n, [], lambda x: x, lambda k, x, p, q: x * q - k * p)


def _laguerre(x, n):
    return _select(x, n, [(x == 0, 1)], lambda x: 1 - x,
                   lambda k, x, p, q: (((k + k) + (1 - x)) * q - k * p) / (k + 1))


def _legendre(x, n):
    edge = xp.where(_odd(n), -1, 1)
    return _select(x, n, [(x == 1, 1), (x == -1, edge)], lambda x: x,
                   lambda k, x, p, q: ((k + k + 1) * x * q - k * p) / (k + 1))


def _polynomial(name, kernel, x, n, out):
    """Shared driver: torch's promotion of (x, n) (tensor or number each, at least one
    tensor), integer results in the default dtype; no graph is recorded."""
    _, _, xa, na, dt = _prep_float(x, n)
    if dt.category != _dt.FLOAT or dt is _dt.float16 or dt is _dt.bfloat16:
        _no_kernel(f"{name}_cpu", dt)
    # a Python number keeps its value (not wrapped to an unsigned input's range)
    xa = xp.asarray(x if isinstance(x, (int, float)) else xa, dtype=dt.np)
    na = xp.asarray(n if isinstance(n, (int, float)) else na, dtype=dt.np)
    xa, na = xp.broadcast_arrays(xa, na)
    with xp.errstate(all="ignore"):
        result = kernel(xa, _degree(na))
    return _out(make(xp.asarray(result, dtype=dt.np)), out)


def chebyshev_polynomial_t(input, n, *, out=None):
    """Chebyshev polynomial of the first kind T_n(input), n truncated to an integer (0 for
    negative n); not differentiable."""
    return _polynomial("chebyshev_polynomial_t", lambda x, k: _chebyshev(x, k, "t"),
                       input, n, out)


def chebyshev_polynomial_u(input, n, *, out=None):
    """Chebyshev polynomial of the second kind U_n(input); not differentiable."""
    return _polynomial("chebyshev_polynomial_u", lambda x, k: _chebyshev(x, k, "u"),
                       input, n, out)


def chebyshev_polynomial_v(input, n, *, out=None):
    """Chebyshev polynomial of the third kind V_n(input); not differentiable."""
    return _polynomial("chebyshev_polynomial_v", lambda x, k: _chebyshev(x, k, "v"),
                       input, n, out)


def chebyshev_polynomial_w(input, n, *, out=None):
    """Chebyshev polynomial of the fourth kind W_n(input); not differentiable."""
    return _polynomial("chebyshev_polynomial_w", lambda x, k: _chebyshev(x, k, "w"),
                       input, n, out)


def shifted_chebyshev_polynomial_t(input, n, *, out=None):
    """Shifted Chebyshev polynomial T*_n(input) = T_n(2 input - 1); not differentiable."""
    return _polynomial("shifted_chebyshev_polynomial_t",
                       lambda x, k: _shifted_chebyshev(x, k, "t"), input, n, out)


def shifted_chebyshev_polynomial_u(input, n, *, out=None):
    """Shifted Chebyshev polynomial U*_n(input) = U_n(2 input - 1); not differentiable."""
    return _polynomial("shifted_chebyshev_polynomial_u",
                       lambda x, k: _shifted_chebyshev(x, k, "u"), input, n, out)


def shifted_chebyshev_polynomial_v(input, n, *, out=None):
    """Shifted Chebyshev polynomial V*_n(input) = V_n(2 input - 1); not differentiable."""
    return _polynomial("shifted_chebyshev_polynomial_v",
                       lambda x, k: _shifted_chebyshev(x, k, "v"), input, n, out)


def shifted_chebyshev_polynomial_w(input, n, *, out=None):
    """Shifted Chebyshev polynomial W*_n(input) = W_n(2 input - 1); not differentiable."""
    return _polynomial("shifted_chebyshev_polynomial_w",
                       lambda x, k: _shifted_chebyshev(x, k, "w"), input, n, out)


def hermite_polynomial_h(input, n, *, out=None):
    """Physicists' Hermite polynomial H_n(input); not differentiable."""
    return _polynomial("hermite_polynomial_h", _hermite_h, input, n, out)


def hermite_polynomial_he(input, n, *, out=None):
    """Probabilists' Hermite polynomial He_n(input); not differentiable."""
    return _polynomial("hermite_polynomial_he", _hermite_he, input, n, out)


def laguerre_polynomial_l(input, n, *, out=None):
    """Laguerre polynomial L_n(input); not differentiable."""
    return _polynomial("laguerre_polynomial_l", _laguerre, input, n, out)


def legendre_polynomial_p(input, n, *, out=None):
    """Legendre polynomial P_n(input); not differentiable."""
    return _polynomial("legendre_polynomial_p", _legendre, input, n, out)


# --- regularised incomplete gamma functions ---------------------------------------------------

def gammainc(input, other, *, out=None):
    """Regularised lower incomplete gamma function P(input, other) (torch.igamma):
    differentiable in `other` only."""
    return FUNCTIONS["igamma"](input, other, out=out)


def gammaincc(input, other, *, out=None):
    """Regularised upper incomplete gamma function Q(input, other) (torch.igammac):
    differentiable in `other` only."""
    return FUNCTIONS["igammac"](input, other, out=out)
