"""Reductions over dims (sum, mean, prod, max/min, std/var, norm, logsumexp, ...), scans
(cumsum, cumprod, cummax) and softmax / log_softmax."""
import builtins
import collections

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops._util import make, wrap_dim, wrap_dims
from ember._ops.engine import Node, execute
from ember._ops.registry import export

ndarray = xp.ndarray
_FLOAT = _dt.FLOAT


def return_type(name, fields):
    """A named tuple printed as torch's `torch.return_types.<name>(values=..., indices=...)`."""
    base = collections.namedtuple(name, fields)

    def __repr__(self):
        inner = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"ember.return_types.{name}(\n{inner})"

    cls = type(name, (base,), {"__repr__": __repr__, "__str__": __repr__, "__slots__": (),
                               "__module__": "ember.return_types"})
    return cls


_MINMAX = {n: return_type(n, ("values", "indices")) for n in
           ("max", "min", "median", "nanmedian", "mode", "kthvalue", "sort", "topk", "cummax",
            "cummin", "aminmax")}
_MINMAX["aminmax"] = return_type("aminmax", ("min", "max"))


def _dims(input, dim):
    return wrap_dims(dim, input._data.ndim) if dim is not None else None


def _restore(grad, in_shape, dims, keepdim):
    """Bring a reduced gradient back to broadcastable form (re-insert reduced dims)."""
    if dims is None or keepdim or not in_shape:
        return grad
    for d in dims:
        grad = grad.unsqueeze(d)
    return grad


def _sum_dtype(input, dtype):
    if dtype is not None:
        return _dt.to_dtype(dtype)
    return _dt.int64 if input.dtype.category < _FLOAT else input.dtype


class SumBackward0(Node):
    def forward(self, a, dtype):
        self.in_shape = a.shape
        return xp.sum(a, dtype=dtype.np) if a.dtype != dtype.np else a.sum()

    def backward(self, grad):
        return grad.expand(self.in_shape)


class SumBackward1(Node):
    def forward(self, a, dims, keepdim, dtype):
        self.in_shape, self.dims, self.keepdim = a.shape, dims, keepdim
        return xp.sum(a, axis=dims, keepdims=keepdim, dtype=dtype.np)

    def backward(self, grad):
        return _restore(grad, self.in_shape, self.dims, self.keepdim).expand(self.in_shape)


@export
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum of all elements, or over `dim` (int or tuple); ints and bools sum to int64."""
    dt = _sum_dtype(input, dtype)
    if dim is None:
        return execute(SumBackward0, (input,), (input._data,), (dt,))
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        dims = tuple(range(input._data.ndim))
    else:
        dims = _dims(input, dim)
    return execute(SumBackward1, (input,), (input._data,), (dims, keepdim, dt))


class NansumBackward0(Node):
    saves = (0,)

    def forward(self, a, dims, keepdim, dtype):
        self.in_shape, self.dims, self.keepdim = a.shape, dims, keepdim
        return xp.nansum(a, axis=dims, keepdims=keepdim, dtype=dtype.np)

    def backward(self, grad):
        x, = self.saved()
        g = _restore(grad, self.in_shape, self.dims, self.keepdim).expand(self.in_shape)
        return g * ~x.isnan()


@export
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum treating NaN as zero."""
    return execute(NansumBackward0, (input,), (input._data,),
                   (_dims(input, dim), keepdim, _sum_dtype(input, dtype)))


def _mean_check(input, dtype):
    dt = _dt.to_dtype(dtype) if dtype is not None else input.dtype
    if dt.category < _FLOAT:
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           "floating point or complex dtype. Got: "
                           f"{_scalar_name(input.dtype)}")
    return dt


def _scalar_name(d):
    from ember._ops.elementwise import _scalar_type_name
    return _scalar_type_name(d)


class MeanBackward0(Node):
    def forward(self, a, dtype):
        self.in_shape, self.n = a.shape, a.size
        return xp.mean(a, dtype=dtype.np) if a.dtype == dtype.np else xp.mean(a.astype(dtype.np))

    def backward(self, grad):
        return (grad / self.n).expand(self.in_shape)


