"""Differential tests of ember.fft, stft/istft, ember.signal.windows, histogram(dd) and
gradient against torch 2.13: values, dtypes, grad_fn names (and their first next_functions),
gradients of real and complex inputs (torch's conjugate Wirtinger convention), errors, and
float64/complex128 gradcheck and gradgradcheck on ember alone."""
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.fft

ONE_DIM = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
N_DIM = ["fft2", "ifft2", "fftn", "ifftn", "rfft2", "irfft2", "rfftn", "irfftn", "hfft2",
         "ihfft2", "hfftn", "ihfftn"]
ONE_DIM_KW = [{}, {"n": 5}, {"n": 12}, {"dim": 0}, {"norm": "ortho"},
              {"norm": "forward", "n": 7}, {"norm": "backward", "dim": -1}]
N_DIM_KW = [{}, {"s": (4,)}, {"s": (3, 7)}, {"dim": (0,)}, {"dim": (-1, 0)},
            {"norm": "ortho"}, {"norm": "forward", "s": (-1, 6)}]
DTYPES = ["float32", "float64", "complex64", "complex128"]


def _array(rng, shape, dtype):
    a = rng.standard_normal(shape) * 2
    if dtype.startswith("complex"):
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype)


def _np(t):
    t = t.detach()
    if isinstance(t, torch.Tensor):
        t = t.resolve_conj().resolve_neg()
    return np.asarray(t.numpy())


def _names(t):
    fn = t.grad_fn
    if fn is None:
        return None
    return (type(fn).__name__,
            tuple(None if f is None else type(f).__name__ for f, _ in fn.next_functions))


def _tol(dtype):
    return (1e-10, 1e-10) if dtype in ("float64", "complex128") else (2e-5, 2e-5)


def _run(lib, fn, arr, kw, grad=True):
    x = lib.from_numpy(arr.copy())
    if grad and arr.dtype.kind in "fc":
        x.requires_grad_(True)
    return fn(lib)(x, **kw), x


def _compare_call(name_fn, arr, kw, seed=0):
    """Run on torch and ember; compare values, dtype, graph names and gradients; errors must
    have the same class."""
    try:
        want, tx = _run(torch, name_fn, arr, kw)
    except Exception as e:  # torch refuses: so must ember, with the same class
        with pytest.raises(type(e)):
            _run(ember, name_fn, arr, kw)
        return
    got, ex = _run(ember, name_fn, arr, kw)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1], kw
    assert tuple(got.shape) == tuple(want.shape), kw
    rtol, atol = _tol(arr.dtype.name)
    np.testing.assert_allclose(_np(got), _np(want), rtol=rtol, atol=atol, err_msg=str(kw))
    if not want.requires_grad:
        return
    assert _names(got) == _names(want), kw
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(tuple(want.shape))
    if want.is_complex():
        w = w + 1j * rng.standard_normal(tuple(want.shape))
    tg, = torch.autograd.grad((want * torch.from_numpy(w).to(want.dtype)).real.sum(), tx)
    eg, = ember.autograd.grad((got * ember.from_numpy(w).to(got.dtype)).real.sum(), ex)
    np.testing.assert_allclose(_np(eg), _np(tg), rtol=rtol, atol=atol, err_msg=f"grad {kw}")


def _fft(name):
    return lambda lib: getattr(lib.fft, name)


# --- the transforms -------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ONE_DIM)
def test_one_dim_transforms_match_torch(name, dtype):
    rng = np.random.default_rng(1)
    for shape in [(8,), (5, 6), (2, 3, 5)]:
        arr = _array(rng, shape, dtype)
        for kw in ONE_DIM_KW:
            _compare_call(_fft(name), arr, kw)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", N_DIM)
