"""Op-table records for the top-level functions of src/ember/_ops/nn_norm.py:
torch.layer_norm / rms_norm / batch_norm / instance_norm / group_norm, embeddings, distances,
bilinear and the dropout family (random: shapes and dtypes only; their statistics are tested
in tests/nn/test_dropout.py)."""
import numpy as np

from opinfo.core import FLOATS, HALFS, E, OpInfo, S, index, randn


def _ln(rng, d):
    return [S(randn(rng, (3, 4), d), (4,), randn(rng, (4,), d), randn(rng, (4,), d)),
            S(randn(rng, (2, 2, 3), d), (2, 3), name="no affine"),
            S(randn(rng, (2, 3, 2), d), [2], randn(rng, (2,), d), None, 1e-3, name="no bias"),
            S(randn(rng, (0, 3), d), (3,), name="empty")]


def _shape_errors(rng):
    d = "float32"
    return [E(randn(rng, (3, 4), d), (3,)), E(randn(rng, (3, 4), d), (4,), randn(rng, (3,), d))]


def _ln_errors(rng):
    d = "float32"
    return _shape_errors(rng) + [E(randn(rng, (3, 4), "int64"), (4,)),
                                 E(randn(rng, (3, 4), d), (4,), randn(rng, (4,), "float64"))]


def _bn_fn(lib, x, w, b, training, momentum=0.1, eps=1e-5, stats=True):
    c = x.shape[1]
    rm = lib.linspace(-0.5, 0.5, c, dtype=x.dtype) if stats else None
    rv = lib.linspace(0.5, 1.5, c, dtype=x.dtype) if stats else None
    out = lib.batch_norm(x, w, b, rm, rv, training, momentum, eps, False)
    return (out, rm, rv) if stats else out


def _bn(rng, d):
    return [S(randn(rng, (4, 3), d), randn(rng, (3,), d), randn(rng, (3,), d), True),
            S(randn(rng, (2, 3, 4), d), randn(rng, (3,), d), None, False),
            S(randn(rng, (2, 2, 3, 2), d), None, None, True, 0.3, name="4-d"),
            S(randn(rng, (3, 2, 2), d), randn(rng, (2,), d), randn(rng, (2,), d), True, 0.1,
              1e-5, False, name="no running stats")]


def _in_fn(lib, x, w, b, use_input_stats=True):
    c = x.shape[1]
    rm = lib.linspace(-0.5, 0.5, c, dtype=x.dtype)
    rv = lib.linspace(0.5, 1.5, c, dtype=x.dtype)
    out = lib.instance_norm(x, w, b, rm, rv, use_input_stats, 0.1, 1e-5, False)
    return out, rm, rv


def _in(rng, d):
    return [S(randn(rng, (2, 3, 4), d), randn(rng, (3,), d), randn(rng, (3,), d)),
            S(randn(rng, (2, 2, 2, 3), d), None, None, False, name="eval")]


def _gn(rng, d):
    return [S(randn(rng, (2, 4, 3), d), 2, randn(rng, (4,), d), randn(rng, (4,), d)),
            S(randn(rng, (3, 6), d), 3, name="2-d"),
            S(randn(rng, (2, 2, 2, 2), d), 1, randn(rng, (2,), d), None, 1e-3, name="4-d")]


def _gn_errors(rng):
    return [E(randn(rng, (2, 4, 3), "float32"), 3), E(randn(rng, (2, 4, 3), "int64"), 2)]


def _rms(rng, d):
    return [S(randn(rng, (3, 4), d), (4,), randn(rng, (4,), d)),
            S(randn(rng, (2, 2, 3), d), (2, 3), None, 1e-4, name="no weight")]


def _emb(rng, d):
    return [S(randn(rng, (6, 3), d), index([[0, 2, 5], [2, 2, 1]])),
            # padding_idx and scale_grad_by_freq change the gradient on purpose: 45 elements
            # keep this sample out of gradcheck (compared with torch only)
            S(randn(rng, (9, 5), d), index([4, 1, 1, 3]), 1, True, name="pad+scale"),
            S(randn(rng, (5, 2), d), index([], np.int32), name="empty int32")]


def _emb_errors(rng):
    return [E(randn(rng, (4, 3), "float32"), index([0, 4])),
            E(randn(rng, (4, 3), "float32"), randn(rng, (2,), "float32"))]


def _renorm_fn(lib, w, idx, max_norm, norm_type):
    w = w.detach().clone()
    lib.embedding_renorm_(w, idx, max_norm, norm_type)
    return w


