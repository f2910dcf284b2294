"""`ember.save` / `ember.load` in PyTorch's own checkpoint format, safe by default.

A checkpoint is a zip archive (records stored uncompressed, each aligned to 64 bytes) holding
one top folder `<name>/` with `data.pkl` (a protocol-2 pickle whose tensors refer to their
storages by persistent id `('storage', <storage type>, key, location, numel)`), the raw
little-endian bytes of each storage in `data/<key>`, and the small `version`, `byteorder`,
`.format_version`, `.storage_alignment` and `.data/serialization_id` records that torch writes.
The pickle names torch's globals (`torch._utils._rebuild_tensor_v2`, `torch.FloatStorage`,
...), so files move both ways between ember and PyTorch.

`load(..., weights_only=True)` (the default, as in torch 2.6+) resolves only an allow-list of
globals and a restricted set of pickle opcodes; every tensor's offset, sizes and strides are
checked against its storage's bytes before a view is made, and archive structure, sizes and
CRCs are checked before anything is allocated.
"""
import _compat_pickle
import collections
import contextlib
import io
import os
import pickle
import struct
import zipfile
import zlib

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._backend.device import device as _device, to_device
from ember._tensor import Size, Tensor, UntypedStorage, _rebuild, _root
from ember._tensor import layout as _layout, _NAMED

