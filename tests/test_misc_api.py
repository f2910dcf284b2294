"""Differential tests against torch 2.13 for the odds and ends of torch's namespace in
src/ember/_ops/tensor_methods.py, view_copies.py & co. that the op table cannot
express: constants, runtime switches, Tensor memory utilities (resize_, set_, as_strided_),
Python callables (map_, apply_), in-place forms, aliasing of the `*_copy` and `unsafe_*`
results, and random ops' statistics."""
import math
import warnings

import numpy as np
import pytest
import torch

import ember


def _pair(a):
    return torch.from_numpy(np.array(a)), ember.from_numpy(np.array(a))


def _same(e, t):
    assert tuple(e.shape) == tuple(t.shape)
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-7)


def test_constants():
    for name in ("e", "pi", "inf"):
        assert getattr(ember, name) == getattr(torch, name)
    assert math.isnan(ember.nan) and ember.newaxis is None is torch.newaxis
    t, e = _pair(np.arange(3.0))
    _same(e[ember.newaxis], t[torch.newaxis])


def test_runtime_switches():
    assert ember.is_warn_always_enabled() is torch.is_warn_always_enabled() is False
    ember.set_warn_always(True)
    assert ember.is_warn_always_enabled()
    ember.set_warn_always(False)
    assert ember.init_num_threads() is None
    assert ember.set_flush_denormal(False) == torch.set_flush_denormal(False)
    t, e = _pair(np.ones(2))
    assert ember.is_distributed(e) == torch.is_distributed(t)
    assert ember.get_device(e) == torch.get_device(t) == -1
    assert ember.GradScaler is ember.amp.GradScaler


def test_false_properties_and_pointers():
    t, e = _pair(np.ones((2, 3, 4)))
    for name in ("is_xpu", "is_mps", "is_ipu", "is_xla", "is_mtia", "is_maia", "is_vulkan",
                 "is_mkldnn", "is_nested", "is_sparse_csr"):
        assert getattr(e, name) is getattr(t, name) is False
    assert e.const_data_ptr() == e.data_ptr()
    assert e.permute(2, 0, 1).dim_order() == t.permute(2, 0, 1).dim_order()
    assert e.dim_order() == t.dim_order()


def test_predicates():
    t, e = _pair(np.array([2.0]))
    assert ember.is_neg(e) is torch.is_neg(t) is False and e.is_neg() is False
    assert e.is_nonzero() == t.is_nonzero()
    with pytest.raises(RuntimeError):
        ember.ones(2).is_nonzero()
    assert ember.is_signed(e) == torch.is_signed(t)
    assert ember.is_signed(ember.ones(1, dtype=ember.uint8)) is False
    assert ember.is_inference(e) == torch.is_inference(t)
    assert ember.is_same_size(e, e.clone()) and not ember.is_same_size(e, ember.ones(2))
    assert e.is_set_to(e) and not e.is_set_to(e.clone())


def test_removed_linalg_functions_raise():
    for name in ("matrix_rank", "solve", "lstsq", "eig", "symeig"):
        with pytest.raises(RuntimeError, match="deprecated since version 1.9"):
            getattr(ember, name)(ember.ones(2, 2))


def test_resize_shrink_keeps_prefix_and_grow_zero_tail():
    t, e = _pair(np.arange(6.0))
    _same(e.resize_(2, 2), t.resize_(2, 2))
    e2 = ember.arange(4.0)
    e2.resize_(7)
    assert e2.shape == (7,) and e2[:4].tolist() == [0.0, 1.0, 2.0, 3.0]
    # a transposed tensor resizes over its storage order, as torch
    t3, e3 = _pair(np.arange(4.0).reshape(2, 2))
    _same(e3.t().resize_(3), t3.t().resize_(3))
    t4, e4 = _pair(np.arange(6.0))
    _same(e4.resize_as_(ember.ones(3)), t4.resize_as_(torch.ones(3)))


def test_resize_shares_memory_when_shrinking():
    e = ember.arange(6.0)
    v = e.view(6)
    e.resize_(2, 3)
    e[0, 0] = 10.0
    assert v[0].item() == 10.0


def test_resize_errors():
    for lib in (torch, ember):
        x = lib.ones(2, 3, requires_grad=True)
        with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
            x.resize_(2)
        with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
            x.resize_as_(lib.ones(2))
        with pytest.raises(RuntimeError, match="autograd's resize"):
            lib.arange(6.0).resize(2, 2)


def test_resize_autograd():
    t, e = _pair(np.arange(6.0))
    _same(e.resize(2, 3), t.resize(2, 3))
    _same(e.resize_as(ember.ones(3, 2)), t.resize_as(torch.ones(3, 2)))
    x = ember.arange(6.0, requires_grad=True)
    x.resize(2, 3).sum().backward()
    assert x.grad.tolist() == [1.0] * 6


