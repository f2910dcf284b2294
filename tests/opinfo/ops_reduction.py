"""Op-table records for reductions, scans and the softmax family (src/ember/_ops/reduction.py).

Records named `<op>.special` hold inputs with NaN, infinities, ties or zeros: values (and,
in tests/ops/test_reduction.py, gradients) are compared with torch, but no gradcheck runs on
them, since such inputs sit where the op has no derivative.
"""
import numpy as np

from opinfo.core import COMPLEX, FLOATS, HALFS, INTS, ErrorSample, OpInfo, Sample, index, np_dtype
from opinfo.core import randn as _randn

ALL_INT = INTS + ("uint8", "bool")
NAN, INF = float("nan"), float("inf")


def _softmin(lib):
    # torch has softmin only in nn.functional; ember keeps it next to softmax
    if lib.__name__ == "torch":
        return lib.nn.functional.softmin
    from ember._ops.reduction import softmin
    return softmin


def randn(rng, shape, dtype, low=-2.0, high=2.0):
    # an array even for shape () (core.randn gives a NumPy scalar for 0-d bools)
    return np.asarray(_randn(rng, shape, dtype, low, high))


def arr(values, dtype):
    """A fixed array of `dtype` (bfloat16 included)."""
    return np.asarray(values, dtype=np.float64).astype(np_dtype(dtype))


# --- sample generators ---------------------------------------------------------------------

def dim_samples(rng, dt, with_tuple=True, with_empty_tuple=True, low=-2.0, high=2.0):
    """Whole-tensor and per-dim reductions: op(x), op(x, dim), keepdim, tuple dims, 0-d."""
    x3 = randn(rng, (2, 3, 4), dt, low, high)
    out = [Sample((randn(rng, (3, 4), dt, low, high),), name="full"),
           Sample((randn(rng, (), dt, low, high),), name="0-d"),
           Sample((randn(rng, (3, 4), dt, low, high), 1), name="dim 1"),
           Sample((x3, -1), name="dim -1"),
           Sample((x3, 0), {"keepdim": True}, name="keepdim"),
           Sample((randn(rng, (), dt, low, high), 0), name="0-d dim 0"),
           Sample((randn(rng, (5,), dt, low, high), -1), {"keepdim": True}, name="1-d keep")]
    if with_tuple:
        out += [Sample((x3, (0, 2)), name="dims (0, 2)"),
                Sample((x3, (-1, 0)), {"keepdim": True}, name="dims keepdim"),
                Sample((x3, [1]), name="dims list")]
    if with_empty_tuple:
        out.append(Sample((x3, ()), name="empty dims"))
    out += [Sample((x3, None), name="dim None"), Sample((x3, None, True), name="None keepdim")]
    return out


def dim_errors(rng):
    x = randn(rng, (3, 4), "float32")
    return [ErrorSample((x, 2), name="dim out of range"),
            ErrorSample((x, -3), name="negative dim out of range"),
            ErrorSample((x, (0, 0)), name="repeated dim")]


def sum_samples(rng, dt):
    out = dim_samples(rng, dt)
    out += [Sample((randn(rng, (0, 3), dt),), name="empty"),
            Sample((randn(rng, (0, 3), dt), 0), name="empty dim 0"),
            Sample((randn(rng, (3, 4), dt),), {"dtype": "dtype:float64"}, name="dtype f64"),
            Sample((randn(rng, (3, 4), dt), 1), {"dtype": "dtype:float64"}, name="dtype dim")]
    if dt in INTS + ("uint8", "bool"):
        out.append(Sample((randn(rng, (3, 4), dt), 0), {"dtype": "dtype:int32"},
                          name="dtype int32"))
    return out


def mean_samples(rng, dt):
    out = dim_samples(rng, dt)
    out += [Sample((randn(rng, (3, 4), dt),), {"dtype": "dtype:float64"}, name="dtype f64"),
            Sample((randn(rng, (3, 4), dt), (0, 1), True), name="keepdim positional")]
    return out


def mean_errors(rng):
    return dim_errors(rng) + [
        ErrorSample((randn(rng, (3, 4), "int64"),), name="mean of ints"),
        ErrorSample((randn(rng, (3, 4), "int64"), 0), name="mean of ints over dim"),
        ErrorSample((randn(rng, (3, 4), "float32"),), {"dtype": "dtype:int64"},
                    name="integer dtype")]


def with_nans(x, rng, frac=0.3):
    x = x.copy()
    x[rng.random(x.shape) < frac] = np.nan
    return x


def nan_samples(rng, dt):
    """Inputs holding NaN (and infinities) for ops that skip or propagate them."""
    x = with_nans(randn(rng, (3, 5), dt), rng)
    x[0, 0] = np.nan
    all_nan = arr([[NAN, NAN], [1, 2]], dt)
    return [Sample((x,), name="nan full"), Sample((x, 1), name="nan dim 1"),
            Sample((x, 0), {"keepdim": True}, name="nan dim 0"),
            Sample((all_nan, 1), name="all-nan row"),
            Sample((arr([1, INF, -INF, 2], dt), 0), name="infs")]


