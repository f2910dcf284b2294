"""torch.special's Bessel, Airy, polynomial and incomplete-gamma functions
(src/ember/_ops/special_functions.py) beyond the op table: float64 accuracy against mpmath,
no graph recorded (as torch), gammainc's derivatives and the namespace's completeness."""
import mpmath
import numpy as np
import pytest
import torch

import ember

MP = {
    "bessel_y0": lambda x: mpmath.bessely(0, x),
    "bessel_y1": lambda x: mpmath.bessely(1, x),
    "modified_bessel_k0": lambda x: mpmath.besselk(0, x),
    "modified_bessel_k1": lambda x: mpmath.besselk(1, x),
    "scaled_modified_bessel_k0": lambda x: mpmath.besselk(0, x) * mpmath.exp(x),
    "scaled_modified_bessel_k1": lambda x: mpmath.besselk(1, x) * mpmath.exp(x),
    "modified_bessel_i0": lambda x: mpmath.besseli(0, x),
    "modified_bessel_i1": lambda x: mpmath.besseli(1, x),
    "spherical_bessel_j0": lambda x: mpmath.sin(x) / x,
    "airy_ai": mpmath.airyai,
}
POSITIVE = np.concatenate([np.geomspace(1e-6, 1.0, 12), np.linspace(1.1, 40.0, 40),
                           [1.999, 2.0, 2.001, 24.999, 25.0, 25.001, 300.0]])


@pytest.mark.parametrize("name", sorted(MP))
def test_float64_accuracy_against_mpmath(name):
    x = POSITIVE
    if name == "airy_ai":
        x = np.concatenate([-x[x < 60], x[x < 20]])
    elif name.startswith("modified_bessel_i") or name == "spherical_bessel_j0":
        x = np.concatenate([-x[x < 100], x[x < 100]])
    got = getattr(ember.special, name)(ember.tensor(x)).numpy()
    want = np.array([float(MP[name](mpmath.mpf(float(v)))) for v in x])
    # near the zeros of Y0, Y1 and Ai the error is relative to the function's scale
    scale = np.maximum(np.abs(want), 1e-3 if name.startswith(("bessel", "airy")) else 0)
    np.testing.assert_array_less(np.abs(got - want), 1e-12 * scale + 1e-300)


def test_polynomials_against_closed_forms():
    x = np.linspace(-0.99, 0.99, 41)
    t = np.arccos(x)
    for n in range(0, 20):
        T = ember.special.chebyshev_polynomial_t(ember.tensor(x), n).numpy()
        U = ember.special.chebyshev_polynomial_u(ember.tensor(x), n).numpy()
        np.testing.assert_allclose(T, np.cos(n * t), atol=1e-12)
        np.testing.assert_allclose(U, np.sin((n + 1) * t) / np.sin(t), atol=1e-11)
        P = ember.special.legendre_polynomial_p(ember.tensor(x), n).numpy()
        want = [float(mpmath.legendre(n, v)) for v in x]
        np.testing.assert_allclose(P, want, atol=1e-12)


NO_GRAD = ["airy_ai", "bessel_j0", "bessel_y0", "bessel_y1", "modified_bessel_i0",
           "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1",
           "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "spherical_bessel_j0"]
POLYS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
         "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
         "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
         "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
         "laguerre_polynomial_l", "legendre_polynomial_p"]


@pytest.mark.parametrize("name", NO_GRAD + POLYS)
def test_no_graph_recorded(name):
    for lib in (torch, ember):
        x = lib.tensor([0.3, 0.7], dtype=lib.float64, requires_grad=True)
        args = (x, 3) if name in POLYS else (x,)
        y = getattr(lib.special, name)(*args)
        assert not y.requires_grad and y.grad_fn is None
        with pytest.raises(RuntimeError, match="does not require grad"):
            y.sum().backward()


@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_gammainc_derivatives(name):
    results = []
    for lib in (torch, ember):
        a = lib.tensor([0.7, 2.5, 4.0], dtype=lib.float64)
        x = lib.tensor([0.3, 2.0, 5.5], dtype=lib.float64, requires_grad=True)
        y = getattr(lib.special, name)(a, x)
        (g,) = lib.autograd.grad(y.sum(), x)
        a.requires_grad_()
        with pytest.raises(NotImplementedError) as err:
            lib.autograd.grad(getattr(lib.special, name)(a, x).sum(), a)
        results.append((y.detach().numpy(), g.numpy(), type(y.grad_fn).__name__,
                        str(err.value)))
    (ty, tg, tn, tm), (ey, eg, en, em) = results
    np.testing.assert_allclose(ey, ty, rtol=1e-12)
    np.testing.assert_allclose(eg, tg, rtol=1e-12)
    assert en == tn and em == tm


def test_namespace_complete():
    want = {n for n in dir(torch.special) if not n.startswith("_")}
    have = {n for n in dir(ember.special) if not n.startswith("_")}
    assert sorted(want - have) == ["Tensor", "common_args", "multi_dim_common", "torch"]
    assert set(ember.special.__all__) >= set(NO_GRAD + POLYS + ["gammainc", "gammaincc"])


def test_out_and_scalar_arguments():
    out = ember.empty(3)
    r = ember.special.bessel_y0(ember.tensor([1.0, 2.0, 3.0]), out=out)
    assert r is out
    want = torch.special.bessel_y0(torch.tensor([1.0, 2.0, 3.0])).numpy()
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)
    t = torch.special.hermite_polynomial_h(2.0, torch.tensor([2, 3]))
    e = ember.special.hermite_polynomial_h(2.0, ember.tensor([2, 3]))
    assert e.dtype == ember.float32 and e.tolist() == t.tolist()
    with pytest.raises(NotImplementedError, match="not implemented for 'Half'"):
        ember.special.bessel_y0(ember.ones(2, dtype=ember.float16))
