"""nn.utils (gradient clipping, parameters <-> vector) against torch 2.13."""
import copy
import math

import numpy as np
import pytest
import torch

import ember

LIBS = (torch, ember)


def _params(lib, grads=True, dtype="float32"):
    rng = np.random.default_rng(3)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    ps = []
    for i, s in enumerate(shapes):
        p = lib.nn.Parameter(lib.tensor(rng.standard_normal(s).astype(dtype)))
        g = rng.standard_normal(s).astype(dtype) * (i + 1)
        if grads:
            p.grad = lib.tensor(g)
        ps.append(p)
    return ps


def _same_error(fn):
    out = []
    for lib in LIBS:
        with pytest.raises(Exception) as info:
            fn(lib)
        out.append(info)
    assert out[0].type is out[1].type
    assert str(out[1].value).replace("torch", "ember") == \
        str(out[0].value).replace("torch", "ember")


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, "inf", 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
@pytest.mark.parametrize("foreach", [None, False, True])
def test_clip_grad_norm(norm_type, max_norm, foreach):
    res = []
    for lib in LIBS:
        ps = _params(lib)
        ps[1].grad = None  # parameters without a gradient are skipped
        total = lib.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type,
                                             foreach=foreach)
        res.append((total.numpy(), [None if p.grad is None else p.grad.numpy() for p in ps],
                    str(total.dtype).replace("torch", "ember"), tuple(total.shape)))
    (tt, tg, td, ts), (et, eg, ed, es) = res
    assert (td, ts) == (ed, es)
    np.testing.assert_allclose(et, tt, rtol=1e-5, atol=1e-6)
    for a, b in zip(tg, eg):
        if a is None:
            assert b is None
        else:
            np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_clip_grad_norm_single_tensor_empty_and_float64():
    for fn in (lambda lib: lib.nn.utils.clip_grad_norm_(_params(lib)[0], 1.0),
               lambda lib: lib.nn.utils.clip_grad_norm_(_params(lib, grads=False), 1.0),
               lambda lib: lib.nn.utils.clip_grad_norm_(
                   iter(_params(lib, dtype="float64")), 0.1),
               lambda lib: lib.nn.utils.get_total_norm([p.grad for p in _params(lib)], 3.0)):
        t, e = fn(torch), fn(ember)
        assert str(t.dtype).replace("torch", "ember") == str(e.dtype)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)


def test_clip_grad_norm_nonfinite():
    def make(lib):
        ps = _params(lib)
        ps[0].grad[0, 0] = float("nan")
        return ps
    _same_error(lambda lib: lib.nn.utils.clip_grad_norm_(make(lib), 1.0,
                                                        error_if_nonfinite=True))
    t = torch.nn.utils.clip_grad_norm_(make(torch), 1.0)
    e = ember.nn.utils.clip_grad_norm_(make(ember), 1.0)
    assert math.isnan(float(t)) and math.isnan(float(e))


def test_clip_grad_norm_no_graph():
    p = ember.nn.Parameter(ember.ones(3))
    p.grad = ember.full((3,), 4.0)
    total = ember.nn.utils.clip_grad_norm_([p], 1.0)
    assert not total.requires_grad and p.grad.grad_fn is None


def test_clip_grad_norm_deprecated_alias():
    with pytest.warns(FutureWarning):
        ember.nn.utils.clip_grad_norm(_params(ember), 1.0)


@pytest.mark.parametrize("clip", [0.3, 2, 100.0])
def test_clip_grad_value(clip):
    res = []
    for lib in LIBS:
        ps = _params(lib)
        ps[2].grad = None
        out = lib.nn.utils.clip_grad_value_(ps, clip)
        res.append((out, [None if p.grad is None else p.grad.numpy() for p in ps]))
    assert res[0][0] is None and res[1][0] is None
    for a, b in zip(res[0][1], res[1][1]):
        if a is None:
            assert b is None
        else:
            np.testing.assert_array_equal(b, a)


