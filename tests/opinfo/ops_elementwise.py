"""Op-table records for elementwise ops (src/ember/_ops/elementwise.py, arithmetic.py,
unary.py, complex_ops.py, comparison.py, clamp.py).

Conventions used below:
- every op gets float32/float64; integer, bool and half dtypes where torch accepts them;
  complex where torch's op is defined for complex numbers;
- samples for gradients stay inside the op's domain; the "edge" samples add NaN, +-inf,
  signed zeros and out-of-domain values for the forward comparison. They hold 48 elements,
  more than the 40 the gradcheck tests take, so they are only compared with torch's values
  and gradients, never finite-differenced;
- in-place forms get their own record (`add_`, `sin_`, ...) run on a clone, so values,
  gradients and grad_fn (the in-place node over CloneBackward0) are compared as well.
"""
import operator

import numpy as np

from opinfo.core import COMPLEX, FLOATS, HALFS, INTS, ErrorSample, OpInfo, Sample, index, np_dtype
from opinfo.core import randn as _randn

UINT_BOOL = ("uint8", "bool")
REALS = FLOATS + INTS + UINT_BOOL                 # every real dtype the ops accept
MATH = FLOATS + HALFS + INTS + UINT_BOOL          # float math: integer inputs give float32
ARITH = FLOATS + HALFS + INTS + UINT_BOOL + COMPLEX
CGRAD = ("float64",)

BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,)), ((5,), ()),
                 ((), ()), ((0, 3), (3,))]


def randn(rng, shape, dtype, low=-2.0, high=2.0):
    """core.randn, always an array (it gives NumPy scalars for some 0-dim dtypes)."""
    return np.asarray(_randn(rng, shape, dtype, low, high))


def _is_float(dt):
    return np_dtype(dt).kind in "fcV"


def edge_array(rng, dt, specials, low, high):
    """48 values (too many for gradcheck): `specials` first, then random ones in [low, high)."""
    fill = randn(rng, (48 - len(specials),), dt, low, high)
    vals = np.concatenate([np.asarray(specials, dtype=np.complex128 if np_dtype(dt).kind == "c"
                                      else np.float64), fill.astype(np.complex128 if
                                                                    np_dtype(dt).kind == "c"
                                                                    else np.float64)])
    if np_dtype(dt).name == "bfloat16":
        return vals.astype(np.float32).astype(np_dtype(dt)).reshape(6, 8)
    with np.errstate(invalid="ignore", over="ignore"):
        return vals.astype(np_dtype(dt)).reshape(6, 8)


SPECIALS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.5, -2.5, 1e-30, 80.0,
            -80.0]


# --- unary ---------------------------------------------------------------------------------

def unary_samples(low=-2.0, high=2.0, specials=SPECIALS, finite_complex=False):
    """Unary samples; `finite_complex` drops infinities and zeros from the complex edge
    sample (NumPy compares complex infinities exactly, and their imaginary parts are
    rounded differently by the two libraries)."""
    def samples(rng, dt):
        nonlocal specials
        if finite_complex and np_dtype(dt).kind == "c":
            specials = [v for v in specials if np.isfinite(v) and v != 0]
        out = [Sample((randn(rng, (3, 4), dt, low, high),), name="3x4"),
               Sample((randn(rng, (), dt, low, high),), name="0-dim"),
               Sample((randn(rng, (2, 0, 3), dt, low, high),), name="empty"),
               Sample((randn(rng, (2, 1, 3), dt, low, high),), name="2x1x3")]
        if _is_float(dt) and specials is not None:
            out.append(Sample((edge_array(rng, dt, specials, low, high),), name="edge"))
        return out
    return samples


NO_INPLACE_GRAD = {"asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh"}


def unary(name, low=-2.0, high=2.0, specials=SPECIALS, dtypes=MATH, inplace=True,
          covers=(), fn=None, inplace_dtypes=("float32", "float64", "int64"),
          finite_complex=False, **kw):
    """A record for ember.<name> plus, when it exists, one for the in-place method (torch
    cannot differentiate the in-place inverse hyperbolic functions)."""
    samples = unary_samples(low, high, specials, finite_complex)
    recs = [OpInfo(name, fn or (lambda lib, a: getattr(lib, name)(a)), samples, dtypes=dtypes,
                   covers=covers, **kw)]
    if inplace:
        ikw = dict(kw, grad=False) if name in NO_INPLACE_GRAD else kw
        recs.append(OpInfo(name + "_", lambda lib, a: getattr(a.clone(), name + "_")(),
                           samples, dtypes=inplace_dtypes, covers=(), **ikw))
    return recs


# --- binary --------------------------------------------------------------------------------

def binary_samples(low=-2.0, high=2.0, low_b=None, high_b=None, scalars=(2.5, 2, True),
                   left_scalars=True, mixed=True):
    low_b = low if low_b is None else low_b
    high_b = high if high_b is None else high_b

    def samples(rng, dt):
        out = [Sample((randn(rng, a, dt, low, high), randn(rng, b, dt, low_b, high_b)),
                      name=f"{a}x{b}") for a, b in BINARY_SHAPES]
        out += [Sample((randn(rng, (3,), dt, low, high), s), name=f"scalar {s!r}")
                for s in scalars]
        if left_scalars:
            out += [Sample((s, randn(rng, (3,), dt, low_b, high_b)), name=f"{s!r} scalar")
                    for s in scalars[:2]]
        if mixed:  # promotion: a 0-dim float64 or a dim int tensor with this dtype
            out += [Sample((randn(rng, (3,), dt, low, high), randn(rng, (), "float64", low_b,
                                                                    high_b)), name="0-dim f64"),
                    Sample((randn(rng, (2, 3), dt, low, high), randn(rng, (3,), "int64", 2,
                                                                      high_b)), name="int64"),
                    Sample((randn(rng, (2, 3), dt, low, high), randn(rng, (3,), "float32", low_b,
                                                                      high_b)), name="f32")]
            if dt == "float64":  # a float32 input would spoil the float64 gradcheck
                out.pop()
        return out
    return samples


def broadcast_errors(rng):
    return [ErrorSample((randn(rng, (3, 4), "float32"), randn(rng, (3,), "float32")),
                        name="broadcast"),
            ErrorSample((randn(rng, (2, 3), "float32"), randn(rng, (3, 2), "float32")),
                        name="broadcast 2")]


def tensor_only_errors(rng):
    return broadcast_errors(rng) + [ErrorSample((2.0, randn(rng, (3,), "float32")),
                                                name="scalar first"),
                                    ErrorSample((randn(rng, (3,), "float32"), 2.0),
                                                name="scalar second")]


def binary(name, samples=None, dtypes=REALS, errors=broadcast_errors, covers=(), fn=None,
           inplace=True, inplace_dtypes=("float32", "float64", "int64"), **kw):
    """A record for binary ember.<name> plus one for its in-place method."""
    samples = samples or binary_samples()
    recs = [OpInfo(name, fn or (lambda lib, a, b, **k: getattr(lib, name)(a, b, **k)), samples,
                   dtypes=dtypes, errors=errors, covers=covers, **kw)]
    if inplace:
        recs.append(OpInfo(name + "_", lambda lib, a, b, **k: _inplace(a, name, b, **k),
                           samples, dtypes=inplace_dtypes, errors=inplace_errors(name), **kw))
    return recs


