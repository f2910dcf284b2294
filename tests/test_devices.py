"""Devices and runtime flags against torch 2.13 on a CPU-only machine: ember.device, tensor
placement and .to(), CUDA/MPS/accelerator availability, backend flags, thread counts, and
the parts of the seed_devices conformance program that need no nn."""
import copy
import importlib
import pickle
import sys
import warnings

import pytest
import torch

import ember


def result(f, lib):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = f(lib)
        except Exception as e:  # noqa: BLE001 - the class is compared
            return ("raise", type(e).__name__)
    return ("ok", repr(r).replace("torch", "ember"))


def same_as_torch(f):
    assert result(f, ember) == result(f, torch)


DEVICES = {
    "cpu": lambda L: L.device("cpu"), "cuda": lambda L: L.device("cuda"),
    "cuda0": lambda L: L.device("cuda:0"), "mps": lambda L: L.device("mps"),
    "meta": lambda L: L.device("meta"), "xpu": lambda L: L.device("xpu"),
    "str_cuda1": lambda L: str(L.device("cuda:1")), "two_args": lambda L: L.device("cuda", 1),
    "kw": lambda L: L.device(type="cuda", index=0), "cpu_index": lambda L: L.device("cpu", 0),
    "cpu0": lambda L: L.device("cpu:0"), "type": lambda L: L.device("cpu").type,
    "index_none": lambda L: L.device("cpu").index, "index": lambda L: L.device("cuda:2").index,
    "from_device": lambda L: L.device(L.device("cpu")), "bare_int": lambda L: L.device(1),
    "negative": lambda L: L.device("cuda:-1"), "negative_arg": lambda L: L.device("cuda", -1),
    "unknown": lambda L: L.device("gpu"), "upper": lambda L: L.device("CPU"),
    "space": lambda L: L.device(" cpu"), "leading_zero": lambda L: L.device("cuda:01"),
    "index_twice": lambda L: L.device("cuda:0", 1), "none": lambda L: L.device(None),
    "eq_str": lambda L: L.device("cpu") == "cpu", "eq_str_index": lambda L: L.device("cuda:0") ==
    "cuda:0", "ne_str": lambda L: L.device("cpu") != "cuda",
    "eq_obj": lambda L: L.device("cpu") == L.device("cpu"),
    "eq_index_none": lambda L: L.device("cuda") == L.device("cuda", 0),
    "eq_int": lambda L: L.device("cpu") == 3, "hash": lambda L: hash(L.device("cpu")) ==
    hash(L.device("cpu")), "dict": lambda L: {L.device("cpu"): 1}[L.device("cpu")],
    "in_list": lambda L: L.device("cpu") in [L.device("cpu")],
    "pickle": lambda L: pickle.loads(pickle.dumps(L.device("cuda:1"))),
    "deepcopy": lambda L: copy.deepcopy(L.device("cpu")), "fstring": lambda L: f"{L.device('cpu')}",
    "class_name": lambda L: type(L.device("cuda")).__name__,
}


@pytest.mark.parametrize("case", DEVICES)
def test_device_objects_match_torch(case):
    same_as_torch(DEVICES[case])


TENSORS = {
    "device": lambda L: L.ones(2).device, "to_cpu": lambda L: L.ones(2).to("cpu").device,
    "cpu": lambda L: L.ones(2).cpu().device, "is_cuda": lambda L: L.ones(2).is_cuda,
    "is_cpu": lambda L: L.ones(2).is_cpu, "get_device": lambda L: L.ones(2).get_device(),
    "to_cpu_dtype": lambda L: L.ones(2).to("cpu", L.float64).dtype,
    "to_kw": lambda L: L.ones(2).to(device="cpu", dtype=L.int32),
    "to_other": lambda L: L.ones(2).to(L.ones(1, dtype=L.int64)).dtype,
    "to_flags": lambda L: L.ones(2).to(L.device("cpu"), L.float64, False, True),
    "to_none": lambda L: L.ones(2).to(device=None, dtype=None).dtype,
    "to_non_blocking": lambda L: L.ones(2).to(non_blocking=True).dtype,
    "to_copy": lambda L: L.ones(2).to("cpu", copy=True).dtype,
    "to_two_dtypes": lambda L: L.ones(2).to(L.float64, L.int32),
    "to_two_devices": lambda L: L.ones(2).to("cpu", "cpu"),
    "to_bad_kw": lambda L: L.ones(2).to(foo=1), "to_index": lambda L: L.ones(2).to(0),
    "to_dtype_string": lambda L: L.ones(2).to("float64"),
    "to_three_flags": lambda L: L.ones(2).to(L.float64, False, False, False),
    "empty_on_cpu": lambda L: L.empty(2, device="cpu").device,
    "tensor_device_obj": lambda L: L.tensor([1, 2], device=L.device("cpu")).device,
    "pin_memory": lambda L: L.zeros(2).pin_memory(), "is_pinned": lambda L: L.zeros(2).is_pinned(),
    "generator_device": lambda L: L.Generator().device,
}


