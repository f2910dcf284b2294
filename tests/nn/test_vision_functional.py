"""Vision functions (F.grid_sample, F.affine_grid, F.pixel_shuffle / pixel_unshuffle,
F.channel_shuffle / native_channel_shuffle and their modules) against torch 2.13: values,
gradients w.r.t. input and grid, double backward, grad_fn names, gradcheck, errors, reprs."""
import itertools
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.nn as enn
import ember.nn.functional as EF

TF = torch.nn.functional
MODES = ("bilinear", "nearest", "bicubic")
PADS = ("zeros", "border", "reflection")
RTOL_F32, ATOL_F32 = 1e-5, 1e-6


def _tol(dtype):
    return (1e-5, 1e-6) if dtype == "float32" else (1e-10, 1e-12)


def _grid(rng, shape, dtype, spread=1.5):
    """Grid points over [-spread, spread] (outside [-1, 1] too), with a few exact corners,
    centres and edges where torch's border and rounding rules matter."""
    g = rng.uniform(-spread, spread, shape).astype(dtype)
    g.reshape(-1)[:8] = [-1, 1, 0, -1, 0.5, 1, -0.25, 1]
    return g


def _sample(lib, F, x, g, w, kw, create_graph=False):
    xt = lib.tensor(x, requires_grad=True)
    gt = lib.tensor(g, requires_grad=True)
    y = F.grid_sample(xt, gt, **kw)
    gx, gg = lib.autograd.grad((y * lib.tensor(w)).sum(), (xt, gt), create_graph=create_graph)
    return y, gx, gg, xt, gt


def _check_sample(nd, mode, pad, align, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3) + ((4, 5) if nd == 2 else (3, 4, 5))).astype(dtype)
    out = (3, 4) if nd == 2 else (2, 3, 4)
    g = _grid(rng, (2,) + out + (nd,), dtype)
    w = rng.standard_normal((2, 3) + out).astype(dtype)
    kw = dict(mode=mode, padding_mode=pad, align_corners=align)
    rt = _sample(torch, TF, x, g, w, kw)
    re = _sample(ember, EF, x, g, w, kw)
    rtol, atol = _tol(dtype)
    assert re[0].dtype == getattr(ember, dtype)
    assert type(re[0].grad_fn).__name__ == type(rt[0].grad_fn).__name__
    for a, b in zip(re[:3], rt[:3]):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol, atol)


@pytest.mark.parametrize("mode,pad,align", list(itertools.product(MODES, PADS, (False, True))))
def test_grid_sample_2d(mode, pad, align):
    _check_sample(2, mode, pad, align, "float32")
    _check_sample(2, mode, pad, align, "float64", seed=1)


@pytest.mark.parametrize("mode,pad,align",
                         list(itertools.product(MODES[:2], PADS, (False, True))))
def test_grid_sample_3d(mode, pad, align):
    _check_sample(3, mode, pad, align, "float32")


@pytest.mark.parametrize("nd,mode,pad,align", [
    (2, "bilinear", "zeros", False), (2, "bilinear", "reflection", True),
    (2, "bicubic", "border", False), (2, "bicubic", "reflection", False),
    (2, "nearest", "zeros", True), (3, "bilinear", "border", True),
    (3, "bilinear", "reflection", False)])
def test_grid_sample_double_backward(nd, mode, pad, align):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 2) + ((4, 5) if nd == 2 else (3, 4, 5))).astype("float64")
    out = (3, 4) if nd == 2 else (2, 3, 2)
    g = _grid(rng, (2,) + out + (nd,), "float64")
    w = rng.standard_normal((2, 2) + out)
    kw = dict(mode=mode, padding_mode=pad, align_corners=align)
    res = []
    for lib, F in ((torch, TF), (ember, EF)):
        _, gx, gg, xt, gt = _sample(lib, F, x, g, w, kw, create_graph=True)
        r = (gx ** 2).sum() + (gg ** 2).sum() * 0.01
        res.append(lib.autograd.grad(r, (xt, gt), allow_unused=True))
    for a, b in zip(res[1], res[0]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a.numpy(), b.numpy(), 1e-8, 1e-10)


