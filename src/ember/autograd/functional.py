"""torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp and vhp of a Python function.

Everything is built on reverse mode (`autograd.grad`). Forward-mode products (jvp, hvp) use
the double-backward trick: the vjp is linear in its cotangent `u`, so differentiating
`u -> J^T u` with respect to `u` against `v` gives `J v`. Inputs, outputs and `v` may each be
one tensor or a tuple of tensors; results mirror that structure. Without `create_graph` the
results are detached.
"""
from ember._ops import engine as _engine
from ember._ops.engine import GRAD

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


class _grad_mode:
    def __init__(self, enabled):
        self.enabled = enabled

    def __enter__(self):
        self.prev = GRAD.enabled
        GRAD.enabled = self.enabled

    def __exit__(self, *exc):
        GRAD.enabled = self.prev


def _as_tuple(value, what, fn_name):
    """(was_tuple, tuple of tensors); TypeError for anything else, worded as torch's."""
    was_tuple = isinstance(value, tuple)
    items = value if was_tuple else (value,)
    for i, el in enumerate(items):
        if not isinstance(el, _engine.Tensor):
            where = (f"the value at index {i} has type {type(el)}" if was_tuple
                     else f"the given {what} has type {type(el)}")
            raise TypeError(f"The {what} given to {fn_name} must be either a Tensor or a tuple "
                            f"of Tensors but {where}.")
    return was_tuple, items


def _unpack(result, was_tuple):
    """Undo _as_tuple on a result: `was_tuple` is one flag, or (outer, inner) for nested."""
    if isinstance(was_tuple, tuple):
        outer, inner = was_tuple
        if not inner:
            result = tuple(r[0] for r in result)
        return result if outer else result[0]
    return result if was_tuple else result[0]


def _prepare(tensors, create_graph, need_graph):
    """Fresh leaves to differentiate with respect to; with create_graph an input that already
    requires grad stays connected to its graph (through a view)."""
    return tuple(t.view_as(t) if create_graph and t._requires_grad
                 else t.detach().requires_grad_(need_graph) for t in tensors)


def _finish(tensors, create_graph):
    """Detach results unless the caller asked for a graph through them (nested tuples ok)."""
    if isinstance(tensors, tuple):
        return tuple(_finish(t, create_graph) for t in tensors)
    return tensors if create_graph else tensors.detach()


def _check_v(v, refs, refs_tuple):
    if len(v) != len(refs):
        if refs_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(refs)} but got "
                               f"{len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, refs)):
        if a.shape != b.shape:
            where = f"Entry {i} in v" if refs_tuple else "v"
            raise RuntimeError(f"{where} has invalid size: should be {b.shape} but got "
                               f"{a.shape}.")


_NOT_DIFFERENTIABLE = {
    "outputs": "Output {i} of the user-provided function does not require gradients. The "
               "outputs must be computed in a differentiable manner from the input when "
               "running in strict mode.",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of "
                   "the user-provided function. This is not allowed in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided "
                "function with respect to input {i} is independent of the input. This is not "
                "allowed in strict mode. You should ensure that your function is twice "
                "differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example).",
    "hessian": "The hessian of the user-provided function with respect to input {i} is "
               "independent of the input. This is not allowed in strict mode. You should "
               "ensure that your function is thrice differentiable and that the hessian "
               "depends on the inputs.",
}


