"""ember.func against torch.func 2.13: grad, grad_and_value, vjp, jvp, jacrev, jacfwd,
hessian (values, structures over argnums and pytrees, has_aux), functional_call (one dict
or several, ties, errors) and the loop-based vmap (in_dims/out_dims, errors)."""
import numpy as np
import pytest
import torch

import ember

LIBS = pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])


def _flat(x):
    if isinstance(x, (tuple, list)):
        return [z for e in x for z in _flat(e)]
    if isinstance(x, dict):
        return [z for k in sorted(x) for z in _flat(x[k])]
    return [x]


def _same(e, t, rtol=1e-10):
    fe, ft = _flat(e), _flat(t)
    assert len(fe) == len(ft)
    for a, b in zip(fe, ft):
        if not hasattr(b, "detach"):
            assert a == b
            continue
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol,
                                   atol=1e-12)


def _both(fn):
    return fn(ember), fn(torch)


def _t(lib, shape, seed):
    return lib.tensor(np.random.default_rng(seed).standard_normal(shape))


def _f(x, y):
    return (x.sin() * y.exp()).sum() + (x * x * y).sum()


@pytest.mark.parametrize("argnums", [0, 1, (0, 1), (1,), -1])
def test_grad_argnums(argnums):
    e, t = _both(lambda L: L.func.grad(_f, argnums=argnums)(_t(L, 3, 0), _t(L, 3, 1)))
    _same(e, t)


def test_grad_and_value_and_aux():
    def run(L):
        def f(x):
            return (x ** 3).sum(), {"aux": x * 2}
        g, (v, aux) = L.func.grad_and_value(f, has_aux=True)(_t(L, 4, 0))
        g2, aux2 = L.func.grad(f, has_aux=True)(_t(L, 4, 0))
        return g, v, aux, g2, aux2
    e, t = _both(run)
    _same(e, t)
    assert not e[0].requires_grad and not e[1].requires_grad


def test_grad_over_pytree_params():
    def run(L):
        params = {"w": _t(L, (3, 2), 0), "b": _t(L, 2, 1)}
        x = _t(L, (5, 3), 2)
        return L.func.grad(lambda p, x: ((x @ p["w"] + p["b"]).tanh() ** 2).mean())(params, x)
    e, t = _both(run)
    assert isinstance(e, dict) and sorted(e) == ["b", "w"]
    _same(e, t)


def test_grad_of_grad():
    e, t = _both(lambda L: L.func.grad(lambda x: L.func.grad(
        lambda y: (y.sin() * y ** 2).sum())(x).sum())(_t(L, 4, 0)))
    _same(e, t)


def test_grad_composes_with_backward():
    def run(L):
        x = _t(L, 3, 0).requires_grad_(True)
        g = L.func.grad(lambda a: (a ** 3).sum())(x)
        g.sum().backward()
        return g, x.grad
    e, t = _both(run)
    _same(e, t)


@LIBS
def test_grad_errors(lib):
    x = _t(lib, 3, 0)
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar Tensor"):
        lib.func.grad(lambda x: x * 2)(x)
    with pytest.raises(RuntimeError, match="Got argnum=2, but only 1 positional inputs"):
        lib.func.grad(lambda x: x.sum(), argnums=2)(x)
    with pytest.raises(RuntimeError, match="output of function f should be a tuple"):
        lib.func.grad(lambda x: x.sum(), has_aux=True)(x)


def test_vjp():
    def run(L):
        x, y = _t(L, 3, 0), _t(L, 3, 1)
        out, fn = L.func.vjp(lambda a, b: (a.tanh() * b, a.sum()), x, y)
        return out, fn((_t(L, 3, 2), _t(L, (), 3)))
    e, t = _both(run)
    _same(e, t)
    assert isinstance(e[1], tuple) and len(e[1]) == 2


def test_vjp_has_aux():
    def run(L):
        out, fn, aux = L.func.vjp(lambda a: (a.exp(), a + 1), _t(L, 3, 0), has_aux=True)
        return out, fn(_t(L, 3, 1)), aux
    e, t = _both(run)
    _same(e, t)


def test_jvp():
    def run(L):
        return L.func.jvp(lambda a, b: (a * b.sin(), (a @ b)), (_t(L, 3, 0), _t(L, 3, 1)),
                          (_t(L, 3, 2), _t(L, 3, 3)))
    e, t = _both(run)
    _same(e, t)


def test_jvp_has_aux_and_pytree():
    def run(L):
        return L.func.jvp(lambda d: ((d["a"] * d["b"]).exp(), d["a"].sum()),
                          ({"a": _t(L, 3, 0), "b": _t(L, 3, 1)},),
                          ({"a": _t(L, 3, 2), "b": _t(L, 3, 3)},), has_aux=True)
    e, t = _both(run)
    _same(e, t)


@LIBS
def test_jvp_errors(lib):
    x = _t(lib, 3, 0)
    with pytest.raises(RuntimeError, match="Expected primals to be a tuple"):
        lib.func.jvp(lambda a: a * 2, x, x)
    with pytest.raises(RuntimeError, match="forward gradient is of size \\[2\\]"):
        lib.func.jvp(lambda a: a * 2, (x,), (x[:2],))