@pytest.mark.parametrize("mode,pad,align", [
    ("bilinear", "zeros", False), ("bilinear", "border", True),
    ("bilinear", "reflection", False), ("bicubic", "zeros", True),
    ("bicubic", "reflection", False), ("nearest", "border", False)])
def test_grid_sample_gradcheck(mode, pad, align):
    rng = np.random.default_rng(3)
    x = ember.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    # keep points away from the kinks (pixel boundaries, clip borders) finite differences cross
    g = ember.tensor(rng.uniform(-0.9, 0.9, (1, 2, 3, 2)), requires_grad=mode != "nearest")
    fn = lambda a, b: EF.grid_sample(a, b, mode=mode, padding_mode=pad,  # noqa: E731
                                     align_corners=align)
    assert ember.autograd.gradcheck(fn, (x, g))
    if mode == "bilinear":
        assert ember.autograd.gradgradcheck(fn, (x, g))


def test_grid_sample_gradcheck_3d():
    rng = np.random.default_rng(4)
    x = ember.tensor(rng.standard_normal((1, 1, 2, 3, 3)), requires_grad=True)
    g = ember.tensor(rng.uniform(-0.9, 0.9, (1, 2, 1, 2, 3)), requires_grad=True)
    fn = lambda a, b: EF.grid_sample(a, b, padding_mode="border",  # noqa: E731
                                     align_corners=False)
    assert ember.autograd.gradcheck(fn, (x, g))
    assert ember.autograd.gradgradcheck(fn, (x, g))


def test_grid_sample_only_one_input_needs_grad():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 2, 4, 4)).astype("float32")
    g = rng.uniform(-1, 1, (1, 3, 3, 2)).astype("float32")
    for which in (0, 1):
        ts = [torch.tensor(x, requires_grad=which == 0), torch.tensor(g, requires_grad=which == 1)]
        es = [ember.tensor(x, requires_grad=which == 0), ember.tensor(g, requires_grad=which == 1)]
        TF.grid_sample(*ts, align_corners=True).sum().backward()
        EF.grid_sample(*es, align_corners=True).sum().backward()
        np.testing.assert_allclose(es[which].grad.numpy(), ts[which].grad.numpy(), 1e-5, 1e-6)
        assert es[1 - which].grad is None


def test_grid_sample_default_align_corners_warns():
    x, g = ember.zeros(1, 1, 2, 2), ember.zeros(1, 1, 1, 2)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        EF.grid_sample(x, g)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        EF.grid_sample(x, g, align_corners=False)


def test_grid_sample_empty_batch_and_grid():
    for shape_x, shape_g in (((0, 2, 3, 3), (0, 2, 2, 2)), ((1, 2, 3, 3), (1, 0, 2, 2))):
        t = TF.grid_sample(torch.zeros(shape_x), torch.zeros(shape_g), align_corners=False)
        e = EF.grid_sample(ember.zeros(shape_x), ember.zeros(shape_g), align_corners=False)
        assert tuple(e.shape) == tuple(t.shape)


def _raises_like(fn):
    """fn(lib, F) raises the same exception class with the same message in both libraries."""
    with pytest.raises(Exception) as et:
        fn(torch, TF)
    with pytest.raises(type(et.value)) as ee:
        fn(ember, EF)
    assert str(ee.value) == str(et.value)


