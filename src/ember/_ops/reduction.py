"""Reductions (sum, mean, prod, max/min, var/std, norm, logsumexp, ...), scans (cumsum,
cumprod, cummax, logcumsumexp), order statistics (median, mode, quantile) and the softmax
family.

A whole-tensor reduction and a reduction over dims are separate nodes where torch has two
(`SumBackward0` / `SumBackward1`). Ops that pick one element per slice (max over a dim,
median, mode, and sort/topk in sorting.py) keep the picked indices and scatter the gradient
back through them; whole-tensor max/min/median share it evenly among ties.
"""
import builtins
import collections
import math
import warnings

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops._util import make, wrap_dim, wrap_dims
from ember._ops.clamp import maximum, minimum, where
from ember._ops.elementwise import _out, _scalar_type_name
from ember._ops.engine import Node, execute
from ember._ops.registry import export
from ember._ops import autocast as _ac

_FLOAT = _dt.FLOAT
_HALVES = (_dt.float16.np, _dt.bfloat16.np)
_INF = float("inf")


def return_type(name, fields):
    """A named tuple class printed as torch prints `torch.return_types.<name>`."""
    base = collections.namedtuple(name, fields)

    def __repr__(self):
        inner = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"ember.return_types.{name}(\n{inner})"

    return type(name, (base,), {"__repr__": __repr__, "__str__": __repr__, "__slots__": (),
                                "__module__": "ember.return_types"})


RETURN_TYPES = {n: return_type(n, ("values", "indices")) for n in
                ("max", "min", "median", "nanmedian", "mode", "kthvalue", "sort", "topk",
                 "cummax", "cummin")}
RETURN_TYPES["aminmax"] = return_type("aminmax", ("min", "max"))
RETURN_TYPES["histogram"] = return_type("histogram", ("hist", "bin_edges"))


# --- helpers shared by the family ----------------------------------------------------------

def _dims(input, dim):
    """The axes reduced for `dim` (an int or a sequence; None or empty means all) as a sorted
    tuple; () for a 0-d input, whose only valid dims are 0 and -1."""
    nd = input._data.ndim
    if dim is None or (not isinstance(dim, int) and len(dim) == 0):
        return tuple(range(nd))
    dims = wrap_dims(dim, nd)
    return dims if nd else ()


def _count(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _restore(grad, shape, dims, keepdim):
    """A reduced gradient reshaped to broadcast against the input (reduced dims back as 1)."""
    if keepdim or dims is None or not shape:
        return grad
    return grad.reshape(tuple(1 if i in dims else n for i, n in enumerate(shape)))


def _is_floating(a):
    return a.dtype.kind in "fc" or a.dtype in _HALVES


def _widen(a):
    """float16/bfloat16 arrays as float32: torch accumulates them in float32."""
    return a.astype(xp.float32) if a.dtype in _HALVES else a


def _not_implemented(kernel, dtype):
    return NotImplementedError(f'"{kernel}" not implemented for \'{_scalar_type_name(dtype)}\'')


def _check_float(input, name):
    if input.dtype.category < _FLOAT:
        raise RuntimeError(f"{name}(): expected input to have floating point or complex dtype "
                           f"but got {_scalar_type_name(input.dtype)}")


def _check_nonempty(a, dims, name, whole):
    """torch's errors for reducing an empty tensor with an op that has no identity: `whole`
    (no dim given) raises RuntimeError, an empty reduced dim IndexError."""
    if whole:
        if a.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        return
    for d in dims:
        if a.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _pick_backward(grad, dim, idx, shape, keepdim):
    """Gradient of an op that picked input[idx] along dim: grad scattered back into zeros."""
    if not shape:
        return grad
    from ember._ops.creation import zeros
    g = grad if keepdim else grad.unsqueeze(dim)
    return zeros(shape, dtype=grad.dtype).scatter(dim, make(idx), g)


def _evenly(grad, x, result):
    """Gradient of a whole-tensor max/min/median: shared evenly among the elements equal to
    the result (the NaNs when it is NaN)."""
    mask = x.isnan() if x.dtype.is_floating_point and bool(result.isnan()) else x == result
    return where(mask, grad / mask.sum(), 0.0)


def _scale_by_count(grad, x, result, dims, keepdim):
    """Gradient of amax/amin over dims: shared evenly among the ties of each slice."""
    g = _restore(grad, x.shape, dims, keepdim)
    mask = x == _restore(result, x.shape, dims, keepdim)
    return g / mask.sum(dims, keepdim=True) * mask


def _pair(cls, input, args, name):
    values, indices = execute(cls, (input,), (input._data,), args)
    return RETURN_TYPES[name](values, indices)


def _out_pair(result, out):
    if out is None:
        return result
    _out(result[0], out[0])
    _out(result[1], out[1])
    return type(result)(*out)


# --- sum, mean, prod -----------------------------------------------------------------------

def _sum_dtype(input, dtype):
    if dtype is not None:
        return _dt.to_dtype(dtype)
    return _dt.int64 if input.dtype.category < _FLOAT else input.dtype


def _sum(a, axis, keepdim, dt):
    if dt.np in _HALVES:
        return xp.sum(a, axis=axis, keepdims=keepdim, dtype=xp.float32).astype(dt.np)
    return a.sum(axis=axis, keepdims=keepdim, dtype=dt.np)


class SumBackward0(Node):
    def forward(self, a, dt):
        self.shape = a.shape
        return _sum(a, None, False, dt)

    def backward(self, grad):
        return grad.expand(self.shape)


class SumBackward1(Node):
    def forward(self, a, dims, keepdim, dt):
        self.shape, self.dims, self.keepdim = a.shape, dims, keepdim
        return _sum(a, dims, keepdim, dt)

    def backward(self, grad):
        return _restore(grad, self.shape, self.dims, self.keepdim).expand(self.shape)


class _NoDim:
    """Default `dim` of sum and mean: torch records SumBackward0 / MeanBackward0 only when no
    dim is passed at all (an explicit None reduces all dims through the dims node)."""

    def __repr__(self):
        return "None"


_NO_DIM = _NoDim()


@export
def sum(input, dim=_NO_DIM, keepdim=False, *, dtype=None, out=None):
    """Sum of all elements, or over `dim` (an int or a tuple; None or an empty tuple means all
    dims). Integer and bool inputs sum to int64 unless `dtype` is given.

    >>> ember.tensor([[1, 2], [3, 4]]).sum(0)
    tensor([4, 6])
    """
    dt = _sum_dtype(input, dtype)
    if dim is _NO_DIM and not keepdim:
        r = execute(SumBackward0, (input,), (input._data,), (dt,))
    else:
        dims = _dims(input, None if dim is _NO_DIM else dim)
        r = execute(SumBackward1, (input,), (input._data,), (dims, keepdim, dt))
    return r if out is None else _out(r, out)


class NansumBackward0(Node):
    saves = (0,)

    def forward(self, a, dims, keepdim, dt):
        self.dims, self.keepdim = dims, keepdim
        if not _is_floating(a):
            return _sum(a, dims, keepdim, dt)
        with xp.errstate(invalid="ignore"):  # inf + -inf
            return _sum(xp.where(xp.isnan(a), 0, a), dims, keepdim, dt)

    def backward(self, grad):
        x, = self.saved()
        g = _restore(grad, x.shape, self.dims, self.keepdim)
        return g * x.isnan().logical_not()


@export
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum treating NaN as zero (over all elements or `dim`)."""
    return execute(NansumBackward0, (input,), (input._data,),
                   (_dims(input, dim), keepdim, _sum_dtype(input, dtype)))


def _mean_dtype(input, dtype, name):
    if dtype is not None:
        dt = _dt.to_dtype(dtype)
        if dt.category < _FLOAT:
            raise RuntimeError(f"{name}(): could not infer output dtype. Optional dtype must be "
                               "either a floating point or complex dtype. Got: "
                               f"{_scalar_type_name(dt)}")
        return dt
    if input.dtype.category < _FLOAT:
        raise RuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either "
                           "a floating point or complex dtype. Got: "
                           f"{_scalar_type_name(input.dtype)}")
    return input.dtype


def _mean(a, axis, keepdim, dt, n):
    acc = xp.float32 if dt.np in _HALVES else dt.np
    s = a.sum(axis=axis, keepdims=keepdim, dtype=acc) / n
    return s if acc == dt.np else s.astype(dt.np)


class MeanBackward0(Node):
    def forward(self, a, dt):
        self.shape = a.shape
        return _mean(a, None, False, dt, a.size)

    def backward(self, grad):
        return (grad / _count(self.shape, range(len(self.shape)))).expand(self.shape)


class MeanBackward1(Node):
    def forward(self, a, dims, keepdim, dt):
        self.shape, self.dims, self.keepdim = a.shape, dims, keepdim
        return _mean(a, dims, keepdim, dt, _count(a.shape, dims))

    def backward(self, grad):
        g = _restore(grad, self.shape, self.dims, self.keepdim)
        return (g / _count(self.shape, self.dims)).expand(self.shape)


@export
def mean(input, dim=_NO_DIM, keepdim=False, *, dtype=None, out=None):
    """Arithmetic mean of all elements or over `dim`; floating and complex inputs only (or
    pass a floating `dtype`). An empty reduction gives NaN."""
    dt = _mean_dtype(input, dtype, "mean")
    if dim is _NO_DIM and not keepdim:
        r = execute(MeanBackward0, (input,), (input._data,), (dt,))
    else:
        dims = _dims(input, None if dim is _NO_DIM else dim)
        r = execute(MeanBackward1, (input,), (input._data,), (dims, keepdim, dt))
    return r if out is None else _out(r, out)


@export
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of the non-NaN elements: nansum divided by the count of non-NaN elements."""
    _check_float(input, "nanmean")
    if dtype is not None and _dt.to_dtype(dtype).category < _FLOAT:
        _mean_dtype(input, dtype, "nanmean")
    count = input.isnan().logical_not().sum(dim, keepdim)
    return nansum(input, dim, keepdim, dtype=dtype) / count


class ProdBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a, dt):
        return xp.prod(a, dtype=dt.np)

    def backward(self, grad):
        x, r = self.saved()
        return (grad * _prod_others(x.reshape(-1), 0, r.reshape(1))).reshape(x.shape)


