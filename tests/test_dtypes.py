"""dtypes against torch 2.13: the objects and aliases, their attributes, the default dtype,
type promotion (promote_types, result_type, can_cast), finfo/iinfo, and conversions."""
import copy
import itertools
import pickle

import numpy as np
import pytest
import torch

import ember

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
         "float64", "complex64", "complex128"]
ALIASES = {"float": "float32", "double": "float64", "half": "float16", "long": "int64",
           "int": "int32", "short": "int16", "cfloat": "complex64", "cdouble": "complex128"}
FLOATS = ["float16", "bfloat16", "float32", "float64"]


def name(d):
    return str(d).split(".")[-1]


def same(e, t):
    """ember and torch results agree (dtypes by name, tensors by dtype, shape and values)."""
    if isinstance(t, torch.dtype):
        return isinstance(e, ember.dtype) and name(e) == name(t)
    if isinstance(t, torch.Tensor):
        return (isinstance(e, ember.Tensor) and name(e.dtype) == name(t.dtype)
                and tuple(e.shape) == tuple(t.shape) and e.tolist() == t.tolist())
    return e == t


@pytest.fixture
def restore_default():
    yield
    ember.set_default_dtype(ember.float32)
    torch.set_default_dtype(torch.float32)


# -- the dtype objects -----------------------------------------------------------------------

@pytest.mark.parametrize("n", NAMES)
def test_dtype_attributes_match_torch(n):
    e, t = getattr(ember, n), getattr(torch, n)
    assert isinstance(e, ember.dtype)
    assert str(e) == str(t).replace("torch", "ember") == f"ember.{n}"
    assert repr(e) == f"ember.{n}"
    for attr in ("is_floating_point", "is_complex", "is_signed", "itemsize", "abbr"):
        assert getattr(e, attr) == getattr(t, attr), attr
    assert name(e.to_real()) == name(t.to_real())
    if t.is_floating_point and t not in (torch.float16, torch.bfloat16):
        assert name(e.to_complex()) == name(t.to_complex())


@pytest.mark.parametrize("alias,target", ALIASES.items())
def test_aliases_are_the_same_objects(alias, target):
    assert getattr(ember, alias) is getattr(ember, target)
    assert getattr(torch, alias) is getattr(torch, target)


@pytest.mark.parametrize("n", NAMES)
def test_dtype_pickle_copy_hash_identity(n):
    d = getattr(ember, n)
    assert pickle.loads(pickle.dumps(d)) is d
    assert copy.deepcopy(d) is d and copy.copy(d) is d
    assert {d: 1}[getattr(ember, n)] == 1
    assert d == d and d != (ember.int8 if d is not ember.int8 else ember.uint8)


def test_dtypes_are_not_ordered():
    for lib in (ember, torch):
        with pytest.raises(TypeError):
            lib.float32 < lib.float64  # noqa: B015


# -- default dtype --------------------------------------------------------------------------

DEFAULT_EFFECTS = {
    "tensor_float": lambda L: L.tensor([1.0]).dtype,
    "tensor_mixed": lambda L: L.tensor([1, 2.5]).dtype,
    "tensor_int": lambda L: L.tensor([1, 2]).dtype,
    "arange_float": lambda L: L.arange(0, 1, 0.25).dtype,
    "arange_int": lambda L: L.arange(0, 4).dtype,
    "int_div": lambda L: (L.tensor([1]) / L.tensor([2])).dtype,
    "int_times_float": lambda L: (L.tensor([1]) * 1.5).dtype,
    "rand": lambda L: L.rand(2).dtype,
    "randn": lambda L: L.randn(2).dtype,
    "zeros": lambda L: L.zeros(1).dtype,
    "empty": lambda L: L.empty(1).dtype,
    "full_float": lambda L: L.full((1,), 1.5).dtype,
    "full_int": lambda L: L.full((1,), 2).dtype,
    "linspace": lambda L: L.linspace(0, 1, 3).dtype,
    "eye": lambda L: L.eye(2).dtype,
    "numpy_scalar_keeps": lambda L: L.tensor(np.float64(1.0)).dtype,
    "numpy_array_keeps": lambda L: L.tensor(np.array([1.0], dtype=np.float32)).dtype,
    "result_type": lambda L: L.result_type(L.tensor([1]), 1.0),
    "get": lambda L: L.get_default_dtype(),
    "python_float_dtype_kw": lambda L: L.tensor([1.0], dtype=L.float32).dtype,
    "int_tensor_to_float": lambda L: L.tensor(3).float().dtype,
    "sqrt_int": lambda L: L.tensor([4]).sqrt().dtype,
}


