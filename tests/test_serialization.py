"""ember.save / ember.load against torch 2.13: the zip checkpoint format both ways, storage
sharing, dtypes, Parameters and state_dicts, the weights_only allow-list against hostile
pickles, corrupted archives, and atomic saves."""
import collections
import io
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest
import torch

import ember
import ember.nn as enn
from ember import serialization

DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8",
          "uint8", "bool", "complex64", "complex128"]


def to_np(t):
    """Values of an ember or torch tensor as float64/complex128 NumPy (bfloat16 included)."""
    if isinstance(t, torch.Tensor):
        t = t.detach()
        if t.dtype == torch.bfloat16:
            t = t.float()
        return t.numpy()
    t = t.detach()
    if t.dtype is ember.bfloat16:
        t = t.float()
    return t.numpy().astype(np.complex128 if t.is_complex() else np.float64)


def sample(lib, dtype):
    d = getattr(lib, dtype)
    base = lib.arange(12).reshape(3, 4)
    if dtype == "bool":
        return base % 3 == 0
    if dtype.startswith("complex"):
        return (base.to(d) + 1j * base.to(d)).to(d)
    return (base - 4).to(d) if dtype not in ("uint8",) else base.to(d)


def roundtrip(obj, **kw):
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    return ember.load(buf, **kw)


# -- round trips in ember ------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_roundtrip_every_dtype(dtype):
    t = sample(ember, dtype)
    r = roundtrip({"t": t, "nc": t.t(), "sl": t[1:, ::2]})
    for k, orig in (("t", t), ("nc", t.t()), ("sl", t[1:, ::2])):
        assert r[k].dtype is orig.dtype
        assert r[k].shape == orig.shape
        assert r[k].stride() == orig.stride()
        np.testing.assert_array_equal(to_np(r[k]), to_np(orig))


def test_views_share_one_storage():
    a = ember.arange(10.)
    r = roundtrip([a, a[2:5], a.view(2, 5).t(), a])
    assert r[0] is r[3]
    assert r[0].untyped_storage().data_ptr() == r[1].untyped_storage().data_ptr()
    assert r[1].storage_offset() == 2 and r[2].stride() == (1, 5)
    r[0][3] = 100.
    assert r[1][1].item() == 100. and r[2][3, 0].item() == 100.


def test_requires_grad_and_parameters():
    p = enn.Parameter(ember.randn(2, 3))
    g = ember.ones(2, requires_grad=True)
    r = roundtrip({"p": p, "g": g, "f": enn.Parameter(ember.ones(1), requires_grad=False)})
    assert type(r["p"]) is enn.Parameter and r["p"].requires_grad
    assert r["g"].requires_grad and type(r["g"]) is ember.Tensor and r["g"].is_leaf
    assert type(r["f"]) is enn.Parameter and not r["f"].requires_grad
    np.testing.assert_array_equal(r["p"].detach().numpy(), p.detach().numpy())


def test_nested_python_values():
    obj = {"a": [1, 2.5, "s", None, True, b"xy", (3, {"n": 4})], "c": 1 + 2j,
           "size": ember.Size([2, 3]), "dt": ember.float16, "dev": ember.device("cpu"),
           "od": collections.OrderedDict(z=1, a=2), "set": {1, 2}}
    r = roundtrip(obj)
    assert r == obj and type(r["od"]) is collections.OrderedDict
    assert list(r["od"]) == ["z", "a"] and type(r["size"]) is ember.Size
    assert r["dt"] is ember.float16


def make_models(lib):
    lib.manual_seed(0)
    seq = lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.ReLU(), lib.nn.Linear(3, 2))
    bn = lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.BatchNorm1d(3))
    bn.train()
    bn(lib.randn(8, 4))  # running stats and num_batches_tracked move
    return seq, bn


@pytest.mark.parametrize("which", [0, 1])
def test_state_dict_roundtrip_in_ember(which):
    model = make_models(ember)[which]
    sd = model.state_dict()
    r = roundtrip(sd)
    assert type(r) is collections.OrderedDict and list(r) == list(sd)
    for k in sd:
        assert r[k].dtype is sd[k].dtype
        np.testing.assert_array_equal(r[k].numpy(), sd[k].numpy())
    fresh = make_models(ember)[which]
    fresh.load_state_dict(r)