class ProdBackward1(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a, dim, keepdim, dt):
        self.dim, self.keepdim = dim, keepdim
        return xp.prod(a, axis=dim, keepdims=keepdim, dtype=dt.np)

    def backward(self, grad):
        x, r = self.saved()
        if not x.ndim:
            return grad
        dims = (self.dim,)
        g = _restore(grad, x.shape, dims, self.keepdim)
        return g * _prod_others(x, self.dim, _restore(r, x.shape, dims, self.keepdim))


def _prod_others(x, d, r):
    """The product along d of all elements but the i-th, given r (the product, kept dim).

    Where a slice has no zero this is r / x_i. Where it has, the product is rebuilt around
    the slice's first zero x_z: at z, the product of the rest; elsewhere x_z times the same
    quantity for x with x_z set to 1, so derivatives of every order stay exact."""
    zero = x == 0
    if not bool(zero.any()):
        return r / x
    first = zero & (zero.cumsum(d) == 1)
    has = zero.any(d, keepdim=True)
    x1 = where(first, 1.0, x)
    p1 = x1.prod(d, keepdim=True)
    x_z = where(first, x, 0.0).sum(d, keepdim=True)
    rest = where(first, p1, x_z * _prod_others(x1, d, p1))
    return where(has, rest, r / where(has, 1.0, x))


