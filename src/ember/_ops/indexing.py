"""Indexing: `t[...]` and `t[...] = v` with torch's rules (ints, slices, None and ... give
views; integer, boolean and sequence indices copy), gather/scatter, index_* and masked_* ops.

A key is applied as torch applies it: its basic parts left to right as views (select, slice,
unsqueeze), then the tensor indices left in one advanced-indexing step (IndexBackward0).
"""
from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops import engine
from ember._ops._util import make, wrap_dim
from ember._ops.engine import GRAD, Node, execute
from ember._ops.registry import export
from ember._ops.shape import (AliasBackward0, SelectBackward0, _slice, _slice_array, _view,
                              cat, track_view, unsqueeze)

ndarray = xp.ndarray
_int64 = xp.int64
_BASIC = (int, slice, type(None), type(Ellipsis))
_INDEX_TYPES = "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables " \
    "are valid indices"


# --- key parsing ---------------------------------------------------------------------------------

def _sequence_as_tuple(seq):
    """torch's rule: a list (shorter than 32) holding a tensor, sequence, slice, None or ... is
    read as a tuple of indices rather than as one index array."""
    if len(seq) >= 32:
        return False
    return any(isinstance(k, (engine.Tensor, list, tuple, slice)) or k is None or k is Ellipsis
               for k in seq)


def _plain(v):
    if isinstance(v, (list, tuple)):
        return [_plain(k) for k in v]
    return v.item() if isinstance(v, engine.Tensor) else v


def _index_array(k):
    """An index tensor or sequence as a backend array (bool for masks, int64 otherwise)."""
    if isinstance(k, engine.Tensor):
        dt = k.dtype
        if dt is _dt.bool or dt is _dt.uint8:
            return k._data.astype(bool, copy=False)
        if dt.category != _dt.INT:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return k._data
    a = xp.asarray(_plain(k) if isinstance(k, (list, tuple)) else k)
    if a.dtype.kind == "b":
        return a
    if a.dtype.kind not in "iu":
        if a.size:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        a = a.astype(xp.int64)
    return a


def _parse(shape, key):
    """Split a tuple key into view steps and advanced indices, checking it as torch does.

    Returns (steps, adv): `steps` are ("select", dim, i), ("slice", dim, start, stop, step) and
    ("unsqueeze", dim) to apply in order; `adv` lists (dim, array) for the view they produce.
    """
    items, specified = [], 0
    for k in key:
        c = k.__class__
        if c is int:
            items.append(k)
            specified += 1
        elif c is slice or k is None or k is Ellipsis:
            items.append(k)
            specified += c is slice
        elif c is bool:
            items.append(k)
        elif isinstance(k, engine.Tensor) and k._data.ndim == 0 and k.dtype.category == _dt.INT \
                and k.dtype is not _dt.uint8:
            items.append(int(k._data))
            specified += 1
        elif isinstance(k, (engine.Tensor, list, tuple, ndarray)):
            a = _index_array(k)
            if a.ndim == 0 and a.dtype.kind == "b":
                items.append(bool(a))
            elif a.ndim == 0:
                items.append(int(a))
                specified += 1
            else:
                items.append(a)
                specified += a.ndim if a.dtype.kind == "b" else 1
        elif hasattr(k, "__index__") and not isinstance(k, (float, complex, str)):
            items.append(k.__index__())
            specified += 1
        elif isinstance(k, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(k).__name__}'")
        else:
            raise IndexError(f"{_INDEX_TYPES} (got {type(k).__name__})")
    ndim = len(shape)
    if specified > ndim:
        if ndim == 0:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    cur = list(shape)
    steps, adv = [], []
    dim = 0
    for k in items:
        c = k.__class__
        if c is int:
            n = cur[dim] if dim < len(cur) else 0
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for dimension {dim} with size {n}")
            steps.append(("select", dim, k + n if k < 0 else k))
            del cur[dim]
        elif c is slice:
            if dim >= len(cur):
                raise IndexError(f"slice() cannot be applied beyond the last dimension {dim}")
            start, stop, step = _slice_bounds(k, cur[dim])
            if (start, stop, step) != (0, cur[dim], 1):
                steps.append(("slice", dim, start, stop, step))
                cur[dim] = len(range(start, stop, step))
            dim += 1
        elif k is None or c is bool:
            steps.append(("unsqueeze", dim))
            cur.insert(dim, 1)
            if c is bool:
                adv.append((dim, xp.asarray([k])))
            dim += 1
        elif k is Ellipsis:  # (torch lets each of several ellipses skip the unnamed dims)
            dim += ndim - specified
        else:
            if k.dtype.kind == "b":
                for i, s in enumerate(k.shape):
                    if cur[dim + i] != s:
                        raise IndexError(
                            f"The shape of the mask {list(k.shape)} at index {i} does not match "
                            f"the shape of the indexed tensor {cur} at index {dim + i}")
                adv.append((dim, k))
                dim += k.ndim
            else:
                adv.append((dim, k))
                dim += 1
    return steps, adv


def _slice_bounds(k, n):
    step = 1 if k.step is None else k.step.__index__()
    if step <= 0:
        if step == 0:
            raise ValueError("slice step cannot be zero")
        raise ValueError("step must be greater than zero")
    start, stop, step = slice(k.start, k.stop, step).indices(n)
    return start, max(start, stop), step


