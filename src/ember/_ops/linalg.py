"""Linear algebra: matrix products and torch.linalg.

Products: matmul/@ (dispatching to dot, mv, mm and bmm exactly as torch does, so `grad_fn`
shows the same nodes), addmm & co., outer, inner, tensordot, kron, einsum, cross.

Decompositions, inverses and solvers (inv, det, slogdet, solve, svd, qr, eigh, eig, cholesky,
pinv, lstsq, solve_triangular, cholesky_solve, ...): each is one node named as torch's, whose
forward calls the backend's LAPACK and whose backward is written with ember ops (so higher
order gradients work). The backend has no LU with pivots nor Bunch-Kaufman LDL to hand, so
getrf (lu_factor and the LU family) and sytrf / sytrs (ldl_factor, ldl_solve) are written here
on arrays, batched, making LAPACK's pivot choices. Norms, matrix_power, multi_dot, tensorinv and
friends are composed of other ops, as torch composes them. `ember.linalg` publishes the
`linalg_*` functions under torch.linalg's names.
"""
import builtins
import math
import warnings

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops import engine
from ember._ops._util import broadcast_shapes, make, wrap_dim
from ember._ops.engine import GRAD, Node, execute
from ember._ops.elementwise import _inplace
from ember._ops.reduction import RETURN_TYPES, return_type
from ember._ops.registry import export
from ember._ops import autocast as _ac

_LOW = (_dt.float16, _dt.bfloat16)


class LinAlgError(RuntimeError):
    """Raised when a matrix is singular or not positive-definite (torch.linalg.LinAlgError);
    a RuntimeError, as in torch."""


_RETURN_TYPES = {name: return_type(name, fields) for name, fields in (
    ("linalg_inv_ex", ("inverse", "info")),
    ("linalg_cholesky_ex", ("L", "info")),
    ("linalg_solve_ex", ("result", "info")),
    ("linalg_slogdet", ("sign", "logabsdet")),
    ("slogdet", ("sign", "logabsdet")),
    ("linalg_svd", ("U", "S", "Vh")),
    ("svd", ("U", "S", "V")),
    ("linalg_qr", ("Q", "R")),
    ("qr", ("Q", "R")),
    ("linalg_eigh", ("eigenvalues", "eigenvectors")),
    ("linalg_eig", ("eigenvalues", "eigenvectors")),
    ("linalg_lstsq", ("solution", "residuals", "rank", "singular_values")),
    ("linalg_lu_factor", ("LU", "pivots")),
    ("linalg_lu_factor_ex", ("LU", "pivots", "info")),
    ("linalg_lu", ("P", "L", "U")),
    ("lu_unpack", ("P", "L", "U")),
    ("_lu_with_info", ("LU", "pivots", "info")),
    ("triangular_solve", ("solution", "cloned_coefficient")),
    ("geqrf", ("a", "tau")),
    ("linalg_ldl_factor", ("LD", "pivots")),
    ("linalg_ldl_factor_ex", ("LD", "pivots", "info")),
)}


def _type_name(d):
    from ember._ops.elementwise import _scalar_type_name
    return _scalar_type_name(d)


def _long_name(d):
    return {"Float": "float", "Double": "double", "Long": "long int", "Int": "int",
            "Half": "c10::Half", "BFloat16": "c10::BFloat16"}.get(_type_name(d), _type_name(d))


def _out(result, out):
    if out is None:
        return result
    from ember._ops.elementwise import _out as write
    return write(result, out)


# === matrix products =========================================================================

def _matmul_arrays(a, b):
    """a @ b on backend arrays; half types accumulate in float32, as torch's CPU kernels."""
    if a.dtype.itemsize == 2 and a.dtype.kind in "fV":
        return xp.matmul(a.astype(xp.float32), b.astype(xp.float32)).astype(a.dtype)
    if a.ndim == 2 and b.ndim == 2:
        return xp.dot(a, b)  # same result as matmul for matrices, with less call overhead
    return xp.matmul(a, b)


def _check_product(a, b, message):
    """Same dtype and device for a matrix product's operands; no bool kernels (as torch)."""
    if a.dtype is not b.dtype:
        raise RuntimeError(message.format(_long_name(a.dtype), _long_name(b.dtype)))
    if a.device is not b.device:
        raise RuntimeError("Expected all tensors to be on the same device, but found at least "
                           f"two devices, {a.device} and {b.device}!")
    if a.dtype is _dt.bool:
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    return a._data, b._data


_MM_DTYPE = "expected m1 and m2 to have the same dtype, but got: {} != {}"


def _mm_grads(node, grad, a, b, first=0):
    # `first`: the node's input index of a (addmm's inputs start with the bias)
    ga = grad.mm(b.t().conj()) if node.needs(first) else None
    gb = a.t().conj().mm(grad) if node.needs(first + 1) else None
    return ga, gb


class MmBackward0(Node):
    saves = (0, 1)
    save_if = ((1,), (0,))  # each operand is read only by the other's gradient

    def forward(self, a, b):
        return _matmul_arrays(a, b)

    def backward(self, grad):
        a, b = self.saved()
        return _mm_grads(self, grad, a, b)


@export
def mm(input, mat2, *, out=None):
    """Matrix product of two 2-D tensors (no broadcasting, no type promotion)."""
    if _ac.on and _ac.active():
        return _ac.lower(mm, input, mat2, out=out)
    a, b = input._data, mat2._data
    if a.ndim == 2 and b.ndim == 2 and input.dtype is mat2.dtype and a.shape[1] == b.shape[0] \
            and input.device is mat2.device and input.dtype is not _dt.bool:
        r = execute(MmBackward0, (input, mat2), (a, b))
        return r if out is None else _out(r, out)
    if a.ndim != 2:
        raise RuntimeError(f"self must be a matrix, got {a.ndim}-D tensor")
    if b.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {b.ndim}-D tensor")
    a, b = _check_product(input, mat2, _MM_DTYPE)
    raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x"
                       f"{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")


class BmmBackward0(Node):
    saves = (0, 1)
    save_if = ((1,), (0,))  # each operand is read only by the other's gradient

    def forward(self, a, b):
        return _matmul_arrays(a, b)

    def backward(self, grad):
        a, b = self.saved()
        ga = grad.bmm(b.transpose(1, 2).conj()) if self.needs(0) else None
        gb = a.transpose(1, 2).conj().bmm(grad) if self.needs(1) else None
        return ga, gb


def _check_bmm(a, b):
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, "
                           f"{b.shape[1]}].")


@export
def bmm(input, mat2, *, out=None):
    """Batched matrix product of two 3-D tensors with the same batch size."""
    if _ac.on and _ac.active():
        return _ac.lower(bmm, input, mat2, out=out)
    if input._data.ndim != 3:
        raise RuntimeError(f"batch1 must be a 3D tensor, got {input._data.ndim}-D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError(f"batch2 must be a 3D tensor, got {mat2._data.ndim}-D tensor")
    a, b = _check_product(input, mat2, _MM_DTYPE)
    _check_bmm(a, b)
    return _out(execute(BmmBackward0, (input, mat2), (a, b)), out)


class MvBackward0(Node):
    saves = (0, 1)
    save_if = ((1,), (0,))  # each operand is read only by the other's gradient

    def forward(self, a, v):
        return _matmul_arrays(a, v)

    def backward(self, grad):
        a, v = self.saved()
        ga = grad.unsqueeze(1) * v.conj().unsqueeze(0) if self.needs(0) else None
        gv = a.t().conj().mv(grad) if self.needs(1) else None
        return ga, gv


@export
def mv(input, vec, *, out=None):
    """Matrix-vector product of a 2-D and a 1-D tensor."""
    if input._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input._data.ndim}, "
                           f"{vec._data.ndim}")
    if input.dtype is not vec.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{_type_name(vec.dtype)}, {_type_name(input.dtype)}, and "
                           f"{_type_name(vec.dtype)}")
    a, v = _check_product(input, vec, _MM_DTYPE)
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x"
                           f"{a.shape[1]}), vec ({v.shape[0]})")
    return _out(execute(MvBackward0, (input, vec), (a, v)), out)


def _check_vectors(input, other, name):
    if input._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input._data.ndim}D and "
                           f"{other._data.ndim}D tensors")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{name} : expected both vectors to have same dtype, but found "
                           f"{_type_name(input.dtype)} and {_type_name(other.dtype)}")
    n, m = input._data.shape[0], other._data.shape[0]
    if n != m:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to "
                           f"have the same number of elements, but got {n} and {m} elements "
                           "respectively")
    return _check_product(input, other, _MM_DTYPE)


class DotBackward0(Node):
    saves = (0, 1)
    save_if = ((1,), (0,))  # each operand is read only by the other's gradient

    def forward(self, a, b):
        return _matmul_arrays(a, b)

    def backward(self, grad):
        a, b = self.saved()
        return (grad * b.conj() if self.needs(0) else None,
                grad * a.conj() if self.needs(1) else None)


@export
def dot(input, tensor, *, out=None):
    """Inner product of two 1-D tensors (no conjugation)."""
    a, b = _check_vectors(input, tensor, "dot")
    return _out(execute(DotBackward0, (input, tensor), (a, b)), out)


class VdotBackward0(Node):
    saves = (0, 1)
    save_if = ((1,), (0,))  # each operand is read only by the other's gradient

    def forward(self, a, b):
        return _matmul_arrays(xp.conj(a), b)

    def backward(self, grad):
        a, b = self.saved()
        return (grad.conj() * b if self.needs(0) else None,
                grad * a if self.needs(1) else None)


@export
def vdot(input, other, *, out=None):
    """Inner product of two 1-D tensors, conjugating the first."""
    a, b = _check_vectors(input, other, "dot")
    return _out(execute(VdotBackward0, (input, other), (a, b)), out)


class SqueezeBackward4(Node):
    """The in-place squeeze_(dim) that matmul's vector @ matrix path ends with."""

    def forward(self, a, dim):
        self.dim = dim
        return xp.squeeze(a, dim)

    def backward(self, grad):
        return grad.unsqueeze(self.dim)


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _should_fold(a, b):
    """torch's rule for computing a batched product as one mm/mv over the larger operand's
    folded rows: only when that avoids a copy, or when it keeps a gradient cheap."""
    a_larger = a._data.ndim >= b._data.ndim
    t1 = a._data if a_larger else xp.swapaxes(b._data, -1, -2)
    small = b if a_larger else a
    if not (t1.ndim >= 3 and small._data.ndim <= 2):
        return False
    if small._requires_grad:
        return True
    if a._data.ndim == 2:
        return False
    if t1.size == 0:
        return True
    shape, strides = t1.shape, t1.strides
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(t1.ndim - 2))


@export(method_names=("__matmul__",))
def matmul(input, other, *, out=None):
    """Matrix product with torch's rules: dot for 1-D @ 1-D, mv, mm, and batched products that
    broadcast the batch dims (1-D operands get a dim prepended / appended, then removed)."""
    if _ac.on and _ac.active():
        return _ac.lower(matmul, input, other, out=out)
    na, nb = input._data.ndim, other._data.ndim
    if na == 2 and nb == 2:
        r = mm(input, other)
        return r if out is None else _out(r, out)
    from ember._ops.shape import _view
    if na == 0 or nb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{na}D and {nb}D")
    if na == 1 and nb == 1:
        return _out(dot(input, other), out)
    if na == 2 and nb == 1:
        return _out(mv(input, other), out)
    if na == 1 and nb == 2:
        return _out(_view(SqueezeBackward4, mm(input.unsqueeze(0), other), (0,)), out)
    if na == 2 and nb == 2:
        return _out(mm(input, other), out)
    if _should_fold(input, other):
        transpose = nb > na
        t1 = other.mT if transpose else input
        t2 = (input.t() if na == 2 else input) if transpose else other
        lead = t1._data.shape[:-1]
        folded = t1.reshape(_prod(lead), t1._data.shape[-1])
        if t2._data.ndim == 2:
            r = _unsafe_view(mm(folded, t2), lead + (t2._data.shape[1],))
            return _out(r.mT.contiguous() if transpose else r, out)
        return _out(_unsafe_view(mv(folded, t2), lead), out)
    sa, sb = input._data.shape, other._data.shape
    n = sa[-2] if na > 1 else 1
    p = sb[-1] if nb > 1 else 1
    batch_a, batch_b = sa[:-2], sb[:-2]
    if na == 3 and nb == 3 and batch_a[0] != batch_b[0]:
        # a unit batch on a tensor that needs a gradient: drop it and fold instead
        if batch_a[0] == 1 and input._requires_grad:
            return matmul(input.squeeze(0), other, out=out)
        if batch_b[0] == 1 and other._requires_grad:
            return matmul(input, other.squeeze(0), out=out)
    batch = broadcast_shapes(batch_a, batch_b)
    size = _prod(batch)
    a = input.expand(batch + (n, sa[-1])).reshape(size, n, sa[-1])
    if nb == 1:
        b = other.expand(batch + sb).reshape(size, sb[0]).unsqueeze(2)
    else:
        b = other.expand(batch + sb[-2:]).reshape(size, sb[-2], p)
    shape = batch + ((n,) if na > 1 else ()) + ((p,) if nb > 1 else ())
    r = bmm(a, b)
    if nb == 1:
        r = r.squeeze(-1)
    return _out(_unsafe_view(r, shape), out)


def _unsafe_view(t, shape):
    from ember._ops.shape import UnsafeViewBackward0
    return execute(UnsafeViewBackward0, (t,), (t._data,), (tuple(shape),))


def __rmatmul__(self, other):
    return matmul(other, self)


export(__rmatmul__, function=False)


def _conj_scalar(s):
    return s.conjugate() if isinstance(s, complex) else s


def _scaled(grad, s):
    return grad if s == 1 else grad * _conj_scalar(s)


def _combine(bias, prod, beta, alpha, dtype):
    """beta * bias + alpha * prod on arrays; beta == 0 ignores bias (even nan), as torch.
    Integer results take alpha and beta truncated to integers, as torch casts them."""
    if dtype.kind in "iu":
        alpha, beta = int(alpha.real if isinstance(alpha, complex) else alpha), \
            int(beta.real if isinstance(beta, complex) else beta)
    if alpha != 1:
        prod = prod * alpha
    if beta != 0:
        prod = prod + (bias if beta == 1 else bias * beta)
    return prod.astype(dtype, copy=False)


def _add_product(bias, a, b, beta, alpha, product=_matmul_arrays, skip="fc"):
    """beta * bias + alpha * product(a, b) as torch's CPU kernels give it: half types are
    combined in float32 and rounded once; float and double (complex too where `skip` has 'c')
    leave the product out when alpha is 0, as BLAS does, so a nan or inf in a or b does not
    show."""
    dtype = a.dtype
    if dtype.itemsize == 2 and dtype.kind in "fV":
        f32 = xp.dtype(xp.float32)
        prod = product(a.astype(f32), b.astype(f32))
        return _combine(bias.astype(f32), prod, beta, alpha, f32).astype(dtype)
    prod = product(a, b)
    if alpha == 0 and dtype.kind in skip:
        prod = xp.zeros_like(prod)
    return _combine(bias, prod, beta, alpha, dtype)


def _batch_sum_product(a, b):
    return xp.matmul(a, b).sum(0)


def _check_expand(shape, target):
    """torch's expand errors for an add* op's input that does not broadcast to the result."""
    if len(shape) > len(target):
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(target)}): "
                           f"the number of sizes provided ({len(target)}) must be greater or "
                           f"equal to the number of dimensions in the tensor ({len(shape)})")
    lead = len(target) - len(shape)
    for i, s in enumerate(shape):
        if s != 1 and s != target[lead + i]:
            raise RuntimeError(f"The expanded size of the tensor ({target[lead + i]}) must match "
                               f"the existing size ({s}) at non-singleton dimension {lead + i}."
                               f"  Target sizes: {list(target)}.  Tensor sizes: {list(shape)}")


class AddmmBackward0(Node):
    saves = (1, 2)
    save_if = ((2,), (1,))  # each factor is read only by the other's gradient

    def forward(self, bias, a, b, beta, alpha):
        self.beta, self.alpha = beta, alpha
        return _add_product(bias, a, b, beta, alpha)

    def backward(self, grad):
        a, b = self.saved()
        gbias = _scaled(grad, self.beta) if self.needs(0) else None
        ga, gb = _mm_grads(self, _scaled(grad, self.alpha), a, b, 1) \
            if (self.needs(1) or self.needs(2)) else (None, None)
        return gbias, (ga if self.needs(1) else None), (gb if self.needs(2) else None)


@export
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2), input broadcasting to the product's shape."""
    if _ac.on and _ac.active():
        return _ac.lower(addmm, input, mat1, mat2, beta=beta, alpha=alpha, out=out)
    for name, t in (("mat1", mat1), ("mat2", mat2)):
        if t._data.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {t._data.ndim}-D tensor")
    if mat1.dtype is not mat2.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{_type_name(mat1.dtype)} and {_type_name(mat2.dtype)}")
    if input.dtype is not mat1.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                           f"{_type_name(input.dtype)} and {_type_name(mat2.dtype)}")
    a, b = _check_product(mat1, mat2, _MM_DTYPE)
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x"
                           f"{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")
    _check_expand(input._data.shape, (a.shape[0], b.shape[1]))
    return _out(execute(AddmmBackward0, (input, mat1, mat2), (input._data, a, b),
                        (beta, alpha)), out)


