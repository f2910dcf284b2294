"""Op-table records for the activations torch also offers at top level (src/ember/_ops/
nn_activation.py): torch.selu, celu, rrelu, threshold, hardshrink, prelu and their in-place
forms. The nn.functional forms are tested in tests/nn/test_activation.py."""
import numpy as np

from opinfo.core import FLOATS, HALFS, E, OpInfo, S, randn

SHAPES = ((3, 4), (), (2, 0, 3), (2, 1, 3))


def unary_samples(*args, **kwargs):
    def samples(rng, dt):
        return [S(randn(rng, shape, dt, -3.0, 3.0), *args, name=str(shape), **kwargs)
                for shape in SHAPES]
    return samples


def prelu_samples(rng, dt):
    return [S(randn(rng, (2, 3, 4), dt, -2, 2), randn(rng, (3,), dt, 0, 1), name="per channel"),
            S(randn(rng, (3, 4), dt, -2, 2), randn(rng, (1,), dt, -1, 1), name="shared"),
            S(randn(rng, (5,), dt, -2, 2), randn(rng, (1,), dt, 0, 1), name="1-d")]


def prelu_errors(rng):
    return [E(randn(rng, (2, 3, 4), "float32"), randn(rng, (2,), "float32")),
            E(randn(rng, (2, 3, 4), "float32"), randn(rng, (3, 1), "float32")),
            E(randn(rng, (5,), "float32"), randn(rng, (5,), "float32"))]


def float_only_errors(name):
    def errors(rng):
        return [E(np.arange(6).reshape(2, 3))]
    return errors


def _records(name, samples, inplace=True, dtypes=FLOATS + HALFS, errors=None, **kw):
    recs = [OpInfo(name, lambda lib, a, *args, **k: getattr(lib, name)(a, *args, **k),
                   samples, dtypes=dtypes, errors=errors, **kw)]
    if inplace:
        recs.append(OpInfo(name + "_",
                           lambda lib, a, *args, **k: getattr(lib, name + "_")(a.clone(), *args,
                                                                               **k),
                           samples, dtypes=FLOATS, **kw))
    return recs


OPS = [
    *_records("selu", unary_samples(), errors=float_only_errors("selu")),
    *_records("celu", unary_samples(), errors=float_only_errors("celu")),
    *_records("celu", unary_samples(alpha=0.7), inplace=False),
    *_records("rrelu", unary_samples(), errors=float_only_errors("rrelu")),
    *_records("rrelu", unary_samples(0.2, 0.4), inplace=False),
    *_records("threshold", unary_samples(0.5, -1.5), dtypes=FLOATS + HALFS + ("int64",)),
    *_records("hardshrink", unary_samples(), inplace=False,
              errors=float_only_errors("hardshrink")),
    *_records("hardshrink", unary_samples(1.1), inplace=False),
    OpInfo("hardshrink", lambda lib, a, *args: a.hardshrink(*args), unary_samples(0.3)),
    OpInfo("prelu", lambda lib, a, w: lib.prelu(a, w), prelu_samples, errors=prelu_errors,
           dtypes=FLOATS + HALFS),
    OpInfo("prelu", lambda lib, a, w: a.prelu(w), prelu_samples),
]