def _tuple_key(key):
    if key.__class__ is tuple:
        return key
    if key.__class__ is list and _sequence_as_tuple(key):
        return tuple(key)
    return (key,)


def _numpy_key(adv):
    """The backend key that applies the advanced indices `adv` (dim, array) to a view."""
    key, dim = [], 0
    for d, a in adv:
        key += [slice(None)] * (d - dim)
        key.append(a)
        dim = d + (a.ndim if a.dtype.kind == "b" else 1)
    return tuple(key)


def _reraise(e):
    """numpy's out-of-bounds IndexError, worded as torch's."""
    return IndexError(str(e).replace("for axis", "for dimension"))


# --- reading -----------------------------------------------------------------------------------

class IndexBackward0(Node):
    def forward(self, a, key):
        self.in_shape, self.key = a.shape, key
        try:
            out = a[key]
        except IndexError as e:
            raise _reraise(e) from None
        if not out.flags.c_contiguous:
            out = xp.ascontiguousarray(out)
        if 1 in out.shape:  # numpy leaves arbitrary strides on size-1 dims; use torch's
            out = out.reshape(-1).reshape(out.shape)
        return out

    def backward(self, grad):
        return execute(IndexPutImplBackward0, (grad,), (grad._data,), (self.in_shape, self.key))


class IndexPutImplBackward0(Node):
    """zeros(shape) with `grad` accumulated at an advanced-index `key`."""

    def forward(self, g, shape, key):
        self.key = key
        out = xp.zeros(shape, g.dtype)
        if g.size <= 1:  # a single position cannot repeat: plain assignment is enough
            out[key] = g
        else:
            xp.add.at(out, key, g)
        return out

    def backward(self, grad):
        return execute(IndexBackward0, (grad,), (grad._data,), (self.key,))


def _alias(t, data):
    """A tensor over backend array `data` (a view of t's memory) outside autograd."""
    out = engine.Tensor._make(data, t.dtype, False, None)
    vc = t._vc
    if vc is None:
        vc = t._vc = [0]
    out._vc = vc
    base = t._base
    out._base = base if base is not None else t
    if t._meta is not None or t._requires_grad:  # no_grad view of a tensor requiring grad, ...
        track_view(t, out._base, out)
    return out


def _plain_step(k):
    """True for a slice whose step numpy reads as torch does (None or a positive int)."""
    step = k.step
    return step is None or step.__class__ is int and step > 0


def _basic_array(a, key):
    """a[key] for a key of ints, slices, None and ... when numpy's answer is torch's (a view
    with the same strides and storage offset); None when the general path must decide."""
    has_none = False
    for k in key:
        if k.__class__ is slice:
            if not _plain_step(k):
                return None
        elif k is None:
            has_none = True
    if has_none:  # numpy gives new axes stride 0; torch's unsqueeze does not
        return _basic_steps(a, key)
    if Ellipsis not in key:
        key = key + (Ellipsis,)
    try:
        out = a[key]
    except (IndexError, TypeError):
        return None
    return out if out.size or not a.size else None


def _basic_steps(a, key):
    ndim = a.ndim
    specified = sum(1 for k in key if k.__class__ is int or k.__class__ is slice)
    if specified > ndim or key.count(Ellipsis) > 1:
        return None
    dim = 0
    for k in key:
        c = k.__class__
        if c is int:
            n = a.shape[dim]
            if not -n <= k < n:
                return None
            a = a[(slice(None),) * dim + (k, Ellipsis)]
        elif c is slice:
            if k != _FULL:
                a = a[(slice(None),) * dim + (k,)]
                if not a.size:
                    return None
            dim += 1
        elif k is None:
            a = a.reshape(a.shape[:dim] + (1,) + a.shape[dim:])
            dim += 1
        else:
            dim += ndim - specified
    return a


_FULL = slice(None)


def _apply_steps(t, steps):
    for step in steps:
        kind = step[0]
        if kind == "select":
            t = _view(SelectBackward0, t, step[1:])
        elif kind == "slice":
            t = _slice(t, *step[1:])
        else:
            t = unsqueeze(t, step[1])
    return t


def getitem(self, key):
    """`self[key]` with torch's indexing rules (see the module docstring)."""
    cls = key.__class__
    # the fast path: a basic key, nothing recorded (views made in inference mode take the
    # general path)
    if not (self._requires_grad and GRAD.enabled or GRAD.inference or GRAD.fw is not None):
        if cls is int or cls is slice:
            data = _basic_array(self._data, (key,))
            if data is not None:
                return _alias(self, data)
        elif cls is tuple and all(k.__class__ in _BASIC for k in key):
            data = _basic_array(self._data, key)
            if data is not None:
                return _alias(self, data)
    if cls is int and self._data.ndim:
        n = self._data.shape[0]
        if -n <= key < n:
            return _view(SelectBackward0, self, (0, key + n if key < 0 else key))
    if cls is slice:  # a lone slice is always applied, even when it takes everything
        if self._data.ndim == 0:
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        return _slice(self, 0, *_slice_bounds(key, self._data.shape[0]))
    steps, adv = _parse(self._data.shape, _tuple_key(key))
    out = _apply_steps(self, steps)
    if adv:
        return execute(IndexBackward0, (out,), (out._data,), (_numpy_key(adv),))
    if out is self:
        return _view(AliasBackward0, self)
    return out


