"""Storage, strides and views against torch 2.13 (untyped_storage, data_ptr, storage_offset,
stride, is_contiguous, contiguous), pickling and deepcopy (dtype, requires_grad, values, and
views keeping their shared memory), and ember.Size."""
import copy
import pickle

import numpy as np
import pytest
import torch

import ember


def result(f, lib):
    try:
        r = f(lib)
    except Exception as e:  # noqa: BLE001
        return ("raise", type(e).__name__)
    return ("ok", repr(r).replace("torch", "ember"))


def same_as_torch(f):
    assert result(f, ember) == result(f, torch)


VIEWS = {
    "base": lambda L: L.arange(24.).reshape(2, 3, 4),
    "slice": lambda L: L.arange(24.).reshape(2, 3, 4)[:, 1:, ::2],
    "transpose": lambda L: L.arange(12.).reshape(3, 4).t(),
    "permute": lambda L: L.arange(24.).reshape(2, 3, 4).permute(2, 0, 1),
    "expand": lambda L: L.arange(3.).reshape(3, 1).expand(3, 4),
    "expand_0d": lambda L: L.tensor(1.).expand(2, 3),
    "select": lambda L: L.arange(24.).reshape(2, 3, 4)[1],
    "narrow": lambda L: L.arange(10.)[3:7], "step": lambda L: L.arange(10.)[1::3],
    "unsqueeze": lambda L: L.arange(6.).reshape(2, 3).unsqueeze(1),
    "diagonal": lambda L: L.arange(9.).reshape(3, 3).diagonal(),
    "empty": lambda L: L.zeros(0, 3), "size1": lambda L: L.zeros(1, 3),
    "size1_t": lambda L: L.zeros(3, 1).t(), "scalar": lambda L: L.tensor(2.),
    "view_of_slice": lambda L: L.arange(12.).view(3, 4)[1:].view(-1),
    "int_column": lambda L: L.arange(12).reshape(3, 4)[:, 1],
    "bool_step": lambda L: L.ones(4, dtype=L.bool)[::2],
    "complex_slice": lambda L: L.ones(4, dtype=L.complex64)[1:],
    "real": lambda L: L.ones(4, dtype=L.complex64).real,
    "imag": lambda L: L.ones(4, dtype=L.complex64).imag,
    "unfold": lambda L: L.arange(10.).unfold(0, 3, 2),
    "as_strided": lambda L: L.arange(10.).as_strided((3, 3), (1, 2), 1),
    "chunk": lambda L: L.arange(10.).chunk(3)[1],
    "split": lambda L: L.arange(12.).reshape(3, 4).split(2, dim=1)[1],
    "flatten_t": lambda L: L.arange(12.).reshape(3, 4).t().flatten(),
}
PROPS = {
    "stride": lambda t: t.stride(), "offset": lambda t: t.storage_offset(),
    "contiguous": lambda t: t.is_contiguous(), "contig_stride": lambda t: t.contiguous().stride(),
    "nbytes": lambda t: t.untyped_storage().nbytes(),
    "ptr_offset": lambda t: t.data_ptr() - t.untyped_storage().data_ptr(),
    "contig_is_self": lambda t: t.contiguous() is t,
    "contig_shares": lambda t: t.contiguous().data_ptr() == t.data_ptr(),
    "stride0": lambda t: t.stride(0) if t.dim() else t.stride(),
    "stride_last": lambda t: t.stride(-1) if t.dim() else (),
    "storage_size": lambda t: t.untyped_storage().size(),
    "storage_len": lambda t: len(t.untyped_storage()),
    "storage_element_size": lambda t: t.untyped_storage().element_size(),
    "storage_device": lambda t: t.untyped_storage().device,
    "shares_base": lambda t: None if t._base is None else
    t.untyped_storage().data_ptr() == t._base.untyped_storage().data_ptr(),
}


@pytest.mark.parametrize("prop", PROPS)
@pytest.mark.parametrize("view", VIEWS)
def test_views_and_storage_match_torch(view, prop):
    same_as_torch(lambda L: PROPS[prop](VIEWS[view](L)))