@pytest.mark.parametrize("fn", [
    lambda L, F: F.grid_sample(L.zeros(2, 3, 4, 5), L.zeros(2, 3, 4, 2), mode="foo"),
    lambda L, F: F.grid_sample(L.zeros(2, 3, 4, 5), L.zeros(2, 3, 4, 2), padding_mode="x"),
    lambda L, F: F.grid_sample(L.zeros(2, 3, 4, 5), L.zeros(1, 3, 4, 2), align_corners=True),
    lambda L, F: F.grid_sample(L.zeros(2, 3, 4, 5), L.zeros(2, 3, 4, 3), align_corners=True),
    lambda L, F: F.grid_sample(L.zeros(3, 4, 5), L.zeros(3, 4, 2), align_corners=True),
    lambda L, F: F.grid_sample(L.zeros(1, 1, 2, 2, 2), L.zeros(1, 1, 1, 1, 3),
                               mode="bicubic", align_corners=True),
    lambda L, F: F.grid_sample(L.zeros(2, 3, 0, 5), L.zeros(2, 3, 4, 2), align_corners=True),
    lambda L, F: F.grid_sample(L.zeros(2, 3, 4, 5), L.zeros(2, 3, 4, 2, dtype=L.float64),
                               align_corners=True),
    lambda L, F: F.grid_sample(L.zeros(2, 3, 4, 5, dtype=L.int64),
                               L.zeros(2, 3, 4, 2, dtype=L.int64), align_corners=True),
])
def test_grid_sample_errors(fn):
    _raises_like(fn)


# --- affine_grid ----------------------------------------------------------------------------

@pytest.mark.parametrize("size,align", list(itertools.product(
    [(2, 3, 4, 5), (2, 1, 1, 3), (1, 2, 3, 4, 5), (2, 1, 2, 1, 3)], (False, True))))
def test_affine_grid(size, align):
    rng = np.random.default_rng(6)
    k = len(size) - 2
    for dtype in ("float32", "float64"):
        th = rng.standard_normal((size[0], k, k + 1)).astype(dtype)
        tt, te = torch.tensor(th, requires_grad=True), ember.tensor(th, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yt = TF.affine_grid(tt, size, align_corners=align)
            ye = EF.affine_grid(te, size, align_corners=align)
        assert type(ye.grad_fn).__name__ == type(yt.grad_fn).__name__
        assert ye.dtype == getattr(ember, dtype)
        rtol, atol = _tol(dtype)
        np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol, atol)
        w = rng.standard_normal(tuple(yt.shape)).astype(dtype)
        yt.backward(torch.tensor(w))
        ye.backward(ember.tensor(w))
        np.testing.assert_allclose(te.grad.numpy(), tt.grad.numpy(), rtol, atol * 10)


def test_affine_grid_gradcheck_and_warp():
    rng = np.random.default_rng(7)
    th = ember.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    fn = lambda t: EF.affine_grid(t, (2, 1, 3, 4), align_corners=False)  # noqa: E731
    assert ember.autograd.gradcheck(fn, (th,))
    assert ember.autograd.gradgradcheck(fn, (th,))
    # affine_grid + grid_sample, the spatial-transformer pair, end to end against torch
    x = rng.standard_normal((2, 3, 5, 6)).astype("float32")
    t = (np.eye(2, 3)[None] + 0.2 * rng.standard_normal((2, 2, 3))).astype("float32")
    outs = []
    for lib, F in ((torch, TF), (ember, EF)):
        tt = lib.tensor(t, requires_grad=True)
        y = F.grid_sample(lib.tensor(x), F.affine_grid(tt, (2, 3, 4, 4), align_corners=False),
                          align_corners=False)
        y.square().sum().backward()
        outs.append((y.detach().numpy(), tt.grad.numpy()))
    np.testing.assert_allclose(outs[1][0], outs[0][0], 1e-5, 1e-6)
    np.testing.assert_allclose(outs[1][1], outs[0][1], 1e-4, 1e-5)


@pytest.mark.parametrize("fn", [
    lambda L, F: F.affine_grid(L.zeros(2, 2, 3), (2, 3, 4), align_corners=False),
    lambda L, F: F.affine_grid(L.zeros(2, 2, 3), (2, 3, 4, 5, 6), align_corners=False),
    lambda L, F: F.affine_grid(L.zeros(2, 3, 4), (2, 3, 4, 5), align_corners=False),
    lambda L, F: F.affine_grid(L.zeros(2, 2, 3), (3, 3, 4, 5), align_corners=False),
    lambda L, F: F.affine_grid(L.zeros(2, 2, 3, dtype=L.int64), (2, 3, 4, 5),
                               align_corners=False),
    lambda L, F: F.affine_grid(L.zeros(2, 2, 3), (2, 3, 0, 5), align_corners=False),
])
def test_affine_grid_errors(fn):
    with pytest.raises(Exception) as et:
        fn(torch, TF)
    with pytest.raises(type(et.value)) as ee:
        fn(ember, EF)
    assert str(ee.value) == str(et.value).replace("torch.", "ember.")


