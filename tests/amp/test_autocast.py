"""ember.autocast against torch.autocast on the CPU (bfloat16): per-op output dtypes, a small
CNN's per-layer dtypes, values and gradients, and the state API (nesting, decorator,
threads, deprecated aliases)."""
import threading
import warnings

import numpy as np
import pytest
import torch

import ember

RNG = np.random.default_rng(0)


def arr(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def both(a, dtype=None, requires_grad=False):
    """The same numpy array as a torch and an ember tensor."""
    t = torch.tensor(a)
    e = ember.tensor(a)
    if dtype is not None:
        t, e = t.to(getattr(torch, dtype)), e.to(getattr(ember, dtype))
    return t.requires_grad_(requires_grad), e.requires_grad_(requires_grad)


def name(dt):
    return str(dt).split(".")[-1]


X, W, B = arr(4, 8), arr(6, 8), arr(6)
M1, M2, M3 = arr(3, 4, 5), arr(3, 5, 2), arr(3, 4, 2)
IMG, CW = arr(2, 3, 8, 8), arr(4, 3, 3, 3)
IMG1, CW1 = arr(2, 3, 8), arr(4, 3, 3)
VOL, CW3 = arr(1, 2, 4, 4, 4), arr(3, 2, 2, 2, 2)
SQ = arr(4, 4)
SPD = SQ @ SQ.T + 4 * np.eye(4, dtype=np.float32)
TGT = np.array([0, 3, 5, 1])
PROB = 1 / (1 + np.exp(-arr(4, 8)))

# (name, fn(T, F, *inputs), inputs as numpy arrays); floating inputs become float32 tensors
OPS = [
    ("matmul", lambda T, F, a, b: T.matmul(a, b.t()), (X, W)),
    ("matmul_op", lambda T, F, a, b: a @ b.t(), (X, W)),
    ("matmul_1d", lambda T, F, a: T.matmul(a[0], a[1]), (X,)),
    ("matmul_3d", lambda T, F, a, b: a @ b, (M1, M2)),
    ("mm", lambda T, F, a, b: T.mm(a, b.t()), (X, W)),
    ("bmm", lambda T, F, a, b: T.bmm(a, b), (M1, M2)),
    ("addmm", lambda T, F, c, a, b: T.addmm(c, a, b.t()), (B, X, W)),
    ("baddbmm", lambda T, F, c, a, b: T.baddbmm(c, a, b), (M3, M1, M2)),
    ("addbmm", lambda T, F, c, a, b: T.addbmm(c, a, b), (M3[0], M1, M2)),
    ("linear", lambda T, F, a, w, b: F.linear(a, w, b), (X, W, B)),
    ("linear_3d", lambda T, F, a, w, b: F.linear(a, w, b), (M1[..., :4].copy(), W[:, :4].copy(),
                                                            B)),
    ("linear_nobias", lambda T, F, a, w: F.linear(a, w), (X, W)),
    ("conv1d", lambda T, F, a, w: F.conv1d(a, w), (IMG1, CW1)),
    ("conv2d", lambda T, F, a, w: F.conv2d(a, w, padding=1), (IMG, CW)),
    ("conv3d", lambda T, F, a, w: F.conv3d(a, w), (VOL, CW3)),
    ("conv_transpose2d", lambda T, F, a, w: F.conv_transpose2d(a, w.transpose(0, 1)),
     (IMG, CW)),
    ("prelu", lambda T, F, a: F.prelu(a, T.full((1,), 0.25)), (X,)),
    ("sdpa", lambda T, F, q: F.scaled_dot_product_attention(q, q, q), (M1,)),
    ("vecdot", lambda T, F, a: T.linalg.vecdot(a, a), (X,)),
    ("tensordot", lambda T, F, a, b: T.tensordot(a, b, ([1], [1])), (X, W)),
    ("multi_dot", lambda T, F, a, b: T.linalg.multi_dot([a, b.t(), b]), (X, W)),
    ("einsum_mm", lambda T, F, a, b: T.einsum("ij,kj->ik", a, b), (X, W)),
    ("einsum_dot", lambda T, F, a: T.einsum("i,i->", a[0], a[1]), (X,)),
    ("einsum_outer", lambda T, F, a: T.einsum("i,j->ij", a[0], a[1]), (X,)),
    ("einsum_sum", lambda T, F, a: T.einsum("ij->j", a), (X,)),
    # ops outside the lists keep their input dtype
    ("dot", lambda T, F, a: T.dot(a[0], a[1]), (X,)),
    ("mv", lambda T, F, a: T.mv(a, a[0]), (X,)),
    ("softmax", lambda T, F, a: F.softmax(a, -1), (X,)),
    ("sum", lambda T, F, a: a.sum(), (X,)),
    ("relu", lambda T, F, a: F.relu(a), (X,)),
    ("layer_norm", lambda T, F, a: F.layer_norm(a, (8,)), (X,)),
    ("batch_norm", lambda T, F, a: F.batch_norm(a, None, None, training=True), (IMG,)),
    ("max_pool2d", lambda T, F, a: F.max_pool2d(a, 2), (IMG,)),
    ("local_response_norm_3d", lambda T, F, a: F.local_response_norm(a, 2), (IMG1,)),
    ("local_response_norm_4d", lambda T, F, a: F.local_response_norm(a, 2), (IMG,)),
    ("constant_pad", lambda T, F, a: F.pad(a, (1, 1)), (IMG,)),
    # float32 list
    ("prod", lambda T, F, a: a.prod(), (X,)),
    ("mse_loss", lambda T, F, a, b: F.mse_loss(a, b), (X, PROB)),
    ("l1_loss", lambda T, F, a, b: F.l1_loss(a, b), (X, PROB)),
    ("smooth_l1_loss", lambda T, F, a, b: F.smooth_l1_loss(a, b), (X, PROB)),
    ("huber_loss", lambda T, F, a, b: F.huber_loss(a, b), (X, PROB)),
    ("cross_entropy", lambda T, F, a: F.cross_entropy(a, T.tensor([0, 3, 5, 1])), (X,)),
    ("nll_loss", lambda T, F, a: F.nll_loss(a, T.tensor([0, 3, 5, 1])), (X,)),
    ("bce", lambda T, F, a, b: F.binary_cross_entropy(a, b), (PROB, PROB)),
    ("bce_logits", lambda T, F, a, b: F.binary_cross_entropy_with_logits(a, b), (X, PROB)),
    ("kl_div", lambda T, F, a, b: F.kl_div(a, b, reduction="batchmean"), (X, PROB)),
    ("soft_margin", lambda T, F, a: F.soft_margin_loss(a, a.sign()), (X,)),
    ("margin_ranking", lambda T, F, a: F.margin_ranking_loss(a[0], a[1], a[2].sign()), (X,)),
    ("hinge_embedding", lambda T, F, a: F.hinge_embedding_loss(a, a.sign()), (X,)),
    ("poisson_nll", lambda T, F, a, b: F.poisson_nll_loss(a, b), (X, PROB)),
    ("cdist", lambda T, F, a: T.cdist(a, a), (X,)),
    ("trace", lambda T, F, a: T.trace(a), (SQ,)),
    ("inverse", lambda T, F, a: T.inverse(a), (SPD,)),
    ("linalg_inv", lambda T, F, a: T.linalg.inv(a), (SPD,)),
    ("cholesky", lambda T, F, a: T.linalg.cholesky(a), (SPD,)),
    ("linalg_eigh", lambda T, F, a: T.linalg.eigh(a)[0], (SPD,)),
    ("linalg_svdvals", lambda T, F, a: T.linalg.svdvals(a), (SPD,)),
    ("linalg_qr", lambda T, F, a: T.linalg.qr(a)[0], (SPD,)),
    ("linalg_solve", lambda T, F, a: T.linalg.solve(a, a), (SPD,)),
    ("max_pool3d", lambda T, F, a: F.max_pool3d(a, 2), (VOL,)),
    ("avg_pool3d", lambda T, F, a: F.avg_pool3d(a, 2), (VOL,)),
    ("adaptive_avg_pool3d", lambda T, F, a: F.adaptive_avg_pool3d(a, 1), (VOL,)),
    ("reflect_pad2d", lambda T, F, a: F.pad(a, (1, 1, 1, 1), mode="reflect"), (IMG,)),
    ("replicate_pad2d", lambda T, F, a: F.pad(a, (1, 1, 1, 1), mode="replicate"), (IMG,)),
    ("grid_sample", lambda T, F, a, g: F.grid_sample(a, g, align_corners=False),
     (IMG, np.tanh(arr(2, 4, 4, 2)))),
]


def _run(lib, fn, inputs, dtype, enabled=True):
    F = lib.nn.functional
    with lib.autocast("cpu", enabled=enabled):
        return fn(lib, F, *[both(a, dtype)[0 if lib is torch else 1] for a in inputs])


@pytest.mark.parametrize("op,fn,inputs", OPS, ids=[o[0] for o in OPS])
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_op_dtype_matches_torch(op, fn, inputs, dtype):
    t = _run(torch, fn, inputs, dtype)
    e = _run(ember, fn, inputs, dtype)
    assert name(e.dtype) == name(t.dtype), (op, dtype)
    tol = 2e-2 if name(t.dtype) == "bfloat16" or dtype == "bfloat16" else 1e-5
    np.testing.assert_allclose(e.float().detach().numpy(), t.float().detach().numpy(),
                               rtol=tol, atol=tol)


@pytest.mark.parametrize("op,fn,inputs", OPS[:6], ids=[o[0] for o in OPS[:6]])
def test_disabled_region_keeps_float32(op, fn, inputs):
    assert _run(ember, fn, inputs, None, enabled=False).dtype == ember.float32


def test_float64_and_integer_inputs_are_not_cast():
    a = ember.ones(3, 3, dtype=ember.float64)
    i = ember.ones(3, 3, dtype=ember.int64)
    with ember.autocast("cpu"):
        assert (a @ a).dtype == ember.float64
        assert (i @ i).dtype == ember.int64
        assert ember.nn.functional.mse_loss(a, a).dtype == ember.float64


def test_float16_autocast_dtype():
    a = ember.ones(3, 3)
    with ember.autocast("cpu", dtype=ember.float16):
        assert (a @ a).dtype == ember.float16
        assert ember.get_autocast_dtype("cpu") == ember.float16
    assert ember.get_autocast_dtype("cpu") == ember.bfloat16


def test_cast_is_differentiable_and_cached():
    tx, ex = both(X, requires_grad=True)
    tw, ew = both(W, requires_grad=True)
    outs = []
    for lib, x, w in ((torch, tx, tw), (ember, ex, ew)):
        with lib.autocast("cpu"):
            y = lib.nn.functional.linear(x, w) + lib.nn.functional.linear(x, w)
            nf = y.grad_fn.next_functions
            # the weight is cast once per region (torch's cache): both products share it
            outs.append((type(nf[0][0].next_functions[1][0].next_functions[0][0]).__name__,
                         nf[0][0].next_functions[1][0].next_functions[0][0]
                         is nf[1][0].next_functions[1][0].next_functions[0][0]))
        y.float().sum().backward()
    assert outs[0] == outs[1] == ("ToCopyBackward0", True)
    assert ex.grad.dtype == ew.grad.dtype == ember.float32
    np.testing.assert_allclose(ew.grad.numpy(), tw.grad.numpy(), rtol=2e-2, atol=2e-2)
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=2e-2, atol=2e-2)


