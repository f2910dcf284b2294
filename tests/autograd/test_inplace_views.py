"""Autograd fidelity against torch 2.13 around in-place ops and views: retain_grad following a
tensor through in-place ops, the order in which backward runs nodes (and so hooks), inference
tensors, views made in no_grad/inference mode or by multi-view ops (split/unbind/chunk),
in-place writes into expanded tensors, and the checks on `Tensor.grad`.

Each case is one function of the library (`ember` or `torch`) returning a comparable outcome;
errors are compared by class and message."""
import warnings

import numpy as np
import pytest
import torch

import ember


def _plain(x):
    """A library-independent description of a result."""
    if isinstance(x, (torch.Tensor, ember.Tensor)):
        return ("tensor", np.asarray(x.detach().tolist()).tolist(),
                str(x.dtype).split(".")[-1], x.requires_grad)
    if isinstance(x, (tuple, list)):
        return tuple(_plain(v) for v in x)
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    return type(x).__name__  # a node: its class name


def outcome(fn, lib):
    """fn(lib) as ("ok", result) or ("raise", class name, message), plus its warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            got = ("ok", _plain(fn(lib)))
        except Exception as e:  # noqa: BLE001 (the class is part of the comparison)
            got = ("raise", type(e).__name__, str(e))
    texts = tuple(str(w.message).split(" (Triggered internally")[0] for w in caught
                  if w.category is UserWarning)
    return got, texts


def same(fn):
    want = outcome(fn, torch)
    got = outcome(fn, ember)
    assert got == want


def check(fn):
    """Decorator form: the test body is the case itself."""
    def test():
        same(fn)
    test.__name__ = fn.__name__
    test.__doc__ = fn.__doc__
    return test


def leaf(lib, n=3):
    return lib.arange(1.0, n + 1, dtype=lib.float64).requires_grad_()


def weights(lib, n=3):
    return lib.arange(2.0, n + 2, dtype=lib.float64)


# --- retain_grad follows the tensor through in-place ops ---------------------------------------

@check
def test_retain_grad_then_inplace(lib):
    x = leaf(lib)
    h = x * 2
    h.retain_grad()
    h.mul_(3)
    h.sum().backward()
    return h.grad, x.grad


@check
def test_retain_grad_through_two_inplace_ops(lib):
    x = leaf(lib)
    h = x * 2
    h.retain_grad()
    h.mul_(3)
    h.add_(1)
    (h * h).sum().backward()
    return h.grad, x.grad


@check
def test_retain_grad_on_base_modified_through_a_view(lib):
    x = leaf(lib)
    h = x * 2
    h.retain_grad()
    h[:2].mul_(3)
    (h * weights(lib)).sum().backward()
    return h.grad, x.grad


@check
def test_retain_grad_on_view_modified_in_place(lib):
    x = leaf(lib)
    h = x * 2
    v = h[:2]
    v.retain_grad()
    v.mul_(3)
    (v * weights(lib, 2)).sum().backward()
    return v.grad, x.grad


@check
def test_retain_grad_on_view_whose_base_is_modified(lib):
    x = leaf(lib)
    h = x * 2
    v = h[:2]
    v.retain_grad()
    h.mul_(3)
    (v * weights(lib, 2)).sum().backward()
    return v.grad, x.grad


@check
def test_tensor_hook_stays_with_the_old_node(lib):
    x = leaf(lib)
    h = x * 2
    seen = []
    h.register_hook(lambda g: seen.append(g.tolist()))
    h.mul_(3)
    h.register_hook(lambda g: seen.append(("new", g.tolist())))
    (h * weights(lib)).sum().backward()
    return seen


@check
def test_in_place_view_op_keeps_retain_grad_on_old_node(lib):
    x = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
    h = x * 2
    h.retain_grad()
    h.t_()
    (h * lib.arange(6.0, dtype=lib.float64).view(3, 2)).sum().backward()
    return h.grad


# --- the order backward runs nodes in (seen through hooks) ------------------------------------

def _hook(log, name):
    return lambda g: log.append(name)


@check
def test_order_sum_of_two_leaves(lib):
    log = []
    a, b = leaf(lib), leaf(lib)
    a.register_hook(_hook(log, "a"))
    b.register_hook(_hook(log, "b"))
    (b + a).sum().backward()
    return log


@check
def test_order_later_branch_first(lib):
    log = []
    a, b = leaf(lib), leaf(lib)
    y, z = a * 2, b * 3
    for t, n in ((a, "a"), (b, "b"), (y, "y"), (z, "z")):
        t.register_hook(_hook(log, n))
    (y + z).sum().backward()
    return log


@check
def test_order_tensor_and_node_hooks(lib):
    log = []
    a = leaf(lib)
    y, z = a * 2, a * 3
    w, u = y.exp(), z.sin()
    for t, n in ((a, "a"), (y, "y"), (z, "z"), (w, "w"), (u, "u")):
        t.register_hook(_hook(log, n))
    for t, n in ((y, "Y"), (z, "Z"), (w, "W"), (u, "U")):
        t.grad_fn.register_hook(lambda gi, go, n=n: log.append(n))
    (u * w + y).sum().backward()
    return log


@check
def test_order_of_many_leaves_ready_together(lib):
    log = []
    xs = [leaf(lib) for _ in range(5)]
    for i, x in enumerate(xs):
        x.register_hook(_hook(log, i))
    lib.stack(xs).sum().backward()
    return log


@check
def test_order_with_several_roots(lib):
    log = []
    a, b = leaf(lib), leaf(lib)
    c = a * b
    d = c + a
    e = d * b
    for t, n in ((a, "a"), (b, "b"), (c, "c"), (d, "d"), (e, "e")):
        t.register_hook(_hook(log, n))
    lib.autograd.backward([e.sum(), c.sum()])
    return log


@check
def test_order_autograd_grad(lib):
    log = []
    a, b, c = leaf(lib), leaf(lib), leaf(lib)
    for t, n in ((a, "a"), (b, "b"), (c, "c")):
        t.register_hook(_hook(log, n))
    lib.autograd.grad((a * b * c).sum(), [c, a])
    return log


# --- inference tensors -------------------------------------------------------------------------

@check
def test_factories_in_inference_mode_make_inference_tensors(lib):
    x = lib.ones(3)
    with lib.inference_mode():
        made = [lib.zeros(3), lib.tensor([1.0, 2.0]), lib.arange(3.0), lib.rand(2),
                lib.zeros_like(x), lib.from_numpy(np.ones(2)), x * 2, x.clone(), x[:2],
                x.view(3), lib.empty(2).uniform_()]
    return [t.is_inference() for t in made]


@check
def test_views_and_detach_of_inference_tensors(lib):
    with lib.inference_mode():
        a = lib.ones(3)
    return (a[:2].is_inference(), a.detach().is_inference(), a.data.is_inference(),
            a.clone().is_inference(), (a + lib.ones(3)).is_inference(),
            a.is_leaf, a.requires_grad)


def _inference(lib):
    with lib.inference_mode():
        return lib.ones(3)


@check
def test_inference_tensor_saved_for_backward_raises(lib):
    w = lib.ones(3, requires_grad=True)
    return _inference(lib) * w


@check
def test_inference_view_saved_for_backward_raises(lib):
    w = lib.ones(3, requires_grad=True)
    return _inference(lib).unsqueeze(0) * w


@check
def test_inference_tensor_not_saved_is_fine(lib):
    w = lib.ones(3, requires_grad=True)
    (_inference(lib) + w).sum().backward()
    return w.grad


@pytest.mark.parametrize("op", ["add_", "zero_", "fill_", "copy_", "setitem", "view_add_",
                                "mul_tensor"])
def test_inplace_on_inference_tensor_outside_inference_mode_raises(op):
    def f(lib):
        a = _inference(lib)
        if op == "add_":
            a.add_(1)
        elif op == "zero_":
            a.zero_()
        elif op == "fill_":
            a.fill_(2.0)
        elif op == "copy_":
            a.copy_(lib.zeros(3))
        elif op == "setitem":
            a[0] = 5.0
        elif op == "view_add_":
            a.view(3).add_(1)
        else:
            a.mul_(lib.ones(3))
    same(f)


@check
def test_inplace_on_inference_tensor_inside_inference_mode(lib):
    a = _inference(lib)
    with lib.inference_mode():
        a.add_(1)
        a[0] = 7.0
    return a


@check
def test_inference_tensor_version_counter(lib):
    return _inference(lib)._version


@check
def test_inference_tensor_requires_grad_outside_inference_mode(lib):
    return _inference(lib).requires_grad_()


@check
def test_inference_tensor_requires_grad_false_is_fine(lib):
    return _inference(lib).requires_grad_(False)


@check
def test_inference_tensor_requires_grad_inside_inference_mode(lib):
    with lib.inference_mode():
        return lib.zeros(2).requires_grad_()


@check
def test_view_made_in_inference_mode_of_normal_tensor(lib):
    w = lib.ones(3, requires_grad=True)
    with lib.inference_mode():
        v = w[:2]
        u = w.view(3)
    return v.is_inference(), v.requires_grad, u.is_inference(), u.requires_grad


@check
def test_view_made_in_inference_mode_modified_outside(lib):
    w = lib.ones(3, requires_grad=True).clone()
    with lib.inference_mode():
        v = w[:2]
    v.mul_(2)


# --- views and grad modes ----------------------------------------------------------------------

@check
def test_no_grad_view_of_tensor_requiring_grad(lib):
    w = leaf(lib)
    with lib.no_grad():
        v = w[:2]
        u = w.view(3)
        d = w.detach()
    return v.requires_grad, v.is_leaf, v.grad_fn, u.requires_grad, d.requires_grad


@check
def test_no_grad_view_gradient_goes_nowhere(lib):
    w = leaf(lib)
    with lib.no_grad():
        v = w[:2]
    y = v * 2
    y.sum().backward()
    return y.grad_fn.next_functions, v.grad, w.grad


@check
def test_backward_from_no_grad_view_raises(lib):
    w = leaf(lib)
    with lib.no_grad():
        v = w[:2]
    v.backward(lib.ones(2, dtype=lib.float64))


@pytest.mark.parametrize("base_is_leaf", [True, False])
@pytest.mark.parametrize("op", ["mul_", "add_tensor", "zero_", "copy_", "t_", "setitem_int",
                                "setitem_all", "setitem_index"])
def test_no_grad_view_modified_in_place_with_grad_mode_raises(op, base_is_leaf):
    def f(lib):
        w = leaf(lib)
        if not base_is_leaf:
            w = w.clone()
        with lib.no_grad():
            v = w[:2]
        if op == "mul_":
            v.mul_(2)
        elif op == "add_tensor":
            v.add_(lib.ones(2, dtype=lib.float64, requires_grad=True))
        elif op == "zero_":
            v.zero_()
        elif op == "copy_":
            v.copy_(lib.zeros(2, dtype=lib.float64))
        elif op == "t_":
            v.t_()
        elif op == "setitem_int":
            v[0] = 1.0
        elif op == "setitem_all":
            v[:] = 1.0
        else:
            v[lib.tensor([0])] = 1.0
    same(f)


@check
def test_view_of_no_grad_view_modified_in_place(lib):
    w = leaf(lib).clone()
    with lib.no_grad():
        v = w[:2]
    vv = v[:1]
    return vv.requires_grad, type(vv.grad_fn).__name__, vv.mul_(2)


@check
def test_no_grad_view_modified_in_no_grad_mode(lib):
    w = leaf(lib).clone()
    with lib.no_grad():
        v = w[:2]
        v.mul_(2)
    return w


@check
def test_no_grad_view_used_after_its_base_changed(lib):
    w = leaf(lib).clone()
    with lib.no_grad():
        v = w[:2]
    w.mul_(2)
    return v * 2


@check
def test_no_grad_view_used_after_another_view_changed(lib):
    w = leaf(lib).clone()
    with lib.no_grad():
        v = w[:2]
    w[1:].mul_(2)
    return v * 2


@pytest.mark.parametrize("maker", ["split", "split_sizes", "unbind", "chunk"])
@pytest.mark.parametrize("how", ["mul_", "view_mul_", "setitem", "setitem_index", "copy_",
                                 "unsqueeze_"])
def test_multi_view_outputs_modified_in_place_raise(maker, how):
    def f(lib):
        x = lib.ones(4, dtype=lib.float64, requires_grad=True).clone()
        a = {"split": lambda: x.split(2), "split_sizes": lambda: x.split([2, 2]),
             "unbind": lambda: x.view(2, 2).unbind(), "chunk": lambda: x.chunk(2)}[maker]()[0]
        if how == "mul_":
            a.mul_(2)
        elif how == "view_mul_":
            a[:1].mul_(2)
        elif how == "setitem":
            a[0] = 1.0
        elif how == "setitem_index":
            a[lib.tensor([0])] = 1.0
        elif how == "copy_":
            a.copy_(lib.zeros(2, dtype=lib.float64))
        else:
            a.unsqueeze_(0)
    same(f)


@check
def test_multi_view_of_plain_tensor_with_grad_operand(lib):
    a, b = lib.ones(4, dtype=lib.float64).chunk(2)
    a.add_(lib.ones(2, dtype=lib.float64, requires_grad=True))


@check
def test_multi_view_of_plain_tensor_without_grad(lib):
    x = lib.ones(4, dtype=lib.float64)
    a, b = x.chunk(2)
    a.mul_(2)
    return x


@check
def test_multi_view_made_in_no_grad_mode(lib):
    x = leaf(lib, 4)
    with lib.no_grad():
        a, b = x.chunk(2)
    a.mul_(2)


@check
def test_multi_view_modified_in_no_grad_mode(lib):
    x = leaf(lib, 4).clone()
    a, b = x.chunk(2)
    with lib.no_grad():
        a.mul_(2)
    return x


@pytest.mark.parametrize("how", ["base", "other_view"])
def test_multi_view_used_after_base_changed_raises(how):
    def f(lib):
        x = leaf(lib, 4).clone()
        a, b = x.chunk(2)
        if how == "base":
            x.mul_(2)
        else:
            x[:1].mul_(2)
        return b * 2
    same(f)


@check
def test_tracked_view_follows_base_changed_through_other_view(lib):
    x = leaf(lib, 4)
    b = x.clone()
    v1, v2 = b[:2], b[1:3]
    v1.mul_(3)
    (v2 * weights(lib, 2)).sum().backward()
    return type(v2.grad_fn).__name__, x.grad


# --- in-place writes into expanded tensors ------------------------------------------------------

@pytest.mark.parametrize("op", ["add_", "mul_tensor", "copy_", "sin_", "clamp_", "setitem_all",
                                "uniform_", "sub_"])
def test_inplace_into_expanded_tensor_raises(op):
    def f(lib):
        e = lib.ones(1).expand(3)
        if op == "add_":
            e.add_(1)
        elif op == "mul_tensor":
            e.mul_(lib.ones(3))
        elif op == "copy_":
            e.copy_(lib.arange(3.0))
        elif op == "sin_":
            e.sin_()
        elif op == "clamp_":
            e.clamp_(0, 1)
        elif op == "setitem_all":
            e[:] = 5.0
        elif op == "uniform_":
            e.uniform_()
        else:
            e -= 1
    same(f)


@check
def test_inplace_into_expanded_2d_raises(lib):
    lib.ones(3, 1).expand(3, 4).add_(1)


@check
def test_inplace_into_expanded_view_with_grad_raises(lib):
    w = lib.ones(1, requires_grad=True).clone()
    w.expand(3).mul_(2)


@check
def test_inplace_with_grad_operand_into_expanded_raises(lib):
    lib.ones(1).expand(3).add_(lib.ones(3, requires_grad=True))


@pytest.mark.parametrize("op", ["fill_", "zero_", "setitem_one"])
def test_writes_torch_allows_on_expanded_tensor(op):
    def f(lib):
        base = lib.ones(1)
        e = base.expand(3)
        if op == "fill_":
            e.fill_(2)
        elif op == "zero_":
            e.zero_()
        else:
            e[0] = 5.0
        return e, base
    same(f)


@check
def test_recorded_fill_of_expanded_view(lib):
    # (torch's backward through this CopySlices then fails writing into an expanded gradient;
    # ember's gives the zero gradient)
    x = lib.ones(1, dtype=lib.float64, requires_grad=True)
    w = x.clone()
    e = w.expand(3)
    e.fill_(2.0)
    return w, type(w.grad_fn).__name__, type(e.grad_fn).__name__


@check
def test_expand_without_repeats_is_writable(lib):
    x = lib.arange(3.0)
    x.expand(3).add_(1)
    x.expand(1, 3).mul_(2)
    x.view(3, 1).expand(3, 1).add_(1)
    return x, x.expand(1, 3).stride()


# --- Tensor.grad -------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["shape", "shape_0d", "dtype", "int_dtype", "int", "list",
                                   "itself", "good", "none"])
def test_grad_assignment_checks(value):
    def f(lib):
        x = lib.ones(3, requires_grad=True)
        g = {"shape": lambda: lib.ones(4), "shape_0d": lambda: lib.tensor(1.0),
             "dtype": lambda: lib.ones(3, dtype=lib.float64),
             "int_dtype": lambda: lib.ones(3, dtype=lib.int64), "int": lambda: 3,
             "list": lambda: [1.0, 2.0, 3.0], "itself": lambda: x,
             "good": lambda: lib.zeros(3), "none": lambda: None}[value]()
        x.grad = g
        return x.grad
    same(f)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "int32", "int16", "int8", "uint8",
                                   "bool", "complex64", "complex128"])
def test_grad_dtype_message_names(dtype):
    def f(lib):
        x = lib.ones(3, dtype=lib.float32 if dtype != "float32" else lib.float64)
        x.grad = lib.ones(3, dtype=getattr(lib, dtype))
    same(f)


@check
def test_grad_of_integer_tensor(lib):
    i = lib.ones(3, dtype=lib.int64)
    i.grad = lib.zeros(3, dtype=lib.int64)
    return i.grad


@check
def test_grad_delete(lib):
    x = lib.ones(3, requires_grad=True)
    x.grad = lib.ones(3)
    del x.grad
    return x.grad


@check
def test_non_leaf_grad_read_warns(lib):
    x = lib.ones(3, requires_grad=True)
    return (x * 2).grad


@check
def test_view_of_leaf_grad_read_warns(lib):
    x = lib.ones(3, requires_grad=True)
    return x[:2].grad


@check
def test_no_warning_for_leaf_retained_or_set_grad(lib):
    x = lib.ones(3, requires_grad=True)
    h = x * 2
    h.retain_grad()
    k = x * 3
    k.grad = lib.zeros(3)
    with lib.no_grad():
        n = x * 2
    return x.grad, h.grad, k.grad, n.grad, lib.ones(2).grad


@check
def test_grad_accumulates_after_assignment(lib):
    x = lib.ones(3, dtype=lib.float64, requires_grad=True)
    x.grad = lib.full((3,), 5.0, dtype=lib.float64)
    g = x.grad
    (x * 2).sum().backward()
    return x.grad, x.grad is g
