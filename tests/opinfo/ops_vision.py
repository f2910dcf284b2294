"""Op-table records for the top-level functions of src/ember/_ops/sampling.py:
torch.pixel_shuffle / pixel_unshuffle / channel_shuffle / native_channel_shuffle (grid_sample
and affine_grid are nn.functional only; see tests/nn/test_vision_functional.py)."""
from opinfo.core import ALL_REAL, E, OpInfo, S, randn


def _ps(rng, d):
    return [S(randn(rng, (2, 8, 2, 3), d), 2), S(randn(rng, (9, 1, 2), d), 3, name="3-d"),
            S(randn(rng, (1, 2, 4, 1, 1), d), 2, name="5-d")]


def _ps_errors(rng):
    d = "float32"
    return [E(randn(rng, (3, 4), d), 2), E(randn(rng, (1, 3, 2, 2), d), 2),
            E(randn(rng, (1, 4, 2, 2), d), 0)]


def _pu(rng, d):
    return [S(randn(rng, (2, 2, 4, 6), d), 2), S(randn(rng, (1, 3, 3), d), 3, name="3-d"),
            S(randn(rng, (1, 2, 2, 2, 4), d), 2, name="5-d")]


def _pu_errors(rng):
    d = "float32"
    return [E(randn(rng, (3, 4), d), 2), E(randn(rng, (1, 3, 4, 5), d), 2),
            E(randn(rng, (1, 3, 5, 4), d), 2), E(randn(rng, (1, 3, 4, 4), d), 0)]


def _cs(rng, d):
    return [S(randn(rng, (2, 6, 3), d), 2), S(randn(rng, (1, 6, 2, 2), d), 3, name="4-d"),
            S(randn(rng, (2, 4, 1, 2, 1), d), 4, name="5-d"),
            S(randn(rng, (1, 4, 2), d), 1, name="one group")]


def _cs_errors(rng):
    d = "float32"
    return [E(randn(rng, (1, 3, 4), d), 2), E(randn(rng, (3, 4), d), 2),
            E(randn(rng, (1, 4, 4), d), 0)]


OPS = [
    OpInfo("pixel_shuffle", lambda lib, x, r: lib.pixel_shuffle(x, r), _ps, dtypes=ALL_REAL,
           errors=_ps_errors),
    OpInfo("pixel_unshuffle", lambda lib, x, r: lib.pixel_unshuffle(x, r), _pu,
           dtypes=ALL_REAL, errors=_pu_errors),
    OpInfo("channel_shuffle", lambda lib, x, g: lib.channel_shuffle(x, g), _cs,
           dtypes=ALL_REAL, errors=_cs_errors),
    # no derivative in torch (its grad_fn is NotImplemented, backward raises)
    OpInfo("native_channel_shuffle", lambda lib, x, g: lib.native_channel_shuffle(x, g), _cs,
           dtypes=ALL_REAL, grad=False, gradgrad=False, errors=_cs_errors),
]
