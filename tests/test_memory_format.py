"""Memory formats (contiguous_format, channels_last, channels_last_3d, preserve_format)
against torch 2.13: the strides of contiguous / to / clone / *_like results, contiguity
flags, layouts kept by elementwise ops, Module.to(memory_format=...) and the rank errors."""
import numpy as np
import pytest
import torch

import ember


def _pair(shape, seed=0, dtype="float32"):
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return torch.tensor(x), ember.tensor(x)


def _same(e, t):
    assert tuple(e.shape) == tuple(t.shape)
    assert e.stride() == t.stride(), (e.stride(), t.stride())
    # (a reduction may add in another order: values equal to rounding)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-7)


def _fmt(lib, name):
    return getattr(lib, name)


def test_format_objects():
    for name in ("contiguous_format", "channels_last", "channels_last_3d", "preserve_format"):
        assert repr(getattr(ember, name)) == f"ember.{name}"
        assert isinstance(getattr(ember, name), ember.memory_format)


@pytest.mark.parametrize("shape,name", [((2, 3, 4, 5), "channels_last"),
                                        ((2, 1, 4, 1), "channels_last"),
                                        ((1, 3, 1, 1), "channels_last"),
                                        ((2, 3, 4, 5, 6), "channels_last_3d"),
                                        ((2, 3, 4, 5), "contiguous_format")])
@pytest.mark.parametrize("how", ["contiguous", "to"])
def test_relayout_strides(shape, name, how):
    t, e = _pair(shape)
    outs = []
    for lib, x in ((torch, t), (ember, e)):
        fmt = _fmt(lib, name)
        y = x.contiguous(memory_format=fmt) if how == "contiguous" else x.to(memory_format=fmt)
        outs.append(y)
        assert y.is_contiguous(memory_format=fmt)
    _same(outs[1], outs[0])
    back = [y.contiguous() for y in outs]
    _same(back[1], back[0])
    assert outs[1].is_contiguous() == outs[0].is_contiguous()


def test_contiguity_flags():
    t, e = _pair((2, 3, 4, 5))
    tc = t.contiguous(memory_format=torch.channels_last)
    ec = e.contiguous(memory_format=ember.channels_last)
    for lib, x, y in ((torch, t, tc), (ember, e, ec)):
        assert x.is_contiguous() and not y.is_contiguous()
        assert not x.is_contiguous(memory_format=lib.channels_last)
        assert y.is_contiguous(memory_format=lib.channels_last)
        assert not y.is_contiguous(memory_format=lib.channels_last_3d)
        assert x.is_contiguous(memory_format=lib.preserve_format)
        assert not y.is_contiguous(memory_format=lib.preserve_format)
        assert not lib.ones(2, 3).is_contiguous(memory_format=lib.channels_last)
        # already in the format: the same tensor comes back
        assert y.contiguous(memory_format=lib.channels_last) is y
        assert x.to(memory_format=lib.contiguous_format) is x
        assert y.to(memory_format=lib.preserve_format) is y


@pytest.mark.parametrize("call", [
    lambda L: L.ones(2, 3).contiguous(memory_format=L.channels_last),
    lambda L: L.ones(2, 3, 4).to(memory_format=L.channels_last),
    lambda L: L.ones(2, 3, 4, 5).contiguous(memory_format=L.channels_last_3d),
    lambda L: L.ones(2, 3, 4, 5).permute(0, 1, 3, 2).contiguous(
        memory_format=L.preserve_format),
    lambda L: L.ones(2, 3, 4).clone(memory_format=L.channels_last),
    lambda L: L.empty_like(L.ones(3, 4, 5), memory_format=L.channels_last),
])
def test_errors_match(call):
    with pytest.raises(RuntimeError) as te:
        call(torch)
    with pytest.raises(RuntimeError) as ee:
        call(ember)
    assert str(ee.value) == str(te.value)


