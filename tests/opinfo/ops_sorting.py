"""Op-table records for sorting and searching (src/ember/_ops/sorting.py).

Records named `<op>.special` hold ties and NaN: values are compared with torch, gradients
in tests/ops/test_sorting.py. torch's topk and kthvalue pick among ties in an order of
their own, so their tie samples compare values only (see test_sorting.py).
"""
import numpy as np

from opinfo.core import FLOATS, INTS, ErrorSample, OpInfo, Sample, index, np_dtype
from opinfo.core import randn as _randn

ALL_INT = INTS + ("uint8", "bool")
NAN, INF = float("nan"), float("inf")


def randn(rng, shape, dtype, low=-2.0, high=2.0):
    return np.asarray(_randn(rng, shape, dtype, low, high))


def arr(values, dtype):
    return np.asarray(values, dtype=np.float64).astype(np_dtype(dtype))


def _picked(lib, name, x, *args, **kwargs):
    """(values, input gathered at indices) of topk/kthvalue: torch orders equal elements in
    a way of its own, so the indices are checked through the values they point at (without
    ties this is as strict as comparing indices)."""
    values, indices = getattr(lib, name)(x, *args, **kwargs)
    if x.ndim == 0:
        return values, x
    dim = kwargs.get("dim", args[1] if len(args) > 1 else -1)
    keep = name == "topk" or kwargs.get("keepdim", args[2] if len(args) > 2 else False)
    picked = x.gather(dim, indices if keep else indices.unsqueeze(dim))
    return values, picked if keep else picked.squeeze(dim)


def sort_samples(rng, dt):
    x3 = randn(rng, (2, 3, 4), dt)
    return [Sample((randn(rng, (5,), dt),), name="1-d"), Sample((x3,), name="last dim"),
            Sample((x3, 0), name="dim 0"), Sample((x3, 1, True), name="descending"),
            Sample((x3,), {"dim": -2, "descending": True, "stable": True}, name="stable desc"),
            Sample((x3,), {"stable": False}, name="stable given"),
            Sample((randn(rng, (), dt),), name="0-d"),
            Sample((randn(rng, (0, 3), dt), 0), name="empty")]


def tie_samples(rng, dt):
    ties = arr([[3, 1, 2, 1, 3, 0], [2, 2, 2, 2, 2, 2], [1, 0, 1, 0, 1, 0]], dt)
    out = [Sample((ties,), name="ties"), Sample((ties, 1, True), name="ties descending"),
           Sample((ties, 0), name="ties dim 0")]
    if dt in FLOATS:
        nans = arr([[3, NAN, 1, -INF, NAN, INF, 1]], dt)
        out += [Sample((nans,), name="nan"), Sample((nans, -1, True), name="nan descending")]
    return out


def dim_errors(rng):
    x = randn(rng, (3, 4), "float32")
    return [ErrorSample((x, 2), name="dim out of range"),
            ErrorSample((randn(rng, (), "float32"), 1), name="0-d dim out of range")]


def sort_errors(rng):
    return dim_errors(rng) + [ErrorSample((randn(rng, (3, 4), "float32"), True),
                                          name="bool dim")]


def topk_samples(rng, dt):
    x3 = randn(rng, (2, 3, 5), dt)
    return [Sample((randn(rng, (6,), dt), 2), name="1-d"), Sample((x3, 3), name="last dim"),
            Sample((x3, 2, 1), name="dim 1"), Sample((x3, 2, -1, False), name="smallest"),
            Sample((x3, 5), {"largest": False}, name="k=n smallest"),
            Sample((x3, 0), name="k=0"), Sample((x3, 1, 0), {"sorted": True}, name="dim 0"),
            Sample((randn(rng, (), dt), 1), name="0-d")]


def topk_special(rng, dt):
    x = arr([[3, NAN, 1, -INF, 5, INF, 1, 0]], dt)
    return [Sample((x, 3), name="nan"), Sample((x, 3, -1, False), name="nan smallest")]


def topk_errors(rng):
    x = randn(rng, (3, 4), "float32")
    return [ErrorSample((x, 5), name="k > n"), ErrorSample((x, -1), name="negative k"),
            ErrorSample((x, 2, 2), name="dim out of range"),
            ErrorSample((randn(rng, (), "float32"), 2), name="0-d k=2")]


