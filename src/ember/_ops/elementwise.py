"""Elementwise ops: arithmetic, math functions, comparisons, logic, clamping, complex numbers
and copies.

Each differentiable op is one node class named as torch's; binary ops broadcast, and the
engine reduces their gradients back to each input's shape. Operands are promoted with torch's
rules (`_prep`) before the node's `forward` sees them, so forwards are one NumPy call.
"""
import builtins
import cmath
import math

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops import engine
from ember._ops._util import broadcast_shapes, make
from ember._ops.engine import GRAD, Node, execute
from ember._ops.registry import export
from ember._ops import autocast as _ac

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


# --- arithmetic --------------------------------------------------------------------------------

def _check_alpha(alpha, dt):
    if alpha.__class__ is bool:
        if dt is not _dt.bool:
            raise RuntimeError("Boolean alpha only supported for Boolean results.")
    elif dt.category < _FLOAT and not isinstance(alpha, int):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    elif dt.category == _FLOAT and isinstance(alpha, builtins.complex):
        raise RuntimeError("For non-complex input tensors, argument alpha must not be a complex "
                           "number.")


class AddBackward0(Node):
    def forward(self, a, b, alpha=1):
        self.alpha = alpha
        return a + b if alpha == 1 else a + b * _typed(alpha, a if a.__class__ is ndarray else b)

    def backward(self, grad):
        return grad, (grad if self.alpha == 1 else grad * _conj_scalar(self.alpha))


class SubBackward0(Node):
    def forward(self, a, b, alpha=1):
        self.alpha = alpha
        return a - b if alpha == 1 else a - b * _typed(alpha, a if a.__class__ is ndarray else b)

    def backward(self, grad):
        return grad, (-grad if self.alpha == 1 else grad * -_conj_scalar(self.alpha))


class RsubBackward0(Node):
    def forward(self, a, b, alpha=1):
        self.alpha = alpha
        return b - a if alpha == 1 else b - a * _typed(alpha, a)

    def backward(self, grad):
        return (-grad if self.alpha == 1 else grad * -_conj_scalar(self.alpha)), grad


class RsubBackward1(Node):
    def forward(self, a, other, alpha=1):
        self.alpha = alpha
        return other - a if alpha == 1 else other - a * _typed(alpha, a)

    def backward(self, grad):
        return -grad if self.alpha == 1 else grad * -_conj_scalar(self.alpha)


def _operands(node):
    """A binary node's saved operands, a Python number standing in for a scalar operand
    (None for a tensor operand left unsaved because no gradient reads it)."""
    a, b = node.saved()
    if a is None:
        a = _scalar_operand(node.a)
    if b is None:
        b = _scalar_operand(node.b)
    return a, b


def _scalar_operand(x):
    if x.__class__ is ndarray:
        return x.item() if x.ndim == 0 else None
    return x


def _conj(x):
    return x.conj() if isinstance(x, engine.Tensor) else _conj_scalar(x)


class MulBackward0(Node):
    saves = (0, 1)
    save_if = ((1,), (0,))  # each operand is read only by the other's gradient

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, grad):
        a, b = _operands(self)
        return (grad * _conj(b) if self.needs(0) else None,
                grad * _conj(a) if self.needs(1) else None)


class DivBackward0(Node):
    saves = (0, 1)
    save_if = ((1,), None)  # the dividend is read only by the divisor's gradient

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, grad):
        a, b = _operands(self)
        return (grad / _conj(b) if self.needs(0) else None,
                -grad * _conj((a / b) / b) if self.needs(1) else None)


def _floor_divide_arrays(a, b):
    return xp.floor_divide(a, b)


def _trunc_divide_arrays(a, b):
    if a.dtype.kind in "fV" if a.__class__ is ndarray else b.dtype.kind in "fV":
        return xp.trunc(a / b)
    q = xp.floor_divide(a, b)
    # floor and trunc differ where the exact quotient is negative and not whole
    return q + ((q < 0) & (q * b != a))


class DivBackward2(Node):
    """Division with an explicit rounding_mode: zero gradient when rounding (as torch's),
    true division's gradient for rounding_mode=None."""
    saves = (0, 1)
    save_if = DivBackward0.save_if

    def forward(self, a, b, mode):
        self.mode = mode
        if mode is None:
            self.a, self.b = a, b
            return a / b
        return (_trunc_divide_arrays if mode == "trunc" else _floor_divide_arrays)(a, b)

    def backward(self, grad):
        if self.mode is None:
            return DivBackward0.backward(self, grad)
        self.saved()  # unused, but version-checked as torch's (which keeps them) does
        z = grad * 0
        return z, (z if self.needs(1) else None)


def _conj_scalar(s):
    return s.conjugate() if isinstance(s, builtins.complex) else s


@export(method_names=("__add__", "__radd__"))
def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, broadcasting, with torch's type promotion."""
    if alpha == 1 and alpha.__class__ is int:
        r = _binary(AddBackward0, input, other)
        return r if out is None else _out(r, out)
    ta, tb, xa, xb, dt = _prep(input, other)
    _check_alpha(alpha, dt)
    return _out(_run(AddBackward0, (ta, tb), (xa, xb), (alpha,)), out)


def _is_bool(x):
    return x.__class__ is bool or (isinstance(x, engine.Tensor) and x.dtype is _dt.bool)


def _check_bool_sub(a, b):
    ba, bb = _is_bool(a), _is_bool(b)
    if ba and bb:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if ba or bb:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


@export(method_names=("__sub__",), names=("subtract",))
def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other, broadcasting, with torch's type promotion."""
    _check_bool_sub(input, other)
    if alpha == 1 and alpha.__class__ is int:
        return _out(_binary(SubBackward0, input, other), out)
    ta, tb, xa, xb, dt = _prep(input, other)
    _check_alpha(alpha, dt)
    return _out(_run(SubBackward0, (ta, tb), (xa, xb), (alpha,)), out)


@export(method=False)
def rsub(input, other, *, alpha=1):
    """other - alpha * input (subtraction with the operands swapped)."""
    if not isinstance(input, engine.Tensor):
        raise TypeError(f"rsub() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(other).__name__})")
    _check_bool_sub(input, other)
    ta, tb, xa, xb, dt = _prep(input, other)
    if not (alpha == 1 and alpha.__class__ is int):
        _check_alpha(alpha, dt)
    if tb is not None:
        return _run(RsubBackward0, (ta, tb), (xa, xb), (alpha,))
    return _run(RsubBackward1, (ta,), (xa,), (xb, alpha))


def __rsub__(self, other):
    return rsub(self, other)


@export(method_names=("__mul__", "__rmul__"), names=("multiply",))
def mul(input, other, *, out=None):
    """input * other, elementwise with broadcasting."""
    r = _binary(MulBackward0, input, other)
    return r if out is None else _out(r, out)


_NO_MODE = "no rounding_mode"


@export(method_names=("__truediv__",), names=("divide",))
def div(input, other, *, rounding_mode=_NO_MODE, out=None):
    """input / other; rounding_mode None (true division), 'trunc' or 'floor'."""
    if rounding_mode is _NO_MODE:
        return _out(_binary_float(DivBackward0, input, other), out)
    if rounding_mode is None:  # torch records the explicit form as DivBackward2
        return _out(_binary_float(DivBackward2, input, other, None), out)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                         f"but found '{rounding_mode}'")
    ta, tb, xa, xb, dt = _prep(input, other)
    _check_integer_division(f"div_{rounding_mode}_cpu", dt, xb)
    return _out(_run(DivBackward2, (ta, tb), (xa, xb), (rounding_mode,)), out)


def _check_integer_division(kernel, dt, divisor):
    if dt.category == _BOOL or dt.category == _COMPLEX:
        _no_kernel(kernel, dt)
    if dt.category == _INT and ((divisor == 0).any() if divisor.__class__ is ndarray
                                else divisor == 0):
        raise RuntimeError("ZeroDivisionError")


@export
def true_divide(input, other, *, out=None):
    """Same as div without rounding_mode."""
    return div(input, other, out=out)


class _NotImplementedNode(Node):
    """torch records ops without a derivative as a `NotImplemented` node that raises when
    backward reaches it."""

    def forward(self, *xs):
        *arrays, fn, name = xs
        self.op_name = name
        return fn(*arrays)

    def backward(self, *grads):
        raise RuntimeError(f"derivative for aten::{self.op_name} is not implemented")


_NotImplementedNode.__name__ = _NotImplementedNode.__qualname__ = "NotImplemented"


def _not_differentiable(fn, name, ta, tb, xa, xb):
    """Run binary `fn` recorded (for tensors that require grad) as a NotImplemented node
    with one edge per tensor operand."""
    if ta is None:
        return _run(_NotImplementedNode, (tb,), (xb,), (lambda b: fn(xa, b), name))
    if tb is None:
        return _run(_NotImplementedNode, (ta,), (xa,), (lambda a: fn(a, xb), name))
    return _run(_NotImplementedNode, (ta, tb), (xa, xb), (fn, name))


@export(method_names=("__floordiv__",))
def floor_divide(input, other, *, out=None):
    """Elementwise floor(input / other), torch's Python `//` (not differentiable)."""
    ta, tb, xa, xb, dt = _prep(input, other)
    _check_integer_division("div_floor_cpu", dt, xb)
    return _out(_not_differentiable(_floor_divide_arrays, "floor_divide", ta, tb, xa, xb), out)


def __rfloordiv__(self, other):
    return floor_divide(other, self)


class RemainderBackward0(Node):
    """Remainder by a number: the gradient passes through."""

    def forward(self, a, b):
        return xp.remainder(a, b)

    def backward(self, grad):
        return grad


