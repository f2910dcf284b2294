"""Op-table records for the special functions and their neighbours
(src/ember/_ops/special.py and the ember.special namespace).

Conventions as in ops_elementwise.py: float32/float64 for every op, integer, bool and half
dtypes where torch accepts them (where it refuses, both libraries must raise the same
class); "edge" samples (48 elements, compared but never finite-differenced) hold NaN,
infinities, signed zeros and the poles. Records named `special.<name>` call
`lib.special.<name>`.
"""
import numpy as np

from opinfo.core import COMPLEX, FLOATS, HALFS, INTS, ErrorSample, OpInfo, Sample, np_dtype
from opinfo.ops_elementwise import (MATH, SPECIALS, _inplace_only, _is_float, binary,
                                    binary_samples, edge_array, randn, tensor_only_errors,
                                    unary, unary_samples)

UINT_BOOL = ("uint8", "bool")
NO_HALF = FLOATS + INTS + UINT_BOOL + HALFS   # halves listed: torch refuses them, so must we
# the poles of the gamma family at the negative integers are left to tests/ops/test_special.py
# (torch's trigamma gives large finite numbers there instead of inf)
GAMMA_SPECIALS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, 0.5, -0.5, 2.5, -2.5, 1e-30, 80.0,
                  -80.5, 1.4616321449683622, 2.0, 3.0, 30.0]


def special(name, **kw):
    """A unary torch.special record (no in-place form)."""
    return unary(f"special.{name}", fn=lambda lib, a: getattr(lib.special, name)(a),
                 inplace=False, **kw)


# --- gamma family ---------------------------------------------------------------------------

def _polygamma_samples(rng, dt):
    out = []
    for n in (0, 1, 2, 3):
        out.append(Sample((n, randn(rng, (3, 4), dt, 0.2, 4.0)), name=f"n={n}"))
    out.append(Sample((1, randn(rng, (), dt, 0.5, 3.0)), name="0-dim"))
    if _is_float(dt):
        out.append(Sample((2, randn(rng, (3, 4), dt, -3.9, -3.1)), name="negative"))
        specials = [s for s in GAMMA_SPECIALS if s != -np.inf]  # (trigamma: NaN vs torch's)
        for n in (1, 2, 4):
            out.append(Sample((n, edge_array(rng, dt, specials, 0.1, 5)), name=f"edge n={n}"))
    return out


def _polygamma_errors(rng):
    return [ErrorSample((-1, randn(rng, (3,), "float32")), name="negative n"),
            ErrorSample((1, randn(rng, (3,), "complex64")), name="complex")]


def _mvlgamma_samples(rng, dt):
    out = [Sample((randn(rng, (3, 4), dt, p / 2 + 0.1, 5.0), p), name=f"p={p}")
           for p in (1, 2, 3, 5)]
    out.append(Sample((randn(rng, (), dt, 2.0, 4.0), 2), name="0-dim"))
    if _is_float(dt):
        out.append(Sample((edge_array(rng, dt, [np.nan, np.inf, 1.0, 1.5, 0.75], 1, 5), 2),
                          name="edge"))
    return out


def _mvlgamma_errors(rng):
    return [ErrorSample((randn(rng, (3,), "float32", 2, 4), 0), name="p = 0")]


def _zeta_samples(rng, dt):
    out = [Sample((randn(rng, (3, 4), dt, 1.5, 5.0), randn(rng, (3, 4), dt, 0.3, 4.0)),
                  name="same"),
           Sample((randn(rng, (3, 1), dt, 1.5, 5.0), randn(rng, (4,), dt, 0.3, 4.0)),
                  name="broadcast"),
           Sample((2.5, randn(rng, (3, 4), dt, 0.3, 4.0)), name="number s"),
           Sample((3, randn(rng, (3,), dt, 0.3, 4.0)), name="int s"),
           Sample((randn(rng, (3,), dt, 1.5, 5.0), 2.0), name="number q")]
    if _is_float(dt):
        s = edge_array(rng, dt, [2, 2, 2, 1, 0.5, 3, 3, 2.5, np.inf, 2, -1, np.nan, 2, 4, 2,
                                 30, 1.5, np.inf], 1.1, 5)
        q = edge_array(rng, dt, [1, -1, -1.5, 1, 1, 0, -2.5, -2.5, 2, np.inf, 2, 1, np.nan,
                                 -7.25, -0.0, 0.5, 1e6, 1], 0.5, 4)
        out.append(Sample((s, q), name="edge"))
    return out