# --- pixel and channel shuffle --------------------------------------------------------------

SHUFFLES = [
    ("pixel_shuffle", lambda L, F, x: F.pixel_shuffle(x, 2), (2, 8, 3, 4)),
    ("pixel_shuffle_3", lambda L, F, x: F.pixel_shuffle(x, 3), (18, 2, 2)),
    ("pixel_shuffle_5d", lambda L, F, x: L.pixel_shuffle(x, 2), (2, 1, 4, 2, 3)),
    ("pixel_shuffle_1", lambda L, F, x: F.pixel_shuffle(x, 1), (1, 3, 2, 2)),
    ("pixel_unshuffle", lambda L, F, x: F.pixel_unshuffle(x, 2), (2, 3, 4, 6)),
    ("pixel_unshuffle_3d", lambda L, F, x: L.pixel_unshuffle(x, 3), (2, 6, 3)),
    ("channel_shuffle", lambda L, F, x: F.channel_shuffle(x, 2), (2, 6, 3, 2)),
    ("channel_shuffle_3", lambda L, F, x: L.channel_shuffle(x, 3), (1, 6, 5)),
    ("channel_shuffle_5d", lambda L, F, x: F.channel_shuffle(x, 4), (1, 8, 2, 1, 2)),
]


@pytest.mark.parametrize("name,fn,shape", SHUFFLES, ids=[c[0] for c in SHUFFLES])
def test_shuffles(name, fn, shape):
    rng = np.random.default_rng(8)
    x = rng.standard_normal(shape).astype("float32")
    xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    yt, ye = fn(torch, TF, xt), fn(ember, EF, xe)
    np.testing.assert_array_equal(ye.detach().numpy(), yt.detach().numpy())
    assert ye.is_contiguous()
    assert type(ye.grad_fn).__name__ == type(yt.grad_fn).__name__
    w = rng.standard_normal(tuple(yt.shape)).astype("float32")
    gt = torch.autograd.grad(yt, xt, torch.tensor(w), create_graph=True)[0]
    ge = ember.autograd.grad(ye, xe, ember.tensor(w), create_graph=True)[0]
    np.testing.assert_array_equal(ge.detach().numpy(), gt.detach().numpy())
    xd = ember.tensor(x.astype("float64"), requires_grad=True)
    assert ember.autograd.gradcheck(lambda a: fn(ember, EF, a), (xd,))
    assert ember.autograd.gradgradcheck(lambda a: fn(ember, EF, a), (xd,))


def test_shuffles_int_and_empty():
    xt = torch.arange(2 * 8 * 2).reshape(2, 8, 2, 1)
    xe = ember.arange(2 * 8 * 2).reshape(2, 8, 2, 1)
    for f in (lambda L, x: L.pixel_shuffle(x, 2), lambda L, x: L.channel_shuffle(x, 4),
              lambda L, x: L.native_channel_shuffle(x, 2),
              lambda L, x: L.pixel_unshuffle(x, 1)):
        np.testing.assert_array_equal(f(ember, xe).numpy(), f(torch, xt).numpy())
        assert f(ember, xe).dtype == ember.int64
    assert tuple(EF.pixel_shuffle(ember.zeros(0, 8, 2, 2), 2).shape) == (0, 2, 4, 4)
    assert tuple(EF.channel_shuffle(ember.zeros(0, 4, 2), 2).shape) == (0, 4, 2)


