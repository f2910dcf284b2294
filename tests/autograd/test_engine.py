"""The backward engine against torch 2.13: accumulation, retain_graph, create_graph and
higher order, inputs=, autograd.grad options, graph shapes (diamonds, shared subgraphs,
several roots), aliasing of .grad, version counters, detach, retain_grad, hooks, integer
inputs and very deep graphs."""
import numpy as np
import pytest
import torch

import ember


def _np(t):
    if t is None:
        return None
    return np.array(t.detach().numpy())


def both(fn):
    """Run fn(lib) on ember and on torch; return both results (nested lists/tuples of
    tensors or plain values)."""
    return fn(ember), fn(torch)


def assert_same(got, want, atol=1e-6, rtol=1e-6):
    if isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)), f"{got!r} vs {want!r}"
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_same(g, w, atol, rtol)
    elif isinstance(want, torch.Tensor):
        assert isinstance(got, ember.Tensor), f"expected a tensor, got {got!r}"
        assert tuple(got.shape) == tuple(want.shape)
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
        np.testing.assert_allclose(_np(got), _np(want), atol=atol, rtol=rtol)
    elif isinstance(want, torch.dtype):
        assert str(got).split(".")[-1] == str(want).split(".")[-1]
    else:
        assert got == want


def leaf(lib, values, dtype="float64"):
    return lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=True)


# --- accumulation ----------------------------------------------------------------------------

def test_grad_accumulates_across_backward_calls():
    def f(lib):
        x = leaf(lib, [1.0, 2.0, 3.0])
        (x * x).sum().backward()
        g1 = x.grad.clone()
        (x * 3).sum().backward()
        g2 = x.grad.clone()
        return g1, g2
    assert_same(*both(f))


def test_grad_zero_and_none():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        (x ** 2).sum().backward()
        g = x.grad
        x.grad.zero_()
        (x * 5).sum().backward()
        same_object = x.grad is g
        x.grad = None
        (x * 7).sum().backward()
        return same_object, x.grad
    assert_same(*both(f))


def test_backward_with_gradient_argument():
    def f(lib):
        x = leaf(lib, [[1.0, 2.0], [3.0, 4.0]])
        y = x * x
        y.backward(gradient=lib.tensor([[1.0, 0.5], [0.0, -1.0]], dtype=lib.float64))
        return x.grad
    assert_same(*both(f))


def test_backward_non_scalar_without_gradient_raises():
    for lib in (ember, torch):
        x = leaf(lib, [1.0, 2.0])
        with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
            (x * 2).backward()


def test_backward_on_tensor_without_grad_raises():
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.0])
        with pytest.raises(RuntimeError, match="does not require grad"):
            x.sum().backward()


def test_gradient_shape_mismatch_raises():
    for lib in (ember, torch):
        x = leaf(lib, [1.0, 2.0])
        with pytest.raises(RuntimeError, match="Mismatch in shape"):
            (x * 2).backward(lib.ones(3, dtype=lib.float64))


def test_scalar_backward_with_scalar_gradient():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        (x * 2).sum().backward(lib.tensor(3.0, dtype=lib.float64))
        return x.grad
    assert_same(*both(f))


# --- retain_graph ----------------------------------------------------------------------------

def test_second_backward_after_free_raises():
    for lib in (ember, torch):
        x = leaf(lib, [1.0, 2.0])
        y = (x * x).sum()
        y.backward()
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
            y.backward()


def test_retain_graph_allows_second_backward():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        y = (x * x).exp().sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad
    assert_same(*both(f))


def test_graph_without_saved_tensors_can_rerun():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        y = (x + 1).sum()
        y.backward()
        y.backward()
        return x.grad
    assert_same(*both(f))


def test_saved_tensors_access_after_free_raises():
    for lib in (ember, torch):
        x = leaf(lib, [1.0, 2.0])
        y = x.exp()
        y.sum().backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.sum().backward()