# --- writing -----------------------------------------------------------------------------------

class IndexPutBackward0(Node):
    def forward(self, a, v, key, accumulate):
        self.key, self.accumulate = key, accumulate
        out = a.copy()
        try:
            if accumulate:
                xp.add.at(out, key, v)
            else:
                out[key] = v
        except IndexError as e:
            raise _reraise(e) from None
        except ValueError:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(xp.shape(v))} "
                               "cannot be broadcast to indexing result of shape "
                               f"{list(a[key].shape)}") from None
        return out

    def backward(self, grad):
        ga = gv = None
        if self.needs(0):
            ga = grad if self.accumulate else execute(
                IndexPutBackward0, (grad, None), (grad._data, 0), (self.key, False))
        if self.needs(1):
            gv = execute(IndexBackward0, (grad,), (grad._data,), (self.key,))
        return ga, gv


def _strip_ones(v):
    """value without leading size-1 dims (torch drops them before assigning)."""
    shape = v._data.shape
    k = 0
    while k < len(shape) and shape[k] == 1:
        k += 1
    return v.reshape(shape[k:]) if k else v


def _value_tensor(self, value):
    if isinstance(value, engine.Tensor):
        if value.device is not self.device:
            raise RuntimeError("Expected all tensors to be on the same device, but found at "
                               f"least two devices, {self.device} and {value.device}!")
        return value
    if isinstance(value, complex) and self.dtype.category != _dt.COMPLEX:
        raise RuntimeError(f"value cannot be converted to type {self.dtype.np} without overflow")
    try:
        return make(xp.asarray(value, dtype=self.dtype.np), self.dtype)
    except OverflowError:
        raise RuntimeError(f"value cannot be converted to type {self.dtype.np} without "
                           "overflow") from None


def _check_put_dtype(self, values):
    if values.dtype is not self.dtype:
        from ember._ops.elementwise import _scalar_type_name as name
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{name(self.dtype)} for the destination and {name(values.dtype)} "
                           "for the source.")


def setitem(self, key, value):
    """`self[key] = value`: writes in place (value is broadcast to the indexed shape); with
    autograd, the basic part of key is a view that is copied into (CopySlices on the base)
    and tensor indices go through index_put_."""
    cls = key.__class__
    if self._meta is not None and "inference" in self._meta and not GRAD.inference:
        from ember._ops.elementwise import check_inplace
        check_inplace(self)  # torch's error for an inference tensor outside inference_mode
    if (cls is int or cls is slice or cls is tuple and all(k.__class__ in _BASIC for k in key)) \
            and not (GRAD.enabled and (self._requires_grad or value.__class__ is engine.Tensor
                                       and value._requires_grad)) \
            and _basic_write(self._data, key, value):
        self._bump_version()
        return
    from ember._ops.elementwise import check_inplace, copy_, inplace_from
    if key is False:  # torch writes nothing (and checks nothing) for t[False] = v
        return
    if key is True:  # torch copies into self.unsqueeze(0) (no index_put)
        steps, adv = [("unsqueeze", 0)], []
    else:
        steps, adv = _parse(self._data.shape, _tuple_key(key))
    # a view made in no_grad mode or by split/unbind/chunk: the view of it taken below is
    # the one checked (torch names that view in its error)
    special = steps and self._meta is not None and "creation" in self._meta
    if steps and not special and self._requires_grad and self.grad_fn is None and GRAD.enabled:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    if not special:
        check_inplace(self)
    value = _value_tensor(self, value)
    if adv:
        _check_put_dtype(self, value)
    if GRAD.enabled and (self._requires_grad or value._requires_grad):
        view = _apply_steps(self, steps)
        if adv:
            inplace_from(view, _index_put(view, _numpy_key(adv), _strip_ones(value), False))
        elif value._data.shape == view._data.shape:
            copy_(view, value)
        elif value._data.ndim == 0:
            view.fill_(value)
        else:
            value = _strip_ones(value)
            if value._data.shape != view._data.shape:
                value = value.expand(view._data.shape)
            copy_(view, value)
        return
    target = self._data
    for step in steps:
        kind = step[0]
        if kind == "select":
            target = target[(slice(None),) * step[1] + (step[2], Ellipsis)]
        elif kind == "slice":
            target = _slice_array(target, *step[1:])
        else:
            target = xp.expand_dims(target, step[1])
    val = value._data
    if val.ndim and val.shape[0] == 1:
        val = _strip_ones(value)._data
    try:
        if adv:
            target[_numpy_key(adv)] = val
        else:
            xp.copyto(target, val, casting="unsafe")
    except IndexError as e:
        raise _reraise(e) from None
    except ValueError:
        if not target.flags.writeable and not adv and _write_shared(target, val):
            self._bump_version()  # a window of an expanded tensor with no repeated element
            return
        if not target.flags.writeable:
            raise RuntimeError("unsupported operation: more than one element of the written-to "
                               "tensor refers to a single memory location. Please clone() the "
                               "tensor before performing the operation.") from None
        shape = target[_numpy_key(adv)].shape if adv else target.shape
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(val.shape)} cannot be "
                           f"broadcast to indexing result of shape {list(shape)}") from None
    self._bump_version()