def test_n_dim_transforms_match_torch(name, dtype):
    rng = np.random.default_rng(2)
    for shape in [(5, 6), (3, 4, 5)]:
        arr = _array(rng, shape, dtype)
        for kw in N_DIM_KW:
            _compare_call(_fft(name), arr, kw)


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "float16", "bfloat16"])
@pytest.mark.parametrize("name", ["fft", "rfft", "irfft", "hfft", "fftn", "ihfftn"])
def test_promotion_and_half_errors(name, dtype):
    for lib in (torch, ember):
        assert lib.fft is getattr(lib, "fft")
    arr = np.array([1, 0, 2, 3, 1, 1])
    results = []
    for lib in (torch, ember):
        x = lib.from_numpy(arr).to(getattr(lib, dtype))
        try:
            results.append(getattr(lib.fft, name)(x))
        except Exception as e:
            results.append(e)
    want, got = results
    if isinstance(want, Exception):
        assert type(got) is type(want) and str(got) == str(want)
        return
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_allclose(_np(got), _np(want), rtol=1e-5, atol=1e-5)


def test_default_dtype_promotion():
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.fft.fft(ember.arange(4)).dtype is ember.complex128
        assert ember.fft.irfft(ember.arange(4)).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)


ERRORS = [("fft", (6,), {"norm": "bogus"}), ("fft", (6,), {"n": 0}), ("fft", (6,), {"dim": 3}),
          ("fft2", (6,), {}), ("fftn", (6,), {"s": (3, 4)}), ("fftn", (6,), {"s": (3,),
                                                                              "dim": (0, 0)}),
          ("fft", (), {}), ("irfft", (1,), {}), ("rfft", "c", {}), ("ihfft", "c", {}),
          ("rfftn", "c", {}), ("ihfft2", "c", {}), ("fftn", (3, 4), {"s": (3,), "dim": (0, 1)})]


@pytest.mark.parametrize("name,shape,kw", ERRORS)
def test_errors_match_torch(name, shape, kw):
    arr = (np.ones((3, 4), np.complex64) if shape == "c" else np.ones(shape, np.float32))
    with pytest.raises(Exception) as want:
        getattr(torch.fft, name)(torch.from_numpy(arr), **kw)
    with pytest.raises(want.type) as got:
        getattr(ember.fft, name)(ember.from_numpy(arr), **kw)
    assert str(got.value) == str(want.value)


def test_out_argument():
    x = np.random.default_rng(3).standard_normal((3, 8)).astype(np.float32)
    out = ember.empty(0, dtype=ember.complex64)
    r = ember.fft.rfft(ember.from_numpy(x), out=out)
    assert r is out and tuple(out.shape) == (3, 5)
    np.testing.assert_allclose(out.numpy(), torch.fft.rfft(torch.from_numpy(x)).numpy(),
                               rtol=1e-5, atol=1e-5)
    out = ember.empty(8, dtype=ember.float64)
    ember.fft.irfft(ember.fft.rfft(ember.from_numpy(x[0].astype(np.float64))), out=out)
    np.testing.assert_allclose(out.numpy(), x[0], rtol=1e-6, atol=1e-6)
    for name, shape, odt in [("irfft", (6,), "complex64"), ("fft2", (2, 3), "float32"),
                             ("rfftn", (6,), "float32")]:
        msgs = []
        for lib in (torch, ember):
            with pytest.raises(RuntimeError) as err:
                getattr(lib.fft, name)(lib.ones(shape), out=lib.empty(0, dtype=getattr(lib, odt)))
            msgs.append(str(err.value))
        assert msgs[0] == msgs[1]


def test_inverse_round_trips():
    rng = np.random.default_rng(4)
    x = ember.from_numpy(rng.standard_normal((4, 6)))
    for norm in (None, "ortho", "forward"):
        F = ember.fft
        np.testing.assert_allclose(F.ifft(F.fft(x, norm=norm), norm=norm).real.numpy(),
                                   x.numpy(), atol=1e-12)
        np.testing.assert_allclose(F.irfftn(F.rfftn(x, norm=norm), s=(4, 6), norm=norm).numpy(),
                                   x.numpy(), atol=1e-12)
        np.testing.assert_allclose(F.hfft(F.ihfft(x, norm=norm), n=6, norm=norm).numpy(),
                                   x.numpy(), atol=1e-12)


