"""Sorting and searching: sort, argsort, topk, kthvalue, unique, unique_consecutive,
searchsorted, bucketize."""
from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops._util import make, wrap_dim
from ember._ops.engine import Node, execute
from ember._ops.reduction import _MINMAX
from ember._ops.registry import export


def _sort_key(a, descending):
    # NaN sorts as the largest value, as in torch
    if a.dtype == xp.bool_:
        a = a.astype(xp.uint8)
    return a


def _argsort(a, dim, descending, stable=True):
    a = _sort_key(a, descending)
    if descending:
        if a.dtype.kind in "fc":
            # reverse of an ascending stable sort would reverse ties; sort the negation
            # with NaN mapped to -inf-like first position instead
            key = xp.where(xp.isnan(a), -xp.inf, -a) if a.dtype.kind == "f" else -a
            nan_first = xp.isnan(a)
            order = xp.argsort(key, axis=dim, kind="stable")
            del nan_first
            return order
        if a.dtype.kind == "u":
            return xp.argsort(-(a.astype(xp.int64)), axis=dim, kind="stable")
        return xp.argsort(-a.astype(xp.int64) if a.dtype.kind == "i" else -a, axis=dim,
                          kind="stable")
    return xp.argsort(a, axis=dim, kind="stable")


class SortBackward0(Node):
    def forward(self, a, dim, descending):
        self.in_shape, self.dim = a.shape, dim
        if a.ndim == 0:
            self.idx = xp.zeros((), xp.int64)
            return a.copy(), self.idx
        idx = _argsort(a, dim, descending).astype(xp.int64)
        self.idx = idx
        return xp.take_along_axis(a, idx, axis=dim), idx

    def backward(self, grad, _):
        from ember._ops.indexing import _scatter_into_zeros
        if not self.in_shape:
            return grad
        return _scatter_into_zeros(grad, self.dim, make(self.idx), self.in_shape)


@export
def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    """Sorted values and their original indices along dim (ties keep their order)."""
    if isinstance(dim, bool):
        dim, descending = -1, dim
    d = wrap_dim(dim, input._data.ndim) if input._data.ndim else 0
    v, i = execute(SortBackward0, (input,), (input._data,), (d, descending))
    return _MINMAX["sort"](v, i)


@export
def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort input along dim."""
    if input._data.ndim == 0:
        return make(xp.zeros((), xp.int64))
    d = wrap_dim(dim, input._data.ndim)
    return make(_argsort(input._data, d, descending).astype(xp.int64))


@export
def msort(input):
    return sort(input, 0).values


class TopkBackward0(Node):
    def forward(self, a, k, dim, largest, sorted_):
        self.in_shape, self.dim = a.shape, dim
        if a.ndim == 0:
            self.idx = xp.zeros((), xp.int64)
            return a.copy(), self.idx
        idx = _argsort(a, dim, largest)
        idx = xp.take(idx, xp.arange(k), axis=dim).astype(xp.int64)
        self.idx = idx
        return xp.take_along_axis(a, idx, axis=dim), idx

    def backward(self, grad, _):
        from ember._ops.indexing import _scatter_into_zeros
        if not self.in_shape:
            return grad
        return _scatter_into_zeros(grad, self.dim, make(self.idx), self.in_shape)


@export
def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The k largest (or smallest) values along dim, with their indices."""
    nd = input._data.ndim
    d = wrap_dim(dim, nd) if nd else 0
    n = input._data.shape[d] if nd else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    v, i = execute(TopkBackward0, (input,), (input._data,), (k, d, largest, sorted))
    return _MINMAX["topk"](v, i)


class KthvalueBackward0(Node):
    def forward(self, a, k, dim, keepdim):
        self.in_shape, self.dim, self.keepdim = a.shape, dim, keepdim
        if a.ndim == 0:
            self.idx = xp.zeros((), xp.int64)
            return a.copy(), self.idx
        order = _argsort(a, dim, False)
        idx = xp.take(order, [k - 1], axis=dim).astype(xp.int64)
        self.idx = idx
        vals = xp.take_along_axis(a, idx, axis=dim)
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
def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """The k-th smallest value along dim (1-based k) and its index."""
    nd = input._data.ndim
    d = wrap_dim(dim, nd) if nd else 0
    n = input._data.shape[d] if nd else 1
    if not 1 <= k <= n:
        raise IndexError(f"kthvalue(): selected number k out of range for dimension {d}")
    v, i = execute(KthvalueBackward0, (input,), (input._data,), (k, d, keepdim))
    return _MINMAX["kthvalue"](v, i)


