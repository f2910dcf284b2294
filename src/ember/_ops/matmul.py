"""Matrix products: mm, bmm, mv, dot, vdot, matmul, addmm & co., outer, inner, tensordot, kron,
chain_matmul, linalg.multi_dot and einsum.
"""
import builtins
import warnings

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops import engine
from ember._ops._util import broadcast_shapes, wrap_dim
from ember._ops.engine import Node, execute
from ember._ops.elementwise import _inplace
from ember._ops.registry import export
from ember._ops import autocast as _ac
from ember._ops.linalg import _long_name, _out, _prod, _type_name


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


def _mm_shape_error(a, b):
    """torch's error for matrices a and b whose inner sizes differ."""
    return RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x"
                        f"{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")


def _mm_grads(node, grad, a, b, first=0):
    # `first`: the node's input index of a (addmm's inputs start with the bias)
    ga = grad.mm(b.t().conj()) if node.needs(first) else None
    gb = a.t().conj().mm(grad) if node.needs(first + 1) else None
    return ga, gb


def _bmm_grads(node, grad, a, b, first=0):
    """bmm's gradients for batched operands a and b (as _mm_grads, batch by batch)."""
    ga = grad.bmm(b.transpose(1, 2).conj()) if node.needs(first) else None
    gb = a.transpose(1, 2).conj().bmm(grad) if node.needs(first + 1) else None
    return ga, gb


def _mv_grads(node, grad, m, v, first=0):
    """mv's gradients for matrix m and vector v (as _mm_grads)."""
    gm = grad.unsqueeze(1) * v.conj().unsqueeze(0) if node.needs(first) else None
    gv = m.t().conj().mv(grad) if node.needs(first + 1) else None
    return gm, gv


class _ProductNode(Node):
    """A product of two operands on backend arrays; each operand is saved only for the
    other's gradient."""
    saves = (0, 1)
    save_if = ((1,), (0,))  # each operand is read only by the other's gradient

    def forward(self, a, b):
        return _matmul_arrays(a, b)



class MmBackward0(_ProductNode):
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
    raise _mm_shape_error(a, b)


class BmmBackward0(_ProductNode):
    def backward(self, grad):
        a, b = self.saved()
        return _bmm_grads(self, grad, a, b)


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


class MvBackward0(_ProductNode):
    def backward(self, grad):
        a, v = self.saved()
        return _mv_grads(self, grad, a, v)


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


class DotBackward0(_ProductNode):
    def backward(self, grad):
        a, b = self.saved()
        return (grad * b.conj() if self.needs(0) else None,
                grad * a.conj() if self.needs(1) else None)


@export
def dot(input, tensor, *, out=None):
    """Inner product of two 1-D tensors (no conjugation)."""
    a, b = _check_vectors(input, tensor, "dot")
    return _out(execute(DotBackward0, (input, tensor), (a, b)), out)


class VdotBackward0(_ProductNode):
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


class _AddProductNode(Node):
    """beta * bias + alpha * product(a, b) (see _add_product); inputs (bias, a, b), each
    factor saved only for the other's gradient."""
    saves = (1, 2)
    save_if = ((2,), (1,))  # each factor is read only by the other's gradient
    product = staticmethod(_matmul_arrays)
    skip = "fc"

    def forward(self, bias, a, b, beta, alpha):
        self.beta, self.alpha = beta, alpha
        return _add_product(bias, a, b, beta, alpha, self.product, self.skip)

    def bias_grad(self, grad):
        """The gradient of bias: grad scaled by conj(beta), if bias needs one."""
        return _scaled(grad, self.beta) if self.needs(0) else None


class AddmmBackward0(_AddProductNode):
    def backward(self, grad):
        a, b = self.saved()
        gbias = self.bias_grad(grad)
        ga, gb = _mm_grads(self, _scaled(grad, self.alpha), a, b, 1) \
            if (self.needs(1) or self.needs(2)) else (None, None)
        return gbias, ga, gb


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
        raise _mm_shape_error(a, b)
    _check_expand(input._data.shape, (a.shape[0], b.shape[1]))
    return _out(execute(AddmmBackward0, (input, mat1, mat2), (input._data, a, b),
                        (beta, alpha)), out)


class AddmvBackward0(_AddProductNode):
    skip = "f"

    def backward(self, grad):
        m, v = self.saved()
        return (self.bias_grad(grad), *_mv_grads(self, _scaled(grad, self.alpha), m, v, 1))


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


class BaddbmmBackward0(_AddProductNode):
    skip = ""

    def backward(self, grad):
        a, b = self.saved()
        return (self.bias_grad(grad), *_bmm_grads(self, _scaled(grad, self.alpha), a, b, 1))


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


class AddbmmBackward0(_AddProductNode):
    product = staticmethod(_batch_sum_product)

    def forward(self, bias, a, b, beta, alpha):
        self.batch = a.shape[0]
        return super().forward(bias, a, b, beta, alpha)

    def backward(self, grad):
        a, b = self.saved()
        g = _scaled(grad, self.alpha).unsqueeze(0).expand(self.batch, -1, -1)
        return (self.bias_grad(grad), *_bmm_grads(self, g, a, b, 1))


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


class AddrBackward0(_AddProductNode):
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
        return (self.bias_grad(grad),
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
    from ember._ops.creation import zeros
    from ember._ops.ranges import arange
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
