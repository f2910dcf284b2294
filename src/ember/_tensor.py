"""`ember.Tensor`: a backend array plus dtype, device and autograd fields.

The class is deliberately thin. Math lives in the op families under `ember._ops`, which
register their functions as methods here (see `ember._ops.registry`).
"""
import gc
import sys
import warnings
import weakref

from ember._backend import CPU, xp
from ember._backend import shared as _shared
from ember._backend import dtypes as _dt
from ember._backend.device import device as _device_cls
from ember._backend.device import to_device
from ember._ops import engine as _engine

ndarray = xp.ndarray
_FROM_NP = _dt._BY_NP


class Size(tuple):
    """A tensor's shape: a tuple of ints that prints as `ember.Size([2, 3])`."""

    __module__ = "ember"  # type(x.shape) shows <class 'ember.Size'>, as torch's torch.Size

    def __new__(cls, sizes=()):
        items = tuple(sizes)
        for i, v in enumerate(items):
            if type(v) is not int:
                if not hasattr(v, "__index__"):
                    raise TypeError(f"ember.Size() takes an iterable of 'int' (item {i} is "
                                    f"'{type(v).__name__}')")
                items = tuple(int(x.__index__()) for x in items)
                break
        return tuple.__new__(cls, items)

    def __repr__(self):
        return f"ember.Size({list(self)})"

    __str__ = __repr__

    def __mul__(self, n):
        return _size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def numel(self):
        """Number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return _size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return _size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return _size(tuple(other) + tuple(self))

    def __reduce__(self):
        return (Size, (tuple(self),))


_new_size = tuple.__new__


def _size(shape):
    """A Size from a tuple of Python ints, without Size()'s checks (the hot path)."""
    return _new_size(Size, shape)


class layout(str):
    """torch.layout: how a tensor's elements are stored (ember has `strided` only). Prints as
    `ember.strided`; compares equal to its name."""

    __slots__ = ()

    def __repr__(self):
        return f"ember.{str.__str__(self)}"

    __str__ = __repr__

    def __reduce__(self):
        return (_named, (str.__str__(self),))


class memory_format(layout):
    """torch.memory_format: `contiguous_format`, `channels_last`, ... (prints as
    `ember.channels_last`; compares equal to its name)."""

    __slots__ = ()


strided = layout("strided")
sparse_coo = layout("sparse_coo")
contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")
_NAMED = {str.__str__(x): x for x in (strided, sparse_coo, contiguous_format, channels_last,
                                      channels_last_3d, preserve_format)}


def _named(name):
    return _NAMED[name]


class UntypedStorage:
    """The memory block behind a tensor and all its views (`untyped_storage()`)."""

    __slots__ = ("_array",)

    def __init__(self, array):
        self._array = array

    def data_ptr(self):
        return self._array.__array_interface__["data"][0]

    def nbytes(self):
        return self._array.nbytes

    def size(self):
        return self._array.nbytes

    def __len__(self):
        return self._array.nbytes

    @property
    def device(self):
        return CPU

    def element_size(self):
        return 1

    def _bytes(self):
        root = self._array
        return root.reshape(-1).view(xp.uint8) if root.flags.c_contiguous else \
            xp.frombuffer(root.tobytes(), xp.uint8)

    def tolist(self):
        """The bytes of the storage as a list of ints."""
        return self._bytes().tolist()

    def __getitem__(self, i):
        return self._bytes()[i].tolist()

    def __setitem__(self, i, value):
        self._bytes()[i] = value

    def __iter__(self):
        return iter(self.tolist())