__all__ = ["save", "load", "add_safe_globals", "clear_safe_globals", "get_safe_globals",
           "get_unsafe_globals_in_checkpoint", "safe_globals", "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 2
_ALIGN = 64
_VERSION = b"3\n"

# torch's typed storage class names, by ember dtype name
_STORAGE_NAMES = {"float32": "FloatStorage", "float64": "DoubleStorage",
                  "float16": "HalfStorage", "bfloat16": "BFloat16Storage",
                  "int64": "LongStorage", "int32": "IntStorage", "int16": "ShortStorage",
                  "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage",
                  "complex64": "ComplexFloatStorage", "complex128": "ComplexDoubleStorage"}


# -- torch names, as pickle sees them --------------------------------------------------------
class _TorchGlobal:
    """A stand-in for a torch global (`module.name`) while pickling: written as GLOBAL."""

    __slots__ = ("module", "name")

    def __init__(self, module, name):
        self.module = module
        self.name = name

    def __call__(self, *args):  # pickle requires reduce functions to be callable
        raise TypeError(f"{self.module}.{self.name} is a name in a checkpoint, not a function")


_G_REBUILD_V2 = _TorchGlobal("torch._utils", "_rebuild_tensor_v2")
_G_PARAM = _TorchGlobal("torch._utils", "_rebuild_parameter")
_G_PARAM_STATE = _TorchGlobal("torch._utils", "_rebuild_parameter_with_state")
_G_SIZE = _TorchGlobal("torch", "Size")
_G_DEVICE = _TorchGlobal("torch", "device")
_G_ODICT = _TorchGlobal("collections", "OrderedDict")
_G_UNTYPED = _TorchGlobal("torch.storage", "UntypedStorage")
_G_LAYOUT = _TorchGlobal("torch.serialization", "_get_layout")
_G_STORAGES = {k: _TorchGlobal("torch", v) for k, v in _STORAGE_NAMES.items()}
_G_DTYPES = {k: _TorchGlobal("torch", k) for k in _STORAGE_NAMES}


class _StorageType:
    """A torch storage class named in a checkpoint (`torch.FloatStorage`, ...): its dtype."""

    __slots__ = ("name", "dtype")

    def __init__(self, name, dtype):
        self.name = name
        self.dtype = dtype

    def __repr__(self):
        return f"<storage type {self.name}>"


# -- saving ----------------------------------------------------------------------------------
def _storage_bytes(root):
    """A flat uint8 view of a root array's memory, in memory order (None if not contiguous)."""
    if root.flags.c_contiguous:
        return root.reshape(-1).view(xp.uint8)
    if root.flags.f_contiguous:
        return root.T.reshape(-1).view(xp.uint8)
    return None


class _Pickler(pickle._Pickler):
    """Protocol-2 pickler writing ember objects under torch's global names and storages as
    persistent ids (their bytes go to separate records)."""

    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file, protocol):
        super().__init__(file, protocol)
        self.storages = {}   # id(root) -> [key, root, dtype, bytes view]
        self.keep = []       # objects whose ids key the tables above

    def save_torch_global(self, obj):
        self.write(pickle.GLOBAL + obj.module.encode() + b"\n" + obj.name.encode() + b"\n")
        self.memoize(obj)

    dispatch[_TorchGlobal] = save_torch_global

    def persistent_id(self, obj):
        if isinstance(obj, _StorageRef):
            return obj.pid
        if isinstance(obj, UntypedStorage):
            root = obj._array
            flat = _storage_bytes(root)
            if flat is None:
                raise RuntimeError("ember.save: cannot save a non-contiguous storage")
            return self._storage_ref(root, None, flat).pid
        return None

    def save_dtype(self, obj):
        self.save_torch_global(_G_DTYPES[obj.name])

    dispatch[_dt.dtype] = save_dtype

    def _storage_ref(self, root, dtype, flat):
        rec = self.storages.get(id(root))
        if rec is None:
            key = str(len(self.storages))
            rec = self.storages[id(root)] = [key, root, dtype, flat]
            self.keep.append(root)
        elif rec[2] is not dtype:
            if rec[2] is None or dtype is None:
                raise RuntimeError("ember.save: a storage is saved both as an untyped storage "
                                   "and through a tensor view")
            raise RuntimeError("Cannot save multiple tensors or storages that view the same "
                               "data as different types")
        if dtype is None:
            return _StorageRef(("storage", _G_UNTYPED, rec[0], "cpu", flat.size))
        return _StorageRef(("storage", _G_STORAGES[dtype.name], rec[0], "cpu",
                            flat.size // dtype.itemsize))

    def _tensor_args(self, t):
        """(storage ref, offset, size, stride) of tensor t, sharing its root's storage."""
        a = t._data
        dt = t.dtype
        size = dt.itemsize
        root = _root(a)
        flat = _storage_bytes(root)
        ok = flat is not None and flat.size % size == 0
        if ok:
            start = a.__array_interface__["data"][0] - flat.__array_interface__["data"][0]
            ok = start >= 0 and start % size == 0 and all(
                s >= 0 and s % size == 0 for s in a.strides)
            if ok and a.size:
                end = start + sum((n - 1) * s for n, s in zip(a.shape, a.strides)) + size
                ok = end <= flat.size
        if not ok:
            # a layout torch cannot express (negative strides, ...): save a contiguous copy
            a = xp.ascontiguousarray(a)
            root = a
            flat = a.reshape(-1).view(xp.uint8)
            start = 0
            self.keep.append(a)
        strides = tuple(s // size for s in a.strides) if a.size > 1 else t.stride()
        return (self._storage_ref(root, dt, flat), start // size, tuple(a.shape), strides)

    def _reduce_tensor(self, t):
        ref, offset, shape, strides = self._tensor_args(t)
        return (_G_REBUILD_V2, (ref, offset, shape, strides, bool(t._requires_grad),
                                collections.OrderedDict()))

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            if isinstance(obj, _parameter_class()):
                inner = _PlainTensor(obj, False)
                state = dict(getattr(obj, "__dict__", {}) or {})
                if state:
                    return (_G_PARAM_STATE, (inner, bool(obj._requires_grad),
                                             collections.OrderedDict(), state))
                return (_G_PARAM, (inner, bool(obj._requires_grad), collections.OrderedDict()))
            return self._reduce_tensor(obj)
        if isinstance(obj, _PlainTensor):
            ref, offset, shape, strides = self._tensor_args(obj.t)
            return (_G_REBUILD_V2, (ref, offset, shape, strides, obj.rg,
                                    collections.OrderedDict()))
        if isinstance(obj, Size):
            return (_G_SIZE, (tuple(obj),))
        if isinstance(obj, _device):
            args = (obj.type,) if obj.index is None else (obj.type, obj.index)
            return (_G_DEVICE, args)
        if isinstance(obj, _layout) and type(obj) is _layout:
            return (_G_LAYOUT, ("torch." + str.__str__(obj),))
        if type(obj) is collections.OrderedDict:
            state = dict(getattr(obj, "__dict__", None) or {}) or None
            return (_G_ODICT, (), state, None, iter(obj.items()))
        return NotImplemented


def _parameter_class():
    from ember.nn.parameter import Parameter
    return Parameter


class _StorageRef:
    __slots__ = ("pid",)

    def __init__(self, pid):
        self.pid = pid


class _PlainTensor:
    """A Parameter's data, pickled as the plain tensor inside `_rebuild_parameter`."""

    __slots__ = ("t", "rg")

    def __init__(self, t, rg):
        self.t = t
        self.rg = rg


class _ZipWriter:
    """A minimal zip writer: stored records, each aligned to 64 bytes by an 'FB' padding
    field in its local header, as torch's writer aligns them."""

    def __init__(self, f):
        self.f = f
        self.pos = 0
        self.entries = []

    def _write(self, b):
        self.f.write(b)
        self.pos += len(b)

    def add(self, name, data):
        data = memoryview(data).cast("B") if not isinstance(data, bytes) else data
        n = len(data)
        if n >= 0xFFFFFFFF or self.pos >= 0xFFFFFFFF:
            raise RuntimeError("ember.save: records over 4 GiB (zip64) are not supported yet")
        fname = name.encode("utf-8")
        crc = zlib.crc32(data) & 0xFFFFFFFF
        offset = self.pos
        start = offset + 30 + len(fname) + 4
        pad = (-start) % _ALIGN
        extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 0, 0, 0x21, crc, n, n,
                             len(fname), len(extra))
        self._write(header + fname + extra)
        self._write(data)
        self.entries.append((fname, crc, n, offset))

    def finish(self):
        cd_start = self.pos
        for fname, crc, n, offset in self.entries:
            self._write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, 0, 0,
                                    0x21, crc, n, n, len(fname), 0, 0, 0, 0, 0, offset)
                        + fname)
        cd_size = self.pos - cd_start
        k = len(self.entries)
        self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, k, k, cd_size, cd_start, 0))


def _archive_name(f):
    if isinstance(f, (str, os.PathLike)):
        base = os.path.basename(os.fspath(f))
        stem = os.path.splitext(base)[0]
        return stem or "archive"
    return "archive"


def _write_archive(obj, fobj, name, protocol):
    buf = io.BytesIO()
    pickler = _Pickler(buf, protocol)
    pickler.dump(obj)
    w = _ZipWriter(fobj)
    w.add(f"{name}/data.pkl", buf.getvalue())
    w.add(f"{name}/.format_version", b"1")
    w.add(f"{name}/.storage_alignment", str(_ALIGN).encode())
    w.add(f"{name}/byteorder", b"little")
    crc = 0
    for key, root, dtype, flat in pickler.storages.values():
        w.add(f"{name}/data/{key}", flat)
        crc = zlib.crc32(flat, crc)
    w.add(f"{name}/version", _VERSION)
    sid = "".join(f"{x:010d}" for x in struct.unpack(
        "<4I", struct.pack("<4I", crc, len(pickler.storages), zlib.crc32(buf.getvalue()),
                           os.getpid() & 0xFFFFFFFF)))[:40]
    w.add(f"{name}/.data/serialization_id", sid.encode())
    w.finish()


