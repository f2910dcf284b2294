"""Sampling and rearranging nodes: grid sampling (`GridSampler2DBackward0`,
`GridSampler3DBackward0`), the affine grid (`AffineGridGeneratorBackward0`), pixel shuffle
(`PixelShuffleBackward0`, `PixelUnshuffleBackward0`) and channel shuffle
(`ChannelShuffleBackward0`; torch's `native_channel_shuffle` records a `NotImplemented` node).

Grid sampling reads each output point from a few taps of the input: per spatial dim the
grid coordinate becomes a source position (unnormalised, then clipped or reflected by the
padding mode), which gives 1 (nearest), 2 (bilinear) or 4 (bicubic) integer taps with
weights that are polynomials of the position's fractional part. A tap of the N-d sample is
one tap per dim; its weight is the product of the per-dim weights. The forward gathers all
taps at once with fancy indexing; the backward scatters the gradient to the same taps and
differentiates the weight polynomials for the grid, in ember ops, so double backward works.
"""
import itertools
import math

from ember._backend import xp
from ember._ops._util import make
from ember._ops.engine import GRAD, Node, execute
from ember._ops.registry import export
from ember._ops.shape import cat, stack

_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
_PADS = {"zeros": 0, "border": 1, "reflection": 2}
_A = -0.75  # torch's bicubic convolution constant


# --- coordinate mapping (backend arrays) ----------------------------------------------------

def _unnormalize(g, size, align):
    """Grid coordinate in [-1, 1] -> pixel position, and d(position)/d(coordinate)."""
    if align:
        return (g + 1) / 2 * (size - 1), (size - 1) / 2
    return ((g + 1) * size - 1) / 2, size / 2


def _clip(x, size):
    """Clamp to [0, size - 1]; the derivative is 0 on and beyond the borders, as torch's."""
    hi = size - 1
    grad = (x > 0) & (x < hi)
    # NaN clips to 0, as torch's vectorised max(x, 0)
    return xp.clip(xp.where(xp.isnan(x), 0, x), 0, hi).astype(x.dtype), grad.astype(x.dtype)


def _reflect(x, twice_low, twice_high):
    """Reflect positions into [low, high] (given doubled so half-pixel bounds stay exact),
    with the sign of d(reflected)/d(position)."""
    if twice_low == twice_high:
        return xp.zeros_like(x), xp.zeros_like(x)
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    d = x - low
    sign = xp.where(d < 0, -1, 1).astype(x.dtype)
    d = xp.abs(d)
    flips = xp.floor(d / span)
    extra = d - flips * span  # not fmod: torch's kernel, also for huge positions
    even = xp.fmod(flips, 2) == 0
    out = xp.where(even, extra + low, span - extra + low).astype(x.dtype)
    return out, xp.where(even, sign, -sign).astype(x.dtype)


def _pad_source(x, size, padding, align):
    """Apply the padding mode to positions: (position, d(position)/d(input position))."""
    if padding == 1:
        return _clip(x, size)
    if padding == 2:
        if align:
            r, m = _reflect(x, 0, 2 * (size - 1))
        else:
            r, m = _reflect(x, -1, 2 * size - 1)
        c, m2 = _clip(r, size)
        return c, m * m2
    return x, None


def _int_index(pos, size):
    """Integer positions (as floats) -> (int64 index clamped into range, in-bounds mask)."""
    finite = xp.isfinite(pos)
    pos = xp.where(finite, pos, -1)
    valid = finite & (pos >= 0) & (pos <= size - 1)
    return xp.clip(pos, 0, size - 1).astype(xp.int64), valid


