"""How tensors cross process boundaries: through shared memory, never as copied bytes.

Importing this module registers a reducer for `ember.Tensor` with the standard library's
``ForkingPickler``, the pickler behind multiprocessing's queues, pipes and the arguments
of spawned processes (``torch.multiprocessing.reductions``). A tensor sent that way is
first moved into shared memory (``share_memory_()``, in place, as torch does); what travels
is a duplicate of the block's file descriptor plus dtype, shape, strides and offset, and the
receiver maps the same memory. Ordinary ``pickle`` (``ember.save``) is unaffected.

The descriptor goes to a spawned child with the child's start-up data, and through a queue
or pipe via multiprocessing's resource sharer (a Unix socket served by a thread in the
sender; a process exiting with descriptors not yet fetched waits up to DRAIN_TIMEOUT
seconds for its receivers). The memory is freed when the last process holding it lets go,
so nothing is left in ``/dev/shm`` (the "file_descriptor" strategy).

DataLoader workers use `pack` / `unpack` instead: each batch tensor is written to a
one-receiver block named under a prefix, which the parent maps and unlinks on arrival, so
the parent never waits on a worker's thread; `sweep` removes blocks that were never
received (a loader shut down early, a killed worker).
"""
import io
import itertools
import os
import pickle
import threading
import time
from multiprocessing import resource_sharer, util
from multiprocessing.reduction import DupFd, ForkingPickler

from ember._backend import shared
from ember._tensor import Tensor

__all__ = ["reduce_tensor", "rebuild_tensor", "pack", "unpack", "sweep", "init_reductions"]

_NON_LEAF = ("Cowardly refusing to serialize non-leaf tensor which requires_grad, since "
             "autograd does not support crossing process boundaries.  If you just want to "
             "transfer the data, call detach() on the tensor before serializing (e.g., "
             "putting it on the queue).")


def _check_leaf(t):
    if t.requires_grad and t.grad_fn is not None:
        raise RuntimeError(_NON_LEAF)


def reduce_tensor(t):
    """ForkingPickler reducer: move `t` into shared memory and describe it by a duplicate
    of the block's descriptor plus its layout (what `rebuild_tensor` needs)."""
    _check_leaf(t)
    t.share_memory_()
    fn, args = t.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
    # args[0] is the storage's root array, here the shared block itself
    fd, nbytes = shared.descriptor(args[0])
    return (rebuild_tensor, (DupFd(fd), nbytes, fn, args[1:]))


# Seconds an exiting process waits for receivers to fetch the descriptors it still offers.
DRAIN_TIMEOUT = 5.0


def _drain():
    # A descriptor sent through a queue is served by the sender's resource-sharer thread
    # when the receiver unpickles the message, so a producer that returns right after
    # `put` would take its descriptors with it. At exit, after the queues were told to
    # close (priority 10) but before the sharer's socket is unlinked (priority 0): let the
    # feeder threads flush, wait a while for the receivers, then stop the sharer thread (it
    # serves one request at a time, so stopping waits for the one in progress).
    deadline = time.monotonic() + DRAIN_TIMEOUT
    for thread in threading.enumerate():
        if thread.name == "QueueFeederThread" and thread is not threading.current_thread():
            thread.join(max(deadline - time.monotonic(), 0.0))
    sharer = resource_sharer._resource_sharer
    if sharer._address is None:
        return
    while sharer._cache and time.monotonic() < deadline:
        time.sleep(0.005)
    resource_sharer.stop(timeout=1.0)


def _register_drain(_=None):
    util.Finalize(None, _drain, exitpriority=5)


def rebuild_tensor(fd_holder, nbytes, rebuild, layout):
    """Receiver side of `reduce_tensor`: map the block and view it as the sent tensor."""
    root = shared.attach(fd_holder.detach(), nbytes)
    return rebuild(root, *layout)


# -- one-receiver blocks for DataLoader batches --------------------------------------------
_counter = itertools.count()


class _OneReceiverPickler(ForkingPickler):
    """ForkingPickler that writes each tensor's elements to a fresh named block."""

    def __init__(self, file, prefix):
        super().__init__(file, pickle.HIGHEST_PROTOCOL)
        self._prefix = prefix
        self.dispatch_table[Tensor] = self._reduce

    def _reduce(self, t):
        _check_leaf(t)
        fn, args = t.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
        data = t._data
        if data.nbytes == 0:
            return fn, args
        name = f"{self._prefix}_{os.getpid()}_{next(_counter)}"
        shared.create_named(name, data)
        strides, n = [], 1
        for s in reversed(data.shape):
            strides.append(n)
            n *= s
        layout = (args[1], args[2], tuple(reversed(strides)), 0) + tuple(args[5:])
        return (_rebuild_named, (name, data.nbytes, fn, layout))


def _rebuild_named(name, nbytes, rebuild, layout):
    return rebuild(shared.open_named(name, nbytes), *layout)


def pack(obj, prefix):
    """`obj` pickled for exactly one receiver, its tensors' elements in shared blocks named
    `prefix_...` (the receiver calls `unpack` once)."""
    buf = io.BytesIO()
    _OneReceiverPickler(buf, prefix).dump(obj)
    return buf.getvalue()


def unpack(payload):
    """The object `pack` made, its tensors mapping the blocks (whose names are removed)."""
    return pickle.loads(payload)


def sweep(prefix):
    """Remove the blocks named by `pack(..., prefix)` that no one received."""
    start = prefix + "_"
    try:
        names = os.listdir(shared.SHM_DIR)
    except OSError:
        return
    for name in names:
        if name.startswith(start):
            try:
                os.unlink(os.path.join(shared.SHM_DIR, name))
            except OSError:
                pass


def init_reductions():
    """Register the tensor reducer with multiprocessing's ForkingPickler (done on import)."""
    ForkingPickler.register(Tensor, reduce_tensor)


init_reductions()
_register_drain()
# a child process starts with an empty finalizer registry: register again there
util.register_after_fork(_drain, _register_drain)
