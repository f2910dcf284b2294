"""Shape ops: views that share memory with their base (view, transpose, expand, select,
slice, diagonal, unfold, as_strided...) and copies (cat, stack, repeat, flip, roll, tril).

A view shares its base's version counter and records the base in `_base`. An in-place op
recorded on a view rewrites the base's history with a CopySlices node and gives the view an
AsStridedBackward0 node on top of it, as torch does; other live views of the same base that
take part in autograd get the same AsStridedBackward0 history, so none keeps a stale graph.

torch rebuilds a view's history lazily, whenever its base's version has moved; ember updates
eagerly the views it tracks (`track_view`): those that require grad when made, including
those made in no_grad/inference mode of a base that requires grad. A view taken while its
base did not require grad is not tracked (that would cost every plain `t[i]`): it keeps
requires_grad=False and no history after its base starts to require grad (requires_grad_(),
or an in-place op with a grad-requiring operand), where torch gives it requires_grad=True
(and an AsStridedBackward0 history in the second case), and where torch refuses to use such
a view afterwards if it came from split/unbind/chunk, ember does not; for the same reason a
view made in no_grad mode of such a base may later be modified in place with a
grad-requiring operand, where torch raises. torch also regenerates (or, for
the views above, refuses) a tracked view's history after an in-place op made in no_grad
mode, and raises when a poisoned view's `grad_fn` is read; ember keeps the old history there
and raises only when the view is used in autograd.
"""
import threading
import weakref

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops import engine
from ember._ops._util import broadcast_shapes as _broadcast_shapes
from ember._ops._util import make, shape_arg, wrap_dim, wrap_dims
from ember._ops.engine import GRAD, Node, execute
from ember._ops.registry import export
from ember._ops import autocast as _ac

ndarray = xp.ndarray
_int64 = xp.int64


# --- memory: strided views of a storage --------------------------------------------------------

def _root(a):
    """The backend array owning the memory under `a` (torch's storage)."""
    while isinstance(a.base, ndarray):
        a = a.base
    return a


def _ptr(a):
    return a.__array_interface__["data"][0]


