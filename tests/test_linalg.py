"""Linear algebra beyond the op table (tests/opinfo/ops_linalg.py): complex gradients,
LinAlgError for singular input, the `*_ex` info values, singular determinants, saved-tensor
version checks, gauge errors, return types, strides and matmul's graph, all against torch."""
import re

import numpy as np
import pytest
import torch

import ember

RNG_SEED = 7


def _rng():
    return np.random.default_rng(RNG_SEED)


def _arr(rng, shape, dtype="float64"):
    a = rng.uniform(-1, 1, shape)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.uniform(-1, 1, shape)
    return a.astype(dtype)


def _wellcond(rng, shape, dtype="float64"):
    n = shape[-1]
    return (_arr(rng, shape, dtype) + n * np.eye(n)).astype(dtype)


def _both(arrays, requires_grad=True):
    out = []
    for lib in (torch, ember):
        ts = [lib.from_numpy(a.copy()) for a in arrays]
        if requires_grad:
            ts = [t.requires_grad_() for t in ts]
        out.append(ts)
    return out


def _leaves(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _real_loss(outs, weights, lib):
    loss = 0
    for o, w in zip(outs, weights):
        w = lib.from_numpy(np.asarray(w))
        loss = loss + ((o * w).real if o.is_complex() else o * w.real).sum()
    return loss


def _grads_match(fn, arrays, atol=1e-9):
    """fn on torch and ember tensors from `arrays`: same values and the same gradients of a
    real weighted loss (complex weights for complex outputs)."""
    (targs, eargs) = _both(arrays)
    t_out, e_out = _leaves(fn(torch, *targs)), _leaves(fn(ember, *eargs))
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(tuple(o.shape)) + 1j * rng.standard_normal(tuple(o.shape))
               for o in t_out]
    for t, e in zip(t_out, e_out):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().resolve_conj().numpy(),
                                   atol=atol, rtol=1e-7)
    tg = torch.autograd.grad(_real_loss(t_out, weights, torch), targs, allow_unused=True)
    eg = ember.autograd.grad(_real_loss(e_out, weights, ember), eargs, allow_unused=True)
    for t, e in zip(tg, eg):
        assert (t is None) == (e is None)
        if t is not None:
            np.testing.assert_allclose(e.numpy(), t.resolve_conj().numpy(), atol=atol,
                                       rtol=1e-7)


# --- complex gradients ----------------------------------------------------------------------

C = "complex128"


@pytest.mark.parametrize("name,fn,shapes", [
    ("matmul", lambda L, a, b: L.matmul(a, b), [(2, 2, 3), (3, 4)]),
    ("matmul batch", lambda L, a, b: L.matmul(a, b), [(2, 3), (2, 3, 4)]),
    ("mm", lambda L, a, b: L.mm(a, b), [(2, 3), (3, 4)]),
    ("bmm", lambda L, a, b: L.bmm(a, b), [(2, 2, 3), (2, 3, 4)]),
    ("mv", lambda L, a, b: L.mv(a, b), [(2, 3), (3,)]),
    ("dot", lambda L, a, b: L.dot(a, b), [(3,), (3,)]),
    ("vdot", lambda L, a, b: L.vdot(a, b), [(3,), (3,)]),
    ("addmm", lambda L, c, a, b: L.addmm(c, a, b, beta=0.5, alpha=2), [(2, 4), (2, 3), (3, 4)]),
    ("addmv", lambda L, c, a, b: L.addmv(c, a, b, alpha=2), [(2,), (2, 3), (3,)]),
    ("addr", lambda L, c, a, b: L.addr(c, a, b, alpha=2), [(2, 3), (2,), (3,)]),
    ("baddbmm", lambda L, c, a, b: L.baddbmm(c, a, b), [(2, 2, 4), (2, 2, 3), (2, 3, 4)]),
    ("addbmm", lambda L, c, a, b: L.addbmm(c, a, b), [(2, 4), (3, 2, 3), (3, 3, 4)]),
    ("einsum", lambda L, a, b: L.einsum("bij,bjk->bik", a, b), [(2, 2, 3), (2, 3, 4)]),
    ("einsum diag", lambda L, a: L.einsum("ii->i", a), [(3, 3)]),
    ("tensordot", lambda L, a, b: L.tensordot(a, b, 2), [(2, 3, 4), (3, 4, 2)]),
    ("inner", lambda L, a, b: L.inner(a, b), [(2, 3), (4, 3)]),
    ("kron", lambda L, a, b: L.kron(a, b), [(2, 2), (2, 3)]),
    ("cross", lambda L, a, b: L.linalg.cross(a, b), [(2, 3), (2, 3)]),
    ("vecdot", lambda L, a, b: L.linalg.vecdot(a, b), [(2, 3), (2, 3)]),
    ("multi_dot", lambda L, a, b, c: L.linalg.multi_dot([a, b, c]), [(2, 3), (3, 4), (4, 2)]),
])
def test_complex_product_gradients(name, fn, shapes):
    rng = _rng()
    _grads_match(fn, [_arr(rng, s, C) for s in shapes])


def _spd(L, a):
    return a @ a.mH + 3 * L.eye(a.shape[-1], dtype=a.dtype)