class AddmvBackward0(Node):
    saves = (1, 2)
    save_if = ((2,), (1,))  # each factor is read only by the other's gradient

    def forward(self, bias, m, v, beta, alpha):
        self.beta, self.alpha = beta, alpha
        return _add_product(bias, m, v, beta, alpha, skip="f")

    def backward(self, grad):
        m, v = self.saved()
        g = _scaled(grad, self.alpha)
        return (_scaled(grad, self.beta) if self.needs(0) else None,
                g.unsqueeze(1) * v.conj().unsqueeze(0) if self.needs(1) else None,
                m.t().conj().mv(g) if self.needs(2) else None)


@export
def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec)."""
    if input._data.ndim > 1 or mat._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input._data.ndim}, "
                           f"{mat._data.ndim}, {vec._data.ndim}")
    if not (input.dtype is mat.dtype is vec.dtype):
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{_type_name(input.dtype)}, {_type_name(mat.dtype)}, and "
                           f"{_type_name(vec.dtype)}")
    m, v = _check_product(mat, vec, _MM_DTYPE)
    n = input._data.shape[0] if input._data.ndim else 1
    if m.shape[1] != v.shape[0] or n not in (1, m.shape[0]):
        raise RuntimeError(f"size mismatch, got input ({n}), mat ({m.shape[0]}x{m.shape[1]}), "
                           f"vec ({v.shape[0]})")
    return _out(execute(AddmvBackward0, (input, mat, vec), (input._data, m, v),
                        (beta, alpha)), out)


def _check_batches(b1, b2):
    for name, t in (("batch1", b1), ("batch2", b2)):
        if t._data.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    s1, s2 = b1._data.shape, b2._data.shape
    if s1[0] != s2[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {s1[0]} "
                           f"and {s2[0]}")
    if s1[2] != s2[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({s1[1]}x{s1[2]} and "
                           f"{s2[1]}x{s2[2]})")


def _check_same3(input, b1, b2):
    if not (input.dtype is b1.dtype is b2.dtype):
        raise RuntimeError(f"Input dtypes must be the same, got: input {_long_name(input.dtype)}"
                           f", batch1: {_long_name(b1.dtype)}, batch2: {_long_name(b2.dtype)}")
    return _check_product(b1, b2, _MM_DTYPE)


class BaddbmmBackward0(Node):
    saves = (1, 2)
    save_if = ((2,), (1,))  # each factor is read only by the other's gradient

    def forward(self, bias, a, b, beta, alpha):
        self.beta, self.alpha = beta, alpha
        return _add_product(bias, a, b, beta, alpha, skip="")

    def backward(self, grad):
        a, b = self.saved()
        g = _scaled(grad, self.alpha)
        return (_scaled(grad, self.beta) if self.needs(0) else None,
                g.bmm(b.transpose(1, 2).conj()) if self.needs(1) else None,
                a.transpose(1, 2).conj().bmm(g) if self.needs(2) else None)


@export
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * bmm(batch1, batch2)."""
    if _ac.on and _ac.active():
        return _ac.lower(baddbmm, input, batch1, batch2, beta=beta, alpha=alpha, out=out)
    _check_batches(batch1, batch2)
    a, b = _check_same3(input, batch1, batch2)
    _check_expand(input._data.shape, (a.shape[0], a.shape[1], b.shape[2]))
    return _out(execute(BaddbmmBackward0, (input, batch1, batch2), (input._data, a, b),
                        (beta, alpha)), out)


class AddbmmBackward0(Node):
    saves = (1, 2)
    save_if = ((2,), (1,))  # each factor is read only by the other's gradient

    def forward(self, bias, a, b, beta, alpha):
        self.beta, self.alpha, self.batch = beta, alpha, a.shape[0]
        return _add_product(bias, a, b, beta, alpha, _batch_sum_product)

    def backward(self, grad):
        a, b = self.saved()
        g = _scaled(grad, self.alpha).unsqueeze(0).expand(self.batch, -1, -1)
        return (_scaled(grad, self.beta) if self.needs(0) else None,
                g.bmm(b.transpose(1, 2).conj()) if self.needs(1) else None,
                a.transpose(1, 2).conj().bmm(g) if self.needs(2) else None)


@export
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (the sum over the batch of batch1[i] @ batch2[i])."""
    if _ac.on and _ac.active():
        return _ac.lower(addbmm, input, batch1, batch2, beta=beta, alpha=alpha, out=out)
    _check_batches(batch1, batch2)
    if not (input.dtype is batch1.dtype is batch2.dtype):
        raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                           f"{_type_name(input.dtype)} and {_type_name(batch2.dtype)}")
    a, b = _check_product(batch1, batch2, _MM_DTYPE)
    _check_expand(input._data.shape, (a.shape[1], b.shape[2]))
    return _out(execute(AddbmmBackward0, (input, batch1, batch2), (input._data, a, b),
                        (beta, alpha)), out)


class AddrBackward0(Node):
    saves = (1, 2)
    save_if = ((2,), (1,))  # each factor is read only by the other's gradient

    def forward(self, bias, v1, v2, beta, alpha, dtype):
        self.beta, self.alpha = beta, alpha
        if dtype is _dt.bool:  # torch reads beta/alpha as logical and / or here
            prod = xp.logical_and(v1[:, None], v2[None, :]) & builtins.bool(alpha)
            return prod | (bias & builtins.bool(beta)) if beta else prod
        v1, v2, bias = (x.astype(dtype.np, copy=False) for x in (v1, v2, bias))
        return _combine(bias, v1[:, None] * v2[None, :], beta, alpha, dtype.np)

    def backward(self, grad):
        v1, v2 = self.saved()
        g = _scaled(grad, self.alpha)
        return (_scaled(grad, self.beta) if self.needs(0) else None,
                g.mv(v2.conj().to(g.dtype)) if self.needs(1) else None,
                g.t().mv(v1.conj().to(g.dtype)) if self.needs(2) else None)


@export
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * outer(vec1, vec2), with type promotion."""
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v._data.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v._data.ndim}-D")
    dtype = _dt._PROMOTE[_dt._PROMOTE[input.dtype, vec1.dtype], vec2.dtype]
    for name, s in (("beta", beta), ("alpha", alpha)):
        if dtype.category < _dt.FLOAT and isinstance(s, (float, complex)):
            raise RuntimeError(f"For integral input tensors, argument {name} must not be a "
                               "floating point number.")
        if dtype is not _dt.bool and isinstance(s, bool):
            raise RuntimeError(f"Boolean {name} only supported for Boolean results.")
    _check_expand(input._data.shape, (vec1._data.shape[0], vec2._data.shape[0]))
    return _out(execute(AddrBackward0, (input, vec1, vec2),
                        (input._data, vec1._data, vec2._data), (beta, alpha, dtype)), out)


for _op in (addmm, addmv, addr, baddbmm, addbmm):  # Tensor.addmm_ & co. (and torch.addmv_)
    export(_inplace(_op), function=_op is addmv)


@export(names=("ger",))
def outer(input, vec2, *, out=None):
    """Outer product of two 1-D tensors (a column view of input times vec2, as torch)."""
    for name, v in (("self", input), ("vec2", vec2)):
        if v._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got "
                               f"{v._data.ndim}-D")
    return _out(input.reshape(input._data.shape[0], 1) * vec2, out)


@export
def inner(input, other, *, out=None):
    """Sum of products over the last dim of both inputs (input * other for a 0-dim one)."""
    if input._data.ndim == 0 or other._data.ndim == 0:
        return _out(input * other, out)
    sa, sb = input._data.shape, other._data.shape
    if sa[-1] != sb[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(sa)} and {list(sb)}")
    return _out(tensordot(input, other, ([-1], [-1])), out)


@export(method=False)
def tensordot(a, b, dims=2, out=None):
    """Sum of products over `dims` of a and b: the last `dims` dims of a with the first of b
    when dims is an int, else the dims listed in the pair (dims_a, dims_b)."""
    if isinstance(dims, engine.Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a._data.ndim, b._data.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got "
                               f"dims={dims}")
        da = list(range(a._data.ndim - dims, a._data.ndim))
        db = list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
    if a.dtype is not b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    da = [wrap_dim(d, a._data.ndim) for d in da]
    db = [wrap_dim(d, b._data.ndim) for d in db]
    t1, t2, csize = a, b, 1
    for i, j in zip(da, db):
        s1, s2 = a._data.shape[i], b._data.shape[j]
        if s2 == 1:  # a broadcast contracted dim is summed on its own
            t1 = t1.sum(i, keepdim=True)
        elif s1 == 1:
            t2 = t2.sum(j, keepdim=True)
        elif s1 != s2:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {s1} "
                               f"in dim {i} and second has size {s2} in dim {j}")
        else:
            csize *= s1
    free_a = [i for i in range(a._data.ndim) if i not in da]
    free_b = [j for j in range(b._data.ndim) if j not in db]
    sizes = [t1._data.shape[i] for i in free_a] + [t2._data.shape[j] for j in free_b]
    size1 = _prod(sizes[:len(free_a)])
    size2 = _prod(sizes[len(free_a):])
    t1 = t1.permute(free_a + da)
    t2 = t2.permute(db + free_b)
    if size1 == 1 and size2 == 1:  # a full contraction is a dot of the flattened operands
        r = dot(t1.flatten(), t2.flatten())
    else:
        r = mm(t1.reshape(size1, csize), t2.reshape(csize, size2))
    return _out(r.view(sizes), out)


@export
def kron(input, other, *, out=None):
    """Kronecker product: every element of input scales a full copy of other."""
    nd = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (nd - input._data.ndim) + input._data.shape
    sb = (1,) * (nd - other._data.ndim) + other._data.shape
    a = _unsafe_view(input, [v for s in sa for v in (s, 1)])
    b = _unsafe_view(other, [v for s in sb for v in (1, s)])
    return _out(_unsafe_view(a * b, [x * y for x, y in zip(sa, sb)]), out)


@export(method=False)
def chain_matmul(*matrices, out=None):
    """Product of 2-D matrices in the cheapest order (deprecated: use linalg.multi_dot)."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for i, m in enumerate(matrices):
        if m._data.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m._data.ndim}, expected 2 instead.")
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
                  "more tensors rather than multiple parameters.", UserWarning, stacklevel=2)
    if len(matrices) == 1:
        return _out(matrices[0].clone(), out)
    return _out(linalg_multi_dot(matrices), out)


class LinalgCrossBackward0(Node):
    saves = (0, 1)
    save_if = ((1,), (0,))  # each operand is read only by the other's gradient

    def forward(self, a, b, dim):
        self.dim = dim
        return xp.cross(a, b, axis=dim)

    def backward(self, grad):
        a, b = self.saved()
        return (linalg_cross(b.conj(), grad, dim=self.dim) if self.needs(0) else None,
                linalg_cross(grad, a.conj(), dim=self.dim) if self.needs(1) else None)


def linalg_cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along dim; batch dims broadcast (same number of dims)."""
    if input._data.ndim != other._data.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"expected scalar type {_type_name(input.dtype)} but found "
                           f"{_type_name(other.dtype)}")
    nd = input._data.ndim
    d = wrap_dim(dim, nd)
    if input._data.shape[d] != 3 or other._data.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input._data.shape[d]} and {other._data.shape[d]}")
    broadcast_shapes(input._data.shape, other._data.shape)
    return _out(execute(LinalgCrossBackward0, (input, other), (input._data, other._data),
                        (d - nd,)), out)


@export
def cross(input, other, dim=None, *, out=None):
    """Cross product along dim; dim None means the first dim of size 3 (torch's deprecated
    default; linalg.cross uses the last dim)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of linalg.cross in a "
                      "future release.", UserWarning, stacklevel=2)
        if input._data.ndim != other._data.ndim:
            raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
        shape = broadcast_shapes(input._data.shape, other._data.shape)
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim, out=out)


# --- einsum ----------------------------------------------------------------------------------

class EinsumBackward0(Node):
    """einsum as one node (torch decomposes it into permutes, views and bmm, which ember does
    not mirror): each operand's gradient is another einsum."""

    def forward(self, *arrays_and_eq):
        *arrays, eq = arrays_and_eq
        self.eq = eq
        self.shapes = [a.shape for a in arrays]
        n = len(arrays)
        self.saves = tuple(range(n))  # read by the engine when it records the node
        # an operand is read only by the others' gradients (as by torch's bmm decomposition)
        self.save_if = tuple(tuple(k for k in range(n) if k != j) for j in range(n))
        if arrays[0].dtype.itemsize == 2 and arrays[0].dtype.kind in "fV":
            r = xp.einsum(eq, *(a.astype(xp.float32) for a in arrays))
            return xp.asarray(r).astype(arrays[0].dtype)
        return xp.einsum(eq, *arrays)

    def backward(self, grad):
        from ember._ops.creation import ones
        ins, out = self.eq.split("->")
        subs = ins.split(",")
        saved = self.saved()
        grads = []
        for i, s in enumerate(subs):
            if not self.needs(i):
                grads.append(None)
                continue
            others = [saved[j].conj() for j in range(len(subs)) if j != i]
            other_subs = [subs[j] for j in range(len(subs)) if j != i]
            # letters of s missing from the output and the other operands were summed out:
            # the gradient is broadcast over them through a ones tensor
            present = set(out) | set("".join(other_subs))
            missing = [c for c in dict.fromkeys(s) if c not in present]
            ops, op_subs = [grad] + others, [out] + other_subs
            if missing:
                sizes = [self.shapes[i][s.index(c)] for c in missing]
                ops.append(ones(sizes, dtype=grad.dtype))
                op_subs.append("".join(missing))
            target = "".join(dict.fromkeys(s))
            g = einsum(",".join(op_subs) + "->" + target, *ops)
            if target != s:  # repeated letters (a diagonal): place back on the diagonal
                g = _undiag(g, target, s, self.shapes[i])
            grads.append(g)
        return tuple(grads)


def _undiag(g, target, s, shape):
    """Scatter g (indexed by the distinct letters `target`) onto the diagonals that the
    repeated letters of `s` describe, in a zero tensor of `shape`."""
    from ember._ops.creation import arange, zeros
    out = zeros(shape, dtype=g.dtype)
    idx = []
    for c in s:
        pos = target.index(c)
        view = [1] * len(target)
        view[pos] = g.shape[pos]
        idx.append(arange(g.shape[pos]).reshape(view))
    return out.index_put(tuple(idx), g, accumulate=True)


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _normalize_equation(eq, operands):
    """Explicit form of an einsum equation with the ellipsis spelled out in free letters:
    'ij,jk' -> 'ij,jk->ik', '...ij,...jk' -> 'Aij,Ajk->Aik'."""
    eq = eq.replace(" ", "")
    implicit = "->" not in eq
    ins, out = (eq, "") if implicit else eq.split("->")
    subs = ins.split(",")
    if len(subs) != len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation" if len(operands) > len(subs) else
                           "einsum(): fewer operands were provided than specified in the "
                           "equation")
    for c in ins.replace("...", "") + out.replace("...", ""):
        if c not in _LETTERS and c != ",":
            raise RuntimeError(f"einsum(): invalid subscript given at index {eq.index(c)} in "
                               f"the equation string, subscripts must be in [a-zA-Z]")
    if implicit:  # the output: the ellipsis, then the letters used once, sorted
        letters = ins.replace("...", "").replace(",", "")
        out = ("..." if "..." in ins else "") + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1))  # ASCII: A-Z first
    if "..." in eq:
        free = [c for c in _LETTERS if c not in eq]
        nell = max((op._data.ndim - (len(s) - 3) for s, op in zip(subs, operands)
                    if "..." in s), default=0)
        ell = "".join(free[:nell])
        subs = [s.replace("...", ell[nell - (op._data.ndim - (len(s) - 3)):])
                if "..." in s else s for s, op in zip(subs, operands)]
        out = out.replace("...", ell)
    return ",".join(subs) + "->" + out


def _einsum_contracts(eq):
    """True if an index shared by two operands is summed: torch computes such pairs with bmm,
    which autocast runs in lower precision (products without one are elementwise)."""
    ins, out = eq.split("->")
    subs = ins.split(",")
    return len(subs) > 1 and any(c not in out and sum(c in s for s in subs) > 1
                                 for c in set("".join(subs)))


def _sublist_equation(args):
    """(equation, operands) for einsum's sublist form: operand, sublist, operand, sublist,
    ..., [output sublist]; subscripts are ints in [0, 52) or Ellipsis."""
    def letters(sub):
        out = []
        for v in sub:
            if v is Ellipsis:
                out.append("...")
            elif isinstance(v, int) and 0 <= v < 52:
                out.append(chr(ord("a") + v) if v < 26 else chr(ord("A") + v - 26))
            else:
                raise RuntimeError(f"einsum(): subscript in subscript list is not within the "
                                   f"valid range [0, 52), got {v}")
        return "".join(out)
    operands = args[0:len(args) - len(args) % 2:2]
    subs = [letters(s) for s in args[1::2][:len(operands)]]
    eq = ",".join(subs)
    if len(args) % 2:
        eq += "->" + letters(args[-1])
    return eq, tuple(operands)


