"""The bottom layer: array library, dtype tables, devices and random streams.

Only this package and `ember._ops` touch the array library. Today that is NumPy for the
CPU; a CuPy backend for `cuda` slots in here as another `device.xp`.
"""
import numpy as xp  # the CPU array namespace; ops reach it through `device.xp` or here

# torch reports no floating-point warnings (log(0) is -inf, 0/0 is nan, silently); NumPy's
# would print RuntimeWarnings from inside ember's kernels, so they are switched off once
# here rather than with a costly errstate context around every op.
xp.seterr(all="ignore")

from ember._backend import dtypes
from ember._backend.device import CPU, device, to_device

__all__ = ["xp", "dtypes", "device", "CPU", "to_device"]
