"""Normalisation layers against torch.nn with identical parameters and buffers: LayerNorm,
RMSNorm, GroupNorm, LocalResponseNorm, BatchNorm1d/2d/3d and InstanceNorm1d/2d/3d in train
and eval mode (running statistics, momentum None, num_batches_tracked), gradients of inputs
and parameters, double backward, reprs and state_dict keys."""
import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F

RTOL, ATOL = 1e-5, 1e-6


def sync(tmod, emod):
    emod.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy())
                          for k, v in tmod.state_dict().items()})


def randomize(tmod):
    """Non-trivial affine parameters (the defaults are ones and zeros)."""
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for p in tmod.parameters():
            p.copy_(torch.randn(p.shape, generator=g))


def compare(tmod, emod, shape, steps=1):
    """Run both modules `steps` times on the same input; compare outputs, input and parameter
    gradients, and buffers after every step."""
    rng = np.random.default_rng(len(shape))
    for _ in range(steps):
        a = (rng.standard_normal(shape) * 2 + 0.5).astype(np.float32)
        t = torch.from_numpy(a.copy()).requires_grad_()
        e = ember.from_numpy(a.copy()).requires_grad_()
        tout, eout = tmod(t), emod(e)
        np.testing.assert_allclose(eout.detach().numpy(), tout.detach().numpy(), rtol=RTOL,
                                   atol=ATOL)
        assert type(eout.grad_fn).__name__ == type(tout.grad_fn).__name__
        w = rng.standard_normal(shape).astype(np.float32)
        (tout * torch.from_numpy(w)).sum().backward()
        (eout * ember.from_numpy(w)).sum().backward()
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-5)
        for (n, tp), (_, ep) in zip(tmod.named_parameters(), emod.named_parameters()):
            np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-5,
                                       err_msg=n)
        for (n, tb), (en, eb) in zip(tmod.named_buffers(), emod.named_buffers()):
            assert n == en
            np.testing.assert_allclose(eb.numpy(), tb.numpy(), rtol=RTOL, atol=ATOL, err_msg=n)
    assert list(emod.state_dict()) == list(tmod.state_dict())
    assert repr(emod) == repr(tmod)


@pytest.mark.parametrize("args,kwargs,shape", [
    ((4,), {}, (3, 4)), (([2, 3],), {}, (2, 2, 3)), ((3,), {"bias": False}, (2, 3)),
    ((3,), {"elementwise_affine": False}, (5, 3)), ((4,), {"eps": 1e-3}, (2, 1, 4))])
def test_layer_norm(args, kwargs, shape):
    t, e = torch.nn.LayerNorm(*args, **kwargs), ember.nn.LayerNorm(*args, **kwargs)
    randomize(t)
    sync(t, e)
    compare(t, e, shape)


@pytest.mark.parametrize("args,kwargs,shape", [
    ((4,), {}, (3, 4)), (([2, 3],), {"eps": 1e-4}, (2, 2, 3)),
    ((3,), {"elementwise_affine": False}, (5, 3))])
def test_rms_norm(args, kwargs, shape):
    t, e = torch.nn.RMSNorm(*args, **kwargs), ember.nn.RMSNorm(*args, **kwargs)
    randomize(t)
    sync(t, e)
    compare(t, e, shape)


@pytest.mark.parametrize("args,kwargs,shape", [
    ((2, 4), {}, (3, 4, 5)), ((3, 6), {"affine": False}, (2, 6)), ((1, 2), {}, (2, 2, 2, 3)),
    ((2, 4), {"bias": False, "eps": 1e-3}, (2, 4, 2, 2, 2))])
def test_group_norm(args, kwargs, shape):
    t, e = torch.nn.GroupNorm(*args, **kwargs), ember.nn.GroupNorm(*args, **kwargs)
    randomize(t)
    sync(t, e)
    compare(t, e, shape)


def test_group_norm_errors_match_torch():
    with pytest.raises(ValueError) as want:
        torch.nn.GroupNorm(3, 4)
    with pytest.raises(ValueError) as got:
        ember.nn.GroupNorm(3, 4)
    assert str(got.value) == str(want.value)
    with pytest.raises(RuntimeError) as want:
        torch.nn.functional.group_norm(torch.ones(2, 4, 3), 3)
    with pytest.raises(RuntimeError) as got:
        F.group_norm(ember.ones(2, 4, 3), 3)
    assert str(got.value) == str(want.value)


@pytest.mark.parametrize("args,shape", [((2,), (2, 5, 3)), ((3, 1e-3, 0.5, 2.0), (2, 4, 3, 2)),
                                        ((4,), (1, 6, 2, 2, 2))])
