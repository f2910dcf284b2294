"""Pooling nodes: max pooling with indices (`MaxPool2DWithIndicesBackward0`,
`MaxPool3DWithIndicesBackward0`, `AdaptiveMaxPool2DBackward0`), average pooling
(`AvgPool2DBackward0`, `AvgPool3DBackward0`, `AdaptiveAvgPool2DBackward0`,
`AdaptiveAvgPool3DBackward0`) and `MaxUnpool2DBackward0`.

Each node pools the last 2 or 3 dims of its input (any leading dims). Windows come from a
stride-tricks view of the padded input (see ember._ops.conv), so no Python loop runs over
pixels; max pools return flat spatial indices into the unpadded input, as torch does.
"""
import itertools
import math

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops._util import make
from ember._ops.conv import col2im, pad_array, windows
from ember._ops.engine import Node, execute
from ember._ops.registry import export


def pool_out_size(size, k, s, p, d, ceil_mode):
    """torch's pooling output length: floor (or ceil) of the window count, where a ceil-mode
    window must still start inside the input or its left padding."""
    span = size + 2 * p - d * (k - 1) - 1
    o = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (o - 1) * s >= size + p:
        o -= 1
    return o


def _flat_index(pos):
    """Per-dim positions (broadcastable arrays) -> flat index into the spatial dims."""
    flat = pos[0][0]
    for p, size in pos[1:]:
        flat = flat * size + p
    return flat


_BIT_TABLES = {}


def _bit_tables(n):
    """For every n-bit mask, the position of its lowest and of its highest set bit."""
    if n not in _BIT_TABLES:
        codes = xp.arange(1 << n)
        bits = (codes[:, None] >> xp.arange(n)) & 1
        low = xp.argmax(bits, axis=1).astype(xp.intp)
        high = (n - 1 - xp.argmax(bits[:, ::-1], axis=1)).astype(xp.intp)
        _BIT_TABLES[n] = (low, high)
    return _BIT_TABLES[n]


def _window_max(win, ksize):
    """(max, flat kernel offset of the max) over the trailing kernel dims of a window view
    (*lead, *out, *ksize). Ties keep the first offset; a NaN wins and a later NaN replaces an
    earlier one, as in torch's CPU kernel.

    For up to 16 offsets this is a few whole-array passes per offset, which read the strided
    view far faster than an argmax along a short strided axis: a running maximum, then a
    bit mask of the offsets equal to it, whose lowest set bit (a table lookup) is the arg-max."""
    kk = math.prod(ksize)
    if kk > 16:
        flat = win.reshape(win.shape[:win.ndim - len(ksize)] + (kk,))
        k = xp.argmax(flat, axis=-1)
        return xp.take_along_axis(flat, k[..., None], axis=-1)[..., 0], k
    views = [win[(Ellipsis,) + off] for off in itertools.product(*(range(k) for k in ksize))]
    vals = views[0].copy()
    for v in views[1:]:
        xp.maximum(vals, v, out=vals)  # NaN-propagating
    ctype = xp.uint8 if kk <= 8 else xp.uint16
    code = xp.zeros(vals.shape, dtype=ctype)
    for j, v in enumerate(views):
        code |= (v == vals).view(xp.uint8).astype(ctype) << ctype(j)
    low, high = _bit_tables(kk)
    k = low[code]
    if win.dtype.kind not in "iub":  # floats, bfloat16 included
        nan = vals != vals
        if nan.any():  # the maximum is NaN: the last NaN offset, as torch
            code[...] = 0
            for j, v in enumerate(views):
                code |= (v != v).view(xp.uint8).astype(ctype) << ctype(j)
            k = xp.where(nan, high[code], k)
    return vals, k


