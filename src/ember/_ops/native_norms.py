"""torch's native_* entry points returning their statistics (native_layer_norm,
native_batch_norm, native_group_norm, native_dropout, native_norm), frobenius_norm,
nuclear_norm, renorm and embedding_bag.
"""
from ember._backend import dtypes as _dt
from ember._backend import random as _random
from ember._backend import xp
from ember._ops._util import make, wrap_dim
from ember._ops.engine import Node, execute
from ember._ops.registry import export
from ember._ops.index_reduce import _inplace


@export
def renorm(input, p, dim, maxnorm):
    """Each slice along `dim` whose p-norm exceeds maxnorm is scaled to norm maxnorm."""
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.dtype.category < _dt.FLOAT:
        raise RuntimeError(f"renorm: expected a floating point or complex tensor, but got "
                           f"{input.dtype}")
    nd = input.dim()
    d = wrap_dim(dim, max(nd, 1))
    dims = [i for i in range(nd) if i != d]
    norm = input.detach().abs().pow(p).sum(dims, keepdim=True).pow(1.0 / p) if dims else \
        input.detach().abs()
    factor = (maxnorm / (norm + 1e-7)).masked_fill(norm <= maxnorm, 1.0)
    return execute(RenormBackward0, (input,), (input._data,), (factor._data, p, dims, maxnorm))


class RenormBackward0(Node):
    saves = (0,)

    def forward(self, a, factor, p, dims, maxnorm):
        self.p, self.dims, self.maxnorm = p, dims, maxnorm
        return (a * factor).astype(a.dtype)

    def backward(self, grad):
        (x,) = self.saved()
        p, dims = self.p, self.dims
        norm = x.abs().pow(p).sum(dims, keepdim=True).pow(1.0 / p) if dims else x.abs()
        over = norm > self.maxnorm
        factor = (self.maxnorm / (norm + 1e-7)).masked_fill(~over, 1.0)
        # d norm / dx = |x|^(p-1) sign(x) / norm^(p-1)
        dnorm = x.abs().pow(p - 1) * x.sgn() / norm.pow(p - 1)
        inner = (grad * x).sum(dims, keepdim=True) if dims else grad * x
        corr = -self.maxnorm / (norm + 1e-7).pow(2) * inner * dnorm
        return grad * factor + corr.masked_fill(~over, 0.0)


renorm_ = _inplace(renorm, "renorm_")



# --- native_* normalisations and dropout: torch's tuples with their statistics ---------------

def _stats(x, dims, eps):
    """mean and 1 / sqrt(biased variance + eps) of detached x over dims (kept)."""
    x = x.detach()
    mean = x.mean(dims, keepdim=True)
    var = ((x - mean) ** 2).mean(dims, keepdim=True)
    return mean, (var + eps).rsqrt()


@export(method=False)
def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """layer_norm returning (output, mean, rstd); the statistics keep the normalised dims as
    size 1 and are outside autograd."""
    from ember._ops.nn_norm import layer_norm
    out = layer_norm(input, normalized_shape, weight, bias, eps)
    k = len(tuple(normalized_shape))
    dims = tuple(range(input.dim() - k, input.dim()))
    mean, rstd = _stats(input, dims, eps)
    return out, mean, rstd


@export(method=False)
def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """batch_norm returning (output, save_mean, save_invstd): the batch statistics per
    channel when training, empty tensors otherwise."""
    from ember._ops.nn_norm import batch_norm
    out = batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)
    if not training:
        empty = make(xp.zeros(0, input.dtype.np))
        return out, empty, empty.clone()
    dims = (0,) + tuple(range(2, input.dim()))
    mean, rstd = _stats(input, dims, eps)
    return out, mean.reshape(-1), rstd.reshape(-1)


@export(method=False)
def native_group_norm(input, weight, bias, N, C, HxW, group, eps):
    """group_norm returning (output, mean, rstd), the statistics of shape (N, group)."""
    from ember._ops.nn_norm import group_norm
    out = group_norm(input, group, weight, bias, eps)
    mean, rstd = _stats(input.reshape(N, group, -1), (2,), eps)
    return out, mean.reshape(N, group), rstd.reshape(N, group)