def _inplace(a, name, b, **k):
    if not hasattr(a, "clone"):  # a Python scalar on the left has no in-place form
        raise TypeError("scalar self")
    return getattr(a.clone(), name + "_")(b, **k)


def inplace_errors(name):
    def errors(rng):
        return [
            # broadcasting would change self's shape
            ErrorSample((randn(rng, (3,), "float32"), randn(rng, (2, 3), "float32")),
                        name="self shape"),
            ErrorSample((randn(rng, (3, 4), "float32"), randn(rng, (3,), "float32")),
                        name="broadcast")]
    return errors


def int_float_inplace_errors(name):
    def errors(rng):
        return inplace_errors(name)(rng) + [
            # the result is float: it cannot be written into an integer tensor
            ErrorSample((randn(rng, (3,), "int64"), randn(rng, (3,), "float32")),
                        name="int self, float other"),
            ErrorSample((randn(rng, (3,), "int64"), 1.5), name="int self, float scalar"),
            ErrorSample((randn(rng, (3,), "bool"), randn(rng, (3,), "int64")),
                        name="bool self, int other")]
    return errors


def with_alpha(scalars=(2.5, 2, True), left_scalars=True):
    return lambda rng, dt: _with_alpha(rng, dt, scalars, left_scalars)


def _with_alpha(rng, dt, scalars, left_scalars):
    base = binary_samples(scalars=scalars, left_scalars=left_scalars)(rng, dt)
    alpha = 2 if np_dtype(dt).kind in "iub" else 0.5
    if np_dtype(dt).kind == "b":
        alpha = True
    return base + [Sample((randn(rng, (3, 4), dt), randn(rng, (4,), dt)), {"alpha": alpha},
                          name="alpha"),
                   Sample((randn(rng, (3,), dt), 3), {"alpha": alpha}, name="alpha scalar")]


SUB_SCALARS = (2.5, 2)  # a bool scalar makes torch refuse (see _sub_errors)


def _sub_errors(rng):
    return broadcast_errors(rng) + [
        ErrorSample((randn(rng, (3,), "bool"), randn(rng, (3,), "bool")), name="bool - bool"),
        ErrorSample((randn(rng, (3,), "bool"), True), name="bool - True"),
        ErrorSample((randn(rng, (3,), "float32"), randn(rng, (3,), "float32")),
                    {"alpha": 1j}, name="complex alpha"),
        ErrorSample((randn(rng, (3,), "int64"), randn(rng, (3,), "int64")), {"alpha": 0.5},
                    name="float alpha for ints")]


def _add_errors(rng):
    return broadcast_errors(rng) + [
        ErrorSample((randn(rng, (3,), "int64"), randn(rng, (3,), "int64")), {"alpha": 0.5},
                    name="float alpha for ints"),
        ErrorSample((randn(rng, (3,), "float32"), randn(rng, (3,), "float32")),
                    {"alpha": 1j}, name="complex alpha")]


def _div_samples(rng, dt):
    out = binary_samples(low_b=0.5, high_b=2.0)(rng, dt)
    nonzero = randn(rng, (3, 4), dt, 1, 3)
    if np_dtype(dt).kind in "iu":
        nonzero = np.where(nonzero == 0, 1, nonzero).astype(nonzero.dtype)
    for mode in ("trunc", "floor", None):
        out.append(Sample((randn(rng, (3, 4), dt, -5, 5), nonzero), {"rounding_mode": mode},
                          name=f"mode {mode}"))
        out.append(Sample((randn(rng, (3, 4), dt, -5, 5), 3), {"rounding_mode": mode},
                          name=f"mode {mode} int scalar"))
        out.append(Sample((randn(rng, (3, 4), dt, -5, 5), -2.5), {"rounding_mode": mode},
                          name=f"mode {mode} float scalar"))
    if _is_float(dt):
        a = edge_array(rng, dt, [1.0, -1.0, 0.0, np.inf, np.nan, -0.0, 5.0, -5.0], -3, 3)
        b = edge_array(rng, dt, [0.0, 0.0, 0.0, np.inf, 1.0, -0.0, -0.0, 0.0], 0.5, 3)
        for mode in (None, "trunc", "floor"):
            out.append(Sample((a, b), {"rounding_mode": mode}, name=f"edge {mode}"))
    else:  # integer division by zero raises in torch
        out.append(Sample((randn(rng, (3,), dt), np.zeros(3, np_dtype(dt))),
                          {"rounding_mode": "trunc"}, name="int zero"))
    return out


def _div_errors(rng):
    return broadcast_errors(rng) + [
        ErrorSample((randn(rng, (3,), "float32"), randn(rng, (3,), "float32")),
                    {"rounding_mode": "round"}, name="bad mode")]


def _mod_samples(rng, dt):
    # (a number on the left: the __rmod__ / __rfloordiv__ records; torch cannot differentiate it)
    out = binary_samples(low=-5, high=5, low_b=1.0, high_b=3.0, scalars=(2.5, 3, -2),
                         left_scalars=False)(rng, dt)
    out.append(Sample((randn(rng, (3, 4), dt, -5, 5), randn(rng, (3, 4), dt, -3, -1)),
                      name="negative divisor"))
    if _is_float(dt):
        a = edge_array(rng, dt, [1.0, -1.0, 0.0, np.inf, np.nan, -0.0, 5.5, -5.5, 3.0], -3, 3)
        b = edge_array(rng, dt, [0.0, 0.0, 0.0, 2.0, 1.0, 2.0, np.inf, np.inf, -np.inf], 1, 3)
        out.append(Sample((a, b), name="edge"))
    else:
        out.append(Sample((randn(rng, (3,), dt), np.zeros(3, np_dtype(dt))), name="int zero"))
        out.append(Sample((randn(rng, (3,), dt), 0), name="int zero scalar"))
    return out


def _pow_samples(rng, dt):
    kind = np_dtype(dt).kind
    pos = randn(rng, (3, 4), dt, 0.5, 2.0)
    # (no complex exponent for halves: torch would compute in complex32, which ember lacks)
    # (a complex exponent only for float32: the float64 samples also drive the gradient tests,
    # which need real outputs)
    exps = (2, 3, 0.5, -1, 0, 1, -2, 2.5) + ((1j,) if dt == "float32" else ())
    out = [Sample((pos, e), name=f"^{e!r}") for e in exps
           if not (kind in "iub" and isinstance(e, int) and e < 0)]
    out += [Sample((randn(rng, (3, 4), dt, 0.5, 2.0), randn(rng, (3, 4), dt, -2, 2)),
                   name="tensor^tensor"),
            Sample((randn(rng, (2, 1, 3), dt, 0.5, 2.0), randn(rng, (4, 1), dt, 0, 2)),
                   name="broadcast"),
            Sample((randn(rng, (), dt, 0.5, 2.0), randn(rng, (3,), dt, 0, 2)), name="0-dim^t"),
            Sample((2.0, randn(rng, (3, 4), dt, -2, 2)), name="2.0^tensor"),
            Sample((3, randn(rng, (3,), dt, 0, 2)), name="3^tensor"),
            Sample((randn(rng, (3,), dt, 0.5, 2.0), randn(rng, (), "float64", 0, 2)),
                   name="t^0-dim f64")]
    if kind in "iu":
        out.append(Sample((randn(rng, (3,), dt), -1), name="int^-1"))
        out.append(Sample((randn(rng, (3,), dt), np.array([-1, 2, 0]).astype(np_dtype(dt))),
                          name="int^-tensor"))
    if _is_float(dt) and np_dtype(dt).kind != "c":  # (complex infinities: C++'s choice)
        a = edge_array(rng, dt, [0.0, 0.0, -1.0, -2.0, np.inf, np.nan, -0.0, 0.0, 1.0], 0.5, 2)
        b = edge_array(rng, dt, [0.0, -1.0, 0.5, 2.0, -1.0, 0.0, 3.0, 2.5, np.nan], 0, 2)
        out.append(Sample((a, b), name="edge"))
        out.append(Sample((a, 0.5), name="edge^0.5"))
        out.append(Sample((a, -1), name="edge^-1"))
        out.append(Sample((0.0, b), name="0^edge"))
    return out


