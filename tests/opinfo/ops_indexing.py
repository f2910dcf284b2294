"""Op-table records for indexing ops (src/ember/_ops/indexing.py): t[key], t[key] = v,
gather/scatter, index_*, masked_*, take, put_, nonzero."""
import numpy as np

from opinfo.core import E, S, randn, FLOATS, INTS, Index, OpInfo, index

ALL = FLOATS + INTS + ("bool",)
F32 = "float32"


def ints(rng, high, shape):
    return index(rng.integers(0, high, size=shape))


def perm(rng, n, k):
    """k distinct indices below n (scatter/index_copy are only deterministic without repeats)."""
    return index(rng.permutation(n)[:k])


def mask(rng, shape):
    return index(rng.random(shape) < 0.5, np.bool_)


def _key(lib, k):
    """A sample key with its Index arrays turned into lib tensors (inside tuples and lists)."""
    if isinstance(k, Index):
        return lib.from_numpy(np.asarray(k).copy())
    if isinstance(k, tuple):
        return tuple(_key(lib, v) for v in k)
    if isinstance(k, list):
        return [_key(lib, v) for v in k]
    return k


def _get(lib, a, key):
    return a[_key(lib, key)]


def _set(lib, a, key, v):
    b = a.clone()
    b[_key(lib, key)] = v
    return b


def _r(rng, shape, dt):
    return randn(rng, shape, dt)


def getitem_samples(rng, dt):
    a = lambda: randn(rng, (4, 5), dt)  # noqa: E731
    b = lambda: randn(rng, (2, 3, 4), dt)  # noqa: E731
    keys = [1, -1, (1, 2), (-1, -2), slice(1, 3), slice(None, None, 2), slice(None),
            (slice(None), 1), None, (slice(None), None), (None, Ellipsis, None), Ellipsis,
            (Ellipsis, 1), (1, Ellipsis), (), (slice(None), slice(None)), slice(10, None),
            slice(3, 1), slice(-10, 2), (slice(1, 3), slice(None, None, 3)),
            mask(rng, (4, 5)), mask(rng, (4,)), (slice(None), mask(rng, (5,))), True, False,
            (slice(1, 3), True), [0, 2], [0, 2, 0], [-1], index([0, 2]), index([[0, 1], [2, 3]]),
            index(1), index(-2), (index(1), index(2)), (slice(1, None), [0, 2]), (0, [1, 2]),
            (Ellipsis, [0, 1]), ([0, 2], slice(None)), (Ellipsis, Ellipsis),
            (0, Ellipsis, Ellipsis), (Ellipsis, 1, Ellipsis), (None, Ellipsis, None, Ellipsis),
            (index([[0], [1]]), [1, 2]), [],
            index([], np.int64), ([0, 1], None), (None, [0, 1], 1), ([True, False, True, True],),
            [[0, 1], [1, 2]], [0, slice(1, 3)], (index(1), [0, 1]),
            index([True, False, True, False], np.bool_), (index(True, np.bool_), 1),
            index([1, 0], np.int32)]
    out = [S(a(), k, name=repr(k)) for k in keys]
    keys3 = [(0, slice(None), [0, 1]), ([0, 1], slice(None), [1, 3]), (slice(None), 0, [0, 1]),
             ([1, 0], slice(None), None), (mask(rng, (2, 3)), slice(1, 3)),
             (Ellipsis, [0, 3], None), (1, mask(rng, (3, 4))), (slice(None), [[0], [2]], [1, 3])]
    out += [S(b(), k, name=repr(k)) for k in keys3]
    out += [S(randn(rng, (), dt), k, name=repr(k)) for k in [(), Ellipsis, None, True, False]]
    return out


def getitem_errors(rng):
    a = lambda: randn(rng, (4, 5), F32)  # noqa: E731
    keys = [10, -5, (slice(None), 10), [10], index([10]), index([-6]), mask(rng, (2, 5)),
            (0, 0, 0), 1.5, slice(None, None, -1), slice(None, None, 0), index([1.0], np.float32),
            ([0, 1], [1, 2, 3]), index(5), (Ellipsis, Ellipsis, 0), (slice(None), [5]), "a"]
    return [E(a(), k) for k in keys] + [E(randn(rng, (), F32), 0)]


