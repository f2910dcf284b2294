"""Indexing: `t[...]` and `t[...] = v` with torch's rules (basic indexing gives views;
integer, boolean and fancy indexing copy), gather/scatter, index_* and masked_* ops."""
from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops import engine
from ember._ops._util import make, wrap_dim
from ember._ops.engine import GRAD, Node, execute
from ember._ops.registry import export

ndarray = xp.ndarray


# --- key parsing ------------------------------------------------------------------------------

def _is_basic(k):
    return k is None or k is Ellipsis or isinstance(k, (int, slice)) and not isinstance(k, bool)


def _convert_key(key):
    """The key as a tuple with tensors and lists turned into backend arrays."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, engine.Tensor):
            if k.dtype.category > _dt.INT:
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
            a = k._data
            if a.dtype == xp.uint8:
                a = a.astype(bool)
            if a.ndim == 0 and a.dtype != xp.bool_:
                out.append(int(a))
            else:
                out.append(a)
        elif isinstance(k, (list, tuple)):
            a = xp.asarray(_flatten_tensors(k))
            if a.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
            out.append(a)
        elif isinstance(k, bool):
            out.append(k)
        elif k is None or k is Ellipsis or isinstance(k, (int, slice)):
            if isinstance(k, slice):
                k = slice(_idx(k.start), _idx(k.stop), _idx(k.step))
                if k.step is not None and k.step <= 0:
                    raise ValueError("step must be greater than zero")
            out.append(k)
        elif isinstance(k, ndarray):
            out.append(k)
        elif hasattr(k, "__index__"):
            out.append(k.__index__())
        else:
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or "
                             "byte Variables are valid indices (got "
                             f"{type(k).__name__})")
    return tuple(out)


def _idx(v):
    if v is None or isinstance(v, int):
        return v
    return v.__index__()


def _flatten_tensors(k):
    return [(_flatten_tensors(v) if isinstance(v, (list, tuple)) else
             (v.item() if isinstance(v, engine.Tensor) else v)) for v in k]


def _check_bounds(shape, key):
    """torch's IndexError for out-of-range integer and boolean indices."""
    dim = 0
    n_explicit = sum(1 for k in key if k is not None and k is not Ellipsis and
                     not (isinstance(k, ndarray) and k.dtype == xp.bool_)) + \
        sum(k.ndim for k in key if isinstance(k, ndarray) and k.dtype == xp.bool_)
    if n_explicit > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
    for k in key:
        if k is None:
            continue
        if k is Ellipsis:
            dim = len(shape) - (n_explicit - dim)
            continue
        if isinstance(k, bool):
            continue
        if isinstance(k, int):
            n = shape[dim]
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {n}")
            dim += 1
        elif isinstance(k, ndarray):
            if k.dtype == xp.bool_:
                for i, s in enumerate(k.shape):
                    if dim + i >= len(shape) or shape[dim + i] != s:
                        raise IndexError(
                            f"The shape of the mask {list(k.shape)} at index {i} does not match "
                            f"the shape of the indexed tensor {list(shape)} at index {dim + i}")
                dim += k.ndim
            else:
                n = shape[dim]
                if k.size and (k.max() >= n or k.min() < -n):
                    bad = int(k.max()) if k.max() >= n else int(k.min())
                    raise IndexError(f"index {bad} is out of bounds for dimension {dim} with "
                                     f"size {n}")
                dim += 1
        else:
            dim += 1


# --- reading -----------------------------------------------------------------------------------

class IndexBackward0(Node):
    def forward(self, a, key):
        self.in_shape, self.key = a.shape, key
        return a[key]

    def backward(self, grad):
        return execute(IndexPutImplBackward0, (grad,), (grad._data,), (self.in_shape, self.key))


class IndexPutImplBackward0(Node):
    """zeros(shape) with `grad` accumulated at an advanced-index `key`."""

    def forward(self, g, shape, key):
        self.key = key
        out = xp.zeros(shape, g.dtype)
        xp.add.at(out, key, g)
        return out

    def backward(self, grad):
        return execute(IndexBackward0, (grad,), (grad._data,), (self.key,))


