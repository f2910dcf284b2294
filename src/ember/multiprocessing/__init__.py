"""ember.multiprocessing: the standard library's multiprocessing, with tensors shared.

As ``torch.multiprocessing``: everything of ``multiprocessing`` (``Process``, ``Queue``,
``SimpleQueue``, ``Pool``, ``get_context``, ``set_start_method``, ...) is re-exported
unchanged, and importing this package registers the tensor reducer of
:mod:`ember.multiprocessing.reductions`, so a tensor put on a queue or given to a spawned
process travels through shared memory and both sides see the same elements.
``spawn(fn, args, nprocs)`` starts ``nprocs`` processes running ``fn(i, *args)``.

Example (Hogwild)::

    model.share_memory()
    procs = [mp.Process(target=train, args=(model,)) for _ in range(2)]
"""
import multiprocessing
import multiprocessing.connection
import signal
import sys
import traceback
from multiprocessing import *  # noqa: F401,F403

from ember.multiprocessing import reductions  # noqa: F401  (registers the reducer)

__all__ = list(multiprocessing.__all__) + [
    "spawn", "start_processes", "ProcessContext", "ProcessException",
    "ProcessRaisedException", "ProcessExitedException", "get_all_sharing_strategies",
    "get_sharing_strategy", "set_sharing_strategy"]

# Only descriptor passing: the blocks have no names, so nothing can leak in /dev/shm.
_all_sharing_strategies = {"file_descriptor"}
_sharing_strategy = "file_descriptor"


def get_all_sharing_strategies():
    """The set of ways tensors can be shared between processes
    (torch.multiprocessing.get_all_sharing_strategies): ``{'file_descriptor'}``."""
    return set(_all_sharing_strategies)


def get_sharing_strategy():
    """The current strategy for sharing tensors between processes."""
    return _sharing_strategy


def set_sharing_strategy(new_strategy):
    """Choose how tensors are shared between processes; ember supports
    ``'file_descriptor'`` (torch.multiprocessing.set_sharing_strategy)."""
    global _sharing_strategy
    if new_strategy not in _all_sharing_strategies:
        raise RuntimeError(f"sharing strategy {new_strategy!r} is not supported; choose "
                           f"from {sorted(_all_sharing_strategies)}")
    _sharing_strategy = new_strategy


class ProcessException(Exception):
    """A process started by :func:`spawn` failed; ``error_index`` is its index and ``pid``
    its process id."""

    __slots__ = ["error_index", "pid"]

    def __init__(self, msg, error_index, pid):
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.pid = pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid)


class ProcessRaisedException(ProcessException):
    """A spawned process raised an exception; the message holds its traceback."""


class ProcessExitedException(ProcessException):
    """A spawned process exited with a non-zero code or was killed by a signal."""

    __slots__ = ["exit_code", "signal_name"]

    def __init__(self, msg, error_index, error_pid, exit_code, signal_name=None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name

    def __reduce__(self):
        return (type(self), (self.msg, self.error_index, self.pid, self.exit_code,
                             self.signal_name))


def _wrap(fn, i, args, error_queue):
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass
    except Exception:
        error_queue.put(traceback.format_exc())
        sys.exit(1)


class ProcessContext:
    """The processes started by :func:`start_processes`; ``join()`` waits for them
    (torch.multiprocessing.ProcessContext)."""

    def __init__(self, processes, error_queues):
        self.error_queues = error_queues
        self.processes = processes
        self.sentinels = {p.sentinel: i for i, p in enumerate(processes)}

    def pids(self):
        """The process ids of the processes."""
        return [int(p.pid) for p in self.processes]

    def join(self, timeout=None):
        """Wait up to `timeout` seconds for the processes. True once all finished, False
        if some still run. If one failed, the others are terminated and
        ProcessRaisedException (with the child's traceback) or ProcessExitedException
        (exit code or signal) is raised."""
        if not self.sentinels:
            return True
        ready = multiprocessing.connection.wait(list(self.sentinels), timeout=timeout)
        failed = None
        for sentinel in ready:
            i = self.sentinels.pop(sentinel)
            p = self.processes[i]
            p.join()
            if p.exitcode != 0:
                failed = i
                break
        if failed is None:
            return not self.sentinels
        for p in self.processes:
            if p.is_alive():
                p.terminate()
            p.join()
        self.sentinels.clear()
        p = self.processes[failed]
        if self.error_queues[failed].empty():
            code = p.exitcode
            if code < 0:
                name = signal.Signals(-code).name
                raise ProcessExitedException(f"process {failed} terminated with signal {name}",
                                             failed, p.pid, code, name)
            raise ProcessExitedException(f"process {failed} terminated with exit code {code}",
                                         failed, p.pid, code)
        trace = self.error_queues[failed].get()
        msg = f"\n\n-- Process {failed} terminated with the following error:\n{trace}"
        raise ProcessRaisedException(msg, failed, p.pid)


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Start `nprocs` processes with `start_method`, process i running ``fn(i, *args)``;
    with ``join=True`` wait for all (raising as :meth:`ProcessContext.join` does), else
    return the :class:`ProcessContext`."""
    ctx = multiprocessing.get_context(start_method)
    processes, error_queues = [], []
    for i in range(nprocs):
        error_queue = ctx.SimpleQueue()
        p = ctx.Process(target=_wrap, args=(fn, i, args, error_queue), daemon=daemon)
        p.start()
        processes.append(p)
        error_queues.append(error_queue)
    context = ProcessContext(processes, error_queues)
    if not join:
        return context
    while not context.join():
        pass
    return None


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """torch.multiprocessing.spawn: start `nprocs` processes (``spawn`` start method)
    running ``fn(i, *args)`` for i in 0..nprocs-1. With ``join=True`` wait for them all and
    raise ProcessRaisedException with the child's traceback if one raised (the others are
    terminated); with ``join=False`` return a :class:`ProcessContext`."""
    return start_processes(fn, args, nprocs, join, daemon, start_method)