@export
def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product of all elements, or over one dim; integer and bool inputs give int64."""
    if _ac.on and _ac.active():
        return _ac.fp32(prod, input, dim, keepdim, dtype=dtype, out=out)
    dt = _sum_dtype(input, dtype)
    if dim is None:
        r = execute(ProdBackward0, (input,), (input._data,), (dt,))
    else:
        d = wrap_dim(dim, input._data.ndim)
        r = execute(ProdBackward1, (input,), (input._data,), (d, keepdim, dt))
    return r if out is None else _out(r, out)


# --- max / min -----------------------------------------------------------------------------

def _arg_extreme(a, axis, is_max):
    """Index of the first largest (smallest) element along `axis`, dims kept; a NaN counts as
    the extreme, as in torch (NumPy's argmax/argmin also stop at the first NaN)."""
    if a.dtype == xp.bool_:
        a = a.view(xp.uint8)
    return (xp.argmax if is_max else xp.argmin)(a, axis=axis, keepdims=True)


class MaxBackward1(Node):
    saves = (0,)
    saves_result = True
    op, reduce = "max", staticmethod(xp.max)

    def forward(self, a):
        _check_nonempty(a, None, self.op, True)
        return self.reduce(a)

    def backward(self, grad):
        x, r = self.saved()
        return _evenly(grad, x, r)


class MinBackward1(MaxBackward1):
    op, reduce = "min", staticmethod(xp.min)


class MaxBackward0(Node):
    op, is_max = "max", True

    def forward(self, a, dim, keepdim):
        self.shape, self.dim, self.keepdim = a.shape, dim, keepdim
        if not a.ndim:
            self.idx = xp.zeros((), xp.int64)
            return a.copy(), self.idx
        _check_nonempty(a, (dim,), self.op, False)
        idx = _arg_extreme(a, dim, self.is_max)
        self.idx = idx
        values = xp.take_along_axis(a, idx, axis=dim)
        if keepdim:
            return values, idx
        return xp.squeeze(values, dim), xp.squeeze(idx, dim)

    def backward(self, grad, _):
        return _pick_backward(grad, self.dim, self.idx, self.shape, self.keepdim)


class MinBackward0(MaxBackward0):
    op, is_max = "min", False


def _max_min(input, dim, keepdim, other, out, is_max):
    if other is not None or isinstance(dim, type(input)):
        fn = maximum if is_max else minimum
        return fn(input, dim if other is None else other, out=out)
    if dim is None:
        r = execute(MaxBackward1 if is_max else MinBackward1, (input,), (input._data,))
        return r if out is None else _out(r, out)
    d = wrap_dim(dim, input._data.ndim)
    r = _pair(MaxBackward0 if is_max else MinBackward0, input, (d, keepdim),
              "max" if is_max else "min")
    return _out_pair(r, out)


@export
def max(input, dim=None, keepdim=False, *, other=None, out=None):
    """The largest element; with `dim`, the named tuple (values, indices) of the largest
    element along it (the first one among ties; NaN wins); with a tensor as second
    argument, the elementwise maximum."""
    return _max_min(input, dim, keepdim, other, out, True)


@export
def min(input, dim=None, keepdim=False, *, other=None, out=None):
    """The smallest element; with `dim`, the named tuple (values, indices) along it; with a
    tensor as second argument, the elementwise minimum."""
    return _max_min(input, dim, keepdim, other, out, False)


class AmaxBackward0(Node):
    saves = (0,)
    saves_result = True
    reduce = staticmethod(xp.max)

    def forward(self, a, dims, keepdim):
        self.dims, self.keepdim = dims, keepdim
        return self.reduce(a, axis=dims, keepdims=keepdim)

    def backward(self, grad):
        x, r = self.saved()
        return _scale_by_count(grad, x, r, self.dims, self.keepdim)


class AminBackward0(AmaxBackward0):
    reduce = staticmethod(xp.min)


def _amax_amin(cls, input, dim, keepdim, name):
    dims = _dims(input, dim)
    _check_nonempty(input._data, dims, name, isinstance(dim, (tuple, list)) and not dim)
    return execute(cls, (input,), (input._data,), (dims, keepdim))


@export
def amax(input, dim=(), keepdim=False):
    """Maximum over `dim` (all dims when empty); the gradient is shared evenly among ties."""
    return _amax_amin(AmaxBackward0, input, dim, keepdim, "amax")


@export
def amin(input, dim=(), keepdim=False):
    """Minimum over `dim` (all dims when empty); the gradient is shared evenly among ties."""
    return _amax_amin(AminBackward0, input, dim, keepdim, "amin")


class AminmaxBackward0(Node):
    saves = (0,)

    def forward(self, a, dims, keepdim):
        self.dims, self.keepdim = dims, keepdim
        self.lo = xp.min(a, axis=dims, keepdims=keepdim)
        self.hi = xp.max(a, axis=dims, keepdims=keepdim)
        return self.lo, self.hi

    def backward(self, grad_min, grad_max):
        x, = self.saved()
        dims, keepdim = self.dims, self.keepdim
        return (_scale_by_count(grad_min, x, make(self.lo), dims, keepdim)
                + _scale_by_count(grad_max, x, make(self.hi), dims, keepdim))


@export
def aminmax(input, *, dim=None, keepdim=False):
    """The named tuple (min, max) over all elements or along one dim."""
    a = input._data
    if dim is None:
        if a.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                               "operation has no identity.")
        dims = tuple(range(a.ndim))
    else:
        d = wrap_dim(dim, a.ndim)
        if a.ndim and a.shape[d] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {d} to have non-zero size.")
        dims = (d,) if a.ndim else ()
    lo, hi = execute(AminmaxBackward0, (input,), (a,), (dims, keepdim))
    return RETURN_TYPES["aminmax"](lo, hi)


def _argmax_argmin(input, dim, keepdim, is_max):
    name = "argmax" if is_max else "argmin"
    a = input._data
    if input.dtype is _dt.bool:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if a.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        idx = _arg_extreme(a.reshape(-1), 0, is_max)
        return make(idx.reshape((1,) * a.ndim if keepdim else ()))
    d = wrap_dim(dim, a.ndim)
    if not a.ndim:
        return make(xp.zeros((), xp.int64))
    _check_nonempty(a, (d,), name, False)
    idx = _arg_extreme(a, d, is_max)
    return make(idx if keepdim else xp.squeeze(idx, d))


@export
def argmax(input, dim=None, keepdim=False):
    """Index of the largest element (of the flattened input when dim is None); the first one
    among ties, and the first NaN if any."""
    return _argmax_argmin(input, dim, keepdim, True)


@export
def argmin(input, dim=None, keepdim=False):
    """Index of the smallest element (of the flattened input when dim is None); the first one
    among ties, and the first NaN if any."""
    return _argmax_argmin(input, dim, keepdim, False)


# --- variance and standard deviation -------------------------------------------------------

def _stat_args(input, dim, unbiased, correction, name):
    if input.dtype.category < _FLOAT:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TypeError(f"{name}() received an invalid combination of arguments")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both "
                        "unbiased and correction")
    if correction is None:
        correction = 0 if unbiased is False else 1
    dims = _dims(input, dim)
    n = _count(input._data.shape, dims)
    if n - correction <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).",
                      stacklevel=3)
    return dims, correction


def _moments(a, dims, correction, keepdim):
    """(variance, mean) over `dims`, dividing by max(n - correction, 0)."""
    n = _count(a.shape, dims)
    x = _widen(a)
    with xp.errstate(invalid="ignore", divide="ignore"):
        m = xp.sum(x, axis=dims, keepdims=True) / n
        dev = x - m
        sq = (dev * dev.conj()).real if dev.dtype.kind == "c" else dev * dev
        var = xp.sum(sq, axis=dims, keepdims=keepdim) / builtins.max(n - correction, 0)
    if not keepdim:
        m = m.reshape(var.shape)
    out = a.dtype if a.dtype.kind != "c" else var.dtype
    return var.astype(out, copy=False), m.astype(a.dtype, copy=False)