@pytest.mark.parametrize("default", FLOATS)
@pytest.mark.parametrize("case", DEFAULT_EFFECTS)
def test_default_dtype_effects(case, default, restore_default):
    for lib in (ember, torch):
        lib.set_default_dtype(getattr(lib, default))
    assert same(DEFAULT_EFFECTS[case](ember), DEFAULT_EFFECTS[case](torch))


def test_default_dtype_complex_follows(restore_default):
    for default in ("float32", "float64"):
        ember.set_default_dtype(getattr(ember, default))
        torch.set_default_dtype(getattr(torch, default))
        assert same(ember.tensor(1j).dtype, torch.tensor(1j).dtype)
        assert same(ember.tensor([1, 2j]).dtype, torch.tensor([1, 2j]).dtype)
        assert same(ember.ones(2) * 1j, torch.ones(2) * 1j)


@pytest.mark.parametrize("bad", ["int32", "int64", "bool", "complex64", "uint8"])
def test_set_default_dtype_rejects_non_floating(bad, restore_default):
    with pytest.raises(TypeError):
        torch.set_default_dtype(getattr(torch, bad))
    with pytest.raises(TypeError):
        ember.set_default_dtype(getattr(ember, bad))
    assert ember.get_default_dtype() is ember.float32


# -- promotion ------------------------------------------------------------------------------

@pytest.mark.parametrize("a,b", list(itertools.product(NAMES, NAMES)))
def test_promote_types_and_can_cast_every_pair(a, b):
    assert same(ember.promote_types(getattr(ember, a), getattr(ember, b)),
                torch.promote_types(getattr(torch, a), getattr(torch, b)))
    assert ember.can_cast(getattr(ember, a), getattr(ember, b)) == \
        torch.can_cast(getattr(torch, a), getattr(torch, b))


OPERANDS = {
    "i64": lambda L: L.tensor([1]), "f32": lambda L: L.tensor([1.0]),
    "f64": lambda L: L.tensor([1.0], dtype=L.float64),
    "f16": lambda L: L.tensor([1.0], dtype=L.float16),
    "u8": lambda L: L.tensor([1], dtype=L.uint8), "i8": lambda L: L.tensor([1], dtype=L.int8),
    "b": lambda L: L.tensor([True]), "c64": lambda L: L.tensor([1j]),
    "f64_0d": lambda L: L.tensor(1.0, dtype=L.float64),
    "i32_0d": lambda L: L.tensor(1, dtype=L.int32), "b_0d": lambda L: L.tensor(True),
    "c128_0d": lambda L: L.tensor(1j, dtype=L.complex128),
    "bf16_0d": lambda L: L.tensor(1.0, dtype=L.bfloat16),
    "int": lambda L: 3, "float": lambda L: 2.5, "bool": lambda L: True, "complex": lambda L: 1j,
}


@pytest.mark.parametrize("a,b", list(itertools.product(OPERANDS, OPERANDS)))
def test_result_type_matches_torch(a, b):
    try:
        want = torch.result_type(OPERANDS[a](torch), OPERANDS[b](torch))
    except Exception as e:  # noqa: BLE001 - the same class must be raised
        with pytest.raises(type(e)):
            ember.result_type(OPERANDS[a](ember), OPERANDS[b](ember))
        return
    if want == torch.complex32:
        pytest.skip("ember has no complex32 (chalf)")
    assert same(ember.result_type(OPERANDS[a](ember), OPERANDS[b](ember)), want)


@pytest.mark.parametrize("a,b", list(itertools.product(
    ["i64", "f32", "u8", "b", "f64_0d", "i32_0d", "c128_0d", "bf16_0d"],
    ["i64", "f16", "i8", "b_0d", "int", "float", "bool", "complex"])))