class MeanBackward1(Node):
    def forward(self, a, dims, keepdim, dtype):
        self.in_shape, self.dims, self.keepdim = a.shape, dims, keepdim
        n = 1
        for d in dims:
            n *= a.shape[d]
        self.n = n
        return xp.mean(a.astype(dtype.np, copy=False), axis=dims, keepdims=keepdim)

    def backward(self, grad):
        g = _restore(grad, self.in_shape, self.dims, self.keepdim)
        return (g / self.n).expand(self.in_shape)


@export
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Arithmetic mean of all elements or over `dim` (floating or complex inputs only)."""
    dt = _mean_check(input, dtype)
    if dim is None:
        return execute(MeanBackward0, (input,), (input._data,), (dt,))
    dims = _dims(input, dim) if not (isinstance(dim, (list, tuple)) and len(dim) == 0) \
        else tuple(range(input._data.ndim))
    return execute(MeanBackward1, (input,), (input._data,), (dims, keepdim, dt))


@export
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean ignoring NaN."""
    not_nan = ~input.isnan()
    return nansum(input, dim, keepdim) / not_nan.sum(dim, keepdim).to(input.dtype)


class ProdBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a, dtype):
        return xp.prod(a, dtype=dtype.np)

    def backward(self, grad):
        x, r = self.saved()
        return _prod_grad(grad, x, r, None, False)


class ProdBackward1(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a, dim, keepdim, dtype):
        self.dim, self.keepdim = dim, keepdim
        return xp.prod(a, axis=dim, keepdims=keepdim, dtype=dtype.np)

    def backward(self, grad):
        x, r = self.saved()
        return _prod_grad(grad, x, r, self.dim, self.keepdim)


def _prod_grad(grad, x, result, dim, keepdim):
    dims = None if dim is None else (dim,)
    g = _restore(grad, x.shape, dims, keepdim)
    r = _restore(result, x.shape, dims, keepdim)
    zero = x == 0
    if not bool(zero.any()):
        return g * (r / x).conj()
    # with zeros: product of the others, computed by exclusive cumulative products
    if dim is None:
        flat = x.reshape(-1)
        others = _exclusive_prod(flat, 0).reshape(x.shape)
    else:
        others = _exclusive_prod(x, dim)
    return g * others.conj()


def _exclusive_prod(x, dim):
    ones = x.narrow(dim, 0, 1) * 0 + 1
    left = x.narrow(dim, 0, x.shape[dim] - 1).cumprod(dim)
    from ember._ops.shape import cat
    left = cat([ones, left], dim)
    rev = x.flip(dim)
    right = rev.narrow(dim, 0, x.shape[dim] - 1).cumprod(dim)
    right = cat([ones, right], dim).flip(dim)
    return left * right


