"""Tensor printing compared with torch 2.13's own repr (after reading "torch" as "ember"):
every dtype, 0-dim and empty tensors, integer-valued floats, scientific notation, nan/inf,
wrapping at the line width, summarisation, autograd suffixes, the default dtype's effect on
dtype= suffixes, and set_printoptions."""
import warnings

import numpy as np
import pytest
import torch

import ember


@pytest.fixture(autouse=True)
def default_options():
    yield
    for lib in (ember, torch):
        lib.set_printoptions(profile="default")
        lib.set_printoptions(sci_mode=None)
        lib.set_default_dtype(lib.float32)


def as_lib(L, a, dtype):
    a = np.asarray(a)
    t = L.from_numpy(a.copy())
    return t.to(getattr(L, dtype))


def check(f):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = f(torch).replace("torch", "ember")
        got = f(ember)
    assert got == want, f"\ntorch:\n{want}\nember:\n{got}"


_rng = np.random.default_rng(0)
VALUES = {
    "ints": [1, 2, 3], "negints": [-1, 20, -300], "floats": [1.5, -2.25, 3.0],
    "intfloats": [1., 2., -3.], "small": [1e-5, 2e-5], "big": [1e8, 2e9],
    "mixed": [1e-3, 1e3, 5.], "mixed2": [0.001, 1000.5], "nan_inf": [np.nan, 1., np.inf, -np.inf],
    "allnan": [np.nan, np.nan], "inf_int": [np.inf, 2.], "zeros": [0., 0., 0.],
    "negzero": [-0., 0.], "one": [3.14159], "randn": _rng.standard_normal((4, 5)),
    "randn3d": _rng.standard_normal((2, 3, 4)), "wide": _rng.standard_normal(30) * 100,
    "wideint": np.arange(40) * 1000, "big2d": _rng.standard_normal((50, 30)),
    "big1d": np.arange(2000.), "big3d": _rng.standard_normal((12, 10, 10)),
    "bigint": np.arange(1500), "0d": 2.5, "0dint": 7, "0dneg": -0.5, "empty": np.zeros((0,)),
    "empty2": np.zeros((2, 0)), "empty3": np.zeros((0, 3, 2)), "sci_small": [1.23456e-10, 1.0],
    "tiny": [1e-9], "large_int_f": [123456789., 1.], "1e16": [1e16], "prec": [0.1, 0.2, 0.3],
    "round": [0.99995, 1.00004], "sci_neg": [-1e-5, 1e5], "uniform": _rng.uniform(0, 1, 10),
    "bigvals": _rng.standard_normal(10) * 1e6, "exp_boundary": [9999.9, 0.1],
    "ratio1000": [1., 1000.], "ratio1001": [1., 1001.], "ratio_float": [1., 1001.5],
    "e8": [1e8, 1.], "below_e8": [99999999., 1.], "col": _rng.standard_normal((6, 1)),
    "row": _rng.standard_normal((1, 6)), "4d": _rng.standard_normal((2, 2, 2, 2)),
    "huge": [1e300, -1e300], "subnormal": [5e-324, 1.], "int_big": [2 ** 40, -3],
    "long_int_row": np.arange(100) - 50, "exactly_1000": np.arange(1000.),
    "exactly_1001": np.arange(1001.), "tall": _rng.standard_normal((2500, 2)),
    "flat_wide": _rng.standard_normal((2, 2500)), "4d_big": np.arange(2000.).reshape(2, 10, 10, 10),
}
DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8",
          "uint8", "bool", "complex64", "complex128"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", VALUES)
def test_repr_matches_torch(name, dtype):
    a = np.asarray(VALUES[name], dtype=np.float64)
    if dtype == "uint8" and (a < 0).any():
        pytest.skip("negative values do not fit uint8")
    if dtype not in ("float32", "float64", "float16", "bfloat16", "complex64", "complex128"):
        a = np.nan_to_num(a, nan=0, posinf=0, neginf=0)
        if dtype != "int64":
            a = np.clip(a, -100, 100)
    check(lambda L: repr(as_lib(L, a, dtype)))
    check(lambda L: str(as_lib(L, a, dtype)))


