"""Autograd nodes for the losses torch computes with kernels of their own (MseLossBackward0,
NllLossBackward0, BinaryCrossEntropyWithLogitsBackward0, ...).

Forward runs on backend arrays and applies the reduction ('none', 'mean' or 'sum'); backward
is written with ember ops, so double backward works. Losses torch composes from other ops
(l1_loss, kl_div, cosine_embedding_loss, ...) are in ember.nn._functional.loss.
"""
import math

from ember._backend import xp
from ember._ops._util import make
from ember._ops.engine import GRAD, Node, execute
from ember._ops.registry import export
from ember._ops.nn_activation import _softplus_arr, logsigmoid
from ember._ops.clamp import where

_EPS = 1e-12


def _reduce(out, reduction, dtype):
    if reduction == "mean":
        out = out.mean()
    elif reduction == "sum":
        out = out.sum()
    out = xp.asarray(out)
    return out if out.dtype == dtype else out.astype(dtype)


def _scale(grad, reduction, n, weight=None):
    """The incoming gradient spread over the elements of a reduced loss (and times the
    elementwise `weight` array, if any)."""
    g = grad / n if reduction == "mean" else grad
    return g if weight is None else g * make(weight)


class _Pointwise(Node):
    """A loss of two same-shaped tensors: `fwd(a, b, *params)` per element, then the
    reduction; `dx(x, y, *params)` and `dy` the elementwise partial derivatives."""
    saves = (0, 1)

    def forward(self, a, b, reduction, *params):
        self.reduction, self.params, self.n = reduction, params, a.size
        with xp.errstate(all="ignore"):
            return _reduce(self.fwd(a, b, *params), reduction, a.dtype)

    def backward(self, grad):
        x, y = self.saved()
        g = _scale(grad, self.reduction, self.n)
        return (g * self.dx(x, y, *self.params) if self.needs(0) else None,
                g * self.dy(x, y, *self.params) if self.needs(1) else None)


def _pointwise(name, fwd, dx, dy=None):
    dy = dy or (lambda x, y, *p: -dx(x, y, *p))
    cls = type(name, (_Pointwise,), {"fwd": staticmethod(fwd), "dx": staticmethod(dx),
                                     "dy": staticmethod(dy), "__module__": __name__})
    globals()[name] = cls
    return cls


def _smooth_l1(a, b, beta):
    d = xp.absolute(a - b)
    return xp.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)


def _huber(a, b, delta):
    d = xp.absolute(a - b)
    return xp.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))


_pointwise("MseLossBackward0", lambda a, b: (a - b) ** 2, lambda x, y: (x - y) * 2)
_pointwise("SmoothL1LossBackward0", _smooth_l1,
           lambda x, y, beta: (lambda d: where(d.abs() < beta, d / beta, d.sign()))(x - y))
# at |d| = delta the slope is delta * sign(d), whose own derivative is 0 there (torch's double
# backward masks with |d| < delta)
_pointwise("HuberLossBackward0", _huber,
           lambda x, y, delta: (lambda d: where(d.abs() < delta, d, d.sign() * delta))(x - y))


class SoftMarginLossBackward0(Node):
    """log(1 + exp(-y x)); the target y is not differentiable (as in torch)."""
    saves = (0,)

    def forward(self, a, b, reduction):
        self.target, self.reduction, self.n = b, reduction, a.size
        return _reduce(_softplus_arr(-a * b), reduction, a.dtype)

    def backward(self, grad):
        x, = self.saved()
        y = make(self.target)
        return _scale(grad, self.reduction, self.n) * -y * (-y * x).sigmoid()


class BinaryCrossEntropyBackward0(Node):
    """-w (y log x + (1 - y) log(1 - x)), each log clamped at -100 as in torch."""
    saves = (0, 1)

    def forward(self, a, b, weight, reduction):
        self.weight, self.reduction, self.n = weight, reduction, a.size
        with xp.errstate(all="ignore"):
            lx = xp.maximum(xp.log(a), -100)
            l1x = xp.maximum(xp.log1p(-a), -100)
        out = -(b * lx + (1 - b) * l1x)
        if weight is not None:
            out = out * weight
        return _reduce(out, reduction, a.dtype)

    def backward(self, grad):
        x, y = self.saved()
        g = _scale(grad, self.reduction, self.n, self.weight)
        gx = gy = None
        if self.needs(0):
            gx = g * (x - y) / ((-x + 1) * x).clamp_min(_EPS)
        if self.needs(1):
            gy = g * ((-x).log1p().clamp_min(-100) - x.log().clamp_min(-100))
        return gx, gy