class RemainderBackward1(Node):
    saves = (0, 1)
    save_if = ((1,), (1,))  # only other's gradient reads them

    def forward(self, a, b):
        return xp.remainder(a, b)

    def backward(self, grad):
        a, b = self.saved()
        gb = -grad * div(a, b, rounding_mode="floor") if self.needs(1) else None
        return grad, gb


class FmodBackward0(Node):
    def forward(self, a, b):
        return xp.fmod(a, b)

    def backward(self, grad):
        return grad


class FmodBackward1(Node):
    saves = (0, 1)
    save_if = ((1,), (1,))  # only other's gradient reads them

    def forward(self, a, b):
        return xp.fmod(a, b)

    def backward(self, grad):
        a, b = self.saved()
        return grad, (-grad * div(a, b, rounding_mode="trunc")) if self.needs(1) else None


@export(method_names=("__mod__",))
def remainder(input, other, *, out=None):
    """Python-style modulus: the result has the sign of the divisor."""
    ta, tb, xa, xb, dt = _prep(input, other)
    _check_integer_division("remainder_cpu", dt, xb)
    if ta is None:  # a number divided by a tensor: torch has no derivative for it
        return _out(_not_differentiable(xp.remainder, "remainder", ta, tb, xa, xb), out)
    if tb is None:
        return _out(_run(RemainderBackward0, (ta,), (xa, xb)), out)
    return _out(_run(RemainderBackward1, (ta, tb), (xa, xb)), out)


def __rmod__(self, other):
    return remainder(other, self)


@export
def fmod(input, other, *, out=None):
    """C-style modulus: the result has the sign of the dividend."""
    if not isinstance(input, engine.Tensor):
        raise TypeError(f"fmod() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(other).__name__})")
    ta, tb, xa, xb, dt = _prep(input, other)
    _check_integer_division("fmod_cpu", dt, xb)
    if tb is None:
        return _out(_run(FmodBackward0, (ta,), (xa, xb)), out)
    return _out(_run(FmodBackward1, (ta, tb), (xa, xb)), out)


# exponents torch computes with dedicated kernels (their results differ from pow's in the
# sign of zeros and infinities: (-0.0) ** -0.5 is 1 / sqrt(-0.0) = -inf)
_POW_SPECIAL = {0.5: xp.sqrt, -0.5: lambda a: 1 / xp.sqrt(a), 2: lambda a: a * a,
                3: lambda a: a * a * a, -1: lambda a: 1 / a, -2: lambda a: 1 / (a * a)}


class PowBackward0(Node):
    """Tensor to a scalar power."""
    saves = (0,)

    def forward(self, a, exponent):
        self.exponent = exponent
        special = _POW_SPECIAL.get(exponent) if exponent.__class__ is not ndarray else None
        if special is not None and a.dtype.kind in "fc":
            return special(a)
        if exponent == 2:
            return a * a
        return _float_power_arrays(a, _typed(exponent, a))

    def backward(self, grad):
        a, = self.saved()
        e = self.exponent
        if e == 0:
            return grad * 0
        if e == 2:
            return grad * (a * 2).conj()
        return grad * (a.pow(e - 1) * e).conj()


def _float_power_arrays(a, b):
    """a ** b for floating operands. torch's float32 pow (SLEEF's, within 1 ulp) agrees with
    the correctly rounded power far more often than NumPy's float32 power does (98% of
    elements against 80%), so float32 is computed in float64 and rounded once (a number
    operand first rounded to float32, as torch casts it to the tensor's dtype)."""
    if (a.dtype if a.__class__ is ndarray else b.dtype) == xp.float32:
        a = a.astype(xp.float64) if a.__class__ is ndarray else xp.float64(xp.float32(a))
        b = b.astype(xp.float64) if b.__class__ is ndarray else xp.float64(xp.float32(b))
        return xp.power(a, b).astype(xp.float32)
    return xp.power(a, b)


def _power(a, b):
    """a ** b; integer powers with negative exponents follow C (0 unless |a| is 1), as torch."""
    if a.dtype.kind not in "iu" if a.__class__ is ndarray else b.dtype.kind not in "iu":
        return _float_power_arrays(a, b)
    neg = b < 0
    if not (neg.any() if neg.__class__ is ndarray else neg):
        return xp.power(a, b)
    r = xp.asarray(xp.power(a, xp.where(neg, 0, b)))
    inv = xp.asarray(a == 1).astype(r.dtype)
    if r.dtype.kind == "i":
        inv = xp.where(a == -1, xp.where(b % 2 == 0, 1, -1), inv)
    return xp.where(neg, inv, r).astype(r.dtype, copy=False)


class PowBackward1(Node):
    """Tensor to a tensor power."""
    saves = (0, 1)
    saves_result = True

    def forward(self, a, b):
        return _power(a, b)

    def backward(self, grad):
        a, b, result = self.saved()
        ga = gb = None
        if self.needs(0):
            ga = where(b == 0, 0.0, grad * (b * a.pow(b - 1)).conj())
        if self.needs(1):
            cond = (a == 0) & ((b.real if b.is_complex() else b) >= 0)
            gb = grad * where(cond, 0.0, (result * a.log()).conj())
        return ga, gb


class PowBackward2(Node):
    """A scalar base to a tensor power."""
    saves = (0,)
    saves_result = True

    def forward(self, exponent, base):
        self.base = base
        return _power(base, exponent)

    def backward(self, grad):
        exponent, result = self.saved()
        base = self.base
        base = base.item() if base.__class__ is ndarray else base
        if base == 0:
            log_base = -math.inf
        elif isinstance(base, builtins.complex) or result.is_complex():
            log_base = cmath.log(base)
        else:
            log_base = math.log(base) if base > 0 else math.nan
        g = grad * (result * log_base).conj()
        if base == 0:
            g = where((exponent.real if exponent.is_complex() else exponent) >= 0, 0.0, g)
        return g


def _int_pow_check(dt, exponent):
    # an integer tensor to a negative number is refused (to a tensor of them it follows C)
    if dt.category == _INT and exponent.__class__ in _SCALAR_TYPES and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")


@export(method_names=("__pow__",))
def pow(input, exponent, *, out=None):
    """input ** exponent, where either may be a tensor (the other may be a Python number)."""
    ta, tb, xa, xb, dt = _prep(input, exponent)
    if dt is _dt.bool:
        if tb is not None:
            _no_kernel("pow", dt)
        # a bool tensor to a bool power: x ** True is x, x ** False is all True
        return _out(make(xa.copy() if xb else xp.ones_like(xa), dt), out)
    if ta is None:
        return _out(_run(PowBackward2, (tb,), (xb,), (xa,)), out)
    _int_pow_check(dt, exponent)
    if tb is not None:
        return _out(_run(PowBackward1, (ta, tb), (xa, xb)), out)
    return _out(_run(PowBackward0, (ta,), (xa,), (xb,)), out)


def __rpow__(self, other):
    return pow(other, self)


def _float_power_dtype(input, exponent):
    cplx = any((x.dtype if isinstance(x, engine.Tensor) else _dt.scalar_dtype(x)).is_complex
               for x in (input, exponent))
    return _dt.complex128 if cplx else _dt.float64


@export
def float_power(input, exponent, *, out=None):
    """input ** exponent computed in double precision (complex128 for complex inputs)."""
    target = _float_power_dtype(input, exponent)
    if isinstance(input, engine.Tensor):
        input = input.to(target)
    if isinstance(exponent, engine.Tensor):
        exponent = exponent.to(target)
    return pow(input, exponent, out=out)


@export(function=False)
def float_power_(self, exponent):
    """In-place float_power: self must already be float64 (complex128 for complex)."""
    target = _float_power_dtype(self, exponent)
    if self.dtype is not target:
        raise RuntimeError(f"the base given to float_power_ has dtype "
                           f"{_scalar_type_name(self.dtype)} but the operation's result "
                           f"requires dtype {_scalar_type_name(target)}")
    check_inplace(self)
    return inplace_from(self, float_power(self, exponent))


@export
def square(input, *, out=None):
    """input ** 2 (recorded as PowBackward0, as torch does)."""
    if input.dtype is _dt.bool:
        input = input.to(_dt.int64)
    return pow(input, 2, out=out)


class AddcmulBackward0(Node):
    saves = (1, 2)
    save_if = ((2,), (1,))  # each factor is read only by the other's gradient

    def forward(self, s, t1, t2, value):
        self.value = value
        return s + _typed(value, s) * t1 * t2

    def backward(self, grad):
        t1, t2 = self.saved()
        v = _conj_scalar(self.value)
        return (grad, (grad * (t2 * v).conj()) if self.needs(1) else None,
                (grad * (t1 * v).conj()) if self.needs(2) else None)


class AddcdivBackward0(Node):
    saves = (1, 2)
    save_if = ((2,), None)  # tensor1 is read only by tensor2's gradient

    def forward(self, s, t1, t2, value):
        self.value = value
        return s + _typed(value, s) * t1 / t2

    def backward(self, grad):
        t1, t2 = self.saved()
        v = _conj_scalar(self.value)
        return (grad, (grad * (v / t2).conj()) if self.needs(1) else None,
                (-grad * (v * t1 / (t2 * t2)).conj()) if self.needs(2) else None)


def _ternary_arrays(*ts):
    dt = _dt.result_type_of([t.dtype for t in ts if t._data.ndim],
                            [t.dtype for t in ts if not t._data.ndim], [])
    return dt, tuple(_cast(t._data, dt) for t in ts)


def _check_value(value, dt):
    if dt.category < _FLOAT and isinstance(value, (float, builtins.complex)) or \
            dt.category == _FLOAT and isinstance(value, builtins.complex):
        raise RuntimeError(f"value cannot be converted to type "
                           f"{'float' if dt.category == _FLOAT else 'int64_t'} without overflow")


