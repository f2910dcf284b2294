"""F.interpolate (every mode), the deprecated F.upsample* aliases and the Upsample modules
against torch 2.13: values, input gradients, grad_fn names, gradcheck, errors, reprs."""
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.nn as enn
import ember.nn.functional as EF

RTOL, ATOL = 1e-5, 1e-6
TF = torch.nn.functional


def compare(kw, shape, dtype="float32", seed=0, fn="interpolate"):
    """Run F.<fn>(x, **kw) on torch and ember: shape, values, grad_fn name, input gradient."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    yt, ye = getattr(TF, fn)(xt, **kw), getattr(EF, fn)(xe, **kw)
    assert tuple(ye.shape) == tuple(yt.shape)
    assert ye.dtype == getattr(ember, dtype)
    rtol, atol = (RTOL, ATOL) if dtype == "float32" else (1e-12, 1e-12)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol, atol)
    assert type(ye.grad_fn).__name__ == type(yt.grad_fn).__name__
    g = rng.standard_normal(tuple(yt.shape)).astype(dtype)
    yt.backward(torch.tensor(g))
    ye.backward(ember.tensor(g))
    # torch sums many float32 terms per input gradient: allow for that rounding
    scale = max(1.0, float(np.abs(xt.grad.numpy()).max(initial=0.0)))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol, atol * scale)


CASES = [
    ("nearest1_up", dict(scale_factor=2.5), (2, 3, 7)),
    ("nearest1_down", dict(size=4), (2, 3, 9)),
    ("nearest1_same_size_scale", dict(scale_factor=1.1), (1, 2, 5)),
    ("nearest2_up", dict(scale_factor=(1.7, 2.3)), (2, 3, 5, 6)),
    ("nearest2_size", dict(size=(9, 4)), (2, 3, 5, 6)),
    ("nearest2_large", dict(scale_factor=(1.01, 1.003)), (1, 1, 70, 150)),
    ("nearest2_recompute", dict(scale_factor=0.7, recompute_scale_factor=True), (2, 2, 9, 8)),
    ("nearest3", dict(scale_factor=(1.5, 0.6, 2)), (1, 2, 4, 5, 3)),
    ("exact1", dict(mode="nearest-exact", scale_factor=1.6), (2, 3, 7)),
    ("exact2", dict(mode="nearest-exact", size=(7, 3)), (2, 3, 5, 6)),
    ("exact2_large", dict(mode="nearest-exact", scale_factor=0.93), (1, 1, 90, 150)),
    ("exact3", dict(mode="nearest-exact", size=(3, 7, 2)), (1, 2, 4, 5, 3)),
    ("linear_up", dict(mode="linear", scale_factor=2.3), (2, 3, 6)),
    ("linear_down_ac", dict(mode="linear", size=4, align_corners=True), (2, 3, 11)),
    ("linear_size1_ac", dict(mode="linear", size=1, align_corners=True), (2, 3, 5)),
    ("bilinear_up", dict(mode="bilinear", scale_factor=(1.7, 2.5)), (2, 3, 5, 6)),
    ("bilinear_ac", dict(mode="bilinear", size=(9, 4), align_corners=True), (2, 3, 5, 6)),
    ("bilinear_down", dict(mode="bilinear", scale_factor=0.45), (2, 3, 11, 9)),
    ("bilinear_recompute", dict(mode="bilinear", scale_factor=1.37,
                                recompute_scale_factor=True), (2, 3, 5, 6)),
    ("bicubic_up", dict(mode="bicubic", scale_factor=2.2), (2, 3, 5, 6)),
    ("bicubic_ac", dict(mode="bicubic", size=(4, 9), align_corners=True), (2, 3, 6, 5)),
    ("bicubic_same_size", dict(mode="bicubic", scale_factor=1.1), (1, 2, 5, 5)),
    ("trilinear", dict(mode="trilinear", scale_factor=(1.5, 0.7, 2.2)), (1, 2, 4, 5, 3)),
    ("trilinear_ac", dict(mode="trilinear", size=(2, 6, 5), align_corners=True), (1, 2, 4, 5, 3)),
    ("area1", dict(mode="area", size=3), (2, 3, 7)),
    ("area2", dict(mode="area", scale_factor=0.6), (2, 3, 8, 7)),
    ("area3", dict(mode="area", size=(2, 3, 2)), (1, 2, 4, 5, 3)),
    ("aa_bilinear", dict(mode="bilinear", antialias=True, size=(4, 3)), (2, 3, 11, 9)),
    ("aa_bilinear_up", dict(mode="bilinear", antialias=True, scale_factor=1.6), (2, 3, 5, 6)),
    ("aa_bilinear_ac", dict(mode="bilinear", antialias=True, size=(3, 5),
                            align_corners=True), (2, 3, 11, 9)),
    ("aa_bilinear_width1", dict(mode="bilinear", antialias=True, size=(5, 1)), (1, 2, 9, 4)),
    ("aa_bicubic", dict(mode="bicubic", antialias=True, scale_factor=(0.4, 0.7)), (2, 3, 11, 9)),
    ("aa_bicubic_same_h", dict(mode="bicubic", antialias=True, scale_factor=(1.1, 0.5)),
     (1, 2, 5, 9)),
    ("aa_lanczos", dict(mode="lanczos", antialias=True, size=(4, 6)), (2, 3, 13, 9)),
]


@pytest.mark.parametrize("name,kw,shape", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, kw, shape):
    compare(kw, shape)


@pytest.mark.parametrize("name,kw,shape", CASES[::3], ids=[c[0] for c in CASES[::3]])
def test_matches_torch_float64(name, kw, shape):
    compare(kw, shape, "float64")


@pytest.mark.parametrize("mode,nd", [("nearest", 1), ("nearest", 2), ("nearest", 3),
                                     ("nearest-exact", 1), ("nearest-exact", 2),
                                     ("nearest-exact", 3)])
def test_nearest_indices_exact(mode, nd):
    """The picked source pixel is discrete: sweep sizes and scales for exact equality."""
    rng = np.random.default_rng(nd)
    for _ in range(25):
        ins = tuple(int(v) for v in rng.integers(4, 8 if nd == 3 else 40, nd))
        scale = float(np.round(rng.uniform(0.3, 3.2), 2))
        x = np.arange(np.prod(ins), dtype="float64").reshape((1, 1) + ins)
        for dt in ("float32", "float64"):
            kw = dict(mode=mode, scale_factor=scale)
            yt = TF.interpolate(torch.tensor(x).to(getattr(torch, dt)), **kw)
            ye = EF.interpolate(ember.tensor(x).to(getattr(ember, dt)), **kw)
            np.testing.assert_array_equal(ye.numpy(), yt.numpy())


def _interp_matrix(lib, mode, n_in, n_out, **kw):
    x = lib.eye(n_in, dtype=lib.float32).reshape(1, n_in, 1, n_in)
    return getattr(lib.nn.functional, "interpolate")(x, size=(1, n_out), mode=mode,
                                                      **kw)[0, :, 0, :].numpy()


@pytest.mark.parametrize("mode,kw", [("bilinear", {}), ("bilinear", dict(align_corners=True)),
                                     ("bicubic", {}), ("bilinear", dict(antialias=True)),
                                     ("bicubic", dict(antialias=True)),
                                     ("lanczos", dict(antialias=True))])
def test_interpolation_weights(mode, kw):
    """Interpolating an identity gives the weight matrix itself: torch's to the last bit or
    two (its kernels use fused multiply-adds, which the index formulas reproduce)."""
    for n_in, n_out in ((26, 43), (100, 317), (57, 20), (9, 2)):
        np.testing.assert_allclose(_interp_matrix(ember, mode, n_in, n_out, **kw),
                                   _interp_matrix(torch, mode, n_in, n_out, **kw), 0, 3e-7)


@pytest.mark.parametrize("kw", [dict(mode="bilinear"), dict(mode="bicubic", align_corners=True),
                                dict(mode="bilinear", antialias=True),
                                dict(mode="bicubic", antialias=True),
                                dict(mode="lanczos", antialias=True), dict(mode="nearest"),
                                dict(mode="nearest-exact")])
@pytest.mark.parametrize("channels", [3, 5])
def test_uint8_exact(kw, channels):
    rng = np.random.default_rng(channels)
    for size in ((7, 13), (20, 4), (6, 1)):
        x = rng.integers(0, 256, (2, channels, 11, 9)).astype("uint8")
        yt = TF.interpolate(torch.tensor(x), size=size, **kw)
        ye = EF.interpolate(ember.tensor(x), size=size, **kw)
        assert ye.dtype == ember.uint8
        np.testing.assert_array_equal(ye.numpy(), yt.numpy())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic"])
def test_half_types(dtype, mode):
    x = np.random.default_rng(0).integers(-8, 9, (1, 2, 5, 6)).astype("float32")
    yt = TF.interpolate(torch.tensor(x).to(getattr(torch, dtype)), scale_factor=1.5, mode=mode)
    ye = EF.interpolate(ember.tensor(x).to(getattr(ember, dtype)), scale_factor=1.5, mode=mode)
    assert ye.dtype == getattr(ember, dtype)
    np.testing.assert_allclose(ye.float().numpy(), yt.float().numpy(), 2e-2, 2e-2)


GRAD_CASES = [
    (dict(mode="nearest", scale_factor=1.7), (1, 2, 4)),
    (dict(mode="nearest", size=(3, 5)), (1, 2, 4, 3)),
    (dict(mode="nearest", size=(3, 2, 4)), (1, 1, 2, 3, 2)),
    (dict(mode="nearest-exact", size=(6, 3)), (1, 2, 4, 5)),
    (dict(mode="linear", size=7), (1, 2, 4)),
    (dict(mode="bilinear", scale_factor=(1.5, 0.7)), (1, 2, 4, 3)),
    (dict(mode="bicubic", size=(5, 4), align_corners=True), (1, 2, 4, 3)),
    (dict(mode="trilinear", size=(4, 2, 3)), (1, 1, 3, 3, 2)),
    (dict(mode="bilinear", size=(3, 2), antialias=True), (1, 2, 6, 5)),
    (dict(mode="bicubic", size=(4, 2), antialias=True), (1, 2, 6, 5)),
    (dict(mode="lanczos", size=(3, 4), antialias=True), (1, 1, 7, 5)),
]


@pytest.mark.parametrize("kw,shape", GRAD_CASES, ids=[f"{c[0]['mode']}{len(c[1]) - 2}"
                                                      for c in GRAD_CASES])
def test_gradcheck(kw, shape):
    x = ember.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    f = lambda t: EF.interpolate(t, **kw)  # noqa: E731
    assert ember.autograd.gradcheck(f, (x,))
    assert ember.autograd.gradgradcheck(f, (x,))
    # the double-backward node is torch's too
    xt = torch.tensor(x.detach().numpy(), requires_grad=True)
    yt, ye = TF.interpolate(xt, **kw), f(x)
    gt, = torch.autograd.grad(yt, xt, torch.ones_like(yt, requires_grad=True), create_graph=True)
    ge, = ember.autograd.grad(ye, x, ember.ones_like(ye).requires_grad_(), create_graph=True)
    assert type(ge.grad_fn).__name__ == type(gt.grad_fn).__name__


def test_empty_batch():
    for kw in (dict(mode="bilinear", size=3), dict(mode="nearest", scale_factor=2),
               dict(mode="bicubic", size=(2, 4), antialias=True)):
        compare(kw, (0, 2, 5, 5))


def _error_calls(L, F):
    x = L.zeros(1, 2, 5, 5)
    return [
        lambda: F.interpolate(x, size=0),
        lambda: F.interpolate(x, size=(0, 3), mode="bilinear"),
        lambda: F.interpolate(x, scale_factor=-2.0),
        lambda: F.interpolate(L.zeros(1, 0, 5, 5), size=3, mode="bilinear"),
        lambda: F.interpolate(L.zeros(1, 2, 0), size=3, mode="linear"),
        lambda: F.interpolate(L.zeros(1, 2, 5, 5, 5), size=(1, 0, 2), mode="trilinear"),
        lambda: F.interpolate(L.zeros(2, 5), size=3),
        lambda: F.interpolate(L.zeros(2, 3, 4, 5, 6, 7), size=3),
        lambda: F.interpolate(x, size=(3, 3.5)),
        lambda: F.interpolate(x, size=(3,)),
        lambda: F.interpolate(x, scale_factor=(3,)),
        lambda: F.interpolate(x, size=3, scale_factor=2),
        lambda: F.interpolate(x),
        lambda: F.interpolate(x, size=3, recompute_scale_factor=True),
        lambda: F.interpolate(x, size=3, mode="bogus"),
        lambda: F.interpolate(x, size=3, mode="linear"),
        lambda: F.interpolate(L.zeros(1, 2, 5), size=3, mode="bilinear"),
        lambda: F.interpolate(L.zeros(1, 2, 5, 5, 5), size=3, mode="bilinear"),
        lambda: F.interpolate(L.zeros(1, 2, 5), size=3, mode="trilinear"),
        lambda: F.interpolate(x, size=3, mode="nearest", align_corners=False),
        lambda: F.interpolate(x, size=3, mode="area", align_corners=True),
        lambda: F.interpolate(x, size=3, mode="nearest", antialias=True),
        lambda: F.interpolate(L.zeros(1, 2, 5), size=3, mode="bicubic"),
        lambda: F.interpolate(x, size=[3, 4], mode="lanczos"),
        lambda: F.interpolate(x, size=[3, 4], mode="lanczos", antialias=True,
                              align_corners=True),
        lambda: F.interpolate(L.zeros(1, 2, 5, dtype=L.int64), size=3),
        lambda: F.interpolate(L.zeros(1, 2, 5, 5, dtype=L.int32), size=3, mode="bilinear"),
        lambda: F.interpolate(x.half(), size=3, mode="bilinear", antialias=True),
        lambda: F.interpolate(L.zeros(1, 2, 5, 5, dtype=L.uint8), size=3, mode="area"),
    ]


@pytest.mark.parametrize("i", range(len(_error_calls(torch, TF))))
def test_errors_match_torch(i):
    with pytest.raises(Exception) as t_err:
        _error_calls(torch, TF)[i]()
    with pytest.raises(t_err.type) as e_err:
        _error_calls(ember, EF)[i]()
    assert str(e_err.value) == str(t_err.value)


def test_area_with_zero_output():
    for lib, F in ((torch, TF), (ember, EF)):
        assert tuple(F.interpolate(lib.zeros(1, 2, 5, 5), scale_factor=0.1,
                                   mode="area").shape) == (1, 2, 0, 0)


@pytest.mark.parametrize("fn,kw", [("upsample", dict(scale_factor=2, mode="bilinear")),
                                   ("upsample_nearest", dict(size=(7, 3))),
                                   ("upsample_bilinear", dict(scale_factor=1.5))])
def test_deprecated_aliases(fn, kw):
    with pytest.warns(UserWarning, match="deprecated"):
        getattr(EF, fn)(ember.zeros(1, 1, 4, 4), **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare(kw, (2, 3, 4, 5), fn=fn)


MODULES = [
    ("Upsample", (), dict(scale_factor=2)),
    ("Upsample", (), dict(size=(3, 7), mode="bilinear")),
    ("Upsample", (5,), {}),
    ("Upsample", (None, 1.5, "bicubic", True), {}),
    ("Upsample", (), dict(scale_factor=(2, 1.5), mode="nearest-exact")),
    ("Upsample", (), dict(scale_factor=0.5, mode="area")),
    ("Upsample", (), dict(scale_factor=0.6, mode="bilinear", recompute_scale_factor=True)),
    ("UpsamplingNearest2d", (), dict(scale_factor=2)),
    ("UpsamplingBilinear2d", (), dict(size=(3, 7))),
    ("UpsamplingBilinear2d", (), dict(scale_factor=1.5)),
]


@pytest.mark.parametrize("name,args,kw", MODULES, ids=lambda v: str(v))
def test_modules(name, args, kw):
    tm, em = getattr(torch.nn, name)(*args, **kw), getattr(enn, name)(*args, **kw)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == [] == list(tm.state_dict())
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 5)).astype("float32")
    xt, xe = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    yt, ye = tm(xt), em(xe)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), RTOL, ATOL)
    yt.sum().backward()
    ye.sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), RTOL, ATOL)


def test_module_repr_in_container():
    t = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Upsample(scale_factor=2))
    e = enn.Sequential(enn.Conv2d(1, 2, 3), enn.Upsample(scale_factor=2))
    assert repr(e) == repr(t)
