"""Convolutions (F.conv*d, F.conv_transpose*d, F.unfold / F.fold, nn.Conv*, nn.ConvTranspose*,
nn.Fold / nn.Unfold) against torch 2.13: values, every gradient, grad_fn names, float64
gradcheck / gradgradcheck, module reprs, state_dict keys and default init."""
import math

import numpy as np
import pytest
import torch

import ember
import ember.nn as enn
import ember.nn.functional as EF

RTOL, ATOL = 1e-5, 1e-6


def _both(arrays, requires_grad=True):
    ts = [torch.tensor(a, requires_grad=requires_grad) for a in arrays]
    es = [ember.tensor(a, requires_grad=requires_grad) for a in arrays]
    return ts, es


def compare(fn, shapes, dtype="float32", seed=0, rtol=RTOL, atol=ATOL):
    """Run fn(lib, F, *tensors) on torch and ember: values, grad_fn name and all grads."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    ts, es = _both(arrays)
    out_t = fn(torch, torch.nn.functional, *ts)
    out_e = fn(ember, EF, *es)
    assert tuple(out_e.shape) == tuple(out_t.shape)
    assert str(out_e.dtype).split(".")[-1] == str(out_t.dtype).split(".")[-1]
    np.testing.assert_allclose(out_e.detach().numpy(), out_t.detach().numpy(), rtol, atol)
    assert type(out_e.grad_fn).__name__ == type(out_t.grad_fn).__name__
    g = rng.standard_normal(tuple(out_t.shape)).astype(dtype)
    out_t.backward(torch.tensor(g))
    out_e.backward(ember.tensor(g))
    for a, b in zip(ts, es):
        assert_grad_close(b.grad.numpy(), a.grad.numpy(), rtol, atol)


def assert_grad_close(actual, desired, rtol=RTOL, atol=ATOL):
    """Gradients are sums of many products: float32 rounding of those sums grows with the
    size of the entries, so atol is taken relative to the largest entry."""
    scale = max(1.0, float(np.abs(desired).max(initial=0)))
    np.testing.assert_allclose(actual, desired, rtol, atol * scale)


def gradchecks(fn, shapes, seed=0, gradgrad=True):
    rng = np.random.default_rng(seed)
    es = [ember.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    f = lambda *xs: fn(ember, EF, *xs)  # noqa: E731
    assert ember.autograd.gradcheck(f, es)
    if gradgrad:
        assert ember.autograd.gradgradcheck(f, es)


CONV2D = [
    dict(),
    dict(stride=2),
    dict(padding=1),
    dict(padding=(2, 0), stride=(1, 2)),
    dict(dilation=2, padding=2),
    dict(groups=2),
    dict(groups=4, stride=2, padding=1, dilation=(1, 2)),
    dict(padding="same"),
    dict(padding="same", dilation=2),
    dict(padding="valid"),
]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("kw", CONV2D, ids=str)
def test_conv2d(kw, bias):
    shapes = [(2, 4, 7, 6), (8, 4 // kw.get("groups", 1), 3, 2)] + ([(8,)] if bias else [])
    compare(lambda L, F, *a: F.conv2d(*a, **kw), shapes)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(dilation=2),
                                dict(groups=2, padding="same"), dict(padding="same")], ids=str)
def test_conv1d(kw):
    compare(lambda L, F, x, w, b: F.conv1d(x, w, b, **kw),
            [(2, 4, 9), (4, 4 // kw.get("groups", 1), 4), (4,)])


@pytest.mark.parametrize("kw", [dict(), dict(stride=(1, 2, 1), padding=1), dict(groups=2),
                                dict(dilation=(2, 1, 1))], ids=str)
def test_conv3d(kw):
    compare(lambda L, F, x, w, b: F.conv3d(x, w, b, **kw),
            [(2, 2, 5, 4, 5), (4, 2 // kw.get("groups", 1), 2, 3, 2), (4,)])


def test_conv_unbatched():
    compare(lambda L, F, x, w: F.conv2d(x, w, padding=1), [(3, 5, 5), (2, 3, 3, 3)])
    compare(lambda L, F, x, w: F.conv1d(x, w), [(3, 5), (2, 3, 3)])


CONVT = [
    dict(),
    dict(stride=2),
    dict(stride=2, output_padding=1),
    dict(stride=(2, 3), padding=1, output_padding=(1, 2)),
    dict(dilation=2, padding=1),
    dict(groups=2, stride=2),
    dict(stride=2, dilation=3, output_padding=2),
]


@pytest.mark.parametrize("kw", CONVT, ids=str)
def test_conv_transpose2d(kw):
    g = kw.get("groups", 1)
    compare(lambda L, F, x, w, b: F.conv_transpose2d(x, w, b, **kw),
            [(2, 4, 4, 3), (4, 6 // g, 3, 2), (6,)])


def test_conv_transpose1d_3d():
    compare(lambda L, F, x, w: F.conv_transpose1d(x, w, stride=3, padding=1, output_padding=2),
            [(2, 3, 5), (3, 2, 4)])
    compare(lambda L, F, x, w, b: F.conv_transpose3d(x, w, b, stride=2, groups=2),
            [(1, 4, 3, 2, 3), (4, 1, 2, 2, 3), (2,)])
    compare(lambda L, F, x, w: F.conv_transpose2d(x, w), [(3, 4, 4), (3, 2, 2, 2)])


def test_convolution_top_level():
    compare(lambda L, F, x, w, b: L.convolution(x, w, b, [2, 1], [1, 0], [1, 1], False, [0, 0],
                                                1), [(2, 3, 5, 5), (4, 3, 3, 3), (4,)])
    compare(lambda L, F, x, w, b: L.conv_transpose2d(x, w, b, 2, 1, 1),
            [(2, 3, 5, 5), (3, 4, 3, 3), (4,)])


@pytest.mark.parametrize("fn,shapes", [
    (lambda L, F, x, w, b: F.conv2d(x, w, b, stride=2, padding=1, groups=2),
     [(2, 4, 5, 4), (2, 2, 3, 2), (2,)]),
    (lambda L, F, x, w: F.conv1d(x, w, dilation=2, padding="same"), [(1, 2, 6), (3, 2, 2)]),
    (lambda L, F, x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
     [(1, 2, 3, 3), (2, 3, 3, 2), (3,)]),
    (lambda L, F, x, w: F.conv3d(x, w, stride=(2, 1, 1)), [(1, 2, 4, 3, 3), (2, 2, 2, 2, 2)]),
    (lambda L, F, x: F.unfold(x, 2, dilation=1, padding=1, stride=2), [(1, 2, 4, 5)]),
    (lambda L, F, x: F.fold(x, (4, 5), 2, padding=1, stride=2), [(1, 8, 9)]),
], ids=["conv2d", "conv1d_same", "convT2d", "conv3d", "unfold", "fold"])
def test_gradcheck(fn, shapes):
    gradchecks(fn, shapes)


@pytest.mark.parametrize("kw", [dict(), dict(dilation=(1, 2), padding=1, stride=(2, 1))],
                         ids=str)
def test_unfold_fold(kw):
    compare(lambda L, F, x: F.unfold(x, (2, 3), **kw), [(2, 3, 6, 7)])
    compare(lambda L, F, x: F.unfold(x, 2), [(3, 4, 4)])
    n = torch.nn.functional.unfold(torch.zeros(2, 3, 6, 7), (2, 3), **kw).shape[-1]
    compare(lambda L, F, x: F.fold(x, (6, 7), (2, 3), **kw), [(2, 18, n)])


@pytest.mark.parametrize("call", [
    lambda L, F: F.conv2d(L.zeros(1, 3, 5, 5), L.zeros(2, 2, 3, 3)),        # channels
    lambda L, F: F.conv2d(L.zeros(1, 4, 5, 5), L.zeros(3, 2, 3, 3), groups=2),
    lambda L, F: F.conv2d(L.zeros(1, 3, 2, 2), L.zeros(2, 3, 3, 3)),        # kernel too big
    lambda L, F: F.conv2d(L.zeros(3, 5), L.zeros(2, 3, 3, 3)),              # rank
    lambda L, F: F.conv2d(L.zeros(1, 3, 5, 5), L.zeros(2, 3, 3, 3), stride=0),
    lambda L, F: F.conv2d(L.zeros(1, 3, 5, 5), L.zeros(2, 3, 3, 3), padding="same", stride=2),
    lambda L, F: F.conv2d(L.zeros(1, 3, 5, 5), L.zeros(2, 3, 3, 3), padding="full"),
    lambda L, F: F.conv2d(L.zeros(1, 3, 5, 5), L.zeros(2, 3, 3, 3), L.zeros(3)),  # bias
    lambda L, F: F.conv2d(L.zeros(1, 3, 5, 5), L.zeros(2, 3, 3, 3, dtype=L.float64)),
    lambda L, F: F.conv_transpose2d(L.zeros(1, 3, 5, 5), L.zeros(2, 3, 3, 3)),
    lambda L, F: F.conv_transpose2d(L.zeros(1, 3, 5, 5), L.zeros(3, 3, 3, 3), stride=2,
                                    output_padding=2),
    lambda L, F: F.unfold(L.zeros(1, 1, 2, 2, 2), 2),
    lambda L, F: F.fold(L.zeros(1, 4, 5), (3, 3), 2),
])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as t_err:
        call(torch, torch.nn.functional)
    with pytest.raises(t_err.type):
        call(ember, EF)


def test_double_backward_matches_torch():
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in [(2, 2, 5, 5), (3, 2, 3, 3)]]
    res = []
    for lib in (torch, ember):
        x, w = (lib.tensor(a, requires_grad=True) for a in arrays)
        y = lib.nn.functional.conv2d(x, w, stride=2, padding=1)
        gx, gw = lib.autograd.grad((y * y).sum(), (x, w), create_graph=True)
        (gx.pow(2).sum() + gw.sin().sum()).backward()
        res.append([x.grad.numpy(), w.grad.numpy()])
    for a, b in zip(*res):
        np.testing.assert_allclose(b, a, 1e-10, 1e-10)


# --- modules ---------------------------------------------------------------------------------

MODULES = [
    ("Conv1d", (4, 6, 3), dict(), (2, 4, 9)),
    ("Conv1d", (4, 4, 3), dict(padding="same", groups=2, padding_mode="circular"), (2, 4, 9)),
    ("Conv2d", (3, 16, 3), dict(), (2, 3, 8, 8)),
    ("Conv2d", (3, 4, (3, 2)), dict(stride=2, padding=1, dilation=2, bias=False,
                                    padding_mode="reflect"), (2, 3, 9, 8)),
    ("Conv2d", (4, 4, 3), dict(padding=(1, 2), groups=4, padding_mode="replicate"),
     (2, 4, 6, 5)),
    ("Conv2d", (2, 3, 4), dict(padding="same", padding_mode="reflect"), (1, 2, 6, 6)),
    ("Conv3d", (2, 4, 2), dict(padding=1, padding_mode="zeros"), (1, 2, 4, 4, 3)),
    ("ConvTranspose1d", (3, 4, 3), dict(stride=2, output_padding=1), (2, 3, 5)),
    ("ConvTranspose2d", (4, 6, 3), dict(stride=2, output_padding=1, groups=2, padding=1),
     (2, 4, 4, 5)),
    ("ConvTranspose2d", (2, 3, 2), dict(bias=False, dilation=2), (2, 2, 3, 3)),
    ("ConvTranspose3d", (2, 2, 2), dict(stride=2), (1, 2, 2, 3, 2)),
]


def _pair_modules(name, args, kw):
    tm = getattr(torch.nn, name)(*args, **kw)
    em = getattr(enn, name)(*args, **kw)
    with torch.no_grad():
        for k, v in tm.state_dict().items():
            em.state_dict()[k].copy_(ember.tensor(v.numpy()))
    return tm, em


@pytest.mark.parametrize("name,args,kw,shape", MODULES, ids=lambda v: str(v))
def test_module_matches_torch(name, args, kw, shape):
    tm, em = _pair_modules(name, args, kw)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    for k, v in tm.state_dict().items():
        assert tuple(em.state_dict()[k].shape) == tuple(v.shape)
    x = np.random.default_rng(1).standard_normal(shape).astype("float32")
    (xt,), (xe,) = _both([x])
    for train in (True, False):
        tm.train(train)
        em.train(train)
        yt, ye = tm(xt), em(xe)
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), RTOL, ATOL)
    g = np.random.default_rng(2).standard_normal(tuple(yt.shape)).astype("float32")
    yt.backward(torch.tensor(g))
    ye.backward(ember.tensor(g))
    assert_grad_close(xe.grad.numpy(), xt.grad.numpy())
    for (n, pt), (m, pe) in zip(tm.named_parameters(), em.named_parameters()):
        assert n == m
        assert_grad_close(pe.grad.numpy(), pt.grad.numpy())


def test_conv_transpose_output_size():
    tm, em = _pair_modules("ConvTranspose2d", (2, 3, 3), dict(stride=2))
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4)).astype("float32")
    yt = tm(torch.tensor(x), output_size=(10, 9))
    ye = em(ember.tensor(x), output_size=(10, 9))
    assert tuple(ye.shape) == tuple(yt.shape) == (1, 3, 10, 9)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), RTOL, ATOL)
    with pytest.raises(ValueError):
        em(ember.tensor(x), output_size=(12, 9))


@pytest.mark.parametrize("cls", ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose2d"])
def test_default_init_bounds(cls):
    ember.manual_seed(0)
    m = getattr(enn, cls)(6, 8, 3, groups=2)
    fan_in = m.weight.shape[1] * math.prod(m.kernel_size)
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform(a=sqrt(5)) gives the same bound
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.8 * bound and w.std() > 0.4 * bound
    assert m.weight.requires_grad and isinstance(m.weight, enn.Parameter)


@pytest.mark.parametrize("kw", [dict(groups=0), dict(groups=4), dict(padding_mode="bad"),
                                dict(padding="same", stride=2), dict(padding="full")], ids=str)
def test_module_errors(kw):
    with pytest.raises(ValueError):
        torch.nn.Conv2d(6, 4, 3, **kw)
    with pytest.raises(ValueError):
        enn.Conv2d(6, 4, 3, **kw)


def test_fold_unfold_modules():
    for tm, em, shape in [
        (torch.nn.Unfold(2, padding=1, stride=2), enn.Unfold(2, padding=1, stride=2),
         (2, 3, 5, 5)),
        (torch.nn.Fold((4, 5), 2), enn.Fold((4, 5), 2), (2, 8, 12)),
    ]:
        assert repr(em) == repr(tm)
        x = np.random.default_rng(0).standard_normal(shape).astype("float32")
        np.testing.assert_allclose(em(ember.tensor(x)).numpy(),
                                   tm(torch.tensor(x)).numpy(), RTOL, ATOL)


@pytest.mark.parametrize("fn,shapes", [
    (lambda L, F, x, w, b: F.conv2d(x, w, b, padding=1), [(0, 2, 5, 5), (3, 2, 3, 3), (3,)]),
    (lambda L, F, x, w, b: F.conv_transpose2d(x, w, b, stride=2), [(0, 2, 3, 3), (2, 3, 3, 3),
                                                                   (3,)]),
], ids=["conv2d", "conv_transpose2d"])
def test_empty_batch(fn, shapes):
    compare(fn, shapes)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "int64"])
def test_other_dtypes(dtype):
    rng = np.random.default_rng(0)
    x = rng.integers(-3, 4, (2, 4, 6, 5)).astype("float32")
    w = rng.integers(-3, 4, (6, 2, 3, 3)).astype("float32")
    outs = []
    for lib in (torch, ember):
        dt = getattr(lib, dtype)
        xt, wt = lib.tensor(x).to(dt), lib.tensor(w).to(dt)
        y = lib.nn.functional.conv2d(xt, wt, stride=(1, 2), padding=1, groups=2)
        z = lib.nn.functional.conv_transpose2d(xt, wt[:4], stride=2)
        outs.append((y, z))
    for a, b in zip(*outs):
        assert str(b.dtype).split(".")[-1] == str(a.dtype).split(".")[-1]
        np.testing.assert_allclose(b.float().numpy(), a.float().numpy(), 1e-2, 1e-2)