# -- interop with real torch ---------------------------------------------------------------
def torch_objects():
    a = torch.arange(10, dtype=torch.float32)
    out = collections.OrderedDict()
    for d in DTYPES:
        out[d] = sample(torch, d)
        out[d + "_t"] = out[d].t()
    out["a"] = a
    out["view"] = a[2:5]
    out["mat_t"] = a.view(2, 5).t()
    out["param"] = torch.nn.Parameter(torch.ones(2, 2))
    out["grad"] = torch.ones(2, requires_grad=True)
    out["nested"] = {"l": [1, 2.5, "x", None, b"by", (a, 3)], "size": torch.Size([4, 5]),
                     "dtype": torch.bfloat16, "device": torch.device("cpu")}
    out["empty"] = torch.zeros(0, 3)
    out["scalar"] = torch.tensor(3.5)
    out["rng"] = torch.get_rng_state()
    return out


def test_torch_file_loads_in_ember(tmp_path):
    path = tmp_path / "t.pt"
    src = torch_objects()
    torch.save(src, path)
    r = ember.load(path)
    assert list(r) == list(src)
    for k, v in src.items():
        if isinstance(v, torch.Tensor):
            assert r[k].dtype.name == str(v.dtype)[6:], k
            assert tuple(r[k].shape) == tuple(v.shape) and r[k].stride() == v.stride()
            assert r[k].requires_grad == v.requires_grad
            np.testing.assert_array_equal(to_np(r[k]), to_np(v))
    assert type(r["param"]) is enn.Parameter
    assert r["view"].untyped_storage().data_ptr() == r["a"].untyped_storage().data_ptr()
    assert r["nested"]["l"][5][0] is r["a"]
    assert r["nested"]["size"] == ember.Size([4, 5]) and r["nested"]["dtype"] is ember.bfloat16
    assert r["nested"]["device"] == ember.device("cpu") and r["nested"]["l"][4] == b"by"


def test_ember_file_loads_in_torch(tmp_path):
    path = tmp_path / "e.pt"
    src = collections.OrderedDict()
    for d in DTYPES:
        src[d] = sample(ember, d)
        src[d + "_t"] = src[d].t()
    a = ember.arange(10.)
    src["a"], src["view"], src["mat_t"] = a, a[2:5], a.view(2, 5).t()
    src["param"] = enn.Parameter(ember.ones(2, 2))
    src["grad"] = ember.ones(2, requires_grad=True)
    src["empty"], src["scalar"] = ember.zeros(0, 3), ember.tensor(2.5)
    src["expand"] = ember.arange(3.).reshape(3, 1).expand(3, 4)
    src["flip"], src["diag"] = a.view(2, 5).flip(0), a.view(2, 5)[:, :2].diagonal()
    src["nested"] = {"size": ember.Size([4, 5]), "dtype": ember.bfloat16,
                     "device": ember.device("cpu"), "l": [1, "x", None, b"b", (a,)]}
    ember.save(src, path)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert names[0] == "e/data.pkl" and "e/.data/serialization_id" in names
        assert z.read("e/version") == b"3\n" and z.read("e/byteorder") == b"little"
    r = torch.load(path, weights_only=True)
    for k, v in src.items():
        if isinstance(v, ember.Tensor):
            assert str(r[k].dtype) == "torch." + v.dtype.name, k
            assert r[k].stride() == v.stride() and r[k].requires_grad == v.requires_grad
            np.testing.assert_array_equal(to_np(r[k]), to_np(v))
    assert type(r["param"]) is torch.nn.Parameter
    assert r["view"].untyped_storage().data_ptr() == r["a"].untyped_storage().data_ptr()
    assert r["view"].storage_offset() == 2
    assert r["nested"]["l"][4][0] is r["a"] and r["nested"]["size"] == torch.Size([4, 5])
    assert r["nested"]["dtype"] is torch.bfloat16