def prod_samples(rng, dt):
    x = randn(rng, (3, 4), dt)
    out = [Sample((x,), name="full"), Sample((randn(rng, (), dt),), name="0-d"),
           Sample((randn(rng, (3, 4), dt), 1), name="dim 1"),
           Sample((randn(rng, (2, 3, 4), dt), -1), {"keepdim": True}, name="keepdim"),
           Sample((randn(rng, (3, 4), dt),), {"dtype": "dtype:float64"}, name="dtype")]
    return out


def prod_zero_samples(rng, dt):
    one = randn(rng, (3, 4), dt, 0.5, 2.0)
    one[1, 2] = 0
    two = randn(rng, (3, 4), dt, 0.5, 2.0)
    two[0, 1] = two[0, 3] = 0
    two[2, 0] = 0
    return [Sample((one,), name="one zero"), Sample((two,), name="two zeros"),
            Sample((one, 1), name="one zero dim"), Sample((two, 1), name="two zeros dim"),
            Sample((two, 0), {"keepdim": True}, name="zeros dim 0")]


def max_samples(rng, dt):
    x = randn(rng, (3, 4), dt)
    return [Sample((x,), name="full"), Sample((randn(rng, (), dt),), name="0-d"),
            Sample((randn(rng, (3, 4), dt), 1), name="dim"),
            Sample((randn(rng, (2, 3, 4), dt), -2), {"keepdim": True}, name="keepdim"),
            Sample((randn(rng, (), dt), 0), name="0-d dim"),
            Sample((randn(rng, (3, 4), dt), randn(rng, (4,), dt)), name="tensor other")]


def max_special(rng, dt):
    ties = arr([[1, 3, 3, 0], [2, 2, 2, 2], [-1, 5, 0, 5]], dt)
    return [Sample((ties,), name="ties full"), Sample((ties, 1), name="ties dim")] + \
        nan_samples(rng, dt)


def max_errors(rng):
    return dim_errors(rng)[:2] + [
        ErrorSample((randn(rng, (0, 3), "float32"),), name="empty full"),
        ErrorSample((randn(rng, (0, 3), "float32"), 0), name="empty dim")]


def amax_samples(rng, dt):
    return dim_samples(rng, dt, with_empty_tuple=True)


def amax_special(rng, dt):
    ties = arr([[1, 3, 3, 0], [2, 2, 2, 2], [-1, 5, 0, 5]], dt)
    return [Sample((ties,), name="ties full"), Sample((ties, 1), name="ties dim"),
            Sample((ties, (0, 1)), {"keepdim": True}, name="ties dims")] + \
        nan_samples(rng, dt)


def amax_errors(rng):
    return dim_errors(rng) + [ErrorSample((randn(rng, (0, 3), "float32"),), name="empty"),
                              ErrorSample((randn(rng, (0, 3), "float32"), 0), name="empty dim")]


def aminmax_samples(rng, dt):
    x3 = randn(rng, (2, 3, 4), dt)
    return [Sample((randn(rng, (3, 4), dt),), name="full"),
            Sample((randn(rng, (), dt),), name="0-d"),
            Sample((x3,), {"dim": 1}, name="dim"),
            Sample((x3,), {"dim": -1, "keepdim": True}, name="keepdim")]


def argmax_samples(rng, dt):
    x3 = randn(rng, (2, 3, 4), dt)
    return [Sample((randn(rng, (3, 4), dt),), name="full"),
            Sample((randn(rng, (), dt),), name="0-d"),
            Sample((x3, 1), name="dim"), Sample((x3, -1, True), name="keepdim"),
            Sample((x3,), {"keepdim": True}, name="full keepdim"),
            Sample((arr([[1, 3, 3, 0], [2, 2, 2, 2]], dt), 1), name="ties"),
            Sample((arr([[1, 3, 3, 0], [2, 2, 2, 2]], dt),), name="ties full")]


def argmax_special(rng, dt):
    return [Sample((arr([[1, NAN, 3, NAN], [2, 2, INF, -INF]], dt), 1), name="nan"),
            Sample((arr([1, NAN, 3, NAN], dt),), name="nan full")]


def var_samples(rng, dt):
    x3 = randn(rng, (2, 3, 4), dt)
    return [Sample((randn(rng, (3, 4), dt),), name="full"),
            Sample((randn(rng, (3, 4), dt), 1), name="dim"),
            Sample((x3, (0, 2)), name="dims"),
            Sample((x3, -1), {"keepdim": True}, name="keepdim"),
            Sample((x3, 1, False), name="unbiased=False positional"),
            Sample((x3,), {"dim": 1, "correction": 0}, name="correction 0"),
            Sample((x3,), {"dim": (0, 1), "correction": 2, "keepdim": True}, name="corr 2"),
            Sample((randn(rng, (3, 4), dt), False), name="unbiased bool"),
            Sample((x3,), {"unbiased": False}, name="unbiased kw"),
            Sample((x3, None), {"correction": 0.5}, name="fractional correction"),
            Sample((randn(rng, (), dt),), {"correction": 0}, name="0-d")]