def _var_backward(grad, x, dims, correction, keepdim, whole):
    dof = _count(x.shape, dims) - correction
    g = _restore(grad, x.shape, dims, keepdim)
    if whole and dof <= 0:  # as torch: infinite, NaN where x equals the mean (inf * 0)
        return g * where(x == x.mean(), float("nan"), _INF)
    scale = 2.0 / dof if dof else _INF
    return scale * g * (x - x.mean(dims, keepdim=True))


def _std_backward(grad, x, std, dims, correction, keepdim, whole):
    g = _restore(grad, x.shape, dims, keepdim)
    s = _restore(std, x.shape, dims, keepdim)
    return _var_backward(where(s == 0, 0.0, g / (s * 2)), x, dims, correction, True, whole)


def _mean_backward(grad, shape, dims, keepdim):
    return (_restore(grad, shape, dims, keepdim) / _count(shape, dims)).expand(shape)


class _Moments(Node):
    """Base of the var/std nodes: keeps the reduction's arguments for backward."""

    saves = (0,)

    def forward(self, a, dims, correction, keepdim, whole):
        self.dims, self.correction, self.keepdim, self.whole = dims, correction, keepdim, whole
        return self.finish(*_moments(a, dims, correction, keepdim))

    def grad_var(self, grad, x):
        return _var_backward(grad, x, self.dims, self.correction, self.keepdim, self.whole)

    def grad_std(self, grad, x, std):
        return _std_backward(grad, x, std, self.dims, self.correction, self.keepdim,
                             self.whole)

    def grad_mean(self, grad, x):
        return _mean_backward(grad, x.shape, self.dims, self.keepdim)


class VarBackward0(_Moments):
    def finish(self, var, mean):
        return var

    def backward(self, grad):
        x, = self.saved()
        return self.grad_var(grad, x)


class StdBackward0(_Moments):
    saves_result = True

    def finish(self, var, mean):
        return xp.sqrt(var)

    def backward(self, grad):
        x, r = self.saved()
        return self.grad_std(grad, x, r)


class VarMeanBackward0(_Moments):
    def finish(self, var, mean):
        return var, mean

    def backward(self, grad_var, grad_mean):
        x, = self.saved()
        return self.grad_var(grad_var, x) + self.grad_mean(grad_mean, x)


class StdMeanBackward0(_Moments):
    saves_result = True

    def finish(self, var, mean):
        return xp.sqrt(var), mean

    def backward(self, grad_std, grad_mean):
        x, r = self.saved()
        return self.grad_std(grad_std, x, r) + self.grad_mean(grad_mean, x)


def _stat(cls, name, input, dim, unbiased, keepdim, correction):
    dims, correction = _stat_args(input, dim, unbiased, correction, name)
    whole = dim is None or isinstance(dim, bool) or not input._data.ndim
    return execute(cls, (input,), (input._data,), (dims, correction, keepdim, whole))


@export
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over all elements or `dim`, dividing by N - correction (correction=1, Bessel's,
    by default; unbiased=False means correction=0)."""
    return _stat(VarBackward0, "var", input, dim, unbiased, keepdim, correction)


@export
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation: the square root of var with the same arguments."""
    return _stat(StdBackward0, "std", input, dim, unbiased, keepdim, correction)


@export(method=False)
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The tuple (var, mean) over the same dims, computed together."""
    return _stat(VarMeanBackward0, "var_mean", input, dim, unbiased, keepdim, correction)


@export(method=False)
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The tuple (std, mean) over the same dims, computed together."""
    return _stat(StdMeanBackward0, "std_mean", input, dim, unbiased, keepdim, correction)


# --- logsumexp -----------------------------------------------------------------------------

class LogsumexpBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a, dims, keepdim):
        self.dims, self.keepdim = dims, keepdim
        x = _widen(a)
        m = xp.max(x, axis=dims, keepdims=True) if x.size else 0
        m = xp.where(xp.isfinite(m), m, 0)
        with xp.errstate(divide="ignore"):
            s = xp.log(xp.sum(xp.exp(x - m), axis=dims, keepdims=True)) + m
        if not keepdim:
            s = s.reshape(tuple(n for i, n in enumerate(a.shape) if i not in dims))
        return s.astype(a.dtype, copy=False)

    def backward(self, grad):
        x, r = self.saved()
        g = _restore(grad, x.shape, self.dims, self.keepdim)
        return g * (x - _restore(r, x.shape, self.dims, self.keepdim)).exp()


@export
def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(input))) over `dim`, computed stably; integer inputs give the default
    floating dtype."""
    if not isinstance(dim, int) and len(dim) == 0 and input._data.ndim:
        shape = [1] * input._data.ndim
        raise RuntimeError(f"output with shape [] doesn't match the broadcast shape {shape}")
    a = input._data
    if input.dtype.category < _FLOAT:
        a = a.astype(_dt.get_default_dtype().np)
    return execute(LogsumexpBackward0, (input,), (a,), (_dims(input, dim), keepdim))


# --- norms ---------------------------------------------------------------------------------

def _norm_forward(a, p, axis, keepdim):
    x = xp.abs(_widen(a))
    if p == 2:
        r = xp.sqrt(xp.sum(x * x, axis=axis, keepdims=keepdim))
    elif p == _INF:
        r = xp.max(x, axis=axis, keepdims=keepdim)
    elif p == -_INF:
        r = xp.min(x, axis=axis, keepdims=keepdim)
    elif p == 0:
        r = xp.sum(x != 0, axis=axis, keepdims=keepdim).astype(x.dtype)
    elif p == 1:
        r = xp.sum(x, axis=axis, keepdims=keepdim)
    else:
        with xp.errstate(divide="ignore"):
            r = xp.sum(x ** p, axis=axis, keepdims=keepdim) ** (1.0 / p)
    return xp.asarray(r).astype(_dt.to_dtype(a.dtype).to_real().np, copy=False)


def _norm_backward(grad, x, r, p, dims):
    """Gradient of the p-norm r of x over dims (grad and r already broadcastable)."""
    if p == 0:
        from ember._ops.creation import zeros_like
        return zeros_like(x)
    if p == 1:
        return x.sgn() * grad
    if p == 2:
        return grad * where(r == 0, 0.0, x / r)
    if math.isinf(p):
        mask = x.abs() == r
        return x.sgn() * (grad / mask.sum(dims, keepdim=True) * mask)
    if p < 1:
        scale = where(x == 0, 0.0, x.abs().pow(p - 1))
        return x.sgn() * scale * grad * r.pow(1 - p)
    if p < 2:
        return where(r == 0, 0.0, x.sgn() * x.abs().pow(p - 1) * grad / r.pow(p - 1))
    return where(r == 0, 0.0, x * x.abs().pow(p - 2) * grad / r.pow(p - 1))


class LinalgVectorNormBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a, p, dims, keepdim):
        self.p, self.dims, self.keepdim = p, dims, keepdim
        return _norm_forward(a, p, dims, keepdim)

    def backward(self, grad):
        x, r = self.saved()
        dims, keepdim = self.dims, self.keepdim
        g, r = _restore(grad, x.shape, dims, keepdim), _restore(r, x.shape, dims, keepdim)
        return _norm_backward(g, x, r, self.p, dims)


class NormBackward1(LinalgVectorNormBackward0):
    """torch's node for at::norm(x, p, dim, keepdim), which pairwise_distance records."""


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """The `ord`-norm of x viewed as a vector: over all elements, or over `dim` (torch's
    linalg.vector_norm). ord may be any real number or +-inf; 0 counts nonzero elements."""
    if x.dtype.category < _FLOAT:
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_scalar_type_name(x.dtype)}")
    a = x._data
    if dtype is not None:
        a = a.astype(_dt.to_dtype(dtype).np)
    dims = _dims(x, dim)
    if math.isinf(ord) or ord < 0:
        for d in dims:
            if a.shape[d] == 0:
                where_ = "an empty tensor" if dim is None else f"the dimension {d}"
                raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on "
                                   f"{where_} because the operation does not have an identity")
    r = execute(LinalgVectorNormBackward0, (x,), (a,), (ord, dims, keepdim))
    return r if out is None else _out(r, out)


