"""Helpers shared by the op families: turning arguments into tensors, promotion, dims."""
import numbers

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops import engine

ndarray = xp.ndarray
_FROM_NP = _dt._BY_NP
SCALARS = (int, float, bool, complex)


def Tensor():
    return engine.Tensor


def make(data, dtype=None):
    """Wrap a backend array as a tensor outside the graph (an inference tensor when made in
    inference_mode, as torch's factories)."""
    if data.__class__ is not ndarray:
        data = xp.asarray(data)
    t = engine.Tensor._make(data, dtype or _FROM_NP[data.dtype], False, None)
    if engine.GRAD.inference:
        t._meta = {"inference": True}
    return t


def as_tensor_arg(x, like=None):
    """A tensor for `x` (Python numbers become 0-dim tensors of their weak dtype)."""
    if isinstance(x, engine.Tensor):
        return x
    if isinstance(x, SCALARS) or isinstance(x, xp.generic):
        dtype = _dt.scalar_dtype(x)
        if like is not None:
            dtype = _dt.binary_result_type(like.dtype, False, x)
        return make(xp.asarray(x, dtype=dtype.np), dtype)
    from ember._ops.creation import tensor
    return tensor(x)


def is_scalar(x):
    return isinstance(x, SCALARS) or isinstance(x, numbers.Number)


def wrap_dim(dim, ndim):
    """Normalise a possibly negative dim with torch's IndexError when out of range."""
    n = ndim if ndim else 1
    if dim < -n or dim >= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


def wrap_dims(dim, ndim):
    """A sorted tuple of dims from an int, a sequence, or None (all dims)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int):
        return (wrap_dim(dim, ndim),)
    dims = tuple(wrap_dim(int(d), ndim) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims} appears multiple times in the list of dims")
    return tuple(sorted(dims))


def shape_arg(args):
    """Sizes given as separate ints or one sequence: (2, 3) or ((2, 3),) -> (2, 3)."""
    if len(args) == 1 and not isinstance(args[0], int):
        a = args[0]
        if isinstance(a, engine.Tensor):
            return tuple(int(v) for v in a.tolist())
        return tuple(int(v) for v in a)
    return tuple(int(v) for v in args)


def broadcast_shapes(*shapes):
    """The broadcast of shapes, RuntimeError naming the clashing sizes when impossible."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, n in enumerate(s):
            j = ndim - len(s) + i
            if out[j] == 1:
                out[j] = n
            elif n != 1 and n != out[j]:
                raise RuntimeError(
                    f"The size of tensor a ({out[j]}) must match the size of tensor b ({n}) at "
                    f"non-singleton dimension {i}")
    return tuple(out)


def check_same_device(a, b):
    if a.device is not b.device:
        raise RuntimeError(
            "Expected all tensors to be on the same device, but found at least two devices, "
            f"{a.device} and {b.device}!")
