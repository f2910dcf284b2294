"""gradcheck / gradgradcheck: compare analytical gradients with finite differences."""
import numpy as np

from ember._ops import engine as _engine


class GradcheckError(RuntimeError):
    pass


def _as_tuple(x):
    return x if isinstance(x, tuple) else ((x,) if not isinstance(x, list) else tuple(x))


def _numerical_jacobian(fn, inputs, k, out_index, eps):
    x = inputs[k]
    flat = x._data.reshape(-1)
    out0 = _as_tuple(fn(*inputs))[out_index]
    jac = np.zeros((x.numel(), out0.numel()), dtype=x._data.dtype)
    for i in range(flat.size):
        orig = flat[i].copy()
        flat[i] = orig + eps
        plus = _as_tuple(fn(*inputs))[out_index]._data.reshape(-1).copy()
        flat[i] = orig - eps
        minus = _as_tuple(fn(*inputs))[out_index]._data.reshape(-1).copy()
        flat[i] = orig
        jac[i] = (plus - minus) / (2 * eps)
    return jac


def _analytical_jacobian(fn, inputs, k, out_index):
    from ember.autograd import grad
    out = _as_tuple(fn(*inputs))[out_index]
    x = inputs[k]
    jac = np.zeros((x.numel(), out.numel()), dtype=x._data.dtype)
    if not out._requires_grad:
        return jac
    for j in range(out.numel()):
        g = np.zeros(out.numel(), dtype=out._data.dtype)
        g[j] = 1
        from ember._ops.creation import from_numpy
        gt = from_numpy(g.reshape(out._data.shape))
        (r,) = grad([out], [x], [gt], retain_graph=True, allow_unused=True)
        if r is not None:
            jac[:, j] = r._data.reshape(-1)
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """True if func's analytical gradients match central finite differences for every input
    that requires grad (inputs should be float64)."""
    inputs = _as_tuple(inputs)
    outputs = _as_tuple(func(*inputs))
    for k, x in enumerate(inputs):
        if not isinstance(x, _engine.Tensor) or not x._requires_grad:
            continue
        for o in range(len(outputs)):
            if not isinstance(outputs[o], _engine.Tensor) or outputs[o].dtype.category < 2:
                continue
            num = _numerical_jacobian(func, inputs, k, o, eps)
            ana = _analytical_jacobian(func, inputs, k, o)
            if not np.allclose(ana, num, rtol=rtol, atol=atol):
                if raise_exception:
                    raise GradcheckError(
                        f"Jacobian mismatch for output {o} with respect to input {k},\n"
                        f"numerical:{num}\nanalytical:{ana}\n")
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """gradcheck of the gradient: checks second derivatives through create_graph=True."""
    from ember._ops.creation import from_numpy
    from ember.autograd import grad
    inputs = _as_tuple(inputs)
    outputs = _as_tuple(func(*inputs))
    diff_inputs = [x for x in inputs if isinstance(x, _engine.Tensor) and x._requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            from_numpy(rng.standard_normal(o._data.shape).astype(o._data.dtype))
            .requires_grad_(True) for o in outputs if o._requires_grad)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_grads(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = [o for o in _as_tuple(func(*ins)) if o._requires_grad]
        d_in = [x for x in ins if isinstance(x, _engine.Tensor) and x._requires_grad]
        gs = grad(outs, d_in, list(gos), create_graph=True, allow_unused=True)
        return tuple(g if g is not None else d * 0 for g, d in zip(gs, d_in))

    del diff_inputs
    return gradcheck(first_grads, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception)
