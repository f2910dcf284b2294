"""Upsampling nodes (torch's `upsample_*` kernels behind F.interpolate): nearest and
nearest-exact in 1-3 dims, linear, bilinear, bicubic, trilinear, and the antialiased
(PIL-style) bilinear, bicubic and lanczos resamplers.

Every mode is separable: each resized dim gets a plan, an (O, K) array of input indices
and an (O, K) array of weights (None for the nearest modes), computed once per call in
the same float type and order of operations as torch's CPU kernels so that the chosen
indices agree exactly. The forward node gathers along one dim at a time; its backward is a
second node that scatter-adds with the same plans (torch's `...BackwardBackward0`), whose own
backward is the forward again, so gradients of any order are exact transposes.
"""
import math

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops.engine import Node, execute

_F32 = xp.float32
_F64 = xp.float64


# --- plans: per-dim input indices and weights ----------------------------------------------

def _opmath(dtype):
    """The float type torch computes indices and weights in: double for double, else float."""
    return _F64 if dtype == _F64 else _F32


def _scales_value(scale, in_size, out_size, ft):
    """torch's compute_scales_value: 1/scale_factor when one was given, else in/out."""
    if scale is not None and scale > 0:
        return ft(1.0 / scale)
    return ft(in_size) / ft(out_size)


def _area_scale(in_size, out_size, align_corners, scale, ft):
    """torch's area_pixel_compute_scale: the step between sampled input positions."""
    if align_corners:
        return ft(in_size - 1) / ft(out_size - 1) if out_size > 1 else ft(0)
    return _scales_value(scale, in_size, out_size, ft)


def _fma(a, b, c, ft):
    """a * b + c rounded once to ft: torch's CPU kernels are built with fused multiply-adds,
    which decide the last bit of an index (a wider type stands in for the fused op)."""
    wide = _F64 if ft == _F32 else xp.longdouble
    return (xp.asarray(a, wide) * xp.asarray(b, wide) + xp.asarray(c, wide)).astype(ft)


def _source_index(s, out_size, align_corners, cubic, ft):
    """torch's area_pixel_compute_source_index for every output position, in type ft."""
    d = xp.arange(out_size).astype(ft)
    if align_corners:
        return s * d
    src = _fma(s, d + ft(0.5), ft(-0.5), ft)
    return src if cubic else xp.maximum(src, ft(0))


def _floorf(v):
    # torch floors through floorf, which first rounds a double to float
    return xp.floor(v.astype(_F32)).astype(xp.int64)


def _guard(src, in_size, ft):
    """torch's guard_index_and_lambda: (floor index clipped to the input, fraction in [0, 1])."""
    i0 = xp.minimum(_floorf(src), in_size - 1)
    lam = xp.clip(src - i0.astype(ft), ft(0), ft(1)).astype(ft)
    return i0, lam


def _nearest_plan(in_size, out_size, scale, exact, ft):
    """Input index of each output for the generic CPU nearest kernels (computed in `ft`)."""
    s = _area_scale(in_size, out_size, False, scale, ft)
    if exact:
        src = _source_index(s, out_size, False, False, ft)
        idx = _floorf(src.astype(_F64) + 0.5)
    else:
        idx = _floorf(s * xp.arange(out_size).astype(ft))
    return xp.minimum(idx, in_size - 1)[:, None], None


def _nearest_idx_plan(in_size, out_size, scale, exact):
    """torch's nearest_idx / nearest_exact_idx (float scale; nearest also has exact shortcuts
    for out == in and out == 2 * in), used by its backward and channels-last kernels."""
    i = xp.arange(out_size)
    if not exact and out_size == in_size:
        idx = i
    elif not exact and out_size == 2 * in_size:
        idx = i >> 1
    else:
        s = _scales_value(scale, in_size, out_size, _F32)
        if exact:
            idx = _floorf((i + 0.5) * float(s))
        else:
            idx = _floorf(i.astype(_F32) * s)
    return xp.minimum(idx, in_size - 1)[:, None], None


