"""ember.nn.init against torch.nn.init: fans, gains and errors exactly; samples by their
statistics (the random streams differ from torch's by design)."""
import math
import warnings

import numpy as np
import pytest
import torch

import ember
from ember.nn import init


@pytest.mark.parametrize("shape", [(3, 4), (5, 2, 3), (4, 3, 2, 2), (2, 6, 1, 3, 2), (0, 3)])
def test_fans_match_torch(shape):
    assert init._calculate_fan_in_and_fan_out(ember.empty(shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    for mode in ("fan_in", "fan_out", "FAN_IN"):
        assert init._calculate_correct_fan(ember.empty(shape), mode) == \
            torch.nn.init._calculate_correct_fan(torch.empty(shape), mode)


@pytest.mark.parametrize("args", [("linear",), ("conv2d",), ("conv_transpose3d",), ("sigmoid",),
                                  ("tanh",), ("relu",), ("leaky_relu",), ("leaky_relu", 0.2),
                                  ("leaky_relu", 3), ("selu",)])
def test_gain_matches_torch(args):
    assert init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)


def _same_error(ember_call, torch_call):
    with pytest.raises(Exception) as want:
        torch_call()
    with pytest.raises(want.type) as got:
        ember_call()
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("name,args,shape", [
    ("calculate_gain", ("softmax",), None), ("calculate_gain", ("leaky_relu", True), None),
    ("_calculate_fan_in_and_fan_out", (), (3,)), ("_calculate_correct_fan", ("fan_x",), (2, 2)),
    ("eye_", (), (2, 2, 2)), ("dirac_", (), (3, 3)), ("dirac_", (2,), (3, 2, 3)),
    ("orthogonal_", (), (3,)), ("sparse_", (0.5,), (2, 2, 2))])
def test_errors_match_torch(name, args, shape):
    def call(lib, mod):
        fn = getattr(mod, name)
        return fn(*args) if shape is None else fn(lib.empty(shape), *args)
    _same_error(lambda: call(ember, init), lambda: call(torch, torch.nn.init))


def _stats(t):
    a = t.numpy().ravel()
    return a.mean(), a.std()


N = (200, 300)  # 60000 samples: the sample mean's standard error is std / 245


@pytest.mark.parametrize("fn,kwargs,mean,std", [
    (init.uniform_, dict(a=-1.0, b=3.0), 1.0, 4 / math.sqrt(12)),
    (init.normal_, dict(mean=0.5, std=2.0), 0.5, 2.0),
    (init.xavier_uniform_, dict(gain=2.0), 0.0, 2 * math.sqrt(2 / 500)),
    (init.xavier_normal_, {}, 0.0, math.sqrt(2 / 500)),
    (init.kaiming_uniform_, dict(a=math.sqrt(5)), 0.0, math.sqrt(2 / 6) / math.sqrt(300)),
    (init.kaiming_normal_, dict(mode="fan_out", nonlinearity="relu"), 0.0,
     math.sqrt(2) / math.sqrt(200)),
])
def test_sample_statistics(fn, kwargs, mean, std):
    t = ember.empty(N)
    assert fn(t, **kwargs) is t
    m, s = _stats(t)
    assert abs(m - mean) < 5 * std / math.sqrt(t.numel())
    assert abs(s - std) < 0.02 * std


def test_uniform_bounds():
    t = init.kaiming_uniform_(ember.empty(50, 40), a=math.sqrt(5))
    bound = 1 / math.sqrt(40)
    assert float(t.abs().max()) <= bound
    assert float(t.abs().max()) > 0.95 * bound


def test_trunc_normal():
    t = init.trunc_normal_(ember.empty(N), mean=0.0, std=1.0, a=-2.0, b=2.0)
    a = t.numpy()
    assert a.min() >= -2 and a.max() <= 2
    # the standard normal truncated to [-2, 2] has std 0.8796
    assert abs(a.std() - 0.8796) < 0.01 and abs(a.mean()) < 0.02
    narrow = init.trunc_normal_(ember.empty(N), mean=0.0, std=1.0, a=1.0, b=1.5).numpy()
    assert narrow.min() >= 1.0 and narrow.max() <= 1.5
    # mean of N(0, 1) truncated to [1, 1.5]
    z = (math.exp(-0.5) - math.exp(-1.125)) / math.sqrt(2 * math.pi)
    p = 0.5 * (math.erf(1.5 / math.sqrt(2)) - math.erf(1 / math.sqrt(2)))
    assert abs(narrow.mean() - z / p) < 0.01
    with pytest.warns(UserWarning, match="mean is more than 2 std"):
        init.trunc_normal_(ember.empty(3), mean=10.0)


def test_generator_reproducible():
    for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.kaiming_normal_,
               init.orthogonal_, init.trunc_normal_):
        a = fn(ember.empty(4, 5), generator=ember.Generator().manual_seed(7))
        b = fn(ember.empty(4, 5), generator=ember.Generator().manual_seed(7))
        assert ember.equal(a, b)


def test_constant_ones_zeros_eye_dirac_match_torch():
    for name, args, shape in [("constant_", (2.5,), (2, 3)), ("ones_", (), (3,)),
                              ("zeros_", (), (2, 2)), ("eye_", (), (3, 5)),
                              ("dirac_", (), (4, 2, 3)), ("dirac_", (2,), (4, 3, 3, 2)),
                              ("dirac_", (), (2, 2, 3, 3, 3))]:
        got = getattr(init, name)(ember.full(shape, 7.0), *args)
        want = getattr(torch.nn.init, name)(torch.full(shape, 7.0), *args)
        np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("shape", [(6, 4), (3, 8), (4, 2, 3)])
def test_orthogonal(shape):
    t = init.orthogonal_(ember.empty(shape), gain=2.0)
    m = t.reshape(shape[0], -1).numpy().astype(np.float64)
    rows, cols = m.shape
    gram = m.T @ m if rows >= cols else m @ m.T
    np.testing.assert_allclose(gram, 4 * np.eye(min(rows, cols)), atol=1e-5)


def test_sparse():
    t = init.sparse_(ember.empty(10, 6), sparsity=0.3, std=0.1)
    zeros = (t.numpy() == 0).sum(axis=0)
    assert (zeros == 3).all()


def test_no_grad_and_returns_tensor():
    w = ember.nn.Parameter(ember.empty(3, 4))
    for fn in (init.uniform_, init.normal_, init.ones_, init.zeros_, init.xavier_normal_,
               init.kaiming_uniform_, init.orthogonal_, init.eye_, init.trunc_normal_):
        assert fn(w) is w
        assert w.grad_fn is None and w.requires_grad


def test_zero_element_kaiming_warns():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(ember.empty(0, 3))


def test_deprecated_aliases_warn():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        init.normal(ember.empty(3))
    assert "nn.init.normal` is now deprecated in favor of `nn.init.normal_" in str(w[0].message)