@export
def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2."""
    dt, arrays = _ternary_arrays(input, tensor1, tensor2)
    if dt.category < _FLOAT and isinstance(value, float):
        value = int(value)  # torch truncates a float value for integer tensors
    else:
        _check_value(value, dt)
    return _out(_run(AddcmulBackward0, (input, tensor1, tensor2), arrays, (value,)), out)


@export
def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2 (true division)."""
    if tensor1.dtype.category < _FLOAT and tensor2.dtype.category < _FLOAT:
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a "
                           "future release addcdiv will perform a true division of tensor1 and "
                           "tensor2. The historic addcdiv behavior can be implemented as "
                           "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) "
                           "for integer inputs and as (input + value * tensor1 / tensor2) for "
                           "float inputs. The future addcdiv behavior is just the latter "
                           "implementation: (input + value * tensor1 / tensor2), for all dtypes.")
    dt, arrays = _ternary_arrays(input, tensor1, tensor2)
    _check_value(value, dt)
    return _out(_run(AddcdivBackward0, (input, tensor1, tensor2), arrays, (value,)), out)


# in-place arithmetic --------------------------------------------------------------------------

@export(function=False, method_names=("__iadd__",))
def add_(self, other, *, alpha=1):
    """In-place add: self += alpha * other."""
    if alpha != 1 or alpha.__class__ is not int:
        check_inplace(self)
        return inplace_from(self, add(self, other, alpha=alpha))
    return _inplace_binary(xp.add, add, self, other)


@export(function=False, method_names=("__isub__",), names=("subtract_",))
def sub_(self, other, *, alpha=1):
    """In-place subtract: self -= alpha * other."""
    _check_bool_sub(self, other)
    if alpha != 1 or alpha.__class__ is not int:
        check_inplace(self)
        return inplace_from(self, sub(self, other, alpha=alpha))
    return _inplace_binary(xp.subtract, sub, self, other)


@export(function=False, method_names=("__imul__",), names=("multiply_",))
def mul_(self, other):
    """In-place multiply."""
    return _inplace_binary(xp.multiply, mul, self, other)


@export(function=False, method_names=("__itruediv__",), names=("divide_", "true_divide_"))
def div_(self, other, *, rounding_mode=_NO_MODE):
    """In-place divide (the result must fit self's dtype)."""
    check_inplace(self)
    if rounding_mode is _NO_MODE and self.dtype.category >= _FLOAT and \
            not _recording(self, other):
        return _inplace_binary(xp.true_divide, div, self, other)
    return inplace_from(self, div(self, other, rounding_mode=rounding_mode))


floor_divide_ = export(_inplace(floor_divide), function=False, method_names=("__ifloordiv__",))
remainder_ = export(_inplace(remainder), function=False, method_names=("__imod__",))
fmod_ = export(_inplace(fmod), function=False)
pow_ = export(_inplace(pow), function=False, method_names=("__ipow__",))
square_ = export(_inplace(square))
addcmul_ = export(_inplace(addcmul), function=False)
addcdiv_ = export(_inplace(addcdiv), function=False)


# --- unary math: one declaration per op --------------------------------------------------------

_UNARY_DOC = "Elementwise {name} of the input, as torch.{name}."
# torch has no function form for these in-place methods
_METHOD_ONLY_INPLACE = {"sgn", "sign", "absolute", "erfinv"}


def _unary(name, node_name, fwd, bwd, *, floating=True, complex_ok=True, saves_input=False,
           saves_result=False, ints="ok", bool_error=None, inplace=True, doc=None,
           kernel=None):
    """Declare a unary elementwise op: node class `node_name` (forward `fwd` on arrays,
    backward `bwd(node, grad, x, result)` in ember ops), the function, the method and the
    in-place method. `floating` ops compute integer inputs in the default float dtype; other
    ops keep the dtype, `ints` saying what integer inputs do ('ok', 'copy' for rounding ops
    that leave integers unchanged, 'error'); `bool_error` is torch's error for bool input."""
    attrs = {"forward": lambda self, a: fwd(a), "saves": (0,) if saves_input else (),
             "saves_result": saves_result, "__module__": __name__}
    if bwd is not None:
        def backward(self, grad):
            saved = self.saved()
            x = saved[0] if saves_input else None
            r = saved[-1] if saves_result else None
            return bwd(self, grad, x, r)
        attrs["backward"] = backward
    node = type(node_name, (Node,), attrs)
    kernel = kernel or f"{name}_cpu"

    def op(input, *, out=None):
        dt = input.dtype
        cat = dt.category
        data = input._data
        if cat < _FLOAT:
            if floating:
                data = data.astype(_dt.get_default_dtype().np)
            elif cat == _BOOL and bool_error is not None:
                raise bool_error[0](bool_error[1].format(kernel=kernel))
            elif ints == "error" or (ints == "copy" and cat == _BOOL):
                _no_kernel(kernel, dt)
            elif ints == "copy":
                return _out(make(data.copy(), dt), out)
        elif cat == _COMPLEX and complex_ok is not True:
            if complex_ok:
                raise complex_ok[0](complex_ok[1])
            _no_kernel(kernel, dt)
        return _out(execute(node, (input,), (data,)), out)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc or _UNARY_DOC.format(name=name)
    export(op)
    globals()[name] = op
    globals()[node_name] = node
    if inplace:
        op_ = _inplace(op) if inplace is True else _inplace_no_grad(op, fwd, inplace)
        export(op_, function=name not in _METHOD_ONLY_INPLACE)
        globals()[name + "_"] = op_
    return op


class _NoInplaceDerivative(Node):
    def forward(self, a, fwd, name):
        self.op_name = name
        return fwd(a)

    def backward(self, grad):
        raise NotImplementedError(f"the derivative for 'inplace version of {self.op_name}' is "
                                  "not implemented.")

    @property
    def fw_op_name(self):  # the name forward AD's error gives (torch's: e.g. 'asinh_')
        return self.op_name + "_"


def _inplace_no_grad(op, fwd, node_name):
    """In-place form of `op` for which torch has no derivative: recorded as `node_name`,
    whose backward raises NotImplementedError."""
    cls = type(node_name, (_NoInplaceDerivative,), {"__module__": __name__})
    globals()[node_name] = cls

    def op_(self):
        check_inplace(self)
        if not (GRAD.enabled and self._requires_grad) and GRAD.fw is None:
            return inplace_from(self, op(self))
        return inplace_from(self, execute(cls, (self,), (self._data,), (fwd, op.__name__)))
    op_.__name__ = op_.__qualname__ = op.__name__ + "_"
    op_.__doc__ = f"In-place {op.__name__} (not differentiable, as in torch)."
    return op_


def _zero_grad(node, g, x, r):
    return g * 0


