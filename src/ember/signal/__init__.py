"""ember.signal: torch.signal's signal-processing helpers (the `windows` submodule)."""
from ember.signal import windows  # noqa: F401

__all__ = ["windows"]
