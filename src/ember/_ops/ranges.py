"""Range and structured factories: arange, range, linspace, logspace, eye, meshgrid,
cartesian_prod, combinations, window functions, tril_indices/triu_indices.
"""
import math
import warnings

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops import engine
from ember._ops._util import make
from ember._ops.registry import export
from ember._ops.creation import (_dtype_or_default, _factory_dtype, _fill_value, _finish, _result,
                                 _tname, tensor)


# --- ranges -----------------------------------------------------------------------------------
#
# torch computes each element of arange and linspace on its own from start, step and the
# index, with a fused multiply-add (its CPU kernels are built with FMA) in the accumulation
# type; range and logspace use plain arithmetic. `_fma` replays a double fma exactly, so the
# values match torch's bit for bit. arange's kernel also fills 32-byte vector blocks from a
# block base (the first pairs of blocks), which moves the last bits; that is replayed too.

_VEC_BYTES = 32


def _split(x):
    c = 134217729.0 * x  # 2**27 + 1: Veltkamp's split into two 26-bit halves
    hi = c - (c - x)
    return hi, x - hi


def _fma(a, b, c):
    """a * b + c in float64 with a single rounding (error-free transformations: the exact
    product as p + e, the sum s + t, then one final addition)."""
    a, b, c = (xp.asarray(v, xp.float64) for v in (a, b, c))
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    bb = s - p
    t = (p - (s - bb)) + (c - bb)
    return s + (t + e)


def _num(v, name="start"):
    if isinstance(v, engine.Tensor):
        if v._data.size != 1:
            raise RuntimeError(f"{name} must be a scalar")
        return v.item()
    if isinstance(v, xp.generic):
        return v.item()
    if not isinstance(v, (int, float, complex)):
        raise TypeError(f"received an invalid argument of type {type(v).__name__}")
    return v


def _fma_line(start, step, idx, npd):
    """fma(step, idx, start) in double precision, stored as npd."""
    return _fma(step, idx.astype(xp.float64), start).astype(npd)