class BinaryCrossEntropyWithLogitsBackward0(Node):
    """w (pw y softplus(-x) + (1 - y) softplus(x)), written so |x| = 1e4 stays finite."""
    saves = (0, 1)

    def forward(self, a, b, weight, pos_weight, reduction):
        self.weight, self.pos_weight = weight, pos_weight
        self.reduction, self.n = reduction, a.size
        sp_neg = _softplus_arr(-a)  # -log(sigmoid(x))
        if pos_weight is None:
            out = (1 - b) * a + sp_neg
        else:
            out = (1 - b) * a + (1 + (pos_weight - 1) * b) * sp_neg
        if weight is not None:
            out = out * weight
        return _reduce(out, self.reduction, a.dtype)

    def backward(self, grad):
        x, y = self.saved()
        g = _scale(grad, self.reduction, self.n, self.weight)
        pw = None if self.pos_weight is None else make(self.pos_weight)
        gx = gy = None
        if self.needs(0):
            s = x.sigmoid()
            gx = g * (s - y) if pw is None else g * ((pw * y - y + 1) * s - pw * y)
        if self.needs(1):
            gy = -g * x if pw is None else -g * (pw * logsigmoid(x) - logsigmoid(-x))
        return gx, gy


class NllLossBackward0(Node):
    """-weight[t] * input[n, t] over the class dim 1 (the whole of a 1-D input), skipping
    ignore_index; 'mean' divides by the total weight of the counted targets."""

    def forward(self, a, target, weight, reduction, ignore_index):
        one_d = a.ndim == 1
        if one_d:
            a, target = a[None], target.reshape(1)
        valid = target != ignore_index
        t = xp.where(valid, target, 0)
        w = valid.astype(a.dtype) if weight is None else weight[t] * valid
        picked = xp.take_along_axis(a, t[:, None], axis=1)[:, 0]
        out = -w * picked
        self.reduction = reduction
        if reduction == "none":
            r = out
            coef = -w
        else:
            total = w.sum()
            with xp.errstate(all="ignore"):
                r = out.sum() / total if reduction == "mean" else out.sum()
                # targets of weight 0 get no gradient, even when the total weight is 0
                coef = xp.where(w != 0, -w / total, 0) if reduction == "mean" else -w
        # the gradient is this one-hot coefficient array times the incoming gradient
        c = xp.zeros(a.shape, a.dtype)
        xp.put_along_axis(c, t[:, None], coef[:, None].astype(a.dtype), axis=1)
        self.coef = c[0] if one_d else c
        self.one_d = one_d
        r = r[0] if one_d and reduction == "none" else r
        return xp.asarray(r).astype(a.dtype, copy=False)

    def backward(self, grad):
        if self.reduction == "none" and not self.one_d:
            grad = grad.unsqueeze(1)
        return grad * make(self.coef)


class NllLoss2DBackward0(NllLossBackward0):
    """nll_loss on (N, C, H, W) input with (N, H, W) targets."""


