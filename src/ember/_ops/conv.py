"""Convolution and padding nodes: `ConvolutionBackward0` (every conv*d and conv_transpose*d),
the im2col / col2im primitives behind it (`Im2ColBackward0` / `Col2ImBackward0`, also
F.unfold / F.fold), and the padding nodes (`ConstantPadNdBackward0`, `ReflectionPad*D`,
`ReplicationPad*D`).

Convolution lowers to one batched GEMM: the padded input is viewed as all its windows with
stride tricks (no copy), laid out as columns, and multiplied by the weight, one matrix per
group. Its gradients are the same pieces in ember ops (col2im of W^T G for the input, G cols^T
for the weight), so double backward works.
"""
import itertools
import math

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops._util import make
from ember._ops.elementwise import _scalar_type_name
from ember._ops.engine import GRAD, Node, execute
from ember._ops.registry import export
from ember._ops import autocast as _ac

ndarray = xp.ndarray
_as_strided = xp.lib.stride_tricks.as_strided


# --- array kernels -----------------------------------------------------------------------

def pad_array(x, pads, value=0):
    """`x` with its last len(pads) dims padded by pads[i] = (lo, hi) (non-negative), filled
    with `value`; `x` itself when nothing is padded."""
    if not any(lo or hi for lo, hi in pads):
        return x
    lead = x.ndim - len(pads)
    shape = x.shape[:lead] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[lead:], pads))
    out = xp.full(shape, value, dtype=x.dtype)
    out[(Ellipsis,) + tuple(slice(lo, lo + n) for n, (lo, _) in zip(x.shape[lead:], pads))] = x
    return out


def out_size(size, k, s, lo, hi, d):
    """Number of windows of kernel k (dilation d, stride s) over size padded by lo + hi."""
    return (size + lo + hi - d * (k - 1) - 1) // s + 1


def windows(xpad, ksize, stride, dilation, out):
    """A read-only view (*lead, *out, *ksize) of the windows of the already padded `xpad`."""
    nd = len(ksize)
    lead = xpad.ndim - nd
    st = xpad.strides
    shape = xpad.shape[:lead] + tuple(out) + tuple(ksize)
    strides = (st[:lead] + tuple(st[lead + i] * stride[i] for i in range(nd))
               + tuple(st[lead + i] * dilation[i] for i in range(nd)))
    return _as_strided(xpad, shape, strides, writeable=False)


def im2col_array(x, ksize, stride, pads, dilation, out, cf=False):
    """(N, C, *S) -> columns, one per window position: (N, C * prod(k), prod(out)), or with
    `cf` (channels first, the layout convolution uses for one large GEMM)
    (C * prod(k), N * prod(out))."""
    nd = len(ksize)
    n, c = x.shape[:2]
    w = windows(pad_array(x, pads), ksize, stride, dilation, out)
    o_ax, k_ax = tuple(range(2, 2 + nd)), tuple(range(2 + nd, 2 + 2 * nd))
    # the copy from the (N, C, *O, *K) window view into this layout is the im2col matrix
    if cf:
        cols = xp.ascontiguousarray(w.transpose((1,) + k_ax + (0,) + o_ax))
        return cols.reshape(c * math.prod(ksize), n * math.prod(out))
    cols = xp.ascontiguousarray(w.transpose((0, 1) + k_ax + o_ax))
    return cols.reshape(n, c * math.prod(ksize), math.prod(out))


