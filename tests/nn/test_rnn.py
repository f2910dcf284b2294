"""RNN, LSTM, GRU and their cells against torch.nn with identical weights: outputs, final
states and every gradient (input, initial states, all parameters) over the option
combinations, packed sequences, parameter layout, default initialisation, reprs and errors."""
import itertools
import math
import warnings

import numpy as np
import pytest
import torch

import ember
from ember.autograd import gradcheck, gradgradcheck

RTOL, ATOL = 1e-5, 1e-6
GRAD_RTOL, GRAD_ATOL = RTOL, ATOL  # gradients hold to the same float32 tolerance

pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")

tR, eR = torch.nn.utils.rnn, ember.nn.utils.rnn


def make_pair(kind, *args, **kwargs):
    """The same layer in torch and ember, ember's weights copied from torch's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tmod = getattr(torch.nn, kind)(*args, **kwargs)
        emod = getattr(ember.nn, kind)(*args, **kwargs)
    state = {k: ember.from_numpy(v.detach().numpy().copy()) for k, v in
             tmod.state_dict().items()}
    emod.load_state_dict(state)
    return tmod, emod


def to_both(a, grad=True):
    return (torch.from_numpy(a.copy()).requires_grad_(grad),
            ember.from_numpy(a.copy()).requires_grad_(grad))


def flat(out):
    """The tensors of a (nested) rnn result, PackedSequence data included."""
    if isinstance(out, (tR.PackedSequence, eR.PackedSequence)):
        return [out.data]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flat(o)]
    return [out]


def close(e, t, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


def backprop_and_compare(tmod, emod, touts, eouts, tins, eins):
    """Compare forward results, then backprop the same random weighting of every output and
    compare gradients of the inputs and of every parameter."""
    touts, eouts = flat(touts), flat(eouts)
    assert len(touts) == len(eouts)
    rng = np.random.default_rng(7)
    tloss, eloss = 0, 0
    for t, e in zip(touts, eouts):
        assert tuple(e.shape) == tuple(t.shape)
        close(e, t)
        w = rng.standard_normal(tuple(t.shape)).astype(np.float32)
        tloss = tloss + (t * torch.from_numpy(w)).sum()
        eloss = eloss + (e * ember.from_numpy(w)).sum()
    tloss.backward()
    eloss.backward()
    for t, e in zip(tins, eins):
        close(e.grad, t.grad, GRAD_RTOL, GRAD_ATOL)
    for (name, tp), (ename, ep) in zip(tmod.named_parameters(), emod.named_parameters()):
        assert name == ename
        assert ep.grad is not None, name
        close(ep.grad, tp.grad, GRAD_RTOL, GRAD_ATOL)


KINDS = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}),
         ("LSTM", {"proj_size": 2}), ("GRU", {})]
KIND_IDS = ["rnn_tanh", "rnn_relu", "lstm", "lstm_proj", "gru"]


def initial_state(kind, kw, layers, dirs, batch, hidden, rng, unbatched=False):
    shape = (layers * dirs,) + (() if unbatched else (batch,))
    real = kw.get("proj_size", 0) or hidden
    h = rng.standard_normal(shape + (real,)).astype(np.float32)
    if kind == "LSTM":
        c = rng.standard_normal(shape + (hidden,)).astype(np.float32)
        return [h, c]
    return [h]


@pytest.mark.parametrize("kind,kw", KINDS, ids=KIND_IDS)
@pytest.mark.parametrize("layers,bidir,batch_first,bias,with_h",
                         list(itertools.product([1, 2], [False, True], [False, True],
                                                [True, False], [False, True])))
def test_layer_matches_torch(kind, kw, layers, bidir, batch_first, bias, with_h):
    torch.manual_seed(0)
    hidden, T, B, I = 4, 3, 2, 3
    tmod, emod = make_pair(kind, I, hidden, num_layers=layers, bidirectional=bidir,
                           batch_first=batch_first, bias=bias, **kw)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, I) if batch_first else (T, B, I)).astype(np.float32)
    tx, ex = to_both(x)
    tins, eins = [tx], [ex]
    targs, eargs = [tx], [ex]
    if with_h:
        states = [to_both(s) for s in initial_state(kind, kw, layers, 1 + bidir, B, hidden,
                                                     rng)]
        tins += [s[0] for s in states]
        eins += [s[1] for s in states]
        if kind == "LSTM":
            targs.append((states[0][0], states[1][0]))
            eargs.append((states[0][1], states[1][1]))
        else:
            targs.append(states[0][0])
            eargs.append(states[0][1])
    backprop_and_compare(tmod, emod, tmod(*targs), emod(*eargs), tins, eins)


@pytest.mark.parametrize("kind,kw", KINDS, ids=KIND_IDS)
@pytest.mark.parametrize("with_h", [False, True])
def test_unbatched_input(kind, kw, with_h):
    torch.manual_seed(1)
    tmod, emod = make_pair(kind, 3, 4, num_layers=2, bidirectional=True, **kw)
    rng = np.random.default_rng(1)
    tx, ex = to_both(rng.standard_normal((5, 3)).astype(np.float32))
    tins, eins, targs, eargs = [tx], [ex], [tx], [ex]
    if with_h:
        states = [to_both(s) for s in initial_state(kind, kw, 2, 2, 1, 4, rng, True)]
        tins += [s[0] for s in states]
        eins += [s[1] for s in states]
        pick = (lambda i: tuple(s[i] for s in states)) if kind == "LSTM" else \
            (lambda i: states[0][i])
        targs.append(pick(0))
        eargs.append(pick(1))
    tout, eout = tmod(*targs), emod(*eargs)
    assert eout[0].dim() == 2
    backprop_and_compare(tmod, emod, tout, eout, tins, eins)


@pytest.mark.parametrize("kind,kw", KINDS, ids=KIND_IDS)
@pytest.mark.parametrize("bidir,layers,batch_first,enforce_sorted,with_h",
                         [(False, 1, False, False, False), (True, 2, True, False, True),
                          (True, 1, False, True, False), (False, 2, False, False, True)])
def test_packed_sequence(kind, kw, bidir, layers, batch_first, enforce_sorted, with_h):
    torch.manual_seed(2)
    hidden, I = 4, 3
    lengths = [5, 3, 4, 1] if not enforce_sorted else [5, 4, 3, 1]
    B, T = len(lengths), max(lengths)
    tmod, emod = make_pair(kind, I, hidden, num_layers=layers, bidirectional=bidir,
                           batch_first=batch_first, **kw)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((B, T, I) if batch_first else (T, B, I)).astype(np.float32)
    tx, ex = to_both(x)
    tp = tR.pack_padded_sequence(tx, torch.tensor(lengths), batch_first=batch_first,
                                 enforce_sorted=enforce_sorted)
    ep = eR.pack_padded_sequence(ex, ember.tensor(lengths), batch_first=batch_first,
                                 enforce_sorted=enforce_sorted)
    tins, eins, targs, eargs = [tx], [ex], [tp], [ep]
    if with_h:
        states = [to_both(s) for s in initial_state(kind, kw, layers, 1 + bidir, B, hidden,
                                                     rng)]
        tins += [s[0] for s in states]
        eins += [s[1] for s in states]
        pick = (lambda i: tuple(s[i] for s in states)) if kind == "LSTM" else \
            (lambda i: states[0][i])
        targs.append(pick(0))
        eargs.append(pick(1))
    tout, eout = tmod(*targs), emod(*eargs)
    assert isinstance(eout[0], eR.PackedSequence)
    assert eout[0].batch_sizes.tolist() == tout[0].batch_sizes.tolist()
    for name in ("sorted_indices", "unsorted_indices"):
        t, e = getattr(tout[0], name), getattr(eout[0], name)
        assert (e is None) == (t is None)
        if t is not None:
            assert e.tolist() == t.tolist()
    tpad, tlen = tR.pad_packed_sequence(tout[0], batch_first=batch_first)
    epad, elen = eR.pad_packed_sequence(eout[0], batch_first=batch_first)
    assert elen.tolist() == tlen.tolist()
    close(epad, tpad)
    backprop_and_compare(tmod, emod, (tpad, tout[1]), (epad, eout[1]), tins, eins)


def test_packed_matches_per_sequence_runs():
    """Each sequence of a packed batch ends in the state it would reach run alone."""
    _, emod = make_pair("LSTM", 3, 4, bidirectional=True)
    rng = np.random.default_rng(3)
    seqs = [ember.from_numpy(rng.standard_normal((n, 3)).astype(np.float32))
            for n in (2, 5, 3)]
    out, (h, c) = emod(eR.pack_sequence(seqs, enforce_sorted=False))
    padded, _ = eR.pad_packed_sequence(out)
    for b, s in enumerate(seqs):
        o1, (h1, c1) = emod(s)
        close(padded[:len(s), b], o1)
        close(h[:, b], h1)
        close(c[:, b], c1)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_dropout_between_layers(kind):
    torch.manual_seed(3)
    tmod, emod = make_pair(kind, 3, 4, num_layers=3, dropout=1.0)
    tx, ex = to_both(np.random.default_rng(4).standard_normal((4, 2, 3)).astype(np.float32))
    # p = 1 zeroes the inputs of layers 2 and 3 in training, deterministically.
    backprop_and_compare(tmod, emod, tmod(tx), emod(ex), [tx], [ex])
    tmod.eval()
    emod.eval()
    close(emod(ex)[0], tmod(tx)[0])


def test_dropout_random_only_in_training():
    _, emod = make_pair("GRU", 3, 8, num_layers=2, dropout=0.5)
    x = ember.randn(6, 4, 3)
    a, b = emod(x)[0], emod(x)[0]
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    emod.eval()
    close(emod(x)[0], emod(x)[0], 0, 0)


@pytest.mark.parametrize("kind,kw", KINDS, ids=KIND_IDS)
@pytest.mark.parametrize("bidir", [False, True])
def test_parameter_layout_and_init(kind, kw, bidir):
    tmod, emod = make_pair(kind, 3, 5, num_layers=2, bidirectional=bidir, **kw)
    emod = getattr(ember.nn, kind)(3, 5, num_layers=2, bidirectional=bidir, **kw)
    tshapes = [(k, tuple(v.shape)) for k, v in tmod.state_dict().items()]
    assert [(k, tuple(v.shape)) for k, v in emod.state_dict().items()] == tshapes
    assert [n for n, _ in emod.named_parameters()] == [n for n, _ in tmod.named_parameters()]
    assert emod._flat_weights_names == tmod._flat_weights_names
    assert [[tuple(w.shape) for w in ws] for ws in emod.all_weights] == \
        [[tuple(w.shape) for w in ws] for ws in tmod.all_weights]
    bound = 1 / math.sqrt(5)
    values = np.concatenate([p.detach().numpy().ravel() for p in emod.parameters()])
    assert values.dtype == np.float32
    assert values.min() >= -bound and values.max() <= bound
    assert values.std() > bound / 3  # uniform on +-bound has std bound/sqrt(3)
    emod.flatten_parameters()


@pytest.mark.parametrize("kind,args,kw", [
    ("RNN", (10, 20), {}), ("LSTM", (10, 20), {"num_layers": 2, "batch_first": True}),
    ("RNN", (3, 4), {"nonlinearity": "relu", "num_layers": 2, "bias": False,
                     "batch_first": True, "dropout": 0.5, "bidirectional": True}),
    ("LSTM", (3, 4), {"proj_size": 2}), ("GRU", (3, 4), {"dropout": 0.25, "num_layers": 2}),
    ("RNNCell", (3, 4), {"nonlinearity": "relu", "bias": False}), ("LSTMCell", (3, 4), {}),
    ("GRUCell", (3, 4), {"bias": False}), ("RNNCell", (3, 4), {}),
])
def test_repr(kind, args, kw):
    tmod, emod = make_pair(kind, *args, **kw)
    assert repr(emod) == repr(tmod)


@pytest.mark.parametrize("kind,kw", [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}),
                                     ("LSTMCell", {}), ("GRUCell", {})])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batched,with_h", [(True, True), (True, False), (False, True),
                                            (False, False)])
def test_cells(kind, kw, bias, batched, with_h):
    torch.manual_seed(5)
    tmod, emod = make_pair(kind, 3, 4, bias=bias, **kw)
    rng = np.random.default_rng(5)
    lead = (2,) if batched else ()
    tx, ex = to_both(rng.standard_normal(lead + (3,)).astype(np.float32))
    tins, eins, targs, eargs = [tx], [ex], [tx], [ex]
    if with_h:
        states = [to_both(rng.standard_normal(lead + (4,)).astype(np.float32))
                  for _ in range(2 if kind == "LSTMCell" else 1)]
        tins += [s[0] for s in states]
        eins += [s[1] for s in states]
        if kind == "LSTMCell":
            targs.append(tuple(s[0] for s in states))
            eargs.append(tuple(s[1] for s in states))
        else:
            targs.append(states[0][0])
            eargs.append(states[0][1])
    tout, eout = tmod(*targs), emod(*eargs)
    backprop_and_compare(tmod, emod, tout, eout, tins, eins)
    shapes = [(k, tuple(v.shape)) for k, v in tmod.state_dict().items()]
    assert [(k, tuple(v.shape)) for k, v in emod.state_dict().items()] == shapes


@pytest.mark.parametrize("kind,kw", KINDS, ids=KIND_IDS)
def test_gradcheck_float64(kind, kw):
    """First and second derivatives in float64 through the composed steps, with respect to
    the input, the initial state and a weight."""
    mod = getattr(ember.nn, kind)(2, 3, num_layers=2, bidirectional=True, dtype=ember.float64,
                                  **kw)
    rng = np.random.default_rng(6)
    x = ember.from_numpy(rng.standard_normal((2, 2, 2))).requires_grad_()
    real = kw.get("proj_size", 0) or 3
    h = ember.from_numpy(rng.standard_normal((4, 2, real))).requires_grad_()
    c = ember.from_numpy(rng.standard_normal((4, 2, 3))).requires_grad_()
    w = mod.weight_hh_l1_reverse

    def fn(x, h, c, w):
        mod._parameters["weight_hh_l1_reverse"] = w  # a plain tensor, for gradcheck
        if kind == "LSTM":
            out, (hn, cn) = mod(x, (h, c))
            return out, hn, cn
        out, hn = mod(x, h)
        return out, hn + 0 * c.sum()

    inputs = (x, h, c, w.detach().clone().requires_grad_())
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)
    mod._parameters["weight_hh_l1_reverse"] = w


def test_errors_match_torch():
    def both(fn_t, fn_e, exc):
        with pytest.raises(exc) as te:
            fn_t()
        with pytest.raises(exc) as ee:
            fn_e()
        assert str(ee.value) == str(te.value)

    tl, el = make_pair("LSTM", 3, 4)
    tg, eg = make_pair("GRU", 3, 4)
    both(lambda: tl(torch.zeros(2, 3, 5)), lambda: el(ember.zeros(2, 3, 5)), RuntimeError)
    both(lambda: tl(torch.zeros(2, 3, 3, 1)), lambda: el(ember.zeros(2, 3, 3, 1)), ValueError)
    both(lambda: tg(torch.zeros(2)), lambda: eg(ember.zeros(2)), ValueError)
    both(lambda: tg(torch.zeros(2, 3, 3), torch.zeros(1, 2, 4)),
         lambda: eg(ember.zeros(2, 3, 3), ember.zeros(1, 2, 4)), RuntimeError)
    both(lambda: tg(torch.zeros(2, 3, 3), torch.zeros(3, 4)),
         lambda: eg(ember.zeros(2, 3, 3), ember.zeros(3, 4)), RuntimeError)
    both(lambda: tg(torch.zeros(2, 3), torch.zeros(1, 1, 4)),
         lambda: eg(ember.zeros(2, 3), ember.zeros(1, 1, 4)), RuntimeError)
    both(lambda: tl(torch.zeros(2, 3, 3), (torch.zeros(1, 3, 4), torch.zeros(1, 3, 5))),
         lambda: el(ember.zeros(2, 3, 3), (ember.zeros(1, 3, 4), ember.zeros(1, 3, 5))),
         RuntimeError)
    for kind, kw, exc in [("GRU", {"proj_size": 1}, ValueError),
                          ("LSTM", {"proj_size": 4}, ValueError),
                          ("LSTM", {"dropout": 1.5}, ValueError),
                          ("LSTM", {"num_layers": 0}, ValueError),
                          ("RNN", {"nonlinearity": "gelu"}, ValueError),
                          ("RNN", {"bias": 1}, TypeError)]:
        both(lambda: getattr(torch.nn, kind)(3, 4, **kw),
             lambda: getattr(ember.nn, kind)(3, 4, **kw), exc)
    tc, ec = make_pair("LSTMCell", 3, 4)
    both(lambda: tc(torch.zeros(1, 2, 3)), lambda: ec(ember.zeros(1, 2, 3)), ValueError)
    with pytest.warns(UserWarning, match="dropout option adds dropout"):
        ember.nn.LSTM(3, 4, dropout=0.5)


@pytest.mark.parametrize("kind", ["RNN", "GRU"])
def test_grad_fn_matches_torch_for_composed_kinds(kind):
    """torch composes RNN and GRU on the CPU too: the output is a StackBackward0 over the
    steps' last ops, as in ember."""
    tmod, emod = make_pair(kind, 3, 4)
    tout = tmod(torch.randn(3, 2, 3, requires_grad=True))[0]
    eout = emod(ember.randn(3, 2, 3, requires_grad=True))[0]
    assert type(eout.grad_fn).__name__ == type(tout.grad_fn).__name__ == "StackBackward0"
    assert [type(f).__name__ for f, _ in eout.grad_fn.next_functions] == \
        [type(f).__name__ for f, _ in tout.grad_fn.next_functions]


