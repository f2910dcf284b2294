"""DataLoader worker processes: same batches as in-process loading, batches in shared
memory, errors and killed workers reported, and no worker or shared block outliving the
loader."""
import gc
import os
import signal
import time

import pytest

import ember
from ember.utils.data import DataLoader, Dataset, get_worker_info

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


class Squares(Dataset):
    """Item i: a (2, 3) float tensor of i**2, i and a string label; optionally fails at
    index `fail_at` or kills its worker at `kill_at`."""

    def __init__(self, n=40, fail_at=None, kill_at=None):
        self.n, self.fail_at, self.kill_at = n, fail_at, kill_at

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.fail_at:
            raise ValueError(f"bad item {i}")
        if i == self.kill_at and get_worker_info() is not None:
            os.kill(os.getpid(), signal.SIGKILL)
        return ember.full((2, 3), float(i * i)), i, f"s{i}"


def _record_pid(pids):
    # the pid table is a shared tensor, so the workers' writes reach the test
    def init(worker_id):
        pids[worker_id] = os.getpid()
    return init


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _our_blocks():
    prefix = f"ember_dl_{os.getpid()}_"
    return [n for n in os.listdir("/dev/shm") if n.startswith(prefix)]


@pytest.fixture
def pids():
    table = ember.zeros(2, dtype=ember.int64).share_memory_()
    yield table
    gc.collect()
    for pid in table.tolist():
        assert pid != 0, "a worker never started"
        assert not _alive(pid), f"worker {pid} outlived its loader"
    assert not _our_blocks()


def _loader(dataset, pids, **kw):
    return DataLoader(dataset, batch_size=4, num_workers=2, worker_init_fn=_record_pid(pids),
                      multiprocessing_context="fork", **kw)


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert ember.equal(x[0], y[0]) and ember.equal(x[1], y[1]) and x[2] == y[2]


def test_two_workers_match_in_process(pids):
    g0, g2 = ember.Generator().manual_seed(3), ember.Generator().manual_seed(3)
    ref = list(DataLoader(Squares(), batch_size=4, shuffle=True, generator=g0))
    got = list(_loader(Squares(), pids, shuffle=True, generator=g2))
    _same(ref, got)
    assert all(b[0].is_shared() and b[1].is_shared() for b in got)
    assert not any(b[0].is_shared() for b in ref)


def test_worker_exception_has_traceback(pids):
    it = iter(_loader(Squares(fail_at=9), pids))
    next(it), next(it)
    with pytest.raises(ValueError) as info:
        next(it)
    msg = str(info.value)
    assert "in DataLoader worker process" in msg and "bad item 9" in msg
    assert "Traceback" in msg and "__getitem__" in msg
    assert next(it)[1].tolist() == [12, 13, 14, 15]  # the workers carry on, as torch's
    del it


def test_killed_worker_reported_within_timeout(pids):
    loader = _loader(Squares(kill_at=6), pids, timeout=10)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid (\d+)\) is killed by "
                                           r"signal: Killed \(exit code -9\)") as info:
        for _ in loader:
            pass
    assert time.monotonic() - start < 5
    assert str(int(pids[1])) in str(info.value)  # index 6 is in batch 1, worker 1's


def test_break_leaves_no_worker(pids):
    for i, _ in enumerate(_loader(Squares(), pids)):
        if i == 1:
            break


def test_dropped_iterator_leaves_no_worker(pids):
    it = iter(_loader(Squares(), pids))
    next(it)
    del it


def test_exhausted_iterator_leaves_no_worker(pids):
    assert len(list(_loader(Squares(), pids))) == 10


def test_exception_in_loop_body_leaves_no_worker(pids):
    def consume():
        for _ in _loader(Squares(), pids):
            raise KeyError("user code")
    with pytest.raises(KeyError):
        consume()


def test_spawn_workers_match_in_process():
    ref = list(DataLoader(Squares(12), batch_size=4))
    got = list(DataLoader(Squares(12), batch_size=4, num_workers=2,
                          multiprocessing_context="spawn"))
    _same(ref, got)
    assert got[0][0].is_shared()
    assert not _our_blocks()


def test_pack_unpack_layouts():
    from ember.multiprocessing import reductions
    xs = [ember.zeros(0), ember.tensor(3.5), ember.arange(6).reshape(2, 3).t(),
          ember.ones(2, dtype=ember.bfloat16), ember.ones(3).expand(2, 3),
          ember.nn.Parameter(ember.ones(2))]
    prefix = f"ember_dl_{os.getpid()}_test"
    ys = reductions.unpack(reductions.pack(xs, prefix))
    for x, y in zip(xs, ys):
        assert type(y) is type(x) and y.dtype == x.dtype and ember.equal(x, y)
    assert all(y.is_shared() for y in ys[1:])
    assert not _our_blocks()
    reductions.pack(xs, prefix)  # never received: sweep removes the blocks
    assert len(_our_blocks()) == 5
    reductions.sweep(prefix)
    assert not _our_blocks()
