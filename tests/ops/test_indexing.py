"""Indexing against torch 2.13, beyond the op table: which keys give views (sharing memory,
strides and storage offset) and which copy, the chain of nodes torch records for a key,
and `t[key] = v` with autograd (CopySlices, IndexPutBackward0, gradients, leaf errors)."""
import numpy as np
import pytest
import torch

import ember

LIBS = (ember, torch)


def _np(t):
    return np.asarray(t.detach().numpy())


def _chain(t):
    """grad_fn names down the first input of each node, to the leaf."""
    out, fn = [], t.grad_fn
    while fn is not None and type(fn).__name__ != "AccumulateGrad":
        out.append(type(fn).__name__)
        fn = fn.next_functions[0][0] if fn.next_functions else None
    return out


def _x(lib, shape=(4, 6)):
    return lib.from_numpy(np.arange(float(np.prod(shape))).reshape(shape))


# keys as functions of the library, so tensors in a key are that library's tensors
KEYS = {
    "int": lambda lib: 1, "neg int": lambda lib: -1, "two ints": lambda lib: (1, 2),
    "slice": lambda lib: slice(1, 3), "full slice": lambda lib: slice(None),
    "step": lambda lib: slice(None, None, 2), "slices": lambda lib: (slice(1, 3), slice(0, 5, 2)),
    "empty slice": lambda lib: slice(2, 2), "slice past end": lambda lib: slice(10, None),
    "reversed slice": lambda lib: slice(3, 1), "clamped slice": lambda lib: slice(-10, 2),
    "None": lambda lib: None, "None in tuple": lambda lib: (slice(None), None),
    "ellipsis": lambda lib: Ellipsis, "ellipsis int": lambda lib: (Ellipsis, 1),
    "ellipsis None": lambda lib: (None, Ellipsis, None), "empty tuple": lambda lib: (),
    "two ellipses": lambda lib: (Ellipsis, 0, Ellipsis), "full slices": lambda lib: (
        slice(None), slice(None)),
    "0-d index": lambda lib: lib.tensor(2), "0-d pair": lambda lib: (lib.tensor(1), lib.tensor(2)),
    "True": lambda lib: True, "False": lambda lib: False,
    "slice True": lambda lib: (slice(1, 3), True), "0-d bool": lambda lib: lib.tensor(True),
    "list": lambda lib: [0, 2], "list repeated": lambda lib: [0, 2, 0],
    "empty list": lambda lib: [], "tensor": lambda lib: lib.tensor([3, 1]),
    "int32 tensor": lambda lib: lib.tensor([3, 1], dtype=lib.int32),
    "2-d tensor": lambda lib: lib.tensor([[0, 1], [2, 3]]),
    "mask": lambda lib: _x(lib) % 3 == 0,
    "row mask": lambda lib: lib.tensor([True, False, True, True]),
    "column mask": lambda lib: (slice(None), lib.tensor([True, False] * 3)),
    "bool list": lambda lib: [True, False, True, False],
    "slice then list": lambda lib: (slice(1, None), [0, 2]),
    "int then list": lambda lib: (0, [1, 2]),
    "0-d then list": lambda lib: (lib.tensor(1), [0, 1]),
    "list then None": lambda lib: ([0, 1], None), "None list int": lambda lib: (None, [0, 1], 1),
    "list as tuple": lambda lib: [[0, 1], [1, 2]], "list with slice": lambda lib: [0, slice(1, 3)],
    "list with tensor": lambda lib: [lib.tensor(0), 1], "broadcast": lambda lib: (
        lib.tensor([[0], [1]]), [1, 2]),
    "ellipsis list": lambda lib: (Ellipsis, [0, 1]),
}
KEYS3 = {
    "int slice list": lambda lib: (0, slice(None), [0, 1]),
    "split advanced": lambda lib: ([0, 1], slice(None), [1, 3]),
    "adjacent advanced": lambda lib: (slice(None), 0, [0, 1]),
    "mask 2-d then slice": lambda lib: (lib.tensor([[True, False, True], [False, True, True]]),
                                        slice(1, 3)),
    "list None": lambda lib: ([1, 0], slice(None), None),
}


