"""Embedding, EmbeddingBag and one_hot against torch with identical tables: lookups,
gradients (padding_idx, scale_grad_by_freq, per_sample_weights), max_norm renorming in
place, from_pretrained, reprs and state_dict keys."""
import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F

RTOL, ATOL = 1e-5, 1e-6


def _pair(mod_t, mod_e):
    mod_e.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy())
                           for k, v in mod_t.state_dict().items()})


def _check(tout, eout, tw, ew):
    np.testing.assert_allclose(eout.detach().numpy(), tout.detach().numpy(), rtol=RTOL,
                               atol=ATOL)
    g = np.random.default_rng(0).standard_normal(tuple(tout.shape)).astype(np.float32)
    (tout * torch.from_numpy(g)).sum().backward()
    (eout * ember.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(ew.grad.numpy(), tw.grad.numpy(), rtol=RTOL, atol=ATOL)
    assert type(eout.grad_fn).__name__ == type(tout.grad_fn).__name__


IDX = [[1, 3, 3, 0], [7, 3, 1, 1]]


@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 3}, {"padding_idx": -2},
                                    {"scale_grad_by_freq": True},
                                    {"padding_idx": 1, "scale_grad_by_freq": True}])
def test_embedding_module(kwargs):
    t, e = torch.nn.Embedding(8, 5, **kwargs), ember.nn.Embedding(8, 5, **kwargs)
    _pair(t, e)
    _check(t(torch.tensor(IDX)), e(ember.tensor(IDX)), t.weight, e.weight)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())


def test_embedding_default_init():
    ember.manual_seed(0)
    e = ember.nn.Embedding(300, 200, padding_idx=4)
    w = e.weight.detach().numpy()
    assert not w[4].any()
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01


def test_embedding_max_norm_renorms_in_place():
    w = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32) * 3
    for norm_type in (2.0, 1.0):
        t = torch.nn.Embedding.from_pretrained(torch.from_numpy(w.copy()), freeze=False,
                                               max_norm=1.5, norm_type=norm_type)
        e = ember.nn.Embedding.from_pretrained(ember.from_numpy(w.copy()), freeze=False,
                                               max_norm=1.5, norm_type=norm_type)
        _check(t(torch.tensor(IDX) % 6), e(ember.tensor(IDX) % 6), t.weight, e.weight)
        np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy(),
                                   rtol=RTOL, atol=ATOL)
        assert repr(e) == repr(t)


def test_from_pretrained():
    w = ember.randn(4, 3)
    e = ember.nn.Embedding.from_pretrained(w)
    assert not e.weight.requires_grad
    assert ember.equal(e(ember.tensor([2])), w[2:3])
    assert ember.nn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad
    with pytest.raises(AssertionError):
        ember.nn.Embedding.from_pretrained(ember.randn(4))
    with pytest.raises(AssertionError):
        ember.nn.Embedding(4, 3, padding_idx=4)


def test_embedding_errors_match_torch():
    for idx in ([0, 9], [-1]):
        with pytest.raises(IndexError):
            torch.nn.functional.embedding(torch.tensor(idx), torch.ones(5, 2))
        with pytest.raises(IndexError):
            F.embedding(ember.tensor(idx), ember.ones(5, 2))
    with pytest.raises(RuntimeError) as want:
        torch.nn.functional.embedding(torch.tensor([0.0]), torch.ones(5, 2))
    with pytest.raises(RuntimeError) as got:
        F.embedding(ember.tensor([0.0]), ember.ones(5, 2))
    assert str(got.value) == str(want.value)


def test_embedding_gradgrad():
    w = ember.randn(5, 3, dtype=ember.float64, requires_grad=True)
    idx = ember.tensor([[0, 4], [4, 2]])
    assert ember.autograd.gradcheck(lambda w: F.embedding(idx, w), (w,))
    assert ember.autograd.gradgradcheck(lambda w: F.embedding(idx, w) ** 2, (w,))


BAG_IDX = [1, 3, 3, 0, 7, 3, 1, 1, 5]
OFFSETS = [0, 3, 3, 6]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("kwargs", [{}, {"padding_idx": 3}, {"include_last_offset": True},
                                    {"max_norm": 1.0}])
