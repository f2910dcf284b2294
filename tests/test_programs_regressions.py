"""Regression tests for gaps found by running tutorial-style PyTorch programs on ember
(tests/programs): each test pins one behaviour against torch."""
import numpy as np
import pytest
import torch

import ember


def _run_both(fn):
    """fn(lib) on torch and ember; returns (torch result, ember result)."""
    return fn(torch), fn(ember)


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the class and text are what is compared
        return type(e).__name__, str(e).replace("ember", "torch")
    return None


# --- ops: combinations, cartesian_prod, block_diag, splits, cov ---------------------------

@pytest.mark.parametrize("kwargs", [{}, {"r": 3}, {"with_replacement": True}, {"r": 1},
                                    {"r": 0}, {"r": 5}])
def test_combinations_values_and_grad_fn(kwargs):
    def run(lib):
        a = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        out = lib.combinations(a, **kwargs)
        name = out.grad_fn.name() if out.grad_fn is not None else None
        if out.requires_grad:
            (out * lib.arange(out.numel(), dtype=out.dtype).view(out.shape)).sum().backward()
        grad = None if a.grad is None else a.grad.numpy().copy()
        return out.detach().numpy(), tuple(out.shape), name, grad
    (tv, ts, tn, tg), (ev, es, en, eg) = _run_both(run)
    assert ts == es and tn == en
    np.testing.assert_allclose(ev, tv)
    if tg is None:
        assert eg is None
    else:
        np.testing.assert_allclose(eg, tg)


def test_cartesian_prod_matches_itertools_product():
    t, e = _run_both(lambda lib: lib.cartesian_prod(lib.tensor([1, 2]), lib.tensor([3, 4, 5]),
                                                   lib.tensor([6])).numpy())
    np.testing.assert_array_equal(e, t)
    x = ember.tensor([1.0, 2.0])
    assert ember.cartesian_prod(x) is x
    assert _error(lambda: ember.cartesian_prod(ember.ones(2, 2))) == \
        _error(lambda: torch.cartesian_prod(torch.ones(2, 2)))


def test_block_diag_promotes_and_backpropagates():
    def run(lib):
        a = lib.ones(2, 2, dtype=lib.float64, requires_grad=True)
        out = lib.block_diag(a, lib.tensor([1, 2]), lib.tensor(3.0))
        (out * lib.arange(out.numel(), dtype=out.dtype).view(out.shape)).sum().backward()
        return out.detach().numpy(), out.dtype.is_floating_point, out.grad_fn.name(), \
            a.grad.numpy()
    (tv, tf, tn, tg), (ev, ef, en, eg) = _run_both(run)
    np.testing.assert_array_equal(ev, tv)
    assert (tf, tn) == (ef, en)
    np.testing.assert_array_equal(eg, tg)
    assert tuple(ember.block_diag().shape) == (1, 0)


def test_hsplit_vsplit_dsplit_errors_match_torch():
    for name, shape, arg in [("hsplit", (3, 4), 3), ("vsplit", (5,), 5), ("dsplit", (2, 2), 2),
                             ("hsplit", (), 1)]:
        te = _error(lambda: getattr(torch, name)(torch.ones(shape), arg))
        ee = _error(lambda: getattr(ember, name)(ember.ones(shape), arg))
        assert te == ee, name


def test_cov_weights_and_warning():
    x = np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.5]])
    t = torch.cov(torch.tensor(x), fweights=torch.tensor([1, 2, 1]),
                  aweights=torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64))
    e = ember.cov(ember.tensor(x), fweights=ember.tensor([1, 2, 1]),
                  aweights=ember.tensor([0.5, 1.0, 2.0], dtype=ember.float64))
    np.testing.assert_allclose(e.numpy(), t.numpy())
    with pytest.warns(UserWarning, match="degrees of freedom"):
        assert ember.cov(ember.tensor([[1.0]])).isnan().item()
    assert ember.corrcoef(ember.tensor([1, 2, 3])).item() == 1.0