@export(method=False)
def einsum(equation, *operands):
    """Einstein summation over the operands, e.g. einsum('ij,jk->ik', a, b); '...' stands for
    broadcast batch dims, and without '->' the output is the letters used once, sorted.
    The sublist form einsum(a, [0, 1], b, [1, 2], [0, 2]) is accepted too."""
    if not isinstance(equation, str):
        equation, operands = _sublist_equation((equation,) + operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = _normalize_equation(equation, operands)
    if _ac.on and _ac.active() and _einsum_contracts(eq):
        return _ac.lower(einsum, equation, *operands)
    ins = eq.split("->")[0].split(",")
    sizes = {}
    for k, (s, op) in enumerate(zip(ins, operands)):
        if len(s) != op._data.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) "
                               f"does not match the number of dimensions ({op._data.ndim}) for "
                               f"operand {k} and no ellipsis was given")
        for c, n in zip(s, op._data.shape):
            if c in sizes and sizes[c] != n and 1 not in (n, sizes[c]):
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which "
                                   f"does not broadcast with previously seen size {sizes[c]}")
            if sizes.get(c, 1) == 1:
                sizes[c] = n
    dt = operands[0].dtype
    for op in operands[1:]:
        if op.dtype is not dt:
            raise RuntimeError(f"expected scalar type {_type_name(dt)} but found "
                               f"{_type_name(op.dtype)}")
    return execute(EinsumBackward0, tuple(operands), tuple(op._data for op in operands), (eq,))


# === torch.linalg: checks and LAPACK-side helpers ==============================================

RETURN_TYPES.update(_RETURN_TYPES)


def _check_matrix(A, fname, square=False, name="A"):
    """torch's input checks for a linalg function: at least 2-D, floating or complex (not
    half precision), and square matrices where asked."""
    nd = A._data.ndim
    if nd < 2:
        raise RuntimeError(f"{fname}: The input tensor {name} must have at least 2 dimensions.")
    if A.dtype.category < _dt.FLOAT:
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. "
                           f"Got {_type_name(A.dtype)}")
    if A.dtype in _LOW:
        raise RuntimeError(f"{fname}: Low precision dtypes not supported. Got "
                           f"{_type_name(A.dtype)}")
    m, n = A._data.shape[-2:]
    if square and m != n:
        raise RuntimeError(f"{fname}: A must be batches of square matrices, but they are {m} by "
                           f"{n} matrices")


def _check_same_dtype(A, B, fname):
    if A.dtype is not B.dtype:
        raise RuntimeError(f"{fname}: Expected A and B to have the same dtype, but found A of "
                           f"type {_type_name(A.dtype)} and B of type {_type_name(B.dtype)} "
                           "instead")


def _raise_info(info, ndim, fname, message, error=LinAlgError):
    """LinAlgError (or `error`) for the first failed matrix of a batch (info > 0), as torch
    words it."""
    flat = info.reshape(-1)
    bad = xp.nonzero(flat > 0)[0]
    if bad.size:
        k = int(bad[0])
        where = f"(Batch element {k}): " if ndim > 2 else ""
        raise error(f"{fname}: {where}{message.format(int(flat[k]))}")


def _getrf_info(m):
    """LAPACK getrf's info for one matrix: the 1-based index of the first exactly zero pivot
    of its LU factorisation with partial pivoting, 0 when there is none."""
    return int(_lu_arrays(m)[2])


def _per_matrix(fn, a, out_shape, out_dtype):
    """fn on each matrix of a batch, after the batched call failed: (results, info). A matrix
    on which fn raises LinAlgError(message, info) gets nan results and that info."""
    flat = a.reshape((-1,) + a.shape[-2:])
    res = xp.full((flat.shape[0],) + out_shape, xp.nan, out_dtype)
    info = xp.zeros(flat.shape[0], xp.int32)
    for k in range(flat.shape[0]):
        try:
            res[k] = fn(flat[k])
        except xp.linalg.LinAlgError as e:
            info[k] = e.args[1] if len(e.args) > 1 else 1
    return res.reshape(a.shape[:-2] + out_shape), info.reshape(a.shape[:-2])


def _lu_failure(fn):
    def run(m):
        try:
            return fn(m)
        except xp.linalg.LinAlgError:
            raise xp.linalg.LinAlgError("singular", _getrf_info(m) or m.shape[0]) from None
    return run


def _chol_failure(upper):
    def run(m):
        try:
            return xp.linalg.cholesky(m, upper=upper)
        except xp.linalg.LinAlgError:
            k = next(k for k in range(1, m.shape[0] + 1) if not _is_pd(m[:k, :k], upper))
            raise xp.linalg.LinAlgError("not positive-definite", k) from None
    return run


def _is_pd(m, upper):
    try:
        xp.linalg.cholesky(m, upper=upper)
        return True
    except xp.linalg.LinAlgError:
        return False


_SVD_FAILED = ("linalg.svd", "The algorithm failed to converge because the input matrix "
               "contained non-finite values.")
_EIGH_FAILED = ("linalg.eigh", "The algorithm failed to converge because the input matrix is "
                "ill-conditioned or has too many repeated eigenvalues.")


def _lapack(fn, a, failure, *args, **kwargs):
    """fn(a, ...), NumPy's failure to converge raised as torch's LinAlgError, naming the first
    failing matrix of a batch."""
    try:
        return fn(a, *args, **kwargs)
    except xp.linalg.LinAlgError:
        pass
    flat = a.reshape((_prod(a.shape[:-2]),) + a.shape[-2:])
    k = 0
    for k, m in enumerate(flat):
        try:
            fn(m, *args, **kwargs)
        except xp.linalg.LinAlgError:
            break
    fname, message = failure
    where = f"(Batch element {k}): " if a.ndim > 2 else ""
    raise LinAlgError(f"{fname}: {where}{message}")


def _colmajor(x):
    """A single matrix stored column by column, as LAPACK (and torch) return it. Batches keep
    NumPy's row-major layout: torch's batches of column-major matrices are contiguous neither
    way, and ember's strided views need a contiguous storage."""
    return xp.asfortranarray(x) if x.ndim == 2 else x


def _needs_grad(*tensors):
    return GRAD.enabled and any(t._requires_grad for t in tensors)


def _identity(n, like):
    from ember._ops.creation import eye
    return eye(n, dtype=like.dtype)


def _offdiag_inverse(E):
    """1 / E off the diagonal, 0 on it (the diagonal of E is ignored)."""
    eye = _identity(E.shape[-1], E)
    return (1 - eye) / (E + eye)


# === inverse, determinant, solve ===============================================================

class LinalgInvExBackward0(Node):
    saves_result = True

    def forward(self, a):
        try:
            return _colmajor(xp.linalg.inv(a)), xp.zeros(a.shape[:-2], xp.int32)
        except xp.linalg.LinAlgError:
            inv, info = _per_matrix(_lu_failure(xp.linalg.inv), a, a.shape[-2:], a.dtype)
            return _colmajor(inv), info

    def backward(self, grad, grad_info):
        inv, = self.saved()
        ih = inv.mH
        return -(ih @ (grad @ ih))


def linalg_inv_ex(A, *, check_errors=False, out=None):
    """(inverse, info) of square matrices; info > 0 marks a singular matrix (the index of its
    zero pivot) instead of raising, unless check_errors."""
    if _ac.on and _ac.active():
        return _ac.fp32(linalg_inv_ex, A, check_errors=check_errors, out=out)
    _check_matrix(A, "linalg.inv_ex", square=True)
    inv, info = execute(LinalgInvExBackward0, (A,), (A._data,))
    if check_errors:
        _raise_info(info._data, A._data.ndim, "linalg.inv_ex", _SINGULAR_INV)
    return _RETURN_TYPES["linalg_inv_ex"](inv, info)


_SINGULAR_INV = ("The diagonal element {} is zero, the inversion could not be completed because "
                 "the input matrix is singular.")


@export
def inverse(input, *, out=None):
    """The inverse of each square matrix (torch.inverse, same as linalg.inv)."""
    if _ac.on and _ac.active():
        return _ac.fp32(inverse, input, out=out)
    return linalg_inv(input, out=out)


def linalg_inv(A, *, out=None):
    """The inverse of a square matrix (or of each matrix of a batch); LinAlgError if one is
    singular."""
    if _ac.on and _ac.active():
        return _ac.fp32(linalg_inv, A, out=out)
    return _out(_inv(A, "linalg.inv"), out)


def _inv(A, fname):
    _check_matrix(A, "linalg.inv", square=True)
    inv, info = execute(LinalgInvExBackward0, (A,), (A._data,))
    _raise_info(info._data, A._data.ndim, fname, _SINGULAR_INV)
    return inv


class LinalgDetBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a):
        return xp.asarray(xp.linalg.det(a))

    def backward(self, grad):
        A, det = self.saved()
        singular = det == 0
        if bool(singular.any()):
            if GRAD.enabled:  # a graph for higher orders: the exact cofactors
                return _det_cofactors(grad, A)
            # torch's first-order gradient is det * A^{-H} from A's LU, which is 0 for a
            # singular A (the cofactors come only with create_graph=True)
            from ember._ops.elementwise import where
            A = where(singular.unsqueeze(-1).unsqueeze(-1), _identity(A.shape[-1], A), A)
        return (grad * det.conj()).unsqueeze(-1).unsqueeze(-1) * linalg_inv(A).mH


def _det_cofactors(grad, A):
    """grad times the cofactor matrix of A, from the SVD A = U S Vh (so singular A too):
    det = det(U) prod(S) det(Vh)."""
    U, S, Vh = linalg_svd(A)
    n = S.shape[-1]
    eye = _identity(n, S)
    others = (S.unsqueeze(-2) * (1 - eye) + eye).prod(-1)  # prod of S without S_i
    phase = (linalg_det(U) * linalg_det(Vh)).conj()
    return (U * ((grad * phase).unsqueeze(-1) * others).unsqueeze(-2)) @ Vh


def linalg_det(A, *, out=None):
    """The determinant of each square matrix."""
    _check_matrix(A, "linalg.det", square=True)
    return _out(execute(LinalgDetBackward0, (A,), (A._data,)), out)


@export
def det(input):
    """The determinant of each square matrix (same as linalg.det)."""
    return linalg_det(input)


class LinalgSlogdetBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a):
        sign, logabs = xp.linalg.slogdet(a)
        return xp.asarray(sign), xp.asarray(logabs)

    def backward(self, grad_sign, grad_logabs):
        A, sign = self.saved()
        g = grad_logabs
        if A.is_complex():  # the phase of det moves with Im(tr(A^{-1} dA))
            g = g + 1j * (sign.conj() * grad_sign).imag
        return g.unsqueeze(-1).unsqueeze(-1) * linalg_inv(A).mH


def linalg_slogdet(A, *, out=None):
    """(sign, log|det|) of each square matrix: a stable determinant for large or tiny ones.
    sign is 0 and logabsdet -inf for a singular matrix."""
    _check_matrix(A, "linalg.slogdet", square=True)
    with xp.errstate(divide="ignore"):
        sign, logabs = execute(LinalgSlogdetBackward0, (A,), (A._data,))
    return _RETURN_TYPES["linalg_slogdet"](sign, logabs)


@export
def slogdet(input):
    """(sign, log|det|) of each square matrix (torch.slogdet, as linalg.slogdet)."""
    sign, logabs = linalg_slogdet(input)
    return _RETURN_TYPES["slogdet"](sign, logabs)


@export
def logdet(input):
    """log(det(input)): nan for a negative determinant of a real matrix, -inf for a singular
    one (composed of slogdet, as torch)."""
    from ember._ops.elementwise import where
    sign, logabs = linalg_slogdet(input)
    if input.is_complex():
        return sign.log() + logabs
    return where(sign == -1, math.nan, logabs)


def _solve_arrays(a, b, left, vector):
    """X with A X = B (left) or X A = B, B a batch of vectors when `vector`; failed (singular)
    matrices give nan and a nonzero info."""
    if vector:
        b = b[..., None]
    if not left:
        a, b = xp.swapaxes(a, -1, -2), xp.swapaxes(b, -1, -2)
    info = xp.zeros(a.shape[:-2], xp.int32)  # over A's batch, as torch
    try:
        x = xp.linalg.solve(a, b)
    except xp.linalg.LinAlgError:
        batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
        fa = xp.broadcast_to(a, batch + a.shape[-2:]).reshape((-1,) + a.shape[-2:])
        fb = xp.broadcast_to(b, batch + b.shape[-2:]).reshape((-1,) + b.shape[-2:])
        x = xp.full(fb.shape, xp.nan, xp.result_type(a, b))
        for k in range(fa.shape[0]):
            try:
                x[k] = xp.linalg.solve(fa[k], fb[k])
            except xp.linalg.LinAlgError:
                pass
        x = x.reshape(batch + b.shape[-2:])
        flat = info.reshape(-1)
        for k, m in enumerate(a.reshape((-1,) + a.shape[-2:])):
            flat[k] = _getrf_info(m)
    if vector:
        return x[..., 0], info
    return (_colmajor(x) if left else xp.swapaxes(x, -1, -2)), info


class LinalgSolveExBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a, b, left, vector):
        self.left, self.vector = left, vector
        return _solve_arrays(a, b, left, vector)

    def backward(self, grad, grad_info):
        A, X = self.saved()
        gB = _solve(A.mH, grad, self.left, self.vector)
        gA = None
        if self.needs(0):
            if self.vector:
                gA = -(gB.unsqueeze(-1) * X.conj().unsqueeze(-2))
            else:
                gA = -(gB @ X.mH) if self.left else -(X.mH @ gB)
        return gA, (gB if self.needs(1) else None)


def _solve(A, B, left, vector):
    return execute(LinalgSolveExBackward0, (A, B), (A._data, B._data), (left, vector))[0]


def _is_vector_rhs(A, B):
    nb = B._data.ndim
    return nb == 1 or (nb == A._data.ndim - 1 and B._data.shape == A._data.shape[:-1])


def _solve_checks(A, B, left, fname):
    _check_matrix(A, fname, square=True)
    _check_same_dtype(A, B, fname)
    vector = _is_vector_rhs(A, B)
    n = A._data.shape[-1]
    if B._data.ndim == 0:
        raise RuntimeError(f"{fname}: The input tensor B must have at least 1 dimensions.")
    rows, cols = (B._data.shape[-1], 1) if vector else B._data.shape[-2:]
    if (rows if left else cols) != n or (vector and not left):
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{fname}: Incompatible shapes of A and B for the equation {eq} "
                           f"({n}x{n} and {rows}x{cols})")
    broadcast_shapes(A._data.shape[:-2], B._data.shape[:-1 if vector else -2])
    return vector


def linalg_solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """(result, info) solving A X = B (X A = B with left=False); info > 0 marks a singular
    matrix instead of raising, unless check_errors."""
    vector = _solve_checks(A, B, left, "linalg.solve_ex")
    x, info = execute(LinalgSolveExBackward0, (A, B), (A._data, B._data), (left, vector))
    if check_errors:
        _raise_info(info._data, A._data.ndim, "torch.linalg.solve_ex", _SINGULAR_SOLVE)
    return _RETURN_TYPES["linalg_solve_ex"](x, info)


_SINGULAR_SOLVE = "The solver failed because the input matrix is singular."


def linalg_solve(A, B, *, left=True, out=None):
    """The solution X of A X = B (or X A = B with left=False) for square A, B a matrix or a
    vector (batch dims broadcast); LinAlgError if A is singular."""
    if _ac.on and _ac.active():
        return _ac.fp32(linalg_solve, A, B, left=left, out=out)
    vector = _solve_checks(A, B, left, "linalg.solve")
    x, info = execute(LinalgSolveExBackward0, (A, B), (A._data, B._data), (left, vector))
    _raise_info(info._data, A._data.ndim, "torch.linalg.solve", _SINGULAR_SOLVE)
    return _out(x, out)


def _substitute(t, b, upper):
    """Back (upper) or forward substitution for triangular t, without pivoting or checks."""
    batch = broadcast_shapes(t.shape[:-2], b.shape[:-2])
    t = xp.broadcast_to(t, batch + t.shape[-2:])
    x = xp.array(xp.broadcast_to(b, batch + b.shape[-2:]), dtype=xp.result_type(t, b))
    n = t.shape[-1]
    with xp.errstate(all="ignore"):
        for i in (range(n - 1, -1, -1) if upper else range(n)):
            rest = slice(i + 1, n) if upper else slice(0, i)
            acc = (t[..., i, None, rest] @ x[..., rest, :])[..., 0, :]
            x[..., i, :] = (x[..., i, :] - acc) / t[..., i, i, None]
    return x


def _triangular_arrays(a, b, upper, unit=False, trans=False):
    """X with T X = B (T^T X = B with `trans`) for T the upper (lower) triangle of a, its
    diagonal taken as ones when `unit`; batch dims broadcast. A zero on the diagonal gives
    inf / nan, as LAPACK's trsm, not an error."""
    t = xp.triu(a) if upper else xp.tril(a)
    if unit:  # t is triu / tril's own copy
        n = a.shape[-1]
        t[..., range(n), range(n)] = 1
    if trans:
        t, upper = xp.swapaxes(t, -1, -2), not upper
    try:
        return xp.linalg.solve(t, b)
    except xp.linalg.LinAlgError:
        return _substitute(t, b, upper)


class LinalgSolveTriangularBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a, b, upper, left, unitriangular):
        self.upper, self.left, self.unit = upper, left, unitriangular
        if left:
            return _colmajor(_triangular_arrays(a, b, upper, unitriangular))
        # X A = B  <=>  A^T X^T = B^T
        x = _triangular_arrays(a, xp.swapaxes(b, -1, -2), upper, unitriangular, trans=True)
        return xp.swapaxes(x, -1, -2)

    def backward(self, grad):
        A, X = self.saved()
        gB = linalg_solve_triangular(A.mH, grad, upper=not self.upper, left=self.left,
                                     unitriangular=self.unit)
        gA = None
        if self.needs(0):
            gA = -(gB @ X.mH) if self.left else -(X.mH @ gB)
            k = 1 if self.unit else 0
            gA = gA.triu(k) if self.upper else gA.tril(-k)
        return gA, (gB if self.needs(1) else None)