@pytest.mark.parametrize("name,fn", [
    ("inv", lambda L, a: L.linalg.inv(a)),
    ("det", lambda L, a: L.linalg.det(a)),
    ("slogdet", lambda L, a: L.linalg.slogdet(a)),
    ("logdet", lambda L, a: L.logdet(a)),
    ("solve", lambda L, a: L.linalg.solve(a, a[..., :2] + 1)),
    ("solve left=False", lambda L, a: L.linalg.solve(a, a[..., :2, :] + 1, left=False)),
    ("solve_triangular", lambda L, a: L.linalg.solve_triangular(a, a[..., :2] + 1, upper=True)),
    ("cholesky", lambda L, a: L.linalg.cholesky(_spd(L, a))),
    ("cholesky upper", lambda L, a: L.linalg.cholesky(_spd(L, a), upper=True)),
    ("cholesky_solve", lambda L, a: L.cholesky_solve(a[..., :2], L.linalg.cholesky(_spd(L, a)))),
    ("cholesky_inverse", lambda L, a: L.cholesky_inverse(L.linalg.cholesky(_spd(L, a)))),
    ("eigh", lambda L, a: (lambda w, v: (w, v.abs()))(*L.linalg.eigh(a + a.mH))),
    ("eigvalsh", lambda L, a: L.linalg.eigvalsh(a + a.mH)),
    ("eig", lambda L, a: (lambda w, v: (w, v.abs()))(*L.linalg.eig(a))),
    ("eigvals", lambda L, a: L.linalg.eigvals(a)),
    ("svd", lambda L, a: (lambda u, s, vh: (s, u.abs(), vh.abs(), u @ vh))(
        *L.linalg.svd(a[..., :2, :], full_matrices=False))),
    ("svdvals", lambda L, a: L.linalg.svdvals(a)),
    ("qr", lambda L, a: L.linalg.qr(a)),
    ("qr wide", lambda L, a: L.linalg.qr(a[..., :2, :])),
    ("pinv", lambda L, a: L.linalg.pinv(a[..., :2, :])),
    ("pinv hermitian", lambda L, a: L.linalg.pinv(a + a.mH, hermitian=True)),
    ("matrix_norm nuc", lambda L, a: L.linalg.matrix_norm(a, "nuc")),
    ("matrix_norm 2", lambda L, a: L.linalg.matrix_norm(a, 2)),
    ("matrix_power", lambda L, a: L.linalg.matrix_power(a, -3)),
    ("lstsq", lambda L, a: L.linalg.lstsq(a, a[..., :2] + 1).solution),
    ("lu_factor", lambda L, a: L.linalg.lu_factor(a).LU),
    ("lu", lambda L, a: L.linalg.lu(a)[1:]),
    ("lu wide", lambda L, a: L.linalg.lu(a[..., :2, :])[1:]),
    ("lu tall", lambda L, a: L.linalg.lu(a[..., :2])[1:]),
    ("lu_unpack", lambda L, a: L.lu_unpack(*L.linalg.lu_factor(a))[1:]),
    ("lu_solve", lambda L, a: L.linalg.lu_solve(*L.linalg.lu_factor(a), a[..., :2] + 1)),
    ("lu_solve adjoint", lambda L, a: L.linalg.lu_solve(*L.linalg.lu_factor(a), a[..., :2] + 1,
                                                        adjoint=True)),
    ("lu_solve left=False", lambda L, a: L.linalg.lu_solve(*L.linalg.lu_factor(a),
                                                           a[..., :2, :] + 1, left=False)),
    ("triangular_solve", lambda L, a: L.triangular_solve(a[..., :2] + 1, a, upper=False,
                                                         transpose=True)),
    ("householder_product", lambda L, a: L.linalg.householder_product(a, a[..., 0, :2])),
    ("ormqr", lambda L, a: L.ormqr(a, a[..., 0, :], a[..., :2] + 1, transpose=True)),
    ("ormqr right", lambda L, a: L.ormqr(a, a[..., 0, :], a[..., :2, :] + 1, left=False)),
])
@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)], ids=["matrix", "batch"])
def test_complex_decomposition_gradients(name, fn, shape):
    _grads_match(fn, [_wellcond(_rng(), shape, C)], atol=1e-8)


# --- singular input -----------------------------------------------------------------------

SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])
NOT_PD = np.array([[1.0, 2.0], [2.0, 1.0]])


def _messages_match(fn, *arrays):
    with pytest.raises(torch.linalg.LinAlgError) as t_err:
        fn(torch, *(torch.from_numpy(a.copy()) for a in arrays))
    with pytest.raises(ember.linalg.LinAlgError) as e_err:
        fn(ember, *(ember.from_numpy(a.copy()) for a in arrays))
    # LAPACK's error code for eigh's failure is not known to ember (NumPy hides it)
    assert str(e_err.value) == re.sub(r" \(error code: \d+\)", "", str(t_err.value))


@pytest.mark.parametrize("fn,arrays", [
    (lambda L, a: L.linalg.inv(a), [SINGULAR]),
    (lambda L, a: L.inverse(a), [np.zeros((2, 2))]),
    (lambda L, a: L.linalg.inv(a), [np.stack([np.eye(2), SINGULAR])]),
    (lambda L, a: L.linalg.inv_ex(a, check_errors=True), [np.zeros((2, 2))]),
    (lambda L, a: L.linalg.solve(a, L.ones(2, dtype=a.dtype)), [SINGULAR]),
    (lambda L, a: L.linalg.solve(a, L.ones(2, dtype=a.dtype)), [np.stack([np.eye(2), SINGULAR])]),
    (lambda L, a: L.linalg.solve_ex(a, L.ones(2, dtype=a.dtype), check_errors=True),
     [np.zeros((2, 2))]),
    (lambda L, a: L.linalg.cholesky(a), [NOT_PD]),
    (lambda L, a: L.linalg.cholesky(a), [np.stack([np.eye(2), NOT_PD])]),
    (lambda L, a: L.linalg.cholesky(a, upper=True), [-np.eye(3)]),
    (lambda L, a: L.linalg.cholesky_ex(a, check_errors=True), [-np.eye(2)]),
    (lambda L, a: L.cholesky(a), [-np.eye(2)]),
    (lambda L, a: L.linalg.matrix_power(a, -1), [SINGULAR]),
])
def test_linalg_error(fn, arrays):
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)
    _messages_match(fn, *arrays)


