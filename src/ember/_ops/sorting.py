"""Sorting and searching: sort, argsort, msort, topk, kthvalue, unique, unique_consecutive,
searchsorted, bucketize, isin.

Sorts are stable (equal elements keep their order) and NaN sorts as the largest value, so
it comes last ascending and first descending, as in torch. Ops that return values with
their indices scatter the gradient back through the indices.
"""
from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops._util import make, wrap_dim
from ember._ops.elementwise import _out
from ember._ops.engine import Node, execute
from ember._ops.reduction import RETURN_TYPES, _out_pair, _pick_backward
from ember._ops.registry import export


def _argsort(a, axis, descending):
    """Stable argsort along axis (int64 indices). Descending order is the reverse of an
    ascending sort of the reversed slice, which keeps equal elements in input order."""
    if a.dtype == xp.bool_:
        a = a.view(xp.uint8)
    if not descending:
        return xp.argsort(a, axis=axis, kind="stable")
    order = xp.argsort(xp.flip(a, axis), axis=axis, kind="stable")
    return (a.shape[axis] - 1) - xp.flip(order, axis)


def _dim(input, dim):
    return wrap_dim(dim, input._data.ndim)


class SortBackward0(Node):
    def forward(self, a, dim, descending):
        self.shape, self.dim = a.shape, dim
        if not a.ndim:
            self.idx = xp.zeros((), xp.int64)
            return a.copy(), self.idx
        self.idx = _argsort(a, dim, descending)
        return xp.take_along_axis(a, self.idx, axis=dim), self.idx

    def backward(self, grad, _):
        return _pick_backward(grad, self.dim, self.idx, self.shape, True)


class SortBackward1(SortBackward0):
    """sort called with `stable=` (torch's sort.stable overload)."""


_UNSET = object()


@export
def sort(input, dim=-1, descending=False, *, stable=_UNSET, out=None):
    """The named tuple (values, indices) of input sorted along dim. The sort is always stable
    (equal elements keep their order) whatever `stable` says; NaN counts as the largest
    value."""
    if isinstance(dim, bool):
        raise TypeError("sort(): argument 'dim' must be int, not bool")
    cls = SortBackward0 if stable is _UNSET else SortBackward1
    r = execute(cls, (input,), (input._data,), (_dim(input, dim), descending))
    return _out_pair(RETURN_TYPES["sort"](*r), out)


@export
def argsort(input, dim=-1, descending=False, *, stable=False):
    """The indices that sort input along dim (stably; see sort)."""
    d = _dim(input, dim)
    a = input._data
    return make(_argsort(a, d, descending) if a.ndim else xp.zeros((), xp.int64))


@export
def msort(input):
    """input sorted along its first dim (sort(input, 0).values)."""
    return sort(input, 0).values


class TopkBackward0(Node):
    def forward(self, a, k, dim, largest):
        self.shape, self.dim = a.shape, dim
        if not a.ndim:
            self.idx = xp.zeros((), xp.int64)
            return a.copy(), self.idx
        order = _argsort(a, dim, largest)
        self.idx = xp.take(order, xp.arange(k), axis=dim)
        return xp.take_along_axis(a, self.idx, axis=dim), self.idx

    def backward(self, grad, _):
        return _pick_backward(grad, self.dim, self.idx, self.shape, True)


@export
def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The named tuple (values, indices) of the k largest (or smallest) elements along dim,
    in sorted order; NaN counts as the largest value."""
    d = _dim(input, dim)
    n = input._data.shape[d] if input._data.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    r = execute(TopkBackward0, (input,), (input._data,), (k, d, largest))
    return _out_pair(RETURN_TYPES["topk"](*r), out)


class KthvalueBackward0(Node):
    def forward(self, a, k, dim, keepdim):
        self.shape, self.dim, self.keepdim = a.shape, dim, keepdim
        if not a.ndim:
            self.idx = xp.zeros((), xp.int64)
            return a.copy(), self.idx
        order = _argsort(a, dim, False)
        self.idx = xp.take(order, [k - 1], axis=dim)
        values = xp.take_along_axis(a, self.idx, axis=dim)
        if keepdim:
            return values, self.idx
        return xp.squeeze(values, dim), xp.squeeze(self.idx, dim)

    def backward(self, grad, _):
        return _pick_backward(grad, self.dim, self.idx, self.shape, self.keepdim)


@export
def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """The named tuple (values, indices) of the k-th smallest element (k from 1) along dim."""
    d = _dim(input, dim)
    n = input._data.shape[d] if input._data.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    r = execute(KthvalueBackward0, (input,), (input._data,), (k, d, keepdim))
    return _out_pair(RETURN_TYPES["kthvalue"](*r), out)


# --- unique --------------------------------------------------------------------------------

def _unique_dim(a, dim):
    d = wrap_dim(dim, a.ndim)
    if any(n == 0 for i, n in enumerate(a.shape) if i != d):
        raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique "
                           "cannot be applied")
    return d


def _unique_result(input, values, inverse, counts, return_inverse, return_counts):
    out = [make(values, input.dtype)]
    if return_inverse:
        out.append(make(inverse.astype(xp.int64, copy=False)))
    if return_counts:
        out.append(make(counts.astype(xp.int64, copy=False)))
    return out[0] if len(out) == 1 else tuple(out)


@export
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements of input in ascending order (each NaN counts as distinct),
    optionally with the inverse indices (input's shape) and the counts; with dim, the
    distinct slices along dim."""
    a = input._data
    if dim is None:
        values, inverse, counts = xp.unique(a.reshape(-1), return_inverse=True,
                                            return_counts=True, equal_nan=False)
        inverse = inverse.reshape(a.shape)
    else:
        d = _unique_dim(a, dim)
        values, inverse, counts = xp.unique(xp.moveaxis(a, d, 0), axis=0, return_inverse=True,
                                            return_counts=True, equal_nan=False)
        values = xp.moveaxis(values, 0, d)
        inverse = inverse.reshape(-1)
    return _unique_result(input, values, inverse, counts, return_inverse, return_counts)