_BOOL_NOT_IMPLEMENTED = (NotImplementedError, '"{kernel}" not implemented for \'Bool\'')
_NEG_BOOL = (RuntimeError, "Negation, the `-` operator, on a bool tensor is not supported. If "
             "you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
_SIGN_COMPLEX = "Unlike NumPy, torch.sign is not intended to support complex numbers. Please " \
    "use torch.sgn instead."

_unary("neg", "NegBackward0", xp.negative, lambda n, g, x, r: -g, floating=False,
       bool_error=_NEG_BOOL, doc="Elementwise -input.")
_unary("abs", "AbsBackward0", xp.absolute, lambda n, g, x, r: g * x.sgn(), floating=False,
       saves_input=True, bool_error=_BOOL_NOT_IMPLEMENTED,
       doc="Elementwise absolute value |input|.")
_unary("sign", "SignBackward0", lambda a: _sign(a),
       _zero_grad, floating=False, complex_ok=(NotImplementedError, _SIGN_COMPLEX),
       doc="Elementwise sign (-1, 0 or 1) of a real tensor.")
_unary("sgn", "SgnBackward0", lambda a: _sgn(a), lambda n, g, x, r: _sgn_backward(g, x, r),
       floating=False, saves_input=True, saves_result=True,
       doc="Elementwise sign: input / |input| for complex numbers (0 at 0), sign() for reals.")
_unary("reciprocal", "ReciprocalBackward0", lambda a: xp.reciprocal(a),
       lambda n, g, x, r: -g * (r * r).conj(), saves_result=True, doc="Elementwise 1 / input.")
_unary("sqrt", "SqrtBackward0", xp.sqrt, lambda n, g, x, r: g / (r.conj() * 2),
       saves_result=True, doc="Elementwise square root (NaN below 0 for real inputs).")
_unary("rsqrt", "RsqrtBackward0", lambda a: _rsqrt(a),
       lambda n, g, x, r: g * (r.pow(3) * -0.5).conj(), saves_result=True,
       doc="Elementwise 1 / sqrt(input).")
_unary("exp", "ExpBackward0", xp.exp, lambda n, g, x, r: g * r.conj(), saves_result=True,
       doc="Elementwise e ** input.")
_unary("exp2", "Exp2Backward0", xp.exp2,
       lambda n, g, x, r: g * (r * math.log(2)).conj(), saves_result=True,
       doc="Elementwise 2 ** input.")
_unary("expm1", "Expm1Backward0", xp.expm1, lambda n, g, x, r: g * (r + 1).conj(),
       saves_result=True, doc="Elementwise exp(input) - 1, accurate near 0.")
_unary("log", "LogBackward0", xp.log, lambda n, g, x, r: g / x.conj(), saves_input=True,
       doc="Elementwise natural logarithm (NaN below 0, -inf at 0 for real inputs).")
_unary("log1p", "Log1PBackward0", xp.log1p, lambda n, g, x, r: g / (x + 1).conj(),
       saves_input=True, doc="Elementwise log(1 + input), accurate near 0.")
_unary("log2", "Log2Backward0", xp.log2, lambda n, g, x, r: g / (x * math.log(2)).conj(),
       saves_input=True, doc="Elementwise base-2 logarithm.")
_unary("log10", "Log10Backward0", xp.log10, lambda n, g, x, r: g / (x * math.log(10)).conj(),
       saves_input=True, doc="Elementwise base-10 logarithm.")
_unary("sin", "SinBackward0", xp.sin, lambda n, g, x, r: g * x.cos().conj(), saves_input=True)
_unary("cos", "CosBackward0", xp.cos, lambda n, g, x, r: g * -x.sin().conj(), saves_input=True)
_unary("tan", "TanBackward0", xp.tan, lambda n, g, x, r: g * (r * r + 1).conj(),
       saves_result=True)
_unary("asin", "AsinBackward0", xp.arcsin,
       lambda n, g, x, r: g * (-(x * x) + 1).rsqrt().conj(), saves_input=True,
       doc="Elementwise arcsine (NaN outside [-1, 1] for real inputs).")
_unary("acos", "AcosBackward0", xp.arccos,
       lambda n, g, x, r: g * -(-(x * x) + 1).rsqrt().conj(), saves_input=True,
       doc="Elementwise arccosine (NaN outside [-1, 1] for real inputs).")
_unary("atan", "AtanBackward0", xp.arctan, lambda n, g, x, r: g / (x * x + 1).conj(),
       saves_input=True, doc="Elementwise arctangent.")
_unary("sinh", "SinhBackward0", xp.sinh, lambda n, g, x, r: g * x.cosh().conj(),
       saves_input=True)
_unary("cosh", "CoshBackward0", xp.cosh, lambda n, g, x, r: g * x.sinh().conj(),
       saves_input=True)
_unary("tanh", "TanhBackward0", xp.tanh, lambda n, g, x, r: g * (-(r * r) + 1).conj(),
       saves_result=True)
_unary("asinh", "AsinhBackward0", xp.arcsinh, lambda n, g, x, r: g * (x * x + 1).rsqrt().conj(),
       saves_input=True, inplace="AsinhBackward1", doc="Elementwise inverse hyperbolic sine.")
_unary("acosh", "AcoshBackward0", xp.arccosh,
       lambda n, g, x, r: g * ((x * x) - 1).rsqrt().conj(), saves_input=True,
       inplace="AcoshBackward1",
       doc="Elementwise inverse hyperbolic cosine (NaN below 1 for real inputs).")
_unary("atanh", "AtanhBackward0", xp.arctanh, lambda n, g, x, r: g / (-(x * x) + 1).conj(),
       saves_input=True, inplace="AtanhBackward1",
       doc="Elementwise inverse hyperbolic tangent (NaN outside [-1, 1]).")
_unary("sigmoid", "SigmoidBackward0", lambda a: _sigmoid(a),
       lambda n, g, x, r: g * (r * (-r + 1)).conj(), saves_result=True,
       doc="Elementwise logistic sigmoid 1 / (1 + exp(-input)).")
_unary("erf", "ErfBackward0", lambda a: _erf(a),
       lambda n, g, x, r: g * (-(x * x)).exp() * (2 / _SQRT_PI), saves_input=True,
       complex_ok=False, doc="Elementwise Gauss error function.")
_unary("erfc", "ErfcBackward0", lambda a: _erfc(a),
       lambda n, g, x, r: g * (-(x * x)).exp() * (-2 / _SQRT_PI), saves_input=True,
       complex_ok=False, doc="Elementwise complementary error function 1 - erf(input).")
_unary("erfinv", "ErfinvBackward0", lambda a: _erfinv(a),
       lambda n, g, x, r: g * (r * r).exp() * (_SQRT_PI / 2), saves_result=True,
       complex_ok=False, doc="Elementwise inverse error function (inf at +-1, NaN outside).")
_unary("floor", "FloorBackward0", xp.floor, _zero_grad, floating=False, complex_ok=False,
       ints="copy", kernel="floor_vml_cpu", doc="Elementwise largest integer <= input.")
_unary("ceil", "CeilBackward0", xp.ceil, _zero_grad, floating=False, complex_ok=False,
       ints="copy", kernel="ceil_vml_cpu", doc="Elementwise smallest integer >= input.")
_unary("trunc", "TruncBackward0", xp.trunc, _zero_grad, floating=False, complex_ok=False,
       ints="copy", kernel="trunc_vml_cpu", doc="Elementwise rounding toward zero.")
_unary("frac", "FracBackward0", lambda a: a - xp.trunc(a), lambda n, g, x, r: g,
       floating=False, complex_ok=False, ints="error",
       doc="Elementwise fractional part input - trunc(input), keeping the sign.")
_unary("relu", "ReluBackward0", lambda a: xp.maximum(a, _typed(0, a)),
       lambda n, g, x, r: where(r <= 0, 0.0, g), floating=False, complex_ok=False,
       saves_result=True, kernel="clamp_min_cpu",
       bool_error=(RuntimeError, "Boolean inputs not supported for relu"),
       doc="Elementwise max(input, 0).")
_unary("deg2rad", "Deg2RadBackward0", lambda a: a * _typed(math.pi / 180, a),
       lambda n, g, x, r: g * (math.pi / 180),
       complex_ok=(RuntimeError, "deg2rad is not supported for complex tensors."),
       doc="Converts angles from degrees to radians.")
_unary("rad2deg", "Rad2DegBackward0", lambda a: a * _typed(180 / math.pi, a),
       lambda n, g, x, r: g * (180 / math.pi),
       complex_ok=(RuntimeError, "rad2deg is not supported for complex tensors."),
       doc="Converts angles from radians to degrees.")

for _alias, _target in (("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"),
                        ("arcsinh", "asinh"), ("arccosh", "acosh"), ("arctanh", "atanh"),
                        ("fix", "trunc"), ("negative", "neg"), ("absolute", "abs")):
    def _make_alias(target, alias):
        f = globals()[target]

        def op(input, *, out=None):
            return f(input, out=out)
        op.__name__ = op.__qualname__ = alias
        op.__doc__ = f"Alias of :func:`{target}`."
        export(op, method_names=("__neg__",) if alias == "negative" else
               ("__abs__",) if alias == "absolute" else ())
        globals()[alias] = op
        target_ = globals()[target + "_"]

        def op_(self):
            return target_(self)
        op_.__name__ = op_.__qualname__ = alias + "_"
        op_.__doc__ = f"Alias of :meth:`{target}_`."
        export(op_, function=alias not in _METHOD_ONLY_INPLACE)
        globals()[alias + "_"] = op_
    _make_alias(_target, _alias)


def _half_via_float32(fn, a):
    """Run fn in float32 for half inputs (the series below are written for float32/64)."""
    if a.dtype.kind == "V" or a.dtype == xp.float16:
        return fn(a.astype(xp.float32)).astype(a.dtype)
    return fn(a)


def _rsqrt(a):
    with xp.errstate(divide="ignore", invalid="ignore"):
        return 1 / xp.sqrt(a) if a.dtype.kind != "V" else \
            (1 / xp.sqrt(a.astype(xp.float32))).astype(a.dtype)


def _sgn(a):
    if a.dtype.kind == "c":
        mag = xp.absolute(a)
        with xp.errstate(invalid="ignore", divide="ignore"):
            return xp.where(mag == 0, 0, a / xp.where(mag == 0, 1, mag)).astype(a.dtype)
    return _sign(a)


def _sign(a):
    if a.dtype.kind == "b":
        return a.copy()
    s = xp.sign(a)
    return xp.where(s != s, _typed(0, a), s) if a.dtype.kind in "fV" else s  # NaN -> 0


def _sgn_backward(g, x, r):
    if not x.is_complex():
        return g * 0
    a = x.abs()
    out = (g - (g * r.conj()).real * r) / where(a == 0, 1.0, a)
    return where(a == 0, 0.0, out)


def _sigmoid(a):
    # 1 / (1 + exp(-a)), as torch's CPU kernel computes it (so it also underflows to 0 where
    # torch's does); exp overflowing to inf for very negative a gives exactly 0
    if a.dtype.itemsize == 2:  # half types: compute in float32 and round once, as torch
        return _sigmoid(a.astype(xp.float32)).astype(a.dtype)
    one = _typed(1, a)
    e = xp.exp(-a)
    if e.__class__ is not ndarray:
        return one / (one + e)
    e += one
    return xp.divide(one, e, out=e)


# --- error function: W. J. Cody's rational Chebyshev approximations ----------------------------
# erf(x) = x P(x^2) / Q(x^2) for |x| <= 0.46875; erfc(x) = exp(-x^2) P(x) / Q(x) up to 4; and
# erfc(x) = exp(-x^2) / x (1/sqrt(pi) + R(1/x^2) / x^2) beyond. Relative error about 1e-16.
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
          2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
          2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
          1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
          3.43936767414372164e03, 1.23033935480374942e03)
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
          1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_ERF_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
          6.05183413124413191e-2, 2.33520497626869185e-3)
_ERF_SMALL = 0.46875


def _horner(y, lead, num_c, den_c):
    """Numerator and denominator of Cody's rational forms, evaluated in place."""
    num = y * lead
    den = y.copy()
    for cn, cd in zip(num_c, den_c):
        num += cn
        num *= y
        den += cd
        den *= y
    return num, den