def _dim_plan(g, size, mode, padding, align):
    """Per-dim taps for grid coordinates `g`: (taps, frac, mult) with taps a list of
    (index, valid) pairs, `frac` the fractional position the weights depend on (None for
    nearest) and `mult` d(position)/d(g) (None where the grid gets no gradient)."""
    pos, scale = _unnormalize(g, size, align)
    if mode == 2:
        # bicubic: the padding mode maps each integer tap, the position itself is unclipped
        base = xp.floor(pos)
        frac = (pos - base).astype(g.dtype)
        taps = []
        for j in range(-1, 3):
            p, _ = _pad_source(base + j, size, padding, align)
            taps.append(_int_index(xp.trunc(p) if padding else p, size))
        return taps, frac, xp.full(g.shape, scale, dtype=g.dtype)
    pos, m = _pad_source(pos, size, padding, align)
    mult = xp.full(g.shape, scale, dtype=g.dtype) if m is None else (m * scale).astype(g.dtype)
    if mode == 1:
        return [_int_index(xp.rint(pos), size)], None, None
    base = xp.floor(pos)
    frac = (pos - base).astype(g.dtype)
    return [_int_index(base, size), _int_index(base + 1, size)], frac, mult


def _cc1(x):
    return ((_A + 2) * x - (_A + 3)) * x * x + 1


def _cc2(x):
    return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A


def _dcc1(x):
    return (3 * (_A + 2) * x - 2 * (_A + 3)) * x


def _dcc2(x):
    return (3 * _A * x - 10 * _A) * x + 8 * _A


def _weights(t, mode):
    """The 1-d tap weights as functions of the fractional position `t` (array or tensor)."""
    if mode == 1:
        return [1]
    if mode == 0:
        return [1 - t, t]
    return [_cc2(t + 1), _cc1(t), _cc1(1 - t), _cc2(2 - t)]


def _dweights(t, mode):
    """d(weight)/dt of each 1-d tap."""
    if mode == 0:
        return [-1, 1]
    return [_dcc2(t + 1), _dcc1(t), -_dcc1(1 - t), -_dcc2(2 - t)]


def _product(factors):
    out = factors[0]
    for f in factors[1:]:
        out = out * f
    return out


