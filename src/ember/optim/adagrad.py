"""Adagrad, as torch.optim.Adagrad."""
import ember

from .optimizer import (Optimizer, _check_fused, _check_fused_param, _check_lr, _new_step,
                        _real_views, _scalar, _use_grad_for_differentiable, _value,
                        _weight_decay)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (torch.optim.Adagrad): per-coordinate steps scaled by the accumulated squared
    gradients.

    .. math::
        g &\leftarrow \pm g_t + \lambda\theta \\
        \tilde\gamma &= \gamma / (1 + (t - 1)\,\eta) \quad\text{(lr decay } \eta) \\
        s_t &= s_{t-1} + g^2 \quad (s_0 = \text{initial\_accumulator\_value}) \\
        \theta &\leftarrow \theta - \tilde\gamma\, g / (\sqrt{s_t} + \epsilon)

    State (created at construction, as torch does): ``step`` and ``sum`` (:math:`s`).
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError("Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        _check_fused(fused, foreach, differentiable)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = _new_step()
                init = (complex(initial_accumulator_value, initial_accumulator_value)
                        if p.is_complex() else initial_accumulator_value)
                state["sum"] = ember.full_like(p, init)

    def share_memory(self):
        """Move the accumulators into shared memory (torch.optim.Adagrad.share_memory)."""
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["sum"].share_memory_()

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one Adagrad step; ``closure`` re-evaluates the model and returns the loss."""
        return self._step_singles(closure)

    def _group_hyper(self, group):
        return (_scalar(group["lr"]), group["weight_decay"], group["eps"], group["lr_decay"],
                group["differentiable"])

    def _check_single(self, p, group):
        if group["fused"]:
            _check_fused_param(p)

    def _init_single(self, p, state, group):
        state.update(step=_new_step(),
                     sum=ember.full_like(p, self.defaults["initial_accumulator_value"]))

    def _apply_single(self, grad, p, state, hyper):
        lr, wd, eps, lr_decay, differentiable = hyper
        state["step"] += 1
        step = _value(state["step"])
        grad = _weight_decay(grad, p, wd)
        clr = _value(lr / (1 + (step - 1) * lr_decay))
        grad, state_sum, param = _real_views(p, grad, state["sum"], p)
        state_sum.addcmul_(grad, grad, value=1)
        # differentiable: out of place, as sqrt's backward needs its result
        std = state_sum.sqrt() + eps if differentiable else state_sum.sqrt().add_(eps)
        param.addcdiv_(grad, std, value=-clr)