def linalg_solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """X with A X = B (X A = B with left=False) for triangular A: only A's upper (or lower)
    triangle is read, its diagonal taken as ones when unitriangular. A singular A gives
    inf/nan, not an error."""
    fname = "linalg.solve_triangular"
    _check_matrix(A, fname, square=True)
    _check_matrix(B, fname, name="B")
    _check_same_dtype(A, B, fname)
    n = A._data.shape[-1]
    rows, cols = B._data.shape[-2:]
    if (rows if left else cols) != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{fname}: Incompatible shapes of A and B for the equation {eq} "
                           f"({n}x{n} and {rows}x{cols})")
    return _out(execute(LinalgSolveTriangularBackward0, (A, B), (A._data, B._data),
                        (upper, left, unitriangular)), out)


# === LU: factorisation, unpacking and solves ===================================================

_LU_BLOCK = 32  # columns factorised one by one before the rest is updated by one matmul


def _cabs1(x):
    """|re| + |im|: the size LAPACK compares to choose a pivot (|x| for real x)."""
    return xp.abs(x.real) + xp.abs(x.imag) if x.dtype.kind == "c" else xp.abs(x)


def _lu_arrays(a):
    """LAPACK's getrf on a batch of m x n matrices: (LU, pivots, info).

    Partial pivoting by rows: the pivot of a column is its first entry of largest
    |re| + |im| on or below the diagonal. LU packs the unit lower triangular L below the
    diagonal and U on and above it; pivots are 1-based int32 (row j was swapped with row
    pivots[j]); info is the 1-based index of the first exactly zero pivot (0 when none), whose
    column is then left unscaled, as LAPACK does.
    """
    m, n = a.shape[-2:]
    k = min(m, n)
    count = _prod(a.shape[:-2])
    lu = a.reshape((count, m, n)).copy()
    piv = xp.empty((count, k), xp.int32)
    info = xp.zeros(count, xp.int32)
    every = xp.arange(count)
    tiny = xp.finfo(a.dtype).tiny
    with xp.errstate(all="ignore"):
        for j0 in range(0, k, _LU_BLOCK):
            j1 = min(j0 + _LU_BLOCK, k)
            for j in range(j0, j1):  # the panel of columns j0:j1, one column at a time
                p = j + xp.argmax(_cabs1(lu[:, j:, j]), axis=1)
                piv[:, j] = p + 1
                moved = p != j
                if moved.any():
                    b, p = every[moved], p[moved]
                    row = lu[b, j]
                    lu[b, j] = lu[b, p]
                    lu[b, p] = row
                d = lu[:, j, j]
                zero = d == 0
                if zero.any():
                    info[(info == 0) & zero] = j + 1
                    d = xp.where(zero, 1, d)
                # LAPACK multiplies by the reciprocal of the pivot unless that overflows
                tiny_pivot = abs(d) < tiny
                if tiny_pivot.any():
                    col = lu[:, j + 1:, j]
                    lu[:, j + 1:, j] = xp.where(tiny_pivot[:, None], col / d[:, None],
                                                col * (1 / d)[:, None])
                else:
                    lu[:, j + 1:, j] *= (1 / d)[:, None]
                lu[:, j + 1:, j + 1:j1] -= lu[:, j + 1:, j, None] * lu[:, j, None, j + 1:j1]
            if j1 < n:  # U's block row right of the panel, then the trailing matrix
                for i in range(j0 + 1, j1):
                    lu[:, i, j1:] -= (lu[:, i, None, j0:i] @ lu[:, j0:i, j1:])[:, 0]
                lu[:, j1:, j1:] -= lu[:, j1:, j0:j1] @ lu[:, j0:j1, j1:]
    return lu.reshape(a.shape), piv.reshape(a.shape[:-2] + (k,)), info.reshape(a.shape[:-2])


def _pivots_to_perm(piv, m):
    """The row order `perm` that LAPACK's pivots describe: A[perm] = L U, so A = P L U with
    P[perm[i], i] = 1."""
    count = _prod(piv.shape[:-1])
    perm = xp.broadcast_to(xp.arange(m), piv.shape[:-1] + (m,)).copy()
    flat = perm.reshape(count, m)
    swaps = piv.reshape(count, piv.shape[-1]).astype(xp.intp) - 1
    every = xp.arange(count)
    for j in range(swaps.shape[1]):
        p = swaps[:, j]
        row = flat[every, j]
        flat[every, j] = flat[every, p]
        flat[every, p] = row
    return perm


def _perm_matrix(perm, dtype):
    P = xp.zeros(perm.shape + perm.shape[-1:], dtype)
    xp.put_along_axis(P, perm[..., None, :], 1, axis=-2)
    return P


def _unpack_arrays(lu, piv, data=True, pivots=True):
    """(P, L, U) from getrf's LU and pivots (an empty array for each part not asked for)."""
    m, n = lu.shape[-2:]
    k = min(m, n)
    empty = xp.zeros((0,), lu.dtype)
    P = _perm_matrix(_pivots_to_perm(piv, m), lu.dtype) if pivots else empty
    if not data:
        return P, empty, empty.copy()
    L = xp.tril(lu[..., :k], -1)
    L[..., range(k), range(k)] = 1
    return P, L, xp.triu(lu[..., :k, :])


def _lu_factors(LU, piv):
    """(P, L, U) of a packed LU as tensors: L and U are ember ops on LU (so gradients flow
    through them), P is a constant."""
    from ember._ops.creation import eye
    m, n = LU.shape[-2:]
    k = min(m, n)
    L = LU.narrow(-1, 0, k).tril(-1) + eye(m, k, dtype=LU.dtype)
    P = make(_perm_matrix(_pivots_to_perm(piv, m), LU._data.dtype))
    return P, L, LU.narrow(-2, 0, k).triu()


def _lu_backward(gL, gU, P, L, U):
    """Gradient of A = P L U (L m x k unit lower, U k x n upper, k = min(m, n)) from the
    gradients of L and U (None where none reaches them). With X = L^{-1} P^T dA U^{-1}, the
    strictly lower part of X is L^{-1} dL and the upper part dU U^{-1}; rectangular factors
    add the blocks outside the square part."""
    from ember._ops.creation import zeros_like
    from ember._ops.shape import cat
    m, n = L.shape[-2], U.shape[-1]
    gL = zeros_like(L) if gL is None else gL
    gU = zeros_like(U) if gU is None else gU

    def right_uh(x, U):  # x U^{-H}
        return linalg_solve_triangular(U.mH, x, upper=False, left=False)

    def left_lh(L, x):  # L^{-H} x
        return linalg_solve_triangular(L.mH, x, upper=True, unitriangular=True)

    if m == n:
        M = (L.mH @ gL).tril(-1) + (gU @ U.mH).triu()
        gA = left_lh(L, right_uh(M, U))
    elif m < n:  # U = [U1 | U2]
        U1, U2 = U.narrow(-1, 0, m), U.narrow(-1, m, n - m)
        gU1, gU2 = gU.narrow(-1, 0, m), gU.narrow(-1, m, n - m)
        M = (L.mH @ gL - gU2 @ U2.mH).tril(-1) + (gU1 @ U1.mH).triu()
        gA = left_lh(L, cat([right_uh(M, U1), gU2], -1))
    else:  # L = [L1; L2]
        L1, L2 = L.narrow(-2, 0, n), L.narrow(-2, n, m - n)
        gL1, gL2 = gL.narrow(-2, 0, n), gL.narrow(-2, n, m - n)
        M = (L1.mH @ gL1).tril(-1) + (gU @ U.mH - L2.mH @ gL2).triu()
        gA = right_uh(cat([left_lh(L1, M), gL2], -2), U)
    return P @ gA


class LinalgLuFactorExBackward0(Node):
    saves_result = True

    def forward(self, a):
        lu, piv, info = _lu_arrays(a)
        self.piv = piv
        return _colmajor(lu), piv, info

    def backward(self, grad, grad_pivots, grad_info):
        LU, = self.saved()
        P, L, U = _lu_factors(LU, self.piv)
        k = min(LU.shape[-2:])
        return _lu_backward(grad.narrow(-1, 0, k).tril(-1), grad.narrow(-2, 0, k).triu(),
                            P, L, U)


class LinalgLuBackward0(Node):
    _materialize = False
    saves_result = (1, 2)

    def forward(self, a):
        lu, piv, _ = _lu_arrays(a)
        self.P, L, U = _unpack_arrays(lu, piv)
        return self.P, L, U

    def backward(self, gP, gL, gU):
        L, U = self.saved()
        return _lu_backward(gL, gU, make(self.P), L, U)


def _check_lu_input(A, fname):
    if A._data.ndim < 2:
        raise RuntimeError(f"{fname}: Expected tensor with 2 or more dimensions. Got size: "
                           f"{list(A.shape)} instead")
    if A.dtype.category < _dt.FLOAT or A.dtype in _LOW:
        raise NotImplementedError(f"\"lu_cpu\" not implemented for '{_type_name(A.dtype)}'")


def _check_pivot(pivot):
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")


_ZERO_PIVOT = ("U[{0},{0}] is zero and using it on lu_solve would result in a division by "
               "zero. If you still want to perform the factorization, consider calling "
               "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")


def linalg_lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """(LU, pivots, info): the LU factorisation with partial pivoting of A (m x n, batched),
    packed as LAPACK's getrf packs it (see linalg.lu_factor); info > 0 is the index of the
    first zero pivot (a singular matrix) instead of an error, unless check_errors."""
    _check_lu_input(A, "torch.lu_factor")
    _check_pivot(pivot)
    LU, piv, info = execute(LinalgLuFactorExBackward0, (A,), (A._data,))
    if check_errors:
        _raise_info(info._data, A._data.ndim, "torch.linalg.lu_factor_ex", _ZERO_PIVOT,
                    RuntimeError)
    return _RETURN_TYPES["linalg_lu_factor_ex"](LU, piv, info)


def linalg_lu_factor(A, *, pivot=True, out=None):
    """(LU, pivots) with A = P L U: L (unit lower triangular, below the diagonal of LU) and U
    (on and above it) packed in one matrix, pivots the 1-based int32 row swaps that give P.
    RuntimeError when U has a zero on its diagonal (linalg.lu_factor_ex reports it instead).

    >>> LU, pivots = ember.linalg.lu_factor(A)
    >>> X = ember.linalg.lu_solve(LU, pivots, B)
    """
    _check_lu_input(A, "torch.lu_factor")
    _check_pivot(pivot)
    LU, piv, info = execute(LinalgLuFactorExBackward0, (A,), (A._data,))
    _raise_info(info._data, A._data.ndim, "torch.linalg.lu_factor", _ZERO_PIVOT, RuntimeError)
    return _RETURN_TYPES["linalg_lu_factor"](LU, piv)


def linalg_lu(A, *, pivot=True, out=None):
    """(P, L, U) with A = P L U for m x n matrices: P a permutation matrix, L m x k unit lower
    triangular and U k x n upper triangular (k = min(m, n)); a singular A is no error."""
    _check_lu_input(A, "linalg.lu")
    _check_pivot(pivot)
    P, L, U = execute(LinalgLuBackward0, (A,), (A._data,))
    return _RETURN_TYPES["linalg_lu"](make(P._data), L, U)  # P carries no gradient


_LU_DEPRECATED = (
    "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and "
    "will be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\n"
    "should be replaced with\nLU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\n"
    "LU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\nshould be replaced with\n"
    "LU, pivots, info = torch.linalg.lu_factor_ex(A, compute_pivots)")


@export
def lu(A, pivot=True, get_infos=False, out=None):
    """(LU, pivots), plus info with get_infos: the deprecated torch.lu, same as
    linalg.lu_factor_ex (never raising for a singular matrix)."""
    warnings.warn(_LU_DEPRECATED, UserWarning, stacklevel=2)
    LU, piv, info = linalg_lu_factor_ex(A, pivot=pivot)
    if get_infos:
        return _RETURN_TYPES["_lu_with_info"](LU, piv, info)
    return LU, piv


class LuUnpackBackward0(Node):
    _materialize = False

    def forward(self, lu, piv, data, pivots):
        self.shape = lu.shape
        return _unpack_arrays(lu, piv, data, pivots)

    def backward(self, gP, gL, gU):
        from ember._ops.creation import zeros
        from ember._ops.shape import cat
        m, n = self.shape[-2:]
        g = None
        if gL is not None:  # L is m x k: its strict lower part sits in LU's first k columns
            g = gL.tril(-1)
            if n > m:
                g = cat([g, zeros(g.shape[:-1] + (n - m,), dtype=g.dtype)], -1)
        if gU is not None:  # U is k x n: LU's first k rows
            gu = gU.triu()
            if m > n:
                gu = cat([gu, zeros(gu.shape[:-2] + (m - n, n), dtype=gu.dtype)], -2)
            g = gu if g is None else g + gu
        return g


def _check_pivots_int32(pivots, fname):
    if pivots.dtype is not _dt.int32:
        raise RuntimeError(f"{fname}: LU_pivots is expected to be a contiguous tensor of "
                           "torch.int32 dtype.\nNote: this function is intended to be used with "
                           "the output produced by torch.linalg.lu_factor")


@export(method=False)
def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """(P, L, U) from the packed LU and pivots of linalg.lu_factor, so that A = P L U;
    unpack_data=False / unpack_pivots=False leave L, U / P empty."""
    if LU_data._data.ndim < 2:
        raise RuntimeError(f"torch.lu_unpack: Expected tensor with 2 or more dimensions. Got "
                           f"size: {list(LU_data.shape)} instead")
    _check_pivots_int32(LU_pivots, "torch.lu_unpack")
    piv = LU_pivots._data
    if unpack_pivots and piv.size and (piv.min() < 1 or piv.max() > LU_data._data.shape[-2]):
        raise RuntimeError("pivots passed to lu_unpack must be between 1 and LU.size(-2) "
                           "inclusive.Did you properly pass the result of lu_factor?")
    P, L, U = execute(LuUnpackBackward0, (LU_data,), (LU_data._data,),
                      (piv, unpack_data, unpack_pivots))
    return _RETURN_TYPES["lu_unpack"](make(P._data), L, U)


def _mH_arrays(x):
    x = xp.swapaxes(x, -1, -2)
    return xp.conj(x) if x.dtype.kind == "c" else x


def _lu_solve_arrays(lu, piv, b, left, adjoint):
    """X with A X = B (A^H X = B with adjoint; X A = B, X A^H = B when not left), A = P L U
    given by getrf's LU and pivots; batch dims broadcast."""
    if not left:  # X A = B  <=>  A^H X^H = B^H
        return _mH_arrays(_lu_solve_arrays(lu, piv, _mH_arrays(b), True, not adjoint))
    n = lu.shape[-1]
    batch = broadcast_shapes(lu.shape[:-2], b.shape[:-2])
    b = xp.broadcast_to(b, batch + b.shape[-2:])
    rows = xp.broadcast_to(_pivots_to_perm(piv, n)[..., None], b.shape)
    if not adjoint:  # L U X = P^T B
        y = _triangular_arrays(lu, xp.take_along_axis(b, rows, -2), False, unit=True)
        return _triangular_arrays(lu, y, True)
    # U^H L^H (P^T X) = B
    luc = xp.conj(lu) if lu.dtype.kind == "c" else lu
    y = _triangular_arrays(luc, b, True, trans=True)
    y = _triangular_arrays(luc, y, False, unit=True, trans=True)
    x = xp.empty_like(y)
    xp.put_along_axis(x, rows, y, -2)
    return x


class LinalgLuSolveBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, lu, b, piv, left, adjoint):
        self.piv, self.left, self.adjoint = piv, left, adjoint
        with xp.errstate(all="ignore"):
            x = _lu_solve_arrays(lu, piv, b, left, adjoint)
        return _colmajor(x) if left else xp.ascontiguousarray(x)

    def backward(self, grad):
        LU, X = self.saved()
        left, adjoint = self.left, self.adjoint
        gB = _lu_solve(LU, self.piv, grad, left, not adjoint)
        gLU = None
        if self.needs(0):
            if left:
                gA = -(X @ gB.mH) if adjoint else -(gB @ X.mH)
            else:
                gA = -(gB.mH @ X) if adjoint else -(X.mH @ gB)
            # A = P L U: the gradient reaches L through P^T gA U^H, U through L^H P^T gA
            P, L, U = _lu_factors(LU, self.piv)
            gA = P.mT @ gA
            gLU = (gA @ U.mH).tril(-1) + (L.mH @ gA).triu()
        return gLU, (gB if self.needs(1) else None)


def _lu_solve(LU, piv, B, left, adjoint):
    return execute(LinalgLuSolveBackward0, (LU, B), (LU._data, B._data), (piv, left, adjoint))


