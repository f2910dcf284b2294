"""Op-table records for shape ops (src/ember/_ops/shape.py): views, joins, splits, copies."""
import numpy as np

from opinfo import core
from opinfo.core import FLOATS, INTS, ErrorSample, OpInfo, Sample, index

ALL = FLOATS + INTS + ("bool",)
F32 = "float32"


def randn(rng, shape, dtype, **kwargs):
    """core.randn, always an array (a 0-d bool sample would otherwise be a NumPy scalar)."""
    return np.asarray(core.randn(rng, shape, dtype, **kwargs))


def S(*args, name="", **kwargs):
    return Sample(args, kwargs, name)


def E(*args, **kwargs):
    return ErrorSample(args, kwargs)


def _t(a, t):
    """a, or a's transpose (non-contiguous) when t."""
    return a.t() if t else a


def _samples(*specs):
    """samples(rng, dtype) from specs (shape-or-shapes, extra args, kwargs, name)."""
    def make(rng, dt):
        out = []
        for spec in specs:
            shapes, args = spec[0], spec[1] if len(spec) > 1 else ()
            kwargs = spec[2] if len(spec) > 2 else {}
            if isinstance(shapes, list):  # a list of tensors as the first argument
                first = [randn(rng, s, dt) for s in shapes]
            else:
                first = randn(rng, shapes, dt)
            out.append(Sample((first,) + tuple(args), dict(kwargs), name=str(spec[:2])))
        return out
    return make


def _errors(*specs):
    def make(rng):
        out = []
        for spec in specs:
            shapes, args = spec[0], spec[1] if len(spec) > 1 else ()
            kwargs = spec[2] if len(spec) > 2 else {}
            if isinstance(shapes, list):
                first = [randn(rng, s, F32) for s in shapes]
            else:
                first = randn(rng, shapes, F32)
            out.append(ErrorSample((first,) + tuple(args), dict(kwargs)))
        return out
    return make


# --- view / reshape ----------------------------------------------------------------------------

_VIEW_DTYPES = {"float32": ("int32", "float64", "uint8"), "float64": ("int64", "float32"),
                "int64": ("float64", "int32"), "int32": ("float32", "int16")}


def view_dtype_samples(rng, dt):
    return [S(randn(rng, (2, 4), dt), "dtype:" + d, name=d) for d in _VIEW_DTYPES[dt]] + \
        [S(randn(rng, (2, 4), dt), "dtype:" + dt, name="same")]


def as_strided_samples(rng, dt):
    return [S(randn(rng, (3, 4), dt), (2, 2), (1, 2), 1),
            S(randn(rng, (3, 4), dt), (2, 2), (4, 1)),
            S(randn(rng, (3, 3), dt), (3, 3), (1, 1), name="overlapping"),
            S(randn(rng, (2, 3), dt), (2, 3), (0, 1), name="stride 0"),
            S(randn(rng, (6,), dt), (), (), 5, name="0-d"),
            S(randn(rng, (3, 4), dt), (2, 2), (1, 2), 1, t=True, name="of transposed")]