def var_special(rng, dt):
    return [Sample((randn(rng, (1, 3), dt), 0), name="single element -> nan"),
            Sample((randn(rng, (3,), dt),), {"correction": 5}, name="correction > n"),
            Sample((with_nans(randn(rng, (3, 4), dt), rng), 1), name="nan")]


def cov_samples(rng, dt):
    fw = np.array([1, 2, 1, 3])
    aw = np.array([0.5, 1.0, 2.0, 0.25])
    return [Sample((randn(rng, (3, 4), dt),), name="matrix"),
            Sample((randn(rng, (5,), dt),), name="vector"),
            Sample((randn(rng, (2, 4), dt),), {"correction": 0}, name="correction 0"),
            Sample((randn(rng, (2, 4), dt),), {"fweights": fw}, name="fweights"),
            Sample((randn(rng, (2, 4), dt),), {"aweights": aw.astype(np_dtype(dt))
                                                if dt in FLOATS else aw}, name="aweights"),
            Sample((randn(rng, (2, 4), dt),), {"fweights": fw, "aweights": aw, "correction": 2},
                   name="both")]


def corrcoef_samples(rng, dt):
    return [Sample((randn(rng, (3, 4), dt),), name="matrix"),
            Sample((randn(rng, (5,), dt),), name="vector")]


def cov_errors(rng):
    x = randn(rng, (2, 3), "float32")
    return [ErrorSample((randn(rng, (2, 2, 2), "float32"),), name="3-d"),
            ErrorSample((x,), {"fweights": np.array([1.0, 2.0, 1.0])}, name="float fweights"),
            ErrorSample((x,), {"fweights": np.array([1, -2, 1])}, name="negative"),
            ErrorSample((x,), {"aweights": np.array([1, 2, 1])}, name="int aweights"),
            ErrorSample((x,), {"fweights": np.array([1, 2])}, name="numel")]


def var_errors(rng):
    return dim_errors(rng)[:2] + [ErrorSample((randn(rng, (3, 4), "int64"),), name="ints")]


def logsumexp_samples(rng, dt):
    x3 = randn(rng, (2, 3, 4), dt)
    return [Sample((randn(rng, (3, 4), dt), 1), name="dim"),
            Sample((x3, (0, 2)), name="dims"), Sample((x3, -1, True), name="keepdim"),
            Sample((randn(rng, (), dt), 0), name="0-d"),
            Sample((randn(rng, (3, 4), dt, 50, 90), 0), name="large values")]


def logsumexp_special(rng, dt):
    x = arr([[-INF, -INF, -INF], [1, -INF, 2], [INF, 1, 2], [NAN, 1, 2]], dt)
    return [Sample((x, 1), name="infs and nan")]


def logsumexp_errors(rng):
    return dim_errors(rng)[:2]


def norm_samples(rng, dt):
    x, x3 = randn(rng, (3, 4), dt), randn(rng, (2, 3, 4), dt)
    out = [Sample((x,), name="default")]
    for p in (2, 1, INF, -INF, 0, 3, 2.5, -1, 0.5, "fro"):
        out.append(Sample((x, p), name=f"p={p}"))
    out += [Sample((x3, 2, 1), name="dim"), Sample((x3, 1, (0, 2)), name="p=1 dims"),
            Sample((x3, INF, -1, True), name="inf keepdim"),
            Sample((x3, "fro", (1, 2)), name="fro dims"),
            Sample((x3,), {"dim": 0, "keepdim": True}, name="kw dim"),
            Sample((x3, 3, [1]), name="p=3 list dim"),
            Sample((randn(rng, (), dt),), name="0-d")]
    return out


def norm_special(rng, dt):
    x = arr([[0, 0, 0], [1, 0, -2], [3, 3, -3]], dt)
    return [Sample((x, 0), name="p=0"), Sample((x, 0, 1), name="p=0 dim"),
            Sample((x, 2, 1), name="zero row p=2"), Sample((x, 3, 1), name="zero row p=3"),
            Sample((x, INF, 1), name="ties inf"), Sample((x, 1, 1), name="zeros p=1")]


def dist_samples(rng, dt):
    a, b = randn(rng, (3, 4), dt), randn(rng, (3, 4), dt)
    return [Sample((a, b), name="p=2"), Sample((a, b, 1), name="p=1"),
            Sample((a, b, INF), name="p=inf"), Sample((a, b, 3), name="p=3"),
            Sample((a, randn(rng, (4,), dt)), name="broadcast"),
            Sample((randn(rng, (), dt), randn(rng, (), dt), 2.5), name="0-d")]