class NativeDropoutBackward0(Node):
    def forward(self, a, mask, scale):
        self.mask, self.scale = mask, scale
        return (a * mask * scale).astype(a.dtype)

    def backward(self, grad):
        from ember._ops.clamp import where
        return where(make(self.mask), grad * self.scale, 0.0 * grad)


@export(method=False)
def native_dropout(input, p, train):
    """dropout returning (output, mask): elements kept with probability 1 - p and scaled by
    1 / (1 - p) when train (the identity, all kept, otherwise); `mask` is bool."""
    shape = input._data.shape
    if train is None or train:
        if not 0 <= 1 - p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={1 - p}")
        mask = _random.stream(None).random(shape) >= p if p < 1 else xp.zeros(shape, bool)
        scale = 0.0 if p >= 1 else 1.0 / (1 - p)
    else:
        mask, scale = xp.ones(shape, bool), 1.0
    out = execute(NativeDropoutBackward0, (input,), (input._data,), (mask, scale))
    return out, make(mask)


@export(method=False)
def native_norm(input, p=2, dim=None, keepdim=False, dtype=None):
    """torch's sparse-only norm kernel: raises NotImplementedError for dense tensors."""
    raise NotImplementedError("Could not run 'aten::native_norm' with arguments from the 'CPU' "
                              "backend. 'aten::native_norm' is only available for the "
                              "SparseCPU backend.")


@export(method=False)
def frobenius_norm(input, dim=(), keepdim=False):
    """The 2-norm over one or two dims (all when dim is empty): torch's legacy alias of
    linalg.vector_norm(input, 2, dim, keepdim)."""
    from ember._ops.reduction import NormBackward1
    dim = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dim) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dim)} dimensions "
                           f"instead.")
    if input.dtype.category < _dt.FLOAT:
        raise RuntimeError(f"frobenius_norm: expected a floating point or complex tensor as "
                           f"input. Got {input.dtype}")
    nd = input.dim()
    dims = tuple(sorted(wrap_dim(d, max(nd, 1)) for d in dim)) if dim else tuple(range(nd))
    return execute(NormBackward1, (input,), (input._data,), (2, dims, keepdim))


@export(method=False)
def nuclear_norm(input, dim=None, keepdim=False):
    """The sum of singular values of the matrices over dims `dim` (the last two by default):
    linalg.matrix_norm(input, 'nuc', dim, keepdim)."""
    from ember._ops.linalg_norms import linalg_matrix_norm
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    if dim is None:
        dim = (-2, -1)
    return linalg_matrix_norm(input, "nuc", tuple(dim), keepdim)


@export(method=False)
def embedding_bag(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False,
                  per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """torch.embedding_bag: (output, offset2bag, bag_size, max_indices) for `mode` 0 (sum),
    1 (mean) or 2 (max); output is F.embedding_bag's."""
    from ember._ops.nn_norm import embedding_bag_impl
    names = {0: "sum", 1: "mean", 2: "max"}
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    out = embedding_bag_impl(weight, indices, offsets, names[mode], per_sample_weights,
                             include_last_offset, padding_idx, scale_grad_by_freq)
    idx = indices._data.reshape(-1).astype(xp.int64)
    offs = offsets._data.astype(xp.int64)
    nbags = out.shape[0]
    bags = xp.searchsorted(offs[:nbags], xp.arange(idx.shape[0]), side="right") - 1
    keep = idx != padding_idx if padding_idx is not None else xp.ones(idx.shape, bool)
    # torch's fast float32 sum kernel leaves offset2bag empty
    fast = mode == 0 and padding_idx is None and weight.dtype == _dt.float32
    offset2bag = xp.zeros(0, xp.int64) if fast else bags
    if mode == 0:
        bag_size = xp.zeros(offs.shape[0], xp.int64)
        return out, make(offset2bag), make(bag_size), make(bag_size.copy())
    bag_size = xp.bincount(bags[keep], minlength=nbags).astype(xp.int64)
    if mode == 1:
        return out, make(offset2bag), make(bag_size), make(bag_size.copy())
    w = weight._data
    max_idx = xp.zeros((nbags, w.shape[1]), xp.int64)
    for b in range(nbags):
        rows = idx[(bags == b) & keep]
        if rows.size:
            max_idx[b] = rows[xp.argmax(w[rows], axis=0)]
    return out, make(offset2bag), make(bag_size), make(max_idx)