def _cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 4 * 4, 10))


def test_small_cnn_matches_torch():
    torch.manual_seed(0)
    tm = _cnn(torch)
    em = _cnn(ember)
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in
                        tm.state_dict().items()})
    x = arr(4, 3, 8, 8)
    y = np.array([1, 0, 9, 3])
    results = {}
    for lib, model in ((torch, tm), (ember, em)):
        seen = []
        for i, layer in enumerate(model):
            layer.register_forward_hook(
                lambda m, inp, out, i=i: seen.append((i, name(out.dtype), out.detach())))
        inp = lib.tensor(x)
        with lib.autocast("cpu"):
            logits = model(inp)
            loss = lib.nn.functional.cross_entropy(logits, lib.tensor(y))
        loss.backward()
        results[lib.__name__] = seen, loss, {n: p.grad for n, p in model.named_parameters()}
    (ts, tl, tg), (es, el, eg) = results["torch"], results["ember"]
    assert [(i, d) for i, d, _ in es] == [(i, d) for i, d, _ in ts]
    assert [d for _, d, _ in ts] == ["bfloat16", "bfloat16", "bfloat16", "bfloat16",
                                     "bfloat16", "bfloat16"]
    for (_, _, e), (_, _, t) in zip(es, ts):
        np.testing.assert_allclose(e.float().numpy(), t.float().numpy(), rtol=5e-2, atol=5e-2)
    assert name(el.dtype) == name(tl.dtype) == "float32"
    np.testing.assert_allclose(el.item(), tl.item(), rtol=2e-2)
    for k in tg:
        assert eg[k].dtype == ember.float32
        np.testing.assert_allclose(eg[k].numpy(), tg[k].numpy(), rtol=5e-2, atol=5e-2,
                                   err_msg=k)


