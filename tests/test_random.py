"""Random sampling against torch 2.13's contracts: shapes, dtypes, ranges, statistics on large
samples, checks and error classes, zero-gradient nodes, and seeding (manual_seed, Generator
objects, get/set_rng_state). ember's streams differ from torch's, so values are checked by
their distribution, never against torch's numbers."""
import copy
import math
import pickle
import warnings

import numpy as np
import pytest
import torch

import ember

N = 200_000  # large enough for 1% statistics, small enough to stay fast


def err_class(f, lib):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            r = f(lib)
        except Exception as e:  # noqa: BLE001
            return type(e).__name__
    return (str(r.dtype).split(".")[-1], tuple(r.shape))


def same_contract(f):
    """Same dtype and shape as torch, or the same exception class."""
    assert err_class(f, ember) == err_class(f, torch)


@pytest.fixture(autouse=True)
def seeded():
    ember.manual_seed(0)
    yield


# --- shapes, dtypes and errors -------------------------------------------------------------

CONTRACTS = {
    "rand": lambda L: L.rand(2, 3), "rand_tuple": lambda L: L.rand((2, 3)),
    "rand_kw": lambda L: L.rand(size=(2,)), "rand_scalar": lambda L: L.rand(()),
    "rand_f64": lambda L: L.rand(2, dtype=L.float64),
    "rand_f16": lambda L: L.rand(4, dtype=L.float16),
    "rand_bf16": lambda L: L.rand(4, dtype=L.bfloat16),
    "rand_c64": lambda L: L.rand(2, dtype=L.complex64),
    "rand_int": lambda L: L.rand(2, dtype=L.int64), "rand_bool": lambda L: L.rand(2, dtype=L.bool),
    "rand_negative": lambda L: L.rand(-1), "rand_grad": lambda L: L.rand(2, requires_grad=True),
    "randn": lambda L: L.randn(4, 5), "randn_c128": lambda L: L.randn(2, dtype=L.complex128),
    "randn_int": lambda L: L.randn(2, dtype=L.int32),
    "randn_bool": lambda L: L.randn(2, dtype=L.bool),
    "randint_high": lambda L: L.randint(5, (3,)),
    "randint_low_high": lambda L: L.randint(2, 5, (3,)),
    "randint_kw": lambda L: L.randint(2, 5, size=(3,)), "randint_high_kw": lambda L: L.randint(
        high=5, size=(3,)), "randint_all_kw": lambda L: L.randint(low=2, high=5, size=(3,)),
    "randint_no_size": lambda L: L.randint(5), "randint_int_size": lambda L: L.randint(0, 5, 3),
    "randint_empty_size": lambda L: L.randint(0, 5, []),
    "randint_reversed": lambda L: L.randint(5, 2, (3,)),
    "randint_float_dtype": lambda L: L.randint(0, 5, (3,), dtype=L.float32),
    "randint_bool_bad": lambda L: L.randint(0, 5, (3,), dtype=L.bool),
    "randint_bool": lambda L: L.randint(0, 2, (3,), dtype=L.bool),
    "randint_uint8_over": lambda L: L.randint(0, 300, (3,), dtype=L.uint8),
    "randint_uint8_under": lambda L: L.randint(-1, 3, (3,), dtype=L.uint8),
    "randint_grad": lambda L: L.randint(0, 5, (3,), requires_grad=True),
    "randint_float_grad": lambda L: L.randint(0, 5, (3,), dtype=L.float32, requires_grad=True),
    "randint_float_bounds": lambda L: L.randint(0.5, 5.5, (3,)),
    "randint_overflow": lambda L: L.randint(0, 2 ** 63, (3,)),
    "randint_full_range": lambda L: L.randint(-2 ** 63, 2 ** 63 - 1, (3,)),
    "randint_like": lambda L: L.randint_like(L.zeros(2, 3), 5),
    "randint_like_low": lambda L: L.randint_like(L.zeros(2, 3), 2, 5),
    "randint_like_int32": lambda L: L.randint_like(L.zeros(2, dtype=L.int32), high=5),
    "randint_like_dtype": lambda L: L.randint_like(L.zeros(2, 3), 5, dtype=L.int64),
    "randperm": lambda L: L.randperm(5), "randperm_zero": lambda L: L.randperm(0),
    "randperm_negative": lambda L: L.randperm(-1),
    "randperm_float": lambda L: L.randperm(5, dtype=L.float32),
    "randperm_uint8_over": lambda L: L.randperm(300, dtype=L.uint8),
    "randperm_grad": lambda L: L.randperm(5, requires_grad=True),
    "randperm_float_grad": lambda L: L.randperm(5, dtype=L.float64, requires_grad=True),
    "rand_like_int": lambda L: L.rand_like(L.zeros(2, dtype=L.int64)),
    "randn_like_dtype": lambda L: L.randn_like(L.zeros(2), dtype=L.float64),
    "normal_tensors": lambda L: L.normal(L.zeros(3), L.ones(3)),
    "normal_mean_tensor": lambda L: L.normal(L.zeros(3), 1.0),
    "normal_std_tensor": lambda L: L.normal(0.0, L.ones(3)),
    "normal_size": lambda L: L.normal(0., 1., (2, 3)),
    "normal_size_dtype": lambda L: L.normal(0., 1., size=(2, 3), dtype=L.float64),
    "normal_broadcast": lambda L: L.normal(L.zeros(2, 1), L.ones(3)),
    "normal_bad_broadcast": lambda L: L.normal(L.zeros(2, 2), L.ones(4)),
    "normal_mismatch": lambda L: L.normal(L.zeros(2), L.ones(3)),
    "normal_negative_std": lambda L: L.normal(0., -1., (2,)),
    "normal_negative_std_mean_tensor": lambda L: L.normal(L.zeros(2), -1.),
    "normal_negative_std_tensor": lambda L: L.normal(L.zeros(2), L.tensor([1., -1.])),
    "normal_int_mean": lambda L: L.normal(L.zeros(2, dtype=L.int64), 1.),
    "normal_f64_f32": lambda L: L.normal(L.zeros(2, dtype=L.float64), L.ones(2)),
    "normal_int_numbers": lambda L: L.normal(2, 3, (2,)),
    "normal_f16": lambda L: L.normal(L.zeros(2, dtype=L.float16), 1.),
    "normal_no_size": lambda L: L.normal(0., 1.),
    "bernoulli": lambda L: L.bernoulli(L.full((3,), 0.5)),
    "bernoulli_f64": lambda L: L.bernoulli(L.full((3,), 0.5, dtype=L.float64)),
    "bernoulli_p": lambda L: L.bernoulli(L.full((3,), 0.5), 0.2),
    "bernoulli_bad_p": lambda L: L.bernoulli(L.full((3,), 1.5)),
    "bernoulli_int": lambda L: L.bernoulli(L.full((3,), 1, dtype=L.int64)),
    "bernoulli_bool": lambda L: L.bernoulli(L.full((3,), True)),
    "poisson": lambda L: L.poisson(L.full((3,), 2.)),
    "poisson_negative": lambda L: L.poisson(L.full((3,), -2.)),
    "poisson_int": lambda L: L.poisson(L.full((3,), 2, dtype=L.int64)),
    "multinomial_replacement": lambda L: L.multinomial(L.tensor([0.1, 0.9]), 3, True),
    "multinomial_too_many": lambda L: L.multinomial(L.tensor([0.1, 0.9]), 3),
    "multinomial_2d": lambda L: L.multinomial(L.tensor([[0.1, 0.9], [0.5, 0.5]]), 2),
    "multinomial_f64": lambda L: L.multinomial(L.tensor([0.1, 0.9], dtype=L.float64), 1),
    "multinomial_int": lambda L: L.multinomial(L.tensor([1, 9]), 1),
    "multinomial_zero_sum": lambda L: L.multinomial(L.tensor([0., 0.]), 1),
    "multinomial_negative": lambda L: L.multinomial(L.tensor([-1., 2.]), 1),
    "multinomial_zeros_ok": lambda L: L.multinomial(L.tensor([0., 1., 0.]), 2),
    "multinomial_zero_samples": lambda L: L.multinomial(L.tensor([0.1, 0.9]), 0),
    "multinomial_3d": lambda L: L.multinomial(L.ones(2, 2, 2), 1),
    "multinomial_0d": lambda L: L.multinomial(L.tensor(1.), 1),
    "multinomial_inf": lambda L: L.multinomial(L.tensor([1., float("inf")]), 1),
}


