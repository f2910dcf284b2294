"""TransformerEncoderLayer/Encoder, TransformerDecoderLayer/Decoder and Transformer against
torch with identical weights: outputs and every gradient in train mode (dropout 0) and eval
mode (including torch's fused fast paths), masks of every kind, reprs, state_dict keys,
default init and errors."""
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.nn as enn
import ember.nn.functional as F

RTOL, ATOL = 1e-5, 1e-5
D, H, FF = 8, 2, 16
# torch and ember both warn when a float mask meets a bool padding mask (checked in
# test_attention.py); torch and ember also warn alike about the nested-tensor path (checked in
# test_encoder_nested_tensor_warning). Keep the output quiet here.
pytestmark = [pytest.mark.filterwarnings("ignore:Support for mismatched"),
              pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
              pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")]


def rand(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).standard_normal(shape).astype(np.float32)


def close(e, t, what=""):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=RTOL, atol=ATOL,
                               err_msg=what)


def sync(tmod, emod, jitter=True):
    """Copy torch's parameters into ember (after making LayerNorm affine / zero biases
    non-trivial so their gradients are exercised)."""
    if jitter:
        with torch.no_grad():
            for i, (name, p) in enumerate(tmod.named_parameters()):
                if "norm" in name or "bias" in name:
                    p.add_(torch.from_numpy(rand(*p.shape, seed=100 + i)) * 0.1)
    state = {k: ember.from_numpy(v.detach().numpy().copy())
             for k, v in tmod.state_dict().items()}
    emod.load_state_dict(state)


def conv(fw, lib):
    out = {}
    for n, a in fw.items():
        if isinstance(a, np.ndarray):
            out[n] = torch.from_numpy(a.copy()) if lib is torch else ember.from_numpy(a.copy())
        else:
            out[n] = a
    return out


# torch 2.13's fused inference encoder kernel (eval, no grad, batch_first) returns all-NaN
# output for float masks with finite values (the MHA fast path refuses such masks, the
# encoder one does not); for those cases the reference is torch's plain path.
FUSED_NAN_MASKS = {"mask_float", "mask_3d"}


def compare_fused(tmod, emod, arrays, fw, mask_name, batch_first):
    if batch_first and mask_name in FUSED_NAN_MASKS:
        with torch.no_grad():
            fused = tmod(*[torch.from_numpy(a.copy()) for a in arrays], **conv(fw, torch))
        assert bool(fused.isnan().all())  # the torch bug is still there
        torch.backends.mha.set_fastpath_enabled(False)
        try:
            compare(tmod, emod, arrays, fw, grad=False)
        finally:
            torch.backends.mha.set_fastpath_enabled(True)
    else:
        compare(tmod, emod, arrays, fw, grad=False)


def compare(tmod, emod, arrays, fw, grad=True):
    tin = [torch.from_numpy(a.copy()).requires_grad_(grad) for a in arrays]
    ein = [ember.from_numpy(a.copy()).requires_grad_(grad) for a in arrays]
    tout = tmod(*tin, **conv(fw, torch))
    eout = emod(*ein, **conv(fw, ember))
    close(eout, tout, "output")
    if not grad:
        return
    g = rand(*tout.shape, seed=7)
    (tout * torch.from_numpy(g)).sum().backward()
    (eout * ember.from_numpy(g)).sum().backward()
    for i, (t, e) in enumerate(zip(tin, ein)):
        close(e.grad, t.grad, f"input {i}")
    tp, ep = dict(tmod.named_parameters()), dict(emod.named_parameters())
    assert list(tp) == list(ep)
    for n in tp:
        if tp[n].grad is None:
            assert ep[n].grad is None, n
        else:
            close(ep[n].grad, tp[n].grad, n)


S, N = 5, 3


def src_kpm():
    m = np.zeros((N, S), dtype=bool)
    m[0, -1] = True
    m[2, -2:] = True
    return m


def causal(n=S):
    return torch.nn.Transformer.generate_square_subsequent_mask(n).numpy()


def mask_bool(n=S):
    m = np.triu(np.ones((n, n), dtype=bool), 1)
    m[1:, 0] = False
    return m