def test_partial_retain_then_free():
    def f(lib):
        x = leaf(lib, [0.5, 1.5])
        h = x.sin()
        a = (h * 2).sum()
        b = (h * h).sum()
        a.backward(retain_graph=True)
        b.backward()
        return x.grad
    assert_same(*both(f))


# --- create_graph / higher order -------------------------------------------------------------

def test_third_derivative_of_x4():
    def f(lib):
        x = leaf(lib, [1.5, -2.0])
        y = (x ** 4).sum()
        (g1,) = lib.autograd.grad(y, x, create_graph=True)
        (g2,) = lib.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = lib.autograd.grad(g2.sum(), x)
        return g1, g2, g3
    e, t = both(f)
    assert_same(e, t)
    np.testing.assert_allclose(_np(e[2]), 24 * np.array([1.5, -2.0]))


def test_mixed_partials():
    def f(lib):
        x = leaf(lib, 1.3)
        y = leaf(lib, -0.7)
        z = x ** 2 * y ** 3 + (x * y).sin()
        gx, gy = lib.autograd.grad(z, (x, y), create_graph=True)
        (gxy,) = lib.autograd.grad(gx, y, retain_graph=True)
        (gyx,) = lib.autograd.grad(gy, x)
        return gx, gy, gxy, gyx
    e, t = both(f)
    assert_same(e, t)
    np.testing.assert_allclose(_np(e[2]), _np(e[3]))


def test_create_graph_backward_gives_grad_with_graph():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        (x ** 3).sum().backward(create_graph=True)
        g = x.grad
        info = (g.requires_grad, g.grad_fn is not None)
        x.grad = None
        g.sum().backward()
        return info, x.grad
    assert_same(*both(f))


def test_double_backward_through_grad_accumulation():
    def f(lib):
        x = leaf(lib, [0.3, 0.7])
        y = (x.tanh() * x).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (g * g).sum().backward()
        return g, x.grad
    assert_same(*both(f))


# --- inputs= ----------------------------------------------------------------------------------

def test_backward_inputs_only_accumulates_into_those():
    def f(lib):
        a = leaf(lib, [1.0, 2.0])
        b = leaf(lib, [3.0, 4.0])
        (a * b).sum().backward(inputs=[a])
        return a.grad, b.grad is None
    assert_same(*both(f))


def test_backward_inputs_non_leaf():
    def f(lib):
        a = leaf(lib, [1.0, 2.0])
        h = a * 3
        (h * h).sum().backward(inputs=[h])
        return h.grad, a.grad is None
    assert_same(*both(f))


def test_backward_inputs_single_tensor_and_empty():
    def f(lib):
        a = leaf(lib, [1.0, 2.0])
        b = leaf(lib, [3.0, 4.0])
        (a * b).sum().backward(inputs=b)
        return a.grad is None, b.grad
    assert_same(*both(f))
    for lib in (ember, torch):
        a = leaf(lib, [1.0, 2.0])
        with pytest.raises(RuntimeError, match="cannot be empty"):
            (a * 2).sum().backward(inputs=[])


def test_backward_inputs_both_leaf_and_non_leaf():
    def f(lib):
        a = leaf(lib, [1.0, 2.0])
        h = a.exp()
        out = (h * a).sum()
        out.backward(inputs=[a, h])
        return a.grad, h.grad
    assert_same(*both(f))


# --- autograd.grad ----------------------------------------------------------------------------

def test_grad_returns_tuple_and_does_not_accumulate():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        y = (x ** 2).sum()
        g = lib.autograd.grad(y, x)
        return type(g) is tuple, g, x.grad is None
    assert_same(*both(f))


def test_grad_allow_unused():
    for lib in (ember, torch):
        x = leaf(lib, [1.0])
        z = leaf(lib, [2.0])
        with pytest.raises(RuntimeError, match="appears to not have been used"):
            lib.autograd.grad((x * 2).sum(), [x, z])

    def f(lib):
        x = leaf(lib, [1.0])
        z = leaf(lib, [2.0])
        gx, gz = lib.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
        return gx, gz is None
    assert_same(*both(f))


