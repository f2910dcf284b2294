"""Reductions, scans and softmax against torch 2.13, beyond the op table: gradients at ties,
NaN and infinities (the table's `.special` records), the printed named tuples, `out=`,
in-place scans, warnings, and a hypothesis sweep over random shapes and dims."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import ember
import test_ops
from opinfo import ops_reduction

SPECIAL = [info for info in ops_reduction.OPS if info.name.endswith(".special")]


@pytest.mark.parametrize("info", SPECIAL, ids=lambda i: i.name)
def test_special_gradients_match_torch(info):
    """Gradients where the op has no derivative in the strict sense (ties, NaN, +-inf,
    zero rows of a norm, degrees of freedom <= 0) follow torch's choices."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        test_ops.test_grad_matches_torch(info, "float64")


@pytest.mark.parametrize("name", ["prod.zeros", "cumprod.zeros", "mode"])
def test_other_gradients_match_torch(name):
    info = next(i for i in ops_reduction.OPS if i.name == name)
    test_ops.test_grad_matches_torch(info, "float64")


@pytest.mark.parametrize("name", ["prod.zeros", "cumprod.zeros"])
def test_second_derivatives_at_zeros(name):
    """The op table gradgradchecks only the first samples; check every zero pattern."""
    info = next(i for i in ops_reduction.OPS if i.name == name)
    for sample in info.samples(np.random.default_rng(0), "float64"):
        f, leaves = test_ops._checker(info, sample)
        assert ember.autograd.gradgradcheck(f, tuple(leaves), eps=1e-6, atol=1e-4, rtol=1e-3)


def _np(t):
    return np.asarray(t.detach().float().numpy() if "bfloat16" in str(t.dtype)
                      else t.detach().numpy())


def both(fn):
    return fn(ember), fn(torch)


def test_ties_share_the_gradient_evenly():
    for lib in (ember, torch):
        x = lib.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
        x.amax(1).sum().backward()
        assert x.grad.tolist() == [[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]]
        x.grad = None
        x.max().backward()
        assert x.grad.tolist() == [[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]]
        x.grad = None
        x.max(1).values.sum().backward()  # over a dim: only the index max() reports
        assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


NAMED = {
    "max": lambda lib, x: x.max(1),
    "min": lambda lib, x: lib.min(x, 0, keepdim=True),
    "median": lambda lib, x: x.median(1),
    "nanmedian": lambda lib, x: x.nanmedian(0),
    "mode": lambda lib, x: x.round().mode(1),
    "kthvalue": lambda lib, x: x.kthvalue(2, 1),
    "cummax": lambda lib, x: x.cummax(1),
    "cummin": lambda lib, x: x.cummin(0),
    "aminmax": lambda lib, x: lib.aminmax(x, dim=1),
    "aminmax_full": lambda lib, x: lib.aminmax(x),
    "max_0d": lambda lib, x: x[0, 0].max(0),
}


@pytest.mark.parametrize("name", list(NAMED))
@pytest.mark.parametrize("grad", [False, True], ids=["plain", "grad"])
def test_named_tuples_match_torch(name, grad):
    """Both fields compare equal, and the printed form is torch's with `ember` for `torch`."""
    data = np.array([[0.5, -1.25, 2.0, 0.5], [3.0, 0.25, -2.0, 1.5], [1.0, 1.0, 0.0, -0.5]],
                    np.float32)
    e, t = (NAMED[name](lib, lib.tensor(data, requires_grad=grad)) for lib in (ember, torch))
    assert type(e).__name__ == type(t).__name__
    assert type(e).__module__ == "ember.return_types"
    assert getattr(ember.return_types, type(e).__name__) is type(e)
    assert isinstance(e, tuple) and len(e) == len(t) == 2
    for ef, tf in zip(e, t):
        np.testing.assert_array_equal(_np(ef), _np(tf))
        assert str(ef.dtype).split(".")[1] == str(tf.dtype).split(".")[1]
    first = "min" if name.startswith("aminmax") else "values"
    np.testing.assert_array_equal(_np(getattr(e, first)), _np(getattr(t, first)))
    assert repr(e) == repr(t).replace("torch", "ember")
    assert str(e) == str(t).replace("torch", "ember")


def test_torch_namespaces():
    """softmin lives in nn.functional only; var_mean and std_mean are not Tensor methods."""
    x = ember.ones(2)
    for name in ("softmin", "var_mean", "std_mean", "nanquantile", "cumprod_", "dist"):
        assert hasattr(torch.Tensor, name) == hasattr(ember.Tensor, name), name
        assert hasattr(torch, name) == hasattr(ember, name), name
    assert callable(x.dist)


def test_var_mean_and_std_mean_return_plain_tuples():
    x = np.arange(12.0).reshape(3, 4)
    for fn in (lambda lib: lib.var_mean(lib.tensor(x), 1),
               lambda lib: lib.std_mean(lib.tensor(x), dim=0, keepdim=True)):
        e, t = both(fn)
        assert type(e) is tuple and type(t) is tuple
        for a, b in zip(e, t):
            np.testing.assert_allclose(_np(a), _np(b))
    assert not hasattr(ember.tensor(x), "var_mean")


