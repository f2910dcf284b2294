"""CosineSimilarity, PairwiseDistance and pdist against torch: values, gradients (also at
zero vectors and zero distances), gradcheck, reprs."""
import math

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F

RTOL, ATOL = 1e-5, 1e-6


def both(fn_t, fn_e, *arrays):
    tin = [torch.from_numpy(a.copy()).requires_grad_() for a in arrays]
    ein = [ember.from_numpy(a.copy()).requires_grad_() for a in arrays]
    tout, eout = fn_t(*tin), fn_e(*ein)
    np.testing.assert_allclose(eout.detach().numpy(), tout.detach().numpy(), rtol=RTOL,
                               atol=ATOL)
    w = np.random.default_rng(0).standard_normal(tuple(tout.shape)).astype(arrays[0].dtype)
    tg = torch.autograd.grad((tout * torch.from_numpy(w)).sum(), tin)
    eg = ember.autograd.grad((eout * ember.from_numpy(w)).sum(), ein)
    for t, e in zip(tg, eg):
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-4, atol=1e-5)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("shapes,kwargs", [(((3, 4), (3, 4)), {}),
                                           (((2, 3, 4), (3, 4)), {"dim": -1}),
                                           (((4, 2), (4, 2)), {"dim": 0, "eps": 1e-3})])
def test_cosine_similarity(shapes, kwargs):
    a, b = rand(*shapes[0]), rand(*shapes[1], seed=1)
    both(lambda x, y: torch.nn.CosineSimilarity(**kwargs)(x, y),
         lambda x, y: ember.nn.CosineSimilarity(**kwargs)(x, y), a, b)
    b[0] = 0  # a zero vector: the clamped norm
    both(lambda x, y: torch.nn.functional.cosine_similarity(x, y, **kwargs),
         lambda x, y: F.cosine_similarity(x, y, **kwargs), a, b)


@pytest.mark.parametrize("kwargs", [{}, {"p": 1.0}, {"p": 3.0, "keepdim": True},
                                    {"p": math.inf}, {"eps": 0.0, "p": 0.5}])
def test_pairwise_distance(kwargs):
    a, b = rand(3, 5), rand(3, 5, seed=1)
    both(lambda x, y: torch.nn.PairwiseDistance(**kwargs)(x, y),
         lambda x, y: ember.nn.PairwiseDistance(**kwargs)(x, y), a, b)
    both(lambda x, y: torch.nn.functional.pairwise_distance(x, y, **kwargs),
         lambda x, y: F.pairwise_distance(x, y, **kwargs), rand(5), rand(5, seed=2))


@pytest.mark.parametrize("p", [2.0, 1.0, 0.0, 0.5, 3.0, math.inf])
def test_pdist(p):
    a = rand(5, 3)
    a[3] = a[1]  # a zero distance
    both(lambda x: torch.nn.functional.pdist(x, p), lambda x: F.pdist(x, p), a)


def test_gradcheck():
    ember.manual_seed(0)
    x, y = (ember.randn(3, 4, dtype=ember.float64, requires_grad=True) for _ in range(2))
    for f, args in [(F.cosine_similarity, (x, y)), (F.pairwise_distance, (x, y)),
                    (lambda v: F.pdist(v, 2.5), (x,)), (F.pdist, (x,))]:
        assert ember.autograd.gradcheck(f, args)
        assert ember.autograd.gradgradcheck(f, args)


def test_reprs():
    assert repr(ember.nn.CosineSimilarity(0)) == repr(torch.nn.CosineSimilarity(0))
    assert repr(ember.nn.PairwiseDistance(1.0)) == repr(torch.nn.PairwiseDistance(1.0))


def test_pdist_errors_match_torch():
    for args in [(np.ones(3, np.float32),), (np.ones((2, 2), np.float32), -1.0)]:
        with pytest.raises(RuntimeError) as want:
            torch.nn.functional.pdist(torch.from_numpy(args[0]), *args[1:])
        with pytest.raises(RuntimeError) as got:
            F.pdist(ember.from_numpy(args[0]), *args[1:])
        assert str(got.value) == str(want.value)