_TMP_MARK = ".ember-tmp-"


def _cleanup_stale(directory, base):
    """Remove temporary files that earlier, interrupted saves to `base` left behind."""
    prefix = f".{base}{_TMP_MARK}"
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for n in names:
        if not n.startswith(prefix):
            continue
        pid = n[len(prefix):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # its writer is still running
        except ProcessLookupError:
            pass
        except OSError:
            continue
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(directory, n))


def _create_temp(directory, base):
    """Open a new temporary file next to the target, named so that `_cleanup_stale` can tell
    its writer's pid. Created with mode 0o666 so the kernel applies the umask, as open() does
    for the target (no process-wide os.umask() round trip, which races with other threads)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(directory, f".{base}{_TMP_MARK}{os.getpid()}-{os.urandom(6).hex()}")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"ember.save: no free temporary file name in {directory}")


def save(obj, f, pickle_module=None, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """Save obj (tensors, state_dicts, nested containers, numbers, strings...) to f in
    PyTorch's zip checkpoint format, as torch.save; real `torch.load` reads the file.

    `f` is a path (str or os.PathLike) or a writable binary file object. Saving to a path is
    atomic: the archive is written to a temporary file in the same folder, flushed, fsynced
    and renamed over the target, so a crash mid-save leaves any previous file intact.
    Tensors that view one storage share one storage record, as torch's do.
    """
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError("ember.save supports only the standard pickle module")
    if not _use_new_zipfile_serialization:
        raise NotImplementedError("ember.save writes only the zip checkpoint format "
                                  "(_use_new_zipfile_serialization=True)")
    name = _archive_name(f)
    if not isinstance(f, (str, os.PathLike)):
        if not hasattr(f, "write"):
            raise AttributeError(f"'{type(f).__name__}' object has no attribute 'write'")
        _write_archive(obj, f, name, pickle_protocol)
        if hasattr(f, "flush"):
            f.flush()
        return
    path = os.path.realpath(os.fspath(f))  # through symlinks, as a plain open() writes
    directory = os.path.dirname(path)
    base = os.path.basename(path)
    if not os.path.isdir(directory):
        raise RuntimeError(f"Parent directory {os.path.dirname(path) or directory} does not "
                           "exist.")
    fd, tmp = _create_temp(directory, base)
    try:
        with os.fdopen(fd, "wb") as out:
            _write_archive(obj, out, name, pickle_protocol)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(OSError):
            if os.path.exists(path):  # keep the replaced file's permissions
                os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    _cleanup_stale(directory, base)


# -- safe globals ----------------------------------------------------------------------------
_USER_SAFE = {}


def _global_name(obj):
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


def add_safe_globals(safe_globals):
    """Allow these globals (objects, or `(object, "module.name")` pairs) in weights_only
    loads, as torch.serialization.add_safe_globals."""
    for g in safe_globals:
        if isinstance(g, tuple):
            obj, name = g
            _USER_SAFE[name] = obj
        else:
            _USER_SAFE[_global_name(g)] = g
            name = _global_name(g)
            if name.startswith("ember."):
                _USER_SAFE["torch." + name[6:]] = g


def clear_safe_globals():
    """Forget every global added with add_safe_globals."""
    _USER_SAFE.clear()


def get_safe_globals():
    """The globals added with add_safe_globals."""
    return list(_USER_SAFE.values())


class safe_globals:
    """Context manager allowing the given globals in weights_only loads inside its block."""

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        self.saved = dict(_USER_SAFE)
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc):
        _USER_SAFE.clear()
        _USER_SAFE.update(self.saved)
        return False


# -- loading ---------------------------------------------------------------------------------
class _Load:
    """What one load knows: the archive, its records and the storages read so far."""

    def __init__(self, zf, prefix, map_location, file_size, mmap_path=None):
        self.mmap_path = mmap_path
        self.zf = zf
        self.prefix = prefix
        self.map_location = map_location
        self.file_size = file_size
        self.storages = {}

    def record(self, name):
        full = self.prefix + name
        try:
            info = self.zf.getinfo(full)
        except KeyError:
            raise RuntimeError(f"ember.load: the checkpoint has no record '{full}' (a storage "
                               "the pickle refers to is missing)") from None
        if info.compress_type != zipfile.ZIP_STORED:
            raise RuntimeError(f"ember.load: record '{full}' is compressed (method "
                               f"{info.compress_type}); PyTorch checkpoints store records "
                               "uncompressed")
        if info.file_size != info.compress_size or info.file_size > self.file_size:
            raise RuntimeError(f"ember.load: record '{full}' declares {info.file_size} bytes, "
                               "more than the file holds")
        return info

    def storage(self, pid):
        if not isinstance(pid, tuple) or len(pid) != 5 or pid[0] != "storage":
            raise pickle.UnpicklingError(f"ember.load: unsupported persistent id {pid!r:.200}")
        _, stype, key, location, numel = pid
        if not isinstance(stype, _StorageType):
            raise pickle.UnpicklingError(f"ember.load: {stype!r:.100} is not a storage type")
        if not isinstance(key, str) or not isinstance(location, str) or type(numel) is not int:
            raise pickle.UnpicklingError("ember.load: malformed storage id")
        dtype = stype.dtype
        nbytes = numel * (dtype.itemsize if dtype is not None else 1)
        cached = self.storages.get(key)
        if cached is not None:
            root, cdtype = cached
            if cdtype is not dtype or root.size != numel:
                raise RuntimeError(f"ember.load: storage '{key}' is named with two different "
                                   "types or sizes")
            return _Storage(root, dtype) if dtype is not None else UntypedStorage(root)
        info = self.record(f"data/{key}")
        if numel < 0 or nbytes > info.file_size:
            raise RuntimeError(f"ember.load: storage '{key}' declares {numel} elements "
                               f"({nbytes} bytes) but its record holds {info.file_size} bytes")
        if self.mmap_path is not None:
            raw = self.mapped(info)
        else:
            raw = self.read(info)
        root = raw[:nbytes]
        root = root if dtype is None else root.view(dtype.np)
        root = self.place(root, location, dtype)
        self.storages[key] = (root, dtype)
        return _Storage(root, dtype) if dtype is not None else UntypedStorage(root)

    def data_start(self, info):
        """Offset in the file of a stored record's bytes (after its local header)."""
        fp = self.zf.fp
        fp.seek(info.header_offset)
        head = fp.read(30)
        if len(head) != 30 or head[:4] != b"PK\x03\x04":
            raise RuntimeError(f"ember.load: bad local header for record '{info.filename}'")
        nl, el = struct.unpack("<HH", head[26:30])
        start = info.header_offset + 30 + nl + el
        if start + info.file_size > self.file_size:
            raise RuntimeError(f"ember.load: record '{info.filename}' runs past the end of "
                               "the file")
        return start

    def mapped(self, info):
        """The record's bytes mapped copy-on-write from the file (mmap=True)."""
        start = self.data_start(info)
        if info.file_size == 0:
            return xp.empty(0, xp.uint8)
        return xp.memmap(self.mmap_path, dtype=xp.uint8, mode="c", offset=start,
                         shape=(info.file_size,))

    def read(self, info):
        raw = xp.empty(info.file_size, xp.uint8)
        fp = self.zf.fp
        if hasattr(fp, "readinto") and self.file_size < 1 << 62:
            # straight from the file into the array (zipfile's reader copies once more),
            # checking the CRC as zipfile would
            fp.seek(self.data_start(info))
            if fp.readinto(memoryview(raw)) != info.file_size:
                raise RuntimeError(f"ember.load: record '{info.filename}' is truncated")
            if zlib.crc32(raw) != info.CRC:
                raise RuntimeError(f"ember.load: record '{info.filename}' is corrupted: Bad "
                                   f"CRC-32 for file '{info.filename}'")
            return raw
        try:
            with self.zf.open(info) as r:
                got = r.readinto(memoryview(raw))
                if got != info.file_size:
                    raise RuntimeError(f"ember.load: record '{info.filename}' is truncated")
                r.read(1)  # the reader checks the CRC at the end of the record
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
            raise RuntimeError(f"ember.load: record '{info.filename}' is corrupted: {e}") \
                from None
        return raw

    def place(self, root, location, dtype):
        ml = self.map_location
        if ml is None:
            to_device(location)
            return root
        if isinstance(ml, dict):
            to_device(ml.get(location, location))
            return root
        if callable(ml) and not isinstance(ml, (str, _device)):
            res = ml(UntypedStorage(root), location)
            if res is None:
                to_device(location)
                return root
            if isinstance(res, _Storage):
                return res.root
            if isinstance(res, UntypedStorage):
                arr = res._array
                flat = _storage_bytes(arr)
                return flat if dtype is None else flat.view(dtype.np)
            return root
        to_device(ml)
        return root