def test_unravel_index_and_windows():
    t = torch.unravel_index(torch.tensor([[1, 5], [-1, 13]]), (2, 3))
    e = ember.unravel_index(ember.tensor([[1, 5], [-1, 13]]), (2, 3))
    for a, b in zip(t, e):
        np.testing.assert_array_equal(b.numpy(), a.numpy())
    for name in ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
                 "kaiser_window"]:
        for args in [(7,), (6, False), (1,), (0,)]:
            np.testing.assert_allclose(getattr(ember, name)(*args).numpy(),
                                       getattr(torch, name)(*args).numpy(), atol=1e-6)


# --- tensor, module and autograd behaviours ------------------------------------------------

def test_as_subclass_aliases_and_stays_in_graph():
    class Mine(ember.Tensor):
        pass

    x = ember.ones(2, requires_grad=True)
    y = (x * 2).as_subclass(Mine)
    assert type(y) is Mine and isinstance(y, ember.Tensor)
    assert y.grad_fn.name() == "AliasBackward0" and not y.is_leaf
    assert repr(y) == "Mine([2., 2.], grad_fn=<AliasBackward0>)"
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
    base = ember.zeros(2)
    base.as_subclass(Mine).add_(1)
    assert base.tolist() == [1.0, 1.0] and base._version == 1
    with pytest.raises(TypeError):
        base.as_subclass(int)


def test_load_state_dict_reports_size_mismatch_of_0_dim_parameter_without_strict():
    for lib in (torch, ember):
        m = lib.nn.Module()
        m.scale = lib.nn.Parameter(lib.tensor(2.0))
        with pytest.raises(RuntimeError, match="size mismatch for scale"):
            m.load_state_dict({"scale": lib.zeros(3)}, strict=False)
        m.load_state_dict({"scale": lib.tensor([5.0])})  # the old 1-element form still loads
        assert m.scale.item() == 5.0


def test_node_names_of_copyslices_and_accumulategrad():
    def run(lib):
        a = lib.ones(2, 2, requires_grad=True)
        b = a * 2
        b.view(4)[0] = 10
        return b.grad_fn.name(), type(b.grad_fn).__name__, \
            a.sum().grad_fn.next_functions[0][0].name()
    t, e = _run_both(run)
    assert t == e


# --- torch.testing --------------------------------------------------------------------------

CLOSE_CASES = [
    lambda L: (L.tensor([1.0, 2.0, 3.0]), L.tensor([1.0, 2.001, 3.0])),
    lambda L: (L.tensor([1.0]), L.tensor([1.0], dtype=L.float64)),
    lambda L: (L.tensor([1.0, 2.0]), L.tensor([1.0])),
    lambda L: (L.tensor([1, 2]), L.tensor([1, 3])),
    lambda L: (1.0, 1.1),
    lambda L: (1, 2),
    lambda L: ([L.ones(2), L.ones(2)], [L.ones(2), L.zeros(2)]),
    lambda L: ({"a": L.ones(2)}, {"a": L.zeros(2)}),
    lambda L: (L.tensor(1.0), L.tensor(2.0)),
    lambda L: (L.tensor([float("nan")]), L.tensor([float("nan")])),
    lambda L: (L.tensor([[1.0, 2.0], [3.0, 4.0]]), L.tensor([[1.0, 2.0], [3.0, 5.0]])),
    lambda L: (L.tensor([True]), L.tensor([False])),
    lambda L: (L.ones(2), [1.0, 1.0]),
]


@pytest.mark.parametrize("case", range(len(CLOSE_CASES)))
def test_assert_close_messages_match_torch(case):
    t_args = CLOSE_CASES[case](torch)
    e_args = CLOSE_CASES[case](ember)
    te = _error(lambda: torch.testing.assert_close(*t_args))
    ee = _error(lambda: ember.testing.assert_close(*e_args))
    if te is not None and te[0] == "TypeError":  # the class names print differently
        assert ee is not None and ee[0] == "TypeError"
    else:
        assert te == ee


