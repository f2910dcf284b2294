"""Op-table records for elementwise ops (src/ember/_ops/elementwise.py)."""
from opinfo.core import FLOATS, HALFS, INTS, ErrorSample, OpInfo, Sample, randn

BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,)), ((5,), ())]


def binary_samples(rng, dtype):
    return [Sample((randn(rng, a, dtype), randn(rng, b, dtype)), name=f"{a}x{b}")
            for a, b in BINARY_SHAPES] + \
        [Sample((randn(rng, (3,), dtype), 2.5), name="scalar"),
         Sample((randn(rng, (3,), dtype), 2), name="int scalar")]


def broadcast_errors(rng):
    return [ErrorSample((randn(rng, (3, 4), "float32"), randn(rng, (3,), "float32")))]


OPS = [
    OpInfo("add", lambda lib, a, b, **kw: lib.add(a, b, **kw), binary_samples,
           dtypes=FLOATS + INTS + HALFS, errors=broadcast_errors),
    OpInfo("mul", lambda lib, a, b: lib.mul(a, b), binary_samples,
           dtypes=FLOATS + INTS + HALFS, errors=broadcast_errors),
    OpInfo("tanh", lambda lib, a: lib.tanh(a),
           lambda rng, dt: [Sample((randn(rng, (3, 4), dt),)), Sample((randn(rng, (), dt),))],
           dtypes=FLOATS + HALFS),
]