def _elem_strides(a):
    size = a.itemsize
    return tuple(s // size for s in a.strides)


def _strided(a, shape, strides, offset=0):
    """A view of the memory under backend array `a` with element `strides`, starting `offset`
    elements from a's first element; it keeps `a`'s storage as its base."""
    size = a.itemsize
    root = _root(a)
    start = _ptr(a) - _ptr(root) + offset * size
    byte_strides = tuple(s * size for s in strides)
    try:
        return ndarray(shape, a.dtype, buffer=root, offset=start, strides=byte_strides)
    except ValueError:  # the storage exposes no flat buffer: describe the memory directly
        window = _Window(a, shape, byte_strides, _ptr(a) + offset * size)
        return xp.asarray(window).view(a.dtype)


class _Window:
    """An array interface over memory owned by `base` (for storages without a flat buffer)."""

    def __init__(self, base, shape, strides, ptr):
        self.base = base
        self.__array_interface__ = {
            "shape": tuple(shape), "typestr": f"|V{base.itemsize}", "strides": strides,
            "data": (ptr, not base.flags.writeable), "version": 3}


def _offsets(shape, strides, offset):
    """Element offset in storage of every element of a strided layout (an int array)."""
    out = xp.full(shape, offset, _int64)
    nd = len(shape)
    for i, (n, s) in enumerate(zip(shape, strides)):
        out += (xp.arange(n, dtype=_int64) * s).reshape((n,) + (1,) * (nd - i - 1))
    return out


class _Region:
    """Where the elements of a strided window of `base`'s storage sit among base's elements,
    counted in C order: a strided window of a C-contiguous base (fast), or else the position
    of every element (-1 for memory outside the base)."""

    __slots__ = ("base_shape", "shape", "strides", "offset", "pos")

    def __init__(self, base, shape, strides, offset):
        self.base_shape, self.shape, self.strides, self.offset = base.shape, shape, strides, offset
        self.pos = None
        n = base.size
        if base.flags.c_contiguous and min(strides, default=0) >= 0:
            last = offset + sum((k - 1) * s for k, s in zip(shape, strides))
            if 0 <= offset and last < n or 0 in shape:
                return
        bshape, bstrides = base.shape, _elem_strides(base)
        boffs = _offsets(bshape, bstrides, 0).reshape(-1)
        voffs = _offsets(shape, strides, offset)
        lo = min(int(boffs.min(initial=0)), int(voffs.min(initial=0)))
        hi = max(int(boffs.max(initial=0)), int(voffs.max(initial=0)))
        smap = xp.full(hi - lo + 1, -1, _int64)
        smap[boffs - lo] = xp.arange(n, dtype=_int64)
        self.pos = smap[voffs - lo]

    def take(self, t):
        """The window of `t` (a tensor of the base's shape) as a new tensor."""
        if self.pos is None:
            c = t.contiguous()
            return c.as_strided(self.shape, self.strides, c.storage_offset() + self.offset)
        flat = t.reshape(-1)
        pos = self.pos
        if (pos < 0).any():  # memory outside the base reads as zero
            flat = cat([flat, flat.new_zeros(1)])
            pos = xp.where(pos < 0, flat.shape[0] - 1, pos)
        return flat[make(pos)]

    def put(self, t, value):
        """Write `value` into the window of `t`, a fresh contiguous tensor of base's shape."""
        if self.pos is None:
            t.as_strided(self.shape, self.strides, self.offset).copy_(value)
        else:
            t.view(-1)[make(self.pos)] = value


# --- views: version sharing and in-place history ------------------------------------------------

# set while a `*_copy` op (_ops/view_copies.py) runs a view op: maps the view's node class to the
# node class that makes the copy, so the copy reuses the view's checks and arguments
class _CopyMode(threading.local):
    cls = None


_COPY = _CopyMode()


def _share_version(input, out):
    """Make `out` a view of `input`'s base: same version counter, `_base` set, and (when out
    takes part in autograd) listed among the base's views."""
    vc = input._vc
    if vc is None:
        vc = input._vc = [0]
    out._vc = vc
    base = input._base
    if base is None:
        base = input
    out._base = base
    if out._requires_grad or input._meta is not None or not GRAD.enabled and (
            base._requires_grad or GRAD.inference):
        track_view(input, base, out)
    return out


def track_view(input, base, out, multi=False):
    """The autograd side of a new view `out` of `input` (whose base is `base`), as torch keeps
    it: a view of an inference tensor is one too; a view made in no_grad/inference mode of a
    base that requires grad requires grad itself, with no history; such views, the outputs of
    multi-view ops (split, unbind, chunk) and their views remember how they were made
    (`creation`), which decides whether an in-place op may modify them later. Views that take
    part in autograd are listed in the base's `views`, to follow its in-place changes."""
    imeta = input._meta
    if imeta is not None and "inference" in imeta:
        out._meta = {"inference": True}
        return
    creation = imeta.get("creation") if imeta is not None else None
    new = None
    if GRAD.enabled:
        if multi:
            new = "multi"
    elif multi or base._requires_grad:
        new = "inference" if GRAD.inference else "no_grad"
        if base._requires_grad:
            out._requires_grad = True
    if new is not None and creation != "inference":
        creation = new
    fw = out._meta.get("fw") if out._meta is not None else None  # a forward-AD tangent
    out._meta = None if creation is None else {"creation": creation}
    if fw is not None:
        if out._meta is None:
            out._meta = {}
        out._meta["fw"] = fw
    if out._requires_grad:
        meta = base._meta
        if meta is None:
            meta = base._meta = {}
        views = meta.get("views")
        if views is None:
            views = meta["views"] = weakref.WeakSet()
        views.add(out)


def _view(cls, input, args=()):
    if _COPY.cls is not None:  # inside a `*_copy` op: the same node, copying its result
        return execute(_COPY.cls(cls), (input,), (input._data,), args)
    return _share_version(input, execute(cls, (input,), (input._data,), args))


_VIEW_TAILS = {
    "multi": " This view is the output of a function that returns multiple views. Such "
             "functions do not allow the output views to be modified inplace. You should "
             "replace the inplace operation by an out-of-place one.",
    "no_grad": " Given that this use case is ambiguous and error-prone, it is forbidden. You "
               "can clarify your code by moving both the view and the inplace either both "
               "inside the no_grad block (if you don't want the inplace to be tracked) or both "
               "outside (if you want the inplace to be tracked).",
    "inference": " Given that this use case is ambiguous and error-prone, it is forbidden. You "
                 "can clarify your code by moving both the view and the inplace either both "
                 "inside the inference_mode block (if you don't want the inplace to be "
                 "tracked) or both outside (if you want the inplace to be tracked).",
}


def view_inplace_error(view, indirect=False):
    """torch's RuntimeError for an in-place change of a view that may not be modified in
    place (see `track_view`): directly, or (`indirect`) through its base or another view."""
    meta = view._meta
    creation = meta["creation"]
    fn = view.grad_fn
    name = fn.name() if fn is not None else meta.get("fn")
    if name is not None:
        cut = name.rfind("Backward")
        name = name[:cut] if cut > 0 else name
    what = "its base or another view of its base has been" if indirect else "is being"
    if creation != "multi" or name is None:
        if name is None:
            msg = "A view was created in"
        else:
            msg = f"Output {view._output_nr} of {name} is a view of a view which was created in"
        if creation == "inference":
            msg += f" inference mode and {what} modified inplace in normal mode."
        else:
            msg += f" no_grad mode and {what} modified inplace with grad mode enabled."
    else:
        msg = f"Output {view._output_nr} of {name} is a view and {what} modified inplace."
    return RuntimeError(msg + _VIEW_TAILS[creation])


class CopySlices(Node):
    """History of a base after an in-place op `fn` on one of its views: the view's window of
    the gradient goes through fn's backward, the rest of the base passes it through."""

    def __init__(self, base_edge, base_meta, region, fn):
        self.fn = fn
        self.region = region
        self.next_functions = (base_edge,) + fn.next_functions[1:]
        self._in_meta = [base_meta] + list(fn._in_meta[1:])
        self._saved = fn._saved or []  # freed (with fn's) by a backward, as torch's
        self._prio = engine._SEQ()

    def name(self):
        """torch's name for this node, ``'torch::autograd::CopySlices'``."""
        return "torch::autograd::CopySlices"

    def backward(self, grad):
        fn, region = self.fn, self.region
        result = grad.clone(memory_format="contiguous_format")  # (region.put needs it)
        res = fn.backward(region.take(result).clone())
        if res.__class__ is not tuple:
            res = (res,)
        g = res[0] if fn.needs(0) else None
        region.put(result, result.new_zeros(()) if g is None else engine._validate(fn, 0, g))
        return (result,) + tuple(res[i] if i < len(res) else None
                                 for i in range(1, len(fn.next_functions)))

    def release(self):
        self.fn.release()
        Node.release(self)


def _region_of(base, view):
    offset = (_ptr(view._data) - _ptr(base._data)) // base.dtype.itemsize
    return _Region(base._data, view._data.shape, _elem_strides(view._data), offset)


def _as_strided_history(base, view, region=None):
    """Give `view` an AsStridedBackward0 node reading its window of base's gradient (its
    retain_grad hook, if any, moves to it)."""
    node = AsStridedBackward0.__new__(AsStridedBackward0)
    node.region = region or _region_of(base, view)
    node.next_functions = (engine._edge(base),)
    node._in_meta = [(base._data.shape, base.dtype)]
    node._prio = engine._SEQ()
    view.grad_fn = node
    view._requires_grad = True
    view._output_nr = 0
    if view._meta is not None:
        engine.move_retains_grad(view)
    return node


def refresh_views(base, skip=None):
    """After `base`'s history changed in place, re-point its live autograd views at it. A view
    that may not see such a change (see `track_view`) is marked instead: using it in autograd
    raises torch's error."""
    views = base._meta.get("views") if base._meta else None
    if views:
        for v in list(views):
            if v is skip:
                continue
            meta = v._meta
            if meta is not None and "creation" in meta:
                if v.grad_fn is not None:
                    meta["fn"] = v.grad_fn.name()
                meta["stale"] = str(view_inplace_error(v, indirect=True))
                v.grad_fn = None
                v._grad_acc = None
                v._requires_grad = True
            else:
                _as_strided_history(base, v)


def rebase_view(view, result):
    """`view` (a view of a base tensor) was changed in place into `result`, whose grad_fn is
    the in-place op's node: write the data through and give the base a CopySlices history."""
    base = view._base
    if view._meta is not None and "creation" in view._meta:
        raise view_inplace_error(view)
    if base._requires_grad and base.grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    from ember._ops.elementwise import _write
    _write(view, result._data)
    region = _region_of(base, view)
    base_edge = engine._edge(base) if base._requires_grad else (None, 0)
    base.grad_fn = CopySlices(base_edge, (base._data.shape, base.dtype), region, result.grad_fn)
    base._requires_grad = True
    base._output_nr = 0
    if base._meta is not None:
        engine.move_retains_grad(base)
    _as_strided_history(base, view, region)
    refresh_views(base, view)


# --- view / reshape ------------------------------------------------------------------------------

class AliasBackward0(Node):
    def forward(self, a):
        return a.view()

    def backward(self, grad):
        return grad


class ViewBackward0(Node):
    def forward(self, a, shape):
        self.in_shape = a.shape
        try:
            return a.reshape(shape, copy=False)
        except ValueError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            ) from None

    def backward(self, grad):
        return grad.reshape(self.in_shape)


class UnsafeViewBackward0(ViewBackward0):
    def forward(self, a, shape):  # its input is a fresh contiguous result: never fails
        self.in_shape = a.shape
        return a.reshape(shape)


class ReshapeAliasBackward0(ViewBackward0):
    pass


