"""nn containers (Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict) against
torch 2.13: indexing, mutation, naming, forward, reprs and errors."""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember

LIBS = (torch, ember)


def both(fn):
    return fn(torch), fn(ember)


def _norm(value):
    return repr(value).replace("torch", "ember")


def same_error(fn):
    out = []
    for lib in LIBS:
        with pytest.raises(Exception) as info:
            fn(lib)
        out.append(info)
    t, e = out
    assert t.type is e.type, (t.value, e.value)
    assert str(e.value) == str(t.value).replace("torch", "ember"), (str(t.value), str(e.value))


def _mods(lib):
    class Scale(lib.nn.Module):
        def __init__(self, k):
            super().__init__()
            self.k = k
            self.w = lib.nn.Parameter(lib.tensor([float(k)]))

        def forward(self, x):
            return x * self.w + self.k

        def extra_repr(self):
            return f"k={self.k}"
    return Scale


def _ids(seq):
    return [m.k for m in seq]


def test_sequential():
    def run(lib):
        S = _mods(lib)
        seq = lib.nn.Sequential(S(1), S(2), S(3))
        out = [_ids(seq), seq[-1].k, _ids(seq[1:]), type(seq[::2]).__name__, len(seq),
               list(seq._modules), repr(seq)]
        seq.append(S(4))
        seq.extend([S(5), S(6)])
        seq.insert(1, S(7))
        seq.insert(-1, S(8))
        out += [_ids(seq), list(seq._modules)]
        popped = seq.pop(2)
        del seq[0]
        del seq[1:3]
        seq[0] = S(9)
        out += [popped.k, _ids(seq), list(seq._modules)]
        seq2 = seq + lib.nn.Sequential(S(10))
        seq += lib.nn.Sequential(S(11))
        out += [_ids(seq2), _ids(seq), _ids(lib.nn.Sequential(S(1), S(2)) * 2),
                _ids(2 * lib.nn.Sequential(S(1)))]
        m = lib.nn.Sequential(S(1))
        m *= 3
        od = lib.nn.Sequential(OrderedDict([("first", S(1)), ("second", S(2))]))
        out += [_ids(m), list(od._modules), repr(od), repr(od[1:]),
                [n for n, _ in od.named_parameters()], "first" in dir(od),
                "0" in dir(lib.nn.Sequential(S(1))), repr(lib.nn.Sequential())]
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.nn.Sequential(S(2), S(3), lib.nn.Sequential(S(4)))(x)
        y.sum().backward()
        out += [y.tolist(), x.grad.tolist()]
        return out
    t, e = both(run)
    assert _norm(t) == _norm(e)
    same_error(lambda lib: lib.nn.Sequential(_mods(lib)(1))[3])
    same_error(lambda lib: lib.nn.Sequential(_mods(lib)(1))[-2])
    same_error(lambda lib: lib.nn.Sequential() + [1])
    same_error(lambda lib: lib.nn.Sequential().insert(0, 3))
    same_error(lambda lib: lib.nn.Sequential().insert(2, _mods(lib)(1)))
    same_error(lambda lib: lib.nn.Sequential(_mods(lib)(1)) * 0)
    same_error(lambda lib: lib.nn.Sequential(3))


def test_module_list():
    def run(lib):
        S = _mods(lib)
        ml = lib.nn.ModuleList([S(1), S(2)])
        out = [_ids(ml), ml[-1].k, type(ml[:1]).__name__, _ids(ml[::-1]), len(ml)]
        ml.append(S(3))
        ml.extend([S(4)])
        ml.insert(0, S(5))
        ml += [S(6)]
        ml[1] = S(7)
        out += [_ids(ml), list(ml._modules)]
        out += [ml.pop(0).k, _ids(ml)]
        del ml[1:3]
        out += [_ids(ml), list(ml._modules), _ids(ml + lib.nn.ModuleList([S(8)]))]
        shared = S(1)
        rep = lib.nn.ModuleList([shared, S(1), S(1), S(2), lib.nn.Sequential(S(3)),
                                 lib.nn.Sequential(S(3))])
        out += [repr(rep), repr(lib.nn.ModuleList()), repr(ml),
                [n for n, _ in rep.named_parameters()], ml.__class__.__name__]
        return out
    t, e = both(run)
    assert _norm(t) == _norm(e)
    same_error(lambda lib: lib.nn.ModuleList([])[0])
    same_error(lambda lib: lib.nn.ModuleList().extend(3))
    same_error(lambda lib: lib.nn.ModuleList([3]))
    same_error(lambda lib: lib.nn.ModuleList([_mods(lib)(1)])(1))


