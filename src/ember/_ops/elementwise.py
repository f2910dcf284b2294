"""Elementwise ops: arithmetic, math functions, comparisons, logic, clamping, casting.

Each differentiable op is one node class named as torch's; binary ops broadcast, and the
engine reduces their gradients back to each input's shape.
"""
import builtins
import math

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops import engine
from ember._ops._util import broadcast_shapes, make
from ember._ops.engine import GRAD, Node, execute
from ember._ops.registry import export

ndarray = xp.ndarray
_FLOAT, _COMPLEX = _dt.FLOAT, _dt.COMPLEX
_result_pair = _dt.tensors_result_type
_result_scalar = _dt.binary_result_type
_SCALAR_TYPES = (int, float, bool, complex)


def _is_tensor(x):
    return isinstance(x, engine.Tensor)


def _cast(arr, dtype):
    return arr if arr.dtype == dtype.np else arr.astype(dtype.np)


def _prep(a, b):
    """Promote a binary op's operands: (tensor a or None, tensor b or None, arrays, dtype)."""
    if isinstance(a, engine.Tensor):
        if isinstance(b, engine.Tensor):
            da, db = a.dtype, b.dtype
            if da is db:
                if a.device is not b.device:
                    _device_error(a, b)
                return a, b, a._data, b._data, da
            dt = _result_pair(da, a._data.ndim == 0, db, b._data.ndim == 0)
            if a.device is not b.device:
                _device_error(a, b)
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
    # a Python scalar combined with arrays of dtype `dt`; NumPy keeps the array's dtype
    if dt.category < _FLOAT and s.__class__ is float:
        return s
    if dt.category == _dt.BOOL and s.__class__ is int:
        return s
    return xp.asarray(s, dtype=dt.np) if dt.np.kind == "V" or s.__class__ is builtins.complex and \
        dt.category != _COMPLEX else s


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


def _binary(cls, a, b, *args):
    ta, tb, xa, xb, dt = _prep(a, b)
    try:
        return execute(cls, (ta, tb), (xa, xb), args)
    except ValueError:
        _raise_broadcast(xa, xb)
        raise


def _raise_broadcast(xa, xb):
    broadcast_shapes(getattr(xa, "shape", ()), getattr(xb, "shape", ()))


def _float_dtype(dt):
    return dt if dt.category >= _FLOAT else _dt.get_default_dtype()


def _binary_float(cls, a, b, *args):
    """Binary op whose result is floating even for integer inputs (true division)."""
    ta, tb, xa, xb, dt = _prep(a, b)
    if dt.category < _FLOAT:
        dt = _dt.get_default_dtype()
        xa = _cast(xa, dt) if isinstance(xa, ndarray) else float(xa)
        xb = _cast(xb, dt) if isinstance(xb, ndarray) else float(xb)
    try:
        return execute(cls, (ta, tb), (xa, xb), args)
    except ValueError:
        _raise_broadcast(xa, xb)
        raise


# --- in-place machinery --------------------------------------------------------------------

def check_inplace(self):
    """RuntimeError for an in-place op on a leaf that requires grad while grad mode is on."""
    if self._requires_grad and self.grad_fn is None and GRAD.enabled:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")


def _recording(self, other):
    return GRAD.enabled and (self._requires_grad or (isinstance(other, engine.Tensor)
                                                     and other._requires_grad))


def inplace_from(self, result):
    """Write `result` into `self` (an in-place op computed out of place), moving the autograd
    history onto self as torch does. Checks dtype castability and shape."""
    if result.dtype is not self.dtype and not _dt.can_cast(result.dtype, self.dtype):
        raise RuntimeError(f"result type {_TYPE_WORD[result.dtype.category]} can't be cast to "
                           f"the desired output type {_scalar_type_name(self.dtype)}")
    if result._data.shape != self._data.shape:
        raise RuntimeError(
            f"output with shape {list(self.shape)} doesn't match the broadcast shape "
            f"{list(result.shape)}")
    node = result.grad_fn
    if node is not None and node._saved:
        saved = node._saved
        for k, entry in enumerate(saved):
            if entry is not None and entry[0] is self:
                saved[k] = (make(self._data.copy(), self.dtype), 0)
    if node is not None and self._base is not None:
        from ember._ops.shape import rebase_view
        rebase_view(self, result)
    else:
        self._data[...] = result._data
        if node is not None:
            self.grad_fn = node
            self._requires_grad = True
            self._output_nr = 0
    self._bump_version()
    return self


_TYPE_WORD = {_dt.BOOL: "Bool", _dt.INT: "Long", _FLOAT: "Float", _COMPLEX: "ComplexFloat"}


def _scalar_type_name(d):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}[d.name]


def _inplace_binary(ufunc, op, self, other, *args):
    """`self op= other`: a NumPy ufunc writing into self when nothing is recorded."""
    check_inplace(self)
    if _recording(self, other) or args:
        return inplace_from(self, op(self, other, *args))
    ta, tb, xa, xb, dt = _prep(self, other)
    if dt is not self.dtype and not _dt.can_cast(dt, self.dtype):
        raise RuntimeError(f"result type {_TYPE_WORD[dt.category]} can't be cast to the "
                           f"desired output type {_scalar_type_name(self.dtype)}")
    try:
        ufunc(xa, xb, out=self._data, casting="unsafe")
    except ValueError:
        shape = broadcast_shapes(self._data.shape, getattr(xb, "shape", ()))
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                           f"shape {list(shape)}") from None
    vc = self._vc
    if vc is None:
        self._vc = [1]
    else:
        vc[0] += 1
    return self


# --- arithmetic ----------------------------------------------------------------------------

class AddBackward0(Node):
    def forward(self, a, b, alpha=1):
        self.alpha = alpha
        return a + b if alpha == 1 else a + b * alpha

    def backward(self, grad):
        return grad, (grad if self.alpha == 1 else grad * self.alpha)


class SubBackward0(Node):
    def forward(self, a, b, alpha=1):
        self.alpha = alpha
        return a - b if alpha == 1 else a - b * alpha

    def backward(self, grad):
        return grad, (-grad if self.alpha == 1 else grad * -self.alpha)


class RsubBackward0(Node):
    def forward(self, a, b, alpha=1):
        self.alpha = alpha
        return b - a * alpha

    def backward(self, grad):
        return (-grad if self.alpha == 1 else grad * -self.alpha), grad


class RsubBackward1(Node):
    def forward(self, a, other, alpha=1):
        self.alpha = alpha
        return other - a * alpha

    def backward(self, grad):
        return -grad if self.alpha == 1 else grad * -self.alpha