def _zeta_errors(rng):
    return [ErrorSample((2.0, 3.0), name="two numbers"),
            ErrorSample((randn(rng, (3,), "float32"), randn(rng, (4,), "float32")),
                        name="broadcast")]


# --- binary float ops -------------------------------------------------------------------------

def _xlogy_samples(lo_b):
    def samples(rng, dt):
        out = binary_samples(low_b=lo_b + 0.1, high_b=3.0)(rng, dt)
        x = randn(rng, (3, 4), dt)
        x[0] = 0
        out.append(Sample((x, randn(rng, (3, 4), dt, lo_b + 0.1, 3.0)), name="zeros"))
        out.append(Sample((0, randn(rng, (3,), dt, lo_b + 0.1, 3.0)), name="0 scalar"))
        if _is_float(dt):
            a = edge_array(rng, dt, [0.0, 0.0, 0.0, 1.0, np.nan, 2.0, 0.0, -1.0, np.inf, 0.0],
                           -2, 2)
            b = edge_array(rng, dt, [lo_b, np.nan, lo_b - 1, lo_b, 1.0, np.inf, -np.inf,
                                     lo_b - 0.5, 2.0, 5.0], lo_b + 0.1, 3)
            out.append(Sample((a, b), name="edge"))
            out.append(Sample((a, float(lo_b)), name="edge, number other at the pole"))
        return out
    return samples


def _copysign_samples(rng, dt):
    out = binary_samples(scalars=(-2.5, 2, True, -0.0), left_scalars=False)(rng, dt)
    if _is_float(dt):
        a = edge_array(rng, dt, [1.0, -2.0, np.nan, 0.0, -0.0, np.inf, 3.0, 0.0], -2, 2)
        b = edge_array(rng, dt, [-0.0, 0.0, -1.0, -1.0, 1.0, -1.0, np.inf, np.nan], -2, 2)
        out.append(Sample((a, b), name="edge"))
    return out


def _copysign_errors(rng):
    return tensor_only_errors(rng)[:3]


def _logaddexp_samples(rng, dt):
    out = binary_samples(scalars=(), left_scalars=False)(rng, dt)
    if _is_float(dt) and np_dtype(dt).kind != "c":
        a = edge_array(rng, dt, [np.inf, -np.inf, np.inf, 60.0, 0.0, np.nan, -np.inf, 1.0],
                       -3, 3)
        b = edge_array(rng, dt, [np.inf, -np.inf, -np.inf, 60.0, -60.0, 1.0, 2.0, 1.0],
                       -3, 3)
        out.append(Sample((a, b), name="edge"))
    return out


def _nextafter_samples(rng, dt):
    out = binary_samples(scalars=(), left_scalars=False)(rng, dt)
    if _is_float(dt):
        a = edge_array(rng, dt, [0.0, 1.0, np.nan, 1.0, -0.0, np.inf, 1.0], -3, 3)
        b = edge_array(rng, dt, [1.0, 0.0, 1.0, np.nan, -1.0, 0.0, 1.0], -3, 3)
        out.append(Sample((a, b), name="edge"))
    return out


