"""gradcheck / gradgradcheck: compare analytical gradients with finite differences.

Every input and output is seen as a list of real coordinates (a complex element gives two:
its real and imaginary parts). The numerical Jacobian perturbs one input coordinate at a
time by +-eps (central differences); the analytical one runs one backward per output
coordinate. With torch's convention for complex numbers, the gradient that backward returns
for a complex input holds d/d(real) in its real part and d/d(imag) in its imaginary part.
"""
import warnings

from ember._backend import xp
from ember._ops import engine as _engine


class GradcheckError(RuntimeError):
    """Raised by gradcheck / gradgradcheck when a check fails."""


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _is_tensor(x):
    return isinstance(x, _engine.Tensor)


def _differentiable(t):
    return _is_tensor(t) and t.dtype.category >= 2  # floating or complex


def _coords(arr):
    """The real coordinates of an array, flattened (complex: real parts then imag parts)."""
    flat = arr.reshape(-1)
    if flat.dtype.kind == "c":
        return xp.concatenate([flat.real, flat.imag])
    return flat


def _n_coords(t):
    return t.numel() * (2 if t.dtype.category == 3 else 1)


def _evaluate(func, inputs):
    # grad mode stays as it is: func may itself differentiate (gradgradcheck's does)
    outs = _as_tuple(func(*inputs))
    return [xp.array(_coords(o._data), copy=True) if _differentiable(o) else None
            for o in outs]


def _perturb(t, coord, delta):
    """Add `delta` to real coordinate `coord` of tensor `t`, in place (no version bump)."""
    n = t.numel()
    data = t._data
    index = xp.unravel_index(coord % n, data.shape) if data.ndim else ()
    if coord >= n:
        data[index] = data[index] + 1j * delta
    else:
        data[index] = data[index] + delta


def _numerical(func, inputs, k, eps, outputs):
    """Numerical Jacobians of every output with respect to input `k`: a list (per output) of
    arrays shaped (coordinates of input k, coordinates of the output)."""
    x = inputs[k]
    n_in = _n_coords(x)
    jacs = [xp.zeros((n_in, o.shape[0]), dtype=o.dtype) if o is not None else None
            for o in outputs]
    saved = x._data.copy()
    for c in range(n_in):
        _perturb(x, c, eps)
        plus = _evaluate(func, inputs)
        x._data[...] = saved
        _perturb(x, c, -eps)
        minus = _evaluate(func, inputs)
        x._data[...] = saved
        for jac, p, m in zip(jacs, plus, minus):
            if jac is not None:
                jac[c] = (p - m) / (2 * eps)
    return jacs


def _analytical(func, inputs, diff_idx):
    """Analytical Jacobians: {(input k, output o): array (coords of k, coords of o)}, and
    the outputs' coordinates (None for outputs that are not differentiable)."""
    from ember.autograd import grad
    outs = _as_tuple(func(*inputs))
    diff_inputs = [inputs[k] for k in diff_idx]
    result = {}
    for o, out in enumerate(outs):
        if not _differentiable(out):
            continue
        n_out = _n_coords(out)
        for k in diff_idx:
            result[k, o] = xp.zeros((_n_coords(inputs[k]), n_out), dtype=out._data.real.dtype)
        if not out._requires_grad:
            continue
        n = out.numel()
        for c in range(n_out):
            g = _engine.Tensor._make(xp.zeros(out._data.shape, out._data.dtype), out.dtype,
                                     False, None)
            g._data.reshape(-1)[c % n] = 1j if c >= n else 1
            grads = grad([out], diff_inputs, [g], retain_graph=True, allow_unused=True)
            for k, gk in zip(diff_idx, grads):
                if gk is not None:
                    result[k, o][:, c] = _coords(gk._data)
    return result, outs


def _fail(raise_exception, message):
    if raise_exception:
        raise GradcheckError(message)
    return False


def _check_inputs(inputs):
    diff = [k for k, x in enumerate(inputs) if _is_tensor(x) and x._requires_grad]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of them have requires_grad=True.")
    for k in diff:
        if inputs[k].dtype.name not in ("float64", "complex128"):
            warnings.warn(f"Input #{k} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex. ", stacklevel=3)
    return diff


