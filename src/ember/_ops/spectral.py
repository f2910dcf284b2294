"""Discrete Fourier transforms: torch's three FFT nodes (`FftR2CBackward0`, `FftC2CBackward0`,
`FftC2RBackward0`) and the torch.fft functions built from them (ember.fft re-exports them).

Scaling is kept apart from direction, as in torch: a node carries a scale kind, `NONE`,
`ROOT` (1/sqrt(n)) or `BY_N` (1/n), over the product of its transformed sizes. The adjoint of
a scaled DFT is the scaled DFT in the other direction, so each backward is one more transform
written with these functions (double backward works) and the gradient of complex inputs
follows torch's conjugate Wirtinger convention. Inputs are resized (SliceBackward0 /
ConstantPadNdBackward0) and promoted (ToCopyBackward0) before the node, where torch does it.
"""
import warnings

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops._util import make, wrap_dim
from ember._ops.engine import Node, execute
from ember._ops.registry import export

NONE, ROOT, BY_N = 0, 1, 2
# numpy's `norm` string giving scale kind k for a forward (-) / inverse (+) exponent
_NP_NORM = {True: ("backward", "ortho", "forward"), False: ("forward", "ortho", "backward")}
_TORCH_NAME = {"float16": "Half", "bfloat16": "BFloat16", "float32": "Float",
               "float64": "Double", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def torch_type_name(dtype):
    """torch's C++ name of a dtype (`ComplexDouble`), as its error messages print it."""
    return _TORCH_NAME.get(dtype.name, dtype.name.capitalize())


def norm_kind(norm, forward):
    """The scale kind of a torch `norm` string for a forward (True) or inverse transform."""
    if norm is None or norm == "backward":
        return NONE if forward else BY_N
    if norm == "ortho":
        return ROOT
    if norm == "forward":
        return BY_N if forward else NONE
    raise RuntimeError(f'Invalid normalization mode: "{norm}"')


class FftR2CBackward0(Node):
    """DFT (negative exponent) of a real input over `dims`; onesided keeps the last transformed
    dim's first n//2 + 1 frequencies."""

    def forward(self, x, dims, kind, onesided):
        self.dims, self.kind, self.onesided = dims, kind, onesided
        self.n_last = x.shape[dims[-1]]
        f = xp.fft.rfftn if onesided else xp.fft.fftn
        out = f(x, axes=dims, norm=_NP_NORM[True][kind])
        return out.astype(_dt._BY_NP[x.dtype].to_complex().np, copy=False)

    def backward(self, grad):
        if self.onesided:
            # the dropped half of the spectrum is no output: it gets a zero gradient
            d = self.dims[-1]
            pad = self.n_last - grad.shape[d]
            if pad:
                grad = _resize(grad, (d,), (self.n_last,))
        return fft_c2c(grad, self.dims, self.kind, False).real


class FftC2CBackward0(Node):
    """DFT of a complex input over `dims`, negative exponent when `forward`."""

    def forward(self, x, dims, kind, forward):
        self.dims, self.kind, self.fwd = dims, kind, forward
        f = xp.fft.fftn if forward else xp.fft.ifftn
        return f(x, axes=dims, norm=_NP_NORM[forward][kind]).astype(x.dtype, copy=False)

    def backward(self, grad):
        return fft_c2c(grad, self.dims, self.kind, not self.fwd)


class FftC2RBackward0(Node):
    """Inverse DFT (positive exponent) of a Hermitian half-spectrum over `dims`, giving a real
    output whose last transformed dim has `n_last` points."""

    def forward(self, x, dims, kind, n_last):
        self.dims, self.kind, self.n_last = dims, kind, n_last
        s = [x.shape[d] for d in dims[:-1]] + [n_last]
        out = xp.fft.irfftn(x, s=s, axes=dims, norm=_NP_NORM[False][kind])
        return out.astype(_dt._BY_NP[x.dtype].to_real().np, copy=False)

    def backward(self, grad):
        g = fft_r2c(grad, self.dims, self.kind, True)
        # each interior half-spectrum bin stands for itself and its mirrored conjugate
        d = self.dims[-1]
        half = g.shape[d]
        doubled = self.n_last - half
        if doubled > 0:
            w = xp.ones(half, dtype=grad.dtype.np)
            w[1:1 + doubled] = 2
            shape = [1] * g.dim()
            shape[d] = half
            g = g * make(w.reshape(shape))
        return g


def fft_r2c(x, dims, kind, onesided):
    """Real-to-complex DFT over `dims` (FftR2CBackward0)."""
    return execute(FftR2CBackward0, (x,), (x._data,), (tuple(dims), kind, bool(onesided)))


def fft_c2c(x, dims, kind, forward):
    """Complex-to-complex DFT over `dims` (FftC2CBackward0); no-op over no dims."""
    if not dims:
        return x
    return execute(FftC2CBackward0, (x,), (x._data,), (tuple(dims), kind, bool(forward)))


def fft_c2r(x, dims, kind, n_last):
    """Half-spectrum-to-real inverse DFT over `dims` (FftC2RBackward0)."""
    return execute(FftC2RBackward0, (x,), (x._data,), (tuple(dims), kind, int(n_last)))


# --- argument handling ---------------------------------------------------------------------

def _resize(x, dims, sizes):
    """Crop (SliceBackward0) then zero-pad (ConstantPadNdBackward0) `dims` to `sizes`."""
    from ember._ops.conv import constant_pad_nd
    from ember._ops.shape import narrow
    for d, n in zip(dims, sizes):
        if x.shape[d] > n:
            x = narrow(x, d, 0, n)
    pad = [0] * (2 * x.dim())
    need = False
    for d, n in zip(dims, sizes):
        if x.shape[d] < n:
            pad[2 * (x.dim() - 1 - d) + 1] = n - x.shape[d]
            need = True
    if need:
        while pad and pad[-1] == 0 and pad[-2] == 0:
            del pad[-2:]
        x = constant_pad_nd(x, pad)
    return x


def _check_dtype(x):
    if x.dtype.name in ("float16", "bfloat16"):
        raise RuntimeError(f"Unsupported dtype {torch_type_name(x.dtype)}")


def _promote(x, require_complex=False):
    """Integers and bools to the default float (then complex if asked); halves refused."""
    from ember._ops.elementwise import _to_copy
    _check_dtype(x)
    cat = x.dtype.category
    if cat < _dt.FLOAT:
        x = _to_copy(x, _dt.get_default_dtype())
        cat = _dt.FLOAT
    if require_complex and cat == _dt.FLOAT:
        x = _to_copy(x, x.dtype.to_complex())
    return x


def _require_real(x, name, kind="real"):
    if x.dtype.category == _dt.COMPLEX:
        raise RuntimeError(f"{name} expects a {kind} input tensor, but got "
                           f"{torch_type_name(x.dtype)}")


def _one_dim(x, dim):
    nd = x.dim()
    if nd == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return wrap_dim(dim, nd)


def _check_n(n):
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")


def _dims_and_shape(x, s, dim):
    """torch's canonical (dims, sizes) for the n-dimensional transforms."""
    nd = x.dim()
    if s is not None and not isinstance(s, (list, tuple)):
        s = tuple(s.tolist()) if hasattr(s, "tolist") else (int(s),)
    if dim is not None and isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        if nd == 0 and len(dim):
            raise IndexError(f"Dimension specified as {dim[0]} but tensor has no dimensions")
        dims = [wrap_dim(int(d), nd) for d in dim]
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
        if s is not None and len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
    elif s is not None:
        if len(s) > nd:
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {nd} "
                               "dimensions.")
        dims = list(range(nd - len(s), nd))
    else:
        dims = list(range(nd))
    if s is None:
        sizes = [x.shape[d] for d in dims]
    else:
        sizes = [x.shape[d] if int(n) == -1 else int(n) for n, d in zip(s, dims)]
    for n in sizes:
        _check_n(n)
    return dims, sizes


