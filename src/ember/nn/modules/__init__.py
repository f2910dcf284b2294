"""All nn modules: each file lists its public classes in __all__."""
import importlib as _importlib

__all__ = []
for _name in ("module", "container", "linear", "flatten", "activation", "loss", "dropout",
              "sparse", "normalization", "batchnorm", "instancenorm", "conv", "pooling",
              "padding", "distance", "rnn", "attention", "transformer", "upsampling",
              "pixelshuffle", "channelshuffle", "adaptive"):
    _mod = _importlib.import_module(f"ember.nn.modules.{_name}")
    for _cls in getattr(_mod, "__all__", ()):
        globals()[_cls] = getattr(_mod, _cls)
        __all__.append(_cls)
del _importlib, _name, _mod