OPS = [
    OpInfo("view", lambda lib, a, *shape, t=False: _t(a, t).view(*shape),
           _samples(((3, 4), (12,)), ((3, 4), (2, -1)), ((3, 4), ((4, 3),)),
                    ((2, 3, 4), (6, 4)), ((), (1,)), ((6,), (1, 6, 1)), ((0, 3), (3, 0)),
                    ((2, 3), (3, 2), {"t": True})),
           dtypes=ALL,
           errors=_errors(((3, 4), (5,)), ((3, 4), (-1, -1)), ((3, 4), (-1,), {"t": True}),
                          ((3, 4), (-2, -6)))),
    OpInfo("view_dtype", lambda lib, a, d, t=False: _t(a, t).view(d), view_dtype_samples,
           dtypes=FLOATS + INTS, grad=False,
           errors=lambda rng: [E(randn(rng, (2, 3), F32), "dtype:float64"),
                               E(randn(rng, (2, 4), F32), "dtype:float64", t=True),
                               E(randn(rng, (), F32), "dtype:float64")]),
    OpInfo("reshape", lambda lib, a, *shape, t=False: _t(a, t).reshape(*shape),
           _samples(((3, 4), (12,)), ((3, 4), (2, -1)), ((3, 4), ((3, 4),)), ((), (1,)),
                    ((), ((),)), ((3, 4), (-1,), {"t": True}), ((3, 4), (4, 3), {"t": True}),
                    ((2, 3), (-1, 1, 2), {"t": True}), ((2, 3), (3, 2), {"t": True}),
                    ((2, 3), (3, 1, 2), {"t": True})),
           dtypes=ALL, covers=("Tensor.reshape",),
           errors=_errors(((3, 4), (5,)), ((3, 4), (-1, -1)), ((3, 4), (-1, 5)),
                          ((0, 4), (-1, 0)))),
    OpInfo("reshape_fn", lambda lib, a, shape: lib.reshape(a, shape),
           _samples(((2, 6), ((3, 4),)), ((2, 3), ((-1,),))), dtypes=ALL),
    OpInfo("view_as", lambda lib, a, b: a.view_as(b),
           lambda rng, dt: [S(randn(rng, (3, 4), dt), randn(rng, (2, 6), dt)),
                            S(randn(rng, (3, 4), dt), randn(rng, (12,), dt))], dtypes=ALL),
    OpInfo("reshape_as", lambda lib, a, b, t=False: _t(a, t).reshape_as(b),
           lambda rng, dt: [S(randn(rng, (3, 4), dt), randn(rng, (2, 6), dt)),
                            S(randn(rng, (3, 4), dt), randn(rng, (12,), dt), t=True)],
           dtypes=ALL),
    OpInfo("flatten", lambda lib, a, *args, t=False, **kw: lib.flatten(_t(a, t), *args, **kw),
           _samples(((2, 3, 4),), ((2, 3, 4), (1,)), ((2, 3, 4), (0, 1)),
                    ((2, 3, 4), (), {"end_dim": -2}), ((), ()), ((3,), ()), ((2, 3), (1, 1)),
                    ((3, 4), (), {"t": True})),
           dtypes=ALL, errors=_errors(((2, 3, 4), (2, 1)), ((2, 3), (0, 3)))),
    OpInfo("ravel", lambda lib, a, t=False: lib.ravel(_t(a, t)),
           _samples(((3, 4),), ((),), ((3, 4), (), {"t": True})), dtypes=ALL),
    OpInfo("unflatten", lambda lib, a, dim, sizes: a.unflatten(dim, sizes),
           _samples(((2, 12), (1, (3, 4))), ((2, 12), (-1, (-1, 2))), ((6,), (0, (1, 6, 1))),
                    ((2, 3), (1, (-1,)))),
           dtypes=ALL, errors=_errors(((2, 6), (1, (4, -1))), ((2, 6), (1, (4, 2))),
                                      ((2, 6), (2, (2, 3))))),
    OpInfo("squeeze", lambda lib, a, *args: lib.squeeze(a, *args),
           _samples(((1, 3, 1, 2),), ((1, 3, 1, 2), (0,)), ((1, 3, 1, 2), (1,)),
                    ((1, 3, 1, 2), (-2,)), ((1, 3, 1, 2), ((0, 2),)), ((1, 3, 1, 2), ((0, 1),)),
                    ((),), ((), (0,)), ((), (-1,)), ((1, 1),)),
           dtypes=ALL, errors=_errors(((1, 3), (2,)), ((1, 3), ((0, 0),)), ((), (1,)))),
    OpInfo("squeeze_", lambda lib, a, *args: (a * 1).squeeze_(*args),
           _samples(((1, 3, 1, 2),), ((1, 3, 1, 2), (0,)), ((1, 3, 1, 2), ((0, 2),))),
           errors=lambda rng: [E(randn(rng, (3,), F32), 1)]),
    OpInfo("unsqueeze", lambda lib, a, dim: a.unsqueeze(dim),
           _samples(((3, 4), (0,)), ((3, 4), (-1,)), ((3, 4), (1,)), ((), (0,)), ((), (-1,))),
           dtypes=ALL, errors=_errors(((3, 4), (3,)), ((3, 4), (-4,)))),
    OpInfo("unsqueeze_", lambda lib, a, dim: (a * 1).unsqueeze_(dim),
           _samples(((3, 4), (0,)), ((3, 4), (-1,)))),
    OpInfo("transpose", lambda lib, a, d0, d1: lib.transpose(a, d0, d1),
           _samples(((2, 3, 4), (0, 2)), ((2, 3, 4), (-1, 0)), ((3, 4), (1, 1)),
                    ((), (0, -1))),
           dtypes=ALL, covers=("swapaxes", "swapdims"),
           errors=_errors(((3, 4), (0, 2)), ((3,), (-2, 0)))),
    OpInfo("swapaxes", lambda lib, a, d0, d1: a.swapaxes(d0, d1),
           _samples(((2, 3, 4), (0, 2)),)),
    OpInfo("swapdims", lambda lib, a, d0, d1: lib.swapdims(a, d0, d1),
           _samples(((2, 3, 4), (1, 2)),)),
    OpInfo("transpose_", lambda lib, a, d0, d1: (a * 1).transpose_(d0, d1),
           _samples(((2, 3, 4), (0, 2)),)),
    OpInfo("t", lambda lib, a: a.t(), _samples(((3, 4),), ((3,),), ((),)), dtypes=ALL,
           errors=_errors(((2, 3, 4),))),
    OpInfo("t_", lambda lib, a: (a * 1).t_(), _samples(((3, 4),), ((3,),))),
    OpInfo("permute", lambda lib, a, *dims: a.permute(*dims),
           _samples(((2, 3, 4), (2, 0, 1)), ((2, 3, 4), ((1, 2, 0),)), ((2, 3), (-1, 0)),
                    ((), ((),))),
           dtypes=ALL, errors=_errors(((2, 3), (0, 0)), ((2, 3), (0,)), ((2, 3), (0, 2)))),
    OpInfo("movedim", lambda lib, a, s, d: lib.movedim(a, s, d),
           _samples(((2, 3, 4), (0, 2)), ((2, 3, 4), ((0, 1), (2, 0))), ((2, 3, 4), (-1, 0)),
                    ((2, 3), (0, 0))),
           dtypes=ALL, covers=("moveaxis",),
           errors=_errors(((2, 3), ((0, 0), (1, 0))), ((2, 3), ((0,), (0, 1))),
                          ((2, 3), (2, 0)))),
    OpInfo("moveaxis", lambda lib, a, s, d: a.moveaxis(s, d), _samples(((2, 3, 4), (0, -1)),)),
    OpInfo("T", lambda lib, a: a.T, _samples(((3, 4),), ((3,),), ((),)), dtypes=ALL),
    OpInfo("mT", lambda lib, a: a.mT, _samples(((3, 4),), ((2, 3, 4),)), dtypes=ALL,
           errors=_errors(((3,),))),
    OpInfo("H", lambda lib, a: a.H, _samples(((3, 4),), ((),)), errors=_errors(((3,),))),
    OpInfo("mH", lambda lib, a: a.mH, _samples(((3, 4),), ((2, 3, 4),)),
           errors=_errors(((3,),))),
    # --- broadcasting -------------------------------------------------------------------------
    OpInfo("expand", lambda lib, a, *sizes: a.expand(*sizes),
           _samples(((3, 1), (3, 4)), ((3, 1), (-1, 4)), ((3, 1), ((2, 3, 4),)),
                    ((), (3,)), ((3, 4), (3, 4)), ((1,), (0,))),
           dtypes=ALL,
           errors=_errors(((3, 2), (3, 4)), ((3,), (-1, 3)), ((3, 4), (4,)), ((3, 4), (3, -2)))),
    OpInfo("expand_as", lambda lib, a, b: a.expand_as(b),
           lambda rng, dt: [S(randn(rng, (3, 1), dt), randn(rng, (2, 3, 4), dt))], dtypes=ALL),
    OpInfo("broadcast_to", lambda lib, a, size: lib.broadcast_to(a, size),
           _samples(((3, 1), ((3, 4),)), ((), ((2, 2),)), ((4,), ((2, 4),))), dtypes=ALL,
           errors=_errors(((3, 2), ((3, 4),)),)),
    OpInfo("broadcast_tensors", lambda lib, *ts: lib.broadcast_tensors(*ts),
           lambda rng, dt: [S(randn(rng, (3, 1), dt), randn(rng, (4,), dt)),
                            S(randn(rng, (2, 1, 3), dt), randn(rng, (), dt),
                              randn(rng, (4, 1), dt)),
                            S(randn(rng, (3,), dt))], dtypes=ALL,
           errors=lambda rng: [E(randn(rng, (3,), F32), randn(rng, (4,), F32))]),
    OpInfo("broadcast_shapes", lambda lib, *shapes: lib.broadcast_shapes(*shapes),
           lambda rng, dt: [S((3, 1), (4,)), S(2, 2), S((2, 1, 3), (), (4, 1)), S()],
           dtypes=("float32",), grad=False,
           errors=lambda rng: [E((2,), (3,)), E((2, 3), (3, 2))]),
    OpInfo("atleast_1d", lambda lib, *ts: lib.atleast_1d(*ts),
           lambda rng, dt: [S(randn(rng, (), dt)), S(randn(rng, (3,), dt)),
                            S(randn(rng, (2, 3), dt)), S(randn(rng, (), dt), randn(rng, (2,), dt)),
                            S([randn(rng, (), dt), randn(rng, (2, 2), dt)])], dtypes=ALL),
    OpInfo("atleast_2d", lambda lib, *ts: lib.atleast_2d(*ts),
           lambda rng, dt: [S(randn(rng, (), dt)), S(randn(rng, (3,), dt)),
                            S(randn(rng, (2, 3), dt)), S(randn(rng, (2, 3, 4), dt)),
                            S(randn(rng, (), dt), randn(rng, (2,), dt))], dtypes=ALL),
    OpInfo("atleast_3d", lambda lib, *ts: lib.atleast_3d(*ts),
           lambda rng, dt: [S(randn(rng, (), dt)), S(randn(rng, (3,), dt)),
                            S(randn(rng, (2, 3), dt)), S(randn(rng, (2, 3, 4), dt)),
                            S(randn(rng, (1, 2, 3, 4), dt)),
                            S(randn(rng, (), dt), randn(rng, (2,), dt))], dtypes=ALL),
    # --- select / narrow / diagonal / strided views -----------------------------------------------
    OpInfo("select", lambda lib, a, dim, i: a.select(dim, i),
           _samples(((3, 4), (0, 1)), ((3, 4), (1, -1)), ((2, 3, 4), (2, 3)), ((3,), (0, 2))),
           dtypes=ALL,
           errors=_errors(((3, 4), (0, 3)), ((3, 4), (1, -5)), ((), (0, 0)), ((3, 4), (2, 0)))),
    OpInfo("narrow", lambda lib, a, dim, start, length: lib.narrow(a, dim, start, length),
           _samples(((4, 5), (0, 1, 2)), ((4, 5), (1, -3, 2)), ((4, 5), (-1, 0, 5)),
                    ((4, 5), (1, 2, 0))),
           dtypes=ALL,
           errors=_errors(((4, 5), (0, 3, 2)), ((4, 5), (1, 6, 1)), ((4, 5), (0, 0, -1)))),
    OpInfo("diagonal", lambda lib, a, *args, **kw: lib.diagonal(a, *args, **kw),
           _samples(((3, 4),), ((3, 4), (1,)), ((3, 4), (-1,)), ((3, 4), (5,)),
                    ((2, 3, 4), (0, 1, 2)), ((2, 3, 4), (1, 0, 2)), ((2, 3, 4), (0, -1, 0)),
                    ((2, 3, 4), (), {"dim1": 2, "dim2": 1})),
           dtypes=ALL, errors=_errors(((3, 4), (0, 1, 1)), ((3,),), ((3, 4), (0, 0, 2)))),
    OpInfo("diag", lambda lib, a, *args: lib.diag(a, *args),
           _samples(((3,),), ((3,), (1,)), ((3,), (-2,)), ((3, 4),), ((3, 4), (1,)),
                    ((3, 4), (-2,))),
           dtypes=ALL, errors=_errors(((2, 3, 4),), ((),))),
    OpInfo("diag_embed", lambda lib, a, *args: lib.diag_embed(a, *args),
           _samples(((3,),), ((2, 3),), ((2, 3), (1,)), ((2, 3), (-1, 0, 2)),
                    ((2, 3), (0, 2, 0))),
           dtypes=ALL, errors=_errors(((2, 3), (0, 1, 1)),)),
    OpInfo("diagflat", lambda lib, a, *args: lib.diagflat(a, *args),
           _samples(((3,),), ((2, 2),), ((3,), (1,)), ((3,), (-1,)), ((),)), dtypes=ALL),
    OpInfo("trace", lambda lib, a: lib.trace(a), _samples(((3, 4),), ((3, 3),), ((4, 2),)),
           dtypes=FLOATS + INTS, errors=_errors(((3,),), ((2, 2, 2),))),
    OpInfo("as_strided", lambda lib, a, *args, t=False: _t(a, t).as_strided(*args),
           as_strided_samples, dtypes=ALL,
           errors=lambda rng: [E(randn(rng, (3, 4), F32), (3, 4), (4, 1), 1),
                               E(randn(rng, (3, 4), F32), (2, 2), (-1, 1))]),
    OpInfo("unfold", lambda lib, a, d, size, step, t=False: _t(a, t).unfold(d, size, step),
           _samples(((6,), (0, 2, 1)), ((3, 5), (1, 2, 2)), ((3, 5), (0, 3, 1)),
                    ((3, 5), (-1, 5, 1)), ((), (0, 1, 1)), ((3,), (0, 0, 1)),
                    ((3, 4), (1, 2, 1), {"t": True})),
           dtypes=ALL,
           errors=_errors(((3,), (0, 4, 1)), ((3,), (0, 2, 0)), ((3,), (1, 1, 1)))),
    # --- joining --------------------------------------------------------------------------------
    OpInfo("cat", lambda lib, ts, *args, **kw: lib.cat(ts, *args, **kw),
           lambda rng, dt: [
               S([randn(rng, (2, 3), dt), randn(rng, (1, 3), dt)]),
               S([randn(rng, (2, 3), dt), randn(rng, (2, 1), dt), randn(rng, (2, 2), dt)], 1),
               S([randn(rng, (2, 3), dt), randn(rng, (2, 2), dt)], dim=-1),
               S([randn(rng, (2, 3), dt), np.zeros((0,), dt), randn(rng, (1, 3), dt)],
                 name="legacy empty"),
               S([randn(rng, (2, 3), dt), np.zeros((0,), dt)], 1, name="legacy empty dim 1"),
               S([np.zeros((0,), dt), np.zeros((0,), dt)], name="all empty"),
               S([randn(rng, (3,), dt)]),
               S([randn(rng, (2, 0), dt), randn(rng, (2, 3), dt)], 1),
               S([randn(rng, (2,), dt), randn(rng, (2,), "float64")], name="float64 promotion"),
               S([randn(rng, (2,), dt), randn(rng, (2,), "int32")], name="int32 promotion"),
               S([randn(rng, (2,), dt), randn(rng, (2,), "bool")], name="bool promotion"),
           ], dtypes=ALL, covers=("concat", "concatenate"),
           errors=lambda rng: [
               E([randn(rng, (2, 3), F32), randn(rng, (2, 2), F32)]),
               E([randn(rng, (2, 3), F32), randn(rng, (3,), F32)]),
               E([randn(rng, (), F32), randn(rng, (2,), F32)]),
               E([]),
               E([randn(rng, (2, 3), F32)], 2),
               E(randn(rng, (2, 3), F32)),
               E([randn(rng, (2, 0), F32), randn(rng, (3,), F32)])]),
    OpInfo("concat", lambda lib, ts, dim=0: lib.concat(ts, dim),
           lambda rng, dt: [S([randn(rng, (2, 3), dt), randn(rng, (2, 1), dt)], 1)]),
    OpInfo("concatenate", lambda lib, ts, axis=0: lib.concatenate(ts, axis=axis),
           lambda rng, dt: [S([randn(rng, (2, 3), dt), randn(rng, (1, 3), dt)], axis=0)]),
    OpInfo("stack", lambda lib, ts, *args, **kw: lib.stack(ts, *args, **kw),
           lambda rng, dt: [
               S([randn(rng, (2, 3), dt), randn(rng, (2, 3), dt)]),
               S([randn(rng, (2, 3), dt), randn(rng, (2, 3), dt), randn(rng, (2, 3), dt)], 1),
               S([randn(rng, (2, 3), dt), randn(rng, (2, 3), dt)], dim=-1),
               S([randn(rng, (2, 3), dt), randn(rng, (2, 3), dt)], axis=1),
               S([randn(rng, (), dt), randn(rng, (), dt)]),
               S([randn(rng, (2,), dt), randn(rng, (2,), "float64")], name="promotion"),
           ], dtypes=ALL,
           errors=lambda rng: [E([randn(rng, (2, 3), F32), randn(rng, (3, 2), F32)]), E([]),
                               E(randn(rng, (2, 3), F32)),
                               E([randn(rng, (2,), F32)], 2)]),
    OpInfo("hstack", lambda lib, ts: lib.hstack(ts),
           lambda rng, dt: [S([randn(rng, (2,), dt), randn(rng, (3,), dt)]),
                            S([randn(rng, (2, 1), dt), randn(rng, (2, 3), dt)]),
                            S([randn(rng, (), dt), randn(rng, (2,), dt)])], dtypes=ALL,
           errors=lambda rng: [E([randn(rng, (2, 1), F32), randn(rng, (3, 1), F32)]), E([])]),
    OpInfo("vstack", lambda lib, ts: lib.vstack(ts),
           lambda rng, dt: [S([randn(rng, (3,), dt), randn(rng, (3,), dt)]),
                            S([randn(rng, (2, 3), dt), randn(rng, (3,), dt)]),
                            S([randn(rng, (), dt), randn(rng, (1,), dt)])], dtypes=ALL,
           covers=("row_stack",),
           errors=lambda rng: [E([randn(rng, (2,), F32), randn(rng, (3,), F32)])]),
    OpInfo("row_stack", lambda lib, ts: lib.row_stack(ts),
           lambda rng, dt: [S([randn(rng, (3,), dt), randn(rng, (2, 3), dt)])]),
    OpInfo("dstack", lambda lib, ts: lib.dstack(ts),
           lambda rng, dt: [S([randn(rng, (3,), dt), randn(rng, (3,), dt)]),
                            S([randn(rng, (2, 3), dt), randn(rng, (2, 3, 2), dt)]),
                            S([randn(rng, (), dt), randn(rng, (), dt)])], dtypes=ALL),
    OpInfo("column_stack", lambda lib, ts: lib.column_stack(ts),
           lambda rng, dt: [S([randn(rng, (3,), dt), randn(rng, (3,), dt)]),
                            S([randn(rng, (3,), dt), randn(rng, (3, 2), dt)]),
                            S([randn(rng, (), dt), randn(rng, (1, 2), dt)])], dtypes=ALL),
    # --- splitting -------------------------------------------------------------------------------
    OpInfo("split", lambda lib, a, *args, **kw: lib.split(a, *args, **kw),
           _samples(((5, 2), (2,)), ((5, 2), ([1, 4],)), ((2, 5), (2, 1)), ((2, 5), (3, -1)),
                    ((2, 5), ((2, 0, 3),), {"dim": 1}), ((0, 2), (0,)), ((4, 2), (4,)),
                    ((4, 2), (7,))),
           dtypes=ALL, errors=_errors(((3, 2), (0,)), ((3, 2), ([1, 1],)), ((3, 2), (1, 2)))),
    OpInfo("split_with_sizes", lambda lib, a, sizes, dim=0: a.split_with_sizes(sizes, dim),
           _samples(((5, 2), ([2, 3],)), ((2, 5), ([1, 1, 3], 1))), dtypes=ALL,
           errors=_errors(((5, 2), ([2, 2],)),)),
    OpInfo("chunk", lambda lib, a, n, dim=0: lib.chunk(a, n, dim),
           _samples(((6, 2), (3,)), ((5, 2), (2,)), ((2, 5), (4, 1)), ((2, 6), (4, -1)),
                    ((3, 2), (5,))),
           dtypes=ALL, errors=_errors(((3, 2), (0,)),)),
    OpInfo("tensor_split", lambda lib, a, s, dim=0: lib.tensor_split(a, s, dim),
           lambda rng, dt: [S(randn(rng, (5, 2), dt), 3), S(randn(rng, (7, 2), dt), 3),
                            S(randn(rng, (2, 5), dt), [1, 3], 1),
                            S(randn(rng, (5, 2), dt), [2, 1, 4]),
                            S(randn(rng, (5, 2), dt), [7]),
                            S(randn(rng, (5, 2), dt), index([1, 3])),
                            S(randn(rng, (5, 2), dt), index(2)),
                            S(randn(rng, (2, 5), dt), (2,), -1)], dtypes=ALL,
           errors=lambda rng: [E(randn(rng, (3, 2), F32), 0)]),
    OpInfo("unbind", lambda lib, a, dim=0: lib.unbind(a, dim),
           _samples(((3, 2),), ((3, 2), (1,)), ((2, 3, 2), (-1,)), ((0, 2), (1,))), dtypes=ALL,
           errors=_errors(((),), ((3, 2), (2,)))),
    # --- copies: repeat, flip, roll, rot90, tril ---------------------------------------------
    OpInfo("repeat", lambda lib, a, *sizes: a.repeat(*sizes),
           _samples(((2, 3), (2, 1)), ((2, 3), (2, 2, 1)), ((), (3,)), ((2,), ((3, 2),)),
                    ((2, 3), (0, 1))),
           dtypes=ALL, errors=_errors(((2, 3), (2,)), ((2, 3), (-1, 1)))),
    OpInfo("tile", lambda lib, a, dims: lib.tile(a, dims),
           _samples(((2, 3), ((2,),)), ((2, 3), ((2, 1, 1),)), ((3,), ((2, 2),)),
                    ((), ((2,),))),
           dtypes=ALL),
    OpInfo("repeat_interleave", lambda lib, a, *args, **kw: lib.repeat_interleave(a, *args, **kw),
           lambda rng, dt: [S(randn(rng, (2, 3), dt), 2), S(randn(rng, (2, 3), dt), 2, dim=0),
                            S(randn(rng, (2, 3), dt), 3, dim=-1),
                            S(randn(rng, (2, 3), dt), index([1, 0, 2]), dim=1),
                            S(randn(rng, (2, 3), dt), index(2), name="0-d repeats"),
                            S(randn(rng, (2, 3), dt), index([2]), dim=1),
                            S(randn(rng, (3,), dt), index([1, 2, 0])),
                            S(randn(rng, (), dt), 3)], dtypes=ALL,
           errors=lambda rng: [E(randn(rng, (2, 3), F32), index([1, 2]), dim=1),
                               E(randn(rng, (2, 3), F32), -1),
                               E(randn(rng, (2, 3), F32), index([1, -1, 1]), dim=1)]),
    OpInfo("repeat_interleave_counts", lambda lib, r: lib.repeat_interleave(r),
           lambda rng, dt: [S(index([1, 0, 3])), S(index([2]))], dtypes=("int64",),
           grad=False),
    OpInfo("flip", lambda lib, a, *dims: lib.flip(a, *dims),
           _samples(((2, 3), ((0,),)), ((2, 3), ((0, 1),)), ((2, 3, 2), ((-1, 0),)),
                    ((2, 3), ((),)), ((), ((),))),
           dtypes=ALL, errors=_errors(((2, 3), ((0, 0),)), ((2, 3), ((2,),)), ((2, 3), (1,)))),
    OpInfo("flip_method", lambda lib, a, *dims: a.flip(*dims),
           _samples(((2, 3), (1,)), ((2, 3), (0, 1)), ((2, 3), ((1,),))), dtypes=ALL),
    OpInfo("fliplr", lambda lib, a: lib.fliplr(a), _samples(((2, 3),), ((2, 3, 2),)),
           dtypes=ALL, errors=_errors(((3,),))),
    OpInfo("flipud", lambda lib, a: lib.flipud(a), _samples(((2, 3),), ((3,),)), dtypes=ALL,
           errors=_errors(((),))),
    OpInfo("roll", lambda lib, a, *args: lib.roll(a, *args),
           _samples(((2, 3), (1,)), ((2, 3), (-2,)), ((2, 3), (1, 1)), ((2, 3), (4, 0)),
                    ((2, 3), ((1, 2), (0, 1))), ((2, 3), (1, -1)), ((2, 3), ((5,),)),
                    ((), (1,)), ((0, 2), (1, 0))),
           dtypes=ALL, errors=_errors(((2, 3), ((1, 2),)), ((2, 3), (1, (0, 1))),
                                      ((2, 3), (1, 2)))),
    OpInfo("rot90", lambda lib, a, *args: lib.rot90(a, *args),
           _samples(((2, 3),), ((2, 3), (2,)), ((2, 3), (3,)), ((2, 3), (-1,)), ((2, 3), (0,)),
                    ((2, 3), (5,)), ((2, 3), (1, (1, 0))), ((2, 3, 2), (1, (0, 2))),
                    ((2, 3, 2), (1, (-1, 1)))),
           dtypes=ALL, errors=_errors(((3,),), ((2, 3), (1, (0, 0))), ((2, 3), (1, (0,))),
                                      ((2, 3), (1, (0, 2))))),
    OpInfo("tril", lambda lib, a, *args: lib.tril(a, *args),
           _samples(((3, 4),), ((3, 4), (1,)), ((3, 4), (-1,)), ((2, 3, 3), (0,)),
                    ((3, 4), (-5,)), ((3, 4), (7,))),
           dtypes=ALL, errors=_errors(((3,),))),
    OpInfo("triu", lambda lib, a, *args: lib.triu(a, *args),
           _samples(((3, 4),), ((3, 4), (1,)), ((3, 4), (-1,)), ((2, 3, 3), (2,))),
           dtypes=ALL, errors=_errors(((3,),))),
    OpInfo("tril_", lambda lib, a, *args: (a * 1).tril_(*args), _samples(((3, 4), (1,)),),
           dtypes=FLOATS + INTS),
    OpInfo("triu_", lambda lib, a, *args: (a * 1).triu_(*args), _samples(((3, 4), (-1,)),),
           dtypes=FLOATS + INTS),
]