@pytest.mark.parametrize("case", CONTRACTS)
def test_contracts_match_torch(case):
    same_contract(CONTRACTS[case])


F = {
    "uniform_reversed": lambda L, x: x.uniform_(1, 0),
    "uniform_equal": lambda L, x: x.uniform_(0, 0),
    "uniform_int": lambda L, x: x.long().uniform_(),
    "uniform_f16": lambda L, x: x.half().uniform_(0, 1),
    "uniform_c64": lambda L, x: x.cfloat().uniform_(),
    "uniform_kw_from": lambda L, x: x.uniform_(**{"from": -1.0, "to": 0.0}),
    "normal_negative": lambda L, x: x.normal_(0, -1),
    "normal_int": lambda L, x: x.long().normal_(),
    "normal_c64": lambda L, x: x.cfloat().normal_(),
    "random": lambda L, x: x.random_(), "random_int8": lambda L, x: x.to(L.int8).random_(),
    "random_bool": lambda L, x: x.bool().random_(), "random_uint8": lambda L, x: x.byte().random_(),
    "random_to": lambda L, x: x.random_(5), "random_from_to": lambda L, x: x.random_(2, 5),
    "random_reversed": lambda L, x: x.random_(5, 2), "random_zero": lambda L, x: x.random_(0),
    "random_uint8_over": lambda L, x: x.byte().random_(300),
    "random_uint8_under": lambda L, x: x.byte().random_(-1, 5),
    "random_int8_neg": lambda L, x: x.to(L.int8).random_(-5, 5),
    "random_complex": lambda L, x: x.cfloat().random_(),
    "random_to_kw": lambda L, x: x.random_(to=5),
    "random_from_none": lambda L, x: x.random_(2, None),
    "random_f16": lambda L, x: x.half().random_(),
    "random_f16_over": lambda L, x: x.half().random_(0, 70000),
    "random_f32_big": lambda L, x: x.random_(0, 2 ** 25),
    "bernoulli_int": lambda L, x: x.long().bernoulli_(0.5),
    "bernoulli_bool": lambda L, x: x.bool().bernoulli_(0.5),
    "bernoulli_bad": lambda L, x: x.bernoulli_(1.5),
    "bernoulli_tensor": lambda L, x: x.bernoulli_(L.full((4,), 0.5)),
    "bernoulli_tensor_shape": lambda L, x: x.bernoulli_(L.full((2,), 0.5)),
    "bernoulli_tensor_bad": lambda L, x: x.bernoulli_(L.full((4,), 1.5)),
    "bernoulli_tensor_int": lambda L, x: x.bernoulli_(L.full((4,), 1, dtype=L.int64)),
    "bernoulli_default": lambda L, x: x.bernoulli_(),
    "bernoulli_kw": lambda L, x: x.bernoulli_(p=0.3),
    "exponential_zero": lambda L, x: x.exponential_(0),
    "exponential_negative": lambda L, x: x.exponential_(-1),
    "exponential_int": lambda L, x: x.long().exponential_(),
    "exponential_kw": lambda L, x: x.exponential_(lambd=2),
    "geometric_zero": lambda L, x: x.geometric_(0), "geometric_one": lambda L, x: x.geometric_(1),
    "geometric_int": lambda L, x: x.long().geometric_(0.5),
    "geometric_bool": lambda L, x: x.bool().geometric_(0.5),
    "log_normal_zero": lambda L, x: x.log_normal_(0, 0),
    "log_normal_int": lambda L, x: x.long().log_normal_(),
    "cauchy_zero": lambda L, x: x.cauchy_(0, 0), "cauchy_int": lambda L, x: x.long().cauchy_(),
}