def test_set_():
    for lib in (torch, ember):
        a, b = lib.zeros(6), lib.arange(3.0)
        a.set_(b)
        assert a.tolist() == [0.0, 1.0, 2.0] and a.data_ptr() == b.data_ptr()
        assert a.is_set_to(b)
        b[0] = 5.0
        assert a[0].item() == 5.0
        c = lib.zeros(6)
        c.set_(b.untyped_storage(), 1, (2,), (1,))
        assert c.tolist() == [1.0, 2.0]
        d = lib.zeros(6)
        d.set_()
        assert d.shape == (0,)


def test_as_strided_inplace():
    t, e = _pair(np.arange(6.0))
    _same(e.as_strided_((2, 2), (1, 2), 1), t.as_strided_((2, 2), (1, 2), 1))
    with pytest.raises(RuntimeError):
        ember.ones(3, requires_grad=True).as_strided_((2,), (1,))


def test_map_and_apply():
    t, e = _pair(np.arange(3.0))
    _same(e.map_(ember.full((3,), 2.0, dtype=ember.float64), lambda a, b: a * b + 1),
          t.map_(torch.full((3,), 2.0, dtype=torch.float64), lambda a, b: a * b + 1))
    for lib in (torch, ember):
        with pytest.raises(TypeError, match="map_: expected"):
            lib.ones(2).map_(lib.ones(2, dtype=lib.float64), lambda a, b: a)
    _same(e.apply_(lambda a: a * 3), t.apply_(lambda a: a * 3))
    ti, ei = _pair(np.arange(4).reshape(2, 2))
    _same(ei.apply_(lambda a: a * 2 + 1), ti.apply_(lambda a: a * 2 + 1))
    _same(ei.map_(ember.tensor([1, 2]), lambda a, b: a - b),
          ti.map_(torch.tensor([1, 2]), lambda a, b: a - b))
    with pytest.raises(RuntimeError, match="apply_"):
        ember.ones(2, requires_grad=True).apply_(lambda a: a)


def test_top_level_inplace_aliases():
    t, e = _pair(np.arange(4.0))
    _same(ember.fill_(e, 2.0), torch.fill_(t, 2.0))
    _same(ember.zero_(e), torch.zero_(t))
    _same(ember.index_put_(e, (ember.tensor([1, 3]),), ember.tensor([5.0, 6.0]).double()),
          torch.index_put_(t, (torch.tensor([1, 3]),), torch.tensor([5.0, 6.0]).double()))
    x = ember.ones(2, requires_grad=True) * 2
    d = ember.detach(x)
    assert not d.requires_grad and d.data_ptr() == x.data_ptr()
    ember.detach_(x)
    assert x.grad_fn is None and not x.requires_grad


def test_fill_grad_is_zero_and_tensor_value():
    x = ember.ones(3, requires_grad=True)
    y = ember.fill(x, ember.tensor(2.0))
    assert type(y.grad_fn).__name__ == "FillBackward0" and y.tolist() == [2.0] * 3
    y.sum().backward()
    assert x.grad.tolist() == [0.0] * 3
    with pytest.raises(RuntimeError):
        ember.fill(x, ember.ones(2))


def test_copies_do_not_alias_and_unsafe_split_does():
    e = ember.arange(12.0).reshape(3, 4)
    for out in (ember.permute_copy(e, (1, 0)), ember.narrow_copy(e, 1, 0, 2),
                ember.split_copy(e, 2, 1)[0], ember.t_copy(e), ember.alias_copy(e)):
        assert out._base is None and out.is_contiguous()
        out.fill_(-1.0)
    assert e.min().item() == 0.0
    parts = ember.unsafe_split(e, 2, 1)
    parts[0][0, 0] = 100.0
    assert e[0, 0].item() == 100.0
    # unsafe_split's outputs may be modified in place even when they require grad
    x = ember.arange(4.0, requires_grad=True) * 1
    a, _ = ember.unsafe_chunk(x, 2)
    a.mul_(2)
    with pytest.raises(RuntimeError):
        ember.arange(4.0, requires_grad=True).mul(1).chunk(2)[0].mul_(2)


def test_view_as_complex_copy_with_grad_raises():
    for lib in (torch, ember):
        x = lib.ones(3, 2, requires_grad=True)
        with pytest.raises(RuntimeError, match="view_as_complex_copy"):
            lib.view_as_complex_copy(x)


def test_as_strided_scatter_non_contiguous_keeps_strides():
    t, e = _pair(np.arange(12.0).reshape(3, 4))
    _same(ember.as_strided_scatter(e.t(), ember.zeros(2, 2), (2, 2), (1, 2)),
          torch.as_strided_scatter(t.t(), torch.zeros(2, 2), (2, 2), (1, 2)))
    with pytest.raises(RuntimeError):
        ember.as_strided_scatter(ember.ones(3, 4, requires_grad=True).t(),
                                 ember.zeros(2, 2), (2, 2), (1, 2))


