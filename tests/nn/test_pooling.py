"""Pooling (F.max_pool*, avg_pool*, lp_pool*, adaptive_*_pool*, max_unpool* and their
modules) against torch 2.13: values, indices, gradients, grad_fn names, gradcheck, reprs."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as enn
import ember.nn.functional as EF

RTOL, ATOL = 1e-5, 1e-6


def compare(fn, shape, dtype="float32", seed=0):
    """fn(lib, F, x) on torch and ember: values (and indices), grad_fn, input gradient."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    out_t, out_e = fn(torch, torch.nn.functional, xt), fn(ember, EF, xe)
    if isinstance(out_t, tuple):
        np.testing.assert_array_equal(out_e[1].numpy(), out_t[1].numpy())
        assert out_e[1].dtype == ember.int64
        out_t, out_e = out_t[0], out_e[0]
    assert tuple(out_e.shape) == tuple(out_t.shape)
    np.testing.assert_allclose(out_e.detach().numpy(), out_t.detach().numpy(), RTOL, ATOL)
    assert type(out_e.grad_fn).__name__ == type(out_t.grad_fn).__name__
    g = rng.standard_normal(tuple(out_t.shape)).astype(dtype)
    out_t.backward(torch.tensor(g))
    out_e.backward(ember.tensor(g))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), RTOL, ATOL)


CASES = [
    ("max2", lambda L, F, x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True),
     (2, 3, 8, 7)),
    ("max2_dil", lambda L, F, x: F.max_pool2d(x, (2, 3), (1, 2), (1, 1), dilation=(2, 1),
                                              return_indices=True), (2, 3, 8, 7)),
    ("max2_unbatched", lambda L, F, x: F.max_pool2d(x, 2), (3, 5, 5)),
    ("max2_top", lambda L, F, x: L.max_pool2d(x, [2, 2], [1, 2], [1, 0]), (1, 2, 5, 5)),
    ("max1", lambda L, F, x: F.max_pool1d(x, 3, 2, 1, ceil_mode=True, return_indices=True),
     (2, 3, 8)),
    ("max1_top", lambda L, F, x: L.max_pool1d_with_indices(x, 2, 1, 1, 2), (2, 3, 8)),
    ("max3", lambda L, F, x: F.max_pool3d(x, 2, ceil_mode=True, return_indices=True),
     (1, 2, 5, 4, 3)),
    ("avg2", lambda L, F, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True), (2, 3, 8, 7)),
    ("avg2_excl", lambda L, F, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True,
                                               count_include_pad=False), (2, 3, 8, 7)),
    ("avg2_div", lambda L, F, x: F.avg_pool2d(x, (3, 2), (2, 1), (1, 0), divisor_override=5),
     (2, 3, 8, 7)),
    ("avg2_unbatched", lambda L, F, x: F.avg_pool2d(x, 2), (3, 4, 5)),
    ("avg1", lambda L, F, x: F.avg_pool1d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
     (2, 3, 8)),
    ("avg3", lambda L, F, x: F.avg_pool3d(x, 2, ceil_mode=True), (1, 2, 5, 4, 3)),
    ("aavg2", lambda L, F, x: F.adaptive_avg_pool2d(x, (3, 4)), (2, 3, 8, 7)),
    ("aavg2_none", lambda L, F, x: F.adaptive_avg_pool2d(x, (None, 4)), (2, 3, 8, 7)),
    ("aavg2_up", lambda L, F, x: F.adaptive_avg_pool2d(x, (5, 9)), (2, 3, 4, 7)),
    ("aavg2_1", lambda L, F, x: F.adaptive_avg_pool2d(x, 1), (2, 3, 8, 7)),
    ("aavg1", lambda L, F, x: F.adaptive_avg_pool1d(x, 3), (2, 3, 7)),
    ("aavg3", lambda L, F, x: F.adaptive_avg_pool3d(x, (2, 3, 2)), (1, 2, 5, 4, 3)),
    ("amax2", lambda L, F, x: F.adaptive_max_pool2d(x, (3, 4), return_indices=True),
     (2, 3, 8, 7)),
    ("amax1", lambda L, F, x: F.adaptive_max_pool1d(x, 3, return_indices=True), (2, 3, 7)),
    ("amax3", lambda L, F, x: F.adaptive_max_pool3d(x, (2, 3, 2), return_indices=True),
     (1, 2, 5, 4, 3)),
    ("lp2", lambda L, F, x: F.lp_pool2d(x.abs() + 0.1, 2, 3, 2), (2, 3, 8, 7)),
    ("lp1", lambda L, F, x: F.lp_pool1d(x.abs() + 0.1, 3, 3, 2, ceil_mode=True), (2, 3, 8)),
    ("lp3", lambda L, F, x: F.lp_pool3d(x.abs() + 0.1, 2, 2), (1, 2, 4, 4, 4)),
]