@pytest.mark.parametrize("case", F)
def test_inplace_contracts_match_torch(case):
    same_contract(lambda L: F[case](L, L.zeros(4)))


def test_inplace_fills_return_self_and_bump_version():
    for name, args in [("uniform_", ()), ("normal_", ()), ("random_", ()), ("bernoulli_", ()),
                       ("exponential_", ()), ("geometric_", (0.5,)), ("log_normal_", ()),
                       ("cauchy_", ())]:
        x = ember.zeros(4)
        v = x._version
        assert getattr(x, name)(*args) is x, name
        assert x._version > v, name
        leaf = ember.zeros(2, requires_grad=True)
        with pytest.raises(RuntimeError):
            getattr(leaf, name)(*args)
        with ember.no_grad():
            getattr(leaf, name)(*args)


# --- values and statistics -----------------------------------------------------------------

def sample_np(t):
    return t.float().numpy().astype(np.float64) if t.dtype is ember.bfloat16 else \
        t.numpy().astype(np.complex128 if t.is_complex() else np.float64)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_rand_uniform_statistics(dtype):
    x = sample_np(ember.rand(N, dtype=getattr(ember, dtype)))
    assert x.min() >= 0 and x.max() < 1
    assert abs(x.mean() - 0.5) < 0.01 and abs(x.var() - 1 / 12) < 0.005


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_randn_statistics(dtype):
    x = sample_np(ember.randn(N, dtype=getattr(ember, dtype)))
    assert abs(x.mean()) < 0.01 and abs(x.std() - 1) < 0.01


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_sampling_matches_torch_convention(dtype):
    z = sample_np(ember.randn(N, dtype=getattr(ember, dtype)))
    # torch: real and imaginary parts each N(0, 1/2), so E|z|^2 = 1
    assert abs(np.mean(np.abs(z) ** 2) - 1) < 0.02 and abs(z.real.var() - 0.5) < 0.01
    u = sample_np(ember.rand(N, dtype=getattr(ember, dtype)))
    assert 0 <= u.real.min() and u.real.max() < 1 and 0 <= u.imag.min() and u.imag.max() < 1


