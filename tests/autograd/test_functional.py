"""autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp) against torch 2.13, for
single and tuple inputs and outputs, with and without create_graph."""
import numpy as np
import pytest
import torch

import ember

LIBS = pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])


def _np(t):
    return np.array(t.detach().numpy())


def assert_same(got, want, where=""):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), f"{where}: {got!r}"
        for k, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{where}[{k}]")
    else:
        assert isinstance(want, torch.Tensor) and isinstance(got, ember.Tensor), where
        assert tuple(got.shape) == tuple(want.shape), f"{where}: {got.shape} vs {want.shape}"
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1], where
        assert got.requires_grad == want.requires_grad, f"{where}: requires_grad"
        np.testing.assert_allclose(_np(got), _np(want), rtol=1e-7, atol=1e-10, err_msg=where)


RNG = np.random.default_rng(0)
A = RNG.standard_normal((3,))
B = RNG.standard_normal((2, 3))
C = RNG.standard_normal((3, 2))
V3 = RNG.standard_normal((3,))
V23 = RNG.standard_normal((2, 3))
V2 = RNG.standard_normal((2,))


def t(lib, a):
    return lib.tensor(a, dtype=lib.float64)


# functions of one or two inputs, returning one tensor or a tuple
def f_vec(x):
    return x.sin() * x.sum()


def f_scalar(x):
    return (x.exp() * x).sum() + (x ** 3).prod()


def f_two_in(x, w):
    return (w @ x).tanh()


def f_two_out(x):
    return x * 2, (x ** 2).sum()


def f_two_in_two_out(x, w):
    return w * x, (w @ x).sum()


def f_scalar_two_in(x, w):
    return ((w @ x) ** 2).sum() + (x.sin() * w.sum(0)).sum()


def f_unused(x, w):
    return x * 3


JACOBIAN_CASES = [
    ("vec", f_vec, lambda lib: t(lib, A)),
    ("scalar", f_scalar, lambda lib: t(lib, A)),
    ("two_in", f_two_in, lambda lib: (t(lib, A), t(lib, B))),
    ("two_out", f_two_out, lambda lib: t(lib, A)),
    ("two_in_two_out", f_two_in_two_out, lambda lib: (t(lib, A), t(lib, B))),
    ("unused", f_unused, lambda lib: (t(lib, A), t(lib, B))),
    ("tuple_of_one", f_vec, lambda lib: (t(lib, A),)),
]


def _compare(name, fn, makers, **kwargs):
    """autograd.functional.`name`(fn, *inputs, **kwargs) in ember and in torch, the inputs
    built for each library by `makers`: the results must agree."""
    got = getattr(ember.autograd.functional, name)(fn, *(m(ember) for m in makers), **kwargs)
    want = getattr(torch.autograd.functional, name)(fn, *(m(torch) for m in makers), **kwargs)
    assert_same(got, want)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("case", JACOBIAN_CASES, ids=[c[0] for c in JACOBIAN_CASES])
def test_jacobian(case, create_graph):
    _, fn, make = case
    _compare("jacobian", fn, (make,), create_graph=create_graph)


@pytest.mark.parametrize("case", JACOBIAN_CASES[:3], ids=[c[0] for c in JACOBIAN_CASES[:3]])
def test_jacobian_vectorize(case):
    _, fn, make = case
    _compare("jacobian", fn, (make,), vectorize=True)


def test_jacobian_create_graph_is_differentiable():
    res = []
    for lib in (ember, torch):
        x = t(lib, A).requires_grad_()
        j = lib.autograd.functional.jacobian(f_vec, x, create_graph=True)
        (g,) = lib.autograd.grad(j.sum(), x)
        res.append(g)
    assert_same(*res)


@LIBS
def test_jacobian_strict_raises_for_independent_output(lib):
    x = t(lib, A)
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function does not "
                                           "require gradients"):
        lib.autograd.functional.jacobian(lambda x: x.detach() * 2, x, strict=True)
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function is "
                                           "independent of input 1"):
        lib.autograd.functional.jacobian(f_unused, (x, x), strict=True)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        lib.autograd.functional.vjp(f_unused, (x, x), x, strict=True)


@LIBS
def test_v_validation(lib):
    x = t(lib, A)
    with pytest.raises(RuntimeError, match="v has invalid size"):
        lib.autograd.functional.vjp(f_vec, x, t(lib, V2))
    with pytest.raises(RuntimeError, match="v is a tuple of invalid length: should be 2 but "
                                           "got 1"):
        lib.autograd.functional.jvp(f_two_in, (x, t(lib, B)), (t(lib, V3),))