class GridSampler2DBackward0(Node):
    """torch.grid_sampler_2d: sample input (N, C, H, W) at grid (N, Ho, Wo, 2) positions."""

    saves = (0, 1)
    nd = 2

    def forward(self, x, grid, mode, padding, align):
        if x.dtype.itemsize == 2:  # half types compute in float32, as torch's CPU kernel
            f32 = xp.float32
            return self.forward(x.astype(f32), grid.astype(f32), mode, padding,
                                align).astype(x.dtype)
        nd = self.nd
        n, c = x.shape[:2]
        size = x.shape[2:]
        out = grid.shape[1:-1]
        q = math.prod(out)
        g = grid.reshape(n, q, nd)
        # dim d of the input is read by grid component nd - 1 - d (x is the last dim)
        plans = [_dim_plan(g[..., nd - 1 - d], size[d], mode, padding, align)
                 for d in range(nd)]
        self.mode, self.plans, self.grid = mode, plans, g
        # a tap of the sample picks one tap per dim; its flat index and in-bounds mask
        self.combos = list(itertools.product(*(range(len(p[0])) for p in plans)))
        flat, valid = [], []
        for combo in self.combos:
            idx = plans[0][0][combo[0]][0]
            ok = plans[0][0][combo[0]][1]
            for d in range(1, nd):
                i, v = plans[d][0][combo[d]]
                idx = idx * size[d] + i
                ok = ok & v
            flat.append(idx)
            valid.append(ok)
        self.flat, self.valid = flat, valid
        ws = [_weights(p[1], mode) for p in plans]
        xf = x.reshape(n, c, math.prod(size))
        res = xp.zeros((n, c, q), dtype=x.dtype)
        for k, combo in enumerate(self.combos):
            w = _product([ws[d][combo[d]] for d in range(nd)])
            w = (w * valid[k]).astype(x.dtype)  # a NaN weight stays NaN, as in torch
            res += w[:, None, :] * xp.take_along_axis(xf, flat[k][:, None, :], axis=2)
        return res.reshape((n, c) + out)

    def _tap_weights(self, grid, dtype):
        """Per-dim weight tensors (and their t tensors), differentiable in `grid` when a graph
        is being recorded (double backward)."""
        nd = self.nd
        ts = []
        for d, (_, frac, mult) in enumerate(self.plans):
            if frac is None:
                ts.append(None)
                continue
            t = make(frac.astype(dtype))
            if GRAD.enabled and grid.requires_grad:
                gd = grid.reshape(self.grid.shape)[..., nd - 1 - d]
                gd0 = make(self.grid[..., nd - 1 - d].astype(dtype))
                t = (gd - gd0) * make(mult.astype(dtype)) + t
            ts.append(t)
        return ts

    def backward(self, grad):
        x, grid = self.saved()
        nd, mode = self.nd, self.mode
        n, c = x.shape[:2]
        p = math.prod(x.shape[2:])
        q = self.grid.shape[1]
        g2 = grad.reshape(n, c, q)
        dt = grad._data.dtype
        ts = self._tap_weights(grid, dt)
        ws = [_weights(t, mode) for t in ts]
        masks = [make(v.astype(dt)) for v in self.valid]
        if mode == 1 and GRAD.enabled and grid.requires_grad:
            # nearest: torch's double backward still links both gradients to the grid (their
            # derivative w.r.t. it is zero)
            zero = grid.sum() * 0
            masks = [m + zero for m in masks]
        idx = make(xp.concatenate(self.flat, axis=1)[:, None, :]).expand(n, c, len(masks) * q)
        gx = gg = None
        if self.needs(0):
            src = [g2 * (_product([ws[d][cb[d]] for d in range(nd)]) * masks[k]).unsqueeze(1)
                   for k, cb in enumerate(self.combos)]
            gx = g2.new_zeros((n, c, p)).scatter_add(-1, idx, cat(src, -1))
            gx = gx.reshape(x.shape)
        if self.needs(1):
            if mode == 1:
                gg = grid * 0 if GRAD.enabled else grid.new_zeros(grid.shape)
            else:
                gv = (x.reshape(n, c, p).gather(-1, idx) * g2.repeat(1, 1, len(masks)))
                gv = gv.sum(1).reshape(n, len(masks), q)
                dws = [_dweights(t, mode) for t in ts]
                parts = []
                for d in reversed(range(nd)):
                    terms = []
                    for k, cb in enumerate(self.combos):
                        f = [dws[e][cb[e]] if e == d else ws[e][cb[e]] for e in range(nd)]
                        terms.append(_product(f) * masks[k])
                    mult = make(self.plans[d][2].astype(dt))
                    parts.append((gv * stack(terms, 1)).sum(1) * mult)
                gg = stack(parts, -1).reshape(grid.shape)
        return gx, gg


class GridSampler3DBackward0(GridSampler2DBackward0):
    """torch.grid_sampler_3d: sample input (N, C, D, H, W) at grid (N, Do, Ho, Wo, 3)."""

    nd = 3


def grid_sampler(input, grid, mode, padding_mode, align_corners):
    """torch.grid_sampler: the sampling op behind F.grid_sample, with integer mode (0
    bilinear, 1 nearest, 2 bicubic) and padding mode (0 zeros, 1 border, 2 reflection)."""
    isz, gsz = list(input.shape), list(grid.shape)
    if input.dim() in (4, 5) and gsz[:1] != isz[:1]:
        raise RuntimeError("grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {isz} and grid with sizes {gsz}")
    if grid.dim() and gsz[-1] != input.dim() - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {input.dim() - 2} in "
                           f"last dimension, but got grid with sizes {gsz}")
    if input.dim() not in (4, 5) or grid.dim() != input.dim():
        raise RuntimeError("grid_sampler(): expected 4D or 5D input and grid with same number "
                           f"of dimensions, but got input with sizes {isz} and grid with "
                           f"sizes {gsz}")
    for i in range(2, input.dim()):
        if isz[i] == 0:
            raise RuntimeError("grid_sampler(): expected input to have non-empty spatial "
                               f"dimensions, but input has sizes {isz} with dimension {i} "
                               "being empty")
    if mode == 2 and input.dim() != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"grid_sampler_{input.dim() - 2}d_cpu_kernel_impl" not '
                                  f"implemented for '{_type_name(input.dtype)}'")
    if grid.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {_type_name(input.dtype)} but found "
                           f"{_type_name(grid.dtype)}")
    cls = GridSampler2DBackward0 if input.dim() == 4 else GridSampler3DBackward0
    return execute(cls, (input, grid), (input._data, grid._data),
                   (int(mode), int(padding_mode), bool(align_corners)))