def bool_samples(rng, dt):
    x3 = randn(rng, (2, 3, 4), dt)
    zeros = np.zeros((3, 4), np_dtype(dt))
    return [Sample((randn(rng, (3, 4), dt),), name="full"),
            Sample((x3, 1), name="dim"), Sample((x3, -1, True), name="keepdim"),
            Sample((x3, (0, 2)), name="dims"), Sample((x3, None, True), name="None keepdim"),
            Sample((x3, ()), name="empty dims"), Sample((zeros,), name="all zero"),
            Sample((zeros, 0), name="all zero dim"),
            Sample((randn(rng, (0, 2), dt),), name="empty"),
            Sample((randn(rng, (), dt),), name="0-d")]


def count_nonzero_samples(rng, dt):
    x3 = randn(rng, (2, 3, 4), dt)
    return [Sample((randn(rng, (3, 4), dt),), name="full"),
            Sample((x3, 1), name="dim"), Sample((x3, (0, 2)), name="dims"),
            Sample((x3,), {"dim": -1}, name="dim kw"), Sample((randn(rng, (), dt),), name="0-d")]


def bincount_samples(rng, dt):
    x = index(rng.integers(0, 6, 10), np_dtype(dt)) if dt != "bool" else \
        index(rng.random(10) < 0.5, np.bool_)
    return [Sample((x,), name="plain"), Sample((x,), {"minlength": 9}, name="minlength"),
            Sample((x, randn(rng, (10,), "float32")), name="f32 weights"),
            Sample((x, randn(rng, (10,), "float64")), name="f64 weights"),
            Sample((x, index(rng.integers(0, 4, 10))), name="int weights"),
            Sample((index([], np_dtype(dt)),), name="empty"),
            Sample((index([], np_dtype(dt)),), {"minlength": 3}, name="empty minlength")]


def bincount_errors(rng):
    return [ErrorSample((index([1, -1, 2]),), name="negative"),
            ErrorSample((index([[1, 2]]),), name="2-d"),
            ErrorSample((randn(rng, (4,), "float32"),), name="float input"),
            ErrorSample((index([1, 2]), randn(rng, (3,), "float32")), name="weights length"),
            ErrorSample((index([1, 2]),), {"minlength": -1}, name="negative minlength")]


def histc_samples(rng, dt):
    x = randn(rng, (20,), dt, -3, 3)
    return [Sample((x,), name="default"), Sample((x, 7), name="bins"),
            Sample((x, 5, -1, 1), name="range"),
            Sample((x,), {"bins": 4, "min": 0, "max": 10}, name="range beyond"),
            Sample((randn(rng, (3, 4), dt), 6), name="2-d"),
            Sample((arr([1, 1, 1], dt), 4), name="constant"),
            Sample((arr([0, 1, 2, 3], dt), 3, 0, 3), name="right edge included")]


def histc_errors(rng):
    x = randn(rng, (5,), "float32")
    return [ErrorSample((x, 0), name="no bins"), ErrorSample((x, 4, 2, 1), name="min > max"),
            ErrorSample((randn(rng, (5,), "int64"),), name="ints")]


def scan_samples(rng, dt):
    x3 = randn(rng, (2, 3, 4), dt)
    return [Sample((randn(rng, (3, 4), dt), 1), name="dim 1"), Sample((x3, 0), name="dim 0"),
            Sample((x3, -1), name="dim -1"), Sample((randn(rng, (), dt), 0), name="0-d"),
            Sample((randn(rng, (5,), dt), 0), name="1-d"),
            Sample((randn(rng, (0, 3), dt), 0), name="empty")]


def cumsum_samples(rng, dt):
    return scan_samples(rng, dt) + [
        Sample((randn(rng, (3, 4), dt), 1), {"dtype": "dtype:float64"}, name="dtype")]


def cumprod_zero_samples(rng, dt):
    x = randn(rng, (3, 5), dt, 0.5, 2)
    x[0, 1] = 0
    x[1, 1] = x[1, 3] = 0
    x[2, 4] = 0
    return [Sample((x, 1), name="zeros dim 1"), Sample((x, 0), name="zeros dim 0")]


def scan_errors(rng):
    x = randn(rng, (3, 4), "float32")
    return [ErrorSample((x, 2), name="dim out of range"),
            ErrorSample((x, -3), name="negative dim out of range")]


def cummax_special(rng, dt):
    ties = arr([[1, 3, 3, 0, 3], [2, 2, 2, 2, 2], [5, -1, 5, 0, 5]], dt)
    nans = arr([[1, NAN, 3, 0, NAN], [2, 1, 5, NAN, 0]], dt)
    return [Sample((ties, 1), name="ties"), Sample((ties, 0), name="ties dim 0"),
            Sample((nans, 1), name="nan")]