def test_randint_and_random_ranges():
    x = ember.randint(-3, 4, (N,)).numpy()
    assert x.min() == -3 and x.max() == 3 and abs(x.mean()) < 0.02
    assert set(np.unique(ember.randint(0, 2, (100,), dtype=ember.bool).numpy())) <= {0, 1}
    y = ember.zeros(N).random_(2, 5).numpy()
    assert set(np.unique(y)) == {2.0, 3.0, 4.0}
    z = ember.zeros(N).random_().numpy()
    assert z.min() >= 0 and z.max() <= 2 ** 24 and (z == np.round(z)).all()
    u8 = ember.zeros(N, dtype=ember.uint8).random_().numpy()
    assert u8.min() == 0 and u8.max() == 255
    b = ember.zeros(1000, dtype=ember.bool).random_().numpy()
    assert b.any() and not b.all()
    h = ember.zeros(N, dtype=ember.float16).random_().float().numpy()
    assert h.max() <= 2 ** 11 and (h == np.round(h)).all()
    assert ember.zeros(10).random_(5).max().item() < 5


def test_randperm_is_a_permutation():
    for n in (0, 1, 7, 1000):
        p = ember.randperm(n)
        assert p.dtype is ember.int64 and sorted(p.tolist()) == list(range(n))
    floats = ember.randperm(10, dtype=ember.float32).tolist()
    assert sorted(floats) == [float(i) for i in range(10)]


