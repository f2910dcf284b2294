"""autograd.graph against torch 2.13: saved_tensors_hooks (when pack and unpack run, how
often, nesting, custom Functions, double backward through unpacked tensors, errors),
save_on_cpu, disable_saved_tensors_hooks, Node, increment_version, get_gradient_edge."""
import numpy as np
import pytest
import torch

import ember

LIBS = pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])


def _np(t):
    return np.array(t.detach().numpy())


def _x(lib, n=4, seed=0, grad=True):
    a = np.random.default_rng(seed).standard_normal(n)
    return lib.tensor(a, requires_grad=grad)


def _logging_hooks(log):
    def pack(t):
        log.append(("pack", tuple(t.shape)))
        return t

    def unpack(t):
        log.append(("unpack", tuple(t.shape)))
        return t
    return pack, unpack


def _both(fn):
    """Run fn on ember and torch; return the two results."""
    return fn(ember), fn(torch)


def test_pack_at_record_unpack_in_backward_counts_and_order():
    def run(lib):
        log = []
        x = _x(lib)
        with lib.autograd.graph.saved_tensors_hooks(*_logging_hooks(log)):
            y = x.exp()          # saves its result
            z = (y * x).sum()    # saves both operands
        recorded = list(log)
        z.backward()
        return recorded, log[len(recorded):], _np(x.grad)
    (er, eb, eg), (tr, tb, tg) = _both(run)
    assert er == tr and eb == tb
    assert len(er) == 3 and all(k == "pack" for k, _ in er)
    np.testing.assert_allclose(eg, tg, rtol=1e-12)


@LIBS
def test_no_pack_without_recording(lib):
    log = []
    x = _x(lib)
    with lib.no_grad(), lib.autograd.graph.saved_tensors_hooks(*_logging_hooks(log)):
        x.exp()
    with lib.autograd.graph.saved_tensors_hooks(*_logging_hooks(log)):
        _x(lib, grad=False).exp()
    assert log == []


def test_retain_graph_unpacks_each_backward():
    def run(lib):
        log = []
        x = _x(lib)
        with lib.autograd.graph.saved_tensors_hooks(*_logging_hooks(log)):
            y = x.exp().sum()
        y.backward(retain_graph=True)
        y.backward()
        return log
    e, t = _both(run)
    assert e == t == [("pack", (4,)), ("unpack", (4,)), ("unpack", (4,))]


def test_innermost_hooks_apply_and_outer_resume():
    def run(lib):
        log = []
        x = _x(lib)
        G = lib.autograd.graph
        with G.saved_tensors_hooks(lambda t: log.append("outer") or t, lambda t: t):
            with G.saved_tensors_hooks(lambda t: log.append("inner") or t, lambda t: t):
                y = x * x
            w = x.sin()
        (y.sum() + w.sum()).backward()
        return log, _np(x.grad)
    (el, eg), (tl, tg) = _both(run)
    assert el == tl == ["inner", "inner", "outer"]
    np.testing.assert_allclose(eg, tg, rtol=1e-12)


def test_pack_runs_with_grad_mode_off():
    def run(lib):
        modes = []
        with lib.autograd.graph.saved_tensors_hooks(
                lambda t: modes.append(lib.is_grad_enabled()) or t, lambda t: t):
            _x(lib).exp()
        return modes
    e, t = _both(run)
    assert e == t == [False]


def test_hooks_on_custom_function_save_for_backward():
    def run(lib):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * 3 * x ** 2
        log = []
        x = _x(lib)
        with lib.autograd.graph.saved_tensors_hooks(*_logging_hooks(log)):
            y = Cube.apply(x)
        n = len(log)
        y.sum().backward()
        return log[:n], log[n:], _np(x.grad)
    (ep, eu, eg), (tp, tu, tg) = _both(run)
    assert ep == tp == [("pack", (4,))]
    assert eu == tu == [("unpack", (4,))]
    np.testing.assert_allclose(eg, tg, rtol=1e-12)


def test_custom_function_saving_its_output():
    def run(lib):
        class Exp(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                r = x.exp()
                ctx.save_for_backward(r)
                return r

            @staticmethod
            def backward(ctx, g):
                (r,) = ctx.saved_tensors
                return g * r
        x = _x(lib)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t.detach().clone(),
                                                    lambda t: t):
            y = Exp.apply(x)
        y.sum().backward()
        return _np(x.grad)
    e, t = _both(run)
    np.testing.assert_allclose(e, t, rtol=1e-12)


def test_pack_to_numpy_and_back():
    # the packed object need not be a tensor
    def run(lib):
        x = _x(lib)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t.detach().numpy().copy(),
                                                    lambda a: lib.from_numpy(a)):
            y = (x.sin() * x.tanh()).sum()
        y.backward()
        return _np(x.grad)
    e, t = _both(run)
    np.testing.assert_allclose(e, t, rtol=1e-12)


def test_double_backward_through_unpacked_tensors():
    # the unpacked copy is re-attached to the saved tensor's history, as in torch
    def run(lib):
        x = _x(lib)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t.detach().clone(),
                                                    lambda t: t):
            b = x * 2
            y = (b ** 3).sum() + (x.exp() * x).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        return _np(g), _np(gg)
    (eg, egg), (tg, tgg) = _both(run)
    np.testing.assert_allclose(eg, tg, rtol=1e-12)
    np.testing.assert_allclose(egg, tgg, rtol=1e-12)


