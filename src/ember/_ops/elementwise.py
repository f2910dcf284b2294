"""Elementwise machinery shared by the elementwise families: operand promotion with torch's
rules (`_prep`), out= and in-place helpers, and casting and copying (clone, copy_, fill_).
"""
import builtins
import math

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops import engine
from ember._ops._util import broadcast_shapes, make
from ember._ops.engine import GRAD, Node, execute
from ember._ops.registry import export
from ember._ops.shape import layout_copy


ndarray = xp.ndarray
_BOOL, _INT, _FLOAT, _COMPLEX = _dt.BOOL, _dt.INT, _dt.FLOAT, _dt.COMPLEX
_result_pair = _dt.tensors_result_type
_result_scalar = _dt.binary_result_type
_SCALAR_TYPES = (int, float, bool, complex)
_INT_RANGE = {d.np: (int(xp.iinfo(d.np).min), int(xp.iinfo(d.np).max))
              for d in (_dt.uint8, _dt.int8, _dt.int16, _dt.int32)}
_SQRT_PI = math.sqrt(math.pi)


def _cast(arr, dtype):
    return arr if arr.dtype == dtype.np else arr.astype(dtype.np)


def _scalar_type_name(d):
    """torch's ScalarType name of a dtype (`Float`, `Long`, ...), as its messages print it."""
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}[d.name]


def _no_kernel(kernel, dt):
    raise NotImplementedError(f'"{kernel}" not implemented for \'{_scalar_type_name(dt)}\'')


def _type_error(name, x, position=1):
    arg = "input" if position == 1 else "other"
    raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be Tensor, not "
                    f"{type(x).__name__}")


def _tensors_only(name, a, b):
    if not isinstance(a, engine.Tensor):
        _type_error(name, a, 1)
    if not isinstance(b, engine.Tensor):
        _type_error(name, b, 2)


# --- operand promotion -----------------------------------------------------------------------

def _prep(a, b):
    """Promote a binary op's operands: (tensor a or None, tensor b or None, arrays or Python
    scalars, result dtype). A Python scalar stays a scalar (NumPy treats it as weak, as torch
    does), except where NumPy would change the array's dtype because of it."""
    if isinstance(a, engine.Tensor):
        if isinstance(b, engine.Tensor):
            da, db = a.dtype, b.dtype
            if a.device is not b.device:
                _device_error(a, b)
            if da is db:
                return a, b, a._data, b._data, da
            dt = _result_pair(da, a._data.ndim == 0, db, b._data.ndim == 0)
            return a, b, _cast(a._data, dt), _cast(b._data, dt), dt
        if b.__class__ not in _SCALAR_TYPES:
            b = _scalar_or_tensor(b)
            if isinstance(b, engine.Tensor):
                return _prep(a, b)
        dt = _result_scalar(a.dtype, a._data.ndim == 0, b)
        arr = a._data if a.dtype is dt else a._data.astype(dt.np)
        return a, None, arr, _scalar_value(b, dt), dt
    if a.__class__ not in _SCALAR_TYPES:
        a = _scalar_or_tensor(a)
        if isinstance(a, engine.Tensor):
            return _prep(a, b)
    if not isinstance(b, engine.Tensor):
        b = _scalar_or_tensor(b)
        if not isinstance(b, engine.Tensor):
            raise TypeError(f"expected a tensor operand, got {type(a).__name__} and "
                            f"{type(b).__name__}")
    dt = _result_scalar(b.dtype, b._data.ndim == 0, a)
    arr = b._data if b.dtype is dt else b._data.astype(dt.np)
    return None, b, _scalar_value(a, dt), arr, dt


def _scalar_value(s, dt):
    """Python scalar `s` as an operand for arrays of dtype `dt`."""
    npd = dt.np
    if npd.kind == "V":  # ml_dtypes' bfloat16 loops would upcast a Python scalar
        return xp.asarray(s, dtype=npd)
    if s.__class__ is int and npd in _INT_RANGE:
        lo, hi = _INT_RANGE[npd]
        if not lo <= s <= hi:  # torch wraps the scalar like a C cast; NumPy would refuse
            return xp.asarray(s, dtype=xp.int64).astype(npd)
    return s


def _typed(s, arr):
    """A Python number taking part in NumPy math on `arr` without changing its dtype."""
    if s.__class__ is not ndarray and arr.dtype.kind == "V":
        return xp.asarray(s, dtype=arr.dtype)
    return s


