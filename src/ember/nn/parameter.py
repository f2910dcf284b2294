"""Parameter, Buffer and the uninitialized (lazy) kinds, as torch.nn.parameter."""
from ember._backend import dtypes as _dt
from ember._tensor import Tensor


def _empty(shape=(0,), dtype=None):
    from ember._ops.creation import empty
    return empty(shape, dtype=dtype)


class Parameter(Tensor):
    """A tensor that is a module's learnable weight, as torch.nn.Parameter.

    Assigning a Parameter as a Module attribute registers it (it then appears in
    `parameters()`). `Parameter(data, requires_grad=True)` shares `data`'s memory; it
    requires grad by default (even under no_grad) and prints as `Parameter containing:`.
    Operations on a Parameter return plain Tensors.
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = _empty()
        elif not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not "
                            f"{type(data).__name__}")
        if requires_grad and data.dtype.category < _dt.FLOAT:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        self = object.__new__(cls)
        self._init_from(data._data, data.dtype, bool(requires_grad))
        if data._vc is None:
            data._vc = [0]
        self._vc = data._vc  # an alias of data: in-place changes show in both
        return self

    def __init__(self, data=None, requires_grad=True):
        pass

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result  # as torch: the gradient is not copied
        return result

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self.data, self.requires_grad, type(self),
                                     dict(self.__dict__)))

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def _rebuild_parameter(data, requires_grad, cls=Parameter, state=None):
    p = Parameter.__new__(cls, data, requires_grad)
    if state:
        p.__dict__.update(state)
    return p


class _UninitializedMixin:
    """Shared behaviour of UninitializedParameter/UninitializedBuffer: no shape until
    `materialize(shape)` turns them into a regular Parameter/Tensor."""

    __slots__ = ()

    def materialize(self, shape, device=None, dtype=None):
        """Give the tensor its shape (uninitialized values), dtype and device, turning it into
        `cls_to_become` in place."""
        if dtype is None:
            dtype = self.dtype
        new = _empty(tuple(shape) if not isinstance(shape, int) else (shape,), dtype=dtype)
        self._data = new._data
        self.dtype = new.dtype
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually "
            "happens in `load_state_dict` when trying to load an uninitialized parameter into "
            "an initialized one. Call `forward` to initialize the parameters before accessing "
            "their attributes.")

    def share_memory_(self):
        raise RuntimeError(
            "Can't share memory on an uninitialized parameter or buffer. Call `forward` to "
            "initialize the parameters before calling `module.share_memory()`.")

    def __repr__(self):
        return f"<{type(self).__name__}>"

    def __reduce_ex__(self, protocol):
        return (type(self), (self.requires_grad,))


class UninitializedParameter(_UninitializedMixin, Parameter):
    """A parameter whose shape is not known yet (LazyLinear, LazyConv2d):
    `materialize(shape)` makes it a regular Parameter."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        return Parameter.__new__(cls, _empty(dtype=dtype), requires_grad)

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.requires_grad, None, self.dtype)
        memo[id(self)] = result
        return result


class UninitializedBuffer(_UninitializedMixin, Tensor):
    """A buffer whose shape is not known yet: `materialize(shape)` makes it a Tensor."""

    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        data = _empty(dtype=dtype)
        self = object.__new__(cls)
        self._init_from(data._data, data.dtype, requires_grad)
        self._meta = {"persistent": persistent}
        return self

    def __init__(self, requires_grad=False, device=None, dtype=None, persistent=True):
        pass

    def __reduce_ex__(self, protocol):
        return (type(self), (self.requires_grad,))


def is_lazy(param):
    """True for an UninitializedParameter or UninitializedBuffer."""
    return isinstance(param, _UninitializedMixin)


_is_lazy = is_lazy


class _BufferMeta(type):
    # `Buffer(t)` returns a plain Tensor marked as a buffer; isinstance recognises the mark
    def __instancecheck__(cls, instance):
        if cls is Buffer and isinstance(instance, Tensor):
            meta = instance._meta
            if meta is not None and meta.get("is_buffer"):
                return True
        return super().__instancecheck__(instance)


class Buffer(Tensor, metaclass=_BufferMeta):
    """Marks a tensor to be registered as a module buffer when assigned to a Module
    attribute, as torch.nn.Buffer: `Buffer(data, persistent=True)` returns a detached alias
    of `data` (a plain Tensor) carrying the mark and the `persistent` flag."""

    __slots__ = ()

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = _empty()
        t = data.detach()
        t._requires_grad = data._requires_grad
        t._meta = dict(t._meta or (), is_buffer=True, persistent=persistent)
        return t
