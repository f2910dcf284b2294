"""The op layer: autograd nodes grouped by family, and the engine that runs them backward.

Importing this package loads every family so their `@export`ed functions are registered.
"""
from ember._ops import engine, registry  # noqa: F401
from ember._ops import (creation, elementwise, indexing, linalg, reduction,  # noqa: F401
                        shape, sorting, special)
from ember._ops import conv, nn_activation, nn_loss, nn_norm, pooling  # noqa: F401,E402
from ember._ops import sampling  # noqa: F401,E402
from ember._ops import (arithmetic, clamp, comparison, complex_ops, unary,  # noqa: F401,E402
                        matmul, linalg_decomp, linalg_factor, linalg_norms, linalg_solve,
                        ranges, random_ops)
from ember._ops import (view_copies, index_reduce, native_norms,  # noqa: F401,E402
                        incomplete_gamma, tensor_methods, rnn_functional)
from ember._ops import numerical, spectral  # noqa: F401,E402
from ember._ops import special_functions  # noqa: F401,E402