def _float_power_samples(rng, dt):
    pos = randn(rng, (3, 4), dt, 0.5, 2.0)
    return [Sample((pos, 2), name="^2"), Sample((pos, 0.5), name="^0.5"),
            Sample((pos, randn(rng, (4,), dt, -2, 2)), name="tensor^tensor"),
            Sample((2.0, randn(rng, (3,), dt, -2, 2)), name="scalar^tensor"),
            Sample((pos, randn(rng, (4,), "float32" if dt != "float64" else "int64", -2, 2)),
                   name="^other dtype")]


def _lerp_samples(rng, dt):
    a, b = randn(rng, (3, 4), dt), randn(rng, (3, 4), dt)
    return [Sample((a, b, 0.3), name="scalar weight"),
            Sample((randn(rng, (3, 4), dt), randn(rng, (4,), dt), 0.7), name="broadcast"),
            Sample((a, b, randn(rng, (3, 4), dt, 0, 1)), name="tensor weight"),
            Sample((randn(rng, (2, 1), dt), randn(rng, (3,), dt), randn(rng, (), dt, 0, 1)),
                   name="tensor weight broadcast"),
            Sample((randn(rng, (3,), dt), randn(rng, (3,), dt), 2), name="int weight"),
            Sample((randn(rng, (), dt), randn(rng, (), dt), 0.9), name="0-dim")]


def _lerp_errors(rng):
    return [ErrorSample((randn(rng, (3,), "float32"), randn(rng, (3,), "float64"), 0.5),
                        name="dtype mismatch"),
            ErrorSample((randn(rng, (3,), "float32"), randn(rng, (4,), "float32"), 0.5),
                        name="broadcast"),
            ErrorSample((randn(rng, (3,), "int64"), randn(rng, (3,), "int64"), 0.5),
                        name="int")]


def _addc_samples(div):
    def samples(rng, dt):
        lo = 0.5 if div else -2
        return [Sample((randn(rng, (3, 4), dt), randn(rng, (3, 4), dt), randn(rng, (3, 4), dt,
                                                                            lo, 2)),
                       name="same"),
                Sample((randn(rng, (3, 4), dt), randn(rng, (4,), dt), randn(rng, (3, 1), dt,
                                                                          lo, 2)),
                       {"value": 0.5}, name="broadcast value"),
                Sample((randn(rng, (), dt), randn(rng, (2,), dt), randn(rng, (2,), dt, lo, 2)),
                       {"value": 2}, name="0-dim")]
    return samples


def _addcdiv_errors(rng):
    return [ErrorSample((randn(rng, (3,), "float32"), randn(rng, (3,), "int64", 1, 3),
                         randn(rng, (3,), "int64", 1, 3)), name="int division"),
            ErrorSample((randn(rng, (3,), "float32"), randn(rng, (3,), "float32"),
                         randn(rng, (4,), "float32")), name="broadcast")]


def _clamp_samples(rng, dt):
    kind = np_dtype(dt).kind
    lo, hi = (-1, 1) if kind in "iu" else (-0.5, 0.5)
    if kind == "u":
        lo, hi = 1, 3
    x = randn(rng, (3, 4), dt, -2, 2)
    out = [Sample((x, lo, hi), name="both"), Sample((x,), {"min": lo}, name="min only"),
           Sample((x,), {"max": hi}, name="max only"), Sample((x, hi, lo), name="min > max"),
           Sample((randn(rng, (), dt), lo, hi), name="0-dim"),
           Sample((x, randn(rng, (3, 4), dt, -1, 0), randn(rng, (4,), dt, 0, 1)),
                  name="tensor bounds"),
           Sample((x,), {"min": randn(rng, (3, 1), dt, -1, 0)}, name="tensor min only"),
           Sample((x,), {"max": randn(rng, (4,), dt, 0, 1)}, name="tensor max only"),
           Sample((x, randn(rng, (4,), dt, 0, 1), randn(rng, (4,), dt, -1, 0)),
                  name="tensor min > max")]
    if kind == "f":
        out.append(Sample((x, 0.5, 1), name="mixed number bounds"))
        out.append(Sample((edge_array(rng, dt, [np.nan, np.inf, -np.inf, 0.5, -0.5], -1, 1),
                           -0.5, 0.5), name="edge"))
        out.append(Sample((randn(rng, (6, 8), dt), float("nan"), 0.5), name="nan bound"))
    if kind in "iu":
        out.append(Sample((x, -0.5, 1.5), name="float bounds on ints"))
    return out


def _clamp_errors(rng):
    return [ErrorSample((randn(rng, (3,), "float32"),), name="no bounds"),
            ErrorSample((randn(rng, (3,), "float32"), randn(rng, (4,), "float32")),
                        name="broadcast")]


def _clamp_one_samples(rng, dt):
    x = randn(rng, (3, 4), dt, -2, 2)
    return [Sample((x, 0.5 if _is_float(dt) else 1), name="number"),
            Sample((x, randn(rng, (4,), dt, -1, 1)), name="tensor"),
            Sample((randn(rng, (), dt), 1), name="0-dim"),
            Sample((x, 1.5), name="float bound")]


def _minmax_samples(rng, dt):
    out = binary_samples(scalars=(), left_scalars=False)(rng, dt)
    ties = randn(rng, (6, 8), dt)  # 48 elements: no finite differences across a tie
    out.append(Sample((ties, ties.copy()), name="ties"))
    if _is_float(dt):
        a = edge_array(rng, dt, [np.nan, 1.0, np.nan, np.inf, -np.inf, 0.0, -0.0], -1, 1)
        b = edge_array(rng, dt, [1.0, np.nan, np.nan, 1.0, 1.0, -0.0, 0.0], -1, 1)
        out.append(Sample((a, b), name="nan"))
    return out