def test_parameters_to_vector_and_back():
    res = []
    for lib in LIBS:
        ps = _params(lib)
        v = lib.nn.utils.parameters_to_vector(ps)
        v.sum().backward()
        new = lib.arange(float(v.numel()))
        lib.nn.utils.vector_to_parameters(new, ps)
        res.append((v.detach().numpy(), type(v.grad_fn).__name__, ps[0].grad.numpy(),
                    [p.detach().numpy() for p in ps], [type(p).__name__ for p in ps],
                    ps[1].data_ptr() == new[12:].data_ptr()))
    (tv, tn, tg, tp, tt, tsh), (ev, en, eg, ep, et, esh) = res
    np.testing.assert_array_equal(ev, tv)
    assert (tn, tt, tsh) == (en, et, esh)
    np.testing.assert_array_equal(eg, tg)
    for a, b in zip(tp, ep):
        np.testing.assert_array_equal(b, a)
    _same_error(lambda lib: lib.nn.utils.vector_to_parameters([1.0], _params(lib)))


# -- parametrize --------------------------------------------------------------------------------
def _param_classes(lib):
    nn = lib.nn

    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            rng = np.random.default_rng(5)
            self.weight = nn.Parameter(lib.tensor(rng.standard_normal((3, 3)).astype("float32")))
            self.register_buffer("buf", lib.tensor(rng.standard_normal(3).astype("float32")))

        def forward(self, x):
            return x @ self.weight

    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu()

    class Scale(nn.Module):
        def forward(self, X):
            return X * 2

        def right_inverse(self, A):
            return A / 2

    class NoInverse(nn.Module):
        def forward(self, X):
            return X + 1

    class Split(nn.Module):  # parametrized by two tensors
        def forward(self, A, B):
            return A + B

        def right_inverse(self, X):
            return (X / 2, X / 2)

    class Shape(nn.Module):
        def forward(self, X):
            return X[:2]
    return Holder, Symmetric, Scale, NoInverse, Split, Shape


def test_parametrize_register_use_and_remove():
    def run(lib):
        P = lib.nn.utils.parametrize
        Holder, Symmetric, Scale, NoInverse, Split, Shape = _param_classes(lib)
        m = Holder()
        out = [P.is_parametrized(m)]
        P.register_parametrization(m, "weight", Symmetric())
        w = m.weight
        out += [P.is_parametrized(m), P.is_parametrized(m, "weight"),
                P.is_parametrized(m, "buf"), type(m).__name__,
                P.type_before_parametrizations(m).__name__,
                bool((w == w.T).all()), [n for n, _ in m.named_parameters()],
                list(m.state_dict()), repr(m)]
        x = lib.ones(2, 3, requires_grad=True)
        m(x).sum().backward()
        out.append(m.parametrizations.weight.original.grad.numpy().round(5).tolist())
        P.register_parametrization(m, "weight", Scale())  # chained
        out.append(m.weight.detach().numpy().round(5).tolist())
        with P.cached():
            out.append(m.weight is m.weight)
        out.append(m.weight is m.weight)
        m.weight = lib.eye(3) * 4  # through right_inverse of both
        out.append(m.parametrizations.weight.original.detach().numpy().round(5).tolist())
        P.register_parametrization(m, "buf", NoInverse())
        out += [sorted(m.state_dict()), m.buf.numpy().round(5).tolist()]
        P.remove_parametrizations(m, "weight")
        out += [type(m).__name__, [n for n, _ in m.named_parameters()],
                m.weight.detach().numpy().round(5).tolist(), type(m.weight).__name__]
        P.remove_parametrizations(m, "buf", leave_parametrized=False)
        out += [type(m).__name__, hasattr(m, "parametrizations"), sorted(m._buffers),
                m.buf.numpy().round(5).tolist()]
        s = Holder()
        P.register_parametrization(s, "weight", Split())
        out += [[n for n, _ in s.named_parameters()], s.weight.detach().numpy().round(5).tolist()]
        P.remove_parametrizations(s, "weight")
        out += [[n for n, _ in s.named_parameters()], type(s.weight).__name__]
        d = Holder()
        P.register_parametrization(d, "weight", Scale())
        d2 = copy.deepcopy(d)
        out += [type(d2).__name__, d2.weight.detach().numpy().round(5).tolist()]
        return out
    t, e = run(torch), run(ember)
    assert repr(t).replace("torch", "ember") == repr(e)