def setitem_samples(rng, dt):
    a = lambda: randn(rng, (4, 5), dt)  # noqa: E731
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    pairs = [(0, 2.5), (0, 1), (0, r(5)), (slice(1, 3), r(1, 5)), (slice(1, 3), r(2, 5)),
             ((slice(None), 1), r(4)), (Ellipsis, r(5)), (slice(None), r(4, 5)),
             ((slice(None), slice(None)), r(5)), (mask(rng, (4, 5)), 0.0),
             (mask(rng, (4, 5)), r()), (mask(rng, (4,)), r(5)), ([0, 2], r(5)),
             ([0, 2], r(2, 5)), ((index([0, 1]), index([1, 2])), r(2)),
             ((slice(1, None), [0, 2]), r()), ((0, [0, 2]), r(2)), ((0, 1), r()), (None, 3),
             ((), r(4, 5)), (True, 1), (False, 1), (0, r(1, 1, 5)), ([0, 2], r(1, 1, 5)),
             ((1, 2), r(1, 1)), (index(2), r(5)), (slice(10, None), 1.0), (1, np.int64(3))]
    out = [S(a(), k, v, name=repr(k)) for k, v in pairs]
    out.append(S(a(), 0, randn(rng, (5,), "float64" if dt != "float64" else "int64"),
                 name="cast on basic key"))
    out.append(S(randn(rng, (2, 3, 4), dt), (0, slice(None), [0, 1]), r(3, 2), name="3-d"))
    out.append(S(randn(rng, (), dt), (), r(), name="0-d"))
    return out


def setitem_errors(rng):
    a = lambda: randn(rng, (4, 5), F32)  # noqa: E731
    r = lambda *s: randn(rng, s, F32)  # noqa: E731
    pairs = [(10, 1.0), ([10], 1.0), ((0, 0, 0), 1.0), (0, r(3)), ([0, 1], r(3)),
             (mask(rng, (4, 5)), r(30)), (mask(rng, (2,)), 1.0), (slice(None, None, -1), 1.0),
             ([0, 1], randn(rng, (5,), "float64")), (1.5, 1.0)]
    return [E(a(), k, v) for k, v in pairs] + [E(randn(rng, (), F32), 0, 1.0)]


# --- index_select / gather / scatter ------------------------------------------------------------

def index_select_samples(rng, dt):
    return [S(_r(rng, (4, 5), dt), 0, index([0, 2, 0])), S(_r(rng, (4, 5), dt), 1, index([4])),
            S(_r(rng, (4, 5), dt), -1, index([], np.int64)),
            S(_r(rng, (4, 5), dt), 1, index([3, 1], np.int32)),
            S(_r(rng, (4, 5), dt), 0, index(2), name="0-d index"),
            S(_r(rng, (), dt), 0, index([0])), S(_r(rng, (3,), dt), 0, index([2, 1]))]


def index_select_errors(rng):
    x = _r(rng, (4, 5), F32)
    return [E(x, 0, index([[0, 1]])), E(x, 0, index([4])), E(x, 2, index([0])),
            E(x, 0, index([0.0], np.float32)), E(x, 0, index([-1])),
            E(_r(rng, (), F32), 0, index([0, 0]))]


def gather_samples(rng, dt):
    return [S(_r(rng, (3, 4), dt), 1, ints(rng, 4, (3, 2))),
            S(_r(rng, (3, 4), dt), 0, ints(rng, 3, (5, 4))),
            S(_r(rng, (3, 4), dt), -1, ints(rng, 4, (2, 2)), name="smaller index"),
            S(_r(rng, (2, 3, 4), dt), 1, ints(rng, 3, (2, 2, 4))),
            S(_r(rng, (), dt), 0, index(0)), S(_r(rng, (3, 4), dt), 1, index(np.zeros((3, 0))))]


def gather_errors(rng):
    x = _r(rng, (3, 4), F32)
    return [E(x, 1, index([[4]])), E(x, 1, index([0, 1])), E(x, 1, index([[0]], np.float32)),
            E(x, 1, index(np.zeros((4, 1)))), E(x, 2, index([[0]])), E(x, 1, index([[-1]]))]


