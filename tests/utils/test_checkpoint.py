"""ember.utils.checkpoint against torch.utils.checkpoint: same gradients as without
checkpointing, both variants, RNG replay for dropout, activations not kept, warnings/errors."""
import tracemalloc
import warnings

import numpy as np
import pytest
import torch
import torch.utils.checkpoint as tc

import ember
import ember.utils.checkpoint as ec

VARIANTS = [True, False]


def block(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(6, 16), lib.nn.Tanh(), lib.nn.Linear(16, 16),
                             lib.nn.GELU(), lib.nn.Linear(16, 3))


def copy_weights(em, tm):
    for pe, pt in zip(em.parameters(), tm.parameters()):
        with ember.no_grad():
            pe.copy_(ember.from_numpy(pt.detach().numpy().copy()))


def run(lib, ckpt, model, x, **kw):
    """Loss and gradients of input and parameters, with (ckpt = module) or without."""
    xx = lib.from_numpy(x.copy()).requires_grad_()
    out = ckpt(model, xx, **kw) if ckpt is not None else model(xx)
    (out * out).sum().backward()
    grads = [xx.grad.numpy()] + [p.grad.numpy().copy() for p in model.parameters()]
    model.zero_grad()
    return out.detach().numpy(), grads


def test_importable_both_ways():
    import ember.utils
    assert ember.utils.checkpoint is ec
    assert ec.checkpoint and ec.checkpoint_sequential


@pytest.mark.parametrize("reentrant", VARIANTS)
def test_same_gradients_as_torch_and_as_plain(reentrant):
    x = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    em, tm = block(ember), block(torch)
    copy_weights(em, tm)
    out_e, g_e = run(ember, ec.checkpoint, em, x, use_reentrant=reentrant)
    out_p, g_p = run(ember, None, em, x)
    out_t, g_t = run(torch, tc.checkpoint, tm, x, use_reentrant=reentrant)
    np.testing.assert_array_equal(out_e, out_p)
    for a, b, c in zip(g_e, g_p, g_t):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reentrant", VARIANTS)
def test_grad_fn_names_match_torch(reentrant):
    x = ember.randn(2, 6, requires_grad=True)
    tx = torch.randn(2, 6, requires_grad=True)
    ye = ec.checkpoint(block(ember), x, use_reentrant=reentrant)
    yt = tc.checkpoint(block(torch), tx, use_reentrant=reentrant)
    assert type(ye.grad_fn).__name__ == type(yt.grad_fn).__name__


@pytest.mark.parametrize("reentrant", VARIANTS)
def test_dropout_recomputes_the_same_mask(reentrant):
    model = ember.nn.Sequential(ember.nn.Linear(8, 32), ember.nn.Dropout(0.5),
                                ember.nn.Linear(32, 1))
    x = ember.randn(16, 8, requires_grad=True)
    ember.manual_seed(3)
    ec.checkpoint(model, x, use_reentrant=reentrant).sum().backward()
    g_ck = x.grad.clone()
    after_ck = ember.rand(3)
    x.grad = None
    ember.manual_seed(3)
    model(x).sum().backward()
    np.testing.assert_array_equal(g_ck.numpy(), x.grad.numpy())
    # the replay does not disturb the RNG stream seen after the forward
    np.testing.assert_array_equal(after_ck.numpy(), ember.rand(3).numpy())


def test_without_rng_preservation_dropout_differs():
    model = ember.nn.Sequential(ember.nn.Linear(8, 64), ember.nn.Dropout(0.5))
    x = ember.randn(32, 8, requires_grad=True)
    ember.manual_seed(3)
    ec.checkpoint(model, x, use_reentrant=False, preserve_rng_state=False).sum().backward()
    g = x.grad.clone()
    x.grad = None
    ember.manual_seed(3)
    model(x).sum().backward()
    assert not np.array_equal(g.numpy(), x.grad.numpy())


def _live_after_forward(fn):
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        y = fn()
        held = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    return y, held


@pytest.mark.parametrize("reentrant", VARIANTS)
def test_intermediate_activations_are_not_kept(reentrant):
    # five 1M-element float32 activations (4 MB each) inside; only the output (4 MB) is kept
    def region(t):
        for _ in range(5):
            t = (t * 1.5).sin()
        return t

    x = ember.randn(1 << 20, requires_grad=True)
    y_plain, plain = _live_after_forward(lambda: region(x))
    y_ck, ck = _live_after_forward(lambda: ec.checkpoint(region, x, use_reentrant=reentrant))
    assert plain > 30 << 20
    assert ck < 6 << 20
    y_ck.sum().backward()
    g = x.grad.clone()
    x.grad = None
    y_plain.sum().backward()
    np.testing.assert_array_equal(g.numpy(), x.grad.numpy())


def test_non_reentrant_kwargs_params_only_and_autograd_grad():
    lin = ember.nn.Linear(4, 4)
    x = ember.randn(3, 4)  # no input requires grad: parameters still get gradients

    def f(t, scale=1.0):
        return lin(t).relu() * scale

    y = ec.checkpoint(f, x, scale=2.0, use_reentrant=False)
    assert y.requires_grad
    (gw,) = ember.autograd.grad(y.sum(), [lin.weight])
    (ref,) = ember.autograd.grad(f(x, scale=2.0).sum(), [lin.weight])
    np.testing.assert_array_equal(gw.numpy(), ref.numpy())