def _where_samples(rng, dt):
    cond = index(rng.random((3, 4)) < 0.5, bool)
    return [Sample((cond, randn(rng, (3, 4), dt), randn(rng, (3, 4), dt)), name="same"),
            Sample((index(rng.random((3, 1)) < 0.5, bool), randn(rng, (4,), dt),
                    randn(rng, (2, 1, 1), dt)), name="broadcast"),
            Sample((cond, randn(rng, (3, 4), dt), 0.0), name="scalar other"),
            Sample((cond, 1, randn(rng, (3, 4), dt)), name="scalar input"),
            Sample((cond, randn(rng, (3, 4), dt), randn(rng, (4,), "float64")), name="promote"),
            Sample((index(np.array(True), bool), randn(rng, (), dt), randn(rng, (), dt)),
                   name="0-dim"),
            Sample((cond, 1.0, 2), name="two numbers"),
            Sample((index(rng.integers(0, 2, (3, 4)), np.uint8), randn(rng, (3, 4), dt),
                    randn(rng, (3, 4), dt)), name="uint8 condition")]


def _where_errors(rng):
    return [ErrorSample((index(rng.random((3,)) < 0.5, bool), randn(rng, (4,), "float32"),
                         randn(rng, (4,), "float32")), name="broadcast"),
            ErrorSample((randn(rng, (3,), "float32"), randn(rng, (3,), "float32"),
                         randn(rng, (3,), "float32")), name="float condition"),
]


def _compare_samples(rng, dt):
    out = binary_samples(scalars=(0.5, 1, True), left_scalars=False)(rng, dt)
    ties = randn(rng, (3, 4), dt)
    out.append(Sample((ties, ties.copy()), name="ties"))
    if _is_float(dt):
        a = edge_array(rng, dt, [np.nan, 1.0, np.nan, np.inf, -np.inf, 0.0], -1, 1)
        out.append(Sample((a, a.copy()), name="nan"))
        out.append(Sample((a, float("nan")), name="nan scalar"))
    return out


def _isclose_samples(rng, dt):
    a = randn(rng, (3, 4), dt)
    close = a.copy()
    if _is_float(dt):
        close = (a.astype(np.float64) * (1 + 1e-6)).astype(a.dtype)
    out = [Sample((a, close), name="close"), Sample((a, randn(rng, (3, 4), dt)), name="random"),
           Sample((a, randn(rng, (4,), dt)), {"rtol": 0.5, "atol": 0.5}, name="loose"),
           Sample((randn(rng, (), dt), randn(rng, (), dt)), name="0-dim")]
    if _is_float(dt):
        e = edge_array(rng, dt, [np.nan, np.inf, -np.inf, 0.0, np.nan], -1, 1)
        f = e.copy()
        f.flat[4] = 1.0
        out += [Sample((e, f), name="nan"), Sample((e, f), {"equal_nan": True},
                                                   name="equal_nan")]
    return out


def _isclose_errors(rng):
    return [ErrorSample((randn(rng, (3,), "float32"), randn(rng, (3,), "float64")),
                        name="dtype mismatch"),
            ErrorSample((randn(rng, (3,), "float32"), randn(rng, (4,), "float32")),
                        name="broadcast"),
            ErrorSample((randn(rng, (3,), "float32"), randn(rng, (3,), "float32")),
                        {"rtol": -1.0}, name="negative rtol")]


def _equal_samples(rng, dt):
    a = randn(rng, (3, 4), dt)
    return [Sample((a, a.copy()), name="same"), Sample((a, randn(rng, (3, 4), dt)), name="diff"),
            Sample((a, randn(rng, (4,), dt)), name="shape"),
            Sample((a, a.astype(np.float64)), name="dtype")]


def _logical_samples(rng, dt):
    return binary_samples(scalars=(), left_scalars=False)(rng, dt) + [
        Sample((randn(rng, (3,), dt), randn(rng, (3,), "bool")), name="with bool")]


def _bitwise_samples(shift=False):
    def samples(rng, dt):
        lo, hi = (0, 4) if shift else (-2, 2)
        out = binary_samples(low=-8, high=8, low_b=lo, high_b=hi, scalars=(3, True),
                             mixed=False)(rng, dt)
        out.append(Sample((randn(rng, (3,), dt, -8, 8), randn(rng, (3,), "int32", lo, hi)),
                          name="int32"))
        return out
    return samples


def _nan_to_num_samples(rng, dt):
    e = edge_array(rng, dt, [np.nan, np.inf, -np.inf, 0.0], -2, 2) if _is_float(dt) else \
        randn(rng, (3, 4), dt)
    return [Sample((e,), name="default"),
            Sample((e,), {"nan": 1.0, "posinf": 2.0, "neginf": -3.0}, name="values"),
            Sample((e, 0.5), name="positional nan"), Sample((randn(rng, (), dt),), name="0-dim")]


def _round_samples(rng, dt):
    # 48 values (no finite differences across the jumps at .5)
    halves = np.resize(np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.125, 1.005, 2.675,
                                 1234.5678, -0.0, 3.0], np.float64), (6, 8))
    x = halves.astype(np_dtype(dt)) if np_dtype(dt).name != "bfloat16" else \
        halves.astype(np.float32).astype(np_dtype(dt))
    out = [Sample((x,), name="halves"), Sample((randn(rng, (3, 4), dt, -100, 100),),
                                               name="random"),
           Sample((randn(rng, (), dt),), name="0-dim")]
    if np_dtype(dt).kind in "fV":
        out += [Sample((x,), {"decimals": 2}, name="decimals 2"),
                Sample((x,), {"decimals": 1}, name="decimals 1"),
                Sample((x,), {"decimals": -1}, name="decimals -1"),
                Sample((x,), {"decimals": 0}, name="decimals 0")]
    return out


def _complex_samples(rng, dt):
    return [Sample((randn(rng, (3, 4), dt), randn(rng, (3, 4), dt)), name="same"),
            Sample((randn(rng, (3, 1), dt), randn(rng, (4,), dt)), name="broadcast"),
            Sample((randn(rng, (), dt), randn(rng, (), dt)), name="0-dim")]


def _complex_errors(rng):
    return [ErrorSample((randn(rng, (3,), "float32"), randn(rng, (3,), "float64")),
                        name="dtype mismatch"),
            ErrorSample((randn(rng, (3,), "int64"), randn(rng, (3,), "int64")), name="int")]


def _polar_samples(rng, dt):
    return [Sample((randn(rng, (3, 4), dt, 0.1, 2), randn(rng, (3, 4), dt, -3, 3)),
                   name="same"),
            Sample((randn(rng, (3, 1), dt, 0.1, 2), randn(rng, (4,), dt, -3, 3)),
                   name="broadcast")]


def _view_as_complex_samples(rng, dt):
    return [Sample((randn(rng, (3, 2), dt),), name="3x2"), Sample((randn(rng, (2,), dt),),
                                                                  name="2"),
            Sample((randn(rng, (2, 3, 2), dt),), name="2x3x2")]


def _view_as_complex_errors(rng):
    return [ErrorSample((randn(rng, (3, 3), "float32"),), name="last dim 3"),
            ErrorSample((randn(rng, (3, 2), "int64"),), name="int")]


