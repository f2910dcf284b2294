"""ember.autograd: backward, grad, custom Functions, grad modes, functional transforms and
gradient checking, with torch.autograd's API."""
from ember._ops import engine as _engine
from ember.autograd import forward_ad, functional, graph  # noqa: F401
from ember.autograd.function import Function, FunctionCtx, once_differentiable  # noqa: F401
from ember.autograd.grad_mode import (detect_anomaly, enable_grad, inference_mode,  # noqa
                                      is_anomaly_check_nan_enabled, is_anomaly_enabled,
                                      is_grad_enabled, is_inference_mode_enabled, no_grad,
                                      set_detect_anomaly, set_grad_enabled)
from ember.autograd.gradcheck import gradcheck, gradgradcheck  # noqa: F401



class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, _engine.Tensor)


class Variable(metaclass=_VariableMeta):
    """The legacy autograd wrapper, as torch.autograd.Variable: `Variable(t,
    requires_grad=False)` returns a leaf tensor sharing t's memory, and every tensor is an
    instance of Variable (`volatile` is accepted and ignored, with torch's warning)."""

    def __new__(cls, data=None, requires_grad=False, volatile=False):
        if volatile:
            import warnings
            warnings.warn("volatile was removed and now has no effect. Use `with "
                          "torch.no_grad():` instead.", UserWarning, stacklevel=2)
        if data is None:
            from ember._ops.creation import empty
            return empty(0, requires_grad=requires_grad)
        if not isinstance(data, _engine.Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got "
                            f"{type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)


def _tensors(x):
    if x is None:
        return None
    if isinstance(x, _engine.Tensor):
        return [x]
    return list(x)


def _check_outputs(outputs):
    for i, t in enumerate(outputs):
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")


def _make_grads(outputs, grads):
    """The gradients to start backward from: ones for scalar outputs given None, else the
    given ones, checked against the outputs' shapes and (for complex) dtypes."""
    from ember._ops.creation import ones_like
    result = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if g is None:
            if out._requires_grad:
                if out.numel() != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if out.dtype.category != 2:
                    raise RuntimeError("grad can be implicitly created only for real scalar "
                                       f"outputs but got {out.dtype}")
            result.append(ones_like(out))
            continue
        if not isinstance(g, _engine.Tensor):
            from ember._ops.creation import tensor
            g = tensor(g, dtype=out.dtype)
        if g.shape != out.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{g.shape} and output[{i}] has a shape of {out.shape}.")
        if (g.dtype.category == 3) != (out.dtype.category == 3):
            raise RuntimeError("For complex Tensors, both grad_output and output are required "
                               "to have the same dtype. Mismatch in dtype: grad_output["
                               f"{i}] has a dtype of {g.dtype} and output[{i}] has a dtype of "
                               f"{out.dtype}.")
        result.append(g)
    return result


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Compute the gradients of `tensors` (scalars, or weighted by `grad_tensors`) with
    respect to the graph's leaves and accumulate them into their `.grad`, as
    torch.autograd.backward. `inputs` restricts accumulation to those tensors (leaves or
    not); the graph's saved tensors are freed unless `retain_graph`; `create_graph` records
    the backward pass itself for higher-order gradients."""
    tensors = _tensors(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    grads = _tensors(grad_tensors) if grad_tensors is not None else [None] * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(f"got {len(tensors)} tensors and {len(grads)} gradients")
    _check_outputs(tensors)
    grads = _make_grads(tensors, grads)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _tensors(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        for t in inputs:
            if not t._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    _engine.run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs,
                         accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return the gradients of `outputs` with respect to `inputs` as a tuple, without touching
    any `.grad` (torch.autograd.grad). `grad_outputs` weight non-scalar outputs;
    `allow_unused` gives None for inputs the outputs do not depend on (zeros with
    `materialize_grads`); `is_grads_batched` treats the first dimension of each grad_output
    as a batch of separate vector-Jacobian products."""
    outputs = _tensors(outputs)
    inputs = _tensors(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    else:
        grad_outputs = _tensors(grad_outputs)
    _check_outputs(outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if is_grads_batched:
        result = _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph,
                               allow_unused)
    else:
        grads = _make_grads(outputs, grad_outputs)
        result = _engine.run_backward(outputs, grads, retain_graph, create_graph,
                                      inputs=inputs, accumulate=False,
                                      allow_unused=allow_unused)
    if materialize_grads:
        from ember._ops.creation import zeros_like
        result = [zeros_like(i) if r is None else r for r, i in zip(result, inputs)]
    return tuple(result)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused):
    """One backward per entry of the grad_outputs' first dimension, stacked."""
    from ember._ops.creation import zeros_like
    from ember._ops.shape import stack
    n = grad_outputs[0].shape[0]
    per = []
    for b in range(n):
        grads = _make_grads(outputs, [g[b] for g in grad_outputs])
        per.append(_engine.run_backward(outputs, grads, retain_graph or b < n - 1,
                                        create_graph, inputs=inputs, accumulate=False,
                                        allow_unused=allow_unused))
    result = []
    for k, x in enumerate(inputs):
        column = [p[k] for p in per]
        if all(c is None for c in column):
            result.append(None)
        else:
            result.append(stack([zeros_like(x) if c is None else c for c in column]))
    return result