@export
def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Values from start (default 0) up to but excluding end, `step` apart: int64 when all
    arguments are integers, else the default float dtype."""
    start, end, step = _num(start), None if end is None else _num(end, "end"), _num(step)
    if end is None:
        start, end = 0, start
    is_int = all(isinstance(v, int) for v in (start, end, step))
    d = _factory_dtype(dtype, out, _dt.int64 if is_int else None)
    if d.category in (_dt.BOOL, _dt.COMPLEX):
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{_tname(d)}'")
    _check_bounds(start, end, step)
    if d is _dt.int64:  # exact integer arithmetic on the truncated arguments
        start, end, step = int(start), int(end), int(step)
        if step == 0:
            raise ValueError("step must be nonzero")
        n = -((start - end) // step)
    else:
        n = math.ceil((float(end) - float(start)) / float(step))
    if out is not None and out._data.size and out._data.size != n:
        warnings.warn(f"The number of elements in the out tensor of shape {list(out.shape)} is "
                      f"{out._data.size} which does not match the computed number of elements "
                      f"{n}. Note that this may occur as a result of rounding error. The out "
                      f"tensor will be resized to a tensor of shape ({n},).", UserWarning,
                      stacklevel=2)
    idx = xp.arange(n, dtype=xp.int64)
    if d.category == _dt.INT:
        data = (int(start) + int(step) * idx).astype(d.np)
    elif d in (_dt.float16, _dt.bfloat16):  # float accumulation, rounded per element
        s, st = xp.float32(start), xp.float32(step)
        data = _arange_blocks(s, st, idx, xp.float32, d.np).astype(d.np)
    else:
        data = _arange_blocks(start, step, idx, d.np, d.np)
    return _result(data, d, requires_grad, device, out, "arange")


def _check_bounds(start, end, step):
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {float(start):g} -> {float(end):g}")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")


def _arange_blocks(start, step, idx, npd, store):
    """arange's values computed in `npd` for a tensor stored as `store`: the scalar fma
    formula, except for whole pairs of vector blocks, filled as block_base + k * step (the
    base is stored first, so it is rounded to the stored dtype)."""
    out = _fma_line(start, step, idx, npd)
    vec = _VEC_BYTES // store.itemsize
    nv = idx.size // (2 * vec) * (2 * vec)
    if nv:
        head = idx[:nv]
        block = head // vec * vec
        base = _fma_line(start, step, block, npd).astype(store).astype(xp.float64)
        out[:nv] = _fma((head - block).astype(xp.float64), step, base).astype(npd)
    return out


@export
def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
          requires_grad=False):
    """Deprecated inclusive range: start, start + step, ... up to end (default float dtype)."""
    if end is None:
        raise TypeError('range() missing 1 required positional arguments: "end"')
    start, end, step = _num(start), _num(end, "end"), _num(step)
    warnings.warn("ember.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "ember.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    d = _factory_dtype(dtype, out)
    _check_bounds(start, end, step)
    idx = None
    if d.category == _dt.INT:  # int64 accumulation: integer division for the size
        s, e, st = int(start), int(end), int(step)
        if st == 0:  # (torch divides by the truncated step and crashes here)
            raise RuntimeError("step must be nonzero")
        q = abs(e - s) // abs(st)
        idx = xp.arange((q if (e - s) * st >= 0 else -q) + 1, dtype=xp.int64)
        data = (s + st * idx).astype(d.np)
    elif d in (_dt.float16, _dt.bfloat16):  # float accumulation (plain arithmetic, no fma)
        s, st = xp.float32(start), xp.float32(step)
        idx = xp.arange(int((xp.float32(end) - s) / st + xp.float32(1)), dtype=xp.int64)
        data = (s + idx.astype(xp.float32) * st).astype(d.np)
    else:
        s, st = float(start), float(step)
        idx = xp.arange(int((float(end) - s) / st + 1), dtype=xp.int64)
        data = (s + idx * st).astype(d.np)
    return _result(data, d, requires_grad, device, out, "range")


def _steps(steps, name):
    if isinstance(steps, engine.Tensor):
        steps = steps.item()
    if isinstance(steps, bool) or not isinstance(steps, (int, xp.integer)):
        raise TypeError(f"{name}() received an invalid combination of arguments - got steps of "
                        f"type {type(steps).__name__}, but expected int")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return int(steps)


def _linspace_values(start, end, n, d):
    """torch's linspace: forwards from start below the halfway index, backwards from end
    after it, each value one fma in the dtype's own arithmetic."""
    idx = xp.arange(n, dtype=xp.int64)
    half = n // 2
    back = n - 1 - idx
    if d.category == _dt.INT:  # double arithmetic, truncated
        s, e = float(int(start)), float(int(end))
        st = (e - s) / (n - 1)
        vals = xp.where(idx < half, _fma(st, idx, s), _fma(-st, back, e))
        return xp.trunc(vals)
    if d.category == _dt.COMPLEX:
        s, e = complex(start), complex(end)
        st = (e - s) / (n - 1)
        return xp.where(idx < half, s + st * idx, e - st * back).astype(d.np)
    npd = d.np
    s = xp.asarray(start, xp.float64).astype(npd)
    e = xp.asarray(end, xp.float64).astype(npd)
    if d.itemsize < 4:  # half types: every operation rounds back to the dtype
        f = xp.float32
        st = xp.asarray(f(e.astype(f) - s.astype(f)), f).astype(npd)
        st = (st.astype(f) / f(xp.asarray(n - 1).astype(npd))).astype(npd).astype(f)
        fw = (f(s) + (st * idx.astype(npd).astype(f)).astype(npd).astype(f)).astype(npd)
        bw = (f(e) - (st * back.astype(npd).astype(f)).astype(npd).astype(f)).astype(npd)
        return xp.where(idx < half, fw, bw)
    st = ((e - s) / npd.type(n - 1)).astype(npd) if npd != xp.float64 else (e - s) / (n - 1)
    return xp.where(idx < half, _fma_line(s, st, idx, npd), _fma_line(e, -st, back, npd))


@export
def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """`steps` evenly spaced values from start to end inclusive (complex when an end is)."""
    start, end = _num(start), _num(end, "end")
    n = _steps(steps, "linspace")
    cplx = isinstance(start, complex) or isinstance(end, complex)
    d = _factory_dtype(dtype, out, _dt.get_default_dtype().to_complex() if cplx else None)
    if n > 1:
        _fill_value(start, d), _fill_value(end, d)  # torch's checked conversions
    if n == 0:
        data = xp.zeros(0, d.np)
    elif n == 1:
        data = xp.asarray([start]).astype(d.np)
    else:
        data = _linspace_values(start, end, n, d).astype(d.np)
    return _result(data, d, requires_grad, device, out, "linspace")