MISC = {
    "stride_out_of_range": lambda L: L.ones(2).stride(5),
    "channels_last_check": lambda L: L.ones(2, 3, 4, 5).is_contiguous(
        memory_format=L.channels_last),
    "channels_last_permuted": lambda L: L.ones(2, 4, 5, 3).permute(0, 3, 1, 2).is_contiguous(
        memory_format=L.channels_last),
    "channels_last_3d": lambda L: L.ones(2, 4, 5, 6, 3).permute(0, 4, 1, 2, 3).is_contiguous(
        memory_format=L.channels_last_3d),
    "contiguous_format": lambda L: L.ones(2, 3).t().is_contiguous(
        memory_format=L.contiguous_format),
    "storage_tolist": lambda L: L.ones(2).untyped_storage().tolist(),
    "storage_getitem": lambda L: L.tensor([1., 2.]).untyped_storage()[3],
    "storage_type": lambda L: type(L.ones(2).untyped_storage()).__name__,
    "base_none": lambda L: L.ones(2)._base, "base_view": lambda L: L.ones(2)[0]._base is not None,
    "is_storage": lambda L: L.is_storage(L.ones(2).untyped_storage()),
    "element_size": lambda L: L.ones(2, dtype=L.int16).element_size(),
}


@pytest.mark.parametrize("case", MISC)
def test_storage_misc_matches_torch(case):
    same_as_torch(MISC[case])


def test_storage_is_shared_by_views_and_writable():
    a = ember.arange(4.)
    v = a[1:]
    assert v.untyped_storage().data_ptr() == a.untyped_storage().data_ptr()
    st = a.untyped_storage()
    st[0] = 0x40  # low byte of 0.0's exponent region: an observable write-through
    assert a[0].item() != 0.0


# --- pickling and deepcopy -----------------------------------------------------------------

@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_views_copied_together_keep_sharing(how):
    a = ember.arange(12.).reshape(3, 4)
    v1, v2 = a[1], a[:, 2]
    b, w1, w2 = pickle.loads(pickle.dumps((a, v1, v2))) if how == "pickle" else \
        copy.deepcopy((a, v1, v2))
    w1[0] = 100
    assert b[1, 0].item() == 100 and a[1, 0].item() == 4
    assert w2.tolist() == [2.0, 6.0, 10.0] and w2.stride() == (4,) and w2.storage_offset() == 2
    assert b.untyped_storage().data_ptr() == w2.untyped_storage().data_ptr()
    d = copy.deepcopy({"w": a, "v": a[0]}) if how == "deepcopy" else \
        pickle.loads(pickle.dumps({"w": a, "v": a[0]}))
    d["v"][0] = 55
    assert d["w"][0, 0].item() == 55


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int64",
                                   "int8", "uint8", "bool", "complex64"])
def test_copies_keep_dtype_values_and_layout(how, dtype):
    d = getattr(ember, dtype)
    for t in (ember.arange(6).reshape(2, 3).to(d), ember.arange(6).reshape(2, 3).to(d).t(),
              ember.tensor(3).to(d), ember.zeros(0, 3, dtype=d),
              ember.ones(3, 1, dtype=d).expand(3, 4)):
        c = pickle.loads(pickle.dumps(t)) if how == "pickle" else copy.deepcopy(t)
        assert c.dtype is d and c.shape == t.shape and c.stride() == t.stride()
        assert c.tolist() == t.tolist()
        if t.numel():
            assert c.data_ptr() != t.data_ptr()


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_copies_keep_requires_grad_and_grad(how):
    for lib in (ember, torch):
        x = lib.tensor([1., 2.], requires_grad=True)
        x.grad = lib.ones(2)
        y = pickle.loads(pickle.dumps(x)) if how == "pickle" else copy.deepcopy(x)
        assert y.requires_grad and y.is_leaf and y.tolist() == [1.0, 2.0]
        assert (y.grad is None) == (how == "pickle"), lib  # deepcopy copies .grad, pickle not
        z = x * 2
        if how == "deepcopy":
            with pytest.raises(RuntimeError):
                copy.deepcopy(z)
        else:
            w = pickle.loads(pickle.dumps(z))
            assert w.requires_grad and w.grad_fn is None