def test_normal_overloads_statistics():
    m = ember.full((N,), 3.0)
    s = ember.full((N,), 2.0)
    for x in (ember.normal(m, s), ember.normal(m, 2.0), ember.normal(3.0, s),
              ember.normal(3.0, 2.0, (N,)), ember.zeros(N).normal_(3.0, 2.0)):
        a = x.numpy()
        assert abs(a.mean() - 3) < 0.03 and abs(a.std() - 2) < 0.03
    b = ember.normal(ember.tensor([[0.0], [100.0]]), ember.ones(3))
    assert b.shape == (2, 3) and (b[1] > 50).all()


@pytest.mark.parametrize("name,args,mean,var,check", [
    ("uniform_", (-2.0, 3.0), 0.5, 25 / 12, lambda a: a.min() >= -2 and a.max() < 3),
    ("exponential_", (2.0,), 0.5, 0.25, lambda a: a.min() >= 0),
    ("geometric_", (0.25,), 4.0, 12.0, lambda a: a.min() >= 1 and (a == np.round(a)).all()),
    ("log_normal_", (0.0, 0.5), math.exp(0.125), (math.exp(0.25) - 1) * math.exp(0.25),
     lambda a: a.min() > 0),
    ("bernoulli_", (0.3,), 0.3, 0.21, lambda a: set(np.unique(a)) == {0.0, 1.0}),
])
def test_inplace_distribution_statistics(name, args, mean, var, check):
    a = getattr(ember.zeros(N, dtype=ember.float64), name)(*args).numpy()
    assert check(a)
    assert abs(a.mean() - mean) < 0.02 * max(1, mean)
    assert abs(a.var() - var) < 0.05 * max(1, var)


def test_cauchy_median_and_quartiles():
    a = ember.zeros(N, dtype=ember.float64).cauchy_(1.0, 2.0).numpy()
    q1, med, q3 = np.percentile(a, [25, 50, 75])
    assert abs(med - 1) < 0.05 and abs(q1 - (-1)) < 0.1 and abs(q3 - 3) < 0.1


def test_bernoulli_and_poisson_statistics():
    p = ember.full((N,), 0.25, dtype=ember.float64)
    b = ember.bernoulli(p).numpy()
    assert set(np.unique(b)) == {0.0, 1.0} and abs(b.mean() - 0.25) < 0.01
    assert abs(ember.bernoulli(p, 0.75).numpy().mean() - 0.75) < 0.01
    pt = ember.zeros(N).bernoulli_(ember.full((N,), 0.6)).numpy()
    assert abs(pt.mean() - 0.6) < 0.01
    r = ember.poisson(ember.full((N,), 3.0)).numpy()
    assert abs(r.mean() - 3) < 0.03 and abs(r.var() - 3) < 0.1 and (r == np.round(r)).all()


def test_multinomial_frequencies():
    probs = ember.tensor([1.0, 2.0, 7.0])  # unnormalised
    draws = ember.multinomial(probs, N, replacement=True).numpy()
    freq = np.bincount(draws, minlength=3) / N
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.01)
    rows = ember.multinomial(ember.tensor([[1.0, 1.0, 1.0, 1.0]] * 500), 4)
    assert all(sorted(r) == [0, 1, 2, 3] for r in rows.tolist())  # without replacement
    first = ember.multinomial(ember.tensor([[8.0, 1.0, 1.0]] * 5000), 1).numpy()
    assert abs((first == 0).mean() - 0.8) < 0.03
    z = ember.multinomial(ember.tensor([0.0, 1.0, 0.0]), 2)
    assert z[0].item() == 1 and z[1].item() in (0, 2)