@pytest.mark.parametrize("which", ["jacrev", "jacfwd"])
def test_jacobians(which):
    def run(L):
        jac = getattr(L.func, which)
        x, y = _t(L, 3, 0), _t(L, (2, 3), 1)
        a = jac(lambda a: a.sin() * a.sum())(x)
        b = jac(lambda a, b: (b @ a, (a * a).sum()), argnums=(0, 1))(x, y)
        c = jac(lambda p: (p["w"] @ p["v"]).tanh(), argnums=0)({"w": y, "v": x})
        return a, b, c
    e, t = _both(run)
    _same(e, t)


def test_jacrev_has_aux():
    e, t = _both(lambda L: L.func.jacrev(lambda a: (a.exp(), a.sum()), has_aux=True)(
        _t(L, 3, 0)))
    _same(e, t)


def test_hessian():
    def run(L):
        h1 = L.func.hessian(lambda a: (a.sin() * a.exp()).sum() + (a ** 3).prod())(_t(L, 4, 0))
        h2 = L.func.hessian(lambda a, b: (a * b.tanh()).sum() ** 2, argnums=1)(_t(L, 3, 1),
                                                                                _t(L, 3, 2))
        return h1, h2
    e, t = _both(run)
    _same(e, t)


def _linear_params(L):
    return {"weight": _t(L, (2, 3), 0), "bias": _t(L, 2, 1)}


def test_functional_call():
    def run(L):
        m = L.nn.Linear(3, 2).double()
        x = _t(L, (4, 3), 2)
        before = m.weight.detach().clone()
        y1 = L.func.functional_call(m, _linear_params(L), (x,))
        p = _linear_params(L)
        y2 = L.func.functional_call(m, ({"weight": p["weight"]}, {"bias": p["bias"]}), x)
        # only the weight replaced, the argument given by keyword: the module's own bias
        y3 = L.func.functional_call(m, {"weight": p["weight"]}, args=(), kwargs={"input": x})
        assert np.array_equal(m.weight.detach().numpy(), before.numpy())  # restored
        return y1, y2, y3 - m.bias
    e, t = _both(run)
    _same(e, t)


def test_functional_call_grad_wrt_params():
    def run(L):
        m = L.nn.Sequential(L.nn.Linear(3, 4), L.nn.Tanh(), L.nn.Linear(4, 1)).double()
        rng = np.random.default_rng(0)
        params = {k: L.tensor(rng.standard_normal(tuple(v.shape)))
                  for k, v in m.named_parameters()}
        x = _t(L, (5, 3), 1)
        return L.func.grad(lambda p: L.func.functional_call(m, p, (x,)).pow(2).mean())(params)
    e, t = _both(run)
    _same(e, t)


@LIBS
def test_functional_call_duplicate_keys(lib):
    m = lib.nn.Linear(3, 2).double()
    w = _t(lib, (2, 3), 0)
    with pytest.raises(ValueError, match="appeared in multiple dictionaries"):
        lib.func.functional_call(m, ({"weight": w}, {"weight": w}), (_t(lib, (1, 3), 1),))


def test_vmap():
    def run(L):
        x, y = _t(L, (4, 3), 0), _t(L, 3, 1)
        a = L.func.vmap(lambda r, v: r @ v)(x, y.expand(4, 3))
        b = L.func.vmap(lambda r, v: r * v, in_dims=(0, None))(x, y)
        c = L.func.vmap(lambda r: (r * 2, r.sum()), in_dims=1, out_dims=(1, 0))(x)
        d = L.func.vmap(lambda p: p["a"] + p["b"], in_dims=({"a": 0, "b": None},))(
            {"a": x, "b": y})
        e = L.func.vmap(L.func.grad(lambda r: (r.sin() ** 2).sum()))(x)
        f = L.func.vmap(lambda r: r.outer(r), chunk_size=3)(x)
        g = L.func.vmap(L.func.vmap(lambda s: s * 3))(x)
        return a, b, c, d, e, f, g
    e, t = _both(run)
    _same(e, t)


@LIBS
def test_vmap_errors(lib):
    x = _t(lib, 3, 0)
    with pytest.raises(ValueError, match="expected `in_dims` to be int or a"):
        lib.func.vmap(lambda x: x * 2, in_dims=None)(x)
    with pytest.raises(ValueError, match="Expected all tensors to have the same size in the "
                                         "mapped dimension, got sizes \\[3, 4\\]"):
        lib.func.vmap(lambda a, b: a * b)(x, _t(lib, 4, 1))
    with pytest.raises(ValueError, match="must only return Tensors"):
        lib.func.vmap(lambda a: 3)(x)


def test_func_is_a_lazy_submodule():
    import ember.func
    assert ember.func is ember.__getattr__("func")
    for name in ("grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian",
                 "functional_call", "vmap"):
        assert callable(getattr(ember.func, name))
