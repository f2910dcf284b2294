"""Op-table records for the spectral ops (src/ember/_ops/spectral.py: torch.fft's transforms,
stft, istft), torch.signal.windows, and the NumPy-style helpers of src/ember/_ops/numerical.py
(histogramdd, gradient).

Records named `fft.<name>` call `lib.fft.<name>`. A complex result is compared as its (real,
imag) pair, so the generic gradient tests see a real loss; gradients of complex inputs, and
the FFT nodes' names, are checked in tests/test_fft.py.
"""
import numpy as np

from opinfo.core import COMPLEX, FLOATS, HALFS, INTS, ErrorSample, OpInfo, Sample, np_dtype
from opinfo.core import randn as _randn

ALL_FFT = FLOATS + COMPLEX + INTS + HALFS   # halves: torch refuses them, so must ember


def randn(rng, shape, dtype, low=-2.0, high=2.0):
    return np.asarray(_randn(rng, shape, dtype, low, high))


def _ri(y):
    """(real, imag) of a complex result; a real result unchanged."""
    if y.is_complex():
        y = y.resolve_conj()  # torch's conjugate views (ifft of real input) are lazy
        return (y.real, y.imag)
    return y


def _fft_fn(name):
    return lambda lib, x, **kw: _ri(getattr(lib.fft, name)(x, **kw))


def _one_dim_samples(rng, dt):
    return [Sample((randn(rng, (3, 5), dt),), name="default"),
            Sample((randn(rng, (3, 5), dt),), {"n": 4}, name="crop"),
            Sample((randn(rng, (3, 5), dt),), {"n": 8, "dim": 0}, name="pad dim 0"),
            Sample((randn(rng, (6,), dt),), {"norm": "ortho"}, name="ortho"),
            Sample((randn(rng, (2, 6), dt),), {"norm": "forward", "n": 7}, name="forward")]


def _n_dim_samples(rng, dt):
    return [Sample((randn(rng, (3, 4), dt),), name="default"),
            Sample((randn(rng, (3, 4), dt),), {"s": (2, 6)}, name="s"),
            Sample((randn(rng, (3, 4), dt),), {"dim": (0,)}, name="dim 0"),
            Sample((randn(rng, (3, 4), dt),), {"norm": "ortho"}, name="ortho"),
            Sample((randn(rng, (2, 3, 4), dt),), {"dim": (0, 2), "norm": "forward"},
                   name="3-d forward")]


def _fft_errors(rng):
    x = randn(rng, (4,), "float32")
    return [ErrorSample((x,), {"norm": "bogus"}, name="norm"),
            ErrorSample((x,), {"n": 0}, name="n=0"),
            ErrorSample((x,), {"dim": 2}, name="dim"),
            ErrorSample((np.asarray(np.float32(1.0)),), name="0-d")]


def _nd_errors(rng):
    x = randn(rng, (3, 4), "float32")
    return [ErrorSample((x,), {"dim": (0, 0)}, name="repeated dims"),
            ErrorSample((x,), {"s": (2, 3, 4)}, name="s too long"),
            ErrorSample((x,), {"norm": "bogus"}, name="norm")]


ONE_DIM = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
N_DIM = ["fft2", "ifft2", "fftn", "ifftn", "rfft2", "irfft2", "rfftn", "irfftn", "hfft2",
         "ihfft2", "hfftn", "ihfftn"]


def _freq_samples(rng, dt):
    d = f"dtype:{dt}"
    return [Sample((5,), {"dtype": d}), Sample((6, 0.5), {"dtype": d}),
            Sample((1,), {"dtype": d}), Sample((0,), {"dtype": d})]


def _shift_samples(rng, dt):
    return [Sample((randn(rng, (5,), dt),)), Sample((randn(rng, (3, 4), dt),)),
            Sample((randn(rng, (3, 5), dt),), {"dim": 1}),
            Sample((randn(rng, (2, 3, 5), dt),), {"dim": (0, 2)})]


