"""Tensor factories (tensor, zeros, arange, linspace, eye, ...), NumPy interop, and random
sampling (rand, randn, randint, randperm, normal, bernoulli, multinomial, in-place fills)."""
import math
import warnings
from collections.abc import Sequence

from ember._backend import dtypes as _dt
from ember._backend import random as _random
from ember._backend import xp
from ember._backend.device import to_device
from ember._ops import engine
from ember._ops._util import make
from ember._ops.registry import export

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


def _like_array(input, d, fill=None):
    """A new array shaped like input's with its memory layout (torch's preserve_format)."""
    if fill is None:
        return xp.zeros_like(input._data, dtype=d.np)
    return xp.full_like(input._data, fill, dtype=d.np)


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
    return _finish(_like_array(input, d), d, requires_grad, device)


@export
def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """Ones with input's shape and memory layout (and dtype unless given)."""
    d = _like_dtype(input, dtype)
    return _finish(_like_array(input, d, 1), d, requires_grad, device)


@export
def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """An uninitialised tensor with input's shape and layout (zero-filled in ember)."""
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


@export
def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """`fill_value` everywhere, with input's shape, layout and dtype unless given."""
    d = _like_dtype(input, dtype)
    return _finish(_like_array(input, d, _fill_value(fill_value, d)), d, requires_grad, device)


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


# --- ranges -----------------------------------------------------------------------------------
#
# torch computes each element of arange and linspace on its own from start, step and the
# index, with a fused multiply-add (its CPU kernels are built with FMA) in the accumulation
# type; range and logspace use plain arithmetic. `_fma` replays a double fma exactly, so the
# values match torch's bit for bit. arange's kernel also fills 32-byte vector blocks from a
# block base (the first pairs of blocks), which moves the last bits; that is replayed too.

_VEC_BYTES = 32


def _split(x):
    c = 134217729.0 * x  # 2**27 + 1: Veltkamp's split into two 26-bit halves
    hi = c - (c - x)
    return hi, x - hi


def _fma(a, b, c):
    """a * b + c in float64 with a single rounding (error-free transformations: the exact
    product as p + e, the sum s + t, then one final addition)."""
    a, b, c = (xp.asarray(v, xp.float64) for v in (a, b, c))
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    bb = s - p
    t = (p - (s - bb)) + (c - bb)
    return s + (t + e)


def _num(v, name="start"):
    if isinstance(v, engine.Tensor):
        if v._data.size != 1:
            raise RuntimeError(f"{name} must be a scalar")
        return v.item()
    if isinstance(v, xp.generic):
        return v.item()
    if not isinstance(v, (int, float, complex)):
        raise TypeError(f"received an invalid argument of type {type(v).__name__}")
    return v


def _fma_line(start, step, idx, npd):
    """fma(step, idx, start) in double precision, stored as npd."""
    return _fma(step, idx.astype(xp.float64), start).astype(npd)