def linalg_lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """X with A X = B for A given by linalg.lu_factor's (LU, pivots); adjoint=True solves
    A^H X = B, left=False solves X A = B (X A^H = B with adjoint). Batch dims broadcast."""
    fname = "linalg.lu_solve"
    if LU._data.ndim < 2:
        raise RuntimeError("torch.linalg.lu_solve: The input tensor A must have at least 2 "
                           "dimensions.")
    if B._data.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor B must have at least 2 dimensions.")
    if LU.dtype in _LOW:
        raise NotImplementedError(f"\"linalg.lu_solve_cpu\" not implemented for "
                                  f"'{_type_name(LU.dtype)}'")
    _check_matrix(LU, "torch.linalg.lu_solve", square=True)
    n = LU._data.shape[-1]
    rows, cols = B._data.shape[-2:]
    if (rows if left else cols) != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{fname}: Incompatible shapes of A and B for the equation {eq} "
                           f"({n}x{n} and {rows}x{cols})")
    if LU.dtype is not B.dtype:
        raise RuntimeError(f"{fname}: Expected LU and B to have the same dtype, but found LU of "
                           f"type {_type_name(LU.dtype)} and B of type {_type_name(B.dtype)} "
                           "instead")
    if pivots.dtype is not _dt.int32:
        raise RuntimeError(f"{fname}: pivots should be a Tensor of scalar type torch.int32")
    piv = pivots._data
    if piv.ndim == 0 or piv.shape[-1] != n:
        raise RuntimeError(f"{fname}: Number of pivots per batch should be same as the "
                           "dimension of the matrix")
    if piv.shape != LU._data.shape[:-1]:
        raise RuntimeError(f"{fname}: Expected LU.shape[:-1] and pivots.shape to be the same, "
                           f"but got pivots with shape {list(piv.shape)} instead")
    broadcast_shapes(LU._data.shape[:-2], B._data.shape[:-2])
    if piv.size and piv.min() < 1:
        raise RuntimeError("Pivots given to lu_solve must all be greater or equal to 1. Did you "
                           "properly pass the result of lu_factor?")
    if piv.size and piv.max() > n:
        raise RuntimeError("Pivots given to lu_solve must all be smaller or equal to "
                           "LU.size(-2). Did you properly pass the result of lu_factor?")
    return _out(_lu_solve(LU, piv, B, left, adjoint), out)


_LU_SOLVE_DEPRECATED = (
    "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a "
    "future PyTorch release.\nNote that torch.linalg.lu_solve has its arguments reversed.\n"
    "X = torch.lu_solve(B, LU, pivots)\nshould be replaced with\n"
    "X = torch.linalg.lu_solve(LU, pivots, B)")


@export
def lu_solve(input, LU_data, LU_pivots, *, out=None):
    """X with A X = input for A given by (LU_data, LU_pivots) of lu_factor (the deprecated
    torch.lu_solve: linalg.lu_solve with the arguments reordered)."""
    if _ac.on and _ac.active():
        return _ac.fp32(lu_solve, input, LU_data, LU_pivots, out=out)
    warnings.warn(_LU_SOLVE_DEPRECATED, UserWarning, stacklevel=2)
    return linalg_lu_solve(LU_data, LU_pivots, input, out=out)


# --- triangular_solve (deprecated) -------------------------------------------------------------

class TriangularSolveBackward0(Node):
    saves = (1,)
    saves_result = True

    def forward(self, b, a, upper, transpose, unit):
        self.upper, self.transpose, self.unit = upper, transpose, unit
        batch = broadcast_shapes(b.shape[:-2], a.shape[:-2])
        with xp.errstate(all="ignore"):
            x = _triangular_arrays(a, b, upper, unit, trans=transpose)
        x = xp.broadcast_to(x, batch + x.shape[-2:])
        coef = xp.array(xp.broadcast_to(a, batch + a.shape[-2:]))
        return _colmajor(x), _colmajor(coef)

    def backward(self, grad, grad_coef):
        A, X = self.saved()
        gB = _triangular_solve(grad, A.conj(), self.upper, not self.transpose, self.unit)[0]
        gA = None
        if self.needs(1):
            gA = -(X.conj() @ gB.mT) if self.transpose else -(gB @ X.mH)
            k = 1 if self.unit else 0
            gA = (gA.triu(k) if self.upper else gA.tril(-k)) + grad_coef
        return (gB if self.needs(0) else None), gA


def _triangular_solve(b, A, upper, transpose, unitriangular):
    return execute(TriangularSolveBackward0, (b, A), (b._data, A._data),
                   (upper, transpose, unitriangular))


_TRIANGULAR_DEPRECATED = (
    "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand will be "
    "removed in a future PyTorch release.\ntorch.linalg.solve_triangular has its arguments "
    "reversed and does not return a copy of one of the inputs.\nX = torch.triangular_solve(B, "
    "A).solution\nshould be replaced with\nX = torch.linalg.solve_triangular(A, B).")


@export
def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """(solution, cloned_coefficient): X with A X = input for the upper (lower) triangle of A
    (A^T X = input with transpose; a unit diagonal with unitriangular), and a copy of A
    broadcast to the batch (the deprecated torch.triangular_solve)."""
    if _ac.on and _ac.active():
        return _ac.fp32(triangular_solve, input, A, upper, transpose, unitriangular, out=out)
    warnings.warn(_TRIANGULAR_DEPRECATED, UserWarning, stacklevel=2)
    for name, t in (("b", input), ("A", A)):
        if t._data.ndim < 2:
            raise RuntimeError(f"torch.triangular_solve: Expected {name} to have at least 2 "
                               f"dimensions, but it has {t._data.ndim} dimensions instead")
    if input.dtype is not A.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{_type_name(input.dtype)} and A of type {_type_name(A.dtype)} "
                           "instead.")
    m, n = A._data.shape[-2:]
    if m != n:
        raise RuntimeError(f"A must be batches of square matrices, but they are {m} by {n} "
                           "matrices")
    rows, cols = input._data.shape[-2:]
    if rows != n:
        raise RuntimeError(f"Incompatible matrix sizes for triangular_solve: each A matrix is "
                           f"{n} by {n} but each b matrix is {rows} by {cols}")
    broadcast_shapes(input._data.shape[:-2], A._data.shape[:-2])
    if A.dtype.category < _dt.FLOAT or A.dtype in _LOW:
        raise NotImplementedError(f"\"triangular_solve_cpu\" not implemented for "
                                  f"'{_type_name(A.dtype)}'")
    x, coef = _triangular_solve(input, A, upper, transpose, unitriangular)
    return _RETURN_TYPES["triangular_solve"](x, coef)


# === Cholesky ==================================================================================

def _cholesky_arrays(a, upper):
    try:
        return _colmajor(xp.linalg.cholesky(a, upper=upper)), xp.zeros(a.shape[:-2], xp.int32)
    except xp.linalg.LinAlgError:
        L, info = _per_matrix(_chol_failure(upper), a, a.shape[-2:], a.dtype)
        return _colmajor(L), info


def _cholesky_backward(gL, L, upper):
    """Gradient of A -> L with A = L L^H (upper: U = L^H): A's gradient, made Hermitian."""
    if upper:
        L, gL = L.mH, gL.mH
    phi = L.mH @ gL
    phi = phi.tril() - 0.5 * phi.diagonal(0, -2, -1).diag_embed()
    g = linalg_solve_triangular(L.mH, phi, upper=True)  # L^{-H} phi
    g = linalg_solve_triangular(L, g, upper=False, left=False)  # ... L^{-1}
    return 0.5 * (g + g.mH)


class LinalgCholeskyExBackward0(Node):
    saves_result = True

    def forward(self, a, upper):
        self.upper = upper
        return _cholesky_arrays(a, upper)

    def backward(self, grad, grad_info):
        L, = self.saved()
        return _cholesky_backward(grad, L, self.upper)


_NOT_PD = ("The factorization could not be completed because the input is not "
           "positive-definite (the leading minor of order {} is not positive-definite).")


def linalg_cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """(L, info) of the Cholesky factorisation A = L L^H; info > 0 (the order of the failing
    leading minor) instead of an error for a matrix that is not positive-definite."""
    if _ac.on and _ac.active():
        return _ac.fp32(linalg_cholesky_ex, A, upper=upper, check_errors=check_errors, out=out)
    _check_matrix(A, "linalg.cholesky_ex", square=True)
    L, info = execute(LinalgCholeskyExBackward0, (A,), (A._data,), (upper,))
    if check_errors:
        _raise_info(info._data, A._data.ndim, "linalg.cholesky_ex", _NOT_PD)
    return _RETURN_TYPES["linalg_cholesky_ex"](L, info)


def linalg_cholesky(A, *, upper=False, out=None):
    """The lower triangular L with A = L L^H for Hermitian positive-definite A (reading A's
    lower triangle); upper=True gives U = L^H (reading the upper triangle)."""
    if _ac.on and _ac.active():
        return _ac.fp32(linalg_cholesky, A, upper=upper, out=out)
    _check_matrix(A, "linalg.cholesky", square=True)
    L, info = execute(LinalgCholeskyExBackward0, (A,), (A._data,), (upper,))
    _raise_info(info._data, A._data.ndim, "linalg.cholesky", _NOT_PD)
    return _out(L, out)


class CholeskyBackward0(Node):
    saves_result = True

    def forward(self, a, upper):
        self.upper = upper
        return _cholesky_arrays(a, upper)[0]

    def backward(self, grad):
        L, = self.saved()
        return _cholesky_backward(grad, L, self.upper)


@export
def cholesky(input, upper=False, *, out=None):
    """Cholesky factor of positive-definite matrices (deprecated torch.cholesky; prefer
    linalg.cholesky)."""
    if _ac.on and _ac.active():
        return _ac.fp32(cholesky, input, upper, out=out)
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be "
                  "removed in a future PyTorch release.\nL = torch.cholesky(A)\nshould be "
                  "replaced with\nL = torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, "
                  "upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\nThis "
                  "transform will produce equivalent results for all valid (symmetric positive "
                  "definite) inputs.", UserWarning, stacklevel=2)
    _check_matrix(input, "cholesky", square=True)
    L = execute(CholeskyBackward0, (input,), (input._data,), (upper,))
    info = _cholesky_arrays(input._data, upper)[1] if bool(xp.isnan(L._data).any()) else None
    if info is not None:
        _raise_info(info, input._data.ndim, "cholesky", _NOT_PD)
    return _out(L, out)


def _cholesky_solve_arrays(b, l, upper):
    t = xp.triu(l) if upper else xp.tril(l)
    th = xp.conj(xp.swapaxes(t, -1, -2))
    lower, lower_h = (th, t) if upper else (t, th)
    return _colmajor(xp.linalg.solve(lower_h, xp.linalg.solve(lower, b)))


class CholeskySolveBackward0(Node):
    saves = (1,)
    saves_result = True

    def forward(self, b, l, upper):
        self.upper = upper
        return _cholesky_solve_arrays(b, l, upper)

    def backward(self, grad):
        L, X = self.saved()
        gB = cholesky_solve(grad, L, self.upper)
        gL = None
        if self.needs(1):
            c = gB @ X.mH
            c = c + c.mH
            gL = -(L @ c) if self.upper else -(c @ L)
        return (gB if self.needs(0) else None), gL


@export
def cholesky_solve(input, input2, upper=False, *, out=None):
    """X with (L L^H) X = input for the Cholesky factor L = input2 (U^H U with upper=True)."""
    if _ac.on and _ac.active():
        return _ac.fp32(cholesky_solve, input, input2, upper, out=out)
    _check_matrix(input, "linalg.cholesky_solve", name="input")
    _check_matrix(input2, "linalg.cholesky_solve", square=True, name="input2")
    if input.dtype is not input2.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{_type_name(input.dtype)} and A of type "
                           f"{_type_name(input2.dtype)} instead.")
    if input._data.shape[-2] != input2._data.shape[-1]:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is "
                           f"{input2._data.shape[-1]} by {input2._data.shape[-1]} but each b "
                           f"matrix is {input._data.shape[-2]} by {input._data.shape[-1]}")
    return _out(execute(CholeskySolveBackward0, (input, input2),
                        (input._data, input2._data), (upper,)), out)


class CholeskyInverseBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, l, upper):
        self.upper = upper
        n = l.shape[-1]
        eye = xp.broadcast_to(xp.eye(n, dtype=l.dtype), l.shape)
        return _cholesky_solve_arrays(eye, l, upper)

    def backward(self, grad):
        L, inv = self.saved()
        c = inv @ ((grad + grad.mH) @ inv)
        return -(L @ c) if self.upper else -(c @ L)


@export
def cholesky_inverse(input, upper=False, *, out=None):
    """The inverse of L L^H (U^H U with upper=True) from its Cholesky factor."""
    if _ac.on and _ac.active():
        return _ac.fp32(cholesky_inverse, input, upper, out=out)
    _check_matrix(input, "cholesky_inverse", square=True, name="input")
    return _out(execute(CholeskyInverseBackward0, (input,), (input._data,), (upper,)), out)


# === LDL (Bunch-Kaufman) =======================================================================

_BK_ALPHA = (1 + math.sqrt(17)) / 8  # Bunch-Kaufman's threshold for a 1 x 1 pivot


def _ldl_one(a, herm):
    """LAPACK's sytf2 (hetf2 when `herm`) on the lower triangle of one matrix: (LD, pivots,
    info). Bunch-Kaufman pivoting chooses 1 x 1 or 2 x 2 diagonal blocks; a 1 x 1 block at k
    stores its swap partner as pivots[k] = p + 1, a 2 x 2 block at k, k + 1 stores -(p + 1)
    twice, p being the row swapped with k + 1."""
    a = a.copy()
    n = a.shape[0]
    piv = xp.zeros(n, xp.int32)
    info = 0
    size = _cabs1

    def diag(i):  # the size of a diagonal entry (a Hermitian one is real)
        return abs(a[i, i].real) if herm else size(a[i, i])

    k = 0
    while k < n:
        step = 1
        absakk = diag(k)
        imax, colmax = k, 0.0
        if k < n - 1:
            imax = k + 1 + int(xp.argmax(size(a[k + 1:, k])))
            colmax = size(a[imax, k])
        if max(absakk, colmax) == 0 or xp.isnan(absakk):
            info = info or k + 1
            kp = k
            if herm:
                a[k, k] = a[k, k].real
        else:
            if absakk >= _BK_ALPHA * colmax:
                kp = k
            else:  # the largest off-diagonal entry in row / column imax
                rowmax = size(a[imax, k:imax]).max()
                if imax < n - 1:
                    rowmax = max(rowmax, size(a[imax + 1:, imax]).max())
                if absakk >= _BK_ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif diag(imax) >= _BK_ALPHA * rowmax:
                    kp = imax
                else:
                    kp, step = imax, 2
            kk = k + step - 1
            if kp != kk:  # swap rows and columns kk and kp of the trailing lower triangle
                a[kp + 1:, [kk, kp]] = a[kp + 1:, [kp, kk]]
                col = a[kk + 1:kp, kk].copy()
                a[kk + 1:kp, kk] = a[kp, kk + 1:kp]
                a[kp, kk + 1:kp] = col
                if herm:
                    a[kk + 1:kp, kk] = a[kk + 1:kp, kk].conj()
                    a[kp, kk + 1:kp] = a[kp, kk + 1:kp].conj()
                    a[kp, kk] = a[kp, kk].conj()
                    a[kk, kk], a[kp, kp] = a[kp, kp].real, a[kk, kk].real
                else:
                    a[kk, kk], a[kp, kp] = a[kp, kp], a[kk, kk]
                if step == 2:
                    if herm:
                        a[k, k] = a[k, k].real
                    a[k + 1, k], a[kp, k] = a[kp, k], a[k + 1, k]
            elif herm:
                a[k, k] = a[k, k].real
                if step == 2:
                    a[k + 1, k + 1] = a[k + 1, k + 1].real
            if step == 1 and k < n - 1:  # rank-1 update with the 1 x 1 block
                x = a[k + 1:, k].copy()
                if herm:
                    r = 1 / a[k, k].real
                    a[k + 1:, k + 1:] -= xp.outer(x, r * x.conj())
                    idx = range(k + 1, n)
                    a[idx, idx] = a[idx, idx].real
                else:
                    r = 1 / a[k, k]
                    a[k + 1:, k + 1:] -= xp.outer(x, r * x)
                a[k + 1:, k] = x * r
            elif step == 2 and k < n - 2:  # rank-2 update with the 2 x 2 block
                if herm:
                    d = abs(a[k + 1, k])
                    d11, d22 = a[k + 1, k + 1].real / d, a[k, k].real / d
                    d21 = a[k + 1, k] / d
                    d = 1 / (d11 * d22 - 1) / d
                    wk = d * (d11 * a[k + 2:, k] - d21 * a[k + 2:, k + 1])
                    wkp1 = d * (d22 * a[k + 2:, k + 1] - d21.conj() * a[k + 2:, k])
                    a[k + 2:, k + 2:] -= xp.outer(a[k + 2:, k], wk.conj())
                    a[k + 2:, k + 2:] -= xp.outer(a[k + 2:, k + 1], wkp1.conj())
                    idx = range(k + 2, n)
                    a[idx, idx] = a[idx, idx].real
                else:
                    d21 = a[k + 1, k]
                    d11, d22 = a[k + 1, k + 1] / d21, a[k, k] / d21
                    d21 = 1 / (d11 * d22 - 1) / d21
                    wk = d21 * (d11 * a[k + 2:, k] - a[k + 2:, k + 1])
                    wkp1 = d21 * (d22 * a[k + 2:, k + 1] - a[k + 2:, k])
                    a[k + 2:, k + 2:] -= xp.outer(a[k + 2:, k], wk)
                    a[k + 2:, k + 2:] -= xp.outer(a[k + 2:, k + 1], wkp1)
                a[k + 2:, k], a[k + 2:, k + 1] = wk, wkp1
        piv[k:k + step] = kp + 1 if step == 1 else -(kp + 1)
        k += step
    return xp.tril(a), piv, info