def _names(fns):
    return [None if f is None else type(f).__name__.replace("torch::autograd::", "")
            for f, _ in fns]


@pytest.mark.parametrize("kw", [{}, {"num_layers": 2, "bidirectional": True},
                                {"bias": False}])
def test_lstm_grad_fn_matches_torch(kw):
    """float32 LSTM records one fused MkldnnRnnLayerBackward0 per layer and direction, with
    torch's seven inputs (input, w_ih, w_hh, b_ih, b_hh, h0, c0); h_n and c_n stack its
    outputs 1 and 2."""
    tmod, emod = make_pair("LSTM", 3, 4, **kw)
    n = tmod.num_layers * (2 if tmod.bidirectional else 1)
    ht, he = to_both(np.zeros((n, 1, 4), "float32"))
    tout, (th, _) = tmod(torch.randn(2, 1, 3, requires_grad=True), (ht, ht * 1))
    eout, (eh, ec) = emod(ember.randn(2, 1, 3, requires_grad=True), (he, he * 1))
    assert type(eout.grad_fn).__name__ == type(tout.grad_fn).__name__
    for e, t in [(eout.grad_fn, tout.grad_fn), (eh.grad_fn, th.grad_fn)]:
        assert _names(e.next_functions) == _names(t.next_functions)
        for (en, enr), (tn, tnr) in zip(e.next_functions, t.next_functions):
            assert enr == tnr
            if en is not None:
                assert _names(en.next_functions) == _names(tn.next_functions)
    assert ec.grad_fn is not None


