"""Acceptance checks of the training stack's checkpoints (issue 10), beyond the unit tests of
tests/test_serialization.py:

- a writer SIGKILLed at 20 moments while saving ~50 MB over an existing checkpoint leaves the
  old or the new file, and the next save leaves no temporary file;
- every hostile file raises a clear UnpicklingError/RuntimeError/ValueError within 10 s and
  below 512 MB of memory growth, and no payload runs (canary files stay absent);
- resuming from a checkpoint (model, optimizer, scheduler, RNG) reproduces uninterrupted
  training bit for bit;
- optimizer and scheduler state_dicts round trip through ember.save/ember.load, and through
  real torch both ways, and keep training as the uninterrupted run does.
"""
import io
import os
import pickle
import signal
import struct
import time
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest
import torch

import ember


# -- kill mid-save -------------------------------------------------------------------------
def _writer(path, n, first, wfd):
    """Forked child: save checkpoints {step: i, v: full(n, i)} over `path` forever, from step
    `first` on, writing each step number to pipe `wfd` just before its save starts."""
    i = first
    while True:
        v = ember.full((n,), float(i))
        os.write(wfd, struct.pack("<q", i))
        ember.save({"step": i, "v": v}, path)
        i += 1


def test_sigkill_mid_save_leaves_old_or_new_checkpoint(tmp_path):
    path = str(tmp_path / "ckpt.pt")
    n = 50 * (1 << 20) // 4  # 50 MB of float32
    start = time.perf_counter()
    ember.save({"step": 0, "v": ember.full((n,), 0.)}, path)
    save_seconds = time.perf_counter() - start
    on_disk, mid_save = 0, 0
    for k in range(20):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the writer: never returns into pytest
            try:
                os.close(r)
                _writer(path, n, 1000 * (k + 1), w)
            finally:
                os._exit(1)
        os.close(w)
        try:
            first = os.read(r, 8)  # the first save is starting
            assert len(first) == 8
            # kill at 20 moments spread over one save and a bit more
            time.sleep(save_seconds * 1.3 * k / 20)
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        started = first + _drain(r)
        os.close(r)
        started = struct.unpack(f"<{len(started) // 8}q", started)
        # the checkpoint before the last save began (finished for sure), or the last one
        old = on_disk if len(started) == 1 else started[-2]
        mid_save += any(".ember-tmp-" in name for name in os.listdir(tmp_path))
        ck = ember.load(path)
        assert ck["step"] in (old, started[-1]), (ck["step"], old, started)
        v = ck["v"]
        assert v.shape == (n,) and bool((v == float(ck["step"])).all())
        on_disk = ck["step"]
    assert mid_save > 0  # some kills did land inside a save
    ember.save({"step": -1}, path)
    assert os.listdir(tmp_path) == ["ckpt.pt"]  # the dead writers' temporary files are gone
    assert ember.load(path) == {"step": -1}


def _drain(fd):
    chunks = []
    while True:
        b = os.read(fd, 4096)
        if not b:
            return b"".join(chunks)
        chunks.append(b)


