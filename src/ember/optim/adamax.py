"""Adamax, as torch.optim.Adamax."""
import ember

from .optimizer import (Optimizer, _check_adam_like, _new_step, _real_views, _scalar,
                        _use_grad_for_differentiable, _value, _weight_decay)

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

    _sparse_message = "Adamax does not support sparse gradients"

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_adam_like(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one Adamax step; ``closure`` re-evaluates the model and returns the loss."""
        return self._step_singles(closure)

    def _group_hyper(self, group):
        return (_scalar(group["lr"]), *group["betas"], group["eps"], group["weight_decay"])

    def _init_single(self, p, state, group):
        state.update(step=_new_step(), exp_avg=ember.zeros_like(p),
                     exp_inf=ember.zeros_like(p))

    def _apply_single(self, grad, p, state, hyper):
        lr, beta1, beta2, eps, wd = hyper
        state["step"] += 1
        grad = _weight_decay(grad, p, wd)
        param, grad, exp_avg, exp_inf = _real_views(p, p, grad, state["exp_avg"],
                                                    state["exp_inf"])
        exp_avg.lerp_(grad, 1 - beta1)
        ember.maximum(exp_inf.mul_(beta2), grad.abs().add_(eps), out=exp_inf)
        clr = _value(lr / (1 - beta1 ** _value(state["step"])))
        param.addcdiv_(exp_avg, exp_inf, value=-clr)