@export
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product of all elements or over one dim."""
    dt = _sum_dtype(input, dtype)
    if dim is None:
        return execute(ProdBackward0, (input,), (input._data,), (dt,))
    return execute(ProdBackward1, (input,), (input._data,),
                   (wrap_dim(dim, input._data.ndim), keepdim, dt))


# --- max / min ------------------------------------------------------------------------------

def _evenly(grad, x, result, dims, keepdim):
    # ties share the gradient equally, as torch's amax/amin and full max/min do
    r = _restore(result, x.shape, dims, keepdim)
    g = _restore(grad, x.shape, dims, keepdim)
    mask = (x == r)
    count = mask.sum(dim=dims, keepdim=True) if dims is not None else mask.sum()
    return g * mask / count


class MaxBackward1(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a):
        _check_nonempty(a, "max")
        return _nan_extreme(a, xp.max)

    def backward(self, grad):
        x, r = self.saved()
        return _evenly(grad, x, r, None, False)


class MinBackward1(MaxBackward1):
    def forward(self, a):
        _check_nonempty(a, "min")
        return _nan_extreme(a, xp.min)


def _nan_extreme(a, fn, axis=None, keepdims=False):
    return fn(a, axis=axis, keepdims=keepdims)


def _check_nonempty(a, name):
    if a.size == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                           "== 0. Specify the reduction dim with the 'dim' argument.")


class MaxBackward0(Node):
    def forward(self, a, dim, keepdim):
        self.in_shape, self.dim, self.keepdim = a.shape, dim, keepdim
        if a.shape and a.shape[dim] == 0:
            raise IndexError(f"max(): Expected reduction dim {dim} to have non-zero size.")
        idx = _argext(a, dim, True)
        vals = xp.take_along_axis(a, idx, axis=dim) if a.ndim else a
        self.idx = idx
        if not keepdim and a.ndim:
            vals, idx = xp.squeeze(vals, dim), xp.squeeze(idx, dim)
        return vals, idx

    def backward(self, grad, _):
        from ember._ops.indexing import _scatter_into_zeros
        g = grad if self.keepdim or not self.in_shape else grad.unsqueeze(self.dim)
        return _scatter_into_zeros(g, self.dim, make(self.idx), self.in_shape)


class MinBackward0(MaxBackward0):
    def forward(self, a, dim, keepdim):
        self.in_shape, self.dim, self.keepdim = a.shape, dim, keepdim
        if a.shape and a.shape[dim] == 0:
            raise IndexError(f"min(): Expected reduction dim {dim} to have non-zero size.")
        idx = _argext(a, dim, False)
        vals = xp.take_along_axis(a, idx, axis=dim) if a.ndim else a
        self.idx = idx
        if not keepdim and a.ndim:
            vals, idx = xp.squeeze(vals, dim), xp.squeeze(idx, dim)
        return vals, idx


def _argext(a, dim, is_max):
    """Index of the first max/min along dim, NaN counting as the extreme (as torch)."""
    if a.ndim == 0:
        return xp.zeros((), xp.int64)
    if a.dtype.kind in "fc":
        nan = xp.isnan(a)
        if nan.any():
            return xp.expand_dims(xp.argmax(nan, axis=dim), dim).astype(xp.int64) * 1 + \
                xp.expand_dims(xp.where(nan.any(axis=dim), 0, (xp.argmax if is_max else xp.argmin)(
                    xp.where(nan, 0, a), axis=dim)), dim)
    f = xp.argmax if is_max else xp.argmin
    src = a.astype(xp.uint8) if a.dtype == xp.bool_ else a
    return xp.expand_dims(f(src, axis=dim), dim).astype(xp.int64)


def _max_min(input, dim, keepdim, other, is_max, name):
    if isinstance(dim, type(input)) or (other is not None):
        from ember._ops.elementwise import maximum, minimum
        o = dim if other is None else other
        return maximum(input, o) if is_max else minimum(input, o)
    if dim is None:
        return execute(MaxBackward1 if is_max else MinBackward1, (input,), (input._data,))
    d = wrap_dim(dim, input._data.ndim)
    vals, idx = execute(MaxBackward0 if is_max else MinBackward0, (input,), (input._data,),
                        (d, keepdim))
    return _MINMAX[name](vals, idx)


@export
def max(input, dim=None, keepdim=False, *, out=None, other=None):
    """Largest element; with `dim`, the named tuple (values, indices) along it; with a
    tensor as second argument, the elementwise maximum."""
    return _max_min(input, dim, keepdim, other, True, "max")


@export
def min(input, dim=None, keepdim=False, *, out=None, other=None):
    """Smallest element; with `dim`, the named tuple (values, indices) along it."""
    return _max_min(input, dim, keepdim, other, False, "min")


class AmaxBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a, dims, keepdim):
        self.dims, self.keepdim = dims, keepdim
        return xp.max(a, axis=dims, keepdims=keepdim)

    def backward(self, grad):
        x, r = self.saved()
        return _evenly(grad, x, r, self.dims, self.keepdim)


class AminBackward0(AmaxBackward0):
    def forward(self, a, dims, keepdim):
        self.dims, self.keepdim = dims, keepdim
        return xp.min(a, axis=dims, keepdims=keepdim)


@export
def amax(input, dim=(), keepdim=False):
    """Maximum over dims (all when empty); gradient shared evenly among ties."""
    dims = wrap_dims(dim, input._data.ndim) if dim != () else tuple(range(input._data.ndim))
    return execute(AmaxBackward0, (input,), (input._data,), (dims, keepdim))


@export
def amin(input, dim=(), keepdim=False):
    """Minimum over dims (all when empty); gradient shared evenly among ties."""
    dims = wrap_dims(dim, input._data.ndim) if dim != () else tuple(range(input._data.ndim))
    return execute(AminBackward0, (input,), (input._data,), (dims, keepdim))


@export
def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) named tuple over all elements or one dim."""
    if dim is None:
        return _MINMAX["aminmax"](amin(input), amax(input))
    return _MINMAX["aminmax"](amin(input, dim, keepdim), amax(input, dim, keepdim))