def test_parametrize_errors():
    def err(fn):
        _same_error(fn)

    def classes(lib):
        return _param_classes(lib)

    err(lambda lib: lib.nn.utils.parametrize.register_parametrization(
        classes(lib)[0](), "nothing", classes(lib)[1]()))
    err(lambda lib: lib.nn.utils.parametrize.register_parametrization(
        classes(lib)[0](), "weight", classes(lib)[5]()))
    err(lambda lib: lib.nn.utils.parametrize.remove_parametrizations(
        lib.nn.Module(), "weight"))

    def no_inverse(lib):
        m = classes(lib)[0]()
        lib.nn.utils.parametrize.register_parametrization(m, "weight", classes(lib)[3]())
        m.weight = lib.zeros(3, 3)
    err(no_inverse)

    def leave_multi(lib):
        m = classes(lib)[0]()
        lib.nn.utils.parametrize.register_parametrization(m, "weight", classes(lib)[4]())
        lib.nn.utils.parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    err(leave_multi)

    def pickled(lib):
        m = classes(lib)[0]()
        lib.nn.utils.parametrize.register_parametrization(m, "weight", classes(lib)[2]())
        m.__getstate__()
    err(pickled)


# -- rnn: packing and padding -------------------------------------------------------------------
def _seqs(lib, lengths=(3, 5, 2), feat=(2,), dtype="float32"):
    rng = np.random.default_rng(11)
    return [lib.tensor(rng.standard_normal((n,) + feat).astype(dtype), requires_grad=True)
            for n in lengths]


def _run_both(fn):
    """fn(lib, seqs) -> (outputs, tensors to differentiate); compares values, grad_fn
    names and the gradients of the input sequences."""
    res = []
    for lib in LIBS:
        seqs = _seqs(lib)
        outs, diff = fn(lib, seqs)
        loss = sum((d * (lib.arange(d.numel()).reshape(d.shape) + 1.0)).sum() for d in diff)
        loss.backward()
        res.append(([o.detach().numpy() if isinstance(o, lib.Tensor) else o for o in outs],
                    [type(d.grad_fn).__name__ for d in diff],
                    [None if s.grad is None else s.grad.numpy() for s in seqs]))
    (to, tn, tg), (eo, en, eg) = res
    assert tn == en
    for a, b in zip(to, eo):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(b, a, rtol=1e-6)
        else:
            assert repr(a).replace("torch", "ember") == repr(b)
    for a, b in zip(tg, eg):
        np.testing.assert_allclose(b, a, rtol=1e-6)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence(batch_first, side):
    def fn(lib, seqs):
        p = lib.nn.utils.rnn.pad_sequence(seqs, batch_first=batch_first, padding_value=-1.5,
                                          padding_side=side)
        return [p], [p]
    _run_both(fn)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_pack_pad_roundtrip(batch_first, enforce_sorted):
    def fn(lib, seqs):
        R = lib.nn.utils.rnn
        if enforce_sorted:
            seqs = sorted(seqs, key=lambda t: -t.shape[0])
        lengths = [s.shape[0] for s in seqs]
        padded = R.pad_sequence(seqs, batch_first=batch_first)
        packed = R.pack_padded_sequence(padded, lib.tensor(lengths), batch_first=batch_first,
                                        enforce_sorted=enforce_sorted)
        out, lens = R.pad_packed_sequence(packed, batch_first=batch_first, padding_value=9.0,
                                          total_length=6)
        return ([packed.batch_sizes.tolist(), None if packed.sorted_indices is None else
                 packed.sorted_indices.tolist(), lens.tolist(), str(lens.dtype)[-5:], out],
                [packed.data, out])
    _run_both(fn)