def test_nesting_and_state_functions():
    assert not ember.is_autocast_enabled("cpu")
    with ember.autocast("cpu"):
        assert ember.is_autocast_enabled("cpu")
        with ember.autocast("cpu", enabled=False):
            assert not ember.is_autocast_enabled("cpu")
            assert (ember.ones(2, 2) @ ember.ones(2, 2)).dtype == ember.float32
        assert ember.is_autocast_enabled("cpu")
        assert (ember.ones(2, 2) @ ember.ones(2, 2)).dtype == ember.bfloat16
    assert not ember.is_autocast_enabled("cpu")
    assert not ember.is_autocast_enabled()  # the legacy form asks about CUDA
    assert ember.autocast_increment_nesting() == 1
    assert ember.autocast_decrement_nesting() == 0
    ember.set_autocast_enabled("cpu", True)
    try:
        assert (ember.ones(2, 2) @ ember.ones(2, 2)).dtype == ember.bfloat16
    finally:
        ember.set_autocast_enabled("cpu", False)
    assert ember.is_autocast_cache_enabled()
    assert ember.amp.is_autocast_available("cpu")


def test_exception_inside_region_restores_state():
    with pytest.raises(ValueError):
        with ember.autocast("cpu"):
            raise ValueError
    assert not ember.is_autocast_enabled("cpu")
    with pytest.raises(RuntimeError):
        with ember.autocast("cpu"):
            ember.mm(ember.ones(2, 3), ember.ones(2, 3))
    assert (ember.ones(2, 2) @ ember.ones(2, 2)).dtype == ember.float32


