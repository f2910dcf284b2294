"""ember.optim.lr_scheduler against torch 2.13: the same learning rates step by step, state
dicts, warnings and custom schedulers."""
import pickle
import warnings

import pytest
import torch

import ember

STEPS = 50


def _opt(lib, kind="SGD", lrs=(0.1, 0.02)):
    ps = [lib.nn.Parameter(lib.ones(2)) for _ in lrs]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(ps, lrs)]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    return lib.optim.Adam(groups, lr=0.1)


def _flat(rows):
    return [x for row in rows for x in row]


def _lam(e):
    return 0.95 ** e


def _mul(e):
    return 0.9 if e % 3 else 1.05


SCHEDULERS = {
    "lambda": lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, _lam),
    "lambda_list": lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, [_lam, lambda e: 1 / (e + 1)]),
    "multiplicative": lambda lib, o: lib.optim.lr_scheduler.MultiplicativeLR(o, _mul),
    "step": lambda lib, o: lib.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5),
    "multistep": lambda lib, o: lib.optim.lr_scheduler.MultiStepLR(o, [5, 12, 12, 30], 0.3),
    "constant": lambda lib, o: lib.optim.lr_scheduler.ConstantLR(o, factor=0.25, total_iters=8),
    "linear": lambda lib, o: lib.optim.lr_scheduler.LinearLR(o, 0.1, 0.9, total_iters=20),
    "linear_default": lambda lib, o: lib.optim.lr_scheduler.LinearLR(o),
    "exponential": lambda lib, o: lib.optim.lr_scheduler.ExponentialLR(o, gamma=0.93),
    "polynomial": lambda lib, o: lib.optim.lr_scheduler.PolynomialLR(o, total_iters=30, power=2.),
    "cosine": lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=1e-3),
    "cosine_long": lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingLR(o, T_max=60),
    "warm_restarts": lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        o, T_0=4, T_mult=2, eta_min=0.001),
    "warm_restarts1": lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, 7),
    "cyclic": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=6),
    "cyclic2": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(
        o, [0.01, 0.001], 0.2, step_size_up=3, step_size_down=5, mode="triangular2"),
    "cyclic_exp": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(
        o, 0.01, 0.1, step_size_up=4, mode="exp_range", gamma=0.97, cycle_momentum=False),
    "onecycle": lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, max_lr=0.5, total_steps=60),
    "onecycle3": lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(
        o, max_lr=[0.5, 0.2], epochs=6, steps_per_epoch=10, three_phase=True,
        anneal_strategy="linear"),
    "sequential": lambda lib, o: lib.optim.lr_scheduler.SequentialLR(
        o, [lib.optim.lr_scheduler.LinearLR(o, 0.1, total_iters=5),
            lib.optim.lr_scheduler.ExponentialLR(o, 0.9),
            lib.optim.lr_scheduler.StepLR(o, 4, 0.5)], milestones=[5, 20]),
    "chained": lambda lib, o: lib.optim.lr_scheduler.ChainedScheduler(
        [lib.optim.lr_scheduler.ConstantLR(o, 0.1, total_iters=3),
         lib.optim.lr_scheduler.ExponentialLR(o, 0.9),
         lib.optim.lr_scheduler.CosineAnnealingLR(o, T_max=15)]),
}


def _trace(lib, name, kind="SGD"):
    opt = _opt(lib, kind)
    sched = SCHEDULERS[name](lib, opt)
    out = [(list(sched.get_last_lr()), [g.get("momentum", g["betas"][0] if "betas" in g else 0)
                                        for g in opt.param_groups])]
    for _ in range(STEPS):
        opt.step()
        sched.step()
        out.append((list(sched.get_last_lr()),
                    [g.get("momentum", g["betas"][0] if "betas" in g else 0)
                     for g in opt.param_groups]))
    return out, sched, opt


@pytest.mark.parametrize("name", list(SCHEDULERS))
@pytest.mark.parametrize("kind", ["SGD", "Adam"])
def test_matches_torch(name, kind):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours, sched, opt = _trace(ember, name, kind)
    ref, tsched, topt = _trace(torch, name, kind)
    for (lo, mo), (lr_, mr) in zip(ours, ref):
        assert lo == pytest.approx(lr_, rel=1e-12, abs=1e-15)
        assert mo == pytest.approx(mr, rel=1e-12, abs=1e-15)
    assert [g["lr"] for g in opt.param_groups] == pytest.approx(
        [g["lr"] for g in topt.param_groups], rel=1e-12)
    assert sorted(sched.state_dict()) == sorted(tsched.state_dict())


