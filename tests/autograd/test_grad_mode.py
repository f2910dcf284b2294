"""Grad-mode switches against torch 2.13: no_grad, enable_grad, set_grad_enabled,
inference_mode (as context managers, decorators and on generators), their nesting, and
anomaly detection."""
import pytest
import torch

import ember


def _leaf(lib):
    return lib.tensor([1.0, 2.0], requires_grad=True)


@pytest.fixture(autouse=True)
def _restore_grad_mode():
    yield
    ember.set_grad_enabled(True)
    ember.autograd.set_detect_anomaly(False)


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_no_grad_context(lib):
    x = _leaf(lib)
    with lib.no_grad():
        assert not lib.is_grad_enabled()
        y = x * 2
    assert lib.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_enable_grad_inside_no_grad(lib):
    x = _leaf(lib)
    with lib.no_grad():
        with lib.enable_grad():
            assert lib.is_grad_enabled()
            y = x * 2
        assert not lib.is_grad_enabled()
        z = x * 2
    assert y.requires_grad and not z.requires_grad


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_set_grad_enabled_function_and_context(lib):
    x = _leaf(lib)
    lib.set_grad_enabled(False)
    assert not lib.is_grad_enabled()
    assert not (x * 2).requires_grad
    lib.set_grad_enabled(True)
    assert (x * 2).requires_grad
    with lib.set_grad_enabled(False):
        assert not (x * 2).requires_grad
        with lib.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not lib.is_grad_enabled()
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_set_grad_enabled_as_decorator(lib):
    @lib.set_grad_enabled(False)
    def f(x):
        return x * 2, lib.is_grad_enabled()
    assert lib.is_grad_enabled()  # making the decorator does not leave grad off
    y, mode = f(_leaf(lib))
    assert mode is False and not y.requires_grad
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_no_grad_decorators(lib):
    @lib.no_grad()
    def f(x):
        return x * 2

    @lib.no_grad
    def g(x):
        return x * 2

    @lib.enable_grad()
    def h(x):
        return x * 2

    @lib.enable_grad
    def k(x):
        return x * 2

    x = _leaf(lib)
    assert not f(x).requires_grad and not g(x).requires_grad
    assert f.__name__ == "f" and g.__name__ == "g"
    with lib.no_grad():
        assert h(x).requires_grad and k(x).requires_grad
        assert not lib.is_grad_enabled()
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_no_grad_decorator_restores_after_exception(lib):
    @lib.no_grad()
    def f():
        raise ValueError("boom")
    with pytest.raises(ValueError):
        f()
    assert lib.is_grad_enabled()
    with pytest.raises(KeyError):
        with lib.no_grad():
            raise KeyError
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_decorated_generator(lib):
    @lib.no_grad()
    def gen(x):
        for _ in range(3):
            received = yield (x * 2).requires_grad, lib.is_grad_enabled()
            assert received in (None, "hi")
        return "done"

    x = _leaf(lib)
    it = gen(x)
    assert next(it) == (False, False)
    assert lib.is_grad_enabled()  # grad mode is back on between steps
    assert (x * 2).requires_grad
    assert it.send("hi") == (False, False)
    assert next(it) == (False, False)
    with pytest.raises(StopIteration) as info:
        next(it)
    assert info.value.value == "done"
    assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_decorated_generator_without_parentheses(lib):
    @lib.no_grad
    def gen():
        yield lib.is_grad_enabled()
    assert list(gen()) == [False]


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_inference_mode(lib):
    x = _leaf(lib)
    assert not lib.is_inference_mode_enabled()
    with lib.inference_mode():
        assert lib.is_inference_mode_enabled()
        assert not lib.is_grad_enabled()
        y = x * 2
        with lib.inference_mode(False):
            assert not lib.is_inference_mode_enabled()
    assert not lib.is_inference_mode_enabled()
    assert lib.is_grad_enabled()
    assert not y.requires_grad
    assert y.is_inference()
    assert not x.is_inference()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_inference_mode_decorator(lib):
    @lib.inference_mode()
    def f(x):
        return x * 2, lib.is_inference_mode_enabled()

    @lib.inference_mode
    def g(x):
        return x * 2

    x = _leaf(lib)
    y, mode = f(x)
    assert mode and not y.requires_grad and not g(x).requires_grad
    assert not lib.is_inference_mode_enabled()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_no_grad_inside_enable_grad_nested_three_deep(lib):
    with lib.enable_grad():
        with lib.no_grad():
            with lib.set_grad_enabled(True):
                assert lib.is_grad_enabled()
            assert not lib.is_grad_enabled()
            with lib.inference_mode():
                assert not lib.is_grad_enabled()
            assert not lib.is_grad_enabled()
        assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_grad_mode_objects_reusable(lib):
    ctx = lib.no_grad()
    for _ in range(2):
        with ctx:
            assert not lib.is_grad_enabled()
        assert lib.is_grad_enabled()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_no_grad_does_not_affect_backward(lib):
    x = _leaf(lib)
    y = (x * x).sum()
    with lib.no_grad():
        y.backward()
    assert x.grad.tolist() == [2.0, 4.0]


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_autograd_namespace_exports(lib):
    for name in ("no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
                 "set_detect_anomaly", "detect_anomaly"):
        assert hasattr(lib.autograd, name), name
    for name in ("is_grad_enabled", "is_inference_mode_enabled", "is_anomaly_enabled",
                 "is_anomaly_check_nan_enabled"):
        assert callable(getattr(lib, name)), name
    assert lib.autograd.no_grad is lib.no_grad