def _infer_shape(shape, numel):
    """`shape` with its -1 (at most one) filled in so that it holds `numel` elements."""
    infer, known = None, 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape "
                               f"{list(shape)}")
        else:
            known *= s
    if infer is not None:
        if known == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} "
                               "because the unspecified dimension size -1 can be any value and "
                               "is ambiguous")
        if numel % known == 0:
            return shape[:infer] + (numel // known,) + shape[infer + 1:]
    elif known == numel:
        return shape
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")


def _view_dtype(self, d):
    a = self._data
    old = self.dtype
    if d.itemsize != old.itemsize:
        what = f"to view {old} as {d} (different element sizes)"
        if a.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        if a.strides[-1] != a.itemsize and a.shape[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got "
                               f"{a.strides[-1] // a.itemsize}")
        if (a.shape[-1] * old.itemsize) % d.itemsize:
            raise RuntimeError(f"self.size(-1) must be divisible by "
                               f"{max(d.itemsize // old.itemsize, 1)} {what}, but got "
                               f"{a.shape[-1]}")
    try:
        data = a.view(d.np)
    except ValueError as e:
        raise RuntimeError(f"view(dtype): {e}") from None
    return _share_version(self, make(data, d))


@export(function=False)
def view(self, *shape):
    """A tensor with the same data and a new shape (RuntimeError if strides forbid it);
    `view(dtype)` reinterprets the bytes as another dtype (not differentiable)."""
    if len(shape) == 1 and isinstance(shape[0], _dt.dtype):
        return _view_dtype(self, shape[0])
    shape = _infer_shape(shape_arg(shape), self._data.size)
    return _view(ViewBackward0, self, (shape,))


@export
def reshape(input, *shape):
    """Same data with a new shape: a view when strides allow it, otherwise a copy
    (UnsafeViewBackward0 over CloneBackward0, as torch)."""
    shape = _infer_shape(shape_arg(shape), input._data.size)
    if input._data.flags.c_contiguous:
        return _view(ViewBackward0, input, (shape,))
    try:
        return _view(ReshapeAliasBackward0, input, (shape,))
    except RuntimeError:
        from ember._ops.elementwise import clone
        c = clone(input)
        return execute(UnsafeViewBackward0, (c,), (c._data,), (shape,))


@export(function=False)
def view_as(self, other):
    """self.view(other.size())."""
    return view(self, other._data.shape)


@export(function=False)
def reshape_as(self, other):
    """self.reshape(other.size())."""
    return reshape(self, other._data.shape)


@export
def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one (a view when possible; input itself when there
    is nothing to merge)."""
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
    """The elements as a 1-D tensor: a view of input when it is contiguous, else of a copy."""
    from ember._ops.elementwise import contiguous
    return view(contiguous(input), -1)


@export
def unflatten(input, dim, sizes):
    """Split dimension `dim` into `sizes` (one of which may be -1)."""
    shape = input._data.shape
    if not shape:
        raise RuntimeError("unflatten: Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, len(shape))
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = 1
    for s in sizes:
        if s != -1:
            known *= s
    if sizes.count(-1) > 1:
        raise RuntimeError("unflatten: only one dimension can be inferred")
    if (known != shape[d]) if -1 not in sizes else (known == 0 or shape[d] % known):
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({shape[d]}) in the input tensor")
    return view(input, shape[:d] + sizes + shape[d + 1:])


class SqueezeBackward0(Node):
    def forward(self, a):
        self.in_shape = a.shape
        return xp.squeeze(a)

    def backward(self, grad):
        return grad.reshape(self.in_shape)


class SqueezeBackward1(SqueezeBackward0):
    def forward(self, a, dim):
        self.in_shape = a.shape
        return xp.squeeze(a, dim) if a.ndim and a.shape[dim] == 1 else a.view()


class SqueezeBackward2(SqueezeBackward0):
    def forward(self, a, dims):
        self.in_shape = a.shape
        return xp.squeeze(a, tuple(d for d in dims if a.ndim and a.shape[d] == 1))


class SqueezeBackward3(SqueezeBackward0):
    pass


class SqueezeBackward4(SqueezeBackward1):
    pass


class SqueezeBackward5(SqueezeBackward2):
    pass


def _squeeze_node(input, dim, variants):
    """(node class, args) for squeeze with dim None, an int, or a sequence of dims."""
    if dim is None:
        return variants[0], ()
    nd = input._data.ndim
    if isinstance(dim, int):
        return variants[1], (wrap_dim(dim, nd),)
    return variants[2], (wrap_dims(dim, nd),)


@export
def squeeze(input, dim=None):
    """Remove size-1 dimensions: all of them, or those among `dim` (an int or a tuple)."""
    cls, args = _squeeze_node(input, dim, (SqueezeBackward0, SqueezeBackward1, SqueezeBackward2))
    return _view(cls, input, args)


class UnsqueezeBackward0(Node):
    def forward(self, a, dim):
        self.dim = dim
        return xp.expand_dims(a, dim)

    def backward(self, grad):
        return grad.squeeze(self.dim)


class UnsqueezeBackward1(UnsqueezeBackward0):
    pass


@export
def unsqueeze(input, dim):
    """Insert a size-1 dimension at `dim`."""
    return _view(UnsqueezeBackward0, input, (wrap_dim(dim, input._data.ndim + 1),))


class TransposeBackward0(Node):
    def forward(self, a, d0, d1):
        self.dims = (d0, d1)
        return xp.swapaxes(a, d0, d1) if a.ndim else a.view()

    def backward(self, grad):
        return grad.transpose(*self.dims)


class TransposeBackward1(TransposeBackward0):
    pass


class TBackward0(Node):
    def forward(self, a):
        return a.T

    def backward(self, grad):
        return grad.t()


class TBackward1(TBackward0):
    pass


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


def _check_t(input):
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input._data.ndim}D")


@export
def t(input):
    """Transpose a tensor of at most 2 dims (a view)."""
    _check_t(input)
    return _view(TBackward0, input)


def _inplace_view(self, cls, args=()):
    """Turn `self` into the view `cls` makes of it (squeeze_, t_, ...), as torch's in-place
    view ops: same storage, new shape/strides, the node on top of self's history."""
    from ember._ops.elementwise import check_inplace
    check_inplace(self)
    if self._requires_grad and GRAD.enabled and self._meta is not None \
            and "creation" in self._meta:
        raise view_inplace_error(self)
    out = execute(cls, (self,), (self._data,), args)
    self._data = out._data
    if out.grad_fn is not None:
        self.grad_fn = out.grad_fn
        self._requires_grad = True
        self._output_nr = 0
    self._bump_version()
    return self


@export(function=False)
def squeeze_(self, dim=None):
    """In-place squeeze: self loses its size-1 dims (all, or those in dim)."""
    cls, args = _squeeze_node(self, dim, (SqueezeBackward3, SqueezeBackward4, SqueezeBackward5))
    return _inplace_view(self, cls, args)


@export(function=False)
def unsqueeze_(self, dim):
    """In-place unsqueeze: self gains a size-1 dim at `dim`."""
    return _inplace_view(self, UnsqueezeBackward1, (wrap_dim(dim, self._data.ndim + 1),))


@export(function=False)
def t_(self):
    """In-place t()."""
    _check_t(self)
    return _inplace_view(self, TBackward1)


@export(function=False, names=("swapaxes_", "swapdims_"))
def transpose_(self, dim0, dim1):
    """In-place transpose of two dims."""
    nd = self._data.ndim
    return _inplace_view(self, TransposeBackward1, (wrap_dim(dim0, nd), wrap_dim(dim1, nd)))


@export
def permute(input, *dims):
    """Reorder dimensions (a view): output dim i is input dim dims[i]."""
    dims = shape_arg(dims)
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _view(PermuteBackward0, input, (dims,))


@export(names=("moveaxis",))
def movedim(input, source, destination):
    """Move dims at positions `source` to positions `destination` (a permute view)."""
    nd = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    src = [wrap_dim(s, nd) for s in src]
    dst = [wrap_dim(d, nd) for d in dst]
    for name, ds in (("source", src), ("destination", dst)):
        if len(set(ds)) != len(ds):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({ds})")
    order = [None] * nd
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(n for n in range(nd) if n not in src)
    return permute(input, [o if o is not None else next(rest) for o in order])


def _T(self):
    """Tensor.T: the dims in reverse order (a permute view)."""
    return permute(self, tuple(range(self._data.ndim - 1, -1, -1)))


def _mT(self):
    """Tensor.mT: the last two dims swapped (a view); needs at least 2 dims."""
    if self._data.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self._data.ndim}-D tensor.")
    return transpose(self, -2, -1)


def _H(self):
    """Tensor.H: the conjugate transpose of a matrix (0-D tensors are just conjugated)."""
    nd = self._data.ndim
    if nd == 0:
        return self.conj()
    if nd != 2:
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {nd}-D "
                           "tensor.")
    return _mH(self)


