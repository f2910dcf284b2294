"""Shape ops: views that share memory with their base (view, transpose, expand, select,
slice, diagonal, unfold, as_strided...) and copies (cat, stack, repeat, flip, roll, tril).

A view's output shares the base's version counter, so an in-place change through either is
seen by autograd; an in-place op on a view of a graph tensor rewrites the base's history
with a CopySlices node, as torch does.
"""
from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops import engine
from ember._ops._util import make, shape_arg, wrap_dim, wrap_dims
from ember._ops.engine import GRAD, Node, execute
from ember._ops.registry import export

ndarray = xp.ndarray


def _share_version(base, out):
    vc = base._vc
    if vc is None:
        vc = base._vc = [0]
    out._vc = vc
    out._base = base._base if base._base is not None else base
    return out


def _view(cls, input, args=()):
    out = execute(cls, (input,), (input._data,), args)
    vc = input._vc
    if vc is None:
        vc = input._vc = [0]
    out._vc = vc
    b = input._base
    out._base = b if b is not None else input
    return out


# --- in-place through views: CopySlices ------------------------------------------------------

def _geometry(base, view):
    """(shape, element strides, element offset) of `view` inside `base`'s memory."""
    size = base.dtype.itemsize
    offset = (view._data.__array_interface__["data"][0]
              - base._data.__array_interface__["data"][0]) // size
    return view._data.shape, tuple(s // size for s in view._data.strides), offset


class CopySlices(Node):
    """Gradient of writing into a view of `base`: the view's region takes the in-place op's
    gradient, the rest of the base passes the gradient through."""

    def __init__(self, base_edge, base_meta, geometry, fn):
        self.fn = fn
        self.geometry = geometry
        self.next_functions = (base_edge,) + fn.next_functions[1:]
        self._in_meta = [base_meta] + list(fn._in_meta[1:])

    def backward(self, grad):
        shape, strides, offset = self.geometry
        result = grad.clone()
        grad_slice = grad.as_strided(shape, strides, offset)
        res = self.fn.backward(grad_slice.clone())
        if res.__class__ is not tuple:
            res = (res,)
        region = result.as_strided(shape, strides, offset)
        with _no_grad_if_plain(grad):
            if res[0] is not None and self.fn.needs(0):
                region.copy_(engine._validate(self.fn, 0, res[0]))
            else:
                region.zero_()
        outs = [result]
        for i in range(1, len(self.fn.next_functions)):
            g = res[i] if i < len(res) else None
            outs.append(g)
        return tuple(outs)

    def release(self):
        self.fn.release()


class _no_grad_if_plain:
    def __init__(self, grad):
        self.plain = not grad._requires_grad

    def __enter__(self):
        self.prev = GRAD.enabled
        if self.plain:
            GRAD.enabled = False

    def __exit__(self, *exc):
        GRAD.enabled = self.prev


def rebase_view(view, result):
    """`view` (a view of a base tensor) was changed in place into `result`, whose grad_fn is
    the in-place op's node: write the data through and give the base a CopySlices history."""
    base = view._base
    view._data[...] = result._data
    if not base._requires_grad and not result._requires_grad:
        return
    if base.grad_fn is None and base._requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    geometry = _geometry(base, view)
    base_edge = engine._edge(base) if base._requires_grad else (None, 0)
    node = CopySlices(base_edge, (base._data.shape, base.dtype), geometry, result.grad_fn)
    base.grad_fn = node
    base._requires_grad = True
    base._output_nr = 0
    shape, strides, offset = geometry
    view.grad_fn = AsStridedBackward0.__new__(AsStridedBackward0)
    view.grad_fn.geometry = geometry
    view.grad_fn.base_shape = base._data.shape
    view.grad_fn.next_functions = ((node, 0),)
    view.grad_fn._in_meta = [(base._data.shape, base.dtype)]
    view._requires_grad = True
    view._output_nr = 0


# --- views -----------------------------------------------------------------------------------

class ViewBackward0(Node):
    def forward(self, a, shape):
        self.in_shape = a.shape
        try:
            return xp.reshape(a, shape, copy=False)
        except ValueError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            ) from None

    def backward(self, grad):
        return grad.reshape(self.in_shape)


class UnsafeViewBackward0(Node):
    def forward(self, a, shape):
        self.in_shape = a.shape
        return a.reshape(shape)

    def backward(self, grad):
        return grad.reshape(self.in_shape)