COMPLEX = {
    "c1": [1 + 2j, -3.5 - 1j], "c_int": [1 + 1j, 2 + 0j], "c_small": [1e-5 + 1j, 2],
    "c_big": _rng.standard_normal(20) * 1000 + 1j * _rng.standard_normal(20),
    "c_nan": [complex(np.nan, 1), complex(1, np.inf)], "c_0d": 1 - 2j,
    "c_2d": _rng.standard_normal((3, 3)) + 1j * _rng.standard_normal((3, 3)),
    "c_large": _rng.standard_normal((40, 40)) + 0j, "c_mixed": [1e-4 + 1e4j, 1 + 1j],
    "c_negzero": [-0. - 0.j],
}


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("name", COMPLEX)
def test_complex_repr_matches_torch(name, dtype):
    a = np.asarray(COMPLEX[name], dtype=np.complex128)
    check(lambda L: repr(as_lib(L, a, dtype)))


AUTOGRAD = {
    "mul": lambda L: L.tensor([1., 2.], requires_grad=True) * 2,
    "sum": lambda L: (L.tensor([1., 2.], requires_grad=True) * 2).sum(),
    "f64_add": lambda L: L.tensor([1., 2.], dtype=L.float64, requires_grad=True) + 1,
    "leaf": lambda L: L.tensor([1., 2.], requires_grad=True),
    "wide_leaf": lambda L: L.arange(30.).requires_grad_(),
    "wide_f64": lambda L: L.arange(20., dtype=L.float64).requires_grad_() * 1,
    "2d_grad": lambda L: L.ones(3, 3, requires_grad=True).mul(0).add(1.5),
    "empty_leaf": lambda L: L.zeros(0, requires_grad=True),
    "empty_2d_f64": lambda L: L.zeros(0, 2, dtype=L.float64, requires_grad=True),
    "0d_leaf": lambda L: L.tensor(1.5, requires_grad=True),
    "0d_exp": lambda L: L.tensor(1.5, requires_grad=True).exp(),
    "big_f64_leaf": lambda L: L.ones(1001, dtype=L.float64, requires_grad=True),
    "detached": lambda L: (L.tensor([1., 2.], requires_grad=True) * 2).detach(),
    "no_grad": lambda L: L.tensor([1., 2.], requires_grad=True).clone().detach_(),
    "complex_grad": lambda L: L.tensor([1 + 1j], requires_grad=True) * 2,
    "suffix_wrap": lambda L: L.arange(18., dtype=L.float64).reshape(1, 18).requires_grad_(),
}


@pytest.mark.parametrize("case", AUTOGRAD)
def test_autograd_suffixes(case):
    check(lambda L: repr(AUTOGRAD[case](L)))


EMPTIES = {
    "int": lambda L: L.zeros(0, dtype=L.int64), "bool": lambda L: L.zeros(0, dtype=L.bool),
    "int32_2d": lambda L: L.zeros(2, 0, dtype=L.int32),
    "c64": lambda L: L.zeros(0, dtype=L.complex64),
    "f64_3d": lambda L: L.zeros(3, 0, 1, dtype=L.float64), "f32": lambda L: L.zeros(0),
    "f32_2d": lambda L: L.zeros(0, 0),
}


@pytest.mark.parametrize("case", EMPTIES)
def test_empty_tensors(case):
    check(lambda L: repr(EMPTIES[case](L)))


def _sample_reprs(L):
    return "\n".join([
        repr(L.tensor([1.123456789, 22.5, -333.25])), repr(L.arange(50.) / 3),
        repr(L.tensor([1e-5, 1.])), repr(L.arange(2000.)), repr(L.tensor([100., 2.])),
        repr(L.tensor([1 + 1j / 3])), repr(L.arange(30)), repr(L.arange(12.).reshape(3, 4) * 1000),
        repr(L.tensor(1 / 3)), repr(L.tensor([1., 2.])), repr(L.arange(5000.).reshape(10, 5, 100)),
        repr(L.ones(3, requires_grad=True)), repr(L.tensor([float("nan"), 1.])),
    ])


OPTIONS = [dict(precision=2), dict(precision=8), dict(precision=0), dict(threshold=10),
           dict(edgeitems=1), dict(edgeitems=5, threshold=20), dict(linewidth=40),
           dict(linewidth=200), dict(sci_mode=True), dict(sci_mode=False), dict(profile="short"),
           dict(profile="full"), dict(profile="short", precision=6),
           dict(precision=3, sci_mode=False), dict(threshold=0), dict(edgeitems=0, threshold=5)]


@pytest.mark.parametrize("opts", OPTIONS, ids=str)
def test_set_printoptions(opts):
    def f(L):
        L.set_printoptions(**opts)
        return _sample_reprs(L)
    check(f)


