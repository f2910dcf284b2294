"""The op table's building blocks: one OpInfo record per public op drives every generic test
in tests/test_ops.py (values and dtypes against torch, gradients against torch, gradcheck,
gradgradcheck, grad_fn names, and the error class for bad input).

A record's `fn(lib, *args, **kwargs)` calls the op through `lib`, which is either `ember` or
`torch`, so one lambda runs on both. Samples hold NumPy arrays; `to_lib` turns them into
tensors of each library, identical in value.
"""
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

FLOATS = ("float32", "float64")
INTS = ("int64", "int32")
ALL_REAL = ("float32", "float64", "int64", "int32", "uint8", "bool")
HALFS = ("float16", "bfloat16")
COMPLEX = ("complex64", "complex128")


@dataclass
class Sample:
    """Positional and keyword arguments for one call. NumPy arrays become tensors; `Arr`
    marks arrays that must stay integer index tensors (never requiring grad)."""
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    name: str = ""


@dataclass
class ErrorSample:
    """Arguments for which torch raises; ember must raise the same exception class."""
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    name: str = ""


class Index(np.ndarray):
    """An integer (or bool) array that stays an index tensor: never cast, never differentiated."""


def index(values, dtype=np.int64):
    return np.asarray(values, dtype=dtype).view(Index)


@dataclass
class OpInfo:
    name: str                                 # the public name (ember.<name> / Tensor.<name>)
    fn: Callable                              # fn(lib, *args, **kwargs)
    samples: Callable                         # samples(rng, np_dtype) -> list[Sample]
    dtypes: tuple = FLOATS                    # dtypes tested for values (float32/64 at least)
    grad: bool = True                         # differentiable: compare grads, gradcheck
    gradgrad: bool = True                     # run gradgradcheck
    grad_dtypes: tuple = ("float64",)
    errors: Callable | None = None            # errors(rng) -> list[ErrorSample]
    atol: float = 1e-5
    rtol: float = 1.3e-6
    random: bool = False                      # compare only shape/dtype (random ops)
    covers: tuple = ()                        # other public names this record exercises
    slow: bool = False
    skip_grad_fn: bool = False                # grad_fn names legitimately differ
    extra: Any = None


def np_dtype(name):
    if name == "bfloat16":
        import ml_dtypes
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def randn(rng, shape, dtype, low=-2.0, high=2.0):
    """An array of `dtype` with values in [low, high): floats uniform, ints uniform integers,
    bools random (always an ndarray, also for 0-d shapes)."""
    dt = np_dtype(dtype) if isinstance(dtype, str) else np.dtype(dtype)
    if dt.kind == "b":
        return np.asarray(rng.random(shape) < 0.5)
    if dt.kind in "iu":
        lo = 0 if dt.kind == "u" else int(low) - 1
        return np.asarray(rng.integers(lo, int(high) + 3, size=shape).astype(dt))
    if dt.kind == "c":
        return np.asarray((rng.uniform(low, high, shape)
                           + 1j * rng.uniform(low, high, shape)).astype(dt))
    return np.asarray(rng.uniform(low, high, shape).astype(dt))


def S(*args, name="", **kwargs):
    """Shorthand for Sample(args, kwargs, name)."""
    return Sample(args, kwargs, name)


def E(*args, **kwargs):
    """Shorthand for ErrorSample(args, kwargs)."""
    return ErrorSample(args, kwargs)


def to_lib(lib, value, requires_grad=False):
    """Turn a sample value into lib's form: arrays become tensors (grad on floats if asked)."""
    if isinstance(value, Index):
        arr = np.asarray(value).copy()
        return lib.from_numpy(arr) if arr.dtype.kind != "V" else lib.tensor(arr)
    if isinstance(value, np.ndarray):
        arr = value.copy()
        if arr.dtype.name == "bfloat16":
            t = lib.from_numpy(arr.astype(np.float32)).to(lib.bfloat16)
        else:
            t = lib.from_numpy(arr)
        if requires_grad and arr.dtype.kind in "fcV":
            t.requires_grad_(True)
        return t
    if isinstance(value, list) and value and all(isinstance(v, np.ndarray) and
                                                 not isinstance(v, Index) for v in value):
        return [to_lib(lib, v, requires_grad) for v in value]
    if isinstance(value, tuple) and value and all(isinstance(v, (np.ndarray, type(None)))
                                                  for v in value):
        return tuple(to_lib(lib, v, requires_grad) if v is not None else None for v in value)
    if isinstance(value, str) and value.startswith("dtype:"):
        return getattr(lib, value[6:])
    return value


def tensors_in(obj):
    """Flatten a result (tensor, tuple, list, namedtuple, scalar) into a list of leaves."""
    if isinstance(obj, (tuple, list)):
        out = []
        for o in obj:
            out += tensors_in(o)
        return out
    return [obj]


def to_numpy(x):
    """A NumPy view of an ember or torch tensor (float32 for bfloat16), else x."""
    if hasattr(x, "detach") and hasattr(x, "dtype"):
        x = x.detach().resolve_conj()  # torch results may carry a lazy conjugate bit
        if "bfloat16" in str(x.dtype):
            x = x.float()
        return np.asarray(x.cpu().numpy() if hasattr(x, "cpu") else x.numpy())
    return x


def dtype_name(x):
    return str(x.dtype).split(".")[-1] if hasattr(x, "dtype") else type(x).__name__


def tolerances(dtype, info):
    if dtype in ("float16",):
        return 1e-2, 1e-2
    if dtype in ("bfloat16",):
        return 1.6e-2, 1e-2
    if dtype in ("float32", "complex64"):
        return max(info.atol, 1e-5), max(info.rtol, 1.3e-5)
    return info.atol, info.rtol