def scatter_samples(rng, dt):
    return [S(_r(rng, (3, 4), dt), 1, index([[0, 2], [1, 3], [3, 0]]), _r(rng, (3, 2), dt)),
            S(_r(rng, (3, 4), dt), 1, index([[1], [0], [3]]), 2.0, name="value"),
            S(_r(rng, (3, 4), dt), 1, index([[1], [0], [3]]), value=3, name="value kw"),
            S(_r(rng, (3, 4), dt), 1, index([[1], [0], [3]], np.int32), 2.0, name="int32"),
            S(_r(rng, (), dt), 0, index(0), _r(rng, (), dt), name="0-d")]


def scatter_larger_src(rng, dt):
    """src bigger than index (only its leading block is read); torch's own backward rejects
    this case, so values only."""
    return [S(_r(rng, (3, 4), dt), 0, index([[2, 0, 1, 2]]), _r(rng, (2, 5), dt)),
            S(_r(rng, (3, 4), dt), 1, ints(rng, 4, (2, 2)), _r(rng, (3, 3), dt), reduce="add")]


def scatter_errors(rng):
    x = _r(rng, (3, 4), F32)
    return [E(x, 1, index([[4]]), _r(rng, (1, 1), F32)),
            E(x, 1, index([[0]]), _r(rng, (1, 1), "float64")),
            E(x, 1, index([0]), _r(rng, (1,), F32)),
            E(x, 1, index([[0, 1]]), _r(rng, (1, 1), F32)),
            E(x, 1, index([[0]]), _r(rng, (1, 1), F32), reduce="max"),
            E(x, 1, index([[0]]), _r(rng, (), F32)), E(x, 1, index([[0]]), 1.0, reduce="mean")]


def scatter_reduce_samples(rng, dt):
    out = []
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            out.append(S(_r(rng, (3, 4), dt), 1, ints(rng, 4, (3, 3)), _r(rng, (3, 3), dt),
                         reduce, include_self=include_self, name=f"{reduce} {include_self}"))
    out.append(S(_r(rng, (4,), dt), 0, index([0, 0, 2]), _r(rng, (3,), dt), "sum"))
    return out


def _scatter_red_legacy(rng, dt):
    return [S(_r(rng, (3, 4), dt), 1, ints(rng, 4, (3, 3)), _r(rng, (3, 3), dt), reduce=r)
            for r in ("add", "multiply")] + \
        [S(_r(rng, (3, 4), dt), 1, ints(rng, 4, (3, 3)), 2.0, reduce=r)
         for r in ("add", "multiply")]


# --- index_add / copy / fill / put ---------------------------------------------------------------

def index_add_samples(rng, dt):
    return [S(_r(rng, (4, 3), dt), 0, index([0, 2, 0]), _r(rng, (3, 3), dt)),
            S(_r(rng, (4, 3), dt), 1, index([2]), _r(rng, (4, 1), dt), alpha=2),
            S(_r(rng, (4,), dt), 0, index([1, 1, 1]), _r(rng, (3,), dt)),
            S(_r(rng, (), dt), 0, index([0]), _r(rng, (), dt))]


def index_copy_samples(rng, dt):
    return [S(_r(rng, (4, 3), dt), 0, perm(rng, 4, 2), _r(rng, (2, 3), dt)),
            S(_r(rng, (4, 3), dt), -1, perm(rng, 3, 3), _r(rng, (4, 3), dt)),
            S(_r(rng, (4,), dt), 0, index([3]), _r(rng, (1,), dt))]


def index_fill_samples(rng, dt):
    return [S(_r(rng, (4, 3), dt), 0, index([0, 2]), 1.5),
            S(_r(rng, (4, 3), dt), 1, index([2, 2]), -1),
            S(_r(rng, (4, 3), dt), 0, index([1]), _r(rng, (), dt), name="0-d tensor value"),
            S(_r(rng, (4,), dt), 0, index([-1]), 0)]


def index_put_samples(rng, dt):
    return [S(_r(rng, (4, 3), dt), (perm(rng, 4, 2),), _r(rng, (2, 3), dt)),
            S(_r(rng, (4, 3), dt), (perm(rng, 4, 2), index([0, 2])), _r(rng, (2,), dt)),
            S(_r(rng, (4, 3), dt), (mask(rng, (4, 3)),), _r(rng, (), dt)),
            S(_r(rng, (4, 3), dt), (index([0, 0, 1]),), _r(rng, (3, 3), dt), True,
              name="accumulate"),
            S(_r(rng, (4, 3), dt), (index([1, 1]), index([2, 2])), _r(rng, (), dt),
              accumulate=True, name="accumulate broadcast"),
            S(_r(rng, (4, 3), dt), (perm(rng, 4, 2),), _r(rng, (3,), dt), name="broadcast")]


