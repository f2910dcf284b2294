"""Fused nodes of the basic layers: layer/batch/group normalisation, embeddings, pdist, and
the top-level torch functions built on them (torch.layer_norm, torch.embedding,
torch.dropout, torch.cosine_similarity, ...).

The normalisation nodes share one backward (`_normalized_grad`): with x_hat the normalised
input, g the incoming gradient times the weight and mean_R a mean over the reduced dims,
    dx = rstd * (g - mean_R(g) - x_hat * mean_R(g * x_hat)).
When the backward itself is recorded (create_graph), the statistics are recomputed from the
saved input with ember ops so that higher-order gradients see their dependence on x.
"""
import math

from ember._backend import dtypes as _dt
from ember._backend import xp
from ember._ops._util import broadcast_shapes, make
from ember._ops.engine import GRAD, Node, execute
from ember._ops.matmul import AddmmBackward0, addmm
from ember._ops.reduction import NormBackward1
from ember._ops.registry import export
from ember._ops.shape import TBackward0


def _tname(t):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
            "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
            "uint8": "Byte", "bool": "Bool"}.get(t.dtype.name, t.dtype.name)


def _data(t):
    return None if t is None else t._data


def _check_float(kernel, input, *params):
    """torch's refusals: integer inputs, and parameters of another dtype than the input."""
    if input.dtype.category != _dt.FLOAT:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_tname(input)}\'')
    for p in params:
        if p is not None and p.dtype is not input.dtype:
            raise RuntimeError(f"mixed dtype (CPU): expect parameter to have scalar type of "
                               f"{_tname(input)}")


def _acc(x):
    """x in the precision the statistics are computed in (float32 for half types, as torch's
    CPU kernels accumulate)."""
    return x.astype(xp.float32) if x.dtype.itemsize == 2 else x


def _stats(x, axes, eps, with_var=False):
    """(mean, rstd) of array x over `axes` (kept), biased variance as torch normalises; the
    variance itself too `with_var`."""
    mean = x.mean(axis=axes, keepdims=True)
    xc = x - mean
    var = (xc * xc).mean(axis=axes, keepdims=True)
    rstd = 1.0 / xp.sqrt(var + eps)
    return (mean, rstd, var) if with_var else (mean, rstd)


def _stats_graph(x, dims, eps):
    """(x_hat, rstd) recomputed from tensor x with ember ops (recorded for double backward)."""
    xc = x - x.mean(dim=dims, keepdim=True)
    rstd = ((xc * xc).mean(dim=dims, keepdim=True) + eps).rsqrt()
    return xc * rstd, rstd


def _normalized_grad(g, xhat, rstd, dims):
    """Gradient wrt the input of x_hat = (x - mean) * rstd, the stats taken over `dims`."""
    return rstd * (g - g.mean(dim=dims, keepdim=True)
                   - xhat * (g * xhat).mean(dim=dims, keepdim=True))


# --- layer norm ------------------------------------------------------------------------------

class NativeLayerNormBackward0(Node):
    saves = (0, 1)

    def forward(self, x, w, b, k, eps):
        axes = tuple(range(x.ndim - k, x.ndim))
        xa = _acc(x)
        mean, rstd = _stats(xa, axes, eps)
        self.k, self.eps, self.mean, self.rstd = k, eps, mean, rstd
        y = (xa - mean) * rstd
        if w is not None:
            y *= w
        if b is not None:
            y += b
        return y.astype(x.dtype, copy=False)

    def backward(self, grad):
        x, w = self.saved()
        nd = x.dim()
        dims = tuple(range(nd - self.k, nd))
        if GRAD.enabled:
            xhat, rstd = _stats_graph(x, dims, self.eps)
        else:
            rstd = make(self.rstd.astype(x.dtype.np, copy=False))
            xhat = make(((x._data - self.mean) * self.rstd).astype(x.dtype.np, copy=False))
        batch = tuple(range(nd - self.k))
        gx = gw = gb = None
        if self.needs(0):
            gx = _normalized_grad(grad * w if w is not None else grad, xhat, rstd, dims)
        if self.needs(1):
            gw = (grad * xhat).sum(dim=batch) if batch else grad * xhat
        if self.needs(2):
            gb = grad.sum(dim=batch) if batch else grad
        return gx, gw, gb


