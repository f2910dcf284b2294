"""Op-table records for tensor factories and random sampling (src/ember/_ops/creation.py,
ranges.py, random_ops.py).

Factories take shapes and Python values rather than tensors, so most samples carry plain
arguments and the record's dtype (as "dtype:NAME", turned into lib.NAME by core.to_lib).
Random records (random=True) compare shapes and dtypes only; their values, statistics and
seeding are tested in tests/test_random.py, and the inference rules of tensor() in
tests/test_creation.py.
"""
import numpy as np

from opinfo import core
from opinfo.core import FLOATS, HALFS, INTS, ErrorSample, OpInfo, Sample

ALL = FLOATS + HALFS + INTS + ("uint8", "bool", "complex64")
REALS = FLOATS + INTS
F32 = "float32"


def randn(rng, shape, dtype, **kwargs):
    """core.randn, always an array (a 0-d bool sample would otherwise be a NumPy scalar)."""
    return np.asarray(core.randn(rng, shape, dtype, **kwargs))


def S(*args, name="", **kwargs):
    return Sample(args, kwargs, name)


def E(*args, **kwargs):
    return ErrorSample(args, kwargs)


def dt(name):
    return f"dtype:{name}"


def _errors(*samples):
    return lambda rng: list(samples)


# --- samples ---------------------------------------------------------------------------------

def _shape_samples(rng, d):
    return [S((2, 3), dtype=dt(d)), S((0, 4), dtype=dt(d)), S((), dtype=dt(d)),
            S((1, 2, 3), dtype=dt(d))]


def _like_samples(rng, d):
    return [S(randn(rng, (2, 3), F32), dtype=dt(d)), S(randn(rng, (4,), d)),
            S(randn(rng, (), d)), S(randn(rng, (0, 2), d))]


def _full_samples(rng, d):
    return [S((2, 3), 1.5, dtype=dt(d)), S((2,), 2, dtype=dt(d)), S((), 0, dtype=dt(d)),
            S((3,), True), S((3,), 7), S((3,), 2.5), S((3,), 1j)]


def _full_like_samples(rng, d):
    return [S(randn(rng, (2, 3), d), 2), S(randn(rng, (3,), d), 1.5, dtype=dt("float64")),
            S(randn(rng, (), d), 0)]


def _tensor_samples(rng, d):
    return [S([[1.5, -2.0], [3.0, 4.0]], dtype=dt(d)), S([1, 2, 3]), S([1.5, 2]),
            S([True, False]), S([[1, 2.5], [True, 4]]), S(3.5), S(7), S([]), S([[], []]),
            S([1 + 2j, 3]), S(randn(rng, (2, 3), d)), S((1, 2)),
            S([np.float32(1.5), 2]), S([np.int32(1), np.int32(2)])]


def _tensor_errors(rng):
    return [E([[1, 2], [3]]), E([[1, 2], 3]), E("abc"), E(None), E([1, None]),
            E([[1.5, 2.0]], dtype=dt("uint8"), requires_grad=True),
            E([1], requires_grad=True), E([300], dtype=dt("uint8")),
            E([1 + 2j], dtype=dt("float32")), E([2 ** 64])]


def _array_samples(rng, d):
    return [S(randn(rng, (2, 3), d)), S(randn(rng, (4,), d), dtype=dt("float64")),
            S([1.0, 2.0]), S(randn(rng, (), d))]


def _arange_samples(rng, d):
    return [S(5, dtype=dt(d)), S(1, 7, 2, dtype=dt(d)), S(7, 1, -2, dtype=dt(d)), S(5),
            S(0, 1, 0.1), S(-1.5, 2.5, 0.25), S(1, 0, -0.1), S(0.5, 3, dtype=dt(d)),
            S(0, 10, 3), S(0, 100, 1 / 3)]


def _arange_errors(rng):
    return [E(0, 5, 0), E(0, 5, -1), E(5, 0, 1), E(float("inf")), E(3, dtype=dt("bool")),
            E(0, float("nan")), E(0, 2.5, 0.5, dtype=dt("int64"))]


def _range_samples(rng, d):
    return [S(1, 4, dtype=dt(d)), S(0, 1, 0.1), S(4, 1, -1, dtype=dt(d)), S(0, 5, 2),
            S(0.5, 4)]


def _linspace_samples(rng, d):
    return [S(0, 1, 5, dtype=dt(d)), S(-1, 1, 101), S(3, -7.5, 7, dtype=dt(d)), S(0, 1, 1),
            S(0, 1, 0), S(0.1, 0.9, 33, dtype=dt(d)), S(2, 2, 4)]