def _write_shared(target, val):
    """Write `val` into `target`, a read-only window of an expanded tensor, when none of its
    own elements share memory (torch allows that, e.g. `t.expand(3)[0] = v`); False if it
    cannot be written."""
    from ember._ops.shape import _elem_strides, _strided
    if any(s == 0 and n > 1 for s, n in zip(target.strides, target.shape)):
        return False
    alias = _strided(target, target.shape, _elem_strides(target))
    if not alias.flags.writeable:
        return False
    try:
        xp.copyto(alias, val, casting="unsafe")
    except ValueError:
        return False
    return True


def _basic_write(a, key, value):
    """a[key] = value straight through numpy for a basic key, when numpy accepts it as torch
    would; False (nothing written) when the general path must decide or raise."""
    if key.__class__ is not tuple:
        key = (key,)
    for k in key:
        if k.__class__ is slice and not _plain_step(k):
            return False
    if value.__class__ is engine.Tensor:
        value = value._data
    elif value.__class__ not in (int, float, bool):
        return False
    try:
        a[key] = value
    except (IndexError, ValueError, TypeError, OverflowError):
        return False
    return True


def _index_put(input, key, values, accumulate):
    return execute(IndexPutBackward0, (input, values), (input._data, values._data),
                   (key, accumulate))


def _indices_key(input, indices):
    if not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): argument 'indices' must be tuple of Tensors")
    steps, adv = _parse(input._data.shape, tuple(i if i is not None else slice(None)
                                                 for i in indices))
    if steps:
        raise IndexError("index_put(): indices must be tensors")
    return _numpy_key(adv)


@export
def index_put(input, indices, values, accumulate=False):
    """A copy of input with `values` written (or, with accumulate, added) at the positions
    given by the tuple of index tensors (as input[indices] = values)."""
    _check_put_dtype(input, values)
    return _index_put(input, _indices_key(input, indices), values, accumulate)


@export(function=False)
def index_put_(self, indices, values, accumulate=False):
    """In-place index_put."""
    from ember._ops.elementwise import check_inplace, inplace_from
    check_inplace(self)
    _check_put_dtype(self, values)
    return inplace_from(self, _index_put(self, _indices_key(self, indices), values, accumulate))


# --- index_select / gather / scatter -------------------------------------------------------------

def _index_data(index, name, long_only=False, error=RuntimeError, message=None):
    """The backend array of an index tensor, checking its dtype as torch's op `name` does."""
    if not isinstance(index, engine.Tensor):
        raise TypeError(f"{name}(): argument 'index' must be Tensor, not "
                        f"{type(index).__name__}")
    allowed = (_dt.int64,) if long_only else (_dt.int64, _dt.int32)
    if index.dtype not in allowed:
        raise error(message or f"{name}(): Expected dtype int64 for index")
    return index._data


def _same_dtype(input, source, message):
    if source.dtype is not input.dtype:
        raise RuntimeError(message.format(_tname(input.dtype), _tname(source.dtype)))


def _tname(d):
    from ember._ops.elementwise import _scalar_type_name
    return _scalar_type_name(d)


def _as_1d(a):
    return a.reshape(1) if a.ndim == 0 else a


class IndexSelectBackward0(Node):
    def forward(self, a, dim, idx):
        self.in_shape, self.dim, self.idx = a.shape, dim, idx
        return a.copy() if a.ndim == 0 else xp.take(a, idx, axis=dim)

    def backward(self, grad):
        from ember._ops.creation import zeros
        return zeros(self.in_shape, dtype=grad.dtype).index_add(self.dim, make(self.idx), grad)


@export
def index_select(input, dim, index):
    """The entries of input along `dim` at the positions of a 1-D (or 0-D) index tensor."""
    idx = _index_data(index, "index_select")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    nd = input._data.ndim
    d = wrap_dim(dim, nd)
    idx = idx.reshape(-1)
    if nd == 0 and idx.size != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                           f"{idx.size} value(s)")
    n = input._data.shape[d] if nd else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    return execute(IndexSelectBackward0, (input,), (input._data,), (d, idx))


def _check_index(input, dim, idx, name, src=None):
    """torch's shape and bounds checks for gather and the scatter family; the wrapped dim."""
    nd = input._data.ndim
    if idx.ndim != nd and max(idx.ndim, nd) > 1:
        raise RuntimeError(f"Index tensor must have the same number of dimensions as "
                           f"{'input' if name == 'gather' else 'self'} tensor")
    d = wrap_dim(dim, nd)
    shape, ishape = input._data.shape, idx.shape
    if src is not None and src.ndim != idx.ndim and max(src.ndim, idx.ndim) > 1:
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    for k in range(min(idx.ndim, nd)):
        too_big = k != d and ishape[k] > shape[k]
        if too_big or src is not None and src.ndim == idx.ndim and ishape[k] > src.shape[k]:
            what = f"to be no larger than self {list(shape)} apart from dimension {d}"
            if name == "gather":
                raise RuntimeError(f"Size does not match at dimension {k} expected index "
                                   f"{list(ishape)} {what}")
            if src is not None:
                what += f" and to be no larger size than src {list(src.shape)}"
            raise RuntimeError(f"Expected index {list(ishape)} {what}")
    n = shape[d] if nd else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {n}")
    return d


def _gather_arrays(a, dim, idx):
    if a.ndim == 0:
        return xp.full(idx.shape, a, a.dtype)
    sub = a[tuple(slice(0, s) if k != dim else slice(None) for k, s in enumerate(idx.shape))]
    return xp.take_along_axis(sub, idx, axis=dim)