class _MaxWithIndices:
    """Backward shared by the max pools: the gradient goes to the arg-max of each window."""

    disjoint = False

    def backward(self, grad, _grad_indices=None):
        nd = self.nd
        lead = grad.shape[:grad.dim() - nd]
        g = grad.reshape(lead + (math.prod(grad.shape[grad.dim() - nd:]),))
        size = math.prod(self.size)
        if self.disjoint:
            # every index is distinct: one assignment at flat positions over all rows
            rows = math.prod(lead)
            flat = (self.indices.reshape(rows, g.shape[-1])  # rows may be 0: no -1
                    + xp.arange(0, rows * size, size)[:, None])
            gi = g.new_zeros(rows * size).index_put((make(flat.reshape(-1)),), g.reshape(-1))
            return gi.reshape(lead + tuple(self.size))
        idx = make(self.indices.reshape(g.shape))
        gi = g.new_zeros(lead + (size,)).scatter_add(-1, idx, g)
        return gi.reshape(lead + tuple(self.size))


class MaxPool2DWithIndicesBackward0(_MaxWithIndices, Node):
    """Max over (dilated) windows of the last nd dims, with the flat index of each max."""

    nd = 2

    def forward(self, x, ksize, stride, padding, dilation, ceil_mode):
        nd = self.nd
        size = x.shape[-nd:]
        self.size = size
        out = tuple(pool_out_size(size[i], ksize[i], stride[i], padding[i], dilation[i],
                                  ceil_mode) for i in range(nd))
        pads = []
        for i in range(nd):
            need = (out[i] - 1) * stride[i] + dilation[i] * (ksize[i] - 1) + 1
            pads.append((padding[i], max(need - size[i] - padding[i], 0)))
        low = xp.iinfo(x.dtype).min if x.dtype.kind in "iu" else -xp.inf
        win = windows(pad_array(x, pads, low), ksize, stride, dilation, out)
        vals, k = _window_max(win, ksize)
        # unpadded windows that cannot overlap send each input element at most one gradient
        self.disjoint = (not any(lo or hi for lo, hi in pads) and
                         all(stride[i] >= dilation[i] * (ksize[i] - 1) + 1 for i in range(nd)))
        # flat input index = flat index of the window's start + the offset's flat delta
        offs = xp.unravel_index(xp.arange(math.prod(ksize)), ksize)
        delta = _flat_index([(offs[i] * dilation[i], size[i]) for i in range(nd)])
        start = []
        for i in range(nd):
            shape = [1] * nd
            shape[i] = out[i]
            start.append(((xp.arange(out[i]) * stride[i] - padding[i]).reshape(shape), size[i]))
        self.indices = xp.add(_flat_index(start), delta.astype(xp.int64)[k], dtype=xp.int64)
        return vals, self.indices


class MaxPool3DWithIndicesBackward0(MaxPool2DWithIndicesBackward0):
    nd = 3


def max_pool_with_indices(input, nd, ksize, stride, padding, dilation, ceil_mode):
    """(values, indices) of nd-d max pooling over the last nd dims of `input`."""
    cls = MaxPool2DWithIndicesBackward0 if nd == 2 else MaxPool3DWithIndicesBackward0
    return execute(cls, (input,), (input._data,),
                   (tuple(ksize), tuple(stride), tuple(padding), tuple(dilation),
                    bool(ceil_mode)))


class AdaptiveMaxPool2DBackward0(_MaxWithIndices, Node):
    """Max over torch's adaptive windows [floor(i*S/O), ceil((i+1)*S/O)) of the last 2 dims."""

    nd = 2

    def forward(self, x, out):
        nd = self.nd
        size = x.shape[-nd:]
        self.size = size
        lead = x.ndim - nd
        maps = [_adaptive_map(size[i], out[i]) for i in range(nd)]
        # gather every window (the last index repeated to a common length) as (.., O, k) pairs
        index = []
        for i, m in enumerate(maps):
            shape = [1] * (2 * nd)
            shape[2 * i], shape[2 * i + 1] = m.shape
            index.append(m.reshape(shape))
        g = x[(Ellipsis,) + tuple(index)]
        perm = (tuple(range(lead)) + tuple(lead + 2 * i for i in range(nd))
                + tuple(lead + 2 * i + 1 for i in range(nd)))
        g = g.transpose(perm)
        ks = tuple(m.shape[1] for m in maps)
        flat = g.reshape(g.shape[:lead + nd] + (math.prod(ks),))
        k = xp.argmax(flat, axis=-1)
        vals = xp.take_along_axis(flat, k[..., None], axis=-1)[..., 0]
        offs = xp.unravel_index(k, ks)
        pos = []
        for i in range(nd):
            shape = [1] * nd
            shape[i] = out[i]
            pos.append((maps[i][xp.arange(out[i]).reshape(shape), offs[i]], size[i]))
        self.indices = _flat_index(pos).astype(xp.int64)
        return vals, self.indices