GC_CASES = ([(n, "r", {}) for n in ["fft", "ifft", "rfft", "ihfft", "fft2", "rfft2", "ihfft2",
                                    "fftn", "ihfftn"]]
            + [(n, "c", {}) for n in ["fft", "ifft", "irfft", "hfft", "fft2", "ifftn",
                                      "irfft2", "irfftn", "hfft2", "hfftn"]]
            + [("fft", "c", {"n": 6, "norm": "ortho"}), ("irfft", "c", {"n": 5}),
               ("rfftn", "r", {"s": (2, 5), "norm": "forward"}),
               ("hfft", "r", {"n": 7, "norm": "ortho"})])


@pytest.mark.parametrize("name,kind,kw", GC_CASES)
def test_gradcheck_and_gradgradcheck(name, kind, kw):
    rng = np.random.default_rng(5)
    arr = _array(rng, (3, 4), "complex128" if kind == "c" else "float64")
    x = ember.from_numpy(arr).requires_grad_(True)

    def f(t):
        return getattr(ember.fft, name)(t, **kw)
    assert ember.autograd.gradcheck(f, (x,))
    assert ember.autograd.gradgradcheck(f, (x,))


def test_user_code_through_torch_alias():
    import ember as torch_alias
    x = torch_alias.randn(16)
    spectrum = torch_alias.fft.rfft(x)
    assert spectrum.dtype == torch_alias.complex64
    freqs = torch_alias.fft.rfftfreq(16, d=0.1)
    assert tuple(freqs.shape) == (9,)
    y = torch_alias.fft.irfft(spectrum, n=16)
    np.testing.assert_allclose(y.numpy(), x.numpy(), atol=1e-5)


# --- frequencies and shifts -----------------------------------------------------------------

@pytest.mark.parametrize("args,kw", [((5,), {}), ((6, 0.5), {}), ((7, 2.0), {"dtype": "float64"}),
                                     ((1,), {}), ((0,), {}), ((4,), {"dtype": "int64"}),
                                     ((4,), {"dtype": "complex64"})])
def test_fftfreq_rfftfreq(args, kw):
    for name in ("fftfreq", "rfftfreq"):
        res = []
        for lib in (torch, ember):
            k = {a: getattr(lib, v) for a, v in kw.items()}
            try:
                res.append(getattr(lib.fft, name)(*args, **k))
            except Exception as e:
                res.append(e)
        want, got = res
        if isinstance(want, Exception):
            assert type(got) is type(want)
            continue
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
        np.testing.assert_allclose(_np(got), _np(want), rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 2), -1])
def test_fftshift_ifftshift(dim):
    arr = np.arange(60.0).reshape(3, 4, 5)
    for name in ("fftshift", "ifftshift"):
        _compare_call(lambda lib: getattr(lib.fft, name), arr, {"dim": dim})


# --- stft / istft ---------------------------------------------------------------------------

STFT_KW = [dict(n_fft=16, hop_length=4, window="hann"), dict(n_fft=16),
           dict(n_fft=16, win_length=10, window="hann", hop_length=3),
           dict(n_fft=12, center=False, window="hamming"),
           dict(n_fft=16, normalized=True, pad_mode="constant", window="hann"),
           dict(n_fft=16, onesided=False, window="hann"), dict(n_fft=16, pad_mode="replicate"),
           dict(n_fft=16, pad_mode="circular"), dict(n_fft=16, return_complex=False,
                                                     window="hann")]


def _with_window(lib, kw, dtype):
    k = dict(kw)
    w = k.get("window")
    if isinstance(w, str):
        k["window"] = getattr(lib, f"{w}_window")(k.get("win_length", k["n_fft"]), dtype=dtype)
    return k


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128"])
@pytest.mark.parametrize("shape", [(40,), (2, 40)])
def test_stft_matches_torch(shape, dtype):
    rng = np.random.default_rng(6)
    arr = _array(rng, shape, dtype)
    wdt = "float32" if dtype == "float32" else "float64"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kw in STFT_KW:
            kw = dict(kw, return_complex=kw.get("return_complex", True))
            _compare_call(lambda lib, kw=kw: (lambda x: lib.stft(
                x, **_with_window(lib, kw, getattr(lib, wdt)))), arr, {})