def test_out_arguments():
    x = np.arange(12.0, dtype=np.float32).reshape(3, 4) - 5
    for fn in (lambda lib, t: lib.sum(t, 1, out=lib.empty(0)),
               lambda lib, t: lib.mean(t, (0, 1), out=lib.empty(0)),
               lambda lib, t: lib.cumsum(t, 0, out=lib.empty(3, 4)),
               lambda lib, t: lib.prod(t, 1, out=lib.empty(3)),
               lambda lib, t: lib.max(t, 1, out=(lib.empty(3), lib.empty(3, dtype=lib.int64)))):
        e, t = (fn(lib, lib.tensor(x)) for lib in (ember, torch))
        for a, b in zip(test_ops.tensors_in(e), test_ops.tensors_in(t)):
            np.testing.assert_allclose(_np(a), _np(b))
    out = ember.empty(3)
    assert ember.sum(ember.tensor(x), 1, out=out) is out


def test_out_pair_writes_into_the_given_tensors():
    values, indices = ember.empty(3), ember.empty(3, dtype=ember.int64)
    r = ember.max(ember.tensor([[1.0, 5.0], [7.0, 2.0], [0.0, 0.0]]), 1, out=(values, indices))
    assert r.values is values and r.indices is indices
    assert values.tolist() == [5.0, 7.0, 0.0] and indices.tolist() == [1, 0, 0]


@pytest.mark.parametrize("op", ["cumsum_", "cumprod_"])
def test_inplace_scans(op):
    x = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, 2.0]])
    e, t = (getattr(lib.tensor(x), op)(1) for lib in (ember, torch))
    np.testing.assert_allclose(_np(e), _np(t))
    for lib in (ember, torch):
        leaf = lib.tensor(x, requires_grad=True)
        with pytest.raises(RuntimeError):
            getattr(leaf, op)(0)
        y = leaf * 2
        getattr(y, op)(0).sum().backward()
    np.testing.assert_allclose(_np(ember.tensor(x)), x)


def test_sum_dtype_downcast_and_grad_dtype():
    x = np.linspace(-1, 1, 12).reshape(3, 4)
    for lib in (ember, torch):
        t = lib.tensor(x, requires_grad=True)
        r = t.sum(1, dtype=lib.float32)
        assert r.dtype == lib.float32 and type(r.grad_fn).__name__ == "SumBackward1"
        r.sum().backward()
        assert t.grad.dtype == lib.float64


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_sums_accumulate_in_float32(dtype):
    x = np.full(4096, 0.1, np.float32)
    e, t = (getattr(lib.tensor(x), "to")(getattr(lib, dtype)).sum() for lib in (ember, torch))
    assert e.dtype == getattr(ember, dtype)
    assert float(e) == float(t)


def test_warnings_like_torch():
    with pytest.warns(UserWarning, match="degrees of freedom"):
        ember.tensor([1.0]).var()
    with pytest.warns(UserWarning, match="Implicit dimension"):
        ember.softmax(ember.ones(2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.tensor([1.0, 2.0]).var()
        ember.tensor([[-np.inf, -np.inf], [0.0, 1.0]]).logsumexp(1)
        ember.tensor([[-np.inf, -np.inf], [0.0, 1.0]]).softmax(1)
        ember.zeros(0, 3).mean(0)
        x = ember.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
        x.logcumsumexp(1)[:, 1].sum().backward()  # zero gradients reach logcumsumexp


def test_torch_composes_nanmean_and_quantile_like_this():
    x = np.array([[1.0, np.nan, 3.0], [2.0, 5.0, np.nan]])
    for lib in (ember, torch):
        t = lib.tensor(x, requires_grad=True)
        fn = t.nanmean(1).grad_fn
        assert type(fn).__name__ == "DivBackward0"
        assert type(fn.next_functions[0][0]).__name__ == "NansumBackward0"
    e, t = (lib.tensor(x, requires_grad=True) for lib in (ember, torch))
    assert test_ops._graph_names(ember.diff(e)) == test_ops._graph_names(torch.diff(t))


# --- hypothesis sweep ----------------------------------------------------------------------

@st.composite
def reductions(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=4)))
    nd = len(shape)
    dims = None
    if nd and draw(st.booleans()):
        dims = tuple(draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd,
                                   unique_by=lambda d: d % nd)))
    return shape, dims, draw(st.booleans()), draw(st.integers(0, 2 ** 32 - 1))


def _sweep_op(name, lib, t, dims, keepdim):
    nd = t.dim()
    if name == "sum":
        return t.sum() if dims is None else t.sum(dims, keepdim)
    if name == "mean":
        return t.mean() if dims is None else lib.mean(t, dims, keepdim=keepdim)
    if name == "amax":
        return t.amax(dims if dims is not None else (), keepdim)
    if name == "std":
        return t.std(dims, keepdim=keepdim)
    if name == "logsumexp":
        return t.logsumexp(dims if dims is not None else (list(range(nd)) or 0), keepdim)
    if name == "softmax":
        return t.softmax(dims[0] if dims else 0)
    if name == "log_softmax":
        return lib.log_softmax(t, dims[-1] if dims else -1)
    raise AssertionError(name)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "std", "logsumexp", "softmax",
                                  "log_softmax"])
@settings(max_examples=25, deadline=None)
@given(case=reductions())
def test_random_shapes_and_dims_match_torch(name, case):
    shape, dims, keepdim, seed = case
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, shape)
    w = None
    grads = []
    for lib in (ember, torch):
        t = lib.tensor(x, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = _sweep_op(name, lib, t, dims, keepdim)
        if w is None:
            w = rng.standard_normal(tuple(out.shape))
            want_shape = tuple(out.shape)
        assert tuple(out.shape) == want_shape
        (out * lib.tensor(w)).sum().backward()
        grads.append((_np(out), _np(t.grad)))
    (ev, eg), (tv, tg) = grads
    np.testing.assert_allclose(ev, tv, rtol=1e-10, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(eg, tg, rtol=1e-9, atol=1e-12, equal_nan=True)