@export
def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Values from start (default 0) up to but excluding end, `step` apart: int64 when all
    arguments are integers, else the default float dtype."""
    start, end, step = _num(start), None if end is None else _num(end, "end"), _num(step)
    if end is None:
        start, end = 0, start
    is_int = all(isinstance(v, int) for v in (start, end, step))
    d = _factory_dtype(dtype, out, _dt.int64 if is_int else None)
    if d.category in (_dt.BOOL, _dt.COMPLEX):
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{_tname(d)}'")
    _check_bounds(start, end, step)
    if d is _dt.int64:  # exact integer arithmetic on the truncated arguments
        start, end, step = int(start), int(end), int(step)
        if step == 0:
            raise ValueError("step must be nonzero")
        n = -((start - end) // step)
    else:
        n = math.ceil((float(end) - float(start)) / float(step))
    if out is not None and out._data.size and out._data.size != n:
        warnings.warn(f"The number of elements in the out tensor of shape {list(out.shape)} is "
                      f"{out._data.size} which does not match the computed number of elements "
                      f"{n}. Note that this may occur as a result of rounding error. The out "
                      f"tensor will be resized to a tensor of shape ({n},).", UserWarning,
                      stacklevel=2)
    idx = xp.arange(n, dtype=xp.int64)
    if d.category == _dt.INT:
        data = (int(start) + int(step) * idx).astype(d.np)
    elif d in (_dt.float16, _dt.bfloat16):  # float accumulation, rounded per element
        s, st = xp.float32(start), xp.float32(step)
        data = _arange_blocks(s, st, idx, xp.float32, d.np).astype(d.np)
    else:
        data = _arange_blocks(start, step, idx, d.np, d.np)
    return _result(data, d, requires_grad, device, out, "arange")


def _check_bounds(start, end, step):
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {float(start):g} -> {float(end):g}")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")


def _arange_blocks(start, step, idx, npd, store):
    """arange's values computed in `npd` for a tensor stored as `store`: the scalar fma
    formula, except for whole pairs of vector blocks, filled as block_base + k * step (the
    base is stored first, so it is rounded to the stored dtype)."""
    out = _fma_line(start, step, idx, npd)
    vec = _VEC_BYTES // store.itemsize
    nv = idx.size // (2 * vec) * (2 * vec)
    if nv:
        head = idx[:nv]
        block = head // vec * vec
        base = _fma_line(start, step, block, npd).astype(store).astype(xp.float64)
        out[:nv] = _fma((head - block).astype(xp.float64), step, base).astype(npd)
    return out


@export
def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
          requires_grad=False):
    """Deprecated inclusive range: start, start + step, ... up to end (default float dtype)."""
    if end is None:
        raise TypeError('range() missing 1 required positional arguments: "end"')
    start, end, step = _num(start), _num(end, "end"), _num(step)
    warnings.warn("ember.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "ember.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    d = _factory_dtype(dtype, out)
    _check_bounds(start, end, step)
    idx = None
    if d.category == _dt.INT:  # int64 accumulation: integer division for the size
        s, e, st = int(start), int(end), int(step)
        if st == 0:  # (torch divides by the truncated step and crashes here)
            raise RuntimeError("step must be nonzero")
        q = abs(e - s) // abs(st)
        idx = xp.arange((q if (e - s) * st >= 0 else -q) + 1, dtype=xp.int64)
        data = (s + st * idx).astype(d.np)
    elif d in (_dt.float16, _dt.bfloat16):  # float accumulation (plain arithmetic, no fma)
        s, st = xp.float32(start), xp.float32(step)
        idx = xp.arange(int((xp.float32(end) - s) / st + xp.float32(1)), dtype=xp.int64)
        data = (s + idx.astype(xp.float32) * st).astype(d.np)
    else:
        s, st = float(start), float(step)
        idx = xp.arange(int((float(end) - s) / st + 1), dtype=xp.int64)
        data = (s + idx * st).astype(d.np)
    return _result(data, d, requires_grad, device, out, "range")


def _steps(steps, name):
    if isinstance(steps, engine.Tensor):
        steps = steps.item()
    if isinstance(steps, bool) or not isinstance(steps, (int, xp.integer)):
        raise TypeError(f"{name}() received an invalid combination of arguments - got steps of "
                        f"type {type(steps).__name__}, but expected int")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return int(steps)


def _linspace_values(start, end, n, d):
    """torch's linspace: forwards from start below the halfway index, backwards from end
    after it, each value one fma in the dtype's own arithmetic."""
    idx = xp.arange(n, dtype=xp.int64)
    half = n // 2
    back = n - 1 - idx
    if d.category == _dt.INT:  # double arithmetic, truncated
        s, e = float(int(start)), float(int(end))
        st = (e - s) / (n - 1)
        vals = xp.where(idx < half, _fma(st, idx, s), _fma(-st, back, e))
        return xp.trunc(vals)
    if d.category == _dt.COMPLEX:
        s, e = complex(start), complex(end)
        st = (e - s) / (n - 1)
        return xp.where(idx < half, s + st * idx, e - st * back).astype(d.np)
    npd = d.np
    s = xp.asarray(start, xp.float64).astype(npd)
    e = xp.asarray(end, xp.float64).astype(npd)
    if d.itemsize < 4:  # half types: every operation rounds back to the dtype
        f = xp.float32
        st = xp.asarray(f(e.astype(f) - s.astype(f)), f).astype(npd)
        st = (st.astype(f) / f(xp.asarray(n - 1).astype(npd))).astype(npd).astype(f)
        fw = (f(s) + (st * idx.astype(npd).astype(f)).astype(npd).astype(f)).astype(npd)
        bw = (f(e) - (st * back.astype(npd).astype(f)).astype(npd).astype(f)).astype(npd)
        return xp.where(idx < half, fw, bw)
    st = ((e - s) / npd.type(n - 1)).astype(npd) if npd != xp.float64 else (e - s) / (n - 1)
    return xp.where(idx < half, _fma_line(s, st, idx, npd), _fma_line(e, -st, back, npd))


