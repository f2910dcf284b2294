"""Shape ops against torch 2.13, beyond the op table: views share memory, strides, storage
offsets and the version counter with their base; in-place ops through views rewrite the
base's history (CopySlices) and the view's (AsStridedBackward0) as torch does, gradients
included; in-place view ops; ops that must copy do."""
import numpy as np
import pytest
import torch

import ember

LIBS = (ember, torch)


def _np(t):
    return np.asarray(t.detach().numpy())


def _x(lib, shape=(4, 6), requires_grad=False):
    t = lib.from_numpy(np.arange(float(np.prod(shape))).reshape(shape))
    return t.requires_grad_() if requires_grad else t


def _names(t):
    fn = t.grad_fn
    if fn is None:
        return None
    return type(fn).__name__, tuple(None if f is None else type(f).__name__
                                    for f, _ in fn.next_functions)


VIEWS = {
    "slice": lambda x: x[1:3, ::2],
    "select": lambda x: x.select(1, 2),
    "narrow": lambda x: x.narrow(1, 2, 3),
    "t": lambda x: x.t(),
    "transpose": lambda x: x.transpose(0, 1),
    "permute": lambda x: x.reshape(2, 3, 4).permute(2, 0, 1),
    "movedim": lambda x: x.reshape(2, 3, 4).movedim(0, -1),
    "T": lambda x: x.T,
    "mT": lambda x: x.reshape(2, 2, 6).mT,
    "view": lambda x: x.view(3, 8),
    "view -1": lambda x: x.view(-1),
    "reshape view": lambda x: x.reshape(2, 12),
    "reshape alias": lambda x: x.t().reshape(2, 3, 4),
    "flatten": lambda x: x.reshape(2, 3, 4).flatten(1),
    "unflatten": lambda x: x.unflatten(1, (2, 3)),
    "ravel": lambda x: x.ravel(),
    "view_as": lambda x: x.view_as(x.reshape(24)),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "squeeze": lambda x: x[:, :1].squeeze(1),
    "expand": lambda x: x[:, :1].expand(4, 5),
    "expand lead": lambda x: x[0].expand(2, 3, 6),
    "broadcast_to": lambda x: x[:1].broadcast_to((3, 6)),
    "diagonal": lambda x: x.diagonal(),
    "diagonal +1": lambda x: x.diagonal(1),
    "diagonal -2": lambda x: x.diagonal(-2),
    "diagonal of t": lambda x: x.t().diagonal(1),
    "diagonal 3d": lambda x: x.reshape(2, 3, 4).diagonal(0, 0, 2),
    "unfold": lambda x: x.unfold(1, 2, 1),
    "unfold step": lambda x: x.unfold(0, 2, 2),
    "unfold of t": lambda x: x.t().unfold(1, 2, 1),
    "as_strided": lambda x: x.as_strided((2, 2), (1, 2), 1),
    "as_strided of slice": lambda x: x[1:].as_strided((3, 3), (2, 1)),
    "as_strided offset": lambda x: x[1:].as_strided((2,), (3,), 2),
    "split": lambda x: x.split(2, 1)[1],
    "split sizes": lambda x: x.split([1, 3])[1],
    "chunk": lambda x: x.chunk(3, 1)[2],
    "tensor_split": lambda x: x.tensor_split([1, 3], 1)[1],
    "unbind": lambda x: x.unbind(1)[3],
    "atleast_3d": lambda x: ember_or_torch(x).atleast_3d(x),
    "empty slice": lambda x: x[2:2],
    "slice past end": lambda x: x[10:],
    "reversed slice": lambda x: x[3:1],
    "0-d select": lambda x: x[1, 2],
    "0-d select of t": lambda x: x.t()[1, 2],
    "alias": lambda x: x[...],
    "view dtype": lambda x: x.view(ember_or_torch(x).int64),
}


def ember_or_torch(t):
    return ember if isinstance(t, ember.Tensor) else torch


@pytest.mark.parametrize("name", list(VIEWS))
def test_views_share_storage_strides_and_offset_with_torch(name):
    got, want = [], []
    for lib, out in ((ember, got), (torch, want)):
        x = _x(lib)
        v = VIEWS[name](x)
        assert v.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
        out += [tuple(v.shape), v.stride(), v.storage_offset(), v.is_contiguous(),
                _np(v).tolist()]
    assert got == want


# (views whose elements overlap in memory are left out: in-place results on them depend on the
# order elements are visited)
@pytest.mark.parametrize("name", [n for n in VIEWS if not n.startswith(("expand", "broad"))
                                  and n not in ("unfold", "unfold of t", "as_strided of slice")])