def _c_int_cast(data, d):
    """C's double -> integer conversion as x86 performs it: through int32 for types up to 32
    bits (int64 for int64), with the 'integer indefinite' minimum for values out of range,
    then wrapping into the narrower type."""
    wide = xp.int64 if d is _dt.int64 else xp.int32
    info = xp.iinfo(wide)
    ok = (data >= info.min) & (data < -float(info.min))  # false for nan too
    with xp.errstate(invalid="ignore"):
        out = xp.where(ok, data, 0).astype(wide)
    out[~ok] = info.min
    return out.astype(d.np)


def _c_pow(base, exps):
    """base ** e for each exponent with the C library's pow, as torch calls it (NumPy's
    vectorised float64 power can differ in the last bit)."""
    b = float(base)

    def pow_(e):
        try:
            return math.pow(b, e)
        except OverflowError:
            return math.inf
        except ValueError:  # a negative base to a fractional power
            return math.nan
    return xp.fromiter((pow_(e) for e in exps), xp.float64, len(exps))


@export
def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """base ** v for `steps` values v evenly spaced from start to end inclusive."""
    start, end = _num(start), _num(end, "end")
    n = _steps(steps, "logspace")
    d = _factory_dtype(dtype, out)
    if n > 1:
        _fill_value(start, d), _fill_value(end, d)
    if n <= 1:
        data = _c_pow(base, [float(start)] * n)
    elif d.category == _dt.COMPLEX:
        data = xp.power(complex(base), _linspace_values(start, end, n, d))
    else:
        # start and end in the dtype, their difference in its arithmetic; the exponents (plain
        # double arithmetic, no fma here) and the power in double precision
        s = xp.asarray(start).astype(d.np)
        e = xp.asarray(end).astype(d.np)
        diff = (e - s) if d.itemsize >= 4 or d.category == _dt.INT else \
            (e.astype(xp.float32) - s.astype(xp.float32)).astype(d.np)
        step = float(diff) / (n - 1)
        idx = xp.arange(n, dtype=xp.int64)
        exps = xp.where(idx < n // 2, float(s) + step * idx, float(e) - step * (n - 1 - idx))
        data = _c_pow(base, exps.tolist())
        if d.itemsize == 2 and d.category == _dt.FLOAT:  # double to half goes through float
            data = data.astype(xp.float32)
        elif d.category == _dt.INT:
            data = _c_int_cast(data, d)
    return _result(data.astype(d.np), d, requires_grad, device, out, "logspace")


@export
def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
        pin_memory=False):
    """The n x m identity matrix (square when m is not given)."""
    for name, v in (("n", n), ("m", m)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, xp.integer))):
            raise TypeError(f"eye(): argument '{name}' must be int, not {type(v).__name__}")
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    d = _factory_dtype(dtype, out)
    data = xp.eye(n, n if m is None else m, dtype=d.np)
    return _result(data, d, requires_grad, device, out, "eye")


@export
def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 0-d or 1-D tensors of one dtype ('ij' indexing by default;
    'xy' swaps the first two dimensions). The grids are broadcast views of the inputs."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing is None:
        warnings.warn("ember.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    for t in tensors:
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list "
                               f"but got: {t}")
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    n = len(tensors)
    shape = [t.numel() for t in tensors]
    swap = indexing == "xy" and n >= 2
    if swap:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, t in enumerate(tensors):
        view = [1] * n
        view[(1 - i) if swap and i < 2 else i] = -1
        out.append(t.reshape(view).expand(shape))
    return tuple(out)


def _check_1d(t):
    if t.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")


@export
def cartesian_prod(*tensors):
    """The Cartesian product of 1-D tensors as an N x len(tensors) tensor (like
    itertools.product); a single tensor is returned as it is."""
    from ember._ops.shape import stack
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for t in tensors:
        _check_1d(t)
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], dim=1)


@export
def combinations(input, r=2, with_replacement=False):
    """The length-r combinations of a 1-D tensor's elements as an N x r tensor (like
    itertools.combinations, or combinations_with_replacement)."""
    from ember._ops.indexing import masked_select
    from ember._ops.shape import stack
    _check_1d(input)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return _finish(xp.zeros((0,), input.dtype.np), input.dtype)
    # torch keeps the points of the r-fold grid whose indices are ordered, in row-major order
    n = input.shape[0]
    idx = xp.indices((n,) * r) if n else xp.zeros((r,) + (0,) * r, dtype=xp.int64)
    keep = xp.ones((n,) * r, dtype=bool)
    for a, b in zip(idx[:-1], idx[1:]):
        keep &= (a <= b) if with_replacement else (a < b)
    mask = make(keep, _dt.bool)
    grids = meshgrid(*([input] * r), indexing="ij")
    return stack([masked_select(g, mask) for g in grids], dim=1)