@pytest.mark.parametrize("fn,a", [
    (lambda L, a: L.linalg.inv_ex(a).info, SINGULAR),
    (lambda L, a: L.linalg.inv_ex(a).info, np.stack([np.eye(2), np.zeros((2, 2)), SINGULAR])),
    (lambda L, a: L.linalg.cholesky_ex(a).info, NOT_PD),
    (lambda L, a: L.linalg.cholesky_ex(a).info, np.stack([np.eye(3), -np.eye(3)])),
    (lambda L, a: L.linalg.cholesky_ex(a, upper=True).info, np.array([[1.0, 2.0], [0, 5.0]])),
    (lambda L, a: L.linalg.solve_ex(a, L.ones(3, 2, 1, dtype=a.dtype)).info, SINGULAR),
    (lambda L, a: L.linalg.solve_ex(a, L.ones(2, dtype=a.dtype)).info,
     np.stack([SINGULAR, np.eye(2)])),
    (lambda L, a: L.linalg.inv_ex(a).inverse, np.eye(2) * 2),
    (lambda L, a: L.linalg.slogdet(a), np.zeros((2, 2))),
    (lambda L, a: L.logdet(a), np.zeros((2, 2))),
    (lambda L, a: L.logdet(a), -np.eye(3)),
    (lambda L, a: L.linalg.solve_triangular(a, L.ones(2, 1, dtype=a.dtype), upper=True),
     np.zeros((2, 2)) + np.triu(np.ones((2, 2)), 1)),
])
def test_info_and_singular_values_match_torch(fn, a):
    want = _leaves(fn(torch, torch.from_numpy(a.copy())))
    got = _leaves(fn(ember, ember.from_numpy(a.copy())))
    for w, g in zip(want, got):
        assert str(g.dtype).split(".")[-1] == str(w.dtype).split(".")[-1]
        np.testing.assert_array_equal(g.numpy(), w.numpy())


@pytest.mark.parametrize("a", [
    np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [1.0, 0.0, 1.0]]),
    np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]),
    np.array([[1.0, 2.0], [2.0, 4.0]]),
    np.stack([np.array([[1.0, 2.0], [2.0, 4.0]]), np.array([[1.0, 2.0], [3.0, 4.0]])]),
    np.array([[1.0, 2.0], [2.0, 4.0]]) * (1 + 1j),
])
@pytest.mark.parametrize("create_graph", [False, True])
def test_det_gradient_of_singular_matrix_as_torch(a, create_graph):
    # torch 2.13's first-order gradient is det * A^{-H} from A's LU, 0 for a singular matrix;
    # with create_graph=True it is the cofactor matrix (from the SVD), differentiable again
    t = torch.from_numpy(a.copy()).requires_grad_()
    (want,) = torch.autograd.grad(torch.linalg.det(t).abs().sum(), t, create_graph=create_graph)
    e = ember.from_numpy(a.copy()).requires_grad_()
    (got,) = ember.autograd.grad(ember.linalg.det(e).abs().sum(), e, create_graph=create_graph)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().resolve_conj().numpy(),
                               atol=1e-12)
    assert got.requires_grad == want.requires_grad


def test_det_cofactor_gradient_is_differentiable():
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    grads = []
    for lib in (torch, ember):
        t = lib.from_numpy(a.copy()).requires_grad_()
        (g,) = lib.autograd.grad(lib.linalg.det(t), t, create_graph=True)
        grads.append(lib.autograd.grad((g * g).sum(), t)[0].numpy())
    np.testing.assert_allclose(grads[1], grads[0], atol=1e-10)


# --- saved tensors, backward errors -------------------------------------------------------------

def test_einsum_saves_operands_with_version_check():
    rng = _rng()
    a = ember.from_numpy(_arr(rng, (2, 3))).requires_grad_()
    b = ember.from_numpy(_arr(rng, (3, 2)))
    out = ember.einsum("ij,jk->ik", a, b)
    b.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()
    node = ember.einsum("ij,jk->ik", a, b).grad_fn
    assert not hasattr(node, "saved_operands") and not hasattr(node, "arrays")


@pytest.mark.parametrize("fn", [
    lambda L, a: L.linalg.qr(a, mode="r").R.sum(),
    lambda L, a: L.linalg.qr(a, mode="complete").Q.sum(),
])
def test_qr_backward_errors(fn):
    a = _arr(_rng(), (4, 3))
    with pytest.raises(RuntimeError) as t_err:
        fn(torch, torch.from_numpy(a.copy()).requires_grad_()).backward()
    with pytest.raises(RuntimeError) as e_err:
        fn(ember, ember.from_numpy(a.copy()).requires_grad_()).backward()
    assert str(e_err.value) == str(t_err.value)


@pytest.mark.parametrize("fn", [
    lambda L, a: L.linalg.svd(a, full_matrices=False).U.real.sum(),
    lambda L, a: L.linalg.eigh(a + a.mH).eigenvectors.imag.sum(),
    lambda L, a: L.linalg.eig(a).eigenvectors.real.sum(),
])
def test_phase_dependent_losses_raise(fn):
    a = _arr(_rng(), (3, 3), C)
    with pytest.raises(RuntimeError):
        fn(torch, torch.from_numpy(a.copy()).requires_grad_()).backward()
    with pytest.raises(RuntimeError, match="e\\^\\{i phi\\}"):
        fn(ember, ember.from_numpy(a.copy()).requires_grad_()).backward()


def test_lstsq_residuals_gradient():
    rng = _rng()
    fn = lambda L, a, b: L.linalg.lstsq(a, b, driver="gelsd")[:2]  # noqa: E731
    _grads_match(fn, [_arr(rng, (5, 3)), _arr(rng, (5, 2))])
    _grads_match(fn, [_arr(rng, (5, 3), C), _arr(rng, (5, 2), C)])


