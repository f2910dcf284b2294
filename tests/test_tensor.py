"""The Tensor class itself against torch 2.13: the torch.Tensor constructor and the legacy
typed constructors (FloatTensor, ...), autograd fields (requires_grad rules, is_leaf, data,
detach, retain_grad, version), basic attributes and predicates, layouts and memory formats."""
import warnings

import numpy as np
import pytest
import torch

import ember


def result(f, lib):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = f(lib)
        except Exception as e:  # noqa: BLE001
            return ("raise", type(e).__name__)
    return ("ok", repr(r).replace("torch", "ember"))


def same_as_torch(f):
    assert result(f, ember) == result(f, torch)


def _setattr(t, name, value):
    setattr(t, name, value)
    return t


CASES = {
    # torch.Tensor(...)
    "T_list": lambda L: L.Tensor([1, 2]), "T_sizes": lambda L: L.Tensor(2, 3).shape,
    "T_empty": lambda L: L.Tensor(), "T_size": lambda L: L.Tensor(L.Size([2, 3])).shape,
    "T_numpy": lambda L: L.Tensor(np.array([1., 2.])), "T_tuple": lambda L: L.Tensor((2, 3)),
    "T_tensor_alias": lambda L: L.Tensor(L.tensor([1, 2])),
    "T_nested": lambda L: L.Tensor([[1, 2]]),
    "T_zero": lambda L: L.Tensor(0), "T_float": lambda L: L.Tensor(3.5),
    "T_bool": lambda L: L.Tensor([True]), "T_device": lambda L: L.Tensor([1, 2], device="cpu"),
    "T_dtype_kw": lambda L: L.Tensor([1, 2], dtype=L.float64), "T_negative": lambda L: L.Tensor(-1),
    "T_shares": lambda L: (lambda t: L.Tensor(t).data_ptr() == t.data_ptr())(L.ones(2)),
    "T_new_object": lambda L: (lambda t: L.Tensor(t) is t)(L.ones(2)),
    "T_isinstance": lambda L: isinstance(L.ones(2), L.Tensor),
    "T_default_dtype": lambda L: (L.set_default_dtype(L.float64), L.Tensor([1.]).dtype,
                                  L.set_default_dtype(L.float32))[1],
    "T_class": lambda L: type(L.ones(2)).__name__,
    # legacy typed constructors
    "Float": lambda L: L.FloatTensor([1, 2]), "Long": lambda L: L.LongTensor([1.7, 2]),
    "Long_sizes": lambda L: L.LongTensor(2, 3).shape,
    "Double": lambda L: L.DoubleTensor([[1]]).dtype,
    "Float_from_int_tensor": lambda L: L.FloatTensor(L.tensor([1, 2])),
    "Bool": lambda L: L.BoolTensor([1, 0]), "Byte": lambda L: L.ByteTensor([1, 2]),
    "Half": lambda L: L.HalfTensor([1.5]), "Char": lambda L: L.CharTensor([-1]),
    "Short": lambda L: L.ShortTensor([1]), "Int": lambda L: L.IntTensor([1]),
    "BFloat16": lambda L: L.BFloat16Tensor([1.5]), "Float_dtype": lambda L: L.FloatTensor.dtype,
    "Float_repr": lambda L: repr(L.FloatTensor),
    "isinstance_float": lambda L: isinstance(L.ones(2), L.FloatTensor),
    "isinstance_long": lambda L: isinstance(L.ones(2), L.LongTensor),
    "isinstance_grad": lambda L: isinstance(L.ones(2, requires_grad=True), L.FloatTensor),
    "isinstance_number": lambda L: isinstance(3, L.FloatTensor),
    # autograd fields
    "rg_int_setter": lambda L: _setattr(L.ones(2, dtype=L.int64), "requires_grad", True),
    "rg_int_method": lambda L: L.ones(2, dtype=L.int64).requires_grad_(),
    "rg_int_false": lambda L: L.ones(2, dtype=L.int64).requires_grad_(False).requires_grad,
    "rg_complex": lambda L: L.ones(2, dtype=L.complex64).requires_grad_().requires_grad,
    "rg_nonleaf_false": lambda L: _setattr(L.ones(2, requires_grad=True) * 2, "requires_grad",
                                           False),
    "rg_nonleaf_true": lambda L: _setattr(L.ones(2, requires_grad=True) * 2, "requires_grad",
                                          True).requires_grad,
    "rg_returns_self": lambda L: (lambda t: t.requires_grad_() is t)(L.ones(2)),
    "is_leaf": lambda L: (L.ones(2).is_leaf, L.ones(2, requires_grad=True).is_leaf,
                          (L.ones(2, requires_grad=True) * 2).is_leaf, (L.ones(2) * 2).is_leaf),
    "data": lambda L: (lambda x: (x.data.requires_grad, x.data.is_leaf,
                                  x.data.data_ptr() == x.data_ptr()))(
        L.ones(2, requires_grad=True) * 2),
    "data_set": lambda L: _setattr(L.ones(2), "data", L.zeros(3, dtype=L.float64)),
    "detach": lambda L: (lambda x: (x.detach().requires_grad, x.detach().is_leaf,
                                    x.detach().data_ptr() == x.data_ptr()))(
        L.ones(2, requires_grad=True) * 2),
    "detach_": lambda L: (lambda x: (x.detach_() is x, x.requires_grad, x.grad_fn))(
        L.ones(2, requires_grad=True) * 2),
    "grad_none": lambda L: L.ones(2).grad,
    "grad_set": lambda L: _setattr(L.ones(2, requires_grad=True), "grad", L.zeros(2)).grad,
    "output_nr": lambda L: L.ones(2).output_nr,
    "version": lambda L: (lambda t: (t._version, t.add_(1)._version, t.detach()._version))(
        L.ones(2)),
    "retains_grad": lambda L: L.ones(2).retains_grad,
    "retain_grad_leaf": lambda L: L.ones(2, requires_grad=True).retain_grad(),
    "retain_grad_no_grad": lambda L: (L.ones(2) * 2).retain_grad(),
    "retain_grad_nonleaf": lambda L: (lambda y: (y.retain_grad(), y.retains_grad))(
        L.ones(2, requires_grad=True) * 2),
    "hook_no_grad": lambda L: L.ones(2).register_hook(lambda g: g),
    "is_inference": lambda L: L.ones(2).is_inference(),
    # attributes and predicates
    "dims": lambda L: (L.ones(2, 3).ndim, L.ones(2, 3).dim(), L.ones(2, 3).ndimension(),
                       L.ones(2, 3).numel(), L.ones(2, 3).nelement(), L.numel(L.ones(2, 3))),
    "layout": lambda L: L.ones(2).layout, "layout_is": lambda L: L.ones(2).layout is L.strided,
    "formats": lambda L: (L.contiguous_format, L.channels_last, L.channels_last_3d,
                          L.preserve_format, L.sparse_coo),
    "format_str": lambda L: str(L.channels_last),
    "is_sparse": lambda L: L.ones(2).is_sparse, "is_quantized": lambda L: L.ones(2).is_quantized,
    "is_meta": lambda L: L.ones(2).is_meta,
    "is_tensor": lambda L: (L.is_tensor(L.ones(1)), L.is_tensor(1), L.is_tensor([1])),
    "is_nonzero": lambda L: L.is_nonzero(L.tensor([1.])),
    "is_nonzero_zero": lambda L: L.is_nonzero(L.tensor([0])),
    "is_nonzero_many": lambda L: L.is_nonzero(L.ones(2)),
    "is_nonzero_empty": lambda L: L.is_nonzero(L.ones(0)),
    "is_shared": lambda L: L.ones(2).is_shared(),
    "share_memory": lambda L: (lambda t: (t.share_memory_() is t, t.is_shared()))(L.ones(2)),
    "is_pinned": lambda L: L.ones(2).is_pinned(),
    "typename": lambda L: L.typename(L.ones(2, dtype=L.int8)),
    "typename_obj": lambda L: L.typename(3),
    "element_size": lambda L: L.ones(2, dtype=L.complex128).element_size(),
    "get_device": lambda L: L.ones(2).get_device(),
    "item_types": lambda L: (type(L.ones(1, dtype=L.float16).item()).__name__,
                             type(L.ones(1, dtype=L.uint8).item()).__name__,
                             type(L.ones(1, dtype=L.bool).item()).__name__,
                             type(L.ones(1, dtype=L.complex64).item()).__name__),
    "is_complex": lambda L: L.ones(1, dtype=L.complex64).is_complex(),
    "is_signed": lambda L: (L.ones(1, dtype=L.uint8).is_signed(), L.ones(1).is_signed(),
                            L.ones(1, dtype=L.bool).is_signed()),
    "half_type": lambda L: L.ones(2).half().type(),
    "nbytes_view": lambda L: L.ones(4)[2:].nbytes,
    "itemsize": lambda L: L.ones(4, dtype=L.int16).itemsize,
    "size_method": lambda L: (L.ones(2, 3).size(), L.ones(2, 3).size(0), L.ones(2, 3).size(-1)),
    "size_bad_dim": lambda L: L.ones(2, 3).size(3), "shape_index": lambda L: L.ones(2, 3).shape[1],
    "eq_scalar": lambda L: L.ones(2) == 1, "hashable": lambda L: len({L.ones(1), L.ones(1)}),
}