def _linear_plan(in_size, out_size, align_corners, scale, ft):
    """Two taps per output (torch's compute_source_index_and_lambda)."""
    if out_size == in_size:  # torch copies whatever the scale factor
        i = xp.arange(out_size)
        return xp.stack([i, i], 1), xp.stack([xp.ones(out_size, ft), xp.zeros(out_size, ft)], 1)
    s = _area_scale(in_size, out_size, align_corners, scale, ft)
    i0, lam = _guard(_source_index(s, out_size, align_corners, False, ft), in_size, ft)
    i1 = i0 + (i0 < in_size - 1)
    return xp.stack([i0, i1], 1), xp.stack([ft(1) - lam, lam], 1)


def _cubic1(x, a, ft):
    """Keys' cubic for |x| <= 1: ((a + 2) x - (a + 3)) x^2 + 1 (fused as torch's build)."""
    p = _fma(a + 2, x, -(a + 3), ft) * x
    return _fma(p, x, ft(1), ft)


def _cubic2(x, a, ft):
    """Keys' cubic for 1 < |x| < 2: ((a x - 5a) x + 8a) x - 4a."""
    p = _fma(_fma(a, x, -5 * a, ft), x, 8 * a, ft)
    return _fma(p, x, -4 * a, ft)


def _cubic_plan(in_size, out_size, align_corners, scale, ft):
    """Four taps per output, Keys' cubic convolution with A = -0.75, edge indices clamped."""
    s = _area_scale(in_size, out_size, align_corners, scale, ft)
    i0, t = _guard(_source_index(s, out_size, align_corners, True, ft), in_size, ft)
    a, one = ft(-0.75), ft(1)
    u = one - t
    w = xp.stack([_cubic2(t + one, a, ft), _cubic1(t, a, ft), _cubic1(u, a, ft),
                  _cubic2(u + one, a, ft)], 1).astype(ft)
    idx = xp.clip(i0[:, None] + xp.arange(-1, 3)[None, :], 0, in_size - 1)
    return idx, w


def _aa_linear(x, ft):
    x = xp.abs(x)
    return xp.where(x < 1, ft(1) - x, ft(0))


def _aa_cubic(x, ft):
    x, a = xp.abs(x), ft(-0.5)  # Keys' A = -0.5, as PIL
    return xp.where(x < 1, _cubic1(x, a, ft), xp.where(x < 2, _cubic2(x, a, ft), ft(0)))


def _sinc(x, ft):
    px = x * ft(math.pi)
    safe = xp.where(x == 0, ft(1), px)
    return xp.where(x == 0, ft(1), xp.sin(safe) / safe)


def _aa_lanczos(x, ft):
    x = xp.abs(x)
    return xp.where(x < 3, _sinc(x, ft) * _sinc(x / ft(3), ft), ft(0))


_AA = {"bilinear": (2, _aa_linear), "bicubic": (4, _aa_cubic), "lanczos": (6, _aa_lanczos)}


def _aa_plan(in_size, out_size, align_corners, scale, mode, ft):
    """PIL-style taps (torch's _compute_indices_min_size_weights_aa): the filter stretched
    by the downscale factor, truncated at the input's edges and normalised to sum 1."""
    taps, filt = _AA[mode]
    s = _area_scale(in_size, out_size, align_corners, scale, ft)
    support = ft(taps * 0.5 * float(s)) if s >= 1 else ft(taps * 0.5)
    kmax = int(math.ceil(support)) * 2 + 1
    center = (float(s) * (xp.arange(out_size) + 0.5)).astype(ft)
    invscale = ft(1.0 / float(s)) if s >= 1 else ft(1)
    xmin = xp.maximum((center - support).astype(_F64) + 0.5, 0).astype(xp.int64)
    xmax = xp.minimum(((center + support).astype(_F64) + 0.5).astype(xp.int64), in_size)
    xsize = xp.clip(xmax - xmin, 0, kmax)
    j = xp.arange(kmax)[None, :]
    pos = ((j + xmin[:, None]).astype(ft) - center[:, None]).astype(_F64) + 0.5
    w = filt((pos * float(invscale)).astype(ft), ft).astype(ft)
    w = xp.where(j < xsize[:, None], w, ft(0))
    total = xp.zeros(out_size, ft)
    for k in range(kmax):  # torch sums the taps in order, in type ft
        total = (total + w[:, k]).astype(ft)
    w = xp.where(total[:, None] != 0, w / xp.where(total == 0, ft(1), total)[:, None], w)
    idx = xp.minimum(xmin[:, None] + j, in_size - 1)
    return idx, w.astype(ft)