def index_put_errors(rng):
    x = _r(rng, (4, 3), F32)
    return [E(x, (index([4]),), _r(rng, (), F32)), E(x, (index([0]),), _r(rng, (), "float64")),
            E(x, (index([0, 1]),), _r(rng, (3, 3), F32)),
            E(x, (index([0]), index([0]), index([0])), _r(rng, (), F32))]


# --- masked ops, take, put, nonzero ---------------------------------------------------------------

def masked_fill_samples(rng, dt):
    return [S(_r(rng, (3, 4), dt), mask(rng, (3, 4)), 2.5),
            S(_r(rng, (3, 4), dt), mask(rng, (4,)), -1, name="broadcast mask"),
            S(_r(rng, (3, 4), dt), mask(rng, (3, 4)), _r(rng, (), dt), name="0-d tensor"),
            S(_r(rng, (), dt), mask(rng, ()), 1), S(_r(rng, (3, 4), dt), mask(rng, (3, 4)), True)]


def masked_fill_errors(rng):
    x = _r(rng, (3, 4), F32)
    return [E(x, mask(rng, (2, 4)), 1.0),
            E(x, ints(rng, 2, (3, 4)), 1.0), E(x, mask(rng, (3, 4)), _r(rng, (2,), F32))]


def masked_scatter_samples(rng, dt):
    return [S(_r(rng, (3, 4), dt), mask(rng, (3, 4)), _r(rng, (3, 4), dt)),
            S(_r(rng, (3, 4), dt), mask(rng, (4,)), _r(rng, (20,), dt), name="broadcast"),
            S(_r(rng, (3, 4), dt), index(np.zeros((3, 4)), np.bool_), _r(rng, (2,), dt))]


def masked_select_samples(rng, dt):
    return [S(_r(rng, (3, 4), dt), mask(rng, (3, 4))),
            S(_r(rng, (3, 4), dt), mask(rng, (4,)), name="broadcast mask"),
            S(_r(rng, (4,), dt), mask(rng, (3, 4)), name="broadcast input"),
            S(_r(rng, (), dt), mask(rng, ()))]


def take_samples(rng, dt):
    return [S(_r(rng, (3, 4), dt), index([[0, 11], [5, 5]])),
            S(_r(rng, (3, 4), dt), index([-1, 0])), S(_r(rng, (), dt), index([0, 0])),
            S(_r(rng, (3, 4), dt), index([], np.int64))]


def take_along_dim_samples(rng, dt):
    return [S(_r(rng, (3, 4), dt), ints(rng, 4, (3, 2)), 1),
            S(_r(rng, (3, 4), dt), ints(rng, 3, (2, 4)), dim=0),
            S(_r(rng, (3, 4), dt), ints(rng, 12, (5,)), name="flattened"),
            S(_r(rng, (3, 4), dt), ints(rng, 4, (1, 2)), 1, name="broadcast"),
            S(_r(rng, (3, 1), dt), ints(rng, 1, (3, 4)), -1, name="broadcast input")]


def put_samples(rng, dt):
    return [S(_r(rng, (3, 4), dt), perm(rng, 12, 3), _r(rng, (3,), dt)),
            S(_r(rng, (3, 4), dt), index([[0, 0], [5, 11]]), _r(rng, (2, 2), dt), True),
            S(_r(rng, (3, 4), dt), index([-1]), _r(rng, (1,), dt))]


def _put(lib, a, idx, src, accumulate=False):
    return (a * 1).put_(idx, src, accumulate)


def nonzero_samples(rng, dt):
    return [S(_r(rng, (3, 4), dt) * (rng.random((3, 4)) < 0.5)),
            S(_r(rng, (5,), dt)), S(_r(rng, (), dt)), S(np.zeros((2, 3), dt)),
            S(np.zeros((), dt)), S(_r(rng, (2, 3), dt), as_tuple=True),
            S(_r(rng, (), dt), as_tuple=True), S(_r(rng, (0, 2), dt), as_tuple=True)]