def test_grad_materialize_grads():
    def f(lib):
        x = leaf(lib, [1.0])
        z = leaf(lib, [2.0, 3.0])
        return lib.autograd.grad((x * 2).sum(), [x, z], materialize_grads=True)
    assert_same(*both(f))
    for lib in (ember, torch):
        x = leaf(lib, [1.0])
        with pytest.raises(ValueError):
            lib.autograd.grad((x * 2).sum(), [x], allow_unused=False, materialize_grads=True)


def test_grad_grad_outputs():
    def f(lib):
        x = leaf(lib, [1.0, 2.0, 3.0])
        y = x * x
        w = lib.tensor([1.0, -1.0, 0.5], dtype=lib.float64)
        return lib.autograd.grad(y, x, grad_outputs=w)
    assert_same(*both(f))


def test_grad_multiple_outputs_and_grad_outputs():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        y1 = x.sin()
        y2 = x * 3
        w1 = lib.tensor([1.0, 2.0], dtype=lib.float64)
        w2 = lib.tensor([0.5, 0.5], dtype=lib.float64)
        return lib.autograd.grad([y1, y2], [x], grad_outputs=[w1, w2])
    assert_same(*both(f))


def test_grad_create_graph():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        (g,) = lib.autograd.grad((x ** 3).sum(), x, create_graph=True)
        return g.requires_grad, type(g.grad_fn).__name__, g
    assert_same(*both(f))


def test_grad_is_grads_batched():
    def f(lib):
        x = leaf(lib, [1.0, 2.0, 3.0])
        y = x ** 2
        eye = lib.eye(3, dtype=lib.float64)
        return lib.autograd.grad(y, x, grad_outputs=eye, is_grads_batched=True)
    assert_same(*both(f))


def test_grad_of_non_leaf_input():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        h = x * 2
        y = (h ** 2).sum()
        return lib.autograd.grad(y, h)
    assert_same(*both(f))


def test_grad_input_not_requiring_grad_raises():
    for lib in (ember, torch):
        x = leaf(lib, [1.0])
        c = lib.tensor([1.0], dtype=lib.float64)
        with pytest.raises(RuntimeError, match="does not require grad"):
            lib.autograd.grad((x * c).sum(), [c])


# --- graph shapes -----------------------------------------------------------------------------

def test_diamond_graph():
    def f(lib):
        x = leaf(lib, [0.5, -1.0])
        a = x.sin()
        b = a * 2
        c = a.exp()
        (b * c).sum().backward()
        return x.grad
    assert_same(*both(f))


def test_tensor_used_twice():
    def f(lib):
        x = leaf(lib, [2.0, 3.0])
        (x * x + x).sum().backward()
        return x.grad
    assert_same(*both(f))


def test_shared_subgraph_multiple_roots():
    def f(lib):
        x = leaf(lib, [0.1, 0.2, 0.3])
        w = leaf(lib, [1.0, -1.0, 2.0])
        h = (x * w).tanh()
        r1 = h.sum()
        r2 = (h ** 2).mean()
        lib.autograd.backward([r1, r2])
        return x.grad, w.grad
    assert_same(*both(f))


def test_multiple_roots_with_grad_tensors():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        y1 = x * 2
        y2 = x ** 2
        lib.autograd.backward([y1, y2], [lib.ones(2, dtype=lib.float64),
                                         lib.tensor([1.0, -1.0], dtype=lib.float64)])
        return x.grad
    assert_same(*both(f))


