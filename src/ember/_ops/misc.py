"""Ops that round out torch's namespace: the `*_copy` forms of view ops, the `*_scatter`
ops (the inverse of a view: a copy of the input with the view's elements replaced),
`unsafe_split`, `index_reduce`, `renorm`, `igamma`/`igammac`, `binomial`, the `native_*`
normalisations that return their statistics, and torch's removed linear-algebra entry points.

A `*_copy` op runs its view op with `shape._COPY` set: the view's own checks and arguments,
and a node named as torch's (`PermuteBackward0_copy`) whose forward copies the view.
"""
import math
from contextlib import contextmanager

from ember._backend import dtypes as _dt
from ember._backend import random as _random
from ember._backend import xp
from ember._ops import shape as _shape
from ember._ops._util import as_tensor_arg, make, wrap_dim
from ember._ops.engine import GRAD, Node, execute
from ember._ops.indexing import ScatterReduceBackward0, _index_data
from ember._ops.registry import export
from ember._ops.shape import (AliasBackward0, DiagonalBackward0, DiagonalBackward0_copy,
                              SliceBackward0, SplitBackward0, SplitWithSizesBackward0,
                              _diagonal_array, _slice_array, _strided)


# --- *_copy: view ops that return fresh tensors ----------------------------------------------

_COPIES = {DiagonalBackward0: DiagonalBackward0_copy}


def _copy_node(cls):
    """torch's `<Node>_copy` for view node `cls`: its gradient, with the result copied."""
    node = _COPIES.get(cls)
    if node is None:
        def forward(self, *args):
            out = cls.forward(self, *args)
            if isinstance(out, tuple):
                return tuple(o.copy() for o in out)
            return out.copy()
        node = _COPIES[cls] = type(cls.__name__ + "_copy", (cls,),
                                   {"forward": forward, "__module__": __name__})
    return node


@contextmanager
def _copying(pick=_copy_node):
    prev = _shape._COPY.cls
    _shape._COPY.cls = pick
    try:
        yield
    finally:
        _shape._COPY.cls = prev


def _copy_of(view_fn, *args, **kwargs):
    with _copying():
        return view_fn(*args, **kwargs)


@export(method=False)
def view_copy(input, size):
    """input.view(size) as a new tensor (ViewBackward0_copy); `size` may be a dtype."""
    if isinstance(size, _dt.dtype):
        return input.view(size).clone()
    return _copy_of(input.view, tuple(size) if not isinstance(size, int) else (size,))


@export(method=False)
def permute_copy(input, dims):
    """input.permute(dims) as a new contiguous tensor."""
    return _copy_of(_shape.permute, input, *dims)


@export(method=False)
def transpose_copy(input, dim0, dim1):
    """input.transpose(dim0, dim1) as a new contiguous tensor."""
    return _copy_of(_shape.transpose, input, dim0, dim1)


@export(method=False)
def t_copy(input):
    """input.t() as a new contiguous tensor."""
    return _copy_of(_shape.t, input)


@export(method=False)
def expand_copy(input, size, *, implicit=False):
    """input.expand(size) materialised."""
    return _copy_of(_shape.expand, input, *size)


@export(method=False)
def squeeze_copy(input, dim=None):
    """input.squeeze(dim) as a new tensor."""
    return _copy_of(_shape.squeeze, input, dim)


@export(method=False)
def unsqueeze_copy(input, dim):
    """input.unsqueeze(dim) as a new tensor."""
    return _copy_of(_shape.unsqueeze, input, dim)


@export(method=False)
def diagonal_copy(input, offset=0, dim1=0, dim2=1):
    """input.diagonal(offset, dim1, dim2) as a new tensor."""
    return _copy_of(_shape.diagonal, input, offset, dim1, dim2)


@export(method=False)
def select_copy(input, dim, index):
    """input.select(dim, index) as a new tensor."""
    return _copy_of(_shape.select, input, dim, index)


def _slice_bounds(input, dim, start, end, step):
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, nd)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    n = input._data.shape[d]
    start, stop, step = slice(start, end, step).indices(n)
    return d, start, max(start, stop), step


@export(method=False)
def slice_copy(input, dim=0, start=None, end=None, step=1):
    """input[..., start:end:step, ...] (along dim) as a new tensor (SliceBackward0_copy)."""
    d, start, stop, step = _slice_bounds(input, dim, start, end, step)
    with _copying():
        return _shape._slice(input, d, start, stop, step)


@export(method=False)
def split_copy(input, split_size, dim=0):
    """input.split(split_size, dim) as new tensors."""
    return _copy_of(_shape.split, input, split_size, dim)


@export(method=False)
def split_with_sizes_copy(input, split_sizes, dim=0):
    """input.split_with_sizes(split_sizes, dim) as new tensors."""
    return _copy_of(_shape.split_with_sizes, input, split_sizes, dim)


@export(method=False)
def unbind_copy(input, dim=0):
    """input.unbind(dim) as new tensors."""
    return _copy_of(_shape.unbind, input, dim)


@export(method=False)
def unfold_copy(input, dimension, size, step):
    """input.unfold(dimension, size, step) as a new tensor."""
    return _copy_of(_shape.unfold, input, dimension, size, step)


class NarrowCopyBackward0(SliceBackward0):
    def forward(self, a, dim, start, stop, step):
        return super().forward(a, dim, start, stop, step).copy()


