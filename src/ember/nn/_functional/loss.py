"""Loss functions of torch.nn.functional.

Losses with a kernel of their own in torch (mse_loss, nll_loss, binary_cross_entropy, ...)
run a node from ember._ops.nn_loss; the others are composed from ember ops exactly as torch
composes them, so `grad_fn` shows the same nodes (cross_entropy is log_softmax + nll_loss).
"""
import math
import warnings

from ember._ops import nn_loss as _L
from ember._ops.engine import is_grad_enabled
from ember.autograd import no_grad
from ember._ops.nn_activation import logsigmoid
from ember._ops import autocast as _ac

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div",
           "cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss", "hinge_embedding_loss", "multi_margin_loss",
           "multilabel_margin_loss", "multilabel_soft_margin_loss", "soft_margin_loss",
           "poisson_nll_loss", "gaussian_nll_loss", "ctc_loss"]

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(size_average, reduce, reduction):
    """The reduction string, honouring torch's deprecated size_average / reduce flags."""
    if size_average is None and reduce is None:
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{reduction} is not a valid value for reduction")
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  f"reduction='{_legacy(size_average, reduce)}' instead.", stacklevel=3)
    return _legacy(size_average, reduce)


def _legacy(size_average, reduce):
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return ("mean" if size_average else "sum") if reduce else "none"


def _apply(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _broadcast_pair(input, target):
    """torch's pointwise losses warn on differently sized targets, then broadcast."""
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({_size(target)}) that is different to the input "
                      f"size ({_size(input)}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.", stacklevel=3)
        from ember._ops.shape import broadcast_tensors
        input, target = broadcast_tensors(input, target)
    return input, target


def _size(t):
    return f"torch.Size({list(t.shape)})"


def _floating(input, kernel, half=True):
    """torch's NotImplementedError for a loss kernel given integer or bool input (or a
    half-precision one, for the kernels torch has only in float32/64)."""
    if not input.dtype.is_floating_point or (not half and input.dtype.itemsize == 2):
        from ember._ops.elementwise import _no_kernel
        _no_kernel(kernel, input.dtype)


def _pointwise(cls, input, target, reduction, *params, kernel=None, promote=True):
    """Run a pointwise loss node; mixed dtypes are computed in the promoted dtype (or the
    input's, promote=False) without extra graph nodes, as torch's kernels do."""
    _floating(input, kernel)
    dt = input.dtype
    if promote and target.dtype is not dt:
        from ember._backend import dtypes as _dt
        dt = _dt.promote_types(dt, target.dtype)
    xa = input._data if input.dtype is dt else input._data.astype(dt.np)
    xb = target._data if target.dtype is dt else target._data.astype(dt.np)
    return _L.run(cls, (input, target), (xa, xb), (reduction,) + params)


