"""ember.multiprocessing: shared-memory tensors, Hogwild training, queues and spawn()."""
import gc
import multiprocessing as std_mp
import os
import pickle

import pytest

import ember
import ember.multiprocessing as mp

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")

LR = 0.1
STEPS = 3


def _shm_names():
    return {n for n in os.listdir("/dev/shm")} if os.path.isdir("/dev/shm") else set()


def _memfd_maps():
    """Shared blocks this process still maps."""
    with open("/proc/self/maps") as f:
        return [line for line in f if "ember-shared" in line]


@pytest.fixture(autouse=True)
def _no_leaks():
    before = _shm_names()
    yield
    gc.collect()
    assert std_mp.active_children() == []
    new = {n for n in _shm_names() - before if n.startswith(("ember", "psm_"))}
    assert not new


def _train_row(model, row, x):
    # Hogwild worker: a loss that reaches only row `row` of the weight, so the parent can
    # tell each process's updates apart
    opt = ember.optim.SGD(model.parameters(), lr=LR)
    for _ in range(STEPS):
        opt.zero_grad()
        model(x)[:, row].sum().backward()
        opt.step()


def _hogwild(start_method):
    ctx = mp if start_method is None else mp.get_context(start_method)
    model = ember.nn.Linear(3, 2, bias=False)
    model.share_memory()
    assert all(p.is_shared() for p in model.parameters())
    before = model.weight.detach().clone()
    x = ember.tensor([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]])
    procs = [ctx.Process(target=_train_row, args=(model, r, x)) for r in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert [p.exitcode for p in procs] == [0, 0]
    # each row fell by STEPS * LR * (sum of x over the batch), whoever wrote it
    expected = before - STEPS * LR * x.sum(0)
    assert ember.allclose(model.weight.detach(), expected, atol=1e-5)


def test_hogwild_default_start_method():
    _hogwild(None)  # ember.multiprocessing.Process itself


def test_hogwild_spawn():
    _hogwild("spawn")


def test_share_memory_moves_all_views():
    t = ember.arange(12.0).reshape(3, 4)
    row, col = t[1], t.t()
    assert not t.is_shared()
    assert t.share_memory_() is t
    assert t.is_shared() and row.is_shared() and col.is_shared()
    assert t.untyped_storage().data_ptr() == row.untyped_storage().data_ptr()
    pid = os.fork()
    if pid == 0:
        row.fill_(7.0)
        os._exit(0)
    os.waitpid(pid, 0)
    assert t[1].tolist() == [7.0] * 4
    assert col[:, 1].tolist() == [7.0] * 4


def test_module_share_memory_buffers():
    m = ember.nn.BatchNorm1d(3)
    assert m.share_memory() is m
    assert all(t.is_shared() for t in list(m.parameters()) + list(m.buffers()))


def _add_five(q, done):
    t = q.get()
    t.add_(5)
    done.put(ember.full((2,), 3.0))


def test_queue_sends_shared_memory():
    ctx = mp.get_context("fork")
    q, done = ctx.Queue(), ctx.Queue()
    t = ember.zeros(3)
    p = ctx.Process(target=_add_five, args=(q, done))
    p.start()
    q.put(t[1:])  # a view: the whole storage is moved, the offset kept
    back = done.get(timeout=20)
    p.join(20)
    assert p.exitcode == 0
    assert t.is_shared()
    assert t.tolist() == [0.0, 5.0, 5.0]
    assert back.is_shared() and back.tolist() == [3.0, 3.0]


def test_ordinary_pickle_copies():
    t = ember.ones(3).share_memory_()
    u = pickle.loads(pickle.dumps(t))
    assert not u.is_shared()
    u.add_(1)
    assert t.tolist() == [1.0, 1.0, 1.0]


def test_non_leaf_refused():
    x = ember.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="Cowardly refusing"):
        std_mp.reduction.ForkingPickler.dumps(x)


def test_blocks_released():
    maps = len(_memfd_maps())
    t = ember.ones(1000).share_memory_()
    assert len(_memfd_maps()) == maps + 1
    del t
    gc.collect()
    assert len(_memfd_maps()) == maps
    fds = [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
           if os.path.exists(f"/proc/self/fd/{fd}")]
    assert not [f for f in fds if "ember-shared" in f]


def _fill(i, out, fail_at):
    if i == fail_at:
        raise ValueError(f"boom in {i}")
    out[i] = i + 1


def test_spawn_runs_fn_with_index():
    out = ember.zeros(3).share_memory_()
    assert mp.spawn(_fill, args=(out, -1), nprocs=3) is None
    assert out.tolist() == [1.0, 2.0, 3.0]


def test_start_processes_reports_child_exception():
    out = ember.zeros(2).share_memory_()
    with pytest.raises(mp.ProcessRaisedException, match="ValueError: boom in 1") as info:
        mp.start_processes(_fill, args=(out, 1), nprocs=2, start_method="fork")
    assert info.value.error_index == 1
    assert "Traceback" in str(info.value)


def _exit_with(i, code):
    os._exit(code)


def test_process_context_join_false_and_exit_code():
    ctx = mp.start_processes(_exit_with, args=(3,), nprocs=1, join=False,
                             start_method="fork")
    assert isinstance(ctx, mp.ProcessContext) and len(ctx.pids()) == 1
    with pytest.raises(mp.ProcessExitedException, match="exit code 3") as info:
        while not ctx.join(5):
            pass
    assert info.value.exit_code == 3


def test_sharing_strategies():
    assert mp.get_sharing_strategy() in mp.get_all_sharing_strategies()
    mp.set_sharing_strategy("file_descriptor")
    with pytest.raises(RuntimeError):
        mp.set_sharing_strategy("no_such_strategy")
    for name in ("Process", "Queue", "SimpleQueue", "Pool", "get_context",
                 "set_start_method", "spawn"):
        assert hasattr(mp, name)


def _echo(q, r, n):
    for _ in range(n):
        r.put(q.get())


def test_queue_roundtrip_dtypes_and_layouts():
    xs = [ember.zeros(0), ember.tensor(3.5), ember.tensor([True, False]),
          ember.arange(6).reshape(2, 3).t(), ember.ones(2, dtype=ember.bfloat16),
          ember.ones(3).expand(2, 3), ember.arange(10.0)[2:8:2]]
    ctx = mp.get_context("fork")
    q, r = ctx.Queue(), ctx.Queue()
    p = ctx.Process(target=_echo, args=(q, r, len(xs)))
    p.start()
    for x in xs:
        q.put(x)
    for x in xs:
        y = r.get(timeout=20)
        assert y.dtype == x.dtype and y.shape == x.shape and y.stride() == x.stride()
        assert ember.equal(x, y) and y.is_shared()
    p.join(20)
    assert p.exitcode == 0