class _Storage:
    """A storage read from a checkpoint: its bytes (as an array of its dtype) and dtype."""

    __slots__ = ("root", "dtype")

    def __init__(self, root, dtype):
        self.root = root
        self.dtype = dtype


def _check_ints(name, seq):
    if not isinstance(seq, (tuple, list)):
        raise RuntimeError(f"ember.load: tensor {name} must be a tuple, got "
                           f"{type(seq).__name__}")
    for v in seq:
        if type(v) is not int:
            raise RuntimeError(f"ember.load: tensor {name} must hold ints, got {v!r:.50}")
    return tuple(seq)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False,
                       backward_hooks=None, metadata=None):
    """Rebuild a tensor viewing `storage`, after checking that every element it addresses lies
    inside the storage."""
    if not isinstance(storage, _Storage):
        raise RuntimeError("ember.load: a tensor's storage is not a checkpoint storage")
    if storage.dtype is None:
        raise RuntimeError("ember.load: a tensor refers to an untyped storage")
    size = _check_ints("size", size)
    stride = _check_ints("stride", stride)
    if type(storage_offset) is not int:
        raise RuntimeError("ember.load: tensor storage offset must be an int")
    if len(size) != len(stride):
        raise RuntimeError(f"ember.load: tensor has {len(size)} sizes but {len(stride)} "
                           "strides")
    if len(size) > 64:
        raise RuntimeError(f"ember.load: tensor has {len(size)} dimensions (at most 64)")
    if storage_offset < 0 or any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise RuntimeError(f"ember.load: negative storage offset, size or stride "
                           f"(offset {storage_offset}, size {size}, stride {stride})")
    numel = span = 1
    for s in size:
        numel *= s
        span *= max(s, 1)
    if span >= 1 << 63:
        raise RuntimeError(f"ember.load: tensor sizes {list(size)} overflow int64")
    n = storage.root.size
    if numel:
        last = storage_offset + sum((s - 1) * st for s, st in zip(size, stride))
        if last >= n:
            raise RuntimeError(
                f"ember.load: tensor of size {list(size)}, stride {list(stride)} and storage "
                f"offset {storage_offset} reads element {last} of a storage of {n} elements "
                "(out of bounds)")
    elif storage_offset > n:
        raise RuntimeError(f"ember.load: storage offset {storage_offset} is past the end of a "
                           f"storage of {n} elements")
    dtype = storage.dtype
    if numel == 0:
        data = xp.empty(size, dtype.np)
        from ember._tensor import Tensor as _T
        return _T._make(data, dtype, bool(requires_grad), None)
    return _rebuild(storage.root, dtype.name, size, stride, storage_offset,
                    bool(requires_grad))


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _rebuild_tensor_v2(storage, storage_offset, size, stride)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    t = _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad)
    if isinstance(dtype, _dt.dtype) and dtype is not t.dtype:
        raise RuntimeError("ember.load: tensor dtype differs from its storage's")
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks=None):
    from ember.nn.parameter import Parameter
    if not isinstance(data, Tensor):
        raise RuntimeError("ember.load: a Parameter's data is not a tensor")
    if requires_grad and data.dtype.category < _dt.FLOAT:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                           "gradients")
    return Parameter(data, bool(requires_grad))


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    p = _rebuild_parameter(data, requires_grad, backward_hooks)
    if state:
        if not isinstance(state, dict):
            raise RuntimeError("ember.load: a Parameter's state is not a dict")
        for k, v in state.items():
            if not isinstance(k, str) or k.startswith("__"):
                raise RuntimeError(f"ember.load: bad Parameter attribute {k!r:.50}")
            p.__dict__[k] = v
    return p