@export
def narrow_copy(input, dim, start, length):
    """input.narrow(dim, start, length) as a new tensor (NarrowCopyBackward0)."""
    with _copying(lambda cls: NarrowCopyBackward0 if cls is SliceBackward0 else _copy_node(cls)):
        return _shape.narrow(input, dim, start, length)


@export(method=False)
def alias_copy(input):
    """A copy of input through torch's alias node (AliasBackward0_copy)."""
    with _copying():
        return _shape._view(AliasBackward0, input)


@export(method=False)
def detach_copy(input):
    """input.detach() as a new tensor."""
    return input.detach().clone()


@export(method=False)
def as_strided_copy(input, size, stride, storage_offset=None):
    """input.as_strided(size, stride, storage_offset) as a new tensor."""
    return _copy_of(_shape.as_strided, input, size, stride, storage_offset)


@export(method=False)
def view_as_real_copy(input):
    """view_as_real(input) as a new tensor."""
    from ember._ops.elementwise import view_as_real
    return _copy_of(view_as_real, input)


@export(method=False)
def view_as_complex_copy(input):
    """view_as_complex(input) as a new tensor (not differentiable, as in torch)."""
    from ember._ops.elementwise import view_as_complex
    if GRAD.enabled and input.requires_grad:
        raise RuntimeError("view_as_complex_copy does not support automatic differentiation "
                           "for outputs with complex dtype.")
    return _copy_of(view_as_complex, input)


# --- unsafe_split: split without view tracking -------------------------------------------------

class UnsafeSplitBackward0(SplitBackward0):
    pass


class UnsafeSplitWithSizesBackward0(SplitWithSizesBackward0):
    pass


def _unsafe(cls):
    if cls is SplitWithSizesBackward0:
        return UnsafeSplitWithSizesBackward0
    return UnsafeSplitBackward0


@export
def unsafe_split(input, split_size, dim=0):
    """split() whose outputs are not tracked as views (in-place ops on them are allowed)."""
    with _copying(_unsafe):
        return _shape.split(input, split_size, dim)


@export
def unsafe_split_with_sizes(input, split_sizes, dim=0):
    """split_with_sizes() whose outputs are not tracked as views."""
    with _copying(_unsafe):
        return _shape.split_with_sizes(input, split_sizes, dim)


@export
def unsafe_chunk(input, chunks, dim=0):
    """chunk() whose outputs are not tracked as views (UnsafeSplitBackward0)."""
    with _copying(lambda cls: UnsafeSplitBackward0):
        return _shape.chunk(input, chunks, dim)


# --- *_scatter: a copy of input with a view's elements replaced by src -----------------------

class _ScatterNode(Node):
    """out = input copied, with `window(out)` (a view of it) set to src."""
    view = None  # view(tensor, *args) -> the view of a tensor that src fills
    scatter = None  # scatter(input, src, *args), the op itself (for double backward)

    def forward(self, a, s, window, args):
        self.args = args
        out = a.copy()
        window(out)[...] = s
        return out

    def backward(self, grad):
        from ember._ops.creation import zeros_like
        v = type(self).view(grad, *self.args)
        gx = type(self).scatter(grad, zeros_like(v), *self.args) if self.needs(0) else None
        return gx, (v.clone() if self.needs(1) else None)


def _scatter(cls, input, src, view_of, window, args, what):
    shape = tuple(view_of(input.detach(), *args).shape)  # the view's own argument checks
    if tuple(src.shape) != shape:
        raise RuntimeError(f"expected src to have a size equal to the {what} of self. src size "
                           f"= {list(src.shape)}, {what} size = {list(shape)}")
    s = src._data.astype(input.dtype.np, copy=False)
    return execute(cls, (input, src), (input._data, s), (window, args))


class SliceScatterBackward0(_ScatterNode):
    view = staticmethod(lambda t, d, start, stop, step: _shape._slice(t, d, start, stop, step))
    scatter = staticmethod(lambda t, s, d, start, stop, step: slice_scatter(t, s, d, start,
                                                                            stop, step))


@export
def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of input with input[..., start:end:step, ...] (along dim) replaced by src."""
    args = _slice_bounds(input, dim, start, end, step)
    return _scatter(SliceScatterBackward0, input, src, SliceScatterBackward0.view,
                    lambda a: _slice_array(a, *args), args, "slice")


class SelectScatterBackward0(_ScatterNode):
    view = staticmethod(lambda t, d, i: _shape.select(t, d, i))
    scatter = staticmethod(lambda t, s, d, i: select_scatter(t, s, d, i))


@export
def select_scatter(input, src, dim, index):
    """A copy of input with input.select(dim, index) replaced by src."""
    nd = input._data.ndim
    d = wrap_dim(dim, nd) if nd else dim
    key = (slice(None),) * (d if nd else 0) + (index, Ellipsis)
    return _scatter(SelectScatterBackward0, input, src, SelectScatterBackward0.view,
                    lambda a: a[key], (d, index), "slice")


class DiagonalScatterBackward0(_ScatterNode):
    view = staticmethod(lambda t, o, d1, d2: _shape.diagonal(t, o, d1, d2))
    scatter = staticmethod(lambda t, s, o, d1, d2: diagonal_scatter(t, s, o, d1, d2))


@export
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of input with its (offset, dim1, dim2) diagonal replaced by src."""
    d1, d2 = _shape._diag_dims(input._data.ndim, dim1, dim2)
    return _scatter(DiagonalScatterBackward0, input, src, DiagonalScatterBackward0.view,
                    lambda a: _diagonal_array(a, offset, d1, d2), (offset, d1, d2),
                    "diagonal")