def _logspace_samples(rng, d):
    return [S(0, 2, 5, dtype=dt(d)), S(-1, 1, 9, base=2.0), S(0, 1, 1), S(0, 3, 4, 10.0),
            S(0.5, -0.5, 7, dtype=dt(d)), S(0, 1, 0)]


def _eye_samples(rng, d):
    return [S(3, dtype=dt(d)), S(2, 4, dtype=dt(d)), S(0), S(4, 1)]


def _meshgrid_samples(rng, d):
    a, b, c = randn(rng, (2,), d), randn(rng, (3,), d), randn(rng, (4,), d)
    return [S(a, b, indexing="ij"), S(a, b, indexing="xy"), S(a, b, c, indexing="xy"),
            S(a, indexing="ij"), S([a, c], indexing="ij")]


def _meshgrid_errors(rng):
    a, b = randn(rng, (2,), F32), randn(rng, (3,), "float64")
    return [E(a, b, indexing="ij"), E(a, a, indexing="yx"), E(randn(rng, (2, 2), F32))]


def _cartesian_prod_samples(rng, d):
    a, b, c = randn(rng, (2,), d), randn(rng, (3,), d), randn(rng, (1,), d)
    return [S(a, b), S(a, b, c), S(b), S(a, randn(rng, (0,), d))]


def _combinations_samples(rng, d):
    a = randn(rng, (4,), d)
    return [S(a), S(a, r=3), S(a, r=2, with_replacement=True), S(a, r=1), S(a, r=5),
            S(a, r=0)]


def _combinations_errors(rng):
    return [E(randn(rng, (2, 2), F32)), E(randn(rng, (3,), F32), r=-1)]


def _window_samples(rng, d):
    return [S(5, dtype=dt(d)), S(4, False, dtype=dt(d)), S(1, dtype=dt(d)), S(0, dtype=dt(d)),
            S(8), S(2, False)]


def _window_errors(rng):
    return [E(3, dtype=dt("int64")), E(-1), E(2.0)]


def _unravel_samples(rng, d):
    return [S(np.array(4), (3, 2)), S(np.array([[1, 5], [2, 3]]), (2, 3)),
            S(np.array([-1, 7]), (2, 3)), S(np.array([1], np.int32), 4)]


def _tri_samples(rng, d):
    return [S(3, 3), S(3, 4, 1), S(4, 3, -1), S(0, 3), S(3, 3, 5), S(3, 3, -5),
            S(3, 3, dtype=dt("int32"))]


def _tri_errors(rng):
    return [E(-1, 3), E(3, 3, dtype=dt("float32"))]


def _strided_samples(rng, d):
    return [S((2, 3), (1, 2), dtype=dt(d)), S((2, 3), (3, 1)), S((0, 3), (3, 1)),
            S((2,), (0,))]


def _new_samples(rng, d):
    x = randn(rng, (2,), d)
    return [S(x, (2, 3)), S(x, 4), S(x, (2,), dtype=dt("float64")), S(x, ())]


def _new_full_samples(rng, d):
    x = randn(rng, (2,), d)
    return [S(x, (2, 3), 2), S(x, (3,), 1.5, dtype=dt("float64")), S(x, (), 0)]


def _new_tensor_samples(rng, d):
    x = randn(rng, (2,), d)
    return [S(x, [1, 2]), S(x, [[1.5]], dtype=dt("float64")), S(x, 3)]


def _rand_samples(rng, d):
    return [S((2, 3), dtype=dt(d)), S((0,), dtype=dt(d)), S((), dtype=dt(d)), S((4, 1, 2))]


def _float_only_errors(name):
    return _errors(E((2,), dtype=dt("int64")), E((2,), dtype=dt("bool")))


def _randint_samples(rng, d):
    return [S(0, 5, (2, 3), dtype=dt(d)), S(5, (4,)), S(-3, 3, (10,)),
            S(0, 2, (3,), dtype=dt("bool"))]


def _randint_errors(rng):
    return [E(5, 2, (3,)), E(0, 300, (3,), dtype=dt("uint8")), E(-1, 3, (3,), dtype=dt("uint8")),
            E(0, 5, (3,), requires_grad=True), E(0, 3, (2,), dtype=dt("bool"))]


def _randperm_samples(rng, d):
    return [S(5, dtype=dt(d)), S(0), S(1), S(10)]