@pytest.mark.parametrize("name,fn,shape", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, fn, shape):
    compare(fn, shape)


def _unpool(nd, output_size=False):
    def fn(L, F, x):
        o, i = getattr(F, f"max_pool{nd}d")(x, 2, return_indices=True)
        size = x.shape if output_size else None
        return getattr(F, f"max_unpool{nd}d")(o, i, 2, output_size=size)
    return fn


@pytest.mark.parametrize("nd,shape,size", [(1, (2, 3, 7), False), (2, (2, 3, 5, 5), True),
                                           (2, (2, 3, 4, 6), False),
                                           (3, (1, 2, 4, 4, 5), True)])
def test_max_unpool(nd, shape, size):
    compare(_unpool(nd, size), shape)


def test_max_ties_and_nan_pick_like_torch():
    x = np.zeros((1, 1, 4, 4), "float32")
    x[0, 0, 1, 2] = np.nan
    vt, it = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    ve, ie = EF.max_pool2d(ember.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(ie.numpy(), it.numpy())
    np.testing.assert_array_equal(ve.numpy(), vt.numpy())


@pytest.mark.parametrize("k,s,p", [(2, 2, 0), (3, 1, 1), (3, 3, 0), (2, 3, 1), (4, 4, 0)])
def test_max_pool_ties_and_several_nans_like_torch(k, s, p):
    """Windows full of ties and of several NaNs: the first maximal offset wins, a NaN beats
    any number and a later NaN an earlier one (torch's CPU kernel); values, indices and the
    gradient, on disjoint (one assignment) and overlapping (accumulating) windows."""
    rng = np.random.default_rng(1)
    x = rng.integers(0, 3, (2, 3, 12, 12)).astype("float32")
    x[rng.random(x.shape) < 0.1] = np.nan
    x[0, 0, :4, :4] = np.nan
    res = []
    for lib, F in ((torch, torch.nn.functional), (ember, EF)):
        t = lib.from_numpy(x.copy()).requires_grad_()
        v, i = F.max_pool2d(t, k, s, p, return_indices=True)
        g = lib.from_numpy(np.arange(v.numel(), dtype="float32").reshape(tuple(v.shape)))
        v.backward(g)
        res.append((v.detach().numpy(), i.numpy(), t.grad.numpy()))
    for a, b in zip(*res):
        np.testing.assert_array_equal(b, a)


@pytest.mark.parametrize("fn,shape", [
    (lambda L, F, x: F.max_pool2d(x, 2, 1, 1, dilation=(1, 2)), (1, 2, 5, 6)),
    (lambda L, F, x: F.max_pool2d(x, 2), (1, 2, 4, 6)),
    (lambda L, F, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
     (1, 2, 6, 5)),
    (lambda L, F, x: F.avg_pool3d(x, 2, 1, 1), (1, 1, 3, 3, 3)),
    (lambda L, F, x: F.adaptive_avg_pool2d(x, (2, 3)), (1, 2, 5, 4)),
    (lambda L, F, x: F.adaptive_max_pool2d(x, (2, 3)), (1, 2, 5, 4)),
    (lambda L, F, x: F.lp_pool2d(x, 2, 2), (1, 2, 4, 4)),
    (_unpool(2), (1, 2, 4, 4)),
], ids=["max", "max_disjoint", "avg", "avg3", "aavg", "amax", "lp", "unpool"])
def test_gradcheck(fn, shape):
    x = ember.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    f = lambda t: fn(ember, EF, t)  # noqa: E731
    assert ember.autograd.gradcheck(f, (x,))
    assert ember.autograd.gradgradcheck(f, (x,))


@pytest.mark.parametrize("call", [
    lambda L, F: F.max_pool2d(L.zeros(1, 1, 4, 4), 2, padding=2),        # pad > k / 2
    lambda L, F: F.max_pool2d(L.zeros(1, 1, 1, 1), 3),                   # output too small
    lambda L, F: F.max_pool2d(L.zeros(4, 4), 2),                         # rank
    lambda L, F: F.avg_pool2d(L.zeros(1, 1, 4, 4), 2, stride=0),
    lambda L, F: F.avg_pool2d(L.zeros(1, 1, 4, 4), 2, divisor_override=0),
    lambda L, F: F.adaptive_avg_pool2d(L.zeros(1, 3, 0, 4), 2),
    lambda L, F: F.adaptive_max_pool2d(L.zeros(4), 2),
    lambda L, F: F.max_unpool2d(L.zeros(1, 1, 2, 2), L.full((1, 1, 2, 2), 99), 2),
])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as t_err:
        call(torch, torch.nn.functional)
    with pytest.raises(t_err.type):
        call(ember, EF)


MODULES = [
    ("MaxPool1d", (3,), dict(), (2, 3, 9)),
    ("MaxPool2d", (3, 2, 1), dict(ceil_mode=True), (2, 3, 8, 7)),
    ("MaxPool2d", (2,), dict(return_indices=True), (2, 3, 4, 4)),
    ("MaxPool3d", ((1, 2, 2),), dict(), (1, 2, 3, 4, 4)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1), (2, 3, 9)),
    ("AvgPool2d", (3,), dict(), (2, 3, 7, 6)),
    ("AvgPool2d", (3, 1, 1, True, False, 2), dict(), (2, 3, 7, 6)),
    ("AvgPool3d", (2,), dict(), (1, 2, 4, 4, 4)),
    ("LPPool1d", (2, 3), dict(), (2, 3, 9)),
    ("LPPool2d", (2, 3), dict(stride=2), (2, 3, 7, 6)),
    ("AdaptiveAvgPool1d", (3,), dict(), (2, 3, 7)),
    ("AdaptiveAvgPool2d", ((2, None),), dict(), (2, 3, 7, 6)),
    ("AdaptiveAvgPool3d", (2,), dict(), (1, 2, 5, 4, 3)),
    ("AdaptiveMaxPool1d", (3,), dict(), (2, 3, 7)),
    ("AdaptiveMaxPool2d", (3,), dict(return_indices=True), (2, 3, 7, 6)),
    ("AdaptiveMaxPool3d", (2,), dict(), (1, 2, 5, 4, 3)),
]