# --- stft / istft ---------------------------------------------------------------------------

def _hann(n, dt):
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).astype(np_dtype(dt))


def _stft_samples(rng, dt):
    win_dt = "float64" if dt == "complex128" else ("float32" if dt == "complex64" else dt)
    return [Sample((randn(rng, (24,), dt), 8), {"hop_length": 2, "window": _hann(8, win_dt),
                                                 "return_complex": True}, name="1-d hann"),
            Sample((randn(rng, (2, 20), dt), 8), {"return_complex": True}, name="batch"),
            Sample((randn(rng, (20,), dt), 8),
                   {"win_length": 6, "window": _hann(6, win_dt), "center": False,
                    "normalized": True, "return_complex": True}, name="win_length"),
            Sample((randn(rng, (20,), dt), 8), {"pad_mode": "constant", "onesided": False,
                                                 "return_complex": True}, name="twosided"),
            Sample((randn(rng, (20,), dt), 6), {"return_complex": False},
                   name="return_complex=False")]


def _stft_errors(rng):
    x = randn(rng, (20,), "float32")
    return [ErrorSample((x, 8), name="no return_complex"),
            ErrorSample((x, 32), {"center": False, "return_complex": True}, name="n_fft"),
            ErrorSample((x, 8), {"hop_length": 0, "return_complex": True}, name="hop"),
            ErrorSample((x, 8), {"window": _hann(5, "float32"), "return_complex": True},
                        name="window size")]


def _istft_samples(rng, dt):
    real = "float64" if dt == "complex128" else "float32"
    return [Sample((randn(rng, (5, 6), dt), 8), {"hop_length": 2, "window": _hann(8, real)},
                   name="1-d"),
            Sample((randn(rng, (2, 5, 5), dt), 8), {"hop_length": 2, "window": _hann(8, real),
                                                    "length": 14}, name="batch length"),
            Sample((randn(rng, (8, 5), dt), 8), {"hop_length": 2, "window": _hann(8, real),
                                                 "onesided": False, "normalized": True},
                   name="twosided")]


def _istft_errors(rng):
    return [ErrorSample((randn(rng, (5, 6), "float32"), 8), name="real input"),
            ErrorSample((randn(rng, (4, 6), "complex64"), 8), name="freq size")]


# --- signal.windows -------------------------------------------------------------------------

WINDOWS = {"hann": {}, "hamming": {}, "blackman": {}, "bartlett": {}, "cosine": {},
           "nuttall": {}, "gaussian": {"std": 1.3}, "kaiser": {"beta": 4.0},
           "general_hamming": {"alpha": 0.6}, "general_cosine": {"a": [0.5, 0.3, 0.2]},
           "exponential": {"tau": 2.0}}


def _window_samples(extra):
    def samples(rng, dt):
        d = f"dtype:{dt}"
        out = [Sample((m,), dict(extra, sym=sym, dtype=d), name=f"M={m} sym={sym}")
               for m in (0, 1, 2, 7, 8) for sym in (True, False)]
        return out
    return samples


def _window_errors(rng):
    return [ErrorSample((-1,), name="negative M"),
            ErrorSample((4,), {"dtype": "dtype:int64"}, name="int dtype")]


# --- histogramdd / gradient -----------------------------------------------------------------

def _histogramdd_samples(rng, dt):
    x = randn(rng, (7, 2), dt)
    return [Sample((x,), {"bins": 3}, name="int bins"),
            Sample((x,), {"bins": [2, 4], "range": [0.0, 1.0, -1.0, 1.0]}, name="range"),
            Sample((randn(rng, (2, 4, 3), dt),), {"bins": 2, "density": True}, name="density"),
            Sample((x,), {"bins": [np.array([-1.0, 0.0, 1.0], np_dtype(dt)),
                                   np.array([-3.0, 0.5, 3.0], np_dtype(dt))],
                          "weight": randn(rng, (7,), dt, 0.0, 1.0)}, name="edges")]