def test_binary_op_result_dtype_matches_result_type(a, b):
    t = OPERANDS[a](torch) + OPERANDS[b](torch)
    if t.dtype == torch.complex32:
        pytest.skip("ember has no complex32 (chalf)")
    e = OPERANDS[a](ember) + OPERANDS[b](ember)
    assert same(e.dtype, t.dtype)


# -- finfo / iinfo --------------------------------------------------------------------------

@pytest.mark.parametrize("n", FLOATS + ["complex64", "complex128"])
def test_finfo_matches_torch(n):
    e, t = ember.finfo(getattr(ember, n)), torch.finfo(getattr(torch, n))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(e, attr) == getattr(t, attr), attr
        assert type(getattr(e, attr)) is type(getattr(t, attr)), attr
    assert repr(e) == repr(t)
    assert e == ember.finfo(getattr(ember, n))


def test_finfo_default_and_errors(restore_default):
    assert repr(ember.finfo()) == repr(torch.finfo())
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    assert ember.finfo().dtype == torch.finfo().dtype == "float64"
    for n in ("int32", "bool", "uint8"):
        with pytest.raises(TypeError):
            torch.finfo(getattr(torch, n))
        with pytest.raises(TypeError):
            ember.finfo(getattr(ember, n))


@pytest.mark.parametrize("n", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(n):
    e, t = ember.iinfo(getattr(ember, n)), torch.iinfo(getattr(torch, n))
    for attr in ("bits", "max", "min", "dtype"):
        assert getattr(e, attr) == getattr(t, attr), attr
        assert type(getattr(e, attr)) is type(getattr(t, attr)), attr
    assert repr(e) == repr(t)


@pytest.mark.parametrize("n", ["bool", "float32", "float16", "complex64"])
def test_iinfo_rejects_non_integers(n):
    with pytest.raises(TypeError):
        torch.iinfo(getattr(torch, n))
    with pytest.raises(TypeError):
        ember.iinfo(getattr(ember, n))


# -- conversions ----------------------------------------------------------------------------

METHODS = ["float", "double", "half", "bfloat16", "long", "int", "short", "char", "byte", "bool",
           "cfloat", "cdouble"]


def sample(L, n):
    return L.tensor([[1.5, -2.0, 0.0], [3.25, 100.0, -0.5]]).to(getattr(L, n))


def values(t):
    if t.dtype in (ember.bfloat16, torch.bfloat16):
        t = t.float()
    return np.asarray(t.detach().numpy())


@pytest.mark.parametrize("src", NAMES)
@pytest.mark.parametrize("dst", NAMES)
def test_to_dtype_values(src, dst):
    e = sample(ember, src).to(getattr(ember, dst))
    t = sample(torch, src).to(getattr(torch, dst))
    assert same(e.dtype, t.dtype)
    np.testing.assert_array_equal(values(e), values(t))
    assert same(sample(ember, src).type(getattr(ember, dst)).dtype, t.dtype)
    assert same(sample(ember, src).type_as(ember.zeros(1, dtype=getattr(ember, dst))).dtype,
                t.dtype)


@pytest.mark.parametrize("src", NAMES)
@pytest.mark.parametrize("method", METHODS)
def test_conversion_methods(src, method):
    e = getattr(sample(ember, src), method)()
    t = getattr(sample(torch, src), method)()
    assert same(e.dtype, t.dtype)
    np.testing.assert_array_equal(values(e), values(t))


@pytest.mark.parametrize("n", NAMES)
def test_type_strings_and_sizes(n):
    e, t = sample(ember, n), sample(torch, n)
    assert e.type() == t.type().replace("torch", "ember")
    assert ember.typename(e) == torch.typename(t).replace("torch", "ember")
    assert e.element_size() == t.element_size()
    assert e.itemsize == t.itemsize
    assert e.nbytes == t.nbytes
    assert e.is_floating_point() == t.is_floating_point()
    assert e.is_complex() == t.is_complex()
    assert e.is_signed() == t.is_signed()
    assert ember.is_floating_point(e) == torch.is_floating_point(t)
    assert ember.is_complex(e) == torch.is_complex(t)


@pytest.mark.parametrize("type_name", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor",
                                       "BoolTensor", "HalfTensor", "BFloat16Tensor", "ByteTensor",
                                       "CharTensor", "ShortTensor", "ComplexFloatTensor",
                                       "ComplexDoubleTensor"])