@export
def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """`steps` evenly spaced values from start to end inclusive (complex when an end is)."""
    start, end = _num(start), _num(end, "end")
    n = _steps(steps, "linspace")
    cplx = isinstance(start, complex) or isinstance(end, complex)
    d = _factory_dtype(dtype, out, _dt.get_default_dtype().to_complex() if cplx else None)
    if n > 1:
        _fill_value(start, d), _fill_value(end, d)  # torch's checked conversions
    if n == 0:
        data = xp.zeros(0, d.np)
    elif n == 1:
        data = xp.asarray([start]).astype(d.np)
    else:
        data = _linspace_values(start, end, n, d).astype(d.np)
    return _result(data, d, requires_grad, device, out, "linspace")


def _c_int_cast(data, d):
    """C's double -> integer conversion as x86 performs it: through int32 for types up to 32
    bits (int64 for int64), with the 'integer indefinite' minimum for values out of range,
    then wrapping into the narrower type."""
    wide = xp.int64 if d is _dt.int64 else xp.int32
    info = xp.iinfo(wide)
    ok = (data >= info.min) & (data < -float(info.min))  # false for nan too
    with xp.errstate(invalid="ignore"):
        out = xp.where(ok, data, 0).astype(wide)
    out[~ok] = info.min
    return out.astype(d.np)


def _c_pow(base, exps):
    """base ** e for each exponent with the C library's pow, as torch calls it (NumPy's
    vectorised float64 power can differ in the last bit)."""
    b = float(base)

    def pow_(e):
        try:
            return math.pow(b, e)
        except OverflowError:
            return math.inf
        except ValueError:  # a negative base to a fractional power
            return math.nan
    return xp.fromiter((pow_(e) for e in exps), xp.float64, len(exps))


@export
def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """base ** v for `steps` values v evenly spaced from start to end inclusive."""
    start, end = _num(start), _num(end, "end")
    n = _steps(steps, "logspace")
    d = _factory_dtype(dtype, out)
    if n > 1:
        _fill_value(start, d), _fill_value(end, d)
    if n <= 1:
        data = _c_pow(base, [float(start)] * n)
    elif d.category == _dt.COMPLEX:
        data = xp.power(complex(base), _linspace_values(start, end, n, d))
    else:
        # start and end in the dtype, their difference in its arithmetic; the exponents (plain
        # double arithmetic, no fma here) and the power in double precision
        s = xp.asarray(start).astype(d.np)
        e = xp.asarray(end).astype(d.np)
        diff = (e - s) if d.itemsize >= 4 or d.category == _dt.INT else \
            (e.astype(xp.float32) - s.astype(xp.float32)).astype(d.np)
        step = float(diff) / (n - 1)
        idx = xp.arange(n, dtype=xp.int64)
        exps = xp.where(idx < n // 2, float(s) + step * idx, float(e) - step * (n - 1 - idx))
        data = _c_pow(base, exps.tolist())
        if d.itemsize == 2 and d.category == _dt.FLOAT:  # double to half goes through float
            data = data.astype(xp.float32)
        elif d.category == _dt.INT:
            data = _c_int_cast(data, d)
    return _result(data.astype(d.np), d, requires_grad, device, out, "logspace")


@export
def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
        pin_memory=False):
    """The n x m identity matrix (square when m is not given)."""
    for name, v in (("n", n), ("m", m)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, xp.integer))):
            raise TypeError(f"eye(): argument '{name}' must be int, not {type(v).__name__}")
        if v is not None and v < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {v}")
    d = _factory_dtype(dtype, out)
    data = xp.eye(n, n if m is None else m, dtype=d.np)
    return _result(data, d, requires_grad, device, out, "eye")


@export
def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 0-d or 1-D tensors of one dtype ('ij' indexing by default;
    'xy' swaps the first two dimensions). The grids are broadcast views of the inputs."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing is None:
        warnings.warn("ember.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    for t in tensors:
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list "
                               f"but got: {t}")
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    n = len(tensors)
    shape = [t.numel() for t in tensors]
    swap = indexing == "xy" and n >= 2
    if swap:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, t in enumerate(tensors):
        view = [1] * n
        view[(1 - i) if swap and i < 2 else i] = -1
        out.append(t.reshape(view).expand(shape))
    return tuple(out)


def _check_1d(t):
    if t.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")


@export
def cartesian_prod(*tensors):
    """The Cartesian product of 1-D tensors as an N x len(tensors) tensor (like
    itertools.product); a single tensor is returned as it is."""
    from ember._ops.shape import stack
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for t in tensors:
        _check_1d(t)
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], dim=1)


