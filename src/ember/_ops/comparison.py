"""Comparisons, logic, bitwise ops and classification (eq/lt/..., logical_*, bitwise_*,
isnan/isinf/..., nan_to_num, isclose, allclose, equal). Never differentiable but nan_to_num.
"""
from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops import engine
from ember._ops._util import broadcast_shapes, make
from ember._ops.engine import Node, execute
from ember._ops.registry import export
from ember._ops.elementwise import (_COMPLEX, _FLOAT, _INT, _SCALAR_TYPES, _cast, _cast_error,
                                    _inplace, _no_kernel, _out, _prep, _tensors_only, _typed,
                                    check_inplace, inplace_from, ndarray)


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
