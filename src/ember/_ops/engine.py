"""The autograd engine: graph nodes, grad mode, and the backward pass, in one file.

A `Node` is one of torch's autograd functions (`MulBackward0`, `SumBackward1`, ...). Its
`forward` runs on backend arrays; its `backward` is written with ember ops, so running it
with grad mode on (``create_graph=True``) records a graph of its own and higher-order
gradients come for free. `run_backward` walks the graph iteratively in dependency order.
"""
import heapq
import itertools
import warnings
import weakref

from ember._backend import dtypes as _dt
from ember._backend import xp

ndarray = xp.ndarray
_FROM_NP = _dt._BY_NP
_DIFFERENTIABLE = (_dt.FLOAT, _dt.COMPLEX)


class _GradState:
    __slots__ = ("enabled", "inference", "anomaly", "anomaly_check_nan", "fw", "saved_hooks",
                 "hooks_off")

    def __init__(self):
        self.enabled = True
        self.inference = False
        self.anomaly = False
        self.anomaly_check_nan = True
        self.fw = None  # the active forward-AD level (an object), None outside dual_level
        self.saved_hooks = []  # stack of (pack, unpack) from saved_tensors_hooks
        self.hooks_off = None  # disable_saved_tensors_hooks' error message while active


GRAD = _GradState()
Tensor = None  # set by ember._tensor once the class exists (ops sit below the Tensor module)


def is_grad_enabled():
    """True when operations are being recorded for autograd."""
    return GRAD.enabled


_TENSOR, _RETAIN, _NODE_PRE = 0, 1, 2  # kinds of pre-hooks, in the order they run

_SAVED_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


class Node:
    """Base of every autograd node. Subclasses are named exactly as torch's nodes.

    Class attributes declare what backward needs: `saves` (indices of inputs kept as
    tensors), optionally `save_if` (one entry per `saves` entry: None, always saved, or the
    indices of the inputs whose gradients read it, so that it is saved, and version-checked in
    backward, only when one of those needs a gradient; an unsaved entry reads as None, as torch's
    derivatives.yaml saves) and `saves_result` (True: keep the output, or the first of several;
    a tuple of output indices: keep those differentiable outputs, in that order, after the
    inputs).
    `forward(*arrays, *args)` returns one array or a tuple of arrays; `backward(*grads)`
    returns one gradient per input (None where an input needs none), written with ember ops.
    """

    saves = ()
    save_if = None
    saves_result = False
    next_functions = ()
    _saved = None
    _in_meta = ()
    _out_meta = None
    _pre_hooks = None
    _hooks = None
    _released = False
    _trace = None
    _materialize = True
    # Backward runs ready nodes latest-created first, as torch's engine does: `_prio` is minus
    # the node's creation number (set when it is recorded; 0 for a node never numbered).
    _prio = 0

    def name(self):
        """The node's torch name, e.g. ``'MulBackward0'``."""
        return type(self).__name__

    def __repr__(self):
        return f"<{type(self).__name__} object at {id(self):#x}>"

    def __call__(self, *grads):
        out = self.backward(*grads)
        return out

    def __lt__(self, other):
        # the order of backward's ready heap (equal priorities tie, as in torch's heap)
        return self._prio < other._prio

    @property
    def metadata(self):
        """A dict for the user's own annotations of this node."""
        d = self.__dict__.get("_metadata")
        if d is None:
            d = self.__dict__["_metadata"] = {}
        return d

    # -- saved tensors ---------------------------------------------------------------------
    def saved(self):
        """The tensors this node saved in forward (inputs in `saves` order, then the result),
        after checking that no in-place op changed them since."""
        saved = self._saved
        if saved is None:
            if self._released:
                raise RuntimeError(_SAVED_FREED)
            return ()
        out = []
        for entry in saved:
            if entry is None:
                out.append(None)
                continue
            t, version = entry
            if t.__class__ is tuple:  # the saved result: rebuilt so it points back at self
                data, dtype, vc, nr = t[:4]
                fw = t[4] if len(t) > 4 else None  # its forward-AD tangent, if it had one
                t = Tensor._make(data, dtype, True, self)
                t._output_nr = nr
                t._vc = vc
                if fw is not None:
                    t._meta = {"fw": fw}
                if vc[0] != version:
                    raise _modified_error(t, self, vc[0], version)
            elif t.__class__ is _Packed:  # saved under saved_tensors_hooks: no version check
                t = t.unpack(self)
            else:
                vc = t._vc
                if vc is not None and vc[0] != version:
                    raise _modified_error(t, t.grad_fn, vc[0], version)
            out.append(t)
        return out

    def needs(self, i):
        """True if input `i` of this node needs a gradient."""
        return self.next_functions[i][0] is not None

    @property
    def needs_input_grad(self):
        """One flag per input: does it need a gradient."""
        return tuple(e[0] is not None for e in self.next_functions)

    def release(self):
        """Free the saved tensors (after a backward without retain_graph)."""
        if self._saved is not None:
            self._saved = None
            self._released = True

    # -- hooks -----------------------------------------------------------------------------
    def register_hook(self, fn):
        """Register `fn(grad_inputs, grad_outputs)`, run after this node's backward; it may
        return new grad_inputs. Returns a handle whose `remove()` unregisters it."""
        if self._hooks is None:
            self._hooks = {}
        return _Handle(self._hooks, fn)

    def register_prehook(self, fn):
        """Register `fn(grad_outputs)`, run before this node's backward; it may return new
        grad_outputs. Returns a removable handle."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
        return _Handle(self._pre_hooks, (_NODE_PRE, None, fn))

    def _register_tensor_hook(self, output_nr, fn, retains=False):
        # a hook on output `output_nr`; torch runs tensor hooks, then retain_grad's, then the
        # node's own pre-hooks
        if self._pre_hooks is None:
            self._pre_hooks = {}
        return _Handle(self._pre_hooks, (_RETAIN if retains else _TENSOR, output_nr, fn))


def _modified_error(t, fn, current, version):
    """torch's error for a saved tensor changed in place after it was saved."""
    where = ""
    if fn is not None:
        op = fn.name()
        cut = op.rfind("Backward")
        where = f", which is output {t._output_nr} of {op[:cut] if cut > 0 else op},"
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{t.type()} {list(t.shape)}]{where} is at version {current}; expected "
        f"version {version} instead. Hint: enable anomaly detection to find the operation that "
        "failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, "
        "check_nan=False).")


