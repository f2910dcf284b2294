"""RMSprop, as torch.optim.RMSprop."""
import ember

from .optimizer import (Optimizer, _check_lr, _new_step, _real_views, _scalar,
                        _use_grad_for_differentiable, _value, _weight_decay)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (torch.optim.RMSprop): divide the gradient by a running RMS of its history.

    .. math::
        g &\leftarrow \pm g_t + \lambda\theta \\
        v_t &= \alpha v_{t-1} + (1 - \alpha) g^2 \\
        \bar g_t &= \bar g_{t-1} + (1 - \alpha)(g - \bar g_{t-1}),\quad
            d = \sqrt{v_t - \bar g_t^2} + \epsilon \quad\text{(centered)} \\
        d &= \sqrt{v_t} + \epsilon \quad\text{(otherwise)} \\
        b_t &= \mu b_{t-1} + g / d,\quad \theta \leftarrow \theta - \gamma b_t
            \quad (\mu > 0) \\
        \theta &\leftarrow \theta - \gamma g / d \quad (\mu = 0)

    State: ``step``, ``square_avg`` (:math:`v`), ``momentum_buffer`` (:math:`b`, when
    momentum > 0), ``grad_avg`` (:math:`\bar g`, when centered).
    """

    _sparse_message = "RMSprop does not support sparse gradients"

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one RMSprop step; ``closure`` re-evaluates the model and returns the loss."""
        return self._step_singles(closure)

    def _group_hyper(self, group):
        return (_value(_scalar(group["lr"])), group["alpha"], group["eps"],
                group["weight_decay"], group["momentum"], group["centered"],
                group["differentiable"])

    def _init_single(self, p, state, group):
        state["step"] = _new_step()
        state["square_avg"] = ember.zeros_like(p)
        if group["momentum"] > 0:
            state["momentum_buffer"] = ember.zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = ember.zeros_like(p)

    def _apply_single(self, grad, p, state, hyper):
        lr, alpha, eps, wd, momentum, centered, differentiable = hyper
        state["step"] += 1
        grad = _weight_decay(grad, p, wd)
        param, grad, square_avg = _real_views(p, p, grad, state["square_avg"])
        square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        if centered:
            grad_avg, = _real_views(p, state["grad_avg"])
            grad_avg.lerp_(grad, 1 - alpha)
            avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
        else:
            avg = square_avg.sqrt()
        # differentiable: out of place, as sqrt's backward needs its result
        avg = avg.add(eps) if differentiable else avg.add_(eps)
        if momentum > 0:
            buf, = _real_views(p, state["momentum_buffer"])
            buf.mul_(momentum).addcdiv_(grad, avg)
            param.add_(buf, alpha=-lr)
        else:
            param.addcdiv_(grad, avg, value=-lr)
