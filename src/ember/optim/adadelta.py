"""Adadelta, as torch.optim.Adadelta."""
import ember

from .optimizer import (Optimizer, _check_lr, _new_step, _real_views, _scalar,
                        _use_grad_for_differentiable, _value, _weight_decay)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta (torch.optim.Adadelta): steps scaled by the ratio of running RMS values of
    past updates and of gradients.

    .. math::
        g &\leftarrow \pm g_t + \lambda\theta \\
        v_t &= \rho v_{t-1} + (1 - \rho) g^2 \\
        \Delta_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g \\
        u_t &= \rho u_{t-1} + (1 - \rho) \Delta_t^2 \\
        \theta &\leftarrow \theta - \gamma \Delta_t

    State: ``step``, ``square_avg`` (:math:`v`), ``acc_delta`` (:math:`u`).
    """

    _sparse_message = "Adadelta does not support sparse gradients"

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one Adadelta step; ``closure`` re-evaluates the model and returns the
        loss."""
        return self._step_singles(closure)

    def _group_hyper(self, group):
        return (_value(_scalar(group["lr"])), group["rho"], group["eps"],
                group["weight_decay"])

    def _init_single(self, p, state, group):
        state.update(step=_new_step(), square_avg=ember.zeros_like(p),
                     acc_delta=ember.zeros_like(p))

    def _apply_single(self, grad, p, state, hyper):
        lr, rho, eps, wd = hyper
        state["step"] += 1
        grad = _weight_decay(grad, p, wd)
        square_avg, acc_delta, grad = _real_views(p, state["square_avg"], state["acc_delta"],
                                                  grad)
        square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
        std = square_avg.add(eps).sqrt_()
        delta = acc_delta.add(eps).sqrt_()
        delta.div_(std).mul_(grad)
        acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
        if p.is_complex():
            delta = ember.view_as_complex(delta)
        p.add_(delta, alpha=-lr)
