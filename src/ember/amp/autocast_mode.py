"""torch.autocast for ember: regions where listed ops run in a lower-precision dtype.

On the CPU the default dtype is bfloat16: matrix products, linear layers and convolutions
run in bfloat16, losses and most decompositions in float32, other ops in their inputs'
dtype (the op lists are torch's CPU lists; see `ember._ops.autocast`). ember has no CUDA
backend, so `autocast('cuda')` warns and disables itself, as torch does without CUDA.
"""
import collections.abc
import functools
import warnings

from ember._backend import dtypes as _dt
from ember._ops import autocast as _state

__all__ = ["autocast", "custom_fwd", "custom_bwd", "is_autocast_available"]

_SUPPORTED = (_dt.bfloat16, _dt.float16)


def is_autocast_available(device_type):
    """True if autocast can be used with `device_type` ('cpu' and 'cuda'; a CUDA region
    still disables itself when no CUDA device is present)."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    return device_type in _state.DEVICE_TYPES


class autocast:
    """Context manager (or decorator) in which ops on `device_type` tensors run in mixed
    precision, as torch.autocast: ``with ember.autocast('cpu'): y = model(x)``.

    `dtype` defaults to bfloat16 on the CPU (float16 for 'cuda'); only bfloat16 and float16
    are accepted (another dtype warns and disables the region). `enabled=False` turns
    autocast off inside the region, so regions nest. `cache_enabled` keeps each weight's
    cast for the region (torch's weight cache). The state is thread-local."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type not in _state.DEVICE_TYPES:
            raise RuntimeError(f"User specified an unsupported autocast device_type "
                               f"'{device_type}'")
        self.device = device_type
        self.fast_dtype = _state.get_dtype(device_type) if dtype is None else dtype
        self._cache_enabled = (_state.is_cache_enabled() if cache_enabled is None
                               else cache_enabled)
        if enabled:
            if device_type == "cuda":
                warnings.warn("CUDA is not available or torch_xla is imported. Disabling "
                              "autocast.", stacklevel=2)
                enabled = False
            elif self.fast_dtype not in _SUPPORTED:
                name = device_type.upper()
                warnings.warn(f"In {name} autocast, but the target dtype is not supported. "
                              f"Disabling autocast.\n{name} Autocast only supports dtypes of "
                              "ember.bfloat16, ember.float16 currently.", stacklevel=2)
                enabled = False
        self._enabled = enabled

    def __enter__(self):
        self.prev_cache_enabled = _state.is_cache_enabled()
        self.prev = _state.is_enabled(self.device)
        self.prev_fastdtype = _state.get_dtype(self.device)
        _state.set_enabled(self.device, self._enabled)
        _state.set_dtype(self.device, self.fast_dtype)
        _state.increment_nesting()
        _state.set_cache_enabled(self._cache_enabled)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if _state.decrement_nesting() == 0:
            _state.clear_cache()
        _state.set_enabled(self.device, self.prev)
        _state.set_dtype(self.device, self.prev_fastdtype)
        _state.set_cache_enabled(self.prev_cache_enabled)
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(f"autocast()(func) requires a callable, but got "
                            f"{type(func).__name__}. Did you mean to use autocast as a context "
                            "manager? For example:\n    with torch.autocast(device_type=...):\n"
                            "        output = model(input)")

        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return decorate_autocast


def _cast(value, device_type, dtype):
    """`value` with its floating tensors (not float64) cast to `dtype`, recursing into
    mappings and iterables as torch.amp's helper does."""
    if isinstance(value, _tensor_cls()):
        eligible = value.dtype.category == _dt.FLOAT and value.dtype is not _dt.float64
        return value.to(dtype) if eligible else value
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, collections.abc.Mapping):
        return {_cast(k, device_type, dtype): _cast(v, device_type, dtype)
                for k, v in value.items()}
    if isinstance(value, collections.abc.Iterable) and not _is_ndarray(value):
        items = (_cast(v, device_type, dtype) for v in value)
        return type(value)(items) if isinstance(value, (list, tuple)) else items
    return value


def _tensor_cls():
    from ember._ops import engine
    return engine.Tensor