def test_ember_records_aligned_like_torch(tmp_path):
    path = tmp_path / "al.pt"
    ember.save({"a": ember.ones(3), "b": ember.zeros(5, dtype=ember.int8)}, path)
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            nl, el = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
            assert (info.header_offset + 30 + nl + el) % 64 == 0
            assert info.compress_type == zipfile.ZIP_STORED


@pytest.mark.parametrize("which", [0, 1])
def test_state_dicts_cross_both_ways(tmp_path, which):
    em, tm = make_models(ember)[which], make_models(torch)[which]
    ember.save(em.state_dict(), tmp_path / "e.pt")
    tm.load_state_dict(torch.load(tmp_path / "e.pt", weights_only=True))
    for k, v in em.state_dict().items():
        np.testing.assert_array_equal(tm.state_dict()[k].numpy(), v.numpy())
    torch.save(tm.state_dict(), tmp_path / "t.pt")
    em2 = make_models(ember)[which]
    em2.load_state_dict(ember.load(tmp_path / "t.pt"))
    for k, v in tm.state_dict().items():
        np.testing.assert_array_equal(em2.state_dict()[k].numpy(), v.numpy())


def test_torch_optimizer_and_scheduler_state_load(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2)
    for _ in range(3):
        model(torch.randn(4, 3)).sum().backward()
        opt.step()
        sched.step()
    ckpt = {"model": model.state_dict(), "opt": opt.state_dict(),
            "sched": sched.state_dict(), "rng": torch.get_rng_state(), "epoch": 3}
    torch.save(ckpt, tmp_path / "o.pt")
    r = ember.load(tmp_path / "o.pt")
    assert r["opt"]["param_groups"] == ckpt["opt"]["param_groups"]
    assert r["sched"] == ckpt["sched"] and r["epoch"] == 3
    for i, st in ckpt["opt"]["state"].items():
        for k, v in st.items():
            assert r["opt"]["state"][i][k].dtype.name == str(v.dtype)[6:]
            np.testing.assert_array_equal(r["opt"]["state"][i][k].numpy(), v.numpy())
    np.testing.assert_array_equal(r["rng"].numpy(), ckpt["rng"].numpy())
    # and back to torch through ember.save
    ember.save(r, tmp_path / "back.pt")
    back = torch.load(tmp_path / "back.pt", weights_only=True)
    assert back["opt"]["param_groups"] == ckpt["opt"]["param_groups"]
    for i, st in ckpt["opt"]["state"].items():
        for k, v in st.items():
            assert torch.equal(back["opt"]["state"][i][k], v)
    assert torch.equal(back["rng"], ckpt["rng"])


def test_torch_whole_module_with_weights_only_false(tmp_path):
    tm = make_models(torch)[0]
    torch.save(tm, tmp_path / "whole.pt")
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.container.Sequential"):
        ember.load(tmp_path / "whole.pt")
    em = ember.load(tmp_path / "whole.pt", weights_only=False)
    assert type(em) is enn.Sequential
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    np.testing.assert_allclose(em(ember.tensor(x)).detach().numpy(),
                               tm(torch.tensor(x)).detach().numpy(), rtol=1e-6)


def test_state_dict_metadata_survives(tmp_path):
    sd = make_models(ember)[0].state_dict()
    ember.save(sd, tmp_path / "s.pt")
    assert torch.load(tmp_path / "s.pt")._metadata == sd._metadata
    assert ember.load(tmp_path / "s.pt")._metadata == sd._metadata