def test_gradgradcheck_decompositions():
    rng = _rng()
    a = ember.from_numpy(_wellcond(rng, (3, 3))).requires_grad_()
    b = ember.from_numpy(_arr(rng, (3, 2))).requires_grad_()
    gc = ember.autograd.gradgradcheck
    assert gc(lambda x: ember.linalg.det(x), (a,))
    assert gc(lambda x, y: ember.linalg.solve(x, y), (a, b))
    assert gc(lambda x: ember.linalg.svd(x[:2], full_matrices=False).S, (a,))
    assert gc(lambda x: ember.linalg.eig(x).eigenvalues.real, (a,))
    assert gc(lambda x, y: ember.linalg.lstsq(x, y).solution, (a, b))


# --- API details ----------------------------------------------------------------------------------

def test_return_types():
    rng = _rng()
    a = _wellcond(rng, (3, 3))
    for lib in (torch, ember):
        A = lib.from_numpy(a.copy())
        assert lib.linalg.svd(A).Vh.shape == (3, 3) and lib.svd(A).V.shape == (3, 3)
        assert lib.linalg.eigh(A).eigenvalues.shape == (3,)
        assert lib.linalg.eig(A).eigenvectors.is_complex()
        assert lib.linalg.slogdet(A).logabsdet.shape == ()
        assert lib.slogdet(A).sign.shape == ()
        assert lib.linalg.qr(A).R.shape == (3, 3)
        assert lib.linalg.inv_ex(A).inverse.shape == (3, 3)
        assert lib.linalg.cholesky_ex(A @ A.mT).L.shape == (3, 3)
        assert lib.linalg.solve_ex(A, A).result.shape == (3, 3)
        assert lib.linalg.lstsq(A, A).solution.shape == (3, 3)
    assert type(ember.linalg.svd(ember.from_numpy(a))).__name__ == "linalg_svd"
    assert ember.return_types.linalg_eigh is type(ember.linalg.eigh(ember.from_numpy(a)))


def test_methods_and_namespaces_match_torch():
    for name in ["det", "logdet", "slogdet", "inverse", "pinverse", "cholesky", "cholesky_solve",
                 "cholesky_inverse", "matrix_power", "svd", "qr", "matmul", "mm", "bmm", "mv",
                 "dot", "vdot", "inner", "outer", "ger", "kron", "cross", "addmm", "addmv",
                 "addr", "baddbmm", "addbmm", "einsum", "tensordot", "chain_matmul", "lu",
                 "lu_solve", "lu_unpack", "triangular_solve", "geqrf", "orgqr", "ormqr",
                 "addmm_", "addmv_", "addr_", "baddbmm_", "addbmm_"]:
        assert hasattr(ember, name) == hasattr(torch, name), name
        assert hasattr(ember.Tensor, name) == hasattr(torch.Tensor, name), name
    not_yet = {"common_notes"}  # a documentation string, not a function
    public = {n for n in dir(torch.linalg) if not n.startswith("_")}
    assert sorted(public - not_yet - set(dir(ember.linalg))) == []


@pytest.mark.parametrize("fn", [
    lambda L, a: L.linalg.inv(a), lambda L, a: L.linalg.cholesky(a),
    lambda L, a: L.linalg.qr(a).Q, lambda L, a: L.linalg.svd(a).U,
    lambda L, a: L.linalg.eigh(a).eigenvectors, lambda L, a: L.linalg.solve(a, a),
    lambda L, a: L.linalg.pinv(a),
])
def test_matrix_results_are_column_major_as_torch(fn):
    a = _wellcond(_rng(), (3, 3))
    a = a @ a.T
    assert fn(ember, ember.from_numpy(a)).stride() == fn(torch, torch.from_numpy(a)).stride()


def _chain(t, depth=6):
    def rec(fn, d):
        if fn is None or d == 0:
            return None
        name = type(fn).__name__
        return name if name == "AccumulateGrad" else \
            (name, [rec(f, d - 1) for f, _ in fn.next_functions])
    return rec(t.grad_fn, depth)


@pytest.mark.parametrize("shapes,grads", [
    (((3,), (3, 2)), (True, True)), (((2, 2, 3), (3, 4)), (True, True)),
    (((2, 2, 3), (3, 4)), (False, True)), (((2, 3), (5, 3, 4)), (True, True)),
    (((2, 3), (5, 3, 4)), (False, True)), (((5, 2, 3), (5, 3, 4)), (True, True)),
    (((2, 5, 2, 3), (5, 3, 4)), (True, True)), (((1, 2, 3), (5, 3, 4)), (True, True)),
    (((1, 2, 3), (5, 3, 4)), (True, False)), (((5, 2, 3), (1, 3, 4)), (True, True)),
    (((2, 2, 3), (3,)), (True, True)), (((3,), (5, 3, 4)), (True, True)),
    (((3,), (5, 3, 4)), (True, False)), (((2, 1, 2, 3), (5, 3, 4)), (True, True)),
    (((2, 3), (1, 3, 4)), (True, True)), (((5, 2, 3), (5, 3, 1)), (True, True)),
])
def test_matmul_graph_matches_torch(shapes, grads):
    rng = _rng()
    arrays = [_arr(rng, s) for s in shapes]
    graphs = []
    for lib in (torch, ember):
        ts = [lib.from_numpy(a.copy()).requires_grad_(g) for a, g in zip(arrays, grads)]
        out = lib.matmul(*ts)
        graphs.append(_chain(out))
        np.testing.assert_allclose(out.detach().numpy(), np.matmul(*arrays), atol=1e-12)
    assert graphs[1] == graphs[0]