def _scalar_or_tensor(x):
    if isinstance(x, xp.generic):
        return x.item()
    if isinstance(x, ndarray):
        from ember._ops.creation import from_numpy
        return from_numpy(x)
    from ember._ops.creation import tensor
    try:
        return tensor(x)
    except Exception:
        raise TypeError(f"unsupported operand type {type(x).__name__}") from None


def _device_error(a, b):
    raise RuntimeError(
        "Expected all tensors to be on the same device, but found at least two devices, "
        f"{a.device} and {b.device}!")


def _run(cls, inputs, arrays, args=()):
    """execute(), turning NumPy's broadcasting ValueError into torch's RuntimeError."""
    try:
        return execute(cls, inputs, arrays, args)
    except ValueError:
        broadcast_shapes(*(getattr(x, "shape", ()) for x in arrays))
        raise


def _binary(cls, a, b, *args):
    T = engine.Tensor
    if a.__class__ is T and b.__class__ is T and a.dtype is b.dtype and a.device is b.device:
        xa, xb = a._data, b._data
        if xa.shape == xb.shape:  # the common case: nothing to promote or broadcast
            return execute(cls, (a, b), (xa, xb), args)
    ta, tb, xa, xb, dt = _prep(a, b)
    return _run(cls, (ta, tb), (xa, xb), args)


def _prep_float(a, b):
    """_prep for ops whose result is floating even for integer inputs (true division)."""
    ta, tb, xa, xb, dt = _prep(a, b)
    if dt.category < _FLOAT:
        dt = _dt.get_default_dtype()
        xa = _cast(xa, dt) if xa.__class__ is ndarray else _scalar_value(float(xa), dt)
        xb = _cast(xb, dt) if xb.__class__ is ndarray else _scalar_value(float(xb), dt)
    return ta, tb, xa, xb, dt


def _binary_float(cls, a, b, *args):
    ta, tb, xa, xb, dt = _prep_float(a, b)
    return _run(cls, (ta, tb), (xa, xb), args)


# --- out= and in-place machinery ---------------------------------------------------------------

_TYPE_WORD = {_BOOL: "Bool", _INT: "Long", _FLOAT: "Float", _COMPLEX: "ComplexFloat"}


def _cast_error(result_dtype, target):
    raise RuntimeError(f"result type {_TYPE_WORD[result_dtype.category]} can't be cast to the "
                       f"desired output type {_scalar_type_name(target)}")


def _out(result, out):
    if out is None:
        return result
    if result.dtype is not out.dtype and not _dt.can_cast(result.dtype, out.dtype):
        _cast_error(result.dtype, out.dtype)
    if out._data.shape != result._data.shape:
        out._data = xp.empty(result._data.shape, out.dtype.np)
    _write(out, result._data)
    out._bump_version()
    return out


def check_inplace(self):
    """RuntimeError, as torch's, for an in-place op that may not write into `self`: an
    inference tensor outside inference_mode, or (grad mode on) a leaf that requires grad or a
    view made in no_grad/inference mode of a base that does."""
    if self._meta is not None and "inference" in self._meta and not GRAD.inference:
        raise RuntimeError(
            "Inplace update to inference tensor outside InferenceMode is not allowed.You can "
            "make a clone to get a normal tensor before doing inplace update.See "
            "https://github.com/pytorch/rfcs/pull/17 for more details.")
    if self._requires_grad and self.grad_fn is None and GRAD.enabled:
        if self._base is not None and self._meta is not None and "creation" in self._meta:
            from ember._ops.shape import view_inplace_error
            raise view_inplace_error(self)
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")


def _overlap_error():
    return RuntimeError("unsupported operation: more than one element of the written-to "
                        "tensor refers to a single memory location. Please clone() the tensor "
                        "before performing the operation.")


def _write(self, data):
    """self's elements = data (same shape); torch's error when self's memory is read-only
    (an expanded tensor, whose elements share memory)."""
    try:
        self._data[...] = data
    except ValueError:
        if self._data.flags.writeable:
            raise
        raise _overlap_error() from None


def _recording(self, other):
    # inside a forward-AD level the out-of-place path runs, so tangents follow
    return GRAD.enabled and (self._requires_grad or (isinstance(other, engine.Tensor)
                                                     and other._requires_grad)) \
        or GRAD.fw is not None


