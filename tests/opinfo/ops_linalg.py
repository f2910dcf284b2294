"""Op-table records for linear algebra (src/ember/_ops/matmul.py and linalg*.py,
ember.linalg).

Conventions used below:
- matrices for inverses, determinants and solvers are well conditioned (random + n * I);
  Cholesky and eigh records build a Hermitian (positive-definite) matrix inside `fn` from a
  free one, so finite differences see the same function as the analytical gradient;
- decompositions whose vectors are defined only up to sign / phase (eigh, eig, svd) compare
  `abs()` of the vectors, which torch defines uniquely; QR's signs are LAPACK's on both sides;
- complex gradients cannot go through the generic tests (their loss is complex), so they are
  checked in tests/test_linalg.py; singular inputs (LinAlgError, a torch-only class) too.
"""
import numpy as np

from opinfo.core import COMPLEX, FLOATS, HALFS, ErrorSample, OpInfo, Sample, index, np_dtype
from opinfo.core import randn as _randn

FC = FLOATS + COMPLEX
INF = float("inf")


def randn(rng, shape, dtype, low=-2.0, high=2.0):
    """core.randn, always an array (it gives NumPy scalars for 0-dim shapes)."""
    return np.asarray(_randn(rng, shape, dtype, low, high))


def _wellcond(rng, shape, dt):
    """A random matrix (batch) plus n * I: comfortably invertible."""
    n = shape[-1]
    return (randn(rng, shape, dt, -1.0, 1.0) + n * np.eye(n)).astype(np_dtype(dt))


def _spd(lib, a):
    """a a^H + n I: Hermitian positive-definite, built inside fn so gradcheck sees it."""
    n = a.shape[-1]
    return a @ a.mH + n * lib.eye(n, dtype=a.dtype)


def _herm(lib, a):
    return a + a.mH


# --- matrix products ------------------------------------------------------------------------

MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)),
                 ((2, 2, 3), (3, 4)), ((2, 3), (2, 3, 4)), ((2, 2, 3), (2, 3, 4)),
                 ((2, 2, 2, 3), (2, 3, 4)), ((1, 2, 3), (2, 3, 4)), ((2, 2, 3), (1, 3, 4)),
                 ((2, 2, 3), (3,)), ((3,), (2, 3, 4)), ((2, 1, 2, 3), (3, 3, 2)),
                 ((2, 2, 3), (2, 3, 1))]


def matmul_samples(rng, dt):
    return [Sample((randn(rng, a, dt), randn(rng, b, dt)), name=f"{a}@{b}")
            for a, b in MATMUL_SHAPES]


def matmul_errors(rng):
    f = "float32"
    return [ErrorSample((randn(rng, (2, 3), f), randn(rng, (4, 2), f)), name="2-2 mismatch"),
            ErrorSample((randn(rng, (2, 2, 3), f), randn(rng, (4, 2), f)), name="3-2 mismatch"),
            ErrorSample((randn(rng, (3, 2, 3), f), randn(rng, (2, 3, 4), f)), name="batch"),
            ErrorSample((randn(rng, (3,), f), randn(rng, (4,), f)), name="1-1 mismatch"),
            ErrorSample((randn(rng, (2, 3), f), randn(rng, (3,), "float64")), name="dtypes"),
            ErrorSample((randn(rng, (), f), randn(rng, (3,), f)), name="0-d")]


def pair_samples(shapes):
    def samples(rng, dt):
        return [Sample((randn(rng, a, dt), randn(rng, b, dt)), name=f"{a}x{b}")
                for a, b in shapes]
    return samples


def pair_errors(shapes, dtypes=False):
    def errors(rng):
        out = [ErrorSample((randn(rng, a, "float32"), randn(rng, b, "float32")))
               for a, b in shapes]
        if dtypes:  # no type promotion in products
            a, b = shapes[0]
            out.append(ErrorSample((randn(rng, a, "float32"), randn(rng, b, "float64"))))
        return out
    return errors


def add_samples(bias_shapes, a_shape, b_shape):
    def samples(rng, dt):
        out = [Sample((randn(rng, s, dt), randn(rng, a_shape, dt), randn(rng, b_shape, dt)),
                      name=f"bias {s}") for s in bias_shapes]
        out.append(Sample((randn(rng, bias_shapes[0], dt), randn(rng, a_shape, dt),
                           randn(rng, b_shape, dt)), {"beta": 0.5, "alpha": 2}, name="scaled"))
        nan_bias = np.full(bias_shapes[0], np.nan).astype(np_dtype(dt)) \
            if np_dtype(dt).kind in "fc" else randn(rng, bias_shapes[0], dt)
        out.append(Sample((nan_bias, randn(rng, a_shape, dt), randn(rng, b_shape, dt)),
                          {"beta": 0}, name="beta=0 ignores input"))
        return out
    return samples


def add_errors(bad):
    def errors(rng):
        return [ErrorSample(tuple(randn(rng, s, "float32") for s in shapes), name=str(shapes))
                for shapes in bad]
    return errors