# --- applying plans ------------------------------------------------------------------------

def _is_identity(plan, in_size):
    idx, w = plan
    if idx.shape[0] != in_size or not (idx[:, 0] == xp.arange(in_size)).all():
        return False
    return w is None or (w[:, 0] == 1).all() and not w[:, 1:].any()


def _compute_dtype(dt):
    return dt if dt.kind == "f" and dt.itemsize >= 4 else _F32


def _quantize(plan):
    """torch's uint8 weights: duplicate taps merged, then scaled by 2**prec and rounded to
    integers, prec the largest keeping the biggest weight below 2**15."""
    idx, w = plan
    o, k = idx.shape
    group = xp.concatenate([xp.zeros((o, 1), xp.int64),
                            xp.cumsum(idx[:, 1:] != idx[:, :-1], axis=1)], axis=1)
    merged = xp.zeros((o, k))
    rows = xp.arange(o)
    top, acc = 0.0, xp.zeros(o)
    for j in range(k):  # torch's maximum runs over the partial sums of merged taps
        acc = w[:, j] + (acc if j else 0) * (group[:, j] == group[:, j - 1] if j else 0)
        merged[rows, group[:, j]] = acc
        top = max(top, float(acc.max(initial=0.0)))
    first = xp.zeros((o, k), xp.int64)
    first[rows[:, None], group] = idx
    prec = 0
    while prec < 22 and int(0.5 + top * (1 << (prec + 1))) < (1 << 15):
        prec += 1
    v = merged * (1 << prec)
    q = xp.where(v < 0, (v - 0.5).astype(xp.int64), (v + 0.5).astype(xp.int64))
    return first, q, prec


def _resample_uint8(x, plans):
    """uint8 resampling in integers, as torch (and PIL): round, shift, clamp to [0, 255]
    after each dim."""
    nd = len(plans)
    for i in reversed(range(nd)):
        ax = x.ndim - nd + i
        if plans[i][1] is None:
            continue
        idx, q, prec = plans[i]
        g = xp.take(x.astype(xp.int64), idx, axis=ax)
        acc = (g * q.reshape(q.shape + (1,) * (x.ndim - ax - 1))).sum(ax + 1)
        x = xp.clip((acc + (1 << (prec - 1))) >> prec, 0, 255).astype(xp.uint8)
    return xp.ascontiguousarray(x)


def resample(x, plans):
    """Resize the last len(plans) dims of array `x`, last dim first (as torch's separable
    kernels do): out[..., o, ...] = sum_k w[o, k] * x[..., idx[o, k], ...]."""
    nd = len(plans)
    dt = x.dtype
    if any(len(p) == 3 for p in plans):
        return _resample_uint8(x, plans)
    interp = any(w is not None for _, w in plans)
    if interp:
        x = x.astype(_compute_dtype(dt), copy=False)
    for i in reversed(range(nd)):
        ax = x.ndim - nd + i
        if _is_identity(plans[i], x.shape[ax]):
            continue
        idx, w = plans[i]
        if w is None:
            x = xp.take(x, idx[:, 0], axis=ax)
            continue
        w = w.astype(x.dtype).reshape(w.shape + (1,) * (x.ndim - ax - 1))
        acc = xp.take(x, idx[:, 0], axis=ax) * w[:, 0]
        for k in range(1, idx.shape[1]):  # taps summed in order, as torch's loops do
            acc += xp.take(x, idx[:, k], axis=ax) * w[:, k]
        x = acc
    return xp.ascontiguousarray(x.astype(dt, copy=False))


