"""autograd.forward_ad against torch 2.13: tangents of common ops (values, shapes, dtypes),
levels (no nesting, tangents dropped on exit), make_dual/unpack_dual checks, no_grad, in-place
ops, multi-output and integer outputs, custom Function jvp, forward-over-reverse and
reverse-over-forward, and functional.jvp staying consistent."""
import numpy as np
import pytest
import torch

import ember

LIBS = pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])


def _np(t):
    return None if t is None else np.array(t.detach().numpy())


def _arr(shape, seed, positive=False):
    a = np.random.default_rng(seed).standard_normal(shape)
    return np.abs(a) + 0.5 if positive else a


def _tangent_of(lib, fn, specs):
    """Run `fn` on dual inputs made from `specs` [(shape, seed, positive)], return the
    primal and tangent of each output (as numpy)."""
    fw = lib.autograd.forward_ad
    with fw.dual_level():
        duals = [fw.make_dual(lib.tensor(_arr(s, k, p)), lib.tensor(_arr(s, k + 100)))
                 for s, k, p in specs]
        out = fn(lib, *duals)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        res = []
        for o in outs:
            p, t = fw.unpack_dual(o)
            res.append((_np(p), _np(t), str(p.dtype).split(".")[-1]))
    return res


A, B = ((3, 4), 0, False), ((3, 4), 1, False)
POS = ((3, 4), 2, True)
SQ = ((4, 4), 3, False)
V4 = ((4,), 4, False)
CASES = {
    "add": (lambda L, x, y: x + y * 2, [A, B]),
    "sub_rsub": (lambda L, x, y: 1 - x - y, [A, B]),
    "mul_div": (lambda L, x, y: x * y / (y * y + 1), [A, B]),
    "broadcast": (lambda L, x, v: x * v + v, [A, V4]),
    "pow": (lambda L, x, y: x.pow(2) + x.abs().pow(y.abs()), [A, B]),
    "exp_log": (lambda L, x, p: x.exp() + p.log() + p.sqrt() + p.rsqrt(), [A, POS]),
    "trig": (lambda L, x: x.sin() * x.cos() + x.tan().atan(), [A]),
    "activations": (lambda L, x: x.relu() + x.sigmoid() + x.tanh() + L.nn.functional.gelu(x)
                    + L.nn.functional.silu(x) + L.nn.functional.softplus(x), [A]),
    "softmax": (lambda L, x: (x.softmax(-1), x.log_softmax(0)), [A]),
    "matmul": (lambda L, x, y: x @ y.t(), [A, B]),
    "mm_bmm": (lambda L, a, b: (L.mm(a, b), L.bmm(a[None], b[None])), [SQ, SQ]),
    "linear": (lambda L, x, w, b: L.nn.functional.linear(x, w, b), [A, ((5, 4), 5, False),
                                                                     ((5,), 6, False)]),
    "sum_mean": (lambda L, x: (x.sum(), x.mean(0), x.sum(1, keepdim=True), x.var(1)), [A]),
    "max_min": (lambda L, x: (x.amax(1), x.max(), x.min(0).values), [A]),
    "views": (lambda L, x: (x.view(4, 3), x.reshape(-1), x.t(), x.permute(1, 0),
                            x[:, None].expand(3, 2, 4), x.transpose(0, 1).contiguous(),
                            x.unsqueeze(0).squeeze(0), x.flatten()), [A]),
    "indexing": (lambda L, x: (x[1], x[:, 1:3], x[[0, 2]], x[x > 0], x.gather(
        1, L.tensor([[0, 1], [2, 3], [1, 1]]))), [A]),
    "cat_stack": (lambda L, x, y: (L.cat([x, y], 0), L.stack([x, y], 1)), [A, B]),
    "split": (lambda L, x: x.split(2, dim=1) + x.unbind(0) + x.chunk(3, 0), [A]),
    "where_clamp": (lambda L, x, y: (L.where(x > y, x, y), x.clamp(-0.5, 0.5),
                                     L.maximum(x, y)), [A, B]),
    "norms": (lambda L, x: (x.norm(), L.nn.functional.layer_norm(x, (4,)),
                            L.nn.functional.normalize(x, dim=1)), [A]),
    "conv2d": (lambda L, x, w: L.nn.functional.conv2d(x, w, padding=1),
               [((1, 2, 5, 5), 7, False), ((3, 2, 3, 3), 8, False)]),
    "pool": (lambda L, x: (L.nn.functional.max_pool2d(x, 2), L.nn.functional.avg_pool2d(x, 2)),
             [((1, 2, 4, 4), 9, False)]),
    "losses": (lambda L, x, y: (L.nn.functional.mse_loss(x, y),
                                L.nn.functional.cross_entropy(x, L.tensor([0, 3, 1]))), [A, B]),
    "cumsum_prod": (lambda L, x: (x.cumsum(1), x.prod(1), x.logsumexp(1)), [A]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_tangents_match_torch(name):
    fn, specs = CASES[name]
    e = _tangent_of(ember, fn, specs)
    t = _tangent_of(torch, fn, specs)
    assert len(e) == len(t)
    for (ep, et, ed), (tp, tt, td) in zip(e, t):
        assert ed == td
        np.testing.assert_allclose(ep, tp, rtol=1e-10, atol=1e-12)
        assert (et is None) == (tt is None)
        if tt is not None:
            assert et.shape == tt.shape
            np.testing.assert_allclose(et, tt, rtol=1e-9, atol=1e-11)


def test_float32_tangent_dtype():
    spec = [((3, 4), 0, False)]
    for lib in (ember, torch):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            x = fw.make_dual(lib.tensor(_arr((3, 4), 0), dtype=lib.float32),
                             lib.ones(3, 4, dtype=lib.float32))
            t = fw.unpack_dual(x.exp() * 2).tangent
            assert t.dtype == lib.float32
    assert spec


@LIBS
def test_integer_outputs_have_no_tangent(lib):
    fw = lib.autograd.forward_ad
    with fw.dual_level():
        x = fw.make_dual(lib.tensor(_arr((3, 4), 0)), lib.ones(3, 4, dtype=lib.float64))
        v, i = x.max(1)
        assert fw.unpack_dual(i).tangent is None
        np.testing.assert_allclose(_np(fw.unpack_dual(v).tangent), np.ones(3))
        assert fw.unpack_dual(x.argmax()).tangent is None
        assert fw.unpack_dual(x > 0).tangent is None


@LIBS
def test_levels(lib):
    fw = lib.autograd.forward_ad
    x = lib.tensor(_arr(3, 0))
    with pytest.raises(RuntimeError, match="no level exists, make sure to enter_dual_level"):
        fw.make_dual(x, lib.ones(3, dtype=lib.float64))
    with fw.dual_level() as level:
        assert level == 0
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
            with fw.dual_level():
                pass
        d = fw.make_dual(x, lib.ones(3, dtype=lib.float64))
        y = d.sin()
        assert fw.unpack_dual(y).tangent is not None
        assert fw.unpack_dual(x).tangent is None  # the primal itself stays plain
    # leaving the level drops the tangents
    u = fw.unpack_dual(y)
    assert u.tangent is None and u.primal is y
    assert fw.enter_dual_level() == 0
    with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
        fw.enter_dual_level()
    fw.exit_dual_level()
    with pytest.raises(RuntimeError):
        fw.exit_dual_level()
    with fw.dual_level():  # a new level: old tangents do not come back
        assert fw.unpack_dual(y).tangent is None


@LIBS
def test_make_dual_checks_and_unpack(lib):
    fw = lib.autograd.forward_ad
    x = lib.tensor(_arr(3, 0))
    with fw.dual_level():
        with pytest.raises(RuntimeError, match=r"Tensor is of size \[3\] while the given "
                                               r"forward gradient is of size \[4\]"):
            fw.make_dual(x, lib.ones(4, dtype=lib.float64))
        with pytest.raises(ValueError, match="Expected primal to be floating point or complex"):
            fw.make_dual(lib.arange(3), lib.ones(3))
        t = lib.ones(3, dtype=lib.float64)
        d = fw.make_dual(x, t)
        assert d._base is x
        u = fw.unpack_dual(d)
        assert isinstance(u, tuple) and u._fields == ("primal", "tangent")
        assert u.tangent is t
        assert u.primal._base is x
        assert fw.unpack_dual(u.primal).tangent is None
        assert fw.unpack_dual(d.detach()).tangent is None
        p, tg = fw.unpack_dual(x)
        assert tg is None and p._base is x


@LIBS
def test_no_grad_does_not_stop_forward_ad(lib):
    fw = lib.autograd.forward_ad
    x = lib.tensor(_arr(3, 0))
    with fw.dual_level():
        d = fw.make_dual(x, lib.ones(3, dtype=lib.float64))
        with lib.no_grad():
            y = d.sin()
        np.testing.assert_allclose(_np(fw.unpack_dual(y).tangent), np.cos(_np(x)))
        assert not y.requires_grad


def test_inplace_ops_carry_tangents():
    def run(lib):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            d = fw.make_dual(lib.tensor(_arr(3, 0)), lib.tensor(_arr(3, 1)))
            e = lib.ones(3, dtype=lib.float64) * 2
            e.mul_(d)               # a plain tensor takes a dual operand's tangent
            f = d.clone()
            f.mul_(3).exp_()        # a dual tensor changed in place
            g = d.clone()
            g.add_(lib.ones(3, dtype=lib.float64))
            return [_np(fw.unpack_dual(t).tangent) for t in (e, f, g)]
    for a, b in zip(run(ember), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_tangent_with_requires_grad_primal_and_backward():
    # reverse over forward: the tangent is differentiable w.r.t. primal and tangent
    def run(lib):
        fw = lib.autograd.forward_ad
        x = lib.tensor(_arr(3, 0), requires_grad=True)
        t = lib.tensor(_arr(3, 1), requires_grad=True)
        with fw.dual_level():
            d = fw.make_dual(x, t)
            y = (d.sin() * d).sum()
            p, tan = fw.unpack_dual(y)
            (tan * 2 + p).backward()
        return _np(x.grad), _np(t.grad), _np(tan)
    for a, b in zip(run(ember), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-11)


def test_forward_over_reverse_hvp():
    def run(lib):
        fw = lib.autograd.forward_ad
        x = lib.tensor(_arr(4, 0))
        v = lib.tensor(_arr(4, 1))
        with fw.dual_level():
            d = fw.make_dual(x.clone().requires_grad_(True), v)
            y = (d.exp() * d.sin()).sum() + (d ** 3).prod()
            (g,) = lib.autograd.grad(y, d)
            return _np(fw.unpack_dual(g).tangent)
    np.testing.assert_allclose(run(ember), run(torch), rtol=1e-10)


def _functions(lib):
    class ScaledSin(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_forward(x)
            ctx.k = k
            return x.sin() * k

        @staticmethod
        def backward(ctx, g):
            raise AssertionError("not used")

        @staticmethod
        def jvp(ctx, tx, tk):
            (x,) = ctx.saved_tensors
            assert tk is None
            return tx * x.cos() * ctx.k

    class NoJvp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class Two(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g, g

        @staticmethod
        def jvp(ctx, tx, ty):
            return tx + ty   # a plain zeros tensor comes for an input without tangent
    return ScaledSin, NoJvp, Two


def test_custom_function_jvp():
    def run(lib):
        fw = lib.autograd.forward_ad
        ScaledSin, _, Two = _functions(lib)
        x = lib.tensor(_arr(3, 0))
        with fw.dual_level():
            d = fw.make_dual(x, lib.tensor(_arr(3, 1)))
            a = fw.unpack_dual(ScaledSin.apply(d, 3.0)).tangent
            b = fw.unpack_dual(Two.apply(d, lib.ones(3, dtype=lib.float64))).tangent
            c = fw.unpack_dual(ScaledSin.apply(x, 3.0)).tangent  # no tangent in: none out
        return _np(a), _np(b), c
    (ea, eb, ec), (ta, tb, tc) = run(ember), run(torch)
    np.testing.assert_allclose(ea, ta, rtol=1e-12)
    np.testing.assert_allclose(eb, tb, rtol=1e-12)
    assert ec is None and tc is None


@LIBS
def test_custom_function_without_jvp_raises(lib):
    fw = lib.autograd.forward_ad
    _, NoJvp, _ = _functions(lib)
    with fw.dual_level():
        d = fw.make_dual(lib.tensor(_arr(3, 0)), lib.ones(3, dtype=lib.float64))
        with pytest.raises(NotImplementedError, match="You must implement the jvp function "
                                                      "for custom autograd.Function to use it "
                                                      "with forward mode AD."):
            NoJvp.apply(d)
        NoJvp.apply(lib.ones(3))  # fine without tangents


def test_saved_tensor_hooks_not_called_for_tangent_computation():
    # ember computes tangents from the op's own node, outside the user's hooks (torch's
    # tangent formulas may save tensors through them too: it packs twice here)
    lib = ember
    fw = lib.autograd.forward_ad
    log = []
    x = lib.tensor(_arr(3, 0), requires_grad=True)
    with fw.dual_level(), lib.autograd.graph.saved_tensors_hooks(
            lambda t: log.append(1) or t, lambda t: t):
        d = fw.make_dual(x, lib.ones(3, dtype=lib.float64))
        y = d.exp()
    assert len(log) == 1  # ExpBackward0 saves its result once
    y.sum().backward()
    np.testing.assert_allclose(_np(x.grad), np.exp(_np(x)))


def test_grad_fn_names_unchanged_inside_level():
    fw = ember.autograd.forward_ad
    x = ember.tensor(_arr((2, 3), 0), requires_grad=True)
    with fw.dual_level():
        d = fw.make_dual(x, ember.ones(2, 3, dtype=ember.float64))
        y = (d * 2).sum(1)
        assert y.grad_fn.name() == "SumBackward1"
        assert y.grad_fn.next_functions[0][0].name() == "MulBackward0"
        y.sum().backward()
    np.testing.assert_allclose(_np(x.grad), np.full((2, 3), 2.0))


def test_functional_jvp_agrees_with_forward_ad():
    x = ember.tensor(_arr(4, 0))
    v = ember.tensor(_arr(4, 1))

    def f(a):
        return a.exp() * a.sin()
    _, jv = ember.autograd.functional.jvp(f, x, v)
    fw = ember.autograd.forward_ad
    with fw.dual_level():
        t = fw.unpack_dual(f(fw.make_dual(x, v))).tangent
    np.testing.assert_allclose(_np(jv), _np(t), rtol=1e-12)


def test_complex_tangents():
    def run(lib):
        fw = lib.autograd.forward_ad
        a = np.array([1 + 2j, -0.5 + 0.3j, 2 - 1j])
        t = np.array([0.3 - 1j, 1 + 0.5j, -2 + 0.1j])
        with fw.dual_level():
            d = fw.make_dual(lib.tensor(a), lib.tensor(t))
            outs = [d * d, d.exp(), d.conj() * 2, d.abs(), d.real, (d * d.conj()).sum(),
                    d.angle()]
            return [fw.unpack_dual(o).tangent.numpy() for o in outs]
    for e, t in zip(run(ember), run(torch)):
        np.testing.assert_allclose(e, t, rtol=1e-12)


@LIBS
def test_op_without_derivative_raises(lib):
    # torch has no derivative (so no forward AD) for the in-place asinh_
    fw = lib.autograd.forward_ad
    with fw.dual_level():
        d = fw.make_dual(lib.tensor([0.1, 0.2], dtype=lib.float64),
                         lib.ones(2, dtype=lib.float64))
        e = d.clone()
        with pytest.raises(NotImplementedError, match="Trying to use forward AD with asinh_ "
                                                      "that does not support it because it has "
                                                      "not been implemented yet"):
            e.asinh_()
        f = lib.tensor([0.1, 0.2], dtype=lib.float64)
        f.asinh_()  # fine without a tangent