ENC_MASKS = {
    "none": lambda: {},
    "mask_float": lambda: {"src_mask": rand(S, S, seed=3)},
    "mask_bool": lambda: {"src_mask": mask_bool()},
    "mask_3d": lambda: {"src_mask": rand(N * H, S, S, seed=4)},
    "kpm_bool": lambda: {"src_key_padding_mask": src_kpm()},
    "kpm_float": lambda: {"src_key_padding_mask": np.where(src_kpm(), -np.inf, 0)
                          .astype(np.float32)},
    "both_bool": lambda: {"src_mask": mask_bool(), "src_key_padding_mask": src_kpm()},
    "causal": lambda: {"src_mask": causal(), "is_causal": True},
    "causal_kpm": lambda: {"src_mask": causal(), "is_causal": True,
                           "src_key_padding_mask": np.where(src_kpm(), -np.inf, 0)
                           .astype(np.float32)},
}


def encoder_layer_pair(**kw):
    torch.manual_seed(0)
    kw.setdefault("dim_feedforward", FF)
    kw.setdefault("dropout", 0.0)
    t = torch.nn.TransformerEncoderLayer(D, H, **kw)
    ekw = dict(kw)
    act = kw.get("activation")
    if isinstance(act, torch.nn.Module):
        ekw["activation"] = getattr(enn, type(act).__name__)()
    elif callable(act):
        ekw["activation"] = getattr(F, act.__name__)
    e = enn.TransformerEncoderLayer(D, H, **ekw)
    sync(t, e)
    return t, e


def x_for(batch_first, seed=1):
    x = rand(S, N, D, seed=seed)
    return x.transpose(1, 0, 2).copy() if batch_first else x


@pytest.mark.parametrize("mask", sorted(ENC_MASKS))
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer_train(mask, norm_first, batch_first, activation):
    t, e = encoder_layer_pair(norm_first=norm_first, batch_first=batch_first,
                              activation=activation)
    compare(t, e, [x_for(batch_first)], ENC_MASKS[mask]())


@pytest.mark.parametrize("activation", [torch.nn.functional.silu, torch.nn.GELU()])
def test_encoder_layer_custom_activation(activation):
    t, e = encoder_layer_pair(activation=activation, batch_first=True)
    compare(t, e, [x_for(True)], {"src_key_padding_mask": src_kpm()})
    assert repr(e) == repr(t)


@pytest.mark.parametrize("mask", sorted(ENC_MASKS))
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_eval_fast_path(mask, norm_first, batch_first):
    """eval + no_grad + batch_first is torch's fused encoder-layer kernel; the plain path
    must give the same numbers."""
    t, e = encoder_layer_pair(norm_first=norm_first, batch_first=batch_first, dropout=0.5)
    t.eval()
    e.eval()
    with torch.no_grad(), ember.no_grad():
        compare_fused(t, e, [x_for(batch_first)], ENC_MASKS[mask](), mask, batch_first)


@pytest.mark.parametrize("mask", ["none", "kpm_bool", "mask_float"])
def test_encoder_layer_eval_with_grad(mask):
    t, e = encoder_layer_pair(batch_first=True, dropout=0.5)
    t.eval()
    e.eval()
    compare(t, e, [x_for(True)], ENC_MASKS[mask]())


def test_encoder_layer_unbatched():
    t, e = encoder_layer_pair()
    compare(t, e, [rand(S, D, seed=1)], {"src_mask": mask_bool()})
    compare(t, e, [rand(S, D, seed=2)], {"src_key_padding_mask": src_kpm()[2]})


def enc_map(fw):
    return {{"src_mask": "mask"}.get(k, k): v for k, v in fw.items()}