EINSUM = [("ij,jk->ik", [(2, 3), (3, 4)]), ("ij->ji", [(2, 3)]), ("ii->", [(3, 3)]),
          ("ii->i", [(3, 3)]), ("i,j->ij", [(3,), (2,)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
          ("...ij,...jk->...ik", [(2, 2, 3), (2, 3, 4)]), ("...ij,jk", [(2, 2, 3), (3, 2)]),
          ("ij,jk", [(2, 3), (3, 4)]), ("ij->", [(2, 3)]), ("i,i->", [(3,), (3,)]),
          ("bn,anm,bm->ba", [(2, 3), (2, 3, 2), (2, 2)]), ("ij,ij->ij", [(2, 1), (1, 3)]),
          ("i...->...", [(2, 2, 3)]), ("Ba,aC->BC", [(2, 3), (3, 2)]), ("ba", [(2, 3)]),
          ("iij->j", [(2, 2, 3)])]


def einsum_samples(rng, dt):
    out = [Sample((eq,) + tuple(randn(rng, s, dt) for s in shapes), name=eq)
           for eq, shapes in EINSUM]
    out.append(Sample(("ij,jk", [randn(rng, (2, 3), dt), randn(rng, (3, 2), dt)]),
                      name="operand list"))
    out.append(Sample(("i,i->", randn(rng, (3,), dt)), {"repeat": True}, name="same operand"))
    out.append(Sample(("ij,jk->ik", randn(rng, (3, 3), dt)), {"repeat": True},
                      name="same matrix"))
    return out


def _einsum(lib, eq, *ops, repeat=False):
    return lib.einsum(eq, *(ops + ops if repeat else ops))


def einsum_errors(rng):
    f = "float32"
    return [ErrorSample(("ij,jk", randn(rng, (2, 3), f), randn(rng, (4, 4), f))),
            ErrorSample(("ij,jk", randn(rng, (2, 3), f))),
            ErrorSample(("ij", randn(rng, (2, 3, 4), f))),
            ErrorSample(("ij,jk", randn(rng, (2, 3), f), randn(rng, (3, 4), "float64")))]


def tensordot_samples(rng, dt):
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    return [Sample((r(2, 3, 4), r(3, 4, 2)), name="dims=2"),
            Sample((r(2, 3), r(3, 2)), {"dims": 1}, name="dims=1"),
            Sample((r(2, 3), r(2, 2)), {"dims": 0}, name="dims=0"),
            Sample((r(2, 3, 4), r(4, 3, 2)), {"dims": ([1, 2], [1, 0])}, name="pairs"),
            Sample((r(2, 3, 4), r(4, 2)), {"dims": ([2], [0])}, name="one pair"),
            Sample((r(3,), r(3,)), {"dims": 1}, name="full 1-d"),
            Sample((r(2, 3), r(2, 3)), {"dims": 2}, name="full 2-d"),
            Sample((r(2, 1), r(3, 4)), {"dims": ([1], [0])}, name="broadcast dim")]


def kron_samples(rng, dt):
    return [Sample((randn(rng, a, dt), randn(rng, b, dt)), name=f"{a}x{b}") for a, b in
            [((2, 3), (2, 2)), ((2,), (3,)), ((2,), (2, 2)), ((2, 1, 2), (2, 2)), ((), (3,))]]


def chain_samples(rng, dt):
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    return [Sample((r(2, 3), r(3, 4), r(4, 2)), name="3"), Sample((r(2, 3),), name="1"),
            Sample((r(2, 3), r(3, 2)), name="2")]


def cross_samples(rng, dt):
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    return [Sample((r(3,), r(3,)), name="vectors"),
            Sample((r(2, 3), r(2, 3)), {"dim": 1}, name="dim 1"),
            Sample((r(3, 2), r(3, 2)), {"dim": 0}, name="dim 0"),
            Sample((r(3, 2), r(3, 2)), name="default dim"),
            Sample((r(2, 3), r(1, 3)), {"dim": -1}, name="broadcast")]


def linalg_cross_samples(rng, dt):
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    return [Sample((r(3,), r(3,)), name="vectors"), Sample((r(2, 3), r(2, 3)), name="rows"),
            Sample((r(3, 2), r(3, 2)), {"dim": 0}, name="dim 0"),
            Sample((r(2, 3), r(1, 3)), name="broadcast")]


def cross_errors(rng):
    f = "float32"
    return [ErrorSample((randn(rng, (2, 2), f), randn(rng, (2, 2), f)), {"dim": 1}),
            ErrorSample((randn(rng, (2, 3), f), randn(rng, (3,), f)), {"dim": -1}),
            ErrorSample((randn(rng, (3,), f), randn(rng, (3,), "float64")), {"dim": 0})]


PRODUCTS = [
    OpInfo("matmul", lambda lib, a, b: lib.matmul(a, b), matmul_samples,
           dtypes=FLOATS + ("int64",) + HALFS + COMPLEX, errors=matmul_errors,
           covers=("__matmul__", "__rmatmul__")),
    OpInfo("mm", lambda lib, a, b: lib.mm(a, b),
           pair_samples([((2, 3), (3, 4)), ((1, 3), (3, 1)), ((0, 3), (3, 2))]),
           dtypes=FLOATS + ("int64",) + HALFS + COMPLEX,
           errors=pair_errors([((2, 3), (4, 2)), ((3,), (3, 2)), ((2, 3, 3), (3, 2))],
                              dtypes=True)),
    OpInfo("bmm", lambda lib, a, b: lib.bmm(a, b),
           pair_samples([((2, 2, 3), (2, 3, 4)), ((1, 1, 3), (1, 3, 1))]),
           dtypes=FLOATS + ("int64",) + HALFS + COMPLEX,
           errors=pair_errors([((2, 2, 3), (3, 3, 4)), ((2, 2, 3), (2, 2, 4)),
                               ((2, 3), (2, 3, 4))], dtypes=True)),
    OpInfo("mv", lambda lib, a, b: lib.mv(a, b), pair_samples([((2, 3), (3,)), ((1, 1), (1,))]),
           dtypes=FLOATS + ("int64",) + COMPLEX,
           errors=pair_errors([((2, 3), (4,)), ((2, 3), (3, 1))], dtypes=True)),
    OpInfo("dot", lambda lib, a, b: lib.dot(a, b), pair_samples([((3,), (3,)), ((1,), (1,))]),
           dtypes=FLOATS + ("int64",) + COMPLEX,
           errors=pair_errors([((2,), (3,)), ((2, 2), (2, 2))], dtypes=True)),
    OpInfo("vdot", lambda lib, a, b: lib.vdot(a, b), pair_samples([((3,), (3,))]),
           dtypes=FLOATS + ("int64",) + COMPLEX,
           errors=pair_errors([((2,), (3,)), ((2, 2), (2, 2))], dtypes=True)),
    OpInfo("inner", lambda lib, a, b: lib.inner(a, b),
           pair_samples([((2, 3), (4, 3)), ((3,), (3,)), ((), (3,)), ((2, 2, 3), (3,)),
                         ((3,), (2, 3))]),
           dtypes=FLOATS + ("int64",) + COMPLEX, errors=pair_errors([((2, 3), (2, 4))])),
    OpInfo("outer", lambda lib, a, b: lib.outer(a, b), pair_samples([((2,), (3,)), ((1,), (2,))]),
           dtypes=FLOATS + ("int64",) + COMPLEX, errors=pair_errors([((2, 2), (3,))]),
           covers=("ger",)),
    OpInfo("addmm", lambda lib, c, a, b, **kw: lib.addmm(c, a, b, **kw),
           add_samples([(2, 4), (4,), (1, 4), ()], (2, 3), (3, 4)),
           dtypes=FLOATS + ("int64",) + COMPLEX,
           errors=add_errors([((3, 4), (2, 3), (3, 4)), ((2, 4), (2, 3, 4), (3, 4)),
                              ((2, 4, 1), (2, 3), (3, 4)), ((2, 4), (2, 3), (2, 4))])),
    OpInfo("addmv", lambda lib, c, a, b, **kw: lib.addmv(c, a, b, **kw),
           add_samples([(2,), (1,), ()], (2, 3), (3,)), dtypes=FLOATS + ("int64",) + COMPLEX,
           errors=add_errors([((3,), (2, 3), (3,)), ((2, 1), (2, 3), (3,)),
                              ((2,), (2, 3), (4,))])),
    OpInfo("addr", lambda lib, c, a, b, **kw: lib.addr(c, a, b, **kw),
           add_samples([(2, 3), (3,), ()], (2,), (3,)),
           dtypes=FLOATS + ("int64", "bool") + COMPLEX,
           errors=add_errors([((3, 3), (2,), (3,)), ((2, 3), (2, 1), (3,))])),
    OpInfo("baddbmm", lambda lib, c, a, b, **kw: lib.baddbmm(c, a, b, **kw),
           add_samples([(2, 2, 4), (2, 4), (4,)], (2, 2, 3), (2, 3, 4)),
           dtypes=FLOATS + ("int64",) + COMPLEX,
           errors=add_errors([((3, 2, 4), (2, 2, 3), (2, 3, 4)), ((2, 4), (2, 2, 3), (3, 3, 4)),
                              ((2, 4), (2, 2, 3), (2, 2, 4))])),
    OpInfo("addbmm", lambda lib, c, a, b, **kw: lib.addbmm(c, a, b, **kw),
           add_samples([(2, 4), (4,), ()], (3, 2, 3), (3, 3, 4)),
           dtypes=FLOATS + ("int64",) + COMPLEX,
           errors=add_errors([((2, 4), (5, 2, 3), (4, 3, 4)), ((2, 4), (5, 2, 3), (5, 2, 4)),
                              ((3, 4), (5, 2, 3), (5, 3, 4))])),
    OpInfo("einsum", _einsum, einsum_samples, dtypes=FLOATS + ("int64",) + COMPLEX,
           errors=einsum_errors, skip_grad_fn=True),  # torch decomposes einsum into bmm & co.
    OpInfo("tensordot", lambda lib, a, b, **kw: lib.tensordot(a, b, **kw), tensordot_samples,
           dtypes=FLOATS + ("int64",) + COMPLEX,
           errors=lambda rng: [ErrorSample((randn(rng, (2, 3), "float32"),
                                            randn(rng, (2, 3), "float32")), {"dims": 1}),
                               ErrorSample((randn(rng, (2, 3), "float32"),
                                            randn(rng, (3, 4), "int64")), {"dims": 1})]),
    OpInfo("kron", lambda lib, a, b: lib.kron(a, b), kron_samples,
           dtypes=FLOATS + ("int64",) + COMPLEX),
    OpInfo("chain_matmul", lambda lib, *ms: lib.chain_matmul(*ms), chain_samples,
           dtypes=FLOATS + ("int64",),
           errors=lambda rng: [ErrorSample((randn(rng, (2, 3), "float32"),
                                            randn(rng, (2, 3), "float32")))]),
    OpInfo("cross", lambda lib, a, b, **kw: lib.cross(a, b, **kw), cross_samples,
           dtypes=FLOATS + ("int64",) + COMPLEX, errors=cross_errors),
    OpInfo("linalg.cross", lambda lib, a, b, **kw: lib.linalg.cross(a, b, **kw),
           linalg_cross_samples, dtypes=FLOATS + ("int64",) + COMPLEX, errors=cross_errors),
]


# --- inverses, determinants, solvers --------------------------------------------------------

def square_samples(rng, dt):
    return [Sample((_wellcond(rng, (3, 3), dt),), name="3x3"),
            Sample((_wellcond(rng, (2, 2, 2), dt),), name="batch"),
            Sample((_wellcond(rng, (1, 1), dt),), name="1x1")]


def square_errors(rng):
    f = "float32"
    return [ErrorSample((randn(rng, (2, 3), f),), name="not square"),
            ErrorSample((randn(rng, (3,), f),), name="1-d"),
            ErrorSample((randn(rng, (2, 2), "int64"),), name="integer")]


def det_samples(rng, dt):
    # singular matrices: tests/test_linalg.py (torch's first-order gradient there is 0)
    out = square_samples(rng, dt)
    neg = _wellcond(rng, (3, 3), dt)
    out.append(Sample((neg[[1, 0, 2]],), name="negative det"))
    return out


def slogdet_samples(rng, dt):
    # negative determinants: 45 elements, so that gradcheck leaves out logdet's nan
    out = square_samples(rng, dt)
    neg = _wellcond(rng, (5, 3, 3), dt)
    out.append(Sample((neg[:, [1, 0, 2]],), name="negative det"))
    return out


def solve_samples(rng, dt):
    A = lambda *s: _wellcond(rng, s, dt)  # noqa: E731
    B = lambda *s: randn(rng, s, dt)  # noqa: E731
    return [Sample((A(3, 3), B(3, 2)), name="matrix rhs"),
            Sample((A(3, 3), B(3)), name="vector rhs"),
            Sample((A(2, 3, 3), B(3, 2)), name="batch A"),
            Sample((A(2, 3, 3), B(2, 3)), name="batch of vectors"),
            Sample((A(3, 3), B(2, 3, 1)), name="batch B"),
            Sample((A(3, 3), B(2, 3)), {"left": False}, name="left=False"),
            Sample((A(2, 2, 2), B(2, 2, 2)), {"left": False}, name="left=False batch")]


def solve_errors(rng):
    f = "float32"
    return [ErrorSample((randn(rng, (2, 2), f), randn(rng, (3,), f)), name="vector size"),
            ErrorSample((randn(rng, (3, 3), f), randn(rng, (2, 3), f)), name="rows"),
            ErrorSample((randn(rng, (3, 3), f), randn(rng, (3,), f)), {"left": False}),
            ErrorSample((randn(rng, (2, 3), f), randn(rng, (2,), f)), name="not square"),
            ErrorSample((randn(rng, (3, 3), f), randn(rng, (3,), "float64")), name="dtypes")]


def triangular_samples(rng, dt):
    A = lambda *s: _wellcond(rng, s, dt)  # noqa: E731
    B = lambda *s: randn(rng, s, dt)  # noqa: E731
    return [Sample((A(3, 3), B(3, 2)), {"upper": True}, name="upper"),
            Sample((A(3, 3), B(3, 2)), {"upper": False}, name="lower"),
            Sample((A(3, 3), B(2, 3)), {"upper": True, "left": False}, name="right"),
            Sample((A(3, 3), B(3, 2)), {"upper": False, "unitriangular": True}, name="unit"),
            Sample((A(2, 2, 2), B(2, 1)), {"upper": True}, name="batch")]


def triangular_errors(rng):
    f = "float32"
    return [ErrorSample((randn(rng, (3, 3), f), randn(rng, (3,), f)), {"upper": True}),
            ErrorSample((randn(rng, (3, 3), f), randn(rng, (3, 2), f)),
                        {"upper": True, "left": False})]


def spd_samples(rng, dt):
    return [Sample((randn(rng, (3, 3), dt),), name="3x3"),
            Sample((randn(rng, (2, 2, 2), dt),), name="batch"),
            Sample((randn(rng, (3, 3), dt),), {"upper": True}, name="upper")]


def cholesky_solve_samples(rng, dt):
    return [Sample((randn(rng, (3, 2), dt), randn(rng, (3, 3), dt)), name="lower"),
            Sample((randn(rng, (3, 2), dt), randn(rng, (3, 3), dt)), {"upper": True},
                   name="upper"),
            Sample((randn(rng, (2, 2, 1), dt), randn(rng, (2, 2, 2), dt)), name="batch")]


def _cholesky_solve(lib, b, a, upper=False):
    return lib.cholesky_solve(b, lib.linalg.cholesky(_spd(lib, a), upper=upper), upper=upper)


def _cholesky_inverse(lib, a, upper=False):
    return lib.cholesky_inverse(lib.linalg.cholesky(_spd(lib, a), upper=upper), upper=upper)


def matrix_power_samples(rng, dt):
    out = [Sample((_wellcond(rng, (3, 3), dt), n), name=f"n={n}")
           for n in (0, 1, 2, 3, 4, 5, -1, -2)]
    out.append(Sample((_wellcond(rng, (2, 2, 2), dt), 3), name="batch"))
    return out


def _mpow_ints(rng, dt):
    return [Sample((randn(rng, (3, 3), dt), n), name=f"n={n}") for n in (0, 1, 2, 3, -1)]


def pinv_samples(rng, dt):
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    return [Sample((r(3, 4),), name="wide"), Sample((r(4, 3),), name="tall"),
            Sample((r(2, 3, 2),), name="batch"),
            Sample((r(3, 3),), {"hermitian": True}, name="hermitian"),
            Sample((r(3, 4),), {"rtol": 0.01}, name="rtol"),
            Sample((r(3, 4),), {"atol": 0.01}, name="atol")]


def _pinv(lib, a, hermitian=False, **kw):
    return lib.linalg.pinv(_herm(lib, a) if hermitian else a, hermitian=hermitian, **kw)


def low_rank(rng, shape, rank, dt):
    return (randn(rng, shape[:-1] + (rank,), dt) @ randn(rng, shape[:-2] + (rank, shape[-1]), dt))


def pinv_rank_samples(rng, dt):
    return [Sample((low_rank(rng, (4, 3), 2, dt),), name="rank 2"),
            Sample((low_rank(rng, (3, 3), 1, dt),), {"hermitian": True}, name="rank 1 herm")]


def _pinv_low_rank(lib, a, hermitian=False):
    return lib.linalg.pinv(a @ a.mH if hermitian else a, hermitian=hermitian)


def lstsq_samples(rng, dt):
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    out = [Sample((r(4, 3), r(4, 2)), name="tall"), Sample((r(3, 3), r(3, 2)), name="square"),
           Sample((r(2, 3), r(2, 2)), name="wide"), Sample((r(4, 3), r(4)), name="vector b"),
           Sample((r(2, 4, 3), r(2, 4, 2)), name="batch")]
    for driver in ("gels", "gelsy", "gelsd", "gelss"):
        out.append(Sample((r(4, 3), r(4, 2)), {"driver": driver}, name=driver))
    return out


def rank_samples(rng, dt):
    return [Sample((randn(rng, (3, 4), dt),), name="full"),
            Sample((low_rank(rng, (4, 4), 2, dt),), name="rank 2"),
            Sample((low_rank(rng, (2, 3, 3), 1, dt),), name="batch rank 1"),
            Sample((randn(rng, (3, 4), dt),), {"atol": 1.0, "rtol": 0.1}, name="atol rtol"),
            Sample((randn(rng, (3, 4), dt), 1.0), name="tol"),
            Sample((_herm_np(randn(rng, (3, 3), dt)),), {"hermitian": True}, name="hermitian")]


def _herm_np(a):
    return a + np.conj(np.swapaxes(a, -1, -2))


def eig_samples(rng, dt):
    return [Sample((randn(rng, (3, 3), dt),), name="3x3"),
            Sample((randn(rng, (2, 2, 2), dt),), name="batch"),
            Sample((np.array([[1.0, 2.0], [-2.0, 1.0]]).astype(np_dtype(dt)),),
                   name="complex pair")]


def _eig(lib, a):
    L, V = lib.linalg.eig(a)
    return L.real, L.imag, V.abs()


def _eigvals(lib, a):
    L = lib.linalg.eigvals(a)
    return L.real, L.imag


def _eigh(lib, a, **kw):
    L, V = lib.linalg.eigh(_herm(lib, a), **kw)
    return L, V.abs()


def _svd(lib, a, **kw):
    # full_matrices: the extra columns of U (rows of Vh) are not unique and carry no gradient
    U, S, Vh = lib.linalg.svd(a, **kw)
    k = S.shape[-1]
    return S, U[..., :k].abs(), Vh[..., :k, :].abs()


def _torch_svd(lib, a, **kw):
    U, S, V = lib.svd(a, **kw)
    k = S.shape[-1]
    return S, U[..., :k].abs(), V[..., :k].abs()


def svd_samples(rng, dt):
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    return [Sample((r(4, 3),), {"full_matrices": False}, name="tall"),
            Sample((r(3, 4),), {"full_matrices": False}, name="wide"),
            Sample((r(2, 3, 3),), {"full_matrices": False}, name="batch"),
            Sample((r(4, 3),), name="full tall"), Sample((r(2, 3),), name="full wide")]


def qr_samples(rng, dt):
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    return [Sample((r(4, 3),), name="tall"), Sample((r(3, 3),), name="square"),
            Sample((r(3, 4),), name="wide"), Sample((r(2, 3, 2),), name="batch"),
            Sample((r(3, 3),), {"mode": "complete"}, name="complete square"),
            Sample((r(2, 3),), {"mode": "complete"}, name="complete wide")]


def qr_r_samples(rng, dt):
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    return [Sample((r(4, 3),), {"mode": "r"}, name="r"),
            Sample((r(4, 3),), {"mode": "complete"}, name="complete tall")]


def norm_samples(ords):
    def samples(rng, dt):
        r = lambda *s: randn(rng, s, dt)  # noqa: E731
        out = []
        for o in ords:
            out.append(Sample((r(3, 3),), {"ord": o}, name=f"ord={o}"))
            out.append(Sample((r(2, 3, 4),), {"ord": o, "keepdim": True}, name=f"{o} keepdim"))
            out.append(Sample((r(3, 2, 4),), {"ord": o, "dim": (2, 0)}, name=f"{o} dims"))
        out.append(Sample((r(3, 3),), name="default"))
        return out
    return samples


def norm_errors(rng):
    f = "float32"
    return [ErrorSample((randn(rng, (3,), f),), {"ord": "fro"}),
            ErrorSample((randn(rng, (3, 3), f),), {"ord": 3}),
            ErrorSample((randn(rng, (3, 3), f),), {"dim": (0, 0)}),
            ErrorSample((randn(rng, (3, 3), f),), {"dim": (0,)}),
            ErrorSample((randn(rng, (3, 3), "int64"),))]


def linalg_norm_samples(rng, dt):
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    return [Sample((r(3, 3),), name="default 2-d"), Sample((r(2, 3, 4),), name="default 3-d"),
            Sample((r(4),), {"ord": 3}, name="vector ord 3"),
            Sample((r(3, 3),), {"ord": 2}, name="matrix ord 2"),
            Sample((r(3, 3),), {"ord": "nuc"}, name="nuc"),
            Sample((r(3, 3),), {"ord": -INF}, name="matrix -inf"),
            Sample((r(2, 3, 4),), {"ord": 1, "dim": 1}, name="vector dim"),
            Sample((r(2, 3, 4),), {"dim": (0, 2)}, name="fro dims"),
            Sample((r(2, 3, 4),), {"ord": INF, "dim": (2, 1), "keepdim": True}, name="inf dims"),
            Sample((r(3, 3),), {"ord": 2, "dtype": "dtype:float64"}, name="dtype")]


def linalg_norm_errors(rng):
    f = "float32"
    return [ErrorSample((randn(rng, (2, 3, 3), f),), {"ord": 2}),
            ErrorSample((randn(rng, (3, 3), f),), {"ord": 3}),
            ErrorSample((randn(rng, (3,), f),), {"ord": "fro"})]


def multi_dot_samples(rng, dt):
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    return [Sample(([r(2, 3), r(3, 4)],), name="2"),
            Sample(([r(2, 3), r(3, 4), r(4, 2)],), name="3 right first"),
            Sample(([r(4, 2), r(2, 3), r(3, 1)],), name="3 left first"),
            Sample(([r(2, 3), r(3, 4), r(4, 2), r(2, 5)],), name="4"),
            Sample(([r(3), r(3, 2), r(2)],), name="vectors"),
            Sample(([r(3), r(3)],), name="two vectors")]


def multi_dot_errors(rng):
    f = "float32"
    return [ErrorSample(([randn(rng, (2, 3), f)],)),
            ErrorSample(([randn(rng, (2, 3), f), randn(rng, (2, 3), f)],)),
            ErrorSample(([randn(rng, (2, 3, 3), f), randn(rng, (3, 2), f)],)),
            ErrorSample(([randn(rng, (3,), f), randn(rng, (3,), "float64")],))]


def vecdot_samples(rng, dt):
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    return [Sample((r(3), r(3)), name="vectors"), Sample((r(2, 3), r(3)), name="broadcast"),
            Sample((r(2, 3), r(2, 3)), {"dim": 0}, name="dim 0")]


def diagonal_samples(rng, dt):
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    return [Sample((r(3, 3),), name="default"), Sample((r(2, 3, 4),), {"offset": 1}, name="offset"),
            Sample((r(2, 3, 4),), {"dim1": 0, "dim2": 2, "offset": -1}, name="dims")]


def tensorinv_samples(rng, dt):
    return [Sample((_wellcond(rng, (4, 4), dt).reshape(4, 2, 2),), {"ind": 1}, name="ind 1"),
            Sample((_wellcond(rng, (4, 4), dt).reshape(2, 2, 2, 2),), name="ind 2")]


def tensorsolve_samples(rng, dt):
    return [Sample((_wellcond(rng, (6, 6), dt).reshape(2, 3, 6), randn(rng, (2, 3), dt)),
                   name="2-d b"),
            Sample((_wellcond(rng, (6, 6), dt).reshape(6, 2, 3).transpose(1, 2, 0).copy(),
                    randn(rng, (2, 3), dt)), {"dims": (0, 1)}, name="dims")]


DECOMPOSITIONS = [
    OpInfo("linalg.inv", lambda lib, a: lib.linalg.inv(a), square_samples, dtypes=FC,
           errors=square_errors, covers=("inverse",)),
    OpInfo("linalg.inv_ex", lambda lib, a: lib.linalg.inv_ex(a), square_samples, dtypes=FC),
    OpInfo("inverse", lambda lib, a: a.inverse(), square_samples, dtypes=FC),
    OpInfo("linalg.det", lambda lib, a: lib.linalg.det(a), det_samples, dtypes=FC,
           errors=square_errors, covers=("det",)),
    OpInfo("det", lambda lib, a: lib.det(a), square_samples, dtypes=FC),
    OpInfo("linalg.slogdet", lambda lib, a: lib.linalg.slogdet(a), slogdet_samples, dtypes=FC,
           errors=square_errors, covers=("slogdet",)),
    OpInfo("slogdet", lambda lib, a: a.slogdet(), slogdet_samples, dtypes=FC),
    OpInfo("logdet", lambda lib, a: lib.logdet(a), slogdet_samples, dtypes=FC),
    OpInfo("linalg.solve", lambda lib, a, b, **kw: lib.linalg.solve(a, b, **kw), solve_samples,
           dtypes=FC, errors=solve_errors),
    OpInfo("linalg.solve_ex", lambda lib, a, b, **kw: lib.linalg.solve_ex(a, b, **kw),
           solve_samples, dtypes=FC),
    OpInfo("linalg.solve_triangular",
           lambda lib, a, b, **kw: lib.linalg.solve_triangular(a, b, **kw), triangular_samples,
           dtypes=FC, errors=triangular_errors),
    OpInfo("linalg.cholesky", lambda lib, a, **kw: lib.linalg.cholesky(_spd(lib, a), **kw),
           spd_samples, dtypes=FC,
           errors=lambda rng: square_errors(rng)[:2]),
    OpInfo("linalg.cholesky_ex", lambda lib, a, **kw: lib.linalg.cholesky_ex(_spd(lib, a), **kw),
           spd_samples, dtypes=FC),
    OpInfo("cholesky", lambda lib, a, **kw: lib.cholesky(_spd(lib, a), **kw), spd_samples,
           dtypes=FC),
    OpInfo("cholesky_solve", _cholesky_solve, cholesky_solve_samples, dtypes=FC),
    OpInfo("cholesky_inverse", _cholesky_inverse, spd_samples, dtypes=FC),
    OpInfo("linalg.matrix_power", lambda lib, a, n: lib.linalg.matrix_power(a, n),
           matrix_power_samples, dtypes=FC,
           errors=lambda rng: [ErrorSample((randn(rng, (2, 3), "float32"), 2)),
                               ErrorSample((randn(rng, (3,), "float32"), 2))],
           covers=("matrix_power",)),
    OpInfo("matrix_power", lambda lib, a, n: a.matrix_power(n), _mpow_ints,
           dtypes=("int64",), grad=False),
    OpInfo("linalg.pinv", _pinv, pinv_samples, dtypes=FC, covers=("pinverse",),
           errors=lambda rng: [ErrorSample((randn(rng, (3,), "float32"),))]),
    OpInfo("linalg.pinv rank-deficient", _pinv_low_rank, pinv_rank_samples, dtypes=FC,
           grad=False, atol=1e-4, rtol=1e-4),
    OpInfo("pinverse", lambda lib, a, **kw: lib.pinverse(a, **kw), lambda rng, dt: [
        Sample((randn(rng, (3, 4), dt),)), Sample((randn(rng, (4, 3), dt),), {"rcond": 0.01})],
        dtypes=FC),
    OpInfo("linalg.lstsq", lambda lib, a, b, **kw: lib.linalg.lstsq(a, b, **kw), lstsq_samples,
           errors=lambda rng: [ErrorSample((randn(rng, (3, 2), "float32"),
                                            randn(rng, (2, 2), "float32")))],
           atol=1e-4, rtol=1e-4),
    OpInfo("linalg.matrix_rank", lambda lib, a, *args, **kw: lib.linalg.matrix_rank(a, *args, **kw),
           rank_samples, dtypes=FC, grad=False,
           errors=lambda rng: [ErrorSample((randn(rng, (3,), "float32"),))]),
    OpInfo("linalg.svd", _svd, svd_samples, dtypes=FC,
           errors=lambda rng: [ErrorSample((randn(rng, (3,), "float32"),)),
                               ErrorSample((randn(rng, (2, 2), "int64"),))]),
    OpInfo("svd", _torch_svd, lambda rng, dt: [
        Sample((randn(rng, (4, 3), dt),), name="some"),
        Sample((randn(rng, (3, 3), dt),), {"some": False}, name="full")], dtypes=FC),
    OpInfo("linalg.svdvals", lambda lib, a: lib.linalg.svdvals(a),
           lambda rng, dt: [Sample((randn(rng, (4, 3), dt),)),
                            Sample((randn(rng, (2, 2, 3), dt),))], dtypes=FC),
    OpInfo("linalg.qr", lambda lib, a, **kw: lib.linalg.qr(a, **kw), qr_samples, dtypes=FC,
           errors=lambda rng: [ErrorSample((randn(rng, (3,), "float32"),)),
                               ErrorSample((randn(rng, (3, 3), "float32"),), {"mode": "x"})]),
    OpInfo("linalg.qr no gradient", lambda lib, a, **kw: lib.linalg.qr(a, **kw)[1], qr_r_samples,
           dtypes=FC, grad=False),
    OpInfo("qr", lambda lib, a, **kw: lib.qr(a, **kw), lambda rng, dt: [
        Sample((randn(rng, (4, 3), dt),)), Sample((randn(rng, (2, 3), dt),), {"some": False})],
        dtypes=FC),
    OpInfo("linalg.eigh", _eigh, lambda rng, dt: [
        Sample((randn(rng, (3, 3), dt),), name="3x3"),
        Sample((randn(rng, (2, 2, 2), dt),), name="batch"),
        Sample((randn(rng, (3, 3), dt),), {"UPLO": "U"}, name="upper")], dtypes=FC,
        errors=lambda rng: [ErrorSample((randn(rng, (2, 3), "float32"),)),
                            ErrorSample((randn(rng, (2, 2), "float32"),), {"UPLO": "X"})]),
    OpInfo("linalg.eigvalsh", lambda lib, a, **kw: lib.linalg.eigvalsh(_herm(lib, a), **kw),
           lambda rng, dt: [Sample((randn(rng, (3, 3), dt),)),
                            Sample((randn(rng, (2, 3, 3), dt),), {"UPLO": "U"})], dtypes=FC),
    OpInfo("linalg.eigh lower triangle", lambda lib, a, **kw: lib.linalg.eigvalsh(a, **kw),
           lambda rng, dt: [Sample((randn(rng, (3, 3), dt),)),
                            Sample((randn(rng, (3, 3), dt),), {"UPLO": "U"})],
           dtypes=FC, grad=False),
    OpInfo("linalg.eig", _eig, eig_samples, dtypes=FC,
           errors=lambda rng: [ErrorSample((randn(rng, (2, 3), "float32"),))]),
    OpInfo("linalg.eigvals", _eigvals, eig_samples, dtypes=FC),
    OpInfo("linalg.matrix_norm", lambda lib, a, **kw: lib.linalg.matrix_norm(a, **kw),
           norm_samples(["fro", "nuc", 1, -1, 2, -2, INF, -INF]), dtypes=FC, errors=norm_errors),
    OpInfo("linalg.norm", lambda lib, a, **kw: lib.linalg.norm(a, **kw), linalg_norm_samples,
           dtypes=FC, errors=linalg_norm_errors),
    OpInfo("linalg.vector_norm", lambda lib, a, **kw: lib.linalg.vector_norm(a, **kw),
           lambda rng, dt: [Sample((randn(rng, (2, 3), dt),)),
                            Sample((randn(rng, (2, 3), dt),), {"ord": 1, "dim": 1})], dtypes=FC),
    OpInfo("linalg.multi_dot", lambda lib, ts: lib.linalg.multi_dot(ts), multi_dot_samples,
           dtypes=FC + ("int64",), errors=multi_dot_errors),
    OpInfo("linalg.vecdot", lambda lib, x, y, **kw: lib.linalg.vecdot(x, y, **kw),
           vecdot_samples, dtypes=FC,
           errors=lambda rng: [ErrorSample((randn(rng, (3,), "int64"), randn(rng, (3,), "int64"))),
                               ErrorSample((randn(rng, (3,), "float32"),
                                            randn(rng, (3,), "float64")))]),
    OpInfo("linalg.diagonal", lambda lib, a, **kw: lib.linalg.diagonal(a, **kw),
           diagonal_samples, dtypes=FC + ("int64",)),
    OpInfo("linalg.matmul", lambda lib, a, b: lib.linalg.matmul(a, b),
           lambda rng, dt: matmul_samples(rng, dt)[:4]),
    OpInfo("linalg.tensorinv", lambda lib, a, **kw: lib.linalg.tensorinv(a, **kw),
           tensorinv_samples, dtypes=FC,
           errors=lambda rng: [ErrorSample((randn(rng, (4, 6), "float32"),), {"ind": 1}),
                               ErrorSample((randn(rng, (4, 4), "float32"),), {"ind": 0})]),
    OpInfo("linalg.tensorsolve", lambda lib, a, b, **kw: lib.linalg.tensorsolve(a, b, **kw),
           tensorsolve_samples, dtypes=FC,
           errors=lambda rng: [ErrorSample((randn(rng, (2, 3, 6), "float32"),
                                            randn(rng, (2, 2), "float32")))]),
]



def cond_samples(ords):
    def samples(rng, dt):
        out = []
        for p in ords:
            out.append(Sample((randn(rng, (3, 3), dt), p), name=f"p={p}"))
            out.append(Sample((randn(rng, (2, 2, 2), dt), p), name=f"p={p} batch"))
        # singular (48 elements: no finite differences through its inf / nan)
        out.append(Sample((np.zeros((12, 2, 2), np_dtype(dt)), ords[-1]), name="singular"))
        return out
    return samples


def cond_errors(rng):
    f = "float32"
    return [ErrorSample((randn(rng, (3,), f),)), ErrorSample((randn(rng, (2, 3), f), 1)),
            ErrorSample((randn(rng, (2, 2), f), 3)), ErrorSample((randn(rng, (2, 3), f), "fro"))]


MORE = [
    OpInfo("linalg.matrix_exp", lambda lib, a: lib.linalg.matrix_exp(a), lambda rng, dt: [
        Sample((randn(rng, (3, 3), dt),), name="3x3"),
        Sample((randn(rng, (2, 2, 2), dt),), name="batch"),
        Sample((randn(rng, (3, 3), dt, -4, 4),), name="squarings")], dtypes=FC,
        errors=lambda rng: [ErrorSample((randn(rng, (2, 3), "float32"),)),
                            ErrorSample((randn(rng, (2, 2), "int64"),))],
        covers=("matrix_exp",)),
    OpInfo("matrix_exp", lambda lib, a: a.matrix_exp(), lambda rng, dt: [
        Sample((randn(rng, (3, 3), dt),))], dtypes=FC),
    OpInfo("linalg.cond", lambda lib, a, p=None: lib.linalg.cond(a, p),
           cond_samples([None, 2, -2, "nuc"]), dtypes=FC, errors=cond_errors),
    # torch's backward of the inverse-based condition numbers fails on its own in-place
    # masked_fill_ of a saved output (ember reproduces the error: tests/test_linalg.py)
    OpInfo("linalg.cond inverse norms", lambda lib, a, p: lib.linalg.cond(a, p),
           cond_samples(["fro", 1, -1, INF, -INF]), dtypes=FC, grad=False),
    OpInfo("linalg.vander", lambda lib, x, **kw: lib.linalg.vander(x, **kw), lambda rng, dt: [
        Sample((randn(rng, (3,), dt),)), Sample((randn(rng, (2, 3), dt),), {"N": 4})],
        dtypes=FC + ("int64",),
        errors=lambda rng: [ErrorSample((randn(rng, (3,), "float32"),), {"N": 1})]),
]


# --- LU, triangular_solve, Householder products, LDL ------------------------------------------

def lu_samples(rng, dt):
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    return [Sample((r(3, 3),), name="square"), Sample((r(3, 5),), name="wide"),
            Sample((r(5, 3),), name="tall"), Sample((r(2, 3, 3),), name="batch"),
            Sample((r(2, 2, 4, 3),), name="batch tall"), Sample((r(1, 1),), name="1x1")]


def singular_lu_samples(rng, dt):
    """Exactly singular matrices: info and pivots as LAPACK's (no gradient: U^{-1} is inf)."""
    deficient = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 1.0, 1.0]])
    zero_column = np.array([[0.0, 1.0], [0.0, 2.0]])
    return [Sample((a.astype(np_dtype(dt)),), name=name) for a, name in (
        (deficient, "rank deficient"), (zero_column, "zero column"),
        (np.zeros((3, 3)), "zeros"), (np.stack([np.eye(3), deficient]), "batch"))]