class _Handle:
    """A removable hook handle (`handle.remove()`), also usable as a context manager."""

    _next_id = 0

    def __init__(self, store, value):
        _Handle._next_id += 1
        self.id = _Handle._next_id
        self._store = weakref.ref(store) if not isinstance(store, dict) else store
        store[self.id] = value

    def remove(self):
        store = self._store
        if callable(store) and not isinstance(store, dict):
            store = store()
        if store is not None:
            store.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class AccumulateGrad(Node):
    """Graph sink for a leaf tensor: adds the incoming gradient into `variable.grad`."""

    _prio = -(1 << 64)  # torch runs a leaf's accumulation as soon as it is ready

    def name(self):
        """torch's name for the leaf sink, ``'torch::autograd::AccumulateGrad'``."""
        return "torch::autograd::AccumulateGrad"

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()
        self._in_meta = ()

    def backward(self, grad):  # accumulation itself lives in the engine (needs its context)
        return ()


def _edge(t):
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    ref = t._grad_acc
    acc = ref() if ref is not None else None
    if acc is None:
        return _leaf_edge(t)
    return (acc, 0)


def _leaf_edge(t):
    """The edge of a tensor that requires grad and has no grad_fn: its (new) AccumulateGrad,
    or no edge at all for a view made in no_grad/inference mode of a base that requires grad
    (torch gives such views requires_grad but no history)."""
    meta = t._meta
    if t._base is not None and meta is not None and "creation" in meta:
        stale = meta.get("stale")
        if stale is not None:
            raise RuntimeError(stale)
        return _NONE_EDGE
    acc = AccumulateGrad(t)
    t._grad_acc = weakref.ref(acc)
    return (acc, 0)


def move_retains_grad(t):
    """`t` just got a new grad_fn from an in-place op: its retain_grad hook (if any) follows it
    to the new node, so `t.grad` is the gradient of the modified tensor. Other tensor hooks stay
    with the old node, as in torch."""
    meta = t._meta
    handle = meta.get("retains_grad") if meta is not None else None
    if handle is None or t.grad_fn is None:
        return
    entry = handle._store.pop(handle.id, None)
    if entry is not None:
        meta["retains_grad"] = t.grad_fn._register_tensor_hook(t._output_nr, entry[2], True)


