"""Type aliases used in annotations (torch.types)."""
from ember._backend.device import device as Device  # noqa: F401
Number = (int, float, bool)