class GatherBackward0(Node):
    def forward(self, a, dim, idx):
        self.in_shape, self.dim, self.idx = a.shape, dim, idx
        return _gather_arrays(a, dim, idx)

    def backward(self, grad):
        from ember._ops.creation import zeros
        return zeros(self.in_shape, dtype=grad.dtype).scatter_add(self.dim, make(self.idx), grad)


@export
def gather(input, dim, index, *, sparse_grad=False):
    """out[i][j] = input[i][index[i][j]] for dim=1 (likewise for other dims)."""
    idx = _index_data(index, "gather")
    d = _check_index(input, dim, idx, "gather")
    return execute(GatherBackward0, (input,), (input._data,), (d, idx))


def _scatter_arrays(out, dim, idx, src, reduce=None):
    """Write (or reduce) src into the backend array `out` at idx along dim, in place."""
    if out.ndim == 0:
        return _scatter_arrays(out.reshape(1), 0, idx.reshape(-1),
                               src.reshape(-1) if isinstance(src, ndarray) else src,
                               reduce).reshape(())
    grids = xp.indices(idx.shape, sparse=True)
    key = tuple(idx if k == dim else grids[k] for k in range(idx.ndim))
    if isinstance(src, ndarray):
        src = src[tuple(slice(0, s) for s in idx.shape)]
    if reduce is None:
        out[key] = src
    elif reduce in ("add", "sum"):
        xp.add.at(out, key, src)
    elif reduce in ("multiply", "prod"):
        xp.multiply.at(out, key, src)
    elif reduce == "amax":
        xp.maximum.at(out, key, src)
    else:
        xp.minimum.at(out, key, src)
    return out


class ScatterBackward0(Node):
    def forward(self, a, src, dim, idx, reduce):
        self.dim, self.idx, self.src_shape = dim, idx, src.shape
        return _scatter_arrays(a.copy(), dim, idx, src, reduce)

    def backward(self, grad):
        idx = make(self.idx)
        ga = grad.scatter(self.dim, idx, 0) if self.needs(0) else None
        gs = grad.gather(self.dim, idx) if self.needs(1) else None
        return ga, gs


class ScatterBackward1(Node):
    def forward(self, a, dim, idx, value, reduce):
        self.dim, self.idx = dim, idx
        return _scatter_arrays(a.copy(), dim, idx, a.dtype.type(value), reduce)

    def backward(self, grad):
        return grad.scatter(self.dim, make(self.idx), 0)


class ScatterAddBackward0(Node):
    def forward(self, a, src, dim, idx):
        self.dim, self.idx = dim, idx
        return _scatter_arrays(a.copy(), dim, idx, src, "add")

    def backward(self, grad):
        return grad, (grad.gather(self.dim, make(self.idx)) if self.needs(1) else None)


_SRC_DTYPE = "scatter(): Expected self.dtype to be equal to src.dtype"


def _scatter_src(input, src):
    if src.dtype is not input.dtype:
        raise RuntimeError(_SRC_DTYPE)
    return src._data