def lu_errors(rng, kwargs=None):
    f = "float32"
    return [ErrorSample((randn(rng, (3,), f),), name="1-d"),
            ErrorSample((randn(rng, (3, 3), "int64"),), name="integer"),
            ErrorSample((randn(rng, (3, 3), "float16"),), name="half"),
            ErrorSample((randn(rng, (3, 3), f),), {"pivot": False}, name="no pivoting")]


def _lu_factor_errors(rng):
    # a singular matrix: linalg.lu_factor raises (a RuntimeError, not LinAlgError)
    return lu_errors(rng) + [ErrorSample((np.zeros((2, 3, 3), np.float32),), name="singular")]


def lu_unpack_samples(rng, dt):
    out = lu_samples(rng, dt)[:5]
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    out += [Sample((r(3, 3),), {"unpack_pivots": False}, name="no pivots"),
            Sample((r(2, 4),), {"unpack_data": False}, name="no data")]
    return out


def _lu_unpack(lib, a, **kw):
    LU, piv = lib.linalg.lu_factor(a)
    P, L, U = lib.lu_unpack(LU, piv, **kw)
    # unpack_data=False: L and U are empty, and torch's backward of them fails
    return (P, L, U) if kw.get("unpack_data", True) else P


def lu_unpack_errors(rng):
    f = "float32"
    return [ErrorSample((randn(rng, (3,), f), index([1, 2, 3], np.int32))),
            ErrorSample((randn(rng, (3, 3), f), index([1, 2, 3], np.int64))),
            ErrorSample((randn(rng, (3, 3), f), index([1, 4, 3], np.int32))),
            ErrorSample((randn(rng, (3, 3), f), index([0, 2, 3], np.int32)))]