def test_writes_through_view_and_base_are_seen_by_both(name):
    got = []
    for lib in LIBS:
        x = _x(lib)
        v = VIEWS[name](x)
        x.add_(100)  # base -> view
        assert v._version == x._version == 1
        np.testing.assert_array_equal(_np(v), _np(VIEWS[name](_x(lib) + 100)))
        v.mul_(-1)  # view -> base
        assert v._version == x._version == 2
        got.append((_np(x).tolist(), _np(v).tolist()))
    assert got[0] == got[1]


def test_expanded_view_sees_base_writes():
    for lib in LIBS:
        x = _x(lib, (4, 1))
        v = x.expand(4, 3)
        x[2, 0] = -1.0
        assert _np(v)[2].tolist() == [-1.0] * 3
        assert v.stride() == (1, 0)


@pytest.mark.parametrize("op", [
    lambda x: x.t().reshape(-1), lambda x: x.flip(0), lambda x: x.repeat(1, 2),
    lambda x: x.roll(1), lambda x: x.rot90(), lambda x: x.tril(), lambda x: x[[0, 1]],
    lambda x: ember_or_torch(x).cat([x, x]), lambda x: ember_or_torch(x).stack([x]),
    lambda x: x.diag(), lambda x: x.t().flatten(), lambda x: x.repeat_interleave(2, 0),
    lambda x: x[x > 3], lambda x: x.tile((2,))])
def test_copies_do_not_share_memory(op):
    for lib in LIBS:
        x = _x(lib)
        y = op(x)
        before = _np(y).copy()
        x.add_(1)
        np.testing.assert_array_equal(_np(y), before)
        assert y._version == 0


def test_version_counter_is_shared_by_views_of_views():
    for lib in LIBS:
        x = _x(lib)
        a = x[1:]
        b = a.t()[0]
        b.add_(1)
        assert (x._version, a._version, b._version) == (1, 1, 1)
        x.zero_()
        assert (x._version, a._version, b._version) == (2, 2, 2)
        assert not _np(b).any()


# --- in-place through views: CopySlices, AsStridedBackward0, gradients ----------------------------

def _grads(lib, body, shape=(3, 4)):
    """Run body(lib, x, w) on a leaf x of `shape` and a leaf w of 4 elements; return names
    and the gradients of the returned scalar."""
    x = lib.from_numpy(np.arange(float(np.prod(shape))).reshape(shape) / 7 - 0.5)
    w = lib.from_numpy(np.linspace(-1.0, 2.0, 4))
    x.requires_grad_()
    w.requires_grad_()
    loss, info = body(lib, x, w)
    loss.backward()
    grads = [None if t.grad is None else _np(t.grad).round(12).tolist() for t in (x, w)]
    return info, grads


CASES = {
    "setitem row": lambda lib, x, w: _case_setitem(x, w),
    "mul_ on column view": lambda lib, x, w: _case_mul_column(x),
    "base changed after view": lambda lib, x, w: _case_stale_view(x),
    "sibling view": lambda lib, x, w: _case_sibling(x),
    "view of view": lambda lib, x, w: _case_view_of_view(x, w),
    "non-contiguous base": lambda lib, x, w: _case_fortran_base(x, w),
    "diagonal": lambda lib, x, w: _case_diagonal(x, w),
    "transposed view": lambda lib, x, w: _case_transposed(x, w),
    "base without grad": lambda lib, x, w: _case_plain_base(lib, w),
    "copy_ into view": lambda lib, x, w: _case_copy(x, w),
    "twice": lambda lib, x, w: _case_twice(x, w),
    "unfold window": lambda lib, x, w: _case_unfold(x, w),
    "expand then write": lambda lib, x, w: _case_row_loop(lib, x, w),
}


def _case_setitem(x, w):
    y = x.clone()
    y[0] = w * 2
    return (y * y).sum(), _names(y)


def _case_mul_column(x):
    y = x.clone()
    v = y[:, 1]
    v.mul_(3)
    return (y * y).sum() + v.sum(), (_names(y), _names(v), v._version)


def _case_stale_view(x):
    y = x.clone()
    v = y[:, 1]
    y.mul_(3)
    return (v * v).sum(), _names(v)


def _case_sibling(x):
    y = x.clone()
    a, b = y[0], y[0:2]
    a.mul_(2)
    return (b * b).sum(), (_names(a), _names(b))


def _case_view_of_view(x, w):
    y = x.clone()
    v = y[1:]
    v[0, 1:3] = w[:2] ** 2
    return (y * y).sum() + (v ** 3).sum(), (_names(y), _names(v))