def test_copy_copy_shares_and_real_views_survive_pickling():
    a = ember.arange(4.)
    c = copy.copy(a)
    c[0] = -1
    assert a[0].item() == -1
    z = ember.ones(3, dtype=ember.complex64)
    im, zz = pickle.loads(pickle.dumps((z.imag, z)))
    im[0] = 5
    assert zz[0].item() == 1 + 5j and im.storage_offset() == 1
    assert pickle.loads(pickle.dumps(ember.float64)) is ember.float64
    assert pickle.loads(pickle.dumps(ember.device("cpu"))) == ember.device("cpu")


def test_subclass_survives_copies():
    class Mine(ember.Tensor):
        pass
    m = Mine(ember.ones(2))
    m.tag = "kept"
    c = copy.deepcopy(m)
    assert type(c) is Mine and c.tag == "kept" and c.tolist() == [1.0, 1.0]


# --- Size ------------------------------------------------------------------------------------

SIZES = {
    "repr": lambda L: repr(L.Size([2, 3])), "str": lambda L: str(L.Size([2, 3])),
    "empty": lambda L: repr(L.Size([])), "slice": lambda L: L.Size([2, 3, 4])[1:],
    "slice_type": lambda L: type(L.Size([2, 3, 4])[1:]).__name__,
    "slice_neg": lambda L: L.Size([2, 3, 4])[-2:], "slice_step": lambda L: L.Size([2, 3, 4])[::2],
    "index": lambda L: L.Size([2, 3])[1], "numel": lambda L: L.Size([2, 3]).numel(),
    "numel_empty": lambda L: L.Size([]).numel(), "numel_zero": lambda L: L.Size([2, 0]).numel(),
    "eq_tuple": lambda L: L.Size([2, 3]) == (2, 3), "eq_list": lambda L: L.Size([2, 3]) == [2, 3],
    "ne": lambda L: L.Size([2]) != (3,), "lt": lambda L: L.Size([2]) < (3,),
    "hash": lambda L: hash(L.Size([2, 3])) == hash((2, 3)),
    "dict_key": lambda L: {(2, 3): 1}[L.Size([2, 3])],
    "add": lambda L: L.Size([2]) + L.Size([3]), "add_tuple": lambda L: L.Size([2]) + (3,),
    "radd": lambda L: (1,) + L.Size([2]), "mul": lambda L: L.Size([2]) * 2,
    "rmul": lambda L: 2 * L.Size([2]), "isinstance": lambda L: isinstance(L.Size([2]), tuple),
    "pickle": lambda L: pickle.loads(pickle.dumps(L.Size([2, 3]))),
    "deepcopy": lambda L: copy.deepcopy(L.Size([2, 3])),
    "shape_type": lambda L: type(L.ones(2, 3).shape).__name__,
    "size_call": lambda L: L.ones(2, 3).size(), "size_dim": lambda L: L.ones(2, 3).size(-1),
    "size_out_of_range": lambda L: L.ones(2, 3).size(2),
    "from_float": lambda L: L.Size([2.5]), "from_tensor": lambda L: L.Size([L.tensor(2)]),
    "from_numpy": lambda L: L.Size(np.array([2, 3])), "negative": lambda L: L.Size([-1]),
    "count": lambda L: L.Size([2, 2]).count(2), "tuple_index": lambda L: L.Size([2, 3]).index(3),
    "format": lambda L: f"{L.Size([2, 3])}", "list": lambda L: list(L.Size([2, 3])),
    "unpack": lambda L: (lambda a, b: a * b)(*L.Size([2, 3])),
    "reversed": lambda L: tuple(reversed(L.Size([2, 3]))),
    "generator": lambda L: L.Size(x for x in (1, 2)), "no_args": lambda L: L.Size(),
    "nested_repr": lambda L: repr([L.Size([1])]), "bool_item": lambda L: L.Size([True]),
}


@pytest.mark.parametrize("case", SIZES)
def test_size_matches_torch(case):
    same_as_torch(SIZES[case])
