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
])
def test_det_gradient_of_singular_matrix_is_the_cofactor_matrix(a):
    # torch 2.13 returns 0 here unless create_graph=True, where it switches to the SVD route
    # and gives the cofactors; ember gives the cofactors in both modes.
    t = torch.from_numpy(a.copy()).requires_grad_()
    (want,) = torch.autograd.grad(torch.linalg.det(t), t, create_graph=True)
    e = ember.from_numpy(a.copy()).requires_grad_()
    (got,) = ember.autograd.grad(ember.linalg.det(e), e)
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), atol=1e-12)
    assert ember.autograd.gradcheck(ember.linalg.det, (e,))


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
                 "addr", "baddbmm", "addbmm", "einsum", "tensordot", "chain_matmul"]:
        assert hasattr(ember, name) == hasattr(torch, name), name
        assert hasattr(ember.Tensor, name) == hasattr(torch.Tensor, name), name
    not_yet = {"householder_product", "ldl_factor", "ldl_factor_ex", "ldl_solve", "lu",
               "lu_factor", "lu_factor_ex", "lu_solve", "common_notes"}
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
