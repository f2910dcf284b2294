"""Tensor factories: tensor/as_tensor/from_numpy/from_dlpack, and constant factories
(zeros, ones, empty, full, *_like, new_*).
"""
import math
import warnings
from collections.abc import Sequence

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._backend.device import to_device
from ember._ops import engine
from ember._ops._util import make
from ember._ops.registry import export
from ember._ops.shape import empty_layout


ndarray = xp.ndarray


def _finish(data, dtype, requires_grad=False, device=None):
    if device is not None:
        to_device(device)
    t = make(data, dtype)
    if requires_grad:
        if dtype.category < _dt.FLOAT:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t._requires_grad = True
    return t


def _dtype_or_default(dtype):
    return _dt.get_default_dtype() if dtype is None else _dt.to_dtype(dtype)


# --- tensor(data): dtype inference as torch does it ------------------------------------------
#
# torch walks nested sequences: the shape comes from following the first element of each
# level, every other sequence must match it, and the dtype is the promotion of every leaf's
# own dtype (Python float -> the default dtype, int -> int64, bool -> bool, complex -> the
# default complex dtype; NumPy scalars, arrays and one-element tensors keep theirs).

_SEQUENCES = (list, tuple, range, bytearray, memoryview)
_PY_SCALARS = (float, int, bool, complex)


def _is_seq(x):
    return isinstance(x, _SEQUENCES) or (isinstance(x, ndarray) and x.ndim > 0) or \
        (isinstance(x, Sequence) and not isinstance(x, (str, bytes)))


def _py_dtype(t):
    if t is float:
        return _dt.get_default_dtype()
    if t is int:
        return _dt.int64
    if t is bool:
        return _dt.bool
    return _dt.get_default_dtype().to_complex()


