"""ember.utils.checkpoint: activation checkpointing, as torch.utils.checkpoint.

A checkpointed region keeps only its inputs and outputs during forward; backward runs the
region's forward again (with the RNG state of the first run, so dropout draws the same mask)
to get the activations its gradients need.

Two variants, as in torch:

- ``use_reentrant=True``: forward runs under ``no_grad`` inside one custom Function
  (``grad_fn`` prints ``CheckpointFunctionBackward``); its backward reruns the region with
  grad enabled and calls ``ember.autograd.backward`` on the recomputed outputs.
- ``use_reentrant=False``: forward records the region's real graph (``grad_fn`` is the last
  op's own node), then drops what its nodes saved. The first node to need its saved tensors
  reruns the region, and each original node takes the saved tensors of its recomputed twin
  (nodes are paired in creation order; ``determinism_check`` compares their metadata).
"""
import contextlib
import warnings

import ember
from ember._backend import xp
from ember._ops import engine as _engine
from ember.autograd.function import BackwardCFunction as _BackwardCFunction
from ember.autograd.function import Function

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError", "CheckpointFunction",
           "check_backward_validity", "detach_variable", "noop_context_fn",
           "get_device_states", "set_device_states", "DefaultDeviceType",
           "set_checkpoint_early_stop", "set_checkpoint_debug_enabled"]

_DEBUG_TIP = (
    "\nTip: To see a more detailed error message, either pass `debug=True` to\n"
    "`torch.utils.checkpoint.checkpoint(...)` or wrap the code block\n"
    "with `with torch.utils.checkpoint.set_checkpoint_debug_enabled(True):` to\n"
    "enable checkpoint\u2011debug mode globally.\n")


class CheckpointError(RuntimeError):
    """Raised when a recomputation does not reproduce the original forward."""


def noop_context_fn():
    """The default `context_fn`: two null contexts (forward, recomputation)."""
    return contextlib.nullcontext(), contextlib.nullcontext()


def detach_variable(inputs):
    """Detached copies of the tensors in tuple `inputs`, keeping `requires_grad`."""
    if not isinstance(inputs, tuple):
        raise RuntimeError("Only tuple of tensors is supported. Got Unsupported input type: "
                           f"{type(inputs).__name__}")
    out = []
    for inp in inputs:
        if not isinstance(inp, ember.Tensor):
            out.append(inp)
            continue
        x = inp.detach()
        x.requires_grad = inp.requires_grad
        out.append(x)
    return tuple(out)


def check_backward_validity(inputs):
    """Warn, as torch does, when no tensor in `inputs` requires grad."""
    if not any(inp.requires_grad for inp in inputs if isinstance(inp, ember.Tensor)):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      stacklevel=2)


def get_device_states(*args):
    """Devices of the tensors in `args` and their RNG states: ember's only device is the CPU,
    whose RNG state checkpoint saves separately, so both lists are empty."""
    return [], []


def set_device_states(devices, states, *, device_type=None):
    """Restore the RNG states of `devices` (none on ember: see get_device_states)."""


class DefaultDeviceType:
    """The device type whose RNG state checkpoint preserves (always 'cpu' on ember)."""

    _default_device_type = "cpu"

    @staticmethod
    def set_device_type(device="cpu"):
        """Set the device type (only 'cpu' exists on ember)."""
        DefaultDeviceType._default_device_type = device

    @staticmethod
    def get_device_type():
        """The device type set by set_device_type."""
        return DefaultDeviceType._default_device_type


@contextlib.contextmanager
def set_checkpoint_early_stop(enable):
    """Context manager accepted for torch compatibility: ember's recomputation always reruns
    the whole region (stopping early only saves time, never changes results)."""
    yield


@contextlib.contextmanager
def set_checkpoint_debug_enabled(enabled):
    """Context manager accepted for torch compatibility (the `debug` flag: ember's errors
    already name the mismatching tensors)."""
    yield


@contextlib.contextmanager
def _rng_as(state):
    """Run the body with the default generator at `state`, then put the current one back."""
    if state is None:
        yield
        return
    now = ember.get_rng_state()
    ember.set_rng_state(state)
    try:
        yield
    finally:
        ember.set_rng_state(now)