class MultiMarginLossBackward0(Node):
    """sum over i != y of w[y] max(0, margin - x[y] + x[i]) ** p / C, per sample."""
    saves = (0,)

    def forward(self, a, target, weight, p, margin, reduction):
        one_d = a.ndim == 1
        x = a[None] if one_d else a
        t = target.reshape(-1)
        onehot = xp.zeros(x.shape, bool)
        xp.put_along_axis(onehot, t[:, None], True, axis=1)
        self.onehot, self.p, self.margin, self.reduction = onehot, p, margin, reduction
        self.wy = None if weight is None else weight[t][:, None]
        self.one_d = one_d
        xy = xp.take_along_axis(x, t[:, None], axis=1)
        h = xp.maximum(margin - xy + x, 0) * ~onehot
        h = h * h if p == 2 else h
        if weight is not None:
            h = h * self.wy
        out = h.sum(1) / x.shape[1]
        if one_d and reduction == "none":
            out = out.reshape(target.shape)
        return _reduce(out, reduction, a.dtype)

    def backward(self, grad):
        x, = self.saved()
        if self.one_d:
            x = x.unsqueeze(0)
        n, c = x.shape
        onehot = make(self.onehot)
        xy = (x * onehot).sum(1, keepdim=True)
        h = x - xy + self.margin
        active = (h > 0) & ~onehot
        coef = where(active, h * 2, 0.0) if self.p == 2 else where(active, 1.0, 0.0).to(x.dtype)
        if self.wy is not None:
            coef = coef * make(self.wy)
        coef = coef - onehot * coef.sum(1, keepdim=True)
        if self.reduction == "none":
            g = grad.reshape(-1, 1)
        else:
            g = grad / n if self.reduction == "mean" else grad
        out = g * coef / c
        return out.squeeze(0) if self.one_d else out


class MultilabelMarginLossBackward0(Node):
    """sum over target classes j and other classes i of max(0, 1 - (x[j] - x[i])) / C; the
    targets of a row are its labels up to the first -1."""

    def forward(self, a, target, reduction):
        one_d = a.ndim == 1
        x = a[None] if one_d else a
        t = target.reshape(x.shape)
        n, c = x.shape
        listed = xp.cumprod(t >= 0, axis=1).astype(bool)      # labels before the first -1
        tc = xp.where(listed, t, 0)
        pick = (tc[:, :, None] == xp.arange(c)) & listed[:, :, None]  # (n, j, class)
        is_target = pick.any(1)
        xj = xp.take_along_axis(x, tc, axis=1)
        h = 1 - xj[:, :, None] + x[:, None, :]
        mask = listed[:, :, None] & ~is_target[:, None, :]
        active = (h > 0) & mask
        out = (h * active).sum((1, 2)) / c
        coef = active.sum(1) - (pick * active.sum(2)[:, :, None]).sum(1)
        self.reduction, self.one_d = reduction, one_d
        self.coef = (coef / c).astype(a.dtype)
        if reduction == "mean":
            self.coef /= n
        if one_d:
            self.coef = self.coef[0]
            if reduction == "none":
                out = out[0]
        return _reduce(out, reduction, a.dtype)

    def backward(self, grad):
        if self.reduction == "none" and not self.one_d:
            grad = grad.unsqueeze(1)
        return grad * make(self.coef)


def run(cls, inputs, arrays, args=()):
    """execute() for the loss functions in ember.nn._functional.loss."""
    return execute(cls, inputs, arrays, args)


# --- losses torch composes from other ops ----------------------------------------------------
# Each takes the reduction as a string; the top-level torch.<loss> forms take torch's integer
# codes (0 none, 1 mean, 2 sum).

def apply_reduction(loss, reduction):
    """loss.mean(), loss.sum() or loss itself for 'mean', 'sum' and 'none'."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def kl_div_loss(input, target, reduction, log_target):
    """target * (log target - input), with log-probability targets when log_target."""
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = target.xlogy(target) - target * input
    return apply_reduction(loss, reduction)


def cosine_embedding(input1, input2, target, margin, reduction):
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1."""
    tdim = target._data.ndim
    if tdim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if tdim == 1 else 1
    if input1.dim() != want or input2.dim() != want:
        raise RuntimeError(f"{tdim}D target tensor expects {want}D input tensors, but found "
                           f"inputs with sizes {list(input1.shape)} and "
                           f"{list(input2.shape)}.")
    eps = 1e-12
    prod = (input1 * input2).sum(tdim)
    mag1 = (input1 * input1).sum(tdim) + eps
    mag2 = (input2 * input2).sum(tdim) + eps
    cos = prod / (mag1 * mag2).sqrt()
    zeros = make(xp.zeros(cos._data.shape, cos._data.dtype))
    pos = -cos + 1
    neg = (cos - margin).clamp_min(0)
    out = where(target == 1, pos, zeros) + where(target == -1, neg, zeros)
    return apply_reduction(out, reduction)