def _scatter(g, ax, plan, size):
    """Adjoint of one gather along `ax`: per tap, runs of equal (non-decreasing) indices are
    summed with add.reduceat and added at their input index."""
    idx, w = plan
    out = xp.zeros(g.shape[:ax] + (size,) + g.shape[ax + 1:], g.dtype)
    bshape = (-1,) + (1,) * (g.ndim - ax - 1)
    where = [slice(None)] * g.ndim
    for k in range(idx.shape[1]):
        col = idx[:, k]
        vals = g if w is None else g * w[:, k].astype(g.dtype).reshape(bshape)
        starts = xp.flatnonzero(xp.diff(col, prepend=-1))
        where[ax] = col[starts]
        out[tuple(where)] += xp.add.reduceat(vals, starts, axis=ax)
    return out


def resample_transpose(g, plans, in_sizes):
    """The adjoint of `resample`: scatter-add each gradient entry back, with its weight, to
    the inputs it was read from (first dim first, undoing `resample`'s order)."""
    nd = len(plans)
    dt = g.dtype
    g = g.astype(_compute_dtype(dt), copy=False)
    for i in range(nd):
        ax = g.ndim - nd + i
        size = in_sizes[i]
        if _is_identity(plans[i], size) and g.shape[ax] == size:
            continue
        g = _scatter(g, ax, plans[i], size)
    return xp.ascontiguousarray(g.astype(dt, copy=False))


class _Upsample(Node):
    """Forward: resample with `plans`; backward: the adjoint, with torch's backward plans."""

    transpose = None  # the matching ...BackwardBackward0 class

    def forward(self, x, plans, back_plans):
        self.plans, self.back_plans = plans, back_plans
        self.in_sizes = x.shape[x.ndim - len(plans):]
        return resample(x, plans)

    def backward(self, grad):
        return execute(self.transpose, (grad,), (grad._data,),
                       (self.back_plans, self.plans, self.in_sizes))


class _UpsampleBackward(Node):
    """Scatter-add of an upsampled gradient onto the input grid; its gradient is the
    forward upsampling of the incoming gradient."""

    upsample = None  # the matching forward class

    def forward(self, g, plans, fwd_plans, in_sizes):
        self.plans, self.fwd_plans = plans, fwd_plans
        return resample_transpose(g, plans, in_sizes)

    def backward(self, grad):
        return execute(self.upsample, (grad,), (grad._data,), (self.fwd_plans, self.plans))


class UpsampleNearest1DBackward0(_Upsample):
    pass


class UpsampleNearest1DBackwardBackward0(_UpsampleBackward):
    pass


class UpsampleNearest2DBackward0(_Upsample):
    pass


class UpsampleNearest2DBackwardBackward0(_UpsampleBackward):
    pass


class UpsampleNearest3DBackward0(_Upsample):
    pass


class UpsampleNearest3DBackwardBackward0(_UpsampleBackward):
    pass


class UpsampleNearestExact1DBackward0(_Upsample):
    pass


class UpsampleNearestExact1DBackwardBackward0(_UpsampleBackward):
    pass


class UpsampleNearestExact2DBackward0(_Upsample):
    pass


class UpsampleNearestExact2DBackwardBackward0(_UpsampleBackward):
    pass


class UpsampleNearestExact3DBackward0(_Upsample):
    pass


class UpsampleNearestExact3DBackwardBackward0(_UpsampleBackward):
    pass


class UpsampleLinear1DBackward0(_Upsample):
    pass


class UpsampleLinear1DBackwardBackward0(_UpsampleBackward):
    pass


class UpsampleBilinear2DBackward0(_Upsample):
    pass


class UpsampleBilinear2DBackwardBackward0(_UpsampleBackward):
    pass


class UpsampleBicubic2DBackward0(_Upsample):
    pass


class UpsampleBicubic2DBackwardBackward0(_UpsampleBackward):
    pass


class UpsampleTrilinear3DBackward0(_Upsample):
    pass


class UpsampleTrilinear3DBackwardBackward0(_UpsampleBackward):
    pass