def _ldl_solve_one(a, piv, b, herm):
    """LAPACK's sytrs (hetrs) for the lower LD and pivots of _ldl_one: X with A X = B."""
    n = a.shape[0]
    b = b.copy()
    conj = xp.conj if herm else (lambda x: x)
    k = 0
    while k < n:  # L D Y = P B, with the swaps and blocks in factorisation order
        if piv[k] > 0:
            kp = piv[k] - 1
            b[[k, kp]] = b[[kp, k]]
            b[k + 1:] -= xp.outer(a[k + 1:, k], b[k])
            b[k] *= 1 / (a[k, k].real if herm else a[k, k])
            k += 1
        else:
            kp = -piv[k] - 1
            b[[k + 1, kp]] = b[[kp, k + 1]]
            b[k + 2:] -= xp.outer(a[k + 2:, k], b[k])
            b[k + 2:] -= xp.outer(a[k + 2:, k + 1], b[k + 1])
            akm1k = a[k + 1, k]
            akm1, ak = a[k, k] / conj(akm1k), a[k + 1, k + 1] / akm1k
            denom = akm1 * ak - 1
            bkm1, bk = b[k] / conj(akm1k), b[k + 1] / akm1k
            b[k], b[k + 1] = (ak * bkm1 - bk) / denom, (akm1 * bk - bkm1) / denom
            k += 2
    k = n - 1
    while k >= 0:  # L^T X = Y (L^H), undoing the swaps in reverse
        b[k] -= conj(a[k + 1:, k]) @ b[k + 1:]
        step = 1
        if piv[k] < 0:
            b[k - 1] -= conj(a[k + 1:, k - 1]) @ b[k + 1:]
            step = 2
        kp = abs(piv[k]) - 1
        b[[k, kp]] = b[[kp, k]]
        k -= step
    return b


def _ldl_arrays(a, herm):
    batch = a.shape[:-2]
    n = a.shape[-1]
    count = _prod(batch)
    flat = a.reshape((count, n, n))
    ld = xp.empty_like(flat)
    piv = xp.empty((count, n), xp.int32)
    info = xp.empty(count, xp.int32)
    with xp.errstate(all="ignore"):
        for i in range(count):
            ld[i], piv[i], info[i] = _ldl_one(flat[i], herm)
    return _colmajor(ld.reshape(a.shape)), piv.reshape(batch + (n,)), info.reshape(batch)


def _ldl_solve_arrays(ld, piv, b, herm):
    n = ld.shape[-1]
    batch = broadcast_shapes(ld.shape[:-2], b.shape[:-2])
    count = _prod(batch)
    ld = xp.broadcast_to(ld, batch + (n, n)).reshape((count, n, n))
    piv = xp.broadcast_to(piv, batch + (n,)).reshape((count, n))
    x = xp.array(xp.broadcast_to(b, batch + b.shape[-2:])).reshape((count,) + b.shape[-2:])
    with xp.errstate(all="ignore"):
        for i in range(count):
            x[i] = _ldl_solve_one(ld[i], piv[i], x[i], herm)
    return _colmajor(x.reshape(batch + b.shape[-2:]))


def _not_differentiable(name, inputs, arrays, fn):
    """Run fn(*arrays), recorded as torch's NotImplemented node when an input requires grad."""
    from ember._ops.elementwise import _NotImplementedNode
    return execute(_NotImplementedNode, inputs, arrays, (fn, name))


def linalg_ldl_factor_ex(A, *, hermitian=False, check_errors=False, out=None):
    """(LD, pivots, info): the Bunch-Kaufman factorisation A = P L D L^T P^T (L^H with
    hermitian) of symmetric A, from its lower triangle, packed as LAPACK's sytrf packs it (see
    linalg.ldl_factor); info > 0 marks an exactly zero diagonal block. Not differentiable."""
    fname = "torch.linalg.ldl_factor_ex"
    if A._data.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor A must have at least 2 dimensions.")
    if A.dtype in _LOW:
        raise NotImplementedError(f"\"ldl_factor_kernel_cpu\" not implemented for "
                                  f"'{_type_name(A.dtype)}'")
    _check_matrix(A, fname, square=True)
    herm = hermitian and A.is_complex()
    LD, piv, info = _not_differentiable("linalg_ldl_factor_ex", (A,), (A._data,),
                                        lambda a: _ldl_arrays(a, herm))
    if check_errors and bool((info._data != 0).any()):
        raise RuntimeError(f"{fname}: Unknown error code: {int(info._data.max())}.")
    return _RETURN_TYPES["linalg_ldl_factor_ex"](LD, piv, info)


def linalg_ldl_factor(A, *, hermitian=False, out=None):
    """(LD, pivots) of the Bunch-Kaufman factorisation of symmetric (Hermitian with hermitian)
    A: L unit lower triangular below LD's diagonal, the 1 x 1 and 2 x 2 blocks of D on and
    next to it, pivots the 1-based row swaps (negative for a 2 x 2 block), as LAPACK's sytrf.
    Use with linalg.ldl_solve. Not differentiable."""
    LD, piv, info = linalg_ldl_factor_ex(A, hermitian=hermitian)
    if bool((info._data != 0).any()):
        raise RuntimeError(f"torch.linalg.ldl_factor: Unknown error code: "
                           f"{int(info._data.max())}.")
    return _RETURN_TYPES["linalg_ldl_factor"](LD, piv)


def linalg_ldl_solve(LD, pivots, B, *, hermitian=False, out=None):
    """X with A X = B for A given by linalg.ldl_factor's (LD, pivots); batch dims broadcast.
    Not differentiable."""
    fname = "torch.linalg.ldl_solve"
    if LD._data.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor A must have at least 2 dimensions.")
    if B._data.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[-{max(B._data.ndim, 1)}, {max(B._data.ndim, 1) - 1}], but got -2)")
    if LD.dtype in _LOW:
        raise NotImplementedError(f"\"ldl_solve_kernel_cpu\" not implemented for "
                                  f"'{_type_name(LD.dtype)}'")
    _check_matrix(LD, fname, square=True)
    if pivots.dtype.category != _dt.INT:
        raise RuntimeError(f"{fname}: Expected pivots to be integers. Got "
                           f"{_type_name(pivots.dtype)}")
    if pivots._data.shape != LD._data.shape[:-1]:
        raise RuntimeError(f"{fname}: Expected LD.shape[:-1] and pivots.shape to be the same, "
                           f"but got pivots with shape {list(pivots.shape)} instead")
    n = LD._data.shape[-1]
    if B._data.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for {fname}: each A matrix is {n} by {n} "
                           f"but each b matrix is {B._data.shape[-2]} by {B._data.shape[-1]}")
    if B.dtype is not LD.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{_type_name(B.dtype)} and A of type {_type_name(LD.dtype)} instead.")
    piv = pivots._data
    if piv.size and (abs(piv).max() > n or (piv == 0).any()):
        raise RuntimeError("Pivots given to ldl_solve must all satisfy |pivot| <= LD.size(-2). "
                           "Did you properly pass the result of ldl_factor?")
    herm = hermitian and LD.is_complex()
    return _out(_not_differentiable("linalg_ldl_solve", (LD, B), (LD._data, B._data),
                                    lambda ld, b: _ldl_solve_arrays(ld, piv, b, herm)), out)


# === SVD, QR, eigendecompositions ==============================================================

def _svd_backward(gU, gS, gVh, U, S, Vh):
    """Gradient of A -> (U, S, Vh) (reduced SVD, U: m x k, Vh: k x n) from the gradients that
    reach the outputs (None where none does)."""
    if gU is None and gVh is None:
        return (U * gS.unsqueeze(-2)) @ Vh
    m, n, k = U.shape[-2], Vh.shape[-1], S.shape[-1]
    F = _offdiag_inverse(S.unsqueeze(-2) ** 2 - S.unsqueeze(-1) ** 2)  # 1 / (s_j^2 - s_i^2)
    J = None
    if gU is not None:
        X = U.mH @ gU
        J = (F * (X - X.mH)) * S.unsqueeze(-2)
    if gVh is not None:
        Y = Vh @ gVh.mH
        term = S.unsqueeze(-1) * (F * (Y - Y.mH))
        J = term if J is None else J + term
    if U.is_complex():  # the loss must not see the common phase of U's and V's columns
        imdiag = X.diagonal(0, -2, -1).imag if gU is not None else 0
        gauge = imdiag + Y.diagonal(0, -2, -1).imag if gVh is not None else imdiag
        _check_gauge(gauge, "linalg_svd_backward", "singular")
        if gU is not None:
            J = J + (1j * imdiag / S).diag_embed()
    if gS is not None:
        J = J + gS.diag_embed()
    gA = U @ J @ Vh
    if m > k and gU is not None:  # the part of gU outside U's span
        gA = gA + ((gU - U @ X) / S.unsqueeze(-2)) @ Vh
    if n > k and gVh is not None:
        gA = gA + U @ ((gVh - Y.mH @ Vh) / S.unsqueeze(-1))
    return gA


def _check_gauge(im, where, what):
    if bool((im.abs() > 1e-6 * max(1.0, float(im.abs().max()))).any()):
        raise RuntimeError(f"{where}: The {what} vectors in the complex case are specified up to "
                           "multiplication by e^{i phi}. The specified loss function depends on "
                           "this phase term, making it ill-defined.")


class LinalgSvdBackward0(Node):
    _materialize = False
    saves_result = (0, 1, 2)

    def forward(self, a, full_matrices):
        self.full = full_matrices
        u, s, vh = _lapack(xp.linalg.svd, a, _SVD_FAILED, full_matrices=full_matrices)
        return _colmajor(u), s, _colmajor(vh)

    def backward(self, gU, gS, gVh):
        U, S, Vh = self.saved()
        if self.full:  # only the first k columns of U (rows of Vh) carry information
            k = S.shape[-1]
            U, Vh = U.narrow(-1, 0, k), Vh.narrow(-2, 0, k)
            gU = gU.narrow(-1, 0, k) if gU is not None else None
            gVh = gVh.narrow(-2, 0, k) if gVh is not None else None
        return _svd_backward(gU, gS, gVh, U, S, Vh)


def _svd(A, full_matrices):
    return execute(LinalgSvdBackward0, (A,), (A._data,), (full_matrices,))


def linalg_svd(A, full_matrices=True, *, driver=None, out=None):
    """A = U diag(S) Vh with S descending; full_matrices=False gives the reduced factors."""
    if _ac.on and _ac.active():
        return _ac.fp32(linalg_svd, A, full_matrices, driver=driver, out=out)
    _check_matrix(A, "linalg.svd")
    return _RETURN_TYPES["linalg_svd"](*_svd(A, full_matrices))


def linalg_svdvals(A, *, driver=None, out=None):
    """The singular values of A, descending (the vectors are computed only for a gradient)."""
    if _ac.on and _ac.active():
        return _ac.fp32(linalg_svdvals, A, driver=driver, out=out)
    _check_matrix(A, "linalg.svdvals")
    if _needs_grad(A):
        return _out(_svd(A, False)[1], out)
    return _out(make(_lapack(xp.linalg.svd, A._data, _SVD_FAILED, compute_uv=False)), out)


@export
def svd(input, some=True, compute_uv=True, *, out=None):
    """(U, S, V) with input = U diag(S) V^H (deprecated torch.svd; note V, not Vh); some=False
    gives full U and V; compute_uv=False gives zero U and V."""
    if _ac.on and _ac.active():
        return _ac.fp32(svd, input, some, compute_uv, out=out)
    _check_matrix(input, "linalg.svd")
    if not compute_uv:
        from ember._ops.creation import zeros
        m, n = input._data.shape[-2:]
        batch = input._data.shape[:-2]
        S = linalg_svdvals(input)
        return _RETURN_TYPES["svd"](zeros(batch + (m, m), dtype=input.dtype), S,
                                    zeros(batch + (n, n), dtype=input.dtype))
    U, S, Vh = _svd(input, not some)
    return _RETURN_TYPES["svd"](U, S, Vh.mH)


def _qr_square(gQ, gR, Q, R):
    """QR gradient for m >= n (Q: m x n, R: n x n upper triangular with a real diagonal)."""
    M = gR @ R.mH - Q.mH @ gQ
    upper = M.triu(1)
    herm = upper + upper.mH + M.diagonal(0, -2, -1).real.diag_embed()
    return linalg_solve_triangular(R.mH, gQ + Q @ herm, upper=False, left=False)


class LinalgQrBackward0(Node):
    saves = (0,)
    saves_result = (0, 1)

    def forward(self, a, mode):
        self.mode = mode
        if mode == "r":
            return xp.empty((0,), a.dtype), _colmajor(xp.linalg.qr(a, mode="r"))
        q, r = xp.linalg.qr(a, mode=mode)
        return _colmajor(q), _colmajor(r)

    def backward(self, gQ, gR):
        A, Q, R = self.saved()
        m, n = A.shape[-2:]
        if self.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        if self.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                               "and nrows > ncols.")
        if m >= n:
            return _qr_square(gQ, gR, Q, R)
        # wide: A = Q [R1 | R2]; the right block Y = Q R2 feeds back into Q's gradient
        from ember._ops.shape import cat
        Y = A.narrow(-1, m, n - m)
        gR1, gR2 = gR.narrow(-1, 0, m), gR.narrow(-1, m, n - m)
        gX = _qr_square(gQ + Y @ gR2.mH, gR1, Q, R.narrow(-1, 0, m))
        return cat([gX, Q @ gR2], -1)


def linalg_qr(A, mode="reduced", *, out=None):
    """A = Q R with orthonormal columns in Q and upper triangular R; mode 'reduced',
    'complete' or 'r' (R only, Q empty)."""
    if _ac.on and _ac.active():
        return _ac.fp32(linalg_qr, A, mode, out=out)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    _check_matrix(A, "linalg.qr")
    return _RETURN_TYPES["linalg_qr"](*execute(LinalgQrBackward0, (A,), (A._data,), (mode,)))


@export
def qr(input, some=True, *, out=None):
    """(Q, R) of input (deprecated torch.qr: some=False gives the complete factorisation)."""
    if _ac.on and _ac.active():
        return _ac.fp32(qr, input, some, out=out)
    warnings.warn("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a "
                  "future PyTorch release.\nThe boolean parameter 'some' has been replaced with a "
                  "string parameter 'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced "
                  "with\nQ, R = torch.linalg.qr(A, 'reduced' if some else 'complete')",
                  UserWarning, stacklevel=2)
    Q, R = linalg_qr(input, "reduced" if some else "complete")
    return _RETURN_TYPES["qr"](Q, R)


# --- Householder reflectors: geqrf, householder_product (orgqr), ormqr --------------------------

def _reflect_arrays(a, tau, c, left, adjoint):
    """Q C (C Q with left=False; Q^H for adjoint) for Q = H_1 ... H_k, H_i = I - tau_i v_i v_i^H,
    v_i holding a 1 at row i and column i of `a` below it (LAPACK's geqrf storage)."""
    k = tau.shape[-1]
    c = xp.array(c, dtype=xp.result_type(a, c))
    tau = xp.conj(tau) if adjoint else tau
    # Q C applies H_k first; Q^H C applies H_1^H first; C Q applies H_1 first
    order = range(k - 1, -1, -1) if left != adjoint else range(k)
    for i in order:
        v = a[..., i:, i].copy()
        v[..., 0] = 1
        t = tau[..., i, None, None]
        if left:  # rows i: of C change
            c[..., i:, :] -= (t * v[..., :, None]) * (xp.conj(v)[..., None, :] @ c[..., i:, :])
        else:  # columns i: of C change
            c[..., :, i:] -= (c[..., :, i:] @ v[..., :, None]) * (t * xp.conj(v)[..., None, :])
    return c


def _householder_backward(gQ, A, tau, cols):
    """Gradients of (A, tau) for Q = H_1 ... H_k E with E the first `cols` columns of the
    identity, from gQ. With R_i = (H_1 ... H_{i-1})^H gQ and S_i = H_{i+1} ... H_k E, H_i's
    gradient is R_i S_i^H; it reaches tau_i as -v^H (R_i S_i^H) v and v_i as
    -conj(tau_i) (R_i S_i^H) v_i - tau_i (S_i R_i^H) v_i."""
    from ember._ops.creation import eye, zeros
    from ember._ops.shape import cat
    m, n = A.shape[-2:]
    k = tau.shape[-1]
    V = A.narrow(-1, 0, k).tril(-1) + eye(m, k, dtype=A.dtype)
    vs = [V.narrow(-1, i, 1) for i in range(k)]
    ts = [tau.narrow(-1, i, 1).unsqueeze(-1) for i in range(k)]
    S = [None] * k
    S[k - 1] = eye(m, cols, dtype=A.dtype)
    for i in range(k - 1, 0, -1):
        S[i - 1] = S[i] - (ts[i] * vs[i]) @ (vs[i].mH @ S[i])
    R = gQ
    gV, gtau = [], []
    for i in range(k):
        v, t = vs[i], ts[i]
        sv, rv = S[i].mH @ v, R.mH @ v
        gtau.append(-(rv.mH @ sv).squeeze(-1))
        gV.append(-(t.conj() * (R @ sv) + t * (S[i] @ rv)))
        R = R - v @ (t.conj() * (v.mH @ R))
    gA = cat(gV, -1).tril(-1)
    if n > k:
        gA = cat([gA, zeros(gA.shape[:-1] + (n - k,), dtype=gA.dtype)], -1)
    return gA, cat(gtau, -1)


