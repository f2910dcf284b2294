"""RAdam, as torch.optim.RAdam."""
import ember

from .optimizer import (Optimizer, _check_adam_like, _new_step, _real_views, _scalar,
                        _use_grad_for_differentiable, _value, _weight_decay)

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

    _sparse_message = "RAdam does not support sparse gradients"

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check_adam_like(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one RAdam step; ``closure`` re-evaluates the model and returns the loss."""
        return self._step_singles(closure)

    def _group_hyper(self, group):
        return (_scalar(group["lr"]), *group["betas"], group["eps"], group["weight_decay"],
                group["decoupled_weight_decay"], group["differentiable"])

    def _init_single(self, p, state, group):
        state.update(step=_new_step(), exp_avg=ember.zeros_like(p),
                     exp_avg_sq=ember.zeros_like(p))

    def _apply_single(self, grad, p, state, hyper):
        lr, beta1, beta2, eps, wd, decoupled, differentiable = hyper
        param, grad, exp_avg, exp_avg_sq = _real_views(p, p, grad, state["exp_avg"],
                                                       state["exp_avg_sq"])
        state["step"] += 1
        step = _value(state["step"])
        grad = _weight_decay(grad, param, wd, lr, decoupled)
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
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
