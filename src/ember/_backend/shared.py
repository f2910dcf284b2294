"""Memory blocks that several processes map at once: the storage of shared tensors.

A block is an anonymous memory file (Linux ``memfd_create``; elsewhere a temporary file
unlinked as soon as it is made) mapped with ``MAP_SHARED``. It has no name in ``/dev/shm``,
so nothing can leak there: the kernel frees the memory when the last process closes its
descriptor and its mapping. Another process reaches the block through a copy of the
descriptor (inherited by ``fork``, passed by ``spawn``, or sent over a Unix socket, see
``ember.multiprocessing.reductions``).

A block is handed out as a flat ``uint8`` array (the *root*) whose ``.base`` is the
mapping; arrays viewing the root keep it, and so the block, alive. Each process keeps the
descriptor of each block it holds open until its root array is freed.
"""
import mmap
import os
import weakref

from ember._backend import xp

__all__ = ["empty", "attach", "descriptor", "is_shared", "open_named", "create_named",
           "SHM_DIR"]

# roots of the blocks this process holds: id(root) -> (descriptor, size in bytes, file key)
_BLOCKS = {}
# file key (device, inode) -> root, so a block received twice is mapped once
_BY_KEY = weakref.WeakValueDictionary()

# where the one-receiver blocks of `create_named` live
SHM_DIR = "/dev/shm" if os.path.isdir("/dev/shm") else os.environ.get("TMPDIR", "/tmp")


def _anonymous_file(nbytes):
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("ember-shared", os.MFD_CLOEXEC)
    else:
        import tempfile
        fd, path = tempfile.mkstemp(prefix="ember-shared-", dir=SHM_DIR)
        os.unlink(path)
    try:
        os.ftruncate(fd, nbytes)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _release(key, fd):
    _BLOCKS.pop(key, None)
    try:
        os.close(fd)
    except OSError:
        pass


def attach(fd, nbytes):
    """The root array of the block behind descriptor `fd` (`nbytes` long), which this
    process then owns (it is closed when the root is freed). A block this process already
    maps is returned as the same root, and the extra descriptor is closed."""
    st = os.fstat(fd)
    key = (st.st_dev, st.st_ino)
    root = _BY_KEY.get(key)
    if root is not None:
        if _BLOCKS[id(root)][0] != fd:
            os.close(fd)
        return root
    buf = mmap.mmap(fd, max(nbytes, 1), flags=mmap.MAP_SHARED,
                    prot=mmap.PROT_READ | mmap.PROT_WRITE)
    root = xp.ndarray((nbytes,), xp.uint8, buffer=buf)
    _BLOCKS[id(root)] = (fd, nbytes, key)
    _BY_KEY[key] = root
    weakref.finalize(root, _release, id(root), fd)
    return root


def empty(nbytes):
    """A new shared block of `nbytes` bytes (zero-filled), as its flat uint8 root array."""
    return attach(_anonymous_file(max(nbytes, 1)), nbytes)


def descriptor(root):
    """(descriptor, size in bytes) of the shared block whose root array is `root`, or None
    when `root` is ordinary process memory."""
    entry = _BLOCKS.get(id(root))
    return None if entry is None else entry[:2]


def is_shared(root):
    """True when the root array `root` lives in a shared block."""
    return id(root) in _BLOCKS


def create_named(name, data):
    """Write the bytes of array `data` to a new file `name` in SHM_DIR (a block meant for
    exactly one receiver, which opens it with `open_named`; see the DataLoader workers)."""
    path = os.path.join(SHM_DIR, name)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.ftruncate(fd, data.nbytes)
        with mmap.mmap(fd, data.nbytes, flags=mmap.MAP_SHARED) as buf:
            xp.ndarray(data.shape, data.dtype, buffer=buf)[...] = data
    except BaseException:
        os.unlink(path)
        raise
    finally:
        os.close(fd)


def open_named(name, nbytes):
    """Map the file `name` made by `create_named` and remove its name at once: the root
    array of the block, now shared and anonymous like the others."""
    path = os.path.join(SHM_DIR, name)
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    os.unlink(path)
    try:
        return attach(fd, nbytes)
    except BaseException:
        os.close(fd)
        raise
