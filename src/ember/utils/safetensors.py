"""ember.utils.safetensors: the safetensors format, with the API of ``safetensors.torch``.

``save_file``/``load_file`` write and read files, ``save``/``load`` bytes; files are
interchangeable with those of ``safetensors.torch`` (every dtype both sides have, bfloat16
included). The work is done by the ``safetensors`` package, an optional dependency:
``pip install 'ember[safetensors]'``.
"""
import os
import sys

import ember
from ember._backend import xp

__all__ = ["save", "save_file", "load", "load_file"]

# ember dtype name -> safetensors header code (what deserialize reports)
_CODES = {"float64": "F64", "float32": "F32", "float16": "F16", "bfloat16": "BF16",
          "int64": "I64", "int32": "I32", "int16": "I16", "int8": "I8", "uint8": "U8",
          "bool": "BOOL", "complex64": "C64"}
_FROM_CODE = {code: name for name, code in _CODES.items()}


def _package():
    try:
        import safetensors
    except ImportError as e:
        raise ImportError("ember.utils.safetensors needs the safetensors package: "
                          "pip install 'ember[safetensors]'") from e
    return safetensors


def _check(tensors):
    """torch's checks before a save: a dict of dense, contiguous tensors sharing no memory."""
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    spans = []
    for k, v in tensors.items():
        if not isinstance(v, ember.Tensor):
            raise ValueError(f"Key `{k}` is invalid, expected torch.Tensor but received "
                             f"{type(v)}")
        if not v.is_contiguous():
            raise ValueError(
                f"You are trying to save a non contiguous tensor: `{k}` which is not allowed. "
                "It either means you are trying to save tensors which are reference of each "
                "other in which case it's recommended to save only the full tensors, and "
                "reslice at load time, or simply call `.contiguous()` on your tensor to pack it "
                "before saving.")
        if v.dtype.name not in _CODES:
            raise ValueError(f"safetensors cannot store dtype torch.{v.dtype.name} "
                             f"(tensor `{k}`)")
        if v.numel():
            start = v.data_ptr()
            spans.append((start, start + v.numel() * v.element_size(), k))
    spans.sort()
    shared = []
    for (s0, e0, k0), (s1, e1, k1) in zip(spans, spans[1:]):
        if s1 < e0:
            shared.append({k0, k1})
    if shared:
        raise RuntimeError(
            f"Some tensors share memory, this will lead to duplicate memory on disk and "
            f"potential differences when loading them again: {shared}.")


def _specs(tensors):
    """The TensorSpecs of `tensors`, and the arrays that must stay alive while they are
    written (the specs hold raw pointers)."""
    TensorSpec = _package().TensorSpec
    specs, alive = {}, []
    for k, v in tensors.items():
        arr = v.detach().cpu()._data if v.numel() else None  # raw array (bfloat16 too)
        if arr is not None:
            if sys.byteorder == "big":
                arr = arr.byteswap()
            arr = xp.ascontiguousarray(arr).reshape(-1).view(xp.uint8)
            alive.append(arr)
        specs[k] = TensorSpec(dtype=v.dtype.name, shape=list(v.shape),
                              data_ptr=0 if arr is None else arr.ctypes.data,
                              data_len=0 if arr is None else arr.nbytes)
    return specs, alive


def save(tensors, metadata=None):
    """Serialize a dict of contiguous tensors to safetensors bytes (as
    ``safetensors.torch.save``); `metadata` is an optional dict of str to str."""
    st = _package()
    _check(tensors)
    specs, alive = _specs(tensors)
    out = bytes(st.serialize(specs, metadata=metadata))
    del alive
    return out


def save_file(tensors, filename, metadata=None):
    """Write a dict of contiguous tensors to the safetensors file `filename` (as
    ``safetensors.torch.save_file``)."""
    st = _package()
    _check(tensors)
    specs, alive = _specs(tensors)
    st.serialize_file(specs, os.fspath(filename), metadata=metadata)
    del alive


def _tensors(flat, device):
    out = {}
    for name, info in flat:
        code = info["dtype"]
        if code not in _FROM_CODE:
            raise TypeError(f"tensor `{name}` has safetensors dtype {code}, which ember does "
                            "not support")
        dtype = getattr(ember, _FROM_CODE[code])
        arr = xp.frombuffer(info["data"], dtype=dtype.np)
        if sys.byteorder == "big":  # the format is little-endian
            arr = arr.byteswap()
        t = ember.from_numpy(arr.reshape(info["shape"]))
        out[name] = t if device in (None, "cpu") else t.to(device)
    return out


def load(data):
    """Tensors from safetensors bytes, as a dict of name to tensor (as
    ``safetensors.torch.load``)."""
    st = _package()
    return _tensors(st.deserialize(data), "cpu")


def load_file(filename, device="cpu"):
    """Tensors of the safetensors file `filename`, as a dict of name to tensor on `device`
    (as ``safetensors.torch.load_file``)."""
    st = _package()
    with open(filename, "rb") as f:
        data = f.read()
    return _tensors(st.deserialize(data), device)
