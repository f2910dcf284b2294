"""Op-table records for src/ember/_ops/special_functions.py: the Bessel, Airy and
orthogonal-polynomial families of torch.special and gammainc / gammaincc.

None of the Bessel, Airy or polynomial functions is differentiable in torch (their results
never require grad), so those records have grad=False. Tolerances against torch: ember's
float64 kernels agree with mpmath to ~1e-14 (tests/ops/test_special_functions.py); torch's
own bessel_y0/y1 and airy_ai kernels are off by up to ~1e-6 absolute in float64, hence the
looser atol on those records. The polynomials' NaN inputs are left out: torch's CPU kernel
returns unrelated numbers for them.
"""
import numpy as np

from opinfo.core import ErrorSample, OpInfo, Sample, randn
from opinfo.ops_elementwise import SPECIALS, _is_float, unary
from opinfo.ops_special import NO_HALF


def _special(name, **kw):
    return unary(f"special.{name}", fn=lambda lib, a: getattr(lib.special, name)(a),
                 inplace=False, dtypes=NO_HALF, grad=False, **kw)


def _poly_samples(low, high, nmax):
    def samples(rng, dt):
        out = [Sample((randn(rng, (3, 4), dt, low, high),
                       np.asarray(rng.integers(0, nmax, (3, 4)))), name="int64 n"),
               Sample((randn(rng, (2, 1, 4), dt, low, high),
                       np.asarray(rng.integers(0, nmax, (3, 1)))), name="broadcast"),
               Sample((randn(rng, (5,), dt, low, high), 3), name="number n"),
               Sample((randn(rng, (5,), dt, low, high), 2.7), name="float number n"),
               Sample((randn(rng, (5,), dt, low, high), -1), name="negative n"),
               Sample((0.5, np.asarray(rng.integers(0, nmax, (4,)))), name="number x")]
        if _is_float(dt):
            x = np.asarray([1.0, -1.0, 0.0, -0.0, 0.5, 1.0, -1.0, 0.0] * 4, dtype=dt)
            n = np.asarray(list(range(0, 32)), dtype=dt) * 0.5
            out.append(Sample((x, n), name="edges, fractional n"))
            out.append(Sample((randn(rng, (4,), dt, low, high),
                               randn(rng, (4,), dt, 0, nmax)), name="float n"))
        return out
    return samples


def _poly(name, low=-1.2, high=1.2, nmax=14, **kw):
    return OpInfo(f"special.{name}", lambda lib, x, n: getattr(lib.special, name)(x, n),
                  _poly_samples(low, high, nmax), dtypes=NO_HALF, grad=False,
                  errors=lambda rng: [ErrorSample((randn(rng, (3,), "complex64"), 2),
                                                  name="complex")], **kw)


def _gammainc_samples(rng, dt):
    return [Sample((randn(rng, (3, 4), dt, 0.2, 6.0), randn(rng, (3, 4), dt, 0.1, 8.0)),
                   name="same"),
            Sample((randn(rng, (3, 1), dt, 0.2, 6.0), randn(rng, (4,), dt, 0.1, 8.0)),
                   name="broadcast")]


def _grad_in_x(name):
    return OpInfo(f"special.{name} (grad in x)",
                  lambda lib, x: getattr(lib.special, name)(lib.tensor([0.7, 2.5, 4.0],
                                                                       dtype=x.dtype), x),
                  lambda rng, dt: [Sample((randn(rng, (3,), dt, 0.3, 5.0),), name="x")])


_Y_SPECIALS = [v for v in SPECIALS if v != -np.inf] + [1e10, 24.9, 25.1, 1.99, 2.01]

OPS = [
    *_special("bessel_y0", low=0.01, high=30.0, specials=_Y_SPECIALS, atol=5e-6),
    *_special("bessel_y1", low=0.01, high=30.0, specials=_Y_SPECIALS, atol=5e-6),
    *_special("modified_bessel_i0", low=-20.0, high=20.0,
              specials=[v for v in SPECIALS if not np.isinf(v)]),
    *_special("modified_bessel_i1", low=-20.0, high=20.0,
              specials=[v for v in SPECIALS if not np.isinf(v)]),
    *_special("modified_bessel_k0", low=0.01, high=30.0, specials=SPECIALS + [1.99, 2.01]),
    *_special("modified_bessel_k1", low=0.01, high=30.0, specials=SPECIALS + [1.99, 2.01]),
    *_special("scaled_modified_bessel_k0", low=0.01, high=30.0,
              specials=SPECIALS + [1.99, 2.01, 1e4]),
    *_special("scaled_modified_bessel_k1", low=0.01, high=30.0,
              specials=SPECIALS + [1.99, 2.01, 1e4]),
    *_special("spherical_bessel_j0", low=-20.0, high=20.0, specials=SPECIALS + [0.49, 1e-5]),
    *_special("airy_ai", low=-15.0, high=8.0, specials=SPECIALS + [-7.0, -7.01, 2.0, 2.01],
              atol=5e-6),
    _poly("chebyshev_polynomial_t"),
    _poly("chebyshev_polynomial_u"),
    _poly("chebyshev_polynomial_v"),
    _poly("chebyshev_polynomial_w"),
    _poly("shifted_chebyshev_polynomial_t", low=-0.2, high=1.2),
    _poly("shifted_chebyshev_polynomial_u", low=-0.2, high=1.2),
    _poly("shifted_chebyshev_polynomial_v", low=-0.2, high=1.2),
    _poly("shifted_chebyshev_polynomial_w", low=-0.2, high=1.2),
    _poly("hermite_polynomial_h", low=-3.0, high=3.0, nmax=10, rtol=1e-5),
    _poly("hermite_polynomial_he", low=-3.0, high=3.0, nmax=10, rtol=1e-5),
    _poly("laguerre_polynomial_l", low=-1.0, high=6.0),
    _poly("legendre_polynomial_p"),
    OpInfo("special.gammainc", lambda lib, a, x: lib.special.gammainc(a, x),
           _gammainc_samples, grad=False),
    OpInfo("special.gammaincc", lambda lib, a, x: lib.special.gammaincc(a, x),
           _gammainc_samples, grad=False),
    _grad_in_x("gammainc"),
    _grad_in_x("gammaincc"),
]