def _normal_samples(rng, d):
    m, s = randn(rng, (3,), d), np.abs(randn(rng, (3,), d)) + 0.5
    return [S(m, s), S(m, 2.0), S(0.5, s), S(0.0, 1.0, (2, 3)),
            S(randn(rng, (2, 1), d), np.abs(randn(rng, (3,), d)))]


def _normal_errors(rng):
    m = randn(rng, (3,), F32)
    return [E(0.0, -1.0, (2,)), E(m, -1.0), E(m, -np.ones(3, np.float32)),
            E(randn(rng, (2,), F32), randn(rng, (3,), F32) ** 2),
            E(np.zeros(3, np.int64), 1.0)]


def _prob_samples(rng, d):
    return [S(np.full((3, 4), 0.5, d)), S(rng.uniform(0, 1, (5,)).astype(d)),
            S(np.zeros((0,), d))]


def _bernoulli_errors(rng):
    return [E(np.full((3,), 1.5, np.float32)), E(np.full((3,), -0.5, np.float32)),
            E(np.ones(3, np.int64))]


def _poisson_samples(rng, d):
    return [S(np.abs(randn(rng, (3, 4), d)) * 3), S(np.zeros((2,), d))]


def _poisson_errors(rng):
    return [E(-np.ones(3, np.float32)), E(np.ones(3, np.int64))]


def _multinomial_samples(rng, d):
    p = rng.uniform(0.1, 1, (4,)).astype(d)
    return [S(p, 2), S(p, 6, replacement=True), S(rng.uniform(0.1, 1, (3, 5)).astype(d), 3),
            S(np.array([0, 1, 0], d), 2), S(p, 4)]


def _multinomial_errors(rng):
    p = np.array([0.2, 0.8], np.float32)
    return [E(p, 3), E(p, 0), E(np.array([-1.0, 2.0], np.float32), 1),
            E(np.zeros(2, np.float32), 1), E(np.ones((2, 2, 2), np.float32), 1),
            E(np.array([1, 2]), 1)]


def _fill_samples(rng, d):
    return [S(randn(rng, (3, 4), d)), S(randn(rng, (), d)), S(randn(rng, (0, 2), d))]


def _inplace(name, *args, **kwargs):
    return lambda lib, x, **kw: getattr(x.clone(), name)(*args, **kwargs, **kw)


def _int_tensor_errors(name, *args):
    return lambda rng: [E(np.zeros(3, np.int64), *args)]


def _typed_errors(*dtypes):
    return lambda rng: [E(np.zeros(3, d)) for d in dtypes]


def _fn(name):
    return lambda lib, *a, **k: getattr(lib, name)(*a, **k)


def _method(name):
    return lambda lib, x, *a, **k: getattr(x, name)(*a, **k)