def _copy_samples(rng, dt):
    return [Sample((randn(rng, (3, 4), dt), randn(rng, (3, 4), dt)), name="same"),
            Sample((randn(rng, (3, 4), dt), randn(rng, (4,), dt)), name="broadcast"),
            Sample((randn(rng, (3, 4), dt), randn(rng, (3, 4), "float64")), name="f64 src"),
            Sample((randn(rng, (3, 4), dt), randn(rng, (3, 4), "int64")), name="int src"),
            Sample((randn(rng, (), dt), randn(rng, (), dt)), name="0-dim")]


def _copy_errors(rng):
    return [ErrorSample((randn(rng, (3,), "float32"), randn(rng, (4,), "float32")),
                        name="broadcast"),
            ErrorSample((randn(rng, (3,), "float32"), randn(rng, (2, 3), "float32")),
                        name="src larger")]


def _fill_samples(rng, dt):
    return [Sample((randn(rng, (3, 4), dt), 2), name="int"),
            Sample((randn(rng, (3, 4), dt), 1.5), name="float"),
            Sample((randn(rng, (), dt), True), name="0-dim bool"),
            Sample((randn(rng, (3,), dt), randn(rng, (), dt)), name="0-dim tensor value")]


def _fill_errors(rng):
    return [ErrorSample((randn(rng, (3,), "float32"), randn(rng, (2,), "float32")),
                        name="1-dim value")]


def _logit_samples(rng, dt):
    out = unary_samples(0.05, 0.95, [0.0, 1.0, -0.5, 1.5, np.nan, 0.5])(rng, dt)
    out += [Sample((randn(rng, (3, 4), dt, 0.05, 0.95), 0.1), name="eps"),
            Sample((edge_array(rng, dt, [0.0, 1.0, -0.5, 1.5, 0.05, 0.95], 0, 1), 0.1)
                   if _is_float(dt) else randn(rng, (3,), dt), name="edge eps")]
    return out


def _hypot_samples(rng, dt):
    out = [Sample((randn(rng, (3, 4), dt), randn(rng, (3, 4), dt)), name="same"),
           Sample((randn(rng, (3, 1), dt), randn(rng, (4,), dt)), name="broadcast"),
           Sample((randn(rng, (), dt), randn(rng, (3,), dt)), name="0-dim")]
    if _is_float(dt):
        a = edge_array(rng, dt, [np.inf, np.nan, 3.0, -np.inf], -1, 1)
        b = edge_array(rng, dt, [np.nan, np.inf, -4.0, 1.0], -1, 1)
        out.append(Sample((a, b), name="edge"))
    return out


def _atan2_samples(rng, dt):
    out = binary_samples(scalars=(), left_scalars=False)(rng, dt)
    if _is_float(dt):
        a = edge_array(rng, dt, [0.0, -0.0, 0.0, 1.0, np.inf, np.nan, -1.0], -1, 1)
        b = edge_array(rng, dt, [0.0, 0.0, -0.0, 0.0, np.inf, 1.0, -0.0], -1, 1)
        out.append(Sample((a, b), name="edge"))
    return out


def _real_imag_samples(rng, dt):
    return [Sample((randn(rng, (3, 4), dt),), name="3x4"),
            Sample((randn(rng, (), dt),), name="0-dim")]


def _angle_samples(rng, dt):
    out = unary_samples(-2, 2, [0.0, -0.0, -1.0, 1.0, np.nan, np.inf, -np.inf])(rng, dt)
    return out


def comparison(name, aliases):
    op = getattr(operator, name)
    return [
        OpInfo(name, lambda lib, a, b: getattr(lib, name)(a, b), _compare_samples,
               dtypes=REALS + HALFS + (COMPLEX if name in ("eq", "ne") else ()),
               grad=False, errors=tensor_first_errors, covers=aliases),
        OpInfo(name + "_", lambda lib, a, b: _inplace(a, name, b), _compare_samples,
               dtypes=("float32", "int64", "bool"), grad=False, errors=inplace_errors(name)),
        OpInfo(f"__{name}__", lambda lib, a, b: op(a, b), _operator_samples,
               dtypes=("float32", "int64", "bool"), grad=False)]


def bitwise(name, dunder):
    shift = "shift" in name
    op = getattr(operator, dunder + "_" if dunder in ("and", "or") else dunder)
    iop = getattr(operator, f"i{dunder}")
    return [
        OpInfo(name, lambda lib, a, b: getattr(lib, name)(a, b), _bitwise_samples(shift),
               dtypes=INTS + ("uint8", "int8", "int16") + (() if shift else ("bool",)) + FLOATS,
               grad=False, errors=broadcast_errors),
        OpInfo(name + "_", lambda lib, a, b: _inplace(a, name, b), _bitwise_samples(shift),
               dtypes=("int64", "int32"), grad=False, errors=inplace_errors(name)),
        OpInfo(f"__{dunder}__", lambda lib, a, b: op(a, b), _bitwise_samples(shift),
               dtypes=("int64", "int32") + (() if shift else ("bool",)), grad=False,
               covers=(f"__r{dunder}__",)),
        OpInfo(f"__i{dunder}__", lambda lib, a, b: iop(a.clone(), b) if hasattr(a, "clone")
               else iop(a, b), _bitwise_samples(shift), dtypes=("int64", "int32"),
               grad=False)]


def _operator_samples(rng, dt):
    """Operator forms, incl. a Python scalar on the left (Python then calls the reflection)."""
    return _compare_samples(rng, dt) + [Sample((s, randn(rng, (3,), dt)), name=f"{s!r} left")
                                        for s in (1, 0.5, True)]


def tensor_first_errors(rng):
    return broadcast_errors(rng) + [ErrorSample((2.0, randn(rng, (3,), "float32")),
                                                name="scalar first")]


def _sum_list(lib, *ts):
    return sum(ts)


# --- the table -----------------------------------------------------------------------------