@export
def combinations(input, r=2, with_replacement=False):
    """The length-r combinations of a 1-D tensor's elements as an N x r tensor (like
    itertools.combinations, or combinations_with_replacement)."""
    from ember._ops.indexing import masked_select
    from ember._ops.shape import stack
    _check_1d(input)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return _finish(xp.zeros((0,), input.dtype.np), input.dtype)
    # torch keeps the points of the r-fold grid whose indices are ordered, in row-major order
    n = input.shape[0]
    idx = xp.indices((n,) * r) if n else xp.zeros((r,) + (0,) * r, dtype=xp.int64)
    keep = xp.ones((n,) * r, dtype=bool)
    for a, b in zip(idx[:-1], idx[1:]):
        keep &= (a <= b) if with_replacement else (a < b)
    mask = make(keep, _dt.bool)
    grids = meshgrid(*([input] * r), indexing="ij")
    return stack([masked_select(g, mask) for g in grids], dim=1)


@export(method=False)
def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """A 0-dim tensor holding the number `s`, of the default float dtype unless given."""
    d = _dtype_or_default(dtype)
    return _finish(xp.asarray(s).astype(d.np), d, requires_grad, device)


@export(method=False)
def unravel_index(indices, shape):
    """Convert flat indices into a tuple of coordinate tensors for an array of `shape`
    (row-major), as numpy.unravel_index; indices wrap around modulo the shape."""
    if not isinstance(indices, engine.Tensor):
        indices = tensor(indices)
    if indices.dtype.category != _dt.INT:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, int) else tuple(int(n) for n in shape)
    if any(n < 0 for n in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    flat = indices._data.astype(xp.int64)
    coords = []
    for n in reversed(shape):
        coords.append(flat % n if n else xp.zeros_like(flat))
        flat = flat // n if n else flat
    return tuple(_finish(c, _dt.int64) for c in reversed(coords))


def _window(name, window_length, periodic, dtype, device, requires_grad, values):
    if isinstance(window_length, bool) or not isinstance(window_length, (int, xp.integer)):
        raise TypeError(f"{name}(): argument 'window_length' (position 1) must be int, not "
                        f"{type(window_length).__name__}")
    d = _dtype_or_default(dtype)
    if d.category != _dt.FLOAT:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {d}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={window_length}")
    if window_length <= 1:
        data = xp.ones((window_length,), xp.float64)
    else:
        n = window_length + 1 if periodic else window_length
        data = values(n, xp.arange(n, dtype=xp.float64))[:window_length]
    return _finish(data.astype(d.np), d, requires_grad, device)


@export(method=False)
def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None,
                   layout=None, device=None, requires_grad=False):
    """The Hamming window alpha - beta * cos(2 pi n / (N - 1)) (periodic: N is one more than
    window_length, as for spectral analysis)."""
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, k: alpha - beta * xp.cos(2 * math.pi * k / (n - 1)))


@export(method=False)
def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                requires_grad=False):
    """The Hann window 0.5 - 0.5 * cos(2 pi n / (N - 1)) (periodic by default)."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, k: 0.5 - 0.5 * xp.cos(2 * math.pi * k / (n - 1)))


@export(method=False)
def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False):
    """The Blackman window 0.42 - 0.5 cos(2 pi n / (N-1)) + 0.08 cos(4 pi n / (N-1))."""
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, k: 0.42 - 0.5 * xp.cos(2 * math.pi * k / (n - 1))
                   + 0.08 * xp.cos(4 * math.pi * k / (n - 1)))


@export(method=False)
def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False):
    """The triangular Bartlett window 1 - |2n / (N - 1) - 1|."""
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, k: 1 - xp.abs(2 * k / (n - 1) - 1))


@export(method=False)
def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None,
                  device=None, requires_grad=False):
    """The Kaiser window I0(beta sqrt(1 - (2n / (N - 1) - 1)^2)) / I0(beta)."""
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   lambda n, k: xp.i0(beta * xp.sqrt(xp.clip(1 - (2 * k / (n - 1) - 1) ** 2,
                                                             0, None))) / xp.i0(beta))


def _index_dtype(dtype, name):
    d = _dt.int64 if dtype is None else _dt.to_dtype(dtype)
    if d.category != _dt.INT:
        raise NotImplementedError(f"\"{name}\" not implemented for '{_tname(d)}'")
    return d


def _check_rc(row, col):
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")


@export
def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (row, column) coordinates of the lower triangle of a row x col matrix, as a 2 x N
    tensor; `offset` shifts the diagonal up (positive) or down (negative)."""
    d = _index_dtype(dtype, "tril_indices")
    _check_rc(row, col)
    r, c = xp.tril_indices(row, offset, col)
    return _finish(xp.stack([r, c]).astype(d.np), d, False, device)


