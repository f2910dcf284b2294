"""Linear, Bilinear, Identity, Flatten and Unflatten against torch.nn with identical
weights: forward, every gradient, grad_fn graphs, default initialisation, reprs."""
import math

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F

RTOL, ATOL = 1e-5, 1e-6


def copy_weights(tmod, emod):
    """Load torch module's parameters and buffers into the ember module."""
    state = {k: ember.from_numpy(v.detach().numpy().copy()) for k, v in
             tmod.state_dict().items()}
    emod.load_state_dict(state)


def run_both(tmod, emod, *arrays):
    """Forward both modules on the same inputs, backprop the same random weights, and
    compare outputs, input grads and parameter grads."""
    tin = [torch.from_numpy(a.copy()).requires_grad_(a.dtype.kind == "f") for a in arrays]
    ein = [ember.from_numpy(a.copy()).requires_grad_(a.dtype.kind == "f") for a in arrays]
    tout, eout = tmod(*tin), emod(*ein)
    np.testing.assert_allclose(eout.detach().numpy(), tout.detach().numpy(), rtol=RTOL,
                               atol=ATOL)
    if tout.requires_grad:
        w = np.random.default_rng(1).standard_normal(tuple(tout.shape)).astype(arrays[0].dtype)
        (tout * torch.from_numpy(w)).sum().backward()
        (eout * ember.from_numpy(w)).sum().backward()
        for t, e in zip(tin, ein):
            if t.requires_grad:
                np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=RTOL,
                                           atol=ATOL)
        for (name, tp), (ename, ep) in zip(tmod.named_parameters(), emod.named_parameters()):
            assert name == ename
            if tp.grad is None:
                assert ep.grad is None
            else:
                np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=RTOL,
                                           atol=ATOL, err_msg=name)
    return tout, eout


def graph(t):
    fn = t.grad_fn
    return type(fn).__name__, tuple(None if f is None else type(f).__name__
                                    for f, _ in fn.next_functions)