# --- anomaly detection ------------------------------------------------------------------------

def _nan_backward(lib):
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    y = x.sqrt() * 0  # sqrt's gradient at 0 is inf; times 0 gives nan
    y.sum().backward()
    return x


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_detect_anomaly_names_node(lib):
    with pytest.warns(UserWarning):
        with lib.autograd.detect_anomaly():
            assert lib.is_anomaly_enabled()
            with pytest.raises(RuntimeError,
                               match=r"Function 'SqrtBackward0' returned nan values in its "
                                     r"0th output."):
                _nan_backward(lib)
    assert not lib.is_anomaly_enabled()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_set_detect_anomaly(lib):
    lib.autograd.set_detect_anomaly(True)
    try:
        assert lib.is_anomaly_enabled()
        with pytest.raises(RuntimeError, match="SqrtBackward0"):
            _nan_backward(lib)
    finally:
        lib.autograd.set_detect_anomaly(False)
    assert not lib.is_anomaly_enabled()
    x = _nan_backward(lib)  # without anomaly mode the nan goes through
    assert x.grad[0].isnan().item()
    with lib.autograd.set_detect_anomaly(True):
        assert lib.is_anomaly_enabled()
    assert not lib.is_anomaly_enabled()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_detect_anomaly_check_nan_false(lib):
    with lib.autograd.set_detect_anomaly(True, check_nan=False):
        assert not lib.is_anomaly_check_nan_enabled()
        x = _nan_backward(lib)
    assert x.grad[0].isnan().item()
    assert lib.is_anomaly_check_nan_enabled()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_detect_anomaly_warns_only_when_made(lib):
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        ctx = lib.autograd.detect_anomaly()
    assert not lib.is_anomaly_enabled()
    with ctx:
        assert lib.is_anomaly_enabled()
    assert not lib.is_anomaly_enabled()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_anomaly_warning_names_failing_node(lib):
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    y = x.sqrt() * 0  # made outside anomaly mode: no forward trace recorded
    with pytest.warns(UserWarning, match="Error detected in SqrtBackward0. No forward pass "
                                         "information available"):
        with lib.autograd.set_detect_anomaly(True):
            with pytest.raises(RuntimeError, match="returned nan values"):
                y.sum().backward()


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_anomaly_warning_shows_forward_trace(lib):
    with pytest.warns(UserWarning) as record:
        with lib.autograd.detect_anomaly():
            with pytest.raises(RuntimeError):
                _nan_backward(lib)
    text = "\n".join(str(w.message) for w in record)
    assert "Error detected in SqrtBackward0. Traceback of forward call that caused the error" \
        in text
    assert "_nan_backward" in text


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_anomaly_mode_error_in_backward_is_reraised(lib):
    class Bad(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            raise ValueError("bad backward")

    with pytest.warns(UserWarning, match="Error detected in BadBackward"):
        with lib.autograd.detect_anomaly():
            y = Bad.apply(lib.tensor([1.0], requires_grad=True))
            with pytest.raises(ValueError, match="bad backward"):
                y.sum().backward()