def test_no_version_check_through_hooks():
    # torch skips the in-place check for tensors saved through hooks; a copying pack keeps
    # the values of save time
    def run(lib):
        a = _x(lib)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t.detach().clone(),
                                                    lambda t: t):
            b = a * 1
            c = (b * b).sum()
        b.add_(1)
        c.backward()
        return _np(a.grad)
    e, t = _both(run)
    np.testing.assert_allclose(e, t, rtol=1e-12)
    np.testing.assert_allclose(e, 2 * _np(_x(ember)), rtol=1e-12)


@LIBS
def test_version_check_still_applies_without_hooks(lib):
    a = _x(lib)
    b = a * 1
    c = (b * b).sum()
    b.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.backward()


@LIBS
def test_pack_modifying_input_in_place_raises(lib):
    a = _x(lib)
    with lib.autograd.graph.saved_tensors_hooks(lambda t: t.mul_(2), lambda t: t):
        with pytest.raises(RuntimeError, match="pack hook is modifying its input in place"):
            b = a * 1
            b * b


@LIBS
def test_unpack_returning_non_tensor_raises(lib):
    a = _x(lib)
    with lib.autograd.graph.saved_tensors_hooks(lambda t: 5, lambda t: t):
        c = (a * 1).exp()
    with pytest.raises(TypeError, match="unpack_hook expected to be a Tensor but got result "
                                        "of type int"):
        c.sum().backward()


@LIBS
def test_backward_twice_still_raises(lib):
    a = _x(lib)
    with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        y = a.exp().sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_save_on_cpu_gradients_match():
    def run(lib):
        lib.manual_seed(0)
        w = lib.tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)
        x = _x(lib, 4)
        with lib.autograd.graph.save_on_cpu():
            y = (x @ w).tanh()
            z = (y * y).sum()
        z.backward()
        return _np(w.grad), _np(x.grad)
    (ew, ex), (tw, tx) = _both(run)
    np.testing.assert_allclose(ew, tw, rtol=1e-12)
    np.testing.assert_allclose(ex, tx, rtol=1e-12)


@pytest.mark.parametrize("pin", [False, True])
def test_save_on_cpu_and_later_inplace_change(pin):
    # without pin_memory a CPU tensor is saved as is (the change shows); pinned is a copy
    def run(lib):
        a = _x(lib)
        with lib.autograd.graph.save_on_cpu(pin_memory=pin):
            b = a * 1
            c = (b * b).sum()
        b.add_(1)
        c.backward()
        return _np(a.grad)
    e, t = _both(run)
    np.testing.assert_allclose(e, t, rtol=1e-12)


@LIBS
def test_disable_saved_tensors_hooks(lib):
    G = lib.autograd.graph
    with G.disable_saved_tensors_hooks("no hooks here"):
        with pytest.raises(RuntimeError, match="no hooks here"):
            with G.saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
    with G.saved_tensors_hooks(lambda t: t, lambda t: t):  # allowed again after
        pass
    with G.saved_tensors_hooks(lambda t: t, lambda t: t):
        with pytest.raises(RuntimeError, match="already active"):
            with G.disable_saved_tensors_hooks("already active"):
                pass


@LIBS
def test_hooks_popped_after_exception(lib):
    log = []
    with pytest.raises(ValueError):
        with lib.autograd.graph.saved_tensors_hooks(*_logging_hooks(log)):
            raise ValueError
    _x(lib).exp()
    assert log == []


@LIBS
def test_node_isinstance_and_hooks(lib):
    x = _x(lib)
    y = x.exp()
    Node = lib.autograd.graph.Node
    assert isinstance(y.grad_fn, Node)
    assert isinstance(y.grad_fn.next_functions[0][0], Node)  # AccumulateGrad
    seen = []
    h1 = y.grad_fn.register_prehook(lambda go: seen.append("pre") or None)
    h2 = y.grad_fn.register_hook(lambda gi, go: seen.append("post") or None)
    y.sum().backward(retain_graph=True)
    assert seen == ["pre", "post"]
    h1.remove()
    h2.remove()
    y.sum().backward()
    assert seen == ["pre", "post"]


@LIBS
def test_increment_version(lib):
    a = _x(lib)
    b = a * 1
    c = (b * b).sum()
    v = b._version
    lib.autograd.graph.increment_version(b)
    assert b._version == v + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.backward()


@LIBS
def test_get_gradient_edge(lib):
    x = _x(lib)
    y = x.exp()
    edge = lib.autograd.graph.get_gradient_edge(y)
    assert edge.node is y.grad_fn and edge.output_nr == 0
    leaf = lib.autograd.graph.get_gradient_edge(x)
    assert leaf.node.name() == "torch::autograd::AccumulateGrad" or \
        type(leaf.node).__name__ == "AccumulateGrad"
    with pytest.raises(RuntimeError, match="does not require gradients"):
        lib.autograd.graph.get_gradient_edge(_x(lib, grad=False))