def _type_name(dtype):
    """torch's scalar type name of a dtype (Float, Double, Long...)."""
    names = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
             "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
             "bool": "Bool"}
    key = str(dtype).replace("ember.", "")
    return names.get(key, key)


# --- affine grid ----------------------------------------------------------------------------

def _linspace_from_neg_one(steps, align, dtype):
    """torch's base-grid coordinates: `steps` points over [-1, 1] (pixel corners with
    align_corners, else pixel centres), computed in `dtype` as torch's linspace does."""
    if steps <= 1:
        return xp.zeros(steps, dtype=dtype)
    one = xp.asarray(1, dtype=dtype)
    step = (one + one) / xp.asarray(steps - 1, dtype=dtype)
    i = xp.arange(steps)
    half = steps // 2
    r = xp.where(i < half, -one + step * i.astype(dtype),
                 one - step * (steps - i - 1).astype(dtype)).astype(dtype)
    if not align:
        r = (r * xp.asarray(steps - 1, dtype=dtype) / xp.asarray(steps, dtype=dtype))
    return r.astype(dtype)


class AffineGridGeneratorBackward0(Node):
    """torch.affine_grid_generator: grid (N, *spatial, k) = base grid @ theta^T, where theta
    is (N, k, k + 1) and the base grid holds (x, y[, z], 1) of each output point."""

    def forward(self, theta, size, align):
        spatial = size[2:]
        k = len(spatial)
        dt = theta.dtype
        base = xp.ones(tuple(spatial) + (k + 1,), dtype=dt)
        for d in range(k):
            # component 0 runs along the last spatial dim (x), 1 along the one before (y)...
            ax = k - 1 - d
            shape = [1] * k
            shape[ax] = spatial[ax]
            base[..., d] = _linspace_from_neg_one(spatial[ax], align, dt).reshape(shape)
        self.base = base.reshape(-1, k + 1)
        self.shape = (size[0],) + tuple(spatial) + (k,)
        res = xp.matmul(self.base[None], theta.transpose(0, 2, 1))
        return res.reshape(self.shape)

    def backward(self, grad):
        n = grad.shape[0]
        k = grad.shape[-1]
        g = grad.reshape(n, -1, k).transpose(1, 2)
        return g @ make(self.base).to(grad.dtype)


def affine_grid_generator(theta, size, align_corners):
    """torch.affine_grid_generator: the grid op behind F.affine_grid (no argument checks)."""
    return execute(AffineGridGeneratorBackward0, (theta,), (theta._data,),
                   (tuple(int(s) for s in size), bool(align_corners)))


# --- pixel and channel shuffle --------------------------------------------------------------

def _shuffle_pixels(x, r):
    lead = x.shape[:-3]
    c, h, w = x.shape[-3:]
    oc = c // (r * r)
    y = x.reshape(lead + (oc, r, r, h, w))
    b = len(lead)
    y = y.transpose(tuple(range(b)) + (b, b + 3, b + 1, b + 4, b + 2))
    return xp.ascontiguousarray(y).reshape(lead + (oc, h * r, w * r))


def _unshuffle_pixels(x, r):
    lead = x.shape[:-3]
    c, h, w = x.shape[-3:]
    oh, ow = h // r, w // r
    y = x.reshape(lead + (c, oh, r, ow, r))
    b = len(lead)
    y = y.transpose(tuple(range(b)) + (b, b + 2, b + 4, b + 1, b + 3))
    return xp.ascontiguousarray(y).reshape(lead + (c * r * r, oh, ow))