def _histogramdd_errors(rng):
    x = randn(rng, (5, 2), "float32")
    return [ErrorSample((randn(rng, (5,), "float32"),), {"bins": 2}, name="1-d"),
            ErrorSample((x,), {"bins": [2]}, name="bins size"),
            ErrorSample((x,), {"bins": 2, "range": [0.0, 1.0]}, name="range size"),
            ErrorSample((randn(rng, (5, 2), "int64"),), {"bins": 2}, name="ints")]


def _gradient_samples(rng, dt):
    return [Sample((randn(rng, (6,), dt),), name="1-d"),
            Sample((randn(rng, (3, 4), dt),), {"edge_order": 2}, name="edge 2"),
            Sample((randn(rng, (3, 4), dt),), {"spacing": 2.0, "dim": 1}, name="spacing"),
            Sample((randn(rng, (3, 4), dt),), {"spacing": [0.5, 1.5]}, name="list"),
            Sample((randn(rng, (4, 3), dt),),
                   {"spacing": [np.array([0.0, 1.0, 2.5, 4.0])], "dim": 0, "edge_order": 2},
                   name="coordinates")]


def _gradient_errors(rng):
    return [ErrorSample((randn(rng, (1,), "float32"),), name="too short"),
            ErrorSample((randn(rng, (4,), "float32"),), {"edge_order": 3}, name="edge order"),
            ErrorSample((randn(rng, (4,), "float32"),), {"spacing": [1.0, 2.0]}, name="spacing")]


OPS = (
    [OpInfo(f"fft.{n}", _fft_fn(n), _one_dim_samples, dtypes=ALL_FFT, errors=_fft_errors,
            skip_grad_fn=True, atol=1e-5, rtol=1e-5) for n in ONE_DIM]
    + [OpInfo(f"fft.{n}", _fft_fn(n), _n_dim_samples, dtypes=ALL_FFT, errors=_nd_errors,
              skip_grad_fn=True, atol=1e-5, rtol=1e-5) for n in N_DIM]
    + [OpInfo(f"fft.{n}", lambda lib, *a, _n=n, **kw: getattr(lib.fft, _n)(*a, **kw),
              _freq_samples, dtypes=FLOATS, grad=False) for n in ("fftfreq", "rfftfreq")]
    + [OpInfo(f"fft.{n}", lambda lib, x, _n=n, **kw: getattr(lib.fft, _n)(x, **kw),
              _shift_samples, dtypes=FLOATS + INTS) for n in ("fftshift", "ifftshift")]
    + [OpInfo("stft", lambda lib, x, *a, **kw: _ri(lib.stft(x, *a, **kw)), _stft_samples,
              dtypes=FLOATS + COMPLEX, errors=_stft_errors, skip_grad_fn=True,
              atol=1e-5, rtol=1e-5),
       OpInfo("istft", lambda lib, x, *a, **kw: lib.istft(x, *a, **kw), _istft_samples,
              dtypes=COMPLEX, grad_dtypes=(), errors=_istft_errors, atol=1e-5, rtol=1e-5),
       OpInfo("histogramdd", lambda lib, x, **kw: lib.histogramdd(x, **kw),
              _histogramdd_samples, dtypes=FLOATS, grad=False, errors=_histogramdd_errors),
       OpInfo("gradient", lambda lib, x, **kw: lib.gradient(x, **kw), _gradient_samples,
              dtypes=FLOATS + INTS, errors=_gradient_errors, skip_grad_fn=True)]
    + [OpInfo(f"signal.windows.{n}",
              lambda lib, *a, _n=n, **kw: getattr(lib.signal.windows, _n)(*a, **kw),
              _window_samples(extra), dtypes=FLOATS, grad=False, errors=_window_errors,
              atol=1e-6) for n, extra in WINDOWS.items()]
)
