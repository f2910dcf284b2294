"""Op-table records for the ops that came from src/ember/_ops/misc.py (now view_copies.py,
index_reduce.py, native_norms.py, incomplete_gamma.py, random_ops.py, tensor_methods.py, ...):
`*_copy` forms of views, `*_scatter`, unsafe splits, index_reduce, renorm, igamma/igammac,
binomial, fill, removed entry points and small Tensor utilities (their behaviour is also
tested in tests/test_misc_api.py)."""
import numpy as np

from opinfo.core import E, S, randn, FLOATS, INTS, Index, OpInfo, index

F32 = "float32"
ALL = FLOATS + INTS


def _one(*specs):
    """samples(rng, dt): each spec is (shapes, extra args, kwargs); shapes make arrays."""
    def make(rng, dt):
        out = []
        for spec in specs:
            shapes = spec[0] if isinstance(spec[0], list) else [spec[0]]
            arrays = tuple(randn(rng, s, dt) for s in shapes)
            args = spec[1] if len(spec) > 1 else ()
            kwargs = spec[2] if len(spec) > 2 else {}
            out.append(S(*arrays, *args, name=str(spec[:2]), **kwargs))
        return out
    return make


def _err(*specs):
    def make(rng):
        out = []
        for spec in specs:
            shapes = spec[0] if isinstance(spec[0], list) else [spec[0]]
            arrays = tuple(randn(rng, s, F32) for s in shapes)
            out.append(E(*arrays, *(spec[1] if len(spec) > 1 else ())))
        return out
    return make


def _copy(name, *specs, errors=None, dtypes=ALL, **kw):
    return OpInfo(name, lambda lib, *a, **k: getattr(lib, name)(*a, **k), _one(*specs),
                  dtypes=dtypes, errors=errors, **kw)


def _positive(rng, dt, shape):
    return np.abs(randn(rng, shape, dt)) + 0.25


def _fixed(a):
    """A float array passed without requires_grad (an argument torch does not differentiate)."""
    return np.asarray(a).view(Index)


def igamma_samples(rng, dt):
    return [S(_fixed(_positive(rng, dt, (3, 4))), _positive(rng, dt, (3, 4)) * 3),
            S(_fixed(_positive(rng, dt, (4,)) * 4), _positive(rng, dt, (2, 4)) * 2,
              name="broadcast"),
            S(_fixed(_positive(rng, dt, (5,)) * 10), _positive(rng, dt, (5,)) * 20,
              name="large x")]


def as_strided_scatter_samples(rng, dt):
    return [S(_fixed(randn(rng, (3, 4), dt)), randn(rng, (2, 2), dt), (2, 2), (1, 2)),
            S(_fixed(randn(rng, (3, 4), dt)), randn(rng, (3,), dt), (3,), (4,), 1)]


def index_reduce_samples(rng, dt):
    out = []
    for reduce in ("prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            out.append(S(randn(rng, (3, 4), dt), 0, index([0, 2, 0]), randn(rng, (3, 4), dt),
                         reduce, include_self=include_self, name=f"{reduce} {include_self}"))
        out.append(S(randn(rng, (2, 5), dt), 1, index([4, 0, 4]), randn(rng, (2, 3), dt),
                     reduce, name=f"{reduce} dim 1"))
    return out


def fill_samples(rng, dt):
    return [S(randn(rng, (2, 3), dt), 2.5 if dt in FLOATS else 3),
            S(randn(rng, (), dt), -1)]