def _infer_shape(shape, numel):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = 1
    for i, s in enumerate(shape):
        if i not in neg:
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


@export(function=False)
def view(self, *shape):
    """A tensor with the same data and a new shape (RuntimeError if strides forbid it);
    `view(dtype)` reinterprets the bytes as another dtype."""
    if len(shape) == 1 and isinstance(shape[0], _dt.dtype):
        d = shape[0]
        return _share_version(self, make(self._data.view(d.np), d))
    shape = _infer_shape(shape_arg(shape), self._data.size)
    return _view(ViewBackward0, self, (shape,))


@export
def reshape(input, *shape):
    """Same data with a new shape: a view when strides allow it, otherwise a copy."""
    shape = _infer_shape(shape_arg(shape), input._data.size)
    if shape == input._data.shape and True:
        return _view(ViewBackward0, input, (shape,))
    try:
        arr = xp.reshape(input._data, shape, copy=False)
    except ValueError:
        return execute(UnsafeViewBackward0, (input.clone(),), (input._data.copy(),), (shape,))
    del arr
    return _view(ViewBackward0, input, (shape,))


@export(function=False)
def view_as(self, other):
    """self.view(other.shape)."""
    return view(self, other.shape)


@export(function=False)
def reshape_as(self, other):
    """self.reshape(other.shape)."""
    return reshape(self, other.shape)