def grad_accumulator(t):
    """The AccumulateGrad node of leaf `t` (made on first use, shared after)."""
    return _edge(t)[0]


_NONE_EDGE = (None, 0)
heappush, heappop = heapq.heappush, heapq.heappop
_SEQ = itertools.count(-1, -1).__next__  # node priorities: later nodes get smaller keys

_NO_SAVE_INFERENCE = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in "
    "inference mode in computation tracked by autograd. To work around this, you can make a "
    "clone to get a normal tensor and use it in autograd, or use `torch.no_grad()` instead of "
    "`torch.inference_mode()`.")


def _wrap(out):
    if out.__class__ is not ndarray:
        out = xp.asarray(out)
    return Tensor._make(out, _FROM_NP[out.dtype], False, None)


_new = object.__new__


def execute(cls, inputs, arrays, args=()):
    """Run node class `cls` on `inputs` (tensors, or None where the op took a Python scalar,
    in the node's input order) whose backend arrays are `arrays`; `args` are the op's
    non-tensor arguments. Records the node when grad mode is on and an input requires grad."""
    if GRAD.fw is not None:
        return _execute_dual(cls, inputs, arrays, args)
    node = _new(cls)
    out = node.forward(*arrays, *args) if args else node.forward(*arrays)
    if GRAD.enabled:
        for t in inputs:
            if t is not None and t._requires_grad:
                return _record(node, inputs, out)
    elif GRAD.inference:
        return _inference_outputs(out)
    if out.__class__ is ndarray:
        return Tensor._make(out, _FROM_NP[out.dtype], False, None)
    if out.__class__ is tuple:
        return tuple(_wrap(o) for o in out)
    return _wrap(out)


def _inference_outputs(out):
    """Outputs made under inference_mode are inference tensors (`t.is_inference()`)."""
    outs = tuple(_wrap(o) for o in out) if out.__class__ is tuple else (_wrap(out),)
    for t in outs:
        t._meta = {"inference": True}
    return outs if out.__class__ is tuple else outs[0]


def _record(node, inputs, out):
    edges = []
    meta = []
    for t in inputs:
        if t is not None and t._requires_grad:
            fn = t.grad_fn
            if fn is not None:
                edges.append((fn, t._output_nr))
            else:
                ref = t._grad_acc
                acc = ref() if ref is not None else None
                edges.append(_leaf_edge(t) if acc is None else (acc, 0))
            meta.append((t._data.shape, t.dtype))
        else:
            edges.append(_NONE_EDGE)
            meta.append(None)
    node.next_functions = tuple(edges)
    node._in_meta = meta
    node._prio = _SEQ()
    if GRAD.anomaly:
        import traceback
        node._trace = "".join(traceback.format_stack()[:-3])
    saves = node.saves
    if saves:
        saved = []
        save_if = node.save_if
        for k, i in enumerate(saves):
            t = inputs[i]
            if save_if is not None and save_if[k] is not None:
                # saved only when an input whose gradient formula reads it needs a gradient
                for j in save_if[k]:
                    if edges[j][0] is not None:
                        break
                else:
                    t = None
            if t is not None:
                if t._meta is not None and "inference" in t._meta:
                    raise RuntimeError(_NO_SAVE_INFERENCE)
                vc = t._vc
                if vc is None:
                    vc = t._vc = [0]
                saved.append((t, vc[0]) if not GRAD.saved_hooks else pack_saved(t))
            else:
                saved.append(None)
        node._saved = saved
    if out.__class__ is ndarray:
        dtype = _FROM_NP[out.dtype]
        if dtype.category >= 2:
            r = Tensor._make(out, dtype, True, node)
        else:
            r = Tensor._make(out, dtype, False, None)
        if node.saves_result:
            _save_result(node, r)
        return r
    multi = out.__class__ is tuple
    outs = out if multi else (out,)
    results = []
    for nr, o in enumerate(outs):
        if o.__class__ is not ndarray:
            o = xp.asarray(o)
        dtype = _FROM_NP[o.dtype]
        if dtype.category >= 2:
            t = Tensor._make(o, dtype, True, node)
            t._output_nr = nr
        else:
            t = Tensor._make(o, dtype, False, None)
        results.append(t)
    if multi:
        node._out_meta = [(r._data.shape, r.dtype) for r in results]
    keep = node.saves_result
    if keep:
        for nr in ((0,) if keep is True else keep):
            _save_result(node, results[nr], nr)
    return tuple(results) if multi else results[0]