def _check_normalized_shape(input, normalized_shape, weight, bias):
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
        tuple(int(n) for n in normalized_shape)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(t.shape)} and normalized_shape = "
                               f"{list(shape)}")
    k = len(shape)
    if k == 0:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    if input.dim() < k or tuple(input.shape[input.dim() - k:]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(str(n) for n in shape)}], but got input of size"
                           f"{list(input.shape)}")
    return shape


@export(method=False)
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    """Normalise over the trailing `normalized_shape` dims to zero mean and unit (biased)
    variance, then scale by `weight` and shift by `bias` (NativeLayerNormBackward0)."""
    k = len(_check_normalized_shape(input, normalized_shape, weight, bias))
    _check_float("LayerNormKernelImpl", input, weight, bias)
    return execute(NativeLayerNormBackward0, (input, weight, bias),
                   (input._data, _data(weight), _data(bias)), (k, eps))


@export(method=False)
def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Divide by the root mean square over the trailing `normalized_shape` dims (plus `eps`,
    default the dtype's machine epsilon) and scale by `weight`; composed of ember ops as
    torch composes it."""
    shape = _check_normalized_shape(input, normalized_shape, weight, None)
    if eps is None:
        eps = float(xp.finfo(input.dtype.np).eps)
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    y = input * (input.pow(2).mean(dim=dims, keepdim=True) + eps).rsqrt()
    return y * weight if weight is not None else y


# --- batch norm ------------------------------------------------------------------------------

def _channel_shape(x):
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


class NativeBatchNormBackward0(Node):
    saves = (0, 1)

    def forward(self, x, w, b, rm, rv, training, momentum, eps):
        axes = (0,) + tuple(range(2, x.ndim))
        cs = _channel_shape(x)
        self.training, self.eps = training, eps
        xa = _acc(x)
        if training:
            mean, rstd, var = _stats(xa, axes, eps, True)
            if rm is not None or rv is not None:
                n = x.size // x.shape[1]
                if rm is not None:
                    rm._data *= 1 - momentum
                    rm._data += momentum * mean.reshape(-1)
                    rm._bump_version()
                if rv is not None:
                    rv._data *= 1 - momentum
                    rv._data += momentum * var.reshape(-1) * (n / max(n - 1, 1))
                    rv._bump_version()
        else:
            mean = rm._data.reshape(cs)
            rstd = 1.0 / xp.sqrt(rv._data.reshape(cs) + eps)
        self.mean, self.rstd = mean, rstd
        y = (xa - mean) * rstd
        if w is not None:
            y *= w.reshape(cs)
        if b is not None:
            y += b.reshape(cs)
        return y.astype(x.dtype, copy=False)

    def backward(self, grad):
        x, w = self.saved()
        nd = x.dim()
        dims = (0,) + tuple(range(2, nd))
        cs = _channel_shape(x._data)
        if self.training and GRAD.enabled:
            xhat, rstd = _stats_graph(x, dims, self.eps)
        else:
            rstd = make(self.rstd.astype(x.dtype.np, copy=False))
            if GRAD.enabled:  # eval: x_hat is affine in x (the running stats are constants)
                xhat = (x - make(self.mean.astype(x.dtype.np, copy=False))) * rstd
            else:
                xhat = make(((x._data - self.mean) * self.rstd).astype(x.dtype.np, copy=False))
        gx = gw = gb = None
        if self.needs(0):
            g = grad * w.reshape(cs) if w is not None else grad
            gx = _normalized_grad(g, xhat, rstd, dims) if self.training else g * rstd
        if self.needs(1):
            gw = (grad * xhat).sum(dim=dims)
        if self.needs(2):
            gb = grad.sum(dim=dims)
        return gx, gw, gb


@export(method=False)
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
               cudnn_enabled=True):
    """Batch normalisation over all dims but the channel dim 1: batch statistics when
    `training` (updating the running stats with `momentum`, the variance unbiased), the
    running stats otherwise (NativeBatchNormBackward0)."""
    if input.dim() < 2:
        raise RuntimeError(f"batch_norm(): expected input to have at least 2 dimensions, but "
                           f"got {input.dim()}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    _check_float("batch_norm", input)
    return execute(NativeBatchNormBackward0, (input, weight, bias),
                   (input._data, _data(weight), _data(bias)),
                   (running_mean, running_var, bool(training), momentum, eps))


@export(method=False)
def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum,
                  eps, cudnn_enabled=True):
    """Normalise each (sample, channel) plane over its spatial dims: batch norm of the input
    viewed as one sample with N*C channels; running stats (if given) get the batch mean of the
    per-instance statistics."""
    n, c = input.shape[0], input.shape[1]
    x = input.reshape((1, n * c) + tuple(input.shape[2:]))
    w = weight.repeat(n) if weight is not None else None
    b = bias.repeat(n) if bias is not None else None
    rm = running_mean.repeat(n) if running_mean is not None else None
    rv = running_var.repeat(n) if running_var is not None else None
    out = batch_norm(x, w, b, rm, rv, use_input_stats, momentum, eps)
    if running_mean is not None:
        running_mean._data[...] = rm._data.reshape(n, c).mean(axis=0)
        running_mean._bump_version()
    if running_var is not None:
        running_var._data[...] = rv._data.reshape(n, c).mean(axis=0)
        running_var._bump_version()
    return out.view(input.shape)


# --- group norm ------------------------------------------------------------------------------

class NativeGroupNormBackward0(Node):
    saves = (0, 1)

    def forward(self, x, w, b, groups, eps):
        n = x.shape[0]
        xg = _acc(x).reshape(n, groups, math.prod(x.shape[1:]) // groups)  # n may be 0
        mean, rstd = _stats(xg, (2,), eps)
        self.groups, self.eps, self.mean, self.rstd = groups, eps, mean, rstd
        y = ((xg - mean) * rstd).reshape(x.shape)
        cs = _channel_shape(x)
        if w is not None:
            y *= w.reshape(cs)
        if b is not None:
            y += b.reshape(cs)
        return y.astype(x.dtype, copy=False)

    def backward(self, grad):
        x, w = self.saved()
        n = x.shape[0]
        shape = tuple(x.shape)
        gshape = (n, self.groups, math.prod(shape[1:]) // self.groups)
        cs = _channel_shape(x._data)
        if GRAD.enabled:
            xhat, rstd = _stats_graph(x.reshape(gshape), (2,), self.eps)
        else:
            rstd = make(self.rstd.astype(x.dtype.np, copy=False))
            xg = x._data.reshape(gshape)
            xhat = make(((xg - self.mean) * self.rstd).astype(x.dtype.np, copy=False))
        dims = (0,) + tuple(range(2, len(shape)))
        gx = gw = gb = None
        if self.needs(0):
            g = grad * w.reshape(cs) if w is not None else grad
            gx = _normalized_grad(g.reshape(gshape), xhat, rstd, (2,)).reshape(shape)
        if self.needs(1):
            gw = (grad * xhat.reshape(shape)).sum(dim=dims)
        if self.needs(2):
            gb = grad.sum(dim=dims)
        return gx, gw, gb


@export(method=False)
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    """Normalise each sample's channels in `num_groups` groups (statistics over the group's
    channels and spatial dims), then apply the per-channel affine (NativeGroupNormBackward0)."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    c = input.shape[1]
    if c % num_groups != 0:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {list(t.shape)} "
                               f"and input of shape {list(input.shape)}")
    _check_float("GroupNormKernelImpl", input, weight, bias)
    return execute(NativeGroupNormBackward0, (input, weight, bias),
                   (input._data, _data(weight), _data(bias)), (num_groups, eps))