def _is_ndarray(value):
    return type(value).__module__ == "numpy"


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorator for the `forward` of a custom autograd Function (torch.amp.custom_fwd).
    With `cast_inputs` set, inside an autocast region the floating tensor arguments are cast
    to that dtype and forward runs with autocast off; otherwise forward runs under the
    current autocast state, which `custom_bwd` then restores for backward."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        ctx = args[0]
        ctx._dtype = _state.get_dtype(device_type)
        if cast_inputs is None:
            ctx._fwd_used_autocast = _state.is_enabled(device_type)
            return fwd(*args, **kwargs)
        ctx._fwd_used_autocast = False
        if _state.is_enabled(device_type):
            with autocast(device_type=device_type, enabled=False):
                return fwd(*_cast(args, device_type, cast_inputs),
                           **_cast(kwargs, device_type, cast_inputs))
        return fwd(*args, **kwargs)
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """Decorator for the `backward` of a custom autograd Function (torch.amp.custom_bwd):
    backward runs under the autocast state its forward saw."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        ctx = args[0]
        with autocast(device_type=device_type, enabled=ctx._fwd_used_autocast,
                      dtype=ctx._dtype):
            return bwd(*args, **kwargs)
    return decorate_bwd


# --- the autocast state functions of the top-level namespace (torch.is_autocast_enabled...)

def is_autocast_enabled(device_type=None):
    """True if autocast is on for `device_type` in this thread; without an argument, for
    'cuda' (torch's legacy form)."""
    return _state.is_enabled("cuda" if device_type is None else device_type)


def set_autocast_enabled(*args):
    """set_autocast_enabled(device_type, enabled), or the legacy set_autocast_enabled(enabled)
    for 'cuda': switch autocast for that device type in this thread."""
    if len(args) == 1:
        _state.set_enabled("cuda", args[0])
    elif len(args) == 2:
        _state.set_enabled(args[0], args[1])
    else:
        raise TypeError(f"set_autocast_enabled() takes 1 or 2 arguments ({len(args)} given)")


def get_autocast_dtype(device_type):
    """The lower-precision dtype autocast uses for `device_type` (bfloat16 on 'cpu',
    float16 on 'cuda' unless changed)."""
    return _state.get_dtype(device_type)


def set_autocast_dtype(device_type, dtype):
    """Set the lower-precision dtype autocast uses for `device_type` in this thread."""
    _state.set_dtype(device_type, dtype)


def _deprecated(old, new):
    warnings.warn(f"torch.{old}() is deprecated. Please use torch.{new} instead.",
                  DeprecationWarning, stacklevel=3)


def is_autocast_cpu_enabled():
    """Deprecated: is_autocast_enabled('cpu')."""
    _deprecated("is_autocast_cpu_enabled", "is_autocast_enabled('cpu')")
    return _state.is_enabled("cpu")


def set_autocast_cpu_enabled(enabled):
    """Deprecated: set_autocast_enabled('cpu', enabled)."""
    _deprecated("set_autocast_cpu_enabled", "set_autocast_enabled('cpu', enabled)")
    _state.set_enabled("cpu", enabled)


def get_autocast_cpu_dtype():
    """Deprecated: get_autocast_dtype('cpu')."""
    _deprecated("get_autocast_cpu_dtype", "get_autocast_dtype('cpu')")
    return _state.get_dtype("cpu")


def set_autocast_cpu_dtype(dtype):
    """Deprecated: set_autocast_dtype('cpu', dtype)."""
    _deprecated("set_autocast_cpu_dtype", "set_autocast_dtype('cpu', dtype)")
    _state.set_dtype("cpu", dtype)


def get_autocast_gpu_dtype():
    """Deprecated: get_autocast_dtype('cuda')."""
    _deprecated("get_autocast_gpu_dtype", "get_autocast_dtype('cuda')")
    return _state.get_dtype("cuda")


def set_autocast_gpu_dtype(dtype):
    """Deprecated: set_autocast_dtype('cuda', dtype)."""
    _deprecated("set_autocast_gpu_dtype", "set_autocast_dtype('cuda', dtype)")
    _state.set_dtype("cuda", dtype)


def is_autocast_cache_enabled():
    """True if autocast caches the casts of weights within a region (the default)."""
    return _state.is_cache_enabled()


def set_autocast_cache_enabled(enabled):
    """Turn autocast's weight-cast cache on or off in this thread."""
    _state.set_cache_enabled(enabled)


def clear_autocast_cache():
    """Drop autocast's cached weight casts."""
    _state.clear_cache()


def autocast_increment_nesting():
    """Count an entered autocast region; returns the new nesting depth."""
    return _state.increment_nesting()


def autocast_decrement_nesting():
    """Count a left autocast region; returns the new nesting depth (0: outermost left)."""
    return _state.decrement_nesting()


TOP_LEVEL = ("autocast", "is_autocast_enabled", "set_autocast_enabled", "get_autocast_dtype",
             "set_autocast_dtype", "is_autocast_cpu_enabled", "set_autocast_cpu_enabled",
             "get_autocast_cpu_dtype", "set_autocast_cpu_dtype", "get_autocast_gpu_dtype",
             "set_autocast_gpu_dtype", "is_autocast_cache_enabled",
             "set_autocast_cache_enabled", "clear_autocast_cache",
             "autocast_increment_nesting", "autocast_decrement_nesting")