def lu_solve_samples(rng, dt):
    A = lambda *s: _wellcond(rng, s, dt)  # noqa: E731
    B = lambda *s: randn(rng, s, dt)  # noqa: E731
    return [Sample((A(3, 3), B(3, 2)), name="left"),
            Sample((A(3, 3), B(3, 2)), {"adjoint": True}, name="adjoint"),
            Sample((A(3, 3), B(2, 3)), {"left": False}, name="right"),
            Sample((A(3, 3), B(2, 3)), {"left": False, "adjoint": True}, name="right adjoint"),
            Sample((A(2, 1, 3, 3), B(2, 3, 1)), name="broadcast batch"),
            Sample((A(2, 3, 3), B(3, 2)), {"adjoint": True}, name="batch adjoint")]


def _lu_solve(lib, a, b, **kw):
    return lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b, **kw)


def lu_solve_errors(rng):
    f = "float32"
    A, B = randn(rng, (3, 3), f), randn(rng, (3, 2), f)
    piv = index([1, 2, 3], np.int32)
    return [ErrorSample((randn(rng, (3,), f), piv, B), name="1-d LU"),
            ErrorSample((A, piv, randn(rng, (3,), f)), name="1-d B"),
            ErrorSample((randn(rng, (3, 4), f), piv, B), name="not square"),
            ErrorSample((A, piv, randn(rng, (4, 2), f)), name="rows"),
            ErrorSample((A, piv, B), {"left": False}, name="columns"),
            ErrorSample((A, piv, randn(rng, (3, 2), "float64")), name="dtypes"),
            ErrorSample((A, index([1, 2, 3], np.int64), B), name="int64 pivots"),
            ErrorSample((A, index([1, 2], np.int32), B), name="pivots length"),
            ErrorSample((randn(rng, (2, 3, 3), f), piv, B), name="pivots batch"),
            ErrorSample((A, index([0, 2, 3], np.int32), B), name="pivot 0"),
            ErrorSample((A, index([4, 2, 3], np.int32), B), name="pivot too large"),
            ErrorSample((randn(rng, (3, 3), "int64"), piv, randn(rng, (3, 2), "int64")),
                        name="integer"),
            ErrorSample((randn(rng, (3, 3), "float16"), piv, randn(rng, (3, 2), "float16")),
                        name="half")]


