"""Op-table records for the losses torch also offers at top level (src/ember/_ops/nn_loss.py):
torch.binary_cross_entropy_with_logits, kl_div, cosine_embedding_loss, margin_ranking_loss,
triplet_margin_loss, hinge_embedding_loss and poisson_nll_loss, whose reduction is torch's
integer code (0 none, 1 mean, 2 sum). The nn.functional forms are tested in
tests/nn/test_loss.py."""
import numpy as np

from opinfo.core import FLOATS, HALFS, E, OpInfo, S, index, randn


def _sign(rng, shape, dt):
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0).astype(dt)


def bcel_samples(rng, dt):
    x, y = randn(rng, (3, 4), dt, -3, 3), randn(rng, (3, 4), dt, 0, 1)
    return [S(x, y, name="default"), S(x, y, None, None, 1, name="mean"),
            S(x, y, reduction=2, name="sum"),
            S(randn(rng, (5,), dt, -20, 20), randn(rng, (5,), dt, 0, 1), reduction=1)]


def kl_samples(rng, dt):
    x, y = randn(rng, (3, 4), dt, -3, 0), randn(rng, (3, 4), dt, 0.05, 1)
    return [S(x, y, name="default"), S(x, y, 1), S(x, y, 2, log_target=True),
            S(x, y, 0, log_target=True)]


def cos_samples(rng, dt):
    a, b = randn(rng, (3, 4), dt), randn(rng, (3, 4), dt)
    t = index([1, -1, 1])
    return [S(a, b, t), S(a, b, t, 0.2, 1), S(a, b, t, -0.1, 2),
            S(a[0], b[0], index(-1), 0.0, 1, name="0-d target")]


def mr_samples(rng, dt):
    a, b, t = randn(rng, (5,), dt), randn(rng, (5,), dt), _sign(rng, (5,), dt)
    return [S(a, b, t), S(a, b, t, 0.3, 1), S(a, b, t, 0.1, 2)]


def triplet_samples(rng, dt):
    a, p, n = (randn(rng, (3, 4), dt) for _ in range(3))
    return [S(a, p, n), S(a, p, n, 0.5, 1, 1e-6, True, 1), S(a, p, n, 2.0, 3, 1e-6, False, 2)]


def hinge_samples(rng, dt):
    x, t = randn(rng, (3, 4), dt), _sign(rng, (3, 4), dt)
    return [S(x, t), S(x, t, 0.5, 1), S(x, t, 2.0, 2)]


def pnll_samples(rng, dt):
    x, y = randn(rng, (3, 4), dt), randn(rng, (3, 4), dt, 0, 4)
    return [S(x, y, True, False, 1e-8, 1), S(np.abs(x) + 0.1, y, False, True, 1e-8, 0),
            S(x, y, True, True, 1e-3, 2)]


def ctc_samples(rng, dt):
    lp = np.log(randn(rng, (6, 2, 4), dt, 0.05, 1.0))
    tg = index([[1, 2, 2], [3, 1, 0]])
    return [S(lp, tg, index([6, 5]), index([3, 2]), name="default"),
            S(lp, tg, (6, 4), (3, 1), 0, 1, name="mean, tuple lengths"),
            S(lp, index([1, 2, 2, 3, 1]), index([6, 5]), index([3, 2]), 0, 2, False,
              name="concatenated"),
            S(lp, tg, index([6, 5]), index([3, 2]), 3, 0, True, name="blank 3")]


def reduction_type_errors(rng):
    x = randn(rng, (3, 4), "float32")
    return [E(x, x, reduction="mean")]


OPS = [
    OpInfo("binary_cross_entropy_with_logits",
           lambda lib, *a, **k: lib.binary_cross_entropy_with_logits(*a, **k), bcel_samples, dtypes=FLOATS + HALFS,
           errors=reduction_type_errors),
    OpInfo("kl_div", lambda lib, *a, **k: lib.kl_div(*a, **k), kl_samples, dtypes=FLOATS + HALFS,
           errors=reduction_type_errors),
    OpInfo("cosine_embedding_loss", lambda lib, *a: lib.cosine_embedding_loss(*a), cos_samples),
    OpInfo("margin_ranking_loss", lambda lib, *a: lib.margin_ranking_loss(*a), mr_samples,
           skip_grad_fn=True),  # torch adds the margin with AddBackward1 (add.Scalar)
    OpInfo("triplet_margin_loss", lambda lib, *a: lib.triplet_margin_loss(*a), triplet_samples,
           skip_grad_fn=True),  # torch's norm node is NormBackward1, ember's vector norm's
    OpInfo("hinge_embedding_loss", lambda lib, *a: lib.hinge_embedding_loss(*a),
           hinge_samples, dtypes=FLOATS + HALFS),
    # torch's CTC gradient assumes log_softmax outputs, so it is no gradient of these samples;
    # tests/nn/test_loss.py compares it with torch's on log_softmax inputs and gradchecks
    # ctc_loss(log_softmax(x))
    OpInfo("ctc_loss", lambda lib, *a: lib.ctc_loss(*a), ctc_samples, gradgrad=False,
           grad_dtypes=()),
    OpInfo("poisson_nll_loss", lambda lib, *a: lib.poisson_nll_loss(*a), pnll_samples, dtypes=FLOATS + HALFS),
]
