"""Tensor odds and ends (resize_, set_, map_/apply_, predicates and small methods) and
runtime switches published by ember/__init__ (set_warn_always, FALSE_PROPERTIES, ...).
"""
from ember._backend import xp
from ember._ops import shape as _shape
from ember._ops.engine import GRAD, Node, execute
from ember._ops.registry import export
from ember._ops.shape import _strided


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