def median_samples(rng, dt):
    x3 = randn(rng, (2, 3, 4), dt)
    return [Sample((randn(rng, (3, 4), dt),), name="full even"),
            Sample((randn(rng, (3, 5), dt),), name="full odd"),
            Sample((randn(rng, (), dt),), name="0-d"),
            Sample((x3, 1), name="dim odd"), Sample((x3, -1), name="dim even"),
            Sample((x3, 0, True), name="keepdim"), Sample((randn(rng, (), dt), 0), name="0-d dim")]


def median_special(rng, dt):
    ties = arr([[1, 3, 3, 0, 3], [2, 2, 2, 2, 2], [5, -1, 5, 0, 5]], dt)
    nans = arr([[1, NAN, 3, 0, NAN], [2, 1, 5, 7, 0], [NAN, NAN, NAN, NAN, NAN]], dt)
    return [Sample((ties, 1), name="ties"), Sample((nans,), name="nan full"),
            Sample((nans, 1), name="nan dim"), Sample((nans, 0), name="nan dim 0")]


def median_errors(rng):
    return [ErrorSample((randn(rng, (3, 4), "float32"), 2), name="dim out of range"),
            ErrorSample((randn(rng, (0, 3), "float32"), 0), name="empty dim")]


def mode_samples(rng, dt):
    x = rng.integers(0, 3, (3, 7)).astype(np_dtype(dt))
    x3 = rng.integers(0, 3, (2, 3, 4)).astype(np_dtype(dt))
    return [Sample((x,), name="default dim"), Sample((x3, 1), name="dim 1"),
            Sample((x3, 0, True), name="keepdim"), Sample((arr([4, 1, 4, 1, 2], dt),),
                                                          name="tie -> smallest"),
            Sample((randn(rng, (), dt),), name="0-d")]


def quantile_samples(rng, dt):
    x, x3 = randn(rng, (12,), dt), randn(rng, (2, 3, 5), dt)
    out = [Sample((x, 0.3), name="scalar q"), Sample((x, 0.95), name="q=.95"),
           Sample((x3, arr([0.1, 0.25, 0.5, 0.9], dt)), name="tensor q flat"),
           Sample((x3, 0.5, 1), name="dim"), Sample((x3, 0.5, -1, True), name="keepdim"),
           Sample((x3, arr([0.2, 0.7], dt), 2), name="tensor q dim"),
           Sample((x3, arr([0.2, 0.7], dt), 0, True), name="tensor q keepdim"),
           Sample((x3, arr(0.4, dt), 2), name="0-d q")]
    for how in ("lower", "higher", "nearest", "midpoint"):
        out.append(Sample((x3, arr([0.1, 0.55, 0.65], dt), 2), {"interpolation": how},
                          name=how))
    return out


def quantile_special(rng, dt):
    x = arr([[1, NAN, 3, 0, 2], [2, 1, 5, 7, 0], [NAN, NAN, NAN, NAN, NAN]], dt)
    y = randn(rng, (3, 5), dt)
    return [Sample((x, 0.5, 1), name="nan dim"), Sample((x, 0.5), name="nan flat"),
            Sample((x, arr([0.0, 0.3, 1.0], dt), 1, True), name="nan dim keepdim"),
            Sample((y, 1.0), name="q=1"), Sample((y, 0.0, 0), name="q=0"),
            Sample((y, arr([0.0, 1.0], dt), 1), name="q ends"),
            Sample((y, arr([], dt), 1), name="empty q")]


def quantile_errors(rng):
    x = randn(rng, (5,), "float32")
    return [ErrorSample((x, 1.5), name="q > 1"), ErrorSample((x, -0.1), name="q < 0"),
            ErrorSample((x, arr([0.5], "float64")), name="q dtype differs"),
            ErrorSample((randn(rng, (5,), "int64"), 0.5), name="int input"),
            ErrorSample((x, 0.5), {"interpolation": "cubic"}, name="bad interpolation"),
            ErrorSample((x, arr([[0.5]], "float32")), name="2-d q"),
            ErrorSample((x, 0.5, 1), name="dim out of range")]


def softmax_samples(rng, dt):
    x3 = randn(rng, (2, 3, 4), dt)
    return [Sample((randn(rng, (3, 4), dt), 1), name="dim 1"), Sample((x3, 0), name="dim 0"),
            Sample((x3, -1), name="dim -1"), Sample((randn(rng, (), dt), 0), name="0-d"),
            Sample((randn(rng, (3, 4), dt, 60, 100), 1), name="large"),
            Sample((randn(rng, (3, 4), dt), 1), {"dtype": "dtype:float64"}, name="dtype"),
            Sample((randn(rng, (0, 4), dt), 1), name="empty")]


def softmax_special(rng, dt):
    x = arr([[-INF, 1, 2], [-INF, -INF, -INF], [INF, 1, 2], [NAN, 1, 2]], dt)
    return [Sample((x, 1), name="infs and nan")]


