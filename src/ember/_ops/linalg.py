"""Linear algebra shared pieces: LinAlgError, out= and naming helpers, matrix checks and the
LAPACK-side helpers (the blocked LU kernel among them) the torch.linalg families use.
"""
from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops.engine import GRAD
from ember._ops.reduction import RETURN_TYPES, return_type


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


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


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
    from ember._ops.ranges import eye
    return eye(n, dtype=like.dtype)


def _offdiag_inverse(E):
    """1 / E off the diagonal, 0 on it (the diagonal of E is ignored)."""
    eye = _identity(E.shape[-1], E)
    return (1 - eye) / (E + eye)


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