def test_half_products_accumulate_in_float32():
    # ones summed in half precision would stop growing (at 2048, or 256 in bfloat16)
    a, b = np.ones((1, 4096), np.float32), np.ones((4096, 2), np.float32)
    for dt in ("float16", "bfloat16"):
        want = torch.mm(torch.from_numpy(a).to(getattr(torch, dt)),
                        torch.from_numpy(b).to(getattr(torch, dt))).float().numpy()
        got = ember.mm(ember.from_numpy(a).to(getattr(ember, dt)),
                       ember.from_numpy(b).to(getattr(ember, dt))).float().numpy()
        np.testing.assert_array_equal(got, want)
        assert want[0, 0] == 4096


@pytest.mark.parametrize("p", ["fro", 1, float("inf")])
def test_cond_backward_fails_as_in_torch(p):
    # torch.linalg.cond fills the inverse's failed matrices in place after saving it for
    # backward, so its gradient raises the version-counter error; ember keeps that behaviour
    a = _wellcond(_rng(), (3, 3))
    for lib in (torch, ember):
        A = lib.from_numpy(a.copy()).requires_grad_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            lib.linalg.cond(A, p).backward()


@pytest.mark.parametrize("fn", [
    lambda L, a: L.cholesky(a), lambda L, a: L.qr(a), lambda L, a: L.chain_matmul(a, a),
    lambda L, a: L.cross(a, a),
])
def test_deprecation_warnings_as_torch(fn):
    # torch warns once per process, so only ember's side can be checked in a test session
    with pytest.warns(UserWarning, match="deprecated"):
        fn(ember, ember.from_numpy(_wellcond(_rng(), (3, 3))))


@pytest.mark.parametrize("fn,which", [
    (lambda L, a: L.linalg.svd(a, full_matrices=False), 1),
    (lambda L, a: L.linalg.svd(a, full_matrices=False), 2),
    (lambda L, a: L.linalg.eigh(a + a.mT), 1),
    (lambda L, a: L.linalg.qr(a), 1),
    (lambda L, a: L.linalg.eig(a), 1),
])
def test_saved_outputs_are_version_checked(fn, which):
    # outputs beyond the first are saved for backward too; changing one in place must be caught
    a = _wellcond(_rng(), (3, 3))
    for lib in (torch, ember):
        outs = fn(lib, lib.from_numpy(a.copy()).requires_grad_())
        loss = outs[0].abs().sum() + outs[which].abs().sum()
        with lib.no_grad():
            outs[which].mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loss.backward()


EMPTY = [
    lambda L, a: L.linalg.inv(a[:, :0, :0]), lambda L, a: L.linalg.det(a[:, :0, :0]),
    lambda L, a: L.linalg.slogdet(a[:, :0, :0]), lambda L, a: L.linalg.svd(a[:, :0, :]),
    lambda L, a: L.linalg.svdvals(a[:, :0, :]), lambda L, a: L.linalg.qr(a[:, :0, :]),
    lambda L, a: L.linalg.eigh(a[:, :0, :0]), lambda L, a: L.linalg.eig(a[:, :0, :0]),
    lambda L, a: L.linalg.cholesky(a[:, :0, :0]),
    lambda L, a: L.linalg.solve(a[:, :0, :0], a[:, :0, :2]),
    lambda L, a: L.linalg.pinv(a[:, :0, :]), lambda L, a: L.linalg.matrix_rank(a[:, :0, :]),
    lambda L, a: L.linalg.matrix_norm(a[:, :0, :], 2),
    lambda L, a: L.linalg.matrix_norm(a[:, :0, :], "nuc", keepdim=True),
    lambda L, a: L.linalg.matrix_norm(a[:, :0, :], -2),
    lambda L, a: L.linalg.matrix_norm(a[:, :, :0], -1),
    lambda L, a: L.linalg.matrix_power(a[:, :0, :0], 3),
    lambda L, a: L.linalg.matrix_exp(a[:, :0, :0]), lambda L, a: L.linalg.inv(a[:0]),
    lambda L, a: L.linalg.svd(a[:0]), lambda L, a: L.linalg.solve(a[:0], a[:0]),
    lambda L, a: L.linalg.lstsq(a[:, :0, :], a[:, :0, :1]),
    lambda L, a: L.matmul(a[:, :, :0], a[:, :0, :]), lambda L, a: L.linalg.cond(a[:, :0, :0]),
    lambda L, a: L.linalg.lu_factor_ex(a[:, :0, :]), lambda L, a: L.linalg.lu(a[:, :, :0]),
    lambda L, a: L.linalg.lu_factor(a[:0]),
    lambda L, a: L.linalg.lu_solve(*L.linalg.lu_factor(a[:, :0, :0]), a[:, :0, :2]),
    lambda L, a: L.lu_unpack(*L.linalg.lu_factor(a[:, :0, :])),
    lambda L, a: L.triangular_solve(a[:, :0, :2], a[:, :0, :0]),
    lambda L, a: L.linalg.householder_product(a[:, :0, :0], a[:, 0, :0]),
    lambda L, a: L.geqrf(a[:, :0, :]), lambda L, a: L.linalg.ldl_factor_ex(a[:, :0, :0]),
]


@pytest.mark.parametrize("fn", EMPTY)
def test_empty_inputs_match_torch(fn):
    a = _arr(_rng(), (2, 3, 3))
    try:
        want = _leaves(fn(torch, torch.from_numpy(a.copy())))
    except Exception as e:
        with pytest.raises(type(e)):
            fn(ember, ember.from_numpy(a.copy()))
        return
    got = _leaves(fn(ember, ember.from_numpy(a.copy())))
    for w, g in zip(want, got):
        assert tuple(g.shape) == tuple(w.shape)
        np.testing.assert_array_equal(g.numpy(), w.numpy())