def test_multi_output_op_partial_use():
    def f(lib):
        x = leaf(lib, [[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
        v, i = x.max(dim=1)
        v.sum().backward()
        return x.grad
    assert_same(*both(f))


def test_unbind_one_output_used():
    def f(lib):
        x = leaf(lib, [[1.0, 2.0], [3.0, 4.0]])
        a, b = x.unbind(0)
        (b * 3).sum().backward()
        return x.grad
    assert_same(*both(f))


# --- aliasing ---------------------------------------------------------------------------------

def test_leaf_grads_are_not_aliased():
    for lib in (ember, torch):
        a = leaf(lib, [1.0, 2.0])
        b = leaf(lib, [3.0, 4.0])
        (a + b).sum().backward()
        a.grad.add_(1)
        assert b.grad.tolist() == [1.0, 1.0]
        assert a.grad.tolist() == [2.0, 2.0]


def test_leaf_backward_does_not_alias_gradient():
    for lib in (ember, torch):
        x = leaf(lib, [1.0, 2.0])
        g = lib.tensor([5.0, 6.0], dtype=lib.float64)
        x.backward(g)
        assert x.grad.tolist() == [5.0, 6.0]
        g.add_(1)
        assert x.grad.tolist() == [5.0, 6.0]
        x.grad.add_(1)
        assert g.tolist() == [6.0, 7.0]


def test_grad_not_aliased_with_view_of_grad_output():
    # torch lets x.grad share memory with the gradient passed in here (it steals the view);
    # ember always gives the leaf a .grad of its own
    x = leaf(ember, [[1.0, 2.0], [3.0, 4.0]])
    y = x.reshape(4)
    g = ember.arange(4, dtype=ember.float64)
    y.backward(g)
    g.zero_()
    assert x.grad.tolist() == [[0.0, 1.0], [2.0, 3.0]]


def test_accumulation_does_not_write_into_other_tensor():
    for lib in (ember, torch):
        a = leaf(lib, [1.0, 2.0])
        b = leaf(lib, [1.0, 2.0])
        (a + b).sum().backward()
        ga = a.grad
        (a * 2 + b).sum().backward()
        assert ga.tolist() == [3.0, 3.0]
        assert b.grad.tolist() == [2.0, 2.0]


def test_grad_of_expanded_leaf():
    def f(lib):
        x = leaf(lib, [2.0])
        y = x.expand(3)
        (y * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum().backward()
        return x.grad, x.grad.is_contiguous()
    assert_same(*both(f))


# --- version counters -------------------------------------------------------------------------

def _inplace_message(lib, case):
    x = leaf(lib, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    if case == "input":
        h = x * 2
        y = h * h
        h.add_(1)
    elif case == "result":
        y = x.exp()
        y.mul_(2)
    elif case == "leaf_other":
        w = lib.ones(3, dtype=lib.float64)
        y = x * w
        w.add_(1)
    elif case == "unary_inplace":
        h = x.sin()
        y = h * h
        h.sin_()
    elif case == "view":
        h = (x * 1).t()
        y = h * h
        h.mul_(2)
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    return str(info.value)


@pytest.mark.parametrize("case", ["input", "result", "leaf_other", "unary_inplace", "view"])
def test_inplace_on_saved_tensor_message(case):
    got = _inplace_message(ember, case)
    want = _inplace_message(torch, case).replace("torch.", "ember.").replace(
        "ember.autograd.set_detect_anomaly", "torch.autograd.set_detect_anomaly")
    assert got == want


def test_inplace_on_saved_result_raises():
    for lib in (ember, torch):
        x = leaf(lib, [1.0, 2.0])
        y = x.exp()
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_inplace_on_unsaved_tensor_is_fine():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        h = x * 2
        y = h + 1
        h.mul_(3)
        y.sum().backward()
        return x.grad
    assert_same(*both(f))


def test_inplace_op_history():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        h = x * 1
        h.mul_(3)
        h.exp_()
        h.sum().backward()
        return type(h.grad_fn).__name__, h._version, x.grad
    assert_same(*both(f))


def test_version_counter_increments():
    def f(lib):
        x = lib.zeros(3)
        v0 = x._version
        x.add_(1)
        x[0] = 5
        v = x.view(3)
        v.mul_(2)
        return v0, x._version, v._version
    assert_same(*both(f))


def test_inplace_on_leaf_requiring_grad_raises():
    for lib in (ember, torch):
        x = leaf(lib, [1.0, 2.0])
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used "
                                               "in an in-place operation."):
            x.add_(1)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            x[0] = 3.0


def test_inplace_on_leaf_under_no_grad_works():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        with lib.no_grad():
            x.mul_(2)
            x[0] = 7.0
        (x * x).sum().backward()
        return x, x.grad, x.requires_grad, x.is_leaf
    assert_same(*both(f))


def test_sgd_update_then_backward():
    def f(lib):
        w = leaf(lib, [0.5, -0.5])
        for _ in range(3):
            loss = ((w * 2 - 1) ** 2).sum()
            loss.backward()
            with lib.no_grad():
                w -= 0.1 * w.grad
            w.grad.zero_()
        return w
    assert_same(*both(f))


# --- detach -----------------------------------------------------------------------------------

def test_detach_shares_storage_and_version():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        h = x * 2
        d = h.detach()
        info = (d.requires_grad, d.is_leaf, d.grad_fn is None)
        d.add_(1)
        return info, h, h._version, d._version
    assert_same(*both(f))


def test_detach_inplace_change_caught_by_autograd():
    for lib in (ember, torch):
        x = leaf(lib, [1.0, 2.0])
        h = x * 2
        y = h * h
        h.detach().zero_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_data_shares_storage_not_version():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        h = x * 2
        y = h * h
        d = h.data
        d.add_(1)  # not seen by autograd: no error, and the gradient uses the new values
        y.sum().backward()
        return d.requires_grad, h._version, x.grad
    assert_same(*both(f))


def test_data_setter():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        x.data = lib.tensor([5.0, 6.0, 7.0], dtype=lib.float64)
        (x * 2).sum().backward()
        return x, x.requires_grad, x.grad
    assert_same(*both(f))


def test_detach_inplace():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        h = x * 2
        r = h.detach_()
        return r is h, h.requires_grad, h.is_leaf, h.grad_fn is None
    assert_same(*both(f))


def test_detach_inplace_on_view_raises():
    for lib in (ember, torch):
        x = leaf(lib, [1.0, 2.0])
        v = (x * 2)[:1]
        with pytest.raises(RuntimeError, match="Can't detach views in-place"):
            v.detach_()


def test_requires_grad_on_non_leaf_raises():
    for lib in (ember, torch):
        x = leaf(lib, [1.0, 2.0])
        with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
            (x * 2).requires_grad_(False)


def test_requires_grad_on_integer_raises():
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match="only Tensors of floating point"):
            lib.tensor([1, 2]).requires_grad_()
        with pytest.raises(RuntimeError, match="floating point and complex dtype"):
            lib.tensor([1, 2], requires_grad=True)


# --- retain_grad ------------------------------------------------------------------------------

def test_retain_grad():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        h = x * 3
        h.retain_grad()
        k = x * 2
        (h * h + k).sum().backward()
        return h.retains_grad, h.grad, k.retains_grad, k.grad is None, x.retains_grad
    assert_same(*both(f))


def test_retain_grad_accumulates():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        h = x * 3
        h.retain_grad()
        y = (h * h).sum()
        y.backward(retain_graph=True)
        y.backward()
        return h.grad
    assert_same(*both(f))


def test_retain_grad_on_leaf_is_noop():
    def f(lib):
        x = leaf(lib, [1.0])
        x.retain_grad()
        (x * 2).sum().backward()
        return x.retains_grad, x.grad
    assert_same(*both(f))


def test_non_leaf_grad_access():
    for lib in (ember, torch):
        x = leaf(lib, [1.0])
        h = x * 2
        h.sum().backward()
        assert h.grad is None


# --- hooks ------------------------------------------------------------------------------------

def test_tensor_hook_on_leaf_modifies_grad():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        seen = []
        x.register_hook(lambda g: seen.append(g.clone()))
        h = x.register_hook(lambda g: g * 10)
        (x * x).sum().backward()
        g1 = x.grad.clone()
        h.remove()
        x.grad = None
        (x * x).sum().backward()
        return seen, g1, x.grad
    assert_same(*both(f))


def test_tensor_hook_on_non_leaf():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        h = x * 2
        seen = []
        h.register_hook(lambda g: seen.append(g.clone()))
        h.register_hook(lambda g: g + 1)
        (h * h).sum().backward()
        return seen, x.grad
    assert_same(*both(f))


def test_hook_removable_handle():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        h = x * 2
        handle = h.register_hook(lambda g: g * 0)
        handle.remove()
        (h * h).sum().backward()
        return x.grad
    assert_same(*both(f))


def test_hook_on_tensor_without_grad_raises():
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            lib.ones(2).register_hook(lambda g: g)


def test_hook_with_retain_grad_order():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        h = x * 2
        h.retain_grad()
        h.register_hook(lambda g: g * 100)
        h.sum().backward()
        return h.grad, x.grad
    assert_same(*both(f))


def test_node_register_hook():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        y = x * x
        seen = []

        def hook(grad_inputs, grad_outputs):
            seen.append((len(grad_inputs), len(grad_outputs), grad_outputs[0].clone()))
        handle = y.grad_fn.register_hook(hook)
        y.sum().backward(retain_graph=True)
        handle.remove()
        y.sum().backward()
        return seen, x.grad
    assert_same(*both(f))


def test_node_register_hook_replaces_grad_inputs():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        y = x.exp()
        y.grad_fn.register_hook(lambda gi, go: (gi[0] * 0 + 1,))
        y.sum().backward()
        return x.grad
    assert_same(*both(f))


def test_node_register_prehook():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        y = x * 3
        y.grad_fn.register_prehook(lambda go: (go[0] * 2,))
        y.sum().backward()
        return x.grad
    assert_same(*both(f))


def test_post_accumulate_grad_hook():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        seen = []
        x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
        (x * 3).sum().backward()
        (x * 3).sum().backward()
        return seen
    assert_same(*both(f))


def test_accumulate_grad_node_hooks():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        y = x * 2
        acc = y.grad_fn.next_functions[0][0]
        seen = []
        acc.register_prehook(lambda go: seen.append(go[0].clone()))
        y.sum().backward()
        return type(acc).__name__, seen, x.grad
    assert_same(*both(f))


# --- dtypes -----------------------------------------------------------------------------------

def test_integer_inputs_get_no_grad():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        i = lib.tensor([3, 4])
        y = x * i
        y.sum().backward()
        return x.grad, y.dtype, i.grad is None
    assert_same(*both(f))


def test_integer_result_does_not_require_grad():
    def f(lib):
        x = leaf(lib, [1.5, 2.5])
        a = x.argmax()
        r = x.round().long()
        return a.requires_grad, r.requires_grad, r.grad_fn is None
    assert_same(*both(f))


def test_float32_grad_dtype():
    def f(lib):
        x = leaf(lib, [1.0, 2.0], "float32")
        (x.double() * 2).sum().backward()
        return x.grad
    assert_same(*both(f))


def test_complex_grad():
    def f(lib):
        z = lib.tensor([1 + 2j, 3 - 1j], requires_grad=True)
        (z * z.conj()).real.sum().backward()
        return z.grad
    assert_same(*both(f))


# --- deep graphs ------------------------------------------------------------------------------

def test_long_chain_backward_is_iterative():
    x = ember.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.sum().backward()
    assert x.grad.tolist() == [1.0]


def test_long_chain_autograd_grad():
    x = ember.tensor(0.5, dtype=ember.float64, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y + 0.0
    (g,) = ember.autograd.grad(y, x)
    assert g.item() == 1.0


def test_deep_graph_deletion_does_not_overflow():
    x = ember.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1
    del y  # freeing a long chain of nodes must not hit the recursion limit


def test_create_graph_grads_are_copies():
    def f(lib):
        a = leaf(lib, [1.0, 2.0])
        b = leaf(lib, [3.0, 4.0])
        (a + b).sum().backward(create_graph=True)
        separate = a.grad is not b.grad
        a.grad.add_(1)
        x = leaf(lib, [1.0, 2.0])
        (x.exp()).sum().backward(create_graph=True)
        return separate, b.grad, x.grad.requires_grad, type(x.grad.grad_fn).__name__
    assert_same(*both(f))


def test_grad_seen_by_hook_is_not_stolen():
    for lib in (ember, torch):
        a = leaf(lib, [1.0, 2.0])
        b = leaf(lib, [3.0, 4.0])
        h = a + b
        kept = []
        h.register_hook(lambda g: kept.append(g))
        a.register_hook(lambda g: kept.append(g))
        h.sum().backward()
        h2 = a + b
        h2.sum().backward()
        assert [k.tolist() for k in kept] == [[1.0, 1.0]] * 3
        assert a.grad.tolist() == [2.0, 2.0]


def test_backward_inputs_must_require_grad():
    for lib in (ember, torch):
        x = leaf(lib, [1.0])
        with pytest.raises(RuntimeError):
            (x * 2).sum().backward(inputs=[lib.ones(1)])


@pytest.mark.parametrize("bad", ["shape", "dtype", "type"])
def test_hook_changing_gradient_kind_raises(bad):
    msgs = []
    for lib in (ember, torch):
        x = leaf(lib, [1.0, 2.0], "float32")
        y = x * 2
        y.register_hook({"shape": lambda g: g.sum(), "dtype": lambda g: g.double(),
                         "type": lambda g: 3}[bad])
        with pytest.raises((RuntimeError, TypeError)) as info:
            y.sum().backward()
        msgs.append((info.type, str(info.value).replace("torch.", "ember.")))
    assert msgs[0] == msgs[1]


def test_prehook_wrong_number_of_values_raises():
    for lib in (ember, torch):
        x = leaf(lib, [1.0, 2.0])
        y = x * 2
        y.grad_fn.register_prehook(lambda g: (g[0], g[0]))
        with pytest.raises(RuntimeError, match="returned an incorrect number of values"):
            y.sum().backward()


def test_post_accumulate_hook_must_return_none():
    for lib in (ember, torch):
        x = leaf(lib, [1.0, 2.0])
        x.register_post_accumulate_grad_hook(lambda t: t.grad.mul_(2))
        with pytest.raises(RuntimeError, match="post accumulate grad hooks should return None"):
            (x * 2).sum().backward()


def test_post_accumulate_hook_not_run_by_autograd_grad():
    for lib in (ember, torch):
        x = leaf(lib, [1.0, 2.0])
        seen = []
        x.register_post_accumulate_grad_hook(lambda t: seen.append(1))
        lib.autograd.grad((x * 2).sum(), x)
        assert seen == []


def test_hooks_with_autograd_grad():
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        x.register_hook(lambda g: g * 10)
        h = x * 3
        h.register_hook(lambda g: g + 1)
        return lib.autograd.grad((h * 2).sum(), [x, h])
    assert_same(*both(f))


@pytest.mark.parametrize("case", range(5))
def test_hooks_and_captured_inputs(case):
    def f(lib):
        x = leaf(lib, [1.0, 2.0])
        h = x * 3
        h.register_hook(lambda g: g + 1)
        if case in (1, 3, 4):
            h.grad_fn.register_prehook(lambda g: (g[0] * 100,))
        out = (h * 2).sum()
        if case == 0:
            return lib.autograd.grad(out, [h])
        if case == 1:
            return lib.autograd.grad(out, [h, x])
        if case == 2:
            return lib.autograd.grad(out, [x, h])
        if case == 3:
            out.backward(inputs=[h, x])
            return h.grad, x.grad
        out.backward(inputs=[h])
        return h.grad, x.grad is None
    assert_same(*both(f))