class MulBackward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        self.b_scalar = b if b.__class__ is not ndarray else None
        return a * b

    def backward(self, grad):
        a, b = self.saved()
        if b is None:
            return grad * _conj_scalar(self.b_scalar), None
        ga = grad * b.conj() if self.needs(0) else None
        gb = grad * a.conj() if self.needs(1) else None
        return ga, gb


class DivBackward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        self.b_scalar = b if b.__class__ is not ndarray else None
        return a / b

    def backward(self, grad):
        a, b = self.saved()
        if b is None:
            return grad / _conj_scalar(self.b_scalar), None
        ga = grad / b.conj() if self.needs(0) else None
        gb = -grad * (a / (b * b)).conj() if self.needs(1) else None
        return ga, gb


class DivBackward2(Node):
    """Division with rounding_mode: gradient zero almost everywhere, as torch's."""

    def forward(self, a, b, mode):
        if mode == "trunc":
            q = a / b if a.dtype.kind in "fc" else xp.trunc(a / b)
            return xp.trunc(q).astype(a.dtype) if a.dtype.kind not in "fc" else xp.trunc(q)
        if a.dtype.kind in "fc" or (b.__class__ is ndarray and b.dtype.kind in "fc"):
            return xp.floor(a / b)
        return xp.floor_divide(a, b)

    def backward(self, grad):
        return grad * 0, (grad * 0)


def _conj_scalar(s):
    return s.conjugate() if isinstance(s, builtins.complex) else s


@export(method_names=("__add__", "__radd__"))
def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, broadcasting, with torch's type promotion."""
    r = _binary(AddBackward0, input, other, alpha) if alpha != 1 else \
        _binary(AddBackward0, input, other)
    return _out(r, out)