def _mH(self):
    """Tensor.mH: the conjugate of .mT (a view for real tensors)."""
    if self._data.ndim < 2:
        raise RuntimeError("tensor.mH is only supported on matrices or batches of matrices. "
                           f"Got {self._data.ndim}-D tensor.")
    out = transpose(self, -2, -1)
    return out.conj() if self.dtype.category == _dt.COMPLEX else out


# --- broadcasting --------------------------------------------------------------------------------

class ExpandBackward0(Node):
    def forward(self, a, shape):
        n = 1
        for s in shape:
            n *= s
        if n == a.size and n:  # no element repeats: a plain (writable) view, as torch's
            return a.reshape(shape)
        # repeated elements share memory: read-only, so in-place ops raise torch's error
        return xp.broadcast_to(a, shape)

    def backward(self, grad):
        return grad  # the engine sums the gradient back to the input's shape


@export(function=False)
def expand(self, *sizes):
    """Broadcast size-1 dims to `sizes` without copying (-1 keeps a dim)."""
    sizes = shape_arg(sizes)
    shape = self._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand({_type_name(self)}{{{list(shape)}}}, size={list(sizes)}): "
                           f"the number of sizes provided ({len(sizes)}) must be greater or "
                           f"equal to the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            target.append(s)
            continue
        cur = shape[i - lead]
        if s == -1:
            target.append(cur)
        elif cur == s or cur == 1 and s >= 0:
            target.append(s)
        else:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({cur}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(shape)}")
    return _view(ExpandBackward0, self, (tuple(target),))


def _type_name(t):
    from ember._tensor import _TYPE_NAMES
    return "torch." + _TYPE_NAMES[t.dtype.name]


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
    """All tensors expanded to their common broadcast shape (those already of that shape are
    returned as they are)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    shape = _broadcast_shapes(*[t._data.shape for t in tensors])
    return tuple(t if t._data.shape == shape else expand(t, shape) for t in tensors)


@export
def broadcast_shapes(*shapes):
    """The shape that tensors of the given shapes (ints or sequences) broadcast to."""
    from ember._tensor import Size
    return Size(_broadcast_shapes(*[(s,) if isinstance(s, int) else tuple(s) for s in shapes]))


def _each(tensors, f):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(f(t) for t in tensors[0])
    if len(tensors) == 1:
        return f(tensors[0])
    return tuple(f(t) for t in tensors)


def _at_least_1d(t):
    return reshape(t, (1,)) if t._data.ndim == 0 else t


def _at_least_2d(t):
    nd = t._data.ndim
    return reshape(t, (1, 1)) if nd == 0 else unsqueeze(t, 0) if nd == 1 else t


def _at_least_3d(t):
    nd = t._data.ndim
    if nd == 0:
        return reshape(t, (1, 1, 1))
    if nd == 1:
        return unsqueeze(unsqueeze(t, 0), -1)
    return unsqueeze(t, -1) if nd == 2 else t


@export
def atleast_1d(*tensors):
    """Each tensor viewed with at least 1 dim (a tuple for several tensors or a sequence)."""
    return _each(tensors, _at_least_1d)


@export
def atleast_2d(*tensors):
    """Each tensor viewed with at least 2 dims (a 1-D tensor becomes a row)."""
    return _each(tensors, _at_least_2d)


@export
def atleast_3d(*tensors):
    """Each tensor viewed with at least 3 dims (1-D: (1, n, 1); 2-D: (m, n, 1))."""
    return _each(tensors, _at_least_3d)


# --- select / slice / narrow / diagonal / as_strided -----------------------------------------

class SelectBackward0(Node):
    def forward(self, a, dim, index):
        self.in_shape, self.key = a.shape, (slice(None),) * dim + (index, Ellipsis)
        return a[self.key]

    def backward(self, grad):
        return execute(SelectBackwardBackward0, (grad,), (grad._data,), (self.in_shape, self.key))


def _slice_array(a, dim, start, stop, step):
    out = a[(slice(None),) * dim + (slice(start, stop, step),)]
    if out.size == 0:  # keep torch's storage offset, which numpy drops for empty results
        strides = list(_elem_strides(a))
        offset = start * strides[dim] if a.size else 0
        strides[dim] *= step
        out = _strided(a, out.shape, strides, offset)
    return out


class SliceBackward0(Node):
    def forward(self, a, dim, start, stop, step):
        self.in_shape = a.shape
        self.key = (slice(None),) * dim + (slice(start, stop, step),)
        return _slice_array(a, dim, start, stop, step)

    def backward(self, grad):
        return execute(SliceBackwardBackward0, (grad,), (grad._data,), (self.in_shape, self.key))


class SelectBackwardBackward0(Node):
    """zeros(shape) with `grad` written at a basic-index `key`; its gradient reads it back."""

    def forward(self, g, shape, key):
        self.key = key
        out = xp.zeros(shape, g.dtype)
        out[key] = g
        return out

    def backward(self, grad):
        return grad[self.key]


class SliceBackwardBackward0(SelectBackwardBackward0):
    pass


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
    if nd == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, nd)
    n = input._data.shape[d]
    start, length = int(start), int(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _slice(input, d, start, start + length, 1)


def _diagonal_array(a, offset, d1, d2):
    """The (offset, d1, d2) diagonal of `a` as a writable view, diagonal last."""
    n1, n2 = a.shape[d1], a.shape[d2]
    strides = _elem_strides(a)
    if offset >= 0:
        length, start = max(0, min(n1, n2 - offset)), offset * strides[d2]
    else:
        length, start = max(0, min(n1 + offset, n2)), -offset * strides[d1]
    rest = [i for i in range(a.ndim) if i not in (d1, d2)]
    shape = tuple(a.shape[i] for i in rest) + (length,)
    new_strides = tuple(strides[i] for i in rest) + (strides[d1] + strides[d2],)
    return _strided(a, shape, new_strides, start if length and a.size else 0)


class DiagonalBackward0(Node):
    def forward(self, a, offset, d1, d2):
        self.in_shape, self.args = a.shape, (offset, d1, d2)
        return _diagonal_array(a, offset, d1, d2)

    def backward(self, grad):
        return execute(DiagonalBackwardBackward0, (grad,), (grad._data,),
                       (self.in_shape,) + self.args)


class DiagonalBackward0_copy(DiagonalBackward0):  # noqa: N801 (torch's name for diag's node)
    def forward(self, a, offset, d1, d2):
        return super().forward(a, offset, d1, d2).copy()


class DiagonalBackwardBackward0(Node):
    def forward(self, g, shape, offset, d1, d2):
        self.args = (offset, d1, d2)
        out = xp.zeros(shape, g.dtype)
        _diagonal_array(out, offset, d1, d2)[...] = g
        return out

    def backward(self, grad):
        return grad.diagonal(*self.args)


def _diag_dims(nd, dim1, dim2):
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


@export
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal with `offset` of the dim1/dim2 planes, as a view in the last dim."""
    d1, d2 = _diag_dims(input._data.ndim, dim1, dim2)
    return _view(DiagonalBackward0, input, (offset, d1, d2))


class TraceBackward0(Node):
    def forward(self, a, out_dtype, acc_dtype):
        self.in_shape = a.shape
        return xp.trace(a, dtype=acc_dtype).astype(out_dtype)

    def backward(self, grad):
        from ember._ops.ranges import eye
        n, m = self.in_shape
        return eye(n, m, dtype=grad.dtype) * grad