def test_stft_requires_return_complex():
    for lib in (torch, ember):
        with pytest.raises(RuntimeError, match="return_complex parameter be given"):
            lib.stft(lib.randn(40), 16)
    with pytest.warns(UserWarning, match="return_complex=False is deprecated"):
        ember.stft(ember.randn(40), 16, window=ember.hann_window(16), return_complex=False)
    with pytest.warns(UserWarning, match="A window was not provided"):
        ember.stft(ember.randn(40), 16, return_complex=True)
    y = ember.stft(ember.randn(40, dtype=ember.complex64), 16, window=ember.hann_window(16))
    assert y.dtype is ember.complex64 and tuple(y.shape) == (16, 11)


STFT_ERRORS = [dict(n_fft=64, center=False), dict(n_fft=16, win_length=20),
               dict(n_fft=16, hop_length=0), dict(n_fft=16, window=3)]


@pytest.mark.parametrize("kw", STFT_ERRORS)
def test_stft_errors(kw):
    for lib in (torch, ember):
        k = dict(kw, return_complex=True)
        if k.get("window") == 3:
            k["window"] = lib.ones(3)
        with pytest.raises(RuntimeError):
            lib.stft(lib.randn(2, 40), **k)


ISTFT_KW = [dict(n_fft=16, hop_length=4, window="hann"),
            dict(n_fft=16, hop_length=4, window="hann", length=30),
            dict(n_fft=16, hop_length=4, window="hann", length=50),
            dict(n_fft=16, hop_length=4, window="hann", normalized=True),
            dict(n_fft=16, hop_length=4, window="hann", onesided=False),
            dict(n_fft=16, win_length=12, window="hann", hop_length=3),
            dict(n_fft=16, hop_length=4, window="hann", return_complex=True, onesided=False),
            dict(n_fft=16, hop_length=4, window="hann", center=False), dict(n_fft=16)]