HESSIAN_CASES = [
    ("one", f_scalar, lambda lib: t(lib, A)),
    ("two", f_scalar_two_in, lambda lib: (t(lib, A), t(lib, B))),
    ("tuple_of_one", f_scalar, lambda lib: (t(lib, A),)),
]


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("case", HESSIAN_CASES, ids=[c[0] for c in HESSIAN_CASES])
def test_hessian(case, create_graph):
    _, fn, make = case
    _compare("hessian", fn, (make,), create_graph=create_graph)


VJP_CASES = [
    ("vec", f_vec, lambda lib: t(lib, A), lambda lib: t(lib, V3)),
    ("scalar_no_v", f_scalar, lambda lib: t(lib, A), lambda lib: None),
    ("two_in", f_two_in, lambda lib: (t(lib, A), t(lib, B)), lambda lib: t(lib, V2)),
    ("two_out", f_two_out, lambda lib: t(lib, A),
     lambda lib: (t(lib, V3), t(lib, 1.5))),
    ("two_in_two_out", f_two_in_two_out, lambda lib: (t(lib, A), t(lib, B)),
     lambda lib: (t(lib, V23), t(lib, -0.5))),
    ("unused", f_unused, lambda lib: (t(lib, A), t(lib, B)), lambda lib: t(lib, V3)),
]


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("case", VJP_CASES, ids=[c[0] for c in VJP_CASES])
def test_vjp(case, create_graph):
    _, fn, make, make_v = case
    _compare("vjp", fn, (make, make_v), create_graph=create_graph)


JVP_CASES = [
    ("vec", f_vec, lambda lib: t(lib, A), lambda lib: t(lib, V3)),
    ("two_in", f_two_in, lambda lib: (t(lib, A), t(lib, B)),
     lambda lib: (t(lib, V3), t(lib, V23))),
    ("two_out", f_two_out, lambda lib: t(lib, A), lambda lib: t(lib, V3)),
    ("two_in_two_out", f_two_in_two_out, lambda lib: (t(lib, A), t(lib, B)),
     lambda lib: (t(lib, V3), t(lib, V23))),
    ("scalar_input_no_v", lambda x: x.sin() * 3, lambda lib: t(lib, 0.7), lambda lib: None),
]


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("case", JVP_CASES, ids=[c[0] for c in JVP_CASES])
def test_jvp(case, create_graph):
    _, fn, make, make_v = case
    _compare("jvp", fn, (make, make_v), create_graph=create_graph)


HVP_CASES = [
    ("one", f_scalar, lambda lib: t(lib, A), lambda lib: t(lib, V3)),
    ("two", f_scalar_two_in, lambda lib: (t(lib, A), t(lib, B)),
     lambda lib: (t(lib, V3), t(lib, V23))),
    ("scalar_input_no_v", lambda x: x.sin() * x, lambda lib: t(lib, 0.7), lambda lib: None),
]


@pytest.mark.parametrize("name", ["hvp", "vhp"])
@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("case", HVP_CASES, ids=[c[0] for c in HVP_CASES])
def test_hvp_vhp(case, create_graph, name):
    _, fn, make, make_v = case
    _compare(name, fn, (make, make_v), create_graph=create_graph)


def test_inputs_requiring_grad_are_not_modified():
    res = []
    for lib in (ember, torch):
        x = t(lib, A).requires_grad_()
        out, g = lib.autograd.functional.vjp(f_vec, x, t(lib, V3))
        res.append((x.grad is None, out.requires_grad, g.requires_grad))
    assert res[0] == res[1]


@LIBS
def test_vjp_requires_v_for_non_scalar(lib):
    with pytest.raises(RuntimeError, match="The vector v can only be None if the user-provided "
                                           "function returns a single Tensor with a single "
                                           "element."):
        lib.autograd.functional.vjp(f_vec, t(lib, A))


@LIBS
def test_jvp_requires_v_for_non_scalar_input(lib):
    with pytest.raises(RuntimeError, match="The vector v can only be None if the input to the "
                                           "user-provided function is a single Tensor with a "
                                           "single element."):
        lib.autograd.functional.jvp(f_vec, t(lib, A))


@LIBS
def test_hessian_needs_scalar_output(lib):
    with pytest.raises(RuntimeError, match="The Tensor returned by the function given to "
                                           "hessian should contain a single element"):
        lib.autograd.functional.hessian(f_vec, t(lib, A))


@LIBS
def test_function_must_return_tensors(lib):
    with pytest.raises(TypeError, match="The outputs of the user-provided function given to "
                                        "jacobian must be either a Tensor or a tuple of "
                                        "Tensors"):
        lib.autograd.functional.jacobian(lambda x: [x * 2], t(lib, A))
