"""Tensor factories (tensor, zeros, arange, linspace, eye, ...), NumPy interop, and random
sampling (rand, randn, randint, randperm, normal, bernoulli, multinomial, in-place fills)."""
import math

from ember._backend import dtypes as _dt
from ember._backend import random as _random
from ember._backend import xp
from ember._backend.device import to_device
from ember._ops import engine
from ember._ops._util import make, shape_arg
from ember._ops.registry import export

ndarray = xp.ndarray


def _finish(data, dtype, requires_grad=False, device=None):
    if device is not None:
        to_device(device)
    t = make(data, dtype)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _dtype_or_default(dtype):
    return _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)


def _infer(data):
    """Backend array and dtype for Python data (nested lists of numbers or tensors)."""
    if isinstance(data, engine.Tensor):
        return data._data.copy(), data.dtype
    if isinstance(data, ndarray):
        return data.copy(), _dt.from_numpy_dtype(data.dtype)
    if isinstance(data, xp.generic):
        return xp.asarray(data), _dt.from_numpy_dtype(data.dtype)
    if isinstance(data, (list, tuple)):
        data = _unwrap(data)
    try:
        arr = xp.asarray(data)
    except ValueError as e:
        raise ValueError(_ragged_message(data) or str(e)) from None
    kind = arr.dtype.kind
    if kind == "f":
        d = _dt.get_default_dtype()
        if _has_wide_array(data):
            d = _dt.from_numpy_dtype(arr.dtype)
        return arr.astype(d.np), d
    if kind == "c":
        d = _dt.get_default_dtype().to_complex()
        return arr.astype(d.np), d
    if kind in "iu":
        if arr.dtype != xp.int64 and not _has_wide_array(data):
            arr = arr.astype(xp.int64)
        return arr, _dt.from_numpy_dtype(arr.dtype)
    if kind == "b":
        return arr, _dt.bool
    if kind == "V" and arr.dtype == _dt.bfloat16.np:
        return arr, _dt.bfloat16
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _has_wide_array(data):
    # numpy arrays inside lists keep their own dtype, as torch does for tensors in lists
    if isinstance(data, (list, tuple)):
        return any(_has_wide_array(d) for d in data[:1])
    return isinstance(data, ndarray) or isinstance(data, xp.generic)


def _unwrap(data):
    out = []
    for d in data:
        if isinstance(d, engine.Tensor):
            out.append(d._data if d._data.ndim else d._data[()] if d.dtype.category >= 2 else
                       d.item())
        elif isinstance(d, (list, tuple)):
            out.append(_unwrap(d))
        else:
            out.append(d)
    return out


def _ragged_message(data, dim=0):
    if not isinstance(data, (list, tuple)) or not data:
        return None
    lens = [len(d) if isinstance(d, (list, tuple)) else None for d in data]
    first = lens[0]
    for n in lens[1:]:
        if n != first:
            return f"expected sequence of length {first} at dim {dim + 1} (got {n})"
    for d in data:
        m = _ragged_message(d, dim + 1)
        if m:
            return m
    return None