@export
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """The vector p-norm of input (all elements, or over `dim`); 'fro' is the 2-norm and
    'nuc' the nuclear matrix norm."""
    if isinstance(dim, int):
        dim = (dim,)
    if p == "nuc":
        from ember.linalg import matrix_norm
        return matrix_norm(input, "nuc", dim if dim is not None else (-2, -1), keepdim)
    if p == "fro" or p is None:
        if dim is not None and len(dim) > 2:
            raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                               + " ".join(str(d) for d in dim))
        p = 2
    return vector_norm(input, p, dim, keepdim, dtype=dtype, out=out)


class DistBackward0(Node):
    saves = (0, 1)
    saves_result = True

    def forward(self, a, b, p):
        self.p = p
        return _norm_forward(a - b, p, None, False)

    def backward(self, grad):
        a, b, r = self.saved()
        diff = a - b
        g = _norm_backward(grad, diff, r, self.p, tuple(range(diff.ndim)))
        return g, -g


@export
def dist(input, other, p=2):
    """The p-norm of input - other (broadcast)."""
    if isinstance(p, str) or not isinstance(p, (int, float)):
        raise TypeError(f"dist(): argument 'p' (position 2) must be Number, not "
                        f"{type(p).__name__}")
    from ember._ops.elementwise import _prep
    a, b, xa, xb, dt = _prep(input, other)
    if dt.category < _FLOAT:
        raise RuntimeError("norm(): input dtype should be either floating point or complex. "
                           f"Got {_scalar_type_name(dt)} instead.")
    return execute(DistBackward0, (a, b), (xa, xb), (p,))


# --- boolean reductions and counting -------------------------------------------------------

def _logical_reduce(fn, input, dim, keepdim):
    a = input._data
    if dim is None:
        r = fn(a, keepdims=keepdim)
    elif not isinstance(dim, int) and len(dim) == 0:
        r = a.astype(bool)
    else:
        r = fn(a, axis=_dims(input, dim), keepdims=keepdim)
    return make(xp.asarray(r, dtype=xp.uint8 if input.dtype is _dt.uint8 else bool))


@export
def all(input, dim=None, keepdim=False):
    """True if every element (over `dim`) is nonzero; uint8 inputs give uint8."""
    return _logical_reduce(xp.all, input, dim, keepdim)


@export
def any(input, dim=None, keepdim=False):
    """True if some element (over `dim`) is nonzero; uint8 inputs give uint8."""
    return _logical_reduce(xp.any, input, dim, keepdim)


@export
def count_nonzero(input, dim=None):
    """Number of nonzero elements, over all elements or `dim` (an int or a tuple)."""
    dims = _dims(input, dim)
    a = input._data
    r = xp.count_nonzero(a, axis=dims) if a.ndim else xp.count_nonzero(a)
    return make(xp.asarray(r, dtype=xp.int64))


@export
def bincount(input, weights=None, minlength=0):
    """Count of each value in a 1-D non-negative integer tensor (summed weights when given:
    float32 or float64 as the weights, float64 otherwise)."""
    if input.dtype.category != _dt.INT:
        raise _not_implemented("bincount_cpu", input.dtype)
    a = input._data
    if a.ndim != 1 or (a.size and a.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return make(xp.bincount(a, minlength=minlength).astype(xp.int64))
    w = weights._data
    if w.ndim != 1 or w.shape[0] != a.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    out = w.dtype if weights.dtype in (_dt.float32, _dt.float64) else xp.float64
    return make(xp.bincount(a, weights=w.astype(xp.float64), minlength=minlength).astype(out))


@export
def histc(input, bins=100, min=0, max=0, *, out=None):
    """Histogram of input with `bins` equal-width bins over [min, max] (the data's range when
    min == max); elements outside are ignored, max falls in the last bin."""
    if input.dtype.category != _FLOAT:
        raise _not_implemented("histogram_cpu", input.dtype)
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                           "dimension 0")
    a = input._data
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo:g}, {hi:g}] is not finite")
    counts, _ = xp.histogram(a.astype(xp.float64), bins=bins, range=(lo, hi))
    r = make(counts.astype(a.dtype))
    return r if out is None else _out(r, out)


def _equal_edges(values, bins, lo_hi):
    """bins + 1 equal-width float64 bin edges over `lo_hi` or over the data's extent (0 to 1
    without data; a zero-width range widens by 0.5 each side), as torch's histograms."""
    if lo_hi is not None:
        lo, hi = float(lo_hi[0]), float(lo_hi[1])
    elif values.size:
        lo, hi = float(values.min()), float(values.max())
    else:
        lo, hi = 0.0, 1.0
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return xp.linspace(lo, hi, bins + 1)


