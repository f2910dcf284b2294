"""Random sampling: rand, randn, randint, randperm, normal, bernoulli, poisson, multinomial,
binomial, the in-place random fills, and seeding.
"""
import math

from ember._backend import dtypes as _dt
from ember._backend import random as _random
from ember._backend import xp
from ember._ops import engine
from ember._ops._util import make
from ember._ops.registry import export
from ember._ops.creation import (_factory_dtype, _fill_value, _finish, _like_array, _like_dtype,
                                 _result, _size_kw, _sizes, _tname)
from ember._ops.incomplete_gamma import _dt_name


def _no_kernel(name, d):
    raise NotImplementedError(f"\"{name}\" not implemented for '{_tname(d)}'")


def _check_float(d, name):
    if d.category not in (_dt.FLOAT, _dt.COMPLEX):
        _no_kernel(name, d)


# uniform samples in [0, 1) on the grid a half type can hold, so none rounds up to 1
_GRID = {"float16": 2.0 ** -11, "bfloat16": 2.0 ** -8}


def _uniform(gen, shape, d):
    """U[0, 1) samples of dtype d (complex: real and imaginary parts both uniform)."""
    if d.category == _dt.COMPLEX:
        real = d.to_real().np
        return (gen.random(shape, dtype=real) + 1j * gen.random(shape, dtype=real)).astype(d.np)
    if d in (_dt.float32, _dt.float64):
        return gen.random(shape, dtype=d.np)
    q = _GRID[d.name]
    return (xp.floor(gen.random(shape) / q) * q).astype(d.np)


def _normal(gen, shape, d):
    """N(0, 1) samples of dtype d (complex: each part has variance 1/2)."""
    if d.category == _dt.COMPLEX:
        real = d.to_real().np
        z = gen.standard_normal(shape, dtype=real) + 1j * gen.standard_normal(shape, dtype=real)
        return (z * math.sqrt(0.5)).astype(d.np)
    if d in (_dt.float32, _dt.float64):
        return gen.standard_normal(shape, dtype=d.np)
    return gen.standard_normal(shape, dtype=xp.float32).astype(d.np)


class _ZeroGrad(engine.Node):
    """A sampling node: forward hands back the sample drawn by the caller; no input gets a
    gradient through it (torch returns zeros)."""

    def forward(self, *arrays):
        return arrays[-1]

    def backward(self, grad):
        return tuple(grad * 0 if edge[0] is not None else None
                     for edge in self.next_functions)


class NormalBackward1(_ZeroGrad):
    """normal(mean tensor, std number)."""


class NormalBackward2(_ZeroGrad):
    """normal(mean number, std tensor)."""


class NormalBackward3(_ZeroGrad):
    """normal(mean tensor, std tensor)."""


class BernoulliBackward0(_ZeroGrad):
    """bernoulli(probabilities)."""


class PoissonBackward0(_ZeroGrad):
    """poisson(rates)."""


def _sampled(cls, inputs, sample):
    """`sample` as the output of node `cls` over `inputs` (recorded when one needs grad)."""
    return engine.execute(cls, inputs, tuple(t._data for t in inputs) + (sample,))


def _gen(generator):
    return _random.stream(generator)


@export
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False, **kw):
    """Samples from the uniform distribution on [0, 1)."""
    shape = _sizes(size, _size_kw(kw, "rand"), "rand")
    d = _factory_dtype(dtype, out)
    _check_float(d, "check_uniform_bounds")
    return _result(_uniform(_gen(generator), shape, d), d, requires_grad, device, out, "rand")


@export
def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False, **kw):
    """Samples from the standard normal distribution."""
    shape = _sizes(size, _size_kw(kw, "randn"), "randn")
    d = _factory_dtype(dtype, out)
    _check_float(d, "normal_kernel_cpu")
    return _result(_normal(_gen(generator), shape, d), d, requires_grad, device, out, "randn")


def _int_bound(v, name):
    if isinstance(v, engine.Tensor):
        v = v.item()
    if isinstance(v, bool) or not isinstance(v, (int, xp.integer)):
        raise TypeError(f"randint(): argument '{name}' must be int, not {type(v).__name__}")
    v = int(v)
    if not -2 ** 63 <= v < 2 ** 63:
        raise ValueError("Overflow when unpacking long long")
    return v


def _random_range(low, high, d, gen, shape):
    """Integers uniform in [low, high) as dtype d, after torch's bound checks for d."""
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    if d.category in (_dt.BOOL, _dt.INT):
        info = None if d is _dt.bool else xp.iinfo(d.np)
        lo, hi = (0, 1) if info is None else (int(info.min), int(info.max))
    else:
        hi = float(_dt.finfo(d).max)
        lo = -hi
    cname = _c_type_name(d)
    if not lo <= low <= hi:
        raise RuntimeError(f"from is out of bounds for {cname}")
    if not lo <= high - 1 <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {cname}")
    return gen.integers(low, high, shape, dtype=xp.int64).astype(d.np)