@pytest.mark.parametrize("shape", [(40,), (2, 40)])
def test_istft_round_trip_matches_torch(shape):
    rng = np.random.default_rng(7)
    arr = rng.standard_normal(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kw in ISTFT_KW:
            res = []
            for lib in (torch, ember):
                k = _with_window(lib, kw, lib.float64)
                sk = {a: v for a, v in k.items() if a != "length"}
                x = lib.from_numpy(arr.copy())
                if sk.get("return_complex"):
                    x = x.to(lib.complex128)
                sk["return_complex"] = True
                spec = lib.stft(x, **sk).detach().requires_grad_(True)
                try:
                    res.append((lib.istft(spec, **k), spec, x))
                except RuntimeError as e:
                    res.append(e)
            if isinstance(res[0], Exception):  # torch refuses (a zero window envelope)
                assert type(res[1]) is type(res[0]), kw
                continue
            (want, tspec, tx), got = res[0], res[1]
            if isinstance(got, Exception):
                raise got
            got, espec, ex = got
            assert tuple(got.shape) == tuple(want.shape) and _names(got) == _names(want), kw
            np.testing.assert_allclose(_np(got), _np(want), atol=1e-10, err_msg=str(kw))
            if "length" not in kw and kw.get("center", True) and got.shape[-1] == shape[-1]:
                np.testing.assert_allclose(_np(got).real, arr, atol=1e-10)  # round trip
            w = rng.standard_normal(tuple(want.shape))
            tg, = torch.autograd.grad((want * torch.from_numpy(w)).real.sum(), tspec)
            eg, = ember.autograd.grad((got * ember.from_numpy(w)).real.sum(), espec)
            np.testing.assert_allclose(_np(eg), _np(tg), atol=1e-10, err_msg=str(kw))


def test_istft_errors_and_gradcheck():
    for lib in (torch, ember):
        spec = lib.ones(9, 11, dtype=lib.complex64)
        with pytest.raises(RuntimeError):
            lib.istft(spec.real, 16)
        with pytest.raises(RuntimeError):
            lib.istft(spec, 15)
        with pytest.raises(RuntimeError):
            lib.istft(spec, 16, center=False, window=lib.hann_window(16), hop_length=4)
    rng = np.random.default_rng(8)
    spec = ember.from_numpy(_array(rng, (5, 4), "complex128")).requires_grad_(True)
    win = ember.from_numpy(0.5 + rng.random(8)).requires_grad_(True)

    def f(s, w):
        return ember.istft(s, 8, hop_length=2, window=w)
    assert ember.autograd.gradcheck(f, (spec, win))
    assert ember.autograd.gradgradcheck(f, (spec, win))
    x = ember.from_numpy(rng.standard_normal(12)).requires_grad_(True)
    assert ember.autograd.gradgradcheck(
        lambda t: ember.stft(t, 8, hop_length=2, window=win, return_complex=True), (x,))


def test_stft_method_forms():
    x = ember.randn(2, 32)
    w = ember.hann_window(8)
    y = x.stft(8, 2, window=w, return_complex=True)
    np.testing.assert_allclose(y.numpy(), ember.stft(x, 8, 2, window=w,
                                                     return_complex=True).numpy())
    np.testing.assert_allclose(y.istft(8, 2, window=w).numpy(), x.numpy(), atol=1e-5)


# --- windows --------------------------------------------------------------------------------

WINDOWS = {"hann": {}, "hamming": {}, "blackman": {}, "bartlett": {}, "cosine": {},
           "nuttall": {}, "gaussian": {"std": 1.3}, "kaiser": {"beta": 4.0},
           "general_hamming": {"alpha": 0.6}, "general_cosine": {"a": [0.5, 0.3, 0.2]},
           "exponential": {"tau": 2.0}}


@pytest.mark.parametrize("name", sorted(WINDOWS))
def test_signal_windows_match_torch(name):
    import ember.signal
    for M in (0, 1, 2, 5, 8):
        for sym in (True, False):
            for dt in ("float32", "float64"):
                kw = dict(WINDOWS[name])
                if name == "exponential" and not sym:
                    kw["center"] = 1.5
                want = getattr(torch.signal.windows, name)(M, sym=sym, dtype=getattr(torch, dt),
                                                           **kw)
                got = getattr(ember.signal.windows, name)(M, sym=sym, dtype=getattr(ember, dt),
                                                          **kw)
                assert str(got.dtype).split(".")[-1] == dt
                np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)
    for bad in (dict(M=-1), dict(M=4, dtype="int64")):
        for lib in (torch, ember):
            k = dict(bad)
            if "dtype" in k:
                k["dtype"] = getattr(lib, k["dtype"])
            with pytest.raises(ValueError):
                getattr(lib.signal.windows, name)(**k, **WINDOWS[name])


@pytest.mark.parametrize("name", ["hann", "hamming", "blackman", "bartlett", "kaiser"])
def test_top_level_windows_match_torch(name):
    for M in (1, 6, 9):
        for periodic in (True, False):
            want = getattr(torch, f"{name}_window")(M, periodic=periodic)
            got = getattr(ember, f"{name}_window")(M, periodic=periodic)
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


# --- histogram, histogramdd, gradient -------------------------------------------------------