@export
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of input with src (a tensor, or the number `value`) written at index along dim;
    `reduce` ('add' or 'multiply') combines instead of overwriting."""
    if src is None:
        src = value
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    idx = _index_data(index, "scatter")
    if isinstance(src, engine.Tensor):
        d = _check_index(input, dim, idx, "scatter", src._data)
        return execute(ScatterBackward0, (input, src), (input._data, _scatter_src(input, src)),
                       (d, idx, reduce))
    d = _check_index(input, dim, idx, "scatter")
    return execute(ScatterBackward1, (input,), (input._data,), (d, idx, src, reduce))


@export
def scatter_add(input, dim, index, src):
    """A copy of input with src added at index along dim (repeated indices accumulate)."""
    idx = _index_data(index, "scatter_add")
    d = _check_index(input, dim, idx, "scatter_add", src._data)
    return execute(ScatterAddBackward0, (input, src), (input._data, _scatter_src(input, src)),
                   (d, idx))


class ScatterReduceBackward0(Node):
    saves = (0, 1)
    saves_result = True

    def forward(self, a, src, dim, idx, reduce, include_self):
        self.dim, self.idx, self.reduce, self.include_self = dim, idx, reduce, include_self
        out = a.copy()
        if not include_self:  # scattered-to slots start from the reduction's identity
            if reduce in ("amax", "amin") and a.dtype.kind in "iub":
                info = xp.iinfo(a.dtype)
                fill = info.min if reduce == "amax" else info.max
            else:
                fill = {"sum": 0, "mean": 0, "prod": 1, "amax": -xp.inf, "amin": xp.inf}[reduce]
            _scatter_arrays(out, dim, idx, xp.full(idx.shape, fill, a.dtype))
        if reduce != "mean":
            return _scatter_arrays(out, dim, idx, src, reduce)
        count = xp.ones(a.shape, _int64) if include_self else xp.zeros(a.shape, _int64)
        _scatter_arrays(out, dim, idx, src, "sum")
        _scatter_arrays(count, dim, idx, xp.ones(idx.shape, _int64), "sum")
        count = xp.maximum(count, 1)
        if _dt._BY_NP[a.dtype].category >= _dt.FLOAT:
            return (out / count).astype(a.dtype)
        return xp.floor_divide(out, count).astype(a.dtype)

    def backward(self, grad):
        x, src, result = self.saved()
        idx = make(self.idx)
        d, reduce = self.dim, self.reduce
        if reduce == "sum":
            gx, gs = grad, grad.gather(d, idx)
        elif reduce == "mean":
            from ember._ops.creation import ones_like, zeros_like
            n = ones_like(grad) if self.include_self else zeros_like(grad)
            n = n.scatter_add(d, idx, ones_like(src))
            n = n.masked_fill(n == 0, 1)
            gx = grad / n
            gs = gx.gather(d, idx)
        elif reduce == "prod":
            # zero-safe: a zero factor's gradient is the product of the others
            masked_x = x.masked_fill(x == 0, 1)
            gx = grad * masked_x.scatter_reduce(d, idx, src, "prod",
                                                include_self=self.include_self) / masked_x
            src_zero = src == 0
            from ember._ops.creation import zeros_like
            zeros = zeros_like(grad).scatter_add(d, idx, src_zero.to(grad.dtype)).gather(d, idx)
            single = src_zero & (zeros == 1)
            masked_src_result = x.scatter_reduce(d, idx, src.masked_fill(single, 1), "prod",
                                                 include_self=self.include_self)
            gs = _where(single, (grad * masked_src_result).gather(d, idx),
                        (grad * result).gather(d, idx) / src.masked_fill(src_zero, 1))
        else:  # amax / amin: the gradient is shared evenly among the elements that won
            x_won = (x == result).to(grad.dtype)
            src_won = (src == result.gather(d, idx)).to(grad.dtype)
            share = grad / x_won.scatter_add(d, idx, src_won)
            gx = x_won * share
            gs = src_won * share.gather(d, idx)
        if not self.include_self:
            gx = gx.scatter(d, idx, 0)
        return gx, gs


def _where(cond, a, b):
    from ember._ops.clamp import where
    return where(cond, a, b)


@export
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce src into a copy of input at index along dim with 'sum', 'prod', 'mean', 'amax'
    or 'amin' (over src alone where include_self is False)."""
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    idx = _index_data(index, "scatter_reduce")
    if reduce in ("amax", "amin") and input.dtype.category == _dt.COMPLEX:
        raise NotImplementedError(f"\"scatter_gather_tensor_cpu_reduce_{reduce}\" not "
                                  f"implemented for '{_tname(input.dtype)}'")
    d = _check_index(input, dim, idx, "scatter_reduce", src._data)
    return execute(ScatterReduceBackward0, (input, src),
                   (input._data, _scatter_src(input, src)), (d, idx, reduce, include_self))


def _inplace_version(fn):
    def method(self, *args, **kwargs):
        from ember._ops.elementwise import check_inplace, inplace_from
        check_inplace(self)
        return inplace_from(self, fn(self, *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place {fn.__name__}."
    return export(method, function=False)


# --- index_add / index_copy / index_fill ----------------------------------------------------------

def _check_index_source(input, d, idx, source, name):
    """index_add/index_copy: source must be input's shape with dim d of len(idx)."""
    shape, sshape = input._data.shape, source._data.shape
    n = idx.size
    if len(shape) != len(sshape) and max(len(shape), len(sshape)) > 1 or \
            any(a != b for k, (a, b) in enumerate(zip(shape, sshape)) if k != d):
        if name == "index_add":
            raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the "
                               f"specified dimension. Got self.shape = {list(shape)} "
                               f"source.shape = {list(sshape)}")
        raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice "
                           f"shapes. Destination slice shape: {list(shape)} and source slice "
                           f"shape: {list(sshape)}")
    m = sshape[d] if sshape else 1
    if n != m:
        error = RuntimeError if name == "index_add" else IndexError
        raise error(f"{name}_(): Number of indices ({n}) should be equal to source.size(dim): "
                    f"({m}), for dim: {d}")


def _put_along(out, dim, idx, src, add):
    """out[..., idx, ...] (along dim) = src, or += src with repeats accumulating."""
    if out.ndim == 0:
        out = out.reshape(1)
        src = xp.asarray(src).reshape(-1) if isinstance(src, ndarray) else src
    key = (slice(None),) * dim + (idx,)
    if add:
        xp.add.at(out, key, src)
    else:
        out[key] = src


class IndexAddBackward0(Node):
    def forward(self, a, src, dim, idx, alpha):
        self.dim, self.idx, self.alpha = dim, idx, alpha
        out = a.copy()
        _put_along(out, dim, idx, src * alpha if alpha != 1 else src, True)
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
    """A copy of input with alpha * source's slices added at the index positions along dim
    (repeated indices accumulate)."""
    idx = _index_data(index, "index_add")
    if idx.ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: "
                         f"{idx.ndim} with type: {_tname(index.dtype)} and size: "
                         f"{list(idx.shape)}")
    idx = idx.reshape(-1)
    d = wrap_dim(dim, input._data.ndim)
    _same_dtype(input, source, "index_add_(): self ({}) and source ({}) must have the same "
                "scalar type")
    _check_index_source(input, d, idx, source, "index_add")
    n = input._data.shape[d] if input._data.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {n}")
    return execute(IndexAddBackward0, (input, source), (input._data, source._data),
                   (d, idx, alpha))


