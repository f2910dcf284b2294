"""`ember.device`: where a tensor lives. Only the CPU has a backend today; `cuda` and `mps`
devices can be named and compared, and using them raises a clear RuntimeError."""
import numpy

_KNOWN_TYPES = ("cpu", "cuda", "mps", "meta", "xpu")


class device:
    """A device name (`'cpu'`, `'cuda'`, `'cuda:1'`) with torch's `type` and `index`."""

    __module__ = "ember"  # <class 'ember.device'>, as torch's torch.device

    __slots__ = ("type", "index", "xp")

    def __new__(cls, type, index=None):
        if isinstance(type, device):
            if index is not None:
                raise ValueError("device(): index given twice")
            return type
        if isinstance(type, int) and not isinstance(type, bool):
            # a bare index names a device of the current accelerator, and there is none
            raise RuntimeError("Cannot access accelerator device when none is available.")
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments: {type!r}")
        name = type
        if ":" in name:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was "
                                   f"passed explicitly: {name}")
            name, _, idx = name.partition(":")
            if not idx.isdigit() or (len(idx) > 1 and idx[0] == "0"):
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        if name not in _KNOWN_TYPES:
            raise RuntimeError(
                f"Expected one of cpu, cuda, mps, meta, xpu device type at start of device "
                f"string: {type}")
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"Device index must not be negative, got {index}")
        key = (name, index)
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        self = object.__new__(cls)
        self.type = name
        self.index = index
        self.xp = numpy if name == "cpu" else None
        _CACHE[key] = self
        return self

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        # as in torch, a device never equals a string: compare str(device) or device(...)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_CACHE = {}
CPU = device("cpu")


def to_device(value):
    """Parse a `device=` argument into a usable device; RuntimeError where no backend exists."""
    if value is None or value is CPU:
        return CPU
    d = device(value)
    if d.type != "cpu":
        raise RuntimeError(
            f"ember has no backend for device '{d}' yet: this build runs on the CPU only "
            f"(ember.cuda.is_available() is False). Use device='cpu'.")
    return CPU