def _out(result, out, name=None):
    """Write `result` into `out` when given; the transforms first check out's dtype kind."""
    from ember._ops.elementwise import _out as write_out
    if out is not None and name is not None:
        if result.dtype.category == _dt.COMPLEX and out.dtype.category != _dt.COMPLEX:
            raise RuntimeError(f"{name} expects a complex output tensor, but got "
                               f"{torch_type_name(out.dtype)}")
        if result.dtype.category != _dt.COMPLEX and out.dtype.category == _dt.COMPLEX:
            raise RuntimeError(f"{name} expects a floating point output tensor, but got "
                               f"{torch_type_name(out.dtype)}")
    return write_out(result, out)


# --- torch.fft functions -------------------------------------------------------------------

def _c2c_or_r2c_1d(input, n, dim, norm, forward):
    x = _promote(input)
    d = _one_dim(x, dim)
    n = x.shape[d] if n is None else int(n)
    _check_n(n)
    kind = norm_kind(norm, forward)
    x = _resize(x, (d,), (n,))
    if x.dtype.category == _dt.COMPLEX:
        return fft_c2c(x, (d,), kind, forward)
    y = fft_r2c(x, (d,), kind, False)
    return y if forward else y.conj()


def fft(input, n=None, dim=-1, norm=None, *, out=None):
    """One-dimensional discrete Fourier transform along `dim` (torch.fft.fft); `n` crops or
    zero-pads the signal, `norm` is "backward" (no scale), "ortho" or "forward" (1/n)."""
    return _out(_c2c_or_r2c_1d(input, n, dim, norm, True), out, "fft")


