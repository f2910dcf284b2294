"""Determinants, norms and compositions of torch.linalg: det, slogdet, logdet, matrix_norm,
norm, vecdot, cross, diagonal, matrix_power, tensorinv/tensorsolve, matrix_exp, cond, vander.
"""
import math
import warnings

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops._util import broadcast_shapes, make, wrap_dim
from ember._ops.engine import GRAD, Node, execute
from ember._ops.registry import export
from ember._ops import autocast as _ac
from ember._ops.linalg import _RETURN_TYPES, _check_matrix, _identity, _out, _prod, _type_name
from ember._ops.linalg_decomp import linalg_svd, linalg_svdvals
from ember._ops.linalg_solve import _inv, linalg_inv, linalg_inv_ex, linalg_solve
from ember._ops.matmul import matmul, vdot


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
            from ember._ops.clamp import where
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
    from ember._ops.clamp import where
    sign, logabs = linalg_slogdet(input)
    if input.is_complex():
        return sign.log() + logabs
    return where(sign == -1, math.nan, logabs)


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
    from ember._ops.reduction import amin
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