def _dense_copy(a):
    """A copy of `a` with a's stride order (torch's clone of a dense tensor) and its flat
    buffer."""
    order = sorted(range(a.ndim), key=lambda i: -abs(a.strides[i]))
    flat = xp.array(a.transpose(order), order="C")  # always a copy
    inverse = [0] * a.ndim
    for i, d in enumerate(order):
        inverse[d] = i
    return flat.transpose(inverse), flat.reshape(-1)


class AsStridedScatterBackward0(_ScatterNode):
    view = staticmethod(lambda t, size, stride, off: _shape.as_strided(t.contiguous(), size,
                                                                       stride, off))
    scatter = staticmethod(lambda t, s, size, stride, off: as_strided_scatter(t, s, size,
                                                                              stride, off))

    def forward(self, a, s, window, args):
        self.args = args
        size, stride, off = args
        out, flat = _dense_copy(a)
        _strided(flat, size, stride, off or 0)[...] = s
        return out


@export
def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """A copy of input (same strides) with the as_strided(size, stride, storage_offset) window
    of its storage replaced by src."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if input.requires_grad and not input.is_contiguous():
        raise RuntimeError("as_strided_scatter is currently only supported for contiguous "
                           "inputs")
    args = (size, stride, storage_offset)
    return _scatter(AsStridedScatterBackward0, input, src, AsStridedScatterBackward0.view,
                    None, args, "view")


# --- index_reduce, renorm ------------------------------------------------------------------------

class IndexReduceBackward0(ScatterReduceBackward0):
    pass


@export
def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """A copy of input whose slices at `index` along dim are reduced ('prod', 'mean', 'amax'
    or 'amin') with source's slices (over source alone where include_self is False)."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    idx = _index_data(index, "index_reduce")
    nd = input._data.ndim
    d = wrap_dim(dim, max(nd, 1))
    if idx.ndim > 1:
        raise IndexError(f"index_reduce_(): Index is supposed to be a vector, but got dim: "
                         f"{idx.ndim}")
    if source.dtype != input.dtype:
        raise RuntimeError(f"index_reduce_(): self ({input.dtype}) and source "
                           f"({source.dtype}) must have the same scalar type")
    sshape = source._data.shape
    if source._data.ndim != nd or (nd and sshape[d] != idx.size):
        raise IndexError(f"index_reduce_(): Number of indices ({idx.size}) should be equal to "
                         f"source.size(dim) ({sshape[d] if nd else 1})")
    n = input._data.shape[d] if nd else 1
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError("index out of range in self")
    idx = xp.where(idx < 0, idx + n, idx)
    lead = [1] * nd
    if nd:
        lead[d] = -1
    full = xp.broadcast_to(idx.reshape(lead), sshape).copy()
    return execute(IndexReduceBackward0, (input, source), (input._data, source._data),
                   (d, full, reduce, include_self))


def _inplace(fn, name):
    def method(self, *args, **kwargs):
        from ember._ops.elementwise import check_inplace, inplace_from
        check_inplace(self)
        return inplace_from(self, fn(self, *args, **kwargs))
    method.__name__ = name
    method.__doc__ = f"In-place {fn.__name__}."
    return export(method, function=False)


index_reduce_ = _inplace(index_reduce, "index_reduce_")


@export
def renorm(input, p, dim, maxnorm):
    """Each slice along `dim` whose p-norm exceeds maxnorm is scaled to norm maxnorm."""
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.dtype.category < _dt.FLOAT:
        raise RuntimeError(f"renorm: expected a floating point or complex tensor, but got "
                           f"{input.dtype}")
    nd = input.dim()
    d = wrap_dim(dim, max(nd, 1))
    dims = [i for i in range(nd) if i != d]
    norm = input.detach().abs().pow(p).sum(dims, keepdim=True).pow(1.0 / p) if dims else \
        input.detach().abs()
    factor = (maxnorm / (norm + 1e-7)).masked_fill(norm <= maxnorm, 1.0)
    return execute(RenormBackward0, (input,), (input._data,), (factor._data, p, dims, maxnorm))


class RenormBackward0(Node):
    saves = (0,)

    def forward(self, a, factor, p, dims, maxnorm):
        self.p, self.dims, self.maxnorm = p, dims, maxnorm
        return (a * factor).astype(a.dtype)

    def backward(self, grad):
        (x,) = self.saved()
        p, dims = self.p, self.dims
        norm = x.abs().pow(p).sum(dims, keepdim=True).pow(1.0 / p) if dims else x.abs()
        over = norm > self.maxnorm
        factor = (self.maxnorm / (norm + 1e-7)).masked_fill(~over, 1.0)
        # d norm / dx = |x|^(p-1) sign(x) / norm^(p-1)
        dnorm = x.abs().pow(p - 1) * x.sgn() / norm.pow(p - 1)
        inner = (grad * x).sum(dims, keepdim=True) if dims else grad * x
        corr = -self.maxnorm / (norm + 1e-7).pow(2) * inner * dnorm
        return grad * factor + corr.masked_fill(~over, 0.0)


renorm_ = _inplace(renorm, "renorm_")