def _erf_pair(x):
    """(erf(x), erfc(x)) for a float64 array, each branch computed only where it applies."""
    y = xp.absolute(x)
    erf, erfc = xp.empty_like(x), xp.empty_like(x)
    small = y <= _ERF_SMALL
    xs = x[small]
    num, den = _horner(xs * xs, _ERF_A[4], _ERF_A[:3], _ERF_B[:3])
    v = xs * (num + _ERF_A[3]) / (den + _ERF_B[3])
    erf[small] = v
    erfc[small] = 1 - v
    big = ~small
    if big.any():
        yb = y[big]
        r = xp.empty_like(yb)
        mid = yb <= 4
        ym = yb[mid]
        num, den = _horner(ym, _ERF_C[8], _ERF_C[:7], _ERF_D[:7])
        r[mid] = (num + _ERF_C[7]) / (den + _ERF_D[7])
        far = ~mid
        if far.any():
            yf = yb[far]
            z = 1 / (yf * yf)
            num, den = _horner(z, _ERF_P[5], _ERF_P[:4], _ERF_Q[:4])
            r[far] = (1 / _SQRT_PI - z * (num + _ERF_P[4]) / (den + _ERF_Q[4])) / yf
        # exp(-y^2) as exp(-s^2) exp(-(y - s)(y + s)) with s = y rounded down to 1/16: s^2 is
        # exact, which keeps erfc's relative accuracy for large y
        s = xp.trunc(yb * 16) / 16
        r *= xp.exp(-s * s) * xp.exp(-(yb - s) * (yb + s))
        r[yb >= 27] = 0.0  # erfc underflows (and inf - inf would give NaN)
        xb = x[big]
        erf[big] = xp.copysign(0.5 - r + 0.5, xb)
        erfc[big] = xp.where(xb < 0, 2 - r, r)
    nan = y != y
    erf[nan] = erfc[nan] = xp.nan
    return erf, erfc


def _erf(a):
    """Vectorised erf: float64 math, cast back to a's dtype."""
    with xp.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        r = _erf_pair(a.astype(xp.float64).reshape(-1))[0]
    return r.astype(a.dtype, copy=False).reshape(a.shape)


def _erfc(a):
    """Vectorised erfc = 1 - erf, without cancellation for large inputs."""
    with xp.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        r = _erf_pair(a.astype(xp.float64).reshape(-1))[1]
    return r.astype(a.dtype, copy=False).reshape(a.shape)


def _erfinv(a):
    x = a.astype(xp.float64).reshape(-1)
    with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # M. Giles' single-precision approximation as the starting point
        w = -xp.log((1.0 - x) * (1.0 + x))
        small = w < 5.0
        ws = w - 2.5
        p_s = 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
            p_s = c + p_s * ws
        wl = xp.sqrt(xp.where(small, 5.0, w)) - 3.0
        p_l = -0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                  -0.0076224613, 0.00943887047, 1.00167406, 2.83297682):
            p_l = c + p_l * wl
        y = xp.where(small, p_s, p_l) * x
        y = _erfinv_newton(x, y, 2)
        far = w > 16  # beyond float32's range the starting point is rougher: polish more
        if far.any():
            y[far] = _erfinv_newton(x[far], y[far], 3)
        ax = xp.absolute(x)
        y = xp.where(ax == 1, xp.copysign(xp.inf, x), y)
        y = xp.where((ax > 1) | xp.isnan(x), xp.nan, y)
    return y.astype(a.dtype, copy=False).reshape(a.shape)


def _erfinv_newton(x, y, steps):
    """Newton steps on erf(|y|) = |x|; in the tails on log(erfc(|y|)) = log(1 - |x|) instead
    (1 - |x| is exact there, and the log makes the equation nearly linear)."""
    ax = xp.absolute(x)
    tail = ax > 0.5
    q = xp.log(1 - ax)
    for _ in range(steps):
        ay = xp.absolute(y)
        e, c = _erf_pair(ay)
        slope = 2 / _SQRT_PI * xp.exp(-ay * ay)
        step = xp.where(tail, (q - xp.log(c)) * c / slope, (e - ax) / slope)
        y = xp.copysign(ay - step, x)
    return y


def _logit(a, eps):
    if eps is not None:
        a = xp.minimum(xp.maximum(a, eps), 1 - eps)
    with xp.errstate(divide="ignore", invalid="ignore"):
        return xp.log(a / (1 - a))


class LogitBackward0(Node):
    saves = (0,)

    def forward(self, a, eps):
        self.eps = eps
        return _half_via_float32(lambda x: _logit(x, eps), a)

    def backward(self, grad):
        x, = self.saved()
        eps = self.eps
        g = grad / (x * (-x + 1))
        if eps is None:
            return where((x < 0) | (x > 1), math.nan, g)
        return where((x < eps) | (x > 1 - eps), 0.0, g)


@export
def logit(input, eps=None, *, out=None):
    """Elementwise log(p / (1 - p)); with `eps`, p is first clamped to [eps, 1 - eps]."""
    data = input._data
    if input.dtype.category < _FLOAT:
        data = data.astype(_dt.get_default_dtype().np)
    elif input.dtype.category == _COMPLEX:
        _no_kernel("logit_cpu", input.dtype)
    return _out(execute(LogitBackward0, (input,), (data,), (eps,)), out)


logit_ = export(_inplace(logit))


class RoundBackward0(Node):
    def forward(self, a):
        return xp.round(a)

    def backward(self, grad):
        return grad * 0


class RoundBackward1(Node):
    def forward(self, a, decimals):
        # halves are scaled in float32 (10**decimals * a overflows float16 easily)
        return _half_via_float32(lambda x: xp.round(x, decimals), a)

    def backward(self, grad):
        return grad * 0


@export
def round(input, *, decimals=None, out=None):
    """Round half to even; `decimals` rounds to that many decimal places (negative: tens...)."""
    dt = input.dtype
    if dt.category != _FLOAT:
        if dt.category == _INT and not decimals:
            return _out(make(input._data.copy(), dt), out)
        _no_kernel("round_cpu", dt)
    if decimals is None:
        return _out(execute(RoundBackward0, (input,), (input._data,)), out)
    return _out(execute(RoundBackward1, (input,), (input._data,), (decimals,)), out)


round_ = export(_inplace(round))


@export(function=False)
def __pos__(self):
    return positive(self)


@export
def positive(input):
    """Returns input itself (torch refuses bool tensors)."""
    if input.dtype is _dt.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


# --- complex numbers ---------------------------------------------------------------------------

class ConjBackward0(Node):
    def forward(self, a):
        return xp.conj(a)

    def backward(self, grad):
        return grad.conj()


class ConjPhysicalBackward0(ConjBackward0):
    pass


def _flag(t, key, value):
    if t._meta is None:
        t._meta = {}
    t._meta[key] = value
    return t


@export
def conj(input):
    """Complex conjugate; the input itself for real dtypes. The result reports is_conj()."""
    if input.dtype.category != _COMPLEX:
        return input
    return _flag(execute(ConjBackward0, (input,), (input._data,)), "conj", not is_conj(input))


@export
def conj_physical(input, *, out=None):
    """Complex conjugate written out in memory; the input itself for real dtypes."""
    if input.dtype.category != _COMPLEX:
        return _out(input, out)
    return _out(execute(ConjPhysicalBackward0, (input,), (input._data,)), out)


conj_physical_ = export(_inplace(conj_physical))


@export
def resolve_conj(input):
    """input if its conjugate bit is unset, else a copy with the conjugation applied."""
    return clone(input) if is_conj(input) else input


@export
def resolve_neg(input):
    """input itself (ember never uses a lazy negation bit)."""
    return input


@export
def is_conj(input):
    """True if input is the result of conj() on a complex tensor (torch's conjugate bit)."""
    m = input._meta
    return bool(m and m.get("conj"))


class ViewAsRealBackward0(Node):
    def forward(self, a):
        return a[..., None].view(_real_np(a.dtype))

    def backward(self, grad):
        return view_as_complex(grad.contiguous())


class ViewAsComplexBackward0(Node):
    def forward(self, a):
        c = xp.complex128 if a.dtype == xp.float64 else xp.complex64
        return a.view(c).reshape(a.shape[:-1])

    def backward(self, grad):
        return view_as_real(grad)


def _real_np(d):
    return xp.float64 if d == xp.complex128 else xp.float32


def _complex_view_of(input, cls):
    from ember._ops.shape import _view
    return _view(cls, input)


@export(method=False)
def view_as_real(input):
    """A real view of a complex tensor with a trailing dimension of size 2 (real, imag)."""
    if input.dtype.category != _COMPLEX:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return _complex_view_of(input, ViewAsRealBackward0)