def margin_ranking(input1, input2, target, margin, reduction):
    """max(0, -target * (x1 - x2) + margin)."""
    if not (input1.dim() == input2.dim() == target.dim()):
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same "
                           f"dimension but got sizes: input1: {_size(input1)}, input2: "
                           f"{_size(input2)}, target: {_size(target)} ")
    return apply_reduction((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def _size(t):
    return f"torch.Size({list(t.shape)})"


def pairwise_distance_p(x1, x2, p=2.0, eps=1e-6):
    """The p-norm of x1 - x2 + eps over the last dim."""
    return (x1 - x2 + eps).norm(p, -1)


def triplet_margin(anchor, positive, negative, margin, p, eps, swap, reduction):
    """max(0, margin + d(a, p) - d(a, n)); `swap` uses min(d(a, n), d(p, n))."""
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(dims)) != 1:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {dims[0]}D, "
                           f"positive {dims[1]}D, and negative {dims[2]}D inputs")
    d_pos = pairwise_distance_p(anchor, positive, p, eps)
    d_neg = pairwise_distance_p(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance_p(positive, negative, p, eps))
    return apply_reduction((d_pos - d_neg + margin).clamp_min(0), reduction)


def hinge_embedding(input, target, margin, reduction):
    """x where target is 1, max(0, margin - x) where target is -1."""
    zeros = make(xp.zeros(input._data.shape, input._data.dtype))
    margin_clamp = (-input + margin).clamp_min(0)
    out = where(target != 1, margin_clamp, zeros) + where(target != -1, input, zeros)
    return apply_reduction(out, reduction)


def poisson_nll(input, target, log_input, full, eps, reduction):
    """exp(x) - y x (log_input) or x - y log(x + eps); `full` adds Stirling's term."""
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + (target * (2 * math.pi)).log() * 0.5
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return apply_reduction(loss, reduction)


def bce_with_logits(input, target, weight, pos_weight, reduction):
    """The BinaryCrossEntropyWithLogitsBackward0 kernel on tensors (weights broadcast)."""
    if not input.dtype.is_floating_point:
        from ember._ops.elementwise import _no_kernel
        _no_kernel("log_sigmoid_cpu", input.dtype)
    if target.dtype is not input.dtype:
        from ember._backend import dtypes as _dt
        dt = _dt.promote_types(input.dtype, target.dtype)
        input, target = input.to(dt), target.to(dt)
    no_grad_arg("binary_cross_entropy_with_logits", "weight", weight)
    no_grad_arg("binary_cross_entropy_with_logits", "pos_weight", pos_weight)

    def arr(w):
        if w is None:
            return None
        a = w._data.astype(input._data.dtype, copy=False)
        return xp.broadcast_to(a, xp.broadcast_shapes(input._data.shape, a.shape))
    return execute(BinaryCrossEntropyWithLogitsBackward0, (input, target),
                   (input._data, target._data), (arr(weight), arr(pos_weight), reduction))


def check_class_targets(t, n_classes, ignore_index):
    """torch's IndexError for a class index outside [0, n_classes) (ignore_index excepted)."""
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {int(t[bad].flat[0])} is out of bounds.")


def no_grad_arg(fn_name, arg_name, t):
    """torch's RuntimeError for a tensor its kernel cannot differentiate (class weights)."""
    if t is not None and t._requires_grad and GRAD.enabled:
        raise RuntimeError(f"The function '{fn_name}' is not differentiable with respect to "
                           f"argument '{arg_name}'. This input cannot have requires_grad True.")


_CODES = {1: "mean", 2: "sum"}


def _code(name, reduction):
    if reduction.__class__ is not int:
        raise TypeError(f"{name}(): argument 'reduction' must be int, not "
                        f"{type(reduction).__name__}")
    return _CODES.get(reduction, "none")


def _top(name, doc):
    def deco(fn):
        fn.__name__ = fn.__qualname__ = name
        fn.__doc__ = doc
        return export(fn, method=False)
    return deco


@_top("binary_cross_entropy_with_logits",
      "torch.binary_cross_entropy_with_logits: reduction as an integer code (0 none, 1 mean, "
      "2 sum).")
def _bcel(input, target, weight=None, pos_weight=None, reduction=0):
    return bce_with_logits(input, target, weight, pos_weight,
                           _code("binary_cross_entropy_with_logits", reduction))