@pytest.mark.parametrize("fn", [
    lambda L, a: L.linalg.svd(a), lambda L, a: L.linalg.svdvals(a),
    lambda L, a: L.linalg.eigvalsh(a), lambda L, a: L.linalg.pinv(a),
    lambda L, a: L.linalg.matrix_rank(a), lambda L, a: L.linalg.matrix_norm(a, 2),
    lambda L, a: L.linalg.cond(a),
])
@pytest.mark.parametrize("batch", [False, True])
def test_non_convergence_raises_linalg_error(fn, batch):
    a = np.eye(3)
    a[1, 1] = np.nan
    if batch:
        a = np.stack([np.eye(3), a])
    _messages_match(fn, a)


def test_eig_of_non_finite_input():
    a = np.eye(3)
    a[1, 1] = np.inf
    for lib in (torch, ember):
        with pytest.raises(RuntimeError, match="should not contain infs or NaNs"):
            lib.linalg.eig(lib.from_numpy(a.copy()))


# --- LU, triangular_solve, Householder products, LDL -------------------------------------------

def test_lu_factor_pivots_as_lapack():
    # LAPACK picks the pivot of largest |re| + |im| (here 1.5 > 1.1, though |0.75+0.75j| < 1.1),
    # the first one on a tie, and leaves a zero column unscaled
    for a in [np.array([[1.1 + 0j, 0], [0.75 + 0.75j, 1]]), np.array([[1.0, 2.0], [-1.0, 1.0]]),
              np.array([[0.0, 1.0, 2.0], [0.0, 3.0, 1.0], [0.0, 1.0, 1.0]])]:
        want = torch.linalg.lu_factor_ex(torch.from_numpy(a.copy()))
        got = ember.linalg.lu_factor_ex(ember.from_numpy(a.copy()))
        np.testing.assert_array_equal(got.pivots.numpy(), want.pivots.numpy())
        np.testing.assert_array_equal(got.info.numpy(), want.info.numpy())
        np.testing.assert_allclose(got.LU.numpy(), want.LU.numpy(), atol=1e-15)


@pytest.mark.parametrize("shape", [(40, 40), (70, 37), (37, 70), (3, 33, 33)])
def test_lu_factor_blocked_matches_torch(shape):
    # past one block of columns the trailing matrix is updated by a matmul
    a = _arr(_rng(), shape)
    want = torch.linalg.lu_factor(torch.from_numpy(a.copy()))
    got = ember.linalg.lu_factor(ember.from_numpy(a.copy()))
    np.testing.assert_array_equal(got.pivots.numpy(), want.pivots.numpy())
    np.testing.assert_allclose(got.LU.numpy(), want.LU.numpy(), atol=1e-12)
    P, L, U = ember.lu_unpack(*got)
    np.testing.assert_allclose((P @ L @ U).numpy(), a, atol=1e-12)


@pytest.mark.parametrize("fn", [
    lambda L, a: L.linalg.lu_factor(a),
    lambda L, a: L.linalg.lu_factor_ex(a, check_errors=True),
])
@pytest.mark.parametrize("a", [np.zeros((3, 3)),
                               np.stack([np.eye(3), [[1.0, 2, 3], [2, 4, 6], [1, 1, 1]]])])
def test_lu_factor_of_singular_matrix_raises_as_torch(fn, a):
    with pytest.raises(RuntimeError) as t_err:
        fn(torch, torch.from_numpy(a.copy()))
    with pytest.raises(RuntimeError) as e_err:
        fn(ember, ember.from_numpy(a.copy()))
    assert str(e_err.value) == str(t_err.value)
    assert not isinstance(t_err.value, torch.linalg.LinAlgError)
    assert not isinstance(e_err.value, ember.linalg.LinAlgError)


def test_lu_solve_of_singular_matrix_gives_inf_nan_as_torch():
    for lib in (torch, ember):
        LU, piv, _ = lib.linalg.lu_factor_ex(lib.zeros(2, 2, dtype=lib.float64))
        x = lib.linalg.lu_solve(LU, piv, lib.ones(2, 1, dtype=lib.float64))
        assert bool(x.isnan().any()) and not bool(x.isfinite().all())


@pytest.mark.parametrize("fn", [
    lambda L, a: L.linalg.lu_factor(a).LU,
    lambda L, a: L.linalg.lu(a).U,
    lambda L, a: L.linalg.lu(a[..., :2, :]).L,
    lambda L, a: L.lu_unpack(*L.linalg.lu_factor(a)).L,
    lambda L, a: L.linalg.lu_solve(*L.linalg.lu_factor(a), a[..., :2]),
    lambda L, a: L.linalg.lu_solve(*L.linalg.lu_factor(a), a[..., :2, :], left=False,
                                   adjoint=True),
    lambda L, a: L.triangular_solve(a[..., :2], a, transpose=True)[0],
    lambda L, a: L.linalg.householder_product(a, a[..., 0, :2]),
    lambda L, a: L.ormqr(a, a[..., 0, :], a[..., :2]),
])
def test_gradgradcheck_lu_family(fn):
    a = ember.from_numpy(_wellcond(_rng(), (3, 3))).requires_grad_()
    assert ember.autograd.gradgradcheck(lambda x: fn(ember, x), (a,))


def test_lu_solve_saves_lu_with_version_check():
    a = _wellcond(_rng(), (3, 3))
    for lib in (torch, ember):
        LU, piv = lib.linalg.lu_factor(lib.from_numpy(a.copy()).requires_grad_())
        b = lib.ones(3, 1, dtype=lib.float64, requires_grad=True)
        x = lib.linalg.lu_solve(LU, piv, b)
        with lib.no_grad():
            LU.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            x.sum().backward()