@export
def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (row, column) coordinates of the upper triangle of a row x col matrix (2 x N)."""
    d = _index_dtype(dtype, "triu_indices")
    _check_rc(row, col)
    r, c = xp.triu_indices(row, offset, col)
    return _finish(xp.stack([r, c]).astype(d.np), d, False, device)


# --- random sampling ------------------------------------------------------------------------
#
# Samples come from the generator's NumPy stream (ember's streams differ from torch's; what
# matches is the distributions, dtypes, shapes, checks and seeding). Functional samplers that
# take tensors record a node whose gradient is zero, as torch's do.

def _tname(d):
    from ember._ops.elementwise import _scalar_type_name
    return _scalar_type_name(d)


def _no_kernel(name, d):
    raise NotImplementedError(f"\"{name}\" not implemented for '{_tname(d)}'")


def _check_float(d, name):
    if d.category not in (_dt.FLOAT, _dt.COMPLEX):
        _no_kernel(name, d)


# uniform samples in [0, 1) on the grid a half type can hold, so none rounds up to 1
_GRID = {"float16": 2.0 ** -11, "bfloat16": 2.0 ** -8}


def _uniform(gen, shape, d):
    """U[0, 1) samples of dtype d (complex: real and imaginary parts both uniform)."""
    if d.category == _dt.COMPLEX:
        real = d.to_real().np
        return (gen.random(shape, dtype=real) + 1j * gen.random(shape, dtype=real)).astype(d.np)
    if d in (_dt.float32, _dt.float64):
        return gen.random(shape, dtype=d.np)
    q = _GRID[d.name]
    return (xp.floor(gen.random(shape) / q) * q).astype(d.np)


def _normal(gen, shape, d):
    """N(0, 1) samples of dtype d (complex: each part has variance 1/2)."""
    if d.category == _dt.COMPLEX:
        real = d.to_real().np
        z = gen.standard_normal(shape, dtype=real) + 1j * gen.standard_normal(shape, dtype=real)
        return (z * math.sqrt(0.5)).astype(d.np)
    if d in (_dt.float32, _dt.float64):
        return gen.standard_normal(shape, dtype=d.np)
    return gen.standard_normal(shape, dtype=xp.float32).astype(d.np)


class _ZeroGrad(engine.Node):
    """A sampling node: forward hands back the sample drawn by the caller; no input gets a
    gradient through it (torch returns zeros)."""

    def forward(self, *arrays):
        return arrays[-1]

    def backward(self, grad):
        return tuple(grad * 0 if edge[0] is not None else None
                     for edge in self.next_functions)


class NormalBackward1(_ZeroGrad):
    """normal(mean tensor, std number)."""


class NormalBackward2(_ZeroGrad):
    """normal(mean number, std tensor)."""


class NormalBackward3(_ZeroGrad):
    """normal(mean tensor, std tensor)."""


class BernoulliBackward0(_ZeroGrad):
    """bernoulli(probabilities)."""


class PoissonBackward0(_ZeroGrad):
    """poisson(rates)."""


def _sampled(cls, inputs, sample):
    """`sample` as the output of node `cls` over `inputs` (recorded when one needs grad)."""
    return engine.execute(cls, inputs, tuple(t._data for t in inputs) + (sample,))


def _gen(generator):
    return _random.stream(generator)


@export
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False, **kw):
    """Samples from the uniform distribution on [0, 1)."""
    shape = _sizes(size, _size_kw(kw, "rand"), "rand")
    d = _factory_dtype(dtype, out)
    _check_float(d, "check_uniform_bounds")
    return _result(_uniform(_gen(generator), shape, d), d, requires_grad, device, out, "rand")


@export
def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False, **kw):
    """Samples from the standard normal distribution."""
    shape = _sizes(size, _size_kw(kw, "randn"), "randn")
    d = _factory_dtype(dtype, out)
    _check_float(d, "normal_kernel_cpu")
    return _result(_normal(_gen(generator), shape, d), d, requires_grad, device, out, "randn")


def _int_bound(v, name):
    if isinstance(v, engine.Tensor):
        v = v.item()
    if isinstance(v, bool) or not isinstance(v, (int, xp.integer)):
        raise TypeError(f"randint(): argument '{name}' must be int, not {type(v).__name__}")
    v = int(v)
    if not -2 ** 63 <= v < 2 ** 63:
        raise ValueError("Overflow when unpacking long long")
    return v


def _random_range(low, high, d, gen, shape):
    """Integers uniform in [low, high) as dtype d, after torch's bound checks for d."""
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    if d.category in (_dt.BOOL, _dt.INT):
        info = None if d is _dt.bool else xp.iinfo(d.np)
        lo, hi = (0, 1) if info is None else (int(info.min), int(info.max))
    else:
        hi = float(_dt.finfo(d).max)
        lo = -hi
    cname = _c_type_name(d)
    if not lo <= low <= hi:
        raise RuntimeError(f"from is out of bounds for {cname}")
    if not lo <= high - 1 <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {cname}")
    return gen.integers(low, high, shape, dtype=xp.int64).astype(d.np)


