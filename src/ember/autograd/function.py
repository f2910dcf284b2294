"""autograd.Function: user-defined ops with their own forward and backward.

A call `MyFn.apply(*args)` runs `forward` with grad mode off, then (when grad mode is on and
a tensor argument requires grad) attaches one node of class `MyFnBackward` to the outputs.
That node is also the `ctx` forward saw: saved tensors, flags and user attributes live on it.
"""
import functools

from ember._ops import engine as _engine
from ember._ops.engine import GRAD, Node


class FunctionCtx:
    """What a Function's forward and backward share: saved tensors and flags."""

    def save_for_backward(self, *tensors):
        """Keep tensors (or None) for backward; in-place changes to them made after forward
        are detected when backward reads `ctx.saved_tensors`."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, _engine.Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{i} is of type {type(t).__name__}")
        self._to_save = tensors

    def save_for_forward(self, *tensors):
        """Keep tensors for the Function's forward-mode `jvp` (read there as
        `ctx.saved_tensors`)."""
        self._forward_saved = tensors

    def mark_dirty(self, *tensors):
        """Declare the inputs that forward modified in place (they must be returned)."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        """Declare outputs that get no gradient (they will not require grad)."""
        self._non_diff = tensors

    def set_materialize_grads(self, value):
        """With False, backward receives None (not zeros) for outputs that got no gradient."""
        self._materialize_grads = bool(value)


class BackwardCFunction(Node, FunctionCtx):
    """The graph node of one call of a custom Function; also its `ctx`."""

    _materialize = False  # the engine leaves missing grads alone; backward fills them in
    _materialize_grads = True
    _to_save = None
    _dirty = ()
    _non_diff = ()
    _grad_meta = ()
    needs_input_grad = ()  # one flag per forward argument, set by apply

    @property
    def saved_tensors(self):
        """The tensors given to save_for_backward, checked against in-place changes."""
        if self._saved is None and not self._released and self._to_save is not None:
            raise RuntimeError("saved_tensors can only be read once forward has finished")
        return tuple(self.saved())

    saved_variables = saved_tensors

    def backward(self, *grads):
        if self._materialize_grads:
            grads = tuple(_engine._zeros(m) if g is None and m is not None else g
                          for g, m in zip(grads, self._grad_meta))
        result = self._cls.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        is_tensor = self._arg_is_tensor
        n_args = len(is_tensor)
        if len(result) > n_args and all(r is None for r in result[n_args:]):
            result = result[:n_args]
        if len(result) != n_args:
            raise RuntimeError(f"function {type(self).__name__} returned an incorrect number of "
                               f"gradients (expected {n_args}, got {len(result)})")
        out = []
        for i, (r, t) in enumerate(zip(result, is_tensor)):
            if t:
                out.append(r)
            elif r is not None:
                raise RuntimeError(
                    f"function {type(self).__name__} returned a gradient different than None "
                    f"at position {i + 1}, but the corresponding forward input was not a "
                    "Variable")
        return tuple(out)

    def apply(self, *grads):
        """Run this node's backward on `grads` (as torch's `grad_fn.apply`)."""
        return self.backward(*grads)


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        if "vjp" in attrs and "backward" not in attrs:
            cls.backward = attrs["vjp"]  # a subclass that defined only vjp
        # torch names the node after the class: MyFn -> MyFnBackward
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_cls": cls})


class Function(metaclass=_FunctionMeta):
    """Base class of custom differentiable ops, as torch.autograd.Function.

    Subclass with static `forward(ctx, *args)` (or `forward(*args)` plus
    `setup_context(ctx, inputs, output)`) and `backward(ctx, *grad_outputs)` returning one
    gradient per forward argument (None for non-tensors); call it with `MyFn.apply(*args)`.
    """

    generate_vmap_rule = False

    def __init__(self, *args, **kwargs):
        pass

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """Compute the outputs (runs with grad mode off)."""
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Save what backward needs when forward does not take a ctx."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """Gradients of the inputs given the gradients of the outputs."""
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Forward-mode derivative: the outputs' tangents given the inputs' tangents (used
        inside autograd.forward_ad.dual_level)."""
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward on `args` and, when recording, attach this Function's node."""
        Tensor = _engine.Tensor
        ctx = cls._backward_cls.__new__(cls._backward_cls)
        is_tensor = tuple(isinstance(a, Tensor) for a in args)
        ctx._arg_is_tensor = is_tensor
        ctx.needs_input_grad = tuple(t and a._requires_grad for a, t in zip(args, is_tensor))
        recording = GRAD.enabled and any(ctx.needs_input_grad)
        level = GRAD.fw
        tangents = None
        if level is not None:  # forward AD: forward runs without tangents, then jvp
            tangents = [_engine.tangent_of(a) if t else None for a, t in zip(args, is_tensor)]
            if all(tg is None for tg in tangents):
                tangents = None
            GRAD.fw = None
        prev = GRAD.enabled
        GRAD.enabled = False
        try:
            if _uses_setup_context(cls):
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
            out_t = None if tangents is None else _run_jvp(cls, ctx, args, is_tensor, tangents)
        finally:
            GRAD.enabled = prev
            GRAD.fw = level
        if recording:
            outputs = _attach(ctx, [a for a, t in zip(args, is_tensor) if t], outputs)
        if out_t is not None:
            outs = outputs if isinstance(outputs, tuple) else (outputs,)
            for o, tg in zip(outs, out_t):
                if isinstance(o, Tensor) and tg is not None:
                    _engine.set_tangent(o, tg, level)
        return outputs

    @staticmethod
    def vmap(info, in_dims, *args):
        raise NotImplementedError("ember does not implement vmap for autograd.Function")


