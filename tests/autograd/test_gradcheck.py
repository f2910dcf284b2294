"""gradcheck / gradgradcheck: True for correct gradients (real and complex, several inputs
and outputs), GradcheckError or False for a wrong custom backward, as torch 2.13."""
import numpy as np
import pytest
import torch

import ember

LIBS = pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])


def _t(lib, arr, grad=True):
    return lib.from_numpy(np.array(arr)).requires_grad_(grad)


RNG = np.random.default_rng(3)
X = RNG.uniform(0.5, 1.5, (2, 3))
Y = RNG.uniform(-1, 1, (3,))
Z = RNG.standard_normal(3) + 1j * RNG.standard_normal(3)


def bad_functions(lib):
    class WrongScale(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x  # should be 2 * x

    class WrongSecond(lib.autograd.Function):
        """First derivative right, its own derivative wrong (backward not written with
        differentiable ops of x)."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x.detach() ** 2

    return WrongScale, WrongSecond


CORRECT = [
    ("mul", lambda x, y: x * y, lambda lib: (_t(lib, X), _t(lib, Y))),
    ("exp_sum", lambda x: x.exp().sum(1), lambda lib: (_t(lib, X),)),
    ("matmul_tanh", lambda x, y: (x @ y).tanh(), lambda lib: (_t(lib, X), _t(lib, Y))),
    ("two_outputs", lambda x: (x.sin(), x.max(1)[0]), lambda lib: (_t(lib, X),)),
    ("non_tensor_arg", lambda x, k: x ** k, lambda lib: (_t(lib, X), 3)),
    ("constant_input", lambda x, y: x * y, lambda lib: (_t(lib, X), _t(lib, Y, False))),
    ("view_output", lambda x: x.t(), lambda lib: (_t(lib, X),)),
    ("non_contiguous_input", lambda x: x * x, lambda lib: (_t(lib, X.T.copy().T),)),
    ("integer_output_too", lambda x: (x * 2, x.argmax()), lambda lib: (_t(lib, X),)),
    ("complex_in_real_out", lambda z: (z * z.conj()).real, lambda lib: (_t(lib, Z),)),
    ("complex_in_complex_out", lambda z: z * z + z.conj(), lambda lib: (_t(lib, Z),)),
    ("real_in_complex_out", lambda x: x * (1 + 2j), lambda lib: (_t(lib, Y),)),
]


@pytest.mark.parametrize("fast_mode", [False, True])
@pytest.mark.parametrize("case", CORRECT, ids=[c[0] for c in CORRECT])
def test_gradcheck_passes(case, fast_mode):
    _, fn, make = case
    for lib in (ember, torch):
        assert lib.autograd.gradcheck(fn, make(lib), fast_mode=fast_mode)


@pytest.mark.parametrize("case", CORRECT[:5] + CORRECT[9:], ids=[c[0] for c in
                                                                  CORRECT[:5] + CORRECT[9:]])
def test_gradgradcheck_passes(case):
    _, fn, make = case
    for lib in (ember, torch):
        assert lib.autograd.gradgradcheck(fn, make(lib))


@LIBS
def test_gradcheck_single_tensor_input(lib):
    assert lib.autograd.gradcheck(lambda x: x.sin(), _t(lib, Y))


@LIBS
@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_wrong_backward_raises(lib, fast_mode):
    wrong, _ = bad_functions(lib)
    with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect to "
                                           "input 0") as info:
        lib.autograd.gradcheck(wrong.apply, (_t(lib, Y),), fast_mode=fast_mode)
    assert type(info.value).__name__ == "GradcheckError"
    assert lib.autograd.gradcheck(wrong.apply, (_t(lib, Y),), raise_exception=False,
                                  fast_mode=fast_mode) is False


@LIBS
def test_gradgradcheck_wrong_double_backward(lib):
    _, wrong = bad_functions(lib)
    assert lib.autograd.gradcheck(wrong.apply, (_t(lib, Y),))
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        lib.autograd.gradgradcheck(wrong.apply, (_t(lib, Y),))
    assert lib.autograd.gradgradcheck(wrong.apply, (_t(lib, Y),),
                                      raise_exception=False) is False


@LIBS
def test_gradcheck_error_class_is_runtime_error(lib):
    err = lib.autograd.gradcheck.GradcheckError if hasattr(lib.autograd.gradcheck,
                                                           "GradcheckError") else None
    if err is None:  # torch.autograd.gradcheck is the function; the class is in the module
        import importlib
        err = importlib.import_module(lib.__name__ + ".autograd.gradcheck").GradcheckError
    assert issubclass(err, RuntimeError)


@LIBS
def test_gradcheck_needs_an_input_requiring_grad(lib):
    with pytest.raises(ValueError, match="gradcheck expects at least one input tensor to "
                                         "require gradient"):
        lib.autograd.gradcheck(lambda x: x * 2, (_t(lib, Y, False),))


@LIBS
def test_gradcheck_warns_for_float32(lib):
    x = lib.tensor([0.3, 0.4, 0.5], requires_grad=True)
    with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double "
                                         "precision"):
        lib.autograd.gradcheck(lambda x: x * 2, (x,), raise_exception=False)


@LIBS
def test_gradcheck_output_not_requiring_grad_but_depending_on_input(lib):
    # with no output requiring grad, the numerical gradient must be zero
    with pytest.raises(RuntimeError, match="Numerical gradient for function expected to be "
                                           "zero"):
        lib.autograd.gradcheck(lambda x: x.detach() * 2, (_t(lib, Y),))
    # torch checks such outputs only when no output requires grad
    assert lib.autograd.gradcheck(lambda x: (x.detach() * 2, x * 1), (_t(lib, Y),))


def test_gradcheck_restores_inputs():
    x = _t(ember, X)
    before = x.detach().clone()
    v0 = x._version
    ember.autograd.gradcheck(lambda x: x.exp(), (x,))
    assert x._version == v0
    assert ember.equal(x.detach(), before)


@LIBS
def test_gradgradcheck_with_grad_outputs(lib):
    go = _t(lib, RNG.standard_normal((2, 3)))
    assert lib.autograd.gradgradcheck(lambda x: x ** 3, (_t(lib, X),), (go,))
