"""The `*_copy` forms of view ops, unsafe_split/unsafe_chunk, and the `*_scatter` ops (a copy
of input with a view's elements replaced by src).
"""
from contextlib import contextmanager

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops import shape as _shape
from ember._ops._util import wrap_dim
from ember._ops.engine import GRAD, Node, execute
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
    from ember._ops.complex_ops import view_as_real
    return _copy_of(view_as_real, input)


@export(method=False)
def view_as_complex_copy(input):
    """view_as_complex(input) as a new tensor (not differentiable, as in torch)."""
    from ember._ops.complex_ops import view_as_complex
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