@export
def trace(input):
    """Sum of the main diagonal of a 2-D tensor (int64 for integer input)."""
    if _ac.on and _ac.active():
        return _ac.fp32(trace, input)
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim "
                           f"{input._data.ndim}")
    dt = input.dtype
    if dt is _dt.bool:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    if dt.category < _dt.FLOAT:
        out = acc = _int64
    else:  # half precision sums in float32, as torch's kernel
        out, acc = dt.np, xp.float32 if dt.itemsize == 2 else dt.np
    return execute(TraceBackward0, (input,), (input._data,), (out, acc))


class DiagEmbedBackward0(Node):
    def forward(self, a, offset, d1, d2):
        self.args = (offset, d1, d2)
        n = a.shape[-1] + abs(offset)
        shape = list(a.shape[:-1])
        shape.insert(min(d1, d2), n)
        shape.insert(max(d1, d2), n)
        out = xp.zeros(shape, a.dtype)
        _diagonal_array(out, offset, d1, d2)[...] = a
        return out

    def backward(self, grad):
        return grad.diagonal(*self.args)


@export
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Tensors whose dim1/dim2 diagonals (at `offset`) hold input's last dim, zeros elsewhere."""
    d1, d2 = _diag_dims(input._data.ndim + 1, dim1, dim2)
    return execute(DiagEmbedBackward0, (input,), (input._data,), (offset, d1, d2))


@export
def diag(input, diagonal=0):
    """A 1-D input gives a square matrix with it on a diagonal; a 2-D input gives a copy of
    that diagonal."""
    nd = input._data.ndim
    if nd == 1:
        return diag_embed(input, diagonal, 0, 1)
    if nd == 2:
        return execute(DiagonalBackward0_copy, (input,), (input._data,), (diagonal, 0, 1))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")


@export
def diagflat(input, offset=0):
    """A 2-D tensor with the flattened input on its `offset` diagonal."""
    return diag_embed(ravel(input), offset, 0, 1)


class AsStridedBackward0(Node):
    def forward(self, a, data, region):
        self.region = region
        return data

    def backward(self, grad):
        return execute(AsStridedScatterBackward0, (grad,), (grad._data,), (self.region,))


