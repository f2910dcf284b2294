"""Rprop, as torch.optim.Rprop."""
import ember

from .optimizer import (Optimizer, _check_lr, _new_step, _real_views, _scalar,
                        _use_grad_for_differentiable, _value)

__all__ = ["Rprop"]


class Rprop(Optimizer):
    r"""Resilient backpropagation (torch.optim.Rprop): per-coordinate step sizes adapted by
    the sign agreement of consecutive gradients; only the gradient's sign is used.

    .. math::
        s &= \operatorname{sign}(g_t\, g_{t-1}) \\
        \Delta_t &= \operatorname{clip}(\Delta_{t-1} \cdot
            \{\eta_+ \text{ if } s > 0;\ \eta_- \text{ if } s < 0;\ 1 \text{ otherwise}\},
            \Delta_{min}, \Delta_{max}) \\
        g_t &\leftarrow 0 \text{ where } s < 0 \\
        \theta &\leftarrow \theta - \operatorname{sign}(g_t)\, \Delta_t

    :math:`\Delta_0 = \gamma` (the lr). State: ``step``, ``prev`` (the last gradient kept),
    ``step_size`` (:math:`\Delta`).
    """

    _sparse_message = "Rprop does not support sparse gradients"

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                        maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one Rprop step; ``closure`` re-evaluates the model and returns the loss."""
        return self._step_singles(closure)

    def _group_hyper(self, group):
        return (*group["etas"], *group["step_sizes"], group["differentiable"])

    def _init_single(self, p, state, group):
        lr = _value(_scalar(group["lr"]))
        state.update(step=_new_step(), prev=ember.zeros_like(p),
                     step_size=ember.full_like(p.grad, complex(lr, lr) if p.is_complex()
                                               else lr))

    def _apply_single(self, grad, p, state, hyper):
        etaminus, etaplus, step_size_min, step_size_max, differentiable = hyper
        state["step"] += 1
        grad, prev, param, step_size = _real_views(p, grad, state["prev"], p,
                                                   state["step_size"])
        # differentiable: multiply by a copy, as prev is overwritten below
        sign = grad.mul(prev.clone() if differentiable else prev).sign()
        sign[sign.gt(0)] = etaplus
        sign[sign.lt(0)] = etaminus
        sign[sign.eq(0)] = 1
        step_size.mul_(sign).clamp_(step_size_min, step_size_max)
        grad = grad.clone()
        grad[sign.eq(etaminus)] = 0
        param.addcmul_(grad.sign(), step_size, value=-1)
        prev.copy_(grad)
