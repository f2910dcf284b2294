"""Autocast state and cast policy (the engine behind ember.autocast / torch.autocast).

torch's CPU autocast runs a fixed list of ops in the lower-precision dtype (bfloat16 by
default: matmul, linear, convolutions, ...) and another list in float32 (losses, most
decompositions, 3-d pooling, ...); everything else runs in the dtype of its inputs. The state
is thread-local, as torch's.

Each listed ember op starts with the same two lines::

    if _ac.on and _ac.active():
        return _ac.lower(conv2d, input, weight, bias, ...)      # or _ac.fp32(...)

`on` is a plain module global (the number of threads with CPU autocast enabled), so with
autocast off the cost is one attribute lookup. `lower` / `fp32` cast the eligible tensor
arguments (floating point, not float64, as torch's `cached_cast`) with a differentiable copy
(ToCopyBackward0) and run the op with autocast excluded, so the ops it is built from are not
cast again (torch excludes the Autocast dispatch key inside an autocast kernel likewise).
"""
import threading

from ember._backend import dtypes as _dt
from ember._ops import engine as _engine

# Threads whose CPU autocast is on; ops read this first. A thread that ends inside an
# autocast region leaves it counted, which only costs the slow-path check.
on = 0
_count_lock = threading.Lock()

DEVICE_TYPES = ("cpu", "cuda")
_DEFAULT_DTYPES = {"cpu": _dt.bfloat16, "cuda": _dt.float16}


class _State(threading.local):
    """Per-thread autocast flags; class attributes are each new thread's defaults."""
    cpu = False
    cuda = False
    cpu_dtype = _dt.bfloat16
    cuda_dtype = _dt.float16
    cache_enabled = True
    nesting = 0
    excluded = False
    cache = None


_state = _State()


def _device_type(device_type):
    if device_type not in DEVICE_TYPES:
        raise RuntimeError(f"User specified an unsupported autocast device_type "
                           f"'{device_type}'")
    return device_type


def is_enabled(device_type):
    """True if autocast is enabled for `device_type` ('cpu' or 'cuda') in this thread."""
    return getattr(_state, _device_type(device_type))


def set_enabled(device_type, enabled):
    """Turn autocast for `device_type` on or off in this thread."""
    global on
    dev = _device_type(device_type)
    enabled = bool(enabled)
    was = getattr(_state, dev)
    setattr(_state, dev, enabled)
    if dev == "cpu" and was != enabled:
        with _count_lock:
            on += 1 if enabled else -1


def get_dtype(device_type):
    """The lower-precision dtype autocast uses for `device_type` in this thread."""
    return getattr(_state, _device_type(device_type) + "_dtype")


def set_dtype(device_type, dtype):
    """Set the lower-precision dtype autocast uses for `device_type` in this thread."""
    setattr(_state, _device_type(device_type) + "_dtype", dtype)


def is_cache_enabled():
    """True if casts of leaf float32 tensors (weights) are cached inside autocast regions."""
    return _state.cache_enabled


def set_cache_enabled(enabled):
    """Turn the autocast weight-cast cache on or off in this thread."""
    _state.cache_enabled = bool(enabled)


def increment_nesting():
    """Count one more entered autocast region; returns the new depth."""
    _state.nesting += 1
    return _state.nesting


def decrement_nesting():
    """Count one autocast region left; returns the new depth."""
    _state.nesting -= 1
    return _state.nesting


def clear_cache():
    """Drop the cached casts of weights (done when the outermost autocast region exits)."""
    _state.cache = None


def active():
    """True if an op called now in this thread should apply the autocast policy."""
    return _state.cpu and not _state.excluded


def _cast_one(t, dtype):
    if dtype is None:
        return t
    if not isinstance(t, _engine.Tensor):
        if isinstance(t, (list, tuple)):
            return type(t)(_cast_one(v, dtype) for v in t)
        return t
    src = t.dtype
    if src is dtype or src.category != _dt.FLOAT or src is _dt.float64:
        return t
    # weights (float32 leaves that need a gradient) are cast once per autocast region
    cacheable = (src is _dt.float32 and dtype is _state.cpu_dtype and _state.cache_enabled
                 and t._requires_grad and t.grad_fn is None and t._base is None)
    if cacheable:
        cache = _state.cache
        if cache is None:
            cache = _state.cache = {}
        hit = cache.get(id(t))
        if hit is not None and hit[0] is t:
            return hit[1]
        out = t._to_dtype(dtype)
        cache[id(t)] = (t, out)
        return out
    return t._to_dtype(dtype)


def _run(fn, dtype, args, kwargs):
    if kwargs.get("out") is not None:
        dtype = None  # out= variants are not autocast in torch: they keep their dtypes
    args = tuple(_cast_one(a, dtype) for a in args)
    kwargs = {k: _cast_one(v, dtype) for k, v in kwargs.items()}
    _state.excluded = True
    try:
        return fn(*args, **kwargs)
    finally:
        _state.excluded = False


def lower(fn, *args, **kwargs):
    """Run op `fn` under the lower-precision policy: floating tensor arguments (not float64)
    are cast to the autocast dtype (bfloat16 by default), then `fn` runs with autocast
    excluded."""
    return _run(fn, _state.cpu_dtype, args, kwargs)


def fp32(fn, *args, **kwargs):
    """Run op `fn` under the float32 policy: reduced-precision floating tensor arguments are
    cast to float32, then `fn` runs with autocast excluded."""
    return _run(fn, _dt.float32, args, kwargs)


def to_fp32(t):
    """t cast to float32 if it is a reduced-precision floating tensor (for ops whose float32
    policy depends on their arguments, as F.pad's reflect / replicate modes)."""
    return _cast_one(t, _dt.float32)