class _TensorClass:
    """torch.Tensor / torch.nn.Parameter named as a type in `_rebuild_from_type_v2`."""

    __slots__ = ("param",)

    def __init__(self, param):
        self.param = param


def _rebuild_from_type_v2(func, new_type, args, state):
    if func not in _REBUILDERS or not isinstance(args, tuple):
        raise pickle.UnpicklingError("ember.load: _rebuild_from_type_v2 with an unsupported "
                                     "function")
    t = func(*args)
    if isinstance(new_type, _TensorClass) and new_type.param and isinstance(t, Tensor):
        from ember.nn.parameter import Parameter
        if not isinstance(t, Parameter):
            t = Parameter(t, t.requires_grad)
    elif not isinstance(new_type, _TensorClass) and new_type is not Tensor:
        raise pickle.UnpicklingError(f"ember.load: tensor subclass {new_type!r:.100} is not "
                                     "allowed")
    if state:
        if isinstance(state, tuple):
            state = state[0] or {}
        if state:
            raise RuntimeError("ember.load: tensors with Python attributes are not supported")
    return t


def _get_layout(name):
    if not isinstance(name, str) or not name.startswith("torch."):
        raise RuntimeError(f"ember.load: unknown layout {name!r:.50}")
    try:
        return _NAMED[name[6:]]
    except KeyError:
        raise RuntimeError(f"ember.load: unknown layout {name!r:.50}") from None