class LinalgHouseholderProductBackward0(Node):
    saves = (0, 1)

    def forward(self, a, tau):
        m, n = a.shape[-2:]
        eye = xp.broadcast_to(xp.eye(m, n, dtype=a.dtype), a.shape)
        return _colmajor(_reflect_arrays(a, tau, eye, True, False))

    def backward(self, grad):
        A, tau = self.saved()
        if not tau.shape[-1]:
            return None, None
        gA, gtau = _householder_backward(grad, A, tau, A.shape[-1])
        return (gA if self.needs(0) else None), (gtau if self.needs(1) else None)


def _check_reflectors(input, tau, fname, op):
    nd = input._data.ndim
    if tau._data.ndim != nd - 1:
        raise RuntimeError(f"{fname}: Expected tau to have one dimension less than input, but "
                           f"got tau.ndim equal to {tau._data.ndim} and input.ndim is equal to "
                           f"{nd}")
    if tau._data.shape[:-1] != input._data.shape[:-2]:
        raise RuntimeError(f"{fname}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(tau._data.shape[:-1])}")
    if input.dtype.category < _dt.FLOAT or input.dtype in _LOW:
        raise NotImplementedError(f"\"{op}_cpu\" not implemented for "
                                  f"'{_type_name(input.dtype)}'")


def linalg_householder_product(A, tau, *, out=None):
    """The first n columns of H_1 ... H_k for A (m x n, m >= n) and tau (k <= n) as geqrf
    returns them: H_i = I - tau_i v_i v_i^H, v_i a 1 at row i over column i of A below it.
    With geqrf's output this is the Q of the QR decomposition."""
    if _ac.on and _ac.active():
        return _ac.fp32(linalg_householder_product, A, tau, out=out)
    fname = "torch.linalg.householder_product"
    if A._data.ndim < 2:
        raise RuntimeError(f"{fname}: input must have at least 2 dimensions.")
    m, n = A._data.shape[-2:]
    if m < n:
        raise RuntimeError(f"{fname}: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if tau._data.ndim and n < tau._data.shape[-1]:
        raise RuntimeError(f"{fname}: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    _check_reflectors(A, tau, fname, "orgqr")
    if tau.dtype is not A.dtype:
        raise RuntimeError(f"{fname}: tau dtype {_type_name(tau.dtype)} does not match input "
                           f"dtype {_type_name(A.dtype)}")
    return _out(execute(LinalgHouseholderProductBackward0, (A, tau), (A._data, tau._data)), out)


@export
def orgqr(input, tau):
    """The Q of geqrf's (a, tau): same as linalg.householder_product."""
    if _ac.on and _ac.active():
        return _ac.fp32(orgqr, input, tau)
    return linalg_householder_product(input, tau)


class GeqrfBackward0(Node):
    def forward(self, a):
        h, tau = xp.linalg.qr(a, mode="raw")  # LAPACK's geqrf; h is its transpose
        return _colmajor(xp.swapaxes(h, -1, -2)), tau

    def backward(self, grad_a, grad_tau):
        raise NotImplementedError("the derivative for 'geqrf' is not implemented.")


@export
def geqrf(input, *, out=None):
    """(a, tau): LAPACK's geqrf QR factorisation, R on and above the diagonal of a and the
    Householder vectors below it (see linalg.householder_product). Not differentiable."""
    if _ac.on and _ac.active():
        return _ac.fp32(geqrf, input, out=out)
    if input._data.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    if input.dtype.category < _dt.FLOAT or input.dtype in _LOW:
        raise NotImplementedError(f"\"geqrf_cpu\" not implemented for "
                                  f"'{_type_name(input.dtype)}'")
    a, tau = execute(GeqrfBackward0, (input,), (input._data,))
    return _RETURN_TYPES["geqrf"](a, tau)


class OrmqrBackward0(Node):
    saves = (0, 1, 2)

    def forward(self, a, tau, c, left, transpose):
        self.left, self.transpose = left, transpose
        return _colmajor(_reflect_arrays(a, tau, c, left, transpose))

    def backward(self, grad):
        A, tau, C = self.saved()
        left, transpose = self.left, self.transpose
        gC = _ormqr(A, tau, grad, left, not transpose) if self.needs(2) else None
        gA = gtau = None
        if self.needs(0) or self.needs(1):
            if left:
                gQ = C @ grad.mH if transpose else grad @ C.mH
            else:
                gQ = grad.mH @ C if transpose else C.mH @ grad
            gA, gtau = _householder_backward(gQ, A, tau, gQ.shape[-1])
        return gA, gtau, gC


def _ormqr(A, tau, C, left, transpose):
    return execute(OrmqrBackward0, (A, tau, C), (A._data, tau._data, C._data), (left, transpose))


@export
def ormqr(input, tau, other, left=True, transpose=False, *, out=None):
    """Q other (other Q with left=False; Q^H with transpose) for the Q = H_1 ... H_k that
    geqrf's (input, tau) describe, without forming Q."""
    if _ac.on and _ac.active():
        return _ac.fp32(ormqr, input, tau, other, left, transpose, out=out)
    fname = "torch.ormqr"
    for name, t in (("input", input), ("other", other)):
        if t._data.ndim < 2:
            raise RuntimeError(f"{fname}: {name} must have at least 2 dimensions.")
    nd = input._data.ndim
    if other._data.ndim != nd:
        raise RuntimeError(f"{fname}: Expected other to have the same number of dimensions as "
                           f"input, but got other.ndim equal to {other._data.ndim} and "
                           f"input.ndim is equal to {nd}")
    if nd > 2 and other._data.shape[:-2] != input._data.shape[:-2]:
        raise RuntimeError(f"{fname}: Expected batch dimensions of other to be equal to "
                           f"input.shape[:-2], but got {list(other._data.shape[:-2])}")
    m, n = input._data.shape[-2:]
    side = -2 if left else -1
    if other._data.shape[side] != m:
        raise RuntimeError(f"{fname}: other.shape[{side}] must be equal to input.shape[-2]")
    if tau._data.ndim and tau._data.shape[-1] != min(other._data.shape[side], n):
        raise RuntimeError(f"{fname}: tau.shape[-1] must be equal to min(other.shape[{side}], "
                           "input.shape[-1])")
    for name, t in (("other", other), ("tau", tau)):
        if t.dtype is not input.dtype:
            raise RuntimeError(f"{fname}: Expected input and {name} to have the same dtype, but "
                               f"input has dtype{_type_name(input.dtype)} and {name} has dtype "
                               f"{_type_name(t.dtype)}")
    _check_reflectors(input, tau, fname, "ormqr")
    return _out(_ormqr(input, tau, other, left, transpose), out)


class LinalgEighBackward0(Node):
    _materialize = False
    saves_result = (0, 1)

    def forward(self, a, uplo):
        w, v = _lapack(xp.linalg.eigh, a, _EIGH_FAILED, UPLO=uplo)
        return w, _colmajor(v)

    def backward(self, gL, gV):
        L, V = self.saved()
        if gV is None:
            return (V * gL.unsqueeze(-2)) @ V.mH
        X = V.mH @ gV
        if V.is_complex():
            _check_gauge(X.diagonal(0, -2, -1).imag, "linalg_eigh_backward", "eigen")
        inner = _offdiag_inverse(L.unsqueeze(-2) - L.unsqueeze(-1)) * (0.5 * (X - X.mH))
        if gL is not None:
            inner = inner + gL.diag_embed()
        return V @ inner @ V.mH


def _check_uplo(uplo):
    if uplo not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")


def linalg_eigh(A, UPLO="L", *, out=None):
    """(eigenvalues ascending, eigenvectors) of Hermitian matrices, reading the lower (UPLO='L')
    or upper triangle."""
    if _ac.on and _ac.active():
        return _ac.fp32(linalg_eigh, A, UPLO, out=out)
    _check_uplo(UPLO)
    _check_matrix(A, "linalg.eigh", square=True)
    return _RETURN_TYPES["linalg_eigh"](*execute(LinalgEighBackward0, (A,), (A._data,),
                                                 (UPLO,)))


def linalg_eigvalsh(A, UPLO="L", *, out=None):
    """The eigenvalues (ascending) of Hermitian matrices."""
    if _ac.on and _ac.active():
        return _ac.fp32(linalg_eigvalsh, A, UPLO, out=out)
    _check_uplo(UPLO)
    _check_matrix(A, "linalg.eigvalsh", square=True)
    if _needs_grad(A):
        return _out(execute(LinalgEighBackward0, (A,), (A._data,), (UPLO,))[0], out)
    return _out(make(_lapack(xp.linalg.eigvalsh, A._data, _EIGH_FAILED, UPLO=UPLO)), out)


def _eig_arrays(a):
    if not xp.isfinite(a).all():
        raise RuntimeError("torch.linalg.eig: input tensor should not contain infs or NaNs.")
    w, v = xp.linalg.eig(a)
    c = _dt._BY_NP[a.dtype].to_complex().np
    return w.astype(c, copy=False), _colmajor(v.astype(c, copy=False))


class LinalgEigBackward0(Node):
    _materialize = False
    saves_result = (0, 1)

    def forward(self, a):
        return _eig_arrays(a)

    def backward(self, gL, gV):
        L, V = self.saved()
        Vh = V.mH
        if gV is None:
            inner = gL.diag_embed()
        else:
            W = Vh @ gV
            diag = W.diagonal(0, -2, -1)
            _check_gauge(diag.imag, "linalg_eig_backward", "eigen")
            # unit-norm eigenvectors: their real length changes are not free
            W = W - Vh @ (V * diag.real.unsqueeze(-2))
            inner = W * _offdiag_inverse((L.unsqueeze(-2) - L.unsqueeze(-1)).conj())
            if gL is not None:
                inner = inner + gL.diag_embed()
        return linalg_solve(Vh, inner @ Vh)


def linalg_eig(A, *, out=None):
    """(eigenvalues, eigenvectors) of square matrices, always complex; each eigenvector has
    norm 1."""
    if _ac.on and _ac.active():
        return _ac.fp32(linalg_eig, A, out=out)
    _check_matrix(A, "linalg.eig", square=True)
    return _RETURN_TYPES["linalg_eig"](*execute(LinalgEigBackward0, (A,), (A._data,)))


def linalg_eigvals(A, *, out=None):
    """The (complex) eigenvalues of square matrices."""
    if _ac.on and _ac.active():
        return _ac.fp32(linalg_eigvals, A, out=out)
    _check_matrix(A, "linalg.eigvals", square=True)
    if _needs_grad(A):
        return _out(execute(LinalgEigBackward0, (A,), (A._data,))[0], out)
    a = A._data
    finite = xp.isfinite(a).all((-2, -1))
    if finite.all():
        return _out(make(_eig_arrays(a)[0]), out)
    c = A.dtype.to_complex().np  # LAPACK's values for non-finite input are nan here
    w = xp.full(a.shape[:-1], xp.nan, c)
    if finite.any():
        w[finite] = _eig_arrays(a[finite])[0]
    return _out(make(w), out)


# === pseudo-inverse, least squares, rank =======================================================

def _tolerances(A, atol, rtol):
    """torch's (atol, rtol) defaults: rtol = eps * max(m, n) when neither is given, 0 when
    only a positive atol is."""
    def value(t):
        if t is None:
            return None
        return t._data if isinstance(t, engine.Tensor) else t
    atol, rtol = value(atol), value(rtol)
    if rtol is None:
        given = atol is not None and bool(xp.any(xp.asarray(atol) > 0))
        real = _dt._BY_NP[A._data.dtype].to_real().np
        rtol = 0.0 if given else float(xp.finfo(real).eps) * max(A._data.shape[-2:])
    return (0.0 if atol is None else atol), rtol


def _cutoff(values, smax, atol, rtol):
    """values > max(atol, rtol * smax), the tolerances broadcast over the batch."""
    tol = xp.maximum(xp.asarray(atol)[..., None], xp.asarray(rtol)[..., None] * smax)
    return values > tol


def _pinv_arrays(a, atol, rtol, hermitian):
    if hermitian:
        w, v = _lapack(xp.linalg.eigh, a, _EIGH_FAILED)
        s = xp.abs(w)
        keep = _cutoff(s, s.max(-1, keepdims=True) if s.size else s, atol, rtol)
        winv = xp.where(keep, 1 / xp.where(keep, w, 1), 0).astype(v.dtype)
        return (v * winv[..., None, :]) @ xp.conj(xp.swapaxes(v, -1, -2))
    u, s, vh = _lapack(xp.linalg.svd, a, _SVD_FAILED, full_matrices=False)
    keep = _cutoff(s, s[..., :1], atol, rtol)
    sinv = xp.where(keep, 1 / xp.where(keep, s, 1), 0).astype(u.dtype)
    return (xp.conj(xp.swapaxes(vh, -1, -2)) * sinv[..., None, :]) @ \
        xp.conj(xp.swapaxes(u, -1, -2))


def _pinv_backward(gP, P, A):
    """Gradient of A -> P = pinv(A) at constant rank."""
    Ph, gPh = P.mH, gP.mH
    left = gPh @ (P @ Ph)   # to be multiplied by (I - A P) on the left
    right = (Ph @ P) @ gPh  # to be multiplied by (I - P A) on the right
    return -(Ph @ gP @ Ph) + (left - A @ (P @ left)) + (right - (right @ P) @ A)


class LinalgPinvBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, a, atol, rtol, hermitian):
        return _pinv_arrays(a, atol, rtol, hermitian)

    def backward(self, grad):
        A, P = self.saved()
        return _pinv_backward(grad, P, A)


def linalg_pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The Moore-Penrose pseudo-inverse through the SVD (eigh when hermitian), singular values
    at or below max(atol, rtol * largest) treated as zero; `rcond` is the older name of
    rtol."""
    if A._data.ndim < 2 or A.dtype.category < _dt.FLOAT or A.dtype in _LOW:
        raise RuntimeError(f"linalg.pinv({_type_name(A.dtype)}{{{list(A.shape)}}}): expected a "
                           "tensor with 2 or more dimensions of float, double, cfloat or cdouble "
                           "types")
    if rcond is not None:
        rtol = rcond
    atol, rtol = _tolerances(A, atol, rtol)
    return _out(execute(LinalgPinvBackward0, (A,), (A._data,), (atol, rtol, hermitian)), out)


@export
def pinverse(input, rcond=1e-15):
    """The pseudo-inverse with relative cutoff rcond (torch.pinverse)."""
    if _ac.on and _ac.active():
        return _ac.fp32(pinverse, input, rcond)
    return linalg_pinv(input, rtol=rcond)


def _lstsq_arrays(a, b, rcond, vector):
    """numpy's lstsq matrix by matrix: (solution, residuals, rank, singular values)."""
    if vector:
        b = b[..., None]
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = xp.broadcast_to(a, batch + a.shape[-2:])
    b = xp.broadcast_to(b, batch + b.shape[-2:])
    m, n = a.shape[-2:]
    fa, fb = a.reshape((_prod(batch), m, n)), b.reshape((_prod(batch),) + b.shape[-2:])
    sols, res, ranks, svs = [], [], [], []
    for x, y in zip(fa, fb):
        s, r, k, sv = xp.linalg.lstsq(x, y, rcond=rcond)
        sols.append(s)
        res.append(r)
        ranks.append(k)
        svs.append(sv)
    sol = xp.stack(sols).reshape(batch + (n, b.shape[-1])) if sols else \
        xp.zeros(batch + (n, b.shape[-1]), a.dtype)
    if vector:
        sol = sol[..., 0]
    full = bool(sols) and all(k == min(m, n) for k in ranks) and m > n
    residuals = xp.stack(res).reshape(batch + res[0].shape[-1:]) if full else None
    return (sol.astype(a.dtype, copy=False), residuals, xp.asarray(ranks).reshape(batch),
            xp.stack(svs).reshape(batch + (min(m, n),)) if svs else None)


class LinalgLstsqBackward0(Node):
    """Gradients of the least-squares solution X = pinv(A) B and of the residuals
    |A X - B|^2 (rank and singular values are not differentiable)."""
    _materialize = False
    saves = (0, 1)
    saves_result = True

    def forward(self, a, b, solution, residuals, vector):
        self.vector = vector
        return solution, residuals

    def backward(self, grad, grad_res):
        A, B, X = self.saved()
        if self.vector:
            B, X = B.unsqueeze(-1), X.unsqueeze(-1)
            grad = grad.unsqueeze(-1) if grad is not None else None
        gA = gB = None
        if grad is not None:
            P = linalg_pinv(A)
            gA = _pinv_backward(grad @ B.mH, P, A) if self.needs(0) else None
            gB = P.mH @ grad if self.needs(1) else None
        if grad_res is not None and grad_res.numel():
            # X minimises the residuals, so only their explicit dependence on A and B counts
            r = (A @ X - B) * (2 * grad_res.unsqueeze(-2))
            gA = r @ X.mH if gA is None else gA + r @ X.mH
            gB = -r if gB is None else gB - r
        if gB is not None and self.vector:
            gB = gB.squeeze(-1)
        return (gA if self.needs(0) else None), (gB if self.needs(1) else None)


def linalg_lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution of A X = B (minimum norm when A is rank deficient), with
    residuals, rank and singular values as the chosen LAPACK driver reports them (default
    'gelsy': rank only)."""
    if _ac.on and _ac.active():
        return _ac.fp32(linalg_lstsq, A, B, rcond, driver=driver)
    fname = "torch.linalg.lstsq"
    _check_matrix(A, fname, name="input")
    _check_same_dtype(A, B, fname)
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"{fname}: parameter `driver` should be one of (gels, gelsy, gelsd, "
                           f"gelss)")
    vector = B._data.ndim == A._data.ndim - 1
    if B._data.shape[-1 if vector else -2] != A._data.shape[-2]:
        raise RuntimeError(f"{fname}: input.size(-2) should match other.size(-2)")
    if rcond is None:
        real = _dt._BY_NP[A._data.dtype].to_real().np
        rcond = float(xp.finfo(real).eps) * max(A._data.shape[-2:])
    if not (xp.isfinite(A._data).all() and xp.isfinite(B._data).all()):
        raise RuntimeError(f"{fname}: the input contains infs or NaNs (LAPACK reports an illegal "
                           "argument)")
    sol, res, rank, sv = _lstsq_arrays(A._data, B._data, rcond, vector)
    driver = driver or "gelsy"
    real = A.dtype.to_real().np
    empty = make(xp.zeros((0,), real))
    res = res.astype(real) if res is not None and driver != "gelsy" else xp.zeros((0,), real)
    X, residuals = execute(LinalgLstsqBackward0, (A, B), (A._data, B._data), (sol, res, vector))
    rank_t = make(rank.astype(xp.int64)) if driver != "gels" else make(xp.zeros((0,), xp.int64))
    sv_t = make(sv.astype(real)) if driver in ("gelsd", "gelss") else empty
    return _RETURN_TYPES["linalg_lstsq"](X, residuals, rank_t, sv_t)


def linalg_matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """The number of singular values (|eigenvalues| when hermitian) above
    max(atol, rtol * largest); `tol` is an absolute cutoff."""
    if _ac.on and _ac.active():
        return _ac.fp32(linalg_matrix_rank, A, tol, hermitian, atol=atol, rtol=rtol, out=out)
    if A._data.ndim < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at least "
                           "2 dimensions.")
    _check_matrix(A, "torch.linalg.matrix_rank")
    if tol is not None:
        atol, rtol = tol, 0.0
    atol, rtol = _tolerances(A, atol, rtol)
    a = A._data
    s = xp.abs(_lapack(xp.linalg.eigvalsh, a, _EIGH_FAILED)) if hermitian else \
        _lapack(xp.linalg.svd, a, _SVD_FAILED, compute_uv=False)
    smax = s.max(-1, keepdims=True) if s.shape[-1] else s
    rank = _cutoff(s, smax, atol, rtol).sum(-1).astype(xp.int64)
    return _out(make(xp.asarray(rank)), out)


# === norms and compositions ====================================================================

def _vector_norm(*args, **kwargs):
    from ember._ops.reduction import vector_norm
    return vector_norm(*args, **kwargs)


def _svd_norm(A, reduce, d0, d1, keepdim):
    """A reduction (sum, amax, amin) of the singular values of the (d0, d1) matrices."""
    nd = A._data.ndim
    perm = [i for i in range(nd) if i not in (d0, d1)] + [d0, d1]
    S = linalg_svdvals(A.permute(perm))
    r = reduce(S, -1, keepdim=keepdim)
    if keepdim:
        inverse = [0] * nd
        for i, p in enumerate(perm):
            inverse[p] = i
        r = r.unsqueeze(-1).permute(inverse)
    return r


def _empty_max(x, dim, keepdim=False):
    """amax, but 0 over an empty dim (a norm of no elements), as torch's matrix norms."""
    from ember._ops.reduction import amax
    shape = list(x._data.shape)
    d = wrap_dim(dim, len(shape))
    if shape[d]:
        return amax(x, d, keepdim)
    if keepdim:
        shape[d] = 1
    else:
        del shape[d]
    return make(xp.zeros(shape, x._data.dtype))


def _check_norm_dtype(have, want, fname):
    if have.is_complex and not want.is_complex:
        raise RuntimeError(f"{fname}: dtype should be complex for complex inputs, but got "
                           f"{_type_name(want)}")
    if not have.is_complex and want.is_complex:
        raise RuntimeError(f"{fname}: dtype should be real for real inputs, but got "
                           f"{_type_name(want)}")
    if _dt._PROMOTE[have, want] is not want:
        raise RuntimeError(f"{fname}: the dtype of the input ({_type_name(have)}) should be "
                           f"convertible without narrowing to the specified dtype "
                           f"({_type_name(want)})")


def linalg_matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """A matrix norm over the two dims `dim`: 'fro' (default), 'nuc' (sum of singular values),
    2 / -2 (largest / smallest singular value), 1 / -1 (max / min column abs-sum) and
    inf / -inf (max / min row abs-sum)."""
    from ember._ops.reduction import amax, amin
    fname = "linalg.matrix_norm"
    if A._data.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor A must have at least 2 dimensions.")
    if A.dtype.category < _dt.FLOAT:
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. Got "
                           f"{_type_name(A.dtype)}")
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if len(dims) != 2:
        raise RuntimeError(f"{fname}: dim must be a 2-tuple. Got {' '.join(map(str, dims))}")
    d0, d1 = (wrap_dim(d, A._data.ndim) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"{fname}: dims must be different. Got ({dims[0]}, {dims[1]})")
    if dtype is not None:
        _check_norm_dtype(A.dtype, _dt.to_dtype(dtype), fname)
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"{fname}: Order {ord} not supported.")
        if ord == "fro":
            return _out(_vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype), out)
        if dtype is not None:
            A = A.to(dtype)
        return _out(_svd_norm(A, lambda s, d, keepdim: s.sum(d, keepdim=keepdim), d0, d1,
                              keepdim), out)
    if abs(ord) not in (1, 2, math.inf):
        raise RuntimeError(f"{fname}: Order {ord} not supported.")
    reduce = _empty_max if ord > 0 else amin
    if abs(ord) == 2:
        if dtype is not None:
            A = A.to(dtype)
        return _out(_svd_norm(A, reduce, d0, d1, keepdim), out)
    if abs(ord) == math.inf:
        d0, d1 = d1, d0
    if not keepdim and d0 < d1:
        d1 -= 1
    return _out(reduce(_vector_norm(A, 1, d0, keepdim, dtype=dtype), d1, keepdim), out)


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """A vector norm (one dim, or all elements when neither ord nor dim is given) or a matrix
    norm (two dims, or a 2-D input with ord given), as torch.linalg.norm chooses."""
    if isinstance(ord, str):
        return linalg_matrix_norm(A, ord, (-2, -1) if dim is None else dim, keepdim,
                                  dtype=dtype, out=out)
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 2:
            return linalg_matrix_norm(A, "fro" if ord is None else ord, dims, keepdim,
                                      dtype=dtype, out=out)
        if len(dims) != 1:
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. "
                               f"Got {list(dims)}")
        return _out(_vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype), out)
    if ord is None:
        return _out(_vector_norm(A, 2, None, keepdim, dtype=dtype), out)
    nd = A._data.ndim
    if nd not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {nd}D.")
    if nd == 1:
        return _out(_vector_norm(A, ord, None, keepdim, dtype=dtype), out)
    return linalg_matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)