def ifft(input, n=None, dim=-1, norm=None, *, out=None):
    """One-dimensional inverse discrete Fourier transform along `dim` (torch.fft.ifft)."""
    return _out(_c2c_or_r2c_1d(input, n, dim, norm, False), out, "ifft")


def _fftn_c2c(input, s, dim, norm, forward):
    x = _promote(input, require_complex=True)
    dims, sizes = _dims_and_shape(x, s, dim)
    x = _resize(x, dims, sizes)
    return fft_c2c(x, dims, norm_kind(norm, forward), forward)


def fftn(input, s=None, dim=None, norm=None, *, out=None):
    """N-dimensional discrete Fourier transform over `dim` (all dims by default, or the last
    len(s) dims), signal sizes `s` (torch.fft.fftn)."""
    return _out(_fftn_c2c(input, s, dim, norm, True), out, "fftn")


def ifftn(input, s=None, dim=None, norm=None, *, out=None):
    """N-dimensional inverse discrete Fourier transform (torch.fft.ifftn)."""
    return _out(_fftn_c2c(input, s, dim, norm, False), out, "ifftn")


def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """Two-dimensional discrete Fourier transform over the last two dims (torch.fft.fft2)."""
    return _out(_fftn_c2c(input, s, dim, norm, True), out, "fftn")


def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """Two-dimensional inverse discrete Fourier transform (torch.fft.ifft2)."""
    return _out(_fftn_c2c(input, s, dim, norm, False), out, "ifftn")


def rfft(input, n=None, dim=-1, norm=None, *, out=None):
    """DFT of a real signal, keeping the n//2 + 1 non-negative frequencies (torch.fft.rfft)."""
    _require_real(input, "rfft")
    x = _promote(input)
    d = _one_dim(x, dim)
    n = x.shape[d] if n is None else int(n)
    _check_n(n)
    kind = norm_kind(norm, True)
    return _out(fft_r2c(_resize(x, (d,), (n,)), (d,), kind, True), out, "rfft")