class PixelShuffleBackward0(Node):
    """(*, C r^2, H, W) -> (*, C, H r, W r); its gradient is the pixel unshuffle."""

    def forward(self, x, r):
        self.r = r
        return _shuffle_pixels(x, r)

    def backward(self, grad):
        return execute(PixelUnshuffleBackward0, (grad,), (grad._data,), (self.r,))


class PixelUnshuffleBackward0(Node):
    """(*, C, H r, W r) -> (*, C r^2, H, W); its gradient is the pixel shuffle."""

    def forward(self, x, r):
        self.r = r
        return _unshuffle_pixels(x, r)

    def backward(self, grad):
        return execute(PixelShuffleBackward0, (grad,), (grad._data,), (self.r,))


@export(method=False)
def pixel_shuffle(input, upscale_factor):
    """torch.pixel_shuffle: rearrange (*, C r^2, H, W) into (*, C, H r, W r), r the
    upscale_factor (sub-pixel convolution's upsampling)."""
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError("pixel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c}"
                           f" is not divisible by {r * r}")
    return execute(PixelShuffleBackward0, (input,), (input._data,), (r,))


@export(method=False)
def pixel_unshuffle(input, downscale_factor):
    """torch.pixel_unshuffle: the inverse of pixel_shuffle, (*, C, H r, W r) ->
    (*, C r^2, H, W), r the downscale_factor."""
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError("pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    h, w = input.shape[-2:]
    if h % r:
        raise RuntimeError("pixel_unshuffle expects height to be divisible by downscale_factor,"
                           f" but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError("pixel_unshuffle expects width to be divisible by downscale_factor, "
                           f"but input.size(-1)={w} is not divisible by {r}")
    return execute(PixelUnshuffleBackward0, (input,), (input._data,), (r,))


def _shuffle_channels(x, groups):
    n, c = x.shape[:2]
    y = x.reshape((n, groups, c // groups) + x.shape[2:]).swapaxes(1, 2)
    return xp.ascontiguousarray(y).reshape(x.shape)


class ChannelShuffleBackward0(Node):
    """(N, g * k, *) -> channels regrouped as (N, k * g, *); the gradient shuffles back with
    k groups."""

    def forward(self, x, groups):
        self.groups = groups
        return _shuffle_channels(x, groups)

    def backward(self, grad):
        k = grad.shape[1] // self.groups
        return execute(ChannelShuffleBackward0, (grad,), (grad._data,), (k,))


class _NoDerivative(Node):
    """A node for an op without a derivative: backward raises, as torch's NotImplemented."""

    op = ""

    def forward(self, x, groups):
        return _shuffle_channels(x, groups)

    def backward(self, grad):
        raise RuntimeError(f"derivative for aten::{self.op} is not implemented")


NotImplemented_ = type("NotImplemented", (_NoDerivative,), {"op": "native_channel_shuffle"})


def _check_channel_shuffle(input, groups):
    if input.dim() <= 2:
        raise RuntimeError("channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    if groups <= 0:
        raise RuntimeError("Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    c = input.shape[1]
    if c % groups:
        raise RuntimeError("Number of channels must be divisible by groups. Got "
                           f"{c} channels and {groups} groups.")


@export(method=False)
def channel_shuffle(input, groups):
    """torch.channel_shuffle: split the C channels of (N, C, *) into `groups` groups and
    interleave them (channel i * C/g + j moves to j * g + i), as in ShuffleNet."""
    groups = int(groups)
    _check_channel_shuffle(input, groups)
    return execute(ChannelShuffleBackward0, (input,), (input._data,), (groups,))


@export(method=False)
def native_channel_shuffle(input, groups):
    """torch.native_channel_shuffle: channel_shuffle without a derivative (backward through
    it raises, as in torch)."""
    groups = int(groups)
    _check_channel_shuffle(input, groups)
    return execute(NotImplemented_, (input,), (input._data,), (groups,))