@pytest.mark.parametrize("mask", sorted(ENC_MASKS))
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("with_norm", [False, True])
def test_encoder_stack_train(mask, norm_first, with_norm):
    t_layer, e_layer = encoder_layer_pair(norm_first=norm_first, batch_first=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.nn.TransformerEncoder(t_layer, 2, torch.nn.LayerNorm(D) if with_norm else None)
        e = enn.TransformerEncoder(e_layer, 2, enn.LayerNorm(D) if with_norm else None)
    sync(t, e)
    fw = enc_map(ENC_MASKS[mask]())
    if "is_causal" in fw:
        fw["is_causal"] = None  # detection from the mask
    compare(t, e, [x_for(True)], fw)


@pytest.mark.parametrize("mask", ["none", "kpm_bool", "kpm_float", "mask_float", "causal"])
@pytest.mark.parametrize("with_norm", [False, True])
@pytest.mark.parametrize("enable_nested_tensor", [True, False])
def test_encoder_stack_eval_nested_path(mask, with_norm, enable_nested_tensor):
    """torch's eval no-grad encoder packs a padded batch into a nested tensor and pads it
    back with zeros; ember gives the same numbers."""
    t_layer, e_layer = encoder_layer_pair(batch_first=True, dropout=0.2)
    t = torch.nn.TransformerEncoder(t_layer, 2, torch.nn.LayerNorm(D) if with_norm else None,
                                    enable_nested_tensor=enable_nested_tensor)
    e = enn.TransformerEncoder(e_layer, 2, enn.LayerNorm(D) if with_norm else None,
                               enable_nested_tensor=enable_nested_tensor)
    sync(t, e)
    t.eval()
    e.eval()
    assert e.use_nested_tensor == t.use_nested_tensor
    with torch.no_grad(), ember.no_grad():
        compare_fused(t, e, [x_for(True)], enc_map(ENC_MASKS[mask]()), mask, True)


def test_encoder_nested_tensor_warning():
    layer = enn.TransformerEncoderLayer(D, H, FF, norm_first=True)
    with pytest.warns(UserWarning, match="norm_first was True"):
        enn.TransformerEncoder(layer, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        enn.TransformerEncoder(layer, 2, enable_nested_tensor=False)


def decoder_layer_pair(**kw):
    torch.manual_seed(0)
    kw.setdefault("dim_feedforward", FF)
    kw.setdefault("dropout", 0.0)
    t = torch.nn.TransformerDecoderLayer(D, H, **kw)
    e = enn.TransformerDecoderLayer(D, H, **kw)
    sync(t, e)
    return t, e


T = 4


def tgt_kpm():
    m = np.zeros((N, T), dtype=bool)
    m[1, -1] = True
    return m


DEC_MASKS = {
    "none": lambda: {},
    "tgt_causal": lambda: {"tgt_mask": causal(T), "tgt_is_causal": True},
    "tgt_bool": lambda: {"tgt_mask": mask_bool(T)},
    "memory_mask": lambda: {"memory_mask": rand(T, S, seed=5)},
    "kpms_bool": lambda: {"tgt_key_padding_mask": tgt_kpm(),
                          "memory_key_padding_mask": src_kpm()},
    "all_float": lambda: {"tgt_mask": causal(T), "memory_mask": rand(T, S, seed=5),
                          "tgt_key_padding_mask": np.where(tgt_kpm(), -np.inf, 0)
                          .astype(np.float32),
                          "memory_key_padding_mask": np.where(src_kpm(), -np.inf, 0)
                          .astype(np.float32)},
}


def dec_inputs(batch_first):
    tgt, mem = rand(T, N, D, seed=1), rand(S, N, D, seed=2)
    if batch_first:
        tgt, mem = tgt.transpose(1, 0, 2).copy(), mem.transpose(1, 0, 2).copy()
    return [tgt, mem]


@pytest.mark.parametrize("mask", sorted(DEC_MASKS))
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("train", [True, False])
def test_decoder_layer(mask, norm_first, batch_first, train):
    t, e = decoder_layer_pair(norm_first=norm_first, batch_first=batch_first,
                              activation="gelu", dropout=0.0 if train else 0.4)
    t.train(train)
    e.train(train)
    compare(t, e, dec_inputs(batch_first), DEC_MASKS[mask]())


@pytest.mark.parametrize("mask", sorted(DEC_MASKS))
def test_decoder_stack(mask):
    t_layer, e_layer = decoder_layer_pair(batch_first=True)
    t = torch.nn.TransformerDecoder(t_layer, 2, torch.nn.LayerNorm(D))
    e = enn.TransformerDecoder(e_layer, 2, enn.LayerNorm(D))
    sync(t, e)
    fw = DEC_MASKS[mask]()
    fw.pop("tgt_is_causal", None)  # detected from the mask
    compare(t, e, dec_inputs(True), fw)


def transformer_pair(**kw):
    torch.manual_seed(0)
    base = dict(d_model=D, nhead=H, num_encoder_layers=2, num_decoder_layers=1,
                dim_feedforward=FF, dropout=0.0)
    base.update(kw)
    t = torch.nn.Transformer(**base)
    e = enn.Transformer(**base)
    sync(t, e)
    return t, e


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("masks", [False, True])
def test_transformer(batch_first, norm_first, masks):
    t, e = transformer_pair(batch_first=batch_first, norm_first=norm_first)
    src = x_for(batch_first, seed=3)
    tgt = dec_inputs(batch_first)[0]
    fw = {}
    if masks:
        fw = {"src_key_padding_mask": src_kpm(), "tgt_mask": causal(T),
              "memory_key_padding_mask": src_kpm(), "tgt_key_padding_mask": tgt_kpm()}
    compare(t, e, [src, tgt], fw)
    t.eval()
    e.eval()
    with torch.no_grad(), ember.no_grad():
        compare(t, e, [src, tgt], fw, grad=False)


def test_transformer_unbatched_and_errors():
    t, e = transformer_pair()
    compare(t, e, [rand(S, D, seed=1), rand(T, D, seed=2)], {"tgt_mask": causal(T)})
    with pytest.raises(RuntimeError, match="batch number of src and tgt"):
        e(ember.randn(S, 2, D), ember.randn(T, 3, D))
    with pytest.raises(RuntimeError, match="feature number"):
        e(ember.randn(S, 2, D), ember.randn(T, 2, D + 1))


def test_generate_square_subsequent_mask():
    for n in (0, 1, 4):
        m = enn.Transformer.generate_square_subsequent_mask(n)
        np.testing.assert_array_equal(
            m.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(n).numpy())
        assert m.dtype == ember.float32
    m = enn.Transformer.generate_square_subsequent_mask(3, dtype=ember.float64)
    assert m.dtype == ember.float64
    assert isinstance(enn.Transformer.__dict__["generate_square_subsequent_mask"],
                      staticmethod)


def test_reprs_and_state_dicts():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pairs = [
            (torch.nn.TransformerEncoderLayer(D, H, FF, norm_first=True),
             enn.TransformerEncoderLayer(D, H, FF, norm_first=True)),
            (torch.nn.TransformerEncoderLayer(D, H, FF, activation=torch.nn.ReLU(), bias=False),
             enn.TransformerEncoderLayer(D, H, FF, activation=enn.ReLU(), bias=False)),
            (torch.nn.TransformerDecoderLayer(D, H, FF, layer_norm_eps=1e-6),
             enn.TransformerDecoderLayer(D, H, FF, layer_norm_eps=1e-6)),
            (torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(D, H, FF), 2),
             enn.TransformerEncoder(enn.TransformerEncoderLayer(D, H, FF), 2)),
            (torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(D, H, FF), 2,
                                         torch.nn.LayerNorm(D)),
             enn.TransformerDecoder(enn.TransformerDecoderLayer(D, H, FF), 2, enn.LayerNorm(D))),
            (torch.nn.Transformer(D, H, 1, 2, FF), enn.Transformer(D, H, 1, 2, FF)),
        ]
    for t, e in pairs:
        assert repr(e) == repr(t)
        assert list(e.state_dict()) == list(t.state_dict())
        for (n, tv), (_, ev) in zip(t.state_dict().items(), e.state_dict().items()):
            assert tuple(ev.shape) == tuple(tv.shape), n