@export
def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one (a view when possible)."""
    nd = input._data.ndim
    if nd == 0:
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, nd), wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._data.shape
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return reshape(input, shape[:s] + (n,) + shape[e + 1:])


@export
def ravel(input):
    """A flattened (contiguous) tensor."""
    return reshape(input, (-1,))


@export
def unflatten(input, dim, sizes):
    """Split dimension `dim` into `sizes`."""
    shape = input._data.shape
    d = wrap_dim(dim, len(shape))
    sizes = list(sizes)
    if -1 in sizes:
        known = 1
        for s in sizes:
            if s != -1:
                known *= s
        sizes[sizes.index(-1)] = shape[d] // known if known else 0
    n = 1
    for s in sizes:
        n *= s
    if n != shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({shape[d]}) in the input tensor")
    return view(input, shape[:d] + tuple(sizes) + shape[d + 1:])


class SqueezeBackward0(Node):
    def forward(self, a):
        self.in_shape = a.shape
        return a.reshape(tuple(s for s in a.shape if s != 1))

    def backward(self, grad):
        return grad.reshape(self.in_shape)


class SqueezeBackward1(Node):
    def forward(self, a, dim):
        self.in_shape = a.shape
        if a.shape[dim] != 1:
            return a.view()
        return xp.squeeze(a, dim)

    def backward(self, grad):
        return grad.reshape(self.in_shape)


class SqueezeBackward2(Node):
    def forward(self, a, dims):
        self.in_shape = a.shape
        return xp.squeeze(a, tuple(d for d in dims if a.shape[d] == 1))

    def backward(self, grad):
        return grad.reshape(self.in_shape)


@export
def squeeze(input, dim=None):
    """Remove size-1 dimensions (all, one dim, or a tuple of dims)."""
    if dim is None:
        return _view(SqueezeBackward0, input)
    nd = input._data.ndim
    if isinstance(dim, int):
        if nd == 0:
            wrap_dim(dim, 0)
            return _view(SqueezeBackward2, input, ((),))
        return _view(SqueezeBackward1, input, (wrap_dim(dim, nd),))
    return _view(SqueezeBackward2, input, (wrap_dims(dim, nd),))


class UnsqueezeBackward0(Node):
    def forward(self, a, dim):
        self.dim = dim
        return xp.expand_dims(a, dim)

    def backward(self, grad):
        return grad.squeeze(self.dim)


@export
def unsqueeze(input, dim):
    """Insert a size-1 dimension at `dim`."""
    return _view(UnsqueezeBackward0, input, (wrap_dim(dim, input._data.ndim + 1),))


@export(function=False)
def squeeze_(self, dim=None):
    r = squeeze(self, dim)
    self._data = r._data
    return self


@export(function=False)
def unsqueeze_(self, dim):
    r = unsqueeze(self, dim)
    self._data = r._data
    return self


class TransposeBackward0(Node):
    def forward(self, a, d0, d1):
        self.dims = (d0, d1)
        return xp.swapaxes(a, d0, d1)

    def backward(self, grad):
        return grad.transpose(*self.dims)


class TBackward0(Node):
    def forward(self, a):
        return a.T

    def backward(self, grad):
        return grad.t()


class PermuteBackward0(Node):
    def forward(self, a, dims):
        self.dims = dims
        return a.transpose(dims)

    def backward(self, grad):
        inverse = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inverse[d] = i
        return grad.permute(inverse)


@export(names=("swapaxes", "swapdims"))
def transpose(input, dim0, dim1):
    """Swap two dimensions (a view)."""
    nd = input._data.ndim
    return _view(TransposeBackward0, input, (wrap_dim(dim0, nd), wrap_dim(dim1, nd)))


@export
def t(input):
    """Transpose a tensor of at most 2 dims."""
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input._data.ndim}D")
    return _view(TBackward0, input)


@export(function=False)
def t_(self):
    self._data = self._data.T
    return self


@export(function=False)
def transpose_(self, dim0, dim1):
    self._data = xp.swapaxes(self._data, dim0, dim1)
    return self


@export
def permute(input, *dims):
    """Reorder dimensions (a view)."""
    dims = shape_arg(dims)
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    return _view(PermuteBackward0, input, (tuple(wrap_dim(d, nd) for d in dims),))


@export(names=("moveaxis",))
def movedim(input, source, destination):
    """Move dims from `source` positions to `destination` positions."""
    nd = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [wrap_dim(s, nd) for s in src]
    dst = [wrap_dim(d, nd) for d in dst]
    order = [n for n in range(nd) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, order)


def _T(self):
    nd = self._data.ndim
    if nd == 2:
        return permute(self, (1, 0))
    return permute(self, tuple(range(nd - 1, -1, -1)))


def _mT(self):
    if self._data.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self._data.ndim}-D tensor.")
    return transpose(self, -2, -1)


def _H(self):
    return _T(self).conj()


def _mH(self):
    return _mT(self).conj()


class ExpandBackward0(Node):
    def forward(self, a, shape):
        self.in_shape = a.shape
        return xp.broadcast_to(a, shape)

    def backward(self, grad):
        return grad  # the engine sums the gradient back to the input's shape


@export(function=False)
def expand(self, *sizes):
    """Broadcast size-1 dims to `sizes` without copying (-1 keeps a dim)."""
    sizes = shape_arg(sizes)
    shape = self._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(sizes)}): "
                           "the number of sizes provided "
                           f"({len(sizes)}) must be greater or equal to the number of dimensions "
                           f"in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError("The expanded size of the tensor (-1) isn't allowed in a "
                                   "leading, non-existing dimension 0")
            target.append(s)
            continue
        cur = shape[i - lead]
        if s == -1:
            target.append(cur)
        elif cur == 1 or cur == s:
            target.append(s)
        else:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({cur}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(shape)}")
    out = _view(ExpandBackward0, self, (tuple(target),))
    return out


@export(function=False)
def expand_as(self, other):
    """self.expand(other.size())."""
    return expand(self, other._data.shape)


@export
def broadcast_to(input, size):
    """input expanded to `size` (a view)."""
    return expand(input, tuple(size))


@export
def broadcast_tensors(*tensors):
    """Expand all tensors to their common broadcast shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    from ember._ops._util import broadcast_shapes as _bs
    shape = _bs(*[t._data.shape for t in tensors])
    return tuple(expand(t, shape) for t in tensors)


@export
def broadcast_shapes(*shapes):
    """The shape tensors of the given shapes broadcast to."""
    from ember._tensor import Size
    from ember._ops._util import broadcast_shapes as _bs
    return Size(_bs(*[(s,) if isinstance(s, int) else tuple(s) for s in shapes]))


@export
def atleast_1d(*tensors):
    r = [t if t.ndim >= 1 else t.reshape(1) for t in _flat_args(tensors)]
    return r[0] if len(r) == 1 else tuple(r)


@export
def atleast_2d(*tensors):
    r = [t if t.ndim >= 2 else t.reshape(1, -1) for t in _flat_args(tensors)]
    return r[0] if len(r) == 1 else tuple(r)


@export
def atleast_3d(*tensors):
    def f(t):
        if t.ndim >= 3:
            return t
        if t.ndim == 2:
            return t.unsqueeze(-1)
        return t.reshape(1, -1, 1)
    r = [f(t) for t in _flat_args(tensors)]
    return r[0] if len(r) == 1 else tuple(r)