# --- igamma / igammac: regularised incomplete gamma functions -------------------------------

def _igamma_arrays(a, x):
    """P(a, x) on float arrays: a series for x < a + 1, a continued fraction otherwise."""
    lg = xp.vectorize(math.lgamma, otypes=[xp.float64])
    a64, x64 = xp.broadcast_arrays(a.astype(xp.float64), x.astype(xp.float64))
    out = xp.full(a64.shape, xp.nan)
    with xp.errstate(all="ignore"):
        ok = (a64 > 0) & (x64 > 0) & xp.isfinite(a64) & xp.isfinite(x64)
        aa, xx = xp.where(ok, a64, 1.0), xp.where(ok, x64, 1.0)
        log_pre = aa * xp.log(xx) - xx - lg(aa)
        # series: sum x^n / (a (a+1) ... (a+n))
        term = 1.0 / aa
        total = term.copy()
        ap = aa.copy()
        for _ in range(600):
            ap = ap + 1
            term = term * xx / ap
            total = total + term
        p_series = total * xp.exp(log_pre)
        # Lentz continued fraction for Q
        b = xx + 1 - aa
        c = xp.full_like(b, 1e300)
        dd = 1.0 / b
        h = dd.copy()
        for i in range(1, 600):
            an = -i * (i - aa)
            b = b + 2
            dd = an * dd + b
            dd = xp.where(xp.abs(dd) < 1e-300, 1e-300, dd)
            c = b + an / c
            c = xp.where(xp.abs(c) < 1e-300, 1e-300, c)
            dd = 1.0 / dd
            h = h * dd * c
        q_cf = xp.exp(log_pre) * h
        p = xp.where(xx < aa + 1, p_series, 1.0 - q_cf)
        out = xp.where(ok, p, out)
        out = xp.where((x64 == 0) & (a64 > 0), 0.0, out)
        out = xp.where((a64 == 0) & (x64 > 0), 1.0, out)
        out = xp.where(xp.isposinf(x64) & (a64 >= 0) & ~xp.isposinf(a64), 1.0, out)
        out = xp.where(xp.isposinf(a64) & xp.isfinite(x64) & (x64 >= 0), 0.0, out)
        out = xp.where((a64 < 0) | (x64 < 0), xp.nan, out)
    return out


def _igamma_operands(input, other, name):
    a, b = as_tensor_arg(input), as_tensor_arg(other)
    from ember._backend.dtypes import result_type_of
    groups = ([], [], [])
    for x, orig in ((a, input), (b, other)):
        if isinstance(orig, (int, float)):
            groups[2].append(_dt.scalar_dtype(orig))
        else:
            groups[0 if x.ndim else 1].append(x.dtype)
    dt = result_type_of(*groups)
    if dt.category != _dt.FLOAT:
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_dt_name(dt)}'")
    return a, b, dt


def _dt_name(dt):
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}.get(
        dt.name, dt.name)


class IgammaBackward0(Node):
    saves = (0, 1)
    sign = 1.0

    def forward(self, a, x, dt, upper):
        p = _igamma_arrays(a, x)
        return (1.0 - p if upper else p).astype(dt)

    def backward(self, grad):
        a, x = self.saved()
        if self.needs(0):
            raise NotImplementedError(f"the derivative for '{type(self).__name__[:-9].lower()}"
                                      f": input' is not implemented.")
        from ember._ops.special import lgamma
        d = (x.log() * (a - 1) - x - lgamma(a)).exp()
        return None, grad * d * self.sign


class IgammacBackward0(IgammaBackward0):
    sign = -1.0


def _igamma(input, other, upper):
    name = "igammac" if upper else "igamma"
    a, x, dt = _igamma_operands(input, other, name)
    cls = IgammacBackward0 if upper else IgammaBackward0
    return execute(cls, (a, x), (a._data, x._data), (dt.np, upper))


@export
def igamma(input, other, *, out=None):
    """The regularised lower incomplete gamma function P(input, other) (torch.special.
    gammainc); differentiable in `other` only, as in torch."""
    r = _igamma(input, other, False)
    return r if out is None else out.copy_(r)


@export
def igammac(input, other, *, out=None):
    """The regularised upper incomplete gamma function Q(input, other) = 1 - P."""
    r = _igamma(input, other, True)
    return r if out is None else out.copy_(r)


igamma_ = _inplace(igamma, "igamma_")
igammac_ = _inplace(igammac, "igammac_")


# --- binomial ----------------------------------------------------------------------------------

@export(method=False)
def binomial(count, prob, generator=None):
    """Draws from Binomial(count, prob), elementwise (float result, not differentiable)."""
    if count.dtype.category != _dt.FLOAT or prob.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"\"binomial_cpu\" not implemented for '{_dt_name(count.dtype)}'")
    n, p = xp.broadcast_arrays(count._data.astype(xp.int64), prob._data.astype(xp.float64))
    draws = _random.stream(generator).binomial(n, xp.clip(p, 0, 1))
    return make(draws.astype(count.dtype.np), count.dtype)


# --- removed linear-algebra entry points -------------------------------------------------------

def _removed(name, hint):
    def fn(*args, **kwargs):
        raise RuntimeError(f"This function was deprecated since version 1.9 and is now removed. "
                           f"{hint}")
    fn.__name__ = name
    fn.__doc__ = f"Removed from torch: raises RuntimeError pointing to {hint.split('`')[1]}."
    return export(fn, method=name != "matrix_rank")