@export(method_names=("__sub__",), names=("subtract",))
def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other."""
    _check_bool_sub(input, other)
    r = _binary(SubBackward0, input, other, alpha) if alpha != 1 else \
        _binary(SubBackward0, input, other)
    return _out(r, out)


def _check_bool_sub(a, b):
    if getattr(a, "dtype", None) is _dt.bool and (getattr(b, "dtype", None) is _dt.bool
                                                    or isinstance(b, bool)):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")


@export
def rsub(input, other, *, alpha=1):
    """other - alpha * input."""
    if isinstance(other, engine.Tensor):
        ta, tb, xa, xb, dt = _prep(input, other)
        return execute(RsubBackward0, (ta, tb), (xa, xb), (alpha,))
    ta, _, xa, xb, dt = _prep(input, other)
    return execute(RsubBackward1, (ta,), (xa,), (xb, alpha))


def __rsub__(self, other):
    return rsub(self, other)


@export(method_names=("__mul__", "__rmul__"), names=("multiply",))
def mul(input, other, *, out=None):
    """input * other, elementwise with broadcasting."""
    return _out(_binary(MulBackward0, input, other), out)


@export(method_names=("__truediv__",), names=("divide",))
def div(input, other, *, rounding_mode=None, out=None):
    """input / other; rounding_mode None (true division), 'trunc' or 'floor'."""
    if rounding_mode is None:
        return _out(_binary_float(DivBackward0, input, other), out)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                         f"but found '{rounding_mode}'")
    ta, tb, xa, xb, dt = _prep(input, other)
    if dt.category < _FLOAT and _any_zero(xb):
        raise RuntimeError("ZeroDivisionError")
    return _out(execute(DivBackward2, (ta, tb), (xa, xb), (rounding_mode,)), out)


def _any_zero(x):
    return (x == 0).any() if isinstance(x, ndarray) else x == 0


@export
def true_divide(input, other, *, out=None):
    """Same as div with rounding_mode=None."""
    return div(input, other, out=out)


@export(method_names=("__floordiv__",))
def floor_divide(input, other, *, out=None):
    """Elementwise floor(input / other) (torch's Python `//`)."""
    return div(input, other, rounding_mode="floor", out=out)


def __rtruediv__(self, other):
    return mul(reciprocal(self), other)


def __rfloordiv__(self, other):
    return floor_divide(other, self)


class RemainderBackward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return xp.mod(a, b) if b.__class__ is ndarray or not isinstance(b, float) or \
            a.dtype.kind in "fc" else xp.mod(a.astype(xp.float64), b).astype(a.dtype)

    def backward(self, grad):
        a, b = self.saved()
        gb = None
        if b is not None and self.needs(1):
            gb = -grad * floor_divide(a, b)
        return grad, gb


class RemainderBackward1(Node):
    def forward(self, a, b):
        return xp.mod(a, b)

    def backward(self, grad):
        return grad


class FmodBackward0(Node):
    def forward(self, a, b):
        return xp.fmod(a, b)

    def backward(self, grad):
        return grad


class FmodBackward1(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return xp.fmod(a, b)

    def backward(self, grad):
        a, b = self.saved()
        return grad, (-grad * div(a, b, rounding_mode="trunc")) if self.needs(1) else None


@export(method_names=("__mod__",))
def remainder(input, other, *, out=None):
    """Python-style modulus: the result has the sign of the divisor."""
    ta, tb, xa, xb, dt = _prep(input, other)
    if dt.category < _FLOAT and _any_zero(xb):
        raise RuntimeError("ZeroDivisionError")
    if tb is None:
        return _out(execute(RemainderBackward1, (ta,), (xa, xb)), out)
    return _out(execute(RemainderBackward0, (ta, tb), (xa, xb)), out)


def __rmod__(self, other):
    return remainder(other, self)


@export
def fmod(input, other, *, out=None):
    """C-style modulus: the result has the sign of the dividend."""
    ta, tb, xa, xb, dt = _prep(input, other)
    if dt.category < _FLOAT and _any_zero(xb):
        raise RuntimeError("ZeroDivisionError")
    if tb is None:
        return _out(execute(FmodBackward0, (ta,), (xa, xb)), out)
    return _out(execute(FmodBackward1, (ta, tb), (xa, xb)), out)


class PowBackward0(Node):
    """Tensor to a scalar power."""
    saves = (0,)

    def forward(self, a, exponent):
        self.exponent = exponent
        if exponent == 2:
            return a * a
        if a.dtype.kind in "iu" and isinstance(exponent, int) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return xp.power(a, exponent)

    def backward(self, grad):
        a, = self.saved()
        e = self.exponent
        if e == 0:
            return grad * 0
        if e == 2:
            return grad * (a * 2).conj()
        return grad * (a.pow(e - 1) * e).conj()


class PowBackward1(Node):
    """Tensor to a tensor power."""
    saves = (0, 1)
    saves_result = True

    def forward(self, a, b):
        return xp.power(a, b)

    def backward(self, grad):
        a, b, result = self.saved()
        ga = gb = None
        if self.needs(0):
            ga = grad * (b * a.pow(b - 1)).conj()
            ga = where(b == 0, 0.0, ga) if True else ga
        if self.needs(1):
            gb = grad * (result * a.log()).conj()
            gb = where((a == 0) & (b.real >= 0) if b.is_complex() else (a == 0) & (b >= 0),
                       0.0, gb)
        return ga, gb


class PowBackward2(Node):
    """A scalar base to a tensor power."""
    saves_result = True

    def forward(self, exponent, base):
        self.base = base
        return xp.power(base, exponent)

    def backward(self, grad):
        result, = self.saved()
        if self.base == 0:
            return grad * where(result == 0, 0.0, 0.0)
        return grad * (result * math.log(self.base) if not isinstance(self.base, builtins.complex)
                       else result * builtins.complex(xp.log(self.base))).conj()


@export(method_names=("__pow__",))
def pow(input, exponent, *, out=None):
    """input ** exponent, where either may be a tensor (the other may be a Python number)."""
    if not isinstance(input, engine.Tensor):
        ta, tb, xa, xb, dt = _prep(input, exponent)
        return _out(execute(PowBackward2, (tb,), (xb,), (xa,)), out)
    if isinstance(exponent, engine.Tensor):
        ta, tb, xa, xb, dt = _prep(input, exponent)
        if dt.category < _FLOAT and (xb < 0).any():
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        try:
            return _out(execute(PowBackward1, (ta, tb), (xa, xb)), out)
        except ValueError:
            _raise_broadcast(xa, xb)
            raise
    ta, _, xa, xb, dt = _prep(input, exponent)
    return _out(execute(PowBackward0, (ta,), (xa,), (xb,)), out)


def __rpow__(self, other):
    return pow(other, self)


@export
def float_power(input, exponent, *, out=None):
    """input ** exponent computed in double precision (complex128 for complex inputs)."""
    cplx = (getattr(input, "dtype", None) or _dt.scalar_dtype(input)).is_complex or \
        (getattr(exponent, "dtype", None) or _dt.scalar_dtype(exponent)).is_complex
    target = _dt.complex128 if cplx else _dt.float64
    if isinstance(input, engine.Tensor):
        input = input.to(target)
    if isinstance(exponent, engine.Tensor):
        exponent = exponent.to(target)
    return pow(input, exponent, out=out)


@export
def square(input, *, out=None):
    """input ** 2 (recorded as PowBackward0, as torch does)."""
    if input.dtype is _dt.bool:
        input = input.to(_dt.int64)
    return pow(input, 2, out=out)


class AddcmulBackward0(Node):
    saves = (1, 2)

    def forward(self, s, t1, t2, value):
        self.value = value
        return s + value * t1 * t2

    def backward(self, grad):
        t1, t2 = self.saved()
        v = self.value
        return (grad, (grad * (t2 * v).conj()) if self.needs(1) else None,
                (grad * (t1 * v).conj()) if self.needs(2) else None)


class AddcdivBackward0(Node):
    saves = (1, 2)

    def forward(self, s, t1, t2, value):
        self.value = value
        return s + value * t1 / t2

    def backward(self, grad):
        t1, t2 = self.saved()
        v = self.value
        return (grad, (grad * (v / t2).conj()) if self.needs(1) else None,
                (-grad * (v * t1 / (t2 * t2)).conj()) if self.needs(2) else None)


def _ternary_arrays(*ts):
    dt = _dt.result_type_of([t.dtype for t in ts if t._data.ndim], [t.dtype for t in ts
                                                                  if not t._data.ndim], [])
    return dt, tuple(_cast(t._data, dt) for t in ts)


@export
def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2."""
    dt, arrays = _ternary_arrays(input, tensor1, tensor2)
    return _out(execute(AddcmulBackward0, (input, tensor1, tensor2), arrays, (value,)), out)


@export
def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2."""
    if tensor1.dtype.category < _FLOAT and tensor2.dtype.category < _FLOAT:
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a "
                           "future release addcdiv will perform a true division of tensor1 and "
                           "tensor2.")
    dt, arrays = _ternary_arrays(input, tensor1, tensor2)
    return _out(execute(AddcdivBackward0, (input, tensor1, tensor2), arrays, (value,)), out)


def _out(result, out):
    if out is None:
        return result
    if out._data.shape != result._data.shape:
        out._data = xp.empty(result._data.shape, out.dtype.np)
    out._data[...] = result._data
    out._bump_version()
    return out


# in-place arithmetic ------------------------------------------------------------------------

@export(function=False, method_names=("__iadd__",))
def add_(self, other, *, alpha=1):
    """In-place add."""
    if alpha != 1:
        check_inplace(self)
        return inplace_from(self, add(self, other, alpha=alpha))
    return _inplace_binary(xp.add, add, self, other)


@export(function=False, method_names=("__isub__",), names=("subtract_",))
def sub_(self, other, *, alpha=1):
    """In-place subtract."""
    if alpha != 1:
        check_inplace(self)
        return inplace_from(self, sub(self, other, alpha=alpha))
    _check_bool_sub(self, other)
    return _inplace_binary(xp.subtract, sub, self, other)


@export(function=False, method_names=("__imul__",), names=("multiply_",))
def mul_(self, other):
    """In-place multiply."""
    return _inplace_binary(xp.multiply, mul, self, other)


@export(function=False, method_names=("__itruediv__",), names=("divide_", "true_divide_"))
def div_(self, other, *, rounding_mode=None):
    """In-place divide (the result must fit self's dtype)."""
    check_inplace(self)
    if rounding_mode is None and self.dtype.category >= _FLOAT and not _recording(self, other):
        return _inplace_binary(xp.true_divide, div, self, other)
    return inplace_from(self, div(self, other, rounding_mode=rounding_mode))


@export(function=False, method_names=("__ifloordiv__",))
def floor_divide_(self, other):
    check_inplace(self)
    return inplace_from(self, floor_divide(self, other))


@export(function=False, method_names=("__imod__",))
def remainder_(self, other):
    check_inplace(self)
    return inplace_from(self, remainder(self, other))


@export(function=False)
def fmod_(self, other):
    check_inplace(self)
    return inplace_from(self, fmod(self, other))


@export(function=False, method_names=("__ipow__",))
def pow_(self, exponent):
    """In-place power."""
    check_inplace(self)
    return inplace_from(self, pow(self, exponent))


@export(function=False)
def square_(self):
    check_inplace(self)
    return inplace_from(self, square(self))


@export(function=False)
def addcmul_(self, tensor1, tensor2, *, value=1):
    check_inplace(self)
    return inplace_from(self, addcmul(self, tensor1, tensor2, value=value))


@export(function=False)
def addcdiv_(self, tensor1, tensor2, *, value=1):
    check_inplace(self)
    return inplace_from(self, addcdiv(self, tensor1, tensor2, value=value))


# --- unary math: one declaration per op ----------------------------------------------------

_UNARY_DOC = "Elementwise {name} of the input, as torch.{name}."


def _unary(name, node_name, fwd, bwd, *, floating=True, saves_input=False, saves_result=False,
           int_ok=False, inplace=True, doc=None):
    """Declare a unary elementwise op: node class `node_name` (forward `fwd` on arrays,
    backward `bwd(node, grad, x, result)` in ember ops), the function, the method and the
    in-place method. `floating` ops compute integer inputs in the default float dtype."""
    attrs = {"forward": lambda self, a: fwd(a), "saves": (0,) if saves_input else (),
             "saves_result": saves_result, "__module__": __name__}
    if bwd is not None:
        def backward(self, grad):
            saved = self.saved()
            x = saved[0] if saves_input else None
            r = saved[-1] if saves_result else None
            return bwd(self, grad, x, r)
        attrs["backward"] = backward
    node = type(node_name, (Node,), attrs) if node_name else None

    def op(input, *, out=None):
        data = input._data
        if floating and input.dtype.category < _FLOAT:
            data = data.astype(_dt.get_default_dtype().np)
        elif not int_ok and not floating and input.dtype is _dt.bool and name in ("neg",):
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                               "If you are trying to invert a mask, use the `~` or "
                               "`logical_not()` operator instead.")
        if node is None:
            return _out(make(fwd(data)), out)
        return _out(execute(node, (input,), (data,)), out)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc or _UNARY_DOC.format(name=name)
    export(op)
    globals()[name] = op
    if node is not None:
        globals()[node_name] = node
    if inplace:
        def op_(self):
            check_inplace(self)
            return inplace_from(self, op(self))
        op_.__name__ = op_.__qualname__ = name + "_"
        op_.__doc__ = f"In-place {name}."
        export(op_, function=name in ("relu", "sigmoid", "tanh", "exp", "sqrt", "abs", "neg"))
        globals()[name + "_"] = op_
    return op