def _ldexp_samples(int_exponent):
    def samples(rng, dt):
        if not int_exponent:
            out = [Sample((randn(rng, (3, 4), dt), randn(rng, (4,), dt, -2, 2)), name="same"),
                   Sample((randn(rng, (2, 1), dt), randn(rng, (3,), dt, -2, 2)),
                          name="broadcast"),
                   Sample((randn(rng, (), dt), randn(rng, (), dt, -2, 2)), name="0-dim")]
            if dt == "float32":
                out.append(Sample((randn(rng, (3,), dt), randn(rng, (3,), "float64", -2, 2)),
                                  name="float64 exponent"))
            return out
        out = [Sample((randn(rng, (3, 4), dt), np.array([1, -2, 3, 0], np.int64)),
                      name="int64"),
               Sample((randn(rng, (2, 1), dt), randn(rng, (3,), "int32", -3, 3)), name="int32"),
               Sample((randn(rng, (), dt), np.array(2, np.int64)), name="0-dim")]
        if _is_float(dt) and np_dtype(dt).kind != "c":
            a = edge_array(rng, dt, [1e-30, 0.0, 3.0, np.inf, np.nan, 1.0, -0.0], -2, 2)
            e = np.resize(np.array([100, 200, -200, -3, 2, 1025, 5, 70], np.int64), (6, 8))
            out.append(Sample((a, e), name="edge"))
        return out
    return samples


def _ldexp_errors(rng):
    return tensor_only_errors(rng)


# --- frexp, heaviside, gcd / lcm -------------------------------------------------------------

def _frexp_samples(rng, dt):
    out = unary_samples(-100, 100, SPECIALS + [1e-7, 65504.0, 3.0, 1024.0])(rng, dt)
    return out


def _heaviside_samples(rng, dt):
    x = randn(rng, (3, 4), dt)
    x[0] = 0
    out = [Sample((x, randn(rng, (3, 4), dt)), name="same"),
           Sample((x, randn(rng, (4,), dt)), name="broadcast values"),
           Sample((randn(rng, (), dt), randn(rng, (3,), dt)), name="0-dim")]
    if _is_float(dt):
        a = edge_array(rng, dt, [-1.0, 0.0, 2.0, np.nan, -0.0, np.inf, -np.inf], -2, 2)
        out.append(Sample((a, np.full((6, 8), 0.5, np_dtype(dt))), name="edge"))
    return out


def _heaviside_errors(rng):
    return [ErrorSample((randn(rng, (3,), "float32"), randn(rng, (3,), "float64")),
                        name="dtype mismatch"),
            ErrorSample((randn(rng, (3,), "float32"), randn(rng, (), "float64")),
                        name="0-dim dtype mismatch"),
            ErrorSample((randn(rng, (3,), "complex64"), randn(rng, (3,), "complex64")),
                        name="complex"),
            ErrorSample((randn(rng, (3,), "float32"), 0.5), name="number values"),
            ErrorSample((randn(rng, (3,), "float32"), randn(rng, (4,), "float32")),
                        name="broadcast")]


def _integer_samples(rng, dt):
    kind = np_dtype(dt).kind
    lo = 0 if kind == "u" else -30
    out = [Sample((randn(rng, (3, 4), dt, lo, 30), randn(rng, (3, 4), dt, lo, 30)),
                  name="same"),
           Sample((randn(rng, (3, 1), dt, lo, 30), randn(rng, (4,), dt, lo, 30)),
                  name="broadcast"),
           Sample((randn(rng, (3,), dt, lo, 30), randn(rng, (3,), "int64", -30, 30)),
                  name="int64 other")]
    if kind in "iu":
        z = np.array([0, 0, 12, 7, 1, 18], np_dtype(dt))
        out.append(Sample((z, np.array([0, 5, 18, 7, 9, 12], np_dtype(dt))), name="zeros"))
    if dt == "int64":
        out.append(Sample((np.array([-2 ** 63, 2 ** 40, -4, 6]),
                           np.array([2, 2 ** 40 + 1, 6, -4])), name="extremes"))
    return out


def _integer_errors(rng):
    return [ErrorSample((randn(rng, (3,), "int64"), 2), name="number other"),
            ErrorSample((randn(rng, (3,), "int64"), randn(rng, (4,), "int64")),
                        name="broadcast")]


# --- integration, vander, cdist --------------------------------------------------------------