# --- embeddings ------------------------------------------------------------------------------

def _check_indices(indices, what="embedding"):
    if indices.dtype not in (_dt.int64, _dt.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got torch."
                           f"{_tname(indices)}Tensor instead (while checking arguments for "
                           f"{what})")


def _take_rows(w, idx):
    if idx.size and (idx.min() < 0 or idx.max() >= w.shape[0]):
        raise IndexError("index out of range in self")
    return xp.take(w, idx, axis=0)


class EmbeddingBackward0(Node):
    def forward(self, w, idx, padding_idx, scale_grad_by_freq):
        self.idx, self.num = idx, w.shape[0]
        self.padding_idx, self.scale = padding_idx, scale_grad_by_freq
        return _take_rows(w, idx)

    def backward(self, grad):
        idx = self.idx.reshape(-1)
        g = grad.reshape(idx.shape[0], grad.shape[-1])
        keep = None
        if self.padding_idx is not None and self.padding_idx >= 0:
            keep = idx != self.padding_idx
        if self.scale:
            counts = xp.bincount(idx, minlength=self.num)[idx]
            keep = (1.0 / counts) if keep is None else keep / counts
        if keep is not None:
            g = g * make(keep.astype(g.dtype.np).reshape(-1, 1))
        zeros = make(xp.zeros((self.num, g.shape[1]), g.dtype.np))
        return zeros.index_add(0, make(idx), g)