class AdaptiveMaxPool3DBackward0(AdaptiveMaxPool2DBackward0):
    nd = 3


def _adaptive_bounds(size, out):
    i = xp.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def _adaptive_map(size, out):
    """(out, kmax) input positions of each adaptive window, the last repeated as filler."""
    start, end = _adaptive_bounds(size, out)
    kmax = int((end - start).max()) if out else 1
    idx = start[:, None] + xp.arange(kmax)[None, :]
    return xp.minimum(idx, (end - 1)[:, None]).astype(xp.int64)


def adaptive_max_pool(input, nd, out):
    """(values, indices) of adaptive max pooling over the last nd (2 or 3) dims."""
    cls = AdaptiveMaxPool2DBackward0 if nd == 2 else AdaptiveMaxPool3DBackward0
    return execute(cls, (input,), (input._data,), (tuple(out),))


# --- average pooling -----------------------------------------------------------------------

class AvgPool2DBackward0(Node):
    """Mean over windows of the last nd dims (zero padding; torch's divisor rules)."""

    nd = 2

    def forward(self, x, ksize, stride, padding, ceil_mode, count_include_pad, divisor):
        nd = self.nd
        size = x.shape[-nd:]
        out = tuple(pool_out_size(size[i], ksize[i], stride[i], padding[i], 1, ceil_mode)
                    for i in range(nd))
        pads = []
        counts = []
        for i in range(nd):
            need = (out[i] - 1) * stride[i] + ksize[i]
            pads.append((padding[i], max(need - size[i] - padding[i], 0)))
            start = xp.arange(out[i]) * stride[i] - padding[i]
            end = xp.minimum(start + ksize[i], size[i] + padding[i])
            if not count_include_pad:
                start, end = xp.maximum(start, 0), xp.minimum(end, size[i])
            shape = [1] * nd
            shape[i] = out[i]
            counts.append((end - start).reshape(shape))
        ddt = x.dtype if x.dtype.kind == "f" and x.dtype.itemsize > 2 else xp.float32
        if divisor:
            div = xp.asarray(float(divisor), dtype=ddt)
        else:
            div = counts[0]
            for c in counts[1:]:
                div = div * c
            div = div.astype(ddt)
        self.geom = (size, ksize, stride, tuple(pads), out)
        self.div = div
        win = windows(pad_array(x, pads), ksize, stride, (1,) * nd, out)
        axes = tuple(range(x.ndim, x.ndim + nd))
        if x.dtype.kind in "iu":  # integer pooling divides like C++ (towards zero)
            return xp.trunc(win.sum(axis=axes) / div).astype(x.dtype)
        if x.dtype.itemsize == 2:  # half types accumulate in float32
            return (win.sum(axis=axes, dtype=xp.float32) / div).astype(x.dtype)
        return win.sum(axis=axes) / div

    def backward(self, grad):
        size, ksize, stride, pads, out = self.geom
        nd = self.nd
        lead = grad.shape[:grad.dim() - nd]
        b = math.prod(lead)
        g = (grad / make(self.div).to(grad.dtype)).reshape(b, 1, math.prod(out))
        cols = g.expand(b, math.prod(ksize), g.shape[-1])
        gi = col2im(cols, size, ksize, stride, pads, (1,) * nd, out)
        return gi.reshape(lead + tuple(size))


class AvgPool3DBackward0(AvgPool2DBackward0):
    nd = 3


