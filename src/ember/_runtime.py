"""Devices and runtime flags scripts check or set: ember.cuda, ember.backends, ember.mps,
ember.accelerator, thread counts, matmul precision and determinism flags. On the CPU the
flags are stored and reported but change nothing."""
import os
import sys
import types
import warnings

import numpy as np


def _ns(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    return m


def _no_cuda(*args, **kwargs):
    raise RuntimeError("ember was built without CUDA support: ember.cuda.is_available() is "
                       "False. Use the CPU.")


class _CudaModule(types.ModuleType):
    """ember.cuda: reports no CUDA devices; anything that would use one raises RuntimeError."""

    def is_available(self):
        return False

    def device_count(self):
        return 0

    def is_initialized(self):
        return False

    def manual_seed(self, seed):
        return None

    manual_seed_all = manual_seed

    def seed(self):
        return None

    seed_all = seed

    def empty_cache(self):
        return None

    def memory_allocated(self, device=None):
        return 0

    max_memory_allocated = memory_reserved = max_memory_reserved = memory_allocated

    def reset_peak_memory_stats(self, device=None):
        return None

    def is_bf16_supported(self, including_emulation=True):
        return False

    def get_device_name(self, device=None):
        """Raises RuntimeError: there is no CUDA device."""
        _no_cuda()

    current_device = get_device_properties = set_device = get_device_capability = \
        synchronize = mem_get_info = get_device_name

    class device:
        def __init__(self, device):
            _no_cuda()

    class Stream:
        def __init__(self, *args, **kwargs):
            _no_cuda()

    class Event:
        def __init__(self, *args, **kwargs):
            _no_cuda()


cuda = _CudaModule("ember.cuda")


def _amp_alias(device_type):
    """`__getattr__` of ember.<device_type>.amp: the deprecated torch.cpu.amp / torch.cuda.amp
    spellings, loaded from ember.amp on first use."""
    def __getattr__(name):
        from ember.amp import _legacy
        return _legacy.attribute(device_type, name)
    return __getattr__


cuda.amp = _ns("ember.cuda.amp", __getattr__=_amp_alias("cuda"))
cpu = _ns("ember.cpu", is_available=lambda: True, device_count=lambda: 1,
          current_device=lambda: "cpu", synchronize=lambda device=None: None)
cpu.amp = _ns("ember.cpu.amp", __getattr__=_amp_alias("cpu"))

_matmul = _ns("ember.backends.cuda.matmul", allow_tf32=False,
              allow_fp16_reduced_precision_reduction=True,
              allow_bf16_reduced_precision_reduction=True)
_cudnn = _ns("ember.backends.cudnn", benchmark=False, deterministic=False, enabled=True,
             allow_tf32=True, is_available=lambda: False, version=lambda: None)
_mps = _ns("ember.backends.mps", is_available=lambda: False, is_built=lambda: False)
backends = _ns("ember.backends", cuda=_ns("ember.backends.cuda", matmul=_matmul,
                                          is_built=lambda: False),
               cudnn=_cudnn, mps=_mps,
               mkldnn=_ns("ember.backends.mkldnn", is_available=lambda: False, enabled=False),
               openmp=_ns("ember.backends.openmp", is_available=lambda: False),
               mkl=_ns("ember.backends.mkl", is_available=lambda: False))
mps = _ns("ember.mps", is_available=lambda: False, manual_seed=lambda s: None,
          synchronize=lambda: None, empty_cache=lambda: None)


def _no_accelerator(*args, **kwargs):
    raise RuntimeError("Cannot access accelerator device when none is available.")


accelerator = _ns("ember.accelerator", is_available=lambda: False,
                  current_accelerator=lambda check_available=False: None,
                  device_count=lambda: 0, current_device_index=_no_accelerator,
                  set_device_index=_no_accelerator, synchronize=_no_accelerator)
version = _ns("ember.version", __version__="2.13.0+ember", cuda=None, git_version="ember",
              hip=None, debug=False)

_threads = [int(os.environ.get("OMP_NUM_THREADS", 0)) or os.cpu_count() or 1]
_interop = [1]
_flags = {"matmul_precision": "highest", "deterministic": False, "warn_only": False}


def _blas_thread_setters():
    """The `set_num_threads` entry points of the OpenBLAS libraries loaded in this process
    (NumPy's bundled one), found through /proc/self/maps; empty where that is unavailable."""
    import ctypes
    import re
    try:
        with open("/proc/self/maps") as f:
            paths = sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", f.read())))
    except OSError:
        return []
    setters = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                     "openblas_set_num_threads64_", "openblas_set_num_threads"):
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.argtypes = [ctypes.c_int]
                fn.restype = None
                setters.append(fn)
                break
    return setters


def set_num_threads(n):
    """Set the number of threads used for intra-op work: ember's BLAS (NumPy's OpenBLAS) runs
    matrix products on that many threads."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _threads[0] = int(n)
    for setter in _blas_thread_setters():
        setter(int(n))


def get_num_threads():
    """Threads used for intra-op parallelism."""
    return _threads[0]


def set_num_interop_threads(n):
    """Set the number of threads for inter-op parallelism (recorded only)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise RuntimeError("Expected positive number of threads")
    _interop[0] = int(n)


def get_num_interop_threads():
    """Threads used for inter-op parallelism."""
    return _interop[0]


def set_float32_matmul_precision(precision):
    """'highest', 'high' or 'medium' (recorded; the CPU always computes in full precision).
    Any other value warns and changes nothing, as in torch."""
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _flags["matmul_precision"] = precision


def get_float32_matmul_precision():
    """The float32 matmul precision last set ('highest' by default)."""
    return _flags["matmul_precision"]


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Record the determinism flag (every ember CPU kernel is deterministic)."""
    _flags["deterministic"] = bool(mode)
    _flags["warn_only"] = bool(warn_only)


def are_deterministic_algorithms_enabled():
    """True after use_deterministic_algorithms(True)."""
    return _flags["deterministic"]


def is_deterministic_algorithms_warn_only_enabled():
    """True after use_deterministic_algorithms(True, warn_only=True)."""
    return _flags["warn_only"]


# `import ember.cuda`, `import ember.backends.cudnn as cudnn`, ... find these namespaces
for _m in (cuda, cuda.amp, cpu, cpu.amp, backends, backends.cuda, backends.cuda.matmul,
           backends.cudnn, backends.mps, backends.mkldnn, backends.openmp, backends.mkl, mps,
           accelerator, version):
    sys.modules.setdefault(_m.__name__, _m)
del _m