@pytest.mark.parametrize("name,args,kw,shape", MODULES, ids=lambda v: str(v))
def test_modules(name, args, kw, shape):
    tm, em = getattr(torch.nn, name)(*args, **kw), getattr(enn, name)(*args, **kw)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == [] == list(tm.state_dict())
    for train in (True, False):
        tm.train(train)
        em.train(train)
        x = np.abs(np.random.default_rng(0).standard_normal(shape).astype("float32")) + 0.1
        xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
        yt, ye = tm(xt), em(xe)
        if isinstance(yt, tuple):
            np.testing.assert_array_equal(ye[1].numpy(), yt[1].numpy())
            yt, ye = yt[0], ye[0]
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), RTOL, ATOL)
        yt.sum().backward()
        ye.sum().backward()
        np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), RTOL, ATOL)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_unpool_modules(nd):
    shape = (1, 2) + (4,) * nd
    tp, ep = getattr(torch.nn, f"MaxPool{nd}d")(2, return_indices=True), \
        getattr(enn, f"MaxPool{nd}d")(2, return_indices=True)
    tu, eu = getattr(torch.nn, f"MaxUnpool{nd}d")(2), getattr(enn, f"MaxUnpool{nd}d")(2)
    assert repr(eu) == repr(tu)
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    yt = tu(*tp(torch.tensor(x)), output_size=shape)
    ye = eu(*ep(ember.tensor(x)), output_size=shape)
    np.testing.assert_array_equal(ye.numpy(), yt.numpy())


@pytest.mark.parametrize("name,fn,shape", [c for c in CASES if c[2][0] == 2 and len(c[2]) > 3],
                         ids=[c[0] for c in CASES if c[2][0] == 2 and len(c[2]) > 3])
def test_empty_batch(name, fn, shape):
    compare(fn, (0,) + shape[1:])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "int64"])
@pytest.mark.parametrize("name", ["max2", "avg2", "avg2_excl", "aavg2"])
def test_other_dtypes(dtype, name):
    fn = {c[0]: c[1] for c in CASES}[name]
    x = np.random.default_rng(0).integers(-5, 6, (2, 3, 8, 7)).astype("float32")
    res = []
    for lib, F in ((torch, torch.nn.functional), (ember, EF)):
        t = lib.tensor(x).to(getattr(lib, dtype))
        try:
            out = fn(lib, F, t)
        except NotImplementedError as e:
            res.append(type(e))
            continue
        res.append(out[0] if isinstance(out, tuple) else out)
    if isinstance(res[0], type):
        assert res[1] is res[0]
        return
    assert str(res[1].dtype).split(".")[-1] == str(res[0].dtype).split(".")[-1]
    np.testing.assert_allclose(res[1].float().numpy(), res[0].float().numpy(), 1e-2, 1e-2)