class AsStridedScatterBackward0(Node):
    """The base-shaped gradient of a strided window: `grad` added at the window's elements
    (overlapping elements accumulate; memory outside the base is dropped)."""

    def forward(self, g, region):
        self.region = region
        shape = region.base_shape
        n = 1
        for s in shape:
            n *= s
        if region.pos is None:
            out = xp.zeros(n, g.dtype)
            window = _strided(out, region.shape, region.strides, region.offset)
            if any(s == 0 for s, k in zip(region.strides, region.shape) if k > 1) or \
                    _overlaps(region.shape, region.strides):
                pos = _offsets(region.shape, region.strides, region.offset)
                xp.add.at(out, pos.reshape(-1), g.reshape(-1))
            else:
                window[...] = g
            return out.reshape(shape)
        out = xp.zeros(n + 1, g.dtype)
        pos = region.pos
        xp.add.at(out, xp.where(pos < 0, n, pos).reshape(-1), g.reshape(-1))
        return out[:n].reshape(shape)

    def backward(self, grad):
        return self.region.take(grad)


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
    """A view of input's storage with the given sizes, strides and storage offset (in
    elements; the offset defaults to input's own)."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    if any(s < 0 for s in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(size)}")
    a = input._data
    itemsize = input.dtype.itemsize
    own = input.storage_offset()
    offset = own if storage_offset is None else int(storage_offset)
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    storage = _root(a).nbytes // itemsize
    need = offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0
    if need > storage:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset}, and itemsize {itemsize} requiring a storage size "
                           f"of {need * itemsize} are out of bounds for storage of size "
                           f"{storage * itemsize}")
    data = _strided(a, size, stride, offset - own)
    region = _Region(a, size, stride, offset - own)
    return _view(AsStridedBackward0, input, (data, region))


class UnfoldBackward0(Node):
    def forward(self, a, dim, size, step):
        self.in_shape, self.args = a.shape, (dim, size, step)
        if a.ndim == 0:
            return a.reshape(1)[:size]
        n = (a.shape[dim] - size) // step + 1
        strides = _elem_strides(a)
        shape = a.shape[:dim] + (n,) + a.shape[dim + 1:] + (size,)
        new_strides = strides[:dim] + (strides[dim] * step,) + strides[dim + 1:] + (strides[dim],)
        return _strided(a, shape, new_strides)

    def backward(self, grad):
        if not self.in_shape:
            return grad.sum()
        return execute(UnfoldBackwardBackward0, (grad,), (grad._data,),
                       (self.in_shape,) + self.args)


class UnfoldBackwardBackward0(Node):
    def forward(self, g, in_shape, dim, size, step):
        self.args = (dim, size, step)
        out = xp.zeros(in_shape, g.dtype)
        n = g.shape[dim]
        for j in range(size):  # window element j of every window, all at once
            key = (slice(None),) * dim + (slice(j, j + step * (n - 1) + 1, step),)
            out[key] += g[..., j]
        return out

    def backward(self, grad):
        return grad.unfold(*self.args)


@export(function=False)
def unfold(self, dimension, size, step):
    """All windows of `size` elements along `dimension`, `step` apart, in a new last dim."""
    nd = self._data.ndim
    d = wrap_dim(dimension, nd)
    n = self._data.shape[d] if nd else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return _view(UnfoldBackward0, self, (d, size, step))


# --- joining (copies) --------------------------------------------------------------------------

def _tensor_list(tensors, name):
    from ember._tensor import Tensor
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return list(tensors)


def _promote_all(tensors):
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = _dt._PROMOTE[dt, t.dtype]
    return dt, tuple(a._data if a.dtype is dt else a._data.astype(dt.np) for a in tensors)


class CatBackward0(Node):
    def forward(self, *arrays_and_args):
        *arrays, dim, sizes = arrays_and_args
        self.dim, self.sizes = dim, sizes
        kept = [a for a, n in zip(arrays, sizes) if n is not None]
        if not kept:
            return xp.concatenate(arrays)
        return xp.concatenate(kept, axis=dim)

    def backward(self, grad):
        out, start = [], 0
        for i, n in enumerate(self.sizes):
            if not self.needs(i):
                out.append(None)
            elif n is None:  # a legacy empty 1-D input
                out.append(grad.new_zeros((0,)))
            else:
                out.append(grad.narrow(self.dim, start, n))
            start += n or 0
        return tuple(out)


def _legacy_empty(t):
    return t._data.shape == (0,)


@export(names=("concat", "concatenate"))
def cat(tensors, dim=0, *, axis=None, out=None):
    """Join tensors along an existing dimension (1-D empty tensors are skipped, as torch's
    legacy rule); the result has the promoted dtype."""
    tensors = _tensor_list(tensors, "cat")
    if axis is not None:
        dim = axis
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    ref = next((t for t in tensors if not _legacy_empty(t)), tensors[0])
    ref_shape = ref._data.shape
    nd = len(ref_shape)
    d = wrap_dim(dim, nd)
    sizes = []
    for i, t in enumerate(tensors):
        s = t._data.shape
        if s == (0,) and nd != 1:
            sizes.append(None)
            continue
        if len(s) != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and "
                               f"{len(s)}")
        for k in range(nd):
            if k != d and s[k] != ref_shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref_shape[k]} but got size {s[k]} for "
                                   f"tensor number {i} in the list.")
        sizes.append(s[d])
    _, arrays = _promote_all(tensors)
    r = execute(CatBackward0, tuple(tensors), arrays, (d, sizes))
    return r if out is None else _write_out(out, r)


class BlockDiagBackward0(Node):
    def forward(self, *arrays):
        mats = [a.reshape(1, 1) if a.ndim == 0 else a.reshape(1, -1) if a.ndim == 1 else a
                for a in arrays]
        self.shapes = [a.shape for a in arrays]
        self.corners = []
        rows = sum(m.shape[0] for m in mats)
        cols = sum(m.shape[1] for m in mats)
        out = xp.zeros((rows, cols), dtype=arrays[0].dtype)
        r = c = 0
        for m in mats:
            out[r:r + m.shape[0], c:c + m.shape[1]] = m
            self.corners.append((r, c, m.shape[0], m.shape[1]))
            r, c = r + m.shape[0], c + m.shape[1]
        return out

    def backward(self, grad):
        return tuple(grad[r:r + h, c:c + w].reshape(shape) if self.needs(i) else None
                     for i, ((r, c, h, w), shape) in enumerate(zip(self.corners, self.shapes)))


@export(method=False)
def block_diag(*tensors):
    """The block-diagonal matrix with the given 0-, 1- or 2-D tensors on its diagonal (a 0-D
    tensor is a 1 x 1 block, a 1-D one a single row); zeros elsewhere, promoted dtype."""
    if not tensors:
        return make(xp.zeros((1, 0), _dt.get_default_dtype().np), _dt.get_default_dtype())
    for i, t in enumerate(tensors):
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {t._data.ndim} dimensions")
    _, arrays = _promote_all(tensors)
    return execute(BlockDiagBackward0, tuple(tensors), arrays)


def _write_out(out, r):
    if out._data.shape != r._data.shape:
        out._data = xp.empty(r._data.shape, out.dtype.np)
    out.copy_(r)
    return out


class StackBackward0(Node):
    def forward(self, *arrays_and_dim):
        *arrays, dim = arrays_and_dim
        self.dim = dim
        return xp.stack(arrays, axis=dim)

    def backward(self, grad):
        parts = grad.unbind(self.dim)
        return tuple(p if self.needs(i) else None for i, p in enumerate(parts))


@export
def stack(tensors, dim=0, *, axis=None, out=None):
    """Join same-shaped tensors along a new dimension `dim`."""
    tensors = _tensor_list(tensors, "stack")
    if axis is not None:
        dim = axis
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shape)} at entry 0 and {list(t.shape)} at entry {i}")
    d = wrap_dim(dim, len(shape) + 1)
    _, arrays = _promote_all(tensors)
    r = execute(StackBackward0, tuple(tensors), arrays, (d,))
    return r if out is None else _write_out(out, r)


def _stack_list(tensors, name):
    tensors = _tensor_list(tensors, name)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


@export
def hstack(tensors):
    """Concatenate along dim 1 (dim 0 when the tensors are 1-D) after atleast_1d."""
    tensors = [_at_least_1d(t) for t in _stack_list(tensors, "hstack")]
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


@export(names=("row_stack",))
def vstack(tensors):
    """Concatenate along dim 0 after atleast_2d (1-D tensors become rows)."""
    return cat([_at_least_2d(t) for t in _stack_list(tensors, "vstack")], 0)


@export
def dstack(tensors):
    """Concatenate along dim 2 after atleast_3d."""
    return cat([_at_least_3d(t) for t in _stack_list(tensors, "dstack")], 2)


@export
def column_stack(tensors):
    """Stack 0-D/1-D tensors as columns (and 2-D tensors as they are) along dim 1."""
    tensors = _stack_list(tensors, "column_stack")
    return hstack([reshape(t, (t._data.size, 1)) if t._data.ndim <= 1 else t for t in tensors])


# --- splitting (views) -------------------------------------------------------------------------

class SplitBackward0(Node):
    def forward(self, a, dim, sizes):
        self.dim = dim
        out, start = [], 0
        for n in sizes:
            out.append(_slice_array(a, dim, start, start + n, 1))
            start += n
        return tuple(out)

    def backward(self, *grads):
        return cat(list(grads), self.dim)


class SplitWithSizesBackward0(SplitBackward0):
    pass


class UnbindBackward0(Node):
    def forward(self, a, dim):
        self.dim = dim
        lead = (slice(None),) * dim
        return tuple(a[lead + (i, Ellipsis)] for i in range(a.shape[dim]))

    def backward(self, *grads):
        return stack(list(grads), self.dim)


def _multi_view(cls, input, args):
    if _COPY.cls is not None:
        return execute(_COPY.cls(cls), (input,), (input._data,), args)
    outs = execute(cls, (input,), (input._data,), args)
    vc = input._vc
    if vc is None:
        vc = input._vc = [0]
    base = input._base
    if base is None:
        base = input
    imeta = input._meta
    # torch forbids in-place ops with grad on these views (and their views): they are marked
    # inline in the common case, outputs outside autograd (`for row in t` comes here)
    plain = GRAD.enabled and not (outs and outs[0]._requires_grad) and (imeta is None or not (
        "inference" in imeta or imeta.get("creation") == "inference"))
    for o in outs:
        o._vc = vc
        o._base = base
        if plain:
            fw = o._meta.get("fw") if o._meta is not None else None  # a forward-AD tangent
            o._meta = {"creation": "multi"} if fw is None else {"creation": "multi", "fw": fw}
        else:
            track_view(input, base, o, True)
    return outs


@export
def split(tensor, split_size_or_sections, dim=0):
    """Views of `split_size` elements along dim (the last may be smaller), or of the given
    list of sizes."""
    if not isinstance(split_size_or_sections, int):
        return split_with_sizes(tensor, split_size_or_sections, dim)
    d = wrap_dim(dim, tensor._data.ndim)
    n = tensor._data.shape[d]
    size = split_size_or_sections
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got "
                           f"split_size={size}")
    if size == 0 and n:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                           f"dimension size of {n}")
    sizes = [size] * (n // size) + ([n % size] if n % size else []) if n else [0]
    return _multi_view(SplitBackward0, tensor, (d, sizes))


@export
def split_with_sizes(input, split_sizes, dim=0):
    """Views of the given sizes along dim (they must add up to its length)."""
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    sizes = [int(s) for s in split_sizes]
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                           f"entries, but got split_sizes={sizes}")
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                           f"tensor's size at dimension {d}), but got split_sizes={sizes}")
    return _multi_view(SplitWithSizesBackward0, input, (d, sizes))


@export
def chunk(input, chunks, dim=0):
    """Split into `chunks` views of equal size along dim (the last may be smaller; fewer
    pieces when the size does not divide)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if n == 0:
        return split_with_sizes(input, [0] * chunks, d)
    return split(input, -(-n // chunks), d)


@export
def tensor_split(input, indices_or_sections, dim=0):
    """Split along dim into `sections` nearly equal views, or at the given indices."""
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    ios = indices_or_sections
    if isinstance(ios, engine.Tensor):
        if ios.dtype is not _dt.int64:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype "
                               f"of long, but got {str(ios.dtype).split('.')[-1].title()}")
        if ios._data.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a "
                               "zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {ios._data.ndim} dims")
        ios = int(ios._data) if ios._data.ndim == 0 else ios._data.tolist()
    if isinstance(ios, int):
        if ios <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {ios}")
        bounds, start = [], 0
        for i in range(ios):
            stop = start + n // ios + (1 if i < n % ios else 0)
            bounds.append((start, stop))
            start = stop
    else:
        idx = [int(i) for i in ios]
        bounds = list(zip([0] + idx, idx + [n]))
    out = []
    for a, b in bounds:
        start, stop, _ = slice(a, b).indices(n)
        out.append(_slice(input, d, start, max(start, stop), 1))
    return tuple(out)