def inplace_from(self, result):
    """Write `result` into `self` (an in-place op computed out of place), moving the autograd
    history onto self as torch does. Checks dtype castability and shape."""
    if result.dtype is not self.dtype and not _dt.can_cast(result.dtype, self.dtype):
        _cast_error(result.dtype, self.dtype)
    if result._data.shape != self._data.shape:
        raise RuntimeError(
            f"output with shape {list(self.shape)} doesn't match the broadcast shape "
            f"{list(result.shape)}")
    node = result.grad_fn
    if node is not None and node._saved:
        # backward needs self's old values: keep them in a copy that is part of the graph,
        # so double backward still reaches self's history (only in self's own slot: if self
        # is also another operand, the version check fails in backward, as in torch)
        saves = node.saves
        k = saves.index(0) if 0 in saves else -1
        if k >= 0 and node._saved[k] is not None and node._saved[k][0] is self:
            old = clone(self) if self._requires_grad else make(self._data.copy(), self.dtype)
            old._vc = [0]
            node._saved[k] = (old, 0)
    if node is not None and self._base is not None:
        from ember._ops.shape import rebase_view
        rebase_view(self, result)
    else:
        _write(self, result._data)
        if node is not None:
            self.grad_fn = node
            self._requires_grad = True
            self._output_nr = 0
            if self._meta is not None:
                engine.move_retains_grad(self)
                if "views" in self._meta:  # views of self now see the new history
                    from ember._ops.shape import refresh_views
                    refresh_views(self)
    if GRAD.fw is not None:  # forward AD: self takes the result's tangent (or loses its own)
        engine.set_tangent(self, engine.tangent_of(result), GRAD.fw)
    self._bump_version()
    return self


def _inplace_binary(ufunc, op, self, other, *args):
    """`self op= other`: a NumPy ufunc writing into self when nothing is recorded."""
    check_inplace(self)
    if _recording(self, other) or args:
        return inplace_from(self, op(self, other, *args))
    ta, tb, xa, xb, dt = _prep(self, other)
    if dt is not self.dtype and not _dt.can_cast(dt, self.dtype):
        _cast_error(dt, self.dtype)
    try:
        ufunc(xa, xb, out=self._data, casting="unsafe")
    except ValueError:
        if not self._data.flags.writeable:
            raise _overlap_error() from None
        shape = broadcast_shapes(self._data.shape, getattr(xb, "shape", ()))
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                           f"shape {list(shape)}") from None
    self._bump_version()
    return self


def _inplace(op):
    """The in-place method of out-of-place `op`, computed out of place and written back."""
    def op_(self, *args, **kwargs):
        check_inplace(self)
        return inplace_from(self, op(self, *args, **kwargs))
    op_.__name__ = op_.__qualname__ = op.__name__ + "_"
    op_.__doc__ = f"In-place version of :func:`{op.__name__}`."
    return op_


def _conj_scalar(s):
    return s.conjugate() if isinstance(s, builtins.complex) else s


# --- casting and copying -----------------------------------------------------------------------

class ToCopyBackward0(Node):
    def forward(self, a, dtype):
        self.src = _dt._BY_NP[a.dtype]
        if dtype.category < _COMPLEX and a.dtype.kind == "c":
            a = a.real
        if dtype.category < _FLOAT and a.dtype.kind in "fV":
            with xp.errstate(invalid="ignore"):
                return a.astype(dtype.np)
        return a.astype(dtype.np)

    def backward(self, grad):
        if self.src.category != _COMPLEX and grad.dtype.category == _COMPLEX:
            grad = grad.real
        return grad.to(self.src)


def _to_copy(input, dtype):
    return execute(ToCopyBackward0, (input,), (input._data,), (dtype,))


class CloneBackward0(Node):
    def forward(self, a, memory_format=None):
        return layout_copy(a, memory_format)

    def backward(self, grad):
        return grad


@export
def clone(input, *, memory_format=None):
    """A copy of input with its own memory, recorded in autograd (CloneBackward0), laid out
    in `memory_format` (default preserve_format: input's strides)."""
    return execute(CloneBackward0, (input,), (input._data,), (memory_format,))


