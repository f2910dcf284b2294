"""Sorting and searching against torch 2.13, beyond the op table: stability and NaN
placement, topk/kthvalue among ties (where torch's own order is an implementation detail),
gradients at ties and NaN, printed named tuples, and searchsorted's batched path."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import ember
import test_ops
from opinfo import ops_sorting


def _np(t):
    return np.asarray(t.detach().numpy())


@pytest.mark.parametrize("info", [i for i in ops_sorting.OPS if i.name == "sort.special"],
                         ids=lambda i: i.name)
def test_tie_and_nan_gradients_match_torch(info):
    test_ops.test_grad_matches_torch(info, "float64")


@pytest.mark.parametrize("descending", [False, True])
def test_sort_is_stable_with_nan_last_ascending_first_descending(descending):
    x = [3.0, 1.0, np.nan, 2.0, 1.0, -np.inf, np.nan, np.inf, 3.0]
    e, t = (lib.tensor(x).sort(descending=descending) for lib in (ember, torch))
    np.testing.assert_array_equal(_np(e.values), _np(t.values))
    np.testing.assert_array_equal(_np(e.indices), _np(t.indices))
    np.testing.assert_array_equal(_np(ember.tensor(x).argsort(descending=descending)),
                                  _np(e.indices))


@pytest.mark.parametrize("op", ["topk", "kthvalue"])
@pytest.mark.parametrize("largest", [True, False])
def test_selection_among_ties(op, largest):
    """Values equal torch's; each index points at its value; the gradient reaches exactly
    the picked positions (torch may pick other, equal, elements)."""
    x = np.array([[1.0, 3.0, 3.0, 2.0, 3.0, 1.0], [0.0, 0.0, 0.0, 0.0, 5.0, 5.0]])
    for k in (1, 2, 3, 5):
        results = []
        for lib in (ember, torch):
            t = lib.tensor(x, requires_grad=True)
            r = t.topk(k, largest=largest) if op == "topk" else t.kthvalue(k, 1, True)
            r.values.sum().backward()
            np.testing.assert_array_equal(_np(t.gather(1, r.indices)), _np(r.values))
            picked = np.zeros_like(x)
            np.put_along_axis(picked, _np(r.indices), 1.0, axis=1)
            np.testing.assert_array_equal(_np(t.grad), picked)
            results.append(_np(r.values))
        np.testing.assert_array_equal(*results)


@pytest.mark.parametrize("make", [
    lambda lib, x: x.sort(1),
    lambda lib, x: lib.sort(x, 0, descending=True),
    lambda lib, x: x.topk(2),
    lambda lib, x: x.kthvalue(3, 0, keepdim=True),
], ids=["sort", "sort desc", "topk", "kthvalue"])
def test_named_tuple_printing(make):
    x = np.array([[0.5, -1.0, 2.0], [3.0, 0.25, -2.0], [1.0, 7.0, 0.0]], np.float32)
    e, t = (make(lib, lib.tensor(x, requires_grad=True)) for lib in (ember, torch))
    assert type(e).__name__ == type(t).__name__
    assert repr(e) == repr(t).replace("torch", "ember")


def test_stable_keyword_selects_torch_node():
    for lib in (ember, torch):
        x = lib.randn(3, 4, requires_grad=True)
        assert type(x.sort().values.grad_fn).__name__ == "SortBackward0"
        assert type(x.sort(stable=True).values.grad_fn).__name__ == "SortBackward1"
        assert type(lib.msort(x).grad_fn).__name__ == "SortBackward0"
        with pytest.raises(TypeError):
            x.sort(0, True, True)


def test_searching_is_not_a_tensor_method():
    x = ember.tensor([1.0, 2.0])
    for name in ("searchsorted", "bucketize", "isin"):
        assert hasattr(torch.Tensor, name) == hasattr(ember.Tensor, name) is False
        assert hasattr(ember, name)
    assert not hasattr(x, "searchsorted")


def test_scalar_arguments():
    seq = [1, 3, 5, 7]
    for fn in (lambda lib: lib.searchsorted(lib.tensor(seq), 5),
               lambda lib: lib.searchsorted(lib.tensor(seq), 5, right=True),
               lambda lib: lib.bucketize(6, lib.tensor(seq)),
               lambda lib: lib.isin(lib.tensor(seq), 3),
               lambda lib: lib.isin(3, lib.tensor(seq))):
        e, t = fn(ember), fn(torch)
        assert tuple(e.shape) == tuple(t.shape) and str(e.dtype)[6:] == str(t.dtype)[6:]
        np.testing.assert_array_equal(_np(e), _np(t))


@st.composite
def batched(draw):
    lead = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    n, m = draw(st.integers(0, 6)), draw(st.integers(0, 6))
    return lead, n, m, draw(st.booleans()), draw(st.integers(0, 2 ** 32 - 1))


@settings(max_examples=40, deadline=None)
@given(case=batched())
def test_batched_searchsorted_matches_torch(case):
    lead, n, m, right, seed = case
    rng = np.random.default_rng(seed)
    seq = np.sort(rng.integers(-4, 5, lead + (n,)), axis=-1)  # small ints: many ties
    vals = rng.integers(-5, 6, lead + (m,))
    e, t = (lib.searchsorted(lib.tensor(seq), lib.tensor(vals), right=right)
            for lib in (ember, torch))
    np.testing.assert_array_equal(_np(e), _np(t))
    fs, fv = seq.astype(np.float32), vals.astype(np.float32) + 0.5
    e, t = (lib.searchsorted(lib.tensor(fs), lib.tensor(fv), side="right" if right else "left")
            for lib in (ember, torch))
    np.testing.assert_array_equal(_np(e), _np(t))