matrix_rank = _removed("matrix_rank", "Please use the `torch.linalg.matrix_rank` function "
                                      "instead.")
solve = _removed("solve", "`torch.solve` is deprecated in favor of `torch.linalg.solve`.")
lstsq = _removed("lstsq", "`torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.")
eig = _removed("eig", "`torch.linalg.eig` returns complex tensors of dtype `cfloat` or "
                      "`cdouble` rather than real tensors mimicking complex tensors.")
symeig = _removed("symeig", "The default behavior has changed from using the upper "
                            "triangular portion of the matrix by default to using the lower "
                            "triangular portion. Use `torch.linalg.eigh`.")


# --- Tensor odds and ends: resize, set_, map_/apply_, predicates ------------------------------

def _check_resizable(self):
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")


def _contiguous_over_storage(self, shape):
    """`shape` laid out contiguously over self's storage from its storage offset (fresh,
    zero-tailed storage with the old elements first where the storage is too small)."""
    a = self._data
    n = 1
    for s in shape:
        n *= s
    root = _shape._root(a)
    start = (_shape._ptr(a) - _shape._ptr(root)) // a.itemsize
    have = root.nbytes // a.itemsize - start
    if n <= have:
        return _strided(a, tuple(shape), _contiguous_strides(shape)) if n else \
            xp.zeros(shape, a.dtype)
    old = _strided(a, (have,), (1,)) if have > 0 else xp.zeros(0, a.dtype)
    new = xp.zeros(n, a.dtype)
    new[:have] = old
    return new.reshape(shape)


def _contiguous_strides(shape):
    strides, acc = [], 1
    for s in reversed(shape):
        strides.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(strides))


@export(function=False)
def resize_(self, *sizes, memory_format=None):
    """Give self the shape `sizes`, contiguous over its storage: elements already in the
    storage are kept, new ones (when it grows) are zeros (torch leaves them uninitialised)."""
    from ember._ops._util import shape_arg
    from ember._ops.elementwise import check_inplace
    _check_resizable(self)
    check_inplace(self)
    shape = shape_arg(sizes)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: "
                           f"{list(shape)}")
    self._data = _contiguous_over_storage(self, shape)
    self._bump_version()
    return self


@export
def resize_as_(self, the_template, memory_format=None):
    """self.resize_(the_template.size())."""
    return resize_(self, tuple(the_template.shape))


@export(function=False)
def resize(self, *sizes):
    """The deprecated autograd resize: a reshape that must keep the number of elements."""
    from ember._ops._util import shape_arg
    shape = shape_arg(sizes)
    n = 1
    for s in shape:
        n *= s
    if n != self.numel():
        raise RuntimeError(f"requested resize to {'x'.join(map(str, shape))} ({n} elements in "
                           f"total), but the given tensor has a size of "
                           f"{'x'.join(map(str, self.shape))} ({self.numel()} elements). "
                           f"autograd's resize can only change the shape of a given tensor, "
                           f"while preserving the number of elements. ")
    return self.reshape(shape) if self.requires_grad else self.contiguous().view(shape)


@export(function=False)
def resize_as(self, tensor):
    """self.resize(tensor.size())."""
    return resize(self, tuple(tensor.shape))


@export(function=False)
def set_(self, source=None, storage_offset=0, size=None, stride=None):
    """Make self use `source`'s memory: a tensor (its storage, shape and strides), a storage
    (with the given offset, size and strides; the whole storage by default), or nothing
    (an empty tensor)."""
    from ember._ops.elementwise import check_inplace
    check_inplace(self)
    if source is None:
        data = xp.zeros(0, self.dtype.np)
    elif isinstance(source, engine_tensor()):
        if source.dtype != self.dtype:
            raise RuntimeError(f"Could not set tensor of type {self.dtype} to a tensor of "
                               f"type {source.dtype}")
        data = source._data
        if size is not None:
            data = _strided(data, tuple(size), tuple(stride) if stride is not None else
                            _contiguous_strides(size), storage_offset - source.storage_offset())
    else:  # a storage: its memory block as a flat array of self's dtype
        flat = source._array.reshape(-1).view(xp.uint8).view(self.dtype.np)
        if size is None:
            size = (flat.shape[0] - storage_offset,)
        strides = tuple(stride) if stride is not None else _contiguous_strides(size)
        data = _strided(flat, tuple(size), strides, storage_offset)
    self._data = data
    self._bump_version()
    return self


def engine_tensor():
    from ember._ops import engine
    return engine.Tensor


@export(function=False)
def is_set_to(self, tensor):
    """True if self and tensor share storage, offset, shape and strides."""
    a, b = self._data, tensor._data
    return bool(self.dtype == tensor.dtype and a.shape == b.shape and
                a.strides == b.strides and _shape._ptr(a) == _shape._ptr(b) and
                _shape._root(a) is _shape._root(b) or a is b)


def _py_apply(self, name, fn, *others):
    if self.requires_grad and GRAD.enabled:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use "
                           f"var.detach().{name}() instead.")
    data = self._data
    cols = [xp.broadcast_to(o._data, data.shape) for o in others]
    flat = [c.reshape(-1) for c in cols]
    cast = type(data.reshape(-1)[:1].tolist()[0]) if data.size else float
    out = [cast(fn(v, *(f[i].item() for f in flat)))
           for i, v in enumerate(data.reshape(-1).tolist())]
    data[...] = xp.asarray(out, dtype=data.dtype).reshape(data.shape)
    self._bump_version()
    return self