def getitem(self, key):
    """`self[key]` with torch's indexing rules."""
    if key.__class__ is int:
        from ember._ops.shape import select
        return select(self, 0, key)
    key = _convert_key(key)
    if all(_is_basic(k) for k in key):
        return _basic_index(self, key)
    _check_bounds(self._data.shape, key)
    if any(isinstance(k, bool) for k in key):
        key = tuple(xp.asarray(k) if isinstance(k, bool) else k for k in key)
    return execute(IndexBackward0, (self,), (self._data,), (key,))


def _basic_index(t, key):
    from ember._ops.shape import _slice, select, unsqueeze
    ndim = t._data.ndim
    n_explicit = sum(1 for k in key if k is not None and k is not Ellipsis)
    if n_explicit > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    dim = 0
    out = t
    for k in key:
        if k is None:
            out = unsqueeze(out, dim)
            dim += 1
        elif k is Ellipsis:
            dim += ndim - n_explicit
        elif isinstance(k, int):
            n = out._data.shape[dim]
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {n}")
            out = select(out, dim, k)
        else:
            n = out._data.shape[dim]
            start, stop, step = k.indices(n)
            if not (start == 0 and stop == n and step == 1):
                out = _slice(out, dim, start, max(stop, start), step)
            dim += 1
    if out is t:
        from ember._ops.shape import _view, ViewBackward0
        return _view(ViewBackward0, t, (t._data.shape,)) if t._requires_grad else \
            _alias(t)
    return out


def _alias(t):
    from ember._ops.shape import _share_version
    return _share_version(t, make(t._data.view(), t.dtype))


# --- writing -----------------------------------------------------------------------------------

class IndexPutBackward0(Node):
    def forward(self, a, v, key, accumulate):
        self.key, self.accumulate = key, accumulate
        self.v_shape = v.shape if v.__class__ is ndarray else ()
        out = a.copy()
        if accumulate:
            xp.add.at(out, key, v)
        else:
            out[key] = v
        return out

    def backward(self, grad):
        ga = None
        if self.needs(0):
            if self.accumulate:
                ga = grad
            else:
                ga = grad.index_put(self._tensor_key(), _zero_like_scalar(grad), False)
        gv = None
        if self.needs(1):
            gv = execute(IndexBackward0, (grad,), (grad._data,), (self.key,))
        return ga, gv

    def _tensor_key(self):
        return tuple(make(k) if isinstance(k, ndarray) else k for k in self.key)


def _zero_like_scalar(t):
    return make(xp.zeros((), t.dtype.np))


def _value_array(self, value):
    if isinstance(value, engine.Tensor):
        if value.device is not self.device:
            raise RuntimeError("Expected all tensors to be on the same device, but found at "
                               f"least two devices, {self.device} and {value.device}!")
        return value._data
    if isinstance(value, (int, float, bool, complex)):
        return value
    return xp.asarray(value)


def setitem(self, key, value):
    """`self[key] = value`: writes in place, broadcasting value to the indexed shape."""
    from ember._ops.elementwise import check_inplace
    check_inplace(self)
    recording = GRAD.enabled and (self._requires_grad or (isinstance(value, engine.Tensor)
                                                          and value._requires_grad))
    ckey = _convert_key(key)
    if all(_is_basic(k) for k in ckey):
        if recording:
            view = _basic_index(self, ckey)
            if view is self or view._data is self._data:
                view = self
            v = value if isinstance(value, engine.Tensor) else _scalar_tensor(value, self)
            from ember._ops.elementwise import copy_
            copy_(view, v)
            return
        target = self._data[ckey] if ckey else self._data
        val = _value_array(self, value)
        try:
            if isinstance(target, ndarray) and target.ndim:
                xp.copyto(target, val, casting="unsafe") if isinstance(val, ndarray) else \
                    target.fill(val) if not isinstance(val, complex) else target.fill(val)
            else:
                self._data[ckey] = val
        except ValueError:
            raise RuntimeError(f"shape mismatch: value tensor of shape "
                               f"{list(getattr(val, 'shape', ()))} cannot be broadcast to "
                               f"indexing result of shape {list(target.shape)}") from None
        self._bump_version()
        return
    _check_bounds(self._data.shape, ckey)
    if any(isinstance(k, bool) for k in ckey):
        ckey = tuple(xp.asarray(k) if isinstance(k, bool) else k for k in ckey)
    if recording:
        from ember._ops.elementwise import inplace_from
        v = value if isinstance(value, engine.Tensor) else _scalar_tensor(value, self)
        inplace_from(self, _index_put(self, ckey, v, False))
        return
    val = _value_array(self, value)
    try:
        self._data[ckey] = val
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape "
                           f"{list(getattr(val, 'shape', ()))} cannot be broadcast to indexing "
                           f"result of shape {list(self._data[ckey].shape)}") from None
    self._bump_version()


