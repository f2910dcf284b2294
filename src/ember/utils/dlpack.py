"""DLPack interchange: share memory with other array libraries."""
from ember._ops.creation import from_dlpack  # noqa: F401


def to_dlpack(tensor):
    """A DLPack capsule viewing the tensor's memory."""
    return tensor.__dlpack__()