@export(function=False)
def fill_diagonal_(self, fill_value, wrap=False):
    """Fill the main diagonal of a 2-D (or all-equal-sized N-D) tensor in place; with `wrap`,
    a tall matrix's diagonal restarts below each square block (numpy.fill_diagonal)."""
    nd = self._data.ndim
    if nd < 2:
        raise RuntimeError("dimensions must larger than 1")
    height, width = self._data.shape[:2]
    if nd > 2 and any(n != height for n in self._data.shape):
        raise RuntimeError("all dimensions of input must be of equal length")
    size = min(height, width)
    step = sum(self.stride())
    offset = self.storage_offset()
    as_strided(self, (size,), (step,), offset).fill_(fill_value)
    if wrap and nd == 2 and height > width + 1:
        wrap_size = (self.numel() + width) // (width + 1) - size
        as_strided(self, (wrap_size,), (step,), offset + self.stride(0) * (width + 1)) \
            .fill_(fill_value)
    return self


@export(function=False)
def sum_to_size(self, *size):
    """Sum this tensor down to `size`, which it must be expandable to (the reverse of
    expand): leading dimensions and dimensions of size 1 in `size` are summed over."""
    shape = tuple(shape_arg(size))
    src = self._data.shape
    lead = len(src) - len(shape)
    if lead < 0 or any(s != 1 and s != n for s, n in zip(shape, src[lead:])):
        raise RuntimeError(f"size {{{list(shape)}}} is not expandable to size "
                           f"{{{list(src)}}}.")
    dims = list(range(lead)) + [lead + i for i, s in enumerate(shape)
                                if s == 1 and src[lead + i] != 1]
    if not dims:
        return self
    out = self.sum(dims, keepdim=True)
    return out.view(shape) if lead else out


@export(function=False)
def is_same_size(self, other):
    """Whether `other` has exactly this tensor's shape."""
    return self._data.shape == other._data.shape


def _directional_split(name, input, indices_or_sections, dim, min_dims):
    if input._data.ndim < min_dims:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} "
                           f"dimension, but got a tensor with {input._data.ndim} dimensions!")
    if isinstance(indices_or_sections, int):
        size = input._data.shape[dim]
        if indices_or_sections == 0 or size % indices_or_sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but "
                               f"the size of the dimension {size} is not divisible by the "
                               f"split_size {indices_or_sections}!")
    return tensor_split(input, indices_or_sections, dim)


@export
def hsplit(input, indices_or_sections):
    """Split column-wise (dim 1, or dim 0 of a 1-D tensor) into equal sections or at
    indices, as numpy.hsplit; returns views."""
    dim = 1 if input._data.ndim > 1 else 0
    return _directional_split("hsplit", input, indices_or_sections, dim, 1)


@export
def vsplit(input, indices_or_sections):
    """Split row-wise (dim 0) of a tensor with at least 2 dimensions, as numpy.vsplit."""
    return _directional_split("vsplit", input, indices_or_sections, 0, 2)


@export
def dsplit(input, indices_or_sections):
    """Split depth-wise (dim 2) of a tensor with at least 3 dimensions, as numpy.dsplit."""
    return _directional_split("dsplit", input, indices_or_sections, 2, 3)


@export
def unbind(input, dim=0):
    """The slices along dim, as a tuple of views."""
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return _multi_view(UnbindBackward0, input, (wrap_dim(dim, nd),))


# --- copies: repeat, flip, roll, rot90, tril -----------------------------------------------------

class RepeatBackward0(Node):
    def forward(self, a, repeats):
        self.in_shape, self.repeats = a.shape, repeats
        lead = len(repeats) - a.ndim
        return xp.tile(a.reshape((1,) * lead + a.shape), repeats)

    def backward(self, grad):
        shape = self.in_shape
        full = (1,) * (len(self.repeats) - len(shape)) + tuple(shape)
        split_shape = []
        for r, s in zip(self.repeats, full):
            split_shape += [r, s]
        g = grad.reshape(split_shape).sum(dim=tuple(range(0, len(split_shape), 2)))
        return g.reshape(shape)


@export(function=False)
def repeat(self, *sizes):
    """Tile the tensor `sizes` times along each dim (a copy)."""
    sizes = shape_arg(sizes)
    if len(sizes) < self._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    if any(s < 0 for s in sizes):
        full = (1,) * (len(sizes) - self._data.ndim) + self._data.shape
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{min(sizes)}: {[a * b for a, b in zip(sizes, full)]}")
    return execute(RepeatBackward0, (self,), (self._data,), (sizes,))


@export
def tile(input, dims):
    """Repeat input along each dim; dims shorter than input.ndim are padded with 1s in front."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(dims) < input._data.ndim:
        dims = (1,) * (input._data.ndim - len(dims)) + dims
    return repeat(input, dims)


@export
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element `repeats` times (a number, or a tensor of per-element counts) along
    dim (over the flattened input when dim is None). With only a tensor of counts, the indices
    0..n-1 repeated that many times."""
    if repeats is None:
        counts = input._data
        if counts.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if counts.size and counts.min() < 0:
            raise RuntimeError("repeats can not be negative")
        return make(xp.repeat(xp.arange(counts.shape[0], dtype=_int64), counts))
    if dim is None:
        input = flatten(input)
        dim = 0
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    if isinstance(repeats, engine.Tensor):
        counts = repeats._data
        if counts.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        counts = counts.reshape(-1)
        if counts.size == 1:
            counts = xp.broadcast_to(counts, (n,))
        elif counts.size != n:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {counts.size} and input.size({d}) = {n}")
        if counts.size and counts.min() < 0:
            raise RuntimeError("repeats can not be negative")
        from ember._ops.indexing import index_select
        return index_select(input, d, make(xp.repeat(xp.arange(n, dtype=_int64), counts)))
    r = int(repeats)
    if r < 0:
        raise RuntimeError("Repeats must be non-negative")
    shape = input._data.shape
    x = expand(unsqueeze(input, d + 1), shape[:d + 1] + (r,) + shape[d + 1:])
    from ember._ops.elementwise import clone
    return reshape(clone(x), shape[:d] + (n * r,) + shape[d + 1:])


class FlipBackward0(Node):
    def forward(self, a, dims):
        self.dims = dims
        return xp.flip(a, dims).copy() if dims else a.copy()

    def backward(self, grad):
        return grad.flip(self.dims)


def _flip(input, dims):
    return execute(FlipBackward0, (input,), (input._data,), (wrap_dims(dims, input.ndim),))


@export(method=False)
def flip(input, dims):
    """A copy of input with the order of elements reversed along each dim in `dims`."""
    if not isinstance(dims, (list, tuple)):
        raise TypeError(f"flip(): argument 'dims' (position 2) must be tuple of ints, not "
                        f"{type(dims).__name__}")
    return _flip(input, dims)


def _flip_method(self, *dims):
    """A copy with the order of elements reversed along `dims` (ints or one sequence)."""
    return _flip(self, shape_arg(dims))


_flip_method.__name__ = "flip"
export(_flip_method, function=False)


@export
def fliplr(input):
    """flip(input, [1]) for tensors of at least 2 dims."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return _flip(input, (1,))


@export
def flipud(input):
    """flip(input, [0]) for tensors of at least 1 dim."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return _flip(input, (0,))


class RollBackward0(Node):
    def forward(self, a, shifts, dims):
        self.shifts, self.dims = shifts, dims
        return xp.roll(a, shifts, dims)

    def backward(self, grad):
        if self.dims is None:
            return grad.roll(-self.shifts)
        return grad.roll(tuple(-s for s in self.shifts), self.dims)