def _scalar_tensor(value, like):
    return make(xp.asarray(value, dtype=like.dtype.np), like.dtype)


def _index_put(input, key, values, accumulate):
    v = values._data if values.dtype is input.dtype else values._data.astype(input.dtype.np)
    return execute(IndexPutBackward0, (input, values), (input._data, v), (key, accumulate))


@export
def index_put(input, indices, values, accumulate=False):
    """A copy of input with `values` written (or added) at the tuple of index tensors."""
    key = _convert_key(tuple(indices))
    _check_bounds(input._data.shape, key)
    return _index_put(input, key, values, accumulate)


@export(function=False)
def index_put_(self, indices, values, accumulate=False):
    from ember._ops.elementwise import check_inplace, inplace_from
    check_inplace(self)
    return inplace_from(self, index_put(self, indices, values, accumulate))


# --- index_select / gather / scatter -------------------------------------------------------------

def _index_tensor(index, name="index"):
    if not isinstance(index, engine.Tensor):
        from ember._ops.creation import tensor
        index = tensor(index)
    if index.dtype not in (_dt.int64, _dt.int32):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    return index


class IndexSelectBackward0(Node):
    def forward(self, a, dim, idx):
        self.in_shape, self.dim, self.idx = a.shape, dim, idx
        return xp.take(a, idx, axis=dim)

    def backward(self, grad):
        from ember._ops.creation import zeros
        return zeros(self.in_shape, dtype=grad.dtype).index_add(self.dim, make(self.idx), grad)


@export
def index_select(input, dim, index):
    """Entries of input along dim at the positions in a 1-D index tensor."""
    index = _index_tensor(index, "index_select")
    if index._data.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    nd = input._data.ndim
    d = wrap_dim(dim, nd) if nd else 0
    n = input._data.shape[d] if nd else 1
    idx = index._data.reshape(-1)
    if idx.size and (idx.max() >= n or idx.min() < -n):
        raise IndexError(f"index out of range in self")
    if nd == 0:
        return execute(IndexSelectBackward0, (input,), (input._data.reshape(1),),
                       (0, idx)).reshape(())
    return execute(IndexSelectBackward0, (input,), (input._data,), (d, idx))


def _check_gather(input, dim, index, name):
    nd = input._data.ndim
    if index._data.ndim != nd and not (nd == 0 and index._data.ndim <= 1):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as "
                           f"{'input' if name == 'gather' else 'self'} tensor")
    d = wrap_dim(dim, nd) if nd else 0
    idx = index._data
    n = input._data.shape[d] if nd else 1
    if idx.size and (idx.max() >= n or idx.min() < 0):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {n}")
    for k in range(nd):
        if k != d and idx.shape[k] > input._data.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{list(idx.shape)} to be no larger than self "
                               f"{list(input.shape)} apart from dimension {d}")
    return d


class GatherBackward0(Node):
    def forward(self, a, dim, idx):
        self.in_shape, self.dim, self.idx = a.shape, dim, idx
        sub = a[tuple(slice(0, s) if k != dim else slice(None) for k, s in enumerate(idx.shape))]
        return xp.take_along_axis(sub, idx, axis=dim)

    def backward(self, grad):
        return _scatter_add_into_zeros(grad, self.dim, make(self.idx), self.in_shape)