def _zero_grad(node, g, x, r):
    return g * 0


_unary("neg", "NegBackward0", xp.negative, lambda n, g, x, r: -g, floating=False,
       doc="Elementwise -input.")
_unary("abs", "AbsBackward0", xp.absolute, lambda n, g, x, r: g * x.sgn(), floating=False,
       saves_input=True)
_unary("sign", "SignBackward0", xp.sign, _zero_grad, floating=False,
       doc="Elementwise sign (-1, 0 or 1).")
_unary("sgn", "SgnBackward0", lambda a: xp.sign(a) if a.dtype.kind != "c" else
       xp.where(a == 0, 0, a / xp.where(a == 0, 1, xp.absolute(a))).astype(a.dtype),
       lambda n, g, x, r: _sgn_backward(g, x, r), floating=False, saves_input=True,
       saves_result=True)
_unary("reciprocal", "ReciprocalBackward0", lambda a: xp.reciprocal(a),
       lambda n, g, x, r: -g * (r * r).conj(), saves_result=True)
_unary("sqrt", "SqrtBackward0", xp.sqrt, lambda n, g, x, r: g / (r.conj() * 2),
       saves_result=True)
_unary("rsqrt", "RsqrtBackward0", lambda a: 1 / xp.sqrt(a),
       lambda n, g, x, r: g * (r.pow(3) * -0.5).conj(), saves_result=True)
_unary("exp", "ExpBackward0", xp.exp, lambda n, g, x, r: g * r.conj(), saves_result=True)
_unary("exp2", "Exp2Backward0", xp.exp2, lambda n, g, x, r: g * (r * math.log(2)).conj(),
       saves_result=True)
_unary("expm1", "Expm1Backward0", xp.expm1, lambda n, g, x, r: g * (r + 1).conj(),
       saves_result=True)
_unary("log", "LogBackward0", xp.log, lambda n, g, x, r: g / x.conj(), saves_input=True)
_unary("log1p", "Log1PBackward0", xp.log1p, lambda n, g, x, r: g / (x + 1).conj(),
       saves_input=True)
_unary("log2", "Log2Backward0", xp.log2, lambda n, g, x, r: g / (x * math.log(2)).conj(),
       saves_input=True)
_unary("log10", "Log10Backward0", xp.log10, lambda n, g, x, r: g / (x * math.log(10)).conj(),
       saves_input=True)
_unary("sin", "SinBackward0", xp.sin, lambda n, g, x, r: g * x.cos().conj(), saves_input=True)
_unary("cos", "CosBackward0", xp.cos, lambda n, g, x, r: g * -x.sin().conj(), saves_input=True)
_unary("tan", "TanBackward0", xp.tan, lambda n, g, x, r: g * (r * r + 1).conj(),
       saves_result=True)
_unary("asin", "AsinBackward0", xp.arcsin,
       lambda n, g, x, r: g * (-(x * x) + 1).rsqrt().conj(), saves_input=True)
_unary("acos", "AcosBackward0", xp.arccos,
       lambda n, g, x, r: g * -(-(x * x) + 1).rsqrt().conj(), saves_input=True)
_unary("atan", "AtanBackward0", xp.arctan, lambda n, g, x, r: g / (x * x + 1).conj(),
       saves_input=True)
_unary("sinh", "SinhBackward0", xp.sinh, lambda n, g, x, r: g * x.cosh().conj(),
       saves_input=True)
_unary("cosh", "CoshBackward0", xp.cosh, lambda n, g, x, r: g * x.sinh().conj(),
       saves_input=True)
_unary("tanh", "TanhBackward0", xp.tanh, lambda n, g, x, r: g * (-(r * r) + 1).conj(),
       saves_result=True)
_unary("asinh", "AsinhBackward0", xp.arcsinh, lambda n, g, x, r: g * (x * x + 1).rsqrt().conj(),
       saves_input=True)
