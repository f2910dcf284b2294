"""Complex numbers: conj, view_as_real/view_as_complex, real, imag, angle, complex and polar.
"""
import math

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops.engine import Node, execute
from ember._ops.registry import export
from ember._ops import autocast as _ac
from ember._ops.clamp import where
from ember._ops.elementwise import (_COMPLEX, _FLOAT, _inplace, _out, _run, _scalar_type_name,
                                    _tensors_only, _typed, clone)


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