class UpsampleBilinear2DAaBackward0(_Upsample):
    pass


class UpsampleBilinear2DAaBackwardBackward0(_UpsampleBackward):
    pass


class UpsampleBicubic2DAaBackward0(_Upsample):
    pass


class UpsampleBicubic2DAaBackwardBackward0(_UpsampleBackward):
    pass


class UpsampleLanczos2DAaBackward0(_Upsample):
    pass


class UpsampleLanczos2DAaBackwardBackward0(_UpsampleBackward):
    pass


def _pair(fwd, bwd):
    fwd.transpose, bwd.upsample = bwd, fwd
    return fwd


_NODES = {
    ("nearest", 1): _pair(UpsampleNearest1DBackward0, UpsampleNearest1DBackwardBackward0),
    ("nearest", 2): _pair(UpsampleNearest2DBackward0, UpsampleNearest2DBackwardBackward0),
    ("nearest", 3): _pair(UpsampleNearest3DBackward0, UpsampleNearest3DBackwardBackward0),
    ("nearest-exact", 1): _pair(UpsampleNearestExact1DBackward0,
                                UpsampleNearestExact1DBackwardBackward0),
    ("nearest-exact", 2): _pair(UpsampleNearestExact2DBackward0,
                                UpsampleNearestExact2DBackwardBackward0),
    ("nearest-exact", 3): _pair(UpsampleNearestExact3DBackward0,
                                UpsampleNearestExact3DBackwardBackward0),
    ("linear", 1): _pair(UpsampleLinear1DBackward0, UpsampleLinear1DBackwardBackward0),
    ("bilinear", 2): _pair(UpsampleBilinear2DBackward0, UpsampleBilinear2DBackwardBackward0),
    ("bicubic", 2): _pair(UpsampleBicubic2DBackward0, UpsampleBicubic2DBackwardBackward0),
    ("trilinear", 3): _pair(UpsampleTrilinear3DBackward0,
                            UpsampleTrilinear3DBackwardBackward0),
    ("bilinear-aa", 2): _pair(UpsampleBilinear2DAaBackward0,
                              UpsampleBilinear2DAaBackwardBackward0),
    ("bicubic-aa", 2): _pair(UpsampleBicubic2DAaBackward0,
                             UpsampleBicubic2DAaBackwardBackward0),
    ("lanczos-aa", 2): _pair(UpsampleLanczos2DAaBackward0,
                             UpsampleLanczos2DAaBackwardBackward0),
}

_KERNEL = {"nearest": "compute_indices_weights_nearest",
           "nearest-exact": "compute_indices_weights_nearest",
           "linear": "compute_indices_weights_linear", "bilinear": "compute_indices_weights_linear",
           "trilinear": "compute_indices_weights_linear",
           "bicubic": "compute_indices_weights_cubic"}


def _check(input, mode, out_size, antialias):
    """torch's upsample_Nd_common_check: positive sizes, non-empty non-batch dims, dtype."""
    from ember._ops.elementwise import _scalar_type_name
    nd = len(out_size)
    in_size = tuple(input.shape[2:])
    if min(in_size) <= 0 or min(out_size) <= 0:
        names = "DHW"[3 - nd:]
        fmt = lambda s: ", ".join(f"{n}: {v}" for n, v in zip(names, s))  # noqa: E731
        sep = " and" if nd == 1 else ""
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({fmt(in_size)}){sep} output ({fmt(out_size)})")
    if input.numel() == 0 and math.prod(input.shape[1:]) == 0:
        raise RuntimeError(f"Non-empty {input.dim()}D data tensor expected but got a tensor "
                           f"with sizes {list(input.shape)}")
    dt = input.dtype
    if dt.category == _dt.FLOAT and (not antialias or dt.itemsize >= 4):
        return
    if dt.name == "uint8" and mode in ("nearest", "nearest-exact", "bilinear", "bicubic",
                                       "lanczos"):
        return
    # the name of the torch kernel whose dtype dispatch fails (2-d small outputs go to its
    # channels-last kernels)
    kernel = "compute_index_ranges_weights" if antialias else _KERNEL[mode]
    if (nd == 2 and not antialias and sum(out_size) <= 128
            and mode in ("nearest", "nearest-exact", "bilinear")):
        kernel = f"upsample_{'nearest' if 'nearest' in mode else 'bilinear'}2d_channels_last"
    raise NotImplementedError(f'"{kernel}" not implemented for '
                              f"'{_scalar_type_name(input.dtype)}'")