def test_assert_close_options():
    x = ember.tensor([1.0, 2.0])
    ember.testing.assert_close(x, x.double(), check_dtype=False)
    ember.testing.assert_close(x, x + 0.5, rtol=0.5, atol=0.0)
    ember.testing.assert_close(ember.tensor([float("nan")]), ember.tensor([float("nan")]),
                               equal_nan=True)
    with pytest.raises(AssertionError, match="^boom$"):
        ember.testing.assert_close(x, x + 1, msg="boom")
    with pytest.raises(ValueError, match="no atol"):
        ember.testing.assert_close(x, x, rtol=0.1)
    m = ember.testing.make_tensor(3, 4, dtype=ember.float32, device="cpu", low=-1, high=1)
    assert m.shape == (3, 4) and bool(((m >= -1) & (m < 1)).all())
    assert ember.testing.make_tensor((2,), dtype=ember.int64, device="cpu").dtype is ember.int64


# --- torch.distributions --------------------------------------------------------------------

def _dist_values(lib):
    D = lib.distributions
    loc = lib.tensor([0.0, 1.0], requires_grad=True)
    n = D.Normal(loc, lib.tensor([1.0, 2.0]))
    lp = n.log_prob(lib.tensor([0.5, -1.0]))
    lp.sum().backward()
    c = D.Categorical(logits=lib.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]))
    b = D.Bernoulli(probs=lib.tensor([0.2, 0.9]))
    u = D.Uniform(lib.tensor([0.0]), lib.tensor([2.0]))
    ind = D.Independent(n, 1)
    vals = [lp, loc.grad, n.entropy(), n.cdf(lib.tensor([0.0, 0.0])), n.icdf(lib.tensor(0.975)),
            c.log_prob(lib.tensor([2, 0])), c.entropy(), c.probs,
            b.log_prob(lib.tensor([1.0, 0.0])), b.entropy(), u.log_prob(lib.tensor([1.0])),
            u.entropy(), ind.log_prob(lib.zeros(2)),
            D.kl_divergence(c, D.Categorical(probs=lib.tensor([0.2, 0.3, 0.5]))),
            D.kl_divergence(D.Normal(0.0, 1.0), D.Normal(1.0, 2.0)),
            D.kl_divergence(D.Bernoulli(0.3), D.Bernoulli(0.6))]
    shapes = [tuple(n.sample((3,)).shape), tuple(c.sample((4,)).shape), str(c.sample().dtype),
              tuple(ind.event_shape), tuple(c.enumerate_support().shape)]
    return [v.detach().numpy() for v in vals], shapes, repr(n), repr(D.Normal(0.0, 1.0))


def test_distributions_match_torch():
    (tv, ts, tr, tr0), (ev, es, er, er0) = _run_both(_dist_values)
    for a, b in zip(tv, ev):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    assert [str(s).replace("ember", "torch") for s in es] == [str(s) for s in ts]
    assert (tr, tr0) == (er.replace("ember", "torch"), er0)


def test_distribution_validation_errors_match_torch():
    for make in [lambda L: L.distributions.Normal(0.0, -1.0),
                 lambda L: L.distributions.Normal(L.zeros(2), 1.0).log_prob(L.zeros(3)),
                 lambda L: L.distributions.Categorical(probs=L.tensor([0.5, 0.5])).log_prob(
                     L.tensor(5)),
                 lambda L: L.distributions.Categorical(probs=L.ones(2), logits=L.ones(2))]:
        assert _error(lambda: make(torch)) == _error(lambda: make(ember))


def test_distribution_sampling_is_seeded():
    D = ember.distributions
    ember.manual_seed(0)
    a = D.Normal(0.0, 1.0).sample((5,))
    ember.manual_seed(0)
    assert ember.equal(a, D.Normal(0.0, 1.0).sample((5,)))
    assert D.Categorical(probs=ember.tensor([0.0, 0.0, 1.0])).sample((4,)).tolist() == [2] * 4
    s = D.Normal(ember.zeros(2, requires_grad=True), 1.0).rsample()
    assert s.requires_grad and not D.Normal(0.0, 1.0).sample().requires_grad


# --- torch.profiler -------------------------------------------------------------------------

