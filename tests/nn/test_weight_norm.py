"""Weight normalization against torch 2.13: torch._weight_norm / norm_except_dim (values,
grad_fn names, gradients, double backward), the hook-based nn.utils.weight_norm /
remove_weight_norm and nn.utils.parametrizations.weight_norm (parameters, state_dict keys
and values, outputs and gradients, loading old state_dicts)."""
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.nn as enn

RTOL, ATOL = 1e-5, 1e-6


@pytest.mark.parametrize("shape,dim", [((4, 3, 2), 0), ((4, 3, 2), 2), ((4, 3, 2), 1),
                                       ((4, 3, 2), -1), ((4, 3, 2), -2), ((4, 3, 2), -3),
                                       ((5,), 0), ((3, 4), 1)])
def test_weight_norm_op(shape, dim):
    rng = np.random.default_rng(0)
    v = rng.standard_normal(shape)
    g = np.asarray(torch.norm_except_dim(torch.tensor(v), 2, dim)) * rng.uniform(0.5, 2)
    res = []
    for lib in (torch, ember):
        gn = lib.norm_except_dim(lib.tensor(v), 2, dim)
        vt, gt = lib.tensor(v, requires_grad=True), lib.tensor(g, requires_grad=True)
        w = lib._weight_norm(vt, gt, dim)
        gw = lib.tensor(rng.standard_normal(shape) if lib is torch else res[0][4])
        dv, dg = lib.autograd.grad(w, (vt, gt), gw, create_graph=True)
        d2 = lib.autograd.grad((dv ** 2).sum() + (dg ** 2).sum(), (vt, gt))
        res.append((gn, w, dv, dg, gw.numpy(), d2, type(w.grad_fn).__name__))
    (tn, tw, tdv, tdg, _, td2, tname), (en, ew, edv, edg, _, ed2, ename) = res
    assert ename == tname
    assert tuple(en.shape) == tuple(tn.shape)
    pairs = [(en, tn), (ew, tw), (edv, tdv), (edg, tdg)]
    if tname == "MulBackward0":
        # torch's fused WeightNormInterfaceBackward0 has a wrong second derivative w.r.t. v
        # (torch.autograd.gradgradcheck fails on it); ember's is checked by gradgradcheck
        pairs += list(zip(ed2, td2))
    for a, b in pairs:
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), 1e-10, 1e-12)


def test_weight_norm_op_gradcheck_and_errors():
    rng = np.random.default_rng(1)
    v = ember.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    g = ember.tensor(rng.uniform(0.5, 2, (3, 1)), requires_grad=True)
    assert ember.autograd.gradcheck(lambda a, b: ember._weight_norm(a, b, 0), (v, g))
    assert ember.autograd.gradgradcheck(lambda a, b: ember._weight_norm(a, b, 0), (v, g))
    with pytest.raises(IndexError):
        ember.norm_except_dim(ember.zeros(4, 3, 2), 2, 3)
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        ember._weight_norm(ember.zeros(4, 3), ember.zeros(4, 1, dtype=ember.float64), 0)
    w = ember._weight_norm(ember.ones(2, 3, dtype=ember.float16),
                           ember.ones(2, 1, dtype=ember.float16), 0)
    assert w.dtype == ember.float16


def _pair(name, *args, seed=0):
    """The same module in torch and ember (ember loads torch's initial state_dict)."""
    torch.manual_seed(seed)
    mt = getattr(torch.nn, name)(*args).double()
    me = getattr(enn, name)(*args).double()
    me.load_state_dict({k: ember.tensor(v.numpy()) for k, v in mt.state_dict().items()})
    return mt, me


def _state(m):
    return {k: v.detach().numpy() for k, v in m.state_dict().items()}


def _check_same(mt, me, x):
    st, se = _state(mt), _state(me)
    assert list(se) == list(st)
    for k in st:
        np.testing.assert_allclose(se[k], st[k], 1e-12, 1e-12)
    assert [n for n, _ in me.named_parameters()] == [n for n, _ in mt.named_parameters()]
    yt, ye = mt(torch.tensor(x)), me(ember.tensor(x))
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), 1e-10, 1e-12)
    yt.square().sum().backward()
    ye.square().sum().backward()
    gt, ge = dict(mt.named_parameters()), dict(me.named_parameters())
    for k in gt:
        np.testing.assert_allclose(ge[k].grad.numpy(), gt[k].grad.numpy(), 1e-9, 1e-10)