def _flat_args(tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return list(tensors[0])
    return list(tensors)


# --- select / slice / narrow / diagonal / as_strided --------------------------------------

class SelectBackward0(Node):
    def forward(self, a, dim, index):
        self.in_shape, self.dim, self.index = a.shape, dim, index
        return a[(slice(None),) * dim + (index,)]

    def backward(self, grad):
        return _place(grad, self.in_shape, (slice(None),) * self.dim + (self.index,),
                      SelectBackwardBackward0)


class SliceBackward0(Node):
    def forward(self, a, dim, start, stop, step):
        self.in_shape, self.key = a.shape, (slice(None),) * dim + (slice(start, stop, step),)
        return a[self.key]

    def backward(self, grad):
        return _place(grad, self.in_shape, self.key, SliceBackwardBackward0)


class _PlaceBackward(Node):
    """zeros(shape) with `grad` written at `key`; its own gradient re-reads that region."""

    def forward(self, g, shape, key):
        self.key = key
        out = xp.zeros(shape, g.dtype)
        out[key] = g
        return out

    def backward(self, grad):
        return grad[self.key] if all(isinstance(k, (int, slice)) for k in self.key) \
            else grad[self.key]


class SelectBackwardBackward0(_PlaceBackward):
    pass


class SliceBackwardBackward0(_PlaceBackward):
    pass


def _place(grad, shape, key, cls):
    return execute(cls, (grad,), (grad._data,), (shape, key))


@export
def select(input, dim, index):
    """The slice at `index` along `dim`, with that dim removed (a view)."""
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, nd)
    n = input._data.shape[d]
    index = int(index)
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {dim}")
    return _view(SelectBackward0, input, (d, index + n if index < 0 else index))


def _slice(input, dim, start, stop, step):
    return _view(SliceBackward0, input, (dim, start, stop, step))


@export
def narrow(input, dim, start, length):
    """`length` elements of dim `dim` from `start` (a view)."""
    nd = input._data.ndim
    d = wrap_dim(dim, nd)
    n = input._data.shape[d]
    start = int(start)
    if start < 0:
        start += n
    if start < 0 or start + length > n or length < 0:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _slice(input, d, start, start + length, 1)


class DiagonalBackward0(Node):
    def forward(self, a, offset, d1, d2):
        self.in_shape, self.args = a.shape, (offset, d1, d2)
        return xp.diagonal(a, offset, d1, d2)

    def backward(self, grad):
        return execute(DiagonalBackwardBackward0, (grad,), (grad._data,),
                       (self.in_shape,) + self.args)


class DiagonalBackwardBackward0(Node):
    def forward(self, g, shape, offset, d1, d2):
        self.args = (offset, d1, d2)
        out = xp.zeros(shape, g.dtype)
        xp.diagonal(out, offset, d1, d2).setflags(write=True) if False else None
        view = _writable_diagonal(out, offset, d1, d2)
        view[...] = g
        return out

    def backward(self, grad):
        return grad.diagonal(*self.args)


