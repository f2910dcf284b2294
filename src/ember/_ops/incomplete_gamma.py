"""Regularised incomplete gamma functions: igamma and igammac (torch.special.gammainc/c).
"""
import math

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops._util import as_tensor_arg
from ember._ops.engine import Node, execute
from ember._ops.registry import export
from ember._ops.index_reduce import _inplace


# --- igamma / igammac: regularised incomplete gamma functions -------------------------------

def _igamma_arrays(a, x):
    """P(a, x) on float arrays: a series for x < a + 1, a continued fraction otherwise."""
    lg = xp.vectorize(math.lgamma, otypes=[xp.float64])
    a64, x64 = xp.broadcast_arrays(a.astype(xp.float64), x.astype(xp.float64))
    out = xp.full(a64.shape, xp.nan)
    with xp.errstate(all="ignore"):
        ok = (a64 > 0) & (x64 > 0) & xp.isfinite(a64) & xp.isfinite(x64)
        aa, xx = xp.where(ok, a64, 1.0), xp.where(ok, x64, 1.0)
        log_pre = aa * xp.log(xx) - xx - lg(aa)
        # series: sum x^n / (a (a+1) ... (a+n))
        term = 1.0 / aa
        total = term.copy()
        ap = aa.copy()
        for _ in range(600):
            ap = ap + 1
            term = term * xx / ap
            total = total + term
        p_series = total * xp.exp(log_pre)
        # Lentz continued fraction for Q
        b = xx + 1 - aa
        c = xp.full_like(b, 1e300)
        dd = 1.0 / b
        h = dd.copy()
        for i in range(1, 600):
            an = -i * (i - aa)
            b = b + 2
            dd = an * dd + b
            dd = xp.where(xp.abs(dd) < 1e-300, 1e-300, dd)
            c = b + an / c
            c = xp.where(xp.abs(c) < 1e-300, 1e-300, c)
            dd = 1.0 / dd
            h = h * dd * c
        q_cf = xp.exp(log_pre) * h
        p = xp.where(xx < aa + 1, p_series, 1.0 - q_cf)
        out = xp.where(ok, p, out)
        out = xp.where((x64 == 0) & (a64 > 0), 0.0, out)
        out = xp.where((a64 == 0) & (x64 > 0), 1.0, out)
        out = xp.where(xp.isposinf(x64) & (a64 >= 0) & ~xp.isposinf(a64), 1.0, out)
        out = xp.where(xp.isposinf(a64) & xp.isfinite(x64) & (x64 >= 0), 0.0, out)
        out = xp.where((a64 < 0) | (x64 < 0), xp.nan, out)
    return out


def _igamma_operands(input, other, name):
    a, b = as_tensor_arg(input), as_tensor_arg(other)
    from ember._backend.dtypes import result_type_of
    groups = ([], [], [])
    for x, orig in ((a, input), (b, other)):
        if isinstance(orig, (int, float)):
            groups[2].append(_dt.scalar_dtype(orig))
        else:
            groups[0 if x.ndim else 1].append(x.dtype)
    dt = result_type_of(*groups)
    if dt.category != _dt.FLOAT:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_dt_name(dt)}'")
    return a, b, dt


def _dt_name(dt):
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}.get(
        dt.name, dt.name)


class IgammaBackward0(Node):
    saves = (0, 1)
    sign = 1.0

    def forward(self, a, x, dt, upper):
        p = _igamma_arrays(a, x)
        return (1.0 - p if upper else p).astype(dt)

    def backward(self, grad):
        a, x = self.saved()
        if self.needs(0):
            raise NotImplementedError(f"the derivative for '{type(self).__name__[:-9].lower()}"
                                      f": input' is not implemented.")
        from ember._ops.special import lgamma
        d = (x.log() * (a - 1) - x - lgamma(a)).exp()
        return None, grad * d * self.sign


class IgammacBackward0(IgammaBackward0):
    sign = -1.0


def _igamma(input, other, upper):
    name = "igammac" if upper else "igamma"
    a, x, dt = _igamma_operands(input, other, name)
    cls = IgammacBackward0 if upper else IgammaBackward0
    return execute(cls, (a, x), (a._data, x._data), (dt.np, upper))


@export
def igamma(input, other, *, out=None):
    """The regularised lower incomplete gamma function P(input, other) (torch.special.
    gammainc); differentiable in `other` only, as in torch."""
    r = _igamma(input, other, False)
    return r if out is None else out.copy_(r)


@export
def igammac(input, other, *, out=None):
    """The regularised upper incomplete gamma function Q(input, other) = 1 - P."""
    r = _igamma(input, other, True)
    return r if out is None else out.copy_(r)


igamma_ = _inplace(igamma, "igamma_")
igammac_ = _inplace(igammac, "igammac_")
