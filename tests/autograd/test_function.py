"""autograd.Function against torch 2.13: ctx.save_for_backward / saved_tensors,
needs_input_grad, mark_dirty, mark_non_differentiable, set_materialize_grads, non-tensor
arguments, several outputs, once_differentiable, grad_fn names, double backward through a
custom Function, and the setup_context style."""
import numpy as np
import pytest
import torch

import ember

LIBS = pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])


def _np(t):
    return None if t is None else np.array(t.detach().numpy())


def _close(a, b):
    np.testing.assert_allclose(_np(a), _np(b), rtol=1e-7, atol=1e-9)


def functions(lib):
    """The same custom Functions defined on `lib`."""
    F = lib.autograd.Function

    class Cube(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2  # written with ops: differentiable again

    class ScaleShift(F):
        @staticmethod
        def forward(ctx, x, scale, shift, flag):
            ctx.scale = scale
            ctx.flag = flag
            ctx.save_for_backward(shift)
            return x * scale + shift

        @staticmethod
        def backward(ctx, g):
            (shift,) = ctx.saved_tensors
            return g * ctx.scale, None, g.sum(0) if ctx.needs_input_grad[2] else None, None

    class SplitTwo(F):
        @staticmethod
        def forward(ctx, x):
            e = x.exp()
            ctx.save_for_backward(e)
            return x * 2, e

        @staticmethod
        def backward(ctx, ga, gb):
            (e,) = ctx.saved_tensors
            return ga * 2 + gb * e

    class SortWithIndex(F):
        @staticmethod
        def forward(ctx, x):
            v, i = x.sort()
            ctx.mark_non_differentiable(i)
            ctx.save_for_backward(i)
            return v, i

        @staticmethod
        def backward(ctx, gv, gi):
            (i,) = ctx.saved_tensors
            out = gv.new_zeros(gv.shape)
            out[i] = gv
            return out

    class AddOneInPlace(F):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class Square(F):  # setup_context style: forward has no ctx
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    class Once(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sin()

        @staticmethod
        @lib.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x.cos()

    class Seen(F):
        """Records what backward received (for materialize_grads)."""
        seen = []

        @staticmethod
        def forward(ctx, x, materialize):
            ctx.set_materialize_grads(materialize)
            return x.clone(), x.clone()

        @staticmethod
        def backward(ctx, ga, gb):
            Seen.seen.append((ga is None, gb is None))
            out = None
            for g in (ga, gb):
                if g is not None:
                    out = g if out is None else out + g
            return out, None

    class Exp(F):  # saves its output
        @staticmethod
        def forward(ctx, x):
            r = x.exp()
            ctx.save_for_backward(r)
            return r

        @staticmethod
        def backward(ctx, g):
            (r,) = ctx.saved_tensors
            return g * r

    return dict(Cube=Cube, ScaleShift=ScaleShift, SplitTwo=SplitTwo,
                SortWithIndex=SortWithIndex, AddOneInPlace=AddOneInPlace, Square=Square,
                Once=Once, Seen=Seen, Exp=Exp)


def _function(lib, forward, backward, name="F"):
    """A custom `lib.autograd.Function` named `name` with the given static forward and
    backward (made by Function's own metaclass, as a class statement would)."""
    return type(lib.autograd.Function)(name, (lib.autograd.Function,), {
        "forward": staticmethod(forward), "backward": staticmethod(backward)})


def _x(lib, values=(0.5, -1.0, 2.0)):
    return lib.tensor(list(values), dtype=lib.float64, requires_grad=True)


@LIBS
def test_grad_fn_name(lib):
    fs = functions(lib)
    y = fs["Cube"].apply(_x(lib))
    assert type(y.grad_fn).__name__ == "CubeBackward"
    assert y.grad_fn.name() == "CubeBackward"
    assert y.requires_grad and not y.is_leaf
    acc = y.grad_fn.next_functions[0][0]
    assert type(acc).__name__ == "AccumulateGrad"


def test_save_for_backward_and_values():
    res = []
    for lib in (ember, torch):
        x = _x(lib)
        y = functions(lib)["Cube"].apply(x)
        y.sum().backward()
        res.append((y, x.grad))
    _close(res[0][0], res[1][0])
    _close(res[0][1], res[1][1])


def test_non_tensor_args_and_needs_input_grad():
    res = []
    for lib in (ember, torch):
        x = _x(lib)
        shift = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)
        fn = functions(lib)["ScaleShift"]
        y = fn.apply(x.reshape(1, 3), 2.5, shift, "flag")
        y.sum().backward()
        res.append(x.grad)
        shift2 = shift.clone().requires_grad_()
        out = fn.apply(x.reshape(1, 3), 2.5, shift2, True)
        out.sum().backward()
        res.append(shift2.grad)
    _close(res[0], res[2])
    _close(res[1], res[3])


@LIBS
def test_needs_input_grad_values(lib):
    seen = []

    class F(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, k, b):
            seen.append(ctx.needs_input_grad)
            return a * b

        @staticmethod
        def backward(ctx, g):
            seen.append(ctx.needs_input_grad)
            return g, None, g

    a = _x(lib)
    b = lib.ones(3, dtype=lib.float64)
    F.apply(a, 3, b).sum().backward()
    assert seen == [(True, False, False), (True, False, False)]


def test_multiple_outputs_and_setup_context():
    res = []
    for lib in (ember, torch):
        x = _x(lib)
        a, b = functions(lib)["SplitTwo"].apply(x)
        assert a.grad_fn is b.grad_fn
        assert (a.output_nr, b.output_nr) == (0, 1)
        (a.sum() + (b * 2).sum()).backward()
        res.append(x.grad)
    _close(*res)


@LIBS
def test_setup_context_with_multiple_outputs(lib):
    class F(lib.autograd.Function):
        @staticmethod
        def forward(x, k):
            return x * k, x.exp()

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            ctx.k = k
            ctx.save_for_backward(output[1])

        @staticmethod
        def backward(ctx, ga, gb):
            (e,) = ctx.saved_tensors
            return ga * ctx.k + gb * e, None

    x = _x(lib)
    a, b = F.apply(x, 3.0)
    (a + b).sum().backward()
    np.testing.assert_allclose(_np(x.grad), 3 + np.exp([0.5, -1.0, 2.0]))


def test_multiple_outputs_one_used():
    res = []
    for lib in (ember, torch):
        x = _x(lib)
        a, b = functions(lib)["SplitTwo"].apply(x)
        b.sum().backward()
        res.append(x.grad)
    _close(*res)


def test_mark_non_differentiable():
    res = []
    for lib in (ember, torch):
        x = lib.tensor([3.0, 1.0, 2.0], dtype=lib.float64, requires_grad=True)
        v, i = functions(lib)["SortWithIndex"].apply(x)
        assert v.requires_grad and not i.requires_grad
        (v * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum().backward()
        res.append(x.grad)
    _close(*res)


@LIBS
def test_mark_non_differentiable_float_output(lib):
    class F(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            out = x * 2
            ctx.mark_non_differentiable(out)
            return out

        @staticmethod
        def backward(ctx, g):
            return g

    y = F.apply(_x(lib))
    assert not y.requires_grad


def test_mark_dirty():
    res = []
    for lib in (ember, torch):
        x = _x(lib)
        h = x * 1
        y = functions(lib)["AddOneInPlace"].apply(h)
        assert y is h
        assert type(h.grad_fn).__name__ == "AddOneInPlaceBackward"
        versions = h._version
        (y * y).sum().backward()
        res.append((h, x.grad, versions))
    _close(res[0][0], res[1][0])
    _close(res[0][1], res[1][1])
    assert res[0][2] == res[1][2]


@LIBS
def test_mark_dirty_on_leaf_raises(lib):
    x = _x(lib)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        functions(lib)["AddOneInPlace"].apply(x)


@LIBS
def test_returning_input_unchanged_makes_new_tensor(lib):
    Ident = _function(lib, lambda ctx, x: x, lambda ctx, g: g * 3, "Ident")
    x = _x(lib)
    y = Ident.apply(x)
    assert y is not x and type(y.grad_fn).__name__ == "IdentBackward"
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]
    assert x.is_leaf and x.grad_fn is None


@pytest.mark.parametrize("materialize", [True, False])
def test_set_materialize_grads(materialize):
    got = []
    for lib in (ember, torch):
        fn = functions(lib)["Seen"]
        fn.seen.clear()
        x = _x(lib)
        a, b = fn.apply(x, materialize)
        a.sum().backward()
        got.append((list(fn.seen), x.grad.tolist()))
    assert got[0] == got[1]


def test_setup_context_style():
    res = []
    for lib in (ember, torch):
        x = _x(lib)
        y = functions(lib)["Square"].apply(x)
        assert type(y.grad_fn).__name__ == "SquareBackward"
        y.sum().backward()
        res.append(x.grad)
    _close(*res)


def test_double_backward_through_function():
    res = []
    for lib in (ember, torch):
        x = _x(lib)
        y = functions(lib)["Cube"].apply(x.sin())
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        res.append((g, gg))
    _close(res[0][0], res[1][0])
    _close(res[0][1], res[1][1])


def test_function_inside_graph_with_backward_create_graph():
    res = []
    for lib in (ember, torch):
        x = _x(lib)
        w = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        y = functions(lib)["Square"].apply(x * w).sum()
        (gx,) = lib.autograd.grad(y, x, create_graph=True)
        (gx * gx).sum().backward()
        res.append((gx, w.grad, x.grad))
    for a, b in zip(*res):
        _close(a, b)


def test_once_differentiable():
    res = []
    for lib in (ember, torch):
        x = _x(lib)
        y = functions(lib)["Once"].apply(x)
        y.sum().backward()
        res.append(x.grad)
        x2 = _x(lib)
        (g,) = lib.autograd.grad(functions(lib)["Once"].apply(x2).sum(), x2, create_graph=True)
        assert not g.requires_grad  # the incoming gradient did not require grad
        w = _x(lib)
        y = (functions(lib)["Once"].apply(x2) * w).sum()
        (g,) = lib.autograd.grad(y, x2, create_graph=True)
        assert g.requires_grad and type(g.grad_fn).__name__ == "Error"
        with pytest.raises(RuntimeError, match="trying to differentiate twice a function that "
                                               "was marked with @once_differentiable"):
            g.sum().backward()
    _close(*res)


@LIBS
def test_no_recording_without_grad(lib):
    fs = functions(lib)
    x = lib.tensor([1.0, 2.0], dtype=lib.float64)
    y = fs["Cube"].apply(x)
    assert not y.requires_grad and y.grad_fn is None
    with lib.no_grad():
        y = fs["Cube"].apply(_x(lib))
    assert not y.requires_grad and y.grad_fn is None


@LIBS
def test_forward_runs_without_grad(lib):
    F = _function(lib, lambda ctx, x: (x * 2, lib.is_grad_enabled()),
                  lambda ctx, g, _: g * 2)
    y, mode = F.apply(_x(lib))
    assert mode is False and type(y.grad_fn).__name__ == "FBackward"


@LIBS
def test_wrong_number_of_gradients_raises(lib):
    F = _function(lib, lambda ctx, x, y: x * y, lambda ctx, g: (g, g, g))
    with pytest.raises(RuntimeError, match="returned an incorrect number of gradients"):
        F.apply(_x(lib), _x(lib)).sum().backward()


@LIBS
def test_wrong_gradient_shape_raises(lib):
    F = _function(lib, lambda ctx, x: x * 2, lambda ctx, g: g.new_ones(5))
    with pytest.raises(RuntimeError, match="returned an invalid gradient at index 0"):
        F.apply(_x(lib)).sum().backward()


@LIBS
def test_saved_tensor_modified_inplace_raises(lib):
    fs = functions(lib)
    h = _x(lib) * 1
    y = fs["Cube"].apply(h)
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@LIBS
def test_saved_tensors_freed_after_backward(lib):
    y = functions(lib)["Cube"].apply(_x(lib))
    y.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.grad_fn.saved_tensors


@LIBS
def test_saved_output_and_intermediate(lib):
    x = _x(lib)
    y = functions(lib)["Exp"].apply(x)
    (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
    (gg,) = lib.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(_np(gg), np.exp([0.5, -1.0, 2.0]))


@LIBS
def test_ctx_attributes_and_apply_kwargs_rejected(lib):
    class F(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, power=2):
            ctx.power = power
            return x ** power

        @staticmethod
        def backward(ctx, g):
            return g * ctx.power, None

    x = _x(lib)
    y = F.apply(x, 3)
    assert y.grad_fn.power == 3
    y.sum().backward()


@LIBS
def test_function_returns_non_tensor_too(lib):
    F = _function(lib, lambda ctx, x: (x * 2, 7), lambda ctx, g, _: g * 2)
    y, k = F.apply(_x(lib))
    assert k == 7
    y.sum().backward()


@LIBS
def test_backward_returns_gradient_for_integer_input_ignored(lib):
    F = _function(lib, lambda ctx, x, idx: x[idx], lambda ctx, g: (g.new_ones(3), None))
    x = _x(lib)
    F.apply(x, lib.tensor([0, 1])).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


@LIBS
def test_instantiating_and_legacy(lib):
    F = _function(lib, lambda ctx, x: x, lambda ctx, g: g)
    assert isinstance(F.apply, type(F.apply))
    assert hasattr(lib.autograd.function, "FunctionCtx")


@LIBS
def test_vjp_alias(lib):
    class F(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 5

        @staticmethod
        def vjp(ctx, g):
            return g * 5

    x = _x(lib)
    F.apply(x).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0, 5.0]


@LIBS
def test_save_for_backward_rejects_non_tensor(lib):
    class F(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(TypeError, match="save_for_backward can only save variables, but "
                                        "argument 1 is of type int"):
        F.apply(_x(lib))


@LIBS
def test_gradient_for_non_tensor_input_raises(lib):
    F = _function(lib, lambda ctx, x, k: x * k, lambda ctx, g: (g, g))
    with pytest.raises(RuntimeError, match="returned a gradient different than None at "
                                           "position 2"):
        F.apply(_x(lib), 3).sum().backward()


@LIBS
def test_too_few_gradients_raises(lib):
    F = _function(lib, lambda ctx, x, k: x * k, lambda ctx, g: g)
    with pytest.raises(RuntimeError, match=r"incorrect number of gradients \(expected 2, "
                                           r"got 1\)"):
        F.apply(_x(lib), 3).sum().backward()


@LIBS
def test_extra_none_gradients_allowed(lib):
    F = _function(lib, lambda ctx, x, k: x * k, lambda ctx, g: (g * 3, None, None))
    x = _x(lib)
    F.apply(x, 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]


@LIBS
def test_non_tensor_outputs_get_none_grads(lib):
    seen = []

    class F(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, 7, None

        @staticmethod
        def backward(ctx, g, a, b):
            seen.append((g is None, a, b))
            return g * 2

    x = _x(lib)
    y, k, n = F.apply(x)
    assert k == 7 and n is None
    y.sum().backward()
    assert seen == [(False, None, None)]
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


@LIBS
def test_single_output_in_tuple(lib):
    F = _function(lib, lambda ctx, x: (x * 2,), lambda ctx, g: g * 2)
    x = _x(lib)
    out = F.apply(x)
    assert isinstance(out, tuple) and len(out) == 1
    out[0].sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


@LIBS
def test_next_functions_of_custom_node(lib):
    F = _function(lib, lambda ctx, a, k, b: a * b, lambda ctx, g: (g, None, g))
    a = _x(lib)
    y = F.apply(a, 3, lib.ones(3, dtype=lib.float64))
    nf = y.grad_fn.next_functions
    assert len(nf) == 2
    assert type(nf[0][0]).__name__ == "AccumulateGrad" and nf[0][0].variable is a
    assert nf[1] == (None, 0)
    assert y.grad_fn.needs_input_grad == (True, False, False)


@LIBS
def test_saving_output_does_not_leak_node(lib):
    import gc
    import weakref

    x = _x(lib)
    y = functions(lib)["Exp"].apply(x)
    ref = weakref.ref(y.grad_fn)
    gc.collect()
    gc.disable()
    try:
        del y
        assert ref() is None  # freed by reference counting alone: no cycle
    finally:
        gc.enable()