def test_profiler_records_labelled_regions():
    from ember.profiler import ProfilerActivity, profile, record_function
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        with record_function("outer"):
            with record_function("inner"):
                ember.ones(3) + 1
    keys = sorted(e.key for e in prof.key_averages())
    assert keys == ["inner", "outer"]
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=5)
    assert "outer" in table and "Self CPU time total" in table


# --- Tensor.new, is_same_size, DataParallel, swa_utils ---------------------------------------

def test_tensor_new_legacy_constructor():
    for lib in (torch, ember):
        t = lib.tensor([1.0, 2.0], dtype=lib.float64)
        assert tuple(t.new(2, 3).shape) == (2, 3) and t.new(2, 3).dtype is lib.float64
        assert t.new([3, 4]).tolist() == [3.0, 4.0] and t.new([3, 4]).dtype is lib.float64
        assert tuple(t.new().shape) == (0,)
        assert tuple(t.new(lib.Size([1, 3])).shape) == (1, 3)
        assert t.is_same_size(lib.zeros(2)) and not t.is_same_size(lib.zeros(1, 2))


def test_data_parallel_runs_module_directly_on_cpu():
    lin = ember.nn.Linear(2, 1)
    dp = ember.nn.DataParallel(lin)
    assert dp.device_ids == [] and dp.module is lin
    assert list(dp.state_dict()) == ["module.weight", "module.bias"]
    x = ember.ones(3, 2)
    assert ember.equal(dp(x), lin(x))
    assert ember.nn.parallel.DataParallel is ember.nn.DataParallel


def _swa_run(lib):
    swa = lib.optim.swa_utils
    model = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2))
    with lib.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(lib.linspace(-1, 1, p.numel()).view(p.shape) * (i + 1))
    avg = swa.AveragedModel(model)
    ema = swa.AveragedModel(model, multi_avg_fn=swa.get_ema_multi_avg_fn(0.5))
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    sched = swa.SWALR(opt, swa_lr=0.1, anneal_epochs=3, anneal_strategy="linear")
    lrs = []
    x = lib.tensor([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]])
    for _ in range(4):
        opt.zero_grad()
        (model(x)[:, 0] * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        opt.step()
        avg.update_parameters(model)
        ema.update_parameters(model)
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    swa.update_bn([x, x * 2], avg)
    return (lrs, int(avg.n_averaged), list(avg.state_dict())[:2],
            [p.detach().numpy().copy() for p in avg.parameters()],
            [p.detach().numpy().copy() for p in ema.parameters()],
            avg.module[1].running_var.numpy().copy())


def test_swa_utils_match_torch():
    t, e = _run_both(_swa_run)
    np.testing.assert_allclose(e[0], t[0], rtol=1e-6)
    assert e[1] == t[1] and e[2] == t[2]
    for a, b in zip(t[3] + t[4] + [t[5]], e[3] + e[4] + [e[5]]):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="anneal_strategy"):
        ember.optim.swa_utils.SWALR(ember.optim.SGD([ember.nn.Parameter(ember.ones(1))], lr=1),
                                    0.1, anneal_strategy="step")


# --- legacy Variable, class names, distributed, jit, collate path, einsum sublists ----------

def test_variable_returns_a_leaf_alias():
    for lib in (torch, ember):
        t = lib.ones(2)
        v = lib.autograd.Variable(t, requires_grad=True)
        assert type(v) is lib.Tensor and v.is_leaf and v.requires_grad
        assert v.data_ptr() == t.data_ptr()
        u = lib.autograd.Variable(lib.ones(2, requires_grad=True) * 2)
        assert u.is_leaf and not u.requires_grad
        assert isinstance(t, lib.autograd.Variable)
        assert tuple(lib.autograd.Variable().shape) == (0,)
        with pytest.raises(TypeError, match="Variable data has to be a tensor"):
            lib.autograd.Variable([1, 2])


def test_core_classes_print_like_torch():
    def names(lib):
        x = lib.ones(2)
        return [repr(type(o)).replace("ember", "torch") for o in
                (x, x.shape, x.dtype, x.device)] + \
            [lib.typename(o).replace("ember", "torch") for o in
             (x, x.dtype, 3, lib.nn.Linear, x.shape)]
    t, e = _run_both(names)
    assert t == e


