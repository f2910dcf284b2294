"""Random streams: `ember.Generator` over NumPy's PCG64, and the default generator.

ember's streams differ from torch's; what matches is the API: seeding, state save and
restore (`get_state` gives a uint8 tensor that replays the same numbers), and `generator=`.
"""
import os

import numpy as np

DEFAULT_SEED = 67280421310721
_STATE_BYTES = 16 + 16 + 1 + 4 + 8


class Generator:
    """A random number generator with its own state (torch.Generator's API)."""

    def __init__(self, device="cpu"):
        from ember._backend.device import device as _device
        self.device = _device(device)
        self._initial = DEFAULT_SEED
        self.np = np.random.Generator(np.random.PCG64(DEFAULT_SEED))

    def manual_seed(self, seed):
        """Reset the stream to `seed`; returns self."""
        seed = int(seed)
        if seed < 0:
            seed += 1 << 64
        if not 0 <= seed < (1 << 64):
            raise RuntimeError(f"Overflow when unpacking long: seed {seed} out of range")
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
        return (inner["state"].to_bytes(16, "little") + inner["inc"].to_bytes(16, "little")
                + bytes([st["has_uint32"]]) + st["uinteger"].to_bytes(4, "little")
                + self._initial.to_bytes(8, "little"))

    def set_state_bytes(self, raw):
        raw = bytes(raw)
        if len(raw) != _STATE_BYTES:
            raise RuntimeError(f"RNG state is wrong size: expected {_STATE_BYTES} bytes, got "
                               f"{len(raw)}")
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
        self.set_state_bytes(np.asarray(new_state._data, dtype=np.uint8).tobytes())
        return self

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
