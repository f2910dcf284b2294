"""Grad-mode switches: no_grad, enable_grad, set_grad_enabled, inference_mode.

Each works as a context manager and as a function decorator, as in torch.
"""
import functools
import inspect
import warnings

from ember._ops.engine import GRAD


class _GradModeContext:
    """Base: a context manager that is also a decorator (fresh state per call)."""

    def __call__(self, fn):
        if inspect.isclass(fn):
            raise TypeError("grad mode decorators apply to functions, not classes")
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def gen_wrapper(*args, **kwargs):
                # the mode holds while the generator runs, not while it is suspended
                gen = fn(*args, **kwargs)
                step, value = gen.send, None
                while True:
                    try:
                        with self.clone():
                            response = step(value)
                    except StopIteration as stop:
                        return stop.value
                    try:
                        value = yield response
                        step = gen.send
                    except GeneratorExit:
                        with self.clone():
                            gen.close()
                        raise
                    except BaseException as exc:  # thrown in: pass it on to the generator
                        step, value = gen.throw, exc
            return gen_wrapper

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return type(self)()


class no_grad(_GradModeContext):
    """Disable gradient recording inside the block (or the decorated function)."""

    def __init__(self, orig_func=None):
        self._orig = orig_func

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if orig_func is not None and callable(orig_func):
            self.__init__()
            return self(orig_func)
        return self

    def __enter__(self):
        self.prev = GRAD.enabled
        GRAD.enabled = False
        return None

    def __exit__(self, *exc):
        GRAD.enabled = self.prev
        return False


class enable_grad(_GradModeContext):
    """Enable gradient recording inside the block, even under no_grad."""

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if orig_func is not None and callable(orig_func):
            return self(orig_func)
        return self

    def __enter__(self):
        self.prev = GRAD.enabled
        GRAD.enabled = True

    def __exit__(self, *exc):
        GRAD.enabled = self.prev
        return False


class set_grad_enabled(_GradModeContext):
    """Set grad mode on or off: immediately, and restored when used as a context manager."""

    def __init__(self, mode):
        self.prev = GRAD.enabled
        self.mode = bool(mode)
        GRAD.enabled = self.mode

    def __enter__(self):
        GRAD.enabled = self.mode

    def __exit__(self, *exc):
        GRAD.enabled = self.prev
        return False

    def clone(self):
        return set_grad_enabled.__new__(set_grad_enabled)._init_only(self.mode)

    def _init_only(self, mode):
        self.mode = mode
        self.prev = GRAD.enabled
        return self

    def __call__(self, fn):
        GRAD.enabled = self.prev
        return super().__call__(fn)

    def __repr__(self):
        return f"{type(self).__module__}.{type(self).__qualname__}(mode={self.mode})"


class inference_mode(_GradModeContext):
    """Like no_grad, for inference: nothing inside is recorded."""

    def __init__(self, mode=True):
        self.mode = mode

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode) and not isinstance(mode, bool):
            self.__init__(True)
            return self(mode)
        return self

    def __enter__(self):
        self.prev = GRAD.enabled, GRAD.inference
        # inference_mode(False) re-enables grad mode, even inside no_grad
        GRAD.enabled = not self.mode
        GRAD.inference = bool(self.mode)

    def __exit__(self, *exc):
        GRAD.enabled, GRAD.inference = self.prev
        return False

    def clone(self):
        return inference_mode(self.mode)


def is_grad_enabled():
    """True when operations are recorded for autograd."""
    return GRAD.enabled


def is_inference_mode_enabled():
    """True inside inference_mode."""
    return GRAD.inference


class detect_anomaly:
    """Context manager turning on anomaly detection inside the block: each node remembers the
    traceback of the forward call that made it, and a backward node producing NaN raises
    RuntimeError naming the node (``Function 'SqrtBackward0' returned nan values in its 0th
    output.``). Warns that it slows things down, as torch does."""

    def __init__(self, check_nan=True):
        self.prev = GRAD.anomaly
        self.check_nan = check_nan
        self.prev_check_nan = GRAD.anomaly_check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", stacklevel=2)

    def __enter__(self):
        self.prev, self.prev_check_nan = GRAD.anomaly, GRAD.anomaly_check_nan
        GRAD.anomaly = True
        GRAD.anomaly_check_nan = self.check_nan

    def __exit__(self, *exc):
        GRAD.anomaly, GRAD.anomaly_check_nan = self.prev, self.prev_check_nan
        return False


class set_detect_anomaly:
    """Turn anomaly detection on or off: immediately, and back to the previous setting at the
    end of a ``with`` block (see detect_anomaly)."""

    def __init__(self, mode, check_nan=True):
        self.prev = (GRAD.anomaly, GRAD.anomaly_check_nan)
        GRAD.anomaly = bool(mode)
        GRAD.anomaly_check_nan = bool(check_nan)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        GRAD.anomaly, GRAD.anomaly_check_nan = self.prev
        return False


def is_anomaly_enabled():
    """True while anomaly detection is on."""
    return GRAD.anomaly


def is_anomaly_check_nan_enabled():
    """True when anomaly detection also checks backward outputs for NaN."""
    return GRAD.anomaly_check_nan