def rand(*shape):
    return np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("shape", [(4, 3), (3,), (2, 5, 3), (0, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(shape, bias):
    tmod, emod = torch.nn.Linear(3, 6, bias=bias), ember.nn.Linear(3, 6, bias=bias)
    copy_weights(tmod, emod)
    tout, eout = run_both(tmod, emod, rand(*shape))
    if tout.numel():
        assert graph(eout) == graph(tout)


def test_linear_weight_grads_without_input_grad():
    # the usual training case: the data does not require grad, only the parameters do
    tmod, emod = torch.nn.Linear(3, 2), ember.nn.Linear(3, 2)
    copy_weights(tmod, emod)
    a = rand(4, 3)
    tmod(torch.from_numpy(a)).sum().backward()
    emod(ember.from_numpy(a)).sum().backward()
    for tp, ep in zip(tmod.parameters(), emod.parameters()):
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=RTOL, atol=ATOL)


def test_linear_detects_weight_changed_before_backward():
    w = ember.randn(3, 2, requires_grad=True)
    out = F.linear(ember.randn(4, 2, requires_grad=True), w, ember.randn(3))
    with ember.no_grad():
        w.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_linear_graph_is_addmm():
    w = ember.randn(4, 3, requires_grad=True)
    b = ember.randn(4, requires_grad=True)
    out = F.linear(ember.randn(2, 3), w, b)
    assert graph(out) == ("AddmmBackward0", ("AccumulateGrad", None, "TBackward0"))


def test_linear_gradcheck():
    def f(x, w, b):
        return F.linear(x, w, b)
    for shape in [(2, 3), (3,), (2, 2, 3)]:
        args = (ember.randn(*shape, dtype=ember.float64, requires_grad=True),
                ember.randn(2, 3, dtype=ember.float64, requires_grad=True),
                ember.randn(2, dtype=ember.float64, requires_grad=True))
        assert ember.autograd.gradcheck(f, args)
        assert ember.autograd.gradgradcheck(f, args)


def test_linear_default_init():
    ember.manual_seed(0)
    lin = ember.nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert np.abs(b).max() <= bound
    assert lin.weight.dtype is ember.float32 and isinstance(lin.weight, ember.nn.Parameter)
    lin64 = ember.nn.Linear(2, 3, dtype=ember.float64)
    assert lin64.weight.dtype is ember.float64 and lin64.bias.dtype is ember.float64


def test_linear_state_dict_and_repr():
    for args, kwargs in [((3, 4), {}), ((2, 5), {"bias": False})]:
        t, e = torch.nn.Linear(*args, **kwargs), ember.nn.Linear(*args, **kwargs)
        assert list(e.state_dict()) == list(t.state_dict())
        assert repr(e) == repr(t)
        assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]


def test_bilinear_matches_torch():
    for bias in (True, False):
        tmod, emod = torch.nn.Bilinear(3, 2, 4, bias=bias), ember.nn.Bilinear(3, 2, 4, bias=bias)
        copy_weights(tmod, emod)
        run_both(tmod, emod, rand(5, 3), rand(5, 2))
        assert repr(emod) == repr(tmod)
        assert list(emod.state_dict()) == list(tmod.state_dict())
    bound = 1 / math.sqrt(30)
    assert float(ember.nn.Bilinear(30, 2, 50).weight.abs().max()) <= bound


def test_bilinear_errors_match_torch():
    for a, b, w in [((2, 3), (3, 2), (4, 3, 2)), ((2, 3), (2, 2), (4, 2, 3))]:
        with pytest.raises(RuntimeError):
            torch.nn.functional.bilinear(torch.ones(a), torch.ones(b), torch.ones(w))
        with pytest.raises(RuntimeError):
            F.bilinear(ember.ones(a), ember.ones(b), ember.ones(w))


def test_identity():
    x = ember.randn(3)
    m = ember.nn.Identity(54, unused="x")
    assert m(x) is x
    assert repr(m) == repr(torch.nn.Identity(54)) == "Identity()"


@pytest.mark.parametrize("args", [(), (0,), (1, 2), (-2, -1), (0, -1)])
def test_flatten(args):
    a = rand(2, 3, 4, 5)
    t, e = torch.nn.Flatten(*args), ember.nn.Flatten(*args)
    run_both(t, e, a)
    assert repr(e) == repr(t)


@pytest.mark.parametrize("shape,dim,sizes", [((4, 6, 5), 1, (2, 3)), ((4, 6, 5), -1, [5, 1]),
                                              ((4, 3, 5), 0, (2, -1))])
def test_unflatten(shape, dim, sizes):
    a = rand(*shape)
    t, e = torch.nn.Unflatten(dim, sizes), ember.nn.Unflatten(dim, sizes)
    run_both(t, e, a)
    assert repr(e) == repr(t)


def test_unflatten_errors():
    for bad in [(2, 3.0), 5]:
        with pytest.raises(TypeError) as want:
            torch.nn.Unflatten(1, bad)
        with pytest.raises(TypeError) as got:
            ember.nn.Unflatten(1, bad)
        assert str(got.value) == str(want.value)


def test_lazy_linear():
    for lib in (torch, ember):
        m = lib.nn.LazyLinear(3)
        assert repr(m) == "LazyLinear(in_features=0, out_features=3, bias=True)"
        assert type(m.weight).__name__ == "UninitializedParameter"
        out = m(lib.randn(2, 5))
        assert type(m).__name__ == "Linear" and type(m.weight).__name__ == "Parameter"
        assert repr(m) == "Linear(in_features=5, out_features=3, bias=True)"
        assert tuple(m.weight.shape) == (3, 5) and tuple(out.shape) == (2, 3)
        assert float(m.weight.detach().abs().max()) <= 1 / math.sqrt(5)
        m = lib.nn.LazyLinear(4, bias=False)
        m(lib.randn(7))
        assert m.bias is None and tuple(m.weight.shape) == (4, 7)
    e = ember.nn.LazyLinear(3)
    e.load_state_dict(ember.nn.Linear(4, 3).state_dict())
    assert tuple(e.weight.shape) == (3, 4)