_unary("acosh", "AcoshBackward0", xp.arccosh,
       lambda n, g, x, r: g * ((x * x) - 1).rsqrt().conj(), saves_input=True)
_unary("atanh", "AtanhBackward0", xp.arctanh, lambda n, g, x, r: g / (-(x * x) + 1).conj(),
       saves_input=True)
_unary("sigmoid", "SigmoidBackward0", lambda a: _sigmoid(a),
       lambda n, g, x, r: g * (r * (-r + 1)).conj(), saves_result=True)
_unary("logit", None, lambda a: xp.log(a / (1 - a)), None)
_unary("floor", "FloorBackward0", xp.floor, _zero_grad, floating=False)
_unary("ceil", "CeilBackward0", xp.ceil, _zero_grad, floating=False)
_unary("trunc", "TruncBackward0", xp.trunc, _zero_grad, floating=False)
_unary("frac", "FracBackward0", lambda a: a - xp.trunc(a), lambda n, g, x, r: g,
       floating=False)
_unary("relu", "ReluBackward0", lambda a: xp.maximum(a, 0) if a.dtype.kind != "b" else a,
       lambda n, g, x, r: g * (r > 0), floating=False, saves_result=True)
_unary("erf", "ErfBackward0", lambda a: _erf(a),
       lambda n, g, x, r: g * (-(x * x)).exp() * (2 / math.sqrt(math.pi)), saves_input=True)
_unary("erfc", "ErfcBackward0", lambda a: 1 - _erf(a),
       lambda n, g, x, r: g * (-(x * x)).exp() * (-2 / math.sqrt(math.pi)), saves_input=True)
_unary("erfinv", "ErfinvBackward0", lambda a: _erfinv(a),
       lambda n, g, x, r: g * (r * r).exp() * (math.sqrt(math.pi) / 2), saves_result=True)
_unary("deg2rad", "Deg2RadBackward0", xp.deg2rad, lambda n, g, x, r: g * (math.pi / 180))
_unary("rad2deg", "Rad2DegBackward0", xp.rad2deg, lambda n, g, x, r: g * (180 / math.pi))


def _sgn_backward(g, x, r):
    if not x.is_complex():
        return g * 0
    a = x.abs()
    safe = where(a == 0, 1.0, a)
    out = (g - (g * r.conj()).real * r) / safe
    return where(a == 0, 0.0, out)


def _sigmoid(a):
    # split by sign so exp never overflows for large |a|
    e = xp.exp(-xp.absolute(a))
    return xp.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


def _erf(a):
    # Abramowitz-Stegun is too coarse for float64; use math.erf per element (exact to 1ulp)
    flat = a.reshape(-1)
    out = xp.fromiter((math.erf(v) for v in flat.astype(xp.float64)), dtype=xp.float64,
                      count=flat.size)
    return out.reshape(a.shape).astype(a.dtype, copy=False)


def _erfinv(a):
    x = a.astype(xp.float64)
    # Giles' single-precision approximation, then two Newton steps on erf for full accuracy
    w = -xp.log((1.0 - x) * (1.0 + x))
    small = w < 5.0
    ws = w - 2.5
    p_s = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):
        p_s = c + p_s * ws
    wl = xp.sqrt(xp.where(small, 5.0, w)) - 3.0
    p_l = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):
        p_l = c + p_l * wl
    y = xp.where(small, p_s, p_l) * x
    for _ in range(2):
        err = _erf(y) - x
        y = y - err / (2 / math.sqrt(math.pi) * xp.exp(-y * y))
    y = xp.where(x == 1, xp.inf, xp.where(x == -1, -xp.inf, y))
    y = xp.where(xp.absolute(x) > 1, xp.nan, y)
    return y.astype(a.dtype, copy=False)


class RoundBackward0(Node):
    def forward(self, a):
        return xp.round(a)

    def backward(self, grad):
        return grad * 0


class RoundBackward1(Node):
    def forward(self, a, decimals):
        return xp.round(a, decimals)

    def backward(self, grad):
        return grad * 0


@export
def round(input, *, decimals=0, out=None):
    """Round half to even; `decimals` rounds to that many decimal places."""
    if decimals == 0:
        return _out(execute(RoundBackward0, (input,), (input._data,)), out)
    return _out(execute(RoundBackward1, (input,), (input._data,), (decimals,)), out)


@export(function=False)
def round_(self, *, decimals=0):
    check_inplace(self)
    return inplace_from(self, round(self, decimals=decimals))


@export(method_names=("__neg__",))
def negative(input, *, out=None):
    """Elementwise -input."""
    return neg(input, out=out)


@export(function=False)
def negative_(self):
    return neg_(self)


@export(method_names=("__abs__",))
def absolute(input, *, out=None):
    """Elementwise |input|."""
    return abs(input, out=out)


@export(function=False)
def __pos__(self):
    return self


@export
def positive(input):
    """Returns input unchanged."""
    return input


# --- complex ---------------------------------------------------------------------------

class ConjBackward0(Node):
    def forward(self, a):
        return xp.conj(a)

    def backward(self, grad):
        return grad.conj()


@export(names=("conj_physical",))
def conj(input):
    """Complex conjugate (the input itself for real dtypes)."""
    if input.dtype.category != _COMPLEX:
        return input
    return execute(ConjBackward0, (input,), (input._data,))


@export
def resolve_conj(input):
    return input


@export
def resolve_neg(input):
    return input


@export
def is_conj(input):
    return False


class RealBackward0(Node):
    def forward(self, a):
        return xp.real(a)

    def backward(self, grad):
        return grad.to(_dt.complex128 if grad.dtype is _dt.float64 else _dt.complex64)


class ImagBackward0(Node):
    def forward(self, a):
        return xp.imag(a)

    def backward(self, grad):
        z = grad.to(_dt.complex128 if grad.dtype is _dt.float64 else _dt.complex64)
        return z * 1j


@export
def real(input):
    """The real part (a view for complex tensors; the tensor itself for real ones)."""
    if input.dtype.category != _COMPLEX:
        return input
    return _complex_view(input, RealBackward0, 0)


@export
def imag(input):
    """The imaginary part of a complex tensor, as a view."""
    if input.dtype.category != _COMPLEX:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return _complex_view(input, ImagBackward0, 1)


def _complex_view(input, cls, part):
    out = execute(cls, (input,), (input._data,))
    # share memory like torch's views: point at the real/imag lane of the complex buffer
    lanes = input._data.view(input.dtype.to_real().np).reshape(input._data.shape + (2,)) \
        if input._data.flags.c_contiguous else None
    if lanes is not None:
        out._data = lanes[..., part]
        from ember._ops.shape import _share_version
        _share_version(input, out)
    return out


