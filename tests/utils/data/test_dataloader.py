"""ember.utils.data.DataLoader, single- and multi-process, differential against torch."""
import gc
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import ember
import ember.utils.data as edata


def _plain(x):
    if isinstance(x, (torch.Tensor, ember.Tensor)):
        return ("tensor", str(x.dtype).split(".")[-1], tuple(x.shape), x.tolist())
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_plain(v) for v in x])
    return x


class Squares(edata.Dataset):
    """Item i: (float tensor [i, i*i], int label i % 3, a dict)."""

    def __init__(self, n=10, lib=ember):
        self.n, self.use_torch = n, lib is torch

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        lib = torch if self.use_torch else ember
        return lib.tensor([float(i), float(i * i)]), i % 3, {"s": str(i), "f": i / 2}


class TorchSquares(tdata.Dataset):
    def __init__(self, n=10):
        self.inner = Squares(n, torch)

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, i):
        return self.inner[i]


class Counting(edata.IterableDataset):
    """0..n-1, split between workers by striding."""

    def __init__(self, n, with_len=True):
        self.n = n
        self.with_len = with_len

    def __iter__(self):
        info = edata.get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))

    def __len__(self):
        if not self.with_len:
            raise TypeError("no len")
        return self.n


class TorchCounting(tdata.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = tdata.get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))

    def __len__(self):
        return self.n


@pytest.mark.parametrize("kwargs", [
    {}, {"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": None},
    {"batch_size": 4, "collate_fn": lambda b: b},
    {"batch_sampler": [[0, 1], [5], [2, 3, 4]]},
    {"sampler": [9, 0, 4], "batch_size": 2},
])
def test_single_process_matches_torch(kwargs):
    got = edata.DataLoader(Squares(), **kwargs)
    ref = tdata.DataLoader(TorchSquares(), **kwargs)
    assert [_plain(b) for b in got] == [_plain(b) for b in ref]
    if "batch_sampler" not in kwargs or hasattr(kwargs["batch_sampler"], "__len__"):
        assert len(got) == len(ref)


@pytest.mark.parametrize("kwargs", [{}, {"batch_size": 3}, {"batch_size": 3, "drop_last": True},
                                    {"batch_size": None}])
def test_iterable_dataset_matches_torch(kwargs):
    got = edata.DataLoader(Counting(8), **kwargs)
    ref = tdata.DataLoader(TorchCounting(8), **kwargs)
    assert [_plain(b) for b in got] == [_plain(b) for b in ref]
    assert len(got) == len(ref)


def test_shuffle_is_a_permutation_and_reproducible():
    def run(seed):
        g = ember.Generator().manual_seed(seed)
        loader = edata.DataLoader(list(range(20)), batch_size=6, shuffle=True, generator=g)
        return [b.tolist() for b in loader]

    batches = run(0)
    assert [len(b) for b in batches] == [6, 6, 6, 2]
    assert sorted(sum(batches, [])) == list(range(20))
    assert run(0) == batches and run(1) != batches
    ember.manual_seed(3)
    a = [b.tolist() for b in edata.DataLoader(list(range(20)), batch_size=6, shuffle=True)]
    ember.manual_seed(3)
    assert [b.tolist() for b in edata.DataLoader(list(range(20)), batch_size=6,
                                                 shuffle=True)] == a


def test_tensor_dataset_batches_and_dtypes():
    x = ember.arange(20, dtype=ember.float32).reshape(10, 2)
    y = ember.arange(10)
    loader = edata.DataLoader(edata.TensorDataset(x, y), batch_size=4)
    xs, ys = zip(*loader)
    assert [t.shape[0] for t in ys] == [4, 4, 2]
    assert ember.equal(ember.cat(xs), x) and ys[0].dtype == ember.int64


def test_numpy_samples():
    data = [np.full(3, i, dtype=np.float32) for i in range(5)]
    got = next(iter(edata.DataLoader(data, batch_size=5)))
    ref = next(iter(tdata.DataLoader(data, batch_size=5)))
    assert _plain(got) == _plain(ref)


def _errors():
    samp = list(range(3))
    return [
        ({"num_workers": -1}, ValueError),
        ({"timeout": -1}, ValueError),
        ({"prefetch_factor": 2}, ValueError),
        ({"num_workers": 1, "prefetch_factor": -1}, ValueError),
        ({"persistent_workers": True}, ValueError),
        ({"sampler": samp, "shuffle": True}, ValueError),
        ({"batch_sampler": [[0]], "batch_size": 2}, ValueError),
        ({"batch_sampler": [[0]], "shuffle": True}, ValueError),
        ({"batch_sampler": [[0]], "sampler": samp}, ValueError),
        ({"batch_sampler": [[0]], "drop_last": True}, ValueError),
        ({"batch_size": None, "drop_last": True}, ValueError),
        ({"batch_size": 0}, ValueError),
        ({"multiprocessing_context": "fork"}, ValueError),
        ({"num_workers": 1, "multiprocessing_context": "nope"}, ValueError),
        ({"num_workers": 1, "multiprocessing_context": 3}, TypeError),
    ]


