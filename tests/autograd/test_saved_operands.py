"""Which operands an autograd node saves, against torch 2.13.

torch saves an input for backward only when the gradient of some input that needs one reads it
(derivatives.yaml: ``mul``'s ``other`` is kept only if ``self`` requires grad). An operand that
is not saved may be modified in place after the op without breaking backward; one that is saved
raises the "modified by an inplace operation" error. Each case builds the op with some inputs
requiring grad (as non-leaves, so that they too can be modified), changes one input in place,
runs backward, and checks that ember succeeds or refuses exactly where torch does, with torch's
gradients when it succeeds.

Not covered: einsum of three or more operands (torch contracts them pairwise, so an operand
can be left unsaved where ember's single node keeps it) and F.bilinear (ember composes it from
a reshaped copy of the weight, torch's one node saves all three inputs).
"""
import numpy as np
import pytest
import torch

import ember


def _lib(t):
    return torch if isinstance(t, torch.Tensor) else ember


# name: (function of the inputs, input shapes)
OPS = {
    "mul": (lambda a, b: a * b, [(3,), (3,)]),
    "mul_broadcast": (lambda a, b: a * b, [(2, 3), (3,)]),
    "div": (lambda a, b: a / b, [(3,), (3,)]),
    "div_mode_none": (lambda a, b: a.div(b, rounding_mode=None), [(3,), (3,)]),
    "div_floor": (lambda a, b: a.div(b, rounding_mode="floor"), [(3,), (3,)]),
    "addcmul": (lambda s, a, b: s.addcmul(a, b, value=0.5), [(3,), (3,), (3,)]),
    "addcdiv": (lambda s, a, b: s.addcdiv(a, b, value=0.5), [(3,), (3,), (3,)]),
    "pow": (lambda a, b: a.pow(b), [(3,), (3,)]),
    "atan2": (lambda a, b: a.atan2(b), [(3,), (3,)]),
    "hypot": (lambda a, b: a.hypot(b), [(3,), (3,)]),
    "maximum": (lambda a, b: a.maximum(b), [(3,), (3,)]),
    "minimum": (lambda a, b: a.minimum(b), [(3,), (3,)]),
    "fmax": (lambda a, b: a.fmax(b), [(3,), (3,)]),
    "fmin": (lambda a, b: a.fmin(b), [(3,), (3,)]),
    "remainder": (lambda a, b: a.remainder(b), [(3,), (3,)]),
    "fmod": (lambda a, b: a.fmod(b), [(3,), (3,)]),
    "xlogy": (lambda a, b: a.xlogy(b), [(3,), (3,)]),
    "copysign": (lambda a, b: a.copysign(b), [(3,), (3,)]),
    "logaddexp": (lambda a, b: a.logaddexp(b), [(3,), (3,)]),
    "ldexp": (lambda a, b: a.ldexp(b), [(3,), (3,)]),
    "lerp": (lambda s, e, w: s.lerp(e, w), [(3,), (3,), (3,)]),
    "where": (lambda c, a, b: _lib(a).where(c > 1, a, b), [(3,), (3,), (3,)]),
    "mm": (lambda a, b: a.mm(b), [(2, 3), (3, 2)]),
    "matmul": (lambda a, b: a @ b, [(2, 3), (3, 2)]),
    "matmul_batched": (lambda a, b: a @ b, [(2, 2, 3), (3, 2)]),
    "bmm": (lambda a, b: a.bmm(b), [(2, 2, 3), (2, 3, 2)]),
    "mv": (lambda a, b: a.mv(b), [(2, 3), (3,)]),
    "dot": (lambda a, b: a.dot(b), [(3,), (3,)]),
    "vdot": (lambda a, b: a.vdot(b), [(3,), (3,)]),
    "outer": (lambda a, b: a.outer(b), [(3,), (2,)]),
    "cross": (lambda a, b: a.cross(b, dim=0), [(3,), (3,)]),
    "addmm": (lambda s, a, b: s.addmm(a, b), [(2, 2), (2, 3), (3, 2)]),
    "addmv": (lambda s, a, b: s.addmv(a, b), [(2,), (2, 3), (3,)]),
    "addr": (lambda s, a, b: s.addr(a, b), [(2, 3), (2,), (3,)]),
    "baddbmm": (lambda s, a, b: s.baddbmm(a, b), [(2, 2, 2), (2, 2, 3), (2, 3, 2)]),
    "addbmm": (lambda s, a, b: s.addbmm(a, b), [(2, 2), (2, 2, 3), (2, 3, 2)]),
    "linear": (lambda x, w, b: _lib(x).nn.functional.linear(x, w, b), [(2, 3), (4, 3), (4,)]),
    "linear_3d": (lambda x, w, b: _lib(x).nn.functional.linear(x, w, b),
                  [(2, 2, 3), (4, 3), (4,)]),
    "linear_nobias": (lambda x, w: _lib(x).nn.functional.linear(x, w), [(2, 3), (4, 3)]),
    "mul_scalar": (lambda a, b: (a * 2.0) * b.sum(), [(3,), (3,)]),
    "rdiv_scalar": (lambda a, b: 2.0 / a + b, [(3,), (3,)]),
    "einsum": (lambda a, b: _lib(a).einsum("ij,jk->ik", a, b), [(2, 3), (3, 2)]),
    "tensordot": (lambda a, b: _lib(a).tensordot(a, b, dims=1), [(2, 3), (3, 2)]),
    "matmul_vec": (lambda a, b: a @ b, [(3,), (3, 2)]),
    "matmul_3d3d": (lambda a, b: a @ b, [(2, 2, 3), (2, 3, 2)]),
    "conv1d": (lambda x, w: _lib(x).nn.functional.conv1d(x, w), [(1, 2, 5), (3, 2, 2)]),
    "clamp_tensors": (lambda a, b, c: a.clamp(b - 1, c + 1), [(3,), (3,), (3,)]),
}