class ViewAsRealBackward0(Node):
    def forward(self, a):
        return xp.ascontiguousarray(a).view(_real_np(a.dtype)).reshape(a.shape + (2,))

    def backward(self, grad):
        return view_as_complex(grad.contiguous())


class ViewAsComplexBackward0(Node):
    def forward(self, a):
        if a.shape[-1:] != (2,):
            raise RuntimeError("Tensor must have a last dimension of size 2")
        c = xp.complex128 if a.dtype == xp.float64 else xp.complex64
        return xp.ascontiguousarray(a).view(c).reshape(a.shape[:-1])

    def backward(self, grad):
        return view_as_real(grad)


def _real_np(d):
    return xp.float64 if d == xp.complex128 else xp.float32


@export
def view_as_real(input):
    """A real view of a complex tensor with a trailing dimension of size 2."""
    if input.dtype.category != _COMPLEX:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return execute(ViewAsRealBackward0, (input,), (input._data,))


@export
def view_as_complex(input):
    """A complex view of a float tensor whose last dimension has size 2."""
    if input.dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError(f"view_as_complex is only supported for float and double tensors, "
                           f"but got a tensor of scalar type: {input.dtype}")
    return execute(ViewAsComplexBackward0, (input,), (input._data,))


class AngleBackward0(Node):
    saves = (0,)

    def forward(self, a):
        return xp.angle(a) if a.dtype.kind == "c" else xp.where(a < 0, xp.pi, 0).astype(a.dtype)

    def backward(self, grad):
        x, = self.saved()
        if not x.is_complex():
            return grad * 0
        return grad * 0  # TODO: complex angle gradient


@export
def angle(input):
    """Elementwise argument of complex numbers (pi for negative reals)."""
    data = input._data if input.dtype.category >= _FLOAT else \
        input._data.astype(_dt.get_default_dtype().np)
    return execute(AngleBackward0, (input,), (data,))


@export
def complex(real, imag):
    """A complex tensor from real and imaginary parts."""
    return add(real.to(real.dtype.to_complex()), mul(imag.to(imag.dtype.to_complex()), 1j))


@export
def polar(abs, angle):
    """A complex tensor from magnitude and phase."""
    return complex(abs * angle.cos(), abs * angle.sin())


# --- comparisons and logic (never differentiable) ------------------------------------------

def _compare(ufunc, name):
    def op(input, other, *, out=None):
        ta, tb, xa, xb, dt = _prep(input, other)
        try:
            r = ufunc(xa, xb)
        except ValueError:
            _raise_broadcast(xa, xb)
            raise
        return _out(make(r, _dt.bool), out)

    def op_(self, other):
        r = op(self, other)
        self._data[...] = r._data
        self._bump_version()
        return self

    op.__name__ = name
    op.__doc__ = f"Elementwise `{name}` comparison giving a bool tensor."
    op_.__name__ = name + "_"
    return op, op_


eq, eq_ = _compare(xp.equal, "eq")
ne, ne_ = _compare(xp.not_equal, "ne")
lt, lt_ = _compare(xp.less, "lt")
le, le_ = _compare(xp.less_equal, "le")
gt, gt_ = _compare(xp.greater, "gt")
ge, ge_ = _compare(xp.greater_equal, "ge")
for _f, _dunder, _aliases in ((eq, "__eq__", ()), (ne, "__ne__", ("not_equal",)),
                              (lt, "__lt__", ("less",)), (le, "__le__", ("less_equal",)),
                              (gt, "__gt__", ("greater",)), (ge, "__ge__", ("greater_equal",))):
    export(_f, method_names=(_dunder,), names=_aliases)
for _f in (eq_, ne_, lt_, le_, gt_, ge_):
    export(_f, function=False)


def _logical(ufunc, name):
    def op(input, other, *, out=None):
        ta, tb, xa, xb, dt = _prep(input, other)
        return _out(make(ufunc(xa, xb), _dt.bool), out)
    op.__name__ = name
    op.__doc__ = f"Elementwise {name} of the truth values of both inputs."
    return op


logical_and = export(_logical(xp.logical_and, "logical_and"))
logical_or = export(_logical(xp.logical_or, "logical_or"))
logical_xor = export(_logical(xp.logical_xor, "logical_xor"))


@export
def logical_not(input, *, out=None):
    """Elementwise not of the truth value of input."""
    return _out(make(xp.logical_not(input._data), _dt.bool), out)


def _bitwise(ufunc, name, dunders):
    def op(input, other, *, out=None):
        ta, tb, xa, xb, dt = _prep(input, other)
        if dt.category > _dt.INT:
            raise RuntimeError(f"\"{name}_cpu\" not implemented for "
                               f"'{_scalar_type_name(dt)}'")
        try:
            r = ufunc(xa, xb)
        except ValueError:
            _raise_broadcast(xa, xb)
            raise
        return _out(make(_cast(xp.asarray(r), dt), dt), out)

    def op_(self, other):
        r = op(self, other)
        self._data[...] = r._data
        self._bump_version()
        return self

    op.__name__ = name
    op.__doc__ = f"Elementwise {name} of integer or bool tensors."
    op_.__name__ = name + "_"
    export(op, method_names=dunders)
    export(op_, function=False, method_names=tuple("__i" + d[2:] for d in dunders[:1]))
    return op


bitwise_and = _bitwise(xp.bitwise_and, "bitwise_and", ("__and__", "__rand__"))
bitwise_or = _bitwise(xp.bitwise_or, "bitwise_or", ("__or__", "__ror__"))
bitwise_xor = _bitwise(xp.bitwise_xor, "bitwise_xor", ("__xor__", "__rxor__"))
bitwise_left_shift = _bitwise(xp.left_shift, "bitwise_left_shift", ("__lshift__",))
bitwise_right_shift = _bitwise(xp.right_shift, "bitwise_right_shift", ("__rshift__",))


@export(method_names=("__invert__",))
def bitwise_not(input, *, out=None):
    """Elementwise bitwise not (logical not for bool tensors)."""
    if input.dtype.category > _dt.INT:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return _out(make(xp.invert(input._data), input.dtype), out)


@export
def isnan(input):
    """Elementwise test for NaN."""
    return make(xp.isnan(input._data), _dt.bool)


