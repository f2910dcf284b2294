"""ember.vision: torchvision's datasets, transforms, models and image utilities on ember.

`import ember.vision as torchvision` lets torchvision code run unchanged. Submodules load
lazily so that `import ember.vision` stays light.
"""
import importlib as _importlib

_SUBMODULES = ("datasets", "transforms", "models", "utils", "io")
__all__ = list(_SUBMODULES)


def __getattr__(name):
    if name in _SUBMODULES:
        module = _importlib.import_module(f"ember.vision.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'ember.vision' has no attribute {name!r}")
