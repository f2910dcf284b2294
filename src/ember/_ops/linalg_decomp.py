"""Decompositions: SVD, QR, Householder reflectors (geqrf, orgqr, ormqr), eigendecompositions
(eigh, eig), and the SVD-based pinv, lstsq and matrix_rank.
"""
import warnings

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops import engine
from ember._ops._util import broadcast_shapes, make
from ember._ops.engine import Node, execute
from ember._ops.registry import export
from ember._ops import autocast as _ac
from ember._ops.linalg import (_EIGH_FAILED, _LOW, _RETURN_TYPES, _SVD_FAILED, _check_matrix,
                               _check_same_dtype, _colmajor, _lapack, _needs_grad, _offdiag_inverse,
                               _out, _prod, _type_name)
from ember._ops.linalg_solve import linalg_solve, linalg_solve_triangular


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
    from ember._ops.creation import zeros
    from ember._ops.ranges import eye
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