def test_embedding_bag_module(mode, kwargs):
    t = torch.nn.EmbeddingBag(8, 4, mode=mode, **kwargs)
    e = ember.nn.EmbeddingBag(8, 4, mode=mode, **kwargs)
    _pair(t, e)
    offsets = OFFSETS + [len(BAG_IDX)] if kwargs.get("include_last_offset") else OFFSETS
    _check(t(torch.tensor(BAG_IDX), torch.tensor(offsets)),
           e(ember.tensor(BAG_IDX), ember.tensor(offsets)), t.weight, e.weight)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_2d_input(mode):
    t, e = torch.nn.EmbeddingBag(8, 4, mode=mode), ember.nn.EmbeddingBag(8, 4, mode=mode)
    _pair(t, e)
    _check(t(torch.tensor(IDX)), e(ember.tensor(IDX)), t.weight, e.weight)


def test_embedding_bag_per_sample_weights():
    t, e = torch.nn.EmbeddingBag(8, 4, mode="sum"), ember.nn.EmbeddingBag(8, 4, mode="sum")
    _pair(t, e)
    psw = np.linspace(-1, 2, len(BAG_IDX)).astype(np.float32)
    tp = torch.from_numpy(psw.copy()).requires_grad_()
    ep = ember.from_numpy(psw.copy()).requires_grad_()
    _check(t(torch.tensor(BAG_IDX), torch.tensor(OFFSETS), tp),
           e(ember.tensor(BAG_IDX), ember.tensor(OFFSETS), ep), t.weight, e.weight)
    np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=RTOL, atol=ATOL)


def test_embedding_bag_gradcheck():
    w = ember.randn(5, 2, dtype=ember.float64, requires_grad=True)
    p = ember.randn(4, dtype=ember.float64, requires_grad=True)
    idx, off = ember.tensor([0, 4, 4, 2]), ember.tensor([0, 1, 1])
    for mode in ("sum", "mean"):
        assert ember.autograd.gradgradcheck(
            lambda w: F.embedding_bag(idx, w, off, mode=mode), (w,))
    assert ember.autograd.gradgradcheck(
        lambda w, p: F.embedding_bag(idx, w, off, mode="sum", per_sample_weights=p), (w, p))
    assert ember.autograd.gradcheck(lambda w: F.embedding_bag(idx, w, off, mode="max"), (w,))


def test_embedding_bag_errors_match_torch():
    cases = [((torch.tensor(IDX), torch.ones(8, 2), torch.tensor([0])), {}),
             ((torch.tensor(BAG_IDX), torch.ones(8, 2)), {}),
             ((torch.tensor([[[0]]]), torch.ones(8, 2)), {}),
             ((torch.tensor(IDX), torch.ones(8, 2)), {"mode": "median"}),
             ((torch.tensor(IDX), torch.ones(8)), {}),
             ((torch.tensor(IDX), torch.ones(8, 2)),
              {"mode": "mean", "per_sample_weights": torch.ones(2, 4)})]
    for args, kwargs in cases:
        with pytest.raises(Exception) as want:
            torch.nn.functional.embedding_bag(*args, **kwargs)
        eargs = [ember.from_numpy(a.numpy().copy()) for a in args]
        ekw = {k: ember.from_numpy(v.numpy().copy()) if isinstance(v, torch.Tensor) else v
               for k, v in kwargs.items()}
        with pytest.raises(want.type) as got:
            F.embedding_bag(*eargs, **ekw)
        assert str(got.value) == str(want.value).replace("torch.", "ember.")


@pytest.mark.parametrize("values,n", [([0, 2, 1], -1), ([[1, 0], [3, 3]], 5), ([], 3)])
def test_one_hot(values, n):
    want = torch.nn.functional.one_hot(torch.tensor(values, dtype=torch.long), n)
    got = F.one_hot(ember.tensor(values, dtype=ember.long), n)
    assert got.dtype is ember.int64
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_one_hot_errors_match_torch():
    for values, n, dtype in [([0, 3], 2, "long"), ([-1], 3, "long"), ([], -1, "long"),
                             ([1], 3, "int32")]:
        with pytest.raises(RuntimeError) as want:
            torch.nn.functional.one_hot(torch.tensor(values, dtype=getattr(torch, dtype)), n)
        with pytest.raises(RuntimeError) as got:
            F.one_hot(ember.tensor(values, dtype=getattr(ember, dtype)), n)
        assert str(got.value) == str(want.value)