def _weighted(loss, weight, input, reduction, mean_by_weight):
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean":
        return loss.sum() / weight.sum() if mean_by_weight else loss.mean()
    return _apply(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error (x - y) ** 2, reduced; `weight` scales each element ('mean' then
    divides by the weights' sum)."""
    if _ac.on and _ac.active():
        return _ac.fp32(mse_loss, input, target, size_average, reduce, reduction, weight)
    input, target = _broadcast_pair(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted((input - target).pow(2), weight, input, reduction, True)
    return _pointwise(_L.MseLossBackward0, input, target, reduction, kernel="mse_cpu")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error |x - y|, reduced (composed as abs(sub), as in torch)."""
    if _ac.on and _ac.active():
        return _ac.fp32(l1_loss, input, target, size_average, reduce, reduction, weight)
    input, target = _broadcast_pair(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    loss = (input - target).abs()
    if weight is not None:
        return _weighted(loss, weight, input, reduction, True)
    return _apply(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 (x - y) ** 2 / beta where |x - y| < beta, |x - y| - beta / 2 elsewhere."""
    if _ac.on and _ac.active():
        return _ac.fp32(smooth_l1_loss, input, target, size_average, reduce, reduction, beta)
    input, target = _broadcast_pair(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    return _pointwise(_L.SmoothL1LossBackward0, input, target, reduction, float(beta),
                      kernel="smooth_l1_cpu")


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 (x - y) ** 2 where |x - y| < delta, delta (|x - y| - delta / 2) elsewhere."""
    if _ac.on and _ac.active():
        return _ac.fp32(huber_loss, input, target, reduction, delta, weight)
    input, target = _broadcast_pair(input, target)
    reduction = _reduction(None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is not None:
        loss = _pointwise(_L.HuberLossBackward0, input, target, "none", float(delta),
                          kernel="huber_cpu", promote=False)
        return _weighted(loss, weight, input, reduction, False)
    return _pointwise(_L.HuberLossBackward0, input, target, reduction, float(delta),
                      kernel="huber_cpu", promote=False)


def _check_same_size(input, target):
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({_size(target)}) that is different to the "
                         f"input size ({_size(input)}) is deprecated. Please ensure they have "
                         "the same size.")


def _weight_array(weight, shape, dtype):
    if weight is None:
        return None
    from ember._ops._util import broadcast_shapes
    return weight.to(dtype).expand(broadcast_shapes(tuple(shape), tuple(weight.shape)))._data


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-w (y log x + (1 - y) log(1 - x)) for probabilities x; each log is clamped at -100."""
    if _ac.on and _ac.active():
        return _ac.fp32(binary_cross_entropy, input, target, weight, size_average, reduce,
                        reduction)
    reduction = _reduction(size_average, reduce, reduction)
    _check_same_size(input, target)
    d = input._data
    if d.size and ((d < 0) | (d > 1)).any():
        raise RuntimeError("all elements of input should be between 0 and 1")
    _floating(input, "binary_cross_entropy")
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {_type_word(target.dtype)} but expected "
                           f"{_type_word(input.dtype)}")
    _L.no_grad_arg("binary_cross_entropy", "weight", weight)
    return _L.run(_L.BinaryCrossEntropyBackward0, (input, target), (input._data, target._data),
                  (_weight_array(weight, target.shape, input.dtype), reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """binary_cross_entropy(sigmoid(x), y) computed stably from the logits x; `pos_weight`
    scales the positive term (per class, broadcast over the last dim)."""
    if _ac.on and _ac.active():
        return _ac.fp32(binary_cross_entropy_with_logits, input, target, weight, size_average,
                        reduce, reduction, pos_weight)
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({_size(target)}) must be the same as input size "
                         f"({_size(input)})")
    return _L.bce_with_logits(input, target, weight, pos_weight, reduction)


def _nll_checks(input, target, weight):
    from ember._backend import dtypes as _dt
    nd = input._data.ndim
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if target.dtype not in (_dt.int64, _dt.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_type_word(target.dtype)}")
    if input.dtype.category < _dt.FLOAT:
        from ember._ops.elementwise import _no_kernel
        _no_kernel("nll_loss_out_frame", input.dtype)
    n_classes = input.shape[1] if nd >= 2 else input.shape[0]
    if nd >= 2 and target.shape[:1] != input.shape[:1]:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0] if target.dim() else 0}).")
    if weight is not None and weight._data.size != n_classes:
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} "
                           f"classes or no classes but got weight tensor of shape: "
                           f"{list(weight.shape)}")
    return n_classes