def _renorm(rng, d):
    return [S(randn(rng, (5, 3), d), index([0, 2, 2]), 1.0, 2.0),
            S(randn(rng, (5, 3), d), index([1, 4]), 0.5, 1.0)]


def _pdist(rng, d):
    return [S(randn(rng, (5, 3), d)), S(randn(rng, (4, 2), d), 1.0), S(randn(rng, (4, 3), d), 3),
            S(randn(rng, (4, 2), d), float("inf")), S(randn(rng, (3, 2), d), 0),
            S(randn(rng, (1, 3), d), name="one row")]


def _pdist_errors(rng):
    return [E(randn(rng, (3,), "float32")), E(randn(rng, (3, 2), "float32"), -1.0),
            E(randn(rng, (3, 2), "int64"))]


def _pair(rng, d):
    return [S(randn(rng, (3, 4), d), randn(rng, (3, 4), d)),
            S(randn(rng, (3, 4), d), randn(rng, (4,), d), 1.0, 1e-6, True, name="broadcast"),
            S(randn(rng, (4,), d), randn(rng, (4,), d), 3.0, name="1-d")]


def _cos(rng, d):
    return [S(randn(rng, (3, 4), d), randn(rng, (3, 4), d)),
            S(randn(rng, (2, 3, 2), d), randn(rng, (3, 2), d), -1, name="broadcast"),
            # a zero vector sits on the clamp's kink: 50 elements keep it out of gradcheck
            S(randn(rng, (5, 5), d), np.zeros((5, 5), d), 1, name="zero norm")]


def _bil(rng, d):
    return [S(randn(rng, (2, 3), d), randn(rng, (2, 2), d), randn(rng, (4, 3, 2), d),
              randn(rng, (4,), d)),
            S(randn(rng, (2, 1, 2), d), randn(rng, (2, 1, 3), d), randn(rng, (2, 2, 3), d),
              name="3-d no bias")]


def _bil_errors(rng):
    d = "float32"
    return [E(randn(rng, (2, 3), d), randn(rng, (3, 2), d), randn(rng, (4, 3, 2), d))]


def _drop(rng, d):
    return [S(randn(rng, (4, 5), d), 0.5, True), S(randn(rng, (4, 5), d), 0.0, True),
            S(randn(rng, (4, 5), d), 0.5, False), S(randn(rng, (2, 3, 4), d), 1.0, True)]


def _drop_errors(rng):
    return [E(randn(rng, (4, 5), "float32"), 1.5, True)]


def _drop_fn(name):
    def fn(lib, x, p, train):
        if name.endswith("_"):
            x = x.detach().clone()
        return getattr(lib, name)(x, p, train)
    return fn


def _dropouts():
    out = []
    for name in ("dropout", "feature_dropout", "alpha_dropout", "feature_alpha_dropout"):
        for n in (name, name + "_"):
            out.append(OpInfo(n, _drop_fn(n), _drop, grad=False, random=True,
                              errors=_drop_errors))
    return out


OPS = [
    OpInfo("layer_norm", lambda lib, *a: lib.layer_norm(*a), _ln, errors=_ln_errors,
           dtypes=FLOATS + HALFS),
    OpInfo("rms_norm", lambda lib, *a: lib.rms_norm(*a), _rms, errors=_shape_errors),
    OpInfo("batch_norm", _bn_fn, _bn, dtypes=FLOATS + HALFS),
    OpInfo("instance_norm", _in_fn, _in),
    OpInfo("group_norm", lambda lib, *a: lib.group_norm(*a), _gn, errors=_gn_errors,
           dtypes=FLOATS + HALFS),
    OpInfo("embedding", lambda lib, *a: lib.embedding(*a), _emb, errors=_emb_errors),
    OpInfo("embedding_renorm_", _renorm_fn, _renorm, grad=False),
    OpInfo("pdist", lambda lib, *a: lib.pdist(*a), _pdist, errors=_pdist_errors),
    # torch reaches the norm through at::norm (NormBackward1), ember through
    # linalg.vector_norm (LinalgVectorNormBackward0): same values and gradients
    OpInfo("pairwise_distance", lambda lib, *a: lib.pairwise_distance(*a), _pair,
           skip_grad_fn=True),
    OpInfo("cosine_similarity", lambda lib, *a: lib.cosine_similarity(*a), _cos),
    OpInfo("bilinear", lambda lib, *a: lib.bilinear(*a), _bil, errors=_bil_errors,
           skip_grad_fn=True),
] + _dropouts()