OPS = [
    # constant factories
    OpInfo("zeros", _fn("zeros"), _shape_samples, dtypes=ALL, grad=False,
           errors=_errors(E(-1), E(2.5), E((2, 3.0)), E(2, dtype=dt("int64"),
                                                        requires_grad=True))),
    OpInfo("ones", _fn("ones"), _shape_samples, dtypes=ALL, grad=False,
           errors=_errors(E(-2, 3), E("3"))),
    OpInfo("empty", lambda lib, *a, **k: lib.empty(*a, **k).zero_(), _shape_samples,
           dtypes=ALL, grad=False, errors=_errors(E(-1))),
    OpInfo("full", _fn("full"), _full_samples, dtypes=REALS + ("bool",), grad=False,
           errors=_errors(E(3, 1.0), E((2,), 300, dtype=dt("uint8")),
                          E((2,), 1e10, dtype=dt("int32")), E((2,), 1j, dtype=dt("float32")))),
    OpInfo("empty_strided", lambda lib, *a, **k: lib.empty_strided(*a, **k).stride(),
           _strided_samples, dtypes=FLOATS, grad=False),
    OpInfo("zeros_like", _fn("zeros_like"), _like_samples, dtypes=ALL, grad=False),
    OpInfo("ones_like", _fn("ones_like"), _like_samples, dtypes=ALL, grad=False),
    OpInfo("empty_like", lambda lib, x, **k: lib.empty_like(x, **k).zero_(), _like_samples,
           dtypes=ALL, grad=False),
    OpInfo("full_like", _fn("full_like"), _full_like_samples, dtypes=REALS, grad=False),
    OpInfo("new_zeros", _method("new_zeros"), _new_samples, dtypes=REALS, grad=False),
    OpInfo("new_ones", _method("new_ones"), _new_samples, dtypes=REALS, grad=False),
    OpInfo("new_empty", lambda lib, x, *a, **k: x.new_empty(*a, **k).zero_(), _new_samples,
           dtypes=REALS, grad=False),
    OpInfo("new_full", _method("new_full"), _new_full_samples, dtypes=REALS, grad=False,
           errors=_errors(E(np.zeros(2, np.float32), 3, 1.0))),
    OpInfo("new_empty_strided",
           lambda lib, x, *a, **k: x.new_empty_strided(*a, **k).stride(),
           lambda rng, d: [S(randn(rng, (2,), d), (2, 3), (1, 2))], dtypes=FLOATS, grad=False),
    OpInfo("new_tensor", _method("new_tensor"), _new_tensor_samples, dtypes=REALS, grad=False),
    # data
    OpInfo("tensor", _fn("tensor"), _tensor_samples, dtypes=ALL, grad=False,
           errors=_tensor_errors),
    OpInfo("as_tensor", _fn("as_tensor"), _array_samples, dtypes=REALS, grad=False),
    OpInfo("asarray", _fn("asarray"), _array_samples, dtypes=REALS, grad=False,
           errors=_errors(E([1, 2], copy=False),
                          E(np.arange(3.0), copy=False, dtype=dt("float32")))),
    OpInfo("from_numpy", lambda lib, x: lib.from_numpy(x.numpy()),
           lambda rng, d: [S(randn(rng, (2, 3), d)), S(randn(rng, (), d))],
           dtypes=REALS + ("uint8", "bool", "float16", "complex64"), grad=False),
    OpInfo("frombuffer", lambda lib, b, **k: lib.frombuffer(bytearray(b), **k),
           lambda rng, d: [S(bytes(range(16)), dtype=dt(d)),
                           S(bytes(range(16)), dtype=dt("uint8"), count=4, offset=2)],
           dtypes=("float32", "float64", "int64", "int32"), grad=False,
           errors=_errors(E(b"", dtype=dt("uint8")), E(b"\x01\x02\x03", dtype=dt("int16")))),
    # ranges
    OpInfo("arange", _fn("arange"), _arange_samples, dtypes=REALS + HALFS, grad=False,
           errors=_arange_errors),
    OpInfo("range", _fn("range"), _range_samples, dtypes=REALS, grad=False,
           errors=_errors(E(0, 5, 0), E(5, 0, 1))),
    OpInfo("linspace", _fn("linspace"), _linspace_samples, dtypes=REALS + HALFS + ("uint8",),
           grad=False, errors=_errors(E(0, 1, -1), E(0, 1, 2.0))),
    OpInfo("logspace", _fn("logspace"), _logspace_samples, dtypes=REALS + HALFS, grad=False,
           errors=_errors(E(0, 1, -1))),
    OpInfo("eye", _fn("eye"), _eye_samples, dtypes=ALL, grad=False,
           errors=_errors(E(-1), E(2, -1), E(2, 2.0))),
    OpInfo("meshgrid", _fn("meshgrid"), _meshgrid_samples, dtypes=REALS, gradgrad=True,
           errors=_meshgrid_errors),
    OpInfo("cartesian_prod", _fn("cartesian_prod"), _cartesian_prod_samples, dtypes=REALS,
           gradgrad=True, errors=_errors(E(np.ones((2, 2), np.float32)))),
    OpInfo("combinations", _fn("combinations"), _combinations_samples, dtypes=REALS,
           gradgrad=True, errors=_combinations_errors),
    OpInfo("scalar_tensor", _fn("scalar_tensor"),
           lambda rng, d: [S(1.5, dtype=dt(d)), S(3), S(True), S(2, dtype=dt("float64"))],
           dtypes=(F32,), grad=False),
    OpInfo("unravel_index", _fn("unravel_index"), _unravel_samples, dtypes=(F32,), grad=False,
           errors=_errors(E(np.array([1.0], np.float32), (2,)), E(np.array([0]), (2, -1)))),
    OpInfo("hann_window", _fn("hann_window"), _window_samples, dtypes=FLOATS, grad=False,
           errors=_window_errors),
    OpInfo("hamming_window", _fn("hamming_window"),
           lambda rng, d: _window_samples(rng, d) + [S(6, True, 0.5, 0.4, dtype=dt(d))],
           dtypes=FLOATS, grad=False, errors=_window_errors),
    OpInfo("blackman_window", _fn("blackman_window"), _window_samples, dtypes=FLOATS,
           grad=False, errors=_window_errors),
    OpInfo("bartlett_window", _fn("bartlett_window"), _window_samples, dtypes=FLOATS,
           grad=False, errors=_window_errors),
    OpInfo("kaiser_window", _fn("kaiser_window"),
           lambda rng, d: _window_samples(rng, d) + [S(7, False, 5.0, dtype=dt(d))],
           dtypes=FLOATS, grad=False, errors=_window_errors),
    OpInfo("tril_indices", _fn("tril_indices"), _tri_samples, dtypes=(F32,), grad=False,
           errors=_tri_errors),
    OpInfo("triu_indices", _fn("triu_indices"), _tri_samples, dtypes=(F32,), grad=False,
           errors=_tri_errors),
    # random sampling
    OpInfo("rand", _fn("rand"), _rand_samples, dtypes=FLOATS + HALFS + ("complex64",),
           grad=False, random=True, errors=_float_only_errors("rand")),
    OpInfo("randn", _fn("randn"), _rand_samples, dtypes=FLOATS + HALFS + ("complex64",),
           grad=False, random=True, errors=_float_only_errors("randn")),
    OpInfo("randint", _fn("randint"), _randint_samples, dtypes=REALS + ("uint8",), grad=False,
           random=True, errors=_randint_errors),
    OpInfo("randperm", _fn("randperm"), _randperm_samples, dtypes=REALS, grad=False,
           random=True, errors=_errors(E(-1), E(300, dtype=dt("uint8")))),
    OpInfo("rand_like", _fn("rand_like"), _fill_samples, dtypes=FLOATS + HALFS, grad=False,
           random=True, errors=_int_tensor_errors("rand_like")),
    OpInfo("randn_like", _fn("randn_like"), _fill_samples, dtypes=FLOATS + HALFS, grad=False,
           random=True, errors=_int_tensor_errors("randn_like")),
    OpInfo("randint_like", _fn("randint_like"),
           lambda rng, d: [S(randn(rng, (3, 4), d), 5), S(randn(rng, (2,), d), 2, 9),
                           S(randn(rng, (2,), d), high=4)],
           dtypes=REALS, grad=False, random=True),
    # (their zero gradients and grad_fn names are tested in tests/test_random.py: gradcheck
    # cannot differentiate a fresh sample)
    OpInfo("normal", _fn("normal"), _normal_samples, dtypes=FLOATS, grad=False, random=True,
           errors=_normal_errors),
    OpInfo("bernoulli", _fn("bernoulli"), _prob_samples, dtypes=FLOATS, grad=False,
           random=True, errors=_bernoulli_errors),
    OpInfo("poisson", _fn("poisson"), _poisson_samples, dtypes=FLOATS, grad=False, random=True,
           errors=_poisson_errors),
    OpInfo("multinomial", _fn("multinomial"), _multinomial_samples, dtypes=FLOATS, grad=False,
           random=True, errors=_multinomial_errors),
    # in-place random fills (on a clone, so the graph shows the fill's own node)
    OpInfo("uniform_", _inplace("uniform_", -2.0, 3.0), _fill_samples,
           dtypes=FLOATS + HALFS, grad=False, random=True, errors=_typed_errors(np.int64)),
    OpInfo("normal_", _inplace("normal_", 1.0, 2.0), _fill_samples, dtypes=FLOATS + HALFS,
           grad=False, random=True, errors=_typed_errors(np.int64, np.bool_)),
    OpInfo("random_", _inplace("random_", 0, 10), _fill_samples, dtypes=REALS + HALFS,
           grad=False, random=True, errors=_typed_errors(np.complex64)),
    OpInfo("bernoulli_", _inplace("bernoulli_", 0.3), _fill_samples, dtypes=REALS,
           grad=False, random=True),
    OpInfo("exponential_", _inplace("exponential_", 2.0), _fill_samples, dtypes=FLOATS,
           grad=False, random=True, errors=_typed_errors(np.int64)),
    OpInfo("geometric_", _inplace("geometric_", 0.3), _fill_samples, dtypes=REALS,
           grad=False, random=True, errors=_typed_errors(np.bool_)),
    OpInfo("log_normal_", _inplace("log_normal_"), _fill_samples, dtypes=FLOATS,
           grad=False, random=True, errors=_typed_errors(np.int64)),
    OpInfo("cauchy_", _inplace("cauchy_"), _fill_samples, dtypes=FLOATS,
           grad=False, random=True, errors=_typed_errors(np.int64)),
]