def _save_result(node, r, nr=0):
    # saved without a reference to the output tensor (that would be a cycle through grad_fn)
    vc = r._vc = [0]
    entry = ((r._data, r.dtype, vc, nr), 0) if not GRAD.saved_hooks else pack_saved(r, nr)
    if node._saved is None:
        node._saved = [entry]
    else:
        node._saved.append(entry)


def record_custom(node, inputs, outputs):
    """Attach `node` (an autograd.Function's backward node) to already computed outputs."""
    edges, meta = [], []
    for t in inputs:
        if isinstance(t, Tensor) and t._requires_grad:
            edges.append(_edge(t))
            meta.append((t._data.shape, t.dtype))
        else:
            edges.append(_NONE_EDGE)
            meta.append(None if not isinstance(t, Tensor) else False)
    node.next_functions = tuple(edges)
    node._in_meta = meta
    node._prio = _SEQ()


# --- saved tensor hooks (autograd.graph.saved_tensors_hooks) -------------------------------

_PACK_INPLACE = (
    "A saved tensor pack hook is modifying its input in place. Tensors provided as input to "
    "pack hook cannot be modified by in-place operations as this can lead to unexpected "
    "side-effects. Please open an issue if you need to perform in-place operations on the "
    "input to a pack hook.")


class _Packed:
    """A saved tensor stored through the innermost pack hook. Unpacking runs the unpack hook
    and re-attaches the result to the saved tensor's place in the graph (its grad_fn and
    output number, or its leaf's AccumulateGrad), as torch's SavedVariable does."""

    __slots__ = ("value", "unpack_hook", "shape", "dtype", "device", "edge", "out_nr")

    def __init__(self, value, unpack_hook, t, out_nr):
        self.value, self.unpack_hook, self.out_nr = value, unpack_hook, out_nr
        self.shape, self.dtype, self.device = tuple(t._data.shape), t.dtype, t.device
        self.edge = _edge(t) if out_nr is None and t._requires_grad else None

    def unpack(self, node):
        data = self.unpack_hook(self.value)
        if not isinstance(data, Tensor):
            raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but "
                            f"got result of type {type(data).__name__}")
        edge = (node, self.out_nr) if self.out_nr is not None else self.edge
        if edge is None or edge[0] is None:
            if not data._requires_grad:
                return data
            return Tensor._make(data._data, data.dtype, False, None)
        fn, nr = edge
        if fn.__class__ is AccumulateGrad:
            t = Tensor._make(data._data, data.dtype, True, None)
            t._grad_acc = weakref.ref(fn)
        else:
            t = Tensor._make(data._data, data.dtype, True, fn)
            t._output_nr = nr
        return t


def pack_saved(t, out_nr=None):
    """The saved entry of tensor `t` under the innermost saved_tensors_hooks: the pack hook
    runs now (grad mode off), the unpack hook when backward reads it."""
    pack, unpack = GRAD.saved_hooks[-1]
    vc = t._vc
    if vc is None:
        vc = t._vc = [0]
    before = vc[0]
    prev = GRAD.enabled
    GRAD.enabled = False
    try:
        value = pack(t)
    finally:
        GRAD.enabled = prev
    if vc[0] != before:
        raise RuntimeError(_PACK_INPLACE)
    return (_Packed(value, unpack, t, out_nr), before)


# --- forward-mode AD (autograd.forward_ad) -------------------------------------------------
# A dual tensor keeps its tangent in `_meta["fw"] = (level, tangent)`; a tangent is live only
# while its level is GRAD.fw, so leaving the level forgets every tangent at once. execute()
# computes an op's output tangent from its node's backward, which is written in ember ops and
# so linear in the output gradient u: for y = f(x_i), <vjp(u), t> = <u, jvp(t)>, hence
# jvp(t) = d/du <vjp(u), t>, one reverse pass through the backward's own graph. Every node
# gets forward AD this way; a node whose backward raises makes forward AD raise too.

def tangent_of(t):
    """The tangent of tensor `t` at the active dual level, or None."""
    meta = t._meta
    if meta is not None:
        entry = meta.get("fw")
        if entry is not None and entry[0] is GRAD.fw and GRAD.fw is not None:
            return entry[1]
    return None


def set_tangent(t, tangent, level):
    """Make `tangent` the tangent of `t` at `level` (None removes it)."""
    if t._meta is None:
        t._meta = {}
    if tangent is None:
        t._meta.pop("fw", None)
    else:
        t._meta["fw"] = (level, tangent)