@export(function=False)
def apply_(self, callable):
    """Replace each element x of self (a CPU tensor) with callable(x), in place."""
    return _py_apply(self, "apply_", callable)


@export(function=False)
def map_(self, tensor, callable):
    """Replace each element x of self with callable(x, y), y the matching element of
    `tensor` (broadcast to self's shape), in place."""
    if tensor.dtype != self.dtype:
        from ember._ops.shape import _type_name
        raise TypeError(f"map_: expected {_type_name(self)} for 'other' (got "
                        f"{_type_name(tensor)})")
    return _py_apply(self, "map_", callable, tensor)


@export
def is_neg(input):
    """True if input carries torch's lazy negation bit (ember negates eagerly: False)."""
    m = input._meta
    return bool(m and m.get("neg"))


@export
def adjoint(input):
    """The conjugate transpose of the last two dims (a view; `.mH`)."""
    if input._data.ndim < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of "
                           f"matrices. Got {input._data.ndim}-D tensor.")
    return _shape._mH(input)


@export(function=False)
def dim_order(self, *, ambiguity_check=False):
    """The dims from outermost to innermost in memory (by decreasing stride)."""
    strides = self.stride()
    return tuple(sorted(range(len(strides)), key=lambda i: -strides[i]))


@export(function=False)
def const_data_ptr(self):
    """The address of self's first element (read-only use)."""
    return self.data_ptr()


@export
def as_strided_(self, size, stride, storage_offset=None):
    """Make self the as_strided(size, stride, storage_offset) view of its own storage."""
    from ember._ops.elementwise import check_inplace
    check_inplace(self)
    out = _shape.as_strided(self.detach(), size, stride, storage_offset)
    self._data = out._data
    return self


@export(method=False)
def fill(input, value):
    """A tensor of input's shape and dtype filled with value (FillBackward0)."""
    if hasattr(value, "_data") and value._data.ndim:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                           f"with {value._data.ndim} dimensions.")
    return execute(FillBackward0, (input,), (input._data,), (value,))


class FillBackward0(Node):
    def forward(self, a, value):
        v = value._data if hasattr(value, "_data") else value
        return xp.full(a.shape, v, a.dtype)

    def backward(self, grad):
        from ember._ops.creation import zeros_like
        return zeros_like(grad)


@export(method=False, names=())
def fill_(input, value):
    """input.fill_(value)."""
    return input.fill_(value)


@export(method=False)
def zero_(input):
    """input.zero_()."""
    return input.zero_()


@export(method=False)
def detach(input):
    """input.detach()."""
    return input.detach()


@export(method=False)
def detach_(input):
    """input.detach_()."""
    return input.detach_()


@export(method=False)
def index_put_(input, indices, values, accumulate=False):
    """input.index_put_(indices, values, accumulate)."""
    return input.index_put_(indices, values, accumulate)


@export(method=False)
def is_signed(input):
    """True if input's dtype is signed."""
    return input.is_signed()


@export(method=False)
def is_inference(input):
    """True if input is an inference tensor."""
    return input.is_inference()


@export(method=False)
def is_same_size(input, other):
    """True if input and other have the same shape."""
    return input.is_same_size(other)


@export(method=False)
def get_device(input):
    """The device index of input: -1 for CPU tensors."""
    return input.get_device()


@export(function=False)
def is_nonzero(self):
    """True if the single-element tensor self is not zero (RuntimeError otherwise)."""
    return self.__bool__()



# --- native_* normalisations and dropout: torch's tuples with their statistics ---------------

def _stats(x, dims, eps):
    """mean and 1 / sqrt(biased variance + eps) of detached x over dims (kept)."""
    x = x.detach()
    mean = x.mean(dims, keepdim=True)
    var = ((x - mean) ** 2).mean(dims, keepdim=True)
    return mean, (var + eps).rsqrt()


@export(method=False)
def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """layer_norm returning (output, mean, rstd); the statistics keep the normalised dims as
    size 1 and are outside autograd."""
    from ember._ops.nn_norm import layer_norm
    out = layer_norm(input, normalized_shape, weight, bias, eps)
    k = len(tuple(normalized_shape))
    dims = tuple(range(input.dim() - k, input.dim()))
    mean, rstd = _stats(input, dims, eps)
    return out, mean, rstd


@export(method=False)
def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """batch_norm returning (output, save_mean, save_invstd): the batch statistics per
    channel when training, empty tensors otherwise."""
    from ember._ops.nn_norm import batch_norm
    out = batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)
    if not training:
        empty = make(xp.zeros(0, input.dtype.np))
        return out, empty, empty.clone()
    dims = (0,) + tuple(range(2, input.dim()))
    mean, rstd = _stats(input, dims, eps)
    return out, mean.reshape(-1), rstd.reshape(-1)


@export(method=False)
def native_group_norm(input, weight, bias, N, C, HxW, group, eps):
    """group_norm returning (output, mean, rstd), the statistics of shape (N, group)."""
    from ember._ops.nn_norm import group_norm
    out = group_norm(input, group, weight, bias, eps)
    mean, rstd = _stats(input.reshape(N, group, -1), (2,), eps)
    return out, mean.reshape(N, group), rstd.reshape(N, group)


