"""Functional higher-order autograd: jacobian, hessian, vjp, jvp, hvp, vhp."""
from ember._ops import engine as _engine


def _tuple(x):
    return (x,) if isinstance(x, _engine.Tensor) else tuple(x)


def _prepare(inputs, create_graph):
    return tuple(i.detach().requires_grad_(True) if not create_graph or not i._requires_grad
                 else i.view_as(i) for i in _tuple(inputs))


def _grad_or_zeros(outputs, inputs, grad_outputs, create_graph):
    from ember._ops.creation import zeros_like
    from ember.autograd import grad
    outs = [o for o in outputs]
    needed = [o._requires_grad for o in outs]
    if not any(needed):
        return tuple(zeros_like(i) for i in inputs)
    gos = [g for g, n in zip(grad_outputs, needed) if n]
    outs = [o for o, n in zip(outs, needed) if n]
    res = grad(outs, list(inputs), gos, retain_graph=True, create_graph=create_graph,
               allow_unused=True)
    return tuple(zeros_like(i) if r is None else r for r, i in zip(res, inputs))


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the vector-Jacobian product at inputs."""
    from ember._ops.creation import ones_like
    single_in = isinstance(inputs, _engine.Tensor)
    ins = _prepare(inputs, create_graph)
    with _enable():
        out = func(*ins)
    single_out = isinstance(out, _engine.Tensor)
    outs = _tuple(out)
    vs = _tuple(v) if v is not None else tuple(ones_like(o) for o in outs)
    g = _grad_or_zeros(outs, ins, vs, create_graph)
    out_r = tuple(o if create_graph else o.detach() for o in outs)
    return (out_r[0] if single_out else out_r), (g[0] if single_in else g)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by the double-vjp trick."""
    from ember._ops.creation import ones_like, zeros_like
    single_in = isinstance(inputs, _engine.Tensor)
    ins = _prepare(inputs, True)
    with _enable():
        out = func(*ins)
        single_out = isinstance(out, _engine.Tensor)
        outs = _tuple(out)
        us = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        gs = _grad_or_zeros(outs, ins, us, True)
        vs = _tuple(v) if v is not None else tuple(ones_like(i) for i in ins)
        from ember.autograd import grad
        pairs = [(g, vv) for g, vv in zip(gs, vs) if g._requires_grad]
        if pairs:
            res = grad([p[0] for p in pairs], list(us), [p[1] for p in pairs],
                       create_graph=create_graph, allow_unused=True)
            res = tuple(zeros_like(o) if r is None else r for r, o in zip(res, outs))
        else:
            res = tuple(zeros_like(o) for o in outs)
    out_r = tuple(o if create_graph else o.detach() for o in outs)
    del single_in
    return (out_r[0] if single_out else out_r), (res[0] if single_out else res)


class _enable:
    def __enter__(self):
        from ember._ops.engine import GRAD
        self.prev = GRAD.enabled
        GRAD.enabled = True

    def __exit__(self, *exc):
        from ember._ops.engine import GRAD
        GRAD.enabled = self.prev


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of func at inputs (nested tuples for several inputs/outputs)."""
    from ember._ops.creation import zeros
    from ember._ops.shape import stack
    single_in = isinstance(inputs, _engine.Tensor)
    ins = _prepare(inputs, create_graph)
    with _enable():
        out = func(*ins)
    single_out = isinstance(out, _engine.Tensor)
    outs = _tuple(out)
    result = []
    for o in outs:
        rows = []
        flat = o.reshape(-1)
        for j in range(flat.numel()):
            g = zeros(flat.numel(), dtype=o.dtype)
            g[j] = 1
            with _enable():
                rows.append(_grad_or_zeros([flat], ins, [g], create_graph))
        per_input = []
        for k, x in enumerate(ins):
            if rows:
                jac = stack([r[k] for r in rows]).reshape(tuple(o.shape) + tuple(x.shape))
            else:
                jac = zeros(tuple(o.shape) + tuple(x.shape), dtype=x.dtype)
            per_input.append(jac if create_graph else jac.detach())
        result.append(per_input[0] if single_in else tuple(per_input))
    return result[0] if single_out else tuple(result)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function at inputs."""
    single_in = isinstance(inputs, _engine.Tensor)

    def grad_fn(*xs):
        with _enable():
            out = func(*xs)
            g = _grad_or_zeros([out], xs, [None if False else out.new_ones(())], True)
        return g[0] if single_in else g

    return jacobian(grad_fn, inputs, create_graph=create_graph)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H)."""
    ins = _prepare(inputs, True)
    single_in = isinstance(inputs, _engine.Tensor)
    with _enable():
        out = func(*ins)
        g = _grad_or_zeros([out], ins, [out.new_ones(())], True)
        vs = _tuple(v)
        h = _grad_or_zeros(list(g), ins, list(vs), create_graph)
    return (out if create_graph else out.detach()), (h[0] if single_in else h)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v): equal to vhp for the symmetric Hessian."""
    return vhp(func, inputs, v, create_graph, strict)