def _execute_dual(cls, inputs, arrays, args):
    level = GRAD.fw
    tans = [None if t is None else tangent_of(t) for t in inputs]
    GRAD.fw = None
    try:
        if all(tg is None for tg in tans):
            return execute(cls, inputs, arrays, args)
        return _jvp_op(cls, inputs, arrays, args, tans, level)
    finally:
        GRAD.fw = level


def _jvp_op(cls, inputs, arrays, args, tans, level):
    user_grad = GRAD.enabled
    tracked = user_grad and any(t is not None and t._requires_grad for t in inputs)
    # with grad mode on and something requiring grad, tangents are differentiable too
    build = tracked or (user_grad and any(tg is not None and tg._requires_grad for tg in tans))
    stand = []
    for t, tg in zip(inputs, tans):
        if t is None or (build and t._requires_grad):
            stand.append(t)
        elif tg is not None or t._requires_grad:
            s = Tensor._make(t._data, t.dtype, tg is not None, None)
            s._vc = t._vc
            stand.append(s)
        else:
            stand.append(t)
    hooks, GRAD.saved_hooks = GRAD.saved_hooks, []
    GRAD.enabled = True
    try:
        probe = execute(cls, stand, arrays, args)
    finally:
        GRAD.enabled = user_grad
        GRAD.saved_hooks = hooks
    multi = probe.__class__ is tuple
    pouts = probe if multi else (probe,)
    node = next((o.grad_fn for o in pouts if o.grad_fn is not None), None)
    # the outputs the caller sees: recorded on the real inputs, from the same forward state
    twin = None
    if tracked and node is not None:
        twin = _new(cls)
        state = dict(node.__dict__)
        for k in ("_saved", "_out_meta", "_trace", "next_functions", "_in_meta", "_prio",
                  "_released", "_hooks", "_pre_hooks", "_metadata"):
            state.pop(k, None)
        twin.__dict__.update(state)
        raw = tuple(o._data for o in pouts) if multi else probe._data
        outs = _record(twin, inputs, raw)
        outs = outs if multi else (outs,)
    else:
        outs = tuple(o if o.grad_fn is None else Tensor._make(o._data, o.dtype, False, None)
                     for o in pouts)
    if node is not None:
        for o, t in zip(outs, _jvp_tangents(node, pouts, tans, build)):
            if t is not None:
                set_tangent(o, t, level)
        saved = twin._saved if twin is not None else None
        if saved:  # a saved result carries its tangent (for forward-over-reverse)
            for k, e in enumerate(saved):
                if e is not None and e[0].__class__ is tuple:
                    fw = outs[e[0][3]]._meta
                    if fw is not None and "fw" in fw:
                        saved[k] = (e[0][:4] + (fw["fw"],), e[1])
    return outs if multi else outs[0]


def _fw_op_name(node):
    """The op a node records, in torch's snake case (`AddmmBackward0` -> 'addmm')."""
    name = getattr(node, "fw_op_name", None)
    if name is None:
        name = node.name()
        cut = name.rfind("Backward")
        name = name[:cut] if cut > 0 else name
        name = "".join("_" + c.lower() if c.isupper() and i else c.lower()
                       for i, c in enumerate(name))
    return name


