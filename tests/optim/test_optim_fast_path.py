"""The raw-array fast path of Adam/AdamW/SGD (ember.optim._kernels) gives bitwise the results
of the general path written with ember ops, on small and chunked (large) parameters."""
import numpy as np
import pytest

import ember
from ember.optim import _kernels

CONFIGS = [
    ("Adam", dict()), ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, maximize=True, betas=(0.3, 0.99), eps=1e-6, weight_decay=0.2)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict()), ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, weight_decay=0.1, maximize=True, momentum=0.5)),
]


def _run(name, kwargs, dtype, shapes, steps, fast, monkeypatch):
    calls = []
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(_kernels, "fast_ok", lambda *a: False)
        for k in ("adam_", "sgd_"):
            real = getattr(_kernels, k)
            m.setattr(_kernels, k, lambda *a, _real=real, **kw: calls.append(1) or _real(*a, **kw))
        rng = np.random.default_rng(0)
        params = [ember.nn.Parameter(ember.from_numpy(rng.standard_normal(s).astype(dtype)))
                  for s in shapes]
        opt = getattr(ember.optim, name)(params, **kwargs)
        for _ in range(steps):
            for i, p in enumerate(params):
                g = rng.standard_normal(tuple(p.shape)).astype(dtype)
                g = g + 0.5 * p.detach().numpy()
                # one gradient non-contiguous (the whole-array path)
                p.grad = ember.from_numpy(np.asfortranarray(g)) if i == 0 else \
                    ember.from_numpy(g)
            opt.step()
        assert bool(calls) == fast
        state = [v.numpy().copy() for st in opt.state.values() for v in st.values()
                 if isinstance(v, ember.Tensor)]
        return [p.detach().numpy().copy() for p in params] + state


@pytest.mark.parametrize("name,kwargs", CONFIGS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fast_path_is_bitwise_the_general_path(name, kwargs, dtype, monkeypatch):
    shapes = [(3, 4), (5,), (2, 2, 2)]
    fast = _run(name, kwargs, dtype, shapes, 12, True, monkeypatch)
    slow = _run(name, kwargs, dtype, shapes, 12, False, monkeypatch)
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name,kwargs", [CONFIGS[1], CONFIGS[3], CONFIGS[10]])
def test_fast_path_chunks_large_parameters(name, kwargs, monkeypatch):
    shapes = [(30, 40), (3 * _kernels.CHUNK + 17,), (2, _kernels.CHUNK // 2 + 3)]
    fast = _run(name, kwargs, np.float32, shapes, 3, True, monkeypatch)
    slow = _run(name, kwargs, np.float32, shapes, 3, False, monkeypatch)
    for a, b in zip(fast, slow):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["Adam", "SGD"])
def test_fast_path_bumps_versions(name):
    p = ember.nn.Parameter(ember.ones(4))
    kwargs = dict(lr=0.1, momentum=0.9) if name == "SGD" else {}
    opt = getattr(ember.optim, name)([p], **kwargs)
    y = (p * p).sum()  # saves p for backward
    p.grad = ember.ones(4)
    v = p._version
    opt.step()
    assert p._version > v
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