def _part_name(out, o, k, inputs):
    if out.dtype.category == 3 or inputs[k].dtype.category == 3:
        return "(real and imaginary coordinates) "
    return ""


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Check `func`'s analytical gradients (from backward) against central finite differences
    for every input that requires grad; True when they match within ``atol + rtol * |num|``,
    else GradcheckError (or False with ``raise_exception=False``). Inputs should be float64 or
    complex128. `fast_mode` compares random projections ``v^T J u`` instead of whole
    Jacobians. ember has no forward-mode AD or vmap, and its backward is deterministic: the
    forward-AD, batched, undefined-grad and reentrancy checks are accepted and not run."""
    inputs = _as_tuple(inputs)
    diff_idx = _check_inputs(inputs)
    if not check_backward_ad:
        return True
    if fast_mode:
        return _fast_gradcheck(func, inputs, diff_idx, eps, atol, rtol, raise_exception)
    analytical, outs = _analytical(func, inputs, diff_idx)
    if check_grad_dtypes:
        ok = _check_grad_dtypes(func, inputs, diff_idx, outs, raise_exception)
        if not ok:
            return False
    base = _evaluate(func, inputs)
    # torch checks outputs that do not require grad only when none does
    none_requires = not any(_differentiable(o) and o._requires_grad for o in outs)
    for k in diff_idx:
        numerical = _numerical(func, inputs, k, eps, base)
        for o, out in enumerate(outs):
            if not _differentiable(out):
                continue
            num = numerical[o]
            if not out._requires_grad:
                if none_requires and not xp.allclose(num, 0, rtol=rtol, atol=atol):
                    return _fail(raise_exception,
                                 "Numerical gradient for function expected to be zero")
                continue
            ana = analytical[k, o]
            if not xp.allclose(ana, num, rtol=rtol, atol=atol):
                return _fail(raise_exception,
                             f"Jacobian mismatch for output {o} with respect to input {k} "
                             f"{_part_name(out, o, k, inputs)}".rstrip() + ",\n"
                             f"numerical:{_tensor(num)}\nanalytical:{_tensor(ana)}\n")
    return True


def _tensor(arr):
    from ember._ops.creation import tensor
    return tensor(arr) if getattr(arr, "ndim", 0) else float(arr)


def _check_grad_dtypes(func, inputs, diff_idx, outs, raise_exception):
    from ember._ops.creation import ones_like
    from ember.autograd import grad
    pairs = [o for o in outs if _differentiable(o) and o._requires_grad]
    if not pairs:
        return True
    grads = grad(pairs, [inputs[k] for k in diff_idx], [ones_like(o) for o in pairs],
                 retain_graph=True, allow_unused=True)
    for k, g in zip(diff_idx, grads):
        if g is not None and (g.dtype is not inputs[k].dtype or g.shape != inputs[k].shape):
            return _fail(raise_exception, "Gradient has dtype mismatch" if g.dtype is not
                         inputs[k].dtype else "Gradient has shape mismatch")
    return True


def _fast_gradcheck(func, inputs, diff_idx, eps, atol, rtol, raise_exception):
    """Compare ``v_o^T J_ok u_k`` for random unit `u` (per input) and `v` (per output)."""
    from ember._ops.creation import from_numpy
    from ember.autograd import grad
    if any(inputs[k].dtype.category == 3 for k in diff_idx):
        return gradcheck(func, inputs, eps=eps, atol=atol, rtol=rtol,
                         raise_exception=raise_exception)
    rng = xp.random.default_rng(0)
    outs = _as_tuple(func(*inputs))
    if any(_differentiable(o) and o.dtype.category == 3 for o in outs):
        return gradcheck(func, inputs, eps=eps, atol=atol, rtol=rtol,
                         raise_exception=raise_exception)
    us = {}
    for k in diff_idx:
        u = rng.standard_normal(inputs[k]._data.shape).astype(inputs[k]._data.dtype)
        us[k] = u / max(float(xp.linalg.norm(u)), 1e-12)
    vs = {o: rng.standard_normal(out._data.shape).astype(out._data.dtype)
          for o, out in enumerate(outs) if _differentiable(out)}
    for k in diff_idx:
        x = inputs[k]
        saved = x._data.copy()
        x._data[...] = saved + eps * us[k]
        plus = _evaluate(func, inputs)
        x._data[...] = saved - eps * us[k]
        minus = _evaluate(func, inputs)
        x._data[...] = saved
        for o, v in vs.items():
            num = float(xp.dot(v.reshape(-1), (plus[o] - minus[o]) / (2 * eps)))
            out = outs[o]
            ana = 0.0
            if out._requires_grad:
                (g,) = grad([out], [x], [from_numpy(v.copy())], retain_graph=True,
                            allow_unused=True)
                if g is not None:
                    ana = float(xp.dot(g._data.reshape(-1), us[k].reshape(-1)))
            if abs(ana - num) > atol + rtol * abs(num):
                if not raise_exception:
                    return False
                try:  # the slow check gives the whole Jacobians in its message
                    gradcheck(func, inputs, eps=eps, atol=atol, rtol=rtol)
                except GradcheckError as e:
                    detail = f"\n\nIn slow mode: {e}"
                else:
                    detail = ""
                raise GradcheckError(
                    f"Jacobian mismatch for output {o} with respect to input {k},\n"
                    f"numerical:{num}\nanalytical:{ana}\n\nThe above quantities relating the "
                    "numerical and analytical jacobians are computed in fast mode." + detail)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """gradcheck applied to the gradient of `func`: checks second derivatives, computed by
    backward with ``create_graph=True``. `grad_outputs` (random normal by default, requiring
    grad) are the cotangents of `func`'s outputs; the check also covers them."""
    from ember._ops.creation import from_numpy
    from ember.autograd import grad
    inputs = _as_tuple(inputs)
    outputs = _as_tuple(func(*inputs))
    diff_out = [o for o in outputs if _differentiable(o) and o._requires_grad]
    if grad_outputs is None:
        rng = xp.random.default_rng(0)
        grad_outputs = []
        for o in diff_out:
            arr = rng.standard_normal(o._data.shape)
            if o.dtype.category == 3:
                arr = arr + 1j * rng.standard_normal(o._data.shape)
            grad_outputs.append(from_numpy(arr.astype(o._data.dtype)).requires_grad_(True))
        grad_outputs = tuple(grad_outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_grads(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = [o for o in _as_tuple(func(*ins)) if _differentiable(o) and o._requires_grad]
        d_in = [x for x in ins if _is_tensor(x) and x._requires_grad]
        if not outs:
            return tuple(x * 0 for x in d_in)
        gs = grad(outs, d_in, list(gos), create_graph=True, allow_unused=True)
        return tuple(g if g is not None else x * 0 for g, x in zip(gs, d_in))

    return gradcheck(first_grads, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception, fast_mode=fast_mode)