class NativeDropoutBackward0(Node):
    def forward(self, a, mask, scale):
        self.mask, self.scale = mask, scale
        return (a * mask * scale).astype(a.dtype)

    def backward(self, grad):
        from ember._ops.elementwise import where
        return where(make(self.mask), grad * self.scale, 0.0 * grad)


@export(method=False)
def native_dropout(input, p, train):
    """dropout returning (output, mask): elements kept with probability 1 - p and scaled by
    1 / (1 - p) when train (the identity, all kept, otherwise); `mask` is bool."""
    shape = input._data.shape
    if train is None or train:
        if not 0 <= 1 - p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={1 - p}")
        mask = _random.stream(None).random(shape) >= p if p < 1 else xp.zeros(shape, bool)
        scale = 0.0 if p >= 1 else 1.0 / (1 - p)
    else:
        mask, scale = xp.ones(shape, bool), 1.0
    out = execute(NativeDropoutBackward0, (input,), (input._data,), (mask, scale))
    return out, make(mask)


@export(method=False)
def native_norm(input, p=2, dim=None, keepdim=False, dtype=None):
    """torch's sparse-only norm kernel: raises NotImplementedError for dense tensors."""
    raise NotImplementedError("Could not run 'aten::native_norm' with arguments from the 'CPU' "
                              "backend. 'aten::native_norm' is only available for the "
                              "SparseCPU backend.")


@export(method=False)
def frobenius_norm(input, dim=(), keepdim=False):
    """The 2-norm over one or two dims (all when dim is empty): torch's legacy alias of
    linalg.vector_norm(input, 2, dim, keepdim)."""
    from ember._ops.reduction import NormBackward1
    dim = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dim) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dim)} dimensions "
                           f"instead.")
    if input.dtype.category < _dt.FLOAT:
        raise RuntimeError(f"frobenius_norm: expected a floating point or complex tensor as "
                           f"input. Got {input.dtype}")
    nd = input.dim()
    dims = tuple(sorted(wrap_dim(d, max(nd, 1)) for d in dim)) if dim else tuple(range(nd))
    return execute(NormBackward1, (input,), (input._data,), (2, dims, keepdim))


@export(method=False)
def nuclear_norm(input, dim=None, keepdim=False):
    """The sum of singular values of the matrices over dims `dim` (the last two by default):
    linalg.matrix_norm(input, 'nuc', dim, keepdim)."""
    from ember import linalg
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    if dim is None:
        dim = (-2, -1)
    return linalg.matrix_norm(input, "nuc", tuple(dim), keepdim)