OPS = [
    # arithmetic
    OpInfo("add", lambda lib, a, b, **kw: lib.add(a, b, **kw), with_alpha(), dtypes=ARITH,
           errors=_add_errors, covers=("__add__", "__radd__")),
    OpInfo("add_", lambda lib, a, b, **kw: _inplace(a, "add", b, **kw), with_alpha(),
           dtypes=("float32", "float64", "int64", "bool"), errors=int_float_inplace_errors("add"),
           covers=("__iadd__",)),
    OpInfo("__add__", lambda lib, a, b: a + b, binary_samples(), dtypes=REALS + COMPLEX,
           errors=broadcast_errors, covers=("__radd__",)),
    OpInfo("sub", lambda lib, a, b, **kw: lib.sub(a, b, **kw), with_alpha(SUB_SCALARS),
           dtypes=ARITH,
           errors=_sub_errors, covers=("subtract", "__sub__")),
    OpInfo("subtract", lambda lib, a, b, **kw: lib.subtract(a, b, **kw),
           binary_samples(scalars=SUB_SCALARS),
           errors=_sub_errors),
    OpInfo("sub_", lambda lib, a, b, **kw: _inplace(a, "sub", b, **kw), with_alpha(SUB_SCALARS),
           dtypes=("float32", "float64", "int64"), errors=int_float_inplace_errors("sub"),
           covers=("subtract_", "__isub__")),
    OpInfo("__rsub__", lambda lib, a, b: b - a, binary_samples(scalars=SUB_SCALARS),
           dtypes=ARITH,
           errors=_sub_errors),
    OpInfo("rsub", lambda lib, a, b, **kw: lib.rsub(a, b, **kw),
           with_alpha(SUB_SCALARS, left_scalars=False), dtypes=ARITH,
           errors=_sub_errors),
    OpInfo("mul", lambda lib, a, b: lib.mul(a, b), binary_samples(), dtypes=ARITH,
           errors=broadcast_errors, covers=("multiply", "__mul__", "__rmul__")),
    OpInfo("mul_", lambda lib, a, b: _inplace(a, "mul", b), binary_samples(),
           dtypes=("float32", "float64", "int64", "bool"), errors=int_float_inplace_errors("mul"),
           covers=("multiply_", "__imul__")),
    OpInfo("multiply", lambda lib, a, b: lib.multiply(a, b), binary_samples()),
    OpInfo("div", lambda lib, a, b, **kw: lib.div(a, b, **kw), _div_samples, dtypes=ARITH,
           errors=_div_errors, covers=("divide", "__truediv__")),
    OpInfo("divide", lambda lib, a, b, **kw: lib.divide(a, b, **kw), _div_samples,
           errors=_div_errors),
    OpInfo("div_", lambda lib, a, b, **kw: _inplace(a, "div", b, **kw), _div_samples,
           dtypes=("float32", "float64", "int64"), errors=int_float_inplace_errors("div"),
           covers=("divide_", "true_divide_", "__itruediv__")),
    OpInfo("__rtruediv__", lambda lib, a, b: b / a, binary_samples(low=0.5, high=2.0),
           dtypes=REALS + COMPLEX, covers=("__rdiv__",)),
    OpInfo("true_divide", lambda lib, a, b: lib.true_divide(a, b),
           binary_samples(low_b=0.5, high_b=2.0), dtypes=REALS, errors=broadcast_errors),
    OpInfo("floor_divide", lambda lib, a, b: lib.floor_divide(a, b), _mod_samples,
           dtypes=REALS + HALFS, grad=False, errors=broadcast_errors,
           covers=("__floordiv__", "__rfloordiv__")),
    OpInfo("floor_divide_", lambda lib, a, b: _inplace(a, "floor_divide", b), _mod_samples,
           dtypes=("float32", "int64"), grad=False, covers=("__ifloordiv__",)),
    OpInfo("__rfloordiv__", lambda lib, a, b: b // a, binary_samples(low=1.0, high=3.0),
           dtypes=FLOATS + INTS, grad=False),
    OpInfo("remainder", lambda lib, a, b: lib.remainder(a, b), _mod_samples,
           dtypes=REALS + HALFS, errors=broadcast_errors, covers=("__mod__",)),
    OpInfo("remainder_", lambda lib, a, b: _inplace(a, "remainder", b), _mod_samples,
           dtypes=("float32", "float64", "int64"), covers=("__imod__",)),
    OpInfo("__rmod__", lambda lib, a, b: b % a, binary_samples(low=1.0, high=3.0),
           dtypes=FLOATS + INTS, grad=False),
    OpInfo("fmod", lambda lib, a, b: lib.fmod(a, b), _mod_samples, dtypes=REALS + HALFS,
           errors=broadcast_errors),
    OpInfo("fmod_", lambda lib, a, b: _inplace(a, "fmod", b), _mod_samples,
           dtypes=("float32", "float64", "int64")),
    OpInfo("pow", lambda lib, a, b: lib.pow(a, b), _pow_samples, dtypes=ARITH,
           errors=broadcast_errors, covers=("__pow__",)),
    OpInfo("__pow__", lambda lib, a, b: a ** b, _pow_samples, dtypes=FLOATS + INTS + COMPLEX,
           covers=("__rpow__",)),
    OpInfo("pow_", lambda lib, a, b: _inplace(a, "pow", b), _pow_samples,
           dtypes=("float32", "float64", "int64"), errors=int_float_inplace_errors("pow"),
           covers=("__ipow__",)),
    OpInfo("float_power", lambda lib, a, b: lib.float_power(a, b), _float_power_samples,
           dtypes=REALS + COMPLEX + HALFS),
    OpInfo("float_power_", lambda lib, a, b: _inplace(a, "float_power", b),
           _float_power_samples, dtypes=("float32", "float64")),
    *unary("square", dtypes=ARITH),
    *unary("neg", dtypes=ARITH, covers=("__neg__",)),
    *unary("negative", dtypes=FLOATS + INTS),
    OpInfo("positive", lambda lib, a: lib.positive(a), unary_samples(),
           dtypes=FLOATS + INTS + COMPLEX + ("bool",), covers=("__pos__",)),
    OpInfo("__pos__", lambda lib, a: +a, unary_samples(), dtypes=FLOATS + INTS),
    *unary("abs", dtypes=ARITH, covers=("__abs__",)),
    OpInfo("__abs__", lambda lib, a: abs(a), unary_samples(), dtypes=FLOATS + INTS + COMPLEX),
    *unary("absolute", dtypes=FLOATS + INTS),
    *unary("sign", dtypes=REALS + HALFS),
    # (torch's gradient of sgn for real inputs is a ZeroTensor, which NumPy cannot take: the
    # complex gradient is tested in tests/ops/test_elementwise.py)
    *unary("sgn", dtypes=REALS + HALFS + COMPLEX, grad=False),
    *unary("reciprocal", dtypes=ARITH),
    *unary("sqrt", 0.1, 4.0, SPECIALS + [-1.0, -4.0], dtypes=ARITH),
    *unary("rsqrt", 0.1, 4.0, SPECIALS + [-1.0, -4.0], dtypes=ARITH),
    *unary("exp", dtypes=ARITH, specials=SPECIALS + [88.0, 89.0, 710.0, -750.0]),
    *unary("exp2", dtypes=MATH + COMPLEX),
    *unary("expm1", dtypes=MATH + COMPLEX, specials=SPECIALS + [1e-10, -1e-10]),
    *unary("log", 0.1, 4.0, SPECIALS + [-1.0, -4.0], dtypes=ARITH),
    *unary("log1p", -0.9, 4.0, SPECIALS + [-1.0, -2.0, 1e-10], dtypes=MATH + COMPLEX),
    *unary("log2", 0.1, 4.0, SPECIALS + [-1.0, 8.0], dtypes=MATH + COMPLEX,
           finite_complex=True),
    *unary("log10", 0.1, 4.0, SPECIALS + [-1.0, 100.0], dtypes=MATH + COMPLEX,
           finite_complex=True),
    *unary("sin", dtypes=MATH + COMPLEX),
    *unary("cos", dtypes=MATH + COMPLEX),
    *unary("tan", -1.2, 1.2, dtypes=MATH + COMPLEX),
    *unary("asin", -0.9, 0.9, SPECIALS + [1.5, -1.5, 1.0, -1.0], dtypes=MATH + COMPLEX),
    *unary("acos", -0.9, 0.9, SPECIALS + [1.5, -1.5, 1.0, -1.0], dtypes=MATH + COMPLEX),
    *unary("atan", dtypes=MATH + COMPLEX),
    *binary("atan2", _atan2_samples, dtypes=MATH, errors=tensor_only_errors,
            covers=("arctan2",), inplace_dtypes=("float32", "float64")),
    OpInfo("arctan2", lambda lib, a, b: lib.arctan2(a, b), _atan2_samples),
    *unary("sinh", dtypes=MATH + COMPLEX),
    *unary("cosh", dtypes=MATH + COMPLEX),
    *unary("tanh", dtypes=MATH + COMPLEX),
    *unary("asinh", dtypes=MATH + COMPLEX),
    *unary("acosh", 1.1, 4.0, SPECIALS + [0.9, 1.0], dtypes=MATH + COMPLEX),
    *unary("atanh", -0.9, 0.9, SPECIALS + [1.0, -1.0, 1.5], dtypes=MATH + COMPLEX),
    *unary("sigmoid", dtypes=MATH + COMPLEX, specials=SPECIALS + [-800.0, 800.0]),
    OpInfo("logit", lambda lib, a, *e: lib.logit(a, *e), _logit_samples, dtypes=MATH),
    OpInfo("logit_", lambda lib, a, *e: a.clone().logit_(*e), _logit_samples,
           dtypes=("float32", "float64")),
    *unary("erf", dtypes=MATH, specials=SPECIALS + [3.0, -3.0, 6.0, 27.0, -27.0, 1e-5]),
    *unary("erfc", dtypes=MATH, specials=SPECIALS + [3.0, -3.0, 6.0, 27.0, -27.0, 1e-5]),
    *unary("erfinv", -0.9, 0.9, SPECIALS + [1.0, -1.0, 0.999999, -0.999999, 1e-8, 0.99],
           dtypes=MATH),
    *unary("floor", dtypes=REALS + HALFS),
    *unary("ceil", dtypes=REALS + HALFS),
    *unary("trunc", dtypes=REALS + HALFS),
    *unary("frac", dtypes=FLOATS + HALFS),
    OpInfo("round", lambda lib, a, **kw: lib.round(a, **kw), _round_samples,
           dtypes=FLOATS + HALFS + INTS + ("uint8",)),
    OpInfo("round_", lambda lib, a, **kw: a.clone().round_(**kw), _round_samples,
           dtypes=FLOATS),
    *unary("relu", dtypes=FLOATS + HALFS + INTS + ("uint8",)),
    *unary("deg2rad", dtypes=FLOATS + HALFS + INTS),
    *unary("rad2deg", dtypes=FLOATS + HALFS + INTS),
    *binary("hypot", _hypot_samples, dtypes=FLOATS + HALFS, errors=tensor_only_errors,
            inplace_dtypes=FLOATS),
    OpInfo("addcmul", lambda lib, a, b, c, **kw: lib.addcmul(a, b, c, **kw), _addc_samples(0),
           dtypes=FLOATS + HALFS + INTS + COMPLEX,
           errors=lambda rng: _addcdiv_errors(rng)[1:]),
    OpInfo("addcmul_", lambda lib, a, b, c, **kw: a.clone().addcmul_(b, c, **kw),
           _addc_samples(0)),
    OpInfo("addcdiv", lambda lib, a, b, c, **kw: lib.addcdiv(a, b, c, **kw), _addc_samples(1),
           dtypes=FLOATS + HALFS + COMPLEX, errors=_addcdiv_errors),
    OpInfo("addcdiv_", lambda lib, a, b, c, **kw: a.clone().addcdiv_(b, c, **kw),
           _addc_samples(1)),
    OpInfo("lerp", lambda lib, a, b, w: lib.lerp(a, b, w), _lerp_samples,
           dtypes=FLOATS + HALFS + COMPLEX, errors=_lerp_errors),
    OpInfo("lerp_", lambda lib, a, b, w: a.clone().lerp_(b, w), _lerp_samples),
    OpInfo("clamp", lambda lib, a, *b, **kw: lib.clamp(a, *b, **kw), _clamp_samples,
           dtypes=FLOATS + HALFS + INTS + ("uint8",), errors=_clamp_errors, covers=("clip",)),
    OpInfo("clip", lambda lib, a, *b, **kw: lib.clip(a, *b, **kw), _clamp_samples),
    OpInfo("clamp_", lambda lib, a, *b, **kw: a.clone().clamp_(*b, **kw), _clamp_samples,
           dtypes=FLOATS + ("int64",), covers=("clip_",)),
    OpInfo("clamp_min", lambda lib, a, b: lib.clamp_min(a, b), _clamp_one_samples,
           dtypes=FLOATS + HALFS + INTS),
    OpInfo("clamp_min_", lambda lib, a, b: a.clone().clamp_min_(b), _clamp_one_samples),
    OpInfo("clamp_max", lambda lib, a, b: lib.clamp_max(a, b), _clamp_one_samples,
           dtypes=FLOATS + HALFS + INTS),
    OpInfo("clamp_max_", lambda lib, a, b: a.clone().clamp_max_(b), _clamp_one_samples),
    OpInfo("maximum", lambda lib, a, b: lib.maximum(a, b), _minmax_samples,
           dtypes=REALS + HALFS, errors=tensor_only_errors),
    OpInfo("minimum", lambda lib, a, b: lib.minimum(a, b), _minmax_samples,
           dtypes=REALS + HALFS, errors=tensor_only_errors),
    OpInfo("fmax", lambda lib, a, b: lib.fmax(a, b), _minmax_samples, dtypes=REALS + HALFS,
           errors=tensor_only_errors),
    OpInfo("fmin", lambda lib, a, b: lib.fmin(a, b), _minmax_samples, dtypes=REALS + HALFS,
           errors=tensor_only_errors),
    OpInfo("where", lambda lib, c, a, b: lib.where(c, a, b), _where_samples,
           dtypes=REALS + HALFS + COMPLEX, errors=_where_errors),
    OpInfo("Tensor.where", lambda lib, c, a, b: a.where(c, b) if hasattr(a, "where") else
           lib.where(c, a, b), _where_samples),
    OpInfo("builtin sum", _sum_list,
           lambda rng, dt: [Sample((randn(rng, (3,), dt), randn(rng, (2, 3), dt),
                                    randn(rng, (), dt)), name="three")],
           dtypes=FLOATS + INTS),
    # comparisons
    *[rec for name, aliases in (("eq", ()), ("ne", ("not_equal",)), ("lt", ("less",)),
                                ("le", ("less_equal",)), ("gt", ("greater",)),
                                ("ge", ("greater_equal",)))
      for rec in comparison(name, aliases)],
    *[OpInfo(alias, lambda lib, a, b, _n=alias: getattr(lib, _n)(a, b), _compare_samples,
             grad=False)
      for alias in ("not_equal", "less", "less_equal", "greater", "greater_equal")],
    OpInfo("isclose", lambda lib, a, b, **kw: lib.isclose(a, b, **kw), _isclose_samples,
           dtypes=REALS + COMPLEX, grad=False, errors=_isclose_errors),
    OpInfo("allclose", lambda lib, a, b, **kw: lib.allclose(a, b, **kw), _isclose_samples,
           dtypes=REALS + COMPLEX, grad=False, errors=_isclose_errors),
    OpInfo("equal", lambda lib, a, b: lib.equal(a, b), _equal_samples, dtypes=REALS,
           grad=False),
    # logic
    *[OpInfo(name, lambda lib, a, b, _n=name: getattr(lib, _n)(a, b), _logical_samples,
             dtypes=REALS + HALFS + COMPLEX, grad=False, errors=tensor_only_errors)
      for name in ("logical_and", "logical_or", "logical_xor")],
    *[OpInfo(name + "_", lambda lib, a, b, _n=name: _inplace(a, _n, b), _logical_samples,
             dtypes=("float32", "bool", "int64"), grad=False)
      for name in ("logical_and", "logical_or", "logical_xor")],
    OpInfo("logical_not", lambda lib, a: lib.logical_not(a), unary_samples(),
           dtypes=REALS + HALFS + COMPLEX, grad=False),
    OpInfo("logical_not_", lambda lib, a: a.clone().logical_not_(), unary_samples(),
           dtypes=("float32", "bool", "int64"), grad=False),
    *[rec for name, dunder in (("bitwise_and", "and"), ("bitwise_or", "or"),
                               ("bitwise_xor", "xor"), ("bitwise_left_shift", "lshift"),
                               ("bitwise_right_shift", "rshift"))
      for rec in bitwise(name, dunder)],
    OpInfo("bitwise_not", lambda lib, a: lib.bitwise_not(a), unary_samples(),
           dtypes=INTS + UINT_BOOL + ("int8", "int16") + FLOATS, grad=False,
           covers=("__invert__",)),
    OpInfo("bitwise_not_", lambda lib, a: a.clone().bitwise_not_(), unary_samples(),
           dtypes=("int64", "bool"), grad=False),
    OpInfo("__invert__", lambda lib, a: ~a, unary_samples(), dtypes=INTS + UINT_BOOL + FLOATS,
           grad=False),
    # classification
    # (no bfloat16 for signbit: torch's float-to-bfloat16 conversion sets the sign of NaN)
    *[OpInfo(name, lambda lib, a, _n=name: getattr(lib, _n)(a), unary_samples(),
             dtypes=REALS + ("float16",) + (("bfloat16",) if name != "signbit" else ()) +
             (COMPLEX if name in ("isnan", "isinf", "isfinite", "isreal") else ()), grad=False)
      for name in ("isnan", "isinf", "isposinf", "isneginf", "isfinite", "isreal",
                   "signbit")],
    OpInfo("nan_to_num", lambda lib, a, *p, **kw: lib.nan_to_num(a, *p, **kw),
           _nan_to_num_samples, dtypes=REALS + HALFS + COMPLEX),
    OpInfo("nan_to_num_", lambda lib, a, *p, **kw: a.clone().nan_to_num_(*p, **kw),
           _nan_to_num_samples),
    # complex numbers
    # torch cannot hand a tensor with its conjugate bit set to NumPy: compare it resolved
    OpInfo("conj", lambda lib, a: lib.conj(a).resolve_conj(), _real_imag_samples,
           dtypes=REALS + COMPLEX),
    OpInfo("conj_physical", lambda lib, a: lib.conj_physical(a), _real_imag_samples,
           dtypes=REALS + COMPLEX),
    OpInfo("resolve_conj", lambda lib, a: lib.resolve_conj(lib.conj(a)), _real_imag_samples,
           dtypes=FLOATS + COMPLEX),
    OpInfo("resolve_neg", lambda lib, a: lib.resolve_neg(a), _real_imag_samples,
           dtypes=FLOATS + COMPLEX),
    OpInfo("is_conj", lambda lib, a: (lib.is_conj(a), lib.is_conj(lib.conj(a)),
                                      lib.is_conj(lib.conj(a).resolve_conj())),
           _real_imag_samples, dtypes=FLOATS + COMPLEX, grad=False),
    OpInfo("real", lambda lib, a: lib.real(a), _real_imag_samples, dtypes=FLOATS + COMPLEX),
    OpInfo("imag", lambda lib, a: lib.imag(a), _real_imag_samples, dtypes=FLOATS + COMPLEX,
           grad=False),
    # gradients of complex views and constructors: tests/ops/test_elementwise.py (the generic
    # gradient tests need real inputs and outputs)
    OpInfo("view_as_real", lambda lib, a: lib.view_as_real(a), _real_imag_samples,
           dtypes=FLOATS + COMPLEX, grad=False),
    OpInfo("view_as_complex", lambda lib, a: lib.view_as_complex(a), _view_as_complex_samples,
           dtypes=FLOATS, errors=_view_as_complex_errors, grad=False),
    OpInfo("angle", lambda lib, a: lib.angle(a), _angle_samples, dtypes=REALS + COMPLEX),
    OpInfo("complex", lambda lib, a, b: lib.complex(a, b), _complex_samples,
           dtypes=FLOATS, errors=_complex_errors, grad=False),
    OpInfo("polar", lambda lib, a, b: lib.polar(a, b), _polar_samples, dtypes=FLOATS,
           errors=_complex_errors, grad=False),
    # copies
    OpInfo("clone", lambda lib, a: lib.clone(a), unary_samples(), dtypes=ARITH),
    OpInfo("contiguous", lambda lib, a: a.contiguous(), unary_samples(), dtypes=FLOATS + INTS),
    OpInfo("contiguous (transposed)", lambda lib, a: a.t().contiguous(),
           lambda rng, dt: [Sample((randn(rng, (3, 4), dt),))], dtypes=FLOATS + INTS),
    OpInfo("copy_", lambda lib, a, b: a.clone().copy_(b), _copy_samples,
           dtypes=FLOATS + INTS + ("bool",), errors=_copy_errors),
    OpInfo("fill_", lambda lib, a, v: a.clone().fill_(v), _fill_samples,
           dtypes=FLOATS + INTS + ("bool",), errors=_fill_errors),
    OpInfo("zero_", lambda lib, a: a.clone().zero_(), unary_samples(),
           dtypes=FLOATS + INTS + ("bool",)),
]