def avg_pool(input, nd, ksize, stride, padding, ceil_mode, count_include_pad, divisor):
    """nd-d (2 or 3) average pooling over the last nd dims of `input`."""
    cls = AvgPool2DBackward0 if nd == 2 else AvgPool3DBackward0
    return execute(cls, (input,), (input._data,),
                   (tuple(ksize), tuple(stride), tuple(padding), bool(ceil_mode),
                    bool(count_include_pad), divisor))


class AdaptiveAvgPool2DBackward0(Node):
    """Mean over torch's adaptive windows, applied as one averaging matrix per dim."""

    nd = 2

    def forward(self, x, out):
        nd = self.nd
        dt = x.dtype
        if dt.itemsize == 2:  # half types accumulate in float32
            x = x.astype(xp.float32)
        mats, bounds = [], []
        for i in range(nd):
            size = x.shape[x.ndim - nd + i]
            start, end = _adaptive_bounds(size, out[i])
            pos = xp.arange(size)
            m = ((pos[None, :] >= start[:, None]) & (pos[None, :] < end[:, None]))
            mats.append((m / (end - start)[:, None]).astype(x.dtype))
            bounds.append((start, end))
        self.mats = [m.astype(dt) for m in mats]
        # the averaging matrix multiplies every entry (0 * nan = nan): with a NaN or inf in
        # the input, average each window by slicing so it reaches only the windows holding it
        finite = x.dtype.kind not in "fc" or bool(xp.isfinite(x).all())
        for i, m in enumerate(mats):
            ax = x.ndim - nd + i
            if finite:
                x = xp.moveaxis(xp.moveaxis(x, ax, -1) @ m.T, -1, ax)
            else:
                lead = (slice(None),) * ax
                x = xp.concatenate([x[lead + (slice(lo, hi),)].mean(axis=ax, keepdims=True)
                                    for lo, hi in zip(*bounds[i])], axis=ax)
        return xp.ascontiguousarray(x).astype(dt, copy=False)

    def backward(self, grad):
        nd = self.nd
        for i, m in enumerate(self.mats):
            ax = grad.dim() - nd + i
            grad = (grad.movedim(ax, -1) @ make(m)).movedim(-1, ax)
        return grad.contiguous()


class AdaptiveAvgPool3DBackward0(AdaptiveAvgPool2DBackward0):
    nd = 3


def adaptive_avg_pool(input, nd, out):
    """Adaptive average pooling over the last nd (2 or 3) dims of `input`."""
    cls = AdaptiveAvgPool2DBackward0 if nd == 2 else AdaptiveAvgPool3DBackward0
    return execute(cls, (input,), (input._data,), (tuple(out),))


class MaxUnpool2DBackward0(Node):
    """Partial inverse of max pooling: values scattered to their flat indices in a zero
    image of spatial size `size` (the last nd dims)."""

    nd = 2

    def forward(self, x, indices, size):
        lead = x.shape[:x.ndim - self.nd]
        flat_idx = indices.reshape(lead + (math.prod(x.shape[x.ndim - self.nd:]),))
        n = math.prod(size)
        if flat_idx.size and (flat_idx.min() < 0 or flat_idx.max() >= n):
            bad = flat_idx[(flat_idx < 0) | (flat_idx >= n)][0]
            raise RuntimeError(f"Found an invalid max index: {int(bad)} (output volumes are of "
                               f"size {'x'.join(str(i) for i in size)}")
        out = xp.zeros(lead + (n,), dtype=x.dtype)
        xp.put_along_axis(out, flat_idx, x.reshape(flat_idx.shape), axis=-1)
        self.indices = flat_idx
        self.in_shape = x.shape
        return out.reshape(lead + tuple(size))

    def backward(self, grad, *_):
        lead = self.indices.shape[:-1]
        g = grad.reshape(lead + (math.prod(grad.shape[len(lead):]),))
        g = g.gather(-1, make(self.indices))
        return g.reshape(self.in_shape), None


class MaxUnpool3DBackward0(MaxUnpool2DBackward0):
    nd = 3


