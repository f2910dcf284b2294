"""Adam, as torch.optim.Adam (AdamW is Adam with decoupled weight decay)."""
import ember

from . import _kernels
from .optimizer import (Optimizer, _check_fused, _check_fused_param, _check_lr, _new_step,
                        _real_views, _scalar, _use_grad_for_differentiable, _value,
                        _weight_decay)

__all__ = ["Adam"]


def _check_adam_args(lr, betas, eps, weight_decay, foreach=None, capturable=False):
    if isinstance(lr, ember.Tensor) and foreach and not capturable:
        raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
    _check_lr(lr)
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= _value(betas[0]) < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= _value(betas[1]) < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
    for i, b in enumerate(betas):
        if isinstance(b, ember.Tensor) and foreach and not capturable:
            raise ValueError(f"betas[{i}] as a Tensor is not supported for capturable=False "
                             "and foreach=True")


class Adam(Optimizer):
    r"""Adam (torch.optim.Adam): moment estimates of the gradient and of its square.

    For parameter :math:`\theta`, gradient :math:`g_t`, step :math:`t = 1, 2, \dots`:

    .. math::
        g &\leftarrow -g_t \text{ if maximize else } g_t \\
        \theta &\leftarrow \theta (1 - \gamma\lambda) \quad\text{(decoupled weight decay)},
            \text{ or } g \leftarrow g + \lambda\theta \quad\text{(L2)} \\
        m_t &= m_{t-1} + (1 - \beta_1)(g - m_{t-1}) \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2) g^2 \\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \text{ with amsgrad, else } v_t \\
        \theta &\leftarrow \theta - \frac{\gamma}{1 - \beta_1^t}
            \cdot \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    State per parameter: ``step``, ``exp_avg`` (:math:`m`), ``exp_avg_sq`` (:math:`v`) and
    with amsgrad ``max_exp_avg_sq`` (:math:`\hat v`).
    """

    _sparse_message = ("Adam does not support sparse gradients, please consider SparseAdam "
                       "instead")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check_adam_args(lr, betas, eps, weight_decay, foreach, capturable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("amsgrad", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("capturable", False)
            group.setdefault("differentiable", False)
            group.setdefault("fused", None)
            group.setdefault("decoupled_weight_decay", False)
            for p in group["params"]:
                st = self.state.get(p, {})
                if st and not isinstance(st.get("step"), ember.Tensor) and "step" in st:
                    st["step"] = ember.tensor(float(st["step"]),
                                              dtype=ember.get_default_dtype())

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one Adam step; ``closure`` re-evaluates the model and returns the loss."""
        return self._step_singles(closure)

    def _group_hyper(self, group):
        beta1, beta2 = (_scalar(b) for b in group["betas"])
        # differentiable or capturable: torch's tensor-step branch
        tensor_math = group["differentiable"] or group["capturable"]
        return (beta1, beta2, _scalar(group["lr"]), group["weight_decay"], group["eps"],
                group["amsgrad"], group["maximize"], group["decoupled_weight_decay"],
                tensor_math)

    def _init_single(self, p, state, group):
        if group["fused"]:
            _check_fused_param(p)
        state.update(step=_new_step(), exp_avg=ember.zeros_like(p),
                     exp_avg_sq=ember.zeros_like(p))
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = ember.zeros_like(p)

    def _fast_single(self, p, state, hyper):
        beta1, beta2, lr, wd, eps, amsgrad, maximize, decoupled, tensor_math = hyper
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        max_sq = state.get("max_exp_avg_sq") if amsgrad else None
        if tensor_math or not _kernels.fast_ok(p, (exp_avg, exp_avg_sq, max_sq),
                                               (beta1, beta2, lr, wd, eps)):
            return False
        step_t = state["step"]
        step_t += 1
        # the same arithmetic on raw arrays, in place (no temporaries per op)
        _kernels.adam_(p._data, p.grad._data, exp_avg._data, exp_avg_sq._data,
                       None if max_sq is None else max_sq._data, beta1=beta1, beta2=beta2,
                       lr=lr, wd=wd, eps=eps, step=_value(step_t), maximize=maximize,
                       decoupled=decoupled)
        for t in (p, exp_avg, exp_avg_sq, max_sq):
            if t is not None:
                t._bump_version()
        return True

    def _apply_single(self, grad, p, state, hyper):
        beta1, beta2, lr, wd, eps, amsgrad, _, decoupled, tensor_math = hyper
        step_t = state["step"]
        step_t += 1
        grad = _weight_decay(grad, p, wd, lr, decoupled)
        param, grad, exp_avg, exp_avg_sq = _real_views(p, p, grad, state["exp_avg"],
                                                       state["exp_avg_sq"])
        # a tensor beta1 becomes a lerp weight, which must have the parameter's dtype
        b1 = beta1.to(dtype=param.dtype) if isinstance(beta1, ember.Tensor) else beta1
        exp_avg.lerp_(grad, 1 - b1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=_value(1 - beta2))
        if amsgrad:
            max_sq, = _real_views(p, state["max_exp_avg_sq"])
        if tensor_math:
            # torch's tensor-step branch: bias corrections computed on the 0-d step tensor
            # (in its dtype), no Python scalars, so gradients can flow
            bias_correction1 = 1 - beta1 ** step_t
            bias_correction2_sqrt = (1 - beta2 ** step_t).sqrt()
            step_size_neg = (lr / bias_correction1).neg()
            if amsgrad:
                max_sq.copy_(ember.maximum(max_sq.clone(), exp_avg_sq))
            second = max_sq if amsgrad else exp_avg_sq
            denom = (second.sqrt() / (bias_correction2_sqrt * step_size_neg)).add_(
                eps / step_size_neg)
            param.addcdiv_(exp_avg.clone(), denom)
            return
        step = _value(step_t)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = _value(lr / bias_correction1)
        bias_correction2_sqrt = bias_correction2 ** 0.5
        if amsgrad:
            ember.maximum(max_sq, exp_avg_sq, out=max_sq)
        second = max_sq if amsgrad else exp_avg_sq
        denom = (second.sqrt() / bias_correction2_sqrt).add_(eps)
        param.addcdiv_(exp_avg, denom, value=-step_size)
