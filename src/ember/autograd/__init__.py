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

Variable = None  # set in ember/__init__ (torch.autograd.Variable is Tensor)


def _tensors(x):
    if x is None:
        return None
    if isinstance(x, _engine.Tensor):
        return [x]
    return list(x)


def _make_grads(outputs, grads, is_grads_batched=False):
    from ember._ops.creation import ones_like
    result = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if g is None:
            if out._requires_grad and out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out.dtype.category != 2 and out._requires_grad:
                raise RuntimeError("grad can be implicitly created only for real scalar "
                                   f"outputs but got {out.dtype}")
            result.append(ones_like(out))
        else:
            if not isinstance(g, _engine.Tensor):
                from ember._ops.creation import tensor
                g = tensor(g, dtype=out.dtype)
            if g.shape != out.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{g.shape} and output[{i}] has a shape of {out.shape}.")
            result.append(g)
    return result


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulate gradients of `tensors` into the leaves' `.grad` (torch.autograd.backward)."""
    tensors = _tensors(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    grads = _tensors(grad_tensors) if grad_tensors is not None else [None] * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(f"got {len(grads)} gradients for {len(tensors)} tensors")
    for t in tensors:
        if not t._requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a "
                               "grad_fn")
    grads = _make_grads(tensors, grads)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _tensors(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    _engine.run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs,
                         accumulate=True)
    _run_post_accumulate_hooks(inputs)


def _run_post_accumulate_hooks(inputs):
    # post-accumulate hooks are rare; they are kept on the tensor and run by the engine
    return None


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of `outputs` with respect to `inputs`, returned (not accumulated)."""
    outputs = _tensors(outputs)
    single = isinstance(inputs, _engine.Tensor)
    inputs = _tensors(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    else:
        grad_outputs = _tensors(grad_outputs)
    for o in outputs:
        if not o._requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a "
                               "grad_fn")
    if is_grads_batched:
        from ember._ops.shape import stack
        per = [grad(outputs, inputs, [g[i] for g in grad_outputs], True, create_graph,
                    allow_unused=allow_unused)
               for i in range(grad_outputs[0].shape[0])]
        return tuple(stack([p[k] for p in per]) for k in range(len(inputs)))
    grads = _make_grads(outputs, grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    result = _engine.run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs,
                                  accumulate=False, allow_unused=allow_unused)
    if materialize_grads:
        from ember._ops.creation import zeros_like
        result = [zeros_like(i) if r is None else r for r, i in zip(result, inputs)]
    return tuple(result)