def triangular_solve_samples(rng, dt):
    A = lambda *s: _wellcond(rng, s, dt)  # noqa: E731
    B = lambda *s: randn(rng, s, dt)  # noqa: E731
    out = [Sample((B(3, 2), A(3, 3)), name="upper"),
           Sample((B(3, 2), A(3, 3)), {"upper": False}, name="lower"),
           Sample((B(3, 2), A(3, 3)), {"transpose": True}, name="transpose"),
           Sample((B(3, 2), A(3, 3)), {"upper": False, "transpose": True,
                                       "unitriangular": True}, name="lower unit transpose"),
           Sample((B(2, 3, 2), A(3, 3)), name="batch b"),
           Sample((B(3, 1), A(2, 3, 3)), {"upper": False}, name="batch A")]
    return out


def triangular_solve_errors(rng):
    f = "float32"
    return [ErrorSample((randn(rng, (3,), f), randn(rng, (3, 3), f)), name="1-d b"),
            ErrorSample((randn(rng, (3, 2), f), randn(rng, (3,), f)), name="1-d A"),
            ErrorSample((randn(rng, (4, 2), f), randn(rng, (3, 3), f)), name="rows"),
            ErrorSample((randn(rng, (3, 2), f), randn(rng, (3, 4), f)), name="not square"),
            ErrorSample((randn(rng, (3, 2), f), randn(rng, (3, 3), "float64")), name="dtypes"),
            ErrorSample((randn(rng, (2, 3, 2), f), randn(rng, (3, 3, 3), f)), name="batch"),
            ErrorSample((randn(rng, (3, 2), "int64"), randn(rng, (3, 3), "int64")),
                        name="integer")]