def col2im_array(cols, size, ksize, stride, pads, dilation, out, cf=False):
    """The adjoint of im2col_array: scatter-add every column back onto an (N, C, *size)
    image (one vectorised add per kernel offset)."""
    kk, ll = math.prod(ksize), math.prod(out)
    if cf:  # (C*K, N*L): accumulate in (C, N, *S) and transpose once at the end
        c, n = cols.shape[0] // kk, cols.shape[1] // ll
        cols = cols.reshape((c,) + tuple(ksize) + (n,) + tuple(out))
        lead = (c, n)
    else:
        n, c = cols.shape[0], cols.shape[1] // kk
        cols = cols.reshape((n, c) + tuple(ksize) + tuple(out))
        lead = (n, c)
    full = tuple(sz + lo + hi for sz, (lo, hi) in zip(size, pads))
    img = xp.zeros(lead + full, dtype=cols.dtype)
    for off in itertools.product(*(range(k) for k in ksize)):
        dst = tuple(slice(o * d, o * d + s * (m - 1) + 1, s)
                    for o, d, s, m in zip(off, dilation, stride, out))
        src = (slice(None),) + off if cf else (slice(None), slice(None)) + off
        img[(slice(None), slice(None)) + dst] += cols[src]
    if any(lo or hi for lo, hi in pads):
        img = img[(Ellipsis,) + tuple(slice(lo, lo + sz) for sz, (lo, _) in zip(size, pads))]
    if cf:
        img = xp.ascontiguousarray(img.swapaxes(0, 1))
    return img


# --- im2col / col2im nodes ---------------------------------------------------------------

class Im2ColBackward0(Node):
    """Windows of an (N, C, *S) input as columns (N, C * prod(k), L) (torch's F.unfold);
    an input without the batch dim gives columns without it."""

    def forward(self, x, ksize, stride, pads, dilation, out, cf=False):
        unbatched = x.ndim == len(ksize) + 1
        self.args = (x.shape[x.ndim - len(ksize):], ksize, stride, pads, dilation, out, cf)
        r = im2col_array(x[None] if unbatched else x, ksize, stride, pads, dilation, out, cf)
        return r[0] if unbatched else r

    def backward(self, grad):
        return col2im(grad, *self.args)


class Col2ImBackward0(Node):
    """Sum of columns (N, C * prod(k), L) back into an (N, C, *size) image (F.fold)."""

    def forward(self, cols, size, ksize, stride, pads, dilation, out, cf=False):
        self.args = (ksize, stride, pads, dilation, out, cf)
        unbatched = cols.ndim == 2 and not cf
        r = col2im_array(cols[None] if unbatched else cols, size, ksize, stride, pads, dilation,
                         out, cf)
        return r[0] if unbatched else r

    def backward(self, grad):
        return im2col(grad, *self.args)


def im2col(x, ksize, stride, pads, dilation, out, cf=False):
    """Columns of the windows of `x` (an ember op: differentiable, twice); `cf` selects the
    channels-first layout (C * prod(k), N * L)."""
    return execute(Im2ColBackward0, (x,), (x._data,),
                   (tuple(ksize), tuple(stride), tuple(pads), tuple(dilation), tuple(out), cf))


def col2im(cols, size, ksize, stride, pads, dilation, out, cf=False):
    """Scatter-add of columns into an image of spatial `size` (an ember op)."""
    return execute(Col2ImBackward0, (cols,), (cols._data,),
                   (tuple(size), tuple(ksize), tuple(stride), tuple(pads), tuple(dilation),
                    tuple(out), cf))


# --- convolution -------------------------------------------------------------------------