def test_module_dict():
    def run(lib):
        S = _mods(lib)
        md = lib.nn.ModuleDict({"b": S(1), "a": S(2)})
        out = [list(md), list(md.keys()), [m.k for m in md.values()],
               [(k, m.k) for k, m in md.items()], len(md), "a" in md, md["b"].k]
        md["c"] = S(3)
        md.update([("d", S(4))])
        md.update(OrderedDict(e=S(5)))
        out += [list(md), md.pop("a").k, list(md), repr(md)]
        del md["b"]
        out += [list(md), [n for n, _ in md.named_parameters()]]
        md.clear()
        out += [len(md), repr(md)]
        return out
    t, e = both(run)
    assert _norm(t) == _norm(e)
    same_error(lambda lib: lib.nn.ModuleDict().update(3))
    same_error(lambda lib: lib.nn.ModuleDict().update([3]))
    same_error(lambda lib: lib.nn.ModuleDict().update([("a",)]))
    same_error(lambda lib: lib.nn.ModuleDict()["x"])


def test_parameter_list():
    def run(lib):
        pl = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2, 3)), lib.zeros(4)])
        out = [len(pl), [type(p).__name__ for p in pl], repr(pl)]
        pl.append(lib.ones(1, dtype=lib.float64))
        pl.extend([lib.nn.Parameter(lib.ones(2))])
        pl += [lib.ones(3)]
        pl.append("text")
        pl[0] = lib.zeros(5)
        out += [len(pl), [tuple(p.shape) if isinstance(p, lib.Tensor) else p for p in pl],
                repr(pl), [n for n, _ in pl.named_parameters()], len(pl[1:3]),
                type(pl[1:3]).__name__, tuple(pl[-2].shape), "0" in dir(pl)]
        return out
    t, e = both(run)
    assert _norm(t) == _norm(e)
    same_error(lambda lib: lib.nn.ParameterList().extend(lib.ones(2)))
    same_error(lambda lib: lib.nn.ParameterList()[0])
    same_error(lambda lib: lib.nn.ParameterList()(1))


def test_parameter_dict():
    def run(lib):
        pd = lib.nn.ParameterDict({"b": lib.ones(2), "a": lib.nn.Parameter(lib.zeros(1, 2))})
        out = [list(pd), repr(pd), [type(v).__name__ for v in pd.values()]]
        pd["c"] = lib.ones(3, dtype=lib.float64)
        pd.update([("d", lib.zeros(1))])
        pd.update(OrderedDict(z=lib.zeros(1), y=lib.zeros(2)))
        pd["s"] = "str"
        out += [list(pd), list(pd.keys()), [k for k, _ in pd.items()], len(pd), "a" in pd,
                repr(pd), [n for n, _ in pd.named_parameters()]]
        out += [tuple(pd.pop("c").shape), list(pd), pd.popitem()[0], list(pd),
                pd.get("nope", 5), list(pd.copy()), tuple(pd.setdefault("q", lib.ones(1)).shape),
                list(reversed(pd)), list(pd.fromkeys(["u", "v"])),
                list(pd | lib.nn.ParameterDict({"w": lib.ones(1)}))]
        del pd["a"]
        pd.clear()
        out += [len(pd), repr(pd)]
        return out
    t, e = both(run)
    assert _norm(t) == _norm(e)
    same_error(lambda lib: lib.nn.ParameterDict()[3])
    same_error(lambda lib: lib.nn.ParameterDict().update(3))
    same_error(lambda lib: lib.nn.ParameterDict().update([(1, 2, 3)]))
    same_error(lambda lib: lib.nn.ParameterDict()(1))


def test_containers_state_dict_roundtrip():
    def run(lib):
        S = _mods(lib)
        m = lib.nn.Sequential(lib.nn.ModuleList([S(1), S(2)]),
                              lib.nn.ModuleDict({"x": S(3)}),
                              lib.nn.ParameterList([lib.ones(2)]),
                              lib.nn.ParameterDict({"p": lib.zeros(1)}))
        sd = m.state_dict()
        m.load_state_dict(sd)
        return list(sd), [tuple(v.shape) for v in sd.values()], repr(m)
    t, e = both(run)
    assert _norm(t) == _norm(e)
    tm = both(lambda lib: lib.nn.Sequential(_mods(lib)(2))(lib.tensor([1.5])).tolist())
    np.testing.assert_allclose(tm[1], tm[0])
