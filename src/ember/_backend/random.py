"""Random streams: `ember.Generator` over NumPy's PCG64, and the default generator.

ember's streams differ from torch's; what matches is the API: seeding, state save and
restore (`get_state` gives a uint8 tensor that replays the same numbers), and `generator=`.
"""
import os

import numpy as np

DEFAULT_SEED = 67280421310721
_USED_BYTES = 16 + 16 + 1 + 4 + 8
_STATE_BYTES = 5056  # the size of torch's CPU generator state, zero-padded


class Generator:
    """A random number generator with its own state (torch.Generator's API)."""

    def __init__(self, device="cpu"):
        from ember._backend.device import device as _device
        self.device = _device(device)
        if self.device.type != "cpu":
            raise RuntimeError(f"ember has no {self.device.type} generator: this build runs "
                               "on the CPU only")
        self._initial = DEFAULT_SEED
        self.np = np.random.Generator(np.random.PCG64(DEFAULT_SEED))

    def manual_seed(self, seed):
        """Reset the stream to `seed` (an int in [-2**63, 2**64); negative seeds wrap);
        returns self."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            if hasattr(seed, "__index__") and not isinstance(seed, float):
                seed = seed.__index__()
            else:
                raise RuntimeError(f"manual_seed expected a long, but got "
                                   f"{type(seed).__name__}")
        seed = int(seed)
        if not -(1 << 63) <= seed < (1 << 64):
            raise ValueError("Overflow when unpacking long long")
        if seed < 0:
            seed += 1 << 64
        self._initial = seed
        self.np = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self):
        """Seed from the operating system's entropy; returns the seed used."""
        s = int.from_bytes(os.urandom(8), "little") >> 1
        self.manual_seed(s)
        return s

    def initial_seed(self):
        """The seed this stream was last reset with."""
        return self._initial

    def get_state_bytes(self):
        st = self.np.bit_generator.state
        inner = st["state"]
        used = (inner["state"].to_bytes(16, "little") + inner["inc"].to_bytes(16, "little")
                + bytes([st["has_uint32"]]) + st["uinteger"].to_bytes(4, "little")
                + self._initial.to_bytes(8, "little"))
        return used + bytes(_STATE_BYTES - _USED_BYTES)

    def set_state_bytes(self, raw):
        raw = bytes(raw)
        if len(raw) != _STATE_BYTES:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but "
                               f"found the input RNG state size to be {len(raw)}")
        bitgen = np.random.PCG64()
        bitgen.state = {"bit_generator": "PCG64",
                        "state": {"state": int.from_bytes(raw[:16], "little"),
                                  "inc": int.from_bytes(raw[16:32], "little")},
                        "has_uint32": raw[32], "uinteger": int.from_bytes(raw[33:37], "little")}
        self.np = np.random.Generator(bitgen)
        self._initial = int.from_bytes(raw[37:45], "little")

    def get_state(self):
        """The stream's state as a uint8 tensor (for `set_state`)."""
        from ember._ops.creation import from_numpy
        return from_numpy(np.frombuffer(self.get_state_bytes(), dtype=np.uint8).copy())

    def set_state(self, new_state):
        """Restore a state returned by `get_state`; returns self."""
        data = getattr(new_state, "_data", None)
        if data is None or data.dtype != np.uint8:
            raise TypeError(f"expected an ember.ByteTensor, but got "
                            f"{type(new_state).__name__}" if data is None else
                            "RNG state must be an ember.ByteTensor")
        self.set_state_bytes(data.tobytes())
        return self

    def clone_state(self):
        """A new generator starting from this one's current state."""
        g = Generator(self.device)
        g.set_state_bytes(self.get_state_bytes())
        return g

    def __getstate__(self):
        return {"device": str(self.device), "state": self.get_state_bytes()}

    def __setstate__(self, d):
        from ember._backend.device import device as _device
        self.device = _device(d["device"])
        self.set_state_bytes(d["state"])


default_generator = Generator()


def stream(generator):
    """The NumPy generator behind `generator=` (the default one when None)."""
    return (generator or default_generator).np
