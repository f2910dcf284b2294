"""autograd.Function: user-defined ops with their own forward and backward."""
import functools

from ember._ops import engine as _engine
from ember._ops.engine import GRAD, Node


class FunctionCtx:
    """What a Function's forward and backward share: saved tensors and flags."""

    def save_for_backward(self, *tensors):
        """Keep tensors for backward (checked against in-place changes)."""
        saved = []
        for t in tensors:
            if t is None:
                saved.append(None)
                continue
            if t._vc is None:
                t._vc = [0]
            saved.append((t, t._vc[0]))
        self._to_save = saved

    def save_for_forward(self, *tensors):
        self._forward_saved = tensors

    def mark_dirty(self, *tensors):
        """Declare inputs modified in place by forward."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        """Declare outputs that get no gradient."""
        self._non_diff = tensors

    def set_materialize_grads(self, value):
        """With False, backward receives None (not zeros) for outputs without a gradient."""
        self._materialize = bool(value)


class BackwardCFunction(Node, FunctionCtx):
    """The graph node of one call of a custom Function; also its `ctx`."""

    _materialize = True
    _to_save = None
    _dirty = ()
    _non_diff = ()

    @property
    def saved_tensors(self):
        return tuple(self.saved())

    saved_variables = saved_tensors

    def backward(self, *grads):
        if self._materialize and self._out_meta is None and grads[0] is None:
            grads = (_engine._zeros(self._single_meta),)
        fn = self._cls.backward
        result = fn(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n_args = len(self._arg_is_tensor)
        if len(result) < n_args:
            if len(result) != sum(self._arg_is_tensor):
                raise RuntimeError(f"function {type(self).__name__} returned an incorrect "
                                   f"number of gradients (expected {n_args}, got "
                                   f"{len(result)})")
        elif len(result) > n_args:
            extra = result[n_args:]
            if any(r is not None for r in extra):
                raise RuntimeError(f"function {type(self).__name__} returned an incorrect "
                                   f"number of gradients (expected {n_args}, got "
                                   f"{len(result)})")
            result = result[:n_args]
        if len(result) == n_args:
            result = tuple(r for r, is_t in zip(result, self._arg_is_tensor) if is_t)
        return result

    def apply(self, *grads):
        return self.backward(*grads)


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_cls": cls})


class Function(metaclass=_FunctionMeta):
    """Subclass with static `forward(ctx, ...)` and `backward(ctx, *grads)`; call `apply`."""

    generate_vmap_rule = False

    def __init__(self, *args, **kwargs):
        pass

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor = _engine.Tensor
        ctx = cls._backward_cls.__new__(cls._backward_cls)
        is_tensor = tuple(isinstance(a, Tensor) for a in args)
        ctx._arg_is_tensor = is_tensor
        ctx.needs_input_grad = tuple(t and a._requires_grad for a, t in zip(args, is_tensor))
        prev = GRAD.enabled
        GRAD.enabled = False
        try:
            if cls.setup_context is not Function.setup_context and \
                    cls.forward.__code__.co_varnames[:1] != ("ctx",):
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        finally:
            GRAD.enabled = prev
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        recording = prev and any(a._requires_grad for a, t in zip(args, is_tensor) if t)
        if not recording:
            return outputs
        tensor_inputs = [a for a, t in zip(args, is_tensor) if t]
        _engine.record_custom(ctx, tensor_inputs, outs)
        if ctx._to_save is not None:
            ctx._saved = ctx._to_save
        non_diff = {id(t) for t in ctx._non_diff}
        dirty = {id(t) for t in ctx._dirty}
        new_outs = []
        diff_meta = []
        for nr, o in enumerate(outs):
            if not isinstance(o, Tensor):
                new_outs.append(o)
                continue
            if id(o) in dirty:
                t = o
            elif any(o is a for a in tensor_inputs):
                t = Tensor._make(o._data, o.dtype, False, None)  # an alias, not the input
            else:
                t = o
            if id(o) in non_diff or o.dtype.category < 2:
                t._requires_grad = False
                t.grad_fn = None
            else:
                t.grad_fn = ctx
                t._requires_grad = True
                t._output_nr = nr
            diff_meta.append((o._data.shape, o.dtype))
            new_outs.append(t)
        ctx._single_meta = diff_meta[0] if diff_meta else None
        if len(outs) > 1:
            ctx._out_meta = [(o._data.shape, o.dtype) if isinstance(o, Tensor) else ((), None)
                             for o in outs]
        return new_outs[0] if single else tuple(new_outs)


def once_differentiable(fn):
    """Decorate a Function's backward that cannot itself be differentiated."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        prev = GRAD.enabled
        GRAD.enabled = False
        try:
            return fn(ctx, *args)
        finally:
            GRAD.enabled = prev
    return wrapper


class InplaceFunction(Function):
    def __init__(self, inplace=False):
        self.inplace = inplace


class NestedIOFunction(Function):
    pass