@pytest.mark.parametrize("case", TENSORS)
def test_tensor_placement_matches_torch(case):
    same_as_torch(TENSORS[case])


def test_to_and_cpu_return_self():
    for lib in (ember, torch):
        x = lib.randn(3, 4)
        assert x.to("cpu") is x and x.cpu() is x and x.to(lib.device("cpu")) is x
        assert x.to(x) is x and x.to("cpu", lib.float32) is x
        assert x.to("cpu", copy=True) is not x


@pytest.mark.parametrize("attempt", [
    lambda L: L.zeros(1).to("cuda"), lambda L: L.zeros(1).cuda(), lambda L: L.zeros(1).cuda(0),
    lambda L: L.zeros(1, device="cuda"), lambda L: L.zeros(1).to(L.device("cuda:0")),
    lambda L: L.zeros(1).to("mps"), lambda L: L.zeros(1).to("cuda:0", L.float64),
    lambda L: L.zeros(1).to("cuda", non_blocking=True), lambda L: L.cuda.current_device(),
    lambda L: L.cuda.get_device_name(0), lambda L: L.cuda.synchronize(),
    lambda L: L.cuda.get_device_properties(0), lambda L: L.cuda.mem_get_info(),
    lambda L: L.cuda.set_device(0), lambda L: L.zeros(1).type("torch.cuda.FloatTensor"),
])
def test_using_cuda_raises_runtime_error(attempt):
    with pytest.raises(RuntimeError):
        attempt(ember)
    with pytest.raises((AssertionError, RuntimeError, AttributeError)):  # torch's CPU build
        attempt(torch)


AVAILABILITY = {
    "cuda": lambda L: L.cuda.is_available(), "count": lambda L: L.cuda.device_count(),
    "mps": lambda L: L.backends.mps.is_available(),
    "mps_built": lambda L: L.backends.mps.is_built(),
    "accel": lambda L: L.accelerator.is_available(),
    "accel_current": lambda L: L.accelerator.current_accelerator(),
    "accel_count": lambda L: L.accelerator.device_count(),
    "accel_index": lambda L: L.accelerator.current_device_index(),
    "version_cuda": lambda L: L.version.cuda, "version_hip": lambda L: L.version.hip,
    "cudnn_available": lambda L: L.backends.cudnn.is_available(),
    "cudnn_version": lambda L: L.backends.cudnn.version(),
    "cudnn_enabled": lambda L: L.backends.cudnn.enabled,
    "cudnn_benchmark": lambda L: L.backends.cudnn.benchmark,
    "cudnn_deterministic": lambda L: L.backends.cudnn.deterministic,
    "cudnn_tf32": lambda L: L.backends.cudnn.allow_tf32,
    "matmul_tf32": lambda L: L.backends.cuda.matmul.allow_tf32,
    "matmul_fp16": lambda L: L.backends.cuda.matmul.allow_fp16_reduced_precision_reduction,
    "cuda_built": lambda L: L.backends.cuda.is_built(),
    "cuda_initialized": lambda L: L.cuda.is_initialized(),
    "bf16": lambda L: L.cuda.is_bf16_supported(), "seed": lambda L: L.cuda.manual_seed(0),
    "seed_all": lambda L: L.cuda.manual_seed_all(0), "empty_cache": lambda L: L.cuda.empty_cache(),
    "memory": lambda L: L.cuda.memory_allocated(), "precision": lambda L:
    L.get_float32_matmul_precision(), "deterministic": lambda L:
    L.are_deterministic_algorithms_enabled(), "warn_only": lambda L:
    L.is_deterministic_algorithms_warn_only_enabled(),
}


