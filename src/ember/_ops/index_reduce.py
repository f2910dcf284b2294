"""index_reduce / index_reduce_: reduce source rows into input at given indices.
"""
from ember._backend import xp
from ember._ops._util import wrap_dim
from ember._ops.engine import execute
from ember._ops.indexing import ScatterReduceBackward0, _index_data
from ember._ops.registry import export


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
