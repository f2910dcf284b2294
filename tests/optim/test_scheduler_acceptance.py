"""Issue 10 acceptance for ember.optim.lr_scheduler against torch 2.13, beyond
test_lr_scheduler.py: every scheduler and mode over 100 steps on three parameter groups
with different lrs (lrs and momenta/betas equal within 1e-12), fractional epochs of
CosineAnnealingWarmRestarts, a ReduceLROnPlateau grid, state dicts equal to torch's and
resumed across the libraries through files, explicit epochs, a custom scheduler, tensor lrs
and argument errors."""
import warnings

import numpy as np
import pytest
import torch

import ember

STEPS = 100
LRS = (0.1, 0.02, 0.5)


def _opt(lib, kind):
    params = [lib.nn.Parameter(lib.ones(2)) for _ in LRS]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, LRS)]
    if kind == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    if kind == "Adam":
        return lib.optim.Adam(groups, lr=0.1, betas=(0.85, 0.99))
    return lib.optim.Adagrad(groups)  # neither momentum nor betas


def _momenta(opt):
    out = []
    for g in opt.param_groups:
        out.append(g["momentum"] if "momentum" in g else g["betas"][0] if "betas" in g else None)
    return out


class Mul:
    """A picklable lr_lambda (its __dict__ goes into the state_dict, as in torch)."""

    def __init__(self, f):
        self.f = f

    def __call__(self, epoch):
        return self.f ** epoch


def _s(lib):
    return lib.optim.lr_scheduler


SCHEDULERS = {
    "lambda": lambda L, o: _s(L).LambdaLR(o, [Mul(0.97), Mul(0.9), lambda e: 1 / (1 + e)]),
    "multiplicative": lambda L, o: _s(L).MultiplicativeLR(o, lambda e: 0.95 if e % 4 else 1.1),
    "step": lambda L, o: _s(L).StepLR(o, step_size=9, gamma=0.7),
    "multistep": lambda L, o: _s(L).MultiStepLR(o, [10, 10, 35, 80], gamma=0.4),
    "constant": lambda L, o: _s(L).ConstantLR(o, factor=0.3, total_iters=17),
    "linear": lambda L, o: _s(L).LinearLR(o, start_factor=1.0, end_factor=0.05, total_iters=60),
    "exponential": lambda L, o: _s(L).ExponentialLR(o, gamma=0.97),
    "polynomial": lambda L, o: _s(L).PolynomialLR(o, total_iters=70, power=0.7),
    "cosine": lambda L, o: _s(L).CosineAnnealingLR(o, T_max=13, eta_min=0.004),
    "warm_restarts": lambda L, o: _s(L).CosineAnnealingWarmRestarts(o, 5, T_mult=2,
                                                                     eta_min=1e-3),
    "warm_restarts1": lambda L, o: _s(L).CosineAnnealingWarmRestarts(o, 11),
    "cyclic_triangular": lambda L, o: _s(L).CyclicLR(o, 0.01, 0.2, step_size_up=7),
    "cyclic_triangular2": lambda L, o: _s(L).CyclicLR(
        o, [0.01, 0.002, 0.05], 0.3, step_size_up=4, step_size_down=9, mode="triangular2",
        base_momentum=[0.7, 0.75, 0.8], max_momentum=0.95),
    "cyclic_exp_range": lambda L, o: _s(L).CyclicLR(o, 0.01, 0.1, step_size_up=6,
                                                    mode="exp_range", gamma=0.98),
    "cyclic_scale_fn": lambda L, o: _s(L).CyclicLR(o, 0.01, 0.1, step_size_up=5,
                                                   scale_fn=Mul(0.8), scale_mode="cycle"),
    "cyclic_scale_iter": lambda L, o: _s(L).CyclicLR(o, 0.01, 0.1, step_size_up=5,
                                                     scale_fn=Mul(0.99),
                                                     scale_mode="iterations"),
    "cyclic_no_momentum": lambda L, o: _s(L).CyclicLR(o, 0.01, 0.1, step_size_up=3,
                                                      cycle_momentum=False),
    "onecycle_cos": lambda L, o: _s(L).OneCycleLR(o, max_lr=0.4, total_steps=101,
                                                  pct_start=0.2, div_factor=10,
                                                  final_div_factor=100),
    "onecycle_linear": lambda L, o: _s(L).OneCycleLR(o, max_lr=[0.4, 0.1, 1.0],
                                                     total_steps=101,
                                                     anneal_strategy="linear"),
    "onecycle_three_phase": lambda L, o: _s(L).OneCycleLR(
        o, max_lr=0.4, epochs=10, steps_per_epoch=11, three_phase=True,
        base_momentum=0.8, max_momentum=[0.9, 0.95, 0.99]),
    "onecycle_no_momentum": lambda L, o: _s(L).OneCycleLR(o, 0.4, total_steps=101,
                                                          cycle_momentum=False),
    "sequential": lambda L, o: _s(L).SequentialLR(
        o, [_s(L).LinearLR(o, 0.1, total_iters=8), _s(L).CosineAnnealingLR(o, T_max=25),
            _s(L).CyclicLR(o, 0.01, 0.05, step_size_up=5, cycle_momentum=False)],
        milestones=[8, 50]),
    "chained": lambda L, o: _s(L).ChainedScheduler(
        [_s(L).ConstantLR(o, 0.5, total_iters=6), _s(L).ExponentialLR(o, 0.98),
         _s(L).StepLR(o, 20, 0.5)], optimizer=o),
}
MOMENTUM_FREE = {"cyclic_no_momentum", "onecycle_no_momentum", "lambda", "multiplicative",
                 "step", "multistep", "constant", "linear", "exponential", "polynomial",
                 "cosine", "warm_restarts", "warm_restarts1", "sequential", "chained"}