# torch's NumPy-style aliases: one record each, calling the alias
_ALIASES = {"arcsin": ("asin", -0.9, 0.9), "arccos": ("acos", -0.9, 0.9),
            "arctan": ("atan", -2, 2), "arcsinh": ("asinh", -2, 2),
            "arccosh": ("acosh", 1.1, 4), "arctanh": ("atanh", -0.9, 0.9),
            "fix": ("trunc", -2, 2)}
OPS += [rec for alias, (_, lo, hi) in _ALIASES.items()
        for rec in unary(alias, lo, hi, dtypes=FLOATS)]


def _inplace_only(samples):
    """Keep the samples an in-place form accepts: a tensor self that the broadcast keeps in
    shape (the others are ErrorSamples of the in-place records)."""
    def kept(rng, dt):
        out = []
        for s in samples(rng, dt):
            arrays = [a for a in list(s.args) + list(s.kwargs.values())
                      if isinstance(a, np.ndarray)]
            if s.args and isinstance(s.args[0], np.ndarray) and \
                    np.broadcast_shapes(*(a.shape for a in arrays)) == s.args[0].shape:
                out.append(s)
        return out
    return kept


for _rec in OPS:
    if _rec.name.endswith("_") and not _rec.name.endswith("__") or \
            _rec.name.startswith("__i"):
        _rec.samples = _inplace_only(_rec.samples)