@_top("kl_div", "torch.kl_div: pointwise KL divergence, reduction as an integer code.")
def _kl(input, target, reduction=0, *, log_target=False):
    return kl_div_loss(input, target, _code("kl_div", reduction), log_target)


@_top("cosine_embedding_loss", "torch.cosine_embedding_loss (integer reduction code).")
def _cos(input1, input2, target, margin=0.0, reduction=0):
    return cosine_embedding(input1, input2, target, margin,
                            _code("cosine_embedding_loss", reduction))


@_top("margin_ranking_loss", "torch.margin_ranking_loss (integer reduction code).")
def _mr(input1, input2, target, margin=0.0, reduction=0):
    return margin_ranking(input1, input2, target, margin,
                          _code("margin_ranking_loss", reduction))


@_top("triplet_margin_loss", "torch.triplet_margin_loss (integer reduction code).")
def _tri(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, reduction=0):
    return triplet_margin(anchor, positive, negative, margin, p, eps, swap,
                          _code("triplet_margin_loss", reduction))


@_top("hinge_embedding_loss", "torch.hinge_embedding_loss (integer reduction code).")
def _hinge(input, target, margin=1.0, reduction=0):
    return hinge_embedding(input, target, margin, _code("hinge_embedding_loss", reduction))


@_top("poisson_nll_loss", "torch.poisson_nll_loss: every argument required, reduction as an "
      "integer code.")
def _pnll(input, target, log_input, full, eps, reduction):
    return poisson_nll(input, target, log_input, full, eps, _code("poisson_nll_loss", reduction))


# --- connectionist temporal classification ----------------------------------------------------

def _shift(a, k, fill):
    """a shifted right by k along the last axis (k < 0: left), padded with fill."""
    out = xp.full(a.shape, fill, a.dtype)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


def _logsumexp3(a, b, c):
    m = xp.maximum(xp.maximum(a, b), c)
    safe = xp.where(xp.isfinite(m), m, 0)
    with xp.errstate(all="ignore"):
        return safe + xp.log(xp.exp(a - safe) + xp.exp(b - safe) + xp.exp(c - safe))