def _c_type_name(d):
    return {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short",
            "int32": "int", "int64": "long", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "float32": "float", "float64": "double"}[d.name]


@export
def randint(low=None, high=None, size=None, *, generator=None, out=None, dtype=None,
            layout=None, device=None, requires_grad=False, pin_memory=False):
    """Integers drawn uniformly from [low, high): `randint(high, size)` or
    `randint(low, high, size)`; int64 unless `dtype` says otherwise."""
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    if low is None:
        low = 0
    if high is None or size is None:
        raise TypeError("randint() received an invalid combination of arguments: it takes "
                        "(high, size) or (low, high, size)")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' must be tuple of ints, not "
                        f"{type(size).__name__}")
    low, high = _int_bound(low, "low"), _int_bound(high, "high")
    shape = _sizes(size, None, "randint", seq=True)
    d = _factory_dtype(dtype, out, _dt.int64)
    data = _random_range(low, high, d, _gen(generator), shape)
    return _result(data, d, requires_grad, device, out, "randint")


@export
def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None, generator=None):
    """Uniform [0, 1) samples with input's shape, layout and dtype."""
    d = _like_dtype(input, dtype)
    _check_float(d, "check_uniform_bounds")
    data = _like_array(input, d, None, memory_format)
    data[...] = _uniform(_gen(generator), data.shape, d)
    return _finish(data, d, requires_grad, device)


@export
def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None, generator=None):
    """Standard normal samples with input's shape, layout and dtype."""
    d = _like_dtype(input, dtype)
    _check_float(d, "normal_kernel_cpu")
    data = _like_array(input, d, None, memory_format)
    data[...] = _normal(_gen(generator), data.shape, d)
    return _finish(data, d, requires_grad, device)


@export
def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None, generator=None):
    """Integers from [low, high) (`randint_like(input, high)` or `(input, low, high)`) with
    input's shape, layout and dtype."""
    if high is None:
        low, high = 0, low
    d = _like_dtype(input, dtype)
    data = _like_array(input, d, None, memory_format)
    data[...] = _random_range(_int_bound(low, "low"), _int_bound(high, "high"), d,
                              _gen(generator), data.shape)
    return _finish(data, d, requires_grad, device)


@export
def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of 0, ..., n-1 (int64 unless `dtype` says otherwise)."""
    n = _int_bound(n, "n")
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    d = _factory_dtype(dtype, out, _dt.int64)
    if n and d.category != _dt.BOOL:
        _fill_value(n - 1, d)  # torch's overflow check on the largest value
    data = _gen(generator).permutation(n).astype(d.np)
    return _result(data, d, requires_grad, device, out, "randperm")


@export
def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False, pin_memory=False):
    """Normal samples: elementwise from broadcast mean/std tensors (either may be a number),
    or `size` samples of N(mean, std) when both are numbers."""
    gen = _gen(generator)
    tm, ts = isinstance(mean, engine.Tensor), isinstance(std, engine.Tensor)
    if tm or ts:
        if ts:
            if std.dtype.category >= _dt.FLOAT and (std._data < 0).any():
                raise RuntimeError("normal expects all elements of std >= 0.0")
        elif std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
        d = mean.dtype if not ts else std.dtype if not tm else \
            _dt.promote_types(mean.dtype, std.dtype)
        _check_float(d, "normal_kernel_cpu")
        m = mean._data if tm else mean
        s = std._data if ts else std
        from ember._ops._util import broadcast_shapes
        shape = broadcast_shapes(xp.shape(m), xp.shape(s))
        sample = (_normal(gen, shape, d) * s + m).astype(d.np)
        cls, inputs = (NormalBackward3, (mean, std)) if tm and ts else \
            (NormalBackward1, (mean,)) if tm else (NormalBackward2, (std,))
        r = _sampled(cls, inputs, sample)
        return r if out is None else _result(r._data, d, False, None, out, "normal")
    if size is None:
        raise TypeError("normal() received an invalid combination of arguments: with number "
                        "mean and std, `size` is required")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    d = _factory_dtype(dtype, out)
    _check_float(d, "normal_kernel_cpu")
    shape = _sizes(size, None, "normal", seq=True)
    sample = (_normal(gen, shape, d) * std + mean).astype(d.np)
    return _result(sample, d, requires_grad, device, out, "normal")


def _probabilities(p):
    if ((p < 0) | (p > 1)).any() or xp.isnan(p).any():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")


@export
def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples, 1 with the probability in each element of input (or with probability p),
    in input's dtype."""
    _check_float(input.dtype, "bernoulli_tensor_cpu_p_" if p is None else "bernoulli_scalar_cpu_")
    gen = _gen(generator)
    if p is None:
        _probabilities(input._data)
        sample = (gen.random(input._data.shape) < input._data).astype(input.dtype.np)
        r = _sampled(BernoulliBackward0, (input,), sample)
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        r = make((gen.random(input._data.shape) < p).astype(input.dtype.np), input.dtype)
    return r if out is None else _result(r._data, r.dtype, False, None, out, "bernoulli")


