"""Padding (F.pad in every mode, torch.constant_pad_nd, the *Pad* modules) against torch
2.13: values, gradients, grad_fn names, gradcheck / gradgradcheck, reprs, errors."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as enn
import ember.nn.functional as EF


def compare(fn, shape, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype("float32")
    xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    yt, ye = fn(torch, torch.nn.functional, xt), fn(ember, EF, xe)
    assert tuple(ye.shape) == tuple(yt.shape)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), 1e-5, 1e-6)
    assert type(ye.grad_fn).__name__ == type(yt.grad_fn).__name__
    g = rng.standard_normal(tuple(yt.shape)).astype("float32")
    yt.backward(torch.tensor(g))
    ye.backward(ember.tensor(g))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), 1e-5, 1e-6)


PADS = [((1, 2), (2, 3, 4)), ((2, 1), (3, 5)), ((1, 2, 2, 0), (2, 3, 4)),
        ((0, 1, 2, 1), (1, 2, 3, 4)), ((1, 2, 2, 0, 1, 1), (1, 2, 3, 4, 5)),
        ((1, 0, 0, 2, 1, 1), (2, 3, 4, 5))]


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad,shape", PADS, ids=str)
def test_pad_matches_torch(mode, pad, shape):
    compare(lambda L, F, x: F.pad(x, pad, mode=mode), shape)


@pytest.mark.parametrize("pad", [(1, -2, 3, 1), (-1, -1), (2, 0, 0, 0, 1, 1, 0, 1)], ids=str)
def test_constant_negative_and_value(pad):
    compare(lambda L, F, x: F.pad(x, pad, value=2.5), (2, 3, 4, 5))
    compare(lambda L, F, x: L.constant_pad_nd(x, pad, -1.0), (2, 3, 4, 5))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(2, -1), (-1, 2), (1, -2, -1, 2)], ids=str)
def test_negative_amounts(pad, mode):
    compare(lambda L, F, x: F.pad(x, pad, mode=mode), (2, 4, 5))


def test_constant_pad_integer_input():
    x = np.arange(12).reshape(3, 4)
    yt = torch.nn.functional.pad(torch.tensor(x), (1, 1), value=7)
    ye = EF.pad(ember.tensor(x), (1, 1), value=7)
    assert ye.dtype == ember.int64
    np.testing.assert_array_equal(ye.numpy(), yt.numpy())


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_gradcheck(mode):
    x = ember.tensor(np.random.default_rng(0).standard_normal((1, 2, 3, 4)), requires_grad=True)
    f = lambda t: EF.pad(t, (1, 2, 2, 1), mode=mode)  # noqa: E731
    assert ember.autograd.gradcheck(f, (x,))
    assert ember.autograd.gradgradcheck(f, (x,))


@pytest.mark.parametrize("call", [
    lambda L, F: F.pad(L.zeros(2, 3), (3, 0), mode="reflect"),         # pad >= size
    lambda L, F: F.pad(L.zeros(3), (1, 1), mode="reflect"),            # 1-d input
    lambda L, F: F.pad(L.zeros(2, 3, 4), (1, 1, 1, 1, 1, 1), mode="replicate"),
    lambda L, F: F.pad(L.zeros(2, 3), (1,)),                           # odd length
    lambda L, F: F.pad(L.zeros(2, 3), (1, 1, 1, 1, 1, 1)),             # too long
    lambda L, F: F.pad(L.zeros(2, 3), (-2, -2)),                       # negative size
    lambda L, F: F.pad(L.zeros(2, 3), (4, 0), mode="circular"),        # wraps twice
    lambda L, F: F.pad(L.zeros(2, 3), (1, 0), mode="bogus"),
])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as t_err:
        call(torch, torch.nn.functional)
    with pytest.raises(t_err.type):
        call(ember, EF)


MODULES = [
    ("ZeroPad1d", (2,), (2, 3, 4)), ("ZeroPad2d", ((1, 2, 3, 4),), (2, 3, 4)),
    ("ZeroPad3d", (1,), (1, 2, 2, 3, 2)),
    ("ConstantPad1d", (2, 3.5), (2, 3, 4)), ("ConstantPad2d", (2, 1), (2, 3, 4)),
    ("ConstantPad3d", ((1, 0, 2, 1, 0, 1), 0.0), (1, 2, 2, 3, 2)),
    ("ReflectionPad1d", (2,), (2, 3, 4)), ("ReflectionPad2d", ((1, 2, 2, 0),), (2, 3, 4)),
    ("ReflectionPad3d", (1,), (1, 2, 2, 3, 2)),
    ("ReplicationPad1d", ((3, 1),), (2, 3, 4)), ("ReplicationPad2d", (2,), (1, 2, 3, 4)),
    ("ReplicationPad3d", (1,), (1, 2, 2, 3, 2)),
    ("CircularPad1d", (2,), (2, 3, 4)), ("CircularPad2d", ((1, 0, 2, 1),), (1, 2, 3, 4)),
    ("CircularPad3d", (1,), (1, 2, 2, 3, 2)),
]


@pytest.mark.parametrize("name,args,shape", MODULES, ids=lambda v: str(v))
def test_modules(name, args, shape):
    tm, em = getattr(torch.nn, name)(*args), getattr(enn, name)(*args)
    assert repr(em) == repr(tm)
    assert tm.padding == em.padding
    compare(lambda L, F, x: (tm if L is torch else em)(x), shape)