@export(method=False)
def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """A 0-dim tensor holding the number `s`, of the default float dtype unless given."""
    d = _dtype_or_default(dtype)
    return _finish(xp.asarray(s).astype(d.np), d, requires_grad, device)


@export(method=False)
def unravel_index(indices, shape):
    """Convert flat indices into a tuple of coordinate tensors for an array of `shape`
    (row-major), as numpy.unravel_index; indices wrap around modulo the shape."""
    if not isinstance(indices, engine.Tensor):
        indices = tensor(indices)
    if indices.dtype.category != _dt.INT:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, int) else tuple(int(n) for n in shape)
    if any(n < 0 for n in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    flat = indices._data.astype(xp.int64)
    coords = []
    for n in reversed(shape):
        coords.append(flat % n if n else xp.zeros_like(flat))
        flat = flat // n if n else flat
    return tuple(_finish(c, _dt.int64) for c in reversed(coords))


def _window(name, window_length, periodic, dtype, device, requires_grad, values):
    if isinstance(window_length, bool) or not isinstance(window_length, (int, xp.integer)):
        raise TypeError(f"{name}(): argument 'window_length' (position 1) must be int, not "
                        f"{type(window_length).__name__}")
    d = _dtype_or_default(dtype)
    if d.category != _dt.FLOAT:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {d}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={window_length}")
    if window_length <= 1:
        data = xp.ones((window_length,), xp.float64)
    else:
        n = window_length + 1 if periodic else window_length
        data = values(n, xp.arange(n, dtype=xp.float64))[:window_length]
    return _finish(data.astype(d.np), d, requires_grad, device)


@export(method=False)
def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None,
                   layout=None, device=None, requires_grad=False):
    """The Hamming window alpha - beta * cos(2 pi n / (N - 1)) (periodic: N is one more than
    window_length, as for spectral analysis)."""
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, k: alpha - beta * xp.cos(2 * math.pi * k / (n - 1)))


@export(method=False)
def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                requires_grad=False):
    """The Hann window 0.5 - 0.5 * cos(2 pi n / (N - 1)) (periodic by default)."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, k: 0.5 - 0.5 * xp.cos(2 * math.pi * k / (n - 1)))


@export(method=False)
def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False):
    """The Blackman window 0.42 - 0.5 cos(2 pi n / (N-1)) + 0.08 cos(4 pi n / (N-1))."""
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, k: 0.42 - 0.5 * xp.cos(2 * math.pi * k / (n - 1))
                   + 0.08 * xp.cos(4 * math.pi * k / (n - 1)))


@export(method=False)
def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False):
    """The triangular Bartlett window 1 - |2n / (N - 1) - 1|."""
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, k: 1 - xp.abs(2 * k / (n - 1) - 1))


@export(method=False)
def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None,
                  device=None, requires_grad=False):
    """The Kaiser window I0(beta sqrt(1 - (2n / (N - 1) - 1)^2)) / I0(beta)."""
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, k: xp.i0(beta * xp.sqrt(xp.clip(1 - (2 * k / (n - 1) - 1) ** 2,
                                                             0, None))) / xp.i0(beta))


def _index_dtype(dtype, name):
    d = _dt.int64 if dtype is None else _dt.to_dtype(dtype)
    if d.category != _dt.INT:
        raise NotImplementedError(f"\"{name}\" not implemented for '{_tname(d)}'")
    return d


def _check_rc(row, col):
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")


@export
def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (row, column) coordinates of the lower triangle of a row x col matrix, as a 2 x N
    tensor; `offset` shifts the diagonal up (positive) or down (negative)."""
    d = _index_dtype(dtype, "tril_indices")
    _check_rc(row, col)
    r, c = xp.tril_indices(row, offset, col)
    return _finish(xp.stack([r, c]).astype(d.np), d, False, device)


@export
def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (row, column) coordinates of the upper triangle of a row x col matrix (2 x N)."""
    d = _index_dtype(dtype, "triu_indices")
    _check_rc(row, col)
    r, c = xp.triu_indices(row, offset, col)
    return _finish(xp.stack([r, c]).astype(d.np), d, False, device)