def _jvp_tangents(node, pouts, tans, build):
    """The tangents of `node`'s outputs `pouts` given its inputs' tangents `tans`."""
    prev, hooks = GRAD.enabled, GRAD.saved_hooks
    GRAD.enabled, GRAD.saved_hooks = True, []  # (user's saved-tensor hooks see only the op)
    try:
        us, grads = [], []
        for o in pouts:
            if o.grad_fn is node:
                u = Tensor._make(xp.zeros(o._data.shape, o._data.dtype), o.dtype, True, None)
                us.append(u)
                grads.append(u)
            else:
                us.append(None)
                grads.append(_zeros((o._data.shape, o.dtype)))
        try:
            gin = node.backward(*grads)
        except NotImplementedError as e:  # no derivative: no forward AD either (torch's error)
            raise NotImplementedError(
                f"Trying to use forward AD with {_fw_op_name(node)} that does not support it "
                "because it has not been implemented yet.\nPlease file an issue to PyTorch at "
                "https://github.com/pytorch/pytorch/issues/new?template=feature-request.yml so "
                "that we can prioritize its implementation.") from e
        if gin.__class__ is not tuple:
            gin = (gin,)
        s = None
        for i, tg in enumerate(tans):
            if tg is None or i >= len(gin) or gin[i] is None or not node.needs(i):
                continue
            g = gin[i]
            if g._data.shape != node._in_meta[i][0] or g.dtype is not node._in_meta[i][1]:
                g = _validate(node, i, g)
                if g is None:
                    continue
            if g.dtype.category == _dt.COMPLEX or tg.dtype.category == _dt.COMPLEX:
                term = (g.conj() * tg).sum().real
            else:
                term = (g * tg).sum()
            s = term if s is None else s + term
        wanted = [u for u in us if u is not None]
        if s is not None and s._requires_grad:
            one = Tensor._make(xp.ones((), s._data.dtype), s.dtype, False, None)
            res = iter(run_backward([s], [one], False, build, inputs=wanted,
                                    accumulate=False, allow_unused=True))
        else:
            res = iter([None] * len(wanted))
    finally:
        GRAD.enabled, GRAD.saved_hooks = prev, hooks
    out = []
    for o, u in zip(pouts, us):
        if u is None:
            out.append(None)
            continue
        r = next(res)
        out.append(_zeros((o._data.shape, o.dtype)) if r is None else r)
    return out


# --- the backward pass ---------------------------------------------------------------------

def _sum_to(grad, shape):
    """Reduce a broadcast gradient back to `shape` (torch's engine does this in validation)."""
    gshape = grad._data.shape
    lead = len(gshape) - len(shape)
    dims = list(range(lead))
    for i, n in enumerate(shape):
        if n == 1 and gshape[lead + i] != 1:
            dims.append(lead + i)
    if not GRAD.enabled and (GRAD.fw is None or tangent_of(grad) is None):
        # no graph to record (nor tangent to carry): reduce the array directly
        data = grad._data.sum(axis=tuple(dims)) if dims else grad._data
        if data.shape != shape:
            data = data.reshape(shape)
        return Tensor._make(data, grad.dtype, False, None)
    if dims:
        grad = grad.sum(dim=dims, keepdim=True)
    if lead or grad._data.shape != shape:
        grad = grad.reshape(shape)
    return grad


def _validate(node, i, g):
    meta = node._in_meta[i]
    if not meta:
        return g
    shape, dtype = meta
    if g._data.shape != shape:
        try:
            g = _sum_to(g, shape)
        except Exception:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {i} - got "
                f"{list(g.shape)} but expected shape compatible with {list(shape)}") from None
    if g.dtype is not dtype:
        if dtype.category < 2:
            return None
        if g.dtype.category == _dt.COMPLEX and dtype.category != _dt.COMPLEX:
            g = g.real
        g = g.to(dtype)
    return g


def _collect(roots):
    """Count, for each node reachable from `roots`, how many edges point at it."""
    deps = {}
    stack = list(roots)
    seen = set(stack)
    while stack:
        for nxt, _ in stack.pop().next_functions:
            if nxt is None:
                continue
            if nxt in seen:  # a root reached again from another root has no count yet
                deps[nxt] = deps.get(nxt, 0) + 1
            else:
                deps[nxt] = 1
                seen.add(nxt)
                stack.append(nxt)
    return deps


def _needed(roots, targets):
    """Nodes from which some target node can be reached (only those must run)."""
    order, stack, seen = [], [(n, False) for n in roots], set()
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for nxt, _ in node.next_functions:
            if nxt is not None and nxt not in seen:
                stack.append((nxt, False))
    needed = set()
    for node in order:  # children come before parents in post-order
        if node in targets or any(n in needed for n, _ in node.next_functions if n is not None):
            needed.add(node)
    return needed


def _accumulate_into(buffer, nr, g):
    old = buffer[nr]
    buffer[nr] = g if old is None else old + g