def test_whole_module_with_weights_only_false():
    model = make_models(ember)[0]
    buf = io.BytesIO()
    ember.save(model, buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global"):
        ember.load(buf)
    buf.seek(0)
    r = ember.load(buf, weights_only=False)
    x = ember.randn(2, 4)
    np.testing.assert_array_equal(r(x).detach().numpy(), model(x).detach().numpy())


def test_mmap_load(tmp_path):
    path = tmp_path / "m.pt"
    torch.save({"a": torch.arange(6.).reshape(2, 3), "b": torch.arange(3)}, path)
    r = ember.load(path, mmap=True)
    assert r["a"].tolist() == [[0., 1., 2.], [3., 4., 5.]] and r["b"].tolist() == [0, 1, 2]
    r["a"][0, 0] = 7.  # copy-on-write: the file is unchanged
    assert ember.load(path)["a"][0, 0].item() == 0.
    with pytest.raises(ValueError, match="mmap"):
        ember.load(io.BytesIO(path.read_bytes()), mmap=True)


@pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")
def test_untyped_storage_both_ways(tmp_path):
    torch.save(torch.arange(4, dtype=torch.int16).untyped_storage(), tmp_path / "s.pt")
    st = ember.load(tmp_path / "s.pt")
    assert isinstance(st, ember.UntypedStorage) and st.tolist() == [0, 0, 1, 0, 2, 0, 3, 0]
    ember.save(ember.arange(3, dtype=ember.int16).untyped_storage(), tmp_path / "e.pt")
    back = torch.load(tmp_path / "e.pt")
    # torch reads its own untyped-storage records back as uint8 TypedStorages too
    assert type(back) is type(torch.load(tmp_path / "s.pt"))
    assert back.tolist() == [0, 0, 1, 0, 2, 0]


def test_map_location(tmp_path):
    path = tmp_path / "m.pt"
    ember.save({"a": ember.ones(2)}, path)
    for ml in ("cpu", ember.device("cpu"), {"cpu": "cpu"}, lambda s, loc: s,
               lambda s, loc: None):
        assert ember.load(path, map_location=ml)["a"].tolist() == [1., 1.]
    with pytest.raises(RuntimeError, match="cuda"):
        ember.load(path, map_location="cuda")
    with pytest.raises(RuntimeError, match="cuda"):
        ember.load(path, map_location={"cpu": "cuda:0"})


def test_file_saved_on_cuda_location_needs_map_location(tmp_path):
    path = tmp_path / "c.pt"
    ember.save({"a": ember.ones(2)}, path)
    patched = rewrite_pickle(path, lambda p: p.replace(b"X\x03\x00\x00\x00cpu",
                                                       b"X\x06\x00\x00\x00cuda:0"))
    with pytest.raises(RuntimeError, match="cuda"):
        ember.load(patched)
    assert ember.load(patched, map_location="cpu")["a"].tolist() == [1., 1.]
    assert ember.load(patched, map_location={"cuda:0": "cpu"})["a"].tolist() == [1., 1.]


def test_weights_only_false_and_file_objects(tmp_path):
    buf = io.BytesIO()
    ember.save({"x": ember.arange(3)}, buf)
    buf.seek(0)
    assert ember.load(buf, weights_only=False)["x"].tolist() == [0, 1, 2]
    with open(tmp_path / "f.pt", "wb") as fh:
        ember.save([ember.ones(1)], fh)
    with open(tmp_path / "f.pt", "rb") as fh:
        assert ember.load(fh)[0].tolist() == [1.]


def test_safe_globals():
    buf = io.BytesIO()
    ember.save({"p": Point(1, 2)}, buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="Point"):
        ember.load(buf)
    buf.seek(0)
    with serialization.safe_globals([Point]):
        assert ember.load(buf)["p"] == Point(1, 2)
    assert Point not in serialization.get_safe_globals()
    buf.seek(0)
    assert serialization.get_unsafe_globals_in_checkpoint(buf) == [
        "test_serialization.Point"]


Point = collections.namedtuple("Point", "x y")


# -- hostile and broken files --------------------------------------------------------------
def rewrite_pickle(path, fn):
    """A copy of the checkpoint at path whose data.pkl is fn(old data.pkl)."""
    out = str(path) + ".patched"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith("/data.pkl"):
                data = fn(data)
            zout.writestr(info.filename, data)
    return out


def archive(tmp_path, pkl, records=(), name="h.pt", prefix="archive"):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{prefix}/data.pkl", pkl)
        for n, d in records:
            z.writestr(f"{prefix}/{n}", d)
    return path


class Canary:
    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return (self.fn, (self.arg,))


@pytest.mark.parametrize("kind", ["system", "exec", "eval"])
def test_hostile_global_is_rejected_without_running(tmp_path, kind):
    canary = tmp_path / "canary"
    code = f"open({str(canary)!r}, 'w').write('ran')"
    fn, arg = {"system": (os.system, f"touch {canary}"), "exec": (exec, code),
               "eval": (eval, code)}[kind]
    path = archive(tmp_path, pickle.dumps({"x": Canary(fn, arg)}, protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL (posix|builtins)"):
        ember.load(path)
    assert not canary.exists()


def test_getattr_and_inst_obj_are_rejected(tmp_path):
    canary = tmp_path / "canary"
    # builtins.getattr(os, 'system')(...) via GLOBAL, and INST / OBJ opcodes of protocol 0/1
    pkls = [b"cbuiltins\ngetattr\n(cos\nsystem\nS'system'\ntR(S'touch " + str(canary).encode()
            + b"'\ntR.",
            b"(S'touch " + str(canary).encode() + b"'\nios\nsystem\n.",
            b"(cos\nsystem\nS'touch " + str(canary).encode() + b"'\no.",
            b"(ccollections\nOrderedDict\no.",
            b"coperator\nattrgetter\n(S'x'\ntR."]
    for p in pkls:
        with pytest.raises(pickle.UnpicklingError):
            ember.load(archive(tmp_path, p))
    assert not canary.exists()


def test_unknown_class_and_reduce_of_non_allowed_callable(tmp_path):
    path = archive(tmp_path, pickle.dumps(Point(1, 2), protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL"):
        ember.load(path)


def tensor_pickle(offset, size, stride, numel=4, key="0", stype="FloatStorage"):
    """A pickle of a _rebuild_tensor_v2 call with the given metadata, built by hand."""
    def s(x):
        b = x.encode()
        return b"X" + struct.pack("<I", len(b)) + b

    def tup(vals):
        return b"(" + b"".join(b"\x8a\x08" + struct.pack("<q", v) for v in vals) + b"t"

    pid = b"(" + s("storage") + b"ctorch\n" + stype.encode() + b"\n" + s(key) + s("cpu") \
        + b"\x8a\x08" + struct.pack("<q", numel) + b"tQ"
    return (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(" + pid
            + b"\x8a\x08" + struct.pack("<q", offset) + tup(size) + tup(stride)
            + b"\x89ccollections\nOrderedDict\n)RtR.")


def test_handmade_tensor_pickle_loads(tmp_path):
    p = archive(tmp_path, tensor_pickle(1, [3], [1]),
                [("data/0", np.arange(4, dtype="<f4").tobytes())])
    assert ember.load(p).tolist() == [1., 2., 3.]


@pytest.mark.parametrize("offset,size,stride,numel", [
    (3, [2], [1], 4),            # offset + size past the end
    (0, [2, 3], [3, 1], 4),      # 6 elements from a 4-element storage
    (0, [2], [5], 4),            # stride past the end
    (-1, [2], [1], 4),           # negative offset
    (0, [-2], [1], 4),           # negative size
    (0, [2], [-1], 4),           # negative stride
    (0, [1 << 40, 1 << 40], [1, 1], 4),   # huge sizes
    (0, [1 << 62, 8], [1 << 62, 1 << 62], 4),  # sizes and strides that overflow int64
    (0, [1 << 32, 1 << 32, 0], [1, 1, 1], 4),  # an empty tensor whose sizes overflow
    (0, [4], [1], 1 << 40),      # numel larger than the record
    (0, [2], [1, 1], 4),         # sizes and strides of different lengths
])
def test_tensor_metadata_checked_against_storage(tmp_path, offset, size, stride, numel):
    p = archive(tmp_path, tensor_pickle(offset, size, stride, numel),
                [("data/0", np.arange(4, dtype="<f4").tobytes())])
    with pytest.raises((RuntimeError, pickle.UnpicklingError)):
        ember.load(p)


def test_missing_and_short_storage_records(tmp_path):
    with pytest.raises(RuntimeError, match="no record"):
        ember.load(archive(tmp_path, tensor_pickle(0, [2], [1])))
    with pytest.raises(RuntimeError, match="record holds"):
        ember.load(archive(tmp_path, tensor_pickle(0, [2], [1]), [("data/0", b"\0" * 8)]))


def test_unknown_storage_type(tmp_path):
    p = archive(tmp_path, tensor_pickle(0, [2], [1], stype="Float8Storage"),
                [("data/0", b"\0" * 16)])
    with pytest.raises(pickle.UnpicklingError):
        ember.load(p)


def test_truncated_and_corrupted_archives(tmp_path):
    path = tmp_path / "ok.pt"
    ember.save({"a": ember.arange(100.)}, path)
    raw = path.read_bytes()
    for cut in (10, len(raw) // 2, len(raw) - 10):
        bad = tmp_path / f"cut{cut}.pt"
        bad.write_bytes(raw[:cut])
        with pytest.raises(RuntimeError):
            ember.load(bad)
    with zipfile.ZipFile(path) as z:
        off = z.getinfo("ok/data/0").header_offset
    flipped = bytearray(raw)
    flipped[off + 30 + len("ok/data/0") + 100] ^= 0xFF  # one byte inside the storage
    bad = tmp_path / "crc.pt"
    bad.write_bytes(bytes(flipped))
    with pytest.raises(RuntimeError, match="corrupted"):
        ember.load(bad)
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(RuntimeError, match="not a PyTorch checkpoint"):
        ember.load(bad)


def test_path_traversal_duplicates_and_bombs(tmp_path):
    pkl = pickle.dumps(1, protocol=2)
    with pytest.raises(RuntimeError, match="escapes"):
        ember.load(archive(tmp_path, pkl, [("../evil", b"x")]))
    with pytest.raises(RuntimeError, match="escapes"):
        ember.load(archive(tmp_path, pkl, [], prefix="a/../b"))
    path = tmp_path / "dup.pt"
    with pytest.warns(UserWarning), zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/data.pkl", pkl)
    with pytest.raises(RuntimeError, match="duplicate"):
        ember.load(path)
    two = tmp_path / "two.pt"
    with zipfile.ZipFile(two, "w") as z:
        z.writestr("data.pkl", pkl)
    with pytest.raises(RuntimeError, match="top folder"):
        ember.load(two)
    with zipfile.ZipFile(two, "w") as z:
        z.writestr("a/data.pkl", pkl)
        z.writestr("b/data.pkl", pkl)
    with pytest.raises(RuntimeError, match="one top folder"):
        ember.load(two)
    bomb = tmp_path / "bomb.pt"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", tensor_pickle(0, [2], [1], numel=1 << 22))
        z.writestr("archive/data/0", b"\0" * (1 << 24))
    with pytest.raises(RuntimeError, match="compressed"):
        ember.load(bomb)


def test_hostile_files_stay_small_in_memory(tmp_path):
    import tracemalloc
    cases = [archive(tmp_path, tensor_pickle(0, [1 << 40], [1], numel=1 << 40),
                     [("data/0", b"\0" * 16)], name="huge.pt"),
             archive(tmp_path, tensor_pickle(0, [1 << 31, 1 << 31], [1, 1], numel=4),
                     [("data/0", b"\0" * 16)], name="view.pt")]
    bomb = tmp_path / "bomb.pt"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", tensor_pickle(0, [2], [1], numel=1 << 22))
        z.writestr("archive/data/0", b"\0" * (1 << 24))
    lie = tmp_path / "lie.pt"  # a stored record whose header claims 1 GiB
    with zipfile.ZipFile(lie, "w") as z:
        z.writestr("archive/data.pkl", tensor_pickle(0, [2], [1], numel=1 << 28))
        z.writestr("archive/data/0", b"\0" * 64)
    raw = bytearray(lie.read_bytes())
    raw = raw.replace(struct.pack("<II", 64, 64), struct.pack("<II", 1 << 30, 1 << 30))
    lie.write_bytes(bytes(raw))
    tracemalloc.start()
    try:
        for path in cases + [bomb, lie]:
            with pytest.raises((RuntimeError, pickle.UnpicklingError)):
                ember.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20


def test_legacy_format_loads(tmp_path):
    path = tmp_path / "legacy.pt"
    src = torch_objects()
    torch.save(src, path, _use_new_zipfile_serialization=False)
    r = ember.load(path)
    for k, v in src.items():
        if isinstance(v, torch.Tensor):
            assert r[k].dtype.name == str(v.dtype)[6:] and r[k].stride() == v.stride(), k
            np.testing.assert_array_equal(to_np(r[k]), to_np(v))
    assert type(r["param"]) is enn.Parameter
    assert r["view"].untyped_storage().data_ptr() == r["a"].untyped_storage().data_ptr()
    raw = path.read_bytes()
    for cut in (5, len(raw) // 2, len(raw) - 3):
        (tmp_path / "cut.pt").write_bytes(raw[:cut])
        with pytest.raises((RuntimeError, pickle.UnpicklingError)):
            ember.load(tmp_path / "cut.pt")


def test_legacy_format_is_safe(tmp_path):
    canary = tmp_path / "canary"
    buf = io.BytesIO()
    for part in (serialization._LEGACY_MAGIC, 1001, {"little_endian": True},
                 {"x": Canary(os.system, f"touch {canary}")}, []):
        pickle.dump(part, buf, protocol=2)
    (tmp_path / "h.pt").write_bytes(buf.getvalue())
    with pytest.raises(pickle.UnpicklingError, match="posix.system"):
        ember.load(tmp_path / "h.pt")
    assert not canary.exists()


# -- atomic saves --------------------------------------------------------------------------
class Boom(Exception):
    pass


class Exploding:
    def __reduce__(self):
        raise Boom("failure mid-save")


def test_failed_save_keeps_the_old_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    ember.save({"v": ember.arange(5)}, path)
    before = path.read_bytes()
    with pytest.raises(Boom):
        ember.save({"v": ember.ones(1000), "bad": Exploding()}, path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["ckpt.pt"]
    assert ember.load(path)["v"].tolist() == [0, 1, 2, 3, 4]


def test_crash_during_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    ember.save({"v": ember.arange(5)}, path)
    before = path.read_bytes()
    real_add = serialization._ZipWriter.add

    def add(self, name, data):
        if "/data/" in name:
            self.f.write(b"partial")
            raise OSError("disk full")
        return real_add(self, name, data)

    monkeypatch.setattr(serialization._ZipWriter, "add", add)
    with pytest.raises(OSError, match="disk full"):
        ember.save({"v": ember.ones(1000)}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["ckpt.pt"]


def test_stale_temp_file_of_dead_writer_is_removed(tmp_path):
    stale = tmp_path / ".ckpt.pt.ember-tmp-999999999-abc"
    stale.write_bytes(b"half")
    ember.save({"v": 1}, tmp_path / "ckpt.pt")
    assert os.listdir(tmp_path) == ["ckpt.pt"]


KILL_WRITER = r"""
import sys
import ember
path, n = sys.argv[1], int(sys.argv[2])
i = 0
while True:
    i += 1
    ember.save({"step": i, "v": ember.full((n,), float(i))}, path)
    print(i, flush=True)
"""


def kill_mid_save(tmp_path, megabytes, kills):
    import signal
    import subprocess
    import sys
    import time
    path = tmp_path / "big.pt"
    n = megabytes * (1 << 20) // 4
    ember.save({"step": 0, "v": ember.full((n,), 0.)}, path)
    interrupted = 0
    for k in range(kills):
        proc = subprocess.Popen([sys.executable, "-c", KILL_WRITER, str(path), str(n)],
                                stdout=subprocess.PIPE, text=True)
        try:
            proc.stdout.readline()  # one save done: the next is under way
            time.sleep(0.003 * k)   # vary the moment of the kill
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            proc.stdout.close()
        interrupted += len(os.listdir(tmp_path)) > 1  # a dead writer's temporary file
        r = ember.load(path)
        v = r["v"]
        assert v.shape == (n,)
        assert bool((v == float(r["step"])).all())
    ember.save({"step": -1}, path)
    assert os.listdir(tmp_path) == ["big.pt"]
    return interrupted


def test_kill_mid_save_leaves_old_or_new_file(tmp_path):
    kill_mid_save(tmp_path, 4, 4)


@pytest.mark.slow
def test_kill_mid_save_50mb_20_times(tmp_path):
    assert kill_mid_save(tmp_path, 50, 20) > 0  # some kills did land mid-save