def _trace(lib, name, kind, steps=STEPS):
    opt = _opt(lib, kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # identical warnings are checked elsewhere
        sched = SCHEDULERS[name](lib, opt)
        rows = [(list(sched.get_last_lr()), _momenta(opt))]
        for _ in range(steps):
            opt.step()
            sched.step()
            rows.append((list(sched.get_last_lr()), _momenta(opt)))
            assert [g["lr"] for g in opt.param_groups] == rows[-1][0]
    return rows, sched, opt


def _same_rows(ours, ref):
    assert len(ours) == len(ref)
    for (lo, mo), (lr_, mr) in zip(ours, ref):
        assert lo == pytest.approx(lr_, rel=1e-12, abs=1e-15)
        assert [m is None for m in mo] == [m is None for m in mr]
        assert [m for m in mo if m is not None] == pytest.approx(
            [m for m in mr if m is not None], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name", list(SCHEDULERS))
@pytest.mark.parametrize("kind", ["SGD", "Adam"])
def test_100_steps_match_torch(name, kind):
    ours, sched, _ = _trace(ember, name, kind)
    ref, tsched, _ = _trace(torch, name, kind)
    _same_rows(ours, ref)
    assert getattr(sched, "last_epoch", None) == getattr(tsched, "last_epoch", None)


@pytest.mark.parametrize("name", sorted(MOMENTUM_FREE))
def test_optimizer_without_momentum(name):
    _same_rows(_trace(ember, name, "Adagrad")[0], _trace(torch, name, "Adagrad")[0])


@pytest.mark.parametrize("name", ["cyclic_triangular", "onecycle_cos"])
def test_cycle_momentum_needs_momentum_or_betas(name):
    errors = []
    for lib in (ember, torch):
        with pytest.raises(ValueError) as e:
            SCHEDULERS[name](lib, _opt(lib, "Adagrad"))
        errors.append(str(e.value))
    assert errors[0] == errors[1]


def _plain(sd):
    """A scheduler state_dict with callables and nested tensors made comparable."""
    if isinstance(sd, dict):
        return {k: _plain(v) for k, v in sd.items()}
    if isinstance(sd, (list, tuple)):
        return type(sd)(_plain(v) for v in sd)
    if isinstance(sd, (ember.Tensor, torch.Tensor)):
        return sd.tolist()
    if callable(sd):
        return "<callable>"
    return sd


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_state_dict_equals_torch(name):
    _, sched, _ = _trace(ember, name, "SGD", steps=23)
    _, tsched, _ = _trace(torch, name, "SGD", steps=23)
    ours, ref = _plain(sched.state_dict()), _plain(tsched.state_dict())
    assert list(ours) == list(ref)
    for key, value in ref.items():
        if isinstance(value, float):
            assert ours[key] == pytest.approx(value, rel=1e-12), key
        elif key in ("_last_lr", "base_lrs"):
            assert ours[key] == pytest.approx(value, rel=1e-12), key
        elif key == "_schedulers":
            assert [sorted(s) for s in ours[key]] == [sorted(s) for s in value]
        else:
            assert ours[key] == value, key


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_resume_across_libraries_through_files(name, tmp_path):
    """Scheduler and optimizer state saved by torch.save after 30 steps, loaded with
    ember.load into fresh ember objects, continue as torch continues; and the reverse
    (ember.save, then torch.load into torch objects)."""
    results = []
    for first, second in ((torch, ember), (ember, torch), (torch, torch)):
        _, sched, opt = _trace(first, name, "SGD", steps=30)
        path = tmp_path / f"{first.__name__}-{second.__name__}.pt"
        # (plain functions are left out of the state dicts, as torch does; objects' __dict__
        # stay)
        state = {"opt": opt.state_dict(), "sched": sched.state_dict()}
        first.save(state, path)
        loaded = second.load(path, weights_only=False)
        opt2 = _opt(second, "SGD")
        opt2.load_state_dict(loaded["opt"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sched2 = SCHEDULERS[name](second, opt2)
            sched2.load_state_dict(loaded["sched"])
            lrs = []
            for _ in range(20):
                opt2.step()
                sched2.step()
                lrs.append(list(sched2.get_last_lr()) + _momenta(opt2))
        results.append(lrs)
    for lrs in results[:2]:
        assert np.array(lrs) == pytest.approx(np.array(results[2]), rel=1e-12)


def test_warm_restarts_fractional_epochs():
    """step(epoch) with fractional epochs, forward and backward, for T_mult 1 and 2."""
    rng = np.random.default_rng(0)
    epochs = np.cumsum(rng.uniform(0, 0.9, 120)).tolist() + [3.5, 0.25, 17.0, 2.0]
    for kwargs in (dict(T_0=3), dict(T_0=3, T_mult=2, eta_min=0.01), dict(T_0=1, T_mult=3)):
        res = []
        for lib in (ember, torch):
            opt = _opt(lib, "SGD")
            sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, **kwargs)
            lrs = []
            for i, e in enumerate(epochs):
                opt.step()
                sched.step(e)
                if i % 7 == 0:
                    sched.step()  # mixed with plain steps
                lrs.append(list(sched.get_last_lr()) + [sched.T_cur, sched.T_i])
            res.append((lrs, sched.last_epoch))
        assert np.array(res[0][0]) == pytest.approx(np.array(res[1][0]), rel=1e-12, abs=1e-15)
        assert res[0][1] == res[1][1]


@pytest.mark.parametrize("mode", ["min", "max"])
@pytest.mark.parametrize("threshold_mode", ["rel", "abs"])
@pytest.mark.parametrize("cooldown", [0, 3])
def test_reduce_on_plateau_grid(mode, threshold_mode, cooldown):
    rng = np.random.default_rng(1)
    metrics = (np.cumsum(rng.standard_normal(STEPS)) * 0.1 + 5).tolist()
    metrics[30:45] = [metrics[29]] * 15
    for min_lr, eps, threshold, patience, factor in [(0, 1e-8, 1e-4, 2, 0.1),
                                                     ([0.01, 0.0, 0.2], 1e-3, 0.05, 0, 0.5),
                                                     (0.004, 0.05, 0.01, 4, 0.3)]:
        kwargs = dict(mode=mode, threshold_mode=threshold_mode, cooldown=cooldown,
                      min_lr=min_lr, eps=eps, threshold=threshold, patience=patience,
                      factor=factor)
        res = []
        for lib in (ember, torch):
            opt = _opt(lib, "SGD")
            sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
            lrs = []
            for m in metrics:
                opt.step()
                sched.step(lib.tensor(m) if m > 5 else m)  # a tensor metric too
                lrs.append(list(sched.get_last_lr()))
            res.append((lrs, _plain(sched.state_dict())))
        assert np.array(res[0][0]) == pytest.approx(np.array(res[1][0]), rel=1e-12)
        assert res[0][1].keys() == res[1][1].keys()
        for key, value in res[1][1].items():
            if isinstance(value, (float, list)):
                assert res[0][1][key] == pytest.approx(value, rel=1e-12), key
            else:
                assert res[0][1][key] == value, key


@pytest.mark.parametrize("name", ["step", "multistep", "exponential", "cosine", "linear",
                                  "constant", "polynomial", "lambda", "multiplicative"])
def test_explicit_epoch_steps(name):
    """The deprecated step(epoch) path (closed forms where torch has them), with the
    same warnings as torch."""
    res = []
    for lib in (ember, torch):
        opt = _opt(lib, "SGD")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sched = SCHEDULERS[name](lib, opt)
            lrs = []
            for e in [1, 2, 5, 3, 3, 10, 0, 7, 40]:
                opt.step()
                sched.step(e)
                lrs.append(list(sched.get_last_lr()))
        res.append((lrs, sorted({(w.category.__name__, str(w.message)) for w in caught})))
    assert np.array(res[0][0]) == pytest.approx(np.array(res[1][0]), rel=1e-12)
    assert res[0][1] == res[1][1]


def _warmup_class(lib):
    class Warmup(lib.optim.lr_scheduler.LRScheduler):
        """Linear warm-up, then a 10% decay per step (a chainable get_lr and a closed
        form used by step(epoch))."""

        def __init__(self, optimizer, warm, last_epoch=-1):
            self.warm = warm
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            if self.last_epoch < self.warm:
                return [b * (self.last_epoch + 1) / self.warm for b in self.base_lrs]
            return [g["lr"] * 0.9 for g in self.optimizer.param_groups]

        def _get_closed_form_lr(self):
            return [b * min(1.0, (self.last_epoch + 1) / self.warm)
                    * 0.9 ** max(0, self.last_epoch - self.warm + 1) for b in self.base_lrs]
    return Warmup


def test_custom_scheduler_subclass():
    res = []
    for lib in (ember, torch):
        opt = _opt(lib, "Adam")
        sched = _warmup_class(lib)(opt, 5)
        out = [sched.get_last_lr(), sched.base_lrs, sched.last_epoch,
               [g["initial_lr"] for g in opt.param_groups]]
        for _ in range(30):
            opt.step()
            sched.step()
            out.append(sched.get_last_lr())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sched.step(40)
        out.append(sched.get_last_lr())
        sd = sched.state_dict()
        opt2 = _opt(lib, "Adam")
        opt2.load_state_dict(opt.state_dict())
        sched2 = _warmup_class(lib)(opt2, 5, last_epoch=sd["last_epoch"])
        sched2.load_state_dict(sd)
        for _ in range(5):
            opt2.step()
            sched2.step()
            out.append(sched2.get_last_lr())
        res.append((out, sorted(sd)))
    assert res[0][1] == res[1][1]
    for a, b in zip(res[0][0], res[1][0]):
        assert a == pytest.approx(b, rel=1e-12)


@pytest.mark.parametrize("name", ["cyclic_triangular", "onecycle_cos", "exponential",
                                  "sequential", "warm_restarts"])
@pytest.mark.parametrize("kind", ["SGD", "Adam"])
def test_tensor_lr_updated_in_place(name, kind):
    res = []
    for lib in (ember, torch):
        p = lib.nn.Parameter(lib.ones(2))
        lr = lib.tensor(0.1)
        opt = (lib.optim.SGD([p], lr=lr, momentum=0.9) if kind == "SGD"
               else lib.optim.Adam([p], lr=lr, foreach=False))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sched = SCHEDULERS[name](lib, opt)
            rows = []
            for _ in range(25):
                p.grad = lib.ones(2)
                opt.step()
                sched.step()
                assert opt.param_groups[0]["lr"] is lr
                rows.append([float(x) for x in sched.get_last_lr()] + [float(lr)])
        res.append((rows, p.detach().numpy()))
    assert np.array(res[0][0]) == pytest.approx(np.array(res[1][0]), rel=1e-6)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-5)


def _sgd(lib):
    return lib.optim.SGD([lib.nn.Parameter(lib.ones(2))], lr=0.1, momentum=0.9)


ERRORS = {
    "lambda_count": lambda L: _s(L).LambdaLR(_opt(L, "SGD"), [lambda e: 1]),
    "constant_factor": lambda L: _s(L).ConstantLR(_sgd(L), factor=1.5),
    "linear_start": lambda L: _s(L).LinearLR(_sgd(L), start_factor=0),
    "linear_end": lambda L: _s(L).LinearLR(_sgd(L), end_factor=1.5),
    "sequential_milestones": lambda L: (lambda o: _s(L).SequentialLR(
        o, [_s(L).StepLR(o, 2), _s(L).StepLR(o, 3)], milestones=[1, 2]))(_sgd(L)),
    "sequential_optimizer": lambda L: (lambda o, o2: _s(L).SequentialLR(
        o, [_s(L).StepLR(o, 2), _s(L).StepLR(o2, 3)], milestones=[1]))(_sgd(L), _sgd(L)),
    "chained_optimizer": lambda L: (lambda o, o2: _s(L).ChainedScheduler(
        [_s(L).StepLR(o, 2), _s(L).StepLR(o2, 3)]))(_sgd(L), _sgd(L)),
    "cyclic_mode": lambda L: _s(L).CyclicLR(_sgd(L), 0.01, 0.1, mode="foo"),
    "cyclic_lengths": lambda L: _s(L).CyclicLR(_opt(L, "SGD"), [0.01], 0.1),
    "onecycle_total": lambda L: _s(L).OneCycleLR(_sgd(L), 0.1, total_steps=0),
    "onecycle_pct": lambda L: _s(L).OneCycleLR(_sgd(L), 0.1, total_steps=10, pct_start=1.5),
    "onecycle_anneal": lambda L: _s(L).OneCycleLR(_sgd(L), 0.1, total_steps=10,
                                                  anneal_strategy="x"),
    "warm_restarts_T0": lambda L: _s(L).CosineAnnealingWarmRestarts(_sgd(L), T_0=0),
    "warm_restarts_Tmult": lambda L: _s(L).CosineAnnealingWarmRestarts(_sgd(L), 2, T_mult=0),
    "warm_restarts_negative": lambda L: _s(L).CosineAnnealingWarmRestarts(_sgd(L), 2).step(-1),
    "plateau_mode": lambda L: _s(L).ReduceLROnPlateau(_sgd(L), mode="x"),
    "plateau_threshold_mode": lambda L: _s(L).ReduceLROnPlateau(_sgd(L), threshold_mode="x"),
    "plateau_min_lr": lambda L: _s(L).ReduceLROnPlateau(_opt(L, "SGD"), min_lr=[0.1]),
    "not_an_optimizer": lambda L: _s(L).ReduceLROnPlateau(object()),
    "resume_without_initial_lr": lambda L: _s(L).StepLR(_sgd(L), 2, last_epoch=3),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_argument_errors_match_torch(name):
    got = []
    for lib in (ember, torch):
        with pytest.raises(Exception) as e:
            ERRORS[name](lib)
        got.append((type(e.value).__name__, str(e.value).replace("ember", "torch")))
    assert got[0] == got[1]