def test_native_channel_shuffle_has_no_derivative():
    x = ember.randn(1, 4, 2, requires_grad=True)
    y = EF.native_channel_shuffle(x, 2)
    assert type(y.grad_fn).__name__ == "NotImplemented"
    np.testing.assert_array_equal(y.detach().numpy(),
                                  EF.channel_shuffle(x, 2).detach().numpy())
    with pytest.raises(RuntimeError, match="derivative for aten::native_channel_shuffle"):
        y.sum().backward()


@pytest.mark.parametrize("fn", [
    lambda L, F: F.pixel_shuffle(L.zeros(3, 4), 2),
    lambda L, F: F.pixel_shuffle(L.zeros(1, 3, 4, 4), 2),
    lambda L, F: F.pixel_shuffle(L.zeros(1, 4, 4, 4), 0),
    lambda L, F: F.pixel_shuffle(L.zeros(1, 4, 4, 4), -1),
    lambda L, F: F.pixel_unshuffle(L.zeros(3, 4), 2),
    lambda L, F: F.pixel_unshuffle(L.zeros(1, 3, 4, 5), 2),
    lambda L, F: F.pixel_unshuffle(L.zeros(1, 3, 5, 4), 2),
    lambda L, F: F.pixel_unshuffle(L.zeros(1, 3, 4, 4), 0),
    lambda L, F: F.channel_shuffle(L.zeros(1, 3, 4, 4), 2),
    lambda L, F: F.channel_shuffle(L.zeros(3, 4), 2),
    lambda L, F: F.channel_shuffle(L.zeros(1, 4, 4), 0),
    lambda L, F: F.native_channel_shuffle(L.zeros(1, 3, 4, 4), 2),
    lambda L, F: F.native_channel_shuffle(L.zeros(1, 4, 4), -2),
])
def test_shuffle_errors(fn):
    _raises_like(fn)


def test_shuffle_modules():
    x = np.arange(2 * 16 * 2 * 2, dtype="float32").reshape(2, 16, 2, 2)
    for name, arg in (("PixelShuffle", 2), ("PixelUnshuffle", 2), ("ChannelShuffle", 4)):
        mt, me = getattr(torch.nn, name)(arg), getattr(enn, name)(arg)
        assert repr(me) == repr(mt)
        np.testing.assert_array_equal(me(ember.tensor(x)).numpy(), mt(torch.tensor(x)).numpy())
        assert me.state_dict() == {} and list(me.parameters()) == []


@pytest.mark.parametrize("align", (False, True))
def test_grid_sample_non_finite_and_huge_grid(align):
    # NaN clips to the border, inf reflects to NaN then clips, and zeros padding keeps NaN
    # weights (NaN * 0): all as torch's CPU kernel
    x = np.arange(16.0, dtype="float32").reshape(1, 1, 4, 4)
    g = np.array([[[[np.nan, 0], [np.inf, 0], [-np.inf, 0.5], [1e10, 0.2]]]], "float32")
    for mode, pad in itertools.product(MODES, PADS):
        kw = dict(mode=mode, padding_mode=pad, align_corners=align)
        t = TF.grid_sample(torch.tensor(x), torch.tensor(g), **kw)
        e = EF.grid_sample(ember.tensor(x), ember.tensor(g), **kw)
        np.testing.assert_allclose(e.numpy(), t.numpy(), RTOL_F32, ATOL_F32, equal_nan=True)


def test_grid_sample_half_types():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((1, 2, 4, 4)).astype("float32")
    g = np.tanh(rng.standard_normal((1, 3, 3, 2))).astype("float32")
    for dt in ("float16", "bfloat16"):
        xe = ember.tensor(x).to(getattr(ember, dt)).requires_grad_()
        ge = ember.tensor(g).to(getattr(ember, dt)).requires_grad_()
        y = EF.grid_sample(xe, ge, align_corners=False)
        y.sum().backward()
        assert y.dtype == xe.grad.dtype == ge.grad.dtype == getattr(ember, dt)
        ref = TF.grid_sample(torch.tensor(x), torch.tensor(g), align_corners=False)
        np.testing.assert_allclose(y.float().detach().numpy(), ref.numpy(), 0.02, 0.02)