def softmax_errors(rng):
    x = randn(rng, (3, 4), "float32")
    return [ErrorSample((x, 2), name="dim out of range"),
            ErrorSample((randn(rng, (3, 4), "int64"), 1), name="ints without dtype")]


def diff_samples(rng, dt):
    x3 = randn(rng, (2, 3, 4), dt)
    return [Sample((randn(rng, (5,), dt),), name="1-d"), Sample((x3,), name="last dim"),
            Sample((x3, 2), name="n=2"), Sample((x3, 1, 0), name="dim 0"),
            Sample((x3, 3, 1), name="n > size"),
            Sample((randn(rng, (3, 4), dt),), {"prepend": randn(rng, (3, 2), dt)},
                   name="prepend"),
            Sample((randn(rng, (3, 4), dt),), {"append": randn(rng, (3, 1), dt), "n": 2},
                   name="append n=2"),
            Sample((randn(rng, (3, 4), dt), 1, 0),
                   {"prepend": randn(rng, (1, 4), dt), "append": randn(rng, (2, 4), dt)},
                   name="both")]


def diff_errors(rng):
    x = randn(rng, (3, 4), "float32")
    return [ErrorSample((x, 1, 2), name="dim out of range"),
            ErrorSample((randn(rng, (), "float32"),), name="0-d"),
            ErrorSample((x, -1), name="negative n"),
            ErrorSample((x,), {"prepend": randn(rng, (2, 2), "float32")}, name="bad prepend")]


# --- the records ---------------------------------------------------------------------------