@export
def poisson(input, generator=None):
    """Samples from Poisson distributions with the rates in input (input's dtype)."""
    _check_float(input.dtype, "poisson_cpu")
    if (input._data < 0).any():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    sample = _gen(generator).poisson(input._data).astype(input.dtype.np)
    return _sampled(PoissonBackward0, (input,), sample)


def _multinomial_error(rows, bad, empty, replacement):
    """torch's error for an invalid distribution: one check of the whole tensor without
    replacement (or for a single sample); with replacement, row by row, entry by entry, then
    the row's sum."""
    if not replacement:
        if bad.any():
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    else:
        r = int(xp.argmax(bad.any(axis=1) | empty))
        if bad[r].any():
            val = rows[r, int(xp.argmax(bad[r]))]
            if not val >= 0:
                raise RuntimeError(
                    "invalid multinomial distribution (encountering probability entry < 0)")
            raise RuntimeError("invalid multinomial distribution (encountering probability "
                               "entry = infinity or NaN)")
    raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")


@export
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Category indices (int64) drawn from the unnormalised distributions in the rows of
    input, with or without replacement."""
    if input.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_tname(input.dtype)}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    probs = input._data.astype(xp.float64)
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    rows = probs.reshape(-1, probs.shape[-1])
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    bad = ~(rows >= 0) | ~xp.isfinite(rows)
    empty = ~(rows.sum(axis=1) > 0)
    if bad.any() or empty.any():
        _multinomial_error(rows, bad, empty, replacement and num_samples > 1)
    gen = _gen(generator)
    if replacement:
        cdf = xp.cumsum(rows, axis=1)
        cdf /= cdf[:, -1:]
        u = gen.random((rows.shape[0], num_samples))
        res = xp.stack([xp.searchsorted(c, x, side="right") for c, x in zip(cdf, u)])
        res = xp.minimum(res, rows.shape[1] - 1)
    else:
        # p / Exp(1) keys: their top k is an exact draw without replacement
        keys = rows / gen.exponential(1.0, rows.shape)
        res = xp.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    res = res.astype(xp.int64).reshape(probs.shape[:-1] + (num_samples,))
    return _result(res, _dt.int64, False, None, out, "multinomial") if out is not None \
        else make(res)


# in-place random fills -------------------------------------------------------------------

class UniformBackward0(_ZeroGrad):
    pass


class NormalBackward0(_ZeroGrad):
    pass


class RandomBackward0(_ZeroGrad):
    """random_(from, to)."""


class RandomBackward1(_ZeroGrad):
    """random_(to)."""


class RandomBackward2(_ZeroGrad):
    """random_()."""


class BernoulliBackward1(_ZeroGrad):
    """bernoulli_(tensor p)."""


class BernoulliBackward2(_ZeroGrad):
    """bernoulli_(number p)."""


class ExponentialBackward0(_ZeroGrad):
    pass


class GeometricBackward0(_ZeroGrad):
    pass


class LogNormalBackward0(_ZeroGrad):
    pass


class CauchyBackward0(_ZeroGrad):
    pass


def _fill_from(self, data, cls, others=()):
    """Write `data` into self in place; with grad recording, through node `cls` (whose inputs
    are self and the tensor arguments `others`)."""
    from ember._ops.elementwise import _write, check_inplace, inplace_from
    check_inplace(self)
    data = data.astype(self.dtype.np, copy=False)
    if engine.GRAD.enabled and self._requires_grad:
        inputs = (self,) + tuple(others)
        arrays = tuple(t._data for t in inputs) + (data,)
        return inplace_from(self, engine.execute(cls, inputs, arrays))
    _write(self, data)
    self._bump_version()
    return self


@export(function=False)
def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kw):
    """Fill with samples from the uniform distribution on [from, to)."""
    from_ = kw.pop("from", from_)
    _check_float(self.dtype, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={from_:g} > to={to:g}")
    u = _uniform(_gen(generator), self._data.shape, self.dtype)
    return _fill_from(self, from_ + (to - from_) * u, UniformBackward0)


@export(function=False)
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples from N(mean, std**2)."""
    _check_float(self.dtype, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    sample = _normal(_gen(generator), self._data.shape, self.dtype) * std + mean
    return _fill_from(self, sample, NormalBackward0)


@export(function=False)
def random_(self, *args, generator=None, **kw):
    """Fill with integers uniform in [from, to): `random_()` spans [0, the largest integer the
    dtype holds exactly], `random_(to)` is [0, to), `random_(from, None)` runs from `from` to
    that largest integer."""
    if "from" in kw:
        args = (kw.pop("from"),) + args
    if "to" in kw:
        args = (args[0] if args else 0, kw.pop("to"))
    if kw:
        raise TypeError(f"random_() got an unexpected keyword argument '{next(iter(kw))}'")
    if self.dtype.category == _dt.COMPLEX:
        _no_kernel("random_kernel_cpu", self.dtype)
    d = self.dtype
    if d.category == _dt.FLOAT:
        top = 2 ** {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}[d.name]
    else:
        top = 1 if d is _dt.bool else int(xp.iinfo(d.np).max)
    gen = _gen(generator)
    if len(args) == 2 and args[1] is not None:
        data, cls = _random_range(int(args[0]), int(args[1]), d, gen, self._data.shape), \
            RandomBackward0
    elif len(args) == 1:
        data, cls = _random_range(0, int(args[0]), d, gen, self._data.shape), RandomBackward1
    else:
        low = int(args[0]) if args else 0
        data = gen.integers(low, top, self._data.shape, dtype=xp.int64, endpoint=True)
        cls = RandomBackward2 if not args else RandomBackward0
    return _fill_from(self, data, cls)


@export(function=False)
def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 0/1 samples that are 1 with probability p (a number or a tensor of
    probabilities broadcast to self's shape)."""
    gen = _gen(generator)
    if isinstance(p, engine.Tensor):
        _check_float(p.dtype, "bernoulli_tensor_cpu_p_")
        _probabilities(p._data)
        try:
            probs = xp.broadcast_to(p._data, self._data.shape)
        except ValueError:
            raise RuntimeError(f"The expanded size of the tensor ({list(self.shape)}) must "
                               f"match the existing size ({list(p.shape)})") from None
        return _fill_from(self, gen.random(self._data.shape) < probs, BernoulliBackward1, (p,))
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return _fill_from(self, gen.random(self._data.shape) < p, BernoulliBackward2)


def _continuous(self, name):
    if self.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{_tname(self.dtype)}")


@export(function=False)
def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with samples from the exponential distribution of rate lambd."""
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    _continuous(self, "Exponential")
    sample = _gen(generator).exponential(1.0 / lambd, self._data.shape)
    return _fill_from(self, sample, ExponentialBackward0)


@export(function=False)
def geometric_(self, p, *, generator=None):
    """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
    if self.dtype is _dt.bool or self.dtype.category == _dt.COMPLEX:
        _no_kernel("geometric_cpu", self.dtype)
    return _fill_from(self, _gen(generator).geometric(p, self._data.shape), GeometricBackward0)


@export(function=False)
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with exp(N(mean, std**2)) samples."""
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
    if self.dtype.category != _dt.FLOAT:
        _no_kernel("log_normal_cpu", self.dtype)
    sample = _gen(generator).lognormal(mean, std, self._data.shape)
    return _fill_from(self, sample, LogNormalBackward0)


@export(function=False)
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with samples from the Cauchy distribution at median with scale sigma."""
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma:g}")
    if self.dtype.category != _dt.FLOAT:
        raise RuntimeError("Cauchy distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{_c_type_name(self.dtype).replace('long', 'long int')}")
    sample = median + sigma * _gen(generator).standard_cauchy(self._data.shape)
    return _fill_from(self, sample, CauchyBackward0)


# --- seeding ----------------------------------------------------------------------------------

def manual_seed(seed):
    """Seed the default generator (any int in [-2**63, 2**64)); returns it."""
    return _random.default_generator.manual_seed(seed)


def seed():
    """Seed the default generator from OS entropy; returns the seed."""
    return _random.default_generator.seed()


def initial_seed():
    """The seed the default generator was last reset with."""
    return _random.default_generator.initial_seed()


def get_rng_state():
    """The default generator's state as a uint8 tensor (give it to set_rng_state)."""
    return _random.default_generator.get_state()


def set_rng_state(new_state):
    """Restore the default generator's state from get_rng_state()."""
    _random.default_generator.set_state(new_state)


# --- binomial ----------------------------------------------------------------------------------

@export(method=False)
def binomial(count, prob, generator=None):
    """Draws from Binomial(count, prob), elementwise (float result, not differentiable)."""
    if count.dtype.category != _dt.FLOAT or prob.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"\"binomial_cpu\" not implemented for '{_dt_name(count.dtype)}'")
    n, p = xp.broadcast_arrays(count._data.astype(xp.int64), prob._data.astype(xp.float64))
    draws = _random.stream(generator).binomial(n, xp.clip(p, 0, 1))
    return make(draws.astype(count.dtype.np), count.dtype)
