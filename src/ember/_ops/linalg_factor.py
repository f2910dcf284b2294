"""Factorisations and their solves: LU (lu_factor, lu_unpack, lu_solve), triangular_solve,
Cholesky (cholesky, cholesky_solve, cholesky_inverse) and LDL (Bunch-Kaufman).
"""
import math
import warnings

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops._util import broadcast_shapes, make
from ember._ops.engine import Node, execute
from ember._ops.registry import export
from ember._ops import autocast as _ac
from ember._ops.linalg import (_LOW, _RETURN_TYPES, _cabs1, _check_matrix, _chol_failure, _colmajor,
                               _lu_arrays, _out, _per_matrix, _prod, _raise_info, _type_name)
from ember._ops.linalg_solve import _triangular_arrays, linalg_solve_triangular


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
    from ember._ops.ranges import eye
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
    from ember._ops.arithmetic import _NotImplementedNode
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