def irfft(input, n=None, dim=-1, norm=None, *, out=None):
    """Inverse of rfft: a real signal of length `n` (default 2 * (size - 1)) from its
    non-negative frequencies along `dim` (torch.fft.irfft)."""
    x = _promote(input, require_complex=True)
    d = _one_dim(x, dim)
    n = 2 * (x.shape[d] - 1) if n is None else int(n)
    _check_n(n)
    x = _resize(x, (d,), (n // 2 + 1,))
    return _out(fft_c2r(x, (d,), norm_kind(norm, False), n), out, "irfft")


def hfft(input, n=None, dim=-1, norm=None, *, out=None):
    """DFT of a Hermitian-symmetric signal given by its first half: a real spectrum of
    length `n` (default 2 * (size - 1)) (torch.fft.hfft)."""
    x = _promote(input, require_complex=True)
    d = _one_dim(x, dim)
    n = 2 * (x.shape[d] - 1) if n is None else int(n)
    _check_n(n)
    x = _resize(x, (d,), (n // 2 + 1,)).conj()
    return _out(fft_c2r(x, (d,), norm_kind(norm, True), n), out, "hfft")


def ihfft(input, n=None, dim=-1, norm=None, *, out=None):
    """Inverse of hfft: the first n//2 + 1 points of the inverse DFT of a real signal
    (torch.fft.ihfft)."""
    _require_real(input, "ihfft")
    x = _promote(input)
    d = _one_dim(x, dim)
    n = x.shape[d] if n is None else int(n)
    _check_n(n)
    y = fft_r2c(_resize(x, (d,), (n,)), (d,), norm_kind(norm, False), True)
    return _out(y.conj(), out, "ihfft")


def _rfftn(input, s, dim, norm):
    _require_real(input, "rfftn", "real-valued")
    x = _promote(input)
    dims, sizes = _dims_and_shape(x, s, dim)
    if not dims:
        raise RuntimeError("rfftn must transform at least one axis")
    x = _resize(x, dims, sizes)
    return fft_r2c(x, dims, norm_kind(norm, True), True)


def rfftn(input, s=None, dim=None, norm=None, *, out=None):
    """N-dimensional DFT of a real input, one-sided over the last transformed dim
    (torch.fft.rfftn)."""
    return _out(_rfftn(input, s, dim, norm), out, "rfftn")


def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """Two-dimensional DFT of a real input, one-sided over the last dim (torch.fft.rfft2)."""
    return _out(_rfftn(input, s, dim, norm), out, "rfftn")


def _c2r_dims(x, s, dim):
    """dims and output sizes of irfftn/hfftn: the last output size defaults to 2 * (m - 1)."""
    if s is not None and not isinstance(s, (list, tuple)):
        s = tuple(s.tolist()) if hasattr(s, "tolist") else (int(s),)
    given = None
    if s is not None:
        given = [int(v) for v in s]
        s = list(given)
        s[-1] = -1 if s[-1] == -1 else 1  # placeholder: checked below
    dims, sizes = _dims_and_shape(x, s, dim)
    if not dims:
        raise RuntimeError("irfftn must transform at least one axis")
    last = given[-1] if given is not None and given[-1] != -1 else 2 * (x.shape[dims[-1]] - 1)
    _check_n(last)
    sizes[-1] = last
    return dims, sizes


def _irfftn(input, s, dim, norm):
    x = _promote(input, require_complex=True)
    dims, sizes = _c2r_dims(x, s, dim)
    x = _resize(x, dims, sizes[:-1] + [sizes[-1] // 2 + 1])
    return fft_c2r(x, dims, norm_kind(norm, False), sizes[-1])


def irfftn(input, s=None, dim=None, norm=None, *, out=None):
    """Inverse of rfftn: a real output of sizes `s` (torch.fft.irfftn)."""
    return _out(_irfftn(input, s, dim, norm), out, "irfftn")


def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """Inverse of rfft2 (torch.fft.irfft2)."""
    return _out(_irfftn(input, s, dim, norm), out, "irfftn")


def _hfftn(input, s, dim, norm):
    x = _promote(input, require_complex=True)
    dims, sizes = _c2r_dims(x, s, dim)
    x = _resize(x, dims, sizes[:-1] + [sizes[-1] // 2 + 1])
    kind = norm_kind(norm, True)
    x = fft_c2c(x, dims[:-1], kind, True).conj()
    return fft_c2r(x, dims[-1:], kind, sizes[-1])


def hfftn(input, s=None, dim=None, norm=None, *, out=None):
    """N-dimensional DFT of a Hermitian-symmetric input given by its half over the last dim:
    a real output (torch.fft.hfftn)."""
    return _out(_hfftn(input, s, dim, norm), out, "hfftn")


def hfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """Two-dimensional hfftn over the last two dims (torch.fft.hfft2)."""
    return _out(_hfftn(input, s, dim, norm), out, "hfftn")


def _ihfftn(input, s, dim, norm):
    from ember._ops.complex_ops import conj_physical
    dims, sizes = _dims_and_shape(input, s, dim)
    if input.dtype.category == _dt.COMPLEX:
        raise RuntimeError("Only supports floating-point dtypes, but found: "
                           f"{torch_type_name(input.dtype)}")
    x = _promote(input)
    if not dims:
        raise RuntimeError("ihfftn must transform at least one axis")
    x = _resize(x, dims, sizes)
    kind = norm_kind(norm, False)
    y = fft_r2c(x, dims[-1:], kind, True)
    if len(dims) == 1:
        return y.conj()
    return fft_c2c(conj_physical(y), dims[:-1], kind, False)


def ihfftn(input, s=None, dim=None, norm=None, *, out=None):
    """Inverse of hfftn: the one-sided inverse DFT of a real input (torch.fft.ihfftn)."""
    return _out(_ihfftn(input, s, dim, norm), out, "ihfftn")


def ihfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """Inverse of hfft2 (torch.fft.ihfft2)."""
    return _out(_ihfftn(input, s, dim, norm), out, "ihfftn")


# --- frequencies and shifts ----------------------------------------------------------------

def _freq_dtype(dtype, name):
    dtype = _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)
    if dtype.category < _dt.FLOAT:
        raise RuntimeError(f"{name} requires a floating point or complex dtype")
    if dtype.category == _dt.COMPLEX:  # torch's arange has no complex kernel
        raise NotImplementedError(
            f"\"arange_cpu\" not implemented for '{torch_type_name(dtype)}'")
    return dtype


def _inv_span(n, d, dtype):
    """1 / (n d) as a scalar of `dtype` (inf for an empty span, as torch's division)."""
    return dtype.np.type(1.0 / (n * d) if n * d else float("inf"))


def _freq_tensor(arr, dtype, device, requires_grad):
    t = make(arr, dtype)
    if device is not None:
        t = t.to(device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def fftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The sample frequencies of an n-point fft with spacing `d`: [0, 1, ..., -1] / (n d)
    (torch.fft.fftfreq)."""
    dtype = _freq_dtype(dtype, "fftfreq")
    n = int(n)
    r = xp.arange(n, dtype=xp.int64)
    r[(n + 1) // 2:] -= n
    arr = r.astype(dtype.np) * _inv_span(n, d, dtype)
    return _out(_freq_tensor(arr, dtype, device, requires_grad), out)


def rfftfreq(n, d=1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The non-negative sample frequencies of an n-point rfft: [0, ..., n//2] / (n d)
    (torch.fft.rfftfreq)."""
    dtype = _freq_dtype(dtype, "rfftfreq")
    n = int(n)
    with xp.errstate(invalid="ignore"):  # rfftfreq(0) is [nan], as torch's 0 * inf
        arr = xp.arange(n // 2 + 1).astype(dtype.np) * _inv_span(n, d, dtype)
    return _out(_freq_tensor(arr, dtype, device, requires_grad), out)


def _shift(input, dim, sign):
    from ember._ops.shape import roll
    nd = input.dim()
    if dim is None:
        dims = list(range(nd))
    elif isinstance(dim, int):
        dims = [wrap_dim(dim, nd)]
    else:
        dims = [wrap_dim(int(d), nd) for d in dim]
    shifts = [(input.shape[d] // 2) if sign > 0 else (input.shape[d] + 1) // 2 for d in dims]
    return roll(input, shifts, dims)


def fftshift(input, dim=None):
    """Move the zero frequency to the centre of `dim` (all dims by default) by rolling each by
    half its size (torch.fft.fftshift)."""
    return _shift(input, dim, 1)


def ifftshift(input, dim=None):
    """Undo fftshift (torch.fft.ifftshift)."""
    return _shift(input, dim, -1)


# --- short-time Fourier transforms ----------------------------------------------------------

def _stft_pad(x, pad, mode):
    """Pad the last dim of a (1, B, L) signal as F.pad would, without the nn layer."""
    from ember._ops.conv import constant_pad_nd, index_pad
    from ember._ops.shape import cat, narrow
    if mode == "constant":
        return constant_pad_nd(x, [pad, pad])
    if mode in ("reflect", "replicate"):
        return index_pad(x, [pad, pad], mode)
    if mode == "circular":
        n = x.shape[-1]
        return cat([narrow(x, -1, n - pad, pad), x, narrow(x, -1, 0, pad)], -1)
    raise NotImplementedError(f"Unrecognised padding mode {mode}")


def _window_to_nfft(window, win_length, n_fft):
    """A window of win_length points, zero-padded on both sides to n_fft (centred)."""
    from ember._ops.conv import constant_pad_nd
    left = (n_fft - win_length) // 2
    if left or n_fft - win_length:
        window = constant_pad_nd(window, [left, n_fft - win_length - left])
    return window


def _stft_desc(name, x, n_fft, hop, win_length, window, extra):
    w = "None" if window is None else f"ember.{torch_type_name(window.dtype)}Tensor" \
        f"{{{list(window.shape)}}}"
    return (f"{name}(ember.{torch_type_name(x.dtype)}Tensor{list(x.shape)}, n_fft={n_fft}, "
            f"hop_length={hop}, win_length={win_length}, window={w}{extra})")


@export
def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
         pad_mode="reflect", normalized=False, onesided=None, return_complex=None,
         align_to_window=None):
    """Short-time Fourier transform (torch.stft): the DFT of `n_fft`-point frames taken every
    `hop_length` samples of a 1-D or (batch, time) signal, each multiplied by `window`
    (win_length points, centred in n_fft). Returns (*, n_fft // 2 + 1 or n_fft, frames);
    `return_complex` must be given for real inputs (False gives view_as_real's layout)."""
    from ember._ops.complex_ops import view_as_real
    from ember._ops.shape import squeeze_, transpose_
    real_in = input.dtype.category != _dt.COMPLEX and (
        window is None or window.dtype.category != _dt.COMPLEX)
    if return_complex is None:
        if real_in:
            raise RuntimeError(
                "stft requires the return_complex parameter be given for real inputs, and will "
                "further require that return_complex=True in a future PyTorch release.")
        return_complex = True
    hop = n_fft // 4 if hop_length is None else int(hop_length)
    win_length = n_fft if win_length is None else int(win_length)
    if input.dim() not in (1, 2):
        raise RuntimeError(f"stft: expected a 1D or 2D tensor, but got {input.dim()}D")
    x = input
    if center:
        pad = n_fft // 2
        lead = [1] * (3 - x.dim())
        x = _stft_pad(x.reshape(lead + list(x.shape)), pad, pad_mode)
        x = x.reshape(x.shape[-input.dim():])
    batched = x.dim() == 2
    if not batched:
        x = x.unsqueeze(0)
    length = x.shape[-1]

    def fail(what):
        desc = _stft_desc("stft", x.squeeze(0) if not batched else x, n_fft, hop, win_length,
                          window, f", normalized={int(normalized)}, onesided={onesided}, "
                          f"return_complex={int(return_complex)}, "
                          f"align_to_window={align_to_window}")
        raise RuntimeError(f"{desc} : {what}")

    if x.dtype.category not in (_dt.FLOAT, _dt.COMPLEX):
        fail("expected a tensor of floating point or complex values")
    _check_dtype(x)
    if n_fft <= 0 or n_fft > length:
        fail(f"expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    if hop <= 0:
        fail(f"expected hop_length > 0, but got hop_length={hop}")
    if win_length <= 0 or win_length > n_fft:
        fail(f"expected 0 < win_length <= n_fft, but got win_length={win_length}")
    if window is not None and (window.dim() != 1 or window.shape[0] != win_length):
        fail(f"expected a 1D window tensor of size equal to win_length={win_length}, but got "
             f"window with size {list(window.shape)}")
    if window is None:
        warnings.warn(
            "A window was not provided. A rectangular window will be applied,which is known to "
            "cause spectral leakage. Other windows such as torch.hann_window or "
            "torch.hamming_window are recommended to reduce spectral leakage.To suppress this "
            "warning and use a rectangular window, explicitly set `window=torch.ones(n_fft, "
            "device=<device>)`.", UserWarning, stacklevel=2)
    if not return_complex:
        warnings.warn(
            "stft with return_complex=False is deprecated. In a future pytorch release, stft "
            "will return complex tensors for all inputs, and return_complex=False will raise an "
            "error.\nNote: you can still call torch.view_as_real on the complex output to "
            "recover the old return format.", UserWarning, stacklevel=2)
    if window is None and win_length < n_fft:
        from ember._ops.creation import ones
        window = ones(win_length, dtype=x.dtype.to_real())
    frames = x.unfold(-1, n_fft, hop)
    if window is not None:
        frames = frames * _window_to_nfft(window, win_length, n_fft)
    onesided = real_in if onesided is None else bool(onesided)
    if onesided and not real_in:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    kind = ROOT if normalized else NONE
    if frames.dtype.category == _dt.COMPLEX:
        y = fft_c2c(frames, (frames.dim() - 1,), kind, True)
    else:
        y = fft_r2c(frames, (frames.dim() - 1,), kind, onesided)
    transpose_(y, 1, 2)
    if not batched:
        squeeze_(y, 0)
    return y if return_complex else view_as_real(y)


@export
def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True,
          normalized=False, onesided=None, length=None, return_complex=False):
    """Inverse short-time Fourier transform (torch.istft): inverse DFT of each frame of a
    complex (*, freq, frames) spectrogram, windowed overlap-add, divided by the summed squared
    window (the least-squares inverse of stft with the same arguments)."""
    from ember._ops.creation import ones
    from ember._ops.shape import UnfoldBackwardBackward0, narrow
    if input.dtype.category != _dt.COMPLEX:
        raise RuntimeError("istft requires a complex-valued input tensor matching the output "
                           "from stft with return_complex=True.")
    hop = n_fft // 4 if hop_length is None else int(hop_length)
    win_length = n_fft if win_length is None else int(win_length)
    desc = (f"istft(CPU{torch_type_name(input.dtype)}Type{list(input.shape)}, n_fft={n_fft}, "
            f"hop_length={hop}, win_length={win_length}, window=...)")
    if input.dim() not in (2, 3):
        raise RuntimeError(f"{desc} : expected a tensor with 2 or 3 dimensions of complex "
                           f"dtype, but got {input.dim()}")
    batched = input.dim() == 3
    x = input if batched else input.unsqueeze(0)
    n_freq, n_frames = x.shape[-2], x.shape[-1]
    one = n_freq != n_fft if onesided is None else bool(onesided)
    if one and n_freq != n_fft // 2 + 1:
        raise RuntimeError(f"{desc} : expected the frequency dimension (3rd to the last) of the "
                           "input tensor to match n_fft / 2 + 1 when onesided=True, but got "
                           f"{n_freq}")
    if not one and n_freq != n_fft:
        raise RuntimeError(f"{desc} : expected the frequency dimension (3rd to the last) of the "
                           f"input tensor to match n_fft when onesided=False, but got {n_freq}")
    if not 0 < win_length <= n_fft:
        raise RuntimeError(f"{desc} : expected 0 < win_length <= n_fft, but got "
                           f"win_length={win_length}")
    if hop <= 0:
        raise RuntimeError(f"{desc} : expected hop_length > 0, but got hop_length={hop}")
    if window is not None and (window.dim() != 1 or window.shape[0] != win_length):
        raise RuntimeError(f"{desc} : Invalid window shape. window has to be 1D and length of "
                           f"`win_length`")
    if window is not None and window.dtype.category == _dt.COMPLEX or return_complex:
        if one:
            raise RuntimeError("Cannot have onesided output if window or input is complex")
    real_dtype = input.dtype.to_real()
    if window is None:
        warnings.warn(
            "A window was not provided. A rectangular window will be applied.Please provide the "
            "same window used by stft to make the inversion lossless.To suppress this warning "
            "and use a rectangular window, explicitly set `window=torch.ones(n_fft, "
            "device=<device>)`.", UserWarning, stacklevel=2)
        window = ones(win_length, dtype=real_dtype)
    window = _window_to_nfft(window, win_length, n_fft)
    frames = x.transpose(1, 2)
    kind = ROOT if normalized else BY_N
    d = frames.dim() - 1
    if return_complex:
        frames = fft_c2c(frames, (d,), kind, False)
    else:
        if not one:
            frames = narrow(frames, d, 0, n_fft // 2 + 1)
        frames = fft_c2r(frames, (d,), kind, n_fft)
    frames = frames * window
    total = n_fft + hop * (n_frames - 1)
    y = execute(UnfoldBackwardBackward0, (frames,), (frames._data,),
                ((x.shape[0], total), 1, n_fft, hop))
    wsq = window.pow(2).expand(1, n_frames, n_fft)
    env = execute(UnfoldBackwardBackward0, (wsq,), (wsq._data,), ((1, total), 1, n_fft, hop))
    start = n_fft // 2 if center else 0
    if length is not None:
        end = start + int(length)
    else:
        end = total - n_fft // 2 if center else total
    end = min(end, total)
    y = narrow(y, 1, start, end - start)
    env = narrow(env, 1, start, end - start)
    if env.numel() and xp.abs(env._data).min() < 1e-11:
        raise RuntimeError(f"{desc} window overlap add min: 1")
    y = y / env
    if not batched:
        y = y.squeeze(0)
    if length is not None and y.shape[-1] < int(length):
        warnings.warn(
            "The length of signal is shorter than the length parameter. Result is being padded "
            "with zeros in the tail. Please check your center and hop_length settings.",
            UserWarning, stacklevel=2)
        from ember._ops.conv import constant_pad_nd
        y = constant_pad_nd(y, [0, int(length) - y.shape[-1]])
    return y
