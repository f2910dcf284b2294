"""Selection and clamping: where, clamp/clamp_min/clamp_max, maximum/minimum/fmax/fmin, lerp.
"""
import math

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops import engine
from ember._ops._util import broadcast_shapes, make
from ember._ops.engine import Node, execute
from ember._ops.registry import export
from ember._ops.elementwise import (_COMPLEX, _FLOAT, _cast, _conj_scalar, _inplace, _no_kernel,
                                    _out, _prep, _result_scalar, _run, _scalar_type_name,
                                    _tensors_only, _typed, ndarray)


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