# -- hostile files -------------------------------------------------------------------------
class _Reduce:
    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def _zip(path, entries, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        for name, data in entries:
            z.writestr(name, data)
    return path


def _tensor_pickle(offset, size, stride, numel=4):
    """A hand-written _rebuild_tensor_v2 pickle with the given storage metadata."""
    def s(x):
        b = x.encode()
        return b"X" + struct.pack("<I", len(b)) + b

    def tup(vals):
        return b"(" + b"".join(b"\x8a\x08" + struct.pack("<q", v) for v in vals) + b"t"

    pid = (b"(" + s("storage") + b"ctorch\nFloatStorage\n" + s("0") + s("cpu")
           + b"\x8a\x08" + struct.pack("<q", numel) + b"tQ")
    return (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(" + pid
            + b"\x8a\x08" + struct.pack("<q", offset) + tup(size) + tup(stride)
            + b"\x89ccollections\nOrderedDict\n)RtR.")


def _hostile_cases(tmp_path, canary):
    """(name, path, what the error must name) of hostile checkpoints; all are refused."""
    c = str(canary).encode()
    touch = f"open({str(canary)!r}, 'w').write('ran')"
    data4 = ("archive/data/0", np.arange(4, dtype="<f4").tobytes())
    pickles = {  # name: (pickle, the global or opcode the error names)
        "os.system": (pickle.dumps({"x": _Reduce(os.system, f"touch {canary}")}, protocol=2),
                      "posix.system"),
        "builtins.exec": (pickle.dumps([_Reduce(exec, touch)], protocol=2), "builtins.exec"),
        "builtins.eval": (pickle.dumps(_Reduce(eval, touch), protocol=4),  # STACK_GLOBAL
                          "builtins.eval"),
        "getattr chain": (b"cbuiltins\ngetattr\n(cos\nsystem\nS'system'\ntR(S'touch " + c
                          + b"'\ntR.", "builtins.getattr"),
        "getattr of a module": (b"cbuiltins\ngetattr\n(cbuiltins\n__import__\n(S'os'\ntR"
                                b"S'system'\ntR(S'touch " + c + b"'\ntR.", "builtins.getattr"),
        "attrgetter": (b"coperator\nattrgetter\n(S'system'\ntR(cposix\nsystem\ntR.",
                       "operator.attrgetter"),
        "INST": (b"(S'touch " + c + b"'\nios\nsystem\n.", "INST"),
        "OBJ": (b"(cos\nsystem\nS'touch " + c + b"'\no.", "os.system"),
        "nested global in an allowed call": (b"\x80\x02ccollections\nOrderedDict\n(]((cos\n"
                                             b"system\nS'touch " + c + b"'\ntRtatR.",
                                             "os.system"),
        "dotted global": (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2.__globals__\n.",
                          "_rebuild_tensor_v2.__globals__"),
        "dunder global": (b"\x80\x02cbuiltins\n__import__\n(S'os'\ntR.", "builtins.__import__"),
        "subprocess": (pickle.dumps(_Reduce(__import__("subprocess").call, ["touch", str(c)]),
                                    protocol=2), "subprocess.call"),
    }
    cases = [(k, _zip(tmp_path / f"p{i}.pt", [("archive/data.pkl", v)]), what)
             for i, (k, (v, what)) in enumerate(pickles.items())]
    metas = {
        "offset past storage": ((3, [2], [1], 4), "storage offset 3"),
        "size past storage": ((0, [2, 3], [3, 1], 4), "storage of 4 elements"),
        "stride past storage": ((0, [2], [5], 4), "storage of 4 elements"),
        "negative offset": ((-1, [2], [1], 4), "negative"),
        "negative size": ((0, [-2], [1], 4), "negative"),
        "negative stride": ((0, [2], [-1], 4), "negative"),
        "huge sizes": ((0, [1 << 40, 1 << 40], [1, 1], 4), "overflow"),
        "size product overflows int64": ((0, [1 << 62, 8], [1, 1], 4), "overflow"),
        "size x stride overflows int64": ((0, [3, 2], [1 << 62, 1], 4), "storage of 4"),
        "huge storage": ((0, [4], [1], 1 << 40), "record holds 16 bytes"),
    }
    cases += [(k, _zip(tmp_path / f"m{i}.pt", [("archive/data.pkl", _tensor_pickle(*v)),
                                               data4]), what)
              for i, (k, (v, what)) in enumerate(metas.items())]
    good = tmp_path / "good.pt"
    ember.save({"a": ember.arange(1000.)}, good)
    raw = good.read_bytes()
    for cut in (20, len(raw) // 3, len(raw) - 30):
        (tmp_path / f"cut{cut}.pt").write_bytes(raw[:cut])
        cases.append((f"truncated at {cut}", tmp_path / f"cut{cut}.pt", "truncated"))
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("good/data/0")
    bad = bytearray(raw)
    bad[info.header_offset + 30 + len(info.filename) + len(info.extra) + 500] ^= 0x5A
    (tmp_path / "crc.pt").write_bytes(bytes(bad))
    cases.append(("bad CRC", tmp_path / "crc.pt", "Bad CRC-32"))
    one = pickle.dumps(1, protocol=2)
    cases.append(("path traversal", _zip(tmp_path / "trav.pt", [("archive/data.pkl", one),
                                                                ("archive/../../x", b"1")]),
                  "escapes"))
    cases.append(("absolute name", _zip(tmp_path / "abs.pt", [("archive/data.pkl", one),
                                                             ("/etc/x", b"1")]),
                  "escapes"))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate itself
        cases.append(("duplicate names", _zip(tmp_path / "dup.pt", [
            ("archive/data.pkl", one), ("archive/data.pkl", pickle.dumps(2, protocol=2))]),
            "duplicate"))
    cases.append(("zip bomb", _bomb(tmp_path / "bomb.pt"), "compressed"))
    lie = _zip(tmp_path / "lie.pt", [("archive/data.pkl", _tensor_pickle(0, [2], [1], 1 << 28)),
                                     ("archive/data/0", b"\0" * 64)])
    raw = lie.read_bytes().replace(struct.pack("<II", 64, 64), struct.pack("<II", 1 << 30,
                                                                           1 << 30))
    lie.write_bytes(raw)
    cases.append(("sizes in the zip header lie", lie, "more than the file holds"))
    cases.append(("not a zip", _write(tmp_path / "junk.pt", b"PK\x03\x04" + b"\xff" * 100),
                  "not a valid PyTorch checkpoint"))
    return cases


def _bomb(path):
    """A zip whose storage record is 1 GiB of zeros deflated to ~1 MB (its pickle, stored,
    asks for all of it)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    # after a full flush the compressor starts afresh, so every 1 MiB block deflates to the
    # same bytes: compress one and repeat it
    block = c.compress(b"\0" * (1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    bomb = block * 1024 + c.flush(zlib.Z_FINISH)
    pkl = _tensor_pickle(0, [4], [1], numel=1 << 28)
    entries = [("archive/data.pkl", 0, pkl, len(pkl), zlib.crc32(pkl)),
               ("archive/data/0", 8, bomb, 1 << 30, 0)]
    out, central = io.BytesIO(), io.BytesIO()
    for name, method, data, size, crc in entries:
        n = name.encode()
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc,
                              len(data), size, len(n), 0) + n + data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0,
                                  crc, len(data), size, len(n), 0, 0, 0, 0, 0, offset) + n)
    cd = central.getvalue()
    out.write(cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries),
                               len(cd), out.tell(), 0))
    path.write_bytes(out.getvalue())
    return path


def _write(path, data):
    path.write_bytes(data)
    return path


def test_hostile_files_fail_fast_small_and_clearly(tmp_path):
    canary = tmp_path / "canary"
    cases = _hostile_cases(tmp_path, canary)
    assert len(cases) >= 30
    tracemalloc.start()
    try:
        for name, path, what in cases:
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            start = time.perf_counter()
            with pytest.raises((pickle.UnpicklingError, RuntimeError, ValueError)) as info:
                ember.load(path)
            seconds = time.perf_counter() - start
            grown = tracemalloc.get_traced_memory()[1] - base
            assert seconds < 10, (name, seconds)
            assert grown < 512 << 20, (name, grown)
            assert what in str(info.value), (name, info.value)  # says what is wrong
            assert not canary.exists(), name
    finally:
        tracemalloc.stop()


# -- resuming training ---------------------------------------------------------------------
def _setup(seed=0):
    ember.manual_seed(seed)
    nn = ember.nn
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 16),
                          nn.BatchNorm1d(16), nn.Tanh(), nn.Linear(16, 3))
    opt = ember.optim.AdamW(model.parameters(), lr=0.01, amsgrad=True)
    sched = ember.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=40)
    return model, opt, sched


def _train(model, opt, sched, steps):
    for _ in range(steps):
        x = ember.randn(8, 6)  # data drawn from the global RNG, as a shuffling loader would
        y = ember.randint(0, 3, (8,))
        loss = ember.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()


def test_resume_reproduces_uninterrupted_training_exactly(tmp_path):
    model, opt, sched = _setup()
    _train(model, opt, sched, 30)
    ref = {k: v.clone() for k, v in model.state_dict().items()}

    model, opt, sched = _setup()
    _train(model, opt, sched, 12)
    ember.save({"model": model.state_dict(), "opt": opt.state_dict(),
                "sched": sched.state_dict(), "rng": ember.get_rng_state(), "step": 12},
               tmp_path / "ck.pt")
    del model, opt, sched
    ember.manual_seed(1234)  # a fresh process would start elsewhere
    model, opt, sched = _setup(seed=99)
    ck = ember.load(tmp_path / "ck.pt")
    model.load_state_dict(ck["model"])
    opt.load_state_dict(ck["opt"])
    sched.load_state_dict(ck["sched"])
    ember.set_rng_state(ck["rng"])
    _train(model, opt, sched, 30 - ck["step"])
    for k, v in model.state_dict().items():
        assert v.dtype is ref[k].dtype
        np.testing.assert_array_equal(v.numpy(), ref[k].numpy(), err_msg=k)


# -- optimizer and scheduler state_dicts through files -------------------------------------
OPTIMS = [("Adam", dict(lr=0.01, amsgrad=True)), ("AdamW", dict(lr=0.01)),
          ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
          ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)), ("Adagrad", dict(lr=0.1))]
SCHEDS = [("StepLR", dict(step_size=3, gamma=0.5)), ("CosineAnnealingLR", dict(T_max=9)),
          ("ExponentialLR", dict(gamma=0.9))]


def _problem(lib, opt_name, opt_kw, sched_name, sched_kw):
    rng = np.random.default_rng(0)
    params = [lib.nn.Parameter(lib.from_numpy(rng.standard_normal(s))) for s in [(3, 4), (4,)]]
    opt = getattr(lib.optim, opt_name)(params, **opt_kw)
    sched = getattr(lib.optim.lr_scheduler, sched_name)(opt, **sched_kw)
    return params, opt, sched


def _steps(lib, params, opt, sched, start, stop):
    for t in range(start, stop):
        for i, p in enumerate(params):
            g = np.cos(np.arange(p.numel()).reshape(tuple(p.shape)) * (t + 1) + i)
            p.grad = lib.from_numpy(g + 0.3 * p.detach().numpy())
        opt.step()
        sched.step()


@pytest.mark.parametrize("opt_name,opt_kw", OPTIMS, ids=[o[0] for o in OPTIMS])
@pytest.mark.parametrize("sched_name,sched_kw", SCHEDS, ids=[s[0] for s in SCHEDS])
def test_optimizer_and_scheduler_state_round_trips(tmp_path, opt_name, opt_kw, sched_name,
                                                    sched_kw):
    args = (opt_name, opt_kw, sched_name, sched_kw)
    # uninterrupted references
    ref_e = _problem(ember, *args)
    _steps(ember, *ref_e, 0, 10)
    ref_t = _problem(torch, *args)
    _steps(torch, *ref_t, 0, 10)
    # ember for 4 steps, checkpointed with ember.save
    first = _problem(ember, *args)
    _steps(ember, *first, 0, 4)
    ember.save({"p": [p.detach() for p in first[0]], "opt": first[1].state_dict(),
                "sched": first[2].state_dict()}, tmp_path / "e.pt")
    # ... resumed in ember (ember.load)
    ck = ember.load(tmp_path / "e.pt")
    again = _problem(ember, *args)
    _load(ember, again, ck)
    _steps(ember, *again, 4, 10)
    for p, r in zip(again[0], ref_e[0]):
        np.testing.assert_array_equal(p.detach().numpy(), r.detach().numpy())
    # ... resumed in torch (torch.load with weights_only=True), then back to ember
    tck = torch.load(tmp_path / "e.pt", weights_only=True)
    cross = _problem(torch, *args)
    _load(torch, cross, tck)
    _steps(torch, *cross, 4, 7)
    torch.save({"p": [p.detach() for p in cross[0]], "opt": cross[1].state_dict(),
                "sched": cross[2].state_dict()}, tmp_path / "t.pt")
    back = _problem(ember, *args)
    _load(ember, back, ember.load(tmp_path / "t.pt"))
    _steps(ember, *back, 7, 10)
    assert back[2].state_dict() == ref_t[2].state_dict()
    assert back[2].get_last_lr() == pytest.approx(ref_t[2].get_last_lr(), rel=1e-15)
    for p, r in zip(back[0], ref_t[0]):
        np.testing.assert_allclose(p.detach().numpy(), r.detach().numpy(), rtol=1e-12,
                                   atol=1e-14)


def _load(lib, problem, ck):
    params, opt, sched = problem
    with lib.no_grad():
        for p, v in zip(params, ck["p"]):
            p.copy_(v)
    opt.load_state_dict(ck["opt"])
    sched.load_state_dict(ck["sched"])


def test_state_dict_bytes_round_trip_keeps_tensor_steps():
    params, opt, sched = _problem(ember, "Adam", dict(lr=0.01), "StepLR", dict(step_size=2))
    _steps(ember, params, opt, sched, 0, 3)
    buf = io.BytesIO()
    ember.save(opt.state_dict(), buf)
    buf.seek(0)
    sd = ember.load(buf)
    assert sd["param_groups"] == opt.state_dict()["param_groups"]
    for i, st in opt.state_dict()["state"].items():
        assert isinstance(sd["state"][i]["step"], ember.Tensor)
        for k, v in st.items():
            assert sd["state"][i][k].dtype is v.dtype
            np.testing.assert_array_equal(sd["state"][i][k].numpy(), v.numpy())


def test_saved_file_permissions_follow_umask_or_the_replaced_file(tmp_path):
    import stat
    path = tmp_path / "perm.pt"
    old = os.umask(0o027)
    try:
        ember.save({"a": 1}, path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # as open() would create it
    path.chmod(0o600)
    ember.save({"a": 2}, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["perm.pt"] and ember.load(path) == {"a": 2}