def _writable_diagonal(a, offset, d1, d2):
    # numpy's diagonal is read-only; rebuild the same view with as_strided
    n1, n2 = a.shape[d1], a.shape[d2]
    s1, s2 = a.strides[d1], a.strides[d2]
    start = (0, offset) if offset >= 0 else (-offset, 0)
    length = max(0, min(n1 - start[0], n2 - start[1]))
    rest = [i for i in range(a.ndim) if i not in (d1, d2)]
    shape = tuple(a.shape[i] for i in rest) + (length,)
    strides = tuple(a.strides[i] for i in rest) + (s1 + s2,)
    base = a.reshape(-1)[(start[0] * s1 + start[1] * s2) // a.itemsize:] if a.size else a
    return xp.lib.stride_tricks.as_strided(base, shape, strides) if length else \
        xp.zeros(shape, a.dtype)


@export
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal with `offset` of the dim1/dim2 planes, as a view in the last dim."""
    nd = input._data.ndim
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    out = execute(DiagonalBackward0, (input,), (input._data,), (offset, d1, d2))
    if input._data.size:
        out._data = _writable_diagonal(input._data, offset, d1, d2)
    return _share_version(input, out)


class TraceBackward0(Node):
    def forward(self, a):
        self.in_shape = a.shape
        return xp.trace(a)

    def backward(self, grad):
        from ember._ops.creation import eye
        n, m = self.in_shape
        return eye(n, m, dtype=grad.dtype) * grad


@export
def trace(input):
    """Sum of the main diagonal of a 2-D tensor."""
    if input._data.ndim != 2:
        raise RuntimeError("trace: expected a matrix, but got tensor with dim "
                           f"{input._data.ndim}")
    data = input._data
    if input.dtype.category < _dt.FLOAT:
        data = data.astype(xp.int64)
    return execute(TraceBackward0, (input,), (data,))


class DiagEmbedBackward0(Node):
    def forward(self, a, offset, d1, d2):
        self.args = (offset, d1, d2)
        n = a.shape[-1] + abs(offset)
        out_nd = a.ndim + 1
        shape = list(a.shape[:-1])
        shape.insert(min(d1, d2), n)
        shape.insert(max(d1, d2), n)
        out = xp.zeros(shape, a.dtype)
        _writable_diagonal(out, offset, d1, d2)[...] = a
        del out_nd
        return out

    def backward(self, grad):
        return grad.diagonal(*self.args)


@export
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Tensors whose dim1/dim2 diagonals are filled from input's last dim."""
    nd = input._data.ndim + 1
    return execute(DiagEmbedBackward0, (input,), (input._data,),
                   (offset, wrap_dim(dim1, nd), wrap_dim(dim2, nd)))


@export
def diag(input, diagonal=0):
    """A 1-D input gives a square matrix with it on a diagonal; a 2-D input gives that
    diagonal."""
    nd = input._data.ndim
    if nd == 1:
        return diag_embed(input, diagonal, 0, 1)
    if nd == 2:
        return globals()["diagonal"](input, diagonal).clone()
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{nd}D")


@export
def diagflat(input, offset=0):
    return diag(input.flatten(), offset)


class AsStridedBackward0(Node):
    def forward(self, a, base_shape, geometry):
        self.base_shape, self.geometry = base_shape, geometry
        shape, strides, offset = geometry
        size = a.itemsize
        root = a
        while isinstance(root.base, ndarray):
            root = root.base
        flat = a.reshape(-1) if a.flags.c_contiguous else xp.ascontiguousarray(a).reshape(-1)
        return xp.lib.stride_tricks.as_strided(
            flat[offset:], shape, tuple(s * size for s in strides)) if shape else \
            flat[offset:offset + 1].reshape(())

    def backward(self, grad):
        return execute(AsStridedScatterBackward, (grad,), (grad._data,),
                       (self.base_shape, self.geometry))


class AsStridedScatterBackward(Node):
    def forward(self, g, base_shape, geometry):
        self.base_shape, self.geometry = base_shape, geometry
        shape, strides, offset = geometry
        n = 1
        for s in base_shape:
            n *= s
        out = xp.zeros(n, g.dtype)
        region = xp.lib.stride_tricks.as_strided(
            out[offset:], shape, tuple(s * out.itemsize for s in strides))
        if any(s == 0 for s in strides) or _overlaps(shape, strides):
            xp.add.at(region, tuple(), 0)
            idx = xp.lib.stride_tricks.as_strided(
                xp.arange(n)[offset:], shape, tuple(s * 8 for s in strides))
            xp.add.at(out, idx.reshape(-1), g.reshape(-1))
        else:
            region[...] = g
        return out.reshape(base_shape)

    def backward(self, grad):
        return grad.as_strided(*self.geometry)


def _overlaps(shape, strides):
    pairs = sorted((abs(st), n) for n, st in zip(shape, strides) if n > 1)
    span = 1
    for st, n in pairs:
        if st < span:
            return True
        span = st * n
    return False


@export
def as_strided(input, size, stride, storage_offset=None):
    """A view of input's storage with the given sizes, strides (in elements) and offset."""
    from ember._tensor import _root
    size, stride = tuple(size), tuple(stride)
    if storage_offset is None:
        storage_offset = input.storage_offset()
    root = _root(input._data)
    flat = root.reshape(-1) if root.flags.c_contiguous else None
    if flat is None:
        raise RuntimeError("as_strided on a non-contiguous storage is not supported")
    need = storage_offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) \
        else storage_offset
    if need > flat.size:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {storage_offset} requiring a storage size of "
                           f"{need * input.dtype.itemsize} are out of bounds for storage of "
                           f"size {flat.size * input.dtype.itemsize}")
    base_offset = input.storage_offset()
    geometry = (size, stride, storage_offset - base_offset)
    if input.is_contiguous() and base_offset == 0 or True:
        out = execute(AsStridedBackward0, (input,), (input._data,),
                      (input._data.shape, geometry))
    data = xp.lib.stride_tricks.as_strided(
        flat[storage_offset:], size, tuple(s * input.dtype.itemsize for s in stride)) \
        if size else flat[storage_offset:storage_offset + 1].reshape(())
    out._data = data
    return _share_version(input, out)