class CtcLossBackward0(Node):
    """Per-sample CTC negative log likelihood of (T, N, C) log-probabilities, by the forward
    (alpha) recursion over time, vectorised over the batch and the label positions; backward
    uses the beta recursion and torch's gradient formula (which treats the input as the
    output of a log_softmax). Not differentiable twice, as in torch."""

    def forward(self, lp, targets, in_len, tgt_len, blank, zero_infinity):
        x = lp.astype(xp.float64)
        T, N, C = x.shape
        S = targets.shape[1]
        L = 2 * S + 1
        ext = xp.full((N, L), blank, xp.int64)
        ext[:, 1::2] = targets
        n_ext = 2 * tgt_len + 1
        pos = xp.arange(L)
        valid = pos[None] < n_ext[:, None]
        skip = (pos >= 2) & (ext != blank) & (ext != _shift(ext, 2, -1))
        lpe = xp.take_along_axis(x, xp.broadcast_to(ext[None], (T, N, L)), axis=2)
        neg = -xp.inf
        alpha = xp.full((T, N, L), neg)
        if T:
            alpha[0, :, 0] = lpe[0, :, 0]
            alpha[0, :, 1] = xp.where(n_ext > 1, lpe[0, :, 1], neg)
        for t in range(1, T):
            a = alpha[t - 1]
            step = _logsumexp3(a, _shift(a, 1, neg), xp.where(skip, _shift(a, 2, neg), neg))
            alpha[t] = xp.where(valid, step + lpe[t], neg)
        rows = xp.arange(N)
        last = xp.clip(in_len - 1, 0, None)
        end = alpha[last, rows]                                   # (N, L)
        a_last = end[rows, n_ext - 1]
        a_prev = xp.where(n_ext > 1, end[rows, xp.clip(n_ext - 2, 0, None)], neg)
        nll = -xp.logaddexp(a_last, a_prev)
        self.saved_arrays = (x, ext, valid, skip, lpe, alpha, nll, in_len, n_ext)
        self.zero_infinity, self.dtype = zero_infinity, lp.dtype
        return nll.astype(lp.dtype)

    def backward(self, grad):
        x, ext, valid, skip, lpe, alpha, nll, in_len, n_ext = self.saved_arrays
        T, N, C = x.shape
        L = ext.shape[1]
        neg = -xp.inf
        pos = xp.arange(L)
        skip_next = _shift(skip, -2, False)    # may move from s to s + 2
        ends = (pos[None] == (n_ext - 1)[:, None]) | (pos[None] == (n_ext - 2)[:, None])
        beta = xp.full((T, N, L), neg)
        for t in range(T - 1, -1, -1):
            if t + 1 < T:
                b = beta[t + 1]
                step = _logsumexp3(b, _shift(b, -1, neg),
                                   xp.where(skip_next, _shift(b, -2, neg), neg)) + lpe[t]
            else:
                step = xp.full((N, L), neg)
            init = xp.where(ends, lpe[t], neg)
            here = (t == in_len - 1)[:, None]
            before = (t < in_len - 1)[:, None]
            beta[t] = xp.where(valid, xp.where(here, init, xp.where(before, step, neg)), neg)
        ab = alpha + beta
        m = ab.max(axis=2, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        onehot = (ext[:, :, None] == xp.arange(C)).astype(xp.float64)      # (N, L, C)
        with xp.errstate(all="ignore"):
            lcab = xp.log(xp.einsum("tnl,nlc->tnc", xp.exp(ab - m), onehot)) + m
            coef = xp.exp(x) - xp.exp(lcab + nll[None, :, None] - x)
        coef = xp.where((xp.arange(T)[:, None] < in_len[None])[:, :, None], coef, 0.0)
        if self.zero_infinity:
            coef = xp.where(xp.isinf(nll)[None, :, None], 0.0, coef)
        return grad.reshape(1, N, 1) * make(coef.astype(self.dtype))


def _lengths(v):
    if hasattr(v, "_data"):
        return v._data.astype(xp.int64).reshape(-1)
    return xp.asarray(v, dtype=xp.int64).reshape(-1)


def ctc(log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity):
    """CTC loss on ember tensors, reduction as a string (see nn.functional.ctc_loss)."""
    dt = log_probs.dtype
    if not dt.is_floating_point or dt.itemsize == 2:
        from ember._ops.elementwise import _no_kernel
        _no_kernel("ctc_loss_cpu", dt)
    unbatched = log_probs.dim() == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    T, N, C = lp.shape
    il = _lengths(input_lengths)
    tl = _lengths(target_lengths)
    tg = targets._data.astype(xp.int64)
    if unbatched:
        tg = tg.reshape(1, -1)
    if tg.ndim == 1:  # the targets of all samples concatenated
        offsets = xp.concatenate([xp.zeros(1, xp.int64), xp.cumsum(tl)[:-1]])
        width = int(tl.max()) if tl.size else 0
        idx = offsets[:, None] + xp.arange(width)
        tg = xp.where(xp.arange(width) < tl[:, None], tg[xp.clip(idx, 0, max(tg.size - 1, 0))],
                      blank)
    if il.shape[0] != N or tl.shape[0] != N:
        raise RuntimeError(f"input_lengths must be of size batch_size, {N}")
    if (il > T).any():
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value "
                           f"{int(il.max())}")
    if (tl > tg.shape[1]).any():
        raise RuntimeError("Expected tensor to have size at least "
                           f"{int(tl.max())} at dimension 1, but got size {tg.shape[1]}")
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    out = execute(CtcLossBackward0, (lp,), (lp._data, tg, il, tl, blank, zero_infinity))
    if zero_infinity:
        out = where(out == xp.inf, make(xp.zeros(out._data.shape, out._data.dtype)), out)
    if unbatched:
        out = out.squeeze(0)
    if reduction == "mean":
        return (out / make(xp.maximum(tl, 1).reshape(out._data.shape))).mean()
    if reduction == "sum":
        return out.sum()
    return out


@_top("ctc_loss", "torch.ctc_loss: the CTC loss, reduction as an integer code.")
def _ctc(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0,
         zero_infinity=False):
    return ctc(log_probs, targets, input_lengths, target_lengths, blank,
               _code("ctc_loss", reduction), zero_infinity)