@export(method=False)
def view_as_complex(input):
    """A complex view of a float tensor whose last dimension has size 2."""
    if _ac.on and _ac.active():
        return _ac.fp32(view_as_complex, input)
    if input.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError(f"view_as_complex is only supported for float and double tensors, "
                           f"but got a tensor of scalar type: {_scalar_type_name(input.dtype)}")
    data = input._data
    if data.ndim == 0:
        raise RuntimeError("Input tensor must have one or more dimensions")
    if data.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if data.strides[-1] != data.itemsize:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % (2 * data.itemsize) for s in data.strides[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    return _complex_view_of(input, ViewAsComplexBackward0)


@export
def real(input):
    """The real part: a view into a complex tensor (the tensor itself for real dtypes)."""
    if input.dtype.category != _COMPLEX:
        return input
    return view_as_real(input).select(-1, 0)


@export
def imag(input):
    """The imaginary part of a complex tensor, as a view."""
    if input.dtype.category != _COMPLEX:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return view_as_real(input).select(-1, 1)


class AngleBackward0(Node):
    saves = (0,)

    def forward(self, a):
        if a.dtype.kind == "c":
            return xp.angle(a).astype(_real_np(a.dtype), copy=False)
        out = xp.where(a < 0, _typed(math.pi, a), _typed(0, a)).astype(a.dtype)
        return xp.where(xp.isnan(a), a, out)

    def backward(self, grad):
        x, = self.saved()
        if not x.is_complex():
            return grad * 0
        # d angle = (x dy - y dx) / |z|^2: as a complex gradient, grad * i z / |z|^2
        g = grad * x * 1j / (x.abs() * x.abs())
        return where(x == 0, 0.0, g)


@export
def angle(input, *, out=None):
    """Elementwise argument of complex numbers; pi for negative reals, 0 otherwise."""
    data = input._data if input.dtype.category >= _FLOAT else \
        input._data.astype(_dt.get_default_dtype().np)
    return _out(execute(AngleBackward0, (input,), (data,)), out)


class ComplexBackward0(Node):
    def forward(self, re, im):
        out = xp.empty(xp.broadcast_shapes(re.shape, im.shape),
                       xp.complex128 if re.dtype == xp.float64 else xp.complex64)
        out.real = re
        out.imag = im
        return out

    def backward(self, grad):
        return (grad.real if self.needs(0) else None), (grad.imag if self.needs(1) else None)


class PolarBackward0(Node):
    saves = (1,)
    saves_result = True

    def forward(self, r, theta):
        return ComplexBackward0.forward(self, r * xp.cos(theta), r * xp.sin(theta))

    def backward(self, grad):
        theta, result = self.saved()
        # d/dr = e^{i theta}, d/dtheta = i * result; real inputs take the real part
        g_r = (grad * complex(theta.cos(), -theta.sin())).real if self.needs(0) else None
        g_t = (grad * result.conj()).imag if self.needs(1) else None
        return g_r, g_t


def _complex_args(name, real, imag):
    _tensors_only(name, real, imag)
    if real.dtype is not imag.dtype:
        raise RuntimeError(f"Expected object of scalar type {_scalar_type_name(real.dtype)} but "
                           f"got scalar type {_scalar_type_name(imag.dtype)} for second "
                           f"argument")
    if real.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{_scalar_type_name(real.dtype)} and "
                           f"{_scalar_type_name(imag.dtype)}")


@export(method=False)
def complex(real, imag, *, out=None):
    """A complex tensor real + i * imag from two float tensors of the same dtype."""
    _complex_args("complex", real, imag)
    return _out(_run(ComplexBackward0, (real, imag), (real._data, imag._data)), out)


@export(method=False)
def polar(abs, angle, *, out=None):
    """A complex tensor abs * (cos(angle) + i sin(angle))."""
    if _ac.on and _ac.active():
        return _ac.fp32(polar, abs, angle, out=out)
    _complex_args("polar", abs, angle)
    return _out(_run(PolarBackward0, (abs, angle), (abs._data, angle._data)), out)


# --- comparisons and logic (never differentiable) ----------------------------------------------

def _compare(ufunc, name, dunder, aliases):
    def op(input, other, *, out=None):
        if not isinstance(input, engine.Tensor):
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"({type(input).__name__}, {type(other).__name__})")
        ta, tb, xa, xb, dt = _prep(input, other)
        if dt.category == _COMPLEX and name not in ("eq", "ne"):
            _no_kernel(f"{name}_cpu", dt)
        try:
            r = ufunc(xa, xb)
        except ValueError:
            broadcast_shapes(xa.shape, getattr(xb, "shape", ()))
            raise
        return _out(make(r, _dt.bool), out)

    def method(self, other):
        if other is None or not isinstance(other, (engine.Tensor, ndarray, xp.generic) +
                                           _SCALAR_TYPES):
            return NotImplemented
        return op(self, other)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise `{name}` comparison of input with a tensor or number, giving " \
        "a bool tensor."
    method.__name__ = dunder
    export(op, names=aliases)
    export(method, function=False, method_names=(dunder,))
    op_ = _inplace_logic(op)
    export(op_, function=False, names=tuple(a + "_" for a in aliases))
    return op, op_


def _inplace_logic(op):
    """In-place comparison or logic op: self takes the bool result converted to its dtype."""
    def op_(self, other):
        check_inplace(self)
        r = op(self, other)
        if r._data.shape != self._data.shape:
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the "
                               f"broadcast shape {list(r.shape)}")
        self._data[...] = r._data
        self._bump_version()
        return self
    op_.__name__ = op_.__qualname__ = op.__name__ + "_"
    op_.__doc__ = f"In-place {op.__name__}: self takes the result in its own dtype."
    return op_


eq, eq_ = _compare(xp.equal, "eq", "__eq__", ())
ne, ne_ = _compare(xp.not_equal, "ne", "__ne__", ("not_equal",))
lt, lt_ = _compare(xp.less, "lt", "__lt__", ("less",))
le, le_ = _compare(xp.less_equal, "le", "__le__", ("less_equal",))
gt, gt_ = _compare(xp.greater, "gt", "__gt__", ("greater",))
ge, ge_ = _compare(xp.greater_equal, "ge", "__ge__", ("greater_equal",))


def _logical(ufunc, name):
    def op(input, other, *, out=None):
        _tensors_only(name, input, other)
        a, b = input._data, other._data
        if a.dtype.kind == "V":
            a = a.astype(xp.float32)
        if b.dtype.kind == "V":
            b = b.astype(xp.float32)
        try:
            r = ufunc(a, b)
        except ValueError:
            broadcast_shapes(a.shape, b.shape)
            raise
        return _out(make(r, _dt.bool), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name[8:]} of the truth values (nonzero) of both inputs."
    export(op)
    export(_inplace_logic(op), function=False)
    return op


logical_and = _logical(xp.logical_and, "logical_and")
logical_or = _logical(xp.logical_or, "logical_or")
logical_xor = _logical(xp.logical_xor, "logical_xor")


@export
def logical_not(input, *, out=None):
    """Elementwise not of the truth value (nonzero) of input."""
    return _out(make(xp.logical_not(input._data), _dt.bool), out)


@export(function=False)
def logical_not_(self):
    """In-place logical_not: self takes 1/0 (True/False) in its own dtype."""
    check_inplace(self)
    self._data[...] = xp.logical_not(self._data)
    self._bump_version()
    return self


def _bitwise(ufunc, name, kernel, dunder):
    def op(input, other, *, out=None):
        ta, tb, xa, xb, dt = _prep(input, other)
        if dt.category > _INT or (dt is _dt.bool and "shift" in name):
            _no_kernel(kernel, dt)
        try:
            r = ufunc(xa, xb) if "shift" not in name else _shift(ufunc, xa, xb, dt)
        except ValueError:
            broadcast_shapes(getattr(xa, "shape", ()), getattr(xb, "shape", ()))
            raise
        return _out(make(_cast(xp.asarray(r), dt), dt), out)

    def reflected(self, other):
        return op(other, self)

    def op_(self, other):
        check_inplace(self)
        dt = _prep(self, other)[4]
        if dt is not self.dtype and not _dt.can_cast(dt, self.dtype):
            _cast_error(dt, self.dtype)
        return inplace_from(self, op(self, other))

    reflected.__name__ = reflected.__qualname__ = f"__r{dunder}__"
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise {name[8:].replace('_', ' ')} of integer or bool tensors."
    op_.__name__ = op_.__qualname__ = name + "_"
    op_.__doc__ = f"In-place {name}."
    export(op, method_names=(f"__{dunder}__",))
    export(reflected, function=False, method_names=(f"__r{dunder}__",))
    export(op_, function=False, method_names=(f"__i{dunder}__",))
    return op


def _shift(ufunc, a, b, dt):
    # a shift by a negative amount or by the width or more empties the value: 0 to the left,
    # the sign to the right (torch's rule; in C it is undefined)
    bits = dt.itemsize * 8
    b = xp.asarray(b)
    out_of_range = (b < 0) | (b >= bits)
    if ufunc is xp.left_shift:
        r = ufunc(a, xp.where(out_of_range, 0, b).astype(dt.np))
        return xp.where(out_of_range, _typed(0, r), r)
    return ufunc(a, xp.where(out_of_range, bits - 1, b).astype(dt.np))


bitwise_and = _bitwise(xp.bitwise_and, "bitwise_and", "bitwise_and_cpu", "and")
bitwise_or = _bitwise(xp.bitwise_or, "bitwise_or", "bitwise_or_cpu", "or")
bitwise_xor = _bitwise(xp.bitwise_xor, "bitwise_xor", "bitwise_xor_cpu", "xor")
bitwise_left_shift = _bitwise(xp.left_shift, "bitwise_left_shift", "lshift_cpu", "lshift")
bitwise_right_shift = _bitwise(xp.right_shift, "bitwise_right_shift", "rshift_cpu", "rshift")


@export
def bitwise_not(input, *, out=None):
    """Elementwise bitwise not (logical not for bool tensors)."""
    if input.dtype.category > _INT:
        _no_kernel("bitwise_not_cpu", input.dtype)
    return _out(make(xp.invert(input._data), input.dtype), out)


@export(function=False)
def __invert__(self):
    if self.dtype.category > _INT:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return bitwise_not(self)


bitwise_not_ = export(_inplace(bitwise_not), function=False)


# --- classification ----------------------------------------------------------------------------

def _classify(name, fn, doc, complex_error=None):
    def op(input):
        data = input._data
        if data.dtype.kind == "c" and complex_error:
            raise complex_error[0](complex_error[1])
        if data.dtype.kind == "V":
            data = data.astype(xp.float32)
        return make(fn(data), _dt.bool)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    export(op)
    return op


def _real_kind(fn, default):
    return lambda a: fn(a) if a.dtype.kind in "fc" else xp.full(a.shape, default)


isnan = _classify("isnan", _real_kind(xp.isnan, False), "Elementwise test for NaN.")
isinf = _classify("isinf", _real_kind(xp.isinf, False), "Elementwise test for +inf or -inf.")
isposinf = _classify("isposinf", _real_kind(xp.isposinf, False),
                     "Elementwise test for +inf.",
                     (RuntimeError, "isposinf does not support complex inputs."))