@export
def histogram(input, bins, *, range=None, weight=None, density=False, out=None):
    """Histogram of a float tensor as (hist, bin_edges): `bins` equal-width bins over `range`
    (the data's min and max by default) or the given 1-D tensor of edges; `weight` weights
    each element and `density` normalises the histogram to integrate to 1."""
    if input.dtype.category != _FLOAT:
        raise _not_implemented("histogramdd", input.dtype)
    a = input._data.reshape(-1).astype(xp.float64)
    w = None if weight is None else weight._data.reshape(-1).astype(xp.float64)
    if isinstance(bins, int):
        if bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                               "dimension 0")
        edges = _equal_edges(a, bins, range)
    else:
        edges = bins._data.astype(xp.float64)
    counts, _ = xp.histogram(a, bins=edges, weights=w, density=density)
    d = input.dtype.np
    return RETURN_TYPES["histogram"](make(counts.astype(d)), make(edges.astype(d)))


# --- scans ---------------------------------------------------------------------------------

def _reverse_cumsum(t, d):
    return t.flip(d).cumsum(d).flip(d)


class CumsumBackward0(Node):
    def forward(self, a, dim, dt):
        self.dim = dim
        if not a.ndim:
            return a.astype(dt.np)
        if dt.np in _HALVES:
            return xp.cumsum(a, axis=dim, dtype=xp.float32).astype(dt.np)
        return xp.cumsum(a, axis=dim, dtype=dt.np)

    def backward(self, grad):
        return _reverse_cumsum(grad, self.dim) if grad.ndim else grad


def _scan(node, input, dim, dtype, out):
    """Run scan node `node` (cumsum / cumprod) along `dim` in the accumulation dtype."""
    d = wrap_dim(dim, input._data.ndim)
    r = execute(node, (input,), (input._data,), (d, _sum_dtype(input, dtype)))
    return r if out is None else _out(r, out)


def _scan_(self, scan, dim, dtype):
    """In-place form of the scan function `scan`: its result written back into `self`."""
    from ember._ops.elementwise import check_inplace, inplace_from
    check_inplace(self)
    return inplace_from(self, scan(self, dim, dtype=dtype))


@export
def cumsum(input, dim, *, dtype=None, out=None):
    """Cumulative sum along dim; integer and bool inputs give int64."""
    return _scan(CumsumBackward0, input, dim, dtype, out)


@export(function=False)
def cumsum_(self, dim, *, dtype=None):
    """In-place cumsum."""
    return _scan_(self, cumsum, dim, dtype)


class CumprodBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a, dim, dt):
        self.dim = dim
        if not a.ndim:
            return a.astype(dt.np)
        return xp.cumprod(a, axis=dim, dtype=dt.np)

    def backward(self, grad):
        x, y = self.saved()
        return _cumprod_backward(grad, x, y, self.dim) if x.ndim else grad


def _cumprod_backward(grad, x, y, d):
    """sum_{j>=i} grad_j * prod_{k<=j, k!=i} x_k along d, for y = cumprod(x).

    Without zeros this is reverse_cumsum(grad * y) / x. In a slice with zeros, positions
    before the first zero x_z keep that form; z gets reverse_cumsum(grad * cumprod(x with x_z
    set to 1)); positions after z get x_z times the same gradient for that modified x, which is
    zero in value but keeps the second derivative right."""
    zero = x == 0
    if not bool(zero.any()):
        return _reverse_cumsum(grad * y, d) / x
    seen = zero.cumsum(d)
    before = seen == 0
    first = zero & (seen == 1)
    x1 = where(first, 1.0, x)
    y1 = x1.cumprod(d)
    x_z = where(first, x, 0.0).sum(d, keepdim=True)
    after = where(first, _reverse_cumsum(grad * y1, d), x_z * _cumprod_backward(grad, x1, y1, d))
    return where(before, _reverse_cumsum(grad * y, d) / where(before, x, 1.0), after)


@export
def cumprod(input, dim, *, dtype=None, out=None):
    """Cumulative product along dim; integer and bool inputs give int64."""
    return _scan(CumprodBackward0, input, dim, dtype, out)


@export(function=False)
def cumprod_(self, dim, *, dtype=None):
    """In-place cumprod."""
    return _scan_(self, cumprod, dim, dtype)


class CummaxBackward0(Node):
    ufunc = xp.maximum

    def forward(self, a, dim):
        self.shape, self.dim = a.shape, dim
        if not a.ndim:
            self.idx = xp.zeros((), xp.int64)
            return a.copy(), self.idx
        values = self.ufunc.accumulate(a, axis=dim)
        # the index is the latest position holding the running extreme (ties: the last one;
        # after a NaN, the latest NaN)
        hit = a == values
        if _is_floating(a):
            hit |= xp.isnan(a)
        pos = xp.arange(a.shape[dim], dtype=xp.int64).reshape(
            (-1,) + (1,) * (a.ndim - dim - 1))
        self.idx = xp.maximum.accumulate(xp.where(hit, pos, 0), axis=dim)
        return values, self.idx

    def backward(self, grad, _):
        if not self.shape:
            return grad
        from ember._ops.creation import zeros
        return zeros(self.shape, dtype=grad.dtype).scatter_add(self.dim, make(self.idx), grad)


class CumminBackward0(CummaxBackward0):
    ufunc = xp.minimum


@export
def cummax(input, dim):
    """Running maximum along dim: the named tuple (values, indices)."""
    return _pair(CummaxBackward0, input, (wrap_dim(dim, input._data.ndim),), "cummax")


@export
def cummin(input, dim):
    """Running minimum along dim: the named tuple (values, indices)."""
    return _pair(CumminBackward0, input, (wrap_dim(dim, input._data.ndim),), "cummin")


class LogcumsumexpBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a, dim):
        self.dim = dim
        if not a.ndim:
            return a.copy()
        with xp.errstate(invalid="ignore"):
            r = xp.logaddexp.accumulate(_widen(a), axis=dim)
        return r.astype(a.dtype, copy=False)

    def backward(self, grad):
        x, y = self.saved()
        d = self.dim
        if not x.ndim:
            return grad
        # sum_{j>=i} grad_j exp(x_i - y_j), with positive and negative grads summed apart in
        # log space so that nothing overflows
        lowest = float(_dt.finfo(grad.dtype).min)
        log_abs = where(grad == 0, 1.0, grad).abs().log()
        pos = where(grad > 0, log_abs, lowest) - y
        neg = where(grad < 0, log_abs, lowest) - y
        return _reverse_logcumsumexp(pos, x, d) - _reverse_logcumsumexp(neg, x, d)


def _reverse_logcumsumexp(t, x, d):
    """exp(x_i + log(sum_{j>=i} exp(t_j)))."""
    return (t.flip(d).logcumsumexp(d).flip(d) + x).exp()


@export
def logcumsumexp(input, dim):
    """log(cumsum(exp(input))) along dim, computed stably."""
    if input.dtype.category < _FLOAT:
        raise _not_implemented("logcumsumexp_out_cpu", input.dtype)
    d = wrap_dim(dim, input._data.ndim)
    return execute(LogcumsumexpBackward0, (input,), (input._data,), (d,))