def _unique_result(values, inverse, counts, return_inverse, return_counts):
    out = [values]
    if return_inverse:
        out.append(inverse)
    if return_counts:
        out.append(counts)
    return out[0] if len(out) == 1 else tuple(out)


@export
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements (sorted), optionally with inverse indices and counts; with dim,
    the distinct slices along dim."""
    a = input._data
    if dim is None:
        vals, inv, counts = xp.unique(a.reshape(-1), return_inverse=True, return_counts=True)
        inv = inv.reshape(a.shape)
    else:
        d = wrap_dim(dim, a.ndim)
        moved = xp.moveaxis(a, d, 0)
        vals, inv, counts = xp.unique(moved, axis=0, return_inverse=True, return_counts=True)
        vals = xp.moveaxis(vals, 0, d)
        inv = inv.reshape(-1)
    return _unique_result(make(vals, input.dtype), make(inv.astype(xp.int64)),
                          make(counts.astype(xp.int64)), return_inverse, return_counts)


@export
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive elements (or slices along dim)."""
    a = input._data
    if dim is None:
        flat = a.reshape(-1)
        if flat.size == 0:
            starts = xp.zeros(0, bool)
        else:
            starts = xp.concatenate([[True], flat[1:] != flat[:-1]])
        vals = flat[starts]
        group = xp.cumsum(starts) - 1
        inv = group.reshape(a.shape)
        counts = xp.diff(xp.concatenate([xp.nonzero(starts)[0], [flat.size]]))
    else:
        d = wrap_dim(dim, a.ndim)
        moved = xp.moveaxis(a, d, 0)
        n = moved.shape[0]
        diff = xp.concatenate([[True], (moved[1:] != moved[:-1]).reshape(n - 1, -1).any(axis=1)
                               ]) if n else xp.zeros(0, bool)
        vals = xp.moveaxis(moved[diff], 0, d)
        inv = xp.cumsum(diff) - 1
        counts = xp.diff(xp.concatenate([xp.nonzero(diff)[0], [n]]))
    return _unique_result(make(vals, input.dtype), make(inv.astype(xp.int64)),
                          make(counts.astype(xp.int64)), return_inverse, return_counts)


@export
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """Indices where input's values would be inserted to keep sorted_sequence sorted (along its
    last dim)."""
    if side is not None:
        right = side == "right"
    seq = sorted_sequence._data
    vals = input._data if hasattr(input, "_data") else xp.asarray(input)
    how = "right" if right else "left"
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter._data, axis=-1)
    if seq.ndim == 1:
        r = xp.searchsorted(seq, vals, side=how)
    else:
        if seq.shape[:-1] != vals.shape[:-1]:
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or "
                               "the first N-1 dimensions of boundaries tensor and input value "
                               "tensor must match")
        flat_s = seq.reshape(-1, seq.shape[-1])
        flat_v = vals.reshape(-1, vals.shape[-1])
        r = xp.stack([xp.searchsorted(s, v, side=how) for s, v in zip(flat_s, flat_v)])
        r = r.reshape(vals.shape)
    return make(xp.asarray(r).astype(xp.int32 if out_int32 else xp.int64))


@export
def bucketize(input, boundaries, *, out_int32=False, right=False):
    """Index of the bucket (given by 1-D boundaries) each value of input falls into."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


@export
def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Elementwise: is each element among test_elements?"""
    te = test_elements._data if hasattr(test_elements, "_data") else xp.asarray(test_elements)
    el = elements._data if hasattr(elements, "_data") else xp.asarray(elements)
    return make(xp.isin(el, te, invert=invert), _dt.bool)