@export
def gather(input, dim, index, *, sparse_grad=False):
    """out[i][j] = input[i][index[i][j]] (for dim=1), and likewise in other dims."""
    index = _index_tensor(index, "gather")
    d = _check_gather(input, dim, index, "gather")
    return execute(GatherBackward0, (input,), (input._data,), (d, index._data))


def _scatter_arrays(out, dim, idx, src, reduce=None):
    """Write (or reduce) src into out at idx along dim, in place on `out`."""
    grids = xp.indices(idx.shape, sparse=True)
    key = tuple(idx if k == dim else grids[k] for k in range(idx.ndim))
    src = src[tuple(slice(0, s) for s in idx.shape)] if isinstance(src, ndarray) and \
        src.ndim else src
    if reduce is None:
        out[key] = src
    elif reduce in ("add", "sum"):
        xp.add.at(out, key, src)
    elif reduce in ("multiply", "prod"):
        xp.multiply.at(out, key, src)
    elif reduce == "amax":
        xp.maximum.at(out, key, src)
    elif reduce == "amin":
        xp.minimum.at(out, key, src)
    return out


def _scatter_add_into_zeros(grad, dim, index, shape):
    from ember._ops.creation import zeros
    return zeros(shape, dtype=grad.dtype).scatter_add(dim, index, grad)


def _scatter_into_zeros(grad, dim, index, shape):
    from ember._ops.creation import zeros
    return zeros(shape, dtype=grad.dtype).scatter(dim, index, grad)


class ScatterBackward0(Node):
    def forward(self, a, src, dim, idx, reduce):
        self.dim, self.idx = dim, idx
        return _scatter_arrays(a.copy(), dim, idx, src, reduce)

    def backward(self, grad):
        idx = make(self.idx)
        ga = grad.scatter(self.dim, idx, 0.0) if self.needs(0) else None
        gs = grad.gather(self.dim, idx) if self.needs(1) else None
        return ga, gs


class ScatterBackward1(Node):
    def forward(self, a, dim, idx, value, reduce):
        self.dim, self.idx = dim, idx
        return _scatter_arrays(a.copy(), dim, idx, value, reduce)

    def backward(self, grad):
        return grad.scatter(self.dim, make(self.idx), 0.0)


class ScatterAddBackward0(Node):
    def forward(self, a, src, dim, idx):
        self.dim, self.idx = dim, idx
        return _scatter_arrays(a.copy(), dim, idx, src, "add")

    def backward(self, grad):
        return grad, (grad.gather(self.dim, make(self.idx)) if self.needs(1) else None)