def run_backward(roots, root_grads, retain_graph=False, create_graph=False, inputs=None,
                 accumulate=True, allow_unused=False):
    """Backpropagate `root_grads` from tensors `roots` through their graph.

    With `accumulate`, leaves' `.grad` are updated (restricted to `inputs` when given);
    otherwise the gradients reaching `inputs` are returned (autograd.grad).
    """
    root_edges = []
    for i, r in enumerate(roots):
        edge = _edge(r) if r._requires_grad else _NONE_EDGE
        if edge[0] is None:  # (a no_grad view requires grad but has no edge either)
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
        root_edges.append(edge)
    captures = None
    targets = None
    if inputs is not None:
        captures = {}
        for k, t in enumerate(inputs):
            if not t._requires_grad:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            node, nr = _edge(t)
            captures.setdefault(node, []).append((nr, k, t))
        targets = set(captures)
    root_nodes = [e[0] for e in root_edges]
    deps = _collect(root_nodes)
    needed = _needed(root_nodes, targets) if targets is not None else None
    buffers = {}
    for (node, nr), g in zip(root_edges, root_grads):
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * (len(node._out_meta) if node._out_meta else 1)
        _accumulate_into(buf, nr, g)
    results = [None] * (len(inputs) if inputs is not None else 0)
    # the ready nodes, latest-created first (a heap on creation order, as torch's engine)
    ready = []
    for n in dict.fromkeys(root_nodes):
        if deps.get(n, 0) == 0:
            heappush(ready, n)
    stolen = {id(g) for g in root_grads}
    prev_enabled = GRAD.enabled
    GRAD.enabled = create_graph
    check_nan = GRAD.anomaly and GRAD.anomaly_check_nan
    try:
        while ready:
            node = heappop(ready)
            grads = buffers.pop(node, None)
            for nxt, _ in node.next_functions:  # release children whatever happens here
                if nxt is not None:
                    left = deps[nxt] - 1
                    deps[nxt] = left
                    if left == 0:
                        heappush(ready, nxt)
            if grads is None or (needed is not None and node not in needed):
                continue
            is_acc = node.__class__ is AccumulateGrad
            # a gradient a user hook has seen may be kept by it: never steal it for a .grad
            if is_acc and node.variable._meta and grads[0] is not None:
                stolen.add(id(grads[0]))
                grads[0] = _run_tensor_hooks(node.variable, grads[0])
                stolen.add(id(grads[0]))
            hooks = node._pre_hooks
            if captures is not None and node in captures:
                # torch's capture points: backward(inputs=) takes the gradient after the
                # tensor hooks; autograd.grad too, unless the node must still run (then before)
                runs = not is_acc and any(n is not None and n in needed
                                          for n, _ in node.next_functions)
                if hooks and (accumulate or not runs):
                    stolen.update(id(g) for g in grads)
                    grads = _run_pre_hooks(node, grads, _TENSOR_KINDS)
                    stolen.update(id(g) for g in grads)
                    hooks = accumulate and runs
                for nr, k, t in captures[node]:
                    g = grads[nr]
                    if accumulate:
                        _accumulate_leaf(t, g, create_graph, stolen)
                    else:
                        results[k] = g if results[k] is None or g is None else results[k] + g
                if not runs:
                    continue
                if hooks:
                    stolen.update(id(g) for g in grads)
                    grads = _run_pre_hooks(node, grads, _NODE_KINDS if accumulate else _ALL_KINDS)
                    stolen.update(id(g) for g in grads)
            elif hooks:
                stolen.update(id(g) for g in grads)
                grads = _run_pre_hooks(node, grads, _ALL_KINDS)
                stolen.update(id(g) for g in grads)
            if is_acc:
                if accumulate and inputs is None and grads[0] is not None:
                    _accumulate_leaf(node.variable, grads[0], create_graph, stolen)
                continue
            for g in grads:
                if g is not None:
                    break
            else:
                continue
            out_meta = node._out_meta
            if out_meta is not None and node._materialize:
                grads = [_zeros(m) if g is None else g for g, m in zip(grads, out_meta)]
            if node._saved is None and node._released:
                raise RuntimeError(_SAVED_FREED)
            try:
                outs = node.backward(*grads)
            except Exception:
                if GRAD.anomaly:
                    _anomaly_warning(node)
                raise
            if outs.__class__ is not tuple:
                outs = (outs,)
            if not retain_graph and node._saved is not None:
                node.release()
            if node._hooks:
                for fn in list(node._hooks.values()):
                    stolen.update(id(o) for o in outs)
                    new = fn(outs, tuple(grads))
                    if new is not None:
                        outs = tuple(new) if isinstance(new, (tuple, list)) else (new,)
                stolen.update(id(o) for o in outs)
            in_meta = node._in_meta
            n_outs = len(outs)
            for i, (nxt, nr) in enumerate(node.next_functions):
                if nxt is None or i >= n_outs:
                    continue
                g = outs[i]
                if g is None:
                    continue
                m = in_meta[i]
                if m and (g._data.shape != m[0] or g.dtype is not m[1]):
                    g = _validate(node, i, g)
                    if g is None:
                        continue
                if check_nan and bool(g.isnan().any()):
                    _anomaly_warning(node)
                    raise RuntimeError(
                        f"Function '{node.name()}' returned nan values in its {i}th output.")
                buf = buffers.get(nxt)
                if buf is None:
                    if nxt._out_meta is None:
                        buffers[nxt] = [g]
                        continue
                    buf = buffers[nxt] = [None] * len(nxt._out_meta)
                old = buf[nr]
                buf[nr] = g if old is None else old + g
    finally:
        GRAD.enabled = prev_enabled
    if not accumulate:
        for k, r in enumerate(results):
            if r is None and not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {k} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior.")
        return results
    return None


