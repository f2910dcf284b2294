"""ember.set_num_threads reaches NumPy's BLAS, so ember and torch can be compared at the same
thread count."""
import ctypes
import re

import ember


def _blas_get_num_threads():
    with open("/proc/self/maps") as f:
        paths = sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", f.read())))
    for path in paths:
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads"):
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.restype = ctypes.c_int
                return fn()
    return None


def test_set_num_threads_sets_blas_threads():
    before = ember.get_num_threads()
    try:
        ember.set_num_threads(1)
        assert ember.get_num_threads() == 1
        got = _blas_get_num_threads()
        assert got in (None, 1)
        ember.set_num_threads(2)
        assert ember.get_num_threads() == 2
        assert _blas_get_num_threads() in (None, 2)
    finally:
        ember.set_num_threads(before)
