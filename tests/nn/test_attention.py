"""F.scaled_dot_product_attention and nn.MultiheadAttention against torch with identical
weights: outputs, attention weights and every gradient, masks of every kind, train (dropout
0) and eval mode, parameter names/order, default init, reprs and errors."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as enn
import ember.nn.functional as F

RTOL, ATOL = 1e-5, 1e-5


def rand(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed + sum(shape)).standard_normal(shape).astype(dtype)


def close(e, t, what=""):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=RTOL, atol=ATOL,
                               err_msg=what)


def pair(a, grad=True):
    t = torch.from_numpy(a.copy())
    e = ember.from_numpy(a.copy())
    if grad and a.dtype.kind == "f":
        t.requires_grad_(True)
        e.requires_grad_(True)
    return t, e


# ---------------------------------------------------------------- scaled_dot_product_attention

def bool_mask(shape, seed=3, dead_row=False):
    m = np.random.default_rng(seed).random(shape) > 0.4
    m[..., 0] = True
    if dead_row:
        m[..., 1, :] = False
    return m


SDPA_CASES = {
    "plain": dict(),
    "scale": dict(scale=0.3),
    "causal": dict(is_causal=True),
    "bool_2d": dict(mask=lambda L, S: bool_mask((L, S))),
    "bool_4d": dict(mask=lambda L, S: bool_mask((2, 3, L, S))),
    "bool_bcast": dict(mask=lambda L, S: bool_mask((2, 1, 1, S))),
    "float_2d": dict(mask=lambda L, S: rand(L, S, seed=5)),
    "float_4d": dict(mask=lambda L, S: rand(2, 3, L, S, seed=6)),
    "dead_row_bool": dict(mask=lambda L, S: bool_mask((2, 3, L, S), dead_row=True)),
    "dead_row_float": dict(mask=lambda L, S: np.where(bool_mask((L, S), dead_row=True),
                                                      rand(L, S, seed=8), -np.inf)
                           .astype(np.float32)),
}


@pytest.mark.parametrize("case", sorted(SDPA_CASES))
@pytest.mark.parametrize("L,S", [(4, 4), (3, 5), (5, 3)])
def test_sdpa_matches_torch(case, L, S):
    spec = SDPA_CASES[case]
    if case.startswith("dead") and L < 2:
        pytest.skip("needs two query rows")
    tq, eq = pair(rand(2, 3, L, 8, seed=1))
    tk, ek = pair(rand(2, 3, S, 8, seed=2))
    tv, ev = pair(rand(2, 3, S, 6, seed=3))
    kw = {}
    if "scale" in spec:
        kw["scale"] = spec["scale"]
    if spec.get("is_causal"):
        kw["is_causal"] = True
    tm = em = None
    if "mask" in spec:
        m = spec["mask"](L, S)
        tm, em = torch.from_numpy(m.copy()), ember.from_numpy(m.copy())
    tout = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=tm, **kw)
    eout = F.scaled_dot_product_attention(eq, ek, ev, attn_mask=em, **kw)
    close(eout, tout)
    w = rand(*tout.shape, seed=9)
    (tout * torch.from_numpy(w)).sum().backward()
    (eout * ember.from_numpy(w)).sum().backward()
    for t, e, n in ((tq, eq, "q"), (tk, ek, "k"), (tv, ev, "v")):
        close(e.grad, t.grad, n)


def test_sdpa_dead_rows_are_zero_with_zero_grad():
    q = ember.randn(1, 3, 4, requires_grad=True)
    k, v = ember.randn(1, 5, 4), ember.randn(1, 5, 4)
    m = ember.ones(3, 5, dtype=ember.bool)
    m[1] = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=m)
    assert out[0, 1].abs().sum().item() == 0
    out.sum().backward()
    assert q.grad[0, 1].abs().sum().item() == 0
    assert np.isfinite(q.grad.numpy()).all()


@pytest.mark.parametrize("hk", [1, 2])
def test_sdpa_enable_gqa(hk):
    tq, eq = pair(rand(2, 4, 3, 8, seed=1))
    tk, ek = pair(rand(2, hk, 5, 8, seed=2))
    tv, ev = pair(rand(2, hk, 5, 8, seed=3))
    tout = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, enable_gqa=True)
    eout = F.scaled_dot_product_attention(eq, ek, ev, enable_gqa=True)
    close(eout, tout)
    tout.sum().backward()
    eout.sum().backward()
    for t, e in ((tq, eq), (tk, ek), (tv, ev)):
        close(e.grad, t.grad)


def test_sdpa_unbatched_3d_and_dropout_zero():
    tq, eq = pair(rand(3, 8, seed=1))
    tk, ek = pair(rand(5, 8, seed=2))
    tv, ev = pair(rand(5, 8, seed=3))
    close(F.scaled_dot_product_attention(eq, ek, ev, dropout_p=0.0),
          torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, dropout_p=0.0))


def test_sdpa_dropout_statistics():
    ember.manual_seed(0)
    q = ember.zeros(1, 64, 4)
    k = ember.zeros(1, 64, 4)
    v = ember.ones(1, 64, 4)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    # uniform weights 1/64, each kept with p=0.5 and scaled by 2: mean stays near 1
    assert abs(out.mean().item() - 1.0) < 0.1
    assert out.std().item() > 0


def test_sdpa_rejects_mask_with_is_causal():
    q = ember.randn(2, 3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match="should not be set when is_causal"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=ember.ones(3, 3, dtype=ember.bool),
                                       is_causal=True)
    tq = torch.randn(2, 3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match="should not be set when is_causal"):
        torch.nn.functional.scaled_dot_product_attention(
            tq, tq, tq, attn_mask=torch.ones(3, 3, dtype=torch.bool), is_causal=True)


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "float64"])
def test_sdpa_rejects_other_mask_dtypes(dtype):
    def message(lib):
        q = lib.randn(2, 3, 4)
        with pytest.raises(RuntimeError, match="attn_mask dtype") as info:
            lib.nn.functional.scaled_dot_product_attention(
                q, q, q, attn_mask=lib.zeros(3, 3, dtype=getattr(lib, dtype)))
        return str(info.value)
    assert message(ember) == message(torch)


def test_sdpa_gradcheck_float64():
    gen = np.random.default_rng(0)
    q, k, v = (ember.from_numpy(gen.standard_normal(s)).requires_grad_()
               for s in ((2, 3, 4), (2, 5, 4), (2, 5, 3)))
    m = ember.from_numpy(gen.standard_normal((3, 5)))
    b = ember.from_numpy(bool_mask((3, 5)))
    fn = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=m)  # noqa: E731
    assert ember.autograd.gradcheck(fn, (q, k, v))
    assert ember.autograd.gradgradcheck(fn, (q, k, v))
    fn = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=b)  # noqa: E731
    assert ember.autograd.gradcheck(fn, (q, k, v))
    fn = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True)  # noqa: E731
    assert ember.autograd.gradcheck(fn, (q, k, v))


# ------------------------------------------------------------------------ MultiheadAttention

def copy_weights(tmod, emod):
    state = {k: ember.from_numpy(v.detach().numpy().copy())
             for k, v in tmod.state_dict().items()}
    emod.load_state_dict(state)


def make_mha(seed=0, **kw):
    torch.manual_seed(seed)
    tmod = torch.nn.MultiheadAttention(**kw)
    emod = enn.MultiheadAttention(**kw)
    copy_weights(tmod, emod)
    if kw.get("bias", True):  # make biases non-zero so their grads are exercised
        with torch.no_grad():
            for name, p in tmod.named_parameters():
                if "bias" in name:
                    p.copy_(torch.from_numpy(rand(*p.shape, seed=11)) * 0.1)
        copy_weights(tmod, emod)
    return tmod, emod


def check_mha(tmod, emod, q, k=None, v=None, grad_inputs=True, tgrad=True, **fw):
    """Run both modules, compare output, weights, input and parameter grads."""
    arrays = [q] if k is None else ([q, k] if v is None else [q, k, v])
    tin, ein = zip(*(pair(a, grad_inputs) for a in arrays))
    if k is None:
        targs, eargs = (tin[0],) * 3, (ein[0],) * 3
    elif v is None:
        targs, eargs = (tin[0], tin[1], tin[1]), (ein[0], ein[1], ein[1])
    else:
        targs, eargs = tin, ein
    tfw = {n: (torch.from_numpy(a.copy()) if isinstance(a, np.ndarray) else a)
           for n, a in fw.items()}
    efw = {n: (ember.from_numpy(a.copy()) if isinstance(a, np.ndarray) else a)
           for n, a in fw.items()}
    tout, tw = tmod(*targs, **tfw)
    eout, ew = emod(*eargs, **efw)
    close(eout, tout, "output")
    assert (tw is None) == (ew is None)
    if tw is not None:
        close(ew, tw, "weights")
    if not tgrad:
        return
    g = rand(*tout.shape, seed=21)
    loss_t = (tout * torch.from_numpy(g)).sum()
    loss_e = (eout * ember.from_numpy(g)).sum()
    if tw is not None:
        gw = rand(*tw.shape, seed=22)
        loss_t = loss_t + (tw * torch.from_numpy(gw)).sum()
        loss_e = loss_e + (ew * ember.from_numpy(gw)).sum()
    loss_t.backward()
    loss_e.backward()
    for i, (t, e) in enumerate(zip(tin, ein)):
        if t.requires_grad:
            close(e.grad, t.grad, f"input {i}")
    tparams, eparams = dict(tmod.named_parameters()), dict(emod.named_parameters())
    assert list(tparams) == list(eparams)
    for n in tparams:
        if tparams[n].grad is None:
            assert eparams[n].grad is None, n
        else:
            close(eparams[n].grad, tparams[n].grad, n)


L, S, N, E, H = 4, 5, 3, 8, 2


def kpm_bool(n=N, s=S):
    m = np.zeros((n, s), dtype=bool)
    m[0, -1] = True
    m[-1, -2:] = True
    return m


def kpm_float(n=N, s=S):
    return np.where(kpm_bool(n, s), -np.inf, 0.0).astype(np.float32) + \
        rand(n, s, seed=4) * 0.1


def am_bool(lq=L, s=S):
    m = np.triu(np.ones((lq, s), dtype=bool), 1)
    m[:, 0] = False
    return m


MHA_CONFIGS = {
    "default": dict(),
    "no_bias": dict(bias=False),
    "bias_kv": dict(add_bias_kv=True),
    "zero_attn": dict(add_zero_attn=True),
    "bias_kv_zero_attn": dict(add_bias_kv=True, add_zero_attn=True),
    "kdim_vdim": dict(kdim=6, vdim=7),
    "batch_first": dict(batch_first=True),
}

MASKS = {
    "none": dict(),
    "kpm_bool": dict(key_padding_mask=kpm_bool()),
    "kpm_float": dict(key_padding_mask=kpm_float()),
    "am_bool_2d": dict(attn_mask=am_bool()),
    "am_float_2d": dict(attn_mask=rand(L, S, seed=8)),
    "am_bool_3d": dict(attn_mask=np.stack([am_bool()] * (N * H))),
    "am_float_3d": dict(attn_mask=rand(N * H, L, S, seed=9)),
    "both_bool": dict(attn_mask=am_bool(), key_padding_mask=kpm_bool()),
    "both_float": dict(attn_mask=rand(L, S, seed=8), key_padding_mask=kpm_float()),
}


@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("mask", sorted(MASKS))
@pytest.mark.parametrize("config", sorted(MHA_CONFIGS))
def test_mha_cross_attention_train(config, mask, need_weights, average):
    cfg = MHA_CONFIGS[config]
    tmod, emod = make_mha(embed_dim=E, num_heads=H, **cfg)
    fw = dict(MASKS[mask])
    extra = cfg.get("add_bias_kv", False) + cfg.get("add_zero_attn", False)
    if extra and "attn_mask" in fw and fw["attn_mask"].ndim == 3:
        pytest.skip("3-D masks must match the padded source length; covered 2-D")
    q = rand(L, N, E, seed=1)
    k = rand(S, N, cfg.get("kdim", E), seed=2)
    v = rand(S, N, cfg.get("vdim", E), seed=3)
    if cfg.get("batch_first"):
        q, k, v = (a.transpose(1, 0, 2).copy() for a in (q, k, v))
    check_mha(tmod, emod, q, k, v, need_weights=need_weights, average_attn_weights=average,
              **fw)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("mode", ["self", "kv_shared"])
@pytest.mark.parametrize("mask", ["none", "kpm_bool", "am_bool_2d", "both_float"])
def test_mha_self_attention_paths(batch_first, mode, mask):
    tmod, emod = make_mha(embed_dim=E, num_heads=H, batch_first=batch_first)
    fw = dict(MASKS[mask])
    if "attn_mask" in fw and fw["attn_mask"].shape[-1] == S and mode == "self":
        fw["attn_mask"] = fw["attn_mask"][..., :L, :L] if fw["attn_mask"].ndim == 2 else None
    if "key_padding_mask" in fw and mode == "self":
        fw["key_padding_mask"] = fw["key_padding_mask"][:, :L]
    q = rand(L, N, E, seed=1)
    k = q if mode == "self" else rand(S, N, E, seed=2)
    if batch_first:
        q = q.transpose(1, 0, 2).copy()
        k = q if mode == "self" else k.transpose(1, 0, 2).copy()
    for nw in (True, False):
        tmod.zero_grad()
        emod.zero_grad()
        if mode == "self":
            check_mha(tmod, emod, q, need_weights=nw, **fw)
        else:
            check_mha(tmod, emod, q, k, need_weights=nw, **fw)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("mask", ["none", "kpm_bool", "am_bool_2d", "am_float_2d", "both_bool"])
def test_mha_eval_fast_path_numbers(need_weights, mask):
    """Eval + no_grad + batch_first self-attention takes torch's fused path; ember's plain
    path must give the same numbers."""
    tmod, emod = make_mha(embed_dim=E, num_heads=H, batch_first=True, dropout=0.3)
    tmod.eval()
    emod.eval()
    fw = dict(MASKS[mask])
    if "attn_mask" in fw:
        fw["attn_mask"] = fw["attn_mask"][:L, :L]
    if "key_padding_mask" in fw:
        fw["key_padding_mask"] = fw["key_padding_mask"][:, :L]
    x = rand(N, L, E, seed=1)
    with torch.no_grad(), ember.no_grad():
        check_mha(tmod, emod, x, grad_inputs=False, tgrad=False, need_weights=need_weights,
                  **fw)


@pytest.mark.parametrize("mask", ["none", "kpm_bool", "both_bool"])
def test_mha_eval_with_grad(mask):
    tmod, emod = make_mha(embed_dim=E, num_heads=H, dropout=0.5)
    tmod.eval()
    emod.eval()
    check_mha(tmod, emod, rand(L, N, E, seed=1), rand(S, N, E, seed=2), rand(S, N, E, seed=3),
              **MASKS[mask])


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("mask", ["none", "kpm", "am_2d", "am_3d"])
def test_mha_unbatched(need_weights, mask):
    tmod, emod = make_mha(embed_dim=E, num_heads=H, kdim=6, vdim=6)
    fw = {"none": {}, "kpm": {"key_padding_mask": kpm_bool()[0]},
          "am_2d": {"attn_mask": am_bool()},
          "am_3d": {"attn_mask": rand(H, L, S, seed=4)}}[mask]
    check_mha(tmod, emod, rand(L, E, seed=1), rand(S, 6, seed=2), rand(S, 6, seed=3),
              need_weights=need_weights, **fw)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_is_causal(need_weights):
    tmod, emod = make_mha(embed_dim=E, num_heads=H, batch_first=True)
    causal = torch.nn.Transformer.generate_square_subsequent_mask(L).numpy()
    x = rand(N, L, E, seed=1)
    check_mha(tmod, emod, x, need_weights=need_weights, attn_mask=causal, is_causal=True)
    tmod.zero_grad()
    emod.zero_grad()
    check_mha(tmod, emod, x, need_weights=need_weights, attn_mask=causal, is_causal=True,
              key_padding_mask=kpm_float(N, L))


def test_mha_is_causal_needs_mask():
    m = enn.MultiheadAttention(E, H)
    x = ember.randn(L, N, E)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        m(x, x, x, is_causal=True)


def test_mha_functional_matches_torch():
    tmod, emod = make_mha(embed_dim=E, num_heads=H)
    q, k = rand(L, N, E, seed=1), rand(S, N, E, seed=2)
    args_t = [torch.from_numpy(q), torch.from_numpy(k), torch.from_numpy(k)]
    args_e = [ember.from_numpy(q), ember.from_numpy(k), ember.from_numpy(k)]
    tout, tw = torch.nn.functional.multi_head_attention_forward(
        *args_t, E, H, tmod.in_proj_weight, tmod.in_proj_bias, None, None, False, 0.0,
        tmod.out_proj.weight, tmod.out_proj.bias, training=False)
    eout, ew = F.multi_head_attention_forward(
        *args_e, E, H, emod.in_proj_weight, emod.in_proj_bias, None, None, False, 0.0,
        emod.out_proj.weight, emod.out_proj.bias, training=False)
    close(eout, tout)
    close(ew, tw)


@pytest.mark.parametrize("kw", [dict(), dict(bias=False), dict(add_bias_kv=True),
                                dict(kdim=3, vdim=5), dict(batch_first=True, dropout=0.2)])
def test_mha_parameters_state_dict_and_repr(kw):
    tmod = torch.nn.MultiheadAttention(E, H, **kw)
    emod = enn.MultiheadAttention(E, H, **kw)
    assert list(emod.state_dict()) == list(tmod.state_dict())
    assert [n for n, _ in emod.named_parameters()] == [n for n, _ in tmod.named_parameters()]
    for (n, tp), (_, ep) in zip(tmod.state_dict().items(), emod.state_dict().items()):
        assert tuple(ep.shape) == tuple(tp.shape), n
    assert repr(emod) == repr(tmod)
    for attr in ("embed_dim", "kdim", "vdim", "_qkv_same_embed_dim", "num_heads", "dropout",
                 "batch_first", "head_dim", "add_zero_attn"):
        assert getattr(emod, attr) == getattr(tmod, attr), attr
    assert (emod.bias_k is None) == (tmod.bias_k is None)
    assert type(emod.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(emod.out_proj, enn.Linear)


def test_mha_default_init():
    ember.manual_seed(0)
    m = enn.MultiheadAttention(64, 4, add_bias_kv=True)
    bound = (6.0 / (64 + 3 * 64)) ** 0.5  # xavier_uniform_ over the (3E, E) weight
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert (m.in_proj_bias.detach().numpy() == 0).all()
    assert (m.out_proj.bias.detach().numpy() == 0).all()
    ow = m.out_proj.weight.detach().numpy()  # Linear's default: U(-1/sqrt(E), 1/sqrt(E))
    assert np.abs(ow).max() <= 1 / 8 and np.abs(ow).max() > 0.9 / 8
    assert m.bias_k.detach().numpy().std() > 0
    sep = enn.MultiheadAttention(64, 4, kdim=32, vdim=16)
    kb = (6.0 / (64 + 32)) ** 0.5
    assert np.abs(sep.k_proj_weight.detach().numpy()).max() <= kb


def test_mha_errors_match_torch():
    with pytest.raises(ValueError, match="must be greater than 0"):
        enn.MultiheadAttention(0, 2)
    with pytest.raises(AssertionError, match="divisible"):
        enn.MultiheadAttention(6, 4)
    m = enn.MultiheadAttention(E, H)
    x = ember.randn(L, N, E)
    with pytest.raises(RuntimeError, match="2D attn_mask"):
        m(x, x, x, attn_mask=ember.zeros(L, L + 1))
    with pytest.raises(RuntimeError, match="3D attn_mask"):
        m(x, x, x, attn_mask=ember.zeros(2, L, L))
    with pytest.raises(AssertionError, match="3-D"):
        m(x, x[0], x[0])
    with pytest.raises(AssertionError, match="only bool and floating"):
        m(x, x, x, key_padding_mask=ember.zeros(N, L, dtype=ember.int64))
    with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
        m(x, x, x, key_padding_mask=ember.zeros(N, L, dtype=ember.bool),
          attn_mask=ember.zeros(L, L))


def test_mha_float64_gradcheck():
    ember.manual_seed(0)
    m = enn.MultiheadAttention(4, 2, dtype=ember.float64, add_bias_kv=True)
    gen = np.random.default_rng(0)
    q = ember.from_numpy(gen.standard_normal((3, 2, 4))).requires_grad_()
    k = ember.from_numpy(gen.standard_normal((5, 2, 4))).requires_grad_()
    kpm = ember.from_numpy(kpm_bool(2, 5))
    for nw in (True, False):
        def fn(q, k, nw=nw):
            return m(q, k, k, key_padding_mask=kpm, need_weights=nw)[0]
        assert ember.autograd.gradcheck(fn, (q, k))