def test_type_by_name_and_legacy_types(type_name):
    e = ember.tensor([1.5, 0.0]).type(f"ember.{type_name}")
    t = torch.tensor([1.5, 0.0]).type(f"torch.{type_name}")
    assert same(e.dtype, t.dtype)
    assert e.type() == t.type().replace("torch", "ember")
    assert same(ember.tensor([1.5]).type(f"torch.{type_name}").dtype, t.dtype)
    if type_name.startswith("Complex"):  # named by type(), but no such attribute in torch
        assert not hasattr(torch, type_name) and not hasattr(ember, type_name)
        return
    legacy_e, legacy_t = getattr(ember, type_name), getattr(torch, type_name)
    assert same(ember.tensor([1.5]).type(legacy_e).dtype, t.dtype)
    assert isinstance(e, legacy_e) and isinstance(t, legacy_t)
    assert not isinstance(ember.tensor([1.5], dtype=ember.int8), legacy_e) or \
        type_name == "CharTensor"
    assert same(legacy_e([1, 0]), legacy_t([1, 0]))
    assert tuple(legacy_e(2, 3).shape) == tuple(legacy_t(2, 3).shape) == (2, 3)
    assert same(legacy_e(2, 3).dtype, legacy_t(2, 3).dtype)


@pytest.mark.parametrize("bad", ["float", "ember.float32", "torch.float32", "FloatTensor",
                                 "ember.NotATensor"])
def test_type_rejects_bad_strings(bad):
    with pytest.raises(ValueError):
        torch.tensor([1.0]).type(bad.replace("ember", "torch"))
    with pytest.raises(ValueError):
        ember.tensor([1.0]).type(bad)


def test_type_cuda_string_raises():
    with pytest.raises(RuntimeError):
        ember.tensor([1.0]).type("ember.cuda.FloatTensor")


def test_to_returns_self_when_nothing_changes():
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0])
        assert x.to(lib.float32) is x
        assert x.float() is x and x.type(lib.float32) is x
        assert x.to("cpu") is x and x.to(lib.device("cpu"), lib.float32) is x
        assert x.to(lib.float32, copy=True) is not x
        assert x.to(x) is x


def test_to_python_types_and_bad_arguments():
    for py, want in ((float, ember.float64), (int, ember.int64), (bool, ember.bool),
                     (complex, ember.complex128)):
        assert ember.tensor([1.5]).to(py).dtype is want
        assert same(ember.tensor([1.5]).to(py).dtype, torch.tensor([1.5]).to(py).dtype)
    with pytest.raises(TypeError):
        torch.tensor([1.5]).to(np.float64)
    with pytest.raises(TypeError):
        ember.tensor([1.5]).to(np.float64)
    with pytest.raises(RuntimeError):
        torch.tensor([1.5]).to("float64")
    with pytest.raises(RuntimeError):
        ember.tensor([1.5]).to("float64")


def test_to_keeps_autograd():
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.double()
        assert y.requires_grad and type(y.grad_fn).__name__ == "ToCopyBackward0"
        y.sum().backward()
        assert x.grad.tolist() == [1.0, 1.0]
        assert not x.long().requires_grad and x.long().grad_fn is None


@pytest.mark.parametrize("case", [
    lambda L: L.tensor([300.7, -1.5, 255.9]).to(L.uint8),
    lambda L: L.tensor([300.7, -1.5, -128.9]).to(L.int8),
    lambda L: L.tensor([1 + 2j, -3.5 - 1j]).to(L.float32),
    lambda L: L.tensor([0.1, 0.0, -0.0]).to(L.bool),
    lambda L: L.tensor([1e5, 65519.0, 65520.0]).to(L.float16),
    lambda L: L.tensor([1.00390625, 3.14159]).to(L.bfloat16).float(),
    lambda L: L.tensor([2.5, -2.5, 3.7, -3.7]).to(L.int64),
    lambda L: L.tensor([True, False]).to(L.float32),
    lambda L: L.tensor([-1, 256]).to(L.uint8),
])
def test_cast_semantics(case):
    e, t = case(ember), case(torch)
    assert same(e.dtype, t.dtype)
    np.testing.assert_array_equal(values(e), values(t))
