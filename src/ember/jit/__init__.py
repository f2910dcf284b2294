"""ember.jit: torch.jit's entry points for code that uses them in passing. ember runs every
program eagerly, so there is no TorchScript compiler: `script` returns the module or function
unchanged, `trace` returns the traced callable unchanged (it keeps Python control flow rather
than recording one path), `save`/`load` raise (there is no TorchScript archive format yet, and
loading a pickled module would run code from the file), and the markers
(`is_scripting`, `ignore`, `unused`, `export`, `annotate`, `Final`, ...) are no-ops."""
import typing

import ember

__all__ = ["Attribute", "Final", "ScriptFunction", "ScriptModule", "annotate", "export",
           "fork", "freeze", "ignore", "interface", "is_scripting", "is_tracing", "load",
           "optimize_for_inference", "save", "script", "script_method", "trace",
           "trace_module", "unused", "wait"]

Final = typing.Final


class ScriptModule(ember.nn.Module):
    """The base class torch gives compiled modules (ember never makes one)."""


class ScriptFunction:
    """The type torch gives compiled functions (ember never makes one)."""


def is_scripting():
    """False: ember code always runs as eager Python (as torch outside TorchScript)."""
    return False


def is_tracing():
    """False: ember never records a trace."""
    return False


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """Return `obj` (a module, function or class) unchanged: it already runs eagerly."""
    return obj


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None,
          check_tolerance=1e-5, strict=True, _force_outplace=False, _module_class=None,
          _compilation_unit=None, example_kwarg_inputs=None, _store_inputs=True):
    """Return `func` unchanged (ember runs eagerly; unlike torch's trace, data-dependent
    branches are still taken per input)."""
    return func


def trace_module(mod, inputs, *args, **kwargs):
    """Return `mod` unchanged (see `trace`)."""
    return mod


def save(m, f, _extra_files=None):
    """torch.jit.save writes a TorchScript archive; ember has no TorchScript yet, so this
    raises NotImplementedError. Save `m.state_dict()` with `ember.save` instead."""
    raise NotImplementedError(
        "ember.jit.save: TorchScript archives are not supported yet; save the weights with "
        "ember.save(module.state_dict(), f) and rebuild the module from its class")


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    """torch.jit.load reads a TorchScript archive; ember cannot run TorchScript yet, so this
    raises NotImplementedError (rather than unpickling code from the file)."""
    raise NotImplementedError(
        "ember.jit.load: TorchScript archives are not supported yet; load a state_dict with "
        "ember.load(f) into the module's class instead")


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    """Return `mod` unchanged."""
    return mod


def optimize_for_inference(mod, other_methods=None):
    """Return `mod` unchanged."""
    return mod


def _marker(fn=None, **kwargs):
    if fn is None or not callable(fn):
        return lambda f: f
    return fn


def ignore(drop=False, **kwargs):
    """Decorator leaving a function to Python (a no-op in ember); `@ignore` and
    `@ignore(drop=True)` both work."""
    return _marker(drop if callable(drop) else None)


def unused(fn):
    """Decorator marking a method unused by the compiler (a no-op in ember)."""
    return fn


def export(fn):
    """Decorator marking a method to compile (a no-op in ember)."""
    return fn


def interface(obj):
    """Decorator declaring a TorchScript interface (a no-op in ember)."""
    return obj


def script_method(fn):
    """Legacy decorator for ScriptModule methods (a no-op in ember)."""
    return fn


def annotate(the_type, the_value):
    """Return `the_value` (the type hint matters only to the TorchScript compiler)."""
    return the_value


def Attribute(value, type=None):  # noqa: N802 - torch's name
    """Return `value` (a typed module attribute in TorchScript)."""
    return value


class _Future:
    def __init__(self, value):
        self._value = value

    def wait(self):
        return self._value

    def done(self):
        return True


def fork(func, *args, **kwargs):
    """Run `func(*args, **kwargs)` now and return a future holding its result."""
    return _Future(func(*args, **kwargs))


def wait(future):
    """The result of a `fork`."""
    return future.wait()