@pytest.mark.parametrize("op", [
    lambda L, x: x.clone(),
    lambda L, x: x.clone(memory_format=L.contiguous_format),
    lambda L, x: x.clone(memory_format=L.channels_last),
    lambda L, x: L.empty_like(x).zero_(),
    lambda L, x: L.zeros_like(x),
    lambda L, x: L.ones_like(x, memory_format=L.contiguous_format),
    lambda L, x: L.zeros_like(x, memory_format=L.channels_last),
    lambda L, x: L.full_like(x, 2.5, memory_format=L.channels_last),
    lambda L, x: x.to(L.float64),
    lambda L, x: x.double(),
    lambda L, x: x.to(L.float64, memory_format=L.contiguous_format),
    lambda L, x: x + 1,
    lambda L, x: x * x,
    lambda L, x: L.relu(x),
    lambda L, x: L.exp(x),
    lambda L, x: x.sum(1),
    lambda L, x: x.permute(0, 2, 3, 1)[:, ::2].clone(),
])
@pytest.mark.parametrize("start", ["contiguous_format", "channels_last"])
def test_layout_of_results(op, start):
    t, e = _pair((2, 3, 4, 5))
    t = t.contiguous(memory_format=_fmt(torch, start))
    e = e.contiguous(memory_format=_fmt(ember, start))
    _same(op(ember, e), op(torch, t))


def test_channels_last_3d_like_and_clone():
    t, e = _pair((2, 3, 4, 5, 6))
    for op in (lambda L, x: x.clone(memory_format=L.channels_last_3d),
               lambda L, x: L.empty_like(x, memory_format=L.channels_last_3d).zero_(),
               lambda L, x: x.contiguous(memory_format=L.channels_last_3d) * 2):
        _same(op(ember, e), op(torch, t))


def test_autograd_through_relayouts():
    t, e = _pair((2, 3, 4, 5), dtype="float64")
    grads = []
    for lib, x in ((torch, t), (ember, e)):
        x.requires_grad_()
        y = x.to(memory_format=lib.channels_last)
        z = y.contiguous(memory_format=lib.contiguous_format)
        assert type(y.grad_fn).__name__ == "ToCopyBackward0"
        assert type(z.grad_fn).__name__ == "CloneBackward0"
        (z * z).sum().backward()
        grads.append(x.grad)
    _same(grads[1], grads[0])


def test_module_to_memory_format():
    mt = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
    me = ember.nn.Sequential(ember.nn.Conv2d(3, 4, 3), ember.nn.BatchNorm2d(4))
    me.load_state_dict({k: ember.tensor(v.numpy()) for k, v in mt.state_dict().items()})
    assert mt.to(memory_format=torch.channels_last) is mt
    assert me.to(memory_format=ember.channels_last) is me
    for (n, pt), (_, pe) in zip(mt.named_parameters(), me.named_parameters()):
        _same(pe, pt)
    assert me[0].weight.is_contiguous(memory_format=ember.channels_last)
    t, e = _pair((2, 3, 6, 6))
    out_t = mt(t.contiguous(memory_format=torch.channels_last))
    out_e = me(e.contiguous(memory_format=ember.channels_last))
    np.testing.assert_allclose(out_e.detach().numpy(), out_t.detach().numpy(), 1e-5, 1e-5)


@pytest.mark.parametrize("shape", [(2, 1, 4, 1), (1, 3, 1, 1), (2, 3, 1, 5)])
def test_size_one_dims_keep_torch_strides(shape):
    t, e = _pair(shape)
    t = t.to(memory_format=torch.channels_last)
    e = e.to(memory_format=ember.channels_last)
    _same(e, t)
    for op in (lambda L, x: x.clone(), lambda L, x: L.empty_like(x).zero_(),
               lambda L, x: L.zeros_like(x, dtype=L.float64), lambda L, x: x.double()):
        _same(op(ember, e), op(torch, t))