_NAN, _INF = float("nan"), float("inf")


@pytest.mark.parametrize("probs", [[0.5, -0.1, 0.6], [1, _INF, 1], [1, _NAN, 1], [1, -_INF, 1],
                                   [_INF, -1, 0], [[0, 0, 0], [1, -1, 1]],
                                   [[1, 1, 1], [1, _INF, -1]], [[1, 1, 1], [0, 0, 0]]])
@pytest.mark.parametrize("n,replacement", [(1, True), (2, False), (2, True)])
def test_multinomial_invalid_distribution_messages(probs, n, replacement):
    """torch checks the whole tensor without replacement (or for one sample); with
    replacement, row by row and entry by entry (a NaN reads as an entry < 0)."""
    res = []
    for lib in (torch, ember):
        with pytest.raises(RuntimeError) as e:
            lib.multinomial(lib.tensor(probs), n, replacement=replacement)
        res.append(str(e.value))
    assert res[0] == res[1]


# --- gradients through samplers ------------------------------------------------------------

GRAD_CASES = {
    "normal_tt": lambda L, m, s: L.normal(m, s),
    "normal_t_num": lambda L, m, s: L.normal(m, 2.0),
    "normal_num_t": lambda L, m, s: L.normal(1.0, s),
    "bernoulli": lambda L, m, s: L.bernoulli(m.sigmoid()),
    "poisson": lambda L, m, s: L.poisson(s),
    "uniform_": lambda L, m, s: (m * 1).uniform_(),
    "normal_": lambda L, m, s: (m * 1).normal_(),
    "random_": lambda L, m, s: (m * 1).random_(),
    "random_to": lambda L, m, s: (m * 1).random_(5),
    "random_from_to": lambda L, m, s: (m * 1).random_(1, 5),
    "bernoulli_float": lambda L, m, s: (m * 1).bernoulli_(0.5),
    "bernoulli_tensor": lambda L, m, s: (m * 1).bernoulli_(L.full((3,), 0.5)),
    "exponential_": lambda L, m, s: (m * 1).exponential_(),
    "geometric_": lambda L, m, s: (m * 1).geometric_(0.5),
    "log_normal_": lambda L, m, s: (m * 1).log_normal_(),
    "cauchy_": lambda L, m, s: (m * 1).cauchy_(),
}


def graph(t):
    fn = t.grad_fn
    return (type(fn).__name__, tuple(None if f is None else type(f).__name__
                                     for f, _ in fn.next_functions))


@pytest.mark.parametrize("case", GRAD_CASES)
def test_sampler_nodes_and_zero_gradients(case):
    res = {}
    for L in (ember, torch):
        m = L.tensor([0.5, -0.5, 1.0], requires_grad=True)
        s = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = GRAD_CASES[case](L, m, s)
        assert y.requires_grad
        grads = L.autograd.grad((y * L.arange(1.0, 4.0)).sum(), (m, s), allow_unused=True,
                                materialize_grads=True)
        res[L.__name__] = (graph(y), [g.tolist() for g in grads])
    assert res["ember"] == res["torch"]
    assert all(v == 0 for g in res["ember"][1] for v in g)


def test_normal_broadcast_gradient_shapes():
    m = ember.zeros(2, 1, requires_grad=True)
    s = ember.ones(3, requires_grad=True)
    gm, gs = ember.autograd.grad(ember.normal(m, s).sum(), (m, s))
    assert gm.shape == (2, 1) and gs.shape == (3,)
    assert not ember.normal(m.detach(), s.detach()).requires_grad


# --- seeding and generators ----------------------------------------------------------------

def draws(generator=None):
    return [ember.rand(3, generator=generator).tolist(), ember.randn(2, generator=generator)
            .tolist(), ember.randint(0, 100, (3,), generator=generator).tolist(),
            ember.randperm(5, generator=generator).tolist(),
            ember.zeros(2).normal_(generator=generator).tolist()]