def test_local_response_norm(args, shape):
    t, e = torch.nn.LocalResponseNorm(*args), ember.nn.LocalResponseNorm(*args)
    compare(t, e, shape)


@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)),
                                       ("BatchNorm2d", (4, 3, 2, 2)),
                                       ("BatchNorm3d", (2, 3, 2, 2, 2))])
@pytest.mark.parametrize("kwargs", [{}, {"momentum": None}, {"affine": False},
                                    {"track_running_stats": False}, {"bias": False},
                                    {"momentum": 0.5, "eps": 1e-3}])
def test_batch_norm(cls, shape, kwargs):
    t, e = getattr(torch.nn, cls)(3, **kwargs), getattr(ember.nn, cls)(3, **kwargs)
    randomize(t)
    sync(t, e)
    compare(t, e, shape, steps=3)  # train: batch stats, running stats updated 3 times
    t.eval()
    e.eval()
    compare(t, e, shape)  # eval: running stats (batch stats without them)
    if e.num_batches_tracked is not None:
        assert int(e.num_batches_tracked) == 3 and e.num_batches_tracked.dtype is ember.int64


def test_batch_norm_input_checks_match_torch():
    for cls, shape in [("BatchNorm1d", (2, 3, 4, 5)), ("BatchNorm2d", (2, 3)),
                       ("BatchNorm3d", (2, 3, 4))]:
        with pytest.raises(ValueError) as want:
            getattr(torch.nn, cls)(3)(torch.ones(shape))
        with pytest.raises(ValueError) as got:
            getattr(ember.nn, cls)(3)(ember.ones(shape))
        assert str(got.value) == str(want.value)
    with pytest.raises(ValueError) as want:
        torch.nn.BatchNorm1d(3)(torch.ones(1, 3))
    with pytest.raises(ValueError) as got:
        ember.nn.BatchNorm1d(3)(ember.ones(1, 3))
    assert str(got.value) == str(want.value).replace("torch", "ember")


def test_batch_norm_loads_old_checkpoints():
    e = ember.nn.BatchNorm1d(3)
    state = {k: v for k, v in e.state_dict().items() if k != "num_batches_tracked"}
    e.num_batches_tracked.fill_(5)

    class Meta(dict):
        pass
    state = Meta(state)
    state._metadata = {"": {"version": 1}}
    e.load_state_dict(state)
    assert int(e.num_batches_tracked) == 5


@pytest.mark.parametrize("cls,shape", [("InstanceNorm1d", (2, 3, 5)),
                                       ("InstanceNorm1d", (3, 5)),
                                       ("InstanceNorm2d", (2, 3, 2, 3)),
                                       ("InstanceNorm3d", (2, 3, 2, 2, 2))])
@pytest.mark.parametrize("kwargs", [{}, {"affine": True}, {"track_running_stats": True},
                                    {"affine": True, "track_running_stats": True,
                                     "momentum": 0.3}])
def test_instance_norm(cls, shape, kwargs):
    t, e = getattr(torch.nn, cls)(3, **kwargs), getattr(ember.nn, cls)(3, **kwargs)
    randomize(t)
    sync(t, e)
    compare(t, e, shape, steps=2)
    t.eval()
    e.eval()
    compare(t, e, shape)


def test_instance_norm_feature_check_matches_torch():
    with pytest.raises(ValueError) as want:
        torch.nn.InstanceNorm1d(4, affine=True)(torch.ones(2, 3, 5))
    with pytest.raises(ValueError) as got:
        ember.nn.InstanceNorm1d(4, affine=True)(ember.ones(2, 3, 5))
    assert str(got.value) == str(want.value)
    with pytest.warns(UserWarning, match="does not match num_features"):
        ember.nn.InstanceNorm1d(4)(ember.ones(2, 3, 5))


def _f64(*shape):
    return ember.randn(*shape, dtype=ember.float64, requires_grad=True)


@pytest.mark.parametrize("name", ["layer_norm", "batch_train", "batch_eval", "group_norm",
                                  "instance_norm", "rms_norm", "lrn", "normalize"])
def test_gradcheck_and_gradgradcheck(name):
    ember.manual_seed(0)
    x, w, b = _f64(3, 4, 2), _f64(4), _f64(4)
    rm, rv = ember.zeros(4, dtype=ember.float64), ember.ones(4, dtype=ember.float64) * 2
    fns = {
        "layer_norm": (lambda x, w, b: F.layer_norm(x, (4, 2), w.view(4, 1).expand(4, 2),
                                                    b.view(4, 1).expand(4, 2)), (x, w, b)),
        "batch_train": (lambda x, w, b: F.batch_norm(x, None, None, w, b, True), (x, w, b)),
        "batch_eval": (lambda x, w, b: F.batch_norm(x, rm, rv, w, b, False), (x, w, b)),
        "group_norm": (lambda x, w, b: F.group_norm(x, 2, w, b), (x, w, b)),
        "instance_norm": (lambda x, w, b: F.instance_norm(x, weight=w, bias=b), (x, w, b)),
        "rms_norm": (lambda x: F.rms_norm(x, (2,)), (x,)),
        "lrn": (lambda x: F.local_response_norm(x, 3), (x,)),
        "normalize": (lambda x: F.normalize(x, dim=1), (x,)),
    }
    f, args = fns[name]
    assert ember.autograd.gradcheck(f, args)
    assert ember.autograd.gradgradcheck(f, args)