def test_pack_sequence_unpack_and_packed_methods():
    def fn(lib, seqs):
        R = lib.nn.utils.rnn
        packed = R.pack_sequence(seqs, enforce_sorted=False)
        back = R.unpack_sequence(packed)
        padded = R.pad_sequence(seqs)
        unpadded = R.unpad_sequence(padded, lib.tensor([s.shape[0] for s in seqs]))
        p64 = packed.double()
        return ([repr(R.pack_sequence([lib.tensor([1.0, 2.0]), lib.tensor([3.0])])),
                 packed.unsorted_indices.tolist(), tuple(padded.shape),
                 str(p64.data.dtype)[-7:], packed.to(packed.data.dtype) is packed,
                 type(packed).__name__, packed.is_cuda, len(packed)] + back + unpadded,
                back + unpadded)
    _run_both(fn)


def test_pack_padded_sequence_gradcheck():
    x = ember.randn(4, 3, 2, dtype=ember.float64, requires_grad=True)
    for bf in (False, True):
        assert ember.autograd.gradcheck(
            lambda t: ember.nn.utils.rnn.pack_padded_sequence(t, [4, 2, 1] if not bf else
                                                              [2, 2, 1, 1], batch_first=bf).data,
            (x,))
        assert ember.autograd.gradgradcheck(
            lambda t: ember.nn.utils.rnn.pack_padded_sequence(t, [3, 3, 1]).data, (x,))


def test_rnn_utils_errors():
    def get(lib):
        return lib.nn.utils.rnn
    x = np.zeros((3, 2, 1), dtype="float32")
    for lengths in ([3], [2, 3], [3, 0], [[3, 2]]):
        _same_error(lambda lib: get(lib).pack_padded_sequence(lib.tensor(x), lengths))
    _same_error(lambda lib: get(lib).pad_sequence([]))
    _same_error(lambda lib: get(lib).pad_sequence(3))
    _same_error(lambda lib: get(lib).pad_sequence([lib.ones(2)], padding_side="mid"))
    _same_error(lambda lib: get(lib).pad_packed_sequence(
        get(lib).pack_padded_sequence(lib.tensor(x), [3, 2]), total_length=2))


# -- stateless.functional_call, skip_init -------------------------------------------------------
def _stateless_net(lib):
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
            self.tied = self.w
            self.register_buffer("b", lib.tensor([0.5, 0.5]))
            self.sub = lib.nn.Module()
            self.sub.v = lib.nn.Parameter(lib.tensor([3.0, 4.0]))

        def forward(self, x, scale=1.0):
            return (x * self.w + self.b + self.sub.v * self.tied) * scale
    return Net()


def test_functional_call():
    def run(lib):
        import warnings
        net = _stateless_net(lib)
        f = lib.nn.utils.stateless.functional_call
        new_w = lib.tensor([10.0, 20.0], requires_grad=True)
        x = lib.tensor([1.0, 1.0])
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = f(net, {"w": new_w, "sub.v": lib.zeros(2)}, (x,), {"scale": 2.0})
            y2 = f(net, {"w": new_w}, x, tie_weights=False)
            y3 = f(net, {"b": lib.ones(2), "extra": lib.ones(1)}, args=x)
        y.sum().backward()
        return ([y.tolist(), y2.tolist(), y3.tolist(), new_w.grad.tolist(),
                 net.w.tolist(), net.b.tolist(), net.tied is net.w, hasattr(net, "extra"),
                 [str(m.category.__name__) for m in w][:1]])
    t, e = run(torch), run(ember)
    assert t == e

    def strict(lib):
        import warnings
        warnings.simplefilter("ignore")
        lib.nn.utils.stateless.functional_call(_stateless_net(lib), {"w": lib.ones(2),
                                                                     "zz": lib.ones(1)},
                                               lib.ones(2), strict=True)
    _same_error(strict)

    def tied(lib):
        import warnings
        warnings.simplefilter("ignore")
        lib.nn.utils.stateless.functional_call(_stateless_net(lib), {"w": lib.ones(2),
                                                                     "tied": lib.zeros(2)},
                                               lib.ones(2))
    _same_error(tied)


