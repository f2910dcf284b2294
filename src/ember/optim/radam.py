"""RAdam, as torch.optim.RAdam."""
import ember

from .optimizer import (Optimizer, _check_lr, _new_step, _scalar,
                        _use_grad_for_differentiable, _value)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    r"""RAdam (torch.optim.RAdam): Adam whose adaptive term is switched on (and rectified)
    only once the variance of the second-moment estimate is tractable.

    .. math::
        m_t &= m_{t-1} + (1 - \beta_1)(g - m_{t-1}),\quad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g^2 \\
        \rho_\infty &= \frac{2}{1 - \beta_2} - 1,\quad
        \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t} \\
        \hat m_t &= m_t / (1 - \beta_1^t) \\
        \theta &\leftarrow \theta - \gamma \hat m_t \cdot
            \frac{\sqrt{1 - \beta_2^t}}{\sqrt{v_t} + \epsilon} \cdot r_t
            \quad\text{if } \rho_t > 5, \qquad
        r_t = \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}
                         {(\rho_\infty - 4)(\rho_\infty - 2)\rho_t}} \\
        \theta &\leftarrow \theta - \gamma \hat m_t \quad\text{otherwise}

    with :math:`g` the (possibly negated, L2- or decoupled-decayed) gradient. State:
    ``step``, ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one RAdam step; ``closure`` re-evaluates the model and returns the loss."""
        loss = None
        if closure is not None:
            with ember.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr = _scalar(group["lr"])
            beta1, beta2 = group["betas"]
            eps, wd = group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise RuntimeError("RAdam does not support sparse gradients")
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _new_step()
                    state["exp_avg"] = ember.zeros_like(p)
                    state["exp_avg_sq"] = ember.zeros_like(p)
                grad = -p.grad if group["maximize"] else p.grad
                exp_avg, exp_avg_sq, param = state["exp_avg"], state["exp_avg_sq"], p
                if p.is_complex():
                    param = ember.view_as_real(p)
                    grad = ember.view_as_real(grad)
                    exp_avg = ember.view_as_real(exp_avg)
                    exp_avg_sq = ember.view_as_real(exp_avg_sq)
                state["step"] += 1
                step = _value(state["step"])
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        param.mul_(1 - lr * wd)
                    else:
                        grad = grad.add(param, alpha=wd)
                exp_avg.lerp_(grad, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                differentiable = group["differentiable"]
                corrected = exp_avg / bias_correction1
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                            / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    root = exp_avg_sq.sqrt()
                    # differentiable: out of place, as sqrt's backward needs its result
                    root = root.add(eps) if differentiable else root.add_(eps)
                    adaptive = (bias_correction2 ** 0.5) / root
                    param.add_(corrected * lr * adaptive * rect, alpha=-1.0)
                else:
                    param.add_(corrected * lr, alpha=-1.0)
        return loss