@export(method=False)
def embedding_bag(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False,
                  per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """torch.embedding_bag: (output, offset2bag, bag_size, max_indices) for `mode` 0 (sum),
    1 (mean) or 2 (max); output is F.embedding_bag's."""
    from ember._ops.nn_norm import embedding_bag_impl
    names = {0: "sum", 1: "mean", 2: "max"}
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    out = embedding_bag_impl(weight, indices, offsets, names[mode], per_sample_weights,
                             include_last_offset, padding_idx, scale_grad_by_freq)
    idx = indices._data.reshape(-1).astype(xp.int64)
    offs = offsets._data.astype(xp.int64)
    nbags = out.shape[0]
    bags = xp.searchsorted(offs[:nbags], xp.arange(idx.shape[0]), side="right") - 1
    keep = idx != padding_idx if padding_idx is not None else xp.ones(idx.shape, bool)
    # torch's fast float32 sum kernel leaves offset2bag empty
    fast = mode == 0 and padding_idx is None and weight.dtype == _dt.float32
    offset2bag = xp.zeros(0, xp.int64) if fast else bags
    if mode == 0:
        bag_size = xp.zeros(offs.shape[0], xp.int64)
        return out, make(offset2bag), make(bag_size), make(bag_size.copy())
    bag_size = xp.bincount(bags[keep], minlength=nbags).astype(xp.int64)
    if mode == 1:
        return out, make(offset2bag), make(bag_size), make(bag_size.copy())
    w = weight._data
    max_idx = xp.zeros((nbags, w.shape[1]), xp.int64)
    for b in range(nbags):
        rows = idx[(bags == b) & keep]
        if rows.size:
            max_idx[b] = rows[xp.argmax(w[rows], axis=0)]
    return out, make(offset2bag), make(bag_size), make(max_idx)


# --- torch's low-level RNN entry points (torch.lstm, torch.gru_cell, ...) ---------------------

def _affine(x, w, b):
    y = x.matmul(w.t())
    return y if b is None else y + b


@export(method=False)
def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman RNN step: tanh(input W_ih^T + b_ih + hx W_hh^T + b_hh)."""
    return (_affine(input, w_ih, b_ih) + _affine(hx, w_hh, b_hh)).tanh()


@export(method=False)
def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman RNN step with ReLU: relu(input W_ih^T + b_ih + hx W_hh^T + b_hh)."""
    return (_affine(input, w_ih, b_ih) + _affine(hx, w_hh, b_hh)).relu()


@export(method=False)
def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step from hx = (h, c): returns (h', c') with gates i, f, g, o in that order
    along W's rows."""
    h, c = hx
    i, f, g, o = (_affine(input, w_ih, b_ih) + _affine(h, w_hh, b_hh)).chunk(4, 1)
    cy = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * cy.tanh(), cy


@export(method=False)
def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step: r, z gates and the candidate n (rows of W in that order);
    h' = n + z * (hx - n)."""
    i_r, i_z, i_n = _affine(input, w_ih, b_ih).chunk(3, 1)
    h_r, h_z, h_n = _affine(hx, w_hh, b_hh).chunk(3, 1)
    r = (i_r + h_r).sigmoid()
    z = (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return (hx - n) * z + n


def _rnn(mode, input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
         batch_first):
    """The stacked (and optionally bidirectional) recurrence behind torch.lstm / gru /
    rnn_tanh / rnn_relu, step by step with the cell functions above."""
    from ember._ops.nn_norm import dropout as _dropout
    from ember._ops.shape import cat, stack
    dirs = 2 if bidirectional else 1
    params = list(params)
    per = len(params) // (num_layers * dirs)
    proj = per == (5 if has_biases else 3)
    h0, c0 = (hx if mode == "lstm" else (hx, None))
    x = input.transpose(0, 1) if batch_first else input
    unbatched = x.dim() == 2
    if unbatched:
        x, h0 = x.unsqueeze(1), h0.unsqueeze(1)
        c0 = c0.unsqueeze(1) if c0 is not None else None
    cell = {"lstm": lstm_cell, "gru": gru_cell, "rnn_tanh": rnn_tanh_cell,
            "rnn_relu": rnn_relu_cell}[mode]
    hs, cs = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            w = params[k * per:(k + 1) * per]
            w_ih, w_hh = w[0], w[1]
            b_ih, b_hh = (w[2], w[3]) if has_biases else (None, None)
            w_hr = w[-1] if proj else None
            h = h0[k]
            c = c0[k] if c0 is not None else None
            steps = range(x.shape[0] - 1, -1, -1) if d else range(x.shape[0])
            seq = [None] * x.shape[0]
            for t in steps:
                if mode == "lstm":
                    h, c = cell(x[t], (h, c), w_ih, w_hh, b_ih, b_hh)
                    if w_hr is not None:
                        h = h.matmul(w_hr.t())
                else:
                    h = cell(x[t], h, w_ih, w_hh, b_ih, b_hh)
                seq[t] = h
            outs.append(stack(seq, 0))
            hs.append(h)
            cs.append(c)
        x = outs[0] if dirs == 1 else cat(outs, 2)
        if dropout and train and layer < num_layers - 1:
            x = _dropout(x, dropout, True)
    h_n = stack(hs, 0)
    c_n = stack(cs, 0) if mode == "lstm" else None
    if unbatched:
        x, h_n = x.squeeze(1), h_n.squeeze(1)
        c_n = c_n.squeeze(1) if c_n is not None else None
    elif batch_first:  # torch's GRU/RNN kernels transpose their result in place
        x = x.transpose(0, 1) if mode == "lstm" else x.transpose_(0, 1)
    return (x, h_n, c_n) if mode == "lstm" else (x, h_n)


@export(method=False)
def lstm(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
         batch_first):
    """torch.lstm: a multi-layer LSTM over `input` from hx = (h0, c0) with the flat weight
    list `params` (nn.LSTM's _flat_weights order); returns (output, h_n, c_n)."""
    return _rnn("lstm", input, hx, params, has_biases, num_layers, dropout, train,
                bidirectional, batch_first)


@export(method=False)
def gru(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
        batch_first):
    """torch.gru: a multi-layer GRU; returns (output, h_n)."""
    return _rnn("gru", input, hx, params, has_biases, num_layers, dropout, train,
                bidirectional, batch_first)


@export(method=False)
def rnn_tanh(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
             batch_first):
    """torch.rnn_tanh: a multi-layer Elman RNN with tanh; returns (output, h_n)."""
    return _rnn("rnn_tanh", input, hx, params, has_biases, num_layers, dropout, train,
                bidirectional, batch_first)


@export(method=False)
def rnn_relu(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
             batch_first):
    """torch.rnn_relu: a multi-layer Elman RNN with ReLU; returns (output, h_n)."""
    return _rnn("rnn_relu", input, hx, params, has_biases, num_layers, dropout, train,
                bidirectional, batch_first)

# --- runtime switches (not ops: published by ember/__init__) ----------------------------------

_WARN_ALWAYS = [False]


def set_warn_always(b):
    """torch.set_warn_always: when True, warnings that torch gives once are given every time
    (ember records the flag)."""
    _WARN_ALWAYS[0] = bool(b)


def is_warn_always_enabled():
    """The flag set by set_warn_always (False by default)."""
    return _WARN_ALWAYS[0]


def is_distributed(input):
    """False: ember tensors are never distributed (torch's legacy query)."""
    return False


def init_num_threads():
    """Initialise the intra-op thread pool (nothing to do in ember)."""
    return None


def set_flush_denormal(mode):
    """Ask the CPU to flush denormal floats to zero; returns True where supported, as torch on
    an x86 CPU with SSE3 (ember's NumPy arithmetic is unaffected)."""
    return True


# Tensor properties that are False for every ember tensor (devices and layouts ember lacks)
FALSE_PROPERTIES = ("is_xpu", "is_mps", "is_ipu", "is_xla", "is_mtia", "is_maia", "is_vulkan",
                    "is_mkldnn", "is_nested", "is_sparse_csr")