def test_skip_init():
    def run(lib):
        class WithDevice(lib.nn.Module):
            def __init__(self, n, device=None):
                super().__init__()
                self.p = lib.nn.Parameter(lib.ones(n, device=device))
        m = lib.nn.utils.skip_init(WithDevice, 3)
        return type(m).__name__, tuple(m.p.shape), type(m.p).__name__
    assert run(torch) == run(ember)
    _same_error(lambda lib: lib.nn.utils.skip_init(int))
    _same_error(lambda lib: lib.nn.utils.skip_init(lib.nn.Module))


# -- parametrizations.spectral_norm ---------------------------------------------------------------
@pytest.mark.parametrize("shape,dim", [((4, 3), None), ((3, 2, 2), 1), ((5,), None)])
def test_spectral_norm(shape, dim):
    rng = np.random.default_rng(2)
    w0 = rng.standard_normal(shape).astype("float32")
    res = []
    tu = tv = None
    for lib in LIBS:
        m = lib.nn.Module()
        m.weight = lib.nn.Parameter(lib.tensor(w0))
        lib.nn.utils.parametrizations.spectral_norm(m, n_power_iterations=2, dim=dim)
        sn = m.parametrizations.weight[0]
        if len(shape) > 1:
            if lib is torch:
                tu, tv = sn._u.numpy().copy(), sn._v.numpy().copy()
            else:  # start from torch's random vectors
                sn._u.copy_(ember.tensor(tu))
                sn._v.copy_(ember.tensor(tv))
        w_train = m.weight
        (w_train * lib.arange(float(w_train.numel())).reshape(shape)).sum().backward()
        m.eval()
        w_eval = m.weight
        res.append((w_train.detach().numpy(), w_eval.detach().numpy(),
                    m.parametrizations.weight.original.grad.numpy(), sorted(m.state_dict()),
                    type(w_train.grad_fn).__name__))
    (a1, a2, ag, ak, an), (b1, b2, bg, bk, bn) = res
    np.testing.assert_allclose(b1, a1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b2, a2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bg, ag, rtol=1e-4, atol=1e-5)
    assert (ak, an) == (bk, bn)


def test_spectral_norm_errors():
    def make(lib):
        m = lib.nn.Module()
        m.weight = lib.nn.Parameter(lib.ones(2, 2))
        return m
    _same_error(lambda lib: lib.nn.utils.parametrizations.spectral_norm(make(lib), "nope"))
    _same_error(lambda lib: lib.nn.utils.parametrizations.spectral_norm(make(lib), dim=2))
    _same_error(lambda lib: lib.nn.utils.parametrizations.spectral_norm(
        make(lib), n_power_iterations=0))