class IndexCopyBackward0(Node):
    def forward(self, a, src, dim, idx):
        self.dim, self.idx = dim, idx
        out = a.copy()
        _put_along(out, dim, idx, src, False)
        return out

    def backward(self, grad):
        idx = make(self.idx)
        return (grad.index_fill(self.dim, idx, 0) if self.needs(0) else None,
                grad.index_select(self.dim, idx) if self.needs(1) else None)


@export
def index_copy(input, dim, index, source):
    """A copy of input with source's slices written at the index positions along dim."""
    idx = _index_data(index, "index_copy", long_only=True,
                      message=f"index_copy_(): Expected a long tensor for index, but got "
                      f"{_tname(index.dtype)}" if isinstance(index, engine.Tensor) else None)
    idx = idx.reshape(-1)
    d = wrap_dim(dim, input._data.ndim)
    _same_dtype(input, source, "index_copy_(): self and source expected to have the same dtype, "
                "but got (self) {} and (source) {}")
    _check_index_source(input, d, idx, source, "index_copy")
    n = input._data.shape[d] if input._data.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
        raise IndexError(f"index_copy_(): index {bad} is out of bounds for dimension {d} with "
                         f"size {n}")
    return execute(IndexCopyBackward0, (input, source), (input._data, source._data), (d, idx))


class IndexFillBackward0(Node):
    def forward(self, a, dim, idx, value):
        self.dim, self.idx = dim, idx
        out = a.copy()
        _put_along(out, dim, idx, xp.asarray(value).astype(a.dtype), False)
        return out

    def backward(self, grad):
        return grad.index_fill(self.dim, make(self.idx), 0)


class IndexFillBackward1(Node):
    def forward(self, a, v, dim, idx):
        self.dim, self.idx = dim, idx
        out = a.copy()
        _put_along(out, dim, idx, v.astype(a.dtype), False)
        return out

    def backward(self, grad):
        idx = make(self.idx)
        gv = None
        if self.needs(1):  # each filled slot once, however often the index repeats it
            gv = grad.index_select(self.dim, make(xp.unique(self.idx))).sum()
        return grad.index_fill(self.dim, idx, 0) if self.needs(0) else None, gv


@export
def index_fill(input, dim, index, value):
    """A copy of input with `value` (a number or 0-dim tensor) at the index positions along
    dim."""
    idx = _index_data(index, "index_fill", long_only=True, error=IndexError,
                      message="index_fill_(): Expected dtype int64 for index.").reshape(-1)
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d] if input._data.ndim else 1
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = int(idx.min()) if idx.min() < -n else int(idx.max())
        raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {n}")
    if isinstance(value, engine.Tensor):
        if value._data.ndim:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
        return execute(IndexFillBackward1, (input, value), (input._data, value._data), (d, idx))
    return execute(IndexFillBackward0, (input,), (input._data,), (d, idx, value))


for _fn in (scatter, scatter_add, scatter_reduce, index_add, index_copy, index_fill):
    _inplace_version(_fn)


# --- masked ops ----------------------------------------------------------------------------------

class MaskedFillBackward0(Node):
    def forward(self, a, mask, value):
        self.mask = mask
        return xp.where(mask, xp.asarray(value).astype(a.dtype), a)

    def backward(self, grad):
        return grad.masked_fill(make(self.mask), 0)


class MaskedFillBackward1(Node):
    def forward(self, a, v, mask):
        self.mask = mask
        return xp.where(mask, v.astype(a.dtype), a)

    def backward(self, grad):
        m = make(self.mask)
        return (grad.masked_fill(m, 0) if self.needs(0) else None,
                grad.masked_select(m).sum() if self.needs(1) else None)


def _mask(mask, message):
    if mask.dtype is not _dt.bool:
        raise RuntimeError(message.format(_tname(mask.dtype)))
    return mask._data


@export
def masked_fill(input, mask, value):
    """input with `value` (a number or 0-dim tensor) wherever the bool mask is True (input and
    mask broadcast together)."""
    m = _mask(mask, "masked_fill_ only supports boolean masks, but got mask with dtype {}")
    from ember._ops._util import broadcast_shapes
    broadcast_shapes(input._data.shape, m.shape)
    if isinstance(value, engine.Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value._data.ndim} dimension(s).")
        return execute(MaskedFillBackward1, (input, value), (input._data, value._data), (m,))
    return execute(MaskedFillBackward0, (input,), (input._data,), (m, value))


_inplace_version(masked_fill)


class MaskedScatterBackward0(Node):
    def forward(self, a, src, mask):
        shape = xp.broadcast_shapes(a.shape, mask.shape)
        self.mask = xp.broadcast_to(mask, shape)
        self.src_shape = src.shape
        out = xp.broadcast_to(a, shape).copy()
        out[self.mask] = src.reshape(-1)[:int(self.mask.sum())]
        return out

    def backward(self, grad):
        m = make(self.mask)
        gs = None
        if self.needs(1):
            sel = grad.masked_select(m)
            n = 1
            for s in self.src_shape:
                n *= s
            gs = cat([sel, sel.new_zeros(n - sel.numel())]).reshape(self.src_shape)
        return grad.masked_fill(m, 0), gs