def max_unpool(input, indices, size):
    """Scatter `input` into zeros of spatial `size` (2 or 3 dims) at flat `indices`."""
    if indices.dtype.name != "int64":
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    cls = MaxUnpool2DBackward0 if len(size) == 2 else MaxUnpool3DBackward0
    return execute(cls, (input, indices), (input._data, indices._data), (tuple(size),))


# --- top-level torch functions -------------------------------------------------------------

def _one(v):
    return (v,) if isinstance(v, int) else tuple(v)[:1]


@export(method=False)
def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False):
    """1-d max pooling over the last dim returning (values, int64 indices of each max)."""
    k = _one(kernel_size)
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        _one(stride)
    p, d = _one(padding), _one(dilation)
    _check_pool(input, 1, k, s, p, d, "max_pool1d")
    x = input.unsqueeze(-2)
    v, i = max_pool_with_indices(x, 2, (1,) + k, (1,) + s, (0,) + p, (1,) + d, ceil_mode)
    return v.squeeze(-2), i.squeeze(-2)


@export(method=False)
def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-d max pooling over the last dim of (N, C, L) or (C, L) `input`."""
    out = max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return out if return_indices else out[0]


def _ntuple(v, nd):
    if isinstance(v, int):
        return (v,) * nd
    v = tuple(int(i) for i in v)
    return v * nd if len(v) == 1 else v


def _check_pool(input, nd, k, s, p, d, name):
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}: Expected {nd + 1}D or {nd + 2}D (batch mode) tensor for "
                           f"input, but got: {list(input.shape)}")
    for v, what in ((k, "kernel_size"), (s, "stride"), (p, "padding"), (d, "dilation")):
        if len(v) != nd:
            raise RuntimeError(f"{name}: {what} must either be a single int, or a tuple of "
                               f"{nd} ints")
    if any(i <= 0 for i in k):
        raise RuntimeError(f"{name}: kernel_size must be greater than zero")
    if any(i <= 0 for i in s):
        raise RuntimeError(f"{name}: stride must be greater than zero")
    if any(i <= 0 for i in d):
        raise RuntimeError(f"{name}: dilation must be greater than zero")
    for i in range(nd):
        if p[i] < 0 or p[i] > (d[i] * (k[i] - 1) + 1) // 2:
            raise RuntimeError(f"{name}: pad should be at most half of effective kernel size,"
                               f" but got pad={p[i]}, kernel_size={k[i]} and dilation={d[i]}")
    for i in range(nd):
        size = input.shape[input.dim() - nd + i]
        span = size + 2 * p[i] - d[i] * (k[i] - 1) - 1
        if span < 0 or size == 0:
            raise RuntimeError(_too_small_message(input, nd, k, s, p, d, name))


def _too_small_message(input, nd, k, s, p, d, name):
    """torch's text for a pooling window that does not fit the (padded) input."""
    sizes = [input.shape[input.dim() - nd + i] for i in range(nd)]
    outs = [(n + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i, n in enumerate(sizes)]
    if name == "max_pool1d":
        return f"max_pool1d() Invalid computed output size: {outs[0]}"
    if name == "avg_pool3d":
        return ("input image (T: {} H: {} W: {}) smaller than kernel size "
                "(kT: {} kH: {} kW: {})".format(*sizes, *k))
    if name == "avg_pool1d":
        sizes, outs = [1] + sizes, [1] + outs
    c = input.shape[input.dim() - nd - 1] if input.dim() > nd else 1
    return (f"Given input size: ({'x'.join(map(str, [c] + sizes))}). Calculated output size: "
            f"({'x'.join(map(str, [c] + outs))}). Output size is too small")


def max_pool_nd(input, nd, kernel_size, stride, padding, dilation, ceil_mode, name):
    """(values, indices) of 2-d/3-d max pooling with torch's argument handling."""
    k = _ntuple(kernel_size, nd)
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        _ntuple(stride, nd)
    p, d = _ntuple(padding, nd), _ntuple(dilation, nd)
    _check_pool(input, nd, k, s, p, d, name)
    return max_pool_with_indices(input, nd, k, s, p, d, ceil_mode)


@export(method=False)
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """2-d max pooling over the last two dims (torch.max_pool2d: values only)."""
    return max_pool_nd(input, 2, kernel_size, stride, padding, dilation, ceil_mode,
                       "max_pool2d")[0]


@export(method=False)
def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """3-d max pooling over the last three dims (torch.max_pool3d: values only)."""
    return max_pool_nd(input, 3, kernel_size, stride, padding, dilation, ceil_mode,
                       "max_pool3d")[0]


def avg_pool_nd(input, nd, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override, name):
    """2-d/3-d average pooling with torch's argument checks."""
    k = _ntuple(kernel_size, nd)
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        _ntuple(stride, nd)
    p = _ntuple(padding, nd)
    _check_pool(input, nd, k, s, p, (1,) * nd, name)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    return avg_pool(input, nd, k, s, p, ceil_mode, count_include_pad, divisor_override)


@export(method=False)
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-d average pooling over the last dim of (N, C, L) or (C, L) `input`."""
    k = _one(kernel_size)
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        _one(stride)
    p = _one(padding)
    _check_pool(input, 1, k, s, p, (1,), "avg_pool1d")
    out = avg_pool(input.unsqueeze(-2), 2, (1,) + k, (1,) + s, (0,) + p, ceil_mode,
                   count_include_pad, None)
    return out.squeeze(-2)


def _adaptive_out(output_size, input, nd):
    if isinstance(output_size, int):
        out = (output_size,) * nd
    else:
        out = tuple(output_size)
        if len(out) != nd:
            raise ValueError(f"adaptive pool: output_size must be {nd}")
    size = input.shape[input.dim() - nd:]
    return tuple(size[i] if o is None else int(o) for i, o in enumerate(out))


def _check_adaptive(input, nd, name):
    if input.dtype.category < _dt.FLOAT:
        from ember._ops.elementwise import _scalar_type_name
        raise NotImplementedError(f'"{name.split("(")[0]}" not implemented for '
                                  f"'{_scalar_type_name(input.dtype)}'")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got "
                           f"{list(input.shape)}")
    # torch's average pools check only the pooled dims, its max pools every non-batch dim
    first = input.dim() - nd if "avg" in name else 1
    for i in range(first, input.dim()):
        if input.shape[i] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(input.shape)} with "
                               f"dimension {i} being empty")


@export(method=False)
def adaptive_avg_pool1d(input, output_size):
    """Adaptive average pooling of the last dim to length `output_size`."""
    _check_adaptive(input, 1, "adaptive_avg_pool1d")
    o = _adaptive_out(output_size, input, 1)
    return adaptive_avg_pool(input.unsqueeze(-2), 2, (1,) + o).squeeze(-2)


@export(method=False)
def adaptive_max_pool1d(input, output_size):
    """Adaptive max pooling of the last dim: (values, indices)."""
    _check_adaptive(input, 1, "adaptive_max_pool1d")
    o = _adaptive_out(output_size, input, 1)
    v, i = adaptive_max_pool(input.unsqueeze(-2), 2, (1,) + o)
    return v.squeeze(-2), i.squeeze(-2)


# --- fractional max pooling (Graham, 2014) -------------------------------------------------

def _fractional_starts(u, size, out, k):
    """Window starts along one dim for every plane: u (N, C) samples in [0, 1) in the input's
    dtype -> (N, C, out) int64 starts. The arithmetic runs in u's dtype, as torch's kernel,
    so that equal samples give equal windows: start_i = int((i + u) a) - int(u a) with
    a = (size - k) / (out - 1), and the last window ends at the input's end."""
    starts = xp.empty(u.shape + (out,), dtype=xp.int64)
    if out > 1:
        alpha = xp.asarray(size - k, dtype=u.dtype) / xp.asarray(out - 1, dtype=u.dtype)
        i = xp.arange(out - 1).astype(u.dtype)
        first = (u * alpha).astype(xp.int64)
        starts[..., :-1] = ((i + u[..., None]) * alpha).astype(xp.int64) - first[..., None]
    if out > 0:
        starts[..., -1] = size - k
    return starts


class FractionalMaxPool2DBackward0(_MaxWithIndices, Node):
    """Max over pseudo-random windows of the last nd dims of (N, C, *spatial) input: each
    plane's windows start at the positions `_fractional_starts` draws from its samples."""

    nd = 2

    def forward(self, x, ksize, out, samples):
        nd = self.nd
        size = x.shape[-nd:]
        self.size = size
        batched = x.ndim == nd + 2
        if not batched:
            x = x[None]
        n, c = x.shape[:2]
        # torch's sample columns: (w, h) for 2-d, (t, h, w) for 3-d
        cols = (1, 0) if nd == 2 else (0, 1, 2)
        pos = []  # per dim: (N, C, [out dims], [kernel dims]) input positions
        for i in range(nd):
            st = _fractional_starts(samples[:, :, cols[i]], size[i], out[i], ksize[i])
            shape = [n, c] + [1] * (2 * nd)
            shape[2 + i] = out[i]
            kshape = [1] * (2 + 2 * nd)
            kshape[2 + nd + i] = ksize[i]
            pos.append(st.reshape(shape) + xp.arange(ksize[i]).reshape(kshape))
        rows = xp.arange(n).reshape((n,) + (1,) * (1 + 2 * nd))
        chans = xp.arange(c).reshape((1, c) + (1,) * (2 * nd))
        win = x[(rows, chans) + tuple(pos)]
        vals, k = _window_max(win, ksize)
        offs = xp.unravel_index(k, ksize)
        flat = None
        for i in range(nd):
            # the start of each window along dim i (kernel axes taken at offset 0)
            start = pos[i][(Ellipsis,) + (0,) * nd]
            p = start + offs[i]
            flat = p if flat is None else flat * size[i] + p
        if not batched:
            vals, flat = vals[0], flat[0]
        self.indices = flat.astype(xp.int64)
        return vals, self.indices


class FractionalMaxPool3DBackward0(FractionalMaxPool2DBackward0):
    nd = 3


def fractional_max_pool(input, nd, kernel_size, output_size, samples, name):
    """(values, indices) of torch's fractional max pooling over the last nd dims of
    (N, C, *spatial) or (C, *spatial) `input`, with windows drawn from `samples` (N, C, nd)
    uniform numbers of the input's dtype."""
    k, out = _ntuple(kernel_size, nd), _ntuple(output_size, nd)
    if len(k) != nd or len(out) != nd:
        raise RuntimeError(f"{name}(): kernel_size and output_size must each be a single "
                           f"int or a tuple of {nd} ints")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: "
                           f"{list(input.shape)}")
    x = input if input.dim() == nd + 2 else input.unsqueeze(0)
    words = ("height", "width") if nd == 2 else ("time", "height", "width")
    size = x.shape[2:]
    # torch's 3-d kernel wants one spare element per dim and checks time, width, height
    slack, order = (0, (0, 1)) if nd == 2 else (1, (0, 2, 1))
    for i in order:
        if out[i] + k[i] - 1 + slack > size[i]:
            raise RuntimeError(f"{name}{'' if nd == 2 else '_out'}(): pool {words[i]} {k[i]} "
                               f"too large relative to input {words[i]} {size[i]}")
    if samples.dim() != 3 or samples.shape[2] != nd:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {nd}; got "
                           f"{samples.shape[2] if samples.dim() == 3 else samples.dim()}.")
    if samples.shape[0] < x.shape[0] or samples.shape[1] != x.shape[1]:
        raise RuntimeError(f"Expect _random_samples of shape ({x.shape[0]}, {x.shape[1]}, "
                           f"{nd}); got {list(samples.shape)}")
    if samples.dtype != input.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    cls = FractionalMaxPool2DBackward0 if nd == 2 else FractionalMaxPool3DBackward0
    return execute(cls, (input,), (input._data,), (k, out, samples._data[:x.shape[0]]))