OPS = [
    _copy("view_copy", ((3, 4), ((12,),)), ((3, 4), ((2, -1),)),
          errors=_err(((3, 4), ((5,),)))),
    _copy("permute_copy", ((2, 3, 4), ((2, 0, 1),)), errors=_err(((2, 3), ((0, 0),)))),
    _copy("transpose_copy", ((3, 4), (0, 1)), ((2, 3, 4), (-1, 0))),
    _copy("t_copy", ((3, 4),), ((4,),), errors=_err(((2, 3, 4),))),
    _copy("expand_copy", ((1, 4), ((3, 4),)), ((3, 1), ((2, 3, 5),)),
          errors=_err(((2, 4), ((3, 4),)))),
    _copy("squeeze_copy", ((1, 4, 1),), ((1, 4, 1), (0,)), ((1, 4, 1), ((0, 2),))),
    _copy("unsqueeze_copy", ((3, 4), (1,)), ((3,), (-1,))),
    _copy("diagonal_copy", ((3, 4),), ((3, 4), (1,)), ((2, 3, 4), (-1, 0, 2))),
    _copy("select_copy", ((3, 4), (0, 1)), ((3, 4), (1, -1)), errors=_err(((3, 4), (0, 5)))),
    _copy("slice_copy", ((3, 4), (1, 1, 3)), ((5, 2), (0, None, None, 2)),
          ((3, 4), (1, -3, 100))),
    _copy("split_copy", ((3, 4), (3, 1)), ((5, 2), (2,))),
    _copy("split_with_sizes_copy", ((3, 4), ([1, 3], 1)),
          errors=_err(((3, 4), ([1, 2], 1)))),
    _copy("unbind_copy", ((3, 4), (1,)), ((2, 3),)),
    _copy("unfold_copy", ((3, 5), (1, 2, 1)), ((6,), (0, 3, 2))),
    _copy("narrow_copy", ((3, 5), (1, 1, 3)), ((4,), (0, 2, 2)),
          errors=_err(((3, 5), (1, 3, 3)))),
    _copy("alias_copy", ((3, 4),)),
    _copy("detach_copy", ((3, 4),), grad=False),
    _copy("as_strided_copy", ((3, 4), ((2, 2), (1, 2))), ((3, 4), ((2,), (3,), 1))),
    OpInfo("view_as_real_copy", lambda lib, a: lib.view_as_real_copy(a),
           _one(((3,),), ((2, 2),)), dtypes=("complex64", "complex128"),
           grad_dtypes=("complex128",)),
    OpInfo("view_as_complex_copy", lambda lib, a: lib.view_as_complex_copy(a),
           _one(((3, 2),)), grad=False),
    _copy("unsafe_chunk", ((3, 4), (2, 1)), ((5,), (3,))),
    _copy("unsafe_split", ((3, 4), (3, 1)), ((5,), (2,))),
    _copy("unsafe_split_with_sizes", ((3, 4), ([1, 3], 1))),
    OpInfo("slice_scatter", lambda lib, a, s, *args: lib.slice_scatter(a, s, *args),
           _one(([(3, 4), (3, 2)], (1, 0, 2)), ([(3, 4), (3, 2)], (1, None, None, 2)),
                ([(5, 2), (2, 2)], (0, -2, 100)), ([(3, 4), (3, 4)], ())),
           dtypes=ALL, errors=_err(([(3, 4), (3, 3)], (1, 0, 2)))),
    OpInfo("select_scatter", lambda lib, a, s, *args: lib.select_scatter(a, s, *args),
           _one(([(3, 4), (4,)], (0, 1)), ([(3, 4), (3,)], (1, -1))), dtypes=ALL,
           errors=_err(([(3, 4), (3,)], (0, 1)), ([(3, 4), (4,)], (0, 7)))),
    OpInfo("diagonal_scatter", lambda lib, a, s, *args: lib.diagonal_scatter(a, s, *args),
           _one(([(3, 4), (3,)], ()), ([(3, 4), (3,)], (1,)), ([(2, 3, 4), (3, 2)], (0, 0, 2))),
           dtypes=ALL, errors=_err(([(3, 4), (4,)], ()))),
    # torch's gradient for as_strided_scatter's input keeps the window instead of zeroing
    # it (ember gives the mathematical one), so only src is differentiated here
    OpInfo("as_strided_scatter",
           lambda lib, a, s, *args: lib.as_strided_scatter(a, s, *args),
           as_strided_scatter_samples,
           dtypes=ALL, errors=_err(([(3, 4), (2, 3)], ((2, 2), (1, 2))))),
    OpInfo("index_reduce", lambda lib, a, d, i, s, r, **k: lib.index_reduce(a, d, i, s, r, **k),
           index_reduce_samples, dtypes=FLOATS, gradgrad=False, covers=("index_reduce_",),
           errors=lambda rng: [E(randn(rng, (3, 4), F32), 0, index([0, 1]),
                                 randn(rng, (2, 4), F32), "sum"),
                               E(randn(rng, (3, 4), F32), 0, index([0, 5]),
                                 randn(rng, (2, 4), F32), "prod")]),
    OpInfo("renorm", lambda lib, a, *args: lib.renorm(a, *args),
           _one(((3, 4), (2, 0, 1.0)), ((3, 4), (1, 1, 1.5)), ((3, 4), (3, 1, 1.5)),
                ((3, 4), (2, 0, 100.0))),
           errors=_err(((3, 4), (-1, 0, 1.0)), ((3, 4), (2, 0, -1.0)))),
    OpInfo("igamma", lambda lib, a, x: lib.igamma(a, x), igamma_samples,
           gradgrad=False, atol=1e-5, rtol=1e-5,
           errors=lambda rng: [E(np.ones(3, np.int64), np.ones(3, np.int64))]),
    OpInfo("igammac", lambda lib, a, x: lib.igammac(a, x), igamma_samples,
           gradgrad=False, atol=1e-5, rtol=1e-5),
    OpInfo("binomial", lambda lib, n, p: lib.binomial(n, p),
           lambda rng, dt: [S(np.full((3, 4), 5.0, dt), np.full((3, 4), 0.3, dt))],
           random=True, grad=False),
    OpInfo("fill", lambda lib, a, v: lib.fill(a, v), fill_samples, dtypes=ALL,
           covers=("fill_", "zero_")),
    OpInfo("adjoint", lambda lib, a: lib.adjoint(a),
           _one(((3, 4),), ((2, 3, 4),)), dtypes=ALL + ("complex64",),
           errors=_err(((3,),))),
    OpInfo("detach", lambda lib, a: lib.detach(a), _one(((3, 4),)), grad=False,
           covers=("detach_", "detach_copy")),
    OpInfo("is_neg", lambda lib, a: (lib.is_neg(a), a.is_neg(), a.is_nonzero()),
           _one(((1,),)), grad=False,
           covers=("is_nonzero", "is_signed", "is_inference", "is_same_size", "get_device",
                   "is_set_to", "dim_order", "const_data_ptr")),
    OpInfo("index_put_", lambda lib, a, i, v: lib.index_put_(a.clone(), (i,), v),
           lambda rng, dt: [S(randn(rng, (4, 3), dt), index([0, 2]), randn(rng, (2, 3), dt))],
           dtypes=ALL, skip_grad_fn=True),
    OpInfo("resize_", lambda lib, a, *size: a.detach().clone().resize_(*size)[:min(3, 12)],
           _one(((3, 4), (2, 3)), ((3, 4), (12,))), grad=False, dtypes=ALL,
           covers=("resize_as_", "resize", "resize_as", "set_", "map_", "apply_",
                   "as_strided_")),
    OpInfo("matrix_rank", lambda lib, a: lib.matrix_rank(a), _one(((3, 3),)), grad=False,
           covers=("solve", "lstsq", "eig", "symeig")),
]