CASES = [("Linear", (5, 4), (3, 5), 0), ("Linear", (5, 4), (3, 5), None),
         ("Linear", (5, 4), (3, 5), 1), ("Conv2d", (2, 3, 3), (1, 2, 5, 5), 0),
         ("Conv2d", (2, 3, 3), (1, 2, 5, 5), 2), ("ConvTranspose1d", (3, 2, 2), (1, 3, 4), 1)]


@pytest.mark.parametrize("name,args,xshape,dim", CASES)
def test_hook_weight_norm(name, args, xshape, dim):
    mt, me = _pair(name, *args)
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        torch.nn.utils.weight_norm(mt, dim=dim)
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        assert enn.utils.weight_norm(me, dim=dim) is me
    assert repr(me) == repr(mt)
    assert tuple(me.weight_g.shape) == tuple(mt.weight_g.shape)
    assert type(me.weight.grad_fn).__name__ == type(mt.weight.grad_fn).__name__
    x = np.random.default_rng(2).standard_normal(xshape)
    _check_same(mt, me, x)
    # the pre-hook recomputes the weight from the (changed) g and v at every call
    with torch.no_grad():
        mt.weight_g.mul_(1.5)
    with ember.no_grad():
        me.weight_g.mul_(1.5)
    np.testing.assert_allclose(me(ember.tensor(x)).detach().numpy(),
                               mt(torch.tensor(x)).detach().numpy(), 1e-10, 1e-12)
    torch.nn.utils.remove_weight_norm(mt)
    assert enn.utils.remove_weight_norm(me) is me
    assert isinstance(me.weight, enn.Parameter)
    assert list(_state(me)) == list(_state(mt))
    np.testing.assert_allclose(me.weight.detach().numpy(), mt.weight.detach().numpy(), 1e-12)


def test_hook_weight_norm_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = enn.utils.weight_norm(enn.Linear(2, 3))
        with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
            enn.utils.weight_norm(m)
        with pytest.raises(ValueError, match="uninitialized parameters"):
            enn.utils.weight_norm(enn.LazyLinear(3))
    with pytest.raises(ValueError, match="weight_norm of 'bias' not found in Linear"):
        enn.utils.remove_weight_norm(m, "bias")


@pytest.mark.parametrize("name,args,xshape,dim", CASES)
def test_parametrized_weight_norm(name, args, xshape, dim):
    mt, me = _pair(name, *args)
    torch.nn.utils.parametrizations.weight_norm(mt, dim=dim)
    assert enn.utils.parametrizations.weight_norm(me, dim=dim) is me
    assert repr(me) == repr(mt)
    assert type(me.weight.grad_fn).__name__ == type(mt.weight.grad_fn).__name__
    _check_same(mt, me, np.random.default_rng(3).standard_normal(xshape))
    torch.nn.utils.parametrize.remove_parametrizations(mt, "weight")
    enn.utils.parametrize.remove_parametrizations(me, "weight")
    assert list(_state(me)) == list(_state(mt))
    np.testing.assert_allclose(me.weight.detach().numpy(), mt.weight.detach().numpy(), 1e-12)


def test_parametrized_weight_norm_loads_old_state_dict():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(0)
        old = torch.nn.utils.weight_norm(torch.nn.Linear(4, 3))
    sd = {k: ember.tensor(v.detach().numpy()) for k, v in old.state_dict().items()}
    me = enn.utils.parametrizations.weight_norm(enn.Linear(4, 3))
    me.load_state_dict(sd)
    x = np.random.default_rng(4).standard_normal((2, 4)).astype("float32")
    np.testing.assert_allclose(me(ember.tensor(x)).detach().numpy(),
                               old(torch.tensor(x)).detach().numpy(), RTOL, ATOL)
    assert "parametrizations.weight.original0" in me.state_dict()