# -- reentrant -----------------------------------------------------------------------------
class CheckpointFunction(Function):
    """The reentrant checkpoint: forward without a graph, backward recomputes and backprops."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        check_backward_validity(args)
        ctx.run_function = run_function
        ctx.rng_state = ember.get_rng_state() if preserve_rng_state else None
        ctx.inputs = []
        ctx.tensor_indices = []
        tensors = []
        for i, a in enumerate(args):
            if isinstance(a, ember.Tensor):
                tensors.append(a)
                ctx.tensor_indices.append(i)
                ctx.inputs.append(None)
            else:
                ctx.inputs.append(a)
        ctx.save_for_backward(*tensors)
        with ember.no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *grads):
        inputs = list(ctx.inputs)
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
            inputs[i] = t
        detached = detach_variable(tuple(inputs))
        with _rng_as(ctx.rng_state), ember.enable_grad():
            outputs = ctx.run_function(*detached)
        if isinstance(outputs, ember.Tensor):
            outputs = (outputs,)
        outs, out_grads = [], []
        for o, g in zip(outputs, grads):
            if isinstance(o, ember.Tensor) and o.requires_grad:
                outs.append(o)
                out_grads.append(g)
        if not outs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not "
                               "necessary")
        ember.autograd.backward(outs, out_grads)
        return (None, None) + tuple(x.grad if isinstance(x, ember.Tensor) else None
                                    for x in detached)


# -- non-reentrant -------------------------------------------------------------------------
def _region_nodes(outputs, before, after):
    """The nodes created while the region ran (creation keys, which count down, between
    `after` and `before`) that its outputs reach, in creation order; the `fn` of a CopySlices
    (an in-place op on a view) included."""
    stack = [o.grad_fn for o in _flat_tensors(outputs) if o.grad_fn is not None]
    seen, found = set(), []
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if not after < node._prio < before:
            continue
        found.append(node)
        stack.extend(fn for fn, _ in node.next_functions)
        inner = node.__dict__.get("fn")
        if isinstance(inner, _engine.Node):
            stack.append(inner)
    found.sort(key=lambda n: -n._prio)
    return found


def _flat_tensors(x):
    if isinstance(x, ember.Tensor):
        return [x]
    if isinstance(x, (tuple, list)):
        return [t for item in x for t in _flat_tensors(item)]
    if isinstance(x, dict):
        return [t for item in x.values() for t in _flat_tensors(item)]
    return []


def _entry_meta(entry):
    """(shape, dtype, device) of one saved entry, as torch's default determinism check."""
    if entry is None:
        return None
    t = entry[0]
    if t.__class__ is tuple:  # a saved output, kept by data
        return (tuple(t[0].shape), t[1], "cpu")
    return (tuple(t.shape), t.dtype, str(t.device))


def _metas(saved):
    """The metadata of a node's saved entries (None when it saved nothing), without running
    a nested checkpoint's recomputation."""
    if isinstance(saved, _Deferred):
        return saved.meta
    return [_entry_meta(e) for e in saved] if saved else None


class _Deferred(list):
    """Stands in for a node's saved tensors until the region is recomputed."""

    def __init__(self, frame, node, meta):
        super().__init__()
        self.frame, self.node, self.meta = frame, node, meta

    def _real(self):
        self.frame.recompute()
        return self.node._saved

    def __bool__(self):
        return True

    def __iter__(self):
        return iter(self._real())

    def __len__(self):
        return len(self._real())

    def __getitem__(self, i):
        return self._real()[i]

    def __setitem__(self, i, value):
        self._real()[i] = value


def _holds_arrays(value):
    if isinstance(value, (xp.ndarray, ember.Tensor)):
        return True
    if isinstance(value, (tuple, list)):
        return any(isinstance(v, (xp.ndarray, ember.Tensor)) for v in value)
    return False


_DEFERRING = {}


def _deferring_class(cls):
    """A subclass of node class `cls`, with its name, whose missing attributes (the arrays
    a node keeps besides its saved tensors) trigger the recomputation."""
    sub = _DEFERRING.get(cls)
    if sub is None:
        def __getattr__(self, name):
            frame = self.__dict__.get("_ckpt_frame")
            if frame is None or name not in frame.stripped[self.__dict__["_ckpt_index"]]:
                raise AttributeError(f"'{cls.__name__}' object has no attribute '{name}'")
            frame.recompute()
            return getattr(self, name)
        sub = type(cls.__name__, (cls,), {"__getattr__": __getattr__,
                                          "__module__": cls.__module__,
                                          "__qualname__": cls.__qualname__})
        _DEFERRING[cls] = sub
    return sub