def householder_samples(rng, dt):
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    return [Sample((r(4, 3), r(2)), name="tall"), Sample((r(3, 3), r(3)), name="square"),
            Sample((r(4, 2), r(1)), name="one reflector"),
            Sample((r(2, 4, 3), r(2, 3)), name="batch"),
            Sample((r(4, 3), r(0)), name="no reflector")]


def householder_errors(rng):
    f = "float32"
    return [ErrorSample((randn(rng, (4,), f), randn(rng, (2,), f)), name="1-d"),
            ErrorSample((randn(rng, (3, 4), f), randn(rng, (2,), f)), name="wide"),
            ErrorSample((randn(rng, (4, 3), f), randn(rng, (4,), f)), name="tau too long"),
            ErrorSample((randn(rng, (2, 4, 3), f), randn(rng, (2,), f)), name="tau ndim"),
            ErrorSample((randn(rng, (2, 4, 3), f), randn(rng, (3, 2), f)), name="tau batch"),
            ErrorSample((randn(rng, (4, 3), f), randn(rng, (2,), "float64")), name="dtypes"),
            ErrorSample((randn(rng, (4, 3), "int64"), randn(rng, (2,), "int64")),
                        name="integer")]


def geqrf_samples(rng, dt):
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    return [Sample((r(4, 3),), name="tall"), Sample((r(2, 4),), name="wide"),
            Sample((r(2, 3, 3),), name="batch")]


