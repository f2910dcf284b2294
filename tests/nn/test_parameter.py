"""nn.Parameter, Buffer and the uninitialized kinds against torch 2.13."""
import copy
import pickle

import numpy as np
import pytest
import torch

import ember

LIBS = (torch, ember)


def both(fn):
    return fn(torch), fn(ember)


def same_error(fn):
    out = []
    for lib in LIBS:
        with pytest.raises(Exception) as info:
            fn(lib)
        out.append(info)
    t, e = out
    assert t.type is e.type, (t.value, e.value)
    assert str(e.value) == str(t.value).replace("torch", "ember")


def test_parameter_basics():
    def run(lib):
        data = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        p = lib.nn.Parameter(data)
        q = lib.nn.Parameter(data, requires_grad=False)
        e = lib.nn.Parameter()
        with lib.no_grad():
            r = lib.nn.Parameter(lib.zeros(2))
        return (type(p).__name__, isinstance(p, lib.Tensor), p.requires_grad, p.is_leaf,
                q.requires_grad, p.data_ptr() == data.data_ptr(), tuple(e.shape),
                r.requires_grad, type(p * 2).__name__, type(p + p).__name__,
                type(p.detach()).__name__, type(p.data).__name__, type(p[0]).__name__,
                type(p.sum()).__name__, repr(p).replace("torch", "ember"),
                repr(q).replace("torch", "ember"), str(p.dtype).replace("torch", "ember"),
                isinstance(p, lib.nn.Parameter), isinstance(data, lib.nn.Parameter))
    t, e = both(run)
    assert t == e
    same_error(lambda lib: lib.nn.Parameter(lib.tensor([1, 2])))


def test_parameter_grad_flows():
    outs = []
    for lib in LIBS:
        p = lib.nn.Parameter(lib.tensor([1.0, -2.0, 3.0]))
        (p * p).sum().backward()
        outs.append(p.grad.numpy().copy())
    np.testing.assert_array_equal(outs[0], outs[1])


def test_parameter_alias_and_inplace():
    def run(lib):
        data = lib.zeros(3)
        p = lib.nn.Parameter(data)
        with lib.no_grad():
            p.add_(1)
        return data.tolist(), p._version == data._version
    t, e = both(run)
    assert t == e


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_parameter_copy_keeps_type(how):
    def run(lib):
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0]), requires_grad=False)
        p2 = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        p2.grad = lib.ones(2)
        clones = [copy.deepcopy(x) if how == "deepcopy" else pickle.loads(pickle.dumps(x))
                  for x in (p, p2)]
        pair = [p2, p2]
        cpair = copy.deepcopy(pair) if how == "deepcopy" else pickle.loads(pickle.dumps(pair))
        return ([(type(c).__name__, c.requires_grad, c.tolist(),
                  c.data_ptr() != x.data_ptr()) for c, x in zip(clones, (p, p2))],
                cpair[0] is cpair[1],
                None if clones[1].grad is None else clones[1].grad.tolist())
    t, e = both(run)
    assert t == e


def test_buffer():
    def run(lib):
        t = lib.ones(2, requires_grad=True)
        b = lib.nn.Buffer(t)
        b2 = lib.nn.Buffer(lib.zeros(3), persistent=False)
        m = lib.nn.Module()
        m.b = b
        m.b2 = b2
        return (type(b).__name__, isinstance(b, lib.nn.Buffer), b.requires_grad,
                isinstance(t, lib.nn.Buffer), isinstance(lib.ones(1), lib.nn.Buffer),
                b.data_ptr() == t.data_ptr(), sorted(m._buffers), list(m.state_dict()),
                sorted(m._non_persistent_buffers_set))
    t, e = both(run)
    assert t == e


def test_uninitialized_parameter():
    def run(lib):
        p = lib.nn.UninitializedParameter()
        r = repr(p)
        lazy = lib.nn.parameter.is_lazy(p)
        p.materialize((2, 3))
        b = lib.nn.UninitializedBuffer()
        rb = repr(b)
        b.materialize(4, dtype=lib.float64)
        c = copy.deepcopy(lib.nn.UninitializedParameter(requires_grad=False))
        return (r, lazy, type(p).__name__, tuple(p.shape), p.requires_grad, rb,
                type(b).__name__, tuple(b.shape), str(b.dtype).replace("torch", "ember"),
                lib.nn.parameter.is_lazy(p), type(c).__name__, c.requires_grad,
                isinstance(lib.nn.UninitializedParameter(), lib.nn.Parameter))
    t, e = both(run)
    assert t == e
    same_error(lambda lib: lib.nn.UninitializedParameter().shape)
    same_error(lambda lib: lib.nn.UninitializedParameter().share_memory_())