@pytest.mark.parametrize("kw", [{}, {"bidirectional": True}])
def test_lstm_fused_double_backward_matches_torch(kw):
    """Double backward through the fused float32 layer: the gradient of a function of the
    input gradient (create_graph=True) reaches the input, the states and every weight."""
    tmod, emod = make_pair("LSTM", 3, 4, **kw)
    rng = np.random.default_rng(3)
    n = 2 if kw else 1
    xs = to_both(rng.standard_normal((5, 2, 3)).astype("float32"))
    hs = to_both(rng.standard_normal((n, 2, 4)).astype("float32"))
    cs = to_both(rng.standard_normal((n, 2, 4)).astype("float32"))
    grads = []
    for lib, mod, k in ((torch, tmod, 0), (ember, emod, 1)):
        x, h0, c0 = xs[k], hs[k], cs[k]
        out, (h, c) = mod(x, (h0, c0))
        loss = (out * out).sum() + h.sum() + (c * c).sum()
        gx, gh = lib.autograd.grad(loss, (x, h0), create_graph=True)
        ((gx * gx).sum() + (gh * gx[0, :, :1]).sum()).backward()
        grads.append([x.grad, h0.grad, c0.grad] + [p.grad for p in mod.parameters()])
    for t, e in zip(*grads):
        close(e, t, 2e-4, 2e-5)