def test_clones_are_independent():
    layer = enn.TransformerEncoderLayer(D, H, FF, batch_first=True)
    enc = enn.TransformerEncoder(layer, 3, enable_nested_tensor=False)
    ps = [m.self_attn.in_proj_weight for m in enc.layers]
    assert len({id(p) for p in ps}) == 3 and all(p is not layer.self_attn.in_proj_weight
                                                  for p in ps)
    np.testing.assert_array_equal(ps[0].detach().numpy(), ps[2].detach().numpy())
    assert enc.num_layers == 3


def test_transformer_default_init():
    ember.manual_seed(0)
    m = enn.Transformer(16, 2, 1, 1, 32, dropout=0.0)
    for name, p in m.named_parameters():
        a = p.detach().numpy()
        if p.dim() > 1:
            bound = (6.0 / (a.shape[0] + a.shape[1])) ** 0.5
            assert np.abs(a).max() <= bound and np.abs(a).max() > 0.8 * bound, name
        elif "norm" in name and name.endswith("weight"):
            assert (a == 1).all(), name
        elif name.endswith("in_proj_bias") or name.endswith("out_proj.bias") or "norm" in name:
            assert (a == 0).all(), name


def test_bad_activation():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        enn.TransformerEncoderLayer(D, H, FF, activation="tanh")
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        enn.TransformerDecoderLayer(D, H, FF, activation="tanh")
