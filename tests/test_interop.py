"""Interop with Python and NumPy against torch 2.13: .numpy() and np.asarray sharing memory,
NumPy 2's dtype=/copy= arguments, tolist/item and the number protocols, formatting, and
DLPack exchange with torch and NumPy."""
import math
import operator
import warnings

import numpy as np
import pytest
import torch

import ember

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
          "float32", "float64", "complex64", "complex128"]


def result(f, lib):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = f(lib)
        except Exception as e:  # noqa: BLE001
            return ("raise", type(e).__name__)
    return ("ok", repr(r).replace("torch", "ember"), type(r).__name__)


def same_as_torch(f):
    assert result(f, ember) == result(f, torch)


def sample(L, dtype, shape=(2, 3)):
    return (L.arange(6).reshape(shape) - 2).to(getattr(L, dtype))


PROTOCOLS = {
    "tolist": lambda L, d: sample(L, d).tolist(),
    "tolist_0d": lambda L, d: sample(L, d)[1, 2].tolist(),
    "item": lambda L, d: sample(L, d)[1, 2].item(),
    "float": lambda L, d: float(sample(L, d)[1, 2]),
    "int": lambda L, d: int(sample(L, d)[1, 2]),
    "complex": lambda L, d: complex(sample(L, d)[1, 2]),
    "bool": lambda L, d: bool(sample(L, d)[0, 2]),
    "index": lambda L, d: [10, 20, 30, 40, 50][sample(L, d)[1, 2]],
    "format_spec": lambda L, d: f"{sample(L, d)[1, 2]:.3f}",
    "format_plain": lambda L, d: f"{sample(L, d)[1, 2]}",
    "format_align": lambda L, d: f"{sample(L, d)[1, 2]:>8}",
    "np_asarray_dtype": lambda L, d: np.asarray(sample(L, d)).dtype,
    "numpy_dtype": lambda L, d: sample(L, d).numpy().dtype,
    "len": lambda L, d: len(sample(L, d)),
    "iter": lambda L, d: [tuple(r.shape) for r in sample(L, d)],
    "tolist_empty": lambda L, d: sample(L, d)[:, :0].tolist(),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", PROTOCOLS)
def test_python_protocols_match_torch(case, dtype):
    same_as_torch(lambda L: PROTOCOLS[case](L, dtype))


SCALARS = {
    "len_0d": lambda L: len(L.tensor(1.)), "iter_0d": lambda L: list(L.tensor(1.)),
    "bool_many": lambda L: bool(L.ones(2)), "bool_empty": lambda L: bool(L.ones(0)),
    "float_many": lambda L: float(L.ones(2)), "int_many": lambda L: int(L.ones(2)),
    "item_many": lambda L: L.ones(2).item(), "item_empty": lambda L: L.ones(0).item(),
    "index_float": lambda L: [1, 2][L.tensor(1.)], "index_1elem": lambda L: [1, 2][L.tensor([1])],
    "index_bool": lambda L: [1, 2][L.tensor(True)], "float_2d_1elem": lambda L: float(L.ones(1, 1)),
    "format_vector_spec": lambda L: f"{L.ones(2):.3f}", "format_vector": lambda L: f"{L.ones(2)}",
    "format_0d_empty": lambda L: format(L.tensor(1.5)),
    "format_0d_s": lambda L: f"{L.tensor(1.5)!s}",
    "format_int_d": lambda L: f"{L.tensor(3):d}", "format_int_f": lambda L: f"{L.tensor(3):.2f}",
    "format_grad": lambda L: f"{L.tensor(1.5, requires_grad=True):.2f}",
    "format_bad_spec": lambda L: f"{L.tensor(1.5):q}",
    "complex_real": lambda L: complex(L.tensor(1 + 2j)),
    "float_complex": lambda L: float(L.tensor(1 + 2j)),
    "float_real_complex": lambda L: float(L.tensor(1 + 0j)),
    "int_complex": lambda L: int(L.tensor(1.9 + 2j)), "int_neg": lambda L: int(L.tensor(-1.9)),
    "int_nan": lambda L: int(L.tensor(float("nan"))), "int_inf": lambda L: int(L.tensor(
        float("inf"))), "item_bf16": lambda L: L.tensor(1.1, dtype=L.bfloat16).item(),
    "item_f16": lambda L: L.tensor(1.1, dtype=L.float16).item(),
    "round": lambda L: round(L.tensor(1.26), 1), "round0": lambda L: round(L.tensor(1.5)),
    "floor": lambda L: math.floor(L.tensor(1.5)), "sqrt": lambda L: math.sqrt(L.tensor(4.)),
    "np_index": lambda L: np.arange(5)[L.tensor(2)], "range": lambda L: list(range(L.tensor(3))),
    "hex": lambda L: hex(L.tensor(255)), "operator_index": lambda L: operator.index(L.tensor(3)),
    "bool_nan": lambda L: bool(L.tensor(float("nan"))), "divmod": lambda L: divmod(7, L.tensor(2)),
    "in": lambda L: 2 in L.arange(4), "in_float": lambda L: 2.5 in L.arange(4.),
    "in_tensor": lambda L: L.tensor(2) in L.arange(4),
}


@pytest.mark.parametrize("case", SCALARS)
def test_scalar_conversions_match_torch(case):
    same_as_torch(SCALARS[case])


NUMPY = {
    "numpy_requires_grad": lambda L: L.ones(2, requires_grad=True).numpy(),
    "numpy_force": lambda L: L.ones(2, requires_grad=True).numpy(force=True),
    "array_requires_grad": lambda L: np.array(L.ones(2, requires_grad=True)),
    "asarray_requires_grad": lambda L: np.asarray(L.ones(2, requires_grad=True)),
    "array_detached": lambda L: np.array(L.ones(2, requires_grad=True).detach()),
    "array_dtype": lambda L: np.array(L.ones(2), dtype=np.float64),
    "array_copy_true": lambda L: np.array(L.ones(2), copy=True).dtype,
    "numpy_bf16": lambda L: L.ones(2, dtype=L.bfloat16).numpy(),
    "array_bf16": lambda L: np.array(L.ones(2, dtype=L.bfloat16)),
    "ufunc_add": lambda L: np.add(L.ones(2), 1), "np_sum": lambda L: np.sum(L.ones(2)),
    "np_mean": lambda L: np.mean(L.arange(4.)), "np_sqrt": lambda L: np.sqrt(L.arange(4.)),
    "np_concat": lambda L: np.concatenate([L.ones(2), L.zeros(2)]),
    "np_scalar_times_tensor": lambda L: np.float64(2.0) * L.ones(2),
    "tensor_times_array": lambda L: L.ones(2) * np.ones(2),
    "tensor_plus_np_scalar": lambda L: L.ones(2) + np.float64(1.5),
    "np_int_index": lambda L: L.arange(5)[np.int64(2)],
    "np_scalar_plus_tensor_type": lambda L: type(np.float32(2) + L.ones(1)).__name__,
}


@pytest.mark.parametrize("case", NUMPY)
def test_numpy_bridge_matches_torch(case):
    same_as_torch(NUMPY[case])


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch's __array__ lacks copy=
def test_numpy_shares_memory_both_ways():
    for lib in (ember, torch):
        t = lib.zeros(3)
        a = t.numpy()
        a[0] = 5
        assert t[0].item() == 5
        t.add_(1)
        assert a.tolist() == [6.0, 1.0, 1.0]
        b = np.asarray(t)
        b[1] = 7
        assert t[1].item() == 7
        u = lib.zeros(2, 2).t()
        u.numpy()[0, 1] = 3
        assert u[0, 1].item() == 3
        view = np.array(t, copy=True)
        view[2] = -1
        assert t[2].item() == 1


def test_numpy2_copy_false_shares_when_it_can():
    # (torch's __array__ lacks `copy`, so NumPy 2 refuses copy=False there; ember shares)
    t = ember.zeros(3)
    a = np.array(t, copy=False)
    a[0] = 4
    assert t[0].item() == 4
    with pytest.raises(ValueError):
        np.array(t, dtype=np.float64, copy=False)
    assert np.asarray(t, dtype=np.float32) is not None


def test_array_wrap_returns_tensors_for_ufuncs():
    r = np.add(ember.ones(2), 1)
    assert isinstance(r, ember.Tensor) and r.tolist() == [2.0, 2.0]
    s = np.multiply.reduce(ember.ones(3))
    assert not isinstance(s, ember.Tensor) and float(s) == 1.0


# --- DLPack ---------------------------------------------------------------------------------

def test_dlpack_from_torch_shares_memory():
    t = torch.arange(6.).reshape(2, 3)
    e = ember.from_dlpack(t)
    assert e.dtype is ember.float32 and e.tolist() == t.tolist()
    e[0, 0] = 100
    assert t[0, 0].item() == 100
    assert ember.from_dlpack(torch.arange(6).reshape(2, 3).t()).stride() == (1, 3)
    assert ember.from_dlpack(torch.tensor(3.)).shape == ()
    assert ember.from_dlpack(torch.ones(2, dtype=torch.bool)).dtype is ember.bool
    assert ember.from_dlpack(torch.ones(2, dtype=torch.complex64)).dtype is ember.complex64
    assert ember.from_dlpack(torch.ones(2).expand(3, 2)).stride() == (0, 1)


def test_dlpack_to_torch_and_numpy():
    e = ember.arange(4.)
    t = torch.from_dlpack(e)
    t[0] = 7
    assert e[0].item() == 7
    assert np.from_dlpack(ember.arange(3)).tolist() == [0, 1, 2]
    assert torch.from_dlpack(ember.ones(2).expand(3, 2)).stride() == (0, 1)
    assert e.__dlpack_device__() == (1, 0)
    with pytest.raises(BufferError):
        torch.from_dlpack(ember.ones(2, requires_grad=True))
    with pytest.raises(BufferError):
        ember.ones(2, requires_grad=True).__dlpack__()


def test_dlpack_capsules_round_trip():
    e = ember.arange(4.)
    cap = ember.utils.dlpack.to_dlpack(e)
    back = ember.utils.dlpack.from_dlpack(cap)
    back[1] = 9
    assert e[1].item() == 9
    t = torch.utils.dlpack.from_dlpack(ember.utils.dlpack.to_dlpack(e))
    assert t.tolist() == e.tolist()
    tt = torch.arange(3.)
    ee = ember.from_dlpack(torch.utils.dlpack.to_dlpack(tt))
    ee[2] = -1
    assert tt[2].item() == -1
    a = np.arange(3)
    en = ember.from_dlpack(a)
    a[0] = 9
    assert en[0].item() == 9
    x = ember.ones(2)
    assert ember.from_dlpack(x) is x
    assert ember.from_dlpack(ember.ones(2, requires_grad=True)).requires_grad
    assert ember.ones(2).__dlpack__(stream=None) is not None