@export(function=False)
def contiguous(self, memory_format=None):
    """self if already contiguous in `memory_format` (default contiguous_format; or
    channels_last, channels_last_3d), else a copy laid out so (CloneBackward0)."""
    fmt = "contiguous_format" if memory_format is None else memory_format
    if self.is_contiguous(memory_format=fmt):
        return self
    if fmt == "preserve_format":
        raise RuntimeError("preserve memory format is unsupported by the contiguous operator")
    return clone(self, memory_format=fmt)


class CopyBackwards(Node):
    def forward(self, dst, src):
        self.src_dtype = _dt._BY_NP[src.dtype]
        if dst.dtype.kind != "c" and src.dtype.kind == "c":
            src = src.real
        return xp.broadcast_to(src, dst.shape).astype(dst.dtype, copy=True)

    def backward(self, grad):
        g = grad
        if self.needs(1) and self.src_dtype.category != _COMPLEX and grad.is_complex():
            g = grad.real
        return grad * 0, (g.to(self.src_dtype) if self.needs(1) else None)


def _copy_shape_error(self, src):
    try:
        shape = broadcast_shapes(self._data.shape, src._data.shape)
    except RuntimeError:
        raise
    if shape == self._data.shape and not self._data.flags.writeable:
        raise _overlap_error()
    raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                       f"shape {list(shape)}")


@export(function=False)
def copy_(self, src, non_blocking=False):
    """Copy src's values (broadcast to self's shape, converted to self's dtype) into self."""
    check_inplace(self)
    if not isinstance(src, engine.Tensor):
        from ember._ops.creation import tensor as _tensor
        src = _tensor(src)
    if _recording(self, src):
        try:
            result = execute(CopyBackwards, (self, src), (self._data, src._data))
        except ValueError:
            _copy_shape_error(self, src)
        return inplace_from(self, result)
    data = src._data
    if self._data.dtype.kind != "c" and data.dtype.kind == "c":
        data = data.real
    try:
        xp.copyto(self._data, data, casting="unsafe")
    except ValueError:
        _copy_shape_error(self, src)
    self._bump_version()
    return self


class FillBackward2(Node):
    """fill_ with a number: the old values get no gradient."""

    def forward(self, a, value):
        return xp.full_like(a, value)

    def backward(self, grad):
        return grad * 0


class FillBackward3(Node):
    """fill_ with a 0-dim tensor: its gradient is the sum of the incoming gradient."""

    def forward(self, a, value):
        return xp.broadcast_to(value.astype(a.dtype), a.shape).copy()

    def backward(self, grad):
        return grad * 0, (grad.sum() if self.needs(1) else None)


class ZeroBackward0(Node):
    def forward(self, a):
        return xp.zeros_like(a)

    def backward(self, grad):
        return grad * 0


@export(function=False)
def fill_(self, value):
    """Fill self with value (a number or a 0-dim tensor), converted to self's dtype."""
    check_inplace(self)
    if isinstance(value, engine.Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value._data.ndim} dimensions.")
        if _recording(self, value):
            return inplace_from(self, execute(FillBackward3, (self, value),
                                              (self._data, value._data)))
        value = value.item()
    if not self._data.flags.writeable:
        return _on_shared_memory(self, fill_, value)
    if GRAD.enabled and self._requires_grad:
        return inplace_from(self, execute(FillBackward2, (self,), (self._data,), (value,)))
    self._data.fill(value.real if isinstance(value, builtins.complex) and
                    self.dtype.category != _COMPLEX else value)
    self._bump_version()
    return self


@export(function=False)
def zero_(self):
    """Fill self with zeros."""
    check_inplace(self)
    if not self._data.flags.writeable:
        return _on_shared_memory(self, zero_)
    if GRAD.enabled and self._requires_grad:
        return inplace_from(self, execute(ZeroBackward0, (self,), (self._data,)))
    self._data.fill(0)
    self._bump_version()
    return self


def _on_shared_memory(self, op, *args):
    """fill_/zero_ on an expanded tensor (read-only memory, elements sharing it): torch
    allows these, as every element gets the same value; run `op` on a writable alias."""
    from ember._ops.shape import _elem_strides, _strided
    data = self._data
    alias = _strided(data, data.shape, _elem_strides(data))
    if not alias.flags.writeable:  # memory that is itself read-only
        raise _overlap_error()
    self._data = alias
    try:
        return op(self, *args)
    finally:
        self._data = data