def _orgqr_of_geqrf(lib, a):
    return lib.orgqr(*lib.geqrf(a))  # the Q of the QR decomposition (geqrf: no gradient)


def ormqr_samples(rng, dt):
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    out = []
    for left in (True, False):
        for transpose in (False, True):
            other = r(4, 2) if left else r(2, 4)
            out.append(Sample((r(4, 3), r(3), other), {"left": left, "transpose": transpose},
                              name=f"left={left} transpose={transpose}"))
    out.append(Sample((r(2, 3, 2), r(2, 2), r(2, 3, 2)), name="batch"))
    out.append(Sample((r(3, 4), r(3), r(3, 2)), name="wide input"))
    return out


def ormqr_errors(rng):
    f = "float32"
    r = lambda *s: randn(rng, s, f)  # noqa: E731
    return [ErrorSample((r(3), r(1), r(3, 2)), name="1-d input"),
            ErrorSample((r(3, 3), r(3), r(3)), name="1-d other"),
            ErrorSample((r(2, 3, 3), r(2, 3), r(3, 2)), name="other ndim"),
            ErrorSample((r(4, 2), r(2), r(3, 2)), name="rows"),
            ErrorSample((r(4, 2), r(2), r(4, 3)), {"left": False}, name="columns"),
            ErrorSample((r(4, 2), r(1), r(4, 2)), name="tau size"),
            ErrorSample((r(3, 3), r(3), randn(rng, (3, 2), "float64")), name="dtypes"),
            ErrorSample((randn(rng, (3, 3), "int64"), randn(rng, (3,), "int64"),
                         randn(rng, (3, 2), "int64")), name="integer")]


def _symmetric(a):
    return a + np.swapaxes(a, -1, -2)