@export
def roll(input, shifts, dims=None):
    """Rotate elements along dims by shifts (over the flattened tensor when dims is None)."""
    shifts = (int(shifts),) if isinstance(shifts, int) else tuple(int(s) for s in shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims:0")
        return execute(RollBackward0, (input,), (input._data,), (shifts[0], None))
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dims = tuple(wrap_dim(d, nd) for d in dims)
    return execute(RollBackward0, (input,), (input._data,), (shifts, dims))


class Rot90Backward0(Node):
    def forward(self, a, k, dims):
        self.k, self.dims = k, dims
        return xp.rot90(a, k, dims).copy()

    def backward(self, grad):
        return grad.rot90(-self.k, self.dims)


@export
def rot90(input, k=1, dims=(0, 1)):
    """A copy of input rotated by 90 degrees k times, from dims[0] towards dims[1]."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    nd = input._data.ndim
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = wrap_dim(dims[0], nd), wrap_dim(dims[1], nd)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    return execute(Rot90Backward0, (input,), (input._data,), (k % 4, (d0, d1)))


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


def _check_matrix(input, name):
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


@export
def tril(input, diagonal=0):
    """Lower triangle (elements on and below the `diagonal`-th diagonal), rest zero."""
    _check_matrix(input, "tril")
    return execute(TrilBackward0, (input,), (input._data,), (diagonal,))


@export
def triu(input, diagonal=0):
    """Upper triangle (elements on and above the `diagonal`-th diagonal), rest zero."""
    _check_matrix(input, "triu")
    return execute(TriuBackward0, (input,), (input._data,), (diagonal,))


@export(function=False)
def tril_(self, diagonal=0):
    """In-place tril."""
    from ember._ops.elementwise import check_inplace, inplace_from
    check_inplace(self)
    return inplace_from(self, tril(self, diagonal))


@export(function=False)
def triu_(self, diagonal=0):
    """In-place triu."""
    from ember._ops.elementwise import check_inplace, inplace_from
    check_inplace(self)
    return inplace_from(self, triu(self, diagonal))


METHOD_PROPERTIES = {"T": _T, "mT": _mT, "H": _H, "mH": _mH}


# --- memory formats (torch.contiguous_format, channels_last, channels_last_3d) ----------------
# A memory format is an order of the axes in memory; the format objects (ember._tensor)
# compare equal to their names, so this layer needs only the names.

_CHANNELS_LAST_RANK = {"channels_last": 4, "channels_last_3d": 5}


def check_memory_format(ndim, memory_format):
    """RuntimeError, as torch's, for channels_last on a tensor that is not 4-d (5-d for
    channels_last_3d)."""
    rank = _CHANNELS_LAST_RANK.get(memory_format)
    if rank is not None and ndim != rank:
        name = "channels_last" if rank == 4 else "channels_last_3d"
        raise RuntimeError(f"required rank {rank} tensor to use {name} format")


def _format_axes(ndim, memory_format):
    """The axes from slowest- to fastest-varying in memory."""
    if memory_format in _CHANNELS_LAST_RANK:
        return (0,) + tuple(range(2, ndim)) + (1,)
    return tuple(range(ndim))


def is_memory_format(a, memory_format):
    """True if array `a` is laid out densely in `memory_format` (dims of size 1 may have any
    stride, as in torch's contiguity flags)."""
    if memory_format in _CHANNELS_LAST_RANK and a.ndim != _CHANNELS_LAST_RANK[memory_format]:
        return False
    expected = a.itemsize
    for d in reversed(_format_axes(a.ndim, memory_format)):
        n = a.shape[d]
        if n != 1 and a.strides[d] != expected:
            return False
        expected *= n
    return True


def _strides_like_channels_last(a):
    """torch's test of whether strides suggest channels_last(_3d): the channel axis varies
    fastest, then the spatial axes from last to first, then the batch axis; the ambiguous
    cases (size-1 dims with equal strides) count as contiguous."""
    sizes, strides = a.shape, [s // a.itemsize for s in a.strides]
    if strides[1] == 0:
        return False
    low = 0
    for d in reversed(_format_axes(a.ndim, "channels_last")):
        if sizes[d] == 0 or strides[d] < low:
            return False
        if d == 0 and low == strides[1]:
            return False
        low = strides[d] * (sizes[d] if sizes[d] > 1 else 1)
    return True


def suggest_memory_format(a):
    """The memory format array `a`'s strides suggest (torch's suggest_memory_format)."""
    if a.ndim in (4, 5) and _strides_like_channels_last(a):
        return "channels_last" if a.ndim == 4 else "channels_last_3d"
    return "contiguous_format"


def _dense_strides(a):
    """a's strides if it covers its memory without gaps or overlaps (dims of size 1 may
    have any stride), else None."""
    expected = a.itemsize
    for d in sorted((d for d in range(a.ndim) if a.shape[d] != 1), key=lambda d: a.strides[d]):
        if a.strides[d] != expected:
            return None
        expected *= a.shape[d]
    return a.strides


def _inferred_strides(a):
    """Dense element strides in the order of a's strides (torch's infer_dense_strides): an
    insertion sort of the dims, fastest first, that leaves dims of stride 0 where they
    are and breaks equal strides by size."""
    sizes, strides = a.shape, a.strides

    def later(d0, d1):  # 1: d0 varies slower than d1; 0: no opinion; -1: faster
        if strides[d0] == 0 or strides[d1] == 0:
            return 0
        if strides[d0] != strides[d1]:
            return 1 if strides[d0] > strides[d1] else -1
        return 1 if sizes[d0] > sizes[d1] else 0

    perm = list(range(a.ndim - 1, -1, -1))
    for i in range(1, a.ndim):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = later(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    out, step = [0] * a.ndim, 1
    for d in perm:
        out[d] = step
        step *= max(sizes[d], 1)
    return tuple(out)


def empty_layout(a, memory_format=None, dtype=None):
    """An uninitialised array shaped like `a` (of `dtype`, default a's) laid out in
    `memory_format`. preserve_format (or None) takes a's strides when a is dense and
    otherwise its order of strides (NumPy's order 'K', torch's inferred dense strides), as
    torch's clone and empty_like do; contiguous_format is row-major; channels_last(_3d) is
    N, spatial..., C (with torch's strides for dims of size 1)."""
    dtype = a.dtype if dtype is None else xp.dtype(dtype)
    if memory_format is None or memory_format == "preserve_format":
        if a.flags.c_contiguous:
            # the common case, kept cheap: a row-major input gives a row-major result unless
            # its size-1 dims carry unusual strides (then the general path below decides)
            out = xp.empty(a.shape, dtype)
            if a.ndim <= 1 or out.strides == a.strides:
                return out
            if dtype.itemsize != a.itemsize and all(
                    so // dtype.itemsize == sa // a.itemsize
                    for so, sa in zip(out.strides, a.strides)):
                return out
        if a.size == 0:
            return xp.empty(a.shape, dtype)
        dense = _dense_strides(a)
        strides = ([st // a.itemsize for st in dense] if dense is not None
                   else _inferred_strides(a))
        return xp.lib.stride_tricks.as_strided(xp.empty(a.size, dtype), a.shape,
                                               tuple(st * dtype.itemsize for st in strides))
    check_memory_format(a.ndim, memory_format)
    axes = _format_axes(a.ndim, memory_format)
    inverse = tuple(axes.index(d) for d in range(a.ndim))
    # a row-major array in the format's axis order, seen back in the original axis order
    return xp.empty(tuple(a.shape[d] for d in axes), dtype).transpose(inverse)


def layout_copy(a, memory_format=None):
    """A copy of array `a` laid out in `memory_format` (see empty_layout)."""
    out = empty_layout(a, memory_format)
    out[...] = a
    return out
