"""Graph structure against torch 2.13: for small graphs, the grad_fn tree (node class
names, next_functions with output_nr, AccumulateGrad nodes and their `.variable`) matches
torch's, node for node."""
import numpy as np
import pytest
import torch

import ember


def structure(fn, leaves, depth=0):
    """A comparable description of the graph below node `fn`."""
    if fn is None:
        return None
    name = type(fn).__name__
    if name == "AccumulateGrad":
        var = fn.variable
        hits = [k for k, leaf in enumerate(leaves) if var is leaf]
        return ("AccumulateGrad", hits[0] if hits else "?")
    assert depth < 60, "graph too deep for a structure test"
    return (name, tuple((structure(n, leaves, depth + 1), nr) for n, nr in fn.next_functions))


RNG = np.random.default_rng(5)


def _leaves(lib, *shapes):
    return [lib.from_numpy(RNG.standard_normal(s)).requires_grad_() if s is not None
            else None for s in shapes]


def _linear(lib, x, w, b):
    return x @ w.T + b


def _custom(lib):
    class Twice(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2
    return Twice


def _inplace(lib, x):
    h = x * 1
    h.mul_(2)
    h.add_(x)
    return h.exp_()


def _inplace_view(lib, x):
    h = x.clone()
    h[0] = 0.0
    h[:, 1].mul_(3)
    return h


CASES = {
    "mul_add_pow": ((3,), (3,), lambda lib, x, y: x * y + y ** 2),
    "linear": ((4, 3), (2, 3), (2,), lambda lib, x, w, b: _linear(lib, x, w, b)),
    "addmm": ((2,), (4, 3), (3, 2), lambda lib, b, x, w: lib.addmm(b, x, w)),
    "matmul_vec": ((3, 2), (2,), lambda lib, a, v: a @ v),
    "bmm": ((2, 3, 4), (2, 4, 2), lambda lib, a, b: a.bmm(b)),
    "softmax": ((2, 5), lambda lib, x: x.softmax(dim=1)),
    "log_softmax": ((2, 5), lambda lib, x: x.log_softmax(-1)),
    "index_int": ((4, 3), lambda lib, x: x[1]),
    "index_slice": ((4, 3), lambda lib, x: x[1:3, ::2]),
    "index_tensor": ((4, 3), lambda lib, x: x[lib.tensor([0, 2, 2])]),
    "index_bool": ((4, 3), lambda lib, x: x[x > 0]),
    "index_none_ellipsis": ((4, 3), lambda lib, x: x[None, ..., 0]),
    "views": ((2, 3, 4), lambda lib, x: x.view(6, 4).t().reshape(2, 12).unsqueeze(0)),
    "transpose_permute": ((2, 3, 4), lambda lib, x: x.transpose(0, 2).permute(1, 0, 2)),
    "expand_squeeze": ((3, 1), lambda lib, x: x.expand(3, 4).squeeze().unsqueeze(-1)),
    "flatten_contiguous": ((2, 3, 4), lambda lib, x: x.transpose(1, 2).contiguous()
                           .flatten(1)),
    "reshape_copy": ((2, 3, 4), lambda lib, x: x.transpose(1, 2).reshape(-1)),
    "inplace": ((2, 3), lambda lib, x: _inplace(lib, x)),
    "inplace_view": ((2, 3), lambda lib, x: _inplace_view(lib, x)),
    "sum_all": ((2, 3), lambda lib, x: x.sum()),
    "sum_dim": ((2, 3), lambda lib, x: x.sum(dim=1)),
    "sum_dims_keepdim": ((2, 3, 4), lambda lib, x: x.sum((0, 2), keepdim=True)),
    "mean_dim": ((2, 3), lambda lib, x: x.mean(0)),
    "max_dim": ((2, 3), lambda lib, x: x.max(dim=1).values),
    "amax_var": ((2, 3), lambda lib, x: x.amax(1) + x.var(1)),
    "custom_function": ((3,), lambda lib, x: _custom(lib).apply(x.sin()) * x),
    "diamond": ((3,), lambda lib, x: (lambda h: h * h.exp())(x.sin())),
    "cat_stack": ((2, 3), (2, 3), lambda lib, a, b: lib.stack([lib.cat([a, b]), b.repeat(2, 1)])),
    "split_chunk": ((4, 3), lambda lib, x: x.split(2)[1] * x.chunk(2, dim=0)[0]),
    "unbind": ((2, 3), lambda lib, x: x.unbind(0)[1]),
    "where_clamp": ((2, 3), (2, 3), lambda lib, a, b: lib.where(a > 0, a, b).clamp(-1, 1)),
    "activations": ((2, 3), lambda lib, x: x.relu() + x.sigmoid() + x.tanh()),
    "scalar_ops": ((3,), lambda lib, x: 2 - x / 3 + 1 / x - x ** 0.5),
    "tensor_pow": ((3,), (3,), lambda lib, a, b: a.abs() ** b),
    "sub_rsub_neg": ((3,), (3,), lambda lib, a, b: -(a - b) - (1 - a)),
    "integer_mix": ((3,), lambda lib, x: x * lib.tensor([1, 2, 3]) + 1),
    "constant_operand": ((3,), lambda lib, x: x * lib.ones(3, dtype=lib.float64)),
    "detach_mix": ((3,), lambda lib, x: x * x.detach()),
    "dtype_cast": ((3,), lambda lib, x: x.float().double() * 2),
    "clone": ((3,), lambda lib, x: x.clone()),
    "norm": ((2, 3), lambda lib, x: x.norm() + lib.linalg.vector_norm(x, dim=1).sum()),
    "gather": ((3, 4), lambda lib, x: x.gather(1, lib.tensor([[0], [2], [1]]))),
    "masked_fill": ((3, 4), lambda lib, x: x.masked_fill(x > 0, 0.0)),
    "exp_log": ((3,), lambda lib, x: x.exp().log1p().sqrt()),
    "multi_leaf_reuse": ((3,), (3,), lambda lib, a, b: (a * b) * (a + b) * a),
}


def _build(lib, case):
    *shapes, fn = case
    global RNG
    RNG = np.random.default_rng(5)
    leaves = _leaves(lib, *shapes)
    out = fn(lib, *leaves)
    return out, leaves


@pytest.mark.parametrize("name", sorted(CASES))
def test_graph_matches_torch(name):
    out_t, leaves_t = _build(torch, CASES[name])
    out_e, leaves_e = _build(ember, CASES[name])
    want = structure(out_t.grad_fn, leaves_t)
    got = structure(out_e.grad_fn, leaves_e)
    assert got == want
    assert out_e.requires_grad == out_t.requires_grad
    assert out_e.output_nr == out_t.output_nr
    np.testing.assert_allclose(out_e.detach().numpy(), out_t.detach().numpy(), rtol=1e-6)


def test_accumulate_grad_is_shared_and_points_at_leaf():
    for lib in (ember, torch):
        x = lib.ones(3, requires_grad=True)
        a = x * 2
        b = x + 1
        acc_a = a.grad_fn.next_functions[0][0]
        acc_b = b.grad_fn.next_functions[0][0]
        assert acc_a is acc_b
        assert acc_a.variable is x
        assert acc_a.next_functions == ()


def test_multi_output_node_output_nr():
    for lib in (ember, torch):
        x = lib.ones(4, 2, requires_grad=True)
        parts = x.unbind(0)
        assert [p.output_nr for p in parts] == [0, 1, 2, 3]
        assert all(p.grad_fn is parts[0].grad_fn for p in parts)
        v, i = x.max(dim=0)
        assert v.output_nr == 0 and not i.requires_grad


def test_leaf_and_no_grad_have_no_grad_fn():
    for lib in (ember, torch):
        x = lib.ones(3, requires_grad=True)
        assert x.grad_fn is None and x.is_leaf
        with lib.no_grad():
            y = x * 2
        assert y.grad_fn is None and y.is_leaf
        z = lib.ones(3) * 2
        assert z.grad_fn is None and z.is_leaf and not z.requires_grad


def test_grad_fn_name_and_metadata():
    for lib in (ember, torch):
        x = lib.ones(3, requires_grad=True)
        fn = (x * 2).grad_fn
        assert fn.name() == "MulBackward0"
        assert isinstance(fn.metadata, dict)
        fn.metadata["k"] = 1
        assert fn.metadata["k"] == 1
        assert "MulBackward0" in repr(fn)
