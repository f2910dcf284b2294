"""Parameter: a Tensor subclass that Modules register as a learnable weight.

(A first version; the Module work extends it.)
"""
from ember._tensor import Tensor


class Parameter(Tensor):
    """A tensor that is a module's learnable weight: requires grad by default and prints as
    `Parameter containing:`."""

    def __new__(cls, data=None, requires_grad=True):
        from ember._ops.creation import empty
        if data is None:
            data = empty(0)
        self = object.__new__(cls)
        self._init_from(data._data, data.dtype, requires_grad)
        return self

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class UninitializedParameter(Parameter):
    """A parameter whose shape is set on first use (LazyLinear, LazyConv2d)."""


class Buffer(Tensor):
    """Marks a tensor to be registered as a module buffer when assigned to a Module."""

    def __new__(cls, data=None, *, persistent=True):
        from ember._ops.creation import empty
        if data is None:
            data = empty(0)
        self = object.__new__(cls)
        self._init_from(data._data, data.dtype, False)
        self.persistent = persistent
        return self

    def __init__(self, data=None, *, persistent=True):
        pass
