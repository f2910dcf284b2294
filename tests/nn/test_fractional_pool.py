"""Fractional max pooling (F.fractional_max_pool2d/3d, nn.FractionalMaxPool2d/3d) against
torch 2.13. With `_random_samples` shared, the windows are torch's, so values, indices and
input gradients must be equal exactly; without them only shapes and membership are checked."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as enn
import ember.nn.functional as EF


def _pair(nd, shape, kernel, out, dtype, seed, ratio=None, batched=True):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    n = shape[0] if batched else 1
    c = shape[1] if batched else shape[0]
    s = rng.random((n, c, nd)).astype(dtype)
    results = []
    for lib, F, t in ((torch, torch.nn.functional, torch.tensor),
                      (ember, EF, ember.tensor)):
        xt = t(x, requires_grad=True)
        fn = getattr(F, f"fractional_max_pool{nd}d")
        v, i = fn(xt, kernel, output_size=out, output_ratio=ratio, return_indices=True,
                  _random_samples=t(s))
        g = np.random.default_rng(seed + 1).standard_normal(tuple(v.shape)).astype(dtype)
        v.backward(t(g))
        results.append((v, i, xt))
    return results


CASES = [
    (2, (2, 3, 11, 13), 2, (5, 6), None, True),
    (2, (2, 3, 11, 13), 3, (8, 9), None, True),
    (2, (2, 3, 11, 13), (2, 3), (10, 11), None, True),
    (2, (2, 3, 10, 9), 2, None, (0.5, 0.7), True),
    (2, (3, 9, 9), 2, 4, None, False),
    (2, (1, 2, 5, 5), 2, 1, None, True),
    (3, (2, 3, 7, 8, 9), 2, (3, 4, 5), None, True),
    (3, (2, 3, 7, 8, 9), (2, 3, 1), (5, 5, 8), None, True),
    (3, (2, 6, 6, 6), 2, None, 0.5, False),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_matches_torch_with_shared_samples(case, dtype):
    nd, shape, kernel, out, ratio, batched = CASES[case]
    (tv, ti, tx), (ev, ei, ex) = _pair(nd, shape, kernel, out, dtype, case, ratio, batched)
    np.testing.assert_array_equal(ev.detach().numpy(), tv.detach().numpy())
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    assert ei.dtype == ember.int64 and ev.dtype == getattr(ember, dtype)
    assert type(ev.grad_fn).__name__ == type(tv.grad_fn).__name__
    np.testing.assert_array_equal(ex.grad.numpy(), tx.grad.numpy())


def test_nan_and_ties_follow_torch():
    x = np.zeros((1, 2, 6, 6), "float32")
    x[0, 1, 2, 3] = np.nan
    x[0, 1, 4, 4] = np.nan
    s = np.full((1, 2, 2), 0.4, "float32")
    t = torch.nn.functional.fractional_max_pool2d(torch.tensor(x), 3, output_size=3,
                                                  return_indices=True,
                                                  _random_samples=torch.tensor(s))
    e = EF.fractional_max_pool2d(ember.tensor(x), 3, output_size=3, return_indices=True,
                                 _random_samples=ember.tensor(s))
    np.testing.assert_array_equal(e[0].numpy(), t[0].numpy())
    np.testing.assert_array_equal(e[1].numpy(), t[1].numpy())


def test_random_samples_from_ember_generator():
    ember.manual_seed(0)
    x = ember.randn(4, 3, 20, 20)
    v, i = EF.fractional_max_pool2d(x, 2, output_ratio=0.5, return_indices=True)
    assert tuple(v.shape) == (4, 3, 10, 10)
    flat = x.reshape(4, 3, 400)
    np.testing.assert_array_equal(flat.gather(-1, i.reshape(4, 3, 100)).numpy(),
                                  v.reshape(4, 3, 100).numpy())
    # different planes draw different windows
    j = EF.fractional_max_pool2d(ember.arange(400.).reshape(1, 1, 20, 20).expand(1, 64, 20, 20),
                                 2, output_size=8, return_indices=True)[1]
    assert len({tuple(r) for r in j.reshape(64, 64).tolist()}) > 1
    v3 = EF.fractional_max_pool3d(ember.randn(2, 2, 8, 8, 8), 2, output_size=(3, 4, 5))
    assert tuple(v3.shape) == (2, 2, 3, 4, 5)


def test_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(3)
    x = ember.tensor(rng.standard_normal((1, 2, 7, 7)), requires_grad=True)
    s = ember.tensor(rng.random((1, 2, 2)))

    def f(t):
        return EF.fractional_max_pool2d(t, 2, output_size=4, _random_samples=s)
    assert ember.autograd.gradcheck(f, (x,))
    assert ember.autograd.gradgradcheck(f, (x,))


def test_modules():
    for lib in (torch, ember):
        m = lib.nn.FractionalMaxPool2d(3, output_ratio=0.5)
        assert repr(m) == "FractionalMaxPool2d()"
        assert m.kernel_size == (3, 3) and m.output_ratio == (0.5, 0.5)
        assert m.output_size is None
        assert list(m.state_dict()) == []
        m3 = lib.nn.FractionalMaxPool3d((2, 2, 1), output_size=3, return_indices=True)
        assert repr(m3) == "FractionalMaxPool3d()" and m3.output_size == (3, 3, 3)
    s = np.random.default_rng(0).random((2, 3, 2)).astype("float32")
    x = np.random.default_rng(1).standard_normal((2, 3, 9, 9)).astype("float32")
    mt = torch.nn.FractionalMaxPool2d(2, output_size=5, _random_samples=torch.tensor(s))
    me = enn.FractionalMaxPool2d(2, output_size=5, _random_samples=ember.tensor(s))
    assert list(me.state_dict()) == list(mt.state_dict()) == ["_random_samples"]
    np.testing.assert_array_equal(me(ember.tensor(x)).numpy(), mt(torch.tensor(x)).numpy())


def _errors(lib, F, call):
    try:
        call(lib, F)
    except Exception as e:  # noqa: BLE001
        return type(e), str(e)
    return None


@pytest.mark.parametrize("call", [
    lambda L, F: F.fractional_max_pool2d(L.zeros(2, 3, 10, 9), 3),
    lambda L, F: F.fractional_max_pool2d(L.zeros(2, 3, 10, 9), 3, output_size=9),
    lambda L, F: F.fractional_max_pool2d(L.zeros(2, 3, 10, 9), 3, output_size=(8, 8)),
    lambda L, F: F.fractional_max_pool3d(L.zeros(1, 1, 7, 7, 7), 2, output_size=(5, 6, 6)),
    lambda L, F: F.fractional_max_pool3d(L.zeros(1, 1, 7, 7, 7), 2, output_size=(5, 6, 5)),
    lambda L, F: F.fractional_max_pool2d(L.zeros(2, 3, 10, 9), 3, output_size=(8, 7),
                                         _random_samples=L.zeros(2, 3, 3)),
    lambda L, F: F.fractional_max_pool2d(L.zeros(2, 3, 10, 9), 3, output_size=(8, 7),
                                         _random_samples=L.zeros(2, 3, 2, dtype=L.float64)),
    lambda L, F: L.nn.FractionalMaxPool2d(3),
    lambda L, F: L.nn.FractionalMaxPool2d(3, output_ratio=1.5),
    lambda L, F: L.nn.FractionalMaxPool2d(3, output_ratio=0.5, output_size=3),
])
def test_errors_match(call):
    t = _errors(torch, torch.nn.functional, call)
    e = _errors(ember, EF, call)
    assert t is not None and e is not None
    assert e[0] is t[0] and e[1] == t[1]