def _trapezoid_samples(name):
    def samples(rng, dt):
        y = randn(rng, (3, 4), dt)
        xs = np.array([0.0, 1.0, 3.0, 4.5]).astype(np_dtype(dt)) if _is_float(dt) else \
            np.array([0, 1, 3, 4], np_dtype(dt))
        out = [Sample((y,), name="default"),
               Sample((y,), {"dx": 2.5}, name="dx"),
               Sample((y,), {"dx": 2}, name="int dx"),
               Sample((y,), {"dim": 0}, name="dim 0"),
               Sample((y, xs), name="1-d x"),
               Sample((y, randn(rng, (3, 4), dt)), name="same-shape x"),
               Sample((y, randn(rng, (1, 4), dt)), name="broadcast x"),
               Sample((y, randn(rng, (3,), dt)), {"dim": 0}, name="1-d x, dim 0"),
               Sample((randn(rng, (2, 3, 4), dt), randn(rng, (3, 4), dt)), name="padded x"),
               Sample((randn(rng, (3, 1), dt),), name="one sample"),
               Sample((randn(rng, (3, 0), dt),), name="no samples"),
               Sample((randn(rng, (3, 0), dt), randn(rng, (0,), dt)), name="no samples, x"),
               Sample((randn(rng, (5,), dt),), {"dx": 0.5}, name="1-d")]
        if dt == "float32":
            out.append(Sample((y, xs.astype(np.float64)), name="float64 x"))
        if name == "trapz":  # trapz has no dx=None
            out = [s for s in out if s.kwargs.get("dx", 1) is not None]
        return out
    return samples


def _trapezoid_errors(name):
    def errors(rng):
        y = randn(rng, (3, 4), "float32")
        return [ErrorSample((randn(rng, (), "float32"),), name="0-dim"),
                ErrorSample((y, randn(rng, (3,), "float32")), name="wrong x length"),
                ErrorSample((y, randn(rng, (2, 4), "float32")), name="x shape"),
                ErrorSample((y, 2.0), name="number x"),
                ErrorSample((y, randn(rng, (4,), "float32")), {"dx": 2.0}, name="x and dx"),
                ErrorSample((randn(rng, (3,), "bool"),), name="bool y"),
                ErrorSample((y, randn(rng, (4,), "bool")), name="bool x"),
                ErrorSample((y,), {"dim": 2}, name="dim")]
    return errors


def _vander_samples(rng, dt):
    x = randn(rng, (4,), dt, -2, 3)
    return [Sample((x,), name="default"), Sample((x,), {"N": 3}, name="N=3"),
            Sample((x,), {"N": 6, "increasing": True}, name="increasing"),
            Sample((x,), {"N": 0}, name="N=0"), Sample((x,), {"N": 1}, name="N=1"),
            Sample((randn(rng, (0,), dt),), name="empty")]


def _vander_errors(rng):
    return [ErrorSample((randn(rng, (2, 3), "float32"),), name="2-d"),
            ErrorSample((randn(rng, (), "float32"),), name="0-d"),
            ErrorSample((randn(rng, (3,), "float32"),), {"N": -1}, name="negative N")]


def _cdist_samples(rng, dt):
    out = []
    for p in (2.0, 1.0, 0.0, 3.0, 1.5, 0.5, float("inf")):
        out.append(Sample((randn(rng, (3, 2), dt), randn(rng, (4, 2), dt)), {"p": p},
                          name=f"p={p}"))
    out += [Sample((randn(rng, (2, 3, 2), dt), randn(rng, (2, 2, 2), dt)), name="batched"),
            Sample((randn(rng, (2, 1, 2, 2), dt), randn(rng, (3, 2, 2), dt)), {"p": 1},
                   name="broadcast batch"),
            Sample((randn(rng, (2, 2), dt), randn(rng, (3, 2), dt)),
                   {"compute_mode": "use_mm_for_euclid_dist"}, name="mm"),
            Sample((randn(rng, (1, 2, 2), dt), randn(rng, (2, 3, 2), dt)),
                   {"compute_mode": "use_mm_for_euclid_dist"}, name="mm batched"),
            Sample((randn(rng, (30, 3), dt), randn(rng, (4, 3), dt)), name="30 rows: mm"),
            Sample((randn(rng, (30, 3), dt), randn(rng, (4, 3), dt)),
                   {"compute_mode": "donot_use_mm_for_euclid_dist"}, name="30 rows, no mm"),
            Sample((randn(rng, (30, 3), dt), randn(rng, (4, 3), dt)), {"p": 1},
                   name="30 rows, p=1"),
            Sample((randn(rng, (0, 3), dt), randn(rng, (4, 3), dt)), name="no rows"),
            Sample((randn(rng, (2, 0), dt), randn(rng, (3, 0), dt)), name="no columns")]
    return out