def _c_type_name(d):
    return {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short",
            "int32": "int", "int64": "long", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "float32": "float", "float64": "double"}[d.name]


@export
def randint(low=None, high=None, size=None, *, generator=None, out=None, dtype=None,
            layout=None, device=None, requires_grad=False, pin_memory=False):
    """Integers drawn uniformly from [low, high): `randint(high, size)` or
    `randint(low, high, size)`; int64 unless `dtype` says otherwise."""
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    if low is None:
        low = 0
    if high is None or size is None:
        raise TypeError("randint() received an invalid combination of arguments: it takes "
                        "(high, size) or (low, high, size)")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' must be tuple of ints, not "
                        f"{type(size).__name__}")
    low, high = _int_bound(low, "low"), _int_bound(high, "high")
    shape = _sizes(size, None, "randint", seq=True)
    d = _factory_dtype(dtype, out, _dt.int64)
    data = _random_range(low, high, d, _gen(generator), shape)
    return _result(data, d, requires_grad, device, out, "randint")


@export
def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None, generator=None):
    """Uniform [0, 1) samples with input's shape, layout and dtype."""
    d = _like_dtype(input, dtype)
    _check_float(d, "check_uniform_bounds")
    data = _like_array(input, d)
    data[...] = _uniform(_gen(generator), data.shape, d)
    return _finish(data, d, requires_grad, device)


@export
def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None, generator=None):
    """Standard normal samples with input's shape, layout and dtype."""
    d = _like_dtype(input, dtype)
    _check_float(d, "normal_kernel_cpu")
    data = _like_array(input, d)
    data[...] = _normal(_gen(generator), data.shape, d)
    return _finish(data, d, requires_grad, device)


@export
def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None, generator=None):
    """Integers from [low, high) (`randint_like(input, high)` or `(input, low, high)`) with
    input's shape, layout and dtype."""
    if high is None:
        low, high = 0, low
    d = _like_dtype(input, dtype)
    data = _like_array(input, d)
    data[...] = _random_range(_int_bound(low, "low"), _int_bound(high, "high"), d,
                              _gen(generator), data.shape)
    return _finish(data, d, requires_grad, device)


@export
def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of 0, ..., n-1 (int64 unless `dtype` says otherwise)."""
    n = _int_bound(n, "n")
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    d = _factory_dtype(dtype, out, _dt.int64)
    if n and d.category != _dt.BOOL:
        _fill_value(n - 1, d)  # torch's overflow check on the largest value
    data = _gen(generator).permutation(n).astype(d.np)
    return _result(data, d, requires_grad, device, out, "randperm")


@export
def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False, pin_memory=False):
    """Normal samples: elementwise from broadcast mean/std tensors (either may be a number),
    or `size` samples of N(mean, std) when both are numbers."""
    gen = _gen(generator)
    tm, ts = isinstance(mean, engine.Tensor), isinstance(std, engine.Tensor)
    if tm or ts:
        if ts:
            if std.dtype.category >= _dt.FLOAT and (std._data < 0).any():
                raise RuntimeError("normal expects all elements of std >= 0.0")
        elif std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
        d = mean.dtype if not ts else std.dtype if not tm else \
            _dt.promote_types(mean.dtype, std.dtype)
        _check_float(d, "normal_kernel_cpu")
        m = mean._data if tm else mean
        s = std._data if ts else std
        from ember._ops._util import broadcast_shapes
        shape = broadcast_shapes(xp.shape(m), xp.shape(s))
        sample = (_normal(gen, shape, d) * s + m).astype(d.np)
        cls, inputs = (NormalBackward3, (mean, std)) if tm and ts else \
            (NormalBackward1, (mean,)) if tm else (NormalBackward2, (std,))
        r = _sampled(cls, inputs, sample)
        return r if out is None else _result(r._data, d, False, None, out, "normal")
    if size is None:
        raise TypeError("normal() received an invalid combination of arguments: with number "
                        "mean and std, `size` is required")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    d = _factory_dtype(dtype, out)
    _check_float(d, "normal_kernel_cpu")
    shape = _sizes(size, None, "normal", seq=True)
    sample = (_normal(gen, shape, d) * std + mean).astype(d.np)
    return _result(sample, d, requires_grad, device, out, "normal")


def _probabilities(p):
    if ((p < 0) | (p > 1)).any() or xp.isnan(p).any():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")


@export
def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples, 1 with the probability in each element of input (or with probability p),
    in input's dtype."""
    _check_float(input.dtype, "bernoulli_tensor_cpu_p_" if p is None else "bernoulli_scalar_cpu_")
    gen = _gen(generator)
    if p is None:
        _probabilities(input._data)
        sample = (gen.random(input._data.shape) < input._data).astype(input.dtype.np)
        r = _sampled(BernoulliBackward0, (input,), sample)
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        r = make((gen.random(input._data.shape) < p).astype(input.dtype.np), input.dtype)
    return r if out is None else _result(r._data, r.dtype, False, None, out, "bernoulli")