OPS = [
    OpInfo("sum", lambda lib, x, *a, **kw: lib.sum(x, *a, **kw), sum_samples,
           dtypes=FLOATS + ALL_INT + HALFS + COMPLEX, errors=dim_errors),
    OpInfo("nansum", lambda lib, x, *a, **kw: x.nansum(*a, **kw), sum_samples,
           dtypes=FLOATS + ALL_INT + HALFS, errors=dim_errors),
    OpInfo("nansum.special", lambda lib, x, *a, **kw: lib.nansum(x, *a, **kw), nan_samples,
           grad=False),
    OpInfo("mean", lambda lib, x, *a, **kw: lib.mean(x, *a, **kw), mean_samples,
           dtypes=FLOATS + INTS + HALFS + COMPLEX, errors=mean_errors),
    OpInfo("mean.special", lambda lib, x, *a, **kw: x.mean(*a, **kw),
           lambda rng, dt: [Sample((randn(rng, (0, 3), dt),), name="empty -> nan"),
                            Sample((randn(rng, (0, 3), dt), 0), name="empty dim 0"),
                            Sample((randn(rng, (0, 3), dt), 1), name="empty dim 1")],
           grad=False),
    OpInfo("nanmean", lambda lib, x, *a, **kw: lib.nanmean(x, *a, **kw),
           lambda rng, dt: dim_samples(rng, dt, with_empty_tuple=False),
           errors=mean_errors),
    OpInfo("nanmean.special", lambda lib, x, *a, **kw: x.nanmean(*a, **kw), nan_samples,
           grad=False),
    OpInfo("prod", lambda lib, x, *a, **kw: lib.prod(x, *a, **kw), prod_samples,
           dtypes=FLOATS + ALL_INT, errors=lambda rng: dim_errors(rng)[:2]),
    OpInfo("prod.zeros", lambda lib, x, *a, **kw: x.prod(*a, **kw), prod_zero_samples),
    OpInfo("max", lambda lib, x, *a, **kw: lib.max(x, *a, **kw), max_samples,
           dtypes=FLOATS + ALL_INT, errors=max_errors),
    OpInfo("max.special", lambda lib, x, *a, **kw: x.max(*a, **kw), max_special, grad=False),
    OpInfo("min", lambda lib, x, *a, **kw: lib.min(x, *a, **kw), max_samples,
           dtypes=FLOATS + ALL_INT, errors=max_errors),
    OpInfo("min.special", lambda lib, x, *a, **kw: x.min(*a, **kw), max_special, grad=False),
    OpInfo("amax", lambda lib, x, *a, **kw: lib.amax(x, *a, **kw), amax_samples,
           dtypes=FLOATS + ALL_INT + HALFS, errors=amax_errors),
    OpInfo("amax.special", lambda lib, x, *a, **kw: x.amax(*a, **kw), amax_special,
           grad=False),
    OpInfo("amin", lambda lib, x, *a, **kw: lib.amin(x, *a, **kw), amax_samples,
           dtypes=FLOATS + ALL_INT + HALFS, errors=amax_errors),
    OpInfo("amin.special", lambda lib, x, *a, **kw: x.amin(*a, **kw), amax_special,
           grad=False),
    OpInfo("aminmax", lambda lib, x, *a, **kw: lib.aminmax(x, *a, **kw), aminmax_samples,
           dtypes=FLOATS + ALL_INT,
           errors=lambda rng: [ErrorSample((randn(rng, (3, 4), "float32"),), {"dim": 2}),
                               ErrorSample((randn(rng, (0, 4), "float32"),))]),
    OpInfo("argmax", lambda lib, x, *a, **kw: lib.argmax(x, *a, **kw), argmax_samples,
           dtypes=FLOATS + INTS + ("uint8", "bool"), grad=False, errors=max_errors),
    OpInfo("argmax.special", lambda lib, x, *a, **kw: x.argmax(*a, **kw), argmax_special,
           grad=False),
    OpInfo("argmin", lambda lib, x, *a, **kw: lib.argmin(x, *a, **kw), argmax_samples,
           dtypes=FLOATS + INTS + ("uint8", "bool"), grad=False, errors=max_errors),
    OpInfo("argmin.special", lambda lib, x, *a, **kw: x.argmin(*a, **kw), argmax_special,
           grad=False),
    OpInfo("histogram", lambda lib, x, *a, **kw: tuple(lib.histogram(x, *a, **kw)),
           lambda rng, dt: [Sample((randn(rng, (10,), dt), 4)),
                            Sample((randn(rng, (3, 4), dt), 3), {"range": (-1.0, 1.0)}),
                            Sample((randn(rng, (6,), dt), arr([-2.0, 0.0, 0.5, 2.0], dt))),
                            Sample((randn(rng, (6,), dt), 2), {"weight": randn(rng, (6,), dt),
                                                               "density": True}),
                            Sample((arr([2.0, 2.0], dt), 2))],
           dtypes=FLOATS, grad=False,
           errors=lambda rng: [ErrorSample((randn(rng, (3,), "int64"), 2)),
                               ErrorSample((randn(rng, (3,), "float32"), 0))]),
    OpInfo("cov", lambda lib, x, **kw: lib.cov(x, **kw), cov_samples, dtypes=FLOATS,
           errors=cov_errors),
    OpInfo("corrcoef", lambda lib, x: lib.corrcoef(x), corrcoef_samples, dtypes=FLOATS),
    OpInfo("var", lambda lib, x, *a, **kw: lib.var(x, *a, **kw), var_samples,
           dtypes=FLOATS + INTS + COMPLEX, errors=var_errors),
    OpInfo("var.special", lambda lib, x, *a, **kw: x.var(*a, **kw), var_special, grad=False),
    OpInfo("std", lambda lib, x, *a, **kw: lib.std(x, *a, **kw), var_samples,
           dtypes=FLOATS + INTS + COMPLEX, errors=var_errors),
    OpInfo("std.special", lambda lib, x, *a, **kw: x.std(*a, **kw), var_special, grad=False),
    OpInfo("var_mean", lambda lib, x, *a, **kw: lib.var_mean(x, *a, **kw), var_samples,
           dtypes=FLOATS + INTS, errors=var_errors),
    OpInfo("std_mean", lambda lib, x, *a, **kw: lib.std_mean(x, *a, **kw), var_samples,
           dtypes=FLOATS + INTS, errors=var_errors),
    OpInfo("logsumexp", lambda lib, x, *a, **kw: lib.logsumexp(x, *a, **kw),
           logsumexp_samples, dtypes=FLOATS + INTS + ("bool",) + HALFS,
           errors=logsumexp_errors),
    OpInfo("logsumexp.special", lambda lib, x, *a, **kw: x.logsumexp(*a, **kw),
           logsumexp_special, grad=False),
    OpInfo("norm", lambda lib, x, *a, **kw: lib.norm(x, *a, **kw), norm_samples,
           dtypes=FLOATS + INTS + HALFS + COMPLEX,
           errors=lambda rng: [ErrorSample((randn(rng, (3, 4), "float32"),), {"dim": 2}),
                               ErrorSample((randn(rng, (3, 4), "float32"), 2, (0, 0)))]),
    OpInfo("norm.special", lambda lib, x, *a, **kw: x.norm(*a, **kw), norm_special,
           grad=False),
    OpInfo("dist", lambda lib, a, b, *r: lib.dist(a, b, *r) if r else a.dist(b), dist_samples,
           dtypes=FLOATS + INTS),
    OpInfo("all", lambda lib, x, *a, **kw: lib.all(x, *a, **kw), bool_samples,
           dtypes=FLOATS + ALL_INT, grad=False, errors=dim_errors),
    OpInfo("any", lambda lib, x, *a, **kw: x.any(*a, **kw), bool_samples,
           dtypes=FLOATS + ALL_INT, grad=False, errors=dim_errors),
    OpInfo("count_nonzero", lambda lib, x, *a, **kw: lib.count_nonzero(x, *a, **kw),
           count_nonzero_samples, dtypes=FLOATS + ALL_INT, grad=False, errors=dim_errors),
    OpInfo("bincount", lambda lib, x, *a, **kw: lib.bincount(x, *a, **kw), bincount_samples,
           dtypes=INTS + ("uint8",), grad=False, errors=bincount_errors),
    OpInfo("histc", lambda lib, x, *a, **kw: lib.histc(x, *a, **kw), histc_samples,
           grad=False, errors=histc_errors),
    OpInfo("cumsum", lambda lib, x, *a, **kw: lib.cumsum(x, *a, **kw), cumsum_samples,
           dtypes=FLOATS + ALL_INT, errors=scan_errors, covers=("cumsum_",)),
    OpInfo("cumprod", lambda lib, x, *a, **kw: lib.cumprod(x, *a, **kw), cumsum_samples,
           dtypes=FLOATS + ALL_INT, errors=scan_errors, covers=("cumprod_",)),
    OpInfo("cumprod.zeros", lambda lib, x, *a, **kw: x.cumprod(*a, **kw),
           cumprod_zero_samples),
    OpInfo("cummax", lambda lib, x, *a, **kw: lib.cummax(x, *a, **kw), scan_samples,
           dtypes=FLOATS + ALL_INT, errors=scan_errors),
    OpInfo("cummax.special", lambda lib, x, *a, **kw: x.cummax(*a, **kw), cummax_special,
           grad=False),
    OpInfo("cummin", lambda lib, x, *a, **kw: lib.cummin(x, *a, **kw), scan_samples,
           dtypes=FLOATS + ALL_INT, errors=scan_errors),
    OpInfo("cummin.special", lambda lib, x, *a, **kw: x.cummin(*a, **kw), cummax_special,
           grad=False),
    OpInfo("logcumsumexp", lambda lib, x, *a, **kw: lib.logcumsumexp(x, *a, **kw),
           lambda rng, dt: scan_samples(rng, dt) + [
               Sample((randn(rng, (3, 4), dt, 50, 90), 1), name="large")],
           dtypes=FLOATS + INTS, errors=scan_errors),
    OpInfo("logcumsumexp.special", lambda lib, x, *a, **kw: x.logcumsumexp(*a, **kw),
           lambda rng, dt: [Sample((arr([[-INF, 1, -INF, 2], [INF, 1, 2, INF],
                                         [-INF, -INF, 0, 1], [1, NAN, 2, 3]], dt), 1),
                                   name="infs and nan")],
           grad=False),
    OpInfo("median", lambda lib, x, *a, **kw: lib.median(x, *a, **kw), median_samples,
           dtypes=FLOATS + INTS + ("uint8",), errors=median_errors),
    OpInfo("median.special", lambda lib, x, *a, **kw: x.median(*a, **kw), median_special,
           grad=False),
    OpInfo("nanmedian", lambda lib, x, *a, **kw: lib.nanmedian(x, *a, **kw), median_samples,
           dtypes=FLOATS + INTS, errors=median_errors),
    OpInfo("nanmedian.special", lambda lib, x, *a, **kw: x.nanmedian(*a, **kw),
           median_special, grad=False),
    OpInfo("mode", lambda lib, x, *a, **kw: lib.mode(x, *a, **kw), mode_samples,
           dtypes=FLOATS + ALL_INT, errors=median_errors, grad=False),
    OpInfo("quantile", lambda lib, x, *a, **kw: lib.quantile(x, *a, **kw), quantile_samples,
           dtypes=FLOATS + INTS, errors=quantile_errors, skip_grad_fn=True),
    OpInfo("quantile.special", lambda lib, x, *a, **kw: x.quantile(*a, **kw),
           quantile_special, grad=False, skip_grad_fn=True),
    OpInfo("nanquantile", lambda lib, x, *a, **kw: lib.nanquantile(x, *a, **kw),
           quantile_samples,
           errors=quantile_errors, skip_grad_fn=True),
    OpInfo("nanquantile.special", lambda lib, x, *a, **kw: x.nanquantile(*a, **kw),
           quantile_special, grad=False, skip_grad_fn=True),
    OpInfo("softmax", lambda lib, x, *a, **kw: lib.softmax(x, *a, **kw), softmax_samples,
           dtypes=FLOATS + INTS + HALFS, errors=softmax_errors),
    OpInfo("softmax.special", lambda lib, x, *a, **kw: x.softmax(*a, **kw), softmax_special,
           grad=False),
    OpInfo("log_softmax", lambda lib, x, *a, **kw: lib.log_softmax(x, *a, **kw),
           softmax_samples, dtypes=FLOATS + INTS + HALFS, errors=softmax_errors),
    OpInfo("log_softmax.special", lambda lib, x, *a, **kw: x.log_softmax(*a, **kw),
           softmax_special, grad=False),
    OpInfo("softmin", lambda lib, x, *a, **kw: _softmin(lib)(x, *a, **kw), softmax_samples,
           dtypes=FLOATS + HALFS, errors=lambda rng: softmax_errors(rng)[:1]),
    OpInfo("diff", lambda lib, x, *a, **kw: lib.diff(x, *a, **kw), diff_samples,
           dtypes=FLOATS + ALL_INT, errors=diff_errors),
]