def _cdist_errors(rng):
    f = "float32"
    return [ErrorSample((randn(rng, (3,), f), randn(rng, (3,), f)), name="1-d"),
            ErrorSample((randn(rng, (3, 2), f), randn(rng, (3, 4), f)), name="columns"),
            ErrorSample((randn(rng, (3, 2), f), randn(rng, (3, 2), f)), {"p": -1.0},
                        name="negative p"),
            ErrorSample((randn(rng, (2, 3, 2), f), randn(rng, (3, 2, 2), f)), name="batch"),
            ErrorSample((randn(rng, (3, 2), f), randn(rng, (3, 2), f)),
                        {"compute_mode": "foo"}, name="mode"),
            ErrorSample((randn(rng, (3, 2), f), randn(rng, (3, 2), "float64")),
                        name="dtypes"),
            ErrorSample((randn(rng, (3, 2), "int64"), randn(rng, (3, 2), "int64")),
                        name="ints"),
            ErrorSample((randn(rng, (3, 2), "float16"), randn(rng, (3, 2), "float16")),
                        name="half")]


# --- ember.special ---------------------------------------------------------------------------

def _special_round_samples(rng, dt):
    x = randn(rng, (3, 4), dt, -100, 100)
    return [Sample((x,), name="default"), Sample((x,), {"decimals": 1}, name="decimals"),
            Sample((randn(rng, (), dt),), name="0-dim")]


def _reduce_samples(rng, dt):
    return [Sample((randn(rng, (3, 4), dt), 1), name="dim 1"),
            Sample((randn(rng, (3, 4), dt), 0), name="dim 0"),
            Sample((randn(rng, (), dt), 0), name="0-dim")]


def _ndtri_samples(rng, dt):
    specials = [0.0, 1.0, -0.1, 1.1, np.nan, 0.5, 1e-30, 1e-300, 0.25, 0.75, 1 - 1e-12, 5e-324,
                0.975, 0.025]
    return unary_samples(0.02, 0.98, specials)(rng, dt)