@export
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse each run of equal consecutive elements (or slices along dim) to one, with
    optional inverse indices and run lengths."""
    a = input._data
    if dim is None:
        flat = a.reshape(-1)
        starts = xp.ones(flat.shape, bool)
        starts[1:] = flat[1:] != flat[:-1]
        values = flat[starts]
        inverse = (xp.cumsum(starts) - 1).reshape(a.shape)
    else:
        d = _unique_dim(a, dim)
        moved = xp.moveaxis(a, d, 0)
        starts = xp.ones(moved.shape[0], bool)
        starts[1:] = (moved[1:] != moved[:-1]).any(axis=tuple(range(1, moved.ndim)))
        values = xp.moveaxis(moved[starts], 0, d)
        inverse = xp.cumsum(starts) - 1
    counts = xp.diff(xp.append(xp.flatnonzero(starts), starts.size))
    return _unique_result(input, values, inverse, counts, return_inverse, return_counts)


# --- searching -----------------------------------------------------------------------------

def _searchsorted_rows(seq, vals, right):
    """searchsorted of each row of vals in the matching row of seq (equal leading dims):
    one stable sort of each row's values merged with its boundaries, then counting the
    boundaries placed before each value (values go first on 'left', last on 'right', so
    that equal boundaries are counted only on 'right')."""
    dt = xp.result_type(seq, vals)
    seq, vals = seq.astype(dt, copy=False), vals.astype(dt, copy=False)
    n, m = seq.shape[-1], vals.shape[-1]
    parts = (seq, vals) if right else (vals, seq)
    both = xp.concatenate(parts, axis=-1)
    is_seq = xp.zeros(n + m, xp.int64)
    if right:
        is_seq[:n] = 1
    else:
        is_seq[m:] = 1
    order = xp.argsort(both, axis=-1, kind="stable")
    before = xp.cumsum(is_seq[order], axis=-1)
    where_ = xp.empty_like(order)
    xp.put_along_axis(where_, order, xp.arange(n + m), axis=-1)
    mine = where_[..., n:] if right else where_[..., :m]
    return xp.take_along_axis(before, mine, axis=-1)


@export(method=False)
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None, out=None):
    """Indices at which the values of input would be inserted into sorted_sequence (along its
    last dim) to keep it sorted: the first such place, or the last with right=True /
    side='right'. A batched sequence pairs its leading dims with input's."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to "
                               "opposites, got side of left while right was True")
        right = side == "right"
    seq = sorted_sequence._data
    scalar = not hasattr(input, "_data")
    vals = xp.asarray(input) if scalar else input._data
    if scalar and seq.ndim != 1:
        raise RuntimeError("torch.searchsorted(): input value can be a scalar only when "
                           "boundaries tensor dimension is 1, but we got boundaries tensor "
                           f"dim({seq.ndim}) and input value's dim(0) numel(1)")
    if sorter is not None:
        s = sorter._data
        if s.shape != seq.shape:
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same "
                               f"size, but got boundary tensor {list(seq.shape)}and got sorter "
                               f"tensor {list(s.shape)}")
        if s.size and (s.min() < 0 or s.max() >= seq.shape[-1]):
            raise RuntimeError("torch.searchsorted(): sorter index out of range")
        seq = xp.take_along_axis(seq, s, axis=-1)
    if seq.ndim == 1:
        r = xp.searchsorted(seq, vals, side="right" if right else "left")
    else:
        if seq.shape[:-1] != vals.shape[:-1]:
            raise RuntimeError(
                "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                "dimensions of boundaries tensor and input value tensor must match, but we got "
                f"boundaries tensor {list(seq.shape)} and input value tensor {list(vals.shape)}")
        r = _searchsorted_rows(seq, vals, right)
    r = make(xp.asarray(r, dtype=xp.int32 if out_int32 else xp.int64))
    return r if out is None else _out(r, out)


@export(method=False)
def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """Index of the bucket of each value of input among the 1-D sorted boundaries:
    boundaries[i-1] < x <= boundaries[i] (with right=True, boundaries[i-1] <= x <
    boundaries[i])."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


@export(method=False)
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Elementwise: is each element of `elements` among test_elements (either may be a
    scalar)? NaN is never found. `assume_unique` is only a hint; the answer is the same."""
    el = elements._data if hasattr(elements, "_data") else xp.asarray(elements)
    te = test_elements._data if hasattr(test_elements, "_data") else xp.asarray(test_elements)
    return make(xp.asarray(xp.isin(el, te, invert=invert)), _dt.bool)