@export
def argmax(input, dim=None, keepdim=False):
    """Index of the largest element (flattened when dim is None)."""
    if dim is None:
        return make(_argext(input._data.reshape(-1), 0, True).reshape(()))
    d = wrap_dim(dim, input._data.ndim)
    idx = _argext(input._data, d, True)
    return make(idx if keepdim or not input._data.ndim else xp.squeeze(idx, d))


@export
def argmin(input, dim=None, keepdim=False):
    """Index of the smallest element (flattened when dim is None)."""
    if dim is None:
        return make(_argext(input._data.reshape(-1), 0, False).reshape(()))
    d = wrap_dim(dim, input._data.ndim)
    idx = _argext(input._data, d, False)
    return make(idx if keepdim or not input._data.ndim else xp.squeeze(idx, d))


# --- statistics -----------------------------------------------------------------------------

def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


class VarBackward0(Node):
    saves = (0,)

    def forward(self, a, dims, correction, keepdim):
        self.dims, self.correction, self.keepdim = dims, correction, keepdim
        return _var(a, dims, correction, keepdim)

    def backward(self, grad):
        x, = self.saved()
        return _var_grad(grad, x, self.dims, self.correction, self.keepdim)


def _var(a, dims, correction, keepdim):
    n = 1
    for d in (dims if dims is not None else range(a.ndim)):
        n *= a.shape[d]
    m = xp.mean(a, axis=dims, keepdims=True)
    dev = a - m
    sq = (dev * xp.conj(dev)).real if a.dtype.kind == "c" else dev * dev
    with xp.errstate(divide="ignore", invalid="ignore"):
        return xp.sum(sq, axis=dims, keepdims=keepdim) / builtins.max(n - correction, 0)


def _var_grad(grad, x, dims, correction, keepdim):
    n = 1
    for d in (dims if dims is not None else range(x.ndim)):
        n *= x.shape[d]
    g = _restore(grad, x.shape, dims, keepdim)
    m = x.mean(dim=dims, keepdim=True) if dims is not None else x.mean()
    return g * (x - m) * (2.0 / (n - correction))


class StdBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a, dims, correction, keepdim):
        self.dims, self.correction, self.keepdim = dims, correction, keepdim
        return xp.sqrt(_var(a, dims, correction, keepdim))

    def backward(self, grad):
        x, r = self.saved()
        r = _restore(r, x.shape, self.dims, self.keepdim)
        g = _restore(grad, x.shape, self.dims, self.keepdim)
        return _var_grad(g / (r * 2), x, self.dims, self.correction, True)


def _stat(cls, input, dim, unbiased, keepdim, correction):
    if input.dtype.category < _FLOAT:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    dims = _dims(input, dim) if dim is not None else None
    return execute(cls, (input,), (input._data,), (dims, _correction(unbiased, correction),
                                                   keepdim))


@export
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance with Bessel's correction by default (`correction=1`)."""
    return _stat(VarBackward0, input, dim, unbiased, keepdim, correction)


@export
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation with Bessel's correction by default."""
    return _stat(StdBackward0, input, dim, unbiased, keepdim, correction)


_VAR_MEAN = return_type("var_mean", ("var", "mean"))


@export
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over the same dims."""
    v = var(input, dim, unbiased, keepdim, correction=correction)
    m = mean(input, dim if dim is not None and not isinstance(dim, bool) else None, keepdim)
    return (v, m)


@export
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over the same dims."""
    s = std(input, dim, unbiased, keepdim, correction=correction)
    m = mean(input, dim if dim is not None and not isinstance(dim, bool) else None, keepdim)
    return (s, m)


class LogsumexpBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a, dims, keepdim):
        self.dims, self.keepdim = dims, keepdim
        m = xp.max(a, axis=dims, keepdims=True) if a.size else xp.zeros((1,) * a.ndim, a.dtype)
        m = xp.where(xp.isfinite(m), m, 0)
        s = xp.log(xp.sum(xp.exp(a - m), axis=dims, keepdims=True)) + m
        return s if keepdim else xp.squeeze(s, dims)

    def backward(self, grad):
        x, r = self.saved()
        r = _restore(r, x.shape, self.dims, self.keepdim)
        g = _restore(grad, x.shape, self.dims, self.keepdim)
        return g * (x - r).exp()