OPS = [
    *unary("lgamma", 0.1, 5.0, GAMMA_SPECIALS + [-1.0, -80.0], dtypes=MATH,
           errors=lambda rng: [ErrorSample((randn(rng, (3,), "complex64"),), name="complex")]),
    *unary("digamma", 0.1, 5.0, GAMMA_SPECIALS, dtypes=MATH),
    OpInfo("polygamma", lambda lib, n, a: lib.polygamma(n, a), _polygamma_samples,
           dtypes=MATH, errors=_polygamma_errors),
    OpInfo("polygamma (method)", lambda lib, n, a: a.polygamma(n), _polygamma_samples),
    OpInfo("polygamma_", lambda lib, n, a: a.clone().polygamma_(n), _polygamma_samples),
    OpInfo("mvlgamma", lambda lib, a, p: lib.mvlgamma(a, p), _mvlgamma_samples, dtypes=MATH,
           errors=_mvlgamma_errors),
    OpInfo("mvlgamma_", lambda lib, a, p: a.clone().mvlgamma_(p), _mvlgamma_samples),
    *unary("i0", -5.0, 5.0, SPECIALS + [30.0, -30.0, 700.0], dtypes=MATH),
    *unary("sinc", dtypes=MATH + COMPLEX, finite_complex=True),
    *binary("xlogy", _xlogy_samples(0.0), dtypes=MATH),
    *binary("copysign", _copysign_samples, dtypes=MATH, errors=_copysign_errors,
            inplace_dtypes=FLOATS),
    OpInfo("logaddexp", lambda lib, a, b: lib.logaddexp(a, b), _logaddexp_samples,
           dtypes=MATH + COMPLEX, errors=tensor_only_errors),
    OpInfo("logaddexp2", lambda lib, a, b: lib.logaddexp2(a, b), _logaddexp_samples,
           dtypes=MATH + COMPLEX, errors=tensor_only_errors),
    *binary("nextafter", _nextafter_samples, dtypes=MATH, errors=tensor_only_errors,
            inplace_dtypes=FLOATS),
    *binary("ldexp", _ldexp_samples(False), dtypes=MATH + COMPLEX, errors=_ldexp_errors,
            inplace_dtypes=FLOATS + ("int64",)),
    # (an integer exponent: torch's gradient takes 2 ** e in integer arithmetic, 0 for e < 0,
    # so no finite-difference check; values and gradients are still compared with torch's)
    OpInfo("ldexp (int exponent)", lambda lib, a, e: lib.ldexp(a, e), _ldexp_samples(True),
           dtypes=MATH + COMPLEX, grad=False),
    OpInfo("ldexp_ (int exponent)", lambda lib, a, e: a.clone().ldexp_(e),
           _ldexp_samples(True), dtypes=FLOATS + ("int64",), grad=False),
    OpInfo("frexp", lambda lib, a: lib.frexp(a), _frexp_samples, dtypes=MATH + COMPLEX),
    OpInfo("frexp (method)", lambda lib, a: tuple(a.frexp()), _frexp_samples),
    OpInfo("heaviside", lambda lib, a, b: lib.heaviside(a, b), _heaviside_samples,
           dtypes=FLOATS + HALFS + INTS + UINT_BOOL, grad=False, errors=_heaviside_errors),
    OpInfo("heaviside_", lambda lib, a, b: a.clone().heaviside_(b), _heaviside_samples,
           dtypes=FLOATS + ("int64",), grad=False),
    *[OpInfo(name, lambda lib, a, b, _n=name: getattr(lib, _n)(a, b), _integer_samples,
             dtypes=INTS + UINT_BOOL + ("int8", "int16") + FLOATS + HALFS, grad=False,
             errors=_integer_errors) for name in ("gcd", "lcm")],
    *[OpInfo(name + "_", lambda lib, a, b, _n=name: getattr(a.clone(), _n + "_")(b),
             _integer_samples, dtypes=("int64", "int32", "uint8"), grad=False)
      for name in ("gcd", "lcm")],
    *[OpInfo(name, lambda lib, *a, _n=name, **k: getattr(lib, _n)(*a, **k),
             _trapezoid_samples(name), dtypes=FLOATS + HALFS + INTS + ("uint8",),
             errors=_trapezoid_errors(name))
      for name in ("trapezoid", "trapz", "cumulative_trapezoid")],
    OpInfo("vander", lambda lib, x, **k: lib.vander(x, **k), _vander_samples,
           dtypes=FLOATS + HALFS + INTS + UINT_BOOL + COMPLEX, errors=_vander_errors,
           grad=False),  # (torch's vander cannot backpropagate: see tests/ops/test_special.py)
    OpInfo("cdist", lambda lib, a, b, **k: lib.cdist(a, b, **k), _cdist_samples,
           dtypes=FLOATS, errors=_cdist_errors),
    # ember.special: functions of its own
    *special("erfcx", specials=SPECIALS + [-26.0, -27.0, 5.0, 30.0, 1e10, -1e-300],
             dtypes=NO_HALF),
    *special("entr", low=0.05, high=3.0, specials=SPECIALS, dtypes=MATH),
    *special("ndtr", specials=SPECIALS + [-40.0, 8.0, -8.0], dtypes=MATH),
    OpInfo("special.ndtri", lambda lib, a: lib.special.ndtri(a), _ndtri_samples,
           dtypes=NO_HALF),
    *special("log_ndtr", specials=SPECIALS + [-1e10, -40.0, -5.0, 5.0, 40.0, -1.0, -1.01],
             dtypes=NO_HALF),
    *special("i0e", low=-5.0, high=5.0, specials=SPECIALS + [30.0, -30.0, 1e10], dtypes=MATH),
    *special("i1", low=-5.0, high=5.0, specials=SPECIALS + [30.0, -30.0, 700.0], dtypes=MATH),
    *special("i1e", low=-5.0, high=5.0, specials=SPECIALS + [30.0, -30.0, 1e10], dtypes=MATH),
    *special("bessel_j0", low=-30.0, high=30.0, specials=SPECIALS + [1e10, 24.9, 25.1],
             dtypes=NO_HALF, grad=False, atol=5e-5),  # (torch's float32 kernel: ~1e-5)
    *special("bessel_j1", low=-30.0, high=30.0, specials=SPECIALS + [1e10, 24.9, 25.1],
             dtypes=NO_HALF, grad=False, atol=5e-5),  # (torch's float32 kernel: ~1e-5)
    OpInfo("special.xlog1py", lambda lib, a, b: lib.special.xlog1py(a, b),
           _xlogy_samples(-1.0), dtypes=MATH),
    OpInfo("special.zeta", lambda lib, a, b: lib.special.zeta(a, b), _zeta_samples,
           dtypes=NO_HALF, errors=_zeta_errors, grad=False),
    OpInfo("special.zeta (grad in q)", lambda lib, q: lib.special.zeta(3.5, q),
           lambda rng, dt: [Sample((randn(rng, (3, 4), dt, 0.3, 4.0),), name="q")]),
    OpInfo("special.polygamma", lambda lib, n, a: lib.special.polygamma(n, a),
           _polygamma_samples),
    OpInfo("special.multigammaln", lambda lib, a, p: lib.special.multigammaln(a, p),
           _mvlgamma_samples),
    OpInfo("special.round", lambda lib, a, **k: lib.special.round(a, **k),
           _special_round_samples, dtypes=FLOATS + HALFS + INTS),
    OpInfo("special.logsumexp", lambda lib, a, d: lib.special.logsumexp(a, d),
           _reduce_samples, dtypes=FLOATS + HALFS + INTS),
    OpInfo("special.softmax", lambda lib, a, d: lib.special.softmax(a, d), _reduce_samples,
           dtypes=FLOATS + INTS),
    OpInfo("special.log_softmax", lambda lib, a, d: lib.special.log_softmax(a, d),
           _reduce_samples, dtypes=FLOATS),
    OpInfo("special.softmax (dtype)",
           lambda lib, a, d: lib.special.softmax(a, d, dtype=lib.float64), _reduce_samples,
           dtypes=("float32", "int64"), grad=False),
    # ember.special: the same functions as ember's own ops (one small record each)
    *[rec for name, lo, hi in (("expit", -3, 3), ("logit", 0.05, 0.95), ("erf", -3, 3),
                               ("erfc", -3, 3), ("erfinv", -0.9, 0.9), ("exp2", -3, 3),
                               ("expm1", -3, 3), ("log1p", -0.9, 3), ("gammaln", 0.1, 5),
                               ("digamma", 0.1, 5), ("psi", 0.1, 5), ("i0", -5, 5),
                               ("sinc", -3, 3))
      for rec in special(name, low=lo, high=hi, specials=None, dtypes=FLOATS + INTS)],
    OpInfo("special.xlogy", lambda lib, a, b: lib.special.xlogy(a, b), _xlogy_samples(0.0)),
]

for _rec in OPS:
    if _rec.name.endswith("_"):
        _rec.samples = _inplace_only(_rec.samples)