def test_non_reentrant_views_inplace_and_nested():
    x = ember.randn(4, 5, dtype=ember.float64, requires_grad=True)
    calls = []

    def inner(t):
        calls.append(1)
        return t.exp() * t

    def outer(t):
        u = t * 2
        u[1:3].mul_(t[1:3].cos())  # an in-place op on a view inside the region
        return ec.checkpoint(inner, u, use_reentrant=False).tanh()

    y = ec.checkpoint(outer, x, use_reentrant=False)
    assert len(calls) == 1  # wrapping the inner region does not rerun it
    y.sum().backward()
    g = x.grad.clone()
    x.grad = None

    def plain(t):
        u = t * 2
        u[1:3].mul_(t[1:3].cos())
        return inner(u).tanh()

    plain(x).sum().backward()
    np.testing.assert_allclose(g.numpy(), x.grad.numpy(), rtol=1e-12)
    assert ember.autograd.gradcheck(lambda t: ec.checkpoint(outer, t, use_reentrant=False),
                                    (ember.randn(4, 5, dtype=ember.float64,
                                                 requires_grad=True),))


def test_retain_graph_backward_twice():
    x = ember.randn(3, requires_grad=True)
    y = ec.checkpoint(lambda t: t.sin() * t, x, use_reentrant=False).sum()
    y.backward(retain_graph=True)
    y.backward()
    ref = 2 * (x.cos() * x + x.sin())
    np.testing.assert_allclose(x.grad.detach().numpy(), ref.detach().numpy(), rtol=1e-6)


def test_determinism_check():
    calls = []

    def f(t):
        calls.append(1)
        return t.sin() if len(calls) == 1 else t.sin().exp()

    x = ember.randn(3, requires_grad=True)
    y = ec.checkpoint(f, x, use_reentrant=False)
    with pytest.raises(ec.CheckpointError, match="different number of tensors"):
        y.sum().backward()

    def g(t):  # the same ops, but a saved operand of another shape in the recomputation
        calls.append(1)
        return t * ember.ones(*([3] if len(calls) % 2 else [2, 3]))

    y = ec.checkpoint(g, ember.randn(3, requires_grad=True), use_reentrant=False)
    with pytest.raises(ec.CheckpointError, match="different metadata"):
        y.sum().backward()
    with pytest.raises(ValueError, match="determinism_check should be one of"):
        ec.checkpoint(g, x, use_reentrant=False, determinism_check="bad")


def test_warnings_and_errors_match_torch():
    x = ember.randn(3, requires_grad=True)
    tx = torch.randn(3, requires_grad=True)
    for lib_ck, inp in ((ec, x), (tc, tx)):
        with pytest.warns(UserWarning, match="use_reentrant parameter should be passed"):
            lib_ck.checkpoint(lambda t: t.sin(), inp)
        with pytest.warns(UserWarning, match="use_reentrant parameter should be passed"):
            lib_ck.checkpoint_sequential([lambda t: t.sin()] * 2, 1, inp)
        with pytest.raises(ValueError, match="Unexpected keyword arguments: foo"):
            lib_ck.checkpoint(lambda t, foo: t, inp, use_reentrant=True, foo=1)
        with pytest.raises(ValueError, match="only supported when use_reentrant=False"):
            lib_ck.checkpoint(lambda t: t, inp, use_reentrant=True, debug=True)
        with pytest.warns(UserWarning, match="None of the inputs have requires_grad"):
            y = lib_ck.checkpoint(lambda t: t.sin(), inp.detach(), use_reentrant=True)
        assert not y.requires_grad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ec.checkpoint(lambda t: t.sin(), x, use_reentrant=False)


@pytest.mark.parametrize("reentrant", VARIANTS)
@pytest.mark.parametrize("segments", [1, 2, 3])
def test_checkpoint_sequential_matches_torch(reentrant, segments):
    x = np.random.default_rng(1).standard_normal((4, 6)).astype(np.float32)
    em, tm = block(ember), block(torch)
    copy_weights(em, tm)

    def ck(lib_ck):
        return lambda m, t, **kw: lib_ck.checkpoint_sequential(m, segments, t, **kw)

    out_e, g_e = run(ember, ck(ec), em, x, use_reentrant=reentrant)
    out_t, g_t = run(torch, ck(tc), tm, x, use_reentrant=reentrant)
    np.testing.assert_allclose(out_e, out_t, rtol=1e-5, atol=1e-6)
    for a, c in zip(g_e, g_t):
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)


def test_context_fn_wraps_forward_and_recomputation():
    import contextlib
    seen = []

    @contextlib.contextmanager
    def mark(what):
        seen.append(what)
        yield

    def context_fn():
        return mark("forward"), mark("recompute")

    x = ember.randn(3, requires_grad=True)
    y = ec.checkpoint(lambda t: t.exp(), x, use_reentrant=False, context_fn=context_fn)
    assert seen == ["forward"]
    y.sum().backward()
    assert seen == ["forward", "recompute"]
    np.testing.assert_allclose(x.grad.numpy(), x.detach().exp().numpy(), rtol=1e-6)


@pytest.mark.parametrize("reentrant", VARIANTS)
def test_several_outputs_and_non_tensor_arguments(reentrant):
    x = ember.randn(4, dtype=ember.float64, requires_grad=True)

    def f(t, k, flag):
        return t.sin() * k, (t * 2).detach() if flag else t, t.cos()

    a, b, c = ec.checkpoint(f, x, 3.0, True, use_reentrant=reentrant)
    # as in torch: the reentrant Function marks every output as differentiable
    assert b.requires_grad == reentrant
    (a.sum() + c.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), (3 * x.cos() - x.sin()).detach().numpy(),
                               rtol=1e-12)