@export
def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(input))) over dim, computed stably."""
    data = input._data if input.dtype.category >= _FLOAT else \
        input._data.astype(_dt.get_default_dtype().np)
    dims = wrap_dims(dim, input._data.ndim) if dim != () else tuple(range(input.ndim))
    return execute(LogsumexpBackward0, (input,), (data,), (dims, keepdim))


class LinalgVectorNormBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a, ord, dims, keepdim):
        self.ord, self.dims, self.keepdim = ord, dims, keepdim
        x = xp.absolute(a)
        if ord == 2:
            return xp.sqrt(xp.sum(x * x, axis=dims, keepdims=keepdim))
        if ord == float("inf"):
            return xp.max(x, axis=dims, keepdims=keepdim)
        if ord == float("-inf"):
            return xp.min(x, axis=dims, keepdims=keepdim)
        if ord == 0:
            return xp.sum(x != 0, axis=dims, keepdims=keepdim).astype(x.dtype)
        if ord == 1:
            return xp.sum(x, axis=dims, keepdims=keepdim)
        return xp.sum(x ** ord, axis=dims, keepdims=keepdim) ** (1.0 / ord)

    def backward(self, grad):
        x, r = self.saved()
        p = self.ord
        g = _restore(grad, x.shape, self.dims, self.keepdim)
        r = _restore(r, x.shape, self.dims, self.keepdim)
        if p == 0:
            return x * 0
        if p == 1:
            return g * x.sgn()
        if p == 2:
            from ember._ops.elementwise import where
            return g * where(r == 0, 0.0, x / where(r == 0, 1.0, r))
        if p in (float("inf"), float("-inf")):
            return _evenly(g, x.abs(), r, self.dims, True) * x.sgn()
        from ember._ops.elementwise import where
        scale = x.abs().pow(p - 2) * x / where(r == 0, 1.0, r).pow(p - 1)
        return g * where(r == 0, 0.0, scale)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The `ord`-norm of x flattened, or over `dim`."""
    if x.dtype.category < _FLOAT:
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_scalar_name(x.dtype)}")
    if dtype is not None:
        x = x.to(dtype)
    dims = wrap_dims(dim, x._data.ndim) if dim is not None else None
    if dims is None:
        out = execute(LinalgVectorNormBackward0, (x,), (x._data,), (ord, None, False))
        if keepdim:
            out = out.reshape((1,) * x._data.ndim)
        return out
    return execute(LinalgVectorNormBackward0, (x,), (x._data,), (ord, dims, keepdim))


@export
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """The vector p-norm (Frobenius / 2-norm by default) of input or over dim."""
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":
        from ember.linalg import matrix_norm
        return matrix_norm(input, "nuc", dim if dim is not None else (-2, -1), keepdim)
    if isinstance(dim, int):
        dim = (dim,)
    return vector_norm(input, p, dim, keepdim, dtype=dtype)


@export(function=False)
def dist(self, other, p=2):
    return norm(self - other, p)


# --- boolean reductions and counting -------------------------------------------------------

@export
def all(input, dim=None, keepdim=False):
    """True if every element (over dim) is nonzero."""
    dims = _dims(input, dim) if dim is not None else None
    r = xp.all(input._data, axis=dims, keepdims=keepdim)
    return make(r, _dt.bool if input.dtype is not _dt.uint8 else _dt.uint8)


@export
def any(input, dim=None, keepdim=False):
    """True if any element (over dim) is nonzero."""
    dims = _dims(input, dim) if dim is not None else None
    r = xp.any(input._data, axis=dims, keepdims=keepdim)
    return make(r, _dt.bool if input.dtype is not _dt.uint8 else _dt.uint8)


@export
def count_nonzero(input, dim=None):
    """Number of nonzero elements (over dim)."""
    dims = _dims(input, dim) if dim is not None else None
    return make(xp.asarray(xp.count_nonzero(input._data, axis=dims), dtype=xp.int64))