OPS = [
    OpInfo("getitem", _get, getitem_samples, dtypes=ALL, errors=getitem_errors,
           covers=("__getitem__",)),
    OpInfo("setitem", _set, setitem_samples, dtypes=ALL, errors=setitem_errors,
           covers=("__setitem__",)),
    OpInfo("index_select", lambda lib, a, d, i: lib.index_select(a, d, i), index_select_samples,
           dtypes=ALL, errors=index_select_errors),
    OpInfo("gather", lambda lib, a, d, i: lib.gather(a, d, i), gather_samples, dtypes=ALL,
           errors=gather_errors),
    OpInfo("scatter", lambda lib, a, d, i, *args, **kw: lib.scatter(a, d, i, *args, **kw),
           scatter_samples, dtypes=FLOATS + INTS, errors=scatter_errors),
    OpInfo("scatter_", lambda lib, a, d, i, *args, **kw: (a * 1).scatter_(d, i, *args, **kw),
           scatter_samples),
    OpInfo("scatter_larger_src", lambda lib, a, d, i, s, **kw: lib.scatter(a, d, i, s, **kw),
           scatter_larger_src, dtypes=FLOATS + INTS, grad=False),
    OpInfo("scatter_reduce_legacy", lambda lib, a, d, i, s, **kw: a.scatter(d, i, s, **kw),
           _scatter_red_legacy, dtypes=FLOATS + INTS, grad=False),
    OpInfo("scatter_add", lambda lib, a, d, i, s: lib.scatter_add(a, d, i, s),
           lambda rng, dt: [S(_r(rng, (3, 4), dt), 1, ints(rng, 4, (3, 3)), _r(rng, (3, 3), dt)),
                            S(_r(rng, (3, 4), dt), 0, ints(rng, 3, (2, 2)), _r(rng, (2, 2), dt)),
                            S(_r(rng, (), dt), 0, index(0), _r(rng, (), dt))],
           dtypes=FLOATS + INTS,
           errors=lambda rng: [E(_r(rng, (3, 4), F32), 1, index([[4]]), _r(rng, (1, 1), F32)),
                               E(_r(rng, (3, 4), F32), 1, index([[0, 1]]),
                                 _r(rng, (1, 1), F32))]),
    OpInfo("scatter_add_", lambda lib, a, d, i, s: (a * 1).scatter_add_(d, i, s),
           lambda rng, dt: [S(_r(rng, (3, 4), dt), 1, ints(rng, 4, (3, 3)), _r(rng, (3, 3), dt))]),
    OpInfo("scatter_reduce",
           lambda lib, a, d, i, s, r, **kw: lib.scatter_reduce(a, d, i, s, r, **kw),
           scatter_reduce_samples, dtypes=FLOATS + INTS,
           errors=lambda rng: [E(_r(rng, (3, 4), F32), 1, index([[0]]), _r(rng, (1, 1), F32),
                                 "maximum"),
                               E(_r(rng, (3, 4), F32), 1, index([[5]]), _r(rng, (1, 1), F32),
                                 "sum")]),
    OpInfo("scatter_reduce_",
           lambda lib, a, d, i, s, r, **kw: (a * 1).scatter_reduce_(d, i, s, r, **kw),
           lambda rng, dt: scatter_reduce_samples(rng, dt)[:4]),
    OpInfo("index_add", lambda lib, a, d, i, s, **kw: lib.index_add(a, d, i, s, **kw),
           index_add_samples, dtypes=FLOATS + INTS,
           errors=lambda rng: [E(_r(rng, (4, 3), F32), 0, index([4]), _r(rng, (1, 3), F32)),
                               E(_r(rng, (4, 3), F32), 0, index([0]), _r(rng, (2, 3), F32)),
                               E(_r(rng, (4, 3), F32), 0, index([0]), _r(rng, (1, 2), F32))]),
    OpInfo("index_add_", lambda lib, a, d, i, s, **kw: (a * 1).index_add_(d, i, s, **kw),
           index_add_samples),
    OpInfo("index_copy", lambda lib, a, d, i, s: lib.index_copy(a, d, i, s), index_copy_samples,
           dtypes=ALL,
           errors=lambda rng: [E(_r(rng, (4, 3), F32), 0, index([4]), _r(rng, (1, 3), F32)),
                               E(_r(rng, (4, 3), F32), 0, index([0]), _r(rng, (2, 3), F32))]),
    OpInfo("index_copy_", lambda lib, a, d, i, s: (a * 1).index_copy_(d, i, s),
           index_copy_samples),
    OpInfo("index_fill", lambda lib, a, d, i, v: lib.index_fill(a, d, i, v), index_fill_samples,
           dtypes=ALL,
           errors=lambda rng: [E(_r(rng, (4, 3), F32), 0, index([4]), 1.0),
                               E(_r(rng, (4, 3), F32), 0, index([0]), _r(rng, (2,), F32))]),
    OpInfo("index_fill_", lambda lib, a, d, i, v: (a * 1).index_fill_(d, i, v),
           index_fill_samples),
    OpInfo("index_put", lambda lib, a, idx, v, *args, **kw: lib.index_put(a, idx, v, *args, **kw),
           index_put_samples, dtypes=ALL, errors=index_put_errors),
    OpInfo("index_put_",
           lambda lib, a, idx, v, *args, **kw: (a * 1).index_put_(idx, v, *args, **kw),
           index_put_samples, dtypes=FLOATS + INTS),
    OpInfo("masked_fill", lambda lib, a, m, v: lib.masked_fill(a, m, v), masked_fill_samples,
           dtypes=ALL, errors=masked_fill_errors),
    OpInfo("masked_fill_", lambda lib, a, m, v: (a * 1).masked_fill_(m, v),
           lambda rng, dt: masked_fill_samples(rng, dt)[:3],
           errors=lambda rng: [E(_r(rng, (4,), F32), mask(rng, (3, 4)), 1.0)]),
    OpInfo("masked_scatter", lambda lib, a, m, s: lib.masked_scatter(a, m, s),
           masked_scatter_samples, dtypes=ALL,
           errors=lambda rng: [E(_r(rng, (3, 4), F32), index(np.ones((3, 4)), np.bool_),
                                 _r(rng, (5,), F32)),
                               E(_r(rng, (3, 4), F32), mask(rng, (3, 4)),
                                 _r(rng, (12,), "float64"))]),
    OpInfo("masked_scatter_", lambda lib, a, m, s: (a * 1).masked_scatter_(m, s),
           masked_scatter_samples),
    OpInfo("masked_select", lambda lib, a, m: lib.masked_select(a, m), masked_select_samples,
           dtypes=ALL, errors=lambda rng: [E(_r(rng, (3, 4), F32), mask(rng, (2, 4))),
                                           E(_r(rng, (3, 4), F32), ints(rng, 2, (3, 4)))]),
    OpInfo("take", lambda lib, a, i: lib.take(a, i), take_samples, dtypes=ALL,
           errors=lambda rng: [E(_r(rng, (3, 4), F32), index([12])),
                               E(_r(rng, (3, 4), F32), index([-13])),
                               E(_r(rng, (3, 4), F32), index([0], np.int32))]),
    OpInfo("take_along_dim", lambda lib, a, i, *args, **kw: lib.take_along_dim(a, i, *args, **kw),
           take_along_dim_samples, dtypes=ALL,
           errors=lambda rng: [E(_r(rng, (3, 4), F32), index([0]), 1),
                               E(_r(rng, (3, 4), F32), index([[0]]), 2)]),
    OpInfo("put_", _put, put_samples, dtypes=FLOATS + INTS,
           errors=lambda rng: [E(_r(rng, (3, 4), F32), index([12]), _r(rng, (1,), F32)),
                               E(_r(rng, (3, 4), F32), index([0, 1]), _r(rng, (1,), F32)),
                               E(_r(rng, (3, 4), F32), index([0]), _r(rng, (1,), "float64"))]),
    OpInfo("put", lambda lib, a, i, s, accumulate=False: lib.put(a, i, s, accumulate),
           put_samples, dtypes=FLOATS + INTS),
    OpInfo("nonzero", lambda lib, a, **kw: lib.nonzero(a, **kw), nonzero_samples, dtypes=ALL,
           grad=False),
    OpInfo("argwhere", lambda lib, a: lib.argwhere(a),
           lambda rng, dt: [s for s in nonzero_samples(rng, dt) if not s.kwargs],
           dtypes=ALL, grad=False),
    OpInfo("where_cond", lambda lib, a: lib.where(a),
           lambda rng, dt: [s for s in nonzero_samples(rng, dt) if not s.kwargs],
           dtypes=ALL, grad=False),
]
