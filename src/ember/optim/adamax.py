"""Adamax, as torch.optim.Adamax."""
import ember

from .optimizer import (Optimizer, _check_lr, _new_step, _scalar,
                        _use_grad_for_differentiable, _value)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    r"""Adamax (torch.optim.Adamax): Adam with the infinity norm in place of the second
    moment.

    .. math::
        g &\leftarrow \pm g_t + \lambda\theta \\
        m_t &= m_{t-1} + (1 - \beta_1)(g - m_{t-1}) \\
        u_t &= \max(\beta_2 u_{t-1}, |g| + \epsilon) \\
        \theta &\leftarrow \theta - \frac{\gamma}{1 - \beta_1^t}\, \frac{m_t}{u_t}

    State: ``step``, ``exp_avg`` (:math:`m`), ``exp_inf`` (:math:`u`).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
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
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one Adamax step; ``closure`` re-evaluates the model and returns the loss."""
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
                    raise RuntimeError("Adamax does not support sparse gradients")
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _new_step()
                    state["exp_avg"] = ember.zeros_like(p)
                    state["exp_inf"] = ember.zeros_like(p)
                grad = -p.grad if group["maximize"] else p.grad
                state["step"] += 1
                if wd != 0:
                    grad = grad.add(p, alpha=wd)
                exp_avg, exp_inf, param = state["exp_avg"], state["exp_inf"], p
                if p.is_complex():
                    param = ember.view_as_real(p)
                    grad = ember.view_as_real(grad)
                    exp_avg = ember.view_as_real(exp_avg)
                    exp_inf = ember.view_as_real(exp_inf)
                exp_avg.lerp_(grad, 1 - beta1)
                ember.maximum(exp_inf.mul_(beta2), grad.abs().add_(eps), out=exp_inf)
                clr = _value(lr / (1 - beta1 ** _value(state["step"])))
                param.addcdiv_(exp_avg, exp_inf, value=-clr)
        return loss
