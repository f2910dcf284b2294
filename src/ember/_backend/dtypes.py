"""ember's dtypes, their NumPy storage types, and torch's type-promotion rules.

Each `dtype` is a singleton; torch's aliases (`float`, `long`, ...) are the same objects.
Promotion follows torch exactly: categories bool < integer < floating < complex, with
0-dim tensors and Python scalars ("weak" operands) only able to raise the category.
"""
import builtins

import ml_dtypes
import numpy as np

BOOL, INT, FLOAT, COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type, printed as torch prints it (`ember.float32`)."""

    __module__ = "ember"  # <class 'ember.dtype'>, as torch's torch.dtype

    __slots__ = ("name", "np", "itemsize", "category", "is_signed", "_alias")

    def __init__(self, name, np_type, category, is_signed):
        self.name = name
        self.np = np.dtype(np_type)
        self.itemsize = self.np.itemsize
        self.category = category
        self.is_signed = is_signed

    @property
    def abbr(self):
        """torch's short name for the dtype (`f32`, `bf16`, `i64`, `b8`, ...)."""
        return _ABBR[self.name]

    @property
    def is_floating_point(self):
        return self.category == FLOAT

    @property
    def is_complex(self):
        return self.category == COMPLEX

    def to_real(self):
        """The real dtype of a complex dtype (complex64 -> float32); other dtypes unchanged."""
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    def to_complex(self):
        """The complex dtype holding this floating dtype (float64 -> complex128)."""
        return {"float64": complex128, "complex128": complex128}.get(self.name, complex64)

    def __repr__(self):
        return "ember." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))


bool = dtype("bool", np.bool_, BOOL, False)
uint8 = dtype("uint8", np.uint8, INT, False)
int8 = dtype("int8", np.int8, INT, True)
int16 = dtype("int16", np.int16, INT, True)
int32 = dtype("int32", np.int32, INT, True)
int64 = dtype("int64", np.int64, INT, True)
float16 = dtype("float16", np.float16, FLOAT, True)
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, FLOAT, True)
float32 = dtype("float32", np.float32, FLOAT, True)
float64 = dtype("float64", np.float64, FLOAT, True)
complex64 = dtype("complex64", np.complex64, COMPLEX, True)
complex128 = dtype("complex128", np.complex128, COMPLEX, True)

ALL = (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64,
       complex64, complex128)
_BY_NAME = {d.name: d for d in ALL}
_ABBR = {"bool": "b8", "uint8": "u8", "int8": "i8", "int16": "i16", "int32": "i32",
         "int64": "i64", "float16": "f16", "bfloat16": "bf16", "float32": "f32",
         "float64": "f64", "complex64": "c64", "complex128": "c128"}
_BY_NP = {d.np: d for d in ALL}
ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64,
           "int": int32, "short": int16, "cfloat": complex64, "cdouble": complex128,
           "complex32": None}


def _dtype_by_name(name):
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype):
    """The ember dtype stored as `np_dtype`; TypeError for types torch has no dtype for."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        pass
    d = np.dtype(np_dtype)
    if d in _BY_NP:
        return _BY_NP[d]
    raise TypeError(
        f"can't convert np.ndarray of type numpy.{d.name}. The only supported types are: "
        "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, "
        "uint8, and bool.")


def to_dtype(value):
    """Accept an ember dtype, a NumPy dtype/type or a Python type (`float`, `int`, `bool`)."""
    if isinstance(value, dtype):
        return value
    if value is builtins.float:
        return float64
    if value is builtins.int:
        return int64
    if value is builtins.bool:
        return bool
    if value is builtins.complex:
        return complex128
    if isinstance(value, str):
        name = value[6:] if value.startswith("torch.") else value
        name = name[6:] if name.startswith("ember.") else name
        d = _BY_NAME.get(name) or ALIASES.get(name)
        if d is not None:
            return d
    try:
        return from_numpy_dtype(np.dtype(value))
    except TypeError:
        raise TypeError(f"{value!r} is not a dtype") from None


# --- promotion ---------------------------------------------------------------------------

def _promote(a, b):
    if a is b:
        return a
    ca, cb = a.category, b.category
    if ca != cb:
        hi, lo = (a, b) if ca > cb else (b, a)
        if hi.category == COMPLEX and lo.category == FLOAT and lo.itemsize >= hi.itemsize // 2:
            return lo.to_complex() if lo is not float16 and lo is not bfloat16 else hi
        return hi
    if ca == INT:
        if a.is_signed == b.is_signed:
            return a if a.itemsize >= b.itemsize else b
        signed, unsigned = (a, b) if a.is_signed else (b, a)
        return signed if signed.itemsize > unsigned.itemsize else int16
    if ca == FLOAT:
        if {a.name, b.name} == {"float16", "bfloat16"}:
            return float32
        return a if a.itemsize >= b.itemsize else b
    return a if a.itemsize >= b.itemsize else b


_PROMOTE = {(a, b): _promote(a, b) for a in ALL for b in ALL}


def promote_types(type1, type2):
    """The smallest dtype both `type1` and `type2` can be cast to, as torch.promote_types."""
    return _PROMOTE[to_dtype(type1), to_dtype(type2)]


_default = [float32]


def get_default_dtype():
    """The dtype factories use for Python floats (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d):
    """Set the default floating dtype (float32, float64, float16 or bfloat16)."""
    d = to_dtype(d)
    if d.category != FLOAT:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d
    _SCALAR_CACHE.clear()