def _strict_requires_grad(tensors, kind, strict):
    """In strict mode, every tensor of `tensors` must be connected to the inputs."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode.")
        if not t._requires_grad:
            raise RuntimeError(_NOT_DIFFERENTIABLE[kind].format(i=i))


_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {i}. This is "
            "not allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
                  "grad_outputs when using the double backward trick to compute forward mode "
                  "gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
                   "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry "
                         "{i} in the grad_jacobian. This is not allowed in strict mode as it "
                         "prevents from using the double backward trick to replace forward "
                         "mode AD.",
}


def _zeros_for_none(grads, refs, strict, create_graph, stage):
    """Replace the None gradients (unused inputs) by zeros shaped like `refs`."""
    from ember._ops.creation import zeros_like
    out = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            g = zeros_like(ref)
        elif strict and create_graph and not g._requires_grad:
            which = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {which} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode when "
                               "create_graph=True.")
        out.append(g)
    return tuple(out)


def _grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """autograd.grad over the outputs that require grad; None for unreachable inputs."""
    from ember.autograd import grad
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs)
             if o is not None and o._requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return grad([o for o, _ in pairs], list(inputs), [g for _, g in pairs],
                retain_graph=retain_graph, create_graph=create_graph, allow_unused=True)


def _single_element(tensors):
    return len(tensors) == 1 and tensors[0].numel() == 1


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """Return ``(func(*inputs), v^T J)``: the outputs and the vector-Jacobian product at
    `inputs`. `v` matches the outputs' structure; it may be omitted for a single-element
    output."""
    with _grad_mode(True):
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided "
                                           "function", "vjp")
        _strict_requires_grad(outputs, "outputs", strict)
        if v is not None:
            v = _prepare(_as_tuple(v, "v", "vjp")[1], create_graph, need_graph=False)
            _check_v(v, outputs, outputs_tuple)
        elif not _single_element(outputs):
            raise RuntimeError("The vector v can only be None if the user-provided function "
                               "returns a single Tensor with a single element.")
    with _grad_mode(create_graph or GRAD.enabled):
        grads = _grad(outputs, inputs, v, create_graph=create_graph)
        result = _zeros_for_none(grads, inputs, strict, create_graph, "back")
    return (_unpack(_finish(outputs, create_graph), outputs_tuple),
            _unpack(_finish(result, create_graph), inputs_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """Return ``(func(*inputs), J v)``: the outputs and the Jacobian-vector product at
    `inputs` (computed with the double-backward trick). `v` matches the inputs' structure; it
    may be omitted for a single-element input."""
    from ember._ops.creation import zeros_like
    with _grad_mode(True):
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        if v is not None:
            v = _prepare(_as_tuple(v, "v", "jvp")[1], create_graph, need_graph=False)
            _check_v(v, inputs, inputs_tuple)
        elif not _single_element(inputs):
            raise RuntimeError("The vector v can only be None if the input to the "
                               "user-provided function is a single Tensor with a single "
                               "element.")
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided "
                                           "function", "jvp")
        _strict_requires_grad(outputs, "outputs", strict)
        # u -> J^T u, differentiated at u = 0 in the direction v, gives J v
        cotangents = tuple(zeros_like(o).requires_grad_(True) for o in outputs)
        grad_inputs = _grad(outputs, inputs, cotangents, create_graph=True)
        _strict_requires_grad(grad_inputs, "grad_inputs", strict)
    with _grad_mode(True if create_graph else GRAD.enabled):
        grads = _grad(grad_inputs, cotangents, v, create_graph=create_graph)
        result = _zeros_for_none(grads, outputs, strict, create_graph, "back_trick")
    return (_unpack(_finish(outputs, create_graph), outputs_tuple),
            _unpack(_finish(result, create_graph), outputs_tuple))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of `func` at `inputs`: for output `i` and input `j`, a tensor of shape
    ``outputs[i].shape + inputs[j].shape``; nested as tuples where `func` takes or returns
    tuples. Rows are computed one vector-Jacobian product at a time (`vectorize` and
    `strategy` give the same numbers)."""
    from ember._ops.creation import zeros, zeros_like
    from ember._ops.shape import stack
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                         'Hint: If your function has more outputs than inputs, "forward-mode" '
                         'tends to be more performant. Otherwise, prefer to use '
                         '"reverse-mode".')
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError('torch.autograd.functional.jacobian: `strategy="forward-mode"'
                                  '` requires `vectorize=True`. Please set `vectorize=True`.')
    with _grad_mode(True):
        inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided "
                                           "function", "jacobian")
        _strict_requires_grad(outputs, "outputs", strict)
        result = []
        for i, out in enumerate(outputs):
            flat = out.reshape(-1)
            rows = [[] for _ in inputs]
            for k in range(flat.numel()):
                row = _grad((flat[k],), inputs, retain_graph=True, create_graph=create_graph)
                for j, (g, x) in enumerate(zip(row, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {i} of the user-provided function is "
                                               f"independent of input {j}. This is not "
                                               "allowed in strict mode.")
                        g = zeros_like(x)
                    elif strict and create_graph and not g._requires_grad:
                        raise RuntimeError(f"The jacobian of the user-provided function is "
                                           f"independent of input {i}. This is not allowed "
                                           "in strict mode when create_graph=True.")
                    rows[j].append(g)
            per_input = []
            for j, x in enumerate(inputs):
                shape = tuple(out.shape) + tuple(x.shape)
                per_input.append(stack(rows[j]).reshape(shape) if rows[j]
                                 else zeros(shape, dtype=x.dtype))
            result.append(tuple(per_input))
    return _unpack(_finish(tuple(result), create_graph), (outputs_tuple, inputs_tuple))


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar-valued `func` at `inputs`: the Jacobian of its gradient. With
    several inputs, entry ``[i][j]`` has shape ``inputs[i].shape + inputs[j].shape``."""
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def scalar_func(*xs):
        out = func(*xs)
        out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _strict_requires_grad(outs, "outputs", strict)
        if out_tuple:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return out.squeeze()

    def gradient(*xs):
        if outer_jacobian_strategy == "forward-mode":
            xs = tuple(x.requires_grad_(True) for x in xs)
        jac = jacobian(scalar_func, xs, create_graph=True)
        _strict_requires_grad(jac, "jacobian", strict)
        return jac

    result = jacobian(gradient, inputs, create_graph=create_graph, strict=strict,
                      vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _unpack(result, (inputs_tuple, inputs_tuple))


def _scalar_output(func, inputs, v, create_graph, strict, fn_name):
    """Shared start of vhp/hvp: prepared inputs and v, the single-element output, and the
    gradient of that output (with a graph)."""
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
    inputs = _prepare(inputs, create_graph, need_graph=True)
    if v is not None:
        v = _prepare(_as_tuple(v, "v", fn_name)[1], create_graph, need_graph=False)
        _check_v(v, inputs, inputs_tuple)
    elif not _single_element(inputs):
        raise RuntimeError("The vector v can only be None if the input to the user-provided "
                           "function is a single Tensor with a single element.")
    outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided "
                                       "function", fn_name)
    _strict_requires_grad(outputs, "outputs", strict)
    if outputs_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should "
                           "contain a single element")
    jac = _grad(outputs, inputs, create_graph=True)
    _strict_requires_grad(jac, "jacobian", strict)
    return inputs_tuple, inputs, v, outputs, jac


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """Return ``(func(*inputs), v^T H)`` for a scalar-valued `func`, H its Hessian at
    `inputs`."""
    with _grad_mode(True):
        inputs_tuple, inputs, v, outputs, jac = _scalar_output(func, inputs, v, create_graph,
                                                               strict, "vhp")
    with _grad_mode(True if create_graph else GRAD.enabled):
        grads = _grad(jac, inputs, v, create_graph=create_graph)
        result = _zeros_for_none(grads, inputs, strict, create_graph, "double_back")
    return (_finish(outputs[0], create_graph),
            _unpack(_finish(result, create_graph), inputs_tuple))


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """Return ``(func(*inputs), H v)`` for a scalar-valued `func`, H its Hessian at `inputs`
    (the double-backward trick applied to the gradient)."""
    from ember._ops.creation import zeros_like
    with _grad_mode(True):
        inputs_tuple, inputs, v, outputs, jac = _scalar_output(func, inputs, v, create_graph,
                                                               strict, "hvp")
        cotangents = tuple(zeros_like(x).requires_grad_(True) for x in inputs)
        double_back = _grad(jac, inputs, cotangents, create_graph=True)
        _strict_requires_grad(jac, "hessian", strict)
    with _grad_mode(True if create_graph else GRAD.enabled):
        grads = _grad(double_back, cotangents, v, create_graph=create_graph)
        result = _zeros_for_none(grads, inputs, strict, create_graph, "double_back_trick")
    return (_finish(outputs[0], create_graph),
            _unpack(_finish(result, create_graph), inputs_tuple))