def kthvalue_samples(rng, dt):
    x3 = randn(rng, (2, 3, 5), dt)
    return [Sample((randn(rng, (6,), dt), 2), name="1-d"), Sample((x3, 3), name="last dim"),
            Sample((x3, 1, 1), name="dim 1"), Sample((x3, 2, 0, True), name="keepdim"),
            Sample((x3, 5), name="k=n"), Sample((randn(rng, (), dt), 1), name="0-d")]


def kthvalue_special(rng, dt):
    x = arr([[3, NAN, 1, -INF, 5, INF, NAN, 0]], dt)
    return [Sample((x, k), name=f"nan k={k}") for k in (1, 4, 6, 7, 8)]


def kthvalue_errors(rng):
    x = randn(rng, (3, 4), "float32")
    return [ErrorSample((x, 5), name="k > n"), ErrorSample((x, 0), name="k = 0"),
            ErrorSample((x, 2, 2), name="dim out of range")]


def unique_samples(rng, dt):
    x = rng.integers(0, 4, (3, 5)).astype(np_dtype(dt))
    rows = np.asarray([[1, 2], [0, 1], [1, 2], [0, 0]]).astype(np_dtype(dt))
    out = [Sample((x,), name="plain"), Sample((x,), {"return_inverse": True}, name="inverse"),
           Sample((x,), {"return_counts": True, "sorted": False}, name="counts"),
           Sample((x, True, True, True), name="both"),
           Sample((rows,), {"dim": 0, "return_inverse": True, "return_counts": True},
                  name="dim 0"),
           Sample((rows,), {"dim": 1, "return_counts": True}, name="dim 1"),
           Sample((np.asarray(x[0, 0]),), name="0-d"),
           Sample((x[:0],), {"return_counts": True}, name="empty")]
    if dt in FLOATS:
        out.append(Sample((arr([1, NAN, 0, NAN, 1], dt),), {"return_counts": True},
                          name="nan"))
    return out


def unique_errors(rng):
    return [ErrorSample((randn(rng, (3, 4), "float32"),), {"dim": 2}, name="dim out of range"),
            ErrorSample((np.ones((4, 0), np.float32),), {"dim": 0}, name="other dim empty")]


def unique_consecutive_samples(rng, dt):
    x = arr([1, 1, 2, 2, 3, 1, 1, 0], dt)
    rows = np.asarray([[1, 2], [1, 2], [0, 1], [1, 2]]).astype(np_dtype(dt))
    return [Sample((x,), name="plain"), Sample((x, True, True), name="both"),
            Sample((x.reshape(2, 4),), {"return_inverse": True}, name="2-d flat"),
            Sample((rows,), {"dim": 0, "return_inverse": True, "return_counts": True},
                   name="dim 0"),
            Sample((rows,), {"dim": 1, "return_counts": True}, name="dim 1"),
            Sample((rows[:0],), {"dim": 0, "return_counts": True}, name="empty dim"),
            Sample((x[:0],), {"return_counts": True}, name="empty")]


def searchsorted_samples(rng, dt):
    seq = np.sort(randn(rng, (6,), dt, -3, 3))
    vals = randn(rng, (2, 4), dt, -4, 4)
    vals[0, :2] = seq[1], seq[4]
    batch = np.sort(randn(rng, (2, 3, 5), dt), axis=-1)
    unsorted = randn(rng, (6,), dt)
    return [Sample((seq, vals), name="1-d seq"), Sample((seq, vals), {"right": True},
                                                        name="right"),
            Sample((seq, vals), {"side": "right"}, name="side right"),
            Sample((seq, vals), {"side": "left", "right": False}, name="side left"),
            Sample((seq, vals), {"out_int32": True}, name="int32"),
            Sample((batch, randn(rng, (2, 3, 4), dt)), name="batched"),
            Sample((batch, batch[..., :2].copy()), {"right": True}, name="batched right ties"),
            Sample((unsorted, vals), {"sorter": index(np.argsort(unsorted, kind="stable"))},
                   name="sorter"),
            Sample((seq, randn(rng, (), dt)), name="0-d value")]


def searchsorted_errors(rng):
    seq, vals = np.sort(randn(rng, (5,), "float32")), randn(rng, (3,), "float32")
    return [ErrorSample((seq, vals), {"side": "middle"}, name="bad side"),
            ErrorSample((seq, vals), {"side": "left", "right": True}, name="opposite"),
            ErrorSample((np.sort(randn(rng, (2, 5), "float32")), vals), name="batch mismatch"),
            ErrorSample((seq, vals), {"sorter": index([0, 1])}, name="sorter size")]


