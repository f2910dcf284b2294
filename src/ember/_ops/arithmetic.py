"""Elementwise arithmetic: add, sub, mul, div, remainder, fmod, pow, addcmul, atan2, hypot
and their in-place and reflected forms.
"""
import builtins
import cmath
import math

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops import engine
from ember._ops._util import make
from ember._ops.engine import Node
from ember._ops.registry import export
from ember._ops.clamp import where
from ember._ops.elementwise import (_BOOL, _COMPLEX, _FLOAT, _INT, _SCALAR_TYPES, _binary,
                                    _binary_float, _cast, _conj_scalar, _inplace, _inplace_binary,
                                    _no_kernel, _out, _prep, _prep_float, _recording, _run,
                                    _scalar_type_name, _tensors_only, _typed, check_inplace,
                                    inplace_from, ndarray)
from ember._ops.unary import reciprocal


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


# Tensor methods that are plain aliases of the above
for _name, _fn in (("__rsub__", __rsub__), ("__rfloordiv__", __rfloordiv__),
                   ("__rmod__", __rmod__), ("__rpow__", __rpow__), ("__div__", div)):
    export(_fn, function=False, method_names=(_name,))


def __rtruediv__(self, other):
    """other / self, recorded as torch records it: reciprocal(self) * other."""
    return mul(reciprocal(self), other)


export(__rtruediv__, function=False, method_names=("__rdiv__",))