def test_profile_default_restores_and_options_reset_sci_mode():
    ember.set_printoptions(precision=2, sci_mode=True)
    ember.set_printoptions(profile="default")
    assert repr(ember.tensor([1.5, 2.25])) == "tensor([1.5000, 2.2500])"
    ember.set_printoptions(sci_mode=True)
    ember.set_printoptions(precision=4)  # sci_mode is not sticky, as in torch
    assert repr(ember.tensor([1.5])) == "tensor([1.5000])"
    assert ember.get_printoptions() == torch._tensor_str.get_printoptions()


DEFAULT_DTYPE_CASES = {
    "f32": lambda L: L.ones(2, dtype=L.float32), "f64": lambda L: L.ones(2, dtype=L.float64),
    "f16": lambda L: L.ones(2, dtype=L.float16), "c64": lambda L: L.ones(2, dtype=L.complex64),
    "c128": lambda L: L.ones(2, dtype=L.complex128),
    "empty32": lambda L: L.ones(0, dtype=L.float32),
    "empty_default": lambda L: L.ones(0), "empty64": lambda L: L.ones(0, dtype=L.float64),
    "int": lambda L: L.ones(2, dtype=L.int64), "tensor_literal": lambda L: L.tensor([1.5, 2]),
}


@pytest.mark.parametrize("default", ["float64", "float16", "bfloat16"])
@pytest.mark.parametrize("case", DEFAULT_DTYPE_CASES)
def test_default_dtype_changes_suffixes(default, case):
    def f(L):
        L.set_default_dtype(getattr(L, default))
        return repr(DEFAULT_DTYPE_CASES[case](L))
    check(f)


def test_format_str_and_subclass_prefix():
    class Mine(ember.Tensor):
        pass

    class TMine(torch.Tensor):
        pass

    assert repr(Mine(ember.ones(2))) == repr(torch.ones(2).as_subclass(TMine)).replace(
        "TMine", "Mine")
    check(lambda L: f"{L.tensor([1.5, 2.0])}")
    check(lambda L: str(L.tensor(3)))
    check(lambda L: repr(L.Size([2, 3])))
    check(lambda L: repr(L.float16))


def _fuzz_cases(n, seed):
    rng = np.random.default_rng(seed)
    dts = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int8", "uint8",
           "bool", "complex64", "complex128"]
    cases = []
    for _ in range(n):
        nd = int(rng.integers(0, 5))
        shape = tuple(int(x) for x in rng.integers(0, 7 if nd < 3 else 5, nd))
        if rng.random() < 0.05:
            shape = (int(rng.integers(900, 1500)),)
        dt = dts[rng.integers(len(dts))]
        kind = int(rng.integers(6))
        size = int(np.prod(shape))
        if kind == 0:
            a = rng.standard_normal(size)
        elif kind == 1:
            a = rng.standard_normal(size) * 10.0 ** rng.integers(-10, 12)
        elif kind == 2:
            a = rng.integers(-1000, 1000, size).astype(float)
        elif kind == 3:
            a = rng.choice([0., np.nan, np.inf, -np.inf, 1.5, -2.0, 1e-7, 3e9], size)
        elif kind == 4:
            a = np.round(rng.standard_normal(size), int(rng.integers(0, 5)))
        else:
            a = rng.uniform(0, 1, size) * 10.0 ** rng.integers(-3, 4)
        if dt.startswith("complex"):
            a = a + 1j * rng.standard_normal(size) * 10.0 ** rng.integers(-5, 5)
        elif dt not in ("float32", "float64", "float16", "bfloat16", "bool"):
            a = np.nan_to_num(a, nan=0, posinf=0, neginf=0)
            a = np.abs(a) % 256 if dt == "uint8" else np.clip(a, -100, 100)
        opts = {}
        if rng.random() < 0.2:
            opts = dict(precision=int(rng.integers(0, 8)), threshold=int(rng.integers(5, 2000)),
                        edgeitems=int(rng.integers(0, 5)), linewidth=int(rng.integers(20, 150)),
                        sci_mode=[None, True, False][rng.integers(3)])
        cases.append((a.reshape(shape), dt, opts))
    return cases


def _run_fuzz(cases):
    for a, dt, opts in cases:
        def f(L, a=a, dt=dt, opts=opts):
            L.set_printoptions(**opts)
            try:
                with np.errstate(all="ignore"):
                    return repr(as_lib(L, a, dt))
            finally:
                L.set_printoptions(profile="default")
                L.set_printoptions(sci_mode=None)
        check(f)


def test_random_tensors_print_like_torch():
    _run_fuzz(_fuzz_cases(300, 123))


@pytest.mark.slow
def test_random_tensors_print_like_torch_long():
    _run_fuzz(_fuzz_cases(3000, 7))