def test_manual_seed_is_deterministic():
    ember.manual_seed(123)
    a = draws()
    ember.manual_seed(123)
    assert draws() == a
    ember.manual_seed(124)
    assert draws() != a
    assert ember.manual_seed(5) is ember.default_generator
    assert ember.initial_seed() == 5
    assert ember.random.default_generator is ember.default_generator


def test_generators_have_their_own_state():
    g1 = ember.Generator().manual_seed(7)
    g2 = ember.Generator()
    assert g2.manual_seed(7) is g2 and g2.initial_seed() == 7
    ember.manual_seed(0)
    a = draws(g1)
    ember.rand(100)  # the default stream moving does not touch g2
    assert draws(g2) == a
    ember.manual_seed(0)
    d1 = ember.rand(3).tolist()
    ember.manual_seed(0)
    ember.rand(3, generator=ember.Generator().manual_seed(1))
    assert ember.rand(3).tolist() == d1  # nor does a generator move the default stream


def test_rng_state_replays():
    ember.manual_seed(9)
    ember.rand(5)
    state = ember.get_rng_state()
    a = draws()
    ember.rand(17)
    ember.set_rng_state(state)
    assert draws() == a
    g = ember.Generator().manual_seed(3)
    st = g.get_state()
    b = draws(g)
    assert g.set_state(st) is g and draws(g) == b
    c = g.clone_state()
    assert draws(c) == draws(g)


def test_rng_state_format_and_errors():
    for lib in (ember, torch):
        st = lib.get_rng_state()
        assert st.dtype == lib.uint8 and tuple(st.shape) == (5056,)
        with pytest.raises(RuntimeError):
            lib.set_rng_state(lib.zeros(3, dtype=lib.uint8))
        with pytest.raises(TypeError):
            lib.set_rng_state(st.float())
        with pytest.raises(TypeError):
            lib.set_rng_state([1, 2])
        with pytest.raises(RuntimeError):
            lib.Generator().set_state(lib.zeros(3, dtype=lib.uint8))


def test_fork_rng_restores():
    ember.manual_seed(4)
    before = ember.get_rng_state()
    with ember.random.fork_rng():
        ember.manual_seed(99)
        ember.rand(10)
    assert ember.get_rng_state().tolist() == before.tolist()


@pytest.mark.parametrize("seed", [0, 1, -1, 2 ** 64 - 1, -2 ** 63, 2 ** 63])
def test_seed_range_matches_torch(seed):
    assert ember.Generator().manual_seed(seed).initial_seed() == \
        torch.Generator().manual_seed(seed).initial_seed()


@pytest.mark.parametrize("seed,exc", [(2 ** 64, ValueError), (-2 ** 63 - 1, ValueError),
                                      (1.5, RuntimeError), ("1", RuntimeError)])
def test_bad_seeds(seed, exc):
    for lib in (ember, torch):
        with pytest.raises(exc):
            lib.Generator().manual_seed(seed)


def test_seed_and_defaults():
    s = ember.seed()
    assert isinstance(s, int) and ember.initial_seed() == s
    assert ember.Generator().initial_seed() == torch.Generator().initial_seed() == \
        67280421310721
    assert ember.Generator().device == ember.device("cpu")
    assert ember.Generator(device="cpu").device.type == "cpu"
    with pytest.raises(RuntimeError):
        ember.Generator(device="cuda")


def test_generator_pickle_and_deepcopy_keep_state():
    g = ember.Generator().manual_seed(11)
    ember.rand(4, generator=g)
    for h in (pickle.loads(pickle.dumps(g)), copy.deepcopy(g)):
        assert draws(h) == draws(g.clone_state())
        assert h.initial_seed() == 11


def test_half_uniform_never_reaches_one():
    for dt in (ember.float16, ember.bfloat16):
        x = ember.rand(N, dtype=dt).float().numpy()
        assert x.max() < 1.0