def scalar_dtype(value):
    """The dtype a Python scalar gets when it becomes a tensor (weak in promotion)."""
    t = type(value)
    if t is builtins.bool:
        return bool
    if t is builtins.int:
        return int64
    if t is builtins.float:
        return _default[0]
    if t is builtins.complex:
        return _default[0].to_complex()
    if isinstance(value, np.generic):
        return from_numpy_dtype(value.dtype)
    if isinstance(value, builtins.bool):
        return bool
    if isinstance(value, builtins.int):
        return int64
    if isinstance(value, builtins.float):
        return _default[0]
    raise TypeError(f"unsupported scalar type {t.__name__}")


def _combine(higher, lower):
    """torch's combine_categories: a weaker group only raises the category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.category == COMPLEX:
        return higher
    if lower.category == COMPLEX:
        return higher.to_complex() if higher.category == FLOAT else lower
    if higher.category == FLOAT:
        return higher
    if higher is bool or lower.category == FLOAT:
        return _PROMOTE[higher, lower]
    return higher


def result_type_of(dim_dtypes, zero_dim_dtypes, scalar_dtypes):
    """Promote three groups (tensors with dims, 0-dim tensors, Python scalars) as torch does."""
    groups = []
    for group in (dim_dtypes, zero_dim_dtypes, scalar_dtypes):
        r = None
        for d in group:
            r = d if r is None else _PROMOTE[r, d]
        groups.append(r)
    return _combine(_combine(groups[0], groups[1]), groups[2])


_SCALAR_CACHE = {}


def binary_result_type(a_dtype, a_zero_dim, b):
    """Fast result dtype of (tensor a, Python scalar b)."""
    key = (a_dtype, a_zero_dim, type(b))
    r = _SCALAR_CACHE.get(key)
    if r is None:
        r = _SCALAR_CACHE[key] = _combine(a_dtype, scalar_dtype(b))
    return r


_PAIR_CACHE = {}


def tensors_result_type(a_dtype, a_zero, b_dtype, b_zero):
    """Result dtype of two tensors, honouring torch's 0-dim (weak) rule."""
    if a_dtype is b_dtype:
        return a_dtype
    key = (a_dtype, a_zero, b_dtype, b_zero)
    r = _PAIR_CACHE.get(key)
    if r is None:
        if a_zero == b_zero:
            r = _PROMOTE[a_dtype, b_dtype]
        elif a_zero:
            r = _combine(b_dtype, a_dtype)
        else:
            r = _combine(a_dtype, b_dtype)
        _PAIR_CACHE[key] = r
    return r


def can_cast(from_, to):
    """True if torch allows the implicit cast from `from_` to `to` (no lowering of category)."""
    from_, to = to_dtype(from_), to_dtype(to)
    if from_.category > to.category:
        return False
    if from_.category == to.category == INT and to is not bool:
        return True
    if from_ is not bool and to is bool:
        return False
    return True


class finfo:
    """Machine limits of a floating dtype, as torch.finfo (bits, eps, max, min, tiny, ...).

    A complex dtype gives the limits of its real part; `ember.finfo()` describes the default
    dtype."""

    def __init__(self, type=None):
        d = to_dtype(type) if type is not None else _default[0]
        if d.category not in (FLOAT, COMPLEX):
            raise TypeError("ember.finfo() requires a floating point input type. Use "
                            "ember.iinfo to handle 'ember.finfo'")
        d = d.to_real()
        info = ml_dtypes.finfo(d.np) if d is bfloat16 else np.finfo(d.np)
        self.dtype = d.name
        self.bits = builtins.int(info.bits)
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = builtins.float(info.tiny)
        self.smallest_normal = self.tiny
        # torch reports the resolution as an exact power of ten: 10 ** -decimal_digits
        self.resolution = builtins.float(f"1e-{info.precision}")

    def __eq__(self, other):
        if not isinstance(other, finfo):
            return NotImplemented
        return self.dtype == other.dtype

    __hash__ = None

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype, as torch.iinfo (bits, min, max)."""

    def __init__(self, type):
        d = to_dtype(type)
        if d is bool:
            raise TypeError("ember.bool is not supported by ember.iinfo")
        if d.category != INT:
            raise TypeError("ember.iinfo() requires an integer input type. Use ember.finfo to "
                            "handle 'ember.iinfo'")
        info = np.iinfo(d.np)
        self.dtype = d.name
        self.bits = builtins.int(info.bits)
        self.min = builtins.int(info.min)
        self.max = builtins.int(info.max)

    def __eq__(self, other):
        if not isinstance(other, iinfo):
            return NotImplemented
        return self.dtype == other.dtype

    __hash__ = None

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
