"""ember.amp.GradScaler against torch's CPU GradScaler: scaling, unscale_, skipped steps on
inf / NaN gradients, scale backoff and growth, state_dict; the disabled pass-through."""
import pickle
import warnings

import numpy as np
import pytest
import torch

import ember

RNG = np.random.default_rng(0)
W0 = RNG.standard_normal((3, 4)).astype(np.float32)
B0 = RNG.standard_normal(3).astype(np.float32)
XS = [RNG.standard_normal((5, 4)).astype(np.float32) for _ in range(8)]
YS = [RNG.standard_normal((5, 3)).astype(np.float32) for _ in range(8)]
BAD = {2: np.inf, 3: np.nan, 6: -np.inf}  # iterations whose gradients overflow


def _train(lib, unscale_first=False, autocast=False, **kw):
    lin = lib.nn.Linear(4, 3)
    with lib.no_grad():
        lin.weight.copy_(lib.tensor(W0))
        lin.bias.copy_(lib.tensor(B0))
    opt = lib.optim.SGD(lin.parameters(), lr=0.1, momentum=0.9)
    scaler = lib.amp.GradScaler("cpu", init_scale=2.0 ** 10, growth_interval=2, **kw)
    history = []
    for i, (x, y) in enumerate(zip(XS, YS)):
        opt.zero_grad()
        with lib.autocast("cpu", enabled=autocast):
            loss = lib.nn.functional.mse_loss(lin(lib.tensor(x)), lib.tensor(y))
        scaled = scaler.scale(loss)
        scaled.backward()
        if i in BAD:
            lin.weight.grad[0, 0] = BAD[i]
        if unscale_first:
            scaler.unscale_(opt)
        scaler.step(opt)
        scaler.update()
        history.append((scaled.item(), scaler.get_scale(), scaler._get_growth_tracker(),
                        lin.weight.detach().numpy().copy(), lin.bias.detach().numpy().copy()))
    return history, scaler


@pytest.mark.parametrize("unscale_first,autocast", [(False, False), (True, False),
                                                    (False, True)])
def test_training_matches_torch(unscale_first, autocast):
    th, ts = _train(torch, unscale_first, autocast)
    eh, es = _train(ember, unscale_first, autocast)
    tol = 1e-2 if autocast else 1e-5  # bfloat16 products round differently
    for i, (t, e) in enumerate(zip(th, eh)):
        np.testing.assert_allclose(e[0], t[0], rtol=tol, err_msg=f"scaled loss {i}")
        assert e[1:3] == t[1:3], i
        np.testing.assert_allclose(e[3], t[3], rtol=tol, atol=tol / 10, err_msg=f"weight {i}")
        np.testing.assert_allclose(e[4], t[4], rtol=tol, atol=tol / 10, err_msg=f"bias {i}")
    # iterations 2 and 3 overflowed: the scale backed off twice and the weights stood still
    assert [h[1] for h in eh] == [1024.0, 2048.0, 1024.0, 512.0, 512.0, 1024.0, 512.0, 512.0]
    np.testing.assert_array_equal(eh[2][3], eh[1][3])
    assert es.state_dict() == ts.state_dict()


def test_state_dict_round_trip():
    _, scaler = _train(ember)
    sd = scaler.state_dict()
    assert set(sd) == {"scale", "growth_factor", "backoff_factor", "growth_interval",
                       "_growth_tracker"}
    fresh = ember.amp.GradScaler("cpu")
    fresh.load_state_dict(sd)
    assert fresh.state_dict() == sd
    assert fresh.get_scale() == sd["scale"]
    fresh.scale(ember.ones(()))
    assert fresh.get_scale() == sd["scale"]
    clone = pickle.loads(pickle.dumps(scaler))
    assert clone.state_dict() == sd
    with pytest.raises(RuntimeError, match="empty"):
        fresh.load_state_dict({})


def test_scale_nested_outputs_and_errors():
    s = ember.amp.GradScaler("cpu", init_scale=4.0)
    x = ember.tensor(2.0)
    out = s.scale([x, (x, x)])
    assert isinstance(out, list) and isinstance(out[1], tuple)
    assert out[1][1].item() == 8.0
    with pytest.raises(ValueError, match="outputs must be a Tensor"):
        s.scale(3)
    with pytest.raises(AssertionError, match="growth factor"):
        ember.amp.GradScaler("cpu", growth_factor=1.0)
    p = ember.nn.Parameter(ember.ones(2))
    opt = ember.optim.SGD([p], lr=1.0)
    s.scale(p.sum()).backward()
    s.unscale_(opt)
    assert p.grad.tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="already been called"):
        s.unscale_(opt)
    s.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        s.step(opt)
    s.update(16.0)
    assert s.get_scale() == 16.0


def test_cuda_scaler_disables_itself_and_passes_through():
    with pytest.warns(UserWarning, match="CUDA is not available"):
        s = ember.amp.GradScaler()
    assert not s.is_enabled()
    x = ember.tensor(3.0)
    assert s.scale(x) is x
    assert s.get_scale() == 1.0 and s.state_dict() == {}
    p = ember.nn.Parameter(ember.ones(2))
    opt = ember.optim.SGD([p], lr=1.0)
    p.grad = ember.ones(2)
    s.unscale_(opt)
    s.step(opt)
    s.update()
    assert p.tolist() == [0.0, 0.0]
    off = ember.amp.GradScaler("cpu", enabled=False)
    assert off.scale(x) is x and not off.is_enabled()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert not ember.cuda.amp.GradScaler().is_enabled()
        assert ember.cpu.amp.GradScaler().is_enabled()


def test_amp_kernels_match_torch():
    grads = [np.array([1.0, 2.0], np.float32), np.array([4.0, np.inf], np.float32)]
    res = []
    for lib in (torch, ember):
        gs = [lib.tensor(g) for g in grads]
        found = lib.zeros(())
        lib._amp_foreach_non_finite_check_and_unscale_(gs[:1], found, lib.tensor(0.5))
        first = found.item()
        lib._amp_foreach_non_finite_check_and_unscale_(gs, found, lib.tensor(0.5))
        scale, tracker = lib.tensor(8.0), lib.tensor(1, dtype=lib.int32)
        lib._amp_update_scale_(scale, tracker, lib.zeros(()), 2.0, 0.5, 2)
        grown = (scale.item(), tracker.item())
        lib._amp_update_scale_(scale, tracker, found, 2.0, 0.5, 2)
        res.append((first, found.item(), [g.tolist() for g in gs], grown,
                    (scale.item(), tracker.item())))
    assert res[0] == res[1]