@export
def masked_scatter(input, mask, source):
    """input (broadcast with mask) with source's leading elements copied, in order, to where
    the bool mask is True."""
    m = _mask(mask, "masked_scatter_ only supports boolean masks, but got mask with dtype {}")
    _same_dtype(input, source, "masked_scatter_: expected self and source to have same dtypes "
                "but got {} and {}")
    from ember._ops._util import broadcast_shapes
    shape = broadcast_shapes(input._data.shape, m.shape)
    if int(xp.broadcast_to(m, shape).sum()) > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return execute(MaskedScatterBackward0, (input, source), (input._data, source._data), (m,))


_inplace_version(masked_scatter)


class MaskedSelectBackward0(Node):
    def forward(self, a, mask):
        shape = xp.broadcast_shapes(a.shape, mask.shape)
        self.mask = xp.broadcast_to(mask, shape)
        return xp.broadcast_to(a, shape)[self.mask]

    def backward(self, grad):
        from ember._ops.creation import zeros
        return zeros(self.mask.shape, dtype=grad.dtype).masked_scatter(make(self.mask), grad)


@export
def masked_select(input, mask):
    """The elements of input (broadcast with mask) where the bool mask is True, as 1-D."""
    m = _mask(mask, "masked_select: expected BoolTensor for mask")
    from ember._ops._util import broadcast_shapes
    broadcast_shapes(input._data.shape, m.shape)
    return execute(MaskedSelectBackward0, (input,), (input._data,), (m,))


# --- take / put / nonzero ----------------------------------------------------------------------

def _flat_index(input, index, name):
    idx = _index_data(index, name, long_only=True,
                      message=f"{name}(): Expected a long tensor for index, but got "
                      f"{_tname(index.dtype)}" if isinstance(index, engine.Tensor) else None)
    n = input._data.size
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                         "elements.")
    return idx


class TakeBackward0(Node):
    def forward(self, a, idx):
        self.in_shape, self.idx = a.shape, idx
        return xp.take(a.reshape(-1), idx)

    def backward(self, grad):
        from ember._ops.creation import zeros
        return zeros(self.in_shape, dtype=grad.dtype).put(make(self.idx), grad, True)


@export
def take(input, index):
    """input's elements (as if flattened) at the given indices, in index's shape."""
    idx = _flat_index(input, index, "take")
    return execute(TakeBackward0, (input,), (input._data,), (idx,))


@export
def take_along_dim(input, indices, dim=None):
    """input's values at `indices` along dim (broadcasting the other dims), or at flat
    positions when dim is None."""
    _index_data(indices, "take_along_dim", long_only=True,
                message="torch.take_along_dim(): dtype of indices should be Long but got "
                f"{_tname(indices.dtype)}" if isinstance(indices, engine.Tensor) else None)
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    nd = input._data.ndim
    if indices._data.ndim != nd:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {nd} dimensions for input, and "
                           f"{indices._data.ndim} dimensions for indices")
    d = wrap_dim(dim, nd)
    from ember._ops._util import broadcast_shapes
    shape = list(broadcast_shapes(
        tuple(1 if k == d else s for k, s in enumerate(input._data.shape)),
        tuple(1 if k == d else s for k, s in enumerate(indices._data.shape))))
    ishape, xshape = list(shape), list(shape)
    ishape[d], xshape[d] = indices._data.shape[d], input._data.shape[d]
    return gather(input.expand(xshape), d, indices.expand(ishape))


class PutBackward0(Node):
    def forward(self, a, src, idx, accumulate):
        self.idx, self.accumulate, self.src_shape = idx, accumulate, src.shape
        out = a.copy()
        flat = out.reshape(-1)
        if accumulate:
            xp.add.at(flat, idx.reshape(-1), src.reshape(-1))
        else:
            flat[idx.reshape(-1)] = src.reshape(-1)
        return out

    def backward(self, grad):
        idx = make(self.idx)
        ga = gs = None
        if self.needs(0):
            ga = grad if self.accumulate else grad.put(idx, grad.new_zeros(self.idx.shape))
        if self.needs(1):
            gs = grad.take(idx).reshape(self.src_shape)
        return ga, gs


@export
def put(input, index, source, accumulate=False):
    """A copy of input with source's elements written (or, with accumulate, added) at the
    flat positions in index."""
    idx = _flat_index(input, index, "put_")
    _same_dtype(input, source, "put_(): self and source expected to have the same dtype, but "
                "got self.dtype = {} and source.dtype = {}")
    if idx.size != source._data.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {source._data.size}, "
                         f"index.numel() = {idx.size}")
    return execute(PutBackward0, (input, source), (input._data, source._data), (idx, accumulate))


_inplace_version(put)


@export
def nonzero(input, *, as_tuple=False):
    """Indices of the nonzero elements: an (n, ndim) int64 tensor, or with as_tuple one 1-D
    tensor per dim."""
    a = input._data
    idx = xp.nonzero(a) if a.ndim else xp.nonzero(a.reshape(1))
    if as_tuple:
        return tuple(make(i.astype(xp.int64)) for i in idx)
    if not a.ndim:
        return make(xp.zeros((int(bool(a)), 0), xp.int64))
    return make(xp.stack(idx, axis=1).astype(xp.int64))


@export
def argwhere(input):
    """torch.nonzero(input): the (n, ndim) indices of the nonzero elements."""
    return nonzero(input)


from ember._ops import registry as _registry  # noqa: E402

_registry.METHODS["__getitem__"] = getitem
_registry.METHODS["__setitem__"] = setitem