def _describe(t):
    return (tuple(t.shape), t.stride(), t.storage_offset(), _chain(t), _np(t).tolist())


@pytest.mark.parametrize("name", list(KEYS) + list(KEYS3))
def test_getitem_matches_torch_views_strides_and_nodes(name):
    key, shape = (KEYS[name], (4, 6)) if name in KEYS else (KEYS3[name], (2, 3, 4))
    got = []
    for lib in LIBS:
        x = _x(lib, shape)
        plain = x[key(lib)]
        x.requires_grad_()
        tracked = x[key(lib)]
        shares = plain.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
        got.append((_describe(plain), _describe(tracked), shares, plain._version))
    assert got[0] == got[1]


@pytest.mark.parametrize("name", ["int", "slice", "None in tuple", "two ints", "ellipsis int",
                                  "0-d index", "empty tuple", "step"])
def test_basic_index_is_a_view(name):
    got = []
    for lib in LIBS:
        x = _x(lib)
        v = x[KEYS[name](lib)]
        x.add_(1)
        assert v._version == 1
        v.mul_(-1)
        got.append((_np(v).tolist(), _np(x).tolist(), x._version))
    assert got[0] == got[1]


@pytest.mark.parametrize("name", ["list", "tensor", "mask", "slice then list", "True"])
def test_advanced_index_is_a_copy(name):
    for lib in LIBS:
        x = _x(lib)
        c = x[KEYS[name](lib)]
        before = _np(c).copy()
        x.add_(1)
        np.testing.assert_array_equal(_np(c), before)


def test_gradient_of_advanced_index_accumulates_repeats():
    got = []
    for lib in LIBS:
        x = _x(lib).requires_grad_()
        (x[[0, 2, 0]] * 2).sum().backward()
        y = _x(lib).requires_grad_()
        y[(slice(1, None), [0, 2, 2])].sum().backward()
        got.append((_np(x.grad).tolist(), _np(y.grad).tolist()))
    assert got[0] == got[1]


# --- setitem -------------------------------------------------------------------------------------

def _setitem_case(lib, key, value):
    """y = x.clone(); y[key] = value (a function of w); gradients of a weighted sum."""
    x = _x(lib, (4, 5)).double().requires_grad_()
    w = lib.from_numpy(np.linspace(-1.0, 1.0, 5)).requires_grad_()
    y = x.clone()
    y[key(lib)] = value(lib, w)
    weights = lib.from_numpy(np.arange(20.0).reshape(4, 5) - 7)
    (y * y * weights).sum().backward()
    return (_np(y).round(12).tolist(), _chain(y)[:1], _names(y), y._version,
            None if x.grad is None else _np(x.grad).tolist(),
            None if w.grad is None else _np(w.grad).round(12).tolist())


def _names(t):
    fn = t.grad_fn
    return type(fn).__name__, tuple(None if f is None else type(f).__name__
                                    for f, _ in fn.next_functions)


