"""Memory: a training loop that builds and backpropagates a graph each step keeps the
number of live tensors and autograd nodes, and the process's RSS, flat; saved tensors are
freed by backward unless retain_graph is given; no reference cycles keep graphs alive."""
import gc
import os
import weakref

import pytest

import ember
from ember._ops.engine import Node


def _counts():
    gc.collect()
    tensors = nodes = 0
    for obj in gc.get_objects():
        if isinstance(obj, ember.Tensor):
            tensors += 1
        elif isinstance(obj, Node):
            nodes += 1
    return tensors, nodes


def _rss_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: peak RSS is the best available figure
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _mlp_step(params, x, y, lr=0.05):
    w1, b1, w2, b2 = params
    h = (x @ w1 + b1).relu()
    out = h @ w2 + b2
    loss = ((out - y) ** 2).mean()
    loss.backward()
    with ember.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad.zero_()
    return loss.item()


def test_training_loop_memory_is_flat():
    ember.manual_seed(0)
    x = ember.randn(16, 8)
    y = ember.randn(16, 2)
    params = [(ember.randn(8, 32) * 0.3).requires_grad_(), ember.zeros(32, requires_grad=True),
              (ember.randn(32, 2) * 0.3).requires_grad_(), ember.zeros(2, requires_grad=True)]
    losses = []
    for step in range(1, 1001):
        losses.append(_mlp_step(params, x, y))
        if step == 10:
            counts_10 = _counts()
            rss_10 = _rss_bytes()
    counts_1000 = _counts()
    rss_1000 = _rss_bytes()
    assert counts_1000 == counts_10
    assert rss_1000 - rss_10 < 10 * 2 ** 20
    assert losses[-1] < losses[0]


def test_saved_tensors_freed_after_backward():
    x = ember.randn(50, 50, requires_grad=True)
    h = x * 2
    y = h.exp()  # saves its result
    z = (y * h).sum()  # saves both inputs
    node = z.grad_fn.next_functions[0][0]  # MulBackward0
    ref_h = weakref.ref(h)
    assert node._saved is not None
    del h, y
    z.backward()
    assert node._saved is None
    gc.collect()
    assert ref_h() is None  # the saved input was released


def test_saved_tensors_kept_with_retain_graph():
    x = ember.randn(5, requires_grad=True)
    h = x * 2
    z = (h * h).sum()
    node = z.grad_fn.next_functions[0][0]
    z.backward(retain_graph=True)
    assert node._saved is not None
    z.backward()
    assert node._saved is None
    assert x.grad.tolist() == pytest.approx((16 * x.detach()).tolist())


def test_graph_freed_by_refcount_alone():
    gc.collect()
    gc.disable()
    try:
        x = ember.randn(10, requires_grad=True)
        y = ((x * 2).exp() * x).sin()
        y = y.sum()
        ref = weakref.ref(y.grad_fn)
        ref_leafacc = weakref.ref(y.grad_fn.next_functions[0][0])
        y.backward()
        del y
        assert ref() is None and ref_leafacc() is None
    finally:
        gc.enable()


def test_create_graph_then_release():
    gc.collect()
    before = _counts()
    x = ember.randn(4, requires_grad=True)
    (g,) = ember.autograd.grad((x ** 3).sum(), x, create_graph=True)
    g.sum().backward()
    del g
    x.grad = None
    del x
    assert _counts() == before


def test_autograd_grad_loop_is_flat():
    w = ember.randn(6, 6, requires_grad=True)
    x = ember.randn(3, 6)
    for step in range(1, 201):
        (g,) = ember.autograd.grad(((x @ w).tanh() ** 2).sum(), w)
        with ember.no_grad():
            w -= 0.01 * g
        if step == 10:
            counts_10 = _counts()
    assert _counts() == counts_10
