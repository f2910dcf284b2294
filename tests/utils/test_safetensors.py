"""ember.utils.safetensors against safetensors.torch: files and bytes both ways, every dtype
(bfloat16 included), metadata, and torch's errors."""
import builtins
import sys

import numpy as np
import pytest
import safetensors
import safetensors.torch as st
import torch

import ember
import ember.utils.safetensors as es

DTYPES = ["float64", "float32", "float16", "bfloat16", "int64", "int32", "int16", "int8",
          "uint8", "bool", "complex64"]


def sample(lib, dtype, shape=(3, 4)):
    base = lib.arange(int(np.prod(shape))).reshape(shape) - 5
    d = getattr(lib, dtype)
    if dtype == "bool":
        return base % 3 == 0
    if dtype == "complex64":
        return (base.to(d) + 0.5j * base.to(d)).to(d)
    if dtype == "uint8":
        return (base + 5).to(d)
    return (base.to(d) / 4).to(d) if dtype.startswith(("float", "bfloat")) else base.to(d)


def to_np(t):
    t = t.detach()
    if str(t.dtype).endswith("bfloat16"):
        t = t.float()
    return t.numpy()


def tensors(lib):
    out = {d: sample(lib, d) for d in DTYPES}
    out["scalar"] = lib.tensor(2.5)
    out["empty"] = lib.zeros(0, 3)
    out["big"] = lib.arange(1000, dtype=lib.float32).reshape(10, 100)
    return out


def check_equal(ours, theirs):
    assert sorted(ours) == sorted(theirs)
    for k in ours:
        assert str(theirs[k].dtype) == "torch." + ours[k].dtype.name, k
        assert tuple(ours[k].shape) == tuple(theirs[k].shape), k
        np.testing.assert_array_equal(to_np(ours[k]), to_np(theirs[k]))


def test_torch_file_loads_in_ember(tmp_path):
    path = tmp_path / "t.safetensors"
    src = tensors(torch)
    st.save_file(src, path, metadata={"format": "pt"})
    check_equal(es.load_file(path), src)
    check_equal(es.load_file(str(path), device="cpu"), src)


def test_ember_file_loads_in_torch(tmp_path):
    path = tmp_path / "e.safetensors"
    src = tensors(ember)
    es.save_file(src, path, metadata={"format": "pt", "note": "ember"})
    check_equal(src, st.load_file(path))
    with safetensors.safe_open(str(path), framework="pt") as f:
        assert f.metadata() == {"format": "pt", "note": "ember"}


def test_bytes_both_ways():
    check_equal(es.load(st.save(tensors(torch))), tensors(torch))
    check_equal(tensors(ember), st.load(es.save(tensors(ember))))
    # the same bytes as safetensors.torch for the same tensors
    assert es.save(tensors(ember), metadata={"a": "b"}) == st.save(tensors(torch),
                                                                   metadata={"a": "b"})


def test_loaded_tensors_are_writable_and_independent():
    out = es.load(es.save({"w": ember.ones(4)}))
    out["w"].add_(1)
    assert out["w"].tolist() == [2.0] * 4


def test_errors_match_safetensors_torch():
    a = ember.arange(6.)
    ta = torch.arange(6.)
    with pytest.raises(ValueError, match="non contiguous tensor"):
        es.save({"t": a.reshape(2, 3).t()})
    with pytest.raises(ValueError, match="non contiguous tensor"):
        st.save({"t": ta.reshape(2, 3).t()})
    with pytest.raises(RuntimeError, match="share memory"):
        es.save({"a": a, "b": a[2:]})
    with pytest.raises(RuntimeError, match="share memory"):
        st.save({"a": ta, "b": ta[2:]})
    with pytest.raises(ValueError, match="expected torch.Tensor"):
        es.save({"a": 1})
    with pytest.raises(ValueError, match="Expected a dict"):
        es.save([a])
    with pytest.raises(ValueError, match="complex128"):
        es.save({"c": ember.zeros(2, dtype=ember.complex128)})
    with pytest.raises(TypeError, match="U16"):
        es.load(st.save({"u": torch.zeros(2, dtype=torch.uint16)}))
    with pytest.raises(safetensors.SafetensorError):
        es.load(b"\x00" * 16)


def test_missing_package_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "safetensors" or name.startswith("safetensors."):
            raise ImportError("No module named 'safetensors'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.delitem(sys.modules, "safetensors")
    with pytest.raises(ImportError, match=r"pip install 'ember\[safetensors\]'"):
        es.save({"a": ember.ones(1)})


def test_state_dict_round_trip_into_torch_model(tmp_path):
    ember.manual_seed(0)
    em = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.BatchNorm1d(3))
    es.save_file(dict(em.state_dict()), tmp_path / "m.safetensors")
    tm = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    tm.load_state_dict(st.load_file(tmp_path / "m.safetensors"))
    for k, v in em.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), tm.state_dict()[k].numpy())