# --- median, mode, quantile ----------------------------------------------------------------

def _lower_median_index(a, axis, skip_nan):
    """Index (dims kept) along axis of the lower median: the stable-sorted element at
    (n - 1) // 2, n counting non-NaN elements when `skip_nan`; otherwise the first NaN of a
    slice holding one."""
    order = xp.argsort(a, axis=axis, kind="stable")  # NaN sorts last
    n = a.shape[axis]
    floating = _is_floating(a)
    if skip_nan and floating:  # an all-NaN slice picks as if nothing were skipped
        valid = xp.sum(~xp.isnan(a), axis=axis, keepdims=True)
        k = xp.where(valid > 0, (valid - 1) // 2, (n - 1) // 2)
    else:
        k = xp.full((1,) * a.ndim, (n - 1) // 2, xp.int64)
    idx = xp.take_along_axis(order, k, axis=axis)
    if floating and not skip_nan:
        nan = xp.isnan(a)
        idx = xp.where(nan.any(axis=axis, keepdims=True),
                       xp.argmax(nan, axis=axis, keepdims=True), idx)
    return idx


class MedianBackward0(Node):
    saves = (0,)
    saves_result = True
    skip_nan = False

    def forward(self, a):
        flat = a.reshape(-1)
        if not flat.size:
            return xp.asarray(xp.nan, a.dtype)
        return flat[_lower_median_index(flat, 0, self.skip_nan)[0]]

    def backward(self, grad):
        x, r = self.saved()
        return _evenly(grad, x, r)


class NanmedianBackward0(MedianBackward0):
    skip_nan = True


class MedianBackward1(Node):
    op, skip_nan = "median", False

    def forward(self, a, dim, keepdim):
        self.shape, self.dim, self.keepdim = a.shape, dim, keepdim
        if not a.ndim:
            self.idx = xp.zeros((), xp.int64)
            return a.copy(), self.idx
        _check_nonempty(a, (dim,), self.op, False)
        idx = self.idx = _lower_median_index(a, dim, self.skip_nan)
        values = xp.take_along_axis(a, idx, axis=dim)
        if keepdim:
            return values, idx
        return xp.squeeze(values, dim), xp.squeeze(idx, dim)

    def backward(self, grad, _):
        return _pick_backward(grad, self.dim, self.idx, self.shape, self.keepdim)


class NanmedianBackward1(MedianBackward1):
    op, skip_nan = "nanmedian", True


@export
def median(input, dim=None, keepdim=False):
    """The lower median of all elements (NaN if any is NaN), or the named tuple (values,
    indices) along dim."""
    if dim is None:
        return execute(MedianBackward0, (input,), (input._data,))
    return _pair(MedianBackward1, input, (wrap_dim(dim, input._data.ndim), keepdim), "median")


@export
def nanmedian(input, dim=None, keepdim=False):
    """median ignoring NaN (NaN only where a slice is all NaN)."""
    if dim is None:
        return execute(NanmedianBackward0, (input,), (input._data,))
    return _pair(NanmedianBackward1, input, (wrap_dim(dim, input._data.ndim), keepdim),
                 "nanmedian")


class ModeBackward0(Node):
    def forward(self, a, dim, keepdim):
        self.shape, self.dim, self.keepdim = a.shape, dim, keepdim
        if not a.ndim:
            self.idx = xp.zeros((), xp.int64)
            return a.copy(), self.idx
        _check_nonempty(a, (dim,), "mode", False)
        # sort each slice; the longest run of equal values wins, the smallest value on ties
        # (the first such run), and its index is the last position it held in the input
        order = xp.argsort(a, axis=dim, kind="stable")
        s = xp.take_along_axis(a, order, axis=dim)
        n = a.shape[dim]
        shape = [1] * a.ndim
        shape[dim] = n
        pos = xp.arange(n).reshape(shape)
        change = xp.ones(s.shape, bool)
        tail = [slice(None)] * a.ndim
        tail[dim] = slice(1, None)
        head = list(tail)
        head[dim] = slice(None, -1)
        change[tuple(tail)] = s[tuple(tail)] != s[tuple(head)]
        start = xp.maximum.accumulate(xp.where(change, pos, 0), axis=dim)
        length = pos - start + 1
        best = xp.argmax(length, axis=dim, keepdims=True)
        self.idx = xp.take_along_axis(order, best, axis=dim)
        values = xp.take_along_axis(s, best, axis=dim)
        if keepdim:
            return values, self.idx
        return xp.squeeze(values, dim), xp.squeeze(self.idx, dim)

    def backward(self, grad, _):
        return _pick_backward(grad, self.dim, self.idx, self.shape, self.keepdim)


@export
def mode(input, dim=-1, keepdim=False):
    """The most frequent value along dim (the smallest among equally frequent ones) and the
    index of its last occurrence, as a named tuple."""
    return _pair(ModeBackward0, input, (wrap_dim(dim, input._data.ndim), keepdim), "mode")


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, skip_nan):
    from ember._ops.creation import tensor
    name = "nanquantile" if skip_nan else "quantile"
    if input.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if isinstance(q, (int, float)):
        if not 0 <= q <= 1:
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
        qt = tensor(q, dtype=input.dtype)
    else:
        qt = q
        if qt.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if qt.dtype is not input.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        if qt.numel() and not bool(((qt >= 0) & (qt <= 1)).all()):
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    nd = input.ndim
    if dim is None:
        x, d = input.reshape(-1), 0
    else:
        d = wrap_dim(dim, nd)
        x = input if nd else input.reshape(1)
    # sorted slices along the last dim (NaN last); ranks of shape (..., len(q))
    s = x.sort(d).values.movedim(d, -1)
    qv = qt.reshape(-1)
    last = s.shape[-1] - 1
    nan = s.isnan()
    if skip_nan:  # an all-NaN slice gets rank 0, which picks a NaN
        ranks = qv * (nan.logical_not().sum(-1, keepdim=True) - 1)
        ranks = where(ranks < 0, 0.0, ranks)
    else:
        ranks = where(nan.any(-1, keepdim=True), float(last), qv * last)
    if interpolation in ("lower", "higher", "nearest"):
        rounded = {"lower": ranks.floor, "higher": ranks.ceil, "nearest": ranks.round}
        out = s.gather(-1, rounded[interpolation]().long())
    else:
        below, above = ranks.floor().long(), ranks.ceil().long()
        weights = ranks - below if interpolation == "linear" else \
            where(above > below, 0.5, 0.0).to(s.dtype)
        out = s.gather(-1, below).lerp(s.gather(-1, above), weights)
    out = out.movedim(-1, 0)  # q's dim first
    if keepdim and dim is None:
        out = out.reshape((out.shape[0],) + (1,) * nd)
    elif keepdim and nd:
        out = out.unsqueeze(d + 1)
    return out if qt.ndim else out.squeeze(0)


@export
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles of input (flattened when dim is None) or along dim; q is a float or
    a 1-D tensor whose length becomes the result's first dim. A slice holding NaN gives NaN."""
    if _ac.on and _ac.active():
        return _ac.fp32(quantile, input, q, dim, keepdim, interpolation=interpolation)
    return _quantile(input, q, dim, keepdim, interpolation, False)


@export
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile ignoring NaN (NaN only where a slice is all NaN)."""
    if _ac.on and _ac.active():
        return _ac.fp32(nanquantile, input, q, dim, keepdim, interpolation=interpolation)
    return _quantile(input, q, dim, keepdim, interpolation, True)


# --- softmax family ------------------------------------------------------------------------

def _softmax_arrays(a, dim, log):
    x = _widen(a)
    if x.ndim == 0:
        x = x.reshape(1)
    if not x.size:
        return a.copy()
    shifted = x - x.max(axis=dim, keepdims=True)
    e = xp.exp(shifted)
    s = e.sum(axis=dim, keepdims=True)
    r = shifted - xp.log(s) if log else e / s
    return r.reshape(a.shape).astype(a.dtype, copy=False)


class SoftmaxBackward0(Node):
    saves_result = True

    def forward(self, a, dim):
        self.dim = dim
        return _softmax_arrays(a, dim, False)

    def backward(self, grad):
        y, = self.saved()
        gy = grad * y
        return gy - y * gy.sum(self.dim, keepdim=True)


class LogSoftmaxBackward0(Node):
    saves_result = True

    def forward(self, a, dim):
        self.dim = dim
        return _softmax_arrays(a, dim, True)

    def backward(self, grad):
        y, = self.saved()
        return grad - y.exp() * grad.sum(self.dim, keepdim=True)


def _softmax(cls, input, dim, dtype, name):
    if dtype is not None:
        input = input.to(dtype)
    nd = input._data.ndim
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the "
                      "call to include dim=X as an argument.", stacklevel=3)
        dim = 0 if nd in (0, 1, 3) else 1
    d = wrap_dim(dim, nd)
    if input.dtype.category < _FLOAT and input._data.size:
        kernel = "softmax_lastdim_kernel_impl" if d == nd - 1 or not nd else \
            "softmax_kernel_impl"
        raise _not_implemented(("log_" if cls is LogSoftmaxBackward0 else "") + kernel,
                               input.dtype)
    return execute(cls, (input,), (input._data,), (d if nd else 0,))


@export
def softmax(input, dim=None, dtype=None):
    """exp(x) / sum(exp(x)) along dim, computed stably; `dtype` casts the input first."""
    return _softmax(SoftmaxBackward0, input, dim, dtype, "softmax")


@export
def log_softmax(input, dim=None, dtype=None):
    """log(softmax(x)) along dim, computed stably; `dtype` casts the input first."""
    return _softmax(LogSoftmaxBackward0, input, dim, dtype, "log_softmax")


def softmin(input, dim=None, dtype=None):
    """softmax(-x) along dim (torch.nn.functional.softmin)."""
    return _softmax(SoftmaxBackward0, -input, dim, dtype, "softmin")


# --- differences ---------------------------------------------------------------------------

@export
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along dim, after concatenating prepend and append; bool
    inputs use xor. Built from slices and a subtraction, as in torch."""
    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = wrap_dim(dim, input._data.ndim)
    x = input
    if prepend is not None or append is not None:
        from ember._ops.shape import cat
        x = cat([t for t in (prepend, input, append) if t is not None], d)
    length = x.shape[d] - 1
    for _ in range(builtins.min(n, x.shape[d])):
        hi, lo = x.narrow(d, 1, length), x.narrow(d, 0, length)
        x = hi.logical_xor(lo) if x.dtype is _dt.bool else hi - lo
        length -= 1
    return x


def _check_weights(name, w, n, integral):
    if w.dim() > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                           f"{name} with {w.dim()} dimensions")
    if w.numel() != n:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                           f"observations in the input but got {w.numel()} != {n}")
    if integral and w.dtype.category != _dt.INT:
        raise RuntimeError(f"cov(): expected {name} to have integral dtype but got {name} "
                           f"with {_scalar_type_name(w.dtype)} dtype")
    if not integral and w.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"cov(): expected {name} to have floating point dtype but got "
                           f"{name} with {_scalar_type_name(w.dtype)} dtype")
    if bool((w._data < 0).any()):
        raise RuntimeError(f"cov(): {name} cannot be negative")