@export
def isinf(input):
    """Elementwise test for +/-inf."""
    return make(xp.isinf(input._data), _dt.bool)


@export
def isposinf(input):
    return make(xp.isposinf(input._data), _dt.bool)


@export
def isneginf(input):
    return make(xp.isneginf(input._data), _dt.bool)


@export
def isfinite(input):
    """Elementwise test for finite values."""
    return make(xp.isfinite(input._data), _dt.bool)


@export
def isreal(input):
    return make(xp.isreal(input._data), _dt.bool)


@export
def signbit(input):
    return make(xp.signbit(input._data), _dt.bool)


class NanToNumBackward0(Node):
    saves = (0,)

    def forward(self, a, nan, posinf, neginf):
        return xp.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, grad):
        x, = self.saved()
        return grad * isfinite(x)


@export
def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace NaN, +inf and -inf with finite numbers (dtype max/min by default)."""
    if input.dtype.category < _FLOAT:
        return input.clone()
    return _out(execute(NanToNumBackward0, (input,), (input._data,), (nan, posinf, neginf)), out)


@export(function=False)
def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    check_inplace(self)
    return inplace_from(self, nan_to_num(self, nan, posinf, neginf))


@export
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise |input - other| <= atol + rtol * |other|."""
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{input.dtype} did not match {other.dtype}")
    return make(xp.isclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan),
                _dt.bool)


@export
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True if every element of input is close to other's (see isclose)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


@export
def equal(input, other):
    """True if both tensors have the same shape and elements."""
    return input._data.shape == other._data.shape and bool((input._data == other._data).all())


# --- selection ------------------------------------------------------------------------------

class WhereBackward0(Node):
    saves = (0,)

    def forward(self, cond, a, b):
        return xp.where(cond, a, b)

    def backward(self, grad):
        cond, = self.saved()
        z = grad * 0
        return (None, where(cond, grad, z) if self.needs(1) else None,
                where(cond, z, grad) if self.needs(2) else None)


@export
def where(condition, input=None, other=None, *, out=None):
    """Elements of input where condition holds, else of other; where(cond) is nonzero(cond,
    as_tuple=True)."""
    if input is None and other is None:
        from ember._ops.indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if condition.dtype is not _dt.bool:
        if condition.dtype is _dt.uint8:
            condition = condition.to(_dt.bool)
        else:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {_scalar_type_name(condition.dtype)}")
    ta, tb, xa, xb, dt = _prep(input, other)
    if tb is None and ta is None:
        raise TypeError("where() needs at least one tensor among input and other")
    try:
        return _out(execute(WhereBackward0, (condition, ta, tb), (condition._data, xa, xb)), out)
    except ValueError:
        broadcast_shapes(condition._data.shape, getattr(xa, "shape", ()),
                         getattr(xb, "shape", ()))
        raise


def _tensor_where(self, condition, y):
    return where(condition, self, y)


class ClampBackward1(Node):
    saves = (0,)

    def forward(self, a, lo, hi):
        self.lo, self.hi = lo, hi
        return xp.clip(a, lo, hi)

    def backward(self, grad):
        x, = self.saved()
        lo, hi = self.lo, self.hi
        mask = (x >= lo) if lo is not None else None
        if hi is not None:
            mask = (x <= hi) if mask is None else mask & (x <= hi)
        return grad * mask


class ClampBackward0(Node):
    saves = (0, 1, 2)

    def forward(self, a, lo, hi):
        out = a
        if lo is not None:
            out = xp.maximum(out, lo)
        if hi is not None:
            out = xp.minimum(out, hi)
        return out

    def backward(self, grad):
        x, lo, hi = self.saved()
        mask = None
        if lo is not None:
            mask = x >= lo
        if hi is not None:
            mask = (x <= hi) if mask is None else mask & (x <= hi)
        gx = grad * mask if self.needs(0) else None
        glo = grad * (x < lo) if lo is not None and self.needs(1) else None
        ghi = grad * (x > hi) if hi is not None and self.needs(2) else None
        if lo is not None and hi is not None and self.needs(2):
            ghi = grad * ((x > hi) & (lo <= hi))
        return gx, glo, ghi


class ClampMinBackward0(Node):
    saves = (0,)

    def forward(self, a, lo):
        self.lo = lo
        return xp.maximum(a, lo)

    def backward(self, grad):
        x, = self.saved()
        return grad * (x >= self.lo)


class ClampMaxBackward0(Node):
    saves = (0,)

    def forward(self, a, hi):
        self.hi = hi
        return xp.minimum(a, hi)

    def backward(self, grad):
        x, = self.saved()
        return grad * (x <= self.hi)