def test_lu_graphs_as_torch():
    a = _wellcond(_rng(), (3, 3))
    graphs = []
    for lib in (torch, ember):
        A = lib.from_numpy(a.copy()).requires_grad_()
        P, L, U = lib.linalg.lu(A)
        LU, piv = lib.linalg.lu_factor(A)
        uP, uL, uU = lib.lu_unpack(LU, piv)
        x, coef = lib.triangular_solve(A[:, :2], A)
        graphs.append([(t.requires_grad, _chain(t, 3)) for t in
                       (P, L, U, LU, piv, uP, uL, uU, lib.linalg.lu_solve(LU, piv, A), x, coef,
                        lib.linalg.householder_product(A, A[0, :2]), lib.orgqr(A, A[0]),
                        lib.ormqr(A, A[0], A), *lib.geqrf(A))])
    assert graphs[1] == graphs[0]


def test_lu_unpack_options_as_torch():
    a = _arr(_rng(), (2, 3, 4))
    for kw in [{"unpack_data": False}, {"unpack_pivots": False},
               {"unpack_data": False, "unpack_pivots": False}]:
        want = torch.lu_unpack(*torch.linalg.lu_factor(torch.from_numpy(a.copy())), **kw)
        got = ember.lu_unpack(*ember.linalg.lu_factor(ember.from_numpy(a.copy())), **kw)
        for w, g in zip(want, got):
            assert tuple(g.shape) == tuple(w.shape)
            np.testing.assert_allclose(g.numpy(), w.numpy(), atol=1e-14)


def test_lu_return_types_and_strides():
    a = _wellcond(_rng(), (3, 3))
    for lib in (torch, ember):
        A = lib.from_numpy(a.copy())
        assert lib.linalg.lu_factor(A).pivots.dtype == lib.int32
        assert lib.linalg.lu_factor_ex(A).info.shape == ()
        assert lib.linalg.lu(A).P.shape == (3, 3)
        assert lib.lu_unpack(*lib.linalg.lu_factor(A)).U.shape == (3, 3)
        assert lib.triangular_solve(A, A).cloned_coefficient.shape == (3, 3)
        assert lib.geqrf(A).tau.shape == (3,)
        assert lib.linalg.ldl_factor(A + A.mT).LD.shape == (3, 3)
        assert lib.linalg.ldl_factor_ex(A + A.mT).info.shape == ()
        assert type(lib.lu(A)) is tuple and len(lib.lu(A, get_infos=True).info.shape) == 0
    for fn in [lambda L, A: L.linalg.lu_factor(A).LU, lambda L, A: L.linalg.lu(A).P,
               lambda L, A: L.linalg.lu(A).L, lambda L, A: L.lu_unpack(*L.linalg.lu_factor(A)).U,
               lambda L, A: L.linalg.lu_solve(*L.linalg.lu_factor(A), A),
               lambda L, A: L.linalg.lu_solve(*L.linalg.lu_factor(A), A, left=False),
               lambda L, A: L.triangular_solve(A, A).solution,
               lambda L, A: L.triangular_solve(A, A).cloned_coefficient,
               lambda L, A: L.linalg.householder_product(A, A[0]), lambda L, A: L.geqrf(A).a,
               lambda L, A: L.ormqr(A, A[0], A), lambda L, A: L.linalg.ldl_factor(A + A.mT).LD]:
        assert fn(ember, ember.from_numpy(a)).stride() == fn(torch, torch.from_numpy(a)).stride()


@pytest.mark.parametrize("fn", [
    lambda L, a: L.lu(a), lambda L, a: L.lu_solve(a, *L.linalg.lu_factor(a)),
    lambda L, a: L.triangular_solve(a, a),
])
def test_lu_deprecation_warnings(fn):
    # torch warns once per process: only ember's side can be checked in a test session
    with pytest.warns(UserWarning, match="is deprecated in favor of torch.linalg"):
        fn(ember, ember.from_numpy(_wellcond(_rng(), (3, 3))))


def test_geqrf_has_no_derivative():
    a = _arr(_rng(), (4, 3))
    for lib, error in ((torch, NotImplementedError), (ember, NotImplementedError)):
        out = lib.geqrf(lib.from_numpy(a.copy()).requires_grad_())
        assert type(out.a.grad_fn).__name__ == "GeqrfBackward0"
        with pytest.raises(error, match="derivative for 'geqrf' is not implemented"):
            out.a.sum().backward()


def test_householder_product_of_geqrf_is_qr():
    a = _arr(_rng(), (2, 5, 3))
    Q = ember.linalg.householder_product(*ember.geqrf(ember.from_numpy(a)))
    want = torch.linalg.qr(torch.from_numpy(a)).Q.numpy()
    np.testing.assert_allclose(Q.numpy(), want, atol=1e-14)


@pytest.mark.parametrize("hermitian", [False, True])
@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_ldl_factor_and_solve_match_lapack(hermitian, dtype):
    # random symmetric / Hermitian matrices, small diagonals: many 2 x 2 Bunch-Kaufman blocks
    rng = _rng()
    two_by_two = 0
    for n in range(1, 8):
        for _ in range(6):
            a = _arr(rng, (n, n), dtype)
            a[range(n), range(n)] *= rng.choice([0.0, 0.01, 1.0])
            want = torch.linalg.ldl_factor_ex(torch.from_numpy(a.copy()), hermitian=hermitian)
            got = ember.linalg.ldl_factor_ex(ember.from_numpy(a.copy()), hermitian=hermitian)
            np.testing.assert_array_equal(got.pivots.numpy(), want.pivots.numpy())
            np.testing.assert_array_equal(got.info.numpy(), want.info.numpy())
            np.testing.assert_allclose(got.LD.numpy(), want.LD.numpy(), atol=1e-10)
            two_by_two += int((want.pivots < 0).any())
            if int(want.info) == 0:
                b = _arr(rng, (n, 2), dtype)
                x = ember.linalg.ldl_solve(got.LD, got.pivots, ember.from_numpy(b),
                                           hermitian=hermitian)
                y = torch.linalg.ldl_solve(want.LD, want.pivots, torch.from_numpy(b),
                                           hermitian=hermitian)
                np.testing.assert_allclose(x.numpy(), y.numpy(), atol=1e-8)
    assert two_by_two > 5