# --- native_* normalisations, legacy norms, embedding_bag ----------------------------------

def _stats_detached(out):
    """native_group_norm's statistics are differentiable outputs of torch's node whose
    gradient torch ignores; compare their values only."""
    return out[0], out[1].detach(), out[2].detach()


def batch_norm_samples(rng, dt):
    return [S(randn(rng, (3, 4, 5), dt), None, None, None, None, True, 0.1, 1e-5,
              name="train, no stats"),
            S(randn(rng, (3, 4), dt), randn(rng, (4,), dt), randn(rng, (4,), dt),
              _fixed(np.zeros(4, dt)), _fixed(np.ones(4, dt)), True, 0.1, 1e-5, name="train"),
            S(randn(rng, (3, 4, 2), dt), None, None, _fixed(randn(rng, (4,), dt)),
              _fixed(_positive(rng, dt, (4,))), False, 0.1, 1e-5, name="eval")]


def _bag_samples(rng, dt):
    w = randn(rng, (10, 3), dt)
    idx, offs = index([1, 2, 4, 5, 4, 3]), index([0, 2, 2])
    out = [S(w, idx, offs, False, m, False, None, False, None, name=f"mode {m}")
           for m in (0, 1, 2)]
    out.append(S(w, idx, index([0, 2, 2, 6]), False, 1, False, None, True, None,
                 name="include_last_offset"))
    out.append(S(w, idx, offs, False, 0, False, randn(rng, (6,), dt), False, None,
                 name="per_sample_weights"))
    return out


# --- RNN entry points ----------------------------------------------------------------------

_GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}


def _rnn_params(rng, dt, mode, layers, dirs, bias, inp=4, hid=3):
    params = []
    for layer in range(layers):
        for _ in range(dirs):
            size_in = inp if layer == 0 else hid * dirs
            g = _GATES[mode] * hid
            params += [randn(rng, (g, size_in), dt, -0.5, 0.5), randn(rng, (g, hid), dt, -0.5, 0.5)]
            if bias:
                params += [randn(rng, (g,), dt, -0.5, 0.5), randn(rng, (g,), dt, -0.5, 0.5)]
    return params


