"""ember.utils: dlpack, data (loaded on first use, to keep `import ember` light)."""
from ember.utils import dlpack  # noqa: F401


def __getattr__(name):
    if name in ("data", "checkpoint", "hooks", "tensorboard", "benchmark", "safetensors"):
        import importlib
        try:
            return importlib.import_module(f"ember.utils.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"ember.utils.{name}":
                raise
    raise AttributeError(f"module 'ember.utils' has no attribute '{name}'")