isneginf = _classify("isneginf", _real_kind(xp.isneginf, False),
                     "Elementwise test for -inf.",
                     (RuntimeError, "isneginf does not support complex inputs."))
isfinite = _classify("isfinite", _real_kind(xp.isfinite, True),
                     "Elementwise test for finite values (not NaN or +-inf).")
isreal = _classify("isreal", lambda a: a.imag == 0 if a.dtype.kind == "c" else
                   xp.ones(a.shape, bool),
                   "Elementwise test for a zero imaginary part (always true for real dtypes).")
signbit = _classify("signbit", lambda a: xp.signbit(a) if a.dtype.kind == "f" else
                    (a < 0) if a.dtype.kind == "i" else xp.zeros(a.shape, bool),
                    "Elementwise test for a set sign bit (true for -0.0 too).",
                    (NotImplementedError,
                     "\"signbit_cpu\" not implemented for 'ComplexFloat'"))


class NanToNumBackward0(Node):
    saves = (0,)

    def forward(self, a, nan, posinf, neginf):
        if a.dtype.kind == "c":
            return xp.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)
        info = _dt.finfo(_dt._BY_NP[a.dtype])
        out = xp.where(xp.isnan(a), _typed(nan, a), a)
        out = xp.where(xp.isposinf(a), _typed(info.max if posinf is None else posinf, a), out)
        out = xp.where(xp.isneginf(a), _typed(info.min if neginf is None else neginf, a), out)
        return out.astype(a.dtype, copy=False)

    def backward(self, grad):
        x, = self.saved()
        return grad * isfinite(x)


@export
def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace NaN, +inf and -inf with finite numbers (dtype max/min by default)."""
    if input.dtype.category < _FLOAT:
        return _out(make(input._data.copy(), input.dtype), out)
    return _out(execute(NanToNumBackward0, (input,), (input._data,), (nan, posinf, neginf)),
                out)


nan_to_num_ = export(_inplace(nan_to_num))


@export
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise |input - other| <= atol + rtol * |other| (equal values, infinities
    included, are always close; NaNs only with equal_nan)."""
    _tensors_only("isclose", input, other)
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{input.dtype} did not match {other.dtype}".replace("ember.",
                                                                                "torch."))
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    a, b = input._data, other._data
    try:
        close = a == b
    except ValueError:
        broadcast_shapes(a.shape, b.shape)
        raise
    if a.dtype.kind in "biuV":
        a, b = a.astype(xp.float64), b.astype(xp.float64)
    if equal_nan and a.dtype.kind in "fc":
        close = close | (xp.isnan(a) & xp.isnan(b))
    with xp.errstate(invalid="ignore", over="ignore"):
        diff = xp.absolute(a - b)
        close = close | (xp.isfinite(diff) & (diff <= atol + rtol * xp.absolute(b)))
    return make(xp.asarray(close), _dt.bool)


@export
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True if every element of input is close to other's (see isclose)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


@export
def equal(input, other):
    """True if both tensors have the same shape and the same values."""
    _tensors_only("equal", input, other)
    return input._data.shape == other._data.shape and bool((input._data == other._data).all())


# --- selection and clamping --------------------------------------------------------------------

_BITS = {4: xp.int32, 8: xp.int64}


def _where_arrays(cond, a, b):
    """xp.where(cond, a, b). Where one side is the number +0 and the other a float array of the
    condition's shape (ReLU's and masking's backward), the result is the array's bits ANDed
    with a mask: NumPy's where branches per element, several times slower on a random mask."""
    for keep, arr, zero in ((True, a, b), (False, b, a)):
        if (zero.__class__ in (float, int) and zero == 0 and math.copysign(1, zero) > 0
                and arr.__class__ is ndarray and arr.dtype.kind == "f"
                and arr.dtype.itemsize in _BITS and arr.shape == cond.shape):
            it = _BITS[arr.dtype.itemsize]
            mask = cond.astype(it)  # 1 where cond
            if keep:
                xp.negative(mask, out=mask)  # all ones where cond: keep arr there
            else:
                mask -= 1  # all ones where not cond
            mask &= arr.view(it)
            return mask.view(arr.dtype)
    return xp.where(cond, a, b)


class WhereBackward0(Node):
    def forward(self, a, b, cond):
        self.cond = cond
        return _where_arrays(cond, a, b)

    def backward(self, grad):
        cond = make(self.cond, _dt.bool)
        return (where(cond, grad, 0.0) if self.needs(0) else None,
                where(cond, 0.0, grad) if self.needs(1) else None)


@export(method=False)
def where(condition, input=None, other=None, *, out=None):
    """Elements of input where condition holds, else of other (either may be a number);
    where(condition) alone is nonzero(condition, as_tuple=True)."""
    if input is None and other is None:
        from ember._ops.indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, engine.Tensor):
        raise TypeError(f"where() received an invalid combination of arguments - got "
                        f"({type(condition).__name__}, {type(input).__name__}, "
                        f"{type(other).__name__})")
    if condition.dtype is not _dt.bool:
        if condition.dtype is not _dt.uint8:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {_scalar_type_name(condition.dtype)}")
        condition = condition.to(_dt.bool)
    if isinstance(input, engine.Tensor) or isinstance(other, engine.Tensor):
        ta, tb, xa, xb, dt = _prep(input, other)
    else:  # two numbers
        dt = _dt.result_type_of([], [], [_dt.scalar_dtype(input), _dt.scalar_dtype(other)])
        ta = tb = None
        xa, xb = xp.asarray(input, dt.np), xp.asarray(other, dt.np)
    try:
        r = execute(WhereBackward0, (ta, tb), (xa, xb), (condition._data,))
    except ValueError:
        broadcast_shapes(condition._data.shape, getattr(xa, "shape", ()),
                         getattr(xb, "shape", ()))
        raise
    if r.dtype is not dt:  # NumPy widens a 0-dim operand that torch treats as weak
        r._data = r._data.astype(dt.np)
        r.dtype = dt
    return _out(r, out)


def _tensor_where(self, condition, y):
    return where(condition, self, y)


_tensor_where.__name__ = "where"
_tensor_where.__doc__ = "self where condition holds, else y (see ember.where)."
export(_tensor_where, function=False)


class ClampBackward1(Node):
    """clamp with number bounds."""
    saves = (0,)

    def forward(self, a, lo, hi):
        self.lo, self.hi = lo, hi
        out = a
        if lo is not None:
            out = xp.maximum(out, _typed(lo, a))
        if hi is not None:
            out = xp.minimum(out, _typed(hi, a))
        return out if out is not a else a.copy()

    def backward(self, grad):
        x, = self.saved()
        lo, hi = self.lo, self.hi
        mask = (x >= lo) if lo is not None else None
        if hi is not None:
            mask = (x <= hi) if mask is None else mask & (x <= hi)
        return where(mask, grad, 0.0)


class ClampBackward0(Node):
    """clamp with tensor bounds (a missing bound is a None edge)."""
    saves = (0, 1, 2)

    def forward(self, a, lo, hi):
        out = a
        if lo is not None:
            out = xp.maximum(out, lo)
        if hi is not None:
            out = xp.minimum(out, hi)
        return out if out is not a else a.copy()

    def backward(self, grad):
        x, lo, hi = self.saved()
        gx = glo = ghi = None
        if self.needs(0):
            mask = None
            if lo is not None:
                mask = x >= lo
            if hi is not None:
                mask = (x <= hi) if mask is None else mask & (x <= hi)
            gx = where(mask, grad, 0.0)
        if lo is not None and self.needs(1):
            m = x < lo if hi is None else (x < lo) & (lo <= hi)
            glo = where(m, grad, 0.0)
        if hi is not None and self.needs(2):
            m = x > hi if lo is None else (x > hi) | (hi < lo)
            ghi = where(m, grad, 0.0)
        return gx, glo, ghi


class ClampMinBackward0(Node):
    saves = (0,)

    def forward(self, a, lo):
        self.lo = lo
        return xp.maximum(a, _typed(lo, a))

    def backward(self, grad):
        x, = self.saved()
        return where(x >= self.lo, grad, 0.0)


class ClampMaxBackward0(Node):
    saves = (0,)

    def forward(self, a, hi):
        self.hi = hi
        return xp.minimum(a, _typed(hi, a))

    def backward(self, grad):
        x, = self.saved()
        return where(x <= self.hi, grad, 0.0)


class ClampMinBackward1(Node):
    saves = (0, 1)

    def forward(self, a, lo):
        return xp.maximum(a, lo)

    def backward(self, grad):
        x, lo = self.saved()
        keep = x >= lo
        return (where(keep, grad, 0.0) if self.needs(0) else None,
                where(keep, 0.0, grad) if self.needs(1) else None)


class ClampMaxBackward1(Node):
    saves = (0, 1)

    def forward(self, a, hi):
        return xp.minimum(a, hi)

    def backward(self, grad):
        x, hi = self.saved()
        keep = x <= hi
        return (where(keep, grad, 0.0) if self.needs(0) else None,
                where(keep, 0.0, grad) if self.needs(1) else None)


def _bounds_dtype(input, bounds):
    dt = input.dtype
    tensors = [b for b in bounds if isinstance(b, engine.Tensor)]
    if tensors:
        dims = [t.dtype for t in [input] + tensors if t._data.ndim]
        zero = [t.dtype for t in [input] + tensors if not t._data.ndim]
        return _dt.result_type_of(dims, zero, [])
    for b in bounds:
        if b is not None:
            dt = _result_scalar(dt, input._data.ndim == 0, b)
    return dt