def test_histogram_matches_torch():
    rng = np.random.default_rng(9)
    for dt in ("float32", "float64"):
        x = rng.standard_normal(20).astype(dt)
        w = rng.random(20).astype(dt)
        for kw in [dict(bins=4), dict(bins=5, range=(-1.0, 1.0)), dict(bins=3, density=True),
                   dict(bins=3, weight="w")]:
            res = []
            for lib in (torch, ember):
                k = dict(kw)
                if k.get("weight") == "w":
                    k["weight"] = lib.from_numpy(w)
                res.append(lib.histogram(lib.from_numpy(x), **k))
            (th, te), (eh, ee) = res
            assert type(res[1]).__name__ == "histogram"
            np.testing.assert_allclose(eh.numpy(), th.numpy(), rtol=1e-5)
            np.testing.assert_allclose(ee.numpy(), te.numpy(), rtol=1e-5)
        t = ember.from_numpy(x).histogram(ember.from_numpy(np.array([-1.0, 0.0, 2.0], dt)))
        np.testing.assert_allclose(t.hist.numpy(), torch.histogram(
            torch.from_numpy(x), torch.from_numpy(np.array([-1.0, 0.0, 2.0], dt))).hist.numpy())


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_histogramdd_matches_torch(dt):
    rng = np.random.default_rng(10)
    x = rng.standard_normal((9, 2)).astype(dt)
    w = rng.random(9).astype(dt)
    for kw in [dict(bins=3), dict(bins=[2, 4]), dict(bins=[2, 3], range=[0.0, 1.0, -1.0, 1.0]),
               dict(bins=3, density=True), dict(bins=[2, 3], weight="w"), dict(bins="edges")]:
        res = []
        for lib in (torch, ember):
            k = dict(kw)
            if k.get("weight") == "w":
                k["weight"] = lib.from_numpy(w)
            if k["bins"] == "edges":
                k["bins"] = [lib.from_numpy(np.array([-1.0, 0.0, 1.0], dt)),
                             lib.from_numpy(np.array([-3.0, 0.0, 0.5, 3.0], dt))]
            res.append(lib.histogramdd(lib.from_numpy(x), **k))
        want, got = res
        assert type(got).__name__ == "histogramdd" and isinstance(got.bin_edges, tuple)
        np.testing.assert_allclose(got.hist.numpy(), want.hist.numpy(), rtol=1e-5)
        for g, t in zip(got.bin_edges, want.bin_edges):
            np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-5)


@pytest.mark.parametrize("dt", ["float32", "float64", "int64"])
def test_gradient_matches_torch(dt):
    rng = np.random.default_rng(11)
    coords = np.cumsum(rng.random(4) + 0.5)
    for shape in [(5,), (4, 6), (4, 3, 5)]:
        arr = (rng.standard_normal(shape) * 3).astype(dt)
        for kw in [{}, {"edge_order": 2}, {"spacing": 2.0}, {"spacing": [1.5] * len(shape)},
                   {"dim": -1, "spacing": 0.5}, {"dim": 0, "spacing": ["c"]},
                   {"dim": 0, "spacing": ["c"], "edge_order": 2}, {"dim": [-1, 0]}]:
            if kw.get("spacing") == ["c"] and shape[0] != 4:
                continue
            res = []
            for lib in (torch, ember):
                k = dict(kw)
                if k.get("spacing") == ["c"]:
                    k["spacing"] = [lib.from_numpy(coords)]
                x = lib.from_numpy(arr.copy())
                if dt != "int64":
                    x.requires_grad_(True)
                try:
                    res.append((lib.gradient(x, **k), x))
                except RuntimeError as e:
                    res.append(e)
            if isinstance(res[0], Exception):
                assert type(res[1]) is type(res[0])
                continue
            (want, tx), (got, ex) = res
            assert isinstance(got, tuple) and len(got) == len(want)
            rtol, atol = _tol(dt)
            for g, t in zip(got, want):
                assert str(g.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
                np.testing.assert_allclose(_np(g), _np(t), rtol=rtol, atol=atol)
            if dt != "int64":
                tg = torch.autograd.grad(sum(t.sum() * (i + 1) for i, t in enumerate(want)), tx)
                eg = ember.autograd.grad(sum(t.sum() * (i + 1) for i, t in enumerate(got)), ex)
                np.testing.assert_allclose(_np(eg[0]), _np(tg[0]), rtol=rtol, atol=atol)
    x = ember.from_numpy(rng.standard_normal((4, 5))).requires_grad_(True)
    c = ember.from_numpy(coords)
    assert ember.autograd.gradgradcheck(
        lambda t: ember.gradient(t, spacing=[c, 2.0], edge_order=2), (x,))