def _type_word(dt):
    from ember._ops.elementwise import _scalar_type_name
    return _scalar_type_name(dt)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log likelihood: -weight[t] * input[n, t] for log-probabilities over dim 1
    (extra dims (N, C, d1, ...) allowed), skipping ignore_index; 'mean' divides by the
    total weight of the counted targets."""
    if _ac.on and _ac.active():
        return _ac.fp32(nll_loss, input, target, weight, size_average, ignore_index, reduce,
                        reduction)
    reduction = _reduction(size_average, reduce, reduction)
    n_classes = _nll_checks(input, target, weight)
    nd = input._data.ndim
    if nd <= 2 and target._data.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if nd == 1 and target._data.ndim == 1 and target._data.size != 1:
        raise ValueError("For 1D input, 1D target must have size 1, but got target size: "
                         f"{target._data.size}")
    if nd > 2:
        want = input.shape[:1] + input.shape[2:]
        if tuple(target.shape) != tuple(want):
            raise RuntimeError(f"Expected target size {list(input.shape[:1] + input.shape[2:])}"
                               f", got {list(target.shape)}")
    t = target._data.astype("int64", copy=False)
    _L.check_class_targets(t, n_classes, ignore_index)
    _L.no_grad_arg("nll_loss_forward", "weight", weight)
    if weight is not None and weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {_type_word(input.dtype)} but found "
                           f"{_type_word(weight.dtype)}")
    w = None if weight is None else weight._data.astype(input.dtype.np, copy=False)
    if nd <= 2:
        return _L.run(_L.NllLossBackward0, (input,), (input._data, t),
                      (w, reduction, ignore_index))
    if nd == 4:
        return _L.run(_L.NllLoss2DBackward0, (input,), (input._data, t),
                      (w, reduction, ignore_index))
    # other K-dim inputs run the 2-D kernel on a view, as torch does
    n, c = input.shape[:2]
    rest = input.shape[2:]
    x4 = input.view(n, c, rest[0], -1)
    out = _L.run(_L.NllLoss2DBackward0, (x4,), (x4._data, t.reshape(n, rest[0], -1)),
                 (w, reduction, ignore_index))
    return out.view((n,) + tuple(rest)) if reduction == "none" else out


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """log_softmax over dim 1 followed by nll_loss (class-index targets), or by the cross
    entropy with class probabilities (floating targets of the input's shape);
    `label_smoothing` mixes the targets with the uniform distribution."""
    if _ac.on and _ac.active():
        return _ac.fp32(cross_entropy, input, target, weight, size_average, ignore_index, reduce,
                        reduction, label_smoothing)
    from ember._ops.reduction import log_softmax
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError("label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing:g}")
    nd = input._data.ndim
    if nd == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    dim = 1 if nd >= 2 else 0
    n_classes = input.shape[dim]
    if tuple(target.shape) == tuple(input.shape) and target.dtype.is_floating_point:
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing, dim,
                                    n_classes)
    logp = log_softmax(input, dim)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing <= 0.0:
        return nll
    ignore = target == ignore_index
    if weight is not None:
        shape = [1] * nd
        shape[dim] = n_classes
        smooth = -(logp * weight.view(shape)).sum(dim)
    else:
        smooth = -logp.sum(dim)
    smooth = smooth.masked_fill(ignore, 0.0)
    if reduction == "mean":
        if weight is not None:
            ret = smooth.sum() / weight.gather(0, target.masked_select(~ignore).flatten()).sum()
        else:
            ret = smooth.sum() / (~ignore).sum()
    else:
        ret = _apply(smooth, reduction)
    return nll * (1 - label_smoothing) + ret * (label_smoothing / n_classes)


def _cross_entropy_probs(input, target, weight, reduction, label_smoothing, dim, n_classes):
    from ember._ops.reduction import log_softmax
    from ember._ops.special import DivBackward1, _scalar_op
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    logp = log_softmax(input, dim)
    if weight is not None:
        shape = [1] * input._data.ndim
        shape[dim] = n_classes
        logp = logp * weight.view(shape)
    if reduction == "mean":
        if input._data.size == 0:
            return -(logp * target).sum() / 0.0
        # torch divides by a Scalar inside its kernel: DivBackward1
        return _scalar_op(DivBackward1, -(logp * target).sum(), input._data.size / n_classes)
    if reduction == "sum":
        return -(logp * target).sum()
    return -(logp * target).sum(dim)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Pointwise KL divergence target * (log target - input) for log-probabilities `input`
    (`log_target`: the target is given as log-probabilities too); 'batchmean' divides the
    sum by the batch size."""
    if _ac.on and _ac.active():
        return _ac.fp32(kl_div, input, target, size_average, reduce, reduction, log_target)
    if size_average is not None or reduce is not None:
        red = _reduction(size_average, reduce, "mean")
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and "
                          "the support size.'batchmean' divides only by the batch size, and "
                          "aligns with the KL div math definition.'mean' will be changed to "
                          "behave the same as 'batchmean' in the next major release.",
                          stacklevel=2)
        red = "sum" if reduction == "batchmean" else _reduction(None, None, reduction)
    out = _L.kl_div_loss(input, target, red, log_target)
    if reduction == "batchmean" and input._data.ndim != 0:
        from ember._ops.creation import tensor
        out = out / tensor(input.shape[0])
    return out


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(x1, x2) for target 1, max(0, cos(x1, x2) - margin) for target -1."""
    if _ac.on and _ac.active():
        return _ac.fp32(cosine_embedding_loss, input1, input2, target, margin, size_average, reduce,
                        reduction)
    reduction = _reduction(size_average, reduce, reduction)
    return _L.cosine_embedding(input1, input2, target, margin, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -target * (x1 - x2) + margin)."""
    if _ac.on and _ac.active():
        return _ac.fp32(margin_ranking_loss, input1, input2, target, margin, size_average, reduce,
                        reduction)
    reduction = _reduction(size_average, reduce, reduction)
    return _L.margin_ranking(input1, input2, target, margin, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, margin + d(a, p) - d(a, n)) with d the p-norm pairwise distance; `swap` uses
    min(d(a, n), d(p, n))."""
    if _ac.on and _ac.active():
        return _ac.fp32(triplet_margin_loss, anchor, positive, negative, margin, p, eps, swap,
                        size_average, reduce, reduction)
    reduction = _reduction(size_average, reduce, reduction)
    return _L.triplet_margin(anchor, positive, negative, margin, p, eps, swap, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """triplet_margin_loss with any `distance_function(x1, x2)` (pairwise_distance by
    default)."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(dims)) != 1:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {dims[0]}D, "
                           f"positive {dims[1]}D, and negative {dims[2]}D inputs")
    dist = distance_function or _L.pairwise_distance_p
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(dist(positive, negative))
    return _apply((d_pos - d_neg + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """x where target is 1, max(0, margin - x) where target is -1."""
    if _ac.on and _ac.active():
        return _ac.fp32(hinge_embedding_loss, input, target, margin, size_average, reduce,
                        reduction)
    reduction = _reduction(size_average, reduce, reduction)
    return _L.hinge_embedding(input, target, margin, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """Multi-class hinge loss: sum over i != y of max(0, margin - x[y] + x[i]) ** p / C."""
    if _ac.on and _ac.active():
        return _ac.fp32(multi_margin_loss, input, target, p, margin, weight, size_average, reduce,
                        reduction)
    reduction = _reduction(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    nd = input._data.ndim
    if nd > 2 or (input._data.size == 0 and not (nd == 2 and input.shape[1])):
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {list(input.shape)}")
    n = input.shape[0] if nd == 2 else 1
    c = input.shape[-1] if nd else 1
    if target._data.ndim > 1 or target._data.size != n:
        raise RuntimeError(f"inconsistent target size, expected {n} but got "
                           f"{list(target.shape)}")
    t = target._data.astype("int64", copy=False)
    _floating(input, "multi_margin_loss_cpu_kernel", half=False)
    if ((t < 0) | (t >= c)).any():
        raise RuntimeError("target out of range")
    _L.no_grad_arg("multi_margin_loss", "weight", weight)
    w = None if weight is None else weight._data.astype(input.dtype.np, copy=False)
    x = input if nd else input.reshape(1)
    out = _L.run(_L.MultiMarginLossBackward0, (x,), (x._data, t),
                 (w, p, margin, reduction))
    return out


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge loss: for each listed target class j (labels up to the first -1)
    and each other class i, max(0, 1 - (x[j] - x[i])), summed and divided by C."""
    if _ac.on and _ac.active():
        return _ac.fp32(multilabel_margin_loss, input, target, size_average, reduce, reduction)
    reduction = _reduction(size_average, reduce, reduction)
    nd = input._data.ndim
    if nd > 2 or (input._data.size == 0 and not (nd == 2 and input.shape[1])):
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {list(input.shape)}")
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    _floating(input, "multilabel_margin_loss_forward_out_frame", half=False)
    t = target._data.astype("int64", copy=False)
    c = input.shape[-1] if nd else 1
    if ((t < -1) | (t >= c)).any():
        raise RuntimeError("multilabel_margin_loss: target out of range")
    x = input if nd else input.reshape(1)
    out = _L.run(_L.MultilabelMarginLossBackward0, (x,), (x._data, t.reshape(x.shape)),
                 (reduction,))
    return out


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Multi-label one-versus-all logistic loss, averaged over the C classes."""
    if size_average is not None or reduce is not None:
        reduction = _reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (-target + 1) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.size(class_dim)
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    return _apply(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Two-class logistic loss log(1 + exp(-y x))."""
    if _ac.on and _ac.active():
        return _ac.fp32(soft_margin_loss, input, target, size_average, reduce, reduction)
    reduction = _reduction(size_average, reduce, reduction)
    if target.requires_grad and is_grad_enabled():
        raise RuntimeError("The function 'soft_margin_loss' is not differentiable with respect "
                           "to argument 'target'. This input cannot have requires_grad True.")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{_type_word(input.dtype)}")
    target = target.to(input.dtype)
    return _L.run(_L.SoftMarginLossBackward0, (input,), (input._data, target._data),
                  (reduction,))


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Poisson negative log likelihood: exp(x) - y x for log-rates x (log_input), else
    x - y log(x + eps); `full` adds Stirling's approximation of log(y!) where y > 1."""
    if _ac.on and _ac.active():
        return _ac.fp32(poisson_nll_loss, input, target, log_input, full, size_average, eps, reduce,
                        reduction)
    reduction = _reduction(size_average, reduce, reduction)
    return _L.poisson_nll(input, target, log_input, full, eps, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log likelihood 0.5 (log var + (x - y) ** 2 / var) (+ 0.5 log 2 pi
    with `full`), var clamped below at eps."""
    from ember._ops.creation import ones_like
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * ones_like(input)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.dim() == var.dim() and sum(
                y for x, y in zip(input.shape, var.shape) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = (var.log() + (input - target) ** 2 / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _apply(loss, reduction)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist temporal classification loss of (T, N, C) (or (T, C)) log-probabilities
    against padded (N, S) or concatenated targets; 'mean' divides each sample's loss by its
    target length before averaging; `zero_infinity` zeroes impossible alignments."""
    if _ac.on and _ac.active():
        return _ac.fp32(ctc_loss, log_probs, targets, input_lengths, target_lengths, blank,
                        reduction, zero_infinity)
    reduction = _reduction(None, None, reduction)
    return _L.ctc(log_probs, targets, input_lengths, target_lengths, blank, reduction,
                  zero_infinity)