def test_decorator_form():
    @ember.autocast("cpu")
    def f(a):
        return a @ a

    @ember.amp.autocast("cpu", enabled=False)
    def g(a):
        return a @ a

    a = ember.ones(2, 2)
    assert f(a).dtype == ember.bfloat16 and g(a).dtype == ember.float32
    with pytest.raises(TypeError, match="requires a callable"):
        ember.autocast("cpu")(3)


def test_state_is_thread_local():
    seen = []
    with ember.autocast("cpu"):
        t = threading.Thread(target=lambda: seen.append(
            (ember.is_autocast_enabled("cpu"), (ember.ones(2, 2) @ ember.ones(2, 2)).dtype)))
        t.start()
        t.join()
    assert seen == [(False, ember.float32)]


def test_unsupported_and_cuda_regions_disable_with_warning():
    with pytest.warns(UserWarning, match="CUDA is not available"):
        c = ember.autocast("cuda")
    with c:
        assert not ember.is_autocast_enabled("cuda")
    with pytest.warns(UserWarning, match="target dtype is not supported"):
        c = ember.autocast("cpu", dtype=ember.float32)
    with c:
        assert not ember.is_autocast_enabled("cpu")
    with pytest.raises(ValueError):
        ember.autocast(1)
    with pytest.raises(RuntimeError):
        ember.autocast("tpu")


def test_deprecated_aliases():
    with pytest.warns(FutureWarning):
        a = ember.cpu.amp.autocast()
    assert a.fast_dtype == ember.bfloat16
    with a:
        assert (ember.ones(2, 2) @ ember.ones(2, 2)).dtype == ember.bfloat16
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import ember.cuda.amp as cuda_amp
        assert not cuda_amp.GradScaler().is_enabled()
        with cuda_amp.autocast():
            assert not ember.is_autocast_enabled("cuda")


def test_custom_fwd_casts_inputs():
    class Square(ember.autograd.Function):
        @staticmethod
        @ember.amp.custom_fwd(device_type="cpu", cast_inputs=ember.float32)
        def forward(ctx, a):
            ctx.save_for_backward(a)
            assert not ember.is_autocast_enabled("cpu")
            return a @ a

        @staticmethod
        @ember.amp.custom_bwd(device_type="cpu")
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g @ a.t() + a.t() @ g

    a = ember.ones(2, 2, dtype=ember.bfloat16, requires_grad=True)
    with ember.autocast("cpu"):
        y = Square.apply(a)
    assert y.dtype == ember.float32
    y.sum().backward()
    assert a.grad.dtype == ember.bfloat16


@pytest.mark.parametrize("layer", ["LSTM", "GRU", "RNN", "MultiheadAttention"])
def test_recurrent_and_attention_layers(layer):
    x = arr(5, 2, 8)
    outs = []
    for lib in (torch, ember):
        lib.manual_seed(0)
        m = getattr(lib.nn, layer)(8, 2) if layer == "MultiheadAttention" else \
            getattr(lib.nn, layer)(8, 4, num_layers=2)
        if lib is ember:
            m.load_state_dict({k: ember.tensor(v.detach().numpy())
                               for k, v in outs[0][1].state_dict().items()})
        xt = lib.tensor(x)
        with lib.autocast("cpu"):
            out = m(xt, xt, xt) if layer == "MultiheadAttention" else m(xt)
        outs.append((out[0], m))
    t, e = outs[0][0], outs[1][0]
    assert name(e.dtype) == name(t.dtype)
    np.testing.assert_allclose(e.float().detach().numpy(), t.float().detach().numpy(),
                               rtol=5e-2, atol=5e-2)
