"""Generic differential tests driven by the op table (tests/opinfo): every record is run on
ember and on torch 2.13 and compared for values, dtypes, gradients, grad_fn names and error
classes; float64 gradcheck and gradgradcheck run on ember alone."""
import numpy as np
import pytest
import torch

import ember
from ember._ops.registry import FUNCTIONS, METHODS
from opinfo import ALL_OPS, NOT_OPS
from opinfo.core import dtype_name, to_lib, to_numpy, tensors_in, tolerances

SEED = 1234


def _samples(info, dtype):
    rng = np.random.default_rng(SEED)
    return info.samples(rng, dtype)


def _call(lib, info, sample, requires_grad=False):
    args = [to_lib(lib, a, requires_grad) for a in sample.args]
    kwargs = {k: to_lib(lib, v, requires_grad) for k, v in sample.kwargs.items()}
    return info.fn(lib, *args, **kwargs), args, kwargs


def _compare(got, want, dtype, info, where=""):
    g_leaves, w_leaves = tensors_in(got), tensors_in(want)
    assert len(g_leaves) == len(w_leaves), f"{where}: {len(g_leaves)} vs {len(w_leaves)} outputs"
    atol, rtol = tolerances(dtype, info)
    for i, (g, w) in enumerate(zip(g_leaves, w_leaves)):
        if isinstance(w, torch.Tensor):
            assert isinstance(g, ember.Tensor), f"{where}[{i}]: expected a tensor, got {g!r}"
            assert tuple(g.shape) == tuple(w.shape), f"{where}[{i}]: shape {g.shape} vs {w.shape}"
            assert dtype_name(g) == dtype_name(w), f"{where}[{i}]: dtype {g.dtype} vs {w.dtype}"
            if info.random:
                continue
            gn, wn = to_numpy(g), to_numpy(w)
            if wn.dtype.kind in "fc":
                np.testing.assert_allclose(gn, wn, atol=atol, rtol=rtol, equal_nan=True,
                                           err_msg=where)
            else:
                np.testing.assert_array_equal(gn, wn, err_msg=where)
        elif isinstance(w, (torch.Size,)):
            assert tuple(g) == tuple(w)
        elif isinstance(w, float):
            assert g == pytest.approx(w, rel=rtol, abs=atol, nan_ok=True), where
        elif isinstance(w, torch.dtype):
            assert str(g).split(".")[-1] == str(w).split(".")[-1]
        else:
            if not info.random:
                assert g == w, f"{where}[{i}]: {g!r} vs {w!r}"


def _cases(kind):
    for info in ALL_OPS:
        dtypes = info.dtypes if kind == "forward" else info.grad_dtypes
        if kind != "forward" and not info.grad:
            continue
        if kind == "gradgrad" and not info.gradgrad:
            continue
        for dt in dtypes:
            marks = [pytest.mark.slow] if info.slow else []
            yield pytest.param(info, dt, id=f"{info.name}-{dt}", marks=marks)


@pytest.mark.parametrize("info,dtype", list(_cases("forward")))
def test_forward_matches_torch(info, dtype):
    for k, sample in enumerate(_samples(info, dtype)):
        where = f"{info.name}[{dtype}] sample {k} {sample.name}"
        try:
            want, _, _ = _call(torch, info, sample)
        except Exception as e:  # torch refuses: ember must refuse with the same class
            with pytest.raises(type(e)):
                _call(ember, info, sample)
            continue
        got, _, _ = _call(ember, info, sample)
        _compare(got, want, dtype, info, where)


def _diff_leaves(out):
    return [o for o in tensors_in(out) if hasattr(o, "requires_grad") and o.requires_grad]


def _weights(rng, leaves):
    return [rng.standard_normal(tuple(o.shape)) for o in leaves]


def _grad_inputs(args, kwargs):
    leaves = [a for a in tensors_in(list(args)) + tensors_in(list(kwargs.values()))
              if hasattr(a, "requires_grad") and a.requires_grad]
    return leaves


