"""Tensor factories against torch 2.13: tensor()'s inference rules, memory sharing of
as_tensor/asarray/from_numpy/frombuffer, constant factories (shapes, dtypes, out=, layouts,
requires_grad=, device=), and the range factories bit for bit."""
import warnings

import numpy as np
import pytest
import torch

import ember


def outcome(f, lib):
    """What f(lib) gives: ('ok', dtype name, shape, values) or ('raise', exception class)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = f(lib)
        except Exception as e:  # noqa: BLE001 - the class is what we compare
            return ("raise", type(e).__name__)
    if isinstance(r, (ember.Tensor, torch.Tensor)):
        v = r.detach()
        if "bfloat16" in str(v.dtype):
            v = v.float()
        return ("ok", str(r.dtype).split(".")[-1], tuple(r.shape), repr(v.tolist()),
                bool(r.requires_grad))
    return ("ok", r)


def same_as_torch(f):
    want, got = outcome(f, torch), outcome(f, ember)
    assert got == want, f"torch: {want}\nember: {got}"


# --- tensor(): dtype inference and checks ----------------------------------------------------

TENSOR_CASES = {
    "nested": lambda L: L.tensor([[1, 2], [3, 4]]),
    "mixed_int_float_bool": lambda L: L.tensor([1, 2.5, True]),
    "bools": lambda L: L.tensor([True, False]),
    "int_bool": lambda L: L.tensor([1, True]),
    "complex": lambda L: L.tensor([1, 2j]),
    "complex_scalar": lambda L: L.tensor(1 + 2j),
    "np_int32": lambda L: L.tensor(np.array([1, 2], dtype=np.int32)),
    "np_uint8": lambda L: L.tensor(np.array([1, 2], dtype=np.uint8)),
    "np_float16": lambda L: L.tensor(np.array([1.5, 2], dtype=np.float16)),
    "np_float64": lambda L: L.tensor(np.array([1, 2], dtype=np.float64)),
    "np_complex64": lambda L: L.tensor(np.array([1, 2j], dtype=np.complex64)),
    "np_bool": lambda L: L.tensor(np.array([True])),
    "np_scalar_f32": lambda L: L.tensor(np.float32(1.5)),
    "np_scalar_i16": lambda L: L.tensor(np.int16(3)),
    "np_scalar_bool": lambda L: L.tensor(np.bool_(True)),
    "np_0d_array": lambda L: L.tensor(np.array(3.5)),
    "list_np_f32": lambda L: L.tensor([np.float32(1.5), np.float32(2)]),
    "list_np_f64_int": lambda L: L.tensor([np.float64(1.5), 2]),
    "list_np_i32": lambda L: L.tensor([np.int32(1), np.int32(2)]),
    "list_np_i32_float": lambda L: L.tensor([np.int32(1), 2.5]),
    "list_np_u8_i8": lambda L: L.tensor([np.uint8(1), np.int8(1)]),
    "list_np_f16_float": lambda L: L.tensor([np.float16(1), 2.5]),
    "list_np_c64_float": lambda L: L.tensor([np.complex64(1), 2.5]),
    "list_complex_np_f64": lambda L: L.tensor([1j, np.float64(2)]),
    "nested_np_scalars": lambda L: L.tensor([[np.float32(1)], [2.5]]),
    "list_np_arrays": lambda L: L.tensor([np.array([1., 2.]), np.array([3., 4.])]),
    "list_np_array_and_list": lambda L: L.tensor([np.array([1, 2], dtype=np.int32), [3, 4]]),
    "list_np_arrays_mixed": lambda L: L.tensor([np.array([1., 2], np.float32),
                                                np.array([3, 4])]),
    "list_np_0d_arrays": lambda L: L.tensor([np.array(1), np.array(2)]),
    "list_0d_float": lambda L: L.tensor([L.tensor(1.5), L.tensor(2.5)]),
    "list_0d_int": lambda L: L.tensor([L.tensor(1), L.tensor(2)]),
    "list_0d_f64": lambda L: L.tensor([L.tensor(1., dtype=L.float64), L.tensor(2.)]),
    "list_0d_i32": lambda L: L.tensor([L.tensor(1, dtype=L.int32), L.tensor(2, dtype=L.int32)]),
    "list_0d_i32_float": lambda L: L.tensor([L.tensor(1, dtype=L.int32), 2.5]),
    "list_0d_f64_int": lambda L: L.tensor([L.tensor(1.5, dtype=L.float64), 2]),
    "list_0d_u8_negative": lambda L: L.tensor([L.tensor(1, dtype=L.uint8), -1]),
    "list_0d_bf16": lambda L: L.tensor([L.tensor(1.5, dtype=L.bfloat16)]),
    "list_1elem_tensor": lambda L: L.tensor([L.tensor([1.])]),
    "nested_0d": lambda L: L.tensor([[L.tensor(1.5)]]),
    "list_multi_elem_tensor": lambda L: L.tensor([L.tensor([1., 2.])]),
    "list_tensor_and_list": lambda L: L.tensor([L.tensor([1, 2]), [3, 4]]),
    "list_0d_requires_grad": lambda L: L.tensor([L.tensor(1.5, requires_grad=True)]),
    "tensor_arg": lambda L: L.tensor(L.tensor([1, 2])),
    "tensor_arg_grad": lambda L: L.tensor(L.tensor([1., 2.], requires_grad=True)),
    "tensor_arg_dtype": lambda L: L.tensor(L.tensor([1, 2]), dtype=L.float64),
    "tensor_arg_bf16": lambda L: L.tensor(L.tensor(1.5, dtype=L.bfloat16)),
    "tensor_arg_complex_to_float": lambda L: L.tensor(L.tensor([1 + 2j]), dtype=L.float32),
    "np_complex_to_float": lambda L: L.tensor(np.array([1 + 2j]), dtype=L.float32),
    "ragged": lambda L: L.tensor([[1, 2], [3]]),
    "ragged_longer": lambda L: L.tensor([[1], [3, 4]]),
    "ragged_scalar": lambda L: L.tensor([[1, 2], 3]),
    "ragged_deep": lambda L: L.tensor([[[1, 2], [3, 4]], [[1, 2], [3]]]),
    "sequence_as_leaf": lambda L: L.tensor([1, [2, 3]]),
    "sequence_as_leaf_deep": lambda L: L.tensor([[1, 2], [3, [4]]]),
    "ragged_np": lambda L: L.tensor([np.array([1, 2]), np.array([3])]),
    "empty": lambda L: L.tensor([]),
    "empty_2d": lambda L: L.tensor([[], []]),
    "empty_3d": lambda L: L.tensor([[[]]]),
    "empty_int": lambda L: L.tensor([], dtype=L.int32),
    "scalar_int": lambda L: L.tensor(3),
    "scalar_float": lambda L: L.tensor(3.0),
    "scalar_bool": lambda L: L.tensor(False),
    "tuple": lambda L: L.tensor((1, 2)),
    "range": lambda L: L.tensor(range(4)),
    "size": lambda L: L.tensor(L.Size([2, 3])),
    "list_of_size": lambda L: L.tensor([L.Size([2, 3])]),
    "bytearray": lambda L: L.tensor(bytearray(b"ab")),
    "memoryview": lambda L: L.tensor(memoryview(b"ab")),
    "bytes": lambda L: L.tensor(b"ab"),
    "int64_max": lambda L: L.tensor([2 ** 63 - 1]),
    "int64_overflow": lambda L: L.tensor([2 ** 63]),
    "int64_underflow": lambda L: L.tensor([-2 ** 63 - 1]),
    "scalar_overflow": lambda L: L.tensor(2 ** 64),
    "huge_int_in_floats": lambda L: L.tensor([1.5, 2 ** 70]),
    "huge_int_first": lambda L: L.tensor([2 ** 70, 1.5]),
    "str": lambda L: L.tensor("abc"),
    "str_in_list": lambda L: L.tensor([1, "a"]),
    "none": lambda L: L.tensor(None),
    "none_in_list": lambda L: L.tensor([1, None]),
    "dict": lambda L: L.tensor({1: 2}),
    "generator": lambda L: L.tensor(x for x in range(3)),
    "object_array": lambda L: L.tensor(np.array([1, "a"], dtype=object)),
    "big_endian": lambda L: L.tensor(np.arange(3, dtype=">i4")),
    "negative_strides": lambda L: L.tensor(np.arange(6).reshape(2, 3)[:, ::-1]),
    "nan_inf": lambda L: L.tensor([float("nan"), float("inf")]),
    "dtype_int_truncates": lambda L: L.tensor([1.7, -2.7], dtype=L.int32),
    "dtype_bool": lambda L: L.tensor([1.7, 0], dtype=L.bool),
    "dtype_complex": lambda L: L.tensor([1.5, 2.5], dtype=L.complex64),
    "dtype_bf16": lambda L: L.tensor([[1, 2], [3, 4]], dtype=L.bfloat16),
    "dtype_f16_rounding": lambda L: L.tensor([-4466.0000044279, 0.1], dtype=L.float16),
    "dtype_f16_big": lambda L: L.tensor(2 ** 40, dtype=L.float16),
    "dtype_f32_overflow_is_inf": lambda L: L.tensor([1e40], dtype=L.float32),
    "dtype_f64_exact": lambda L: L.tensor([0.1], dtype=L.float64),
    "dtype_uint8_wraps": lambda L: L.tensor([-1, -255], dtype=L.uint8),
    "dtype_uint8_over": lambda L: L.tensor([-1, 300], dtype=L.uint8),
    "dtype_uint8_under": lambda L: L.tensor([-256], dtype=L.uint8),
    "dtype_int8_over": lambda L: L.tensor([-129], dtype=L.int8),
    "dtype_int32_float_over": lambda L: L.tensor([1e10], dtype=L.int32),
    "dtype_nan_to_int": lambda L: L.tensor([float("nan")], dtype=L.int64),
    "dtype_float_to_uint8_negative": lambda L: L.tensor([-1.5], dtype=L.uint8),
    "dtype_complex_to_int": lambda L: L.tensor([1 + 2j], dtype=L.int64),
    "dtype_complex_to_float": lambda L: L.tensor(1 + 2j, dtype=L.float64),
    "dtype_np_ints_to_int8": lambda L: L.tensor([np.int32(1), np.int32(2)], dtype=L.int8),
    "dtype_np_scalar": lambda L: L.tensor(np.int64(3), dtype=L.float32),
    "dtype_scalar_trunc": lambda L: L.tensor(3.7, dtype=L.int64),
    "dtype_scalar_bool": lambda L: L.tensor(3, dtype=L.bool),
    "requires_grad": lambda L: L.tensor([1., 2.], requires_grad=True),
    "requires_grad_int": lambda L: L.tensor([1, 2], requires_grad=True),
    "requires_grad_complex": lambda L: L.tensor([1j], requires_grad=True),
    "device_cpu": lambda L: L.tensor([1, 2], device="cpu", dtype=L.float64),
    "device_obj": lambda L: L.tensor([1, 2], device=L.device("cpu")),
    "device_bad": lambda L: L.tensor([1, 2], device="foo"),
    "device_index": lambda L: L.tensor([1, 2], device=0),
}


@pytest.mark.parametrize("case", TENSOR_CASES)
def test_tensor_matches_torch(case):
    same_as_torch(TENSOR_CASES[case])


def test_tensor_cuda_device_raises_runtime_error():
    with pytest.raises(RuntimeError):
        ember.tensor([1.0], device="cuda")
    with pytest.raises(RuntimeError):
        ember.tensor([1.0], device="cuda:0")


def test_tensor_copies_and_detaches():
    a = np.arange(3.0)
    t = ember.tensor(a)
    a[0] = 9
    assert t.tolist() == [0.0, 1.0, 2.0]
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning):
        y = ember.tensor(x)
    assert not y.requires_grad and y.grad_fn is None and y.data_ptr() != x.data_ptr()


@pytest.mark.parametrize("make", [
    lambda L: L.tensor(np.arange(6.).reshape(2, 3).T),
    lambda L: L.tensor(np.arange(6.).reshape(2, 3)[:, ::2]),
    lambda L: L.tensor(L.arange(6.).reshape(2, 3).T),
    lambda L: L.tensor(L.arange(6.)[::2]),
])
def test_tensor_copy_keeps_dense_layouts(make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert make(ember).stride() == make(torch).stride()


# --- sharing memory ----------------------------------------------------------------------

def test_as_tensor_and_asarray_share_memory():
    for lib in (ember, torch):
        a = np.arange(3.0)
        t = lib.as_tensor(a)
        u = lib.asarray(a)
        c = lib.asarray(a, copy=True)
        d = lib.as_tensor(a, dtype=lib.float32)
        a[0] = 9
        assert t.tolist() == u.tolist() == [9.0, 1.0, 2.0], lib
        assert c.tolist() == [0.0, 1.0, 2.0] and d.tolist() == [0.0, 1.0, 2.0]
        t[1] = 7
        assert a[1] == 7
        x = lib.tensor([1.0, 2.0])
        assert lib.as_tensor(x) is x and lib.asarray(x) is x
        assert lib.asarray(x, copy=True).data_ptr() != x.data_ptr()


AS_CASES = {
    "asarray_copy_false_dtype": lambda L: L.asarray(np.arange(3.), copy=False, dtype=L.float32),
    "asarray_copy_false_list": lambda L: L.asarray([1, 2], copy=False),
    "asarray_list": lambda L: L.asarray([1., 2]),
    "asarray_scalar": lambda L: L.asarray(3.5),
    "asarray_np_scalar": lambda L: L.asarray(np.float32(2.5)),
    "asarray_0d_list": lambda L: L.asarray([L.tensor(1.), L.tensor(2.)]),
    "asarray_requires_grad": lambda L: L.asarray(np.arange(3.), requires_grad=True),
    "asarray_dtype": lambda L: L.asarray(np.array([1, 2], np.int32), dtype=L.int64),
    "as_tensor_scalar": lambda L: L.as_tensor(3.5),
    "as_tensor_list": lambda L: L.as_tensor([1, 2.5]),
    "as_tensor_big_endian": lambda L: L.as_tensor(np.arange(4, dtype=">i4")),
    "as_tensor_negative_strides": lambda L: L.as_tensor(np.arange(6).reshape(2, 3)[:, ::-1]),
    "as_tensor_strides": lambda L: L.as_tensor(np.arange(6.).reshape(2, 3).T).stride(),
}


@pytest.mark.parametrize("case", AS_CASES)
def test_as_tensor_asarray_match_torch(case):
    same_as_torch(AS_CASES[case])


@pytest.mark.parametrize("how", ["asarray_dtype", "as_tensor_dtype", "asarray_copy",
                                 "as_tensor_same", "asarray_same"])
def test_as_tensor_asarray_autograd(how):
    def run(L):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = {"asarray_dtype": lambda: L.asarray(x, dtype=L.float64),
             "as_tensor_dtype": lambda: L.as_tensor(x, dtype=L.float64),
             "asarray_copy": lambda: L.asarray(x, copy=True),
             "as_tensor_same": lambda: L.as_tensor(x),
             "asarray_same": lambda: L.asarray(x, copy=False)}[how]()
        return (y.requires_grad, type(y.grad_fn).__name__, y is x,
                y.data_ptr() == x.data_ptr())
    assert run(ember) == run(torch)


def test_from_numpy_shares_both_ways_and_checks():
    a = np.zeros(3)
    t = ember.from_numpy(a)
    t.add_(1)
    assert a.tolist() == [1.0, 1.0, 1.0]
    a[0] = 5
    assert t[0].item() == 5
    for lib in (ember, torch):
        with pytest.raises(TypeError):
            lib.from_numpy([1, 2])
        with pytest.raises(TypeError):
            lib.from_numpy(np.array(["a"]))
        with pytest.raises(ValueError):
            lib.from_numpy(np.arange(4, dtype=">i4"))
        with pytest.raises(ValueError):
            lib.from_numpy(np.arange(6).reshape(2, 3)[:, ::-1])
        b = np.arange(3.0)
        b.flags.writeable = False
        with pytest.warns(UserWarning):
            lib.from_numpy(b)
    assert ember.from_numpy(np.arange(6).reshape(2, 3)[:, ::2]).stride() == (3, 2)


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "int32", "int16",
                                   "int8", "uint8", "bool", "complex64", "complex128"])
def test_from_numpy_dtypes(dtype):
    a = np.ones((2, 2), dtype=dtype)
    want = str(torch.from_numpy(a).dtype).replace("torch", "ember")
    assert str(ember.from_numpy(a).dtype) == want


FROMBUFFER = {
    "int16": lambda L: L.frombuffer(bytearray(b"\x01\x02\x03\x04"), dtype=L.int16),
    "count_offset": lambda L: L.frombuffer(bytearray(b"\x01\x02\x03\x04"), dtype=L.uint8,
                                           count=2, offset=1),
    "bytes": lambda L: L.frombuffer(b"\x01\x02\x03\x04", dtype=L.uint8),
    "empty": lambda L: L.frombuffer(bytearray(b""), dtype=L.uint8),
    "bad_length": lambda L: L.frombuffer(bytearray(b"\x01\x02\x03"), dtype=L.int16),
    "count_too_big": lambda L: L.frombuffer(bytearray(b"\x01\x02\x03"), dtype=L.int16,
                                            count=2),
    "offset_too_big": lambda L: L.frombuffer(bytearray(b"\x01\x02\x03"), dtype=L.int8,
                                             offset=3),
    "negative_offset": lambda L: L.frombuffer(bytearray(b"\x01\x02"), dtype=L.int8, offset=-1),
    "requires_grad": lambda L: L.frombuffer(bytearray(8), dtype=L.float32, requires_grad=True),
    "float64": lambda L: L.frombuffer(bytearray(np.arange(3.0).tobytes()), dtype=L.float64),
}


@pytest.mark.parametrize("case", FROMBUFFER)
def test_frombuffer_matches_torch(case):
    same_as_torch(FROMBUFFER[case])


def test_frombuffer_shares_memory():
    buf = bytearray(8)
    t = ember.frombuffer(buf, dtype=ember.int32)
    buf[0] = 7
    assert t.tolist() == [7, 0]


# --- constant factories --------------------------------------------------------------------

FACTORIES = {
    "zeros_ints": lambda L: L.zeros(2, 3), "zeros_tuple": lambda L: L.zeros((2, 3)),
    "zeros_list": lambda L: L.zeros([2, 3]), "zeros_size": lambda L: L.zeros(L.Size([2])),
    "zeros_scalar": lambda L: L.zeros(()), "zeros_empty": lambda L: L.zeros(2, 0, 3),
    "zeros_kw": lambda L: L.zeros(size=(2, 3)), "ones_kw": lambda L: L.ones(size=[2]),
    "zeros_negative": lambda L: L.zeros(-1), "zeros_float": lambda L: L.zeros(2.5),
    "zeros_float_in_tuple": lambda L: L.zeros((2, 3.0)), "zeros_0d_tensor": lambda L: L.zeros(
        L.tensor(3)), "zeros_float_tensor": lambda L: L.zeros(L.tensor(2.)),
    "zeros_np_int": lambda L: L.zeros(np.int64(3)), "zeros_tensors_in_list": lambda L: L.zeros(
        [L.tensor(2), 3]), "zeros_bool_size": lambda L: L.zeros((2, True)),
    "zeros_bool": lambda L: L.zeros(True), "zeros_none": lambda L: L.zeros(None),
    "zeros_nothing": lambda L: L.zeros(), "zeros_both_size": lambda L: L.zeros(2, size=(3,)),
    "zeros_bad_kw": lambda L: L.zeros(2, foo=1), "zeros_empty_list": lambda L: L.zeros([]),
    "zeros_int_grad": lambda L: L.zeros(2, dtype=L.int64, requires_grad=True),
    "zeros_grad": lambda L: L.zeros(2, requires_grad=True),
    "ones_bool": lambda L: L.ones(2, 2, dtype=L.bool),
    "ones_complex": lambda L: L.ones(3, dtype=L.complex64),
    "empty_shape": lambda L: L.empty(2, 3).zero_(),
    "empty_dtype": lambda L: L.empty(2, dtype=L.int8).zero_(),
    "full_float": lambda L: L.full((2,), 1.5), "full_int": lambda L: L.full((2,), 2),
    "full_bool": lambda L: L.full((2,), True), "full_complex": lambda L: L.full((2,), 1j),
    "full_dtype": lambda L: L.full([2, 2], 7, dtype=L.float64),
    "full_int_size": lambda L: L.full(3, 1.0), "full_scalar": lambda L: L.full((), 3),
    "full_0d_tensor": lambda L: L.full((2,), L.tensor(2.5)),
    "full_0d_int32_tensor": lambda L: L.full((2,), L.tensor(2, dtype=L.int32)),
    "full_1d_tensor": lambda L: L.full((2,), L.tensor([2.5])),
    "full_np_scalar": lambda L: L.full((2,), np.float32(2.5)),
    "full_nan": lambda L: L.full((2,), float("nan")),
    "full_uint8_over": lambda L: L.full((2,), 300, dtype=L.uint8),
    "full_uint8_wrap": lambda L: L.full((2,), -1, dtype=L.uint8),
    "full_uint8_wrap_far": lambda L: L.full((1,), -129, dtype=L.uint8),
    "full_float_to_uint8": lambda L: L.full((1,), 255.9, dtype=L.uint8),
    "full_neg_float_to_uint8": lambda L: L.full((1,), -1.5, dtype=L.uint8),
    "full_int32_over": lambda L: L.full((2,), 1e10, dtype=L.int32),
    "full_nan_to_int": lambda L: L.full((2,), float("nan"), dtype=L.int32),
    "full_f32_overflow": lambda L: L.full((2,), 1e40, dtype=L.float32),
    "full_f16_overflow_is_inf": lambda L: L.full((1,), 70000., dtype=L.float16),
    "full_complex_to_float": lambda L: L.full((2,), 1j, dtype=L.float32),
    "full_real_complex_to_float": lambda L: L.full((1,), 1 + 0j, dtype=L.float32),
    "full_truncates": lambda L: L.full((2,), 1.5, dtype=L.int32),
    "full_to_bool": lambda L: L.full((1,), 0.5, dtype=L.bool),
    "full_int_overflow": lambda L: L.full((1,), 2 ** 64),
    "full_grad": lambda L: L.full((2,), 1.5, requires_grad=True),
    "full_kw": lambda L: L.full(size=(2,), fill_value=3),
    "zeros_like": lambda L: L.zeros_like(L.ones(2, 3, dtype=L.int32)),
    "ones_like_dtype": lambda L: L.ones_like(L.ones(2), dtype=L.int64),
    "empty_like": lambda L: L.empty_like(L.ones(2, 3)).zero_(),
    "full_like_int": lambda L: L.full_like(L.ones(2, dtype=L.int32), 2.7),
    "full_like_dtype": lambda L: L.full_like(L.ones(2), 2, dtype=L.float64),
    "full_like_uint8_over": lambda L: L.full_like(L.ones(2, dtype=L.uint8), 300),
    "full_like_uint8_wrap": lambda L: L.full_like(L.ones(2, dtype=L.uint8), -1),
    "full_like_0d_tensor": lambda L: L.full_like(L.ones(2), L.tensor(2.7)),
    "zeros_like_grad": lambda L: L.zeros_like(L.ones(2), requires_grad=True),
    "full_like_grad": lambda L: L.full_like(L.ones(2), 1.5, requires_grad=True),
    "new_zeros": lambda L: L.ones(2).new_zeros(3),
    "new_zeros_tuple": lambda L: L.ones(2).new_zeros((2, 3)),
    "new_zeros_kw": lambda L: L.ones(2).new_zeros(size=(2,)),
    "new_zeros_scalar": lambda L: L.ones(2).new_zeros(()),
    "new_zeros_dtype": lambda L: L.ones(2).new_zeros(2, dtype=L.int64),
    "new_ones_keeps_dtype": lambda L: L.ones(2, dtype=L.int32).new_ones((2, 2)),
    "new_ones_grad": lambda L: L.ones(2).new_ones(2, requires_grad=True),
    "new_zeros_no_grad": lambda L: L.ones(2, requires_grad=True).new_zeros(2),
    "new_full": lambda L: L.ones(2, dtype=L.float64).new_full((2,), 3),
    "new_full_trunc": lambda L: L.ones(2, dtype=L.int32).new_full((2,), 3.7),
    "new_full_int_size": lambda L: L.ones(2).new_full(3, 1.),
    "new_full_list_size": lambda L: L.ones(2).new_full([3], 1.),
    "new_full_0d_tensor": lambda L: L.ones(2).new_full((2,), L.tensor(2.7)),
    "new_full_uint8_over": lambda L: L.ones(2, dtype=L.uint8).new_full((2,), 300),
    "new_tensor": lambda L: L.ones(2).new_tensor([1, 2]),
    "new_tensor_f64": lambda L: L.ones(2, dtype=L.float64).new_tensor([1, 2]),
    "new_tensor_dtype": lambda L: L.ones(2).new_tensor([1, 2], dtype=L.int32),
    "new_empty": lambda L: L.ones(2).new_empty(2, 3, dtype=L.int8).zero_(),
    "eye": lambda L: L.eye(3), "eye_rect": lambda L: L.eye(2, 3),
    "eye_int": lambda L: L.eye(3, dtype=L.int64), "eye_zero": lambda L: L.eye(0),
    "eye_negative": lambda L: L.eye(-1), "eye_negative_m": lambda L: L.eye(2, -1),
    "eye_grad": lambda L: L.eye(2, requires_grad=True), "eye_kw": lambda L: L.eye(n=2, m=1),
    "eye_bool": lambda L: L.eye(2, dtype=L.bool), "eye_float_m": lambda L: L.eye(2, 2.0),
}


@pytest.mark.parametrize("case", FACTORIES)
def test_factories_match_torch(case):
    same_as_torch(FACTORIES[case])


LIKE_INPUTS = {
    "transposed": lambda L: L.ones(3, 4).T,
    "sliced": lambda L: L.ones(3, 4)[:, ::2],
    "sliced_transposed": lambda L: L.ones(3, 4).T[::2],
    "expanded": lambda L: L.ones(3, 1).expand(3, 4),
    "permuted": lambda L: L.ones(2, 3, 4).permute(2, 0, 1),
    "permuted_sliced": lambda L: L.ones(2, 3, 4).permute(2, 0, 1)[:, :, ::2],
}


@pytest.mark.parametrize("make", LIKE_INPUTS)
@pytest.mark.parametrize("fn", ["zeros_like", "ones_like", "full_like", "rand_like",
                                "randn_like", "empty_like"])
def test_like_factories_preserve_layout(make, fn):
    def strides(L):
        x = LIKE_INPUTS[make](L)
        out = getattr(L, fn)(x, 2.0) if fn == "full_like" else getattr(L, fn)(x)
        return out.stride(), tuple(out.shape)
    assert strides(ember) == strides(torch)


@pytest.mark.parametrize("name,args", [("zeros", (3,)), ("ones", (2, 2)), ("empty", (2,)),
                                       ("rand", (3,)), ("randn", (3,)), ("eye", (3,))])
def test_factory_out_argument(name, args):
    for lib in (ember, torch):
        out = lib.empty(5, dtype=lib.float64)
        view = out[:2]
        r = getattr(lib, name)(*args, out=out)
        assert r is out and out.dtype == lib.float64
        assert tuple(out.shape) == (tuple(args) if name != "eye" else (3, 3))
        if name in ("zeros", "ones") and len(args) == 1:
            assert view.tolist() == out[:2].tolist()  # resizing smaller keeps the storage
        with pytest.raises(RuntimeError):
            getattr(lib, name)(*args, out=lib.empty(2, dtype=lib.int64), dtype=lib.float32)
        with pytest.raises(RuntimeError):
            getattr(lib, name)(*args, out=lib.empty(2, requires_grad=True))


def test_out_dtype_drives_result():
    for lib in (ember, torch):
        o = lib.empty(2, dtype=lib.int64)
        assert lib.zeros(2, out=o).dtype == lib.int64
        o = lib.empty(2, dtype=lib.int32)
        with pytest.warns(UserWarning):  # resizing a non-empty out
            r = lib.arange(5, out=o)
        assert r is o and o.tolist() == [0, 1, 2, 3, 4]
        o = lib.empty(2, dtype=lib.int32)
        assert lib.linspace(0, 1, 3, out=o).tolist() == [0, 0, 1]
        o = lib.empty(2)
        assert lib.full((3,), 2, out=o).tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("name,args", [
    ("zeros", (2,)), ("ones", (2,)), ("empty", (2,)), ("full", ((2,), 1.0)), ("rand", (2,)),
    ("randn", (2,)), ("arange", (3.0,)), ("linspace", (0, 1, 3)), ("logspace", (0, 1, 3)),
    ("eye", (2,)), ("randint", (0, 3, (2,))), ("randperm", (3,)), ("tensor", ([1.0],)),
    ("range", (0, 2)), ("normal", (0.0, 1.0, (2,))), ("empty_strided", ((2,), (1,))),
])
def test_device_and_requires_grad_on_every_factory(name, args):
    fn = getattr(ember, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dev in ("cpu", ember.device("cpu"), None):
            t = fn(*args, device=dev)
            assert t.device == ember.device("cpu")
        for dev in ("cuda", "cuda:0", ember.device("cuda"), "mps"):
            with pytest.raises(RuntimeError):
                fn(*args, device=dev)
        if name not in ("randint", "randperm"):
            t = fn(*args, requires_grad=True)
            assert t.requires_grad and t.is_leaf and t.grad_fn is None
        else:
            with pytest.raises(RuntimeError):
                fn(*args, requires_grad=True)


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "empty_like", "rand_like",
                                  "randn_like"])
def test_like_device_and_requires_grad(name):
    x = ember.ones(2, 3)
    t = getattr(ember, name)(x, device="cpu", requires_grad=True)
    assert t.requires_grad and t.shape == (2, 3)
    with pytest.raises(RuntimeError):
        getattr(ember, name)(x, device="cuda")


EMPTY_STRIDED = {
    "transposed": lambda L: L.empty_strided((2, 3), (1, 2)),
    "contiguous": lambda L: L.empty_strided((2, 3), (3, 1)),
    "dtype": lambda L: L.empty_strided((2, 3), (1, 2), dtype=L.float64),
    "empty": lambda L: L.empty_strided((0, 3), (3, 1)),
    "broadcast": lambda L: L.empty_strided((2,), (0,)),
    "scalar": lambda L: L.empty_strided((), ()),
    "mismatch": lambda L: L.empty_strided((2, 3), (1,)),
}


@pytest.mark.parametrize("case", EMPTY_STRIDED)
def test_empty_strided(case):
    def info(L):
        try:
            t = EMPTY_STRIDED[case](L)
        except Exception as e:  # noqa: BLE001
            return type(e).__name__
        return (tuple(t.shape), t.stride(), str(t.dtype)[6:], t.is_contiguous(),
                t.untyped_storage().nbytes())
    assert info(ember) == info(torch)


# --- ranges --------------------------------------------------------------------------------

RANGE_DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16",
                "uint8"]
LIN_ENDS = [(0, 1), (-1, 1), (0.1, 0.9), (-5, 5), (3, -7.3), (0, 100), (1e-3, 2.5),
            (-2.2, 1e4), (0, 255), (2, 2)]
LIN_STEPS = [0, 1, 2, 3, 5, 7, 16, 31, 33, 64, 65, 100, 101, 257, 1001]


def _array_outcome(f, lib):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = f(lib)
        except Exception as e:  # noqa: BLE001
            return ("raise", type(e).__name__), None
    v = r.detach()
    if "bfloat16" in str(v.dtype):
        v = v.float()
    return ("ok", str(r.dtype).split(".")[-1], tuple(r.shape)), v.numpy()


def same_values(f):
    """f(ember) equals f(torch) exactly: dtype, shape and every bit of every value."""
    (want, tv), (got, ev) = _array_outcome(f, torch), _array_outcome(f, ember)
    assert got == want
    if tv is not None:
        np.testing.assert_array_equal(ev, tv)


@pytest.mark.parametrize("dtype", RANGE_DTYPES)
@pytest.mark.parametrize("ends", LIN_ENDS, ids=str)
def test_linspace_bit_exact(dtype, ends):
    a, b = ends
    if dtype == "uint8" and min(a, b) < 0:
        pytest.skip("negative ends overflow uint8 (tested in errors)")
    for n in LIN_STEPS:
        same_values(lambda L: L.linspace(a, b, n, dtype=getattr(L, dtype)))


@pytest.mark.parametrize("dtype", RANGE_DTYPES)
@pytest.mark.parametrize("ends", LIN_ENDS, ids=str)
def test_logspace_bit_exact(dtype, ends):
    a, b = ends[0] / 10, ends[1] / 10
    if dtype == "uint8":
        pytest.skip("logspace into uint8 wraps like a cast; covered by int dtypes")
    for n in (0, 1, 2, 5, 16, 33, 101):
        for base in (10.0, 2.0, 0.5):
            same_values(lambda L: L.logspace(a, b, n, base, dtype=getattr(L, dtype)))


ARANGES = [(0, 1, 0.1), (-1, 1, 0.3), (1, 0, -0.1), (0.1, 0.5, 0.1), (0, 10, 0.01),
           (-3.3, 7.1, 0.07), (0, 100, 1 / 3), (5, 5000, 1.7), (0, 1000, 1),
           (1e4, 1e4 + 10, 0.25), (0, 10, 3), (10, 0, -3), (0.5, 3, 1.5), (-2.5, 3, 1.5),
           (0, 2.5, 0.5), (0, 255, 7)]


@pytest.mark.parametrize("dtype", RANGE_DTYPES + [None])
def test_arange_and_range_bit_exact(dtype):
    for a, b, s in ARANGES:
        if dtype == "uint8" and min(a, b) < 0:
            continue
        kw = (lambda L: {}) if dtype is None else (lambda L: {"dtype": getattr(L, dtype)})
        same_values(lambda L: L.arange(a, b, s, **kw(L)))
        if dtype and "int" in dtype and int(s) == 0:
            continue  # torch.range divides by the truncated step: a crash, not an error
        same_values(lambda L: L.range(a, b, s, **kw(L)))


def test_long_ranges_bit_exact():
    same_values(lambda L: L.linspace(-1, 1, 100001))
    same_values(lambda L: L.arange(0, 10, 1e-4))
    same_values(lambda L: L.arange(0, 10, 1e-4, dtype=L.float64))
    same_values(lambda L: L.arange(0, 10, 1e-3, dtype=L.float16))


RANGE_CASES = {
    "arange_int": lambda L: L.arange(5), "arange_start_end": lambda L: L.arange(1, 5),
    "arange_neg_step": lambda L: L.arange(5, 1, -1), "arange_float_start": lambda L: L.arange(
        0., 5), "arange_float_end": lambda L: L.arange(0, 5.),
    "arange_float_dtype_int": lambda L: L.arange(0.5, 3, dtype=L.int64),
    "arange_step_trunc_zero": lambda L: L.arange(0, 2.5, 0.5, dtype=L.int64),
    "arange_int32_float_args": lambda L: L.arange(0.5, 3.2, 0.5, dtype=L.int32),
    "arange_empty": lambda L: L.arange(5, 5), "arange_zero": lambda L: L.arange(0),
    "arange_bad_sign": lambda L: L.arange(5, 1), "arange_zero_step": lambda L: L.arange(0, 5, 0),
    "arange_bad_sign2": lambda L: L.arange(0, 5, -1),
    "arange_0d_tensor": lambda L: L.arange(L.tensor(3)),
    "arange_0d_float_tensor": lambda L: L.arange(L.tensor(3.)),
    "arange_np_int": lambda L: L.arange(np.int32(3)),
    "arange_np_float": lambda L: L.arange(np.float32(0.5), 3),
    "arange_tensor_step": lambda L: L.arange(0, 5, L.tensor(2)),
    "arange_bool": lambda L: L.arange(True),
    "arange_uint8": lambda L: L.arange(10, dtype=L.uint8),
    "arange_uint8_big": lambda L: L.arange(0, 300, 100, dtype=L.uint8),
    "arange_bool_dtype": lambda L: L.arange(3, dtype=L.bool),
    "arange_complex_dtype": lambda L: L.arange(3, dtype=L.complex64),
    "arange_inf": lambda L: L.arange(float("inf")),
    "arange_nan": lambda L: L.arange(0, float("nan")),
    "arange_kw": lambda L: L.arange(start=1, end=4), "arange_end_kw": lambda L: L.arange(end=4),
    "arange_grad": lambda L: L.arange(3., requires_grad=True),
    "arange_int_grad": lambda L: L.arange(3, requires_grad=True),
    "arange_huge_start": lambda L: L.arange(1e20, 1e20 + 1),
    "arange_big_ints": lambda L: L.arange(0, 2 ** 53 + 4, 2 ** 52),
    "range": lambda L: L.range(1, 4), "range_step": lambda L: L.range(1, 4, 0.5),
    "range_int": lambda L: L.range(1, 4, dtype=L.int64), "range_neg": lambda L: L.range(4, 1, -1),
    "range_bad": lambda L: L.range(1, 0), "range_zero_step": lambda L: L.range(0, 3, 0),
    "range_missing_end": lambda L: L.range(3), "range_kw": lambda L: L.range(start=0, end=2),
    "linspace_one": lambda L: L.linspace(0, 1, 1), "linspace_zero": lambda L: L.linspace(0, 1, 0),
    "linspace_neg_steps": lambda L: L.linspace(0, 1, -1),
    "linspace_float_steps": lambda L: L.linspace(0, 1, 2.0),
    "linspace_tensors": lambda L: L.linspace(L.tensor(0.), L.tensor(1.), 3),
    "linspace_complex": lambda L: L.linspace(0, 1j, 3),
    "linspace_complex_dtype": lambda L: L.linspace(0, 1, 3, dtype=L.complex64),
    "linspace_uint8_negative_end": lambda L: L.linspace(3, -7.5, 7, dtype=L.uint8),
    "linspace_kw": lambda L: L.linspace(0, 1, steps=3),
    "linspace_grad": lambda L: L.linspace(0, 1, 3, requires_grad=True),
    "logspace_one": lambda L: L.logspace(0, 1, 1), "logspace_base_pos": lambda L: L.logspace(
        0, 2, 3, 2.0), "logspace_int": lambda L: L.logspace(0, 3, 4, dtype=L.int64),
    "logspace_neg_steps": lambda L: L.logspace(0, 1, -1),
}


@pytest.mark.parametrize("case", RANGE_CASES)
def test_range_factories_match_torch(case):
    same_values(RANGE_CASES[case])


def test_range_warns_deprecated():
    with pytest.warns(UserWarning):
        ember.range(0, 2)


# --- grids and indices ---------------------------------------------------------------------

GRIDS = {
    "ij": lambda L: L.meshgrid(L.arange(2), L.arange(3), indexing="ij"),
    "xy": lambda L: L.meshgrid(L.arange(2), L.arange(3), indexing="xy"),
    "list": lambda L: L.meshgrid([L.arange(2), L.arange(3)], indexing="ij"),
    "xy3": lambda L: L.meshgrid(L.arange(2), L.arange(3), L.arange(4), indexing="xy"),
    "one": lambda L: L.meshgrid(L.arange(2), indexing="xy"),
    "scalar": lambda L: L.meshgrid(L.tensor(2), L.arange(3), indexing="ij"),
    "bad_indexing": lambda L: L.meshgrid(L.arange(2), L.arange(3), indexing="bad"),
    "mixed_dtypes": lambda L: L.meshgrid(L.arange(2), L.arange(3.), indexing="ij"),
    "2d_input": lambda L: L.meshgrid(L.ones(2, 2), indexing="ij"),
    "none": lambda L: L.meshgrid(),
}


@pytest.mark.parametrize("case", GRIDS)
def test_meshgrid_matches_torch(case):
    def run(L):
        try:
            out = GRIDS[case](L)
        except Exception as e:  # noqa: BLE001
            return type(e).__name__
        return [(tuple(t.shape), t.tolist()) for t in out]
    assert run(ember) == run(torch)


def test_meshgrid_warns_without_indexing_and_is_differentiable():
    with pytest.warns(UserWarning):
        ember.meshgrid(ember.arange(2), ember.arange(3))
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    b = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x, y = ember.meshgrid(a, b, indexing="ij")
    (x * y).sum().backward()
    assert a.grad.tolist() == [6.0, 6.0] and b.grad.tolist() == [3.0, 3.0, 3.0]


TRI = {
    "tril": lambda L: L.tril_indices(3, 3), "tril_offset": lambda L: L.tril_indices(3, 4, 1),
    "triu": lambda L: L.triu_indices(3, 3), "triu_neg": lambda L: L.triu_indices(4, 3, -1),
    "tril_int32": lambda L: L.tril_indices(3, 3, dtype=L.int32),
    "triu_zero_rows": lambda L: L.triu_indices(0, 3),
    "tril_far_below": lambda L: L.tril_indices(3, 3, -5),
    "triu_far_above": lambda L: L.triu_indices(3, 3, 5),
    "tril_negative_row": lambda L: L.tril_indices(-1, 3),
    "triu_negative_col": lambda L: L.triu_indices(3, -1),
    "tril_float": lambda L: L.tril_indices(3, 3, dtype=L.float32),
    "triu_kw": lambda L: L.triu_indices(row=2, col=2, offset=0),
}


@pytest.mark.parametrize("case", TRI)
def test_tril_triu_indices(case):
    same_as_torch(TRI[case])