@export
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data` (numbers, nested lists, arrays, tensors)."""
    arr, inferred = _infer(data)
    if dtype is not None:
        d = _dt.to_dtype(dtype)
        if d is not inferred:
            if inferred.category == _dt.COMPLEX and d.category < _dt.COMPLEX:
                arr = arr.real
            arr = arr.astype(d.np)
        inferred = d
    return _finish(arr, inferred, requires_grad, device)


@export
def as_tensor(data, dtype=None, device=None):
    """A tensor sharing memory with `data` when it is an array or tensor of the same dtype."""
    if isinstance(data, engine.Tensor):
        if dtype is None or _dt.to_dtype(dtype) is data.dtype:
            return data
        return data.to(dtype)
    if isinstance(data, ndarray):
        t = from_numpy(data)
        return t if dtype is None else t.to(dtype)
    return tensor(data, dtype=dtype, device=device)


@export
def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """Like as_tensor, with NumPy's `copy=` semantics."""
    if copy:
        t = tensor(obj, dtype=dtype, device=device)
    else:
        t = as_tensor(obj, dtype=dtype, device=device)
    if requires_grad:
        t.requires_grad_(True)
    return t


@export
def from_numpy(ndarray_):
    """A tensor sharing memory with a NumPy array (writes show on both sides)."""
    if not isinstance(ndarray_, ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray_).__name__})")
    return make(ndarray_, _dt.from_numpy_dtype(ndarray_.dtype))


@export
def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    d = _dt.to_dtype(dtype)
    return _finish(xp.frombuffer(buffer, d.np, count, offset), d, requires_grad)


def from_dlpack(ext_tensor):
    """A tensor sharing memory with any object implementing the DLPack protocol."""
    if isinstance(ext_tensor, engine.Tensor):
        return ext_tensor
    arr = xp.from_dlpack(ext_tensor)
    return from_numpy(arr)


# --- constant factories ---------------------------------------------------------------------

def _sizes(size):
    s = shape_arg(size)
    for n in s:
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: "
                               f"{list(s)}")
    return s


@export
def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    """A tensor of zeros of the given shape."""
    d = _dtype_or_default(dtype)
    return _finish(xp.zeros(_sizes(size), d.np), d, requires_grad, device)


@export
def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, memory_format=None):
    """A tensor of ones of the given shape."""
    d = _dtype_or_default(dtype)
    return _finish(xp.ones(_sizes(size), d.np), d, requires_grad, device)


@export
def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    """An uninitialised tensor of the given shape (ember fills it with zeros)."""
    d = _dtype_or_default(dtype)
    return _finish(xp.zeros(_sizes(size), d.np), d, requires_grad, device)


def _fill_dtype(value):
    if isinstance(value, engine.Tensor):
        return value.dtype
    return _dt.scalar_dtype(value)


@export
def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False):
    """A tensor of the given shape filled with `fill_value` (its dtype inferred from it)."""
    d = _dt.to_dtype(dtype) if dtype is not None else _fill_dtype(fill_value)
    if isinstance(fill_value, engine.Tensor):
        fill_value = fill_value.item()
    return _finish(xp.full(_sizes((size,) if isinstance(size, int) else (tuple(size),)),
                           fill_value, d.np), d, requires_grad, device)


@export
def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False):
    d = _dtype_or_default(dtype)
    t = zeros(sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0, dtype=d)
    return t.as_strided(size, stride).requires_grad_(requires_grad) if requires_grad else \
        t.as_strided(size, stride)


def _like_dtype(input, dtype):
    return input.dtype if dtype is None else _dt.to_dtype(dtype)


@export
def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """Zeros with input's shape (and dtype unless given)."""
    d = _like_dtype(input, dtype)
    return _finish(xp.zeros(input._data.shape, d.np), d, requires_grad, device)


@export
def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """Ones with input's shape (and dtype unless given)."""
    d = _like_dtype(input, dtype)
    return _finish(xp.ones(input._data.shape, d.np), d, requires_grad, device)


@export
def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """An uninitialised tensor with input's shape (zero-filled in ember)."""
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


@export
def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """`fill_value` everywhere, with input's shape and dtype unless given."""
    d = _like_dtype(input, dtype)
    return _finish(xp.full(input._data.shape, fill_value, d.np), d, requires_grad, device)


def _new(name, factory):
    def method(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False):
        d = self.dtype if dtype is None else dtype
        return factory(*size, dtype=d, device=device, requires_grad=requires_grad)
    method.__name__ = name
    method.__doc__ = f"Like ember.{factory.__name__}, with self's dtype and device by default."
    export(method, function=False)


_new("new_zeros", zeros)
_new("new_ones", ones)
_new("new_empty", empty)


@export(function=False)
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
             layout=None, pin_memory=False):
    """ember.full with self's dtype and device by default."""
    return full(size, fill_value, dtype=self.dtype if dtype is None else dtype,
                device=device, requires_grad=requires_grad)


@export(function=False)
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False):
    """ember.tensor(data) with self's dtype and device by default."""
    return tensor(data, dtype=self.dtype if dtype is None else dtype, device=device,
                  requires_grad=requires_grad)


# --- ranges -----------------------------------------------------------------------------------

def _num(v):
    return v.item() if isinstance(v, engine.Tensor) else v


@export
def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Values from start (default 0) up to but excluding end, `step` apart; int64 when all
    arguments are integers, else the default float dtype."""
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        is_int = all(isinstance(v, int) for v in (start, end, step))
        d = _dt.int64 if is_int else _dt.get_default_dtype()
    else:
        d = _dt.to_dtype(dtype)
    n = max(0, math.ceil((end - start) / step))
    data = (start + xp.arange(n, dtype=xp.float64 if d.category >= _dt.FLOAT else xp.int64)
            * step) if d.category >= _dt.FLOAT else xp.arange(start, start + n * step, step,
                                                               dtype=xp.int64)[:n]
    return _finish(data.astype(d.np), d, requires_grad, device)


@export
def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated inclusive range: start..end with step (default float dtype)."""
    d = _dtype_or_default(dtype)
    n = int(math.floor((end - start) / step)) + 1
    return _finish((start + xp.arange(n) * step).astype(d.np), d, requires_grad, device)


@export
def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """`steps` evenly spaced values from start to end inclusive."""
    d = _dtype_or_default(dtype)
    start, end = _num(start), _num(end)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    # torch fills the first half forwards from start and the second backwards from end
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    idx = xp.arange(steps, dtype=xp.float64)
    half = steps // 2
    vals = xp.where(idx < half, start + step * idx, end - step * (steps - 1 - idx))
    if steps == 1:
        vals = xp.asarray([start], dtype=xp.float64)
    if d.category < _dt.FLOAT:
        vals = xp.trunc(vals)
    return _finish(vals.astype(d.np), d, requires_grad, device)


@export
def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """base ** linspace(start, end, steps)."""
    d = _dtype_or_default(dtype)
    exps = linspace(start, end, steps, dtype=_dt.float64)._data
    return _finish((base ** exps).astype(d.np), d, requires_grad, device)


@export
def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The n x m identity matrix."""
    d = _dtype_or_default(dtype)
    return _finish(xp.eye(n, n if m is None else m, dtype=d.np), d, requires_grad, device)


@export
def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors ('ij' indexing by default, as torch)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    indexing = indexing or "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    n = len(tensors)
    shape = [t.numel() for t in tensors]
    if indexing == "xy" and n >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, t in enumerate(tensors):
        view = [1] * n
        pos = i
        if indexing == "xy" and n >= 2 and i < 2:
            pos = 1 - i
        view[pos] = -1
        out.append(t.reshape(view).expand(shape))
    return tuple(out)


@export
def tril_indices(row, col, offset=0, *, dtype=None, device=None):
    r, c = xp.tril_indices(row, offset, col)
    return make(xp.stack([r, c]).astype(xp.int64))


@export
def triu_indices(row, col, offset=0, *, dtype=None, device=None):
    r, c = xp.triu_indices(row, offset, col)
    return make(xp.stack([r, c]).astype(xp.int64))


# --- random sampling ------------------------------------------------------------------------

def _float_sample(gen, shape, d, kind):
    npd = d.np if d in (_dt.float32, _dt.float64) else xp.float32
    if kind == "uniform":
        data = gen.random(shape, dtype=npd)
    else:
        data = gen.standard_normal(shape, dtype=npd)
    if d.category == _dt.COMPLEX:
        real = d.to_real().np
        other = (gen.random(shape) if kind == "uniform" else gen.standard_normal(shape))
        scale = 1.0 if kind == "uniform" else math.sqrt(0.5)
        return (data.astype(real) * scale + 1j * other.astype(real) * scale).astype(d.np)
    return data.astype(d.np, copy=False)


def _check_float(d, name):
    if d.category < _dt.FLOAT:
        raise RuntimeError(f"\"{name}\" not implemented for '{_tname(d)}'")


def _tname(d):
    from ember._ops.elementwise import _scalar_type_name
    return _scalar_type_name(d)


@export
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """Uniform samples from [0, 1)."""
    d = _dtype_or_default(dtype)
    _check_float(d, "check_uniform_bounds")
    return _finish(_float_sample(_random.stream(generator), _sizes(size), d, "uniform"), d,
                   requires_grad, device)


@export
def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False):
    """Standard normal samples."""
    d = _dtype_or_default(dtype)
    _check_float(d, "normal_kernel_cpu")
    return _finish(_float_sample(_random.stream(generator), _sizes(size), d, "normal"), d,
                   requires_grad, device)


@export
def randint(low, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad=False):
    """Uniform integers from [low, high) (low defaults to 0), int64 by default."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    d = _dt.int64 if dtype is None else _dt.to_dtype(dtype)
    data = _random.stream(generator).integers(low, high, _sizes((tuple(size),)))
    return _finish(data.astype(d.np), d, requires_grad, device)


@export
def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None, generator=None):
    """Uniform [0, 1) samples with input's shape and dtype."""
    return rand(input._data.shape, dtype=_like_dtype(input, dtype), requires_grad=requires_grad,
                generator=generator)


@export
def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None, generator=None):
    """Standard normal samples with input's shape and dtype."""
    return randn(input._data.shape, dtype=_like_dtype(input, dtype),
                 requires_grad=requires_grad, generator=generator)


@export
def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None, generator=None):
    """Random integers in [low, high) with input's shape and dtype."""
    if high is None:
        low, high = 0, low
    return randint(low, high, input._data.shape, dtype=_like_dtype(input, dtype),
                   generator=generator)


@export
def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of 0..n-1 (int64)."""
    d = _dt.int64 if dtype is None else _dt.to_dtype(dtype)
    return _finish(_random.stream(generator).permutation(n).astype(d.np), d, requires_grad,
                   device)


@export
def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False):
    """Normal samples: elementwise from mean/std tensors, or of `size` for number arguments."""
    gen = _random.stream(generator)
    if isinstance(mean, engine.Tensor) or isinstance(std, engine.Tensor):
        m = mean._data if isinstance(mean, engine.Tensor) else mean
        s = std._data if isinstance(std, engine.Tensor) else std
        ref = mean if isinstance(mean, engine.Tensor) else std
        if isinstance(std, engine.Tensor) and (std._data < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
        shape = xp.broadcast_shapes(xp.shape(m), xp.shape(s))
        data = gen.standard_normal(shape) * s + m
        return make(data.astype(ref.dtype.np), ref.dtype)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    d = _dtype_or_default(dtype)
    data = gen.standard_normal(_sizes((tuple(size),))) * std + mean
    return _finish(data.astype(d.np), d, requires_grad, device)


@export
def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples with probabilities from input (or the number p), in input's dtype."""
    probs = input._data if p is None else xp.full(input._data.shape, p)
    if ((probs < 0) | (probs > 1)).any():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    draw = _random.stream(generator).random(input._data.shape) < probs
    return make(draw.astype(input.dtype.np), input.dtype)


@export
def poisson(input, generator=None):
    return make(_random.stream(generator).poisson(input._data).astype(input.dtype.np))


@export
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Indices drawn from the categorical distributions in the rows of input (int64)."""
    probs = input._data.astype(xp.float64)
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if (probs < 0).any() or not xp.isfinite(probs).all():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = probs.reshape(-1, probs.shape[-1])
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    gen = _random.stream(generator)
    out_rows = []
    for row in rows:
        total = row.sum()
        if total <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if replacement:
            out_rows.append(gen.choice(row.size, num_samples, replace=True, p=row / total))
        else:
            # Gumbel top-k: exact sampling without replacement, positive-probability items
            if (row > 0).sum() < num_samples:
                raise RuntimeError("invalid multinomial distribution (with replacement=False, "
                                   "not enough non-negative category to sample)")
            keys = xp.where(row > 0, xp.log(xp.where(row > 0, row, 1)) -
                            xp.log(-xp.log(gen.random(row.size))), -xp.inf)
            out_rows.append(xp.argsort(-keys, kind="stable")[:num_samples])
    res = xp.stack(out_rows).astype(xp.int64)
    return make(res.reshape(probs.shape[:-1] + (num_samples,)))


# in-place random fills -------------------------------------------------------------------

def _fill_from(self, data):
    from ember._ops.elementwise import check_inplace
    check_inplace(self)
    self._data[...] = data.astype(self.dtype.np, copy=False)
    self._bump_version()
    return self


@export(function=False)
def uniform_(self, a=0.0, b=1.0, *, generator=None):
    """Fill with uniform samples from [a, b)."""
    u = _random.stream(generator).random(self._data.shape)
    return _fill_from(self, a + (b - a) * u)


@export(function=False)
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with normal samples."""
    return _fill_from(self, _random.stream(generator).standard_normal(self._data.shape) * std
                      + mean)


@export(function=False)
def random_(self, from_=0, to=None, *, generator=None):
    """Fill with integers from [from, to) (to defaults to the dtype's range)."""
    if to is None:
        if self.dtype.category >= _dt.FLOAT:
            to = 2 ** min(24 if self.dtype is _dt.float32 else 53, 62)
        elif self.dtype is _dt.bool:
            to = 2
        else:
            to = int(xp.iinfo(self.dtype.np).max) + 1
    return _fill_from(self, _random.stream(generator).integers(from_, to, self._data.shape))


@export(function=False)
def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 0/1 samples that are 1 with probability p (a number or a tensor)."""
    probs = p._data if isinstance(p, engine.Tensor) else p
    return _fill_from(self, _random.stream(generator).random(self._data.shape) < probs)


@export(function=False)
def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with exponential samples of rate lambd."""
    return _fill_from(self, _random.stream(generator).exponential(1.0 / lambd,
                                                                  self._data.shape))


@export(function=False)
def geometric_(self, p, *, generator=None):
    return _fill_from(self, _random.stream(generator).geometric(p, self._data.shape))


@export(function=False)
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    return _fill_from(self, _random.stream(generator).lognormal(mean, std, self._data.shape))


@export(function=False)
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    return _fill_from(self, median + sigma * _random.stream(generator).standard_cauchy(
        self._data.shape))


def manual_seed(seed):
    """Seed the default generator; returns it."""
    return _random.default_generator.manual_seed(seed)


def seed():
    """Seed the default generator from OS entropy; returns the seed."""
    return _random.default_generator.seed()


def initial_seed():
    """The seed the default generator was last reset with."""
    return _random.default_generator.initial_seed()


def get_rng_state():
    """The default generator's state as a uint8 tensor."""
    return _random.default_generator.get_state()


def set_rng_state(new_state):
    """Restore the default generator's state from get_rng_state()."""
    _random.default_generator.set_state(new_state)