@export
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of input with src (a tensor or a number) written at index along dim."""
    index = _index_tensor(index, "scatter")
    if src is None:
        src = value
    d = _check_gather(input, dim, index, "scatter")
    if isinstance(src, engine.Tensor):
        s = src._data if src.dtype is input.dtype else src._data.astype(input.dtype.np)
        return execute(ScatterBackward0, (input, src), (input._data, s), (d, index._data, reduce))
    return execute(ScatterBackward1, (input,), (input._data,), (d, index._data, src, reduce))


@export
def scatter_add(input, dim, index, src):
    """A copy of input with src added at index along dim (repeated indices accumulate)."""
    index = _index_tensor(index, "scatter_add")
    d = _check_gather(input, dim, index, "scatter_add")
    s = src._data if src.dtype is input.dtype else src._data.astype(input.dtype.np)
    return execute(ScatterAddBackward0, (input, src), (input._data, s), (d, index._data))


class ScatterReduceBackward0(Node):
    saves = (0, 1)
    saves_result = True

    def forward(self, a, src, dim, idx, reduce, include_self):
        self.dim, self.idx, self.reduce, self.include_self = dim, idx, reduce, include_self
        out = a.copy()
        if reduce == "mean":
            count = xp.ones_like(a) if include_self else xp.zeros_like(a)
            if not include_self:
                _scatter_arrays(out, dim, idx, xp.zeros_like(src), None)
            _scatter_arrays(out, dim, idx, src, "add")
            _scatter_arrays(count, dim, idx, xp.ones_like(src), "add")
            with xp.errstate(divide="ignore", invalid="ignore"):
                res = out / xp.maximum(count, 1)
            return res.astype(a.dtype) if a.dtype.kind in "fc" else \
                xp.floor_divide(out, xp.maximum(count, 1)).astype(a.dtype)
        if not include_self:
            fill = {"sum": 0, "prod": 1, "amax": -xp.inf, "amin": xp.inf}[reduce]
            if a.dtype.kind in "iub" and reduce in ("amax", "amin"):
                info = xp.iinfo(a.dtype)
                fill = info.min if reduce == "amax" else info.max
            _scatter_arrays(out, dim, idx, xp.full_like(src, fill), None)
        return _scatter_arrays(out, dim, idx, src, reduce)

    def backward(self, grad):
        x, src, result = self.saved()
        idx = make(self.idx)
        d = self.dim
        if self.reduce == "sum":
            return (grad if self.include_self else grad.scatter(d, idx, 0.0),
                    grad.gather(d, idx))
        if self.reduce == "mean":
            from ember._ops.creation import ones_like, zeros_like
            count = ones_like(x) if self.include_self else zeros_like(x)
            count = count.scatter_add(d, idx, ones_like(src))
            count = count.clamp_min(1)
            g = grad / count
            gx = g if self.include_self else g.scatter(d, idx, 0.0)
            return gx, g.gather(d, idx)
        if self.reduce in ("amax", "amin"):
            sel_x = (x == result) if self.include_self else (x * 0).bool()
            sel_s = src == result.gather(d, idx)
            from ember._ops.creation import zeros_like
            count = sel_x.to(grad.dtype).scatter_add(d, idx, sel_s.to(grad.dtype))
            g = grad / count
            return g * sel_x, g.gather(d, idx) * sel_s
        # prod
        gx = grad * result / x if self.include_self else grad.scatter(d, idx, 0.0)
        return gx, (grad * result).gather(d, idx) / src


@export
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce src into a copy of input at index along dim ('sum', 'prod', 'mean', 'amax',
    'amin')."""
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    index = _index_tensor(index, "scatter_reduce")
    d = _check_gather(input, dim, index, "scatter_reduce")
    s = src._data if src.dtype is input.dtype else src._data.astype(input.dtype.np)
    return execute(ScatterReduceBackward0, (input, src), (input._data, s),
                   (d, index._data, reduce, include_self))


