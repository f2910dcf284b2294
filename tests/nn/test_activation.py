"""nn activations (functional and modules) against torch 2.13: values, gradients, grad_fn
names, in-place forms, gradcheck / gradgradcheck in float64, reprs."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as EF

RTOL, ATOL = 1e-5, 1e-6

# (name, args after input, kwargs); both libraries are called the same way
CASES = [
    ("relu", (), {}), ("relu6", (), {}), ("leaky_relu", (), {}),
    ("leaky_relu", (0.2,), {}), ("leaky_relu", (-0.3,), {}),
    ("rrelu", (), {}), ("rrelu", (0.1, 0.4), {}), ("elu", (), {}), ("elu", (0.5,), {}),
    ("selu", (), {}), ("celu", (), {}), ("celu", (2.0,), {}), ("gelu", (), {}),
    ("gelu", (), {"approximate": "tanh"}), ("silu", (), {}), ("mish", (), {}),
    ("sigmoid", (), {}), ("tanh", (), {}), ("softplus", (), {}),
    ("softplus", (), {"beta": 2.0, "threshold": 1.5}), ("softsign", (), {}),
    ("hardtanh", (), {}), ("hardtanh", (-0.5, 2.0), {}), ("hardsigmoid", (), {}),
    ("hardswish", (), {}), ("softmax", (1,), {}), ("softmin", (0,), {}),
    ("log_softmax", (-1,), {}), ("threshold", (0.3, -2.0), {}), ("glu", (), {}),
    ("glu", (0,), {}), ("logsigmoid", (), {}), ("tanhshrink", (), {}),
    ("softshrink", (), {}), ("softshrink", (1.0,), {}), ("hardshrink", (), {}),
    ("hardshrink", (1.2,), {}),
]
INPLACE = [
    ("relu", (), {}), ("relu6", (), {}), ("leaky_relu", (0.2,), {}), ("elu", (), {}),
    ("selu", (), {}), ("celu", (1.5,), {}), ("silu", (), {}), ("mish", (), {}),
    ("hardtanh", (), {}), ("hardsigmoid", (), {}), ("hardswish", (), {}),
    ("threshold", (0.3, -2.0), {}), ("rrelu", (), {}),
]


def _x(dtype=np.float32, shape=(4, 6), seed=0, scale=4.0, kinks=True):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-scale, scale, shape).astype(dtype)
    if kinks:
        x.flat[:6] = [0.0, 3.0, -3.0, 0.5, -0.5, 6.0][: x.size]  # the kinks of the piecewise ones
    return x


def _graph(t):
    fn = t.grad_fn
    return (type(fn).__name__,
            tuple(None if f is None else type(f).__name__ for f, _ in fn.next_functions))


def _check(name, args, kwargs, x, inplace=False, names=True):
    tx = torch.tensor(x, requires_grad=True)
    ex = ember.tensor(x, requires_grad=True)
    if inplace:
        tin, ein = tx.clone(), ex.clone()
        tout = getattr(TF, name)(tin, *args, inplace=True, **kwargs)
        eout = getattr(EF, name)(ein, *args, inplace=True, **kwargs)
        assert eout is ein
    else:
        tout = getattr(TF, name)(tx, *args, **kwargs)
        eout = getattr(EF, name)(ex, *args, **kwargs)
    np.testing.assert_allclose(eout.detach().numpy(), tout.detach().numpy(), rtol=RTOL,
                               atol=ATOL)
    assert eout.dtype == getattr(ember, str(tout.dtype).split(".")[1])
    if names:
        assert _graph(eout) == _graph(tout)
    w = np.random.default_rng(1).standard_normal(tout.shape).astype(x.dtype)
    (tout * torch.tensor(w)).sum().backward()
    (eout * ember.tensor(w)).sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=lambda c: str(c))
def test_functional_matches_torch(name, args, kwargs):
    _check(name, args, kwargs, _x())
    _check(name, args, kwargs, _x(shape=(2, 4, 6), seed=2))


@pytest.mark.parametrize("name,args,kwargs", INPLACE, ids=lambda c: str(c))
def test_inplace_matches_torch(name, args, kwargs):
    _check(name, args, kwargs, _x(), inplace=True)
    # no grad: written straight into the tensor
    x = _x()
    t, e = torch.tensor(x), ember.tensor(x)
    getattr(TF, name)(t, *args, inplace=True, **kwargs)
    getattr(EF, name)(e, *args, inplace=True, **kwargs)
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", ["relu_", "leaky_relu_", "elu_", "selu_", "celu_",
                                  "hardtanh_", "threshold_", "rrelu_"])
def test_underscore_functions(name):
    args = (0.1, 5.0) if name == "threshold_" else ()
    x = _x()
    t, e = torch.tensor(x), ember.tensor(x)
    getattr(TF, name)(t, *args)
    assert getattr(EF, name)(e, *args) is e
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=lambda c: str(c))
def test_gradcheck(name, args, kwargs):
    x = _x(np.float64, (4, 4), seed=3, scale=3.5, kinks=False)
    x[np.abs(np.abs(x) - 0.5) < 0.01] += 0.05  # finite differences fail at the kinks
    ex = ember.tensor(x, requires_grad=True)
    f = lambda t: getattr(EF, name)(t, *args, **kwargs)  # noqa: E731
    assert ember.autograd.gradcheck(f, (ex,), eps=1e-6, atol=1e-5, rtol=1e-3)
    assert ember.autograd.gradgradcheck(f, (ex,), eps=1e-6, atol=1e-4, rtol=1e-3)


def test_prelu():
    x = _x(shape=(2, 3, 4))
    for wv in (np.array([0.25], np.float32), np.array([0.1, -0.2, 0.3], np.float32)):
        tw = torch.tensor(wv, requires_grad=True)
        ew = ember.tensor(wv, requires_grad=True)
        tx = torch.tensor(x, requires_grad=True)
        ex = ember.tensor(x, requires_grad=True)
        to, eo = TF.prelu(tx, tw), EF.prelu(ex, ew)
        np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=RTOL,
                                   atol=ATOL)
        assert _graph(eo) == _graph(to)
        to.pow(2).sum().backward()
        eo.pow(2).sum().backward()
        np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(ew.grad.numpy(), tw.grad.numpy(), rtol=1e-4, atol=1e-5)
    x64 = ember.tensor(_x(np.float64, (2, 3, 2), seed=4, kinks=False), requires_grad=True)
    w64 = ember.tensor([0.1, -0.2, 0.3], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(EF.prelu, (x64, w64))
    assert ember.autograd.gradgradcheck(EF.prelu, (x64, w64))
    with pytest.raises(RuntimeError):
        EF.prelu(ember.ones(2, 3, 4), ember.ones(2))


def test_rrelu_training_is_random_and_bounded():
    x = ember.tensor(_x(shape=(50, 40)))
    out = EF.rrelu(x, 0.1, 0.3, training=True)
    ratio = (out / x).numpy()[x.numpy() < 0]
    assert ratio.min() >= 0.1 and ratio.max() <= 0.3 and ratio.std() > 0.01
    assert np.array_equal(out.numpy()[x.numpy() > 0], x.numpy()[x.numpy() > 0])


def test_extreme_inputs_stay_finite():
    x = np.array([-1e4, -100.0, -30.0, 0.0, 30.0, 100.0, 1e4], np.float32)
    for name in ("logsigmoid", "softplus", "silu", "mish", "gelu", "elu", "selu", "celu",
                 "sigmoid", "hardswish", "softsign"):
        tx = torch.tensor(x, requires_grad=True)
        ex = ember.tensor(x, requires_grad=True)
        to, eo = getattr(TF, name)(tx), getattr(EF, name)(ex)
        np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=RTOL,
                                   atol=ATOL, err_msg=name)
        to.sum().backward()
        eo.sum().backward()
        np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=RTOL, atol=ATOL,
                                   err_msg=name)


@pytest.mark.parametrize("call", [
    lambda F, x: F.elu(x.long()), lambda F, x: F.gelu(x.long()),
    lambda F, x: F.gelu(x, approximate="bad"), lambda F, x: F.glu(x[:, :5]),
    lambda F, x: F.glu(x.sum()), lambda F, x: F.softshrink(x, -1.0),
    lambda F, x: F.hardtanh(x, 2.0, 1.0), lambda F, x: F.silu(x.long()),
    lambda F, x: F.hardtanh(x > 0), lambda F, x: F.relu(x > 0),
    lambda F, x: F.leaky_relu_(x.clone().requires_grad_().mul(1), -0.5).sum().backward(),
])
def test_errors_match_torch(call):
    x = _x()
    with pytest.raises(Exception) as err:
        call(TF, torch.tensor(x))
    with pytest.raises(err.type):
        call(EF, ember.tensor(x))


def test_integer_inputs():
    x = np.arange(-4, 5)
    for name, args in (("relu", ()), ("relu6", ()), ("hardtanh", ()),
                       ("threshold", (1, 7))):
        t = getattr(TF, name)(torch.tensor(x), *args)
        e = getattr(EF, name)(ember.tensor(x), *args)
        assert str(e.dtype) == str(t.dtype).replace("torch", "ember")
        np.testing.assert_array_equal(e.numpy(), t.numpy())


# --- modules ---------------------------------------------------------------------------------

MODULES = [
    ("ReLU", (), {}), ("ReLU", (), {"inplace": True}), ("ReLU6", (), {}),
    ("ReLU6", (True,), {}), ("LeakyReLU", (), {}), ("LeakyReLU", (0.2, True), {}),
    ("RReLU", (), {}), ("RReLU", (0.1, 0.3), {"inplace": True}), ("ELU", (), {}),
    ("ELU", (0.5, True), {}), ("SELU", (), {}), ("SELU", (True,), {}), ("CELU", (1.5,), {}),
    ("GELU", (), {}), ("GELU", ("tanh",), {}), ("SiLU", (), {}), ("SiLU", (True,), {}),
    ("Mish", (), {}), ("Sigmoid", (), {}), ("Tanh", (), {}), ("Softplus", (), {}),
    ("Softplus", (2.0, 3.0), {}), ("Softsign", (), {}), ("Hardtanh", (), {}),
    ("Hardtanh", (-2.0, 0.5, True), {}), ("Hardsigmoid", (), {}), ("Hardswish", (True,), {}),
    ("Softmax", (1,), {}), ("Softmax", (), {"dim": -1}), ("Softmax2d", (), {}),
    ("LogSoftmax", (1,), {}), ("Softmin", (0,), {}), ("Threshold", (0.1, 20.0), {}),
    ("Threshold", (0.1, 20.0, True), {}), ("GLU", (), {}), ("GLU", (1,), {}),
    ("LogSigmoid", (), {}), ("Tanhshrink", (), {}), ("Softshrink", (), {}),
    ("Softshrink", (0.7,), {}), ("Hardshrink", (1.5,), {}), ("PReLU", (), {}),
    ("PReLU", (4,), {"init": 0.1}),
]


@pytest.mark.parametrize("name,args,kwargs", MODULES, ids=lambda c: str(c))
def test_modules_match_torch(name, args, kwargs):
    tm = getattr(torch.nn, name)(*args, **kwargs)
    em = getattr(ember.nn, name)(*args, **kwargs)
    assert repr(em) == repr(tm).replace("torch", "ember")
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    for p_e, p_t in zip(em.parameters(), tm.parameters()):
        np.testing.assert_array_equal(p_e.detach().numpy(), p_t.detach().numpy())
    x = _x(shape=(2, 4, 3, 2))
    for mode in ("train", "eval"):
        getattr(tm, mode)()
        getattr(em, mode)()
        tx = torch.tensor(x, requires_grad=True)
        ex = ember.tensor(x, requires_grad=True)
        to, eo = tm(tx.clone()), em(ex.clone())
        if name == "RReLU" and mode == "train":  # random slopes: only the bounds can match
            neg = x < 0
            ratio = eo.detach().numpy()[neg] / x[neg]
            assert ((ratio >= 0.1 - 1e-6) & (ratio <= 1 / 3 + 1e-6)).all()
            continue
        np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=RTOL,
                                   atol=ATOL)
        to.pow(2).sum().backward()
        eo.pow(2).sum().backward()
        np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=RTOL, atol=ATOL)
        for p_e, p_t in zip(em.parameters(), tm.parameters()):
            np.testing.assert_allclose(p_e.grad.numpy(), p_t.grad.numpy(), rtol=1e-4,
                                       atol=1e-5)


def test_module_errors():
    with pytest.raises(AssertionError):
        ember.nn.Hardtanh(1.0, 0.5)
    with pytest.raises(ValueError):
        ember.nn.Softmax2d()(ember.ones(2, 3))
    with pytest.warns(UserWarning):
        ember.nn.Softmax()(ember.ones(2, 3))


@pytest.mark.parametrize("name,args", [("elu", ()), ("selu", ()), ("celu", (1.5,)),
                                       ("leaky_relu", (0.2,)), ("hardtanh", ()),
                                       ("threshold", (0.3, -2.0)), ("silu", ()),
                                       ("hardswish", ())])
def test_inplace_gradgradcheck(name, args):
    x = _x(np.float64, (3, 4), seed=5, scale=2.5, kinks=False)
    ex = ember.tensor(x, requires_grad=True)

    def f(t):
        return getattr(EF, name)(t * 1.0, *args, inplace=True)
    assert ember.autograd.gradcheck(f, (ex,), eps=1e-6, atol=1e-5, rtol=1e-3)
    assert ember.autograd.gradgradcheck(f, (ex,), eps=1e-6, atol=1e-4, rtol=1e-3)


@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax(hard):
    ember.manual_seed(0)
    logits = ember.tensor(_x(shape=(200, 4), seed=6, kinks=False), requires_grad=True)
    y = EF.gumbel_softmax(logits, tau=0.5, hard=hard)
    assert y.shape == logits.shape
    np.testing.assert_allclose(y.sum(-1).detach().numpy(), 1.0, rtol=1e-5)
    if hard:
        assert set(np.unique(y.detach().numpy())) <= {0.0, 1.0}
    # samples follow the logits: the most likely class is picked most often
    picks = y.detach().numpy().argmax(-1)
    assert (picks == logits.detach().numpy().argmax(-1)).mean() > 0.5
    (y * ember.arange(4.0)).sum().backward()
    assert logits.grad is not None and np.isfinite(logits.grad.numpy()).all()
    assert logits.grad.abs().sum().item() > 0