def _leaf_dtype(x):
    """The dtype torch infers for one non-sequence element of a nested list."""
    if isinstance(x, engine.Tensor):
        return x.dtype
    if isinstance(x, xp.generic):
        return _dt.from_numpy_dtype(x.dtype)
    if isinstance(x, _PY_SCALARS):
        return _py_dtype(float if isinstance(x, float) else bool if isinstance(x, bool) else
                         int if isinstance(x, int) else complex)
    if isinstance(x, ndarray):
        raise TypeError("len() of unsized object")
    if isinstance(x, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
    if _is_seq(x):
        raise TypeError(f"'{type(x).__name__}' object cannot be interpreted as a number")
    raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")


class _Walk:
    """Shape, dtype and flags of nested Python data, checked the way torch checks it."""

    def __init__(self, data):
        shape = []
        x = data
        while _is_seq(x):
            if isinstance(x, ndarray):
                shape.extend(x.shape)
                break
            shape.append(len(x))
            if not len(x):
                break
            x = x[0]
        self.shape = tuple(shape)
        self.dtype = None
        self.has_tensor = False
        self.has_complex = False  # Python complex numbers (which refuse real dtypes)
        self.visit(data, 0)

    def promote(self, d):
        self.dtype = d if self.dtype is None else _dt._PROMOTE[self.dtype, d]

    def visit(self, seq, dim):
        n = self.shape[dim]
        if len(seq) != n:
            raise ValueError(f"expected sequence of length {n} at dim {dim} (got {len(seq)})")
        if isinstance(seq, ndarray):
            self.promote(_dt.from_numpy_dtype(seq.dtype))
            return
        if dim == len(self.shape) - 1:  # the leaves
            for t in set(map(type, seq)):
                if t in _PY_SCALARS:
                    self.promote(_py_dtype(t))
                    self.has_complex |= t is complex
                else:
                    for x in seq:
                        if type(x) is t:
                            self.promote(_leaf_dtype(x))
                    self.has_tensor |= issubclass(t, engine.Tensor)
            return
        for item in seq:
            if not _is_seq(item):
                if isinstance(item, ndarray):
                    raise TypeError("len() of unsized object")
                raise TypeError("not a sequence")
            if isinstance(item, ndarray) and item.shape != self.shape[dim + 1:]:
                raise ValueError(f"expected sequence of length {self.shape[dim + 1]} at dim "
                                 f"{dim + 1} (got {item.shape[0]})")
            self.visit(item, dim + 1)


def _scalars(data, target):
    """Nested lists with every tensor replaced by its Python value (converted as torch
    converts it for a `target` dtype: TypeError or ValueError unless it has one element)."""
    if isinstance(data, engine.Tensor):
        if data._data.size != 1:
            if target.category <= _dt.INT:
                raise TypeError("only integer tensors of a single element can be converted "
                                "to an index")
            raise ValueError("only one element tensors can be converted to Python scalars")
        return data.item()
    if isinstance(data, ndarray):
        return data
    if _is_seq(data):
        return [_scalars(d, target) for d in data]
    return data


_WIDE = {_dt.BOOL: xp.bool_, _dt.INT: xp.int64, _dt.FLOAT: xp.float64,
         _dt.COMPLEX: xp.complex128}


def _from_python(data, dtype):
    """A backend array for Python data (nested sequences or a number), with torch's checks."""
    if isinstance(data, _PY_SCALARS):
        inferred, shape, has_tensor = _leaf_dtype(data), (), False
        has_complex = isinstance(data, complex)
    else:
        if isinstance(data, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
        if not _is_seq(data):
            raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")
        w = _Walk(data)
        inferred, shape, has_tensor, has_complex = w.dtype, w.shape, w.has_tensor, w.has_complex
        if inferred is None:  # no leaves at all: an empty tensor of the default dtype
            inferred = _dt.get_default_dtype()
    target = inferred if dtype is None else dtype
    if has_tensor:
        data = _scalars(data, target)
    if target is inferred or (target.category >= inferred.category and
                              inferred.category != _dt.INT):
        try:
            if target in (_dt.float16, _dt.bfloat16):  # torch narrows doubles through float
                return xp.array(data, dtype=xp.float32).astype(target.np).reshape(shape)
            return xp.array(data, dtype=target.np).reshape(shape)
        except OverflowError:
            raise ValueError("Overflow when unpacking long long") from None
    # converting to a lower category (or ints to anything else): torch converts each value
    # with a range check; go through a wide array of the inferred category
    if has_complex and target.category < _dt.COMPLEX:
        raise TypeError("must be real number, not complex" if target.category == _dt.FLOAT
                        else "'complex' object cannot be interpreted as an integer")
    try:
        wide = xp.array(data, dtype=_WIDE[inferred.category]).reshape(shape)
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None
    if target.category == _dt.INT and wide.size:
        info = xp.iinfo(target.np)
        floating = wide.dtype.kind in "fc"
        finite = xp.isfinite(wide).all() if floating else True
        # integers may wrap into an unsigned type from its negated range, as torch allows
        lo = -info.max if not target.is_signed and not floating else info.min
        if not finite or wide.real.min() < lo or wide.real.max() > info.max:
            raise RuntimeError(f"value cannot be converted to type {target.name} without "
                               "overflow")
    return wide.real.astype(target.np) if wide.dtype.kind == "c" and target.category < 3 \
        else wide.astype(target.np)


@export
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data`: a number, nested lists/tuples of numbers (or of
    one-element tensors), a NumPy array or scalar, or a tensor. The dtype is inferred as torch
    infers it unless `dtype` is given; a tensor made from a tensor is detached from the graph."""
    d = None if dtype is None else _dt.to_dtype(dtype)
    if isinstance(data, engine.Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()"
                      ".requires_grad_(True), rather than ember.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        arr, inferred = data._data, data.dtype
        arr = arr.astype(d.np, order="K") if d is not None and d is not inferred else \
            arr.copy(order="K")
    elif isinstance(data, ndarray):
        inferred = _numpy_dtype(data)
        arr = data.astype(d.np, order="K") if d is not None and d is not inferred else \
            data.copy(order="K")
    elif isinstance(data, xp.generic):
        inferred = _dt.from_numpy_dtype(data.dtype)
        arr = xp.array(data, dtype=(d or inferred).np)
    else:
        if not isinstance(data, (_PY_SCALARS, _SEQUENCES)) and hasattr(data, "__array__"):
            return tensor(xp.asarray(data), dtype=d, device=device,
                          requires_grad=requires_grad)
        arr = _from_python(data, d)
        inferred = _dt._BY_NP[arr.dtype]
    return _finish(arr, d or inferred, requires_grad, device)


@export
def as_tensor(data, dtype=None, device=None):
    """`data` as a tensor, sharing memory when it already is a tensor or a NumPy array of the
    requested dtype (converted otherwise; a tensor keeps its autograd history)."""
    if device is not None:
        to_device(device)
    if isinstance(data, engine.Tensor):
        if dtype is None or _dt.to_dtype(dtype) is data.dtype:
            return data
        return data.to(dtype)
    if isinstance(data, ndarray):
        t = make(data, _numpy_dtype(data))
        return t if dtype is None else t.to(dtype)
    return tensor(data, dtype=dtype)


@export
def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """`obj` as a tensor (torch.asarray): shares memory with a tensor or array when it can;
    `copy=True` always copies, `copy=False` raises ValueError when it cannot share."""
    if device is not None:
        to_device(device)
    d = None if dtype is None else _dt.to_dtype(dtype)
    shares = isinstance(obj, (engine.Tensor, ndarray))
    if copy is False:
        if not shares:
            raise ValueError("can't alias arbitrary sequence into a tensor.")
        have = obj.dtype if isinstance(obj, engine.Tensor) else _numpy_dtype(obj)
        if d is not None and d is not have:
            raise ValueError(f"can't alias tensor with dtype '{have}' into dtype '{d}'.")
    if isinstance(obj, engine.Tensor):
        t = obj.clone() if copy else obj
        if d is not None and d is not t.dtype:
            t = t.to(d)
    elif isinstance(obj, ndarray):
        t = tensor(obj, dtype=d) if copy else as_tensor(obj, dtype=d)
    else:
        t = tensor(obj, dtype=d)
    if requires_grad:
        if t is obj:
            t = t.detach() if t.grad_fn is not None else t
        t.requires_grad_(True)
    return t


@export
def from_numpy(ndarray_):
    """A tensor sharing memory with a NumPy array (writes show on both sides)."""
    if not isinstance(ndarray_, ndarray):
        t = type(ndarray_)
        name = ("numpy." if t.__module__ == "numpy" else "") + t.__name__
        raise TypeError(f"expected np.ndarray (got {name})")
    d = _numpy_dtype(ndarray_)
    if not ndarray_.flags.writeable:
        warnings.warn("The given NumPy array is not writable, and ember does not support "
                      "non-writable tensors. This means writing to this tensor will result in "
                      "undefined behavior.", UserWarning, stacklevel=2)
    return make(ndarray_, d)


def _numpy_dtype(arr):
    """The dtype of a NumPy array torch accepts (native byte order, no negative strides)."""
    if not arr.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte "
                         "order. Conversion between byte orders is currently not supported.")
    d = _dt.from_numpy_dtype(arr.dtype)
    for s in arr.strides:
        if s < 0:
            raise ValueError(
                "At least one stride in the given numpy array is negative, and tensors with "
                "negative strides are not currently supported. (You can probably work around "
                "this by making a copy of your array  with array.copy().) ")
    return d


@export
def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor viewing the bytes of a Python buffer (bytearray, memoryview, array...)."""
    d = _dt.to_dtype(dtype)
    n = memoryview(buffer).nbytes
    if n == 0 or count == 0:
        raise ValueError(f"both buffer length ({n}) and count ({count}) must not be 0")
    if not 0 <= offset < n:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than "
                         f"buffer length ({n} bytes) minus 1")
    if count < 0:
        if (n - offset) % d.itemsize:
            raise ValueError(f"buffer length ({n - offset} bytes) after offset ({offset} "
                             f"bytes) must be a multiple of element size ({d.itemsize})")
    elif offset + count * d.itemsize > n:
        raise ValueError(f"requested buffer length ({count} * {d.itemsize} bytes) after offset "
                         f"({offset} bytes) must not be greater than actual buffer length "
                         f"({n} bytes)")
    arr = xp.frombuffer(buffer, d.np, count, offset)
    if requires_grad:
        return _finish(arr, d, requires_grad)
    return make(arr, d)


def from_dlpack(ext_tensor):
    """A tensor sharing memory with any object implementing the DLPack protocol (a torch or
    ember tensor, a NumPy array, ...)."""
    if isinstance(ext_tensor, engine.Tensor):
        return ext_tensor
    if not hasattr(ext_tensor, "__dlpack__"):  # a raw capsule from to_dlpack
        arr = xp.from_dlpack(_Capsule(ext_tensor))
        if not arr.flags.writeable:
            # NumPy marks legacy capsules read-only; the memory is the producer's tensor,
            # writable as torch treats it
            arr = xp.asarray(_Writable(arr))
    else:
        arr = xp.from_dlpack(ext_tensor)
    return make(arr, _dt.from_numpy_dtype(arr.dtype))


class _Writable:
    """A writable array interface over `arr`'s memory that keeps `arr` alive."""

    def __init__(self, arr):
        self.arr = arr
        self.__array_interface__ = {
            "shape": arr.shape, "typestr": arr.dtype.str, "version": 3,
            "strides": arr.strides, "data": (arr.__array_interface__["data"][0], False)}


class _Capsule:
    """Adapts a bare DLPack capsule to the `__dlpack__` protocol NumPy consumes."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, **kwargs):
        return self.capsule

    def __dlpack_device__(self):
        return (1, 0)  # kDLCPU


# --- constant factories ---------------------------------------------------------------------

def _size_item(v, name):
    if type(v) is int:
        return v
    if isinstance(v, engine.Tensor):
        if v.dtype.category <= _dt.INT and v._data.ndim == 0:
            return int(v._data)
    elif isinstance(v, (int, xp.integer)) and not isinstance(v, bool):
        return int(v)
    elif isinstance(v, bool):
        return int(v)
    raise TypeError(f"{name}(): argument 'size' must be tuple of ints, but found element of "
                    f"type {type(v).__name__}")


def _size_kw(kw, name):
    """The `size=` keyword of a factory taking `*size`; TypeError for any other keyword."""
    size = kw.pop("size", None)
    if kw:
        raise TypeError(f"{name}() got an unexpected keyword argument '{next(iter(kw))}'")
    return size


def _sizes(args, size=None, name="zeros", seq=False):
    """A shape from `*size` arguments given as ints or as one sequence (or `size=`; with
    `seq`, `args` is the sequence itself), with torch's TypeError for non-integers and
    RuntimeError for negative sizes."""
    if seq:
        args = tuple(args)
    elif size is not None:
        if args:
            raise TypeError(f"{name}() got multiple values for argument 'size'")
        args = (size,)
    if len(args) == 1 and not isinstance(args[0], int):
        a = args[0]
        if isinstance(a, (tuple, list)):
            args = a
        elif isinstance(a, (xp.integer, engine.Tensor)):
            args = (a,)
        else:
            raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of ints, "
                            f"not {type(a).__name__}")
    elif not args and not seq:
        raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
    elif len(args) == 1 and isinstance(args[0], bool):
        raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of ints, not "
                        "bool")
    shape = tuple(v if type(v) is int else _size_item(v, name) for v in args)
    for n in shape:
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: "
                               f"{list(shape)}")
    return shape


def _factory_dtype(dtype, out, default=None):
    """The dtype of a factory's result: `dtype`, else out's dtype, else `default` (the default
    float dtype when None); RuntimeError when dtype and out's dtype disagree."""
    if dtype is not None:
        d = _dt.to_dtype(dtype)
        if out is not None and out.dtype is not d:
            raise RuntimeError(f"dtype {_tname(d)} does not match dtype of out parameter "
                               f"({_tname(out.dtype)})")
        return d
    if out is not None:
        return out.dtype
    return default or _dt.get_default_dtype()


def _result(data, dtype, requires_grad, device, out, name):
    """Wrap a factory's array, or write it into `out` (resized as torch resizes it)."""
    if out is None:
        return _finish(data, dtype, requires_grad, device)
    if device is not None:
        to_device(device)
    if out._requires_grad and engine.GRAD.enabled:
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                           "automatic differentiation, but one of the arguments requires grad.")
    a = out._data
    if a.shape != data.shape:
        if a.flags.c_contiguous and a.size >= data.size:  # shrink in place: views still share
            out._data = a.reshape(-1)[:data.size].reshape(data.shape)
        else:
            out._data = xp.empty(data.shape, out.dtype.np)
    out._data[...] = data
    out._bump_version()
    return out


def _like_array(input, d, fill=None, memory_format=None):
    """A new array shaped like input's with its memory layout (torch's preserve_format) or
    the one `memory_format` names."""
    out = empty_layout(input._data, memory_format, d.np)
    out[...] = 0 if fill is None else fill
    return out


@export
def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None, **kw):
    """A tensor of zeros of the given shape (`zeros(2, 3)` or `zeros((2, 3))`)."""
    shape = _sizes(size, _size_kw(kw, "zeros"), "zeros")
    d = _factory_dtype(dtype, out)
    return _result(xp.zeros(shape, d.np), d, requires_grad, device, out, "zeros")


@export
def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, memory_format=None, **kw):
    """A tensor of ones of the given shape."""
    shape = _sizes(size, _size_kw(kw, "ones"), "ones")
    d = _factory_dtype(dtype, out)
    return _result(xp.ones(shape, d.np), d, requires_grad, device, out, "ones")


@export
def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None, **kw):
    """An uninitialised tensor of the given shape (ember fills it with zeros)."""
    shape = _sizes(size, _size_kw(kw, "empty"), "empty")
    d = _factory_dtype(dtype, out)
    return _result(xp.zeros(shape, d.np), d, requires_grad, device, out, "empty")


def _fill_dtype(value):
    """The dtype torch's full() infers from its fill value (a number or 0-dim tensor)."""
    if isinstance(value, engine.Tensor):
        return _dt.scalar_dtype(value.item())
    if isinstance(value, xp.generic):
        value = value.item()
    return _dt.scalar_dtype(value)


def _fill_value(value, d):
    """A Python fill value converted to dtype `d`, with torch's overflow checks."""
    if isinstance(value, engine.Tensor):
        if value._data.ndim:
            raise TypeError("full(): argument 'fill_value' must be Number, not Tensor")
        value = value.item()
    elif isinstance(value, xp.generic):
        value = value.item()
    if isinstance(value, int) and not -2 ** 63 <= value < 2 ** 64:
        raise OverflowError("int too big to convert" if value > 0 else
                            "can't convert negative int to unsigned")
    if d is _dt.bool:
        return bool(value)
    if isinstance(value, complex) and d.category < _dt.COMPLEX:
        if value.imag:
            raise RuntimeError(f"value cannot be converted to type {_c_name(d)} without "
                               "overflow")
        value = value.real
    if d.category == _dt.INT:
        info = xp.iinfo(d.np)
        if isinstance(value, float):
            if value != value or not info.min <= value <= info.max:
                raise RuntimeError(f"value cannot be converted to type {_c_name(d)} without "
                                   "overflow")
            return xp.array(value).astype(d.np)
        lo = -info.max if not d.is_signed else info.min  # unsigned: negatives wrap around
        if not lo <= value <= info.max:
            raise RuntimeError(f"value cannot be converted to type {_c_name(d)} without "
                               "overflow")
        return xp.array(value, xp.int64).astype(d.np)
    if d is _dt.float32 and isinstance(value, (int, float)) and value == value and \
            abs(value) != math.inf and abs(value) > 3.4028234663852886e38:
        raise RuntimeError("value cannot be converted to type float without overflow")
    return value


def _c_name(d):
    return {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
            "int64": "int64_t", "float32": "float", "float64": "double"}.get(d.name, d.name)


@export
def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """A tensor of the given shape filled with `fill_value`; the dtype comes from the value
    (bool, int64, the default float or complex dtype) unless given."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    shape = _sizes(size, None, "full", seq=True)
    d = _factory_dtype(dtype, out, _fill_dtype(fill_value))
    data = xp.full(shape, _fill_value(fill_value, d), d.np)
    return _result(data, d, requires_grad, device, out, "full")


@export
def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """An uninitialised tensor with the given sizes and strides (in elements)."""
    d = _dtype_or_default(dtype)
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    n = sum((s - 1) * st for s, st in zip(size, stride)) + 1 if all(size) else 0
    base = xp.zeros(n, d.np)
    # a view whose .base is the whole block, so untyped_storage() reports all of it
    data = xp.ndarray(size, d.np, buffer=base, strides=tuple(st * d.itemsize for st in stride))
    return _finish(data, d, requires_grad, device)


def _like_dtype(input, dtype):
    return input.dtype if dtype is None else _dt.to_dtype(dtype)


@export
def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """Zeros with input's shape and memory layout (and dtype unless given)."""
    d = _like_dtype(input, dtype)
    return _finish(_like_array(input, d, None, memory_format), d, requires_grad, device)


@export
def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """Ones with input's shape and memory layout (and dtype unless given)."""
    d = _like_dtype(input, dtype)
    return _finish(_like_array(input, d, 1, memory_format), d, requires_grad, device)


@export
def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """An uninitialised tensor with input's shape and layout (zero-filled in ember)."""
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad,
                      memory_format=memory_format)


@export
def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """`fill_value` everywhere, with input's shape, layout and dtype unless given."""
    d = _like_dtype(input, dtype)
    return _finish(_like_array(input, d, _fill_value(fill_value, d), memory_format), d,
                   requires_grad, device)


def _new(name, factory):
    def method(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False, **kw):
        shape = _sizes(size, _size_kw(kw, name), name)
        return factory(shape, dtype=self.dtype if dtype is None else dtype, device=device,
                       requires_grad=requires_grad)
    method.__name__ = name
    method.__doc__ = f"Like ember.{factory.__name__}, with self's dtype and device by default."
    export(method, function=False)


_new("new_zeros", zeros)
_new("new_ones", ones)
_new("new_empty", empty)


@export(function=False)
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
             layout=None, pin_memory=False):
    """ember.full with self's dtype and device by default."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"new_full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    return full(size, fill_value, dtype=self.dtype if dtype is None else dtype,
                device=device, requires_grad=requires_grad)


@export(function=False)
def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False,
                      layout=None, pin_memory=False):
    """ember.empty_strided with self's dtype and device by default."""
    return empty_strided(size, stride, dtype=self.dtype if dtype is None else dtype,
                         device=device, requires_grad=requires_grad)


@export(function=False)
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False):
    """ember.tensor(data) with self's dtype and device by default."""
    return tensor(data, dtype=self.dtype if dtype is None else dtype, device=device,
                  requires_grad=requires_grad)


# --- random sampling ------------------------------------------------------------------------
#
# Samples come from the generator's NumPy stream (ember's streams differ from torch's; what
# matches is the distributions, dtypes, shapes, checks and seeding). Functional samplers that
# take tensors record a node whose gradient is zero, as torch's do.

def _tname(d):
    from ember._ops.elementwise import _scalar_type_name
    return _scalar_type_name(d)