@export
def bincount(input, weights=None, minlength=0):
    """Count of each value in a 1-D non-negative int tensor (weighted when weights given)."""
    if input._data.ndim != 1 or input.dtype.category != _dt.INT:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if input._data.size and input._data.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    w = None if weights is None else weights._data
    r = xp.bincount(input._data, weights=w, minlength=minlength)
    if weights is None:
        return make(r.astype(xp.int64))
    return make(r.astype(weights._data.dtype if weights.dtype.category >= _FLOAT else
                         xp.float64))


@export
def histc(input, bins=100, min=0, max=0):
    """Histogram with `bins` equal-width bins over [min, max] (data range when both 0)."""
    data = input._data
    lo, hi = float(min), float(max)
    if lo == hi and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    keep = data[(data >= lo) & (data <= hi)]
    counts, _ = xp.histogram(keep, bins=bins, range=(lo, hi))
    return make(counts.astype(data.dtype))


# --- scans ----------------------------------------------------------------------------------

class CumsumBackward0(Node):
    def forward(self, a, dim, dtype):
        self.dim = dim
        return xp.cumsum(a, axis=dim, dtype=dtype.np) if a.ndim else a.astype(dtype.np)

    def backward(self, grad):
        if grad.ndim == 0:
            return grad
        return grad.flip(self.dim).cumsum(self.dim).flip(self.dim)


@export
def cumsum(input, dim, *, dtype=None):
    """Cumulative sum along dim."""
    d = wrap_dim(dim, input._data.ndim)
    return execute(CumsumBackward0, (input,), (input._data,), (d, _sum_dtype(input, dtype)))


@export(function=False)
def cumsum_(self, dim, *, dtype=None):
    from ember._ops.elementwise import check_inplace, inplace_from
    check_inplace(self)
    return inplace_from(self, cumsum(self, dim, dtype=dtype))


class CumprodBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a, dim, dtype):
        self.dim = dim
        return xp.cumprod(a, axis=dim, dtype=dtype.np) if a.ndim else a.astype(dtype.np)

    def backward(self, grad):
        x, r = self.saved()
        d = self.dim
        if x.ndim == 0:
            return grad
        if not bool((x == 0).any()):
            return (grad * r).flip(d).cumsum(d).flip(d) / x
        # exact path with zeros: d out_j / d x_i = prod_{k<=j, k!=i} x_k
        n = x.shape[d]
        parts = []
        for i in range(n):
            mask_shape = [1] * x.ndim
            mask_shape[d] = n
            from ember._ops.creation import arange
            idx = arange(n).reshape(mask_shape)
            y = x.clone() if False else x
            from ember._ops.elementwise import where
            y = where(idx == i, 1.0, x)
            cp = y.cumprod(d)
            cp = where(idx >= i, cp, 0.0)
            parts.append((grad * cp).sum(d, keepdim=True))
        from ember._ops.shape import cat
        return cat(parts, d)


@export
def cumprod(input, dim, *, dtype=None):
    """Cumulative product along dim."""
    d = wrap_dim(dim, input._data.ndim)
    return execute(CumprodBackward0, (input,), (input._data,), (d, _sum_dtype(input, dtype)))


class CummaxBackward0(Node):
    def forward(self, a, dim, is_max):
        self.in_shape, self.dim = a.shape, dim
        if a.ndim == 0:
            self.idx = xp.zeros((), xp.int64)
            return a.copy(), self.idx
        moved = xp.moveaxis(a, dim, -1)
        n = moved.shape[-1]
        vals = xp.empty_like(moved)
        idx = xp.empty(moved.shape, xp.int64)
        best = moved[..., 0].copy()
        best_i = xp.zeros(moved.shape[:-1], xp.int64)
        for i in range(n):
            cur = moved[..., i]
            better = (cur >= best) if is_max else (cur <= best)
            if moved.dtype.kind == "f":
                better = better | xp.isnan(cur)
                better = better & ~xp.isnan(best) | xp.isnan(cur)
            best = xp.where(better, cur, best)
            best_i = xp.where(better, i, best_i)
            vals[..., i] = best
            idx[..., i] = best_i
        vals, idx = xp.moveaxis(vals, -1, dim), xp.moveaxis(idx, -1, dim)
        self.idx = idx
        return vals, idx

    def backward(self, grad, _):
        from ember._ops.indexing import _scatter_add_into_zeros
        if grad.ndim == 0:
            return grad
        return _scatter_add_into_zeros(grad, self.dim, make(self.idx), self.in_shape)