@pytest.mark.parametrize("kwargs, exc", _errors())
def test_argument_errors_match_torch(kwargs, exc):
    with pytest.raises(exc) as expected:
        tdata.DataLoader(list(range(3)), **kwargs)
    with pytest.raises(exc) as got:
        edata.DataLoader(list(range(3)), **kwargs)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("kwargs", [{"shuffle": True}, {"sampler": [0]},
                                    {"batch_sampler": [[0]]}])
def test_iterable_dataset_argument_errors_match_torch(kwargs):
    with pytest.raises(ValueError) as expected:
        tdata.DataLoader(TorchCounting(3), **kwargs)
    with pytest.raises(ValueError) as got:
        edata.DataLoader(Counting(3), **kwargs)
    assert str(got.value).split("=")[0] == str(expected.value).split("=")[0]


@pytest.mark.parametrize("attr", ["batch_size", "sampler", "batch_sampler", "drop_last",
                                  "dataset", "persistent_workers"])
def test_attributes_frozen_after_init(attr):
    loader = edata.DataLoader(list(range(3)))
    with pytest.raises(ValueError, match=f"{attr} attribute should not be set"):
        setattr(loader, attr, None)
    loader.num_workers = 0  # other attributes stay settable


def test_accepted_options_and_pin_memory_warning():
    loader = edata.DataLoader(list(range(4)), batch_size=2, timeout=5, in_order=False,
                              pin_memory=True, pin_memory_device="")
    with pytest.warns(UserWarning, match="pin_memory"):
        assert [b.tolist() for b in loader] == [[0, 1], [2, 3]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(edata.DataLoader(list(range(4))))


def test_len_of_iterable_without_len_raises():
    with pytest.raises(TypeError):
        len(edata.DataLoader(Counting(3, with_len=False)))


# ---------------------------------------------------------------- multi-process loading


class Tagged(edata.Dataset):
    """Item i: (i, worker id, worker seed, a random draw from ember's default generator,
    a draw from NumPy's global generator, the worker's pid)."""

    def __len__(self):
        return 12

    def __getitem__(self, i):
        info = edata.get_worker_info()
        return (i, info.id, info.seed, float(ember.rand(1)), float(np.random.rand()),
                os.getpid())


class Failing(edata.Dataset):
    def __init__(self, mode, bad=5):
        self.mode, self.bad = mode, bad

    def __len__(self):
        return 10

    def __getitem__(self, i):
        if i == self.bad:
            if self.mode == "raise":
                raise ValueError(f"broken sample {i}")
            if self.mode == "keyerror":
                raise KeyError("missing")
            if self.mode == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if self.mode == "exit":
                os._exit(3)
            if self.mode == "hang":
                time.sleep(60)
        return i


def _alive(workers):
    return [w for w in workers if w.is_alive()]


def _pid_running(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("kwargs", [{"batch_size": 3}, {"batch_size": None},
                                    {"batch_size": 4, "drop_last": True},
                                    {"batch_size": 2, "shuffle": True}])
def test_workers_yield_same_batches_as_main_process(kwargs):
    def run(workers):
        g = ember.Generator().manual_seed(11)
        loader = edata.DataLoader(Squares(11), num_workers=workers, generator=g, **kwargs)
        return [_plain(b) for b in loader]

    assert run(2) == run(0)


def test_iterable_dataset_with_workers_matches_torch():
    got = edata.DataLoader(Counting(9), batch_size=2, num_workers=2)
    ref = tdata.DataLoader(TorchCounting(9), batch_size=2, num_workers=2)
    assert [b.tolist() for b in got] == [b.tolist() for b in ref]


def test_worker_info_seeds_and_init_fn():
    g = ember.Generator().manual_seed(5)
    loader = edata.DataLoader(Tagged(), batch_size=None, num_workers=3, generator=g,
                              worker_init_fn=_record_init)
    rows = list(loader)
    assert [r[0] for r in rows] == list(range(12))
    assert [r[1] for r in rows] == [i % 3 for i in range(12)]
    seeds = {r[1]: r[2] for r in rows}
    assert seeds[1] == seeds[0] + 1 and seeds[2] == seeds[0] + 2
    assert len({r[5] for r in rows}) == 3 and os.getpid() not in {r[5] for r in rows}
    # different workers draw different random numbers, from ember and from NumPy
    first = [rows[w][3] for w in range(3)]
    assert len(set(first)) == 3 and len({rows[w][4] for w in range(3)}) == 3
    # the base seed comes from the loader's generator
    g2 = ember.Generator().manual_seed(5)
    again = list(edata.DataLoader(Tagged(), batch_size=None, num_workers=3, generator=g2))
    assert [r[2:5] for r in again] == [r[2:5] for r in rows]
    assert edata.get_worker_info() is None


def _record_init(worker_id):
    info = edata.get_worker_info()
    assert info.id == worker_id and info.num_workers == 3
    with pytest.raises(RuntimeError, match="Cannot assign"):
        info.id = 9


def test_worker_init_fn_error_is_reraised():
    loader = edata.DataLoader(list(range(4)), num_workers=1, worker_init_fn=_bad_init)
    with pytest.raises(ZeroDivisionError, match="in DataLoader worker process 0"):
        list(loader)


def _bad_init(worker_id):
    1 / 0


def test_worker_exception_reraised_with_traceback():
    loader = edata.DataLoader(Failing("raise"), batch_size=2, num_workers=2)
    it = iter(loader)
    out = []
    for _ in range(6):
        try:
            out.append(next(it).tolist())
        except StopIteration:
            out.append("stop")
            break
        except ValueError as e:
            msg = str(e)
            out.append("err")
    # as torch: the failing batch raises, the following ones still come
    assert out == [[0, 1], [2, 3], "err", [6, 7], [8, 9], "stop"]
    assert "Caught ValueError in DataLoader worker process" in msg
    assert "Traceback (most recent call last)" in msg and "broken sample 5" in msg
    assert "__getitem__" in msg
    assert not _alive(it._workers)


def test_no_workers_left_after_error_in_for_loop():
    before = set(multiprocessing.active_children())

    def consume():
        for _ in edata.DataLoader(Failing("raise"), batch_size=2, num_workers=2):
            pass

    with pytest.raises(ValueError, match="broken sample 5"):
        consume()
    gc.collect()
    assert not set(multiprocessing.active_children()) - before


def test_worker_keyerror_message_is_readable():
    with pytest.raises(KeyError) as info:
        list(edata.DataLoader(Failing("keyerror"), num_workers=1))
    assert "\\n" not in str(info.value) and "Traceback" in str(info.value)


@pytest.mark.parametrize("mode, code", [("kill", "-9"), ("exit", "3")])
def test_dead_worker_reported(mode, code):
    it = iter(edata.DataLoader(Failing(mode), batch_size=2, num_workers=2))
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid \d+\)") as info:
        list(it)
    assert f"exit code {code}" in str(info.value)
    assert not _alive(it._workers)


def test_timeout_raises_and_cleans_up():
    it = iter(edata.DataLoader(Failing("hang", bad=0), num_workers=1, timeout=0.5))
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.5 seconds"):
        next(it)
    assert not _alive(it._workers)


def test_no_workers_left_after_full_iteration_break_and_gc():
    it = iter(edata.DataLoader(list(range(10)), num_workers=2))
    list(it)
    assert not _alive(it._workers)

    pids = set()
    for pid in edata.DataLoader([0] * 20, num_workers=2, collate_fn=_pid_batch):
        pids.add(pid)
        break
    gc.collect()
    assert pids and not any(_pid_running(p) for p in pids)

    it = iter(edata.DataLoader(list(range(10)), num_workers=2))
    next(it)
    workers = it._workers
    assert len(_alive(workers)) == 2
    del it
    gc.collect()
    assert not _alive(workers)
    assert not [p for p in multiprocessing.active_children() if p in workers]


def _pid_batch(batch):
    return os.getpid()


def test_no_workers_left_at_interpreter_exit(tmp_path):
    script = textwrap.dedent("""
        import os, sys
        import ember.utils.data as edata

        def pid_of(batch):
            return os.getpid()

        loader = edata.DataLoader([0] * 50, num_workers=2, collate_fn=pid_of)
        it = iter(loader)
        print(next(it), next(it), flush=True)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    pids = {int(p) for p in out.stdout.split()}
    assert len(pids) == 2 and not any(_pid_running(p) for p in pids)


def test_persistent_workers_reused_across_epochs():
    loader = edata.DataLoader(Counting(7), batch_size=2, num_workers=2,
                              persistent_workers=True)
    first = [b.tolist() for b in loader]
    it = loader._iterator
    workers = list(it._workers)
    second = [b.tolist() for b in loader]
    assert first == second == [[0, 2], [1, 3], [4, 6], [5]]
    assert loader._iterator is it and len(_alive(workers)) == 2
    del loader, it
    gc.collect()
    assert not _alive(workers)


def test_in_order_false_yields_every_batch():
    loader = edata.DataLoader(list(range(12)), batch_size=2, num_workers=3, in_order=False)
    assert sorted(b.tolist() for b in loader) == [[i, i + 1] for i in range(0, 12, 2)]


def test_spawn_context():
    loader = edata.DataLoader(Squares(5), batch_size=2, num_workers=1,
                              multiprocessing_context="spawn")
    assert [_plain(b) for b in loader] == [_plain(b) for b in edata.DataLoader(Squares(5),
                                                                               batch_size=2)]


def test_workers_exit_when_parent_is_killed():
    script = textwrap.dedent("""
        import os, signal
        import ember.utils.data as edata

        def pid_of(batch):
            return os.getpid()

        it = iter(edata.DataLoader([0] * 50, num_workers=2, collate_fn=pid_of))
        print(next(it), next(it), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == -signal.SIGKILL
    pids = {int(p) for p in out.stdout.split()}
    assert len(pids) == 2
    deadline = time.monotonic() + 30
    while any(_pid_running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_pid_running(p) for p in pids)