def linalg_vecdot(x, y, *, dim=-1, out=None):
    """sum(x.conj() * y) over dim (vdot for two vectors, else mul and sum, as torch)."""
    if _ac.on and _ac.active():
        return _ac.lower(linalg_vecdot, x, y, dim=dim, out=out)
    for t in (x, y):
        if t.dtype.category < _dt.FLOAT:
            raise RuntimeError("linalg.vecdot: Expected a floating point or complex tensor as "
                               f"input. Got {_type_name(t.dtype)}")
    if x.dtype is not y.dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x "
                           f"of type {_type_name(x.dtype)} and y of type {_type_name(y.dtype)} "
                           "instead")
    if x._data.ndim == 1 and y._data.ndim == 1:
        wrap_dim(dim, 1)
        return _out(vdot(x, y), out)
    return _out((x.conj() * y).sum(dim), out)


def linalg_diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonal of each matrix of A (over the last two dims by default), as a view."""
    return A.diagonal(offset, dim1, dim2)


def linalg_matrix_power(A, n, *, out=None):
    """A to the integer power n by repeated squaring (the inverse's power for n < 0; the
    identity for n = 0)."""
    if A._data.ndim < 2:
        raise RuntimeError("linalg.matrix_power: The input tensor A must have at least 2 "
                           "dimensions.")
    m, k = A._data.shape[-2:]
    if m != k:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they "
                           f"are {m} by {k} matrices")
    if n == 0:
        return _out(A.clone().copy_(_identity(m, A)), out)
    if n < 0:
        A, n = linalg_inv(A), -n
        if n == 1:
            return _out(A, out)
    if n == 1:
        return _out(A.clone(), out)
    if n == 2:
        return _out(matmul(A, A), out)
    if n == 3:
        return _out(matmul(matmul(A, A), A), out)
    z = result = None
    while n > 0:
        bit, n = n % 2, n // 2
        z = A if z is None else matmul(z, z)
        if bit:
            result = z if result is None else matmul(result, z)
    return _out(result, out)


@export
def matrix_power(input, n, *, out=None):
    """input to the integer power n (same as linalg.matrix_power)."""
    return linalg_matrix_power(input, n, out=out)


def _chain_order(dims):
    """split[i][j]: where the cheapest product of matrices i..j splits (matrix chain DP)."""
    k = len(dims) - 1
    cost = [[0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(1, k):
        for i in range(k - length):
            j = i + length
            cost[i][j] = None
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, s
    return split


def linalg_multi_dot(tensors, *, out=None):
    """The product of two or more matrices, multiplied in the cheapest order; the first and
    last may be vectors."""
    tensors = list(tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = tensors[0]._data.ndim, tensors[-1]._data.ndim
    if first not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {first}D")
    if last not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {last}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t._data.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t._data.ndim}D")
    dt = tensors[0].dtype
    for i, t in enumerate(tensors):
        if t.dtype is not dt:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor "
                               f"0 is {_long_name(dt)} and tensor {i} {_long_name(t.dtype)}")
    out_shape = []
    if first == 1:
        tensors[0] = tensors[0].unsqueeze(0)
    else:
        out_shape.append(tensors[0]._data.shape[0])
    if last == 1:
        tensors[-1] = tensors[-1].unsqueeze(-1)
    else:
        out_shape.append(tensors[-1]._data.shape[1])
    for i in range(n - 1):
        a, b = tensors[i]._data.shape, tensors[i + 1]._data.shape
        if a[1] != b[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(a)} and "
                               f"{list(b)} cannot be multiplied")
    dims = [t._data.shape[0] for t in tensors] + [tensors[-1]._data.shape[1]]
    if n == 2:
        r = mm(tensors[0], tensors[1])
    elif n == 3:
        a, b, c, d = dims
        if a * b * c + a * c * d <= b * c * d + a * b * d:
            r = mm(mm(tensors[0], tensors[1]), tensors[2])
        else:
            r = mm(tensors[0], mm(tensors[1], tensors[2]))
    else:
        split = _chain_order(dims)

        def product(i, j):
            if i == j:
                return tensors[i]
            s = split[i][j]
            return mm(product(i, s), product(s + 1, j))
        r = product(0, n - 1)
    return _out(r.view(out_shape), out)


def linalg_tensorinv(A, ind=2, *, out=None):
    """The inverse of A seen as a matrix from its first `ind` dims to the rest: the result,
    of shape A.shape[ind:] + A.shape[:ind], contracts with A to the identity."""
    if _ac.on and _ac.active():
        return _ac.fp32(linalg_tensorinv, A, ind, out=out)
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape = A._data.shape
    rows, cols = _prod(shape[:ind]), _prod(shape[ind:])
    if rows != cols:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return _out(_inv(A.reshape(rows, cols), "inv").reshape(shape[ind:] + shape[:ind]), out)


def linalg_tensorsolve(A, B, dims=None, *, out=None):
    """X with tensordot(A, X, X.ndim) = B; `dims` moves those dims of A to the end first."""
    if _ac.on and _ac.active():
        return _ac.fp32(linalg_tensorsolve, A, B, dims, out=out)
    if dims is not None:
        nd = A._data.ndim
        dims = [wrap_dim(d, nd) for d in dims]
        A = A.movedim(dims, list(range(nd - len(dims), nd)))
    shape = A._data.shape
    nb = B._data.ndim
    rows, cols = _prod(shape[:nb]), _prod(shape[nb:])
    if rows != cols:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[other.ndim:]) "
                           f"== prod(self.shape[:other.ndim]), but got {cols} != {rows}")
    x = linalg_solve(A.reshape(rows, cols), B.reshape(rows))
    return _out(x.reshape(shape[nb:]), out)


# === matrix exponential, condition number, Vandermonde ==========================================

def _expm_arrays(a):
    """exp(A) by scaling and squaring: A / 2^s has a 1-norm of at most 1/2, where the Taylor
    series to degree 18 is exact to rounding; the result is then squared s times."""
    if a.size == 0:
        return a.copy()
    norm = xp.abs(a).sum(-2).max(-1)
    with xp.errstate(divide="ignore", invalid="ignore"):
        s = xp.ceil(xp.log2(norm / 0.5))
    s = xp.where(xp.isfinite(s) & (s > 0), s, 0).astype(xp.int64)
    x = a / (2.0 ** s)[..., None, None].astype(a.dtype)
    term = xp.broadcast_to(xp.eye(a.shape[-1], dtype=a.dtype), a.shape)
    result = term.copy()
    for k in range(1, 19):
        term = (term @ x) / a.dtype.type(k)
        result = result + term
    for i in range(int(s.max()) if s.size else 0):
        result = xp.where((s > i)[..., None, None], result @ result, result)
    return result


class LinalgMatrixExpBackward0(Node):
    saves = (0,)

    def forward(self, a):
        return _expm_arrays(a)

    def backward(self, grad):
        from ember._ops.creation import zeros_like
        from ember._ops.shape import cat
        A, = self.saved()
        n = A.shape[-1]
        Ah = A.mH
        # the adjoint of the Frechet derivative: a block of exp([[A^H, G], [0, A^H]])
        block = cat([cat([Ah, grad], -1), cat([zeros_like(Ah), Ah], -1)], -2)
        return linalg_matrix_exp(block).narrow(-2, 0, n).narrow(-1, n, n)


def linalg_matrix_exp(A, *, out=None):
    """The matrix exponential sum_k A^k / k! of each square matrix."""
    fname = "linalg.matrix_exp"
    if A._data.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor A must have at least 2 dimensions.")
    _check_matrix(A, fname, square=True)
    return _out(execute(LinalgMatrixExpBackward0, (A,), (A._data,)), out)


@export
def matrix_exp(input):
    """The matrix exponential of each square matrix (same as linalg.matrix_exp)."""
    return linalg_matrix_exp(input)


def linalg_cond(A, p=None, *, out=None):
    """The condition number of each matrix in the p-norm: largest / smallest singular value for
    p None or 2 (the inverse ratio for -2), else norm(A, p) * norm(inv(A), p) on square
    matrices ('fro', 'nuc', 1, -1, inf, -inf); inf for a singular matrix."""
    if _ac.on and _ac.active():
        return _ac.fp32(linalg_cond, A, p, out=out)
    from ember._ops.creation import zeros
    if A._data.ndim < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    p = 2 if p is None else p
    if p not in ("fro", "nuc") and (isinstance(p, str) or abs(p) not in (1, 2, math.inf)):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    if isinstance(p, str) or abs(p) != 2:
        _check_matrix(A, f"linalg.cond(ord={p})", square=True)
    if A._data.size == 0:
        return _out(zeros(A._data.shape[:-2], dtype=A.dtype.to_real()), out)
    with xp.errstate(divide="ignore", invalid="ignore"):  # singular input: inf or nan
        if p in (2, -2):
            S = linalg_svdvals(A)
            big, small = S.narrow(-1, 0, 1), S.narrow(-1, -1, 1)
            return _out((big / small if p == 2 else small / big).squeeze(-1), out)
        if p == "nuc":
            S = linalg_svdvals(A)
            return _out(S.sum(-1) * S.reciprocal().sum(-1), out)
        inv, info = linalg_inv_ex(A)
        inv.masked_fill_(info.unsqueeze(-1).unsqueeze(-1) > 0, math.inf)
        r = linalg_matrix_norm(A, p) * linalg_matrix_norm(inv, p)
    return _out(r.nan_to_num_(math.inf, math.inf, -math.inf), out)  # 0 * inf: inf, as NumPy


def linalg_vander(x, *, N=None):
    """The Vandermonde matrix of x: columns x^0, x^1, ..., x^(N-1) (N = len(x) by default)."""
    from ember._ops.creation import ones
    from ember._ops.shape import cat
    if x.dtype is _dt.bool:
        raise RuntimeError("linalg.vander supports floating point, complex, and integer "
                           "tensors, but got Bool")
    n = x._data.shape[-1] if x._data.ndim else 0
    N = n if N is None else N
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    powers = x.unsqueeze(-1).expand(*x._data.shape, N - 1).cumprod(-1)
    return cat([ones(x._data.shape + (1,), dtype=x.dtype), powers], -1)
