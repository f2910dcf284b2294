"""Dropout functions and modules: identity in eval mode and for p=0, the statistics of the
masks in training mode, channel-wise masks for the feature forms, in-place forms, graphs,
errors and reprs against torch."""
import math
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F

SHAPE = (100, 50, 4)  # 20000 elements


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_statistics(p):
    x = ember.ones(SHAPE)
    out = F.dropout(x, p, training=True)
    kept = out.numpy()[out.numpy() != 0]
    np.testing.assert_allclose(kept, 1 / (1 - p), rtol=1e-6)
    n = x.numel()
    assert abs((out.numpy() != 0).mean() - (1 - p)) < 5 * math.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("fn,dims", [(F.dropout1d, 3), (F.dropout2d, 4), (F.dropout3d, 5)])
def test_feature_dropout_masks_whole_channels(fn, dims):
    x = ember.ones((40, 50) + (3,) * (dims - 2))
    out = fn(x, 0.4, training=True).numpy().reshape(40, 50, -1)
    per_channel = out.min(axis=2) == out.max(axis=2)
    assert per_channel.all()
    kept = (out[..., 0] != 0).mean()
    assert abs(kept - 0.6) < 5 * math.sqrt(0.24 / 2000)
    assert np.allclose(out[out != 0], 1 / 0.6)
    with warnings.catch_warnings():  # dropout2d warns that a 3-D input counts as batched
        warnings.simplefilter("ignore")
        unbatched = fn(ember.ones((50,) + (3,) * (dims - 2)), 0.4, training=True)
    assert unbatched.shape == (50,) + (3,) * (dims - 2)


def test_alpha_dropout_keeps_mean_and_variance():
    ember.manual_seed(0)
    x = ember.randn(200, 300)
    out = F.alpha_dropout(x, 0.3, training=True).numpy()
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02
    fx = ember.randn(400, 300, 2)
    fo = F.feature_alpha_dropout(fx, 0.3, training=True).numpy()
    assert abs(fo.mean()) < 0.03 and abs(fo.std() - 1) < 0.03


@pytest.mark.parametrize("name", ["dropout", "dropout1d", "dropout2d", "dropout3d",
                                  "alpha_dropout", "feature_alpha_dropout"])
def test_eval_and_p0_are_identity(name):
    x = ember.randn(2, 3, 4, 5, 2)[..., 0] if name != "dropout3d" else ember.randn(2, 3, 4, 5, 2)
    if name == "dropout1d":
        x = ember.randn(2, 3, 4)
    fn = getattr(F, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ember.equal(fn(x, 0.5, training=False), x)
        assert ember.equal(fn(x, 0.0, training=True), x)


def test_p1_zeroes_everything():
    x = ember.randn(3, 4, requires_grad=True)
    out = F.dropout(x, 1.0)
    assert not out.detach().numpy().any()
    out.sum().backward()
    assert not x.grad.numpy().any()
    assert not F.alpha_dropout(x, 1.0, True).detach().numpy().any()


def test_dropout_grad_uses_the_mask():
    x = ember.randn(30, 40, requires_grad=True)
    out = F.dropout(x, 0.5)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), (out.detach().numpy() != 0) * 2.0)
    t = torch.randn(3, 4, requires_grad=True)
    e = ember.randn(3, 4, requires_grad=True)
    for tf, ef in [(lambda v: torch.nn.functional.dropout(v, 0.5), lambda v: F.dropout(v, 0.5)),
                   (lambda v: torch.nn.functional.alpha_dropout(v, 0.5, True),
                    lambda v: F.alpha_dropout(v, 0.5, True)),
                   (lambda v: torch.nn.functional.dropout1d(v, 0.5),
                    lambda v: F.dropout1d(v, 0.5))]:
        to, eo = tf(t), ef(e)
        assert type(eo.grad_fn).__name__ == type(to.grad_fn).__name__
        assert [None if f is None else type(f).__name__ for f, _ in eo.grad_fn.next_functions] \
            == [None if f is None else type(f).__name__ for f, _ in to.grad_fn.next_functions]


@pytest.mark.parametrize("name", ["dropout", "dropout1d", "dropout2d", "dropout3d",
                                  "alpha_dropout", "feature_alpha_dropout"])
def test_inplace(name):
    shape = {"dropout1d": (3, 20, 4), "dropout3d": (2, 10, 2, 2, 2)}.get(name, (3, 20, 4, 2))
    x = ember.ones(shape)
    out = getattr(F, name)(x, 0.5, True, True)
    assert out is x
    assert (x.numpy() != 1).any()


@pytest.mark.parametrize("name", ["dropout", "dropout1d", "dropout2d", "alpha_dropout"])
def test_bad_p_errors_match_torch(name):
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError) as want:
            getattr(torch.nn.functional, name)(torch.ones(2, 3, 4), p)
        with pytest.raises(ValueError) as got:
            getattr(F, name)(ember.ones(2, 3, 4), p)
        assert str(got.value) == str(want.value)
        cls = {"dropout": "Dropout", "dropout1d": "Dropout1d", "dropout2d": "Dropout2d",
               "alpha_dropout": "AlphaDropout"}[name]
        with pytest.raises(ValueError):
            getattr(ember.nn, cls)(p)


def test_dropout1d_rank_error_and_dropout2d_warning_match_torch():
    with pytest.raises(RuntimeError) as want:
        torch.nn.functional.dropout1d(torch.ones(2, 3, 4, 5))
    with pytest.raises(RuntimeError) as got:
        F.dropout1d(ember.ones(2, 3, 4, 5))
    assert str(got.value) == str(want.value)
    for shape in [(2, 3), (2, 3, 4)]:
        with warnings.catch_warnings(record=True) as tw:
            warnings.simplefilter("always")
            torch.nn.functional.dropout2d(torch.ones(shape))
        with warnings.catch_warnings(record=True) as ew:
            warnings.simplefilter("always")
            F.dropout2d(ember.ones(shape))
        assert [str(w.message) for w in ew] == [str(w.message) for w in tw]


@pytest.mark.parametrize("cls,args", [("Dropout", ()), ("Dropout", (0.2, True)),
                                      ("Dropout1d", (0.3,)), ("Dropout2d", (0.1, True)),
                                      ("Dropout3d", ()), ("AlphaDropout", (0.25,)),
                                      ("FeatureAlphaDropout", ())])
def test_modules(cls, args):
    e, t = getattr(ember.nn, cls)(*args), getattr(torch.nn, cls)(*args)
    assert repr(e) == repr(t)
    x = ember.randn(4, 6, 3, 2, 2)
    if cls == "Dropout1d":
        x = ember.randn(4, 6, 3)
    elif cls == "Dropout2d":
        x = ember.randn(4, 6, 3, 2)
    e.eval()
    assert ember.equal(e(x.clone()), x)
    e.train()
    assert not ember.equal(e(x.clone()), x)
    assert list(e.state_dict()) == []