@pytest.mark.parametrize("use", ["out", "h", "c"])
def test_lstm_fused_one_output_used(use):
    """Backward from a single output of the fused layer (the others get no gradient)."""
    tmod, emod = make_pair("LSTM", 3, 4, num_layers=2, bidirectional=True)
    x = np.random.default_rng(5).standard_normal((4, 2, 3)).astype("float32")
    grads = []
    for lib, mod in ((torch, tmod), (ember, emod)):
        t = lib.from_numpy(x.copy()).requires_grad_()
        out, (h, c) = mod(t)
        {"out": out, "h": h, "c": c}[use].pow(2).sum().backward()
        grads.append([t.grad] + [p.grad for p in mod.parameters()])
    for t, e in zip(*grads):
        close(e, t)


def test_lstm_grad_fn_float64_is_composed():
    """torch's float64 CPU LSTM is composed of the steps' ops (StackBackward0), as ember's."""
    _, emod = make_pair("LSTM", 3, 4)
    emod.double()
    out, (h, c) = emod(ember.randn(2, 1, 3, dtype=ember.float64, requires_grad=True))
    assert type(out.grad_fn).__name__ == "StackBackward0"
    assert h.grad_fn is not None and c.grad_fn is not None
    _, emod = make_pair("LSTM", 3, 4)
    out2, _ = emod(ember.randn(2, 1, 3))  # parameters still require grad
    assert out2.requires_grad
    with ember.no_grad():
        out3, _ = emod(ember.randn(2, 1, 3))
    assert out3.grad_fn is None


@pytest.mark.parametrize("kind,kw", KINDS, ids=KIND_IDS)
def test_float64_module(kind, kw):
    """`.double()` converts every weight; results then match torch in float64."""
    tmod, emod = make_pair(kind, 3, 4, num_layers=2, bidirectional=True, **kw)
    tmod, emod = tmod.double(), emod.double()
    assert all(p.dtype == ember.float64 for p in emod.parameters())
    x = np.random.default_rng(8).standard_normal((4, 2, 3))
    tout, eout = tmod(torch.from_numpy(x)), emod(ember.from_numpy(x))
    for t, e in zip(flat(tout), flat(eout)):
        assert e.dtype == ember.float64
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-12,
                                   atol=1e-12)
    with pytest.raises(ValueError) as te:
        tmod(torch.zeros(2, 1, 3))
    with pytest.raises(ValueError) as ee:
        emod(ember.zeros(2, 1, 3))
    assert str(ee.value) == str(te.value).replace("torch", "ember")


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_empty_sequence_raises_like_torch(kind):
    for lib in (torch, ember):
        with pytest.raises(RuntimeError, match="sequence length to be larger than 0"):
            getattr(lib.nn, kind)(3, 4, batch_first=True)(lib.zeros(2, 0, 3))