class ConvolutionBackward0(Node):
    """torch.convolution: forward or transposed, any of 1-3 spatial dims, with groups.

    Columns use the channels-first layout (G, C/G * prod(k), N * L) so that each group is
    one large GEMM over the whole batch."""

    saves = (0, 1)

    def forward(self, x, w, b, stride, padding, dilation, transposed, output_padding, groups,
                keep_cols):
        if x.dtype.itemsize == 2 and x.dtype.kind in "fV":  # half types accumulate in float32
            f32 = xp.float32
            res = self.forward(x.astype(f32), w.astype(f32), None if b is None else
                               b.astype(f32), stride, padding, dilation, transposed,
                               output_padding, groups, False)
            return res.astype(x.dtype)
        nd = len(stride)
        ksize = w.shape[2:]
        pads = tuple((p, p) for p in padding)
        n, g = x.shape[0], groups
        self.geom = (ksize, stride, pads, dilation, transposed, groups)
        self._cols = None
        if not transposed:
            o = tuple(out_size(x.shape[2 + i], ksize[i], stride[i], padding[i], padding[i],
                               dilation[i]) for i in range(nd))
            cols = im2col_array(x, ksize, stride, pads, dilation, o, cf=True)
            cols = cols.reshape(g, cols.shape[0] // g, cols.shape[1])
            if keep_cols:
                self._cols = cols
            res = xp.matmul(w.reshape(g, w.shape[0] // g, -1), cols)  # (G, Cout/G, N*L)
            res = xp.ascontiguousarray(res.reshape((w.shape[0], n) + o).swapaxes(0, 1))
        else:
            o = tuple((x.shape[2 + i] - 1) * stride[i] - 2 * padding[i]
                      + dilation[i] * (ksize[i] - 1) + output_padding[i] + 1 for i in range(nd))
            cin = w.shape[0]
            xg = xp.ascontiguousarray(x.swapaxes(0, 1))
            xg = xg.reshape(g, cin // g, math.prod(x.shape[2:]) * n)
            cols = xp.matmul(w.reshape(g, cin // g, -1).transpose(0, 2, 1), xg)
            cols = cols.reshape(cols.shape[0] * cols.shape[1], cols.shape[2])
            res = col2im_array(cols, o, ksize, stride, pads, dilation, x.shape[2:], cf=True)
        self.out = res.shape[2:]
        if b is not None:
            res += b.reshape((-1,) + (1,) * nd)
        return res

    def backward(self, grad):
        x, w = self.saved()
        ksize, stride, pads, dilation, transposed, g = self.geom
        nd = len(ksize)
        n = grad.shape[0]
        gx = gw = gb = None
        if self.needs(2):
            gb = grad.sum([0] + list(range(2, 2 + nd)))
        if not transposed:
            cout = w.shape[0]
            # (G, Cout/G, N*L), materialised: BLAS cannot read a broadcast (zero-stride) grad
            go = grad.transpose(0, 1).reshape(g, cout // g, math.prod(grad.shape[2:]) * n)
            go = go.contiguous()
            # the weight's gradient first, so the kept columns are freed before the input's
            # gradient makes columns of its own (one im2col-sized buffer at a time)
            if self.needs(1):
                if self._cols is not None and not GRAD.enabled:
                    cols = make(self._cols)
                else:
                    cols = im2col(x, ksize, stride, pads, dilation, self.out, True)
                    cols = cols.reshape(g, cols.shape[0] // g, cols.shape[1])
                self._cols = None
                gw = _gemm_nt(go, cols).reshape(w.shape)
                del cols
            if self.needs(0):
                cols = w.reshape(g, cout // g, -1).transpose(1, 2) @ go
                cols = cols.reshape(g * cols.shape[1], cols.shape[2])
                gx = col2im(cols, x.shape[2:], ksize, stride, pads, dilation, self.out, True)
        else:
            cin = w.shape[0]
            gcols = im2col(grad, ksize, stride, pads, dilation, x.shape[2:], True)
            gcols = gcols.reshape(g, gcols.shape[0] // g, gcols.shape[1])  # (G, Cout/G*K, N*L)
            if self.needs(0):
                gx = w.reshape(g, cin // g, -1) @ gcols
                gx = gx.reshape((cin, x.shape[0]) + tuple(x.shape[2:])).transpose(0, 1)
                gx = gx.contiguous()
            if self.needs(1):
                xg = x.transpose(0, 1).reshape(g, cin // g, gcols.shape[2])
                gw = _gemm_nt(xg, gcols).reshape(w.shape)
        self._cols = None
        return gx, gw, gb


def _gemm_nt(a, b):
    """a @ b^T per group, (G, P, M) x (G, Q, M) -> (G, P, Q). NumPy's stacked matmul does
    not reach BLAS for a transposed operand, so one group is a 2-D product and several
    groups get a contiguous copy of b^T."""
    if a.shape[0] == 1:
        return (a[0] @ b[0].t()).unsqueeze(0)
    return a @ b.transpose(1, 2).contiguous()


def _tuple(v, nd, name="value"):
    if isinstance(v, int):
        return (v,) * nd
    v = tuple(int(i) for i in v)
    if len(v) == 1:
        return v * nd
    if len(v) != nd:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {nd} "
                           f"values to match the convolution dimensions, but got "
                           f"{name}={list(v)}")
    return v


def _shape_str(s):
    return "[" + ", ".join(str(i) for i in s) + "]"


def _check_conv(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                groups):
    nd = weight.dim() - 2
    if input.dim() != nd + 2:
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"conv{nd}d, but got input of size: {list(input.shape)}")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"Input type ({input.dtype}) and weight type ({weight.dtype}) "
                           "should be the same")
    if input.dtype is _dt.bool or (transposed and input.dtype.category < _dt.FLOAT
                                   and input.dtype is not _dt.int64):
        kernel = "slow_conv_transpose2d_out_cpu" if transposed else "slow_conv2d_cpu"
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_scalar_type_name(input.dtype)}'")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    cin = input.shape[1]
    if not transposed:
        if weight.shape[0] % groups:
            raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                               f"{groups} at dimension 0, but got weight of size "
                               f"{_shape_str(weight.shape)} instead")
        if cin != weight.shape[1] * groups:
            raise RuntimeError(
                f"Given groups={groups}, weight of size {_shape_str(weight.shape)}, expected "
                f"input{_shape_str(input.shape)} to have {weight.shape[1] * groups} channels, "
                f"but got {cin} channels instead")
        for i in range(nd):
            eff = dilation[i] * (weight.shape[2 + i] - 1) + 1
            if input.shape[2 + i] + 2 * padding[i] < eff:
                raise RuntimeError(
                    f"Calculated padded input size per channel: "
                    f"({' x '.join(str(input.shape[2 + j] + 2 * padding[j]) for j in range(nd))})"
                    f". Kernel size: ({' x '.join(str(weight.shape[2 + j]) for j in range(nd))})"
                    f". Kernel size can't be greater than actual input size")
        cout = weight.shape[0]
    else:
        if cin != weight.shape[0]:
            raise RuntimeError(
                f"Given transposed=1, weight of size {_shape_str(weight.shape)}, expected "
                f"input{_shape_str(input.shape)} to have {weight.shape[0]} channels, but got "
                f"{cin} channels instead")
        if cin % groups:
            raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                               f"{groups} at dimension 0, but got weight of size "
                               f"{_shape_str(weight.shape)} instead")
        for i in range(nd):
            if output_padding[i] >= max(stride[i], dilation[i]):
                raise RuntimeError("output padding must be smaller than either stride or "
                                   "dilation, but got output_padding_height: "
                                   f"{output_padding[i]} stride: {stride[i]} dilation: "
                                   f"{dilation[i]}")
        cout = weight.shape[1] * groups
    if bias is not None:
        if bias.dim() != 1 or bias.shape[0] != cout:
            raise RuntimeError(f"Given weight of size {_shape_str(weight.shape)}, expected bias "
                               f"to be 1-dimensional with {cout} elements, but got bias of "
                               f"size {_shape_str(bias.shape)} instead")
        if bias.dtype is not input.dtype:
            raise RuntimeError(f"Input type ({input.dtype}) and bias type ({bias.dtype}) "
                               "should be the same")


@export(method=False)
def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                groups):
    """torch.convolution: the N-d (transposed) convolution behind every conv layer; `input`
    is batched (N, C, *S), `weight` is (C_out, C_in / groups, *k) or, transposed,
    (C_in, C_out / groups, *k)."""
    if _ac.on and _ac.active():
        return _ac.lower(convolution, input, weight, bias, stride, padding, dilation, transposed,
                         output_padding, groups)
    nd = weight.dim() - 2
    stride = _tuple(stride, nd, "stride")
    padding = _tuple(padding, nd, "padding")
    dilation = _tuple(dilation, nd, "dilation")
    output_padding = _tuple(output_padding, nd, "output_padding")
    groups = int(groups)
    _check_conv(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                groups)
    keep = (GRAD.enabled and weight._requires_grad and not transposed)
    return execute(ConvolutionBackward0, (input, weight, bias),
                   (input._data, weight._data, None if bias is None else bias._data),
                   (stride, padding, dilation, bool(transposed), output_padding, groups, keep))


def _same_padding(input, weight, stride, dilation, nd):
    """Padding for padding='same': symmetric, plus one extra on the right (an explicit
    constant pad of the input, as torch does) where the total is odd."""
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    total = [dilation[i] * (weight.shape[2 + i] - 1) for i in range(nd)]
    if any(t % 2 for t in total):
        extra = []
        for t in reversed(total):
            extra += [0, t % 2]
        input = constant_pad_nd(input, extra)
    return input, tuple(t // 2 for t in total)


def _conv(nd, input, weight, bias, stride, padding, dilation, groups):
    stride = _tuple(stride, nd, "stride")
    dilation = _tuple(dilation, nd, "dilation")
    unbatched = input.dim() == nd + 1
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"conv{nd}d, but got input of size: {list(input.shape)}")
    if unbatched:
        input = input.unsqueeze(0)
    if isinstance(padding, str):
        if padding == "valid":
            padding = 0
        elif padding == "same":
            input, padding = _same_padding(input, weight, stride, dilation, nd)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    out = convolution(input, weight, bias, stride, padding, dilation, False, 0, groups)
    return out.squeeze(0) if unbatched else out


def _conv_transpose(nd, input, weight, bias, stride, padding, output_padding, groups,
                    dilation):
    unbatched = input.dim() == nd + 1
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"conv_transpose{nd}d, but got input of size: {list(input.shape)}")
    if unbatched:
        input = input.unsqueeze(0)
    out = convolution(input, weight, bias, stride, padding, dilation, True, output_padding,
                      groups)
    return out.squeeze(0) if unbatched else out


@export(method=False)
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution (cross-correlation) of (N, C_in, L) or (C_in, L) `input` with `weight`
    (C_out, C_in / groups, k); `padding` is an int, a tuple, 'valid' or 'same'."""
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


@export(method=False)
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d convolution (cross-correlation) of (N, C_in, H, W) or (C_in, H, W) `input` with
    `weight` (C_out, C_in / groups, kH, kW); `padding` is an int, a tuple, 'valid' or 'same'."""
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


@export(method=False)
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-d convolution (cross-correlation) of (N, C_in, D, H, W) or unbatched `input` with
    `weight` (C_out, C_in / groups, kD, kH, kW)."""
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


@export(method=False)
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-d transposed convolution ("deconvolution"): the gradient of conv1d with respect to
    its input; `weight` is (C_in, C_out / groups, k)."""
    return _conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


@export(method=False)
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-d transposed convolution; `weight` is (C_in, C_out / groups, kH, kW)."""
    return _conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


@export(method=False)
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-d transposed convolution; `weight` is (C_in, C_out / groups, kD, kH, kW)."""
    return _conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


# --- padding -----------------------------------------------------------------------------

class ConstantPadNdBackward0(Node):
    """Pad (or, with negative amounts, crop) the last dims with a constant."""

    def forward(self, x, pad, value):
        self.pad = pad
        nd = len(pad) // 2
        lead = x.ndim - nd
        shape = list(x.shape)
        src, dst = [], []
        for i in range(nd):
            lo, hi = pad[2 * i], pad[2 * i + 1]
            ax = x.ndim - 1 - i
            size = x.shape[ax]
            new = size + lo + hi
            if new < 0:
                raise RuntimeError(
                    f"The input size {size}, plus negative padding {lo} and {hi} resulted in a "
                    f"negative output size, which is invalid. Check dimension {ax} of your "
                    "input.")
            shape[ax] = new
            a, b = max(-lo, 0), size - max(-hi, 0)
            n = max(b - a, 0)
            src.append(slice(a, a + n))
            dst.append(slice(max(lo, 0), max(lo, 0) + n))
        out = xp.full(shape, value, dtype=x.dtype)
        idx_src = (slice(None),) * lead + tuple(reversed(src))
        idx_dst = (slice(None),) * lead + tuple(reversed(dst))
        out[idx_dst] = x[idx_src]
        return out

    def backward(self, grad):
        return constant_pad_nd(grad, [-p for p in self.pad])


@export(method=False)
def constant_pad_nd(input, pad, value=0):
    """Pad the last len(pad) // 2 dims of `input` with `value`: `pad` lists (left, right)
    amounts starting from the last dim; negative amounts crop."""
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise RuntimeError("Length of pad must be even but instead it equals " + str(len(pad)))
    if len(pad) // 2 > input.dim():
        raise RuntimeError(f"Length of pad should be no more than twice the number of "
                           f"dimensions of the input. Pad length is {len(pad)} while the input "
                           f"has {input.dim()} dimensions.")
    return execute(ConstantPadNdBackward0, (input,), (input._data,), (tuple(pad), value))


class _IndexPad(Node):
    """Padding by gathering along each padded dim with an index map; the gradient adds the
    incoming gradient back through the same maps (index_add, one dim at a time)."""

    def forward(self, x, pad):
        nd = len(pad) // 2
        self.maps = []
        for i in range(nd):
            ax = x.ndim - 1 - i
            idx = self.index_map(x.shape[ax], pad[2 * i], pad[2 * i + 1])
            x = xp.take(x, idx, axis=ax)
            self.maps.append((ax, idx, x.shape[ax] - pad[2 * i] - pad[2 * i + 1]))
        return x

    def backward(self, grad):
        for ax, idx, size in reversed(self.maps):
            shape = list(grad.shape)
            shape[ax] = size
            grad = grad.new_zeros(shape).index_add(ax, make(idx), grad)
        return grad


class _ReflectionPad(_IndexPad):
    @staticmethod
    def index_map(size, lo, hi):
        i = xp.arange(-lo, size + hi)
        period = 2 * (size - 1)
        if period == 0:
            return xp.zeros(i.shape, dtype=xp.int64)
        i = xp.abs(i) % period
        return xp.where(i >= size, period - i, i).astype(xp.int64)


class _ReplicationPad(_IndexPad):
    @staticmethod
    def index_map(size, lo, hi):
        return xp.clip(xp.arange(-lo, size + hi), 0, size - 1).astype(xp.int64)


class ReflectionPad1DBackward0(_ReflectionPad):
    pass


class ReflectionPad2DBackward0(_ReflectionPad):
    pass


class ReflectionPad3DBackward0(_ReflectionPad):
    pass


class ReplicationPad1DBackward0(_ReplicationPad):
    pass


class ReplicationPad2DBackward0(_ReplicationPad):
    pass


class ReplicationPad3DBackward0(_ReplicationPad):
    pass


_INDEX_PADS = {
    "reflect": (ReflectionPad1DBackward0, ReflectionPad2DBackward0, ReflectionPad3DBackward0),
    "replicate": (ReplicationPad1DBackward0, ReplicationPad2DBackward0,
                  ReplicationPad3DBackward0),
}


def index_pad(input, pad, mode):
    """Reflection or replication padding of the last len(pad) // 2 (1 to 3) dims."""
    nd = len(pad) // 2
    for i in range(nd):
        lo, hi = pad[2 * i], pad[2 * i + 1]
        size = input.shape[input.dim() - 1 - i]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(
                f"Argument #{4 + 2 * i}: Padding size should be less than the corresponding "
                f"input dimension, but got: padding ({lo}, {hi}) at dimension {input.dim() - 1 - i} "
                f"of input {list(input.shape)}")
        if mode == "replicate" and size == 0 and (lo or hi):
            raise RuntimeError("input tensor must be non-empty to pad with replication")
    return execute(_INDEX_PADS[mode][nd - 1], (input,), (input._data,),
                   (tuple(int(p) for p in pad),))