class CumminBackward0(CummaxBackward0):
    pass


@export
def cummax(input, dim):
    """Running maximum along dim: named tuple (values, indices)."""
    d = wrap_dim(dim, input._data.ndim)
    v, i = execute(CummaxBackward0, (input,), (input._data,), (d, True))
    return _MINMAX["cummax"](v, i)


@export
def cummin(input, dim):
    """Running minimum along dim: named tuple (values, indices)."""
    d = wrap_dim(dim, input._data.ndim)
    v, i = execute(CumminBackward0, (input,), (input._data,), (d, False))
    return _MINMAX["cummin"](v, i)


@export
def logcumsumexp(input, dim):
    """log(cumsum(exp(input))) along dim, computed stably."""
    m = input.detach().amax(dim, keepdim=True)
    from ember._ops.elementwise import where
    m = where(m.isfinite(), m, 0.0)
    return (input - m).exp().cumsum(dim).log() + m


# --- median and mode ------------------------------------------------------------------------

class MedianBackward0(Node):
    saves = (0,)

    def forward(self, a):
        flat = a.reshape(-1)
        if xp.isnan(flat).any() if flat.dtype.kind == "f" else False:
            self.pos = int(xp.argmax(xp.isnan(flat)))
            return flat[self.pos].copy()
        order = xp.argsort(flat, kind="stable")
        self.pos = int(order[(flat.size - 1) // 2])
        return flat[self.pos].copy()

    def backward(self, grad):
        x, = self.saved()
        from ember._ops.indexing import _scatter_into_zeros
        from ember._ops.creation import tensor
        flat = _scatter_into_zeros(grad.reshape(1), 0, tensor([self.pos]), (x.numel(),))
        return flat.reshape(x.shape)


class MedianBackward1(Node):
    def forward(self, a, dim, keepdim):
        self.in_shape, self.dim, self.keepdim = a.shape, dim, keepdim
        if a.ndim == 0:
            self.idx = xp.zeros((), xp.int64)
            return a.copy(), self.idx
        order = xp.argsort(a, axis=dim, kind="stable")
        k = (a.shape[dim] - 1) // 2
        idx = xp.take(order, [k], axis=dim)
        if a.dtype.kind == "f":
            nan = xp.isnan(a)
            has = nan.any(axis=dim, keepdims=True)
            idx = xp.where(has, xp.expand_dims(xp.argmax(nan, axis=dim), dim), idx)
        vals = xp.take_along_axis(a, idx, axis=dim)
        self.idx = idx
        if not keepdim:
            vals, idx = xp.squeeze(vals, dim), xp.squeeze(idx, dim)
        return vals, idx

    def backward(self, grad, _):
        from ember._ops.indexing import _scatter_into_zeros
        if not self.in_shape:
            return grad
        g = grad if self.keepdim else grad.unsqueeze(self.dim)
        return _scatter_into_zeros(g, self.dim, make(self.idx), self.in_shape)


@export
def median(input, dim=None, keepdim=False):
    """Lower median of all elements, or (values, indices) along dim."""
    if dim is None:
        return execute(MedianBackward0, (input,), (input._data,))
    d = wrap_dim(dim, input._data.ndim)
    v, i = execute(MedianBackward1, (input,), (input._data,), (d, keepdim))
    return _MINMAX["median"](v, i)


@export
def nanmedian(input, dim=None, keepdim=False):
    """Median ignoring NaN."""
    if dim is None:
        flat = input.reshape(-1)
        keep = flat[~flat.isnan()]
        return median(keep) if keep.numel() else flat[0]
    r = median(input, dim, keepdim)
    return _MINMAX["nanmedian"](*r)


class ModeBackward0(MedianBackward1):
    def forward(self, a, dim, keepdim):
        self.in_shape, self.dim, self.keepdim = a.shape, dim, keepdim
        if a.ndim == 0:
            self.idx = xp.zeros((), xp.int64)
            return a.copy(), self.idx
        moved = xp.moveaxis(a, dim, -1)
        flat = moved.reshape(-1, moved.shape[-1])
        vals = xp.empty(flat.shape[0], a.dtype)
        idx = xp.empty(flat.shape[0], xp.int64)
        for r, row in enumerate(flat):
            u, counts = xp.unique(row, return_counts=True)
            v = u[xp.argmax(counts)]
            vals[r] = v
            idx[r] = xp.nonzero(row == v)[0][-1]
        shape = moved.shape[:-1]
        vals, idx = vals.reshape(shape), idx.reshape(shape)
        self.idx = xp.expand_dims(idx, dim)
        if keepdim:
            return xp.expand_dims(vals, dim), xp.expand_dims(idx, dim)
        return vals, idx


@export
def mode(input, dim=-1, keepdim=False):
    """Most frequent value along dim (the smallest on ties) and its last index."""
    d = wrap_dim(dim, input._data.ndim)
    v, i = execute(ModeBackward0, (input,), (input._data,), (d, keepdim))
    return _MINMAX["mode"](v, i)


@export
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """q-th quantiles (linear interpolation by default) of input or along dim."""
    from ember._ops.creation import tensor
    qt = q if hasattr(q, "_data") else tensor(q, dtype=input.dtype)
    r = xp.quantile(input._data if dim is not None else input._data.reshape(-1), qt._data,
                    axis=dim if dim is not None else 0, keepdims=keepdim,
                    method=interpolation)
    return make(xp.asarray(r).astype(input._data.dtype))


# --- softmax family -------------------------------------------------------------------------

class SoftmaxBackward0(Node):
    saves_result = True

    def forward(self, a, dim):
        self.dim = dim
        m = xp.max(a, axis=dim, keepdims=True) if a.size else a
        e = xp.exp(a - m)
        e /= xp.sum(e, axis=dim, keepdims=True)
        return e

    def backward(self, grad):
        y, = self.saved()
        gy = grad * y
        return gy - y * gy.sum(self.dim, keepdim=True)


class LogSoftmaxBackward0(Node):
    saves_result = True

    def forward(self, a, dim):
        self.dim = dim
        m = xp.max(a, axis=dim, keepdims=True) if a.size else a
        shifted = a - m
        return shifted - xp.log(xp.sum(xp.exp(shifted), axis=dim, keepdims=True))

    def backward(self, grad):
        y, = self.saved()
        return grad - y.exp() * grad.sum(self.dim, keepdim=True)


def _softmax_input(input, dim, dtype):
    if dtype is not None:
        input = input.to(dtype)
    if input.dtype.category < _FLOAT:
        raise RuntimeError(f"\"softmax_lastdim_kernel_impl\" not implemented for "
                           f"'{_scalar_name(input.dtype)}'")
    if dim is None:
        dim = 0 if input._data.ndim in (0, 1, 3) else 1
    return input, wrap_dim(dim, input._data.ndim) if input._data.ndim else 0


@export
def softmax(input, dim=None, dtype=None, *, _stacklevel=3):
    """exp(x) / sum(exp(x)) along dim, computed stably."""
    input, d = _softmax_input(input, dim, dtype)
    if input._data.ndim == 0:
        return execute(SoftmaxBackward0, (input,), (input._data.reshape(1),), (0,)).reshape(())
    return execute(SoftmaxBackward0, (input,), (input._data,), (d,))


@export
def log_softmax(input, dim=None, dtype=None, *, _stacklevel=3):
    """log(softmax(x)) along dim, computed stably."""
    input, d = _softmax_input(input, dim, dtype)
    if input._data.ndim == 0:
        return execute(LogSoftmaxBackward0, (input,), (input._data.reshape(1),),
                       (0,)).reshape(())
    return execute(LogSoftmaxBackward0, (input,), (input._data,), (d,))


@export
def softmin(input, dim=None, dtype=None):
    return softmax(-input, dim, dtype)


class DiffBackward(Node):
    pass


@export
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """n-th forward difference along dim (composed of slices and a subtraction, as torch)."""
    from ember._ops.shape import cat
    d = wrap_dim(dim, input._data.ndim)
    x = input
    if prepend is not None or append is not None:
        parts = ([prepend] if prepend is not None else []) + [x] + \
            ([append] if append is not None else [])
        x = cat(parts, d)
    for _ in range(n):
        length = x.shape[d]
        if x.dtype is _dt.bool:
            x = x.narrow(d, 1, length - 1) ^ x.narrow(d, 0, length - 1)
        else:
            x = x.narrow(d, 1, length - 1) - x.narrow(d, 0, length - 1)
    return x