@export
def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of `input` (observations in the
    columns), as numpy.cov; `fweights` (integer frequency) and `aweights` (float importance)
    weight the observations, and `correction` is subtracted from the degrees of freedom."""
    if input.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got "
                           f"an input with {input.dim()} dimensions")
    obs = input if input.dim() == 2 else input.view(1, -1)
    n = obs.shape[1]
    if fweights is not None:
        _check_weights("fweights", fweights, n, True)
    if aweights is not None:
        _check_weights("aweights", aweights, n, False)
    w = fweights
    if aweights is not None:
        w = aweights if w is None else w * aweights
    w_sum = w.sum() if w is not None else make(xp.asarray(n, xp.int64), _dt.int64)
    avg = (obs if w is None else obs * w).sum(1) / w_sum
    if w is not None and correction != 0:
        norm = w_sum - correction * ((w * aweights).sum() / w_sum if aweights is not None
                                     else 1)
    else:
        norm = w_sum - correction
    if bool(norm._data <= 0):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm = norm * 0
    centred = obs - avg.unsqueeze(1)
    c = centred.mm((centred if w is None else centred * w).t().conj())
    return c.true_divide(norm).squeeze()


@export
def corrcoef(input):
    """The Pearson correlation coefficients of the variables in the rows of `input`, as
    numpy.corrcoef: cov(input) scaled by the standard deviations, clipped to [-1, 1]."""
    c = cov(input)
    if c.dim() == 0:
        return c / c
    d = c.diagonal()
    std = (d.real if d.is_complex() else d).sqrt()
    c = c / std.view(-1, 1)
    c = c / std.view(1, -1)
    if c.is_complex():
        from ember._ops.complex_ops import complex as _complex
        return _complex(c.real.clip(-1, 1), c.imag.clip(-1, 1))
    return c.clip(-1, 1)