@pytest.mark.parametrize("case", CASES)
def test_tensor_class_matches_torch(case):
    same_as_torch(CASES[case])


def test_legacy_constructor_rejects_other_dtype_and_dtype_keyword():
    for lib in (ember, torch):
        with pytest.raises(TypeError):
            lib.FloatTensor(lib.tensor([1, 2]))
        with pytest.raises(TypeError):
            lib.Tensor([1, 2], dtype=lib.float64)
        with pytest.raises(TypeError):
            lib.Tensor(2.5)


def test_tensor_subclass_constructs_and_prints():
    class Mine(ember.Tensor):
        pass
    m = Mine([1.0, 2.0])
    assert type(m) is Mine and isinstance(m, ember.Tensor) and m.tolist() == [1.0, 2.0]
    assert repr(m) == "Mine([1., 2.])"
    n = Mine(ember.ones(2))
    assert n.data_ptr() != 0 and n.shape == (2,)


def test_retain_grad_keeps_gradient():
    for lib in (ember, torch):
        x = lib.ones(2, requires_grad=True)
        y = x * 3
        y.retain_grad()
        (y * y).sum().backward()
        assert y.grad.tolist() == [6.0, 6.0] and x.grad.tolist() == [18.0, 18.0]


def test_data_assignment_swaps_values_not_identity():
    x = ember.ones(2, requires_grad=True)
    x.data = ember.zeros(3)
    assert x.requires_grad and x.tolist() == [0.0, 0.0, 0.0] and x.shape == (3,)