class TypedStorage:
    """The legacy typed view of a tensor's memory block (`tensor.storage()`): its elements
    in the tensor's dtype, as torch's deprecated TypedStorage."""

    __slots__ = ("_array", "dtype")

    def __init__(self, array, dtype):
        self._array = array
        self.dtype = dtype

    def _elements(self):
        root = self._array
        flat = root.reshape(-1) if root.flags.c_contiguous else \
            xp.frombuffer(root.tobytes(), xp.uint8)
        return flat.view(self.dtype.np)

    def size(self):
        return self._array.nbytes // self.dtype.itemsize

    def __len__(self):
        return self.size()

    def data_ptr(self):
        return self._array.__array_interface__["data"][0]

    def element_size(self):
        return self.dtype.itemsize

    def nbytes(self):
        return self._array.nbytes

    @property
    def device(self):
        return CPU

    def untyped(self):
        """The UntypedStorage of the same memory."""
        return UntypedStorage(self._array)

    _untyped_storage = property(untyped)

    def tolist(self):
        return self._elements().tolist()

    def __getitem__(self, i):
        return self._elements()[i].tolist()

    def __setitem__(self, i, value):
        self._elements()[i] = value

    def __iter__(self):
        return iter(self.tolist())

    def __repr__(self):
        body = "\n".join(f" {v}" for v in self.tolist())
        tail = (f"[ember.storage.TypedStorage(dtype={self.dtype}, device=cpu) of size "
                f"{self.size()}]")
        return f"{body}\n{tail}" if body else tail


def _root(a):
    while isinstance(a.base, ndarray):
        a = a.base
    return a


def _tensors_on(root, first):
    """`first` and every other live tensor whose array views the storage `root`."""
    found = [first]
    for o in gc.get_objects():
        # type(), not isinstance(): some objects' __class__ properties warn when read
        if issubclass(type(o), Tensor) and o is not first:
            a = getattr(o, "_data", None)
            if isinstance(a, ndarray) and _root(a) is root:
                found.append(o)
    return found


_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information.")

# the C++ element type names torch prints for a gradient's dtype
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
              "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
              "bool": "bool", "complex64": "c10::complex<float>",
              "complex128": "c10::complex<double>"}


def _check_grad(t, g):
    """torch's checks on `t.grad = g`: a tensor of t's dtype and shape, and not t itself."""
    if not isinstance(g, Tensor):
        raise TypeError("assigned grad expected to be a Tensor or None but got grad of type "
                        f"{type(g).__name__}")
    if g is t:
        raise RuntimeError("can't assign Variable as its own grad")
    if g.dtype is not t.dtype:
        from ember._ops.elementwise import _scalar_type_name
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{_CPP_NAMES[g.dtype.name]}' to a "
            f"tensor with grad_dtype '{_scalar_type_name(t.dtype)}'. The gradient must match "
            "the tensor's grad_dtype (defaults to the tensor's dtype). You can set the "
            "tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. "
            "Set grad_dtype with caution. Diverging the dtypes of a tensor and its gradient "
            "may break downstream systems that assume they match.")
    if g._data.shape != t._data.shape:
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(g._data.shape)}' to a tensor of "
            f"size '{list(t._data.shape)}'. Please ensure that the gradient and the tensor are "
            "the same size")