def _inplace_version(fn):
    def method(self, *args, **kwargs):
        from ember._ops.elementwise import check_inplace, inplace_from
        check_inplace(self)
        return inplace_from(self, fn(self, *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place {fn.__name__}."
    return export(method, function=False)


class IndexAddBackward0(Node):
    def forward(self, a, src, dim, idx, alpha):
        self.dim, self.idx, self.alpha = dim, idx, alpha
        out = a.copy()
        key = (slice(None),) * dim + (idx,)
        xp.add.at(out, key, src * alpha if alpha != 1 else src)
        return out

    def backward(self, grad):
        gs = None
        if self.needs(1):
            gs = grad.index_select(self.dim, make(self.idx))
            if self.alpha != 1:
                gs = gs * self.alpha
        return grad, gs


@export
def index_add(input, dim, index, source, *, alpha=1):
    """A copy of input with alpha * source added at the index positions along dim."""
    index = _index_tensor(index, "index_add")
    d = wrap_dim(dim, input._data.ndim) if input._data.ndim else 0
    s = source._data if source.dtype is input.dtype else source._data.astype(input.dtype.np)
    return execute(IndexAddBackward0, (input, source), (input._data, s),
                   (d, index._data.reshape(-1), alpha))


class IndexCopyBackward0(Node):
    def forward(self, a, src, dim, idx):
        self.dim, self.idx = dim, idx
        out = a.copy()
        out[(slice(None),) * dim + (idx,)] = src
        return out

    def backward(self, grad):
        idx = make(self.idx)
        return (grad.index_fill(self.dim, idx, 0.0) if self.needs(0) else None,
                grad.index_select(self.dim, idx) if self.needs(1) else None)


@export
def index_copy(input, dim, index, source):
    """A copy of input with source's slices written at the index positions along dim."""
    index = _index_tensor(index, "index_copy")
    d = wrap_dim(dim, input._data.ndim) if input._data.ndim else 0
    s = source._data if source.dtype is input.dtype else source._data.astype(input.dtype.np)
    return execute(IndexCopyBackward0, (input, source), (input._data, s),
                   (d, index._data.reshape(-1)))


class IndexFillBackward0(Node):
    def forward(self, a, dim, idx, value):
        self.dim, self.idx = dim, idx
        out = a.copy()
        out[(slice(None),) * dim + (idx,)] = value
        return out

    def backward(self, grad):
        return grad.index_fill(self.dim, make(self.idx), 0.0)


@export
def index_fill(input, dim, index, value):
    """A copy of input with `value` at the index positions along dim."""
    index = _index_tensor(index, "index_fill")
    d = wrap_dim(dim, input._data.ndim) if input._data.ndim else 0
    if isinstance(value, engine.Tensor):
        value = value.item()
    return execute(IndexFillBackward0, (input,), (input._data,), (d, index._data.reshape(-1),
                                                                  value))


for _fn in (scatter, scatter_add, scatter_reduce, index_add, index_copy, index_fill):
    _inplace_version(_fn)


class MaskedFillBackward0(Node):
    def forward(self, a, mask, value):
        self.mask = mask
        return xp.where(mask, xp.asarray(value, dtype=a.dtype), a)

    def backward(self, grad):
        return grad.masked_fill(make(self.mask), 0.0)


class MaskedFillBackward1(Node):
    def forward(self, a, v, mask):
        self.mask = mask
        return xp.where(mask, v, a)

    def backward(self, grad):
        m = make(self.mask)
        return (grad.masked_fill(m, 0.0) if self.needs(0) else None,
                (grad * m).sum() if self.needs(1) else None)


def _mask(mask):
    if mask.dtype not in (_dt.bool, _dt.uint8):
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype}")
    return mask._data.astype(bool, copy=False)


@export
def masked_fill(input, mask, value):
    """input with `value` wherever mask is True (mask broadcasts)."""
    m = _mask(mask)
    try:
        xp.broadcast_shapes(m.shape, input._data.shape)
    except ValueError:
        from ember._ops._util import broadcast_shapes
        broadcast_shapes(input._data.shape, m.shape)
    if isinstance(value, engine.Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value._data.ndim} dimension(s).")
        if value._requires_grad:
            return execute(MaskedFillBackward1, (input, value),
                           (input._data, value._data.astype(input.dtype.np)), (m,))
        value = value.item()
    if input.dtype.category < _dt.FLOAT and isinstance(value, float) and not \
            float(value).is_integer():
        pass
    out = execute(MaskedFillBackward0, (input,), (input._data,), (m, value))
    if out._data.shape != input._data.shape:
        raise RuntimeError("masked_fill: the mask's shape broadcasts beyond the tensor's shape")
    return out


_inplace_version(masked_fill)


class MaskedScatterBackward0(Node):
    def forward(self, a, src, mask):
        self.mask = xp.broadcast_to(mask, a.shape)
        self.src_shape = src.shape
        out = a.copy()
        n = int(self.mask.sum())
        out[self.mask] = src.reshape(-1)[:n]
        return out

    def backward(self, grad):
        m = make(self.mask)
        gs = None
        if self.needs(1):
            from ember._ops.creation import zeros
            from ember._ops.shape import cat
            sel = grad.masked_select(m)
            n = 1
            for s in self.src_shape:
                n *= s
            gs = cat([sel, zeros(n - sel.numel(), dtype=grad.dtype)]).reshape(self.src_shape)
        return grad.masked_fill(m, 0.0), gs


@export
def masked_scatter(input, mask, source):
    """Copy source's elements, in order, into input where mask is True."""
    m = _mask(mask)
    if int(xp.broadcast_to(m, input._data.shape).sum()) > source._data.size:
        raise RuntimeError("masked_scatter: expected source to have at least as many elements "
                           "as ones in mask")
    return execute(MaskedScatterBackward0, (input, source), (input._data, source._data), (m,))


_inplace_version(masked_scatter)


class MaskedSelectBackward0(Node):
    def forward(self, a, mask):
        shape = xp.broadcast_shapes(a.shape, mask.shape)
        self.in_shape = a.shape
        self.mask = xp.broadcast_to(mask, shape)
        return xp.broadcast_to(a, shape)[self.mask]

    def backward(self, grad):
        from ember._ops.creation import zeros
        full = zeros(self.mask.shape, dtype=grad.dtype)
        return full.masked_scatter(make(self.mask), grad)


@export
def masked_select(input, mask):
    """1-D tensor of input's elements where mask (broadcast) is True."""
    m = _mask(mask)
    return execute(MaskedSelectBackward0, (input,), (input._data,), (m,))


class TakeBackward0(Node):
    def forward(self, a, idx):
        self.in_shape, self.idx = a.shape, idx
        return xp.take(a.reshape(-1), idx)

    def backward(self, grad):
        from ember._ops.creation import zeros
        flat = zeros(self.in_shape, dtype=grad.dtype).reshape(-1)
        return flat.index_add(0, make(self.idx.reshape(-1)), grad.reshape(-1)).reshape(
            self.in_shape)


@export
def take(input, index):
    """Elements of input flattened, at the given indices (shape of index)."""
    index = _index_tensor(index, "take")
    n = input._data.size
    if index._data.size and (index._data.max() >= n or index._data.min() < -n):
        raise IndexError(f"out of range: tried to access index {int(index._data.max())} on a "
                         f"tensor of {n} elements.")
    return execute(TakeBackward0, (input,), (input._data,), (index._data,))


@export
def take_along_dim(input, indices, dim=None):
    """Values of input at indices along dim (flattened when dim is None)."""
    if dim is None:
        return take(input, indices.reshape(-1))
    shape = list(xp.broadcast_shapes(
        tuple(s if k != wrap_dim(dim, input.ndim) else 1 for k, s in enumerate(input.shape)),
        tuple(s if k != wrap_dim(dim, input.ndim) else 1 for k, s in enumerate(indices.shape))))
    d = wrap_dim(dim, input.ndim)
    ishape = list(shape)
    ishape[d] = indices.shape[d]
    xshape = list(shape)
    xshape[d] = input.shape[d]
    return gather(input.expand(xshape), d, indices.expand(ishape))


@export(function=False)
def put_(self, index, source, accumulate=False):
    from ember._ops.elementwise import check_inplace
    check_inplace(self)
    flat = self._data.reshape(-1)
    if accumulate:
        xp.add.at(flat, index._data.reshape(-1), source._data.reshape(-1))
    else:
        flat[index._data.reshape(-1)] = source._data.reshape(-1)
    if not xp.shares_memory(flat, self._data):
        self._data[...] = flat.reshape(self._data.shape)
    self._bump_version()
    return self


@export
def nonzero(input, *, as_tuple=False):
    """Indices of nonzero elements: an (n, ndim) int64 tensor, or a tuple of 1-D tensors."""
    idx = xp.nonzero(input._data) if input._data.ndim else xp.nonzero(input._data.reshape(1))
    if as_tuple:
        return tuple(make(i.astype(xp.int64)) for i in idx)
    if not input._data.ndim:
        return make(xp.zeros((int(bool(input._data)), 0), xp.int64))
    return make(xp.stack(idx, axis=1).astype(xp.int64))


@export
def argwhere(input):
    return nonzero(input)


from ember._ops import registry as _registry  # noqa: E402

_registry.METHODS["__getitem__"] = getitem
_registry.METHODS["__setitem__"] = setitem