def test_ldl_is_not_differentiable():
    a = _arr(_rng(), (3, 3))
    for lib in (torch, ember):
        A = lib.from_numpy(a.copy()).requires_grad_()
        LD, piv = lib.linalg.ldl_factor(A + A.mT)
        x = lib.linalg.ldl_solve(LD, piv, lib.ones(3, 1, dtype=A.dtype, requires_grad=True))
        assert type(LD.grad_fn).__name__ == type(x.grad_fn).__name__ == "NotImplemented"
        assert len(x.grad_fn.next_functions) == 2 and not piv.requires_grad
        with pytest.raises(RuntimeError, match="derivative for aten::linalg_ldl_factor_ex"):
            LD.sum().backward()
        with pytest.raises(RuntimeError, match="derivative for aten::linalg_ldl_solve"):
            x.sum().backward()


def test_ldl_solve_broadcasts_batches():
    # torch itself crashes on some broadcasts here, so compare with the expanded call
    rng = _rng()
    a = _arr(rng, (4, 5, 5))
    a = a + np.swapaxes(a, -1, -2)
    b = _arr(rng, (3, 1, 5, 2))
    LD, piv = torch.linalg.ldl_factor(torch.from_numpy(a))
    want = torch.linalg.ldl_solve(LD.expand(3, 4, 5, 5), piv.expand(3, 4, 5),
                                  torch.from_numpy(b).expand(3, 4, 5, 2))
    got = ember.linalg.ldl_solve(*ember.linalg.ldl_factor(ember.from_numpy(a)),
                                 ember.from_numpy(b))
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-10)


# --- add* products: BLAS's alpha = 0, half precision, in-place forms ---------------------------

NAN = float("nan")


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128", "float16"])
@pytest.mark.parametrize("fn,shapes", [
    (lambda L, c, a, b: L.addmm(c, a, b, alpha=0), [(2, 2), (2, 3), (3, 2)]),
    (lambda L, c, a, b: L.addmv(c, a, b, alpha=0), [(2,), (2, 3), (3,)]),
    (lambda L, c, a, b: L.addbmm(c, a, b, alpha=0), [(2, 2), (2, 2, 3), (2, 3, 2)]),
    (lambda L, c, a, b: L.baddbmm(c, a, b, alpha=0), [(2, 2, 2), (2, 2, 3), (2, 3, 2)]),
    (lambda L, c, a, b: L.addr(c, a, b, alpha=0), [(2, 3), (2,), (3,)]),
])
def test_zero_alpha_with_nan_operand_as_torch(dtype, fn, shapes):
    # torch's BLAS calls do not read the operands when alpha is 0 (float and double; not all
    # ops, not half precision), so a nan there does not reach the result
    arrays = [np.ones(shapes[0]), np.full(shapes[1], NAN), np.ones(shapes[2])]
    want = fn(torch, *(torch.from_numpy(a).to(getattr(torch, dtype)) for a in arrays))
    got = fn(ember, *(ember.from_numpy(a).to(getattr(ember, dtype)) for a in arrays))
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("fn,shapes", [
    (lambda L, c, a, b: L.addmm(c, a, b, beta=0.7, alpha=1.3), [(4, 3), (4, 5), (5, 3)]),
    (lambda L, c, a, b: L.baddbmm(c, a, b, beta=0.7, alpha=1.3), [(2, 4, 3), (2, 4, 5),
                                                                  (2, 5, 3)]),
])
def test_half_addmm_rounds_once_as_torch(dtype, fn, shapes):
    rng = _rng()
    for _ in range(10):
        arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
        want = fn(torch, *(torch.from_numpy(a).to(getattr(torch, dtype)) for a in arrays))
        got = fn(ember, *(ember.from_numpy(a).to(getattr(ember, dtype)) for a in arrays))
        np.testing.assert_array_equal(got.float().numpy(), want.float().numpy())


@pytest.mark.parametrize("name,shapes", [
    ("addmm_", [(2, 4), (2, 3), (3, 4)]), ("addmv_", [(2,), (2, 3), (3,)]),
    ("addr_", [(2, 3), (2,), (3,)]), ("baddbmm_", [(2, 2, 4), (2, 2, 3), (2, 3, 4)]),
    ("addbmm_", [(2, 4), (3, 2, 3), (3, 3, 4)]),
])
def test_inplace_products_as_torch(name, shapes):
    rng = _rng()
    arrays = [_arr(rng, s) for s in shapes]
    outs = []
    for lib in (torch, ember):
        c, a, b = (lib.from_numpy(x.copy()).requires_grad_() for x in arrays)
        r = c.clone()
        getattr(r, name)(a, b, beta=0.5, alpha=2)
        grads = lib.autograd.grad(r.sum(), (c, a, b))
        outs.append((type(r.grad_fn).__name__, r.detach().numpy(), [g.numpy() for g in grads]))
        with pytest.raises(RuntimeError):
            getattr(lib.from_numpy(arrays[0][..., :1].copy()), name)(a, b)
    assert outs[0][0] == outs[1][0]
    np.testing.assert_allclose(outs[1][1], outs[0][1], atol=1e-12)
    for g, w in zip(outs[1][2], outs[0][2]):
        np.testing.assert_allclose(g, w, atol=1e-12)
