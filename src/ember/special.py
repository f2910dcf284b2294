"""ember.special: torch.special's functions (special functions of mathematical physics and
statistics). Ops that also live at the top level (erf, expm1, lgamma, ...) are the same
functions; the rest are defined in ember._ops.special."""
from ember._ops import elementwise as _ew
from ember._ops import unary as _un
from ember._ops import reduction as _red
from ember._ops.special import (bessel_j0, bessel_j1, digamma, entr, erfcx,  # noqa: F401
                                i0, i0e, i1, i1e, log_ndtr, ndtr, ndtri, polygamma, sinc,
                                xlog1py, xlogy, zeta)
from ember._ops.special import lgamma as gammaln  # noqa: F401
from ember._ops.special import mvlgamma as _mvlgamma

__all__ = ["bessel_j0", "bessel_j1", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp2",
           "expit", "expm1", "gammaln", "i0", "i0e", "i1", "i1e", "log1p", "log_ndtr",
           "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma",
           "psi", "round", "sinc", "softmax", "xlog1py", "xlogy", "zeta"]

erf = _un.erf
erfc = _un.erfc
erfinv = _un.erfinv
exp2 = _un.exp2
expm1 = _un.expm1
log1p = _un.log1p
logit = _un.logit
expit = _un.sigmoid
psi = digamma


def multigammaln(input, p, *, out=None):
    """Log of the multivariate gamma function of dimension p (torch.mvlgamma)."""
    return _ew._out(_mvlgamma(input, p), out)


def round(input, *, decimals=0, out=None):
    """Round half to even to `decimals` decimal places (floating inputs only)."""
    if input.dtype.category != _ew._FLOAT:
        _ew._no_kernel("round_vml_cpu", input.dtype)
    return _un.round(input, decimals=decimals, out=out)


def logsumexp(input, dim, keepdim=False, *, out=None):
    """log(sum(exp(input))) over dim, computed stably (torch.logsumexp)."""
    return _ew._out(_red.logsumexp(input, dim, keepdim), out)


def softmax(input, dim, *, dtype=None):
    """exp(input) / sum(exp(input)) along dim; `dtype` casts the input first."""
    return _red.softmax(input, dim, dtype)


def log_softmax(input, dim, *, dtype=None):
    """log(softmax(input)) along dim, computed stably; `dtype` casts the input first."""
    return _red.log_softmax(input, dim, dtype)

# the Bessel, Airy and orthogonal-polynomial families and the incomplete gamma functions
from ember._ops.special_functions import (  # noqa: E402,F401
    airy_ai, bessel_y0, bessel_y1, chebyshev_polynomial_t, chebyshev_polynomial_u,
    chebyshev_polynomial_v, chebyshev_polynomial_w, gammainc, gammaincc, hermite_polynomial_h,
    hermite_polynomial_he, laguerre_polynomial_l, legendre_polynomial_p, modified_bessel_i0,
    modified_bessel_i1, modified_bessel_k0, modified_bessel_k1, scaled_modified_bessel_k0,
    scaled_modified_bessel_k1, shifted_chebyshev_polynomial_t, shifted_chebyshev_polynomial_u,
    shifted_chebyshev_polynomial_v, shifted_chebyshev_polynomial_w, spherical_bessel_j0)

__all__ += ["airy_ai", "bessel_y0", "bessel_y1", "chebyshev_polynomial_t",
            "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
            "gammainc", "gammaincc", "hermite_polynomial_h", "hermite_polynomial_he",
            "laguerre_polynomial_l", "legendre_polynomial_p", "modified_bessel_i0",
            "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1",
            "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
            "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
            "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w",
            "spherical_bessel_j0"]