def bucketize_samples(rng, dt):
    bounds = np.sort(randn(rng, (5,), dt, -3, 3))
    x = randn(rng, (3, 4), dt, -4, 4)
    x[0, :2] = bounds[0], bounds[3]
    return [Sample((x, bounds), name="2-d"), Sample((x, bounds), {"right": True}, name="right"),
            Sample((x, bounds), {"out_int32": True}, name="int32"),
            Sample((randn(rng, (), dt), bounds), name="0-d")]


def isin_samples(rng, dt):
    x = rng.integers(0, 6, (3, 4)).astype(np_dtype(dt))
    test = rng.integers(0, 6, (4,)).astype(np_dtype(dt))
    out = [Sample((x, test), name="plain"), Sample((x, test), {"invert": True}, name="invert"),
           Sample((x, test.reshape(2, 2)), name="2-d test"),
           Sample((x, np.unique(test)), {"assume_unique": True}, name="assume unique"),
           Sample((np.asarray(x[0, 0]), test), name="0-d")]
    if dt in FLOATS:
        out.append(Sample((arr([1, NAN, 2], dt), arr([NAN, 2], dt)), name="nan"))
    return out


OPS = [
    OpInfo("sort", lambda lib, x, *a, **kw: lib.sort(x, *a, **kw), sort_samples,
           dtypes=FLOATS + ALL_INT, errors=sort_errors),
    OpInfo("sort.special", lambda lib, x, *a, **kw: x.sort(*a, **kw), tie_samples,
           dtypes=FLOATS + ALL_INT, grad=False),
    OpInfo("argsort", lambda lib, x, *a, **kw: lib.argsort(x, *a, **kw),
           lambda rng, dt: sort_samples(rng, dt) + tie_samples(rng, dt),
           dtypes=FLOATS + ALL_INT, grad=False, errors=dim_errors),
    OpInfo("msort", lambda lib, x: lib.msort(x),
           lambda rng, dt: [Sample((randn(rng, (4, 3), dt),)), Sample((randn(rng, (5,), dt),))],
           dtypes=FLOATS + INTS),
    OpInfo("topk", lambda lib, x, *a, **kw: _picked(lib, "topk", x, *a, **kw), topk_samples,
           dtypes=FLOATS + INTS + ("uint8",), errors=topk_errors),
    OpInfo("topk.special", lambda lib, x, *a, **kw: _picked(lib, "topk", x, *a, **kw),
           topk_special,
           grad=False),
    OpInfo("kthvalue", lambda lib, x, *a, **kw: _picked(lib, "kthvalue", x, *a, **kw),
           kthvalue_samples,
           dtypes=FLOATS + INTS + ("uint8",), errors=kthvalue_errors),
    OpInfo("kthvalue.special", lambda lib, x, *a, **kw: _picked(lib, "kthvalue", x, *a, **kw),
           kthvalue_special, grad=False),
    OpInfo("unique", lambda lib, x, *a, **kw: lib.unique(x, *a, **kw), unique_samples,
           dtypes=FLOATS + ALL_INT, grad=False, errors=unique_errors),
    OpInfo("unique_consecutive", lambda lib, x, *a, **kw: x.unique_consecutive(*a, **kw),
           unique_consecutive_samples, dtypes=FLOATS + ALL_INT, grad=False,
           errors=unique_errors),
    OpInfo("searchsorted", lambda lib, s, v, **kw: lib.searchsorted(s, v, **kw),
           searchsorted_samples, dtypes=FLOATS + INTS, grad=False,
           errors=searchsorted_errors),
    OpInfo("bucketize", lambda lib, x, b, **kw: lib.bucketize(x, b, **kw), bucketize_samples,
           dtypes=FLOATS + INTS, grad=False,
           errors=lambda rng: [ErrorSample((randn(rng, (3,), "float32"),
                                            np.sort(randn(rng, (2, 3), "float32"))))]),
    OpInfo("isin", lambda lib, x, t, **kw: lib.isin(x, t, **kw), isin_samples,
           dtypes=FLOATS + INTS + ("uint8",), grad=False),
]