def _case_fortran_base(x, w):
    y = x.t() * 1  # a base laid out column-major (in both libraries)
    y[1] = w[:3].exp()
    return (y * y).sum(), (_names(y), y.stride())


def _case_diagonal(x, w):
    y = x.clone()
    y.diagonal().mul_(w[:3])
    return (y ** 2).sum(), _names(y)


def _case_transposed(x, w):
    y = x.clone()
    y.t()[2].copy_(w[:3])
    return (y * x).sum(), _names(y)


def _case_plain_base(lib, w):
    z = lib.zeros(3, 4, dtype=lib.float64)
    z[1, 1:3] = w[:2] * 3
    row = z[1]
    return (z * z).sum() + row.sum(), (_names(z), _names(row), z.requires_grad)


def _case_copy(x, w):
    y = x * 1
    y[:, 0].copy_(w[:3])
    return (y ** 2).sum(), _names(y)


def _case_twice(x, w):
    y = x.clone()
    y[0].add_(w)
    y[1:, 2].mul_(w[:2])
    return (y ** 2).sum(), _names(y)


def _case_unfold(x, w):
    y = x.clone()
    y.unfold(1, 2, 2)[1, 1].mul_(w[:2])
    return (y ** 2).sum(), _names(y)


def _case_row_loop(lib, x, w):
    out = lib.zeros(3, 4, dtype=lib.float64)
    for i in range(3):
        out[i] = x[i] * w
    return (out ** 2).sum(), _names(out)


@pytest.mark.parametrize("name", list(CASES))
def test_inplace_through_views_matches_torch(name):
    assert _grads(ember, CASES[name]) == _grads(torch, CASES[name])


def test_double_backward_through_copy_slices():
    def run(lib):
        x = _x(lib, (3, 4), True)
        w = lib.from_numpy(np.array([0.5, -1.5])).requires_grad_()
        y = x.clone()
        y[1, 1:3] = w ** 2
        g, = lib.autograd.grad((y ** 2).sum(), w, create_graph=True)
        (g * g).sum().backward()
        return _np(g).tolist(), _np(w.grad).tolist()
    assert run(ember) == run(torch)


def test_inplace_on_view_of_leaf_raises():
    for lib in LIBS:
        x = _x(lib, (3, 4), True)
        with pytest.raises(RuntimeError, match="view of a leaf Variable"):
            x[0].mul_(2)
        with pytest.raises(RuntimeError, match="view of a leaf Variable"):
            x[:, 1] = 0.0
        with pytest.raises(RuntimeError, match="leaf Variable"):
            x.t_()
        assert x._version == 0 and _np(x)[0, 0] == 0.0
        with lib.no_grad():
            x[0].mul_(2)
            x[:, 1] = -1.0
        assert x.grad_fn is None and x._version == 2
        d = x.detach()
        d[2, 2] = 5.0
        assert _np(x)[2, 2] == 5.0


@pytest.mark.parametrize("split", [lambda y: y.split(2), lambda y: y.unbind(1),
                                   lambda y: y.chunk(2), lambda y: y.split([1, 2]),
                                   lambda y: (y.split(2)[1][0],)])
def test_inplace_on_multi_view_outputs_raises(split):
    for lib in LIBS:
        y = _x(lib, (3, 4), True).clone()
        with pytest.raises(RuntimeError, match="multiple views"):
            split(y)[0].mul_(2)
        split(y.detach())[0].mul_(2)  # fine outside autograd


@pytest.mark.parametrize("op,args", [("t_", ()), ("transpose_", (0, 2)), ("swapaxes_", (1, 2)),
                                     ("squeeze_", ()), ("squeeze_", (1,)),
                                     ("unsqueeze_", (0,))])
def test_inplace_view_ops(op, args):
    got = []
    for lib in LIBS:
        x = _x(lib, (2, 1, 3), True)
        y = x * 1
        if op == "t_":
            y = y[:, 0]
        ptr = y.untyped_storage().data_ptr()
        out = getattr(y, op)(*args)
        assert out is y and y.untyped_storage().data_ptr() == ptr
        (y * lib.arange(y.numel(), dtype=y.dtype).reshape(y.shape)).sum().backward()
        got.append((tuple(y.shape), y.stride(), y._version, _names(y), _np(x.grad).tolist()))
    assert got[0] == got[1]


def test_as_strided_gradient_of_non_contiguous_input():
    def run(lib):
        x = _x(lib, (3, 4), True)
        v = (x * 1).t().as_strided((2, 3), (1, 4), 1)
        (v * lib.arange(6, dtype=v.dtype).reshape(2, 3)).sum().backward()
        return _np(v).tolist(), _np(x.grad).tolist(), _names(v)
    assert run(ember) == run(torch)
