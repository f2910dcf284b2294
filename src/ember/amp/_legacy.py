"""The deprecated per-device spellings ember.cpu.amp.* and ember.cuda.amp.* (torch.cpu.amp,
torch.cuda.amp): thin subclasses and wrappers of ember.amp that warn FutureWarning."""
import functools
import warnings

from ember._backend import dtypes as _dt
from ember.amp import autocast_mode as _mode
from ember.amp.grad_scaler import GradScaler as _GradScaler


def _warn(old, new):
    warnings.warn(f"`{old}(args...)` is deprecated. Please use `{new}` instead.",
                  FutureWarning, stacklevel=3)


def _make(device_type, default_dtype):
    prefix = f"ember.{device_type}.amp"

    class autocast(_mode.autocast):
        """Deprecated: ember.amp.autocast(device_type, ...)."""

        def __init__(self, enabled=True, dtype=default_dtype, cache_enabled=True):
            _warn(f"{prefix}.autocast",
                  f"ember.amp.autocast('{device_type}', args...)")
            super().__init__(device_type, enabled=enabled, dtype=dtype,
                             cache_enabled=cache_enabled)

    class GradScaler(_GradScaler):
        """Deprecated: ember.amp.GradScaler(device_type, ...)."""

        def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                     growth_interval=2000, enabled=True):
            _warn(f"{prefix}.GradScaler", f"ember.amp.GradScaler('{device_type}', args...)")
            super().__init__(device_type, init_scale=init_scale, growth_factor=growth_factor,
                             backoff_factor=backoff_factor, growth_interval=growth_interval,
                             enabled=enabled)

    for cls in (autocast, GradScaler):
        cls.__module__ = prefix
        cls.__qualname__ = cls.__name__
    names = {"autocast": autocast, "GradScaler": GradScaler}
    if device_type == "cuda":
        def custom_fwd(fwd=None, *, cast_inputs=None):
            """Deprecated: ember.amp.custom_fwd(..., device_type='cuda')."""
            _warn(f"{prefix}.custom_fwd", "ember.amp.custom_fwd(args..., device_type='cuda')")
            return functools.partial(_mode.custom_fwd, device_type="cuda")(
                fwd=fwd, cast_inputs=cast_inputs)

        def custom_bwd(bwd):
            """Deprecated: ember.amp.custom_bwd(..., device_type='cuda')."""
            _warn(f"{prefix}.custom_bwd", "ember.amp.custom_bwd(args..., device_type='cuda')")
            return _mode.custom_bwd(bwd, device_type="cuda")
        names.update(custom_fwd=custom_fwd, custom_bwd=custom_bwd)
    return names


_NAMES = {"cpu": _make("cpu", _dt.bfloat16), "cuda": _make("cuda", _dt.float16)}


def attribute(device_type, name):
    """ember.<device_type>.amp.<name>; AttributeError for names torch does not have there."""
    try:
        return _NAMES[device_type][name]
    except KeyError:
        raise AttributeError(f"module 'ember.{device_type}.amp' has no attribute "
                             f"'{name}'") from None