class Tensor:
    """A multi-dimensional array with torch's semantics and define-by-run autograd."""

    __module__ = "ember"  # type(x) shows <class 'ember.Tensor'>, as torch's torch.Tensor

    __slots__ = ("_data", "dtype", "device", "_requires_grad", "_grad", "grad_fn", "_output_nr",
                 "_vc", "_base", "_grad_acc", "_meta", "__weakref__")

    # torch.Tensor(...) constructor: sizes give an uninitialised tensor of the default dtype,
    # data is copied into one, and a tensor argument gives an alias of that tensor
    def __new__(cls, *args, device=None):
        return _construct(cls, args, device, None)

    def __init__(self, *args, **kwargs):
        pass

    def _init_from(self, data, dtype, requires_grad):
        self._data = data
        self.dtype = dtype
        self.device = CPU
        self._requires_grad = requires_grad
        self._grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._vc = None
        self._base = None
        self._grad_acc = None
        self._meta = None

    @staticmethod
    def _make(data, dtype, requires_grad, grad_fn):
        t = _new(Tensor)
        t._data = data
        t.dtype = dtype
        t.device = CPU
        t._requires_grad = requires_grad
        t._grad = None
        t.grad_fn = grad_fn
        t._output_nr = 0
        t._vc = None
        t._base = None
        t._grad_acc = None
        t._meta = None
        return t

    # -- autograd fields ------------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if value and self._meta is not None and "inference" in self._meta \
                and not _engine.GRAD.inference:
            raise RuntimeError("Setting requires_grad=True on inference tensor outside "
                               "InferenceMode is not allowed.")
        if self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if value and self.dtype.category < 2:
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad=True):
        """Set `requires_grad` in place and return self."""
        if requires_grad and self.dtype.category < 2:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.requires_grad = requires_grad
        return self

    # `.grad` is a property so assignments are checked as torch checks them; the engine and
    # the retain_grad hooks write the `_grad` slot directly
    @property
    def grad(self):
        """The gradient accumulated by backward (None until one arrives). Reading it on a
        non-leaf that does not retain its gradient warns, as torch does."""
        g = self._grad
        if g is None and self.grad_fn is not None and not (
                self._meta is not None and "retains_grad" in self._meta):
            warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value):
        if value is not None and (value.__class__ is not Tensor or value.dtype is not self.dtype
                                  or value._data.shape != self._data.shape or value is self):
            _check_grad(self, value)
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def _version(self):
        if self._meta is not None and "inference" in self._meta:
            raise RuntimeError("Inference tensors do not track version counter.")
        return 0 if self._vc is None else self._vc[0]

    def _bump_version(self):
        vc = self._vc
        if vc is None:
            self._vc = [1]
        else:
            vc[0] += 1

    @property
    def data(self):
        """The same values as a tensor outside autograd (shares memory, new version counter)."""
        t = Tensor._make(self._data, self.dtype, False, None)
        if self._meta is not None and "inference" in self._meta:
            t._meta = {"inference": True}
        return t

    @data.setter
    def data(self, other):
        self._data = other._data
        self.dtype = other.dtype

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def _base_tensor(self):
        return self._base

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor into the leaves' `.grad`, as torch's."""
        from ember import autograd
        autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def register_hook(self, hook):
        """Call `hook(grad)` when this tensor's gradient is computed; it may return a new one."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._register_tensor_hook(self._output_nr, hook)
        if self._meta is None:
            self._meta = {}
        hooks = self._meta.setdefault("hooks", {})
        return _engine._Handle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call `hook(tensor)` after a gradient is accumulated into this leaf's `.grad`."""
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        if self._meta is None:
            self._meta = {}
        hooks = self._meta.setdefault("post_hooks", {})
        return _engine._Handle(hooks, hook)

    def retain_grad(self):
        """Keep `.grad` for this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        if self._meta and self._meta.get("retains_grad"):
            return
        if self._meta is None:
            self._meta = {}
        ref = weakref.ref(self)

        def keep(grad):
            t = ref()
            if t is not None:
                if t._grad is None:
                    t._grad = grad.detach().clone() if not grad._requires_grad else grad
                else:
                    t._grad = t._grad + grad
            return None

        # the handle goes with the tensor: an in-place op that gives it a new grad_fn moves
        # the hook there (engine.move_retains_grad)
        self._meta["retains_grad"] = self.grad_fn._register_tensor_hook(
            self._output_nr, keep, retains=True)

    @property
    def retains_grad(self):
        return bool(self._meta and self._meta.get("retains_grad"))

    def detach(self):
        """A tensor sharing this one's memory (and version counter), outside the graph."""
        t = Tensor._make(self._data, self.dtype, False, None)
        if self._vc is None:
            self._vc = [0]
        t._vc = self._vc
        if self._meta is not None and "inference" in self._meta:
            t._meta = {"inference": True}
        return t

    def as_subclass(self, cls):
        """An instance of Tensor subclass `cls` sharing this tensor's memory, as torch's
        `Tensor.as_subclass`: it stays in the graph through an `AliasBackward0` node."""
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise TypeError(f"as_subclass(): argument 'cls' must be a subclass of Tensor, "
                            f"not {cls!r}")
        from ember._ops.shape import AliasBackward0, _view
        src = _view(AliasBackward0, self)
        out = _new(cls)
        for name in Tensor.__slots__[:-1]:  # every field but __weakref__
            object.__setattr__(out, name, getattr(src, name))
        return out

    def new(self, *args, device=None):
        """Legacy constructor with this tensor's dtype: `x.new(2, 3)` is uninitialised of that
        shape, `x.new([1, 2])` copies data, `x.new()` is empty (as torch.Tensor.new)."""
        return _construct(Tensor, args, device, self.dtype)

    def detach_(self):
        """Detach this tensor from the graph in place, making it a leaf."""
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    # -- shape and memory -----------------------------------------------------------------
    @property
    def shape(self):
        return _new_size(Size, self._data.shape)

    def size(self, dim=None):
        """The shape as an `ember.Size`, or the length of dimension `dim`."""
        shape = self._data.shape
        if dim is None:
            return _new_size(Size, shape)
        return shape[_wrap_dim(dim, len(shape))]

    def dim(self):
        """Number of dimensions."""
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self):
        return self._data.ndim

    def numel(self):
        """Number of elements."""
        return self._data.size

    nelement = numel

    def element_size(self):
        """Bytes per element."""
        return self.dtype.itemsize

    @property
    def itemsize(self):
        return self.dtype.itemsize

    @property
    def nbytes(self):
        return self._data.size * self.dtype.itemsize

    def stride(self, dim=None):
        """Steps in elements between neighbours along each dimension."""
        size = self.dtype.itemsize
        strides = tuple(s // size for s in self._data.strides)
        if self._data.ndim and self._data.size <= 1:
            strides = _contiguous_strides(self._data.shape)
        if dim is None:
            return strides
        return strides[_wrap_dim(dim, self._data.ndim)]

    def is_contiguous(self, memory_format=None):
        """True if the elements lie in row-major order without gaps (or, for
        memory_format=channels_last / channels_last_3d, in N, spatial..., C order)."""
        from ember._ops.shape import is_memory_format
        a = self._data
        if memory_format in (None, "contiguous_format", "preserve_format"):
            if a.flags.c_contiguous:
                return True
            memory_format = "contiguous_format"
        return is_memory_format(a, memory_format)

    def data_ptr(self):
        """Address of the first element."""
        return self._data.__array_interface__["data"][0]

    def untyped_storage(self):
        """The memory block shared by this tensor and all its views."""
        return UntypedStorage(_root(self._data))

    def storage(self):
        """The legacy typed storage of this tensor's memory block (deprecated in torch, with
        the same warning); prefer untyped_storage()."""
        warnings.warn("TypedStorage is deprecated. It will be removed in the future and "
                      "UntypedStorage will be the only storage class. This should only matter "
                      "to you if you are using storages directly.  To access UntypedStorage "
                      "directly, use tensor.untyped_storage() instead of tensor.storage()",
                      UserWarning, stacklevel=2)
        return TypedStorage(_root(self._data), self.dtype)

    def storage_offset(self):
        """Offset of the first element from the start of the storage, in elements."""
        root = _root(self._data)
        return (self.data_ptr() - root.__array_interface__["data"][0]) // self.dtype.itemsize

    def is_shared(self):
        """True when the storage lives in shared memory (after `share_memory_()`, or for a
        tensor received from another process), as torch.Tensor.is_shared."""
        return _shared.is_shared(_root(self._data))

    def is_pinned(self):
        """False: ember has no page-locked memory."""
        return False

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def is_cpu(self):
        return self.device.type == "cpu"

    @property
    def is_sparse(self):
        return False

    @property
    def is_quantized(self):
        return False

    @property
    def is_meta(self):
        return False

    @property
    def layout(self):
        return strided

    def is_floating_point(self):
        """True for float16/bfloat16/float32/float64."""
        return self.dtype.category == _dt.FLOAT

    def is_complex(self):
        """True for complex64/complex128."""
        return self.dtype.category == _dt.COMPLEX

    def is_signed(self):
        """True if the dtype holds negative values (not bool/uint8)."""
        return self.dtype.is_signed

    def is_inference(self):
        """True for tensors made under ember.inference_mode()."""
        return bool(self._meta and self._meta.get("inference"))

    def get_device(self):
        """The device index: -1 for CPU tensors."""
        return -1 if self.device.type == "cpu" else (self.device.index or 0)

    # -- Python protocol ------------------------------------------------------------------
    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous"
                if self._data.size else "Boolean value of Tensor with no values is ambiguous")
        return bool(self._data.reshape(()))

    def _scalar(self, kind):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.reshape(()).item() if kind is None else kind(self._data.reshape(()))

    def _real_scalar(self, name):
        v = self._scalar(None)
        if self.dtype.category == _dt.COMPLEX:
            if v.imag:
                raise RuntimeError(f"value cannot be converted to type {name} without overflow")
            v = v.real
        return v

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        v = self._data.reshape(()).item()
        if self.dtype is _dt.bfloat16:
            v = float(v)
        return v

    def __float__(self):
        return float(self._real_scalar("double"))

    def __int__(self):
        return int(self._real_scalar("int64_t"))

    def __complex__(self):
        return complex(self._scalar(None))

    def __index__(self):
        if self.dtype.category > _dt.INT or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self._scalar(None))

    def tolist(self):
        """Nested Python lists of Python numbers (a number for a 0-d tensor)."""
        data = self._data
        if self.dtype is _dt.bfloat16:
            data = data.astype(xp.float32)
        return data.tolist()

    def numpy(self, *, force=False):
        """A NumPy array sharing this tensor's memory (RuntimeError if it requires grad)."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead.")
        if self.device.type != "cpu":
            raise TypeError(f"can't convert {self.device.type} device type tensor to numpy. "
                            "Use Tensor.cpu() to copy the tensor to host memory first.")
        if self.dtype is _dt.bfloat16:
            raise TypeError("Got unsupported ScalarType BFloat16")
        return self._data

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        if dtype is not None and a.dtype != dtype:
            if copy is False:
                raise ValueError("Unable to avoid copy while creating an array as requested.")
            return a.astype(dtype)
        return a.copy() if copy else a

    def __array_wrap__(self, array, context=None, return_scalar=False):
        if return_scalar:
            return array[()]
        from ember._ops.creation import from_numpy
        return from_numpy(xp.ascontiguousarray(array))

    __array_priority__ = 1000

    def __hash__(self):
        return id(self)

    def __format__(self, spec):
        if self._data.ndim == 0:  # a 0-d tensor formats as its Python number
            return format(self.item(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return str(self)

    def __repr__(self, *, tensor_contents=None):
        from ember._printing import tensor_repr
        return tensor_repr(self)

    def __str__(self):
        return self.__repr__()

    def __dlpack__(self, stream=None, **kwargs):
        """A DLPack capsule viewing this tensor's memory (the DLPack protocol)."""
        if self._requires_grad:
            raise BufferError("Can't export tensors that require gradient, use "
                              "tensor.detach()")
        if self.dtype is _dt.bfloat16:
            raise BufferError("ember cannot export bfloat16 tensors through DLPack yet")
        return self._data.__dlpack__(**kwargs) if kwargs else self._data.__dlpack__()

    def __dlpack_device__(self):
        """(device type, index) as DLPack numbers them: (1, 0) for the CPU."""
        return self._data.__dlpack_device__()

    # -- copying and pickling -------------------------------------------------------------
    def __reduce_ex__(self, protocol):
        root = _root(self._data)
        size = self.dtype.itemsize
        offset = (self.data_ptr() - root.__array_interface__["data"][0]) // size
        strides = tuple(s // size for s in self._data.strides)
        return (_rebuild, (root, self.dtype.name, self._data.shape, strides, offset,
                           self._requires_grad, type(self)))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.")
        if id(self) in memo:
            return memo[id(self)]
        root = _root(self._data)
        new_root = memo.get(id(root))
        if new_root is None:
            new_root = memo[id(root)] = root.copy()
        t = _rebuild(new_root, self.dtype.name, self._data.shape,
                     tuple(s // self.dtype.itemsize for s in self._data.strides),
                     (self.data_ptr() - root.__array_interface__["data"][0])
                     // self.dtype.itemsize, self._requires_grad, type(self))
        if self.grad is not None:
            t.grad = self.grad.__deepcopy__(memo)
        if type(self) is not Tensor:
            for k, v in getattr(self, "__dict__", {}).items():
                import copy
                t.__dict__[k] = copy.deepcopy(v, memo)
        memo[id(self)] = t
        return t

    # -- devices and dtypes ---------------------------------------------------------------
    def to(self, *args, **kwargs):
        """Return a tensor on the given device and/or with the given dtype (self if nothing
        changes): `to(dtype)`, `to(device, dtype)`, `to(other)`, with `copy=` and
        `non_blocking=` accepted."""
        device = kwargs.pop("device", None)
        dtype = kwargs.pop("dtype", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        fmt = kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {list(kwargs)}")
        if args:
            first, rest = args[0], args[1:]
            if isinstance(first, Tensor):
                device, dtype = first.device, first.dtype
            elif _is_dtype(first):
                dtype = first
            elif first is None or (isinstance(first, (str, _device_cls, int))
                                   and not isinstance(first, bool)):
                device = first
                if rest and (rest[0] is None or _is_dtype(rest[0])):
                    dtype, rest = rest[0], rest[1:]
            else:
                rest = args
            # what may follow: the flags non_blocking and copy
            if len(rest) > 2 or not all(isinstance(a, bool) for a in rest):
                raise TypeError("to() received an invalid combination of arguments - got ("
                                + ", ".join(type(a).__name__ for a in args) + ")")
            if len(rest) == 2:
                copy = rest[1]
        if device is not None:
            to_device(device)
        if dtype is not None:
            dtype = _dt.to_dtype(dtype)
        if fmt is not None and fmt != "preserve_format":
            from ember._ops.shape import check_memory_format, suggest_memory_format
            check_memory_format(self._data.ndim, fmt)
            # as torch, a tensor whose strides already suggest the format is kept
            if suggest_memory_format(self._data) != fmt:
                return self._to_dtype(dtype or self.dtype, fmt)
        if (dtype is None or dtype is self.dtype) and not copy:
            return self
        return self._to_dtype(dtype or self.dtype, fmt)

    def _to_dtype(self, dtype, memory_format=None):
        from ember._ops.elementwise import _to_copy
        from ember._ops.shape import empty_layout
        out = _to_copy(self, dtype)
        # torch's strides for the format (or self's, preserved): the cast may have chosen
        # others; relaid out while nothing else can see the new tensor's array
        want = empty_layout(self._data, memory_format, out._data.dtype)
        if want.strides != out._data.strides:
            want[...] = out._data
            out._data = want
        return out

    def cpu(self, memory_format=None):
        """This tensor on the CPU (self, since that is where it lives)."""
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        """Move to a CUDA device: raises RuntimeError while ember has no CUDA backend."""
        to_device("cuda" if device is None else
                  device if not isinstance(device, int) else f"cuda:{device}")
        return self

    def type(self, dtype=None, non_blocking=False):
        """The type name (`'ember.FloatTensor'`) or a copy converted to `dtype`."""
        if dtype is None:
            return "ember." + _TYPE_NAMES[self.dtype.name]
        if isinstance(dtype, str):
            lib, _, name = dtype.rpartition(".")
            if lib in ("ember.cuda", "torch.cuda"):
                to_device("cuda")
            if lib not in ("ember", "torch") or name not in _TYPE_DTYPES:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = _TYPE_DTYPES[name]
        elif isinstance(dtype, _LegacyType):
            dtype = dtype.dtype
        elif not isinstance(dtype, _dt.dtype):
            raise ValueError(f"invalid type: '{getattr(dtype, '__name__', dtype)}'")
        return self.to(dtype)

    def float(self, memory_format=None):
        """self.to(ember.float32): self if already float32, else a converted copy."""
        return self.to(_dt.float32, memory_format=memory_format)

    def double(self, memory_format=None):
        """self.to(ember.float64): self if already float64, else a converted copy."""
        return self.to(_dt.float64, memory_format=memory_format)

    def half(self, memory_format=None):
        """self.to(ember.float16): self if already float16, else a converted copy."""
        return self.to(_dt.float16, memory_format=memory_format)

    def bfloat16(self, memory_format=None):
        """self.to(ember.bfloat16): self if already bfloat16, else a converted copy."""
        return self.to(_dt.bfloat16, memory_format=memory_format)

    def long(self, memory_format=None):
        """self.to(ember.int64): self if already int64, else a converted copy."""
        return self.to(_dt.int64, memory_format=memory_format)

    def int(self, memory_format=None):
        """self.to(ember.int32): self if already int32, else a converted copy."""
        return self.to(_dt.int32, memory_format=memory_format)

    def short(self, memory_format=None):
        """self.to(ember.int16): self if already int16, else a converted copy."""
        return self.to(_dt.int16, memory_format=memory_format)

    def char(self, memory_format=None):
        """self.to(ember.int8): self if already int8, else a converted copy."""
        return self.to(_dt.int8, memory_format=memory_format)

    def byte(self, memory_format=None):
        """self.to(ember.uint8): self if already uint8, else a converted copy."""
        return self.to(_dt.uint8, memory_format=memory_format)

    def bool(self, memory_format=None):
        """self.to(ember.bool): self if already bool, else a converted copy."""
        return self.to(_dt.bool, memory_format=memory_format)

    def cfloat(self, memory_format=None):
        """self.to(ember.complex64): self if already complex64, else a converted copy."""
        return self.to(_dt.complex64, memory_format=memory_format)

    def cdouble(self, memory_format=None):
        """self.to(ember.complex128): self if already complex128, else a converted copy."""
        return self.to(_dt.complex128, memory_format=memory_format)

    def type_as(self, other):
        """This tensor converted to `other`'s dtype."""
        return self.to(other.dtype)

    def pin_memory(self, device=None):
        """Page-locked memory needs an accelerator: raises RuntimeError (there is none)."""
        raise RuntimeError("Cannot access accelerator device when none is available.")

    def share_memory_(self):
        """Move the storage into shared memory, in place, as torch.Tensor.share_memory_: a
        process that gets this tensor (inherited by fork, or pickled to a spawned process
        or through an ember.multiprocessing.Queue) then reads and writes the same memory.
        Other tensors viewing the same storage move with it. No-op if already shared;
        returns self."""
        root = _root(self._data)
        if _shared.is_shared(root):
            return self
        if not (root.flags.c_contiguous or root.flags.f_contiguous):
            # storage of an odd layout: only this tensor's elements move
            block = _shared.empty(self._data.nbytes)
            new = ndarray(self._data.shape, self._data.dtype, buffer=block)
            new[...] = self._data
            self._data = new
            return self
        block = _shared.empty(root.nbytes)
        ndarray(root.shape, root.dtype, buffer=block, strides=root.strides)[...] = root
        # references to root here: `root`, getrefcount's argument and self's own array;
        # any more means other tensors view this storage, found by a (slower) heap scan
        holders = [self] if sys.getrefcount(root) <= 3 else _tensors_on(root, self)
        start = root.__array_interface__["data"][0]
        for t in holders:
            a = t._data
            new = ndarray(a.shape, a.dtype, buffer=block, strides=a.strides,
                          offset=a.__array_interface__["data"][0] - start)
            if not a.flags.writeable:
                new.flags.writeable = False
            t._data = new
        return self


_new = object.__new__


def _construct(cls, args, device, dtype):
    """torch.Tensor(*args) and the legacy typed constructors (`dtype` given)."""
    from ember._ops import creation
    d = dtype or _dt.get_default_dtype()
    if len(args) == 1 and isinstance(args[0], Tensor):
        src = args[0]
        if dtype is not None and src.dtype is not d:
            raise TypeError(f"expected {d} tensor (got {src.dtype} tensor)")
    elif len(args) == 1 and not isinstance(args[0], (int, Size)):
        if isinstance(args[0], (float, complex, bool)):
            raise TypeError(f"new(): data must be a sequence (got "
                            f"{type(args[0]).__name__})")
        src = creation.tensor(args[0], dtype=d, device=device)
    else:
        src = creation.empty(*(args or (0,)), dtype=d, device=device)
    self = object.__new__(cls)
    self._init_from(src._data, src.dtype, False)
    return self


_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor",
               "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor",
               "bool": "BoolTensor", "complex64": "ComplexFloatTensor",
               "complex128": "ComplexDoubleTensor"}
_TYPE_DTYPES = {v: _dt._BY_NAME[k] for k, v in _TYPE_NAMES.items()}


class _LegacyType(type):
    """The metaclass of the legacy tensor types (`ember.FloatTensor`, ...): calling one builds
    a tensor of its dtype, and `isinstance` checks a tensor's dtype."""

    def __call__(cls, *args, device=None):
        return _construct(Tensor, args, device, cls.dtype)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype

    def __repr__(cls):
        return f"<class 'ember.{cls.__name__}'>"


# ember.FloatTensor, ember.LongTensor, ...: torch's legacy per-dtype tensor types (torch has
# none for the complex dtypes, though `type()` names them)
LEGACY_TYPES = {name: _LegacyType(name, (), {"dtype": d, "__module__": "ember",
                                             "__doc__": f"Legacy constructor of {d} tensors."})
                for name, d in _TYPE_DTYPES.items() if not name.startswith("Complex")}


def _is_dtype(a):
    return isinstance(a, _dt.dtype) or a is float or a is int or a is bool or a is complex


def _contiguous_strides(shape):
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(strides))


def _wrap_dim(dim, ndim):
    """Turn a possibly negative dim into an index, with torch's IndexError when out of range."""
    n = ndim if ndim else 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


def _rebuild(root, dtype_name, shape, strides, offset, requires_grad, cls=Tensor):
    dtype = _dt._BY_NAME[dtype_name]
    size = dtype.itemsize
    byte_strides = tuple(s * size for s in strides)
    if root.flags.c_contiguous and root.flags.writeable:
        # a view whose .base is root, so storage, offsets and sharing survive the copy
        data = xp.ndarray(shape, dtype.np, buffer=root, offset=offset * size,
                          strides=byte_strides)
    else:
        flat = root.reshape(-1).view(xp.uint8)
        data = xp.lib.stride_tricks.as_strided(flat[offset * size:].view(dtype.np),
                                               shape=shape, strides=byte_strides)
    if cls is Tensor:
        t = Tensor._make(data, dtype, requires_grad, None)
    else:
        t = _new(cls)
        t._init_from(data, dtype, requires_grad)
    return t


_engine.Tensor = Tensor