def test_double_backward_matches_torch():
    """Gradient of a gradient norm through layer_norm and batch_norm (as in gradient
    penalties), compared with torch."""
    a = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float64)
    p = np.random.default_rng(1).standard_normal(3).astype(np.float64)
    results = []
    for lib, Fn in ((torch, torch.nn.functional), (ember, F)):
        x = lib.from_numpy(a.copy()).requires_grad_()
        w = lib.from_numpy(p.copy()).requires_grad_()
        for out in (Fn.layer_norm(x, (3,), w), Fn.batch_norm(x, None, None, w, None, True)):
            (g,) = lib.autograd.grad((out ** 3).sum(), x, create_graph=True)
            gx, gw = lib.autograd.grad((g ** 2).sum(), (x, w))
            results.append((gx.numpy(), gw.numpy()))
    for (tx, tw), (ex, ew) in zip(results[:2], results[2:]):
        np.testing.assert_allclose(ex, tx, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(ew, tw, rtol=1e-10, atol=1e-10)


def test_normalize_matches_torch():
    a = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    a[1] = 0
    for kwargs in [{}, {"p": 1.0, "dim": 0}, {"p": 3, "dim": -1, "eps": 1e-3}]:
        np.testing.assert_allclose(F.normalize(ember.from_numpy(a), **kwargs).numpy(),
                                   torch.nn.functional.normalize(torch.from_numpy(a),
                                                                 **kwargs).numpy(),
                                   rtol=RTOL, atol=ATOL)


def test_layer_norm_errors_match_torch():
    cases = [((torch.ones(2, 3), (4,)), {}), ((torch.ones(2, 3), (3,), torch.ones(2)), {}),
             ((torch.ones(2, 3), (2, 3, 1)), {})]
    for args, kwargs in cases:
        with pytest.raises(RuntimeError) as want:
            torch.nn.functional.layer_norm(*args, **kwargs)
        eargs = [ember.from_numpy(a.numpy().copy()) if isinstance(a, torch.Tensor) else a
                 for a in args]
        with pytest.raises(RuntimeError) as got:
            F.layer_norm(*eargs, **kwargs)
        assert str(got.value) == str(want.value)


@pytest.mark.parametrize("cls,shape", [("LazyBatchNorm1d", (4, 3)),
                                       ("LazyBatchNorm2d", (2, 3, 2, 2)),
                                       ("LazyBatchNorm3d", (2, 3, 2, 1, 2)),
                                       ("LazyInstanceNorm1d", (2, 3, 5)),
                                       ("LazyInstanceNorm2d", (2, 3, 2, 2)),
                                       ("LazyInstanceNorm3d", (2, 3, 2, 2, 2))])
@pytest.mark.parametrize("kwargs", [{}, {"affine": False},
                                    {"bias": False, "track_running_stats": False}])
def test_lazy_norms(cls, shape, kwargs):
    t, e = getattr(torch.nn, cls)(**kwargs), getattr(ember.nn, cls)(**kwargs)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    tout, eout = t(torch.from_numpy(a)), e(ember.from_numpy(a))
    assert type(e).__name__ == type(t).__name__ == cls[4:]
    np.testing.assert_allclose(eout.detach().numpy(), tout.detach().numpy(), rtol=RTOL,
                               atol=ATOL)
    for (n, tv), (en, ev) in zip(t.state_dict().items(), e.state_dict().items()):
        assert n == en
        np.testing.assert_allclose(ev.numpy(), tv.numpy(), rtol=RTOL, atol=ATOL)
    assert repr(e) == repr(t)


def test_instance_norm_rejects_old_running_stats_like_torch():
    msgs = []
    for lib in (torch, ember):
        m = lib.nn.InstanceNorm1d(3)
        state = type("State", (dict,), {})({"running_mean": lib.zeros(3),
                                            "running_var": lib.ones(3)})
        state._metadata = {"": {}}
        with pytest.raises(RuntimeError) as err:
            m.load_state_dict(state)
        msgs.append(str(err.value))
    assert msgs[1] == msgs[0]