class _Frame:
    """What a non-reentrant region needs to rerun itself, and where the results go."""

    def __init__(self, function, args, kwargs, rng_state, recompute_ctx, check):
        self.function, self.args, self.kwargs = function, args, kwargs
        self.rng_state, self.recompute_ctx, self.check = rng_state, recompute_ctx, check
        self.nodes, self.metas, self.stripped, self.done = [], [], [], False

    def defer(self, nodes):
        """Drop what `nodes` keep for backward: their saved tensors become stand-ins, and the
        arrays they hold as attributes (for the custom Function nodes: none) are removed."""
        self.nodes = nodes
        for node in nodes:
            meta = _metas(node._saved)
            self.metas.append(meta)
            if meta is not None:
                node._saved = _Deferred(self, node, meta)
            names = []
            if not isinstance(node, _BackwardCFunction):
                names = [k for k, v in vars(node).items()
                         if not k.startswith("_") and k != "next_functions"
                         and _holds_arrays(v)]
            for k in names:
                delattr(node, k)
            if names:
                node._ckpt_frame, node._ckpt_index = self, len(self.stripped)
                node.__class__ = _deferring_class(type(node))
            self.stripped.append(names)

    def recompute(self):
        """Rerun the region once and hand each node what its recomputed twin kept."""
        if self.done:
            return
        before = _engine._SEQ()
        with _rng_as(self.rng_state), ember.enable_grad(), self.recompute_ctx:
            outputs = self.function(*self.args, **self.kwargs)
        twins = _region_nodes(outputs, before, _engine._SEQ())

        def count(nodes):
            return sum(len(m) for m in map(_metas, (n._saved for n in nodes)) if m)

        if len(twins) != len(self.nodes) or any(
                type(t).__name__ != type(n).__name__ for t, n in zip(twins, self.nodes)):
            raise CheckpointError(
                "torch.utils.checkpoint: A different number of tensors was saved during the "
                "original forward and recomputation.\n"
                f"Number of tensors saved during forward: {count(self.nodes)}\n"
                f"Number of tensors saved during recomputation: {count(twins)}.\n{_DEBUG_TIP}")
        if self.check:
            diffs, pos = [], 0
            for metas, twin in zip(self.metas, twins):
                got = _metas(twin._saved)
                if metas is None:
                    continue
                for j, m in enumerate(metas):
                    g = got[j] if got is not None and j < len(got) else None
                    if m != g:
                        diffs.append(f"tensor at position {pos + j}:\nsaved metadata: {m}\n"
                                     f"recomputed metadata: {g}\n")
                pos += len(metas)
            if diffs:
                raise CheckpointError(
                    "torch.utils.checkpoint: Recomputed values for the following tensors have "
                    f"different metadata than during the forward pass.\n{''.join(diffs)}.\n"
                    f"{_DEBUG_TIP}")
        self.done = True
        for node, twin, names in zip(self.nodes, twins, self.stripped):
            if isinstance(node._saved, _Deferred):
                node._saved = twin._saved
            for k in names:
                setattr(node, k, getattr(twin, k))
            if names:
                node.__class__ = type(node).__bases__[0]  # the node's own class again
                del node._ckpt_frame, node._ckpt_index
        # the frame is spent: drop what it held for the rerun
        self.args = self.kwargs = self.function = self.nodes = None


def _checkpoint_without_reentrant(function, preserve, context_fn, determinism_check,
                                  args, kwargs):
    if determinism_check not in ("default", "none"):
        raise ValueError("determinism_check should be one of ['default', 'none'], but got "
                         f"{determinism_check}")
    forward_ctx, recompute_ctx = context_fn()
    rng_state = ember.get_rng_state() if preserve else None
    before = _engine._SEQ()
    with forward_ctx:
        outputs = function(*args, **kwargs)
    after = _engine._SEQ()
    if not ember.is_grad_enabled():
        return outputs
    frame = _Frame(function, args, kwargs, rng_state, recompute_ctx,
                   determinism_check == "default")
    frame.defer(_region_nodes(outputs, before, after))
    return outputs


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn,
               determinism_check="default", debug=False, early_stop=True, **kwargs):
    """Run `function(*args, **kwargs)` without keeping its intermediate activations, and
    recompute them in backward (as torch.utils.checkpoint.checkpoint).

    Gradients equal those of the plain call. `preserve_rng_state=True` (a keyword, default)
    replays the RNG state of the first run, so dropout inside recomputes the same mask.
    `use_reentrant` should be passed explicitly; omitted, it warns as torch 2.13 does and
    uses the reentrant variant. Keyword arguments for `function` need `use_reentrant=False`.

    Example::

        y = checkpoint(block, x, use_reentrant=False)
        y.sum().backward()
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an "
            "exception. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        return CheckpointFunction.apply(function, preserve, *args)
    return _checkpoint_without_reentrant(function, preserve, context_fn, determinism_check,
                                         args, kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run a sequence of modules (or an nn.Sequential) in `segments` chunks, checkpointing
    every chunk but the last (as torch.utils.checkpoint.checkpoint_sequential)."""
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should "
            "be passed explicitly. In version 2.9 we will raise an exception if use_reentrant "
            "is not passed. use_reentrant=False is recommended, but if you need to preserve "
            "the current default behavior, you can pass use_reentrant=True. Refer to docs for "
            "more details on the differences between the two variants.", stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))

    def run(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    if isinstance(functions, ember.nn.Sequential):
        functions = list(functions.children())
    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