@pytest.mark.parametrize("case", AVAILABILITY)
def test_availability_and_flags_match_torch(case):
    same_as_torch(AVAILABILITY[case])


@pytest.mark.parametrize("path,value", [
    ("backends.cudnn.benchmark", True), ("backends.cudnn.deterministic", True),
    ("backends.cudnn.enabled", False), ("backends.cuda.matmul.allow_tf32", True),
    ("backends.cudnn.allow_tf32", False),
])
def test_flags_are_settable(path, value):
    *parents, name = path.split(".")
    obj = ember
    for p in parents:
        obj = getattr(obj, p)
    old = getattr(obj, name)
    try:
        setattr(obj, name, value)
        assert getattr(obj, name) == value
        mod = sys.modules["ember." + ".".join(parents)]
        assert getattr(mod, name) == value  # the same object as `import ember.backends...`
    finally:
        setattr(obj, name, old)


def test_runtime_setters():
    try:
        for p in ("high", "medium", "highest"):
            ember.set_float32_matmul_precision(p)
            assert ember.get_float32_matmul_precision() == p
        with pytest.warns(UserWarning):
            ember.set_float32_matmul_precision("bogus")
        assert ember.get_float32_matmul_precision() == "highest"
        ember.use_deterministic_algorithms(True, warn_only=True)
        assert ember.are_deterministic_algorithms_enabled()
        assert ember.is_deterministic_algorithms_warn_only_enabled()
    finally:
        ember.use_deterministic_algorithms(False)
    n = ember.get_num_threads()
    try:
        ember.set_num_threads(1)
        assert ember.get_num_threads() == 1
        for bad in (0, -1, 1.5):
            for lib in (ember, torch):
                with pytest.raises(RuntimeError):
                    lib.set_num_threads(bad)
    finally:
        ember.set_num_threads(n)
    assert ember.get_num_interop_threads() >= 1


@pytest.mark.parametrize("name", ["ember.cuda", "ember.backends", "ember.backends.cudnn",
                                  "ember.backends.cuda", "ember.backends.mps", "ember.version",
                                  "ember.cuda.amp", "ember.accelerator", "ember.utils.dlpack"])
def test_namespaces_import_as_modules(name):
    mod = importlib.import_module(name)
    parent, _, attr = name.rpartition(".")
    assert getattr(importlib.import_module(parent), attr) is mod


def test_seed_devices_program_without_nn():
    """The tensor half of ../shared/conformance/programs/seed_devices.py, checked on both."""
    def program(L):
        out = [L.cuda.is_available(), L.backends.mps.is_available(), L.cuda.device_count(),
               L.version.cuda]
        device = L.device("cuda" if L.cuda.is_available() else "cpu")
        out += [f"Using device: {device}", str(device), repr(device), device.type, device.index,
                device == L.device("cpu"), str(device) == "cpu"]
        gpu = L.device("cuda:0")
        out += [str(gpu), repr(gpu), gpu.type, gpu.index, str(L.device("cuda", 1)),
                L.device("mps").type]
        host = L.randn(3, 4)
        moved = host.to(device)
        out += [str(host.device), str(moved.device), moved is host, host.to("cpu") is host,
                host.cpu() is host, host.to(L.device("cpu")) is host]
        back = moved.to("cpu")
        out += [str(back.device), back.device.type]
        big_x = L.randn(100, 100, device=device)
        big_y = L.randn(100, 100).to(device)
        prod = big_x @ big_y
        out += [str(prod.shape), str(prod.device), f"{L.ones(4, 4).to(device).device}",
                str(L.zeros(2, device="cpu").device),
                str(L.zeros(2, device=L.device("cpu")).device),
                str(L.tensor([1.0, 2.0], device=device)), str(L.arange(3, device=device).device),
                str(L.ones(2).to(L.float64).dtype), str(L.ones(2).to(device, L.int32)),
                str(L.ones(2).to("cpu", dtype=L.float64)),
                str(L.ones(2).to(L.ones(1, dtype=L.int64)).dtype)]
        for attempt in (lambda: L.zeros(1).to("cuda"), lambda: L.zeros(1).cuda(),
                        lambda: L.zeros(1, device="cuda")):
            try:
                attempt()
                out.append("moved")
            except (AssertionError, RuntimeError):
                out.append("cuda unavailable: error raised")
        return [str(o).replace("torch", "ember") for o in out]
    assert program(ember) == program(torch)