def _check_clampable(dt, bounds, kernel):
    if dt.category == _COMPLEX:
        if any(isinstance(b, engine.Tensor) for b in bounds):
            _no_kernel("maximum_cpu" if isinstance(bounds[0], engine.Tensor) else
                       "minimum_cpu", dt)
        raise RuntimeError("clamp is not supported for complex types")
    if dt is _dt.bool and not any(isinstance(b, engine.Tensor) for b in bounds):
        _no_kernel(kernel, dt)  # (tensor bounds work on bool tensors)


@export(names=("clip",))
def clamp(input, min=None, max=None, *, out=None):
    """Limit every element to [min, max]; bounds may be numbers or tensors (min > max gives
    max everywhere, a NaN bound gives NaN)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    dt = _bounds_dtype(input, (min, max))
    _check_clampable(dt, (min, max), "clamp_scalar_cpu")
    if isinstance(min, engine.Tensor) or isinstance(max, engine.Tensor):
        lo = _bound_tensor(min, dt)
        hi = _bound_tensor(max, dt)
        arrays = (_cast(input._data, dt), None if lo is None else _cast(lo._data, dt),
                  None if hi is None else _cast(hi._data, dt))
        return _out(_run(ClampBackward0, (input, lo, hi), arrays), out)
    return _out(execute(ClampBackward1, (input,), (_cast(input._data, dt),), (min, max)), out)


def _bound_tensor(b, dt):
    if b is None or isinstance(b, engine.Tensor):
        return b
    return make(xp.asarray(b, dtype=dt.np), dt)


@export
def clamp_min(input, min, *, out=None):
    """max(input, min) elementwise; min a number or a tensor."""
    dt = _bounds_dtype(input, (min,))
    _check_clampable(dt, (min,), "clamp_min_scalar_cpu")
    if isinstance(min, engine.Tensor):
        return _out(_run(ClampMinBackward1, (input, min),
                         (_cast(input._data, dt), _cast(min._data, dt))), out)
    return _out(execute(ClampMinBackward0, (input,), (_cast(input._data, dt),), (min,)), out)


@export
def clamp_max(input, max, *, out=None):
    """min(input, max) elementwise; max a number or a tensor."""
    dt = _bounds_dtype(input, (max,))
    _check_clampable(dt, (max,), "clamp_max_scalar_cpu")
    if isinstance(max, engine.Tensor):
        return _out(_run(ClampMaxBackward1, (input, max),
                         (_cast(input._data, dt), _cast(max._data, dt))), out)
    return _out(execute(ClampMaxBackward0, (input,), (_cast(input._data, dt),), (max,)), out)


clamp_ = export(_inplace(clamp), names=("clip_",))
clamp_min_ = export(_inplace(clamp_min))
clamp_max_ = export(_inplace(clamp_max))


class MaximumBackward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return xp.maximum(a, b)

    def backward(self, grad):
        a, b = self.saved()
        # ties share the gradient; where a comparison is false (NaN) both sides receive it
        shared = where(a == b, grad / 2, grad)
        return (where(a < b, 0.0, shared) if self.needs(0) else None,
                where(a > b, 0.0, shared) if self.needs(1) else None)


class MinimumBackward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return xp.minimum(a, b)

    def backward(self, grad):
        a, b = self.saved()
        shared = where(a == b, grad / 2, grad)
        return (where(a > b, 0.0, shared) if self.needs(0) else None,
                where(a < b, 0.0, shared) if self.needs(1) else None)


class FmaxBackward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return xp.fmax(a, b)

    def backward(self, grad):
        a, b = self.saved()
        first = (a >= b) | b.isnan()  # the side fmax returned
        return (where(first, grad, 0.0) if self.needs(0) else None,
                where(first, 0.0, grad) if self.needs(1) else None)


class FminBackward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return xp.fmin(a, b)

    def backward(self, grad):
        a, b = self.saved()
        first = (a <= b) | b.isnan()
        return (where(first, grad, 0.0) if self.needs(0) else None,
                where(first, 0.0, grad) if self.needs(1) else None)


def _minmax(cls, name, doc):
    def op(input, other, *, out=None):
        _tensors_only(name, input, other)
        ta, tb, xa, xb, dt = _prep(input, other)
        if dt.category == _COMPLEX:
            raise RuntimeError(f"{name} not implemented for complex tensors.")
        return _out(_run(cls, (ta, tb), (xa, xb)), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return export(op)


maximum = _minmax(MaximumBackward0, "maximum",
                  "Elementwise maximum of two tensors (NaN propagates).")
minimum = _minmax(MinimumBackward0, "minimum",
                  "Elementwise minimum of two tensors (NaN propagates).")
fmax = _minmax(FmaxBackward0, "fmax", "Elementwise maximum ignoring NaN (NaN only if both are).")
fmin = _minmax(FminBackward0, "fmin", "Elementwise minimum ignoring NaN (NaN only if both are).")


def _lerp_arrays(a, b, w):
    # torch's two-sided formula: exact at both ends (w = 0 gives a, w = 1 gives b)
    if xp.ndim(w) == 0:
        # a scalar weight picks its side once (optimizers call this on every step)
        return a + w * (b - a) if xp.absolute(w) < 0.5 else b - (b - a) * (1 - w)
    small = xp.absolute(w) < 0.5
    return xp.where(small, a + w * (b - a), b - (b - a) * (1 - w))


class LerpBackward0(Node):
    def forward(self, a, b, w):
        self.w = w
        return _lerp_arrays(a, b, _typed(w, a)).astype(a.dtype, copy=False)

    def backward(self, grad):
        w = _conj_scalar(self.w)
        return (grad * (1 - w) if self.needs(0) else None,
                grad * w if self.needs(1) else None)


class LerpBackward1(Node):
    saves = (0, 1, 2)
    save_if = ((2,), (2,), None)  # start and end are read only by weight's gradient

    def forward(self, a, b, w):
        return _lerp_arrays(a, b, w)

    def backward(self, grad):
        a, b, w = self.saved()
        return (grad * (-w + 1).conj() if self.needs(0) else None,
                grad * w.conj() if self.needs(1) else None,
                grad * (b - a).conj() if self.needs(2) else None)


@export
def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input); weight a number or a tensor (same dtype as input)."""
    others = (("end", end), ("weight", weight)) if isinstance(weight, engine.Tensor) else \
        (("end", end),)
    for what, t in others:
        if not isinstance(t, engine.Tensor):
            raise TypeError(f"lerp() received an invalid combination of arguments - got "
                            f"({type(input).__name__}, {type(end).__name__}, "
                            f"{type(weight).__name__})")
        if t.dtype is not input.dtype:
            raise RuntimeError(f"expected dtype {_c_type_name(input.dtype)} for `{what}` but "
                               f"got dtype {_c_type_name(t.dtype)}")
    if input.dtype.category < _FLOAT:
        _no_kernel("lerp_kernel_scalar", input.dtype)
    if isinstance(weight, engine.Tensor):
        return _out(_run(LerpBackward1, (input, end, weight),
                         (input._data, end._data, weight._data)), out)
    return _out(_run(LerpBackward0, (input, end), (input._data, end._data), (weight,)), out)


def _c_type_name(d):
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}[d.name]


lerp_ = export(_inplace(lerp), function=False)


class Atan2Backward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return xp.arctan2(a, b)

    def backward(self, grad):
        a, b = self.saved()
        denom = a * a + b * b
        recip = where(denom == 0, 0.0, denom.reciprocal())  # torch's gradient at (0, 0) is 0
        return (grad * b * recip if self.needs(0) else None,
                grad * -a * recip if self.needs(1) else None)


@export(names=("arctan2",))
def atan2(input, other, *, out=None):
    """Elementwise arctangent of input / other, choosing the quadrant from both signs."""
    _tensors_only("atan2", input, other)
    ta, tb, xa, xb, dt = _prep_float(input, other)
    if dt.category == _COMPLEX:
        _no_kernel("atan2_cpu", dt)
    return _out(_run(Atan2Backward0, (ta, tb), (xa, xb)), out)


atan2_ = export(_inplace(atan2), function=False, names=("arctan2_",))


class HypotBackward0(Node):
    saves = (0, 1)
    save_if = ((0,), (1,))  # each gradient reads its own input
    saves_result = True

    def forward(self, a, b):
        return xp.hypot(a, b)

    def backward(self, grad):
        a, b, r = self.saved()
        return (grad * a / r if self.needs(0) else None,
                grad * b / r if self.needs(1) else None)


@export
def hypot(input, other, *, out=None):
    """sqrt(input**2 + other**2) elementwise, without overflow for large inputs."""
    _tensors_only("hypot", input, other)
    ta, tb, xa, xb, dt = _prep(input, other)
    if dt.category != _FLOAT:
        _no_kernel("hypot_cpu", dt)
    return _out(_run(HypotBackward0, (ta, tb), (xa, xb)), out)


hypot_ = export(_inplace(hypot), function=False)


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
    def forward(self, a):
        return a.copy()

    def backward(self, grad):
        return grad


@export
def clone(input, *, memory_format=None):
    """A copy of input with its own memory, recorded in autograd (CloneBackward0)."""
    return execute(CloneBackward0, (input,), (input._data,))


@export(function=False)
def contiguous(self, memory_format=None):
    """self if already contiguous in memory, else a contiguous copy (CloneBackward0)."""
    if self._data.flags.c_contiguous:
        return self
    return clone(self)


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


# Tensor methods that are plain aliases of the above
for _name, _fn in (("__rsub__", __rsub__), ("__rfloordiv__", __rfloordiv__),
                   ("__rmod__", __rmod__), ("__rpow__", __rpow__), ("__div__", div)):
    export(_fn, function=False, method_names=(_name,))


def __rtruediv__(self, other):
    """other / self, recorded as torch records it: reciprocal(self) * other."""
    return mul(reciprocal(self), other)


export(__rtruediv__, function=False, method_names=("__rdiv__",))
