"""Stochastic gradient descent, as torch.optim.SGD."""
import ember

from . import _kernels
from .optimizer import (Optimizer, _check_fused, _check_fused_param, _check_lr, _scalar,
                        _use_grad_for_differentiable, _value)

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent with optional momentum (torch.optim.SGD).

    For each parameter :math:`\theta` with gradient :math:`g_t` at step :math:`t`:

    .. math::
        g &\leftarrow -g_t \text{ if maximize else } g_t \\
        g &\leftarrow g + \lambda \theta \quad (\text{weight decay } \lambda \ne 0) \\
        b_t &= g \text{ at the first step, else } \mu b_{t-1} + (1 - \tau) g
               \quad (\text{momentum } \mu \ne 0, \text{ dampening } \tau) \\
        g &\leftarrow g + \mu b_t \text{ if nesterov else } b_t \\
        \theta &\leftarrow \theta - \gamma g

    The momentum buffer :math:`b` lives in ``state[p]["momentum_buffer"]``.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        _check_fused(fused, foreach, differentiable)
        # torch checks the dtype of the first parameter with a gradient, once
        self._need_device_dtype_check_for_fused = bool(fused)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group.setdefault("nesterov", False)
            group.setdefault("maximize", False)
            group.setdefault("foreach", None)
            group.setdefault("differentiable", False)
            group.setdefault("fused", False)

    @_use_grad_for_differentiable
    def step(self, closure=None):
        """Perform one SGD step; ``closure`` re-evaluates the model and returns the loss."""
        loss = None
        if closure is not None:
            with ember.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr = _scalar(group["lr"])
            lr_needs_grad = isinstance(lr, ember.Tensor) and lr.requires_grad
            alpha = None if lr_needs_grad else -_value(lr)
            wd = group["weight_decay"]
            momentum = group["momentum"]
            dampening = group["dampening"]
            nesterov = group["nesterov"]
            maximize = group["maximize"]
            plain = not (group["differentiable"] or lr_needs_grad)
            for p in group["params"]:
                if p.grad is None:
                    continue
                if group["fused"] and getattr(self, "_need_device_dtype_check_for_fused", True):
                    _check_fused_param(p)
                    self._need_device_dtype_check_for_fused = False
                buf = self.state[p].get("momentum_buffer") if momentum != 0 else None
                if plain and _kernels.fast_ok(p, (buf,), (lr, wd, momentum, dampening)):
                    # the same arithmetic on raw arrays, in place (no temporaries per op)
                    new = _kernels.sgd_(p._data, p.grad._data,
                                        None if buf is None else buf._data, lr=lr, wd=wd,
                                        momentum=momentum, dampening=dampening,
                                        nesterov=nesterov, maximize=maximize)
                    if new is not None:
                        self.state[p]["momentum_buffer"] = ember.from_numpy(new)
                    elif buf is not None:
                        buf._bump_version()
                    p._bump_version()
                    continue
                grad = -p.grad if maximize else p.grad
                if wd != 0:
                    grad = grad.add(p, alpha=_value(wd))
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = grad.detach().clone()
                        state["momentum_buffer"] = buf
                    else:
                        buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                    grad = grad.add(buf, alpha=momentum) if nesterov else buf
                if lr_needs_grad:
                    # a differentiable lr enters the graph (hypergradients)
                    p.addcmul_(grad, lr, value=-1)
                else:
                    p.add_(grad, alpha=alpha)
        return loss