def test_single_process_distributed_and_ddp():
    dist = ember.distributed
    assert dist.is_available() and not dist.is_initialized()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.get_rank()
    with pytest.raises(ValueError):
        ember.nn.parallel.DistributedDataParallel(ember.nn.Linear(1, 1))
    with pytest.raises(RuntimeError, match="single process"):
        dist.init_process_group("gloo", rank=0, world_size=2)
    dist.init_process_group("gloo", rank=0, world_size=1)
    try:
        assert (dist.get_rank(), dist.get_world_size(), dist.get_backend()) == (0, 1, "gloo")
        t = ember.tensor([1.0, 2.0])
        assert dist.all_reduce(t, op=dist.ReduceOp.SUM) is None and t.tolist() == [1.0, 2.0]
        assert dist.all_reduce(t, async_op=True).wait()
        out = [ember.zeros(2)]
        dist.all_gather(out, t)
        assert out[0].tolist() == [1.0, 2.0]
        ddp = ember.nn.parallel.DistributedDataParallel(ember.nn.Linear(2, 1))
        assert list(ddp.state_dict()) == ["module.weight", "module.bias"]
        assert ember.equal(ddp(ember.ones(1, 2)), ddp.module(ember.ones(1, 2)))
        sampler = ember.utils.data.DistributedSampler(list(range(5)), shuffle=False)
        assert list(sampler) == [0, 1, 2, 3, 4]
    finally:
        dist.destroy_process_group()
    assert not dist.is_initialized()
    assert repr(dist.ReduceOp.SUM) == repr(torch.distributed.ReduceOp.SUM) or \
        str(dist.ReduceOp.SUM) == str(torch.distributed.ReduceOp.SUM)


def test_jit_markers_are_eager_no_ops(tmp_path):
    jit = ember.jit
    assert not jit.is_scripting() and not jit.is_tracing()
    lin = ember.nn.Linear(2, 1)
    assert jit.script(lin) is lin and jit.trace(lin, ember.ones(1, 2)) is lin

    @jit.ignore
    def a():
        return 1

    @jit.ignore(drop=True)
    def b():
        return 2
    assert (a(), b(), jit.annotate(int, 3), jit.wait(jit.fork(lambda v: v + 1, 4))) == \
        (1, 2, 3, 5)
    # no TorchScript archives yet: save/load refuse rather than pickle code
    with pytest.raises(NotImplementedError, match="state_dict"):
        jit.save(lin, tmp_path / "m.pt")
    (tmp_path / "m.pt").write_bytes(b"not an archive")
    with pytest.raises(NotImplementedError, match="state_dict"):
        jit.load(tmp_path / "m.pt")


def test_collate_helpers_at_torch_path():
    from ember.utils.data._utils.collate import collate, default_collate_fn_map

    class P:
        def __init__(self, v):
            self.v = v

    fn_map = {**default_collate_fn_map, P: lambda batch, *, collate_fn_map=None:
              ember.tensor([p.v for p in batch])}
    out = collate([{"p": P(1), "t": ember.ones(2)}, {"p": P(2), "t": ember.zeros(2)}],
                  collate_fn_map=fn_map)
    assert out["p"].tolist() == [1, 2] and tuple(out["t"].shape) == (2, 2)


@pytest.mark.parametrize("case", [
    lambda L: L.einsum(L.arange(6.).view(2, 3), [0, 1], L.arange(3.), [1], [0]),
    lambda L: L.einsum(L.arange(6.).view(2, 3), [0, 1], L.arange(3.), [1]),
    lambda L: L.einsum(L.eye(3) * 2, [0, 0]),
    lambda L: L.einsum(L.ones(2, 2, 3), [Ellipsis, 1], L.ones(3, 4), [1, 2], [Ellipsis, 2]),
])
def test_einsum_sublist_form(case):
    t, e = _run_both(lambda L: case(L).numpy())
    np.testing.assert_allclose(e, t)


# --- storage(), adjoint, is_neg, is_nonzero, detach ------------------------------------------