class UnfoldBackward0(Node):
    def forward(self, a, dim, size, step):
        self.in_shape, self.args = a.shape, (dim, size, step)
        n = (a.shape[dim] - size) // step + 1
        shape = a.shape[:dim] + (n,) + a.shape[dim + 1:] + (size,)
        strides = a.strides[:dim] + (a.strides[dim] * step,) + a.strides[dim + 1:] + \
            (a.strides[dim],)
        return xp.lib.stride_tricks.as_strided(a, shape, strides)

    def backward(self, grad):
        return execute(UnfoldBackwardBackward0, (grad,), (grad._data,),
                       (self.in_shape,) + self.args)


class UnfoldBackwardBackward0(Node):
    def forward(self, g, in_shape, dim, size, step):
        self.args = (dim, size, step)
        out = xp.zeros(in_shape, g.dtype)
        n = g.shape[dim]
        for i in range(n):
            src = xp.moveaxis(xp.take(g, i, axis=dim), -1, dim)
            key = (slice(None),) * dim + (slice(i * step, i * step + size),)
            out[key] += src
        return out

    def backward(self, grad):
        return grad.unfold(*self.args)


@export(function=False)
def unfold(self, dimension, size, step):
    """All windows of `size` elements along `dimension`, `step` apart, in a new last dim."""
    nd = self._data.ndim
    d = wrap_dim(dimension, nd) if nd else 0
    if nd == 0:
        return self.reshape(1)
    if size > self._data.shape[d]:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is "
                           f"{self._data.shape[d]} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return _view(UnfoldBackward0, self, (d, size, step))


# --- joining and splitting (copies) --------------------------------------------------------

class CatBackward0(Node):
    def forward(self, *arrays_and_dim):
        *arrays, dim = arrays_and_dim
        self.dim = dim
        self.sizes = [a.shape[dim] if a.ndim else 0 for a in arrays]
        kept = [a for a in arrays if not (a.ndim == 1 and a.shape[0] == 0)]
        if not kept:
            return xp.concatenate(arrays, axis=0)
        return xp.concatenate(kept, axis=dim)

    def backward(self, grad):
        out, start = [], 0
        for i, n in enumerate(self.sizes):
            out.append(grad.narrow(self.dim, start, n) if self.needs(i) and n else None)
            start += n
        return tuple(out)


def _promote_all(tensors):
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = _dt._PROMOTE[dt, t.dtype]
    return dt, tuple(a._data if a.dtype is dt else a._data.astype(dt.np) for a in tensors)


@export(names=("concat", "concatenate"))
def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dimension."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    for t in tensors:
        if not isinstance(t, engine.Tensor):
            raise TypeError(f"expected Tensor as element in argument 0, but got "
                            f"{type(t).__name__}")
    ref = next((t for t in tensors if not (t._data.ndim == 1 and t._data.shape[0] == 0)),
               tensors[0])
    nd = ref._data.ndim
    if nd == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, nd)
    for i, t in enumerate(tensors):
        s = t._data.shape
        if s == (0,) and nd != 1:
            continue
        if len(s) != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and "
                               f"{len(s)}")
        for k in range(nd):
            if k != d and s[k] != ref._data.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref._data.shape[k]} but got size {s[k]} "
                                   f"for tensor number {i} in the list.")
    dt, arrays = _promote_all(tensors)
    r = execute(CatBackward0, tuple(tensors), arrays, (d,))
    if out is not None:
        out._data = r._data
        return out
    return r


class StackBackward0(Node):
    def forward(self, *arrays_and_dim):
        *arrays, dim = arrays_and_dim
        self.dim = dim
        return xp.stack(arrays, axis=dim)

    def backward(self, grad):
        parts = grad.unbind(self.dim)
        return tuple(p if self.needs(i) else None for i, p in enumerate(parts))


