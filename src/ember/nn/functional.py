"""ember.nn.functional: the functional forms of every layer and loss (torch.nn.functional).

The functions live in ember/nn/_functional/<family>.py; this module re-exports them all.
"""
import importlib as _importlib

for _name in ("activation", "loss", "linear", "dropout", "sparse", "normalization", "conv",
              "pooling", "padding", "vision", "upsampling", "distance", "attention"):
    _mod = _importlib.import_module(f"ember.nn._functional.{_name}")
    for _fn in getattr(_mod, "__all__", ()):
        globals()[_fn] = getattr(_mod, _fn)
del _importlib, _name, _mod