def test_reduce_lr_on_plateau():
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85] * 5
    for kwargs in [dict(patience=2), dict(mode="max", factor=0.5, patience=1, cooldown=2),
                   dict(threshold_mode="abs", threshold=0.05, patience=0, min_lr=[0.01, 0.0])]:
        res = []
        for lib in (ember, torch):
            opt = _opt(lib)
            sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
            lrs = []
            for m in metrics:
                opt.step()
                sched.step(m)
                lrs.append(list(sched.get_last_lr()))
            res.append((lrs, sched.state_dict()))
        assert _flat(res[0][0]) == pytest.approx(_flat(res[1][0]), rel=1e-12)
        assert res[0][1] == res[1][1]


def _resumed(lib, name):
    opt = _opt(lib)
    sched = SCHEDULERS[name](lib, opt)
    for _ in range(20):
        opt.step()
        sched.step()
    osd, ssd = opt.state_dict(), pickle.loads(pickle.dumps(sched.state_dict()))
    opt2 = _opt(lib)
    opt2.load_state_dict(osd)
    sched2 = SCHEDULERS[name](lib, opt2)
    sched2.load_state_dict(ssd)
    lrs = []
    for _ in range(STEPS - 20):
        opt2.step()
        sched2.step()
        lrs.append(sched2.get_last_lr())
    return _flat(lrs)


@pytest.mark.parametrize("name", ["step", "cosine", "onecycle", "sequential", "cyclic",
                                  "warm_restarts", "lambda", "chained"])
def test_state_dict_resume(name):
    ours = _resumed(ember, name)
    assert ours == pytest.approx(_resumed(torch, name), rel=1e-12)
    if name not in ("sequential", "chained"):
        # building these (their inner schedulers' initial steps) rewrites the loaded lrs,
        # in torch too, so only the comparison with torch applies to them
        full, _, _ = _trace(ember, name)
        assert ours == pytest.approx(_flat([f[0] for f in full[21:]]), rel=1e-12)


def test_custom_scheduler_and_warnings():
    class Halve(ember.optim.lr_scheduler.LRScheduler):
        def get_lr(self):
            if self.last_epoch == 0:
                return [g["lr"] for g in self.optimizer.param_groups]
            return [g["lr"] / 2 for g in self.optimizer.param_groups]

    opt = _opt(ember)
    sched = Halve(opt)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        sched.step()
    assert any("before `optimizer.step()`" in str(x.message) for x in w)
    assert sched.get_last_lr() == [0.05, 0.01]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()
    assert sched.get_last_lr() == [0.025, 0.005]
    with pytest.warns(UserWarning, match="get_last_lr"):
        ember.optim.lr_scheduler.StepLR(opt, 2).get_lr()


def test_tensor_lr_updated_in_place():
    res = []
    for lib in (ember, torch):
        p = lib.nn.Parameter(lib.ones(2))
        lr = lib.tensor(0.1)
        opt = lib.optim.Adam([p], lr=lr)
        sched = lib.optim.lr_scheduler.ExponentialLR(opt, 0.5)
        for _ in range(3):
            p.grad = lib.ones(2)
            opt.step()
            sched.step()
        assert opt.param_groups[0]["lr"] is lr
        res.append((float(lr), p.detach().numpy().tolist()))
    assert res[0][0] == pytest.approx(res[1][0], rel=1e-7)
    assert res[0][1] == pytest.approx(res[1][1], rel=1e-6)


def test_errors():
    opt = _opt(ember)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        ember.optim.lr_scheduler.StepLR(object(), 3)
    with pytest.raises(KeyError, match="initial_lr"):
        ember.optim.lr_scheduler.StepLR(opt, 3, last_epoch=4)
    with pytest.raises(ValueError, match="total_steps"):
        ember.optim.lr_scheduler.OneCycleLR(opt, 0.1)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        ember.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=2.0)
    s = ember.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=2)
    opt.step()
    s.step(), s.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        s.step()