@export
def poisson(input, generator=None):
    """Samples from Poisson distributions with the rates in input (input's dtype)."""
    _check_float(input.dtype, "poisson_cpu")
    if (input._data < 0).any():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    sample = _gen(generator).poisson(input._data).astype(input.dtype.np)
    return _sampled(PoissonBackward0, (input,), sample)


def _multinomial_error(rows, bad, empty, replacement):
    """torch's error for an invalid distribution: one check of the whole tensor without
    replacement (or for a single sample); with replacement, row by row, entry by entry, then
    the row's sum."""
    if not replacement:
        if bad.any():
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    else:
        r = int(xp.argmax(bad.any(axis=1) | empty))
        if bad[r].any():
            val = rows[r, int(xp.argmax(bad[r]))]
            if not val >= 0:
                raise RuntimeError(
                    "invalid multinomial distribution (encountering probability entry < 0)")
            raise RuntimeError("invalid multinomial distribution (encountering probability "
                               "entry = infinity or NaN)")
    raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")


@export
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Category indices (int64) drawn from the unnormalised distributions in the rows of
    input, with or without replacement."""
    if input.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_tname(input.dtype)}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    probs = input._data.astype(xp.float64)
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    rows = probs.reshape(-1, probs.shape[-1])
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    bad = ~(rows >= 0) | ~xp.isfinite(rows)
    empty = ~(rows.sum(axis=1) > 0)
    if bad.any() or empty.any():
        _multinomial_error(rows, bad, empty, replacement and num_samples > 1)
    gen = _gen(generator)
    if replacement:
        cdf = xp.cumsum(rows, axis=1)
        cdf /= cdf[:, -1:]
        u = gen.random((rows.shape[0], num_samples))
        res = xp.stack([xp.searchsorted(c, x, side="right") for c, x in zip(cdf, u)])
        res = xp.minimum(res, rows.shape[1] - 1)
    else:
        # p / Exp(1) keys: their top k is an exact draw without replacement
        keys = rows / gen.exponential(1.0, rows.shape)
        res = xp.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    res = res.astype(xp.int64).reshape(probs.shape[:-1] + (num_samples,))
    return _result(res, _dt.int64, False, None, out, "multinomial") if out is not None \
        else make(res)


# in-place random fills -------------------------------------------------------------------

class UniformBackward0(_ZeroGrad):
    pass


class NormalBackward0(_ZeroGrad):
    pass


class RandomBackward0(_ZeroGrad):
    """random_(from, to)."""


class RandomBackward1(_ZeroGrad):
    """random_(to)."""


class RandomBackward2(_ZeroGrad):
    """random_()."""


class BernoulliBackward1(_ZeroGrad):
    """bernoulli_(tensor p)."""


class BernoulliBackward2(_ZeroGrad):
    """bernoulli_(number p)."""


class ExponentialBackward0(_ZeroGrad):
    pass


class GeometricBackward0(_ZeroGrad):
    pass


class LogNormalBackward0(_ZeroGrad):
    pass


class CauchyBackward0(_ZeroGrad):
    pass


def _fill_from(self, data, cls, others=()):
    """Write `data` into self in place; with grad recording, through node `cls` (whose inputs
    are self and the tensor arguments `others`)."""
    from ember._ops.elementwise import _write, check_inplace, inplace_from
    check_inplace(self)
    data = data.astype(self.dtype.np, copy=False)
    if engine.GRAD.enabled and self._requires_grad:
        inputs = (self,) + tuple(others)
        arrays = tuple(t._data for t in inputs) + (data,)
        return inplace_from(self, engine.execute(cls, inputs, arrays))
    _write(self, data)
    self._bump_version()
    return self


@export(function=False)
def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kw):
    """Fill with samples from the uniform distribution on [from, to)."""
    from_ = kw.pop("from", from_)
    _check_float(self.dtype, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={from_:g} > to={to:g}")
    u = _uniform(_gen(generator), self._data.shape, self.dtype)
    return _fill_from(self, from_ + (to - from_) * u, UniformBackward0)


@export(function=False)
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples from N(mean, std**2)."""
    _check_float(self.dtype, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    sample = _normal(_gen(generator), self._data.shape, self.dtype) * std + mean
    return _fill_from(self, sample, NormalBackward0)


@export(function=False)
def random_(self, *args, generator=None, **kw):
    """Fill with integers uniform in [from, to): `random_()` spans [0, the largest integer the
    dtype holds exactly], `random_(to)` is [0, to), `random_(from, None)` runs from `from` to
    that largest integer."""
    if "from" in kw:
        args = (kw.pop("from"),) + args
    if "to" in kw:
        args = (args[0] if args else 0, kw.pop("to"))
    if kw:
        raise TypeError(f"random_() got an unexpected keyword argument '{next(iter(kw))}'")
    if self.dtype.category == _dt.COMPLEX:
        _no_kernel("random_kernel_cpu", self.dtype)
    d = self.dtype
    if d.category == _dt.FLOAT:
        top = 2 ** {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}[d.name]
    else:
        top = 1 if d is _dt.bool else int(xp.iinfo(d.np).max)
    gen = _gen(generator)
    if len(args) == 2 and args[1] is not None:
        data, cls = _random_range(int(args[0]), int(args[1]), d, gen, self._data.shape), \
            RandomBackward0
    elif len(args) == 1:
        data, cls = _random_range(0, int(args[0]), d, gen, self._data.shape), RandomBackward1
    else:
        low = int(args[0]) if args else 0
        data = gen.integers(low, top, self._data.shape, dtype=xp.int64, endpoint=True)
        cls = RandomBackward2 if not args else RandomBackward0
    return _fill_from(self, data, cls)


@export(function=False)
def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 0/1 samples that are 1 with probability p (a number or a tensor of
    probabilities broadcast to self's shape)."""
    gen = _gen(generator)
    if isinstance(p, engine.Tensor):
        _check_float(p.dtype, "bernoulli_tensor_cpu_p_")
        _probabilities(p._data)
        try:
            probs = xp.broadcast_to(p._data, self._data.shape)
        except ValueError:
            raise RuntimeError(f"The expanded size of the tensor ({list(self.shape)}) must "
                               f"match the existing size ({list(p.shape)})") from None
        return _fill_from(self, gen.random(self._data.shape) < probs, BernoulliBackward1, (p,))
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return _fill_from(self, gen.random(self._data.shape) < p, BernoulliBackward2)


def _continuous(self, name):
    if self.dtype.category != _dt.FLOAT:
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{_tname(self.dtype)}")


@export(function=False)
def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with samples from the exponential distribution of rate lambd."""
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    _continuous(self, "Exponential")
    sample = _gen(generator).exponential(1.0 / lambd, self._data.shape)
    return _fill_from(self, sample, ExponentialBackward0)


@export(function=False)
def geometric_(self, p, *, generator=None):
    """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
    if self.dtype is _dt.bool or self.dtype.category == _dt.COMPLEX:
        _no_kernel("geometric_cpu", self.dtype)
    return _fill_from(self, _gen(generator).geometric(p, self._data.shape), GeometricBackward0)


@export(function=False)
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with exp(N(mean, std**2)) samples."""
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
    if self.dtype.category != _dt.FLOAT:
        _no_kernel("log_normal_cpu", self.dtype)
    sample = _gen(generator).lognormal(mean, std, self._data.shape)
    return _fill_from(self, sample, LogNormalBackward0)


@export(function=False)
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with samples from the Cauchy distribution at median with scale sigma."""
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma:g}")
    if self.dtype.category != _dt.FLOAT:
        raise RuntimeError("Cauchy distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{_c_type_name(self.dtype).replace('long', 'long int')}")
    sample = median + sigma * _gen(generator).standard_cauchy(self._data.shape)
    return _fill_from(self, sample, CauchyBackward0)


# --- seeding ----------------------------------------------------------------------------------

def manual_seed(seed):
    """Seed the default generator (any int in [-2**63, 2**64)); returns it."""
    return _random.default_generator.manual_seed(seed)


def seed():
    """Seed the default generator from OS entropy; returns the seed."""
    return _random.default_generator.seed()


def initial_seed():
    """The seed the default generator was last reset with."""
    return _random.default_generator.initial_seed()


def get_rng_state():
    """The default generator's state as a uint8 tensor (give it to set_rng_state)."""
    return _random.default_generator.get_state()


def set_rng_state(new_state):
    """Restore the default generator's state from get_rng_state()."""
    _random.default_generator.set_state(new_state)