def _run_jvp(cls, ctx, args, is_tensor, tangents):
    """The output tangents of a Function call under forward AD, from its `jvp(ctx,
    *tangents)` (zeros for tensors without a tangent, None for non-tensors); there
    `ctx.saved_tensors` are the tensors given to save_for_forward."""
    if cls.jvp is Function.jvp:
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")
    ins = [None if not t else (tg if tg is not None else a.new_zeros(a.shape))
           for a, t, tg in zip(args, is_tensor, tangents)]
    fw_saved = getattr(ctx, "_forward_saved", None)
    if fw_saved is not None:
        ctx._saved = [None if t is None else (t, t._vc[0] if t._vc else 0) for t in fw_saved]
    try:
        out = cls.jvp(ctx, *ins)
    finally:
        ctx.__dict__.pop("_saved", None)
    return (out,) if not isinstance(out, (tuple, list)) else tuple(out)


def _uses_setup_context(cls):
    if cls.setup_context is Function.setup_context:
        return False
    code = cls.forward.__code__
    return code.co_argcount == 0 or code.co_varnames[0] != "ctx"


def _attach(ctx, tensor_inputs, outputs):
    """Make `ctx` the grad_fn of the differentiable outputs, as torch's Function.apply."""
    Tensor = _engine.Tensor
    _engine.record_custom(ctx, tensor_inputs, ())
    single = not isinstance(outputs, tuple)
    outs = (outputs,) if single else outputs
    non_diff = {id(t) for t in ctx._non_diff}
    dirty = {id(t) for t in ctx._dirty}
    inputs_by_id = {id(a): a for a in tensor_inputs}
    new_outs, meta = [], []
    for nr, o in enumerate(outs):
        if not isinstance(o, Tensor):
            new_outs.append(o)
            meta.append(None)
            continue
        if id(o) in dirty:
            if o._requires_grad and o.grad_fn is None:
                raise RuntimeError("a leaf Variable that requires grad has been used in an "
                                   "in-place operation.")
            o._bump_version()
            t = o
        elif id(o) in inputs_by_id:  # an input returned as is: a new tensor aliasing it
            t = Tensor._make(o._data, o.dtype, False, None)
            if o._vc is None:
                o._vc = [0]
            t._vc = o._vc
            t._base = o._base if o._base is not None else o
        else:
            t = o
        if id(o) in non_diff or o.dtype.category < 2:
            t._requires_grad = False
            t.grad_fn = None
        else:
            t.grad_fn = ctx
            t._requires_grad = True
            t._output_nr = nr
        meta.append((o._data.shape, o.dtype))
        new_outs.append(t)
    ctx._grad_meta = meta
    if not single:
        ctx._out_meta = meta
    _save(ctx, new_outs, outs)
    return new_outs[0] if single else tuple(new_outs)


def _save(ctx, new_outs, outs):
    """Record the saved tensors with their versions now that forward is over. A saved output
    is kept by data (rebuilt on access) so the node does not keep itself alive."""
    if ctx._to_save is None:
        return
    out_ids = {}
    for nr, (o, t) in enumerate(zip(outs, new_outs)):
        if isinstance(t, _engine.Tensor) and t.grad_fn is ctx:
            out_ids[id(o)] = out_ids[id(t)] = (nr, t)
    saved = []
    for s in ctx._to_save:
        if s is None:
            saved.append(None)
            continue
        if s._vc is None:
            s._vc = [0]
        hit = out_ids.get(id(s))
        if GRAD.saved_hooks:  # under saved_tensors_hooks: pack now, unpack in backward
            saved.append(_engine.pack_saved(s) if hit is None else
                         _engine.pack_saved(hit[1], hit[0]))
        elif hit is not None:
            nr, t = hit
            if t._vc is None:
                t._vc = [0]
            saved.append(((t._data, t.dtype, t._vc, nr), t._vc[0]))
        else:
            saved.append((s, s._vc[0]))
    ctx._saved = saved
    ctx._to_save = None


class Error(Node):
    """Node standing in for the backward of a once_differentiable Function's backward:
    differentiating through it raises."""

    def backward(self, *grads):
        raise RuntimeError("trying to differentiate twice a function that was marked with "
                           "@once_differentiable")


def once_differentiable(fn):
    """Decorate a Function's backward that cannot itself be differentiated: it runs with grad
    mode off, and a later attempt to differentiate its result raises RuntimeError."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        prev = GRAD.enabled
        GRAD.enabled = False
        try:
            outputs = fn(ctx, *args)
        finally:
            GRAD.enabled = prev
        if not prev:
            return outputs
        Tensor = _engine.Tensor
        grads = [a for a in args if isinstance(a, Tensor) and a._requires_grad]
        if not grads:
            return outputs
        node = Error.__new__(Error)
        _engine.record_custom(node, grads, ())
        single = not isinstance(outputs, tuple)
        outs = []
        for o in ((outputs,) if single else outputs):
            if isinstance(o, Tensor) and o.dtype.category >= 2:
                o = Tensor._make(o._data, o.dtype, True, node)
            outs.append(o)
        return outs[0] if single else tuple(outs)
    return wrapper


class InplaceFunction(Function):
    """A Function taking an `inplace` flag (legacy torch API)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class NestedIOFunction(Function):
    """Legacy torch API kept for imports."""