def _cases():
    for name, (_, shapes) in OPS.items():
        n = len(shapes)
        grads = [(i,) for i in range(n)] + [(i, j) for i in range(n) for j in range(i + 1, n)]
        for g in grads:
            for m in range(n):
                yield pytest.param(name, g, m, id=f"{name}-grad{''.join(map(str, g))}-mod{m}")


def _run(lib, name, grad_idx, mod_idx):
    f, shapes = OPS[name]
    rng = np.random.default_rng(0)
    xs = [lib.tensor(rng.random(s) + 0.5) for s in shapes]
    leaves = []
    for i in grad_idx:
        leaf = xs[i].requires_grad_(True)
        leaves.append(leaf)
        xs[i] = leaf * 1.0  # a non-leaf, so it may be modified in place
    y = f(*xs)
    if not y.requires_grad:  # (where's condition: no gradient flows)
        return "no graph"
    with lib.no_grad():
        xs[mod_idx].mul_(2)
    try:
        y.sum().backward()
    except RuntimeError as e:
        assert "modified by an inplace operation" in str(e)
        return "raises"
    return [None if leaf.grad is None else leaf.grad.numpy() for leaf in leaves]


@pytest.mark.parametrize("name,grad_idx,mod_idx", list(_cases()))
def test_inplace_change_of_an_operand(name, grad_idx, mod_idx):
    ref = _run(torch, name, grad_idx, mod_idx)
    got = _run(ember, name, grad_idx, mod_idx)
    if isinstance(ref, str):
        assert got == ref
    else:
        assert not isinstance(got, str), "ember saved an operand torch does not"
        for r, g in zip(ref, got):
            assert (r is None) == (g is None)
            if r is not None:
                np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-12)


def test_addcmul_repro_from_audit():
    for lib in (torch, ember):
        lib.manual_seed(0)
        w = lib.randn(3, requires_grad=True)
        c, s = lib.randn(3), lib.randn(3)
        p = w * 1.0
        y = p.addcmul(c, s)
        s.mul_(2)
        y.sum().backward()  # s is read only by c's gradient, which nobody needs
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y2 = w * s
            s.mul_(2)
            y2.sum().backward()  # w's gradient reads s


@pytest.mark.parametrize("needs", [(True, False), (False, True), (True, True)])
def test_saved_tensors_hooks_pack_only_what_is_saved(needs):
    """Under saved_tensors_hooks, only the operands the node keeps are packed."""
    counts = []
    for lib in (torch, ember):
        a = lib.ones(3, requires_grad=needs[0])
        b = lib.ones(3, requires_grad=needs[1])
        packed = []
        with lib.autograd.graph.saved_tensors_hooks(lambda t: packed.append(t) or t,
                                                    lambda t: t):
            lib.ones(3).addcmul(a, b)
            a.view(1, 3).mm(b.view(3, 1))
            a * b
            a / b
        counts.append(len(packed))
    assert counts[0] == counts[1]


def test_double_backward_through_mul_with_one_operand_unsaved():
    """A gradient formula built without the unsaved operand still supports create_graph."""
    res = []
    for lib in (torch, ember):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        s = lib.tensor([0.5, -1.0, 2.0])
        y = (w * s * w).sum()
        (g,) = lib.autograd.grad(y, w, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), w)
        res.append((g.tolist(), gg.tolist()))
    assert res[0] == res[1]