def ldl_samples(rng, dt):
    r = lambda *s: randn(rng, s, dt)  # noqa: E731
    small_diagonal = _symmetric(r(4, 4))
    small_diagonal[..., range(4), range(4)] *= 0.01  # Bunch-Kaufman picks 2 x 2 blocks
    out = [Sample((_symmetric(r(3, 3)),), name="symmetric"),
           Sample((small_diagonal,), name="2x2 pivots"),
           Sample((_symmetric(r(2, 3, 3)),), name="batch"),
           Sample((r(3, 3),), name="reads the lower triangle")]
    if np_dtype(dt).kind == "c":
        herm = _herm_np(r(4, 4))
        herm[..., range(4), range(4)] *= 0.01
        out.append(Sample((herm,), {"hermitian": True}, name="hermitian"))
    return out


def _ldl_solve(lib, a, b, **kw):
    LD, piv = lib.linalg.ldl_factor(a, **kw)
    return lib.linalg.ldl_solve(LD, piv, b, **kw)


def ldl_solve_samples(rng, dt):
    out = []
    for s in ldl_samples(rng, dt):
        a = s.args[0]
        out.append(Sample((a, randn(rng, a.shape[:-1] + (2,), dt)), s.kwargs, name=s.name))
    out.append(Sample((out[0].args[0], randn(rng, (2, 3, 1), dt)), name="batch b"))
    return out


def ldl_errors(rng):
    return [ErrorSample((randn(rng, (3,), "float32"),), name="1-d"),
            ErrorSample((randn(rng, (3, 4), "float32"),), name="not square"),
            ErrorSample((randn(rng, (3, 3), "int64"),), name="integer"),
            ErrorSample((randn(rng, (3, 3), "float16"),), name="half"),
            ErrorSample((np.zeros((3, 3), np.float32),), name="singular")]


def ldl_solve_errors(rng):
    f = "float32"
    A, B = randn(rng, (3, 3), f), randn(rng, (3, 2), f)
    piv = index([1, 2, 3], np.int32)
    return [ErrorSample((randn(rng, (3,), f), piv, B), name="1-d LD"),
            ErrorSample((A, piv, randn(rng, (3,), f)), name="1-d B"),
            ErrorSample((randn(rng, (3, 4), f), piv, B), name="not square"),
            ErrorSample((A, piv, randn(rng, (4, 2), f)), name="rows"),
            ErrorSample((A, piv, randn(rng, (3, 2), "float64")), name="dtypes"),
            ErrorSample((A, index([1, 2], np.int32), B), name="pivots shape"),
            ErrorSample((A, index([7, 1, 1], np.int32), B), name="pivot too large"),
            ErrorSample((randn(rng, (3, 3), "int64"), piv, randn(rng, (3, 2), "int64")),
                        name="integer")]


LU_OPS = [
    OpInfo("linalg.lu_factor", lambda lib, a, **kw: lib.linalg.lu_factor(a, **kw),
           lu_samples, dtypes=FC, errors=_lu_factor_errors),
    OpInfo("linalg.lu_factor_ex", lambda lib, a, **kw: lib.linalg.lu_factor_ex(a, **kw),
           lu_samples, dtypes=FC, errors=lu_errors),
    OpInfo("linalg.lu_factor_ex singular", lambda lib, a: lib.linalg.lu_factor_ex(a),
           singular_lu_samples, dtypes=FC, grad=False),
    OpInfo("linalg.lu", lambda lib, a, **kw: lib.linalg.lu(a, **kw), lu_samples, dtypes=FC,
           errors=lu_errors),
    OpInfo("linalg.lu singular", lambda lib, a: lib.linalg.lu(a), singular_lu_samples,
           dtypes=FC, grad=False),
    OpInfo("lu", lambda lib, a, **kw: lib.lu(a, **kw), lambda rng, dt: [
        Sample((randn(rng, (3, 3), dt),)),
        Sample((randn(rng, (2, 3, 4), dt),), {"get_infos": True}, name="infos")],
        dtypes=FC, errors=lu_errors),
    OpInfo("lu singular", lambda lib, a: lib.lu(a, get_infos=True), singular_lu_samples,
           dtypes=FC, grad=False),
    OpInfo("lu_unpack", _lu_unpack, lu_unpack_samples, dtypes=FC, errors=lu_unpack_errors),
    OpInfo("lu_unpack any dtype", lambda lib, a, p: lib.lu_unpack(a, p), lambda rng, dt: [
        Sample((randn(rng, (3, 3), dt), index([3, 2, 3], np.int32)))],
        dtypes=("int64", "bool", "float16", "bfloat16"), grad=False),
    OpInfo("linalg.lu_solve", _lu_solve, lu_solve_samples, dtypes=FC,
           errors=lambda rng: [ErrorSample((e.args[0], e.args[2]), e.kwargs, name=e.name)
                               for e in lu_solve_errors(rng) if e.name in ("rows", "dtypes")]),
    OpInfo("linalg.lu_solve arguments",
           lambda lib, lu, piv, b, **kw: lib.linalg.lu_solve(lu, piv, b, **kw),
           lambda rng, dt: [], errors=lu_solve_errors, grad=False),
    OpInfo("lu_solve", lambda lib, a, b: b.lu_solve(*lib.linalg.lu_factor(a)),
           lambda rng, dt: lu_solve_samples(rng, dt)[:1], dtypes=FC,
           errors=lambda rng: [ErrorSample((e.args[0], e.args[2]), name=e.name)
                               for e in lu_solve_errors(rng) if e.name == "rows"]),
    OpInfo("triangular_solve", lambda lib, b, a, **kw: lib.triangular_solve(b, a, **kw),
           triangular_solve_samples, dtypes=FC, errors=triangular_solve_errors),
    OpInfo("linalg.householder_product",
           lambda lib, a, tau: lib.linalg.householder_product(a, tau), householder_samples,
           dtypes=FC, errors=householder_errors),
    OpInfo("orgqr", lambda lib, a, tau: a.orgqr(tau), lambda rng, dt: householder_samples(
        rng, dt)[:1], dtypes=FC),
    OpInfo("orgqr of geqrf", _orgqr_of_geqrf, geqrf_samples, dtypes=FC, grad=False),
    OpInfo("geqrf", lambda lib, a: lib.geqrf(a), geqrf_samples, dtypes=FC, grad=False,
           errors=lambda rng: [ErrorSample((randn(rng, (3,), "float32"),), name="1-d"),
                               ErrorSample((randn(rng, (3, 3), "int64"),), name="integer")]),
    OpInfo("ormqr", lambda lib, a, tau, c, **kw: lib.ormqr(a, tau, c, **kw), ormqr_samples,
           dtypes=FC, errors=ormqr_errors),
    OpInfo("linalg.ldl_factor", lambda lib, a, **kw: lib.linalg.ldl_factor(a, **kw),
           ldl_samples, dtypes=FC, grad=False, errors=ldl_errors),
    OpInfo("linalg.ldl_factor_ex", lambda lib, a, **kw: lib.linalg.ldl_factor_ex(a, **kw),
           lambda rng, dt: ldl_samples(rng, dt) + [
               Sample((np.zeros((2, 2), np_dtype(dt)),), name="singular")],
           dtypes=FC, grad=False, errors=lambda rng: ldl_errors(rng)[:4]),
    OpInfo("linalg.ldl_solve", _ldl_solve, ldl_solve_samples, dtypes=FC, grad=False),
    OpInfo("linalg.ldl_solve arguments",
           lambda lib, ld, piv, b, **kw: lib.linalg.ldl_solve(ld, piv, b, **kw),
           lambda rng, dt: [], errors=ldl_solve_errors, grad=False),
]

OPS = PRODUCTS + DECOMPOSITIONS + MORE + LU_OPS
