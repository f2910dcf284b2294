"""Averaged SGD, as torch.optim.ASGD."""
import ember

from .optimizer import (Optimizer, _check_lr, _new_step, _real_views, _scalar,
                        _use_grad_for_differentiable, _value, _weight_decay)

__all__ = ["ASGD"]


class ASGD(Optimizer):
    r"""Averaged stochastic gradient descent (torch.optim.ASGD).

    .. math::
        g &\leftarrow \pm g_t + \lambda\theta \\
        \theta &\leftarrow \theta (1 - \lambda_d \eta_{t-1}) - \eta_{t-1} g \\
        a_t &= a_{t-1} + \mu_{t-1}(\theta - a_{t-1})
            \quad (a_t = \theta \text{ while } \mu = 1) \\
        \eta_t &= \gamma / (1 + \lambda_d \gamma t)^{\alpha},\quad
        \mu_t = 1 / \max(1, t - t_0)

    with :math:`\lambda_d` the decay term ``lambd``. State: ``step``, ``eta``, ``mu``
    (0-d tensors) and ``ax`` (the average :math:`a`).
    """

    _sparse_message = "ASGD does not support sparse gradients"

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one ASGD step; ``closure`` re-evaluates the model and returns the loss."""
        return self._step_singles(closure)

    def _group_hyper(self, group):
        return (_scalar(group["lr"]), group["lambd"], group["alpha"], group["t0"],
                group["weight_decay"])

    def _init_single(self, p, state, group):
        step = _new_step()
        state.update(step=step, eta=ember.tensor(_value(_scalar(group["lr"])), dtype=step.dtype),
                     mu=ember.ones((), dtype=step.dtype), ax=ember.zeros_like(p))

    def _apply_single(self, grad, p, state, hyper):
        lr, lambd, alpha, t0, wd = hyper
        eta, mu = state["eta"], state["mu"]
        grad, param, ax = _real_views(p, grad, p, state["ax"])
        state["step"] += 1
        grad = _weight_decay(grad, param, wd)
        eta_value = _value(eta)
        param.mul_(1 - lambd * eta_value)
        param.add_(grad, alpha=-eta_value)
        if mu.item() != 1:
            ax.add_(param.sub(ax).mul_(mu))
        else:
            ax.copy_(param)
        step = _value(state["step"])
        # the new values pass through a default-dtype tensor first, as in torch, which
        # matters once a loaded state dict made eta and mu float64
        eta.copy_(ember.as_tensor(lr / ((1 + lambd * lr * step) ** alpha)))
        mu.copy_(ember.as_tensor(1 / max(1, step - t0)))
