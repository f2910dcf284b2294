"""Embedding lookups (torch.nn.functional.embedding, embedding_bag, one_hot)."""
import ember
from ember._ops.nn_norm import embedding_bag_impl

__all__ = ["embedding", "embedding_bag", "one_hot"]


def _padding_index(padding_idx, num):
    if padding_idx is None:
        return None
    if padding_idx > 0:
        assert padding_idx < num, "Padding_idx must be within num_embeddings"
    elif padding_idx < 0:
        assert padding_idx >= -num, "Padding_idx must be within num_embeddings"
        padding_idx += num
    return padding_idx


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Look up rows of `weight` (num_embeddings, dim) at the integer `input`. Rows equal to
    `padding_idx` get no gradient; with `max_norm`, the looked-up rows of `weight` whose
    norm exceeds it are first rescaled in place."""
    pad = _padding_index(padding_idx, weight.size(0))
    if max_norm is not None:
        with ember.no_grad():
            ember.embedding_renorm_(weight, input, max_norm, norm_type)
    return ember.embedding(weight, input, -1 if pad is None else pad, scale_grad_by_freq,
                           sparse)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False,
                  per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Sums, means or maxima of bags of embeddings without materialising the lookups: a 2-D
    `input` is a batch of equal-length bags, a 1-D one is split into bags at `offsets`;
    `per_sample_weights` scale each looked-up row (mode 'sum' only)."""
    if per_sample_weights is not None and tuple(input.shape) != \
            tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is "
                         f"not None, then it must have the same shape as the input "
                         f"({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    if input.dim() == 2:
        if offsets is not None:
            kind = "<class 'ember.Tensor'>" if isinstance(offsets, ember.Tensor) \
                else str(type(offsets))
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found offsets "
                             f"of type {kind}")
        offsets = ember.arange(0, input.numel(), max(input.size(1), 1), dtype=input.dtype)
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.dim()}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if max_norm is not None:
        with ember.no_grad():
            ember.embedding_renorm_(weight, input, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            f"GitHub.")
    pad = _padding_index(padding_idx, weight.size(0))
    return embedding_bag_impl(weight, input, offsets, mode, per_sample_weights,
                              include_last_offset, pad, scale_grad_by_freq)


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding of an int64 tensor: a trailing dim of size `num_classes`
    (max + 1 when -1) with a 1 at each value's position."""
    if tensor.dtype is not ember.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(tensor.max()) + 1
    if tensor.numel():
        if int(tensor.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        if int(tensor.max()) >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    return (tensor.unsqueeze(-1) == ember.arange(num_classes)).long()