@export
def stack(tensors, dim=0, *, out=None):
    """Join same-shaped tensors along a new dimension."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shape)} at entry 0 and {list(t.shape)} at entry {i}")
    d = wrap_dim(dim, len(shape) + 1)
    dt, arrays = _promote_all(tensors)
    r = execute(StackBackward0, tuple(tensors), arrays, (d,))
    if out is not None:
        out._data = r._data
        return out
    return r


@export
def hstack(tensors):
    """Concatenate along dim 1 (dim 0 for 1-D tensors)."""
    tensors = atleast_1d(*tensors)
    if isinstance(tensors, engine.Tensor):
        tensors = (tensors,)
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


@export(names=("row_stack",))
def vstack(tensors):
    """Concatenate along dim 0 after making inputs at least 2-D."""
    tensors = atleast_2d(*tensors)
    if isinstance(tensors, engine.Tensor):
        tensors = (tensors,)
    return cat(tensors, 0)


@export
def dstack(tensors):
    tensors = atleast_3d(*tensors)
    if isinstance(tensors, engine.Tensor):
        tensors = (tensors,)
    return cat(tensors, 2)


@export
def column_stack(tensors):
    return hstack([t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors])


class SplitBackward0(Node):
    def forward(self, a, dim, sizes):
        self.dim, self.in_shape = dim, a.shape
        out, start = [], 0
        for n in sizes:
            out.append(a[(slice(None),) * dim + (slice(start, start + n),)])
            start += n
        return tuple(out)

    def backward(self, *grads):
        return cat(list(grads), self.dim)


class SplitWithSizesBackward0(SplitBackward0):
    pass


class UnbindBackward0(Node):
    def forward(self, a, dim):
        self.dim = dim
        return tuple(xp.take(a, i, axis=dim) if False else a[(slice(None),) * dim + (i,)]
                     for i in range(a.shape[dim]))

    def backward(self, *grads):
        return stack(list(grads), self.dim)


def _multi_view(cls, input, args):
    outs = execute(cls, (input,), (input._data,), args)
    for o in outs:
        _share_version(input, o)
    return outs


@export
def split(tensor, split_size_or_sections, dim=0):
    """Pieces of `split_size` along dim (the last may be smaller), or of the given sizes."""
    nd = tensor._data.ndim
    d = wrap_dim(dim, nd)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0 and n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if size else [0]
        return _multi_view(SplitBackward0, tensor, (d, sizes))
    sizes = [int(s) for s in split_size_or_sections]
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                           f"tensor's size at dimension {d}), but got split_sizes={sizes}")
    return _multi_view(SplitWithSizesBackward0, tensor, (d, sizes))


@export
def split_with_sizes(input, split_sizes, dim=0):
    return split(input, list(split_sizes), dim)


@export
def chunk(input, chunks, dim=0):
    """Split into `chunks` nearly equal pieces along dim."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input._data.shape[wrap_dim(dim, input._data.ndim)]
    size = -(-n // chunks) if n else 1
    return split(input, max(size, 1), dim)


@export
def tensor_split(input, indices_or_sections, dim=0):
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    else:
        idx = [0] + [min(max(int(i), 0), n) for i in indices_or_sections] + [n]
        sizes = [max(b - a, 0) for a, b in zip(idx, idx[1:])]
    return _multi_view(SplitWithSizesBackward0, input, (d, sizes))


@export
def unbind(input, dim=0):
    """The slices along dim, as a tuple of views."""
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return _multi_view(UnbindBackward0, input, (wrap_dim(dim, nd),))


class RepeatBackward0(Node):
    def forward(self, a, repeats):
        self.in_shape, self.repeats = a.shape, repeats
        lead = len(repeats) - a.ndim
        return xp.tile(a.reshape((1,) * lead + a.shape), repeats)

    def backward(self, grad):
        shape = self.in_shape
        lead = len(self.repeats) - len(shape)
        full = (1,) * lead + tuple(shape)
        split_shape = []
        for r, s in zip(self.repeats, full):
            split_shape += [r, s]
        g = grad.reshape(split_shape)
        g = g.sum(dim=tuple(range(0, len(split_shape), 2)))
        return g.reshape(shape)


@export(function=False)
def repeat(self, *sizes):
    """Tile the tensor `sizes` times along each dim (copies)."""
    sizes = shape_arg(sizes)
    if len(sizes) < self._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    return execute(RepeatBackward0, (self,), (self._data,), (sizes,))


@export
def tile(input, dims):
    """Repeat input along each dim; dims shorter than input.ndim are padded with 1s."""
    dims = tuple(dims) if not isinstance(dims, int) else (dims,)
    if len(dims) < input._data.ndim:
        dims = (1,) * (input._data.ndim - len(dims)) + dims
    return repeat(input, dims)


@export
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element `repeats` times (a number or a tensor of counts) along dim."""
    if repeats is None:
        counts = input
        from ember._ops.creation import arange
        return repeat_interleave(arange(counts._data.shape[0]), counts, 0)
    if dim is None:
        input = input.reshape(-1)
        dim = 0
    d = wrap_dim(dim, input._data.ndim)
    if isinstance(repeats, int) or (isinstance(repeats, engine.Tensor) and repeats.numel() == 1
                                    and input._data.shape[d] != 1 and repeats.ndim == 0):
        r = int(repeats)
        shape = input._data.shape
        x = input.unsqueeze(d + 1)
        x = x.expand(shape[:d + 1] + (r,) + shape[d + 1:]).clone()
        return x.reshape(shape[:d] + (shape[d] * r,) + shape[d + 1:])
    from ember._ops.indexing import index_select
    from ember._ops.creation import from_numpy
    counts = repeats._data.reshape(-1)
    idx = xp.repeat(xp.arange(input._data.shape[d]), counts)
    return index_select(input, d, from_numpy(idx))


class FlipBackward0(Node):
    def forward(self, a, dims):
        self.dims = dims
        return xp.flip(a, dims).copy()

    def backward(self, grad):
        return grad.flip(self.dims)


@export
def flip(input, *dims):
    """Reverse the order of elements along the given dims (a copy, as torch)."""
    dims = shape_arg(dims)
    return execute(FlipBackward0, (input,), (input._data,), (wrap_dims(dims, input.ndim),))


@export
def fliplr(input):
    return flip(input, 1)


@export
def flipud(input):
    return flip(input, 0)


class RollBackward0(Node):
    def forward(self, a, shifts, dims):
        self.shifts, self.dims = shifts, dims
        return xp.roll(a, shifts, dims)

    def backward(self, grad):
        if self.dims is None:
            return grad.roll(tuple(-s for s in self.shifts), None) if isinstance(
                self.shifts, tuple) else grad.roll(-self.shifts)
        return grad.roll(tuple(-s for s in self.shifts), self.dims)


@export
def roll(input, shifts, dims=None):
    """Rotate elements along dims by shifts (flattened when dims is None)."""
    if dims is None:
        if not isinstance(shifts, int):
            shifts = shifts[0]
        return execute(RollBackward0, (input,), (input._data,), (shifts, None))
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    return execute(RollBackward0, (input,), (input._data,), (shifts, dims))


@export
def rot90(input, k=1, dims=(0, 1)):
    k %= 4
    d0, d1 = dims
    if k == 0:
        return input.clone()
    if k == 1:
        return input.flip(d1).transpose(d0, d1)
    if k == 2:
        return input.flip((d0, d1))
    return input.transpose(d0, d1).flip(d1)


class TrilBackward0(Node):
    def forward(self, a, k):
        self.k = k
        return xp.tril(a, k)

    def backward(self, grad):
        return grad.tril(self.k)


class TriuBackward0(Node):
    def forward(self, a, k):
        self.k = k
        return xp.triu(a, k)

    def backward(self, grad):
        return grad.triu(self.k)


@export
def tril(input, diagonal=0):
    """Lower triangle (elements on and below the `diagonal`-th diagonal), rest zero."""
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return execute(TrilBackward0, (input,), (input._data,), (diagonal,))


@export
def triu(input, diagonal=0):
    """Upper triangle (elements on and above the `diagonal`-th diagonal), rest zero."""
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return execute(TriuBackward0, (input,), (input._data,), (diagonal,))


@export(function=False)
def tril_(self, diagonal=0):
    from ember._ops.elementwise import check_inplace, inplace_from
    check_inplace(self)
    return inplace_from(self, tril(self, diagonal))


@export(function=False)
def triu_(self, diagonal=0):
    from ember._ops.elementwise import check_inplace, inplace_from
    check_inplace(self)
    return inplace_from(self, triu(self, diagonal))


METHOD_PROPERTIES = {"T": _T, "mT": _mT, "H": _H, "mH": _mH}