SET = {
    "row = w": (lambda lib: 0, lambda lib, w: w * 2),
    "row = scalar": (lambda lib: 1, lambda lib, w: 3.5),
    "row = 0-d tensor": (lambda lib: 1, lambda lib, w: w[0]),
    "column = w[:4]": (lambda lib: (slice(None), 1), lambda lib, w: w[:4]),
    "block broadcast": (lambda lib: slice(1, 3), lambda lib, w: w.exp()),
    "ellipsis": (lambda lib: Ellipsis, lambda lib, w: w),
    "full slice": (lambda lib: slice(None), lambda lib, w: w),
    "element": (lambda lib: (2, 3), lambda lib, w: w[1] * w[2]),
    "extra leading dims": (lambda lib: 0, lambda lib, w: w.reshape(1, 1, 5)),
    "list rows": (lambda lib: [0, 2], lambda lib, w: w),
    "list rows 2-d value": (lambda lib: [3, 1], lambda lib, w: lib.stack([w, -w])),
    "mask scalar": (lambda lib: _x(lib, (4, 5)) % 3 == 0, lambda lib, w: 0.25),
    "mask 0-d": (lambda lib: _x(lib, (4, 5)) % 3 == 0, lambda lib, w: w[3]),
    "row mask": (lambda lib: lib.tensor([True, False, False, True]), lambda lib, w: w),
    "pairs": (lambda lib: (lib.tensor([0, 1]), lib.tensor([1, 2])), lambda lib, w: w[:2]),
    "slice then list": (lambda lib: (slice(1, None), [0, 2]), lambda lib, w: w[4]),
    "int then list": (lambda lib: (0, [0, 2]), lambda lib, w: w[1:3]),
    "True": (lambda lib: True, lambda lib, w: w),
    "None": (lambda lib: None, lambda lib, w: w),
}


@pytest.mark.parametrize("name", list(SET))
def test_setitem_with_autograd_matches_torch(name):
    key, value = SET[name]
    assert _setitem_case(ember, key, value) == _setitem_case(torch, key, value)


def test_setitem_false_writes_nothing():
    for lib in LIBS:
        x = _x(lib)
        x[False] = lib.ones(7)  # torch neither writes nor checks the value's shape
        assert x._version == 0 and _np(x)[0, 1] == 1.0


def test_setitem_without_autograd_bumps_version_once_and_casts():
    got = []
    for lib in LIBS:
        x = _x(lib).long()
        x[1] = lib.tensor([0.7, 1.5, -2.5, 3.9, 4.0, 5.0])
        x[[0, 3], 2] = lib.tensor([-1, -2])
        x[x > 20] = 0
        x[:, 5] = 9.9
        got.append((_np(x).tolist(), x._version))
    assert got[0] == got[1]


@pytest.mark.parametrize("key,value,exc", [
    (lambda lib: 10, 1.0, IndexError), (lambda lib: [10], 1.0, IndexError),
    (lambda lib: (0, 0, 0), 1.0, IndexError),
    (lambda lib: 0, lambda lib: lib.ones(4), RuntimeError),
    (lambda lib: [0, 1], lambda lib: lib.ones(3), RuntimeError),
    (lambda lib: [0], lambda lib: lib.ones(6, dtype=lib.float32), RuntimeError),
    (lambda lib: slice(None, None, -1), 1.0, ValueError),
    (lambda lib: lib.tensor([True, False]), 1.0, IndexError),
])
def test_setitem_errors_match_torch(key, value, exc):
    for lib in LIBS:
        x = _x(lib)
        with pytest.raises(exc):
            x[key(lib)] = value(lib) if callable(value) else value
        assert x._version == 0


def test_setitem_on_leaf_that_requires_grad():
    for lib in LIBS:
        x = _x(lib).requires_grad_()
        with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
            x[0] = 1.0
        with pytest.raises(RuntimeError, match="a leaf Variable"):
            x[[0]] = 1.0
        with lib.no_grad():
            x[0] = -1.0
            x[[1, 2]] = -2.0
        assert x.grad_fn is None and x._version == 2
        assert _np(x)[:3, 0].tolist() == [-1.0, -2.0, -2.0]


def test_setitem_through_nested_views_and_loops():
    def run(lib):
        x = _x(lib, (3, 4)).double().requires_grad_()
        out = lib.zeros(3, 2, 4, dtype=lib.float64)
        for i in range(3):
            out[i][1] = x[i] ** 2
            out[i, 0, ::2] = x[i, 1::2]
        y = x.clone()
        y[1][1:3] = out[0, 1, :2]
        loss = (out * out).sum() + (y ** 3).sum()
        loss.backward()
        return _np(out).tolist(), _names(out), _names(y), _np(x.grad).tolist()
    assert run(ember) == run(torch)