@export(method=False)
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """Rows of `weight` picked by integer `indices` (result shape indices.shape + (dim,));
    the gradient skips rows equal to `padding_idx` and is divided by each index's count with
    `scale_grad_by_freq` (EmbeddingBackward0)."""
    _check_indices(indices)
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    return execute(EmbeddingBackward0, (weight,), (weight._data,),
                   (indices._data.astype(xp.int64, copy=False), padding_idx,
                    bool(scale_grad_by_freq)))


@export(method=False)
def embedding_renorm_(input, indices, max_norm, norm_type):
    """In place: rescale the rows of `input` named in `indices` whose `norm_type`-norm exceeds
    `max_norm` to norm max_norm (torch's max_norm for embeddings)."""
    rows = xp.unique(indices._data.reshape(-1))
    w = input._data
    sel = w[rows]
    if norm_type == math.inf:
        norms = xp.abs(sel).max(axis=1)
    else:
        norms = (xp.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if big.any():
        scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
        w[rows[big]] = sel[big] * scale[:, None]
        input._bump_version()
    return input


_BAG_MODES = {"sum": 0, "mean": 1, "max": 2}


class EmbeddingBagBackward0(Node):
    """Inputs: weight and per_sample_weights. Each bag reduces its rows by sum, mean or max."""

    saves = (0, 1)

    def forward(self, w, psw, idx, bags, nbags, mode, padding_idx, scale_grad_by_freq=False):
        d = w.shape[1]
        self.freq = scale_grad_by_freq
        rows = _take_rows(w, idx)
        valid = xp.ones(idx.shape, bool) if padding_idx is None else idx != padding_idx
        counts = xp.bincount(bags[valid], minlength=nbags)
        self.idx, self.bags, self.nbags, self.mode = idx, bags, nbags, mode
        self.valid, self.counts = valid, counts
        if mode == 2:
            out = xp.zeros((nbags, d), w.dtype)
            arg = xp.full((nbags, d), -1, xp.int64)
            for bag in range(nbags):
                sel = xp.nonzero(valid & (bags == bag))[0]
                if sel.size:
                    best = rows[sel].argmax(axis=0)
                    out[bag] = rows[sel][best, xp.arange(d)]
                    arg[bag] = idx[sel][best]
            self.arg = arg
            return out
        if psw is not None:
            rows = rows * psw[:, None]
        out = xp.zeros((nbags, d), w.dtype)
        xp.add.at(out, bags[valid], rows[valid])
        if mode == 1:
            out /= xp.maximum(counts, 1)[:, None]
        return out

    def backward(self, grad):
        w, psw = self.saved()
        num, d = w.shape
        gw = gp = None
        zeros = make(xp.zeros((num, d), grad.dtype.np))
        if self.mode == 2:
            if self.needs(0):
                has = self.arg >= 0
                arg = make(xp.where(has, self.arg, 0))
                gw = zeros.scatter_add(0, arg, grad * make(has.astype(grad.dtype.np)))
            return gw, None
        scale = self.valid.astype(grad.dtype.np)
        if self.mode == 1:
            scale = (scale / xp.maximum(self.counts, 1)[self.bags]).astype(scale.dtype)
        per_row = grad.index_select(0, make(self.bags)) * make(scale[:, None])
        if self.needs(0):
            src = per_row * psw.unsqueeze(1) if psw is not None else per_row
            if self.freq:  # each row's weight gradient over its index's count in the batch
                freq = xp.bincount(self.idx, minlength=num)[self.idx]
                src = src * make((1.0 / freq).astype(grad.dtype.np)[:, None])
            gw = zeros.index_add(0, make(self.idx), src)
        if psw is not None and self.needs(1):
            gp = (per_row * w.index_select(0, make(self.idx))).sum(dim=1)
        return gw, gp


def embedding_bag_impl(weight, indices, offsets, mode, per_sample_weights,
                       include_last_offset, padding_idx, scale_grad_by_freq=False):
    """The kernel under F.embedding_bag: 1-D `indices` split into bags at `offsets`; with
    `scale_grad_by_freq` each row's weight gradient is divided by its index's count."""
    _check_indices(indices, "embedding_bag")
    idx = indices._data.astype(xp.int64, copy=False).reshape(-1)
    offs = offsets._data.astype(xp.int64, copy=False)
    if include_last_offset:
        offs = offs[:-1]
    nbags = offs.shape[0]
    if nbags and offs[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the "
                           f"mini-batch has to start from position 0. However, got "
                           f"{int(offs[0])}")
    bags = xp.searchsorted(offs, xp.arange(idx.shape[0]), side="right") - 1
    if include_last_offset and offsets.shape[0]:
        bags = xp.where(xp.arange(idx.shape[0]) < offsets._data[-1], bags, -1)
        keep = bags >= 0
        idx, bags = idx[keep], bags[keep]
    return execute(EmbeddingBagBackward0, (weight, per_sample_weights),
                   (weight._data, _data(per_sample_weights)),
                   (idx, bags, nbags, _BAG_MODES[mode], padding_idx,
                    bool(scale_grad_by_freq)))


# --- distances -------------------------------------------------------------------------------

class PdistBackward0(Node):
    saves = (0,)
    saves_result = True

    def forward(self, x, p):
        n = x.shape[0]
        i, j = xp.triu_indices(n, 1)
        self.i, self.j, self.p = i, j, p
        diff = xp.abs(x[i] - x[j])
        if p == 0:
            out = (diff != 0).sum(axis=1).astype(x.dtype)
        elif p == math.inf:
            out = diff.max(axis=1, initial=0)
        elif p == 1:
            out = diff.sum(axis=1)
        elif p == 2:
            out = xp.sqrt((diff * diff).sum(axis=1))
        else:
            out = (diff ** p).sum(axis=1) ** (1.0 / p)
        return out.astype(x.dtype, copy=False)

    def backward(self, grad):
        x, dist = self.saved()
        p = self.p
        i, j = make(self.i), make(self.j)
        diff = x.index_select(0, i) - x.index_select(0, j)
        d = dist.unsqueeze(1)
        g = grad.unsqueeze(1)
        if p == 0:
            per = diff * 0
        elif p == 1:
            per = diff.sign() * g
        elif p == math.inf:
            per = diff.sign() * (diff.abs() == d).to(diff.dtype) * g
        else:
            safe = d.masked_fill(d == 0, 1)
            per = diff.sign() * diff.abs().pow(p - 1) / safe.pow(p - 1) * g
            per = per.masked_fill(d == 0, 0)
        zeros = make(xp.zeros(tuple(x.shape), x.dtype.np))
        return zeros.index_add(0, i, per).index_add(0, j, per, alpha=-1)


@export(method=False)
def pdist(input, p=2):
    """The p-norm distances between all pairs of rows of a 2-D input, in row-major order of
    the upper triangle (i < j) (PdistBackward0)."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    if input.dtype.category != _dt.FLOAT:
        raise RuntimeError("pdist only supports floating-point dtypes")
    return execute(PdistBackward0, (input,), (input._data,), (p,))


@export(method=False)
def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of x1 - x2 + eps over the last dim (inputs broadcast)."""
    dim = max(x1.dim(), x2.dim(), 1) - 1
    diff = x1 - x2 + eps
    if diff.dim() == 0:
        diff = diff.unsqueeze(0)
    # torch computes at::norm here, whose node is NormBackward1 (not linalg's)
    return execute(NormBackward1, (diff,), (diff._data,), (p, (dim,), keepdim))


@export(method=False)
def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between x1 and x2 along `dim` (inputs broadcast), each norm
    clamped below at `eps`."""
    # torch expands both inputs first, so a broadcast operand's norm counts every repeat
    shape = broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    x1, x2 = x1.expand(shape), x2.expand(shape)
    n1 = x1.norm(2, dim=dim, keepdim=True).clamp_min(eps)
    n2 = x2.norm(2, dim=dim, keepdim=True).clamp_min(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim=dim)


@export(method=False)
def bilinear(input1, input2, weight, bias=None):
    """y[..., k] = input1 @ weight[k] @ input2 + bias[k] over the leading batch dims."""
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got "
                           f"{list(input1.shape[:-1])} and {list(input2.shape[:-1])}")
    if weight.dim() != 3 or weight.shape[1] != input1.shape[-1] or \
            weight.shape[2] != input2.shape[-1]:
        raise RuntimeError(f"bilinear(): weight size does not match the input sizes: got "
                           f"weight {list(weight.shape)}, input1 {list(input1.shape)}, "
                           f"input2 {list(input2.shape)}")
    lead = tuple(input1.shape[:-1])
    a = input1.reshape(-1, input1.shape[-1])
    b = input2.reshape(-1, input2.shape[-1])
    out = ((a @ weight.transpose(0, 1).reshape(a.shape[1], -1))
           .reshape(a.shape[0], weight.shape[0], -1) * b.unsqueeze(1)).sum(dim=2)
    out = out.view(lead + (weight.shape[0],))
    return out + bias if bias is not None else out


# --- dropout ---------------------------------------------------------------------------------

_ALPHA = 1.7580993408473766  # SELU's -alpha * scale: the value a dropped unit saturates to


def _check_p(p):
    if p < 0 or p > 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout(input, p, train, feature, alpha, inplace):
    _check_p(p)
    if p == 0 or not train or input.numel() == 0:
        return input
    if feature:
        if input.dim() < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    else:
        shape = tuple(input.shape)
    if p == 1:
        zero = make(xp.zeros((), input.dtype.np))
        return input.mul_(zero) if inplace else input * zero
    from ember._ops.random_ops import _gen
    keep = (_gen(None).random(shape) >= p).astype(input.dtype.np)
    noise = make(keep if alpha else keep / input.dtype.np.type(1 - p))
    if not alpha:
        return input.mul_(noise) if inplace else input * noise
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    shift = make(((noise._data - 1) * (_ALPHA * a) + _ALPHA * a * p).astype(input.dtype.np))
    noise = make((noise._data * a).astype(input.dtype.np))
    if inplace:
        return input.mul_(noise).add_(shift)
    return input * noise + shift


@export(method=False)
def dropout(input, p, train):
    """Zero each element with probability p and scale the rest by 1 / (1 - p) when `train`
    (the identity otherwise)."""
    return _dropout(input, p, train, False, False, False)


@export(method=False)
def dropout_(input, p, train):
    """In-place dropout."""
    return _dropout(input, p, train, False, False, True)


@export(method=False)
def feature_dropout(input, p, train):
    """Dropout of whole channels (dim 1 slices) of a (N, C, ...) input."""
    return _dropout(input, p, train, True, False, False)


@export(method=False)
def feature_dropout_(input, p, train):
    """In-place feature_dropout."""
    return _dropout(input, p, train, True, False, True)


@export(method=False)
def alpha_dropout(input, p, train):
    """Dropout for SELU networks: dropped units go to SELU's saturation value and an affine
    map keeps the mean and variance of a standard-normal input."""
    return _dropout(input, p, train, False, True, False)


@export(method=False)
def alpha_dropout_(input, p, train):
    """In-place alpha_dropout."""
    return _dropout(input, p, train, False, True, True)


@export(method=False)
def feature_alpha_dropout(input, p, train):
    """alpha_dropout of whole channels."""
    return _dropout(input, p, train, True, True, False)


@export(method=False)
def feature_alpha_dropout_(input, p, train):
    """In-place feature_alpha_dropout."""
    return _dropout(input, p, train, True, True, True)



# --- linear ----------------------------------------------------------------------------------

def linear(input, weight, bias):
    """F.linear's common case on the hot path: a 2-D input with a bias, as torch records it
    (AddmmBackward0 over TBackward0 of the weight). The transposed weight never reaches the
    user, so it shares the weight's version counter (in-place changes of the weight before
    backward are still caught) without the bookkeeping of a user-visible view. Anything
    unusual goes through ember.addmm and its checks."""
    dt = input.dtype
    x, w, b = input._data, weight._data, bias._data
    if (dt is _dt.float32 or dt is _dt.float64) and dt is weight.dtype and dt is bias.dtype \
            and x.ndim == 2 and w.ndim == 2 and b.ndim == 1 and x.shape[1] == w.shape[1] \
            and b.shape[0] == w.shape[0]:
        wt = execute(TBackward0, (weight,), (w,))
        vc = weight._vc
        if vc is None:
            vc = weight._vc = [0]
        wt._vc = vc
        wt._base = weight if weight._base is None else weight._base
        return execute(AddmmBackward0, (bias, input, wt), (b, x, wt._data), (1, 1))
    return addmm(bias, input, weight.t())


# --- weight norm -----------------------------------------------------------------------------

class WeightNormInterfaceBackward0(Node):
    """torch._weight_norm's fused kernel (dim first or last): w = v * (g / ||v||), the norm
    taken over every dim of v but `dim`. The backward recomputes the norms with ember ops,
        dg = sum(grad * v) / ||v||,  dv = (g / ||v||) * (grad - v * sum(grad * v) / ||v||^2),
    so double backward works."""

    saves = (0, 1)

    def forward(self, v, g, dim):
        self.axes = tuple(i for i in range(v.ndim) if i != dim)
        vf = v.astype(xp.float32) if v.dtype.itemsize == 2 else v
        norms = xp.sqrt(xp.sum(vf * vf, axis=self.axes, keepdims=True))
        return (vf * (g.astype(vf.dtype) / norms)).astype(v.dtype)

    def backward(self, grad):
        v, g = self.saved()
        axes = list(self.axes)
        red = (lambda t: t.sum(axes, keepdim=True)) if axes else (lambda t: t)
        norms = red(v * v).sqrt()
        s = red(grad * v)
        gv = gg = None
        if self.needs(0):
            gv = (g / norms) * (grad - v * (s / (norms * norms)))
        if self.needs(1):
            gg = (s / norms).reshape(g.shape)
        return gv, gg


@export(method=False)
def norm_except_dim(v, pow=2, dim=0):
    """torch.norm_except_dim: the `pow`-norm of v over every dim but `dim`, keeping v's rank
    (size 1 in the reduced dims); dim=-1 means the norm of the whole tensor (0-dim)."""
    if dim == -1:
        return v.norm(pow)
    d = dim + v.dim() if -v.dim() <= dim < 0 else dim
    if not 0 <= d < max(v.dim(), 1):
        n = max(v.dim(), 1)
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    axes = [i for i in range(v.dim()) if i != d]
    if not axes:
        return v.abs()
    return v.norm(pow, dim=axes, keepdim=True)


@export(method=False)
def _weight_norm(v, g, dim=0):
    """torch._weight_norm: v * (g / norm_except_dim(v, 2, dim)), the weight of weight
    normalization (magnitude g, direction v). The first or last dim uses the fused
    WeightNormInterfaceBackward0 node, others compose ops (as torch's CPU kernel)."""
    if dim == 0 or dim == v.dim() - 1:
        if g.dtype != v.dtype:
            raise RuntimeError(f"expected scalar type {_tname(v)} but found {_tname(g)}")
        return execute(WeightNormInterfaceBackward0, (v, g), (v._data, g._data), (dim,))
    return v * (g / norm_except_dim(v, 2, dim))
