"""What runs inside a DataLoader worker process, and the info it exposes to user code."""
import os
import queue
import random
import sys
import traceback

import ember
from ember.multiprocessing import reductions

__all__ = ["WorkerInfo", "get_worker_info", "ExceptionWrapper"]

# How often (seconds) a waiting worker or parent re-checks that the other side is alive.
STATUS_CHECK_INTERVAL = 0.5

_worker_info = None


class WorkerInfo:
    """Read-only facts about the current worker: ``id``, ``num_workers``, ``seed`` and its
    copy of ``dataset`` (``torch.utils.data.WorkerInfo``)."""

    _frozen = False

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
        self._keys = tuple(kwargs)
        self._frozen = True

    def __setattr__(self, key, val):
        if self._frozen:
            raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")
        return super().__setattr__(key, val)

    def __repr__(self):
        fields = ", ".join(f"{k}={getattr(self, k)}" for k in self._keys)
        return f"{self.__class__.__name__}({fields})"


def get_worker_info():
    """In a DataLoader worker, its :class:`WorkerInfo`; in the main process, ``None``
    (``torch.utils.data.get_worker_info``). Use it in ``worker_init_fn`` or in an
    ``IterableDataset.__iter__`` to split work between workers."""
    return _worker_info


class ExceptionWrapper:
    """An exception caught in one process, carried as its type and traceback text so that
    another process can raise it again with the original traceback in the message."""

    def __init__(self, exc_info=None, where="in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raises the carried exception (same class when it takes one message argument,
        RuntimeError otherwise), its message holding the original traceback."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            # KeyError shows repr() of its argument: keep the text readable.
            msg = _KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exc


class _KeyErrorMessage(str):
    def __repr__(self):
        return self


class _IterableDatasetStopIteration:
    """Sent by a worker whose copy of an IterableDataset is exhausted."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


class _ResumeIteration:
    """Sent to persistent workers when a new epoch starts: restart the dataset's iterator."""

    def __init__(self, seed=None):
        self.seed = seed


class _ParentWatchdog:
    """Tells a worker whether the process that started it is gone (then it should exit)."""

    def __init__(self):
        self._ppid = os.getppid()
        self._dead = False

    def is_alive(self):
        if not self._dead:
            self._dead = os.getppid() != self._ppid
        return not self._dead


def _seed_worker(seed, worker_id):
    ember.manual_seed(seed)
    random.seed(seed)
    if "numpy" in sys.modules:
        # NumPy's global generator gets its own per-worker seed as torch's workers do.
        import numpy
        numpy.random.seed(numpy.random.SeedSequence([worker_id, seed]).generate_state(4))


class _Fetcher:
    def __init__(self, dataset, is_iterable, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.is_iterable = is_iterable
        self.iterator = iter(dataset) if is_iterable else None
        self.ended = False

    def fetch(self, index):
        """One batch (or one sample when not auto-collating) for ``index``."""
        if self.is_iterable:
            if self.ended:
                raise StopIteration
            if self.auto_collation:
                data = []
                for _ in index:
                    try:
                        data.append(next(self.iterator))
                    except StopIteration:
                        self.ended = True
                        break
                if not data or (self.drop_last and len(data) < len(index)):
                    raise StopIteration
            else:
                data = next(self.iterator)
        elif self.auto_collation:
            getitems = getattr(self.dataset, "__getitems__", None)
            data = getitems(index) if getitems else [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


def _worker_loop(is_iterable, dataset, index_queue, data_queue, done_event, auto_collation,
                 collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers,
                 shm_prefix="ember_dl"):
    """Body of a worker process: seed, run ``init_fn``, then answer ``(idx, index)`` tasks
    with ``(idx, packed batch)`` until ``None`` arrives or the parent goes away. A batch is
    packed by ``reductions.pack``: its tensors travel in shared blocks named under
    ``shm_prefix`` (the parent unpacks it with ``reductions.unpack``)."""
    global _worker_info
    try:
        # one BLAS thread per worker, as torch's workers: a forked copy of the parent's BLAS
        # thread pool must not be relied on, and N workers x M threads oversubscribe the CPU
        import ember
        ember.set_num_threads(1)
        seed = base_seed + worker_id
        _seed_worker(seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        init_error = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _Fetcher(dataset, is_iterable, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
        ended = False
        watchdog = _ParentWatchdog()
        while watchdog.is_alive():
            try:
                task = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
            except queue.Empty:
                # the parent's None may never come when the loader is collected as garbage
                # (its queues can be finalized first): the event says to stop as well
                if done_event.is_set():
                    break
                continue
            if isinstance(task, _ResumeIteration):
                data_queue.put((task, None))
                ended = False
                if init_error is None:
                    fetcher = _Fetcher(dataset, is_iterable, auto_collation, collate_fn,
                                       drop_last)
                continue
            if task is None:
                break
            if done_event.is_set() or ended:
                continue
            idx, index = task
            if init_error is not None:
                data, init_error = init_error, None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and is_iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        ended = True
                    else:
                        data = ExceptionWrapper(
                            where=f"in DataLoader worker process {worker_id}")
            try:
                payload = reductions.pack(data, shm_prefix)
            except Exception:
                payload = reductions.pack(ExceptionWrapper(
                    where=f"in DataLoader worker process {worker_id}"), shm_prefix)
            data_queue.put((idx, payload))
            del data, payload, idx, index, task
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