@export(names=("clip",))
def clamp(input, min=None, max=None, *, out=None):
    """Limit every element to [min, max]; bounds may be numbers or tensors."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, engine.Tensor) or isinstance(max, engine.Tensor):
        lo = min if min is None or isinstance(min, engine.Tensor) else _full_like_scalar(min,
                                                                                        input)
        hi = max if max is None or isinstance(max, engine.Tensor) else _full_like_scalar(max,
                                                                                        input)
        dt = input.dtype
        for b in (lo, hi):
            if b is not None:
                dt = _result_pair(dt, input._data.ndim == 0, b.dtype, b._data.ndim == 0)
        arrays = (_cast(input._data, dt), None if lo is None else _cast(lo._data, dt),
                  None if hi is None else _cast(hi._data, dt))
        return _out(execute(ClampBackward0, (input, lo, hi), arrays), out)
    dt = input.dtype
    for b in (min, max):
        if b is not None:
            dt = _result_scalar(dt, input._data.ndim == 0, b)
    data = _cast(input._data, dt)
    if min is not None and max is not None and min > max:
        return _out(make(xp.full_like(data, max)), out)
    return _out(execute(ClampBackward1, (input,), (data,), (min, max)), out)


def _full_like_scalar(v, like):
    return make(xp.asarray(v, dtype=like.dtype.np))


@export
def clamp_min(input, min):
    """max(input, min) elementwise."""
    if isinstance(min, engine.Tensor):
        return clamp(input, min=min)
    return execute(ClampMinBackward0, (input,), (input._data,), (min,))


@export
def clamp_max(input, max):
    """min(input, max) elementwise."""
    if isinstance(max, engine.Tensor):
        return clamp(input, max=max)
    return execute(ClampMaxBackward0, (input,), (input._data,), (max,))


@export(function=False, names=("clip_",))
def clamp_(self, min=None, max=None):
    check_inplace(self)
    return inplace_from(self, clamp(self, min, max))


@export(function=False)
def clamp_min_(self, min):
    check_inplace(self)
    return inplace_from(self, clamp_min(self, min))


@export(function=False)
def clamp_max_(self, max):
    check_inplace(self)
    return inplace_from(self, clamp_max(self, max))


class MaximumBackward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return xp.maximum(a, b)

    def backward(self, grad):
        a, b = self.saved()
        half = grad * 0.5
        return (where(a > b, grad, where(a == b, half, grad * 0)) if self.needs(0) else None,
                where(b > a, grad, where(a == b, half, grad * 0)) if self.needs(1) else None)


class MinimumBackward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return xp.minimum(a, b)

    def backward(self, grad):
        a, b = self.saved()
        half = grad * 0.5
        return (where(a < b, grad, where(a == b, half, grad * 0)) if self.needs(0) else None,
                where(b < a, grad, where(a == b, half, grad * 0)) if self.needs(1) else None)


@export
def maximum(input, other, *, out=None):
    """Elementwise maximum of two tensors (NaN propagates)."""
    return _out(_binary(MaximumBackward0, input, other), out)


@export
def minimum(input, other, *, out=None):
    """Elementwise minimum of two tensors (NaN propagates)."""
    return _out(_binary(MinimumBackward0, input, other), out)


@export
def fmax(input, other):
    """Elementwise maximum ignoring NaN."""
    ta, tb, xa, xb, dt = _prep(input, other)
    return make(xp.fmax(xa, xb))


@export
def fmin(input, other):
    """Elementwise minimum ignoring NaN."""
    ta, tb, xa, xb, dt = _prep(input, other)
    return make(xp.fmin(xa, xb))


class LerpBackward0(Node):
    saves = (0, 1)

    def forward(self, a, b, w):
        self.w = w
        return a + w * (b - a)

    def backward(self, grad):
        w = self.w
        return grad * (1 - w), grad * w


class LerpBackward1(Node):
    saves = (0, 1, 2)

    def forward(self, a, b, w):
        return a + w * (b - a)

    def backward(self, grad):
        a, b, w = self.saved()
        return (grad * (-w + 1).conj() if self.needs(0) else None,
                grad * w.conj() if self.needs(1) else None,
                grad * (b - a).conj() if self.needs(2) else None)


@export
def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input); weight a number or a tensor."""
    if isinstance(weight, engine.Tensor):
        dt, arrays = _ternary_arrays(input, end, weight)
        return _out(execute(LerpBackward1, (input, end, weight), arrays), out)
    ta, tb, xa, xb, dt = _prep(input, end)
    return _out(execute(LerpBackward0, (ta, tb), (xa, xb), (weight,)), out)


@export(function=False)
def lerp_(self, end, weight):
    check_inplace(self)
    return inplace_from(self, lerp(self, end, weight))


class Atan2Backward0(Node):
    saves = (0, 1)

    def forward(self, a, b):
        return xp.arctan2(a, b)

    def backward(self, grad):
        a, b = self.saved()
        denom = a * a + b * b
        return (grad * b / denom if self.needs(0) else None,
                grad * -a / denom if self.needs(1) else None)


@export(names=("arctan2",))
def atan2(input, other, *, out=None):
    """Elementwise arctangent of input / other choosing the quadrant."""
    return _out(_binary_float(Atan2Backward0, input, other), out)


@export(function=False)
def atan2_(self, other):
    check_inplace(self)
    return inplace_from(self, atan2(self, other))


class HypotBackward0(Node):
    saves = (0, 1)
    saves_result = True

    def forward(self, a, b):
        return xp.hypot(a, b)

    def backward(self, grad):
        a, b, r = self.saved()
        return grad * a / r, grad * b / r


@export
def hypot(input, other):
    """sqrt(input**2 + other**2) elementwise."""
    return _binary_float(HypotBackward0, input, other)


# --- casting and copying -------------------------------------------------------------------

class ToCopyBackward0(Node):
    def forward(self, a, dtype):
        self.src = _dt._BY_NP[a.dtype]
        if dtype.category < _COMPLEX and a.dtype.kind == "c":
            a = a.real
        if dtype.category < _FLOAT and a.dtype.kind == "f":
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
    """self if already contiguous, else a contiguous copy."""
    if self._data.flags.c_contiguous:
        return self
    return clone(self)


class CopyBackwards(Node):
    def forward(self, dst, src):
        self.src_dtype = _dt._BY_NP[src.dtype]
        return xp.broadcast_to(src, dst.shape).astype(dst.dtype, copy=True)

    def backward(self, grad):
        return grad * 0, grad.to(self.src_dtype) if self.needs(1) else None


@export(function=False)
def copy_(self, src, non_blocking=False):
    """Copy src's values (broadcast, converted to self's dtype) into self."""
    check_inplace(self)
    if not isinstance(src, engine.Tensor):
        from ember._ops.creation import tensor as _tensor
        src = _tensor(src)
    if _recording(self, src):
        return inplace_from(self, execute(CopyBackwards, (self, src), (self._data, src._data)))
    try:
        xp.copyto(self._data, src._data, casting="unsafe")
    except ValueError:
        raise RuntimeError(f"The size of tensor a ({self._data.shape[-1] if self.ndim else 1}) "
                           f"must match the size of tensor b "
                           f"({src._data.shape[-1] if src.ndim else 1}) at non-singleton "
                           f"dimension {max(self.ndim - 1, 0)}") from None
    self._bump_version()
    return self


class FillBackward0(Node):
    def forward(self, a, value):
        return xp.full_like(a, value)

    def backward(self, grad):
        return grad * 0


@export(function=False)
def fill_(self, value):
    """Fill self with value (a number or a 0-dim tensor)."""
    check_inplace(self)
    if isinstance(value, engine.Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value._data.ndim} dimensions.")
        value = value.item()
    if GRAD.enabled and self._requires_grad:
        return inplace_from(self, execute(FillBackward0, (self,), (self._data,), (value,)))
    self._data.fill(value)
    self._bump_version()
    return self


@export(function=False)
def zero_(self):
    """Fill self with zeros."""
    return fill_(self, 0)


# Tensor methods that are plain aliases of the above
for _name, _fn in (("__rsub__", __rsub__), ("__rtruediv__", __rtruediv__),
                   ("__rdiv__", __rtruediv__), ("__rfloordiv__", __rfloordiv__),
                   ("__rmod__", __rmod__), ("__rpow__", __rpow__), ("__div__", div)):
    export(_fn, function=False, method_names=(_name,))