# -- fusion -------------------------------------------------------------------------------------
def _bn_stats(lib, bn, n, seed):
    rng = np.random.default_rng(seed)
    with lib.no_grad():
        bn.running_mean.copy_(lib.tensor(rng.standard_normal(n).astype("float32")))
        bn.running_var.copy_(lib.tensor(rng.uniform(0.5, 2.0, n).astype("float32")))
        if bn.weight is not None:
            bn.weight.copy_(lib.tensor(rng.standard_normal(n).astype("float32")))
            bn.bias.copy_(lib.tensor(rng.standard_normal(n).astype("float32")))


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_fuse_conv_and_linear_bn(affine, bias):
    if not all(hasattr(ember.nn, n) for n in ("Conv2d", "BatchNorm2d", "Linear", "BatchNorm1d")):
        pytest.skip("layer modules not available yet")
    rng = np.random.default_rng(4)
    x4 = rng.standard_normal((2, 3, 5, 5)).astype("float32")
    x2 = rng.standard_normal((4, 3)).astype("float32")
    res = []
    for lib in LIBS:
        nn = lib.nn
        conv, bn2 = nn.Conv2d(3, 4, 3, bias=bias), nn.BatchNorm2d(4, affine=affine)
        # torch's linear fusion needs the affine terms (it multiplies by bn.weight)
        lin, bn1 = nn.Linear(3, 4, bias=bias), nn.BatchNorm1d(4)
        with lib.no_grad():
            for m, seed in ((conv, 1), (lin, 2)):
                r = np.random.default_rng(seed)
                m.weight.copy_(lib.tensor(r.standard_normal(tuple(m.weight.shape))
                                          .astype("float32")))
                if bias:
                    m.bias.copy_(lib.tensor(r.standard_normal(tuple(m.bias.shape))
                                            .astype("float32")))
        _bn_stats(lib, bn2, 4, 5)
        _bn_stats(lib, bn1, 4, 6)
        for m in (conv, bn2, lin, bn1):
            m.eval()
        fc = lib.nn.utils.fuse_conv_bn_eval(conv, bn2)
        fl = lib.nn.utils.fuse_linear_bn_eval(lin, bn1)
        res.append((fc(lib.tensor(x4)).detach().numpy(),
                    bn2(conv(lib.tensor(x4))).detach().numpy(),
                    fl(lib.tensor(x2)).detach().numpy(), type(fc.weight).__name__,
                    fc is not conv))
    (a1, a2, a3, an, ac), (b1, b2, b3, bn_, bc) = res
    np.testing.assert_allclose(b1, a1, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(b1, b2, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(b3, a3, rtol=1e-4, atol=1e-5)
    assert (an, ac) == (bn_, bc)


def test_fusion_errors():
    if not all(hasattr(ember.nn, n) for n in ("Linear", "BatchNorm1d")):
        pytest.skip("layer modules not available yet")
    _same_error(lambda lib: lib.nn.utils.fuse_linear_bn_eval(lib.nn.Linear(2, 3),
                                                            lib.nn.BatchNorm1d(3)))
    _same_error(lambda lib: lib.nn.utils.fuse_linear_bn_eval(lib.nn.Linear(2, 3).eval(),
                                                            lib.nn.BatchNorm1d(2).eval()))


# -- hook-based spectral_norm --------------------------------------------------------------------
def _sn_module(lib, shape=(3, 4)):
    m = _classes_lin(lib, shape)
    lib.nn.utils.spectral_norm(m, n_power_iterations=2)
    return m


def _classes_lin(lib, shape=(3, 4)):
    class Lin(lib.nn.Module):
        def __init__(self):
            super().__init__()
            rng = np.random.default_rng(8)
            self.weight = lib.nn.Parameter(lib.tensor(rng.standard_normal(shape)
                                                      .astype("float32")))
            self.bias = lib.nn.Parameter(lib.zeros(shape[0]))

        def forward(self, x):
            return x @ self.weight.t() + self.bias
    return Lin()


def test_hook_spectral_norm():
    x = np.random.default_rng(9).standard_normal((2, 4)).astype("float32")
    res = []
    tu = tv = None
    for lib in LIBS:
        m = _sn_module(lib)
        if lib is torch:
            tu, tv = m.weight_u.numpy().copy(), m.weight_v.numpy().copy()
        else:
            m.weight_u.copy_(ember.tensor(tu))
            m.weight_v.copy_(ember.tensor(tv))
        y = m(lib.tensor(x))
        y.sum().backward()
        sd = m.state_dict()
        meta = dict(sd._metadata[""])
        m.eval()
        y2 = m(lib.tensor(x))
        m2 = _sn_module(lib)
        m2.load_state_dict(sd)
        lib.nn.utils.remove_spectral_norm(m)
        res.append((y.detach().numpy(), y2.detach().numpy(), m.weight.detach().numpy(),
                    m2.weight_u.numpy(), list(sd), meta, sorted(n for n, _ in
                                                                m.named_parameters()),
                    len(m._forward_pre_hooks), len(m._state_dict_hooks),
                    type(m.weight).__name__))
    for a, b in zip(*res):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
        else:
            assert a == b


def test_hook_spectral_norm_errors():
    _same_error(lambda lib: lib.nn.utils.spectral_norm(_sn_module(lib)))
    _same_error(lambda lib: lib.nn.utils.remove_spectral_norm(_classes_lin(lib)))
    _same_error(lambda lib: lib.nn.utils.spectral_norm(_classes_lin(lib),
                                                       n_power_iterations=0))


def test_hook_spectral_norm_loads_old_checkpoints():
    # a checkpoint from before weight_v was saved: v is solved from weight, weight_orig, u
    rng = np.random.default_rng(12)
    w = rng.standard_normal((4, 3)).astype("float32")  # W^T W invertible
    u = rng.standard_normal(4).astype("float32")
    res = []
    for lib in LIBS:
        m = _sn_module(lib, (4, 3))
        sd = {"bias": lib.zeros(4), "weight_orig": lib.tensor(w), "weight": lib.tensor(w / 2.5),
              "weight_u": lib.tensor(u / np.linalg.norm(u))}
        m.load_state_dict(sd)
        res.append(m.weight_v.numpy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-4, atol=1e-5)


# -- parametrizations.orthogonal --------------------------------------------------------------
@pytest.mark.parametrize("shape,orth_map,triv", [
    ((3, 3), None, True), ((4, 2), None, True), ((2, 4), None, True), ((3, 3), "cayley", True),
    ((4, 3), "matrix_exp", True), ((4, 3), "householder", False), ((3, 3), "householder", True),
    ((2, 3, 3), None, True)])
def test_orthogonal(shape, orth_map, triv):
    rng = np.random.default_rng(6)
    w0 = rng.standard_normal(shape).astype("float64")
    res = []
    for lib in LIBS:
        m = lib.nn.Module()
        m.weight = lib.nn.Parameter(lib.tensor(w0))
        lib.nn.utils.parametrizations.orthogonal(m, orthogonal_map=orth_map,
                                                 use_trivialization=triv)
        w = m.weight
        (w * lib.arange(float(w.numel()), dtype=lib.float64).reshape(shape)).sum().backward()
        orig = m.parametrizations.weight.original
        res.append((w.detach().numpy(), orig.grad.numpy(), sorted(m.state_dict())))
    (a, ag, ak), (b, bg, bk) = res
    np.testing.assert_allclose(b, a, rtol=1e-7, atol=1e-9)
    if shape[-1] == shape[-2] or not triv:
        # (a non-square base is completed with random columns, which the gradient sees)
        np.testing.assert_allclose(bg, ag, rtol=1e-6, atol=1e-8)
    assert ak == bk


def test_orthogonal_errors():
    def make(lib, shape=(2, 2)):
        m = lib.nn.Module()
        m.weight = lib.nn.Parameter(lib.ones(*shape))
        return m
    P = "parametrizations"
    _same_error(lambda lib: getattr(lib.nn.utils, P).orthogonal(make(lib, (3,))))
    _same_error(lambda lib: getattr(lib.nn.utils, P).orthogonal(make(lib), "nope"))
    _same_error(lambda lib: getattr(lib.nn.utils, P).orthogonal(make(lib), orthogonal_map="x"))

    def assign(lib):
        m = getattr(lib.nn.utils, P).orthogonal(make(lib), use_trivialization=False)
        m.weight = lib.eye(2)
    _same_error(assign)
