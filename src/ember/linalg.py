"""ember.linalg: norms, inverses, determinants, solvers and decompositions."""
from ember._ops.reduction import vector_norm  # noqa: F401
from ember._ops.linalg import cross, matmul, vdot  # noqa: F401
from ember._ops.reduction import norm as _norm


def norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """Vector norm for 1-D input or dim an int; matrix norm for 2-D input or a dim pair."""
    if dim is None and A.ndim == 2 and ord is not None:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    if isinstance(dim, (tuple, list)) and len(dim) == 2 and ord is not None:
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """Frobenius (default), nuclear, or induced 1/2/inf matrix norms over dims."""
    if ord == "fro":
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    raise NotImplementedError(f"matrix_norm(ord={ord!r}) is not implemented yet")


def vecdot(x, y, *, dim=-1):
    """Dot product of conjugated x with y along dim."""
    return (x.conj() * y).sum(dim)