def test_scatter_double_backward():
    x = ember.randn(3, 4, dtype=ember.float64, requires_grad=True)
    s = ember.randn(3, 2, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda a, b: ember.slice_scatter(a, b, 1, 0, 2) ** 2,
                                        (x, s))
    d = ember.randn(3, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda a, b: ember.diagonal_scatter(a, b) ** 2, (x, d))


def test_inplace_methods():
    rng = np.random.default_rng(0)
    a, src = rng.standard_normal((3, 4)), rng.standard_normal((2, 4))
    t, e = _pair(a)
    ts, es = _pair(src)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = t.index_reduce_(0, torch.tensor([0, 2]), ts, "amax", include_self=False)
    _same(e.index_reduce_(0, ember.tensor([0, 2]), es, "amax", include_self=False), want)
    _same(e.renorm_(2, 0, 1.0), t.renorm_(2, 0, 1.0))
    p, q = np.abs(a) + 0.5, np.abs(a) * 2
    (tp, ep), (tq, eq) = _pair(p), _pair(q)
    _same(ep.clone().igamma_(eq), tp.clone().igamma_(tq))
    _same(ep.clone().igammac_(eq), tp.clone().igammac_(tq))


def test_igamma_edge_values():
    a = [0.0, 1.0, 2.0, 3.0, 0.5, 4.0, -1.0, 2.0, 1e-3, 50.0]
    x = [1.0, 0.0, 3.0, float("inf"), 0.2, 40.0, 1.0, -1.0, 1e-3, 45.0]
    (ta, ea), (tx, ex) = _pair(np.array(a)), _pair(np.array(x))
    for name in ("igamma", "igammac"):
        np.testing.assert_allclose(getattr(ember, name)(ea, ex).numpy(),
                                   getattr(torch, name)(ta, tx).numpy(), rtol=1e-9, atol=1e-12)
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="igamma: input"):
        ember.igamma(x, ember.tensor([1.0, 2.0])).sum().backward()


def test_binomial_statistics():
    ember.manual_seed(0)
    n = ember.full((20000,), 10.0)
    draws = ember.binomial(n, ember.full((20000,), 0.3))
    assert draws.dtype == ember.float32
    assert abs(draws.mean().item() - 3.0) < 0.05
    assert abs(draws.var().item() - 2.1) < 0.1
    assert ember.binomial(ember.full((3,), 4.0), ember.ones(3)).tolist() == [4.0] * 3


def test_native_dropout_statistics():
    ember.manual_seed(0)
    x = ember.ones(20000, requires_grad=True)
    out, mask = ember.native_dropout(x, 0.3, True)
    assert mask.dtype == ember.bool and abs(mask.float().mean().item() - 0.7) < 0.02
    values = np.unique(out.detach().numpy())
    assert np.all(np.isclose(values, 0.0) | np.isclose(values, 1 / 0.7))
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), mask.numpy() / 0.7, rtol=1e-6)
    with pytest.raises(RuntimeError):
        ember.native_dropout(x, 1.5, True)


def test_native_batch_norm_updates_running_stats():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 3))
    res = {}
    for lib in (torch, ember):
        rm, rv = lib.zeros(3, dtype=lib.float64), lib.ones(3, dtype=lib.float64)
        lib.native_batch_norm(lib.from_numpy(x), None, None, rm, rv, True, 0.1, 1e-5)
        res[lib.__name__] = (rm.numpy(), rv.numpy())
    for a, b in zip(res["torch"], res["ember"]):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def test_embedding_bag_padding_idx():
    rng = np.random.default_rng(2)
    w = rng.standard_normal((10, 3))
    idx, offs = [1, 2, 4, 5, 4, 3], [0, 2, 2]
    for mode in (0, 1, 2):
        out = {}
        for lib in (torch, ember):
            out[lib.__name__] = lib.embedding_bag(lib.from_numpy(w), lib.tensor(idx),
                                                  lib.tensor(offs), False, mode, False, None,
                                                  False, 4)
        for a, b in zip(out["ember"], out["torch"]):
            _same(a, b)


def test_rnn_dropout_between_layers_runs():
    ember.manual_seed(0)
    x = ember.randn(4, 2, 3)
    params = [ember.randn(6, 3), ember.randn(6, 2), ember.randn(6, 2), ember.randn(6, 2)]
    out, h = ember.gru(x, ember.zeros(2, 2, 2), params, False, 2, 0.5, True, False, False)
    assert out.shape == (4, 2, 2) and h.shape == (2, 2, 2)