def _encode(s, encoding="latin1"):
    if not isinstance(s, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("ember.load: _codecs.encode allowed only for latin1 "
                                     "strings")
    return s.encode("latin1")


def _bytearray(*args):
    if len(args) > 1 or (args and not isinstance(args[0], (bytes, list, tuple))):
        raise pickle.UnpicklingError("ember.load: bytearray allowed only from bytes or lists")
    return bytearray(*args)


def _complex(*args):
    for a in args:
        if type(a) not in (int, float):
            raise pickle.UnpicklingError("ember.load: complex() allowed only from numbers")
    return complex(*args)


def _set(*args):
    return set(*args)


_REBUILDERS = {_rebuild_tensor_v2, _rebuild_tensor, _rebuild_tensor_v3}


def _safe_table():
    t = {
        "collections.OrderedDict": collections.OrderedDict,
        "collections.Counter": collections.Counter,
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_tensor": _rebuild_tensor,
        "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch.serialization._get_layout": _get_layout,
        "torch.Size": Size,
        "torch.device": _device,
        "torch.Tensor": _TensorClass(False),
        "torch.nn.parameter.Parameter": _TensorClass(True),
        "torch.storage.UntypedStorage": _StorageType("UntypedStorage", None),
        "torch.storage.TypedStorage": _StorageType("TypedStorage", None),
        "_codecs.encode": _encode,
        "builtins.bytearray": _bytearray,
        "builtins.complex": _complex,
        "builtins.set": _set,
    }
    for name, sname in _STORAGE_NAMES.items():
        t["torch." + sname] = _StorageType(sname, _dt._BY_NAME[name])
        t["torch." + name] = _dt._BY_NAME[name]
    return t


_SAFE = _safe_table()
_SAFE_CALLABLES = frozenset(id(v) for v in _SAFE.values() if callable(v))
_NEWOBJ_CLASSES = (collections.OrderedDict, collections.Counter, Size, _device)
_BLOCKED_MODULES = ("os", "posix", "nt", "sys", "subprocess", "builtins", "shutil",
                    "socket", "importlib", "runpy", "pickle", "_pickle", "operator",
                    "functools", "code", "codeops", "ctypes", "pty", "platform", "webbrowser",
                    "marshal", "types", "io", "tempfile", "multiprocessing", "asyncio")

_WEIGHTS_ONLY_HEADER = (
    "Weights only load failed. In PyTorch 2.6, we changed the default value of the "
    "`weights_only` argument in `torch.load` from `False` to `True`. Re-running `ember.load` "
    "with `weights_only` set to `False` will likely succeed, but it can result in arbitrary "
    "code execution. Do it only if you got the file from a trusted source.\n\n")


def _fail(msg):
    raise pickle.UnpicklingError(_WEIGHTS_ONLY_HEADER + msg)


def _make_safe_dispatch():
    d = dict(pickle._Unpickler.dispatch)

    def forbid(opname):
        def f(self):
            _fail(f"Unsupported operand {opname}: ember's weights_only loader does not allow "
                  "this pickle opcode.")
        return f

    for op in ("INST", "OBJ", "EXT1", "EXT2", "EXT4", "PERSID", "NEXT_BUFFER",
               "READONLY_BUFFER"):
        code = getattr(pickle, op, None)
        if code is not None:
            d[code[0]] = forbid(op)

    def load_reduce(self):
        stack = self.stack
        args = stack.pop()
        func = stack[-1]
        if id(func) not in _SAFE_CALLABLES and not any(func is v for v in _USER_SAFE.values()):
            _fail(f"Unsupported operand REDUCE: calling {func!r:.100} is not allowed.")
        if not isinstance(args, tuple):
            _fail("REDUCE with non-tuple arguments.")
        stack[-1] = func(*args)

    def load_newobj(self):
        args = self.stack.pop()
        cls = self.stack.pop()
        if not (cls in _NEWOBJ_CLASSES or any(cls is v for v in _USER_SAFE.values())):
            _fail(f"Unsupported operand NEWOBJ for {cls!r:.100}.")
        if not isinstance(args, tuple):
            _fail("NEWOBJ with non-tuple arguments.")
        self.append(cls.__new__(cls, *args))

    def load_newobj_ex(self):
        kwargs = self.stack.pop()
        args = self.stack.pop()
        cls = self.stack.pop()
        if not (cls in _NEWOBJ_CLASSES or any(cls is v for v in _USER_SAFE.values())):
            _fail(f"Unsupported operand NEWOBJ_EX for {cls!r:.100}.")
        if not isinstance(args, tuple) or not isinstance(kwargs, dict):
            _fail("NEWOBJ_EX with malformed arguments.")
        self.append(cls.__new__(cls, *args, **kwargs))

    def load_build(self):
        stack = self.stack
        state = stack.pop()
        inst = stack[-1]
        user = any(type(inst) is v for v in _USER_SAFE.values())
        if user:
            setstate = getattr(inst, "__setstate__", None)
            if setstate is not None:
                setstate(state)
                return
        if not (user or type(inst) in (collections.OrderedDict, collections.Counter)):
            _fail(f"Unsupported operand BUILD for an object of type {type(inst).__name__}.")
        if isinstance(state, tuple) and len(state) == 2:
            state, slots = state
            if slots:
                _fail("BUILD with slot state is not allowed.")
        if state:
            if not isinstance(state, dict):
                _fail("BUILD with a non-dict state.")
            for k, v in state.items():
                if not isinstance(k, str) or k.startswith("__"):
                    _fail(f"BUILD setting attribute {k!r:.50} is not allowed.")
                inst.__dict__[k] = v

    d[pickle.REDUCE[0]] = load_reduce
    d[pickle.NEWOBJ[0]] = load_newobj
    d[pickle.NEWOBJ_EX[0]] = load_newobj_ex
    d[pickle.BUILD[0]] = load_build
    return d


def _py3_name(module, name):
    """The Python 3 spelling of a global a protocol-2 pickle names (`__builtin__.set`)."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


class _SafeUnpickler(pickle._Unpickler):
    """An unpickler that resolves only allow-listed globals and runs only safe opcodes."""

    dispatch = _make_safe_dispatch()

    def __init__(self, file, state):
        super().__init__(file, encoding="utf-8")
        self._state = state

    def find_class(self, module, name):
        if not isinstance(module, str) or not isinstance(name, str):
            _fail("GLOBAL names must be strings.")
        module, name = _py3_name(module, name)
        full = f"{module}.{name}"
        if full in _USER_SAFE:
            return _USER_SAFE[full]
        obj = _SAFE.get(full)
        if obj is not None:
            return obj
        if full.startswith("torch.") and module == "torch" and name.endswith("Storage"):
            _fail(f"ember has no dtype for storage type GLOBAL {full}.")
        if module == "torch" and name in ("complex32", "uint16", "uint32", "uint64") or \
                name.startswith("float8") or name.startswith("qint"):
            raise RuntimeError(f"ember.load: the checkpoint uses dtype torch.{name}, which "
                               "ember does not support")
        root = module.split(".")[0]
        if root in _BLOCKED_MODULES:
            _fail(f"Trying to load unsupported GLOBAL {full} whose module {module} is "
                  "blocked.\n\nCheck the documentation of ember.load to learn more about types "
                  "accepted by default with weights_only.")
        _fail(f"Unsupported global: GLOBAL {full} was not an allowed global by default. "
              f"Please use `ember.serialization.add_safe_globals([{name}])` or the "
              f"`ember.serialization.safe_globals([{name}])` context manager to allowlist "
              "this global if you trust this class/function.")

    def persistent_load(self, pid):
        return self._state.storage(pid)


class _FullUnpickler(pickle.Unpickler):
    """The trusted-file unpickler: any global, with torch's names mapped to ember's."""

    def __init__(self, file, state):
        super().__init__(file, encoding="utf-8")
        self._state = state

    def find_class(self, module, name):
        full = f"{module}.{name}"
        if full in _USER_SAFE:
            return _USER_SAFE[full]
        obj = _SAFE.get(full)
        if obj is not None:
            if isinstance(obj, _TensorClass):
                if obj.param:
                    from ember.nn.parameter import Parameter
                    return Parameter
                return Tensor
            return obj
        if module == "torch" or module.startswith("torch."):
            import importlib
            try:
                mod = importlib.import_module("ember" + module[5:])
                return getattr(mod, name)
            except (ImportError, AttributeError):
                raise pickle.UnpicklingError(f"ember.load: ember has no {full} (as "
                                             f"ember{module[5:]}.{name})") from None
        return super().find_class(module, name)

    def persistent_load(self, pid):
        return self._state.storage(pid)


def _open_zip(f):
    try:
        zf = zipfile.ZipFile(f)
    except zipfile.BadZipFile as e:
        raise RuntimeError(f"ember.load: not a valid PyTorch checkpoint: the zip archive is "
                           f"truncated or corrupted ({e})") from None
    infos = zf.infolist()
    seen = set()
    prefixes = set()
    for info in infos:
        n = info.filename
        if n in seen:
            raise RuntimeError(f"ember.load: duplicate record name '{n}' in the archive")
        seen.add(n)
        parts = n.split("/")
        if n.startswith("/") or "\\" in n or ".." in parts or (len(n) > 1 and n[1] == ":"):
            raise RuntimeError(f"ember.load: record name '{n}' escapes the archive")
        if len(parts) < 2 or not parts[0]:
            raise RuntimeError(f"ember.load: record '{n}' is outside the archive's top folder")
        prefixes.add(parts[0])
    if len(prefixes) != 1:
        raise RuntimeError("ember.load: a PyTorch checkpoint has exactly one top folder, "
                           f"this archive has {len(prefixes)}")
    prefix = prefixes.pop() + "/"
    if prefix + "data.pkl" not in seen:
        raise RuntimeError(f"ember.load: the archive has no '{prefix}data.pkl' record")
    return zf, prefix


def _read_small(state, name, limit):
    info = state.record(name)
    if info.file_size > limit:
        raise RuntimeError(f"ember.load: record '{info.filename}' is {info.file_size} bytes "
                           f"(at most {limit} expected)")
    try:
        return state.zf.read(info)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
        raise RuntimeError(f"ember.load: record '{info.filename}' is corrupted: {e}") from None


def _file_size(f):
    try:
        pos = f.tell()
        end = f.seek(0, os.SEEK_END)
        f.seek(pos)
        return end - pos
    except (OSError, AttributeError, ValueError):
        return None


def _check_map_location(ml):
    if ml is None or isinstance(ml, dict) or callable(ml) and not isinstance(ml, (str,
                                                                                  _device)):
        return
    if isinstance(ml, (str, _device)):
        to_device(ml)
        return
    raise TypeError(f"ember.load: map_location must be a str, device, dict or callable, got "
                    f"{type(ml).__name__}")


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None,
         **pickle_load_args):
    """Load an object saved with ember.save or torch.save (zip format), as torch.load.

    `f` is a path, os.PathLike or a readable binary file object. With `weights_only=True`
    (the default) only tensors, storages, dicts/OrderedDicts, lists, tuples, sets, numbers,
    strings, bytes, None, Size, dtypes, devices and globals allowed with
    `add_safe_globals` are unpickled; anything else raises `pickle.UnpicklingError` naming
    it. `weights_only=False` unpickles arbitrary objects and RUNS CODE the file asks for: use
    it only for files you trust. `map_location` ('cpu', a device, a dict mapping saved
    locations, or a callable(storage, location)) says where storages go; ember has only the
    CPU, so mapping to 'cuda' raises RuntimeError. `mmap=True` (f must be a path) maps each
    storage copy-on-write from the file instead of reading it (CRCs are then not checked).
    """
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError("ember.load supports only the standard pickle module")
    if weights_only is None:
        weights_only = True
    _check_map_location(map_location)
    if isinstance(f, (str, os.PathLike)):
        with open(os.fspath(f), "rb") as fh:
            return _load_file(fh, map_location, weights_only,
                              os.fspath(f) if mmap else None)
    if mmap:
        raise ValueError("f must be a file path in order to use the mmap argument")
    if not hasattr(f, "read"):
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'read'")
    if not (hasattr(f, "seekable") and f.seekable()):
        f = io.BytesIO(f.read())
    return _load_file(f, map_location, weights_only)


def _load_file(fh, map_location, weights_only, mmap_path=None):
    size = _file_size(fh)
    start = fh.read(4)
    fh.seek(-len(start), os.SEEK_CUR)
    if start[:2] != b"PK":
        if start[:1] == b"\x80":
            return _load_legacy(fh, map_location, weights_only,
                                size if size is not None else 1 << 62)
        raise RuntimeError("ember.load: not a PyTorch checkpoint (no zip archive found)")
    zf, prefix = _open_zip(fh)
    with zf:
        state = _Load(zf, prefix, map_location, size if size is not None else 1 << 62,
                      mmap_path)
        if prefix + "byteorder" in zf.NameToInfo:
            order = _read_small(state, "byteorder", 16)
            if order != b"little":
                raise RuntimeError(f"ember.load: unsupported byte order {order!r}")
        data = _read_small(state, "data.pkl", state.file_size)
        return _unpickle(io.BytesIO(data), state, weights_only, "data.pkl")


def get_unsafe_globals_in_checkpoint(f):
    """The names of the globals in checkpoint f (zip format) that a weights_only load would
    refuse, as torch.serialization.get_unsafe_globals_in_checkpoint; nothing is run."""
    import pickletools
    if isinstance(f, (str, os.PathLike)):
        with open(os.fspath(f), "rb") as fh:
            return get_unsafe_globals_in_checkpoint(io.BytesIO(fh.read()))
    size = _file_size(f)
    zf, prefix = _open_zip(f)
    with zf:
        state = _Load(zf, prefix, None, size if size is not None else 1 << 62)
        data = _read_small(state, "data.pkl", state.file_size)
    found, strings = [], []
    try:
        for op, arg, _ in pickletools.genops(data):
            if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8"):
                strings.append(arg)
            elif op.name == "GLOBAL":
                found.append(tuple(arg.split(" ", 1)))
            elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
                found.append((strings[-2], strings[-1]))
    except ValueError as e:
        raise pickle.UnpicklingError(f"ember: malformed pickle in data.pkl ({e})") from None
    out = []
    for module, name in found:
        module, name = _py3_name(module, name)
        full = f"{module}.{name}"
        if full not in _SAFE and full not in _USER_SAFE and full not in out:
            out.append(full)
    return out


def _unpickle(buf, state, weights_only, what):
    """Run the safe (or, for trusted files, the full) unpickler over buf."""
    if not weights_only:
        return _FullUnpickler(buf, state).load()
    try:
        return _SafeUnpickler(buf, state).load()
    except (pickle.UnpicklingError, RuntimeError):
        raise
    except Exception as e:  # noqa: BLE001 - any other failure means a malformed pickle
        raise pickle.UnpicklingError(
            f"ember.load: malformed pickle in {what} ({type(e).__name__}: "
            f"{str(e)[:200]})") from None


_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001


class _LegacyLoad(_Load):
    """Storages of a legacy (pre-1.6, non-zip) checkpoint: allocated (after a size check
    against the file) when the pickle names them, filled from the file afterwards."""

    def __init__(self, map_location, file_size):
        super().__init__(None, "", map_location, file_size)
        self.pending = {}  # key -> (raw bytes array, dtype, numel)

    def storage(self, pid):
        if not isinstance(pid, tuple) or len(pid) != 6 or pid[0] != "storage":
            raise pickle.UnpicklingError(f"ember.load: unsupported persistent id {pid!r:.200}")
        _, stype, key, location, numel, view = pid
        if not isinstance(stype, _StorageType) or stype.dtype is None:
            raise pickle.UnpicklingError(f"ember.load: {stype!r:.100} is not a storage type")
        if not isinstance(key, str) or not isinstance(location, str) or type(numel) is not int:
            raise pickle.UnpicklingError("ember.load: malformed storage id")
        dtype = stype.dtype
        rec = self.pending.get(key)
        if rec is None:
            nbytes = numel * dtype.itemsize
            if numel < 0 or nbytes > self.file_size:
                raise RuntimeError(f"ember.load: storage '{key}' declares {numel} elements, "
                                   "more than the file holds")
            raw = xp.zeros(nbytes, xp.uint8)
            rec = self.pending[key] = (raw, dtype, numel)
            self.place(raw, location, dtype)
        raw, rdtype, rnumel = rec
        if rdtype is not dtype:
            raise RuntimeError(f"ember.load: storage '{key}' is named with two dtypes")
        root = raw.view(dtype.np)
        if view is not None:
            if not (isinstance(view, tuple) and len(view) == 3
                    and all(type(v) is int for v in view[1:])):
                raise RuntimeError("ember.load: malformed storage view")
            _, off, vsize = view
            if off < 0 or vsize < 0 or off + vsize > rnumel:
                raise RuntimeError("ember.load: storage view out of bounds")
            root = root[off:off + vsize]
        return _Storage(root, dtype)


def _load_legacy(fh, map_location, weights_only, file_size):
    """Read a checkpoint in torch's legacy format: magic number, protocol and system-info
    pickles, the main pickle, the list of storage keys, then each storage as an int64
    element count followed by its bytes."""
    state = _LegacyLoad(map_location, file_size)
    header = []
    for what in ("magic number", "protocol version", "system info"):
        header.append(_unpickle(fh, state, True, f"the legacy {what}"))
    if header[0] != _LEGACY_MAGIC:
        raise RuntimeError("ember.load: not a PyTorch checkpoint (invalid magic number; the "
                           "very old tar format is not supported)")
    if header[1] != _LEGACY_PROTOCOL:
        raise RuntimeError(f"ember.load: unsupported legacy protocol version {header[1]!r:.50}")
    info = header[2]
    if not isinstance(info, dict) or info.get("little_endian") is not True:
        raise RuntimeError("ember.load: only little-endian legacy checkpoints are supported")
    result = _unpickle(fh, state, weights_only, "the legacy checkpoint")
    keys = _unpickle(fh, state, True, "the legacy storage keys")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise RuntimeError("ember.load: malformed legacy storage key list")
    for key in keys:
        rec = state.pending.get(key)
        if rec is None:
            raise RuntimeError(f"ember.load: legacy storage '{key}' is not used by the pickle")
        raw, dtype, numel = rec
        head = fh.read(8)
        if len(head) != 8:
            raise RuntimeError(f"ember.load: legacy checkpoint truncated at storage '{key}'")
        (count,) = struct.unpack("<q", head)
        if count != numel:
            raise RuntimeError(f"ember.load: legacy storage '{key}' holds {count} elements "
                               f"but the pickle declares {numel}")
        got = fh.readinto(memoryview(raw)) if raw.size else 0
        if got != raw.size:
            raise RuntimeError(f"ember.load: legacy checkpoint truncated inside storage "
                               f"'{key}'")
    missing = set(state.pending) - set(keys)
    if missing:
        raise RuntimeError(f"ember.load: legacy storages {sorted(missing)[:5]} have no data")
    return result


