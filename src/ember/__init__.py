"""ember: a deep learning framework with PyTorch's API, on NumPy.

`import ember as torch` runs PyTorch code unchanged: tensors, dtypes, autograd and the ops
mirror torch's names, defaults, promotion rules, errors and printing.
"""
from ember._backend import dtypes as _dtypes
from ember._backend.device import device
from ember._backend.dtypes import (bfloat16, bool, complex64, complex128, finfo,  # noqa: F401
                                   float16, float32, float64, get_default_dtype, iinfo, int8,
                                   int16, int32, int64, promote_types, set_default_dtype,
                                   uint8)
from ember._backend.dtypes import dtype  # noqa: F401
from ember._backend.random import Generator, default_generator  # noqa: F401
from ember._tensor import Size, Tensor, TypedStorage, UntypedStorage
from ember._tensor import LEGACY_TYPES as _LEGACY_TYPES
from ember import _ops
from ember._ops.registry import FUNCTIONS as _FUNCTIONS
from ember._ops.registry import METHODS as _METHODS
from ember._ops.creation import from_dlpack  # noqa: F401
from ember._ops.random_ops import (  # noqa: F401
    get_rng_state, initial_seed, manual_seed, seed, set_rng_state)
from ember._printing import get_printoptions, set_printoptions  # noqa: F401
from ember._ops.shape import METHOD_PROPERTIES as _PROPS
from ember._ops.reduction import vector_norm as _vector_norm  # noqa: F401

float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
cfloat = complex64
cdouble = complex128
chalf = None
from ember._tensor import (channels_last, channels_last_3d, contiguous_format,  # noqa: E402
                           layout, memory_format, preserve_format, sparse_coo, strided)
__version__ = "2.13.0+ember"

globals().update(_FUNCTIONS)
globals().update(_LEGACY_TYPES)
for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
for _name, _fn in _PROPS.items():
    setattr(Tensor, _name, property(_fn))


def _set_real(self, value):
    self.real.copy_(value)


Tensor.real = property(_ops.complex_ops.real, _set_real)
Tensor.imag = property(_ops.complex_ops.imag, lambda self, v: self.imag.copy_(v))
Tensor.__eq__ = _METHODS["__eq__"]
Tensor.__hash__ = object.__hash__

from ember import autograd  # noqa: E402
from ember.autograd.grad_mode import (enable_grad, inference_mode,  # noqa: E402,F401
                                      is_anomaly_check_nan_enabled, is_anomaly_enabled,
                                      is_grad_enabled, is_inference_mode_enabled, no_grad,
                                      set_grad_enabled)
from ember import _runtime  # noqa: E402
from ember._runtime import (accelerator, backends, cpu, cuda, get_num_threads,  # noqa: E402,F401
                            get_num_interop_threads, mps, set_num_interop_threads,
                            set_num_threads, set_float32_matmul_precision,
                            get_float32_matmul_precision, use_deterministic_algorithms,
                            are_deterministic_algorithms_enabled,
                            is_deterministic_algorithms_warn_only_enabled, version)
from ember import linalg, random, special, utils, return_types, types  # noqa: E402,F401
from ember import serialization  # noqa: E402
from ember.serialization import load, save  # noqa: E402,F401
from ember.amp.autocast_mode import (autocast, autocast_decrement_nesting,  # noqa: E402,F401
                                     autocast_increment_nesting, clear_autocast_cache,
                                     get_autocast_cpu_dtype, get_autocast_dtype,
                                     get_autocast_gpu_dtype, is_autocast_cache_enabled,
                                     is_autocast_cpu_enabled, is_autocast_enabled,
                                     set_autocast_cache_enabled, set_autocast_cpu_dtype,
                                     set_autocast_cpu_enabled, set_autocast_dtype,
                                     set_autocast_enabled, set_autocast_gpu_dtype)
from ember.amp.grad_scaler import (  # noqa: E402,F401
    _non_finite_check_and_unscale_ as _amp_foreach_non_finite_check_and_unscale_,
    _update_scale_ as _amp_update_scale_)



from ember._ops.tensor_methods import (  # noqa
    FALSE_PROPERTIES as _FALSE_PROPS, init_num_threads, is_distributed, is_warn_always_enabled,
    set_flush_denormal, set_warn_always)
from math import e, inf, nan, pi  # noqa: E402,F401
newaxis = None
for _name in _FALSE_PROPS:
    if not hasattr(Tensor, _name):
        setattr(Tensor, _name, property(lambda self: False))


def is_tensor(obj):
    """True if obj is an ember Tensor."""
    return isinstance(obj, Tensor)


def is_storage(obj):
    return isinstance(obj, (UntypedStorage, TypedStorage))


def numel(input):
    """Number of elements of input."""
    return input.numel()


def is_floating_point(input):
    """True if input's dtype is a floating dtype."""
    return input.dtype.category == _dtypes.FLOAT


def is_complex(input):
    """True if input's dtype is complex."""
    return input.dtype.category == _dtypes.COMPLEX


def is_nonzero(input):
    """True if the single-element tensor input is not zero (RuntimeError otherwise)."""
    return input.__bool__()


def result_type(tensor1, tensor2):
    """The dtype an op on the two arguments (tensors or numbers) would produce."""
    groups = ([], [], [])
    for x in (tensor1, tensor2):
        if isinstance(x, Tensor):
            groups[0 if x.ndim else 1].append(x.dtype)
        else:
            groups[2].append(_dtypes.scalar_dtype(x))
    return _dtypes.result_type_of(*groups)


def can_cast(from_, to):
    """True if torch's casting rules allow from_ to be cast to `to` implicitly."""
    return _dtypes.can_cast(from_, to)


def set_default_tensor_type(t):
    name = t if isinstance(t, str) else getattr(t, "__name__", str(t))
    set_default_dtype(float64 if "Double" in name else float32)


def get_default_device():
    """The device factories use when none is given (always the CPU in ember today)."""
    return device("cpu")


def set_default_device(device_):
    """Set the default device for factories: 'cpu' (or None) is accepted; devices ember has
    no backend for raise RuntimeError."""
    if device_ is not None:
        from ember._backend.device import to_device
        to_device(device_)


def compile(model=None, **kwargs):
    """Returns the model (or function) unchanged: ember runs eagerly."""
    if model is None:
        return lambda m: m
    return model


def typename(obj):
    """torch.typename: a tensor's type string ('ember.FloatTensor'), else the qualified
    name of the object (a class or function) or of its type ('ember.dtype', 'int')."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = type(obj).__module__ or ""
        qualname = type(obj).__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


def _assert(condition, message):
    assert condition, message


del _name, _fn


_LAZY_SUBMODULES = ("nn", "optim", "amp", "jit", "onnx", "distributed", "multiprocessing",
                    "hub", "testing", "profiler", "fx", "export", "distributions",
                    "func", "fft", "signal")


def __getattr__(name):
    # heavier subpackages load on first use, as `torch.nn` is reachable after `import torch`
    if name == "GradScaler":  # torch.GradScaler is torch.amp.GradScaler
        from ember.amp import GradScaler
        return GradScaler
    if name in _LAZY_SUBMODULES:
        import importlib
        try:
            return importlib.import_module(f"ember.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"ember.{name}":
                raise
    raise AttributeError(f"module 'ember' has no attribute '{name}'")
