"""Inverse and solves: inv, inv_ex, solve, solve_ex, solve_triangular, and the removed torch.*
linear-algebra entry points (solve, lstsq, eig, ...).
"""
from ember._backend import xp
from ember._ops._util import broadcast_shapes
from ember._ops.engine import Node, execute
from ember._ops.registry import export
from ember._ops import autocast as _ac
from ember._ops.linalg import (_RETURN_TYPES, _check_matrix, _check_same_dtype, _colmajor,
                               _getrf_info, _lu_failure, _out, _per_matrix, _raise_info)


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


# --- removed linear-algebra entry points -------------------------------------------------------

def _removed(name, hint):
    def fn(*args, **kwargs):
        raise RuntimeError(f"This function was deprecated since version 1.9 and is now removed. "
                           f"{hint}")
    fn.__name__ = name
    fn.__doc__ = f"Removed from torch: raises RuntimeError pointing to {hint.split('`')[1]}."
    return export(fn, method=name != "matrix_rank")


matrix_rank = _removed("matrix_rank", "Please use the `torch.linalg.matrix_rank` function "
                                      "instead.")
solve = _removed("solve", "`torch.solve` is deprecated in favor of `torch.linalg.solve`.")
lstsq = _removed("lstsq", "`torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.")
eig = _removed("eig", "`torch.linalg.eig` returns complex tensors of dtype `cfloat` or "
                      "`cdouble` rather than real tensors mimicking complex tensors.")
symeig = _removed("symeig", "The default behavior has changed from using the upper "
                            "triangular portion of the matrix by default to using the lower "
                            "triangular portion. Use `torch.linalg.eigh`.")
