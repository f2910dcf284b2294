"""Op-table records for torch._weight_norm and torch.norm_except_dim (the weight
normalization ops at the end of src/ember/_ops/nn_norm.py; the nn.utils wrappers are
tested in tests/nn/test_weight_norm.py)."""
import numpy as np

from opinfo.core import E, OpInfo, S, randn


def _wn(rng, d):
    v = randn(rng, (4, 3, 2), d)
    return [S(v, np.abs(randn(rng, (4, 1, 1), d)) + 0.5, 0, name="fused first"),
            S(v, np.abs(randn(rng, (1, 1, 2), d)) + 0.5, 2, name="fused last"),
            S(v, np.abs(randn(rng, (1, 3, 1), d)) + 0.5, 1, name="middle"),
            S(v, np.asarray(1.5, d), -1, name="whole"),
            S(randn(rng, (5,), d), np.abs(randn(rng, (5,), d)) + 0.5, 0, name="1-d")]


def _wn_errors(rng):
    return [E(randn(rng, (4, 3), "float32"), randn(rng, (4, 1), "float64"), 0),
            E(randn(rng, (4, 3, 2), "float32"), randn(rng, (4, 1, 1), "float32"), 3)]


def _ned(rng, d):
    v = randn(rng, (3, 4, 2), d)
    return [S(v, 2, 0), S(v, 2, 2, name="last"), S(v, 2, 1, name="middle"),
            S(v, 2, -1, name="whole"), S(v, 3, -2, name="p=3"),
            S(randn(rng, (4,), d), 2, 0, name="1-d")]


OPS = [
    OpInfo("_weight_norm", lambda lib, v, g, dim: lib._weight_norm(v, g, dim), _wn,
           errors=_wn_errors),
    # torch reshapes around the norm (ViewBackward0 on top); ember reduces with keepdim
    OpInfo("norm_except_dim", lambda lib, v, p, dim: lib.norm_except_dim(v, p, dim), _ned,
           skip_grad_fn=True),
]