def _anomaly_warning(node):
    """Anomaly mode: say which node failed and where its forward call was made."""
    if node._trace:
        where = f"Traceback of forward call that caused the error:\n{node._trace}"
    else:
        where = ("No forward pass information available. Enable detect anomaly during forward "
                 "pass for more information.")
    warnings.warn(f"Error detected in {node.name()}. {where}", stacklevel=3)


def _zeros(meta):
    shape, dtype = meta
    return Tensor._make(xp.zeros(shape, dtype.np), dtype, False, None)


_ALL_KINDS = (_TENSOR, _RETAIN, _NODE_PRE)
_TENSOR_KINDS = (_TENSOR, _RETAIN)
_NODE_KINDS = (_NODE_PRE,)


def _run_pre_hooks(node, grads, kinds):
    """Run `node`'s pre-hooks of the given kinds, in torch's order, on its output grads."""
    grads = list(grads)
    hooks = list(node._pre_hooks.values())
    for want in kinds:
        for kind, nr, fn in hooks:
            if kind != want:
                continue
            if nr is None:
                new = fn(tuple(grads))
                if new is not None:
                    new = list(new)
                    if len(new) != len(grads):
                        raise RuntimeError(
                            f"hook '{_hook_name(fn)}' has returned an incorrect number of "
                            f"values (got {len(new)}, but expected {len(grads)})")
                    grads = [g if n is None else _check_hooked(fn, g, n)
                             for g, n in zip(grads, new)]
            elif grads[nr] is not None:
                new = fn(grads[nr])
                if new is not None:
                    grads[nr] = _check_hooked(fn, grads[nr], new)
    return grads


def _run_tensor_hooks(t, g):
    hooks = t._meta.get("hooks") if t._meta else None
    if hooks:
        for fn in list(hooks.values()):
            new = fn(g)
            if new is not None:
                g = _check_hooked(fn, g, new)
    return g


def _hook_name(fn):
    return getattr(fn, "__name__", type(fn).__name__)


def _check_hooked(fn, old, new):
    """A hook may replace a gradient, but not change its shape or dtype (torch's checks)."""
    if old is None:
        return new
    if not isinstance(new, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
    if new.dtype is not old.dtype:
        raise RuntimeError(f"hook '{_hook_name(fn)}' has changed the type of value (was "
                           f"{old.type()} got {new.type()})")
    if new._data.shape != old._data.shape:
        raise RuntimeError(f"hook '{_hook_name(fn)}' has changed the size of value")
    return new


def _accumulate_leaf(t, g, create_graph, stolen):
    if g is None:
        return
    old = t._grad
    if old is None:
        if create_graph:  # a copy, itself differentiable when g is (torch's CopyBackwards)
            copy = Tensor._make(xp.empty(g._data.shape, g._data.dtype), g.dtype, False, None)
            if g._requires_grad:
                copy.copy_(g)
            else:
                copy._data[...] = g._data
            t._grad = copy
        else:
            data = g._data
            if id(g) in stolen or data.base is not None or not data.flags.c_contiguous \
                    or g._requires_grad:
                data = data.copy()
            t._grad = Tensor._make(data, g.dtype, False, None)
            stolen.add(id(g))
    elif create_graph or old._requires_grad:
        t._grad = old + g
    else:
        old._data += g._data
        if old._vc is not None:
            old._vc[0] += 1
    meta = t._meta
    if meta and meta.get("post_hooks"):
        for fn in list(meta["post_hooks"].values()):
            if fn(t) is not None:
                raise RuntimeError("Tensor post accumulate grad hooks should return None.")