def _rnn_samples(mode):
    def make(rng, dt):
        out = []
        for layers, bidir, bf, bias in ((1, False, False, True), (2, True, True, False)):
            dirs = 2 if bidir else 1
            x = randn(rng, (2, 3, 4), dt)
            h = randn(rng, (layers * dirs, 2 if bf else 3, 3), dt)
            hx = (h, randn(rng, h.shape, dt)) if mode == "lstm" else h
            out.append(S(x, hx, _rnn_params(rng, dt, mode, layers, dirs, bias), bias, layers,
                         0.0, False, bidir, bf, name=f"{layers} {bidir} {bf} {bias}"))
        return out
    return make


def _cell_samples(mode):
    def make(rng, dt):
        g = _GATES[mode] * 3
        h = randn(rng, (2, 3), dt)
        hx = (h, randn(rng, (2, 3), dt)) if mode == "lstm" else h
        return [S(randn(rng, (2, 4), dt), hx, randn(rng, (g, 4), dt), randn(rng, (g, 3), dt),
                  randn(rng, (g,), dt), randn(rng, (g,), dt), name="bias"),
                S(randn(rng, (2, 4), dt), hx, randn(rng, (g, 4), dt), randn(rng, (g, 3), dt),
                  name="no bias")]
    return make


def _rnn_record(mode):
    return OpInfo(mode, lambda lib, *a: getattr(lib, mode)(*a), _rnn_samples(mode),
                  gradgrad=False, slow=False)


def _cell_record(mode):
    return OpInfo(mode + "_cell", lambda lib, *a: getattr(lib, mode + "_cell")(*a),
                  _cell_samples(mode))


OPS += [
    OpInfo("native_layer_norm", lambda lib, *a: lib.native_layer_norm(*a),
           lambda rng, dt: [S(randn(rng, (3, 4, 5), dt), (5,), None, None, 1e-5),
                            S(randn(rng, (3, 4), dt), (4,), randn(rng, (4,), dt),
                              randn(rng, (4,), dt), 1e-5),
                            S(randn(rng, (2, 3, 2), dt), (3, 2), None, None, 1e-3)],
           errors=_err(((3, 4), ((5,), None, None, 1e-5)))),
    OpInfo("native_batch_norm", lambda lib, *a: lib.native_batch_norm(*a), batch_norm_samples,
           gradgrad=False),
    OpInfo("native_group_norm", lambda lib, *a: _stats_detached(lib.native_group_norm(*a)),
           lambda rng, dt: [S(randn(rng, (3, 4, 5), dt), None, None, 3, 4, 5, 2, 1e-5),
                            S(randn(rng, (2, 6), dt), randn(rng, (6,), dt),
                              randn(rng, (6,), dt), 2, 6, 1, 3, 1e-5)],
           gradgrad=False),
    OpInfo("native_dropout", lambda lib, *a: lib.native_dropout(*a),
           lambda rng, dt: [S(randn(rng, (3, 4), dt), 0.5, False),
                            S(randn(rng, (3, 4), dt), 0.0, True),
                            S(randn(rng, (3, 4), dt), 1.0, True)]),
    OpInfo("native_norm", lambda lib, a: lib.native_norm(a), _one(((3,),)), grad=False),
    OpInfo("frobenius_norm", lambda lib, a, *args: lib.frobenius_norm(a, *args),
           _one(((3, 4), ((0, 1),)), ((3, 4, 2), ((1,), True)), ((3, 4, 2), ((-1, 0),))),
           errors=_err(((3, 4, 2), ((0, 1, 2),)))),
    OpInfo("nuclear_norm", lambda lib, a, *args, **kw: lib.nuclear_norm(a, *args, **kw),
           _one(((3, 4),), ((3, 4), (True,)), ((2, 3, 4), ((1, 2),)), ((2, 3, 4),),
                ((2, 3, 4), ((0, 2),), {"keepdim": True})),
           gradgrad=False, errors=_err(((3,),))),
    OpInfo("embedding_bag", lambda lib, *a: lib.embedding_bag(*a), _bag_samples,
           gradgrad=False),
] + [_rnn_record(m) for m in _GATES] + [_cell_record(m) for m in _GATES]