@pytest.mark.parametrize("info,dtype", list(_cases("grad")))
def test_grad_matches_torch(info, dtype):
    for k, sample in enumerate(_samples(info, dtype)):
        where = f"{info.name}[{dtype}] sample {k} {sample.name}"
        try:
            want, targs, tkw = _call(torch, info, sample, requires_grad=True)
        except Exception:
            continue
        got, eargs, ekw = _call(ember, info, sample, requires_grad=True)
        t_out, e_out = _diff_leaves(want), _diff_leaves(got)
        assert len(t_out) == len(e_out), f"{where}: differentiable outputs differ"
        if not t_out:
            continue
        rng = np.random.default_rng(SEED + k)
        ws = _weights(rng, t_out)
        t_loss = sum((o * torch.from_numpy(w).to(o.dtype)).sum() for o, w in zip(t_out, ws))
        e_loss = sum((o * ember.from_numpy(w).to(o.dtype)).sum() for o, w in zip(e_out, ws))
        t_in, e_in = _grad_inputs(targs, tkw), _grad_inputs(eargs, ekw)
        t_grads = torch.autograd.grad(t_loss, t_in, allow_unused=True)
        e_grads = ember.autograd.grad(e_loss, e_in, allow_unused=True)
        for i, (tg, eg) in enumerate(zip(t_grads, e_grads)):
            if tg is None:
                assert eg is None or not np.any(to_numpy(eg)), f"{where}: grad {i} should be None"
                continue
            assert eg is not None, f"{where}: grad {i} missing"
            np.testing.assert_allclose(to_numpy(eg), to_numpy(tg), atol=1e-7, rtol=1e-6,
                                       equal_nan=True, err_msg=f"{where} grad {i}")
        # grad_fn names and the first level of next_functions, as torch shows them
        if not info.skip_grad_fn:
            assert _graph_names(e_out[0]) == _graph_names(t_out[0]), where


def _graph_names(t):
    fn = t.grad_fn
    if fn is None:
        return None
    return (type(fn).__name__,
            tuple(None if f is None else type(f).__name__ for f, _ in fn.next_functions))


def _small(sample):
    n = sum(a.size for a in tensors_in(list(sample.args) + list(sample.kwargs.values()))
            if isinstance(a, np.ndarray))
    return n <= 40


def _checker(info, sample):
    args = [to_lib(ember, a, True) for a in sample.args]
    kwargs = {k: to_lib(ember, v, True) for k, v in sample.kwargs.items()}
    leaves = _grad_inputs(args, kwargs)

    def substitute(obj, mapping):
        if isinstance(obj, (list, tuple)):
            return type(obj)(substitute(o, mapping) for o in obj)
        return mapping.get(id(obj), obj)

    def f(*xs):
        mapping = {id(l): x for l, x in zip(leaves, xs)}
        a = [substitute(v, mapping) for v in args]
        kw = {k: substitute(v, mapping) for k, v in kwargs.items()}
        out = info.fn(ember, *a, **kw)
        return tuple(o for o in tensors_in(out) if isinstance(o, ember.Tensor) and
                     o.dtype.is_floating_point)
    return f, leaves


@pytest.mark.parametrize("info,dtype", list(_cases("grad")))
def test_gradcheck(info, dtype):
    for sample in _samples(info, dtype):
        if not _small(sample):
            continue
        f, leaves = _checker(info, sample)
        if leaves:
            assert ember.autograd.gradcheck(f, tuple(leaves), eps=1e-6, atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize("info,dtype", list(_cases("gradgrad")))
def test_gradgradcheck(info, dtype):
    for sample in _samples(info, dtype)[:2]:
        if not _small(sample):
            continue
        f, leaves = _checker(info, sample)
        if leaves:
            assert ember.autograd.gradgradcheck(f, tuple(leaves), eps=1e-6, atol=1e-4,
                                                rtol=1e-3)


@pytest.mark.parametrize("info", [i for i in ALL_OPS if i.errors], ids=lambda i: i.name)
def test_errors_match_torch(info):
    rng = np.random.default_rng(SEED)
    for k, sample in enumerate(info.errors(rng)):
        with pytest.raises(Exception) as torch_err:
            _call(torch, info, sample)
        with pytest.raises(torch_err.type):
            _call(ember, info, sample)


def test_every_public_op_has_a_record():
    covered = set()
    for info in ALL_OPS:
        covered.add(info.name)
        covered.update(info.covers)
    public = {n for n in FUNCTIONS} | {n for n in METHODS if not n.startswith("__")}
    # an in-place variant is covered with its op
    missing = sorted(n for n in public
                     if n not in covered and n not in NOT_OPS
                     and not (n.endswith("_") and n[:-1] in covered))
    assert not missing, f"public ops without an op-table record: {missing}"