def _row0_bug(plans, in_size, out_size):
    """torch's separable (antialias / uint8) kernel, given a width-1 output, reuses output
    row 0's taps for every row in its vertical pass (its backward does not); reproduced so
    that forward values agree."""
    if out_size[1] != 1 or in_size[0] == out_size[0]:
        return plans
    first = tuple(xp.repeat(a[:1], len(a), 0) if isinstance(a, xp.ndarray) else a
                  for a in plans[0])
    return (first,) + tuple(plans[1:])


def _uint8_plans(in_size, out_size, scales, mode, align_corners, antialias):
    """torch's uint8 bilinear / bicubic plans: double weights made integer; dims whose size
    does not change are skipped."""
    plans = []
    for i, o, s in zip(in_size, out_size, scales):
        if i == o:
            plans.append((xp.arange(o)[:, None], None))
        elif antialias:
            plans.append(_quantize(_aa_plan(i, o, align_corners, s, mode, _F64)))
        else:
            make_plan = _cubic_plan if mode == "bicubic" else _linear_plan
            plans.append(_quantize(make_plan(i, o, align_corners, s, _F64)))
    return tuple(plans)


def upsample(input, mode, out_size, scales=None, align_corners=False, antialias=False):
    """Resize the spatial dims (all after N, C) of `input` to `out_size` with torch's
    `upsample_*` kernel for `mode`; `scales` are the user's scale factors (None: derived
    from the sizes), which torch uses in the index formula when given."""
    out_size = tuple(int(o) for o in out_size)
    nd = len(out_size)
    scales = (None,) * nd if scales is None else tuple(scales)
    _check(input, mode, out_size, antialias)
    in_size = tuple(input.shape[2:])
    ft = _opmath(input.dtype.np)
    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        back = tuple(_nearest_idx_plan(i, o, s, exact)
                     for i, o, s in zip(in_size, out_size, scales))
        if nd == 2 and sum(out_size) <= 128:  # torch's channels-last kernel takes small images
            plans = back
        else:
            plans = tuple(_nearest_plan(i, o, s, exact, ft)
                          for i, o, s in zip(in_size, out_size, scales))
        key = (mode, nd)
    elif input.dtype.name == "uint8":
        plans = back = _uint8_plans(in_size, out_size, scales, mode, align_corners, antialias)
        if input.shape[1] > 4:  # torch's generic separable kernel (see _row0_bug)
            plans = _row0_bug(plans, in_size, out_size)
        key = (mode + "-aa" if antialias else mode, nd)
    elif antialias:
        back = tuple(_aa_plan(i, o, align_corners, s, mode, ft)
                     for i, o, s in zip(in_size, out_size, scales))
        # torch's forward skips the dims whose size does not change (its backward does not)
        plans = tuple(p if i != o else (xp.arange(o)[:, None], xp.ones((o, 1), ft))
                      for p, i, o in zip(back, in_size, out_size))
        plans = _row0_bug(plans, in_size, out_size)
        key = (mode + "-aa", nd)
    else:
        make_plan = _cubic_plan if mode == "bicubic" else _linear_plan
        plans = back = tuple(make_plan(i, o, align_corners, s, ft)
                             for i, o, s in zip(in_size, out_size, scales))
        if mode == "bicubic" and in_size == out_size:
            # torch's bicubic backward copies when no size changes (its forward does not)
            back = tuple((xp.arange(o)[:, None], xp.ones((o, 1), ft)) for o in out_size)
        key = (mode, nd)
    return execute(_NODES[key], (input,), (input._data,), (plans, back))
