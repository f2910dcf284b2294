"""ember.signal.windows: torch.signal.windows' window functions (scipy.signal.windows'
formulas). Each returns a 1-D float32/float64 tensor of M points; `sym=True` gives the
symmetric window for filter design, `sym=False` the periodic one for spectral analysis (the
first M points of the symmetric window of M + 1 points)."""
import math

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops._util import make

__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine",
           "general_hamming", "hamming", "hann", "kaiser", "nuttall"]


def _checks(name, M, dtype):
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    dtype = _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)
    if dtype.name not in ("float32", "float64"):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {dtype}")
    return dtype


def _linspace(start, step, M):
    """M points start, start + step, ... in float64."""
    return start + step * xp.arange(M, dtype=xp.float64)


def _finish(arr, M, dtype, device, requires_grad):
    if M == 0:
        arr = xp.zeros(0)
    elif arr is None:
        arr = xp.ones(1)
    t = make(xp.asarray(arr, dtype=dtype.np), dtype)
    if device is not None:
        t = t.to(device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _span(M, sym):
    return M - 1 if sym else M


def general_cosine(M, *, a, sym=True, dtype=None, layout=None, device=None,
                   requires_grad=False):
    """Sum of cosines: w[n] = sum_k (-1)^k a[k] cos(2 pi k n / (M - 1)) (torch.signal.windows
    .general_cosine); the hann, hamming, blackman and nuttall windows are special cases."""
    if not isinstance(a, (list, tuple)):
        raise TypeError("Coefficients must be a list/tuple")
    if not a:
        raise ValueError("Coefficients cannot be empty")
    dtype = _checks("general_cosine", M, dtype)
    arr = None
    if M > 1:
        k = _linspace(0.0, 2 * math.pi / _span(M, sym), M)
        arr = sum(((-1) ** i) * c * xp.cos(i * k) for i, c in enumerate(a))
    return _finish(arr, M, dtype, device, requires_grad)


def general_hamming(M, *, alpha=0.54, sym=True, dtype=None, layout=None, device=None,
                    requires_grad=False):
    """Generalised Hamming window: alpha - (1 - alpha) cos(2 pi n / (M - 1))
    (torch.signal.windows.general_hamming)."""
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, device=device,
                          requires_grad=requires_grad)


def hann(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """Hann window: 0.5 - 0.5 cos(2 pi n / (M - 1)) (torch.signal.windows.hann)."""
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, device=device,
                           requires_grad=requires_grad)


def hamming(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """Hamming window: 0.54 - 0.46 cos(2 pi n / (M - 1)) (torch.signal.windows.hamming)."""
    return general_hamming(M, sym=sym, dtype=dtype, device=device, requires_grad=requires_grad)


def blackman(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """Blackman window: cosine sum with a = (0.42, 0.5, 0.08) (torch.signal.windows.blackman)."""
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, device=device,
                          requires_grad=requires_grad)


def nuttall(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """Minimum 4-term Blackman-Harris window of Nuttall (torch.signal.windows.nuttall)."""
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym,
                          dtype=dtype, device=device, requires_grad=requires_grad)


def bartlett(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """Triangular window reaching zero at both ends: 1 - |2n / (M - 1) - 1|
    (torch.signal.windows.bartlett)."""
    dtype = _checks("bartlett", M, dtype)
    arr = None
    if M > 1:
        arr = 1 - xp.abs(_linspace(-1.0, 2.0 / _span(M, sym), M))
    return _finish(arr, M, dtype, device, requires_grad)


def cosine(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """Sine window: sin(pi (n + 0.5) / M) (torch.signal.windows.cosine)."""
    dtype = _checks("cosine", M, dtype)
    arr = None
    if M > 1:
        c = math.pi / (M if sym else M + 1)
        arr = xp.sin(_linspace(0.5 * c, c, M))
    return _finish(arr, M, dtype, device, requires_grad)


def exponential(M, *, center=None, tau=1.0, sym=True, dtype=None, layout=None, device=None,
                requires_grad=False):
    """Exponential (Poisson) window: exp(-|n - center| / tau)
    (torch.signal.windows.exponential)."""
    dtype = _checks("exponential", M, dtype)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    arr = None
    if M > 0:
        if center is None:
            center = (M if not sym and M > 1 else M - 1) / 2.0
        arr = xp.exp(-xp.abs(_linspace(-center / tau, 1.0 / tau, M)))
    return _finish(arr, M, dtype, device, requires_grad)


def gaussian(M, *, std=1.0, sym=True, dtype=None, layout=None, device=None,
             requires_grad=False):
    """Gaussian window: exp(-(n - (M - 1) / 2)^2 / (2 std^2))
    (torch.signal.windows.gaussian)."""
    dtype = _checks("gaussian", M, dtype)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    arr = None
    if M > 1:
        c = 1.0 / (std * math.sqrt(2))
        start = -_span(M, sym) / 2.0
        arr = xp.exp(-_linspace(start * c, c, M) ** 2)
    return _finish(arr, M, dtype, device, requires_grad)


def kaiser(M, *, beta=12.0, sym=True, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Kaiser window: I0(beta sqrt(1 - (2n / (M - 1) - 1)^2)) / I0(beta)
    (torch.signal.windows.kaiser)."""
    dtype = _checks("kaiser", M, dtype)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    arr = None
    if M > 1:
        k = xp.minimum(_linspace(-beta, 2.0 * beta / _span(M, sym), M), beta)
        arr = xp.i0(xp.sqrt(xp.maximum(beta * beta - k * k, 0.0))) / xp.i0(beta)
    return _finish(arr, M, dtype, device, requires_grad)