def test_typed_storage_matches_torch():
    def run(lib):
        x = lib.arange(4.0).view(2, 2)
        with pytest.warns(UserWarning, match="TypedStorage is deprecated"):
            st = x.t().storage()
        return (repr(st).replace("ember", "torch"), st.size(), len(st), st[1], st.tolist(),
                st.element_size(), st.data_ptr() == x.data_ptr(), lib.is_storage(st))
    t, e = _run_both(run)
    assert t == e


def test_small_tensor_helpers_match_torch():
    def run(lib):
        x = lib.ones(2, 3, requires_grad=True)
        z = lib.tensor([[1 + 1j, 2]])
        return (x.adjoint().grad_fn.name(), tuple(lib.adjoint(x).shape),
                z.adjoint().resolve_conj().numpy().tolist(), lib.detach(x).requires_grad,
                x.is_neg(),
                lib.tensor(2).is_nonzero(), _error(lambda: lib.ones(2).is_nonzero())[0])
    t, e = _run_both(run)
    assert t == e


@pytest.mark.parametrize("shape,pad", [((1, 1, 2), (2, 0)), ((1, 1, 2, 5), (0, 0, 2, 0)),
                                       ((1, 2, 5, 5), (0, 0, 0, 0, 2, 0)),
                                       ((1, 1, 2, 2), (2, 0, 2, 0))])
def test_reflect_pad_too_large_names_torchs_argument_number(shape, pad):
    """torch numbers the offending padding argument (#4 width, #6 height, #8 depth)."""
    def fn(lib):
        return _error(lambda: lib.nn.functional.pad(lib.ones(shape), pad, mode="reflect"))
    want, got = _run_both(fn)
    assert want is not None and got == want


def test_set_grad_enabled_repr():
    """`print(torch.set_grad_enabled(False))` shows the mode as torch does."""
    want, got = _run_both(lambda lib: repr(lib.set_grad_enabled(False)))
    ember.set_grad_enabled(True)
    torch.set_grad_enabled(True)
    assert got.replace("ember", "torch") == want


@pytest.mark.parametrize("size", [[1, 1, 2, 2], (1, 1, 2, 2), "Size", [1, 1, 2, 2, 2], [1, 2, 3],
                                  [1, 1, 0, 2]])
def test_affine_grid_errors_print_size_as_given(size):
    """affine_grid's errors print the `size` argument as passed (list, tuple or Size)."""
    def fn(lib):
        sz = lib.Size([1, 1, 2, 2]) if size == "Size" else size
        theta = lib.ones(1, 2, 3) if size == [1, 1, 0, 2] else lib.ones(1, 3, 3)
        return _error(lambda: lib.nn.functional.affine_grid(theta, sz, align_corners=False))
    want, got = _run_both(fn)
    assert want is not None and got == want


@pytest.mark.parametrize("fname,shape", [("max_pool1d", (1, 2, 1)), ("max_pool2d", (2, 1, 1, 1)),
                                         ("max_pool2d", (3, 1, 5)), ("max_pool2d", (1, 1, 4, 1)),
                                         ("max_pool3d", (1, 2, 1, 1, 1)),
                                         ("avg_pool1d", (1, 1, 1)), ("avg_pool2d", (1, 1, 1, 1)),
                                         ("avg_pool3d", (1, 1, 1, 1, 1))])
def test_pooling_output_too_small_message(fname, shape):
    """A pooling window larger than the input raises torch's RuntimeError text."""
    def fn(lib):
        return _error(lambda: getattr(lib.nn.functional, fname)(lib.ones(shape), 2))
    want, got = _run_both(fn)
    assert want is not None and got == want


@pytest.mark.parametrize("bad", range(4))
def test_batch_norm_checks_running_stats_before_affine(bad):
    """batch_norm names running_mean, running_var, weight, bias in torch's check order."""
    def fn(lib):
        args = [lib.ones(3) if i <= bad else lib.ones(4) for i in range(4)][::-1]
        weight, bias, mean, var = args[0], args[1], args[2], args[3]
        return _error(lambda: lib.nn.functional.batch_norm(lib.ones(2, 4, 2), mean, var, weight,
                                                           bias, training=True))
    want, got = _run_both(fn)
    assert want is not None and got == want
